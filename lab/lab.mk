# lab/: the embedded lab (netns provider) and failure injection.
LAB_SRCS := lab/topo.c lab/lab.c lab/netns.c lab/ovs.c lab/san.c \
	lab/hostdisk.c lab/hostclock.c lab/bmc.c lab/bmcctl.c \
	lab/inject.c lab/lab_cmd.c lab/labssh.c lab/provider.c \
	lab/remote.c lab/remote_host.c lab/remote_inv.c lab/remote_ssh.c

# hvlab-init: PID 1 of a lab node (host, switch, SAN).
bin/hvlab-init: $(patsubst %.c,$(OBJ)/%.o,lab/hostinit.c $(COMMON_SRCS))
EXTRA_PROGS += bin/hvlab-init

# hvlab-bmc: the lab's BMCs (Redfish over HTTPS), started by `lab up`.
bin/hvlab-bmc: $(patsubst %.c,$(OBJ)/%.o,lab/bmcd.c $(LAB_SRCS) \
	$(COMMON_SRCS) $(COMMON_YAML_SRCS))
EXTRA_PROGS += bin/hvlab-bmc
