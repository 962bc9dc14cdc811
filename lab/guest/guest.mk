# lab/guest/: the guest image every lab VM boots (see docs/guest.md).
#
# build/guest/vmlinuz   the Debian kernel (apt-get download + dpkg-deb -x,
#                       never installed); vmlinux is the uncompressed ELF
#                       inside it, which QEMU boots directly (PVH entry)
# build/guest/initrd.img busybox-static + virtio modules + /init + agent
# build/guest/disk.img  the same guest as a bootable disk (raw): MBR,
#                       syslinux, vmlinuz, initrd-disk.img (initrd.img +
#                       ext4), an ext4 data partition (mkdisk.sh)
# build/guest/disk.qcow2 the same disk as qcow2
# build/guest/agent     static guest agent (TCP 7777, docs/guest.md)
# build/guest/agentctl  host-side client of the agent, journal reader
# build/guest/cmdline   kernel command line to boot it with (+ hvlab.*)
# build/guest/tsckhz    prints this machine's TSC kHz (for the cmdline)
GUEST_DIR    := $(BUILD)/guest
GUEST_CFLAGS := -std=gnu11 $(WARN) -O2 -D_GNU_SOURCE
GUEST_JOURNAL := lab/guest/journal.c lab/guest/journal.h
GUEST_AGENT_SRCS := lab/guest/agent.c lab/guest/guest_init.c \
	lab/guest/journal.c lab/guest/params.c lab/guest/datafile.c \
	lab/guest/sha256.c lab/guest/burn.c
# Modules the disk guest adds to its initramfs for its data filesystem
# (ext4 wants the crc32c hash; the generic one, TCG's CPU has no SSE4.2).
GUEST_DISK_MODULES := crc32c_generic ext4

.PHONY: guest
guest: $(GUEST_DIR)/vmlinuz $(GUEST_DIR)/vmlinux $(GUEST_DIR)/initrd.img \
	$(GUEST_DIR)/agentctl $(GUEST_DIR)/cmdline $(GUEST_DIR)/disk.img \
	$(GUEST_DIR)/disk.qcow2

# The kernel command line every guest boots with (plus its hvlab.* part):
# lab/guest/cmdline and this machine's TSC frequency (see tsckhz.c), so the
# file is specific to the machine that built it.
$(GUEST_DIR)/cmdline: lab/guest/cmdline $(GUEST_DIR)/tsckhz
	$(call msg,GEN,$@)
	$(Q)if khz=$$($(GUEST_DIR)/tsckhz); then \
		echo "$$(cat lab/guest/cmdline) tsc_early_khz=$$khz" >$@.tmp; \
	else cp lab/guest/cmdline $@.tmp; fi && mv $@.tmp $@

$(GUEST_DIR)/tsckhz: lab/guest/tsckhz.c
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ $<

# One run makes both; touch so make sees them newer than the script even
# when the script found them already there.
$(GUEST_DIR)/vmlinuz $(GUEST_DIR)/vmlinux &: lab/guest/fetch-kernel.sh
	@mkdir -p $(GUEST_DIR)
	$(Q)sh lab/guest/fetch-kernel.sh $(GUEST_DIR)
	$(Q)touch $(GUEST_DIR)/vmlinuz $(GUEST_DIR)/vmlinux

$(GUEST_DIR)/initrd.img: lab/guest/mkinitrd.sh \
		$(GUEST_DIR)/agent $(GUEST_DIR)/vmlinux
	$(call msg,INITRD,$@)
	$(Q)sh lab/guest/mkinitrd.sh $(GUEST_DIR) $(GUEST_DIR)/agent

$(GUEST_DIR)/initrd-disk.img: lab/guest/mkinitrd.sh \
		$(GUEST_DIR)/agent $(GUEST_DIR)/vmlinux
	$(call msg,INITRD,$@)
	$(Q)sh lab/guest/mkinitrd.sh $(GUEST_DIR) $(GUEST_DIR)/agent \
		initrd-disk.img "$(GUEST_DISK_MODULES)"

# One run makes both.
$(GUEST_DIR)/disk.img $(GUEST_DIR)/disk.qcow2 &: lab/guest/mkdisk.sh \
		$(GUEST_DIR)/vmlinuz $(GUEST_DIR)/initrd-disk.img \
		$(GUEST_DIR)/cmdline
	$(call msg,DISK,$@)
	$(Q)sh lab/guest/mkdisk.sh $(GUEST_DIR)

$(GUEST_DIR)/agent: $(GUEST_AGENT_SRCS) lab/guest/journal.h \
		lab/guest/guest_init.h lab/guest/params.h lab/guest/datafile.h \
		lab/guest/sha256.h lab/guest/burn.h
	@mkdir -p $(@D)
	$(call msg,CC-STAT,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -static -s -o $@ \
		$(GUEST_AGENT_SRCS) -lpthread

$(GUEST_DIR)/agentctl: lab/guest/agentctl.c $(GUEST_JOURNAL)
	@mkdir -p $(@D)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(GUEST_CFLAGS) -o $@ lab/guest/agentctl.c \
		lab/guest/journal.c
