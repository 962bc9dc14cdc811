/*
 * vmtool.c - a small driver for hvd's VM layer (platform/vm.c, qmp.c,
 * migrate.c, netcfg.c), used by the integration tests and the migration
 * benchmark to call the real modules without the control plane.
 *
 *   vmtool [HOST OPTIONS] argv CONFIG.json [--incoming]
 *   vmtool [HOST OPTIONS] start CONFIG.json [--incoming]
 *   vmtool [HOST OPTIONS] status|adopt|stop|cleanup NAME
 *   vmtool [HOST OPTIONS] shutdown NAME [TIMEOUT_MS]
 *   vmtool [HOST OPTIONS] migrate NAME DST_RUN_BASE URI [PARAMS.json]
 *   vmtool [HOST OPTIONS] net-show
 *   vmtool [HOST OPTIONS] net-apply CHANGE.json [CHECK_ADDR [GRACE_MS]]
 *   vmtool txcsum-off IFNAME
 *
 * HOST OPTIONS: -r RUN_BASE (required), -b BRIDGE, -d OVS_DB_SOCKET,
 * -q QEMU_BINARY (or $VMTOOL_QEMU).
 * CONFIG.json is the VM config (vm_config_from_json).  `migrate` runs both
 * ends in one process (QMP sockets are files, so the target may live in
 * another network namespace): migrate-incoming on the target, migrate on
 * the source, wait for the target to run, quit the source QEMU and remove
 * its taps (the source host's bridge is -b/-d; the taps were made there).
 * It prints QEMU's figures as one JSON line.  `txcsum-off` turns off
 * transmit checksum offload on a veth end in the current namespace (TCP
 * from a namespace through OVS's userspace datapath to a guest needs it:
 * docs/lab.md "vnet_hdr").  Exit 0 on success, 1 on failure (message on
 * stderr), 2 on misuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "clock.h"
#include "err.h"
#include "json.h"
#include "netif.h"
#include "platform/migrate.h"
#include "platform/netcfg.h"
#include "platform/vm.h"

static void
usage(void)
{
	fprintf(stderr, "usage: vmtool -r RUN_BASE [-b BRIDGE] [-d OVS_DB] "
	    "argv|start CONFIG.json [--incoming]\n"
	    "       vmtool -r RUN_BASE ... status|adopt|stop|cleanup NAME\n"
	    "       vmtool -r RUN_BASE ... shutdown NAME [TIMEOUT_MS]\n"
	    "       vmtool -r RUN_BASE ... migrate NAME DST_RUN_BASE URI "
	    "[PARAMS.json]\n"
	    "       vmtool -r RUN_BASE ... net-show\n"
	    "       vmtool -r RUN_BASE ... net-apply CHANGE.json [CHECK_ADDR "
	    "[GRACE_MS]]\n"
	    "       vmtool txcsum-off IFNAME\n");
	exit(2);
}

static int
txcsum_off(const char *dev)
{
	if (netif_txcsum_off(dev) == 0)
		return 0;
	fprintf(stderr, "vmtool: txcsum-off %s: %s\n", dev, strerror(errno));
	return 1;
}

static int
load_config(const char *path, struct vm_config *c, char *err)
{
	cJSON *doc;
	char bad[64];
	int rc;

	doc = json_parse_file(path, 1 << 20, err);
	if (doc == NULL)
		return -1;
	rc = vm_config_from_json(doc, c, bad, sizeof(bad), err);
	cJSON_Delete(doc);
	if (rc < 0)
		return err_prefix(err, "%s", path);
	return 0;
}

static int
get_proc(const struct vm_host *h, const char *name, struct vm_proc *p,
    char *err)
{
	int rc = vm_adopt(h, name, p, err);

	if (rc == 0)
		return err_set(err, "VM %s is not running", name);
	return rc < 0 ? -1 : 0;
}

static void
progress(void *arg, const struct migrate_result *r)
{
	(void)arg;
	fprintf(stderr, "vmtool: migrate %s %llu/%llu bytes, %.0f Mbit/s, "
	    "total %lld ms, downtime %lld ms\n", r->status,
	    (unsigned long long)r->transferred_bytes,
	    (unsigned long long)r->ram_total_bytes, r->mbps,
	    (long long)r->total_time_ms, (long long)r->downtime_ms);
}

/* With VMTOOL_EVENTS set: one stderr line per QMP event. */
static void
print_event(const char *side, const struct qmp_event *ev)
{
	char *d;

	if (getenv("VMTOOL_EVENTS") == NULL)
		return;
	d = ev->data ? cJSON_PrintUnformatted(ev->data) : NULL;
	fprintf(stderr, "vmtool: %s event %lld.%06lld %s %s\n", side,
	    (long long)(ev->ts_us / 1000000), (long long)(ev->ts_us % 1000000),
	    ev->name, d ? d : "");
	free(d);
}

/* The target's taps are raised the moment the VM runs there (they were
 * left down by vm_start --incoming).  They live in the target host's
 * network namespace: $VMTOOL_DST_NETNS names it when it is not ours. */
struct links_arg {
	const char *name;
	int nnics;
};

/* fn(arg, err) in the target host's network namespace. */
static int
in_dst_ns(int (*fn)(void *, char *), void *arg, char *err)
{
	const char *ns = getenv("VMTOOL_DST_NETNS");
	char path[300];
	int self = -1, other = -1, rc = -1;

	if (ns == NULL || ns[0] == '\0')
		return fn(arg, err);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	other = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || other < 0) {
		err_errno(err, "%s", self < 0 ? "/proc/self/ns/net" : path);
		goto out;
	}
	if (setns(other, CLONE_NEWNET) < 0) {
		err_errno(err, "setns %s", path);
		goto out;
	}
	rc = fn(arg, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		err_errno(err, "setns back from %s", path);
		rc = -1;
	}
out:
	if (self >= 0)
		close(self);
	if (other >= 0)
		close(other);
	return rc;
}

static int
links_up_fn(void *arg, char *err)
{
	const struct links_arg *la = arg;

	return vm_links_set(la->name, la->nnics, 1, err);
}

static int
links_up(void *arg, char *err)
{
	return in_dst_ns(links_up_fn, arg, err);
}

/* The stream's listening socket, on the target host like hvd's. */
struct listen_arg {
	const char *host;
	int port;
	int fd;
};

static int
listen_fn(void *arg, char *err)
{
	struct listen_arg *l = arg;

	l->fd = migrate_listen(l->host, l->port, err);
	return l->fd < 0 ? -1 : 0;
}

/*
 * As hvd does it (platform/vmops.c): for a tcp: uri the stream's
 * connection is made here, with hvd's socket buffers, and handed to both
 * QEMUs; *uri becomes "fd:migrate".  Other uris are left to QEMU.
 */
static int
stream_setup(struct vm_proc *sp, struct vm_proc *tp, const char **uri,
    char *err)
{
	struct listen_arg l = { NULL, 0, -1 };
	char host[64];
	const char *c;
	int cfd = -1, afd = -1, rc = -1;

	if (strncmp(*uri, "tcp:", 4) != 0)
		return 0;
	c = strrchr(*uri, ':');
	snprintf(host, sizeof(host), "%.*s", (int)(c - *uri - 4), *uri + 4);
	l.host = host;
	l.port = atoi(c + 1);
	if (in_dst_ns(listen_fn, &l, err) < 0 ||
	    (cfd = migrate_connect(host, l.port, 10000, err)) < 0 ||
	    (afd = migrate_accept(l.fd, NULL, 10000, NULL, err)) < 0 ||
	    migrate_pass_fd(tp->qmp, afd, err) < 0 ||
	    migrate_pass_fd(sp->qmp, cfd, err) < 0)
		goto out;
	*uri = "fd:" MIGRATE_FDNAME;
	rc = 0;
out:
	if (l.fd >= 0)
		close(l.fd);
	if (cfd >= 0)
		close(cfd);
	if (afd >= 0)
		close(afd);
	return rc;
}

static int
src_links(void *arg, int up, char *err)
{
	const struct links_arg *la = arg;

	return vm_links_set(la->name, la->nnics, up, err);
}

static int
do_migrate(const struct vm_host *src, const char *name, const char *dst_base,
    const char *uri, const char *params_file, char *err)
{
	struct vm_host dst = *src;
	struct vm_proc sp, tp;
	struct migrate_params mp;
	struct migrate_result r;
	struct migrate_hooks hooks;
	struct vm_config tc;
	struct links_arg la, sla;
	char cpath[VM_PATH_MAX + 300];
	cJSON *doc = NULL, *out;
	char *text;
	struct qmp_event ev;
	int64_t stop_us = 0, resume_us = 0, start_us = 0;
	uint64_t t0, t1, t2;
	int rc = -1;

	memset(&sp, 0, sizeof(sp));
	memset(&tp, 0, sizeof(tp));
	migrate_params_default(&mp);
	if (params_file != NULL) {
		doc = json_parse_file(params_file, 1 << 20, err);
		if (doc == NULL || migrate_params_from_json(doc, &mp, err) < 0)
			goto out;
	}
	snprintf(dst.run_base, sizeof(dst.run_base), "%s", dst_base);
	if (get_proc(src, name, &sp, err) < 0)
		goto out;
	if (get_proc(&dst, name, &tp, err) < 0) {
		err_prefix(err, "target");
		goto out;
	}
	snprintf(cpath, sizeof(cpath), "%s/%s/vm.json", dst_base, name);
	if (load_config(cpath, &tc, err) < 0)
		goto out;
	la.name = name;
	la.nnics = tc.nnics;
	/* $VMTOOL_TGT_NICE: the target QEMU's nice value during the
	 * migration (back to 0 once the source is gone). */
	if (getenv("VMTOOL_TGT_NICE") != NULL && vm_priority_set(&tp,
	    atoi(getenv("VMTOOL_TGT_NICE")), err) < 0)
		goto out;
	t0 = clock_mono_ns();
	if (stream_setup(&sp, &tp, &uri, err) < 0 ||
	    migrate_incoming(tp.qmp, &mp, uri, err) < 0)
		goto out;
	/* $VMTOOL_QUIESCE=1: the source's taps (in this namespace) go down
	 * and the source is stopped just before the switchover (an
	 * experiment against the TCG corruption, docs/vm.md; not hvd's
	 * default: it did not avoid it). */
	sla.name = name;
	sla.nnics = tc.nnics;
	start_us = (int64_t)(clock_wall_ns() / 1000);
	hooks.mh_progress = getenv("VMTOOL_PROGRESS") ? progress : NULL;
	hooks.mh_progress_arg = NULL;
	hooks.mh_links = getenv("VMTOOL_QUIESCE") == NULL ? NULL : src_links;
	hooks.mh_links_arg = &sla;
	if (migrate_run(sp.qmp, &mp, uri, &hooks, &r, err) < 0)
		goto out;
	t1 = clock_mono_ns();
	if (getenv("VMTOOL_PROGRESS") != NULL)
		progress(NULL, &r);
	if (migrate_target_wait_fn(tp.qmp, &mp, 30000, links_up, &la,
	    err) < 0)
		goto out;
	t2 = clock_mono_ns();
	/* QEMU's wall-clock event stamps: when the source stopped the
	 * guest and when the target resumed it (the real switchover). */
	while (qmp_event_next(sp.qmp, &ev, 0, err) == 1) {
		if (strcmp(ev.name, "STOP") == 0)
			stop_us = ev.ts_us;
		print_event("source", &ev);
		qmp_event_free(&ev);
	}
	while (qmp_event_next(tp.qmp, &ev, 0, err) == 1) {
		if (strcmp(ev.name, "RESUME") == 0 && resume_us == 0)
			resume_us = ev.ts_us;
		print_event("target", &ev);
		qmp_event_free(&ev);
	}
	if (vm_stop(&sp, 5000, err) < 0 || vm_cleanup(src, name, err) < 0)
		goto out;
	if (getenv("VMTOOL_TGT_NICE") != NULL && vm_priority_set(&tp, 0,
	    err) < 0)
		goto out;
	out = migrate_result_to_json(&r);
	cJSON_AddNumberToObject(out, "driver_total_ms",
	    (double)(t1 - t0) / 1e6);
	cJSON_AddNumberToObject(out, "target_wait_ms", (double)(t2 - t1) / 1e6);
	cJSON_AddNumberToObject(out, "migrate_start_us", (double)start_us);
	cJSON_AddNumberToObject(out, "src_stop_us", (double)stop_us);
	cJSON_AddNumberToObject(out, "tgt_resume_us", (double)resume_us);
	if (stop_us > 0 && resume_us > 0)
		cJSON_AddNumberToObject(out, "switchover_ms",
		    (double)(resume_us - stop_us) / 1e3);
	text = cJSON_PrintUnformatted(out);
	printf("%s\n", text);
	free(text);
	cJSON_Delete(out);
	rc = 0;
out:
	cJSON_Delete(doc);
	vm_proc_release(&sp);
	vm_proc_release(&tp);
	return rc;
}

/* net-show / net-apply against the host's bridge. */
static int
net_cmd(const struct vm_host *h, int argc, char **argv)
{
	struct netcfg_ovs o;
	struct netcfg_change ch;
	struct netcfg_guard g;
	cJSON *doc;
	char err[ERR_LEN], *text;
	int rb = 0, rc;

	memset(&o, 0, sizeof(o));
	snprintf(o.bridge, sizeof(o.bridge), "%s", h->bridge);
	snprintf(o.db, sizeof(o.db), "%s", h->ovs_db);
	if (strcmp(argv[0], "net-show") == 0) {
		doc = netcfg_show(&o, err);
		if (doc == NULL)
			goto fail;
		text = cJSON_PrintUnformatted(doc);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(doc);
		return 0;
	}
	if (argc < 2)
		usage();
	doc = json_parse_file(argv[1], 1 << 20, err);
	if (doc == NULL)
		goto fail;
	rc = netcfg_change_from_json(doc, &ch, err);
	cJSON_Delete(doc);
	if (rc < 0)
		goto fail;
	memset(&g, 0, sizeof(g));
	if (argc > 2)
		snprintf(g.check_addr, sizeof(g.check_addr), "%s", argv[2]);
	g.grace_ms = argc > 3 ? atol(argv[3]) : 3000;
	if (netcfg_apply(&o, &ch, &g, &rb, err) < 0) {
		fprintf(stderr, "vmtool: %s\n", err);
		return rb ? 4 : 1;
	}
	return 0;
fail:
	fprintf(stderr, "vmtool: %s\n", err);
	return 1;
}

/* The accelerator as hvd decides it (HVLAB_ACCEL, else auto: KVM only
 * when a probe guest runs under it). */
static int
host_accel(struct vm_host *h, char *err)
{
	struct accel_req r = { 0 };
	struct accel_choice c;

	if (accel_mode_env(ACCEL_AUTO, &r.ar_mode, err) < 0)
		return -1;
	r.ar_qemu = h->qemu[0] ? h->qemu : NULL;
	if (accel_choose(&r, &c, err) < 0)
		return -1;
	snprintf(h->accel, sizeof(h->accel), "%s", c.ac_accel);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "incoming", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	struct vm_host h;
	struct vm_config c;
	struct vm_proc p;
	char err[ERR_LEN], st[32], **av = NULL;
	const char *cmd;
	int ch, incoming = 0, rc = 1, i;

	memset(&h, 0, sizeof(h));
	memset(&p, 0, sizeof(p));
	while ((ch = getopt_long(argc, argv, "+r:b:d:q:", lopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			snprintf(h.run_base, sizeof(h.run_base), "%s", optarg);
			break;
		case 'b':
			snprintf(h.bridge, sizeof(h.bridge), "%s", optarg);
			break;
		case 'd':
			snprintf(h.ovs_db, sizeof(h.ovs_db), "%s", optarg);
			break;
		case 'q':
			snprintf(h.qemu, sizeof(h.qemu), "%s", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 2 && strcmp(argv[0], "txcsum-off") == 0)
		return txcsum_off(argv[1]);
	if (h.qemu[0] == '\0' && getenv("VMTOOL_QEMU") != NULL)
		snprintf(h.qemu, sizeof(h.qemu), "%s", getenv("VMTOOL_QEMU"));
	if (argc < 1 || h.run_base[0] == '\0')
		usage();
	if (host_accel(&h, err) < 0) {
		fprintf(stderr, "vmtool: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "net-show") == 0 ||
	    strcmp(argv[0], "net-apply") == 0)
		return net_cmd(&h, argc, argv);
	if (argc < 2)
		usage();
	cmd = argv[0];
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--incoming") == 0)
			incoming = 1;

	if (strcmp(cmd, "argv") == 0 || strcmp(cmd, "start") == 0) {
		if (load_config(argv[1], &c, err) < 0)
			goto fail;
		if (strcmp(cmd, "argv") == 0) {
			if (vm_argv_build(&h, &c, incoming ? VM_START_INCOMING :
			    0, &av, err) < 0)
				goto fail;
			for (i = 0; av[i] != NULL; i++)
				printf("%s\n", av[i]);
			vm_argv_free(av);
			return 0;
		}
		if (vm_start(&h, &c, incoming ? VM_START_INCOMING : 0, &p,
		    err) < 0)
			goto fail;
		printf("%d\n", (int)p.pid);
		rc = 0;
	} else if (strcmp(cmd, "adopt") == 0) {
		i = vm_adopt(&h, argv[1], &p, err);
		if (i < 0)
			goto fail;
		if (i == 0) {
			printf("not running\n");
			return 3;
		}
		if (vm_status(&p, st, sizeof(st), err) < 0)
			goto fail;
		printf("%d %s\n", (int)p.pid, st);
		rc = 0;
	} else if (strcmp(cmd, "status") == 0) {
		i = vm_adopt(&h, argv[1], &p, err);
		if (i < 0)
			goto fail;
		if (vm_status(&p, st, sizeof(st), err) < 0)
			goto fail;
		printf("%s\n", st);
		rc = 0;
	} else if (strcmp(cmd, "stop") == 0) {
		if (vm_adopt(&h, argv[1], &p, err) < 0 ||
		    vm_stop(&p, 3000, err) < 0)
			goto fail;
		rc = 0;
	} else if (strcmp(cmd, "shutdown") == 0) {
		if (get_proc(&h, argv[1], &p, err) < 0 ||
		    vm_shutdown(&p, argc > 2 ? atol(argv[2]) : 30000, err) < 0)
			goto fail;
		rc = 0;
	} else if (strcmp(cmd, "cleanup") == 0) {
		if (vm_cleanup(&h, argv[1], err) < 0)
			goto fail;
		rc = 0;
	} else if (strcmp(cmd, "migrate") == 0) {
		if (argc < 4)
			usage();
		if (do_migrate(&h, argv[1], argv[2], argv[3],
		    argc > 4 ? argv[4] : NULL, err) < 0)
			goto fail;
		rc = 0;
	} else
		usage();
	vm_proc_release(&p);
	return rc;
fail:
	vm_proc_release(&p);
	fprintf(stderr, "vmtool: %s\n", err);
	return 1;
}
