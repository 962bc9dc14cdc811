/*
 * lab_cmd.c - the `hvlab lab` and `hvlab inject` commands: option parsing
 * and output only; the work is done by the lab's provider (lab/netns.c)
 * and lab/inject.c.
 *
 *   hvlab lab up|down|status|check [-f FILE] [--lab NAME] [--json]
 *   hvlab lab exec NODE [--lab NAME] -- CMD [ARGS...]
 *   hvlab lab dirs HOST [--lab NAME] [--keep DIR]... [--tmpfs DIR]...
 *   hvlab lab put NODE PATH [--lab NAME] [--mode OCTAL] [--from FILE]
 *   hvlab lab switch HOST [--lab NAME] [--rate MBIT] [--rebalance MS|default]
 *   hvlab inject EVENT [ARGS...] [--lab NAME]
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>

#include "clock.h"
#include "cmd.h"
#include "err.h"
#include "log.h"
#include "lab/lab_cmd.h"
#include "lab/inject.h"
#include "lab/lab.h"
#include "lab/provider.h"
#include "lab/remote.h"

struct lab_opts {
	const char *file;
	const char *name;
	int json;
	int quiet;
	int fake_clock;
};

/* Options only some subcommands take. */
#define LO_JSON 1		/* --json: status */
#define LO_FAKE_CLOCK 2		/* --fake-clock: up */

static const struct cmd lab_cmds[];

/* Parse the options every lab subcommand shares and those of allow
 * (LO_*); -1 on misuse. */
static int
lab_getopt(int argc, char **argv, struct lab_opts *o, int allow)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "lab", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "fake-clock", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+f:l:q", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o->file = optarg; break;
		case 'l': o->name = optarg; break;
		case 'j':
			if (!(allow & LO_JSON))
				return -1;
			o->json = 1;
			break;
		case 'c':
			if (!(allow & LO_FAKE_CLOCK))
				return -1;
			o->fake_clock = 1;
			break;
		case 'q': o->quiet = 1; break;
		default: return -1;
		}
	}
	return 0;
}

/* 1 when lab name has a state directory. */
static int
lab_running(const char *name)
{
	char dir[LAB_PATH_MAX];

	lab_state_dir(name, dir, sizeof(dir));
	return access(dir, F_OK) == 0;
}

/* A remote lab's check: every host, BMC, switch and SAN reached. */
static int
check_reach(struct lab *lab)
{
	char err[ERR_LEN];
	int bad = remote_check(lab, stdout, err);

	if (bad < 0)	/* its errors printed with their FILE:LINE */
		fprintf(stderr, "hvlab: %s: not a valid inventory\n",
		    lab->l_topo.t_file);
	else if (bad > 0)
		printf("%d could not be reached\n", bad);
	else
		printf("every host, BMC, switch and SAN answers\n");
	return bad != 0;
}

static int
cmd_check(int argc, char **argv)
{
	struct lab_opts o;
	struct lab *lab;
	char err[ERR_LEN];
	int rc = 1;

	if (lab_getopt(argc, argv, &o, 0) < 0 || optind != argc)
		return cmd_misuse("hvlab lab", lab_cmds, "check");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	/* --lab of a running lab without -f: the copy it runs with */
	if (lab_open(o.file, o.name, o.file == NULL && o.name != NULL &&
	    lab_running(o.name), lab, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	printf("configuration OK\n");
	rc = 0;
	if (lab_provider_of(lab) == &lab_provider_remote)
		rc = check_reach(lab);
out:
	free(lab);
	return rc;
}

static int
cmd_up(int argc, char **argv)
{
	struct lab_opts o;
	struct lab *lab;
	char err[ERR_LEN];
	int rc = 1;

	if (lab_getopt(argc, argv, &o, LO_FAKE_CLOCK) < 0 || optind != argc)
		return cmd_misuse("hvlab lab", lab_cmds, "up");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(o.file, o.name, 0, lab, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	lab->l_progress = !o.quiet && isatty(STDOUT_FILENO);
	lab->l_fake_clock = o.fake_clock;
	lab_catch_signals();	/* ^C: undo what was made, then exit */
	if (lab_provider_of(lab)->lp_up(lab, err) < 0) {
		fprintf(stderr, "hvlab: lab %s not up: %s\n",
		    lab->l_topo.t_name, err);
		goto out;
	}
	rc = 0;
out:
	free(lab);
	return rc;
}

static int
cmd_down(int argc, char **argv)
{
	struct lab_opts o;
	struct lab *lab;
	char err[ERR_LEN], name[TOPO_LAB_NAME_MAX + 1];
	int rc = 1;

	if (lab_getopt(argc, argv, &o, 0) < 0 || optind != argc)
		return cmd_misuse("hvlab lab", lab_cmds, "down");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	/* By name alone when given: works even without a topology copy. */
	if (o.name != NULL) {
		snprintf(name, sizeof(name), "%s", o.name);
	} else if (lab_open(o.file, NULL, o.file == NULL, lab, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	} else {
		snprintf(name, sizeof(name), "%s", lab->l_topo.t_name);
	}
	if (geteuid() != 0) {
		fprintf(stderr, "hvlab: lab down needs root\n");
		goto out;
	}
	if (lab_provider_running(name)->lp_down(name, err) < 0) {
		fprintf(stderr, "hvlab: lab %s: %s\n", name, err);
		goto out;
	}
	if (!o.quiet && isatty(STDOUT_FILENO))
		printf("  lab %s is down\n", name);
	rc = 0;
out:
	free(lab);
	return rc;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

static int
jbool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, k));
}

static void
print_status(const cJSON *s)
{
	const cJSON *h, *n, *p, *sw, *san, *st;

	printf("lab %s (provider %s) subnet %s\nstate %s\n\n", jstr(s, "lab"),
	    jstr(s, "provider"), jstr(s, "subnet"), jstr(s, "state_dir"));
	printf("%-10s %-5s %-15s %-15s %-14s %s\n", "HOST", "POWER", "MGMT",
	    "STORAGE", "BOND", "NICS (host/switch carrier)");
	cJSON_ArrayForEach(h, cJSON_GetObjectItem(s, "hosts")) {
		char bond[32];

		snprintf(bond, sizeof(bond), "%s%s", jstr(h, "bond"),
		    jbool(h, "lacp") ? "+lacp" : "");
		printf("%-10s %-5s %-15s %-15s %-14s", jstr(h, "name"),
		    jstr(h, "power"), jstr(h, "mgmt_addr"),
		    jstr(h, "storage_addr"), bond);
		cJSON_ArrayForEach(n, cJSON_GetObjectItem(h, "nics"))
			printf(" %s:%s/%s%s", jstr(n, "name"),
			    jbool(n, "carrier") ? "up" : "down",
			    jbool(n, "switch_port_carrier") ? "up" : "down",
			    jbool(n, "plugged") ? "" : "(unplugged)");
		if (cJSON_GetObjectItem(h, "active_nic") != NULL)
			printf(" active %s", jstr(h, "active_nic"));
		if (cJSON_GetObjectItem(h, "lacp_status") != NULL &&
		    strcmp(jstr(h, "lacp_status"), "off") != 0)
			printf(", lacp %s", jstr(h, "lacp_status"));
		printf("%s\n", jbool(h, "partitioned") ? " partitioned" : "");
	}
	sw = cJSON_GetObjectItem(s, "switch");
	printf("\nswitch %s, ports:", jstr(sw, "power"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItem(sw, "ports"))
		printf(" %s:%s", jstr(p, "name"), jbool(p, "carrier") ? "up" :
		    jbool(p, "up") ? "no-carrier" : "down");
	printf("\n");
	if ((san = cJSON_GetObjectItem(s, "san")) != NULL) {
		printf("san %s, portal %s:3260 %s%s, LUNs:", jstr(san, "power"),
		    jstr(san, "portal"), jstr(san, "iqn"),
		    jbool(san, "reachable") ? "" : " (storage down)");
		cJSON_ArrayForEach(p, cJSON_GetObjectItem(san, "luns"))
			printf(" %d (%.0f MiB%s)",
			    cJSON_GetObjectItem(p, "lun")->valueint,
			    cJSON_GetObjectItem(p, "size_bytes")->valuedouble /
			    1048576.0, jbool(p, "online") ? "" : ", offline");
		printf("\n");
		if (jbool(san, "witness"))
			printf("san witness box: management address %s, "
			    "disk %s\n", jstr(san, "mgmt_addr"),
			    jstr(san, "disk"));
	}
	if ((st = cJSON_GetObjectItem(s, "station")) != NULL)
		printf("station %s in netns %s\n", jstr(st, "addr"),
		    jstr(st, "netns"));
	if ((st = cJSON_GetObjectItem(s, "bmc")) != NULL) {
		printf("bmc %s (user %s, password in %s):",
		    cJSON_GetNumberValue(cJSON_GetObjectItem(st, "pid")) > 0 ?
		    "on" : "off", jstr(st, "user"), jstr(st, "password_file"));
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(s, "hosts"))
			printf(" %s https://%s", jstr(h, "name"),
			    jstr(h, "bmc_addr"));
		printf("\n");
	}
}

static int
cmd_status(int argc, char **argv)
{
	struct lab_opts o;
	struct lab *lab;
	char err[ERR_LEN], *txt;
	cJSON *s = NULL;
	int rc = 1;

	if (lab_getopt(argc, argv, &o, LO_JSON) < 0 || optind != argc)
		return cmd_misuse("hvlab lab", lab_cmds, "status");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(o.file, o.name, 1, lab, err) < 0 ||
	    lab_provider_of(lab)->lp_status(lab, &s, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	if (o.json) {
		txt = cJSON_Print(s);
		if (txt != NULL)
			printf("%s\n", txt);
		free(txt);
	} else {
		print_status(s);
	}
	cJSON_Delete(s);
	rc = 0;
out:
	free(lab);
	return rc;
}

static int
cmd_exec(int argc, char **argv)
{
	struct lab_opts o;
	struct lab *lab;
	char err[ERR_LEN];
	const char *node;
	int rc = 1;

	if (lab_getopt(argc, argv, &o, 0) < 0 || optind >= argc)
		return cmd_misuse("hvlab lab", lab_cmds, "exec");
	node = argv[optind++];
	/* Options may also follow NODE, before "--". */
	if (optind < argc && strcmp(argv[optind], "--") != 0) {
		int i = optind;

		while (i < argc && strcmp(argv[i], "--") != 0) {
			if (strcmp(argv[i], "--lab") == 0 && i + 1 < argc)
				o.name = argv[++i];
			else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
				o.file = argv[++i];
			else
				break;
			i++;
		}
		optind = i;
	}
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (optind >= argc)
		return cmd_misuse("hvlab lab", lab_cmds, "exec");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(o.file, o.name, 1, lab, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	rc = lab_provider_of(lab)->lp_exec(lab, node, argv + optind, err);
	if (rc < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		rc = 1;
	}
out:
	free(lab);
	return rc;
}

#define DIRS_MAX 24

/* `lab dirs HOST --keep DIR... --tmpfs DIR...` (lab/hostdisk.h). */
static int
cmd_dirs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "keep", required_argument, NULL, 'k' },
		{ "tmpfs", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keep[DIRS_MAX + 1], *tmpfs[DIRS_MAX + 1], *name = NULL;
	size_t nk = 0, nt = 0;
	struct lab *lab;
	char err[ERR_LEN];
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': name = optarg; break;
		case 'k':
			if (nk == DIRS_MAX)
				return cmd_misuse("hvlab lab", lab_cmds,
				    "dirs");
			keep[nk++] = optarg;
			break;
		case 't':
			if (nt == DIRS_MAX)
				return cmd_misuse("hvlab lab", lab_cmds,
				    "dirs");
			tmpfs[nt++] = optarg;
			break;
		default: return cmd_misuse("hvlab lab", lab_cmds, "dirs");
		}
	}
	if (optind != argc - 1 || nk + nt == 0)
		return cmd_misuse("hvlab lab", lab_cmds, "dirs");
	keep[nk] = NULL;
	tmpfs[nt] = NULL;
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(NULL, name, 1, lab, err) < 0 ||
	    lab_provider_of(lab)->lp_host_dirs(lab, argv[optind], keep, tmpfs,
	    err) < 0)
		fprintf(stderr, "hvlab: %s\n", err);
	else
		rc = 0;
	free(lab);
	return rc;
}

/* The whole of fd into *buf (caller frees); its length, or -1. */
static ssize_t
read_all(int fd, char **buf)
{
	size_t cap = 4096, len = 0;
	ssize_t n;
	char *b = malloc(cap), *nb;

	while (b != NULL) {
		if (len == cap) {
			if (cap >= (64u << 20) ||
			    (nb = realloc(b, cap * 2)) == NULL)
				break;
			b = nb;
			cap *= 2;
		}
		n = read(fd, b + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			*buf = b;
			return (ssize_t)len;
		}
		len += (size_t)n;
	}
	free(b);
	return -1;
}

/* `lab put NODE PATH [--mode OCTAL] [--from FILE]`: stdin by default. */
static int
cmd_put(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "from", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *from = NULL;
	unsigned long mode = 0644;
	char err[ERR_LEN], *data = NULL, *end;
	struct lab *lab = NULL;
	int c, fd = 0, rc = 1;
	ssize_t len;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': name = optarg; break;
		case 'F': from = optarg; break;
		case 'm':
			mode = strtoul(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || mode > 07777) {
				fprintf(stderr, "hvlab: lab put: --mode '%s' "
				    "is not an octal mode\n", optarg);
				return 1;
			}
			break;
		default: return cmd_misuse("hvlab lab", lab_cmds, "put");
		}
	}
	if (optind != argc - 2)
		return cmd_misuse("hvlab lab", lab_cmds, "put");
	if (from != NULL && (fd = open(from, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "hvlab: lab put: %s: %s\n", from,
		    strerror(errno));
		return 1;
	}
	if ((len = read_all(fd, &data)) < 0) {
		fprintf(stderr, "hvlab: lab put: cannot read %s\n",
		    from ? from : "stdin");
		goto out;
	}
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		goto out;
	if (lab_open(NULL, name, 1, lab, err) < 0 ||
	    lab_provider_of(lab)->lp_put(lab, argv[optind], argv[optind + 1],
	    data, (size_t)len, (mode_t)mode, err) < 0)
		fprintf(stderr, "hvlab: %s\n", err);
	else
		rc = 0;
out:
	if (from != NULL)
		close(fd);
	free(data);
	free(lab);
	return rc;
}

/* `lab service NODE [--kind KIND] -- CMD [ARGS...]` (lab/hostdisk.h). */
static int
cmd_service(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "kind", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *kind = "daemon";
	struct lab *lab;
	char err[ERR_LEN];
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': name = optarg; break;
		case 'k': kind = optarg; break;
		default: return cmd_misuse("hvlab lab", lab_cmds, "service");
		}
	}
	if (optind + 2 > argc)
		return cmd_misuse("hvlab lab", lab_cmds, "service");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(NULL, name, 1, lab, err) < 0 ||
	    lab_provider_of(lab)->lp_service(lab, argv[optind], kind,
	    (const char *const *)argv + optind + 1, err) < 0)
		fprintf(stderr, "hvlab: %s\n", err);
	else
		rc = 0;
	free(lab);
	return rc;
}

/* Take lab's lock: one change at a time per lab (state files, OVS
 * transactions).  The locked fd (the caller closes it), or -1 with err. */
static int
lab_lock(const struct lab *lab, char *err)
{
	char path[LAB_PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", lab->l_state);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return err_errno(err, "%s", path);
	if (flock(fd, LOCK_EX) < 0) {
		err_errno(err, "%s", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* A whole number 0..INT_MAX in s, or -1. */
static int
parse_uint(const char *s)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > INT_MAX)
		return -1;
	return (int)v;
}

/* `lab switch HOST [--rate MBIT] [--rebalance MS|default]`: the switch's
 * side of the host's cables (struct lab_port_set). */
/* The provider's switch port verb, when it has one. */
static int
switch_port(struct lab *lab, const char *host, const struct lab_port_set *ps,
    char *err)
{
	const struct lab_provider *p = lab_provider_of(lab);

	if (p->lp_switch_port == NULL)
		return err_set(err, "the %s provider cannot set switch ports",
		    p->lp_name);
	return p->lp_switch_port(lab, host, ps, err);
}

static int
cmd_switch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'r' },
		{ "rebalance", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct lab_port_set ps = { LAB_PORT_LEAVE, LAB_PORT_LEAVE };
	const char *name = NULL;
	struct lab *lab;
	char err[ERR_LEN];
	int c, fd = -1, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "l:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': name = optarg; break;
		case 'r':
			if ((ps.ps_rate_mbit = parse_uint(optarg)) < 0) {
				fprintf(stderr, "hvlab: lab switch: --rate '%s' "
				    "is not a whole number of Mbit/s (1..%d, "
				    "0 removes the cap)\n", optarg,
				    LAB_PORT_RATE_MAX);
				return 1;
			}
			break;
		case 'b':
			if (strcmp(optarg, "default") == 0)
				ps.ps_rebalance_ms = LAB_PORT_DEFAULT;
			else if ((ps.ps_rebalance_ms = parse_uint(optarg)) < 0) {
				fprintf(stderr, "hvlab: lab switch: --rebalance "
				    "'%s' is not a whole number of ms (%d and "
				    "up, 0 never, 'default' the switch's "
				    "own)\n", optarg, LAB_PORT_REBALANCE_MIN);
				return 1;
			}
			break;
		default: return cmd_misuse("hvlab lab", lab_cmds, "switch");
		}
	}
	if (optind != argc - 1 || (ps.ps_rate_mbit == LAB_PORT_LEAVE &&
	    ps.ps_rebalance_ms == LAB_PORT_LEAVE))
		return cmd_misuse("hvlab lab", lab_cmds, "switch");
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(NULL, name, 1, lab, err) < 0 ||
	    (fd = lab_lock(lab, err)) < 0 ||
	    switch_port(lab, argv[optind], &ps, err) < 0)
		fprintf(stderr, "hvlab: %s\n", err);
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
	free(lab);
	return rc;
}

static const struct cmd lab_cmds[] = {
	{ "up", cmd_up, "[-f FILE] [--lab NAME] [-q] [--fake-clock]",
	    "build the lab (all or nothing); --fake-clock: each host gets a "
	    "wall clock of its own (inject clock)" },
	{ "down", cmd_down, "[-f FILE] [--lab NAME]",
	    "remove every namespace, link, process and file of the lab" },
	{ "status", cmd_status, "[--lab NAME] [--json]",
	    "hosts, NICs, switch ports, SAN" },
	{ "check", cmd_check, "[-f FILE] [--lab NAME]",
	    "validate a topology and print \"configuration OK\"" },
	{ "exec", cmd_exec, "NODE [--lab NAME] -- CMD [ARGS...]",
	    "run a command inside a host, sw, san or station" },
	{ "dirs", cmd_dirs, "HOST [--lab NAME] [--keep DIR]... "
	    "[--tmpfs DIR]...", "directories the host keeps across power "
	    "cycles, or private per boot" },
	{ "put", cmd_put, "NODE PATH [--lab NAME] [--mode OCTAL] "
	    "[--from FILE]", "put a file (stdin or FILE) on a host or the SAN" },
	{ "service", cmd_service, "NODE [--lab NAME] [--kind daemon|respawn|"
	    "run] -- CMD [ARGS...]", "start a command at every power-on of a "
	    "host or the SAN" },
	{ "switch", cmd_switch, "HOST [--lab NAME] [--rate MBIT] "
	    "[--rebalance MS|default]", "cap the switch's cables toward a "
	    "host, set how often its bond rebalances" },
	{ NULL, NULL, NULL, NULL }
};

int
lab_cmd_main(int argc, char **argv)
{
	return cmd_dispatch("hvlab lab", lab_cmds, argc - 1, argv + 1);
}

int
inject_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "file", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *name = NULL, *file = NULL;
	char *args[TOPO_MAX_HOSTS + 4];
	char err[ERR_LEN], wall[40];
	struct inject_event ev;
	struct lab *lab;
	int c, n = 0, rc = 1, lockfd = -1;

	optind = 1;
	/* GNU getopt permutes: options may follow the event's arguments. */
	while ((c = getopt_long(argc, argv, "f:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'l': name = optarg; break;
		case 'f': file = optarg; break;
		default: goto misuse;
		}
	}
	while (optind < argc && n < TOPO_MAX_HOSTS + 4)
		args[n++] = argv[optind++];
	if (optind < argc)
		goto misuse;
	if (n == 0)
		goto misuse;
	if ((lab = calloc(1, sizeof(*lab))) == NULL)
		return 1;
	if (lab_open(file, name, 1, lab, err) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	if ((lockfd = lab_lock(lab, err)) < 0) {
		fprintf(stderr, "hvlab: %s\n", err);
		goto out;
	}
	c = inject_run(lab, lab_provider_of(lab), n, args, &ev, err);
	if (c == 1) {
		fprintf(stderr, "hvlab: inject: %s\n", err);
		close(lockfd);
		free(lab);
		goto misuse;
	}
	if (c < 0) {
		fprintf(stderr, "hvlab: inject %s: %s\n", args[0], err);
		goto out;
	}
	clock_format_wall(ev.ie_wall_ns, wall, sizeof(wall));
	printf("%s%s%s at mono_ns=%llu wall_ns=%llu (%s)\n", ev.ie_name,
	    ev.ie_args[0] ? " " : "", ev.ie_args,
	    (unsigned long long)ev.ie_mono_ns,
	    (unsigned long long)ev.ie_wall_ns, wall);
	rc = 0;
out:
	if (lockfd >= 0)
		close(lockfd);
	free(lab);
	return rc;
misuse:
	fprintf(stderr, "usage: hvlab inject power-pull|power-on HOST "
	    "[--lab NAME]\n"
	    "       hvlab inject nic-unplug|nic-plug HOST NIC [--lab NAME]\n"
	    "       hvlab inject storage-down|storage-up [--lab NAME]\n"
	    "       hvlab inject partition HOST... [--lab NAME]\n"
	    "       hvlab inject heal [--lab NAME]\n"
	    "       hvlab inject clock HOST [+|-]SECONDS [--lab NAME] (a "
	    "negative offset after --)\n");
	return 1;
}
