/*
 * guest_init.c - PID 1 of the hvlab guest: modules, eth0, then the agent.
 *
 * The initramfs /init is the agent binary itself; when it runs as PID 1 it
 * comes here first.  Written in C rather than as a busybox script because
 * every fork+exec costs tens of milliseconds under TCG and every failover
 * waits for this boot.  Steps:
 *
 *   1. mount devtmpfs, proc, sysfs; console on fds 0-2
 *   2. read the hvlab.* parameters from /proc/cmdline and the SMBIOS
 *      OEM strings (params.h); set the hostname
 *   3. load the modules listed in /etc/modules (finit_module, in order;
 *      mkinitrd.sh wrote them dependencies first) up to virtio_net; eth0
 *      is brought up the moment virtio_net is loaded, because link-watch
 *      holds carrier back for up to a second and that delay should
 *      overlap the rest
 *   4. lo up; address, netmask and default route on eth0 (ioctl)
 *   5. fork the agent (which prints the ready line once it listens), load
 *      the remaining modules (virtio_blk; ext4 on the disk guest) meanwhile,
 *      mount the hvlab.data= partition on /data, create
 *      GUEST_MODULES_DONE, broadcast a gratuitous ARP once eth0 has
 *      carrier, fork the power-button watcher (6.); then reap children
 *      forever, restarting the agent should it exit.
 *   6. the ACPI power button (QEMU's system_powerdown, hvd's "vm
 *      shutdown"): the button and evdev modules give it an input device;
 *      a child reads every /dev/input/event* and, on KEY_POWER, syncs the
 *      disks and powers the machine off (QEMU then exits).
 *
 * guest_init() returns only in the forked agent child.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/ethtool.h>
#include <linux/input.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest_init.h"

#define INIT_MODULES	"/etc/modules"
#define INIT_MODDIR	"/lib/modules/"

static int init_debug;
static int init_shell;

static void
init_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
init_say(const char *fmt, ...)
{
	va_list ap;

	fputs("hvlab-init: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* hvlab.debug=1: the uptime at each step, for boot time tuning. */
static void
init_step(const char *what)
{
	struct timespec ts;

	if (!init_debug)
		return;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	init_say("%ld.%03ld %s", (long)ts.tv_sec, ts.tv_nsec / 1000000, what);
}

static void
init_console(void)
{
	int fd;

	if (fcntl(0, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void
init_params(struct guest_params *p)
{
	char err[256];
	int n = guest_params_read(p, GUEST_CMDLINE, GUEST_DMI_DIR, err,
	    sizeof(err));

	init_debug = p->gp_debug;
	init_shell = p->gp_shell;
	if (err[0])
		init_say("SMBIOS OEM strings ignored: %s", err);
	if (n > 0)
		init_step("parameters from SMBIOS OEM strings too");
}

/*
 * Mount the disk guest's own filesystem (hvlab.data=DEV, ext4) on
 * GUEST_DATA_DIR.  virtio_blk has just been loaded: allow its partitions a
 * moment to appear.  A failure is said; the guest runs on without it.
 */
static void
init_mount_data(const char *dev)
{
	struct stat st;
	int i;

	for (i = 0; i < 300 && stat(dev, &st) < 0; i++)
		usleep(10 * 1000);
	if (mount(dev, GUEST_DATA_DIR, "ext4", MS_NOATIME, NULL) < 0)
		init_say("hvlab.data=%s: mount on " GUEST_DATA_DIR ": %s", dev,
		    strerror(errno));
	else
		init_step("data filesystem mounted");
}

static int
init_module_load(const char *rel)
{
	char path[512];
	int fd, rc;

	snprintf(path, sizeof(path), INIT_MODDIR "%s", rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		init_say("%s: %s", path, strerror(errno));
		return -1;
	}
	rc = (int)syscall(SYS_finit_module, fd, "", 0);
	if (rc < 0 && errno != EEXIST)
		init_say("load %s: %s", path, strerror(errno));
	close(fd);
	return rc < 0 && errno != EEXIST ? -1 : 0;
}

/* Set IFF_UP on ifname.  0 or -1 (errno). */
static int
init_link_up(int s, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/*
 * Transmit checksum offload off on ifname: the guest then finishes its
 * TCP/UDP checksums itself.  With QEMU's tap vnet_hdr=on (its default)
 * virtio-net would hand them to the "hardware", and an OVS userspace
 * datapath forwards such frames unfinished, so every receiver drops them
 * (docs/lab.md "vnet_hdr"): ping works, TCP does not.  Best effort.
 */
static void
init_tx_csum_off(int s, const char *ifname)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = 0 };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	if (ioctl(s, SIOCETHTOOL, &ifr) < 0)
		init_say("%s: tx checksum offload stays on: %s", ifname,
		    strerror(errno));
}

/* eth0 and lo up right after virtio_net loaded.  1 when eth0 is up. */
static int
init_eth0_up(int s)
{
	int up = 0;

	/* The device is probed during the load; allow a moment in case the
	 * probe is deferred. */
	for (int i = 0; i < 100; i++) {
		if (init_link_up(s, "eth0") == 0) {
			init_tx_csum_off(s, "eth0");
			up = 1;
			break;
		}
		usleep(10 * 1000);
	}
	if (init_link_up(s, "lo") < 0)
		init_say("lo: %s", strerror(errno));
	init_step("eth0 up");
	return up;
}

static void
set_sin(struct sockaddr *sa, in_addr_t a)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = a;
	memcpy(sa, &sin, sizeof(sin));
}

/*
 * Address ADDR/NN on ifname, and a default route via gw when gw is not
 * empty.  Returns 0 or -1 after saying what went wrong.
 */
static int
init_addr(int s, const char *ifname, const char *cidr, const char *gw)
{
	char addr[64], *slash;
	struct in_addr a, g;
	struct ifreq ifr;
	struct rtentry rt;
	in_addr_t mask;
	long plen = 24;

	snprintf(addr, sizeof(addr), "%s", cidr);
	slash = strchr(addr, '/');
	if (slash) {
		char *end;
		*slash = '\0';
		plen = strtol(slash + 1, &end, 10);
		if (*end != '\0' || plen < 1 || plen > 32) {
			init_say("hvlab.ip=%s: bad prefix length", cidr);
			return -1;
		}
	}
	if (inet_pton(AF_INET, addr, &a) != 1) {
		init_say("hvlab.ip=%s: not an IPv4 address", cidr);
		return -1;
	}
	mask = htonl(plen == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> plen));

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	set_sin(&ifr.ifr_addr, a.s_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		goto fail_ioctl;
	set_sin(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		goto fail_ioctl;
	set_sin(&ifr.ifr_broadaddr, a.s_addr | ~mask);
	if (ioctl(s, SIOCSIFBRDADDR, &ifr) < 0)
		goto fail_ioctl;
	if (gw[0] == '\0')
		return 0;
	if (inet_pton(AF_INET, gw, &g) != 1) {
		init_say("hvlab.gw=%s: not an IPv4 address", gw);
		return -1;
	}
	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, INADDR_ANY);
	set_sin(&rt.rt_genmask, INADDR_ANY);
	set_sin(&rt.rt_gateway, g.s_addr);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)ifname;
	if (ioctl(s, SIOCADDRT, &rt) < 0) {
		init_say("default route via %s: %s", gw, strerror(errno));
		return -1;
	}
	return 0;
fail_ioctl:
	init_say("hvlab.ip=%s on %s: %s", cidr, ifname, strerror(errno));
	return -1;
}

/*
 * Broadcast a gratuitous ARP for our address once eth0 has carrier, so a
 * switch and the neighbours learn where a guest restarted elsewhere is.
 * Best effort: failures are only reported.
 */
static void
init_announce(const char *ifname, const char *cidr)
{
	struct {
		struct arphdr	h;
		unsigned char	sha[ETH_ALEN], spa[4], tha[ETH_ALEN], tpa[4];
	} __attribute__((packed)) pkt;
	struct sockaddr_ll sll;
	struct ifreq ifr;
	struct in_addr a;
	char addr[64], carrier = '0';
	int s = -1;

	snprintf(addr, sizeof(addr), "%s", cidr);
	addr[strcspn(addr, "/")] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		return;
	/* No carrier, no transmission: link-watch may still hold it. */
	for (int i = 0; i < 300 && carrier != '1'; i++) {
		char path[128];
		int fd;

		snprintf(path, sizeof(path), "/sys/class/net/%s/carrier",
		    ifname);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (read(fd, &carrier, 1) != 1)
				carrier = '0';
			close(fd);
		}
		if (carrier != '1')
			usleep(10 * 1000);
	}
	s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	if (s < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifr.ifr_ifindex;
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xFF, ETH_ALEN);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		goto fail;
	memset(&pkt, 0, sizeof(pkt));
	pkt.h.ar_hrd = htons(ARPHRD_ETHER);
	pkt.h.ar_pro = htons(ETH_P_IP);
	pkt.h.ar_hln = ETH_ALEN;
	pkt.h.ar_pln = 4;
	pkt.h.ar_op = htons(ARPOP_REQUEST);
	memcpy(pkt.sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(pkt.spa, &a, 4);
	memcpy(pkt.tpa, &a, 4);
	if (sendto(s, &pkt, sizeof(pkt), 0, (struct sockaddr *)&sll,
	    sizeof(sll)) < 0)
		goto fail;
	close(s);
	init_step("gratuitous ARP sent");
	return;
fail:
	init_say("gratuitous ARP on %s: %s", ifname, strerror(errno));
	if (s >= 0)
		close(s);
}

/* Child: wait for KEY_POWER on any input device, then sync and power off. */
static void
init_power_button(void)
{
	struct pollfd pfd[8];
	struct input_event ev;
	char path[64];
	struct dirent *d;
	DIR *dir;
	int i, n = 0;

	dir = opendir("/dev/input");
	while (dir != NULL && n < 8 && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "event", 5) != 0)
			continue;
		snprintf(path, sizeof(path), "/dev/input/%s", d->d_name);
		pfd[n].fd = open(path, O_RDONLY | O_CLOEXEC);
		pfd[n].events = POLLIN;
		if (pfd[n].fd >= 0)
			n++;
	}
	if (dir != NULL)
		closedir(dir);
	if (n == 0) {
		init_say("power button: no input device (ACPI shutdown "
		    "ignored)");
		_exit(1);
	}
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (read(pfd[i].fd, &ev, sizeof(ev)) != sizeof(ev))
				continue;
			if (ev.type == EV_KEY && ev.code == KEY_POWER &&
			    ev.value == 1) {
				init_say("power button: powering off");
				sync();
				reboot(RB_POWER_OFF);
				_exit(1);
			}
		}
	}
}

static pid_t
init_spawn_agent(void)
{
	pid_t pid = fork();

	if (pid < 0)
		init_say("fork: %s", strerror(errno));
	return pid;
}

/* Load the next module listed in f (skipping blanks and comments) into
 * line: 1, or 0 at the end of the list. */
static int
init_module_next(FILE *f, char *line, size_t len)
{
	while (f && fgets(line, (int)len, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		init_module_load(line);
		init_step(line);
		return 1;
	}
	return 0;
}

/* Modules up to virtio_net, eth0 up and addressed: 1 when eth0 is up. */
static int
init_network(struct guest_params *net, FILE *f)
{
	char line[512];
	int s, net_up = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	while (init_module_next(f, line, sizeof(line))) {
		/* virtio_net, or e1000 for a NIC model e1000 (mkinitrd.sh
		 * lists it right after virtio_net): eth0 up then. */
		if (strstr(line, "/virtio_net.ko") && s >= 0 &&
		    if_nametoindex("eth0") != 0) {
			net_up = init_eth0_up(s);
			break;
		}
		if (strstr(line, "/e1000.ko") && s >= 0) {
			net_up = init_eth0_up(s);
			break;
		}
	}
	if (net_up && net->gp_ip[0]) {
		if (init_addr(s, "eth0", net->gp_ip, net->gp_gw) < 0)
			net->gp_ip[0] = '\0';
	} else if (!net_up) {
		init_say("eth0: no virtio-net device");
		net->gp_ip[0] = '\0';
	}
	if (s >= 0)
		close(s);
	init_step("network configured");
	return net_up;
}

/* The power button watcher and, with hvlab.shell=1, a console shell. */
static void
init_helpers(void)
{
	if (fork() == 0) {
		init_power_button();
		_exit(1);
	}
	if (init_shell && fork() == 0) {
		/* hvlab.shell=1: a busybox shell on the console (-serial stdio
		 * or a pty), for looking around a guest by hand. */
		setsid();
		ioctl(0, TIOCSCTTY, 1);
		execl("/bin/busybox", "sh", (char *)NULL);
		_exit(127);
	}
}

/* Reap children for ever, restarting the agent when it exits; returns
 * only in a new agent process. */
static void
init_reap(pid_t agent)
{
	int status;
	pid_t pid;

	for (;;) {
		if (agent < 0) {
			sleep(1);
			agent = init_spawn_agent();
			if (agent == 0)
				return;
			continue;
		}
		pid = wait(&status);
		if (pid < 0) {
			if (errno == ECHILD)
				sleep(1);
			continue;
		}
		if (pid != agent)
			continue;
		init_say("agent exited (status %d), restarting", status);
		sleep(1);
		agent = init_spawn_agent();
		if (agent == 0)
			return;
	}
}

int
guest_init(struct guest_params *net)
{
	char line[512];
	FILE *f;
	pid_t agent;
	int net_up;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	init_console();
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	setsid();
	init_params(net);
	init_step("start");
	sethostname(net->gp_name, strlen(net->gp_name));

	f = fopen(INIT_MODULES, "r");
	if (f == NULL)
		init_say(INIT_MODULES ": %s", strerror(errno));
	/* Modules up to virtio_net now, the rest once the agent runs. */
	net_up = init_network(net, f);
	agent = init_spawn_agent();
	if (agent == 0) {
		if (f)
			fclose(f);
		return 0;
	}
	/* The disk drivers load while the agent starts; it waits for
	 * INIT_MODULES_DONE before it picks a data disk. */
	while (init_module_next(f, line, sizeof(line)))
		;
	if (f)
		fclose(f);
	if (net->gp_data[0])
		init_mount_data(net->gp_data);
	close(open(GUEST_MODULES_DONE, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	init_step("modules loaded");
	if (net_up && net->gp_ip[0])
		init_announce("eth0", net->gp_ip);
	init_helpers();
	init_reap(agent);
	return 0;
}
