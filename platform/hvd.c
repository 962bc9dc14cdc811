/*
 * hvd.c - main of hvd, the node daemon of the reference platform.
 *
 * Reads /etc/hvd/hvd.conf (or -c FILE, or $HVD_CONF), serves the API on
 * a root-only unix socket at once and over HTTPS once the node is in a
 * cluster, and supervises this node's etcd member from the main loop.
 * SIGTERM/SIGINT stop it cleanly (etcd stopped, lease revoked); VMs keep
 * running either way.  With role = witness (or -w) it is a quorum
 * witness: its etcd member and the cluster API on the unix socket only,
 * no VM runner, no HA, no HTTPS.  See docs/hvd.md, docs/ha.md.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel.h"
#include "clock.h"
#include "err.h"
#include "log.h"
#include "platform/api.h"
#include "platform/backup.h"
#include "platform/balance.h"
#include "platform/cluster.h"
#include "platform/config.h"
#include "platform/ha.h"
#include "platform/metrics.h"
#include "platform/vmops.h"

static volatile sig_atomic_t hvd_quit;

static void
on_signal(int sig)
{
	hvd_quit = sig;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: hvd [-dnvw] [-c FILE]\n"
	    "  -c, --config FILE  configuration file (default $HVD_CONF or "
	    HVD_CONF_PATH ")\n"
	    "  -d, --debug        debug logging\n"
	    "  -n, --check        check the configuration, print it and "
	    "exit\n"
	    "  -v, --version      print the version and exit\n"
	    "  -w, --witness      run as the cluster's quorum witness "
	    "(role = witness)\n"
	    "  -h, --help         this text\n");
}

/*
 * Which accelerator this node's QEMUs use (hvd.conf `accel`): decided once
 * per start, by trying (common/accel.h), cached in run_dir for this boot
 * of the machine.
 */
static int
decide_accel(struct hvd_config *cf, char *err)
{
	struct accel_req r = { 0 };
	struct accel_choice c;
	char cache[HVD_PATH_MAX + 16];

	if (accel_mode_parse(cf->cf_accel, &r.ar_mode, err) == -1)
		return -1;
	snprintf(cache, sizeof(cache), "%s/accel.cache", cf->cf_run_dir);
	r.ar_qemu = cf->cf_qemu_bin;
	r.ar_cache = cache;
	if (accel_choose(&r, &c, err) == -1)
		return -1;
	snprintf(cf->cf_accel_used, sizeof(cf->cf_accel_used), "%s",
	    c.ac_accel);
	snprintf(cf->cf_accel_reason, sizeof(cf->cf_accel_reason), "%s",
	    c.ac_reason);
	log_info("accelerator %s: %s%s", c.ac_accel, c.ac_reason,
	    c.ac_cached ? " (decided earlier in this boot)" : "");
	return 0;
}

static void
start_https(void *arg)
{
	struct api *a = arg;
	char err[ERR_LEN];

	if (api_start_https(a, err) != 0)
		log_warnx("%s", err);
}

static int
mkdir_one(const char *path, char *err)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return err_errno(err, "mkdir %s", path);
	return 0;
}

/* What the command line asks. */
struct hvd_args {
	const char	*conf;
	int		 explicit;	/* conf named (-c, $HVD_CONF) */
	int		 check;		/* -n */
	int		 level;
	int		 witness;
};

/* The options into a: -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct hvd_args *a)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'v' },
		{ "witness", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:dnvwh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			a->conf = optarg;
			a->explicit = 1;
			break;
		case 'd':
			a->level = LOG_LEVEL_DEBUG;
			break;
		case 'n':
			a->check = 1;
			break;
		case 'v':
			printf("hvd %s\n", HV_VERSION);
			return 0;
		case 'w':
			a->witness = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	return -1;
}

/* SIGTERM and SIGINT stop hvd; a closed peer is an error, not a death. */
static void
signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void
pidfile_write(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		fatal("%s", path);
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

/* Start the node's parts, run until a signal, stop them: the exit
 * status. */
static int
serve(struct hvd_config *cf)
{
	struct cluster *cl = NULL;
	struct api *a = NULL;
	struct vmops *vo = NULL;
	struct ha *ha = NULL;
	struct backup_sched *bs = NULL;
	struct metrics *mx = NULL;
	struct balancer *bal = NULL;
	char err[ERR_LEN];
	int rc = 1;

	if (!cf->cf_witness && decide_accel(cf, err) == -1)
		goto fail;
	if ((cl = cluster_new(cf, err)) == NULL)
		goto fail;
	/* A witness holds a vote and nothing else. */
	if (!cf->cf_witness && (vo = vmops_new(cf, cl, err)) == NULL)
		goto fail;
	if (!cf->cf_witness && (ha = ha_new(cf, cl, vo, err)) == NULL)
		goto fail;
	if (!cf->cf_witness && (bs = backup_sched_start(vo, err)) == NULL)
		goto fail;
	if (!cf->cf_witness && (mx = metrics_start(cf, vo, err)) == NULL)
		goto fail;
	if (!cf->cf_witness && (bal = balance_start(cf, cl, vo, mx, err)) ==
	    NULL)
		goto fail;
	ha_set_balancer(ha, bal);
	if ((a = api_new(cf, cl, err)) == NULL)
		goto fail;
	api_set_vmops(a, vo);
	api_set_metrics(a, mx);
	if (api_start_unix(a, err) != 0)
		goto fail;
	if (!cf->cf_witness)
		cluster_on_active(cl, start_https, a);
	log_info("hvd %s %s %s started (pid %d)", HV_VERSION,
	    cf->cf_witness ? "witness" : "node", cf->cf_node, (int)getpid());
	while (!hvd_quit) {
		cluster_tick(cl);
		clock_sleep_ns(200 * NS_PER_MS);
	}
	log_info("signal %d: stopping", (int)hvd_quit);
	rc = 0;
	goto out;
fail:
	log_warnx("%s", err);
out:
	api_free(a);
	backup_sched_stop(bs);
	ha_set_balancer(ha, NULL);
	balance_stop(bal);	/* before metrics: it reads them */
	metrics_stop(mx);	/* before vmops: it reads the VM slots */
	ha_free(ha);		/* HA lease left to expire (docs/ha.md) */
	vmops_free(vo);		/* VMs keep running */
	cluster_free(cl);
	return rc;
}

int
main(int argc, char **argv)
{
	struct hvd_args args = { getenv("HVD_CONF"), 0, 0, LOG_LEVEL_INFO, 0 };
	struct hvd_config cf;
	char err[ERR_LEN], pidf[HVD_PATH_MAX + 16];
	int rc;

	if (args.conf != NULL && *args.conf != '\0')
		args.explicit = 1;
	else
		args.conf = HVD_CONF_PATH;
	if ((rc = parse_args(argc, argv, &args)) >= 0)
		return rc;
	log_init("hvd", args.level);
	config_defaults(&cf);
	/* The default file may be absent (defaults apply); a named one not. */
	if (config_load(&cf, args.conf, !args.explicit, err) != 0) {
		fprintf(stderr, "hvd: %s\n", err);
		return 1;
	}
	if (args.witness) {
		snprintf(cf.cf_role, sizeof(cf.cf_role), "witness");
		cf.cf_witness = 1;
	}
	if (args.check) {
		config_print(&cf, stdout);
		fprintf(stderr, "configuration OK\n");
		return 0;
	}
	if (cf.cf_log_file[0] != '\0' && log_open_file(cf.cf_log_file) != 0)
		fatal("%s", cf.cf_log_file);
	signals_init();
	if (mkdir_one(cf.cf_run_dir, err) != 0)
		fatalx("%s", err);
	snprintf(pidf, sizeof(pidf), "%s/hvd.pid", cf.cf_run_dir);
	pidfile_write(pidf);
	rc = serve(&cf);
	unlink(pidf);
	return rc;
}
