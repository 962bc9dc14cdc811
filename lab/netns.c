/*
 * netns.c - the `netns` lab provider: the lab built from namespaces, veth
 * pairs, Open vSwitch (userspace datapath) and tgtd on this machine.
 *
 * Nodes: every host, the switch ("sw") and the SAN ("san") run under
 * their own hvlab-init (lab/hostinit.c) in the named network namespace
 * <lab>-<node> plus private pid, mount and uts namespaces; the station is a
 * bare network namespace <lab>-st.  Cables are veth pairs made directly
 * inside the two namespaces they join (host: ethN, switch: <host>-ethN;
 * SAN: eth0 <-> san; station: eth0 <-> st), so no interface of a lab ever
 * appears in the machine's own namespace and IFNAMSIZ is respected.
 *
 * Power pull = SIGKILL of the host's init (the kernel ends every process
 * of its pid namespace) and its NICs taken down, so the switch ports lose
 * carrier.  A NIC unplug takes the switch end down (the host end loses
 * carrier); the two are kept apart so a power-on does not plug a cable
 * back.  `down` finds everything by name: init pid files, every process
 * whose network namespace is one of the lab's, the namespaces
 * /run/netns/<lab>-*, and the state directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "netif.h"
#include "proc.h"
#include "lab/bmcctl.h"
#include "lab/hostclock.h"
#include "lab/hostdisk.h"
#include "lab/lab.h"
#include "lab/ovs.h"
#include "lab/labssh.h"
#include "lab/provider.h"
#include "lab/san.h"

#define RUN_TIMEOUT_MS 30000
#define BOOT_TIMEOUT_MS 90000
#define REACH_TIMEOUT_MS 30000	/* LACP and learning settle in ~1-3 s */
#define MAX_ARGS 64

/* ---- small helpers ---- */

/* Run a program (NULL-terminated words); 0 or -1 with err. */
static int
xrun(char *err, const char *arg0, ...)
{
	const char *argv[MAX_ARGS];
	va_list ap;
	int n = 0;

	argv[n++] = arg0;
	va_start(ap, arg0);
	while (n < MAX_ARGS - 1 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return proc_run(argv, NULL, RUN_TIMEOUT_MS, NULL, err);
}

static void
ns_name(const char *lab, const char *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%s", lab, node);
}

static void
node_dir(const struct lab *lab, const char *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", lab->l_state, node);
}

static int
mkdir_one(const char *path, char *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return err_errno(err, "%s", path);
	return 0;
}

static const char *
init_path(void)
{
	static char buf[PATH_MAX];
	const char *env = getenv("HVLAB_INIT");

	if (env != NULL && *env)
		return env;
	return lab_prog_path("hvlab-init", buf, sizeof(buf));
}

/* 1 when pid runs hvlab-init for node `name` (guards against pid reuse). */
static int
is_our_init(pid_t pid, const char *name)
{
	char buf[4096];
	ssize_t n;
	int i, found = 0;

	if ((n = proc_read(pid, "cmdline", buf, sizeof(buf))) < 0)
		return 0;
	if (strstr(buf, "hvlab-init") == NULL)
		return 0;
	for (i = 0; i < n - 1; i++) {
		if (buf[i] == '\0' && strcmp(buf + i + 1, "--name") == 0) {
			const char *v = buf + i + 1 + strlen("--name") + 1;

			if (v < buf + n && strcmp(v, name) == 0)
				found = 1;
		}
	}
	return found;
}

/* Pid of node's running init, or 0 when it is off. */
static pid_t
node_pid(const struct lab *lab, const char *node)
{
	char path[LAB_PATH_MAX + 32];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s/init.pid", lab->l_state, node);
	pid = lab_read_pid(path);
	if (pid > 0 && is_our_init(pid, node))
		return pid;
	return 0;
}

/* Set a sysctl inside a named network namespace (child process). */
struct sysctl_arg {
	const char *path;
	const char *value;
};

static int
sysctl_fn(void *p)
{
	struct sysctl_arg *a = p;
	char path[256];
	int fd;

	/* /proc/sys/net follows the writer's network namespace. */
	snprintf(path, sizeof(path), "/proc/sys/net/%s", a->path);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return 1;
	if (write(fd, a->value, strlen(a->value)) < 0) {
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

static int
ns_sysctl(const char *ns, const char *path, const char *value, char *err)
{
	struct sysctl_arg a = { path, value };
	int rc = ns_run(ns, 0, 0, sysctl_fn, &a, err);

	if (rc < 0)
		return -1;
	if (rc != 0)
		return err_set(err, "%s: cannot set net/%s", ns, path);
	return 0;
}

/* Transmit checksum offload off on a veth end, in the device's
 * namespace (common/netif.h says why). */
static int
txcsum_fn(void *p)
{
	return netif_txcsum_off(p) < 0 ? 1 : 0;
}

static int
txcsum_off(const char *ns, const char *dev, char *err)
{
	int rc = ns_run(ns, 0, 0, txcsum_fn, (void *)dev, err);

	if (rc < 0)
		return -1;
	if (rc != 0)
		return err_set(err, "%s: %s: cannot turn checksum offload off",
		    ns, dev);
	return 0;
}

static int
link_set(const char *ns, const char *dev, int up, char *err)
{
	return xrun(err, "ip", "-n", ns, "link", "set", dev,
	    up ? "up" : "down", NULL);
}

/* ---- booting a node under hvlab-init ---- */

enum node_kind { NODE_HOST, NODE_SWITCH, NODE_SAN };

/* A witness SAN off the management VLAN has a second cable to it. */
static int
san_mgmt_cable(const struct topo *t)
{
	return t->t_san.s_present && t->t_san.s_witness &&
	    t->t_san.s_mgmt_addr != t->t_san.s_addr;
}

/* Start node's init; returns the pid of the starter (it exits when the
 * node has booted), or -1. */
static pid_t
node_start(const struct lab *lab, const char *node, enum node_kind kind,
    char *err)
{
	char dir[LAB_PATH_MAX], ns[64], nsarg[128], pidf[LAB_PATH_MAX + 16];
	char logf[LAB_PATH_MAX + 16], svc1[LAB_PATH_MAX + 16];
	char svc2[LAB_PATH_MAX + 16];
	char m[6 + HOSTDISK_MAX][LAB_PATH_MAX + 64], disk[LAB_PATH_MAX + 8];
	char env[HOSTCLOCK_NENV][HOSTCLOCK_ENV_MAX];
	struct hostdisk_dir hd[HOSTDISK_MAX];
	const char *argv[40 + 2 * HOSTDISK_MAX + 2 * HOSTCLOCK_NENV];
	size_t nhd = 0, k;
	int n = 0, nm = 0, i;
	struct proc_opts o;

	node_dir(lab, node, dir, sizeof(dir));
	ns_name(lab->l_topo.t_name, node, ns, sizeof(ns));
	ns_path(ns, nsarg, sizeof(nsarg));
	snprintf(pidf, sizeof(pidf), "%s/init.pid", dir);
	snprintf(logf, sizeof(logf), "%s/console.log", dir);
	snprintf(svc1, sizeof(svc1), "%s/services", dir);
	snprintf(svc2, sizeof(svc2), "%s/disk/services", dir);
	unlink(pidf);
	snprintf(m[nm++], sizeof(m[0]), "%s/disk/var-log:/var/log", dir);
	if (kind != NODE_SAN)
		snprintf(m[nm++], sizeof(m[0]),
		    "%s/disk/etc-openvswitch:/etc/openvswitch", dir);
	/* Directories the platform declared (lab/hostdisk.h), after the
	 * lab's own so they may sit inside them (/var/log/...). */
	snprintf(disk, sizeof(disk), "%s/disk", dir);
	if (hostdisk_load(disk, hd, HOSTDISK_MAX, &nhd, err) == -1)
		return -1;
	for (k = 0; k < nhd; k++) {
		char name[HOSTDISK_PATH_MAX];

		if (hd[k].hd_tmpfs)
			continue;
		hostdisk_name(hd[k].hd_path, name, sizeof(name));
		snprintf(m[nm++], sizeof(m[0]), "%s/%s:%s", disk, name,
		    hd[k].hd_path);
	}
	argv[n++] = init_path();
	argv[n++] = "--name";
	argv[n++] = node;
	argv[n++] = "--netns";
	argv[n++] = nsarg;
	argv[n++] = "--pidfile";
	argv[n++] = pidf;
	argv[n++] = "--log";
	argv[n++] = logf;
	for (i = 0; i < nm; i++) {
		argv[n++] = "--mount";
		argv[n++] = m[i];
	}
	argv[n++] = "--tmpfs";
	argv[n++] = "/run";
	for (k = 0; k < nhd; k++)
		if (hd[k].hd_tmpfs) {
			argv[n++] = "--tmpfs";
			argv[n++] = hd[k].hd_path;
		}
	argv[n++] = "--services";
	argv[n++] = svc1;
	argv[n++] = "--services";
	argv[n++] = svc2;
	/* A host's own clock reaches every service it starts. */
	if (kind == NODE_HOST && hostclock_env(lab->l_state, node, env))
		for (i = 0; i < HOSTCLOCK_NENV; i++) {
			argv[n++] = "--env";
			argv[n++] = env[i];
		}
	argv[n] = NULL;
	memset(&o, 0, sizeof(o));
	o.stdin_null = 1;
	o.stderr_file = logf;
	o.stdout_file = logf;
	return proc_spawn(argv, &o, err);
}

/* Wait for starters (pids[i] for nodes[i]); 0 when all booted. */
static int
node_wait(const struct lab *lab, pid_t *pids, const char *const *nodes,
    int n, char *err)
{
	int i, st, rc = 0;

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		if (proc_wait(pids[i], &st, BOOT_TIMEOUT_MS) != 1) {
			proc_kill(pids[i], SIGKILL);
			proc_wait(pids[i], &st, -1);
			st = -1;
		}
		pids[i] = 0;
		if (st != 0 && rc == 0) {
			char dir[LAB_PATH_MAX];

			node_dir(lab, nodes[i], dir, sizeof(dir));
			rc = err_set(err, "%s did not boot (see %s/console.log)",
			    nodes[i], dir);
		}
	}
	return rc;
}

/* Make a node's directories: its dir, disk/ and the lab's mount dirs on
 * it (a platform's own come from its installer: lab/hostdisk.h). */
static int
node_dirs(const struct lab *lab, const char *node, char *err)
{
	static const char *const sub[] = { "disk", "disk/var-log",
	    "disk/etc-openvswitch", NULL };
	char dir[LAB_PATH_MAX], p[LAB_PATH_MAX + 64];
	int i;

	node_dir(lab, node, dir, sizeof(dir));
	if (mkdir_one(dir, err) < 0)
		return -1;
	for (i = 0; sub[i]; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
		if (mkdir_one(p, err) < 0)
			return -1;
	}
	return 0;
}

/* Ping addr from netns `from` until it answers or timeout. */
static int
wait_reach(const char *from, pid_t from_pid, uint32_t addr, long timeout_ms,
    char *err)
{
	char a[16];
	const char *argv[] = { "busybox", "ping", "-c", "1", "-W", "1", "-q", a,
	    NULL };
	struct proc_opts o;
	uint64_t end = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	char e[ERR_LEN];

	topo_addr_str(addr, a, sizeof(a));
	memset(&o, 0, sizeof(o));
	o.netns = from;
	o.ns_pid = from_pid;
	o.ns_types = from_pid ? PROC_NS_NET : 0;
	o.stdin_null = 1;
	while (clock_mono_ns() < end && !lab_interrupted) {
		if (proc_run(argv, &o, 3000, NULL, e) == 0)
			return 0;
		clock_sleep_ns(100 * NS_PER_MS);
	}
	return err_set(err, "%s does not answer from %s", a,
	    from ? from : "its host");
}

/* ---- down ---- */

static int
rm_fn(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		log_warn("remove %s", path);
	return 0;
}

/* Names of the lab's namespaces (/run/netns/<lab>-*). */
static int
lab_namespaces(const char *name, char ns[][64], int max)
{
	DIR *d = opendir("/run/netns");
	struct dirent *de;
	size_t pl = strlen(name);
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		if (strncmp(de->d_name, name, pl) != 0 ||
		    de->d_name[pl] != '-' || strlen(de->d_name) >= 64)
			continue;
		snprintf(ns[n++], 64, "%s", de->d_name);
	}
	closedir(d);
	return n;
}

/* SIGKILL every process living in one of the namespaces; count them. */
static int
kill_in_namespaces(char ns[][64], int nns)
{
	ino_t inos[TOPO_MAX_HOSTS + 8];
	DIR *d;
	struct dirent *de;
	int i, n = 0, killed = 0;

	for (i = 0; i < nns && n < (int)(sizeof(inos) / sizeof(inos[0])); i++) {
		char p[128];
		struct stat st;

		ns_path(ns[i], p, sizeof(p));
		if (stat(p, &st) == 0)
			inos[n++] = st.st_ino;
	}
	if (n == 0 || (d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char p[64], link[64];
		unsigned long ino;
		pid_t pid;
		ssize_t l;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)pid);
		if ((l = readlink(p, link, sizeof(link) - 1)) <= 0)
			continue;
		link[l] = '\0';
		if (sscanf(link, "net:[%lu]", &ino) != 1)
			continue;
		for (i = 0; i < n; i++)
			if ((ino_t)ino == inos[i]) {
				proc_kill(pid, SIGKILL);
				killed++;
			}
	}
	closedir(d);
	return killed;
}

static int
netns_down(const char *name, char *err)
{
	char ns[TOPO_MAX_HOSTS + 8][64], state[LAB_PATH_MAX];
	char e[ERR_LEN];
	struct stat st;
	DIR *d;
	struct dirent *de;
	pid_t inits[TOPO_MAX_HOSTS + 8];
	int nns, i, j, ninit = 0, rc = 0;

	if (topo_check_name(name, err) < 0)
		return -1;
	lab_state_dir(name, state, sizeof(state));
	/* The BMCs first: they power hosts on. */
	bmcctl_stop(state, name);
	/* Inits first: their pid namespaces go down with them. */
	if ((d = opendir(state)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p[LAB_PATH_MAX + 300];
			pid_t pid;

			if (de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s/init.pid", state,
			    de->d_name);
			pid = lab_read_pid(p);
			if (pid > 0 && is_our_init(pid, de->d_name)) {
				proc_kill(pid, SIGKILL);
				if (ninit < (int)(sizeof(inits) / sizeof(inits[0])))
					inits[ninit++] = pid;
			}
		}
		closedir(d);
	}
	for (i = 0; i < ninit; i++)
		for (j = 0; j < 400 && proc_running(inits[i]); j++)
			clock_sleep_ns(5 * NS_PER_MS);
	nns = lab_namespaces(name, ns, TOPO_MAX_HOSTS + 8);
	/* Then anything else in the lab's namespaces (lab exec, probes). */
	for (i = 0; i < 50; i++) {
		if (kill_in_namespaces(ns, nns) == 0)
			break;
		clock_sleep_ns(50 * NS_PER_MS);
	}
	for (i = 0; i < nns; i++)
		if (xrun(e, "ip", "netns", "delete", ns[i], NULL) < 0 &&
		    rc == 0)
			rc = err_set(err, "%s", e);
	if (stat(state, &st) == 0 &&
	    nftw(state, rm_fn, 16, FTW_DEPTH | FTW_PHYS) < 0 && rc == 0)
		rc = err_errno(err, "remove %s", state);
	if (stat(state, &st) == 0 && rc == 0)
		rc = err_set(err, "%s is still there", state);
	return rc;
}

/* ---- up ---- */

static int
check_clash(const struct lab *lab, char *err)
{
	char ours[32], path[LAB_PATH_MAX + 300], line[64];
	char ns[4][64];
	DIR *d;
	struct dirent *de;
	struct stat st;

	if (stat(lab->l_state, &st) == 0 ||
	    lab_namespaces(lab->l_topo.t_name, ns, 4) > 0)
		return err_set(err, "lab %s is already up or was left over: "
		    "hvlab lab down --lab %s", lab->l_topo.t_name,
		    lab->l_topo.t_name);
	topo_addr_str(lab->l_topo.t_base, ours, sizeof(ours));
	if ((d = opendir(lab_state_root())) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/subnet", lab_state_root(),
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL &&
		    strncmp(line, ours, strlen(ours)) == 0 &&
		    line[strlen(ours)] == '/') {
			fclose(f);
			closedir(d);
			return err_set(err, "subnet %s/22 is already used by lab "
			    "%.64s: give this lab another subnet: in %s", ours,
			    de->d_name, lab->l_topo.t_file);
		}
		fclose(f);
	}
	closedir(d);
	return 0;
}

static int
copy_file(const char *from, const char *to, char *err)
{
	FILE *f = fopen(from, "r");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL)
		return err_errno(err, "%s", from);
	buf = malloc(1 << 20);
	if (buf == NULL) {
		fclose(f);
		return err_set(err, "out of memory");
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	rc = lab_write_file(to, buf, 0, err);
	free(buf);
	return rc;
}

/* Make namespace <lab>-node with lo up and IPv6 off. */
static int
make_ns(const struct lab *lab, const char *node, int arp_ignore, char *err)
{
	char ns[64];

	ns_name(lab->l_topo.t_name, node, ns, sizeof(ns));
	if (xrun(err, "ip", "netns", "add", ns, NULL) < 0 ||
	    link_set(ns, "lo", 1, err) < 0 ||
	    ns_sysctl(ns, "ipv6/conf/all/disable_ipv6", "1", err) < 0 ||
	    ns_sysctl(ns, "ipv6/conf/default/disable_ipv6", "1", err) < 0)
		return -1;
	if (arp_ignore &&
	    (ns_sysctl(ns, "ipv4/conf/all/arp_ignore", "1", err) < 0 ||
	    ns_sysctl(ns, "ipv4/conf/all/arp_announce", "2", err) < 0))
		return -1;
	return 0;
}

/* A cable: veth dev_a in <lab>-node_a <-> dev_b in <lab>-node_b. */
static int
make_cable(const struct lab *lab, const char *node_a, const char *dev_a,
    const char *node_b, const char *dev_b, char *err)
{
	char na[64], nb[64];

	ns_name(lab->l_topo.t_name, node_a, na, sizeof(na));
	ns_name(lab->l_topo.t_name, node_b, nb, sizeof(nb));
	if (xrun(err, "ip", "link", "add", "name", dev_a, "netns", na,
	    "type", "veth", "peer", "name", dev_b, "netns", nb, NULL) < 0 ||
	    txcsum_off(na, dev_a, err) < 0 || txcsum_off(nb, dev_b, err) < 0)
		return -1;
	return 0;
}

/* The state directory's files: a copy of the topology, the subnet the
 * lab holds (check_clash reads it) and the provider's name. */
static int
up_state_files(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char path[LAB_PATH_MAX + 32], subnet[32], a[16];

	snprintf(path, sizeof(path), "%s/topology.yaml", lab->l_state);
	if (copy_file(t->t_file, path, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/subnet", lab->l_state);
	topo_addr_str(t->t_base, a, sizeof(a));
	snprintf(subnet, sizeof(subnet), "%s/22\n", a);
	if (lab_write_file(path, subnet, 0, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/provider", lab->l_state);
	if (lab_write_file(path, "netns\n", 0, err) < 0)
		return -1;
	if (lab->l_fake_clock && hostclock_enable(lab->l_state, t, err) < 0)
		return -1;
	return 0;
}

/* A namespace per node: switch, SAN, station and hosts. */
static int
up_namespaces(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	int i;

	lab_progress(lab, "namespaces");
	if (make_ns(lab, "sw", 0, err) < 0)
		return err_prefix(err, "switch");
	if (t->t_san.s_present && make_ns(lab, "san", 0, err) < 0)
		return err_prefix(err, "san");
	if (t->t_station.st_present && make_ns(lab, "st", 0, err) < 0)
		return err_prefix(err, "station");
	if (t->t_bmc.b_present && make_ns(lab, "bmc", 0, err) < 0)
		return err_prefix(err, "bmc");
	for (i = 0; i < t->t_nhosts; i++)
		if (make_ns(lab, t->t_hosts[i].h_name, 1, err) < 0)
			return err_prefix(err, "host %s", t->t_hosts[i].h_name);
	return 0;
}

/* The SAN's cable with its portal address, and its witness address. */
static int
up_san_cables(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char ns[64], a[16], dev[32];

	ns_name(t->t_name, "san", ns, sizeof(ns));
	topo_addr_str(t->t_san.s_addr, a, sizeof(a));
	snprintf(dev, sizeof(dev), "%s/24", a);
	if (make_cable(lab, "san", "eth0", "sw", "san", err) < 0 ||
	    xrun(err, "ip", "-n", ns, "addr", "add", dev, "dev",
	    "eth0", NULL) < 0 || link_set(ns, "eth0", 1, err) < 0)
		return err_prefix(err, "san");
	/* witness: a management address, on eth0 when the SAN is on
	 * the management VLAN, else on a second cable (no 802.1q) */
	if (t->t_san.s_witness) {
		const char *wdev = san_mgmt_cable(t) ? "eth1" : "eth0";

		topo_addr_str(t->t_san.s_mgmt_addr, a, sizeof(a));
		snprintf(dev, sizeof(dev), "%s/24", a);
		if ((san_mgmt_cable(t) && (make_cable(lab, "san",
		    "eth1", "sw", "san-mgmt", err) < 0 ||
		    link_set(ns, "eth1", 1, err) < 0)) ||
		    (t->t_san.s_mgmt_addr != t->t_san.s_addr &&
		    xrun(err, "ip", "-n", ns, "addr", "add", dev,
		    "dev", wdev, NULL) < 0))
			return err_prefix(err, "san witness");
	}
	return 0;
}

/* The station's cable with its address. */
static int
up_station_cable(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char ns[64], a[16], dev[32];

	ns_name(t->t_name, "st", ns, sizeof(ns));
	topo_addr_str(t->t_station.st_addr, a, sizeof(a));
	snprintf(dev, sizeof(dev), "%s/24", a);
	if (make_cable(lab, "st", "eth0", "sw", "st", err) < 0 ||
	    xrun(err, "ip", "-n", ns, "addr", "add", dev, "dev",
	    "eth0", NULL) < 0 || link_set(ns, "eth0", 1, err) < 0)
		return err_prefix(err, "station");
	return 0;
}

/* The BMCs' cable: one address per host's BMC on its eth0. */
static int
up_bmc_cable(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char ns[64], a[16], dev[32];
	int i;

	ns_name(t->t_name, "bmc", ns, sizeof(ns));
	if (make_cable(lab, "bmc", "eth0", "sw", "bmc", err) < 0 ||
	    link_set(ns, "eth0", 1, err) < 0)
		return err_prefix(err, "bmc");
	for (i = 0; i < t->t_nhosts; i++) {
		topo_addr_str(t->t_hosts[i].h_bmc_addr, a, sizeof(a));
		snprintf(dev, sizeof(dev), "%s/24", a);
		if (xrun(err, "ip", "-n", ns, "addr", "add", dev, "dev",
		    "eth0", NULL) < 0)
			return err_prefix(err, "bmc of host %s",
			    t->t_hosts[i].h_name);
	}
	return 0;
}

/* Switch ends up: the cables are plugged. */
static int
up_plug(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char ns[64], dev[32];
	int i, j;

	ns_name(t->t_name, "sw", ns, sizeof(ns));
	for (i = 0; i < t->t_nhosts; i++)
		for (j = 0; j < t->t_hosts[i].h_nics; j++) {
			snprintf(dev, sizeof(dev), "%s-eth%d",
			    t->t_hosts[i].h_name, j);
			if (link_set(ns, dev, 1, err) < 0)
				return -1;
		}
	if ((t->t_san.s_present && link_set(ns, "san", 1, err) < 0) ||
	    (san_mgmt_cable(t) && link_set(ns, "san-mgmt", 1, err) < 0) ||
	    (t->t_station.st_present && link_set(ns, "st", 1, err) < 0) ||
	    (t->t_bmc.b_present && link_set(ns, "bmc", 1, err) < 0))
		return -1;
	return 0;
}

/* Every cable to the switch: each host NIC's, the SAN's, the station's;
 * then plugged in at the switch end. */
static int
up_cables(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char dev[32];
	int i, j;

	lab_progress(lab, "cables");
	for (i = 0; i < t->t_nhosts; i++) {
		const struct topo_host *h = &t->t_hosts[i];

		for (j = 0; j < h->h_nics; j++) {
			char hdev[8];

			snprintf(hdev, sizeof(hdev), "eth%d", j);
			snprintf(dev, sizeof(dev), "%s-eth%d", h->h_name, j);
			if (make_cable(lab, h->h_name, hdev, "sw", dev,
			    err) < 0)
				return err_prefix(err, "host %s nic eth%d",
				    h->h_name, j);
		}
	}
	if (t->t_san.s_present && up_san_cables(lab, err) < 0)
		return -1;
	if (t->t_station.st_present && up_station_cable(lab, err) < 0)
		return -1;
	if (t->t_bmc.b_present && up_bmc_cable(lab, err) < 0)
		return -1;
	return up_plug(lab, err);
}

/* Each node's directories and the files it boots with: the switch's
 * OVS, the SAN's targets, each host's OVS. */
static int
up_node_files(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char dir[LAB_PATH_MAX];
	int i;

	lab_progress(lab, "node files");
	if (node_dirs(lab, "sw", err) < 0)
		return -1;
	node_dir(lab, "sw", dir, sizeof(dir));
	if (ovs_write_switch(lab, dir, err) < 0)
		return err_prefix(err, "switch");
	if (t->t_san.s_present) {
		if (node_dirs(lab, "san", err) < 0)
			return -1;
		node_dir(lab, "san", dir, sizeof(dir));
		if (san_write(lab, dir, err) < 0)
			return err_prefix(err, "san");
	}
	for (i = 0; i < t->t_nhosts; i++) {
		if (node_dirs(lab, t->t_hosts[i].h_name, err) < 0)
			return -1;
		node_dir(lab, t->t_hosts[i].h_name, dir, sizeof(dir));
		if (ovs_write_host(lab, &t->t_hosts[i], dir, err) < 0 ||
		    (t->t_ssh && labssh_write_host(lab, &t->t_hosts[i], dir,
		    err) < 0))
			return err_prefix(err, "host %s", t->t_hosts[i].h_name);
	}
	return 0;
}

/* Boot every node at once and wait for all; when one fails to start,
 * still wait for those started so none is left booting. */
static int
up_boot(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	const char *nodes[TOPO_MAX_HOSTS + 2];
	pid_t pids[TOPO_MAX_HOSTS + 2];
	char e2[ERR_LEN];
	int i, n = 0;

	memset(pids, 0, sizeof(pids));
	lab_progress(lab, "boot switch, SAN and %d host%s", t->t_nhosts,
	    t->t_nhosts == 1 ? "" : "s");
	nodes[n] = "sw";
	if ((pids[n++] = node_start(lab, "sw", NODE_SWITCH, err)) < 0)
		goto fail_wait;
	if (t->t_san.s_present) {
		nodes[n] = "san";
		if ((pids[n++] = node_start(lab, "san", NODE_SAN, err)) < 0)
			goto fail_wait;
	}
	for (i = 0; i < t->t_nhosts; i++) {
		nodes[n] = t->t_hosts[i].h_name;
		pids[n] = node_start(lab, nodes[n], NODE_HOST, err);
		if (pids[n++] < 0)
			goto fail_wait;
	}
	if (node_wait(lab, pids, nodes, n, err) < 0)
		return -1;
	return 0;
fail_wait:
	node_wait(lab, pids, nodes, n, e2);
	return -1;
}

/* From the station, wait until every host on its VLAN answers: bonds
 * and MAC learning have settled. */
static int
up_wait_network(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char ns[64];
	int i;

	if (!t->t_station.st_present)
		return 0;
	lab_progress(lab, "wait for the network (LACP, learning)");
	ns_name(t->t_name, "st", ns, sizeof(ns));
	for (i = 0; i < t->t_nhosts; i++) {
		if (t->t_hosts[i].h_mgmt_vlan != t->t_station.st_vlan)
			continue;
		if (lab_interrupted)
			return err_set(err, "interrupted");
		if (wait_reach(ns, 0, t->t_hosts[i].h_mgmt_addr,
		    REACH_TIMEOUT_MS, err) < 0)
			return err_prefix(err, "host %s",
			    t->t_hosts[i].h_name);
	}
	return 0;
}

/* The phases of `up` in order, stopping at an interrupt between them;
 * on failure netns_up removes what was made. */
static int
up_steps(struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	uint64_t t0 = clock_mono_ns();

	if (up_state_files(lab, err) < 0 || up_namespaces(lab, err) < 0)
		return -1;
	if (lab_interrupted)
		return err_set(err, "interrupted");
	if (up_cables(lab, err) < 0)
		return -1;
	if (lab_interrupted)
		return err_set(err, "interrupted");
	if (up_node_files(lab, err) < 0)
		return -1;
	if (lab_interrupted)
		return err_set(err, "interrupted");
	if (up_boot(lab, err) < 0)
		return -1;
	if (lab_interrupted)
		return err_set(err, "interrupted");
	if (up_wait_network(lab, err) < 0)
		return -1;
	if (t->t_bmc.b_present) {
		char ns[64];

		lab_progress(lab, "BMCs");
		ns_name(t->t_name, "bmc", ns, sizeof(ns));
		if (bmcctl_start(lab, ns, err) < 0)
			return err_prefix(err, "bmc");
	}
	lab_progress(lab, "lab %s is up (%.1f s)", t->t_name,
	    (double)(clock_mono_ns() - t0) / 1e9);
	return 0;
}

static int
netns_up(struct lab *lab, char *err)
{
	char e2[ERR_LEN];

	if (geteuid() != 0)
		return err_set(err, "lab up needs root (namespaces)");
	if (check_clash(lab, err) < 0)
		return -1;
	if (mkdir_one(lab_state_root(), err) < 0 &&
	    xrun(err, "mkdir", "-p", lab_state_root(), NULL) < 0)
		return -1;
	/* The state directory is the lab's lock: a second `up` of the same
	 * name fails here and must not tear down the first one's lab. */
	if (mkdir(lab->l_state, 0755) < 0)
		return err_errno(err, "%s", lab->l_state);
	if (up_steps(lab, err) == 0)
		return 0;
	if (getenv("HVLAB_KEEP_FAILED") != NULL) {
		log_warnx("HVLAB_KEEP_FAILED set: lab %s left for debugging",
		    lab->l_topo.t_name);
		return -1;
	}
	lab_progress(lab, "failed: %s; removing what was made", err);
	if (netns_down(lab->l_topo.t_name, e2) < 0)
		log_warnx("cleaning up lab %s: %s", lab->l_topo.t_name, e2);
	return -1;
}

/* ---- power, cables ---- */

static int
host_check(const struct lab *lab, const char *host, char *err)
{
	if (topo_host_find(&lab->l_topo, host) == NULL)
		return err_set(err, "no host '%s' in lab %s", host,
		    lab->l_topo.t_name);
	return 0;
}

/* Stop host's init with sig and wait up to wait_ms for the kernel to
 * tear its pid namespace down; then its NICs go dark. */
static int
host_off(struct lab *lab, const char *host, int sig, long wait_ms, char *err)
{
	const struct topo_host *h = topo_host_find(&lab->l_topo, host);
	char ns[64], dev[8];
	pid_t pid;
	long j;
	int st;

	if (host_check(lab, host, err) < 0)
		return -1;
	pid = node_pid(lab, host);
	if (pid == 0)
		return err_set(err, "host %s is already off", host);
	if (proc_kill(pid, sig) < 0)
		return err_errno(err, "kill %d", (int)pid);
	/* The init is not our child; wait until the kernel has torn the
	 * pid namespace down (all its processes gone). */
	for (j = 0; j < wait_ms / 5 && proc_running(pid); j++) {
		waitpid(pid, &st, WNOHANG);
		clock_sleep_ns(5 * NS_PER_MS);
	}
	if (proc_running(pid) && proc_kill(pid, SIGKILL) == 0)
		for (j = 0; j < 400 && proc_running(pid); j++)
			clock_sleep_ns(5 * NS_PER_MS);
	ns_name(lab->l_topo.t_name, host, ns, sizeof(ns));
	for (j = 0; j < h->h_nics; j++) {
		snprintf(dev, sizeof(dev), "eth%ld", j);
		if (link_set(ns, dev, 0, err) < 0)
			return -1;
	}
	return 0;
}

static int
netns_power_pull(struct lab *lab, const char *host, char *err)
{
	return host_off(lab, host, SIGKILL, 2000, err);
}

/* hvlab-init stops its services on SIGTERM (TERM, 5 s, KILL), then
 * exits; past 10 s the power is pulled. */
static int
netns_power_stop(struct lab *lab, const char *host, char *err)
{
	return host_off(lab, host, SIGTERM, 10000, err);
}

static int
netns_power_state(struct lab *lab, const char *host, char *err)
{
	if (host_check(lab, host, err) < 0)
		return -1;
	return node_pid(lab, host) != 0;
}

static int
netns_power_on(struct lab *lab, const char *host, char *err)
{
	const struct topo_host *h = topo_host_find(&lab->l_topo, host);
	const char *nodes[1] = { host };
	char dir[LAB_PATH_MAX], ns[64], item[64];
	pid_t pid;
	int j, cut = 0;

	if (host_check(lab, host, err) < 0)
		return -1;
	if (node_pid(lab, host) != 0)
		return err_set(err, "host %s is already on", host);
	node_dir(lab, host, dir, sizeof(dir));
	/* Rewrite the lab's boot files (the disk is left as it is). */
	if (ovs_write_host(lab, h, dir, err) < 0)
		return -1;
	if ((pid = node_start(lab, host, NODE_HOST, err)) < 0)
		return -1;
	if (node_wait(lab, &pid, nodes, 1, err) < 0)
		return -1;
	/* Wait for the network unless the host's cables are cut. */
	for (j = 0; j < h->h_nics; j++) {
		snprintf(item, sizeof(item), "%s eth%d", host, j);
		cut += lab_set_has(lab, "unplugged", item);
	}
	if (cut < h->h_nics && !lab_set_has(lab, "partitioned", host) &&
	    lab->l_topo.t_station.st_present &&
	    h->h_mgmt_vlan == lab->l_topo.t_station.st_vlan) {
		ns_name(lab->l_topo.t_name, "st", ns, sizeof(ns));
		if (wait_reach(ns, 0, h->h_mgmt_addr, REACH_TIMEOUT_MS,
		    err) < 0)
			return err_prefix(err, "host %s booted but", host);
	}
	return 0;
}

static int
netns_nic_set(struct lab *lab, const char *host, int nic, int up, char *err)
{
	const struct topo_host *h = topo_host_find(&lab->l_topo, host);
	char ns[64], dev[32], item[64];

	if (host_check(lab, host, err) < 0)
		return -1;
	if (nic < 0 || nic >= h->h_nics)
		return err_set(err, "host %s has no NIC eth%d (it has %d)",
		    host, nic, h->h_nics);
	snprintf(item, sizeof(item), "%s eth%d", host, nic);
	if (lab_set_put(lab, "unplugged", item, !up, err) < 0)
		return -1;
	ns_name(lab->l_topo.t_name, "sw", ns, sizeof(ns));
	snprintf(dev, sizeof(dev), "%s-eth%d", host, nic);
	return link_set(ns, dev, up, err);
}

static int
netns_storage_set(struct lab *lab, int up, char *err)
{
	char ns[64];

	if (!lab->l_topo.t_san.s_present)
		return err_set(err, "lab %s has no SAN", lab->l_topo.t_name);
	ns_name(lab->l_topo.t_name, "sw", ns, sizeof(ns));
	return link_set(ns, "san", up, err);
}

/* Run a command line (words split on blanks, none quoted) inside the
 * switch node's network and mount namespaces; r (may be NULL) gets its
 * output (proc_run). */
static int
switch_run(const struct lab *lab, char *line, struct proc_result *r,
    char *err)
{
	const char *argv[MAX_ARGS * 4];
	struct proc_opts o;
	char *save = NULL, *w;
	int n = 0;

	memset(&o, 0, sizeof(o));
	if ((o.ns_pid = node_pid(lab, "sw")) == 0)
		return err_set(err, "the switch is off");
	o.ns_types = PROC_NS_NET | PROC_NS_MNT;
	o.stdin_null = 1;
	for (w = strtok_r(line, " \t\n", &save); w != NULL &&
	    n < (int)(sizeof(argv) / sizeof(argv[0])) - 1;
	    w = strtok_r(NULL, " \t\n", &save))
		argv[n++] = w;
	argv[n] = NULL;
	return proc_run(argv, &o, RUN_TIMEOUT_MS, r, err);
}

/*
 * Partition: the named hosts' switch ports move from bridge `sw` to a
 * bridge `part` of the same switch, with the same VLAN and LACP settings.
 * The named hosts keep reaching each other; everything else (other hosts,
 * SAN, station) stays on `sw` and no longer reaches them.  Heal moves them
 * back and removes `part`.
 */
static int
move_hosts(struct lab *lab, const struct topo_host *const *hs, int n,
    int to_part, char *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i, rc;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	fprintf(f, "ovs-vsctl --timeout=20");
	if (to_part)
		fprintf(f, " -- --may-exist add-br part -- set bridge part "
		    "datapath_type=netdev");
	for (i = 0; i < n; i++) {
		ovs_switch_port_del(f, hs[i], to_part ? "sw" : "part");
		ovs_switch_port(f, hs[i], to_part ? "part" : "sw", " ");
	}
	if (!to_part)
		fprintf(f, " -- --if-exists del-br part");
	if (fclose(f) != 0 || buf == NULL)
		return err_set(err, "out of memory");
	rc = switch_run(lab, buf, NULL, err);
	free(buf);
	return rc;
}

static int
netns_partition(struct lab *lab, char *const hosts[], int n, char *err)
{
	const struct topo_host *hs[TOPO_MAX_HOSTS];
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (host_check(lab, hosts[i], err) < 0)
			return -1;
	if (n >= lab->l_topo.t_nhosts)
		return err_set(err, "a partition needs hosts on both sides");
	for (i = 0; i < lab->l_topo.t_nhosts; i++) {
		const struct topo_host *h = &lab->l_topo.t_hosts[i];
		int j, named = 0;

		for (j = 0; j < n; j++)
			if (strcmp(hosts[j], h->h_name) == 0)
				named = 1;
		if (lab_set_has(lab, "partitioned", h->h_name) && !named)
			return err_set(err, "host %s is already partitioned: "
			    "heal first", h->h_name);
		if (named && !lab_set_has(lab, "partitioned", h->h_name))
			hs[m++] = h;
	}
	if (m == 0)
		return 0;
	if (move_hosts(lab, hs, m, 1, err) < 0)
		return -1;
	for (i = 0; i < m; i++)
		if (lab_set_put(lab, "partitioned", hs[i]->h_name, 1, err) < 0)
			return -1;
	return 0;
}

static int
netns_heal(struct lab *lab, char *err)
{
	const struct topo_host *hs[TOPO_MAX_HOSTS];
	int i, m = 0;

	for (i = 0; i < lab->l_topo.t_nhosts; i++)
		if (lab_set_has(lab, "partitioned", lab->l_topo.t_hosts[i].h_name))
			hs[m++] = &lab->l_topo.t_hosts[i];
	if (m == 0)
		return 0;
	if (move_hosts(lab, hs, m, 0, err) < 0)
		return -1;
	for (i = 0; i < m; i++)
		if (lab_set_put(lab, "partitioned", hs[i]->h_name, 0, err) < 0)
			return -1;
	return 0;
}

/* ---- the switch's side of a host's cables ---- */

/*
 * Rate cap and bond rebalancing of host's switch ports (lab/ovs.c words):
 * one ovs-vsctl transaction, after asking each port's QoS row so that a
 * changed cap destroys the old one.  A partition or heal puts the
 * topology's settings back (move_hosts makes the ports anew).
 */
static int
netns_clock_set(struct lab *lab, const char *host, long offset_s, char *err)
{
	if (host_check(lab, host, err) < 0)
		return -1;
	return hostclock_set(lab->l_state, lab->l_topo.t_name, host, offset_s,
	    err);
}

static int
netns_switch_port(struct lab *lab, const char *host,
    const struct lab_port_set *s, char *err)
{
	const struct topo_host *h = topo_host_find(&lab->l_topo, host);
	char names[TOPO_MAX_NICS][OVS_PORT_NAME_MAX];
	char old[TOPO_MAX_NICS][OVS_UUID_LEN + 1], line[128], *buf = NULL;
	struct proc_result r;
	size_t len = 0;
	FILE *f;
	int i, n, rc;

	if (host_check(lab, host, err) < 0 ||
	    ovs_switch_port_check(h, s, err) < 0)
		return -1;
	if (s->ps_rate_mbit == LAB_PORT_LEAVE &&
	    s->ps_rebalance_ms == LAB_PORT_LEAVE)
		return 0;
	n = ovs_switch_port_names(h, names);
	for (i = 0; i < n; i++) {
		old[i][0] = '\0';
		if (s->ps_rate_mbit == LAB_PORT_LEAVE)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(line, sizeof(line), "ovs-vsctl --timeout=20 get port "
		    "%s qos", names[i]);
		rc = switch_run(lab, line, &r, err);
		if (rc == 0)
			rc = ovs_qos_parse(r.out, r.out_len, old[i], err);
		proc_result_free(&r);
		if (rc < 0)
			return err_prefix(err, "switch port %s", names[i]);
	}
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	fprintf(f, "ovs-vsctl --timeout=20");
	ovs_switch_port_set(f, h, s, old);
	if (fclose(f) != 0 || buf == NULL)
		return err_set(err, "out of memory");
	rc = switch_run(lab, buf, NULL, err);
	free(buf);
	return rc < 0 ? err_prefix(err, "switch ports of %s", host) : 0;
}

/* ---- exec ---- */

static int
setns_of(pid_t pid, const char *kind, int type, char *err)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/ns/%s", (int)pid, kind);
	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return err_errno(err, "%s", p);
	if (setns(fd, type) < 0) {
		close(fd);
		return err_errno(err, "setns %s", p);
	}
	close(fd);
	return 0;
}

/*
 * PATH as a root login on the node would have it (the system's sbin and
 * bin directories first, what a platform installs there found by name),
 * then the caller's.
 */
static void
login_path(void)
{
	static const char sys[] = "/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin";
	const char *old = getenv("PATH");
	char path[4096];

	snprintf(path, sizeof(path), "%s%s%s", sys, old && *old ? ":" : "",
	    old ? old : "");
	setenv("PATH", path, 1);
}

/* A command at a host's console reads the host's clock, as its
 * services do (pid: the node's init, 0 for the station). */
static void
exec_clock(const struct lab *lab, const char *node, pid_t pid)
{
	static char env[HOSTCLOCK_NENV][HOSTCLOCK_ENV_MAX];
	int i;

	if (pid == 0 || strcmp(node, "sw") == 0 || strcmp(node, "san") == 0 ||
	    !hostclock_env(lab->l_state, node, env))
		return;
	for (i = 0; i < HOSTCLOCK_NENV; i++)
		putenv(env[i]);
}

static int
netns_exec(struct lab *lab, const char *node, char *const argv[], char *err)
{
	char ns[64];
	const char *n = node;
	pid_t pid = 0, child;
	int st;

	if (strcmp(node, "station") == 0 || strcmp(node, "st") == 0) {
		if (!lab->l_topo.t_station.st_present)
			return err_set(err, "lab %s has no station",
			    lab->l_topo.t_name);
		n = "st";
	} else {
		if (strcmp(node, "switch") == 0)
			n = node = "sw";
		if (strcmp(n, "sw") != 0 && strcmp(n, "san") != 0 &&
		    host_check(lab, n, err) < 0)
			return -1;
		if ((pid = node_pid(lab, n)) == 0)
			return err_set(err, "%s is off", node);
	}
	ns_name(lab->l_topo.t_name, n, ns, sizeof(ns));
	fflush(NULL);
	child = fork();
	if (child < 0)
		return err_errno(err, "fork");
	if (child == 0) {
		char e[ERR_LEN];
		pid_t gc;

		if (pid == 0) {
			if (ns_enter_net(ns, e) < 0)
				goto child_fail;
		} else {
			/* pid namespace applies to our children: fork. */
			if (setns_of(pid, "pid", CLONE_NEWPID, e) < 0 ||
			    ns_enter_pid_ns(pid, PROC_NS_NET | PROC_NS_UTS |
			    PROC_NS_MNT, e) < 0)
				goto child_fail;
			if (chdir("/") < 0)
				goto child_fail;
		}
		gc = fork();
		if (gc < 0)
			_exit(127);
		if (gc == 0) {
			login_path();
			exec_clock(lab, n, pid);
			execvp(argv[0], argv);
			fprintf(stderr, "hvlab: %s: %s\n", argv[0],
			    strerror(errno));
			_exit(127);
		}
		/* Ignore ^C here: the command gets it and decides. */
		signal(SIGINT, SIG_IGN);
		while (waitpid(gc, &st, 0) < 0 && errno == EINTR)
			;
		_exit(proc_exit_code(st));
child_fail:
		fprintf(stderr, "hvlab: enter %s: %s\n", node, e);
		_exit(127);
	}
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return err_errno(err, "waitpid");
	return proc_exit_code(st);
}

/* ---- what a platform installer asks of a host ---- */

/* A running node that has a disk: a host, or the SAN (a platform's
 * quorum witness lives there). */
static pid_t
disk_node(struct lab *lab, const char *node, char *disk, size_t len,
    char *err)
{
	char dir[LAB_PATH_MAX];
	pid_t pid;

	if (strcmp(node, "san") != 0 && host_check(lab, node, err) < 0)
		return -1;
	if (strcmp(node, "san") == 0 && !lab->l_topo.t_san.s_present)
		return err_set(err, "lab %s has no SAN", lab->l_topo.t_name);
	if ((pid = node_pid(lab, node)) == 0)
		return err_set(err, "%s is off", node);
	node_dir(lab, node, dir, sizeof(dir));
	snprintf(disk, len, "%s/disk", dir);
	return pid;
}

static int
netns_host_dirs(struct lab *lab, const char *host, const char *const keep[],
    const char *const tmpfs[], char *err)
{
	char disk[LAB_PATH_MAX + 8];
	pid_t pid;

	if ((pid = disk_node(lab, host, disk, sizeof(disk), err)) < 0)
		return -1;
	if (hostdisk_declare(disk, pid, keep, tmpfs, err) == -1)
		return err_prefix(err, "%s", host);
	return 0;
}

static int
netns_put(struct lab *lab, const char *node, const char *path,
    const void *data, size_t len, mode_t mode, char *err)
{
	char disk[LAB_PATH_MAX + 8];
	pid_t pid;

	if ((pid = disk_node(lab, node, disk, sizeof(disk), err)) < 0)
		return -1;
	if (hostdisk_put(pid, path, data, len, mode, err) == -1)
		return err_prefix(err, "%s", node);
	return 0;
}

static int
netns_service(struct lab *lab, const char *node, const char *kind,
    const char *const argv[], char *err)
{
	char disk[LAB_PATH_MAX + 8];

	if (disk_node(lab, node, disk, sizeof(disk), err) < 0)
		return -1;
	if (hostdisk_service(disk, kind, argv, err) == -1)
		return err_prefix(err, "%s", node);
	return 0;
}

/* ---- status ---- */

/* `ip -j link show` of a namespace, or NULL. */
static cJSON *
ns_links(const char *ns)
{
	const char *argv[] = { "ip", "-j", "-n", ns, "link", "show", NULL };
	struct proc_result r;
	char e[ERR_LEN];
	cJSON *j = NULL;

	memset(&r, 0, sizeof(r));
	if (proc_run(argv, NULL, RUN_TIMEOUT_MS, &r, e) == 0 && r.out)
		j = cJSON_Parse(r.out);
	proc_result_free(&r);
	return j;
}

static void
link_state(const cJSON *links, const char *dev, int *admin, int *carrier)
{
	const cJSON *l, *f;

	*admin = *carrier = 0;
	cJSON_ArrayForEach(l, links) {
		const cJSON *n = cJSON_GetObjectItem(l, "ifname");

		if (!cJSON_IsString(n) || strcmp(n->valuestring, dev) != 0)
			continue;
		cJSON_ArrayForEach(f, cJSON_GetObjectItem(l, "flags")) {
			if (!cJSON_IsString(f))
				continue;
			if (strcmp(f->valuestring, "UP") == 0)
				*admin = 1;
			if (strcmp(f->valuestring, "LOWER_UP") == 0)
				*carrier = 1;
		}
	}
}

/*
 * LUNs tgtd really serves under the topology's IQN, asked with tgtadm in
 * the SAN node: a bit mask (bit n = LUN n), 0 when the target exists
 * without LUNs, -1 when the target or tgtd is not there.
 */
static int
san_online_luns(const struct lab *lab)
{
	const char *argv[] = { "tgtadm", "--lld", "iscsi", "--mode", "target",
	    "--op", "show", NULL };
	struct proc_result r;
	struct proc_opts o;
	char e[ERR_LEN], *line, *save = NULL;
	int mask = -1, in = 0, n;

	memset(&o, 0, sizeof(o));
	if ((o.ns_pid = node_pid(lab, "san")) == 0)
		return -1;
	o.ns_types = PROC_NS_NET | PROC_NS_MNT;
	o.stdin_null = 1;
	memset(&r, 0, sizeof(r));
	if (proc_run(argv, &o, 5000, &r, e) == 0 && r.out != NULL) {
		for (line = strtok_r(r.out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			char *p = line + strspn(line, " \t");

			if (strncmp(p, "Target ", 7) == 0) {
				p = strchr(p, ':');
				in = p != NULL && strcmp(p + 1 + strspn(p + 1,
				    " "), lab->l_topo.t_san.s_iqn) == 0;
				if (in)
					mask = 0;
			} else if (in && sscanf(p, "LUN: %d", &n) == 1 &&
			    n > 0 && n < 31) {
				mask |= 1 << n;
			}
		}
	}
	proc_result_free(&r);
	return mask;
}

/* Bond state of a running host from its OVS: LACP status and the active
 * member ("" when unknown). */
static void
host_bond(pid_t pid, char *lacp, size_t llen, char *active, size_t alen)
{
	char ctl[300], dirp[64];
	const char *argv[] = { "ovs-appctl", "--timeout=5", "-t", ctl,
	    "bond/show", "bond0", NULL };
	struct proc_result r;
	struct proc_opts o;
	char e[ERR_LEN], *line, *save = NULL, *p;
	struct dirent *de;
	DIR *d;

	lacp[0] = active[0] = ctl[0] = '\0';
	/* ovs-appctl would find the pid of ovs-vswitchd as seen from our pid
	 * namespace and miss its control socket: name the socket. */
	snprintf(dirp, sizeof(dirp), "/proc/%d/root/run/openvswitch",
	    (int)pid);
	if ((d = opendir(dirp)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (strncmp(de->d_name, "ovs-vswitchd.", 13) == 0 && n > 4 &&
		    strcmp(de->d_name + n - 4, ".ctl") == 0)
			snprintf(ctl, sizeof(ctl), "/run/openvswitch/%.200s",
			    de->d_name);
	}
	closedir(d);
	if (ctl[0] == '\0')
		return;
	memset(&o, 0, sizeof(o));
	o.ns_pid = pid;
	o.ns_types = PROC_NS_NET | PROC_NS_MNT;
	o.stdin_null = 1;
	memset(&r, 0, sizeof(r));
	if (proc_run(argv, &o, 6000, &r, e) == 0 && r.out != NULL) {
		for (line = strtok_r(r.out, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "lacp_status: ", 13) == 0)
				snprintf(lacp, llen, "%s", line + 13);
			else if (strncmp(line, "active member mac: ", 19) == 0 &&
			    (p = strchr(line, '(')) != NULL) {
				snprintf(active, alen, "%s", p + 1);
				active[strcspn(active, ")")] = '\0';
			}
		}
	}
	proc_result_free(&r);
}

/* One host's NICs: each NIC's link state, whether its cable is plugged,
 * and the switch port at the cable's other end with its carrier (swl:
 * the switch's links). */
static void
status_nics(const struct lab *lab, const struct topo_host *h, const char *ns,
    const cJSON *swl, cJSON *o)
{
	cJSON *hl, *nics;
	char dev[32], item[64];
	int j, admin, carrier;

	hl = ns_links(ns);
	nics = cJSON_AddArrayToObject(o, "nics");
	for (j = 0; j < h->h_nics; j++) {
		cJSON *nn = cJSON_CreateObject();

		cJSON_AddItemToArray(nics, nn);
		snprintf(dev, sizeof(dev), "eth%d", j);
		cJSON_AddStringToObject(nn, "name", dev);
		link_state(hl, dev, &admin, &carrier);
		cJSON_AddBoolToObject(nn, "up", admin);
		cJSON_AddBoolToObject(nn, "carrier", carrier);
		snprintf(item, sizeof(item), "%s eth%d", h->h_name, j);
		cJSON_AddBoolToObject(nn, "plugged",
		    !lab_set_has(lab, "unplugged", item));
		snprintf(dev, sizeof(dev), "%s-eth%d", h->h_name, j);
		cJSON_AddStringToObject(nn, "switch_port", dev);
		link_state(swl, dev, &admin, &carrier);
		cJSON_AddBoolToObject(nn, "switch_port_carrier", carrier);
	}
	cJSON_Delete(hl);
}

/* One host's object o: power, addresses, bond (with its live LACP state
 * when the host runs), partition, disk and NICs. */
static void
status_host(const struct lab *lab, const struct topo_host *h,
    const cJSON *swl, cJSON *o)
{
	const struct topo *t = &lab->l_topo;
	pid_t pid = node_pid(lab, h->h_name);
	char ns[64], a[16], dir[LAB_PATH_MAX];

	cJSON_AddStringToObject(o, "name", h->h_name);
	cJSON_AddStringToObject(o, "power", pid ? "on" : "off");
	cJSON_AddNumberToObject(o, "init_pid", pid);
	ns_name(t->t_name, h->h_name, ns, sizeof(ns));
	cJSON_AddStringToObject(o, "netns", ns);
	topo_addr_str(h->h_mgmt_addr, a, sizeof(a));
	cJSON_AddStringToObject(o, "mgmt_addr", a);
	cJSON_AddNumberToObject(o, "mgmt_vlan", h->h_mgmt_vlan);
	if (h->h_storage_addr) {
		topo_addr_str(h->h_storage_addr, a, sizeof(a));
		cJSON_AddStringToObject(o, "storage_addr", a);
	}
	if (h->h_bmc_addr) {
		topo_addr_str(h->h_bmc_addr, a, sizeof(a));
		cJSON_AddStringToObject(o, "bmc_addr", a);
	}
	cJSON_AddStringToObject(o, "bond", topo_bond_name(h->h_bond));
	cJSON_AddBoolToObject(o, "lacp", h->h_lacp);
	if (pid != 0 && h->h_nics > 1) {
		char lacp[32], active[16];

		host_bond(pid, lacp, sizeof(lacp), active, sizeof(active));
		if (lacp[0])
			cJSON_AddStringToObject(o, "lacp_status", lacp);
		if (active[0])
			cJSON_AddStringToObject(o, "active_nic", active);
	}
	cJSON_AddBoolToObject(o, "partitioned",
	    lab_set_has(lab, "partitioned", h->h_name));
	node_dir(lab, h->h_name, dir, sizeof(dir));
	strncat(dir, "/disk", sizeof(dir) - strlen(dir) - 1);
	cJSON_AddStringToObject(o, "disk", dir);
	status_nics(lab, h, ns, swl, o);
}

/* The "hosts" array of root, one object per host of the topology. */
static void
status_hosts(const struct lab *lab, cJSON *root, const cJSON *swl)
{
	const struct topo *t = &lab->l_topo;
	cJSON *hosts;
	int i;

	hosts = cJSON_AddArrayToObject(root, "hosts");
	for (i = 0; i < t->t_nhosts; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToArray(hosts, o);
		status_host(lab, &t->t_hosts[i], swl, o);
	}
}

/* The "switch" object of root: power and its ports (swl: its links). */
static void
status_switch(const struct lab *lab, cJSON *root, const cJSON *swl)
{
	cJSON *sw, *ports;
	const cJSON *l;
	int admin, carrier;

	sw = cJSON_AddObjectToObject(root, "switch");
	cJSON_AddStringToObject(sw, "power", node_pid(lab, "sw") ? "on" :
	    "off");
	ports = cJSON_AddArrayToObject(sw, "ports");
	cJSON_ArrayForEach(l, swl) {
		const cJSON *n = cJSON_GetObjectItem(l, "ifname");
		cJSON *p;

		/* Cables only: veths have a peer namespace. */
		if (!cJSON_IsString(n) ||
		    cJSON_GetObjectItem(l, "link_netnsid") == NULL)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddItemToArray(ports, p);
		cJSON_AddStringToObject(p, "name", n->valuestring);
		link_state(swl, n->valuestring, &admin, &carrier);
		cJSON_AddBoolToObject(p, "up", admin);
		cJSON_AddBoolToObject(p, "carrier", carrier);
	}
}

/* The SAN's "luns" array and "target_online" in s: each LUN of the
 * topology and whether tgtd serves it now. */
static void
status_luns(const struct lab *lab, cJSON *s)
{
	const struct topo *t = &lab->l_topo;
	cJSON *luns;
	int i, online;

	luns = cJSON_AddArrayToObject(s, "luns");
	online = san_online_luns(lab);
	cJSON_AddBoolToObject(s, "target_online", online >= 0);
	for (i = 0; i < t->t_san.s_nluns; i++) {
		cJSON *l = cJSON_CreateObject();

		cJSON_AddItemToArray(luns, l);
		cJSON_AddNumberToObject(l, "lun", i + 1);
		cJSON_AddNumberToObject(l, "size_bytes",
		    (double)t->t_san.s_luns[i].l_size);
		cJSON_AddBoolToObject(l, "online", online > 0 &&
		    (online & (1 << (i + 1))));
	}
}

/* The "san" object of root: power, portal, witness, whether its cable
 * is up at the switch, and its LUNs. */
static void
status_san(const struct lab *lab, cJSON *root)
{
	const struct topo *t = &lab->l_topo;
	cJSON *s = cJSON_AddObjectToObject(root, "san"), *swl;
	char ns[64], a[16], dir[LAB_PATH_MAX];
	int admin, carrier;

	cJSON_AddStringToObject(s, "power", node_pid(lab, "san") ?
	    "on" : "off");
	topo_addr_str(t->t_san.s_addr, a, sizeof(a));
	cJSON_AddStringToObject(s, "portal", a);
	cJSON_AddNumberToObject(s, "vlan", t->t_san.s_vlan);
	cJSON_AddStringToObject(s, "iqn", t->t_san.s_iqn);
	cJSON_AddBoolToObject(s, "witness", t->t_san.s_witness);
	if (t->t_san.s_witness) {
		ns_name(t->t_name, "san", ns, sizeof(ns));
		cJSON_AddStringToObject(s, "netns", ns);
		topo_addr_str(t->t_san.s_mgmt_addr, a, sizeof(a));
		cJSON_AddStringToObject(s, "mgmt_addr", a);
		node_dir(lab, "san", dir, sizeof(dir));
		strncat(dir, "/disk", sizeof(dir) - strlen(dir) - 1);
		cJSON_AddStringToObject(s, "disk", dir);
	}
	ns_name(t->t_name, "sw", ns, sizeof(ns));
	swl = ns_links(ns);
	link_state(swl, "san", &admin, &carrier);
	cJSON_Delete(swl);
	cJSON_AddBoolToObject(s, "reachable", admin);
	status_luns(lab, s);
}

/* The "station" object of root: its namespace, address and VLAN. */
static void
status_station(const struct lab *lab, cJSON *root)
{
	const struct topo *t = &lab->l_topo;
	cJSON *s = cJSON_AddObjectToObject(root, "station");
	char ns[64], a[16];

	ns_name(t->t_name, "st", ns, sizeof(ns));
	cJSON_AddStringToObject(s, "netns", ns);
	topo_addr_str(t->t_station.st_addr, a, sizeof(a));
	cJSON_AddStringToObject(s, "addr", a);
	cJSON_AddNumberToObject(s, "vlan", t->t_station.st_vlan);
}

/* The BMCs' daemon: its namespace, pid (0: not running), user and
 * the file holding their password. */
static void
status_bmc(const struct lab *lab, cJSON *root)
{
	cJSON *b = cJSON_AddObjectToObject(root, "bmc");
	char ns[64], p[LAB_PATH_MAX + 32];
	pid_t pid;

	ns_name(lab->l_topo.t_name, "bmc", ns, sizeof(ns));
	cJSON_AddStringToObject(b, "netns", ns);
	bmcctl_path(lab->l_state, "bmc.pid", p, sizeof(p));
	pid = lab_read_pid(p);
	cJSON_AddNumberToObject(b, "pid", pid > 0 && proc_running(pid) ?
	    pid : 0);
	cJSON_AddNumberToObject(b, "port", BMC_PORT);
	cJSON_AddStringToObject(b, "user", lab->l_topo.t_bmc.b_user);
	bmcctl_path(lab->l_state, "password", p, sizeof(p));
	cJSON_AddStringToObject(b, "password_file", p);
}

static int
netns_status(struct lab *lab, cJSON **out, char *err)
{
	const struct topo *t = &lab->l_topo;
	cJSON *root = cJSON_CreateObject(), *swl;
	char ns[64], a[16], subnet[32];

	if (root == NULL)
		return err_set(err, "out of memory");
	cJSON_AddStringToObject(root, "lab", t->t_name);
	cJSON_AddStringToObject(root, "provider", "netns");
	topo_addr_str(t->t_base, a, sizeof(a));
	snprintf(subnet, sizeof(subnet), "%s/22", a);
	cJSON_AddStringToObject(root, "subnet", subnet);
	cJSON_AddStringToObject(root, "state_dir", lab->l_state);
	/* The switch's links, read once for the hosts' ports and its own. */
	ns_name(t->t_name, "sw", ns, sizeof(ns));
	swl = ns_links(ns);
	status_hosts(lab, root, swl);
	status_switch(lab, root, swl);
	cJSON_Delete(swl);
	if (t->t_san.s_present)
		status_san(lab, root);
	if (t->t_station.st_present)
		status_station(lab, root);
	if (lab->l_topo.t_bmc.b_present)
		status_bmc(lab, root);
	*out = root;
	return 0;
}

const struct lab_provider lab_provider_netns = {
	.lp_name = "netns",
	.lp_up = netns_up,
	.lp_down = netns_down,
	.lp_status = netns_status,
	.lp_power_pull = netns_power_pull,
	.lp_power_on = netns_power_on,
	.lp_power_stop = netns_power_stop,
	.lp_power_state = netns_power_state,
	.lp_nic_set = netns_nic_set,
	.lp_storage_set = netns_storage_set,
	.lp_partition = netns_partition,
	.lp_heal = netns_heal,
	.lp_exec = netns_exec,
	.lp_host_dirs = netns_host_dirs,
	.lp_put = netns_put,
	.lp_service = netns_service,
	.lp_switch_port = netns_switch_port,
	.lp_clock_set = netns_clock_set,
};
