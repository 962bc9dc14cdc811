/*
 * suite.c - loads the `suites:` and `scenarios:` sections of
 * scenarios.yaml with libyaml into struct suite_file, and checks them.
 *
 * The file is read as one libyaml document (node tree with line marks;
 * common/yamldoc.c refuses a second one), then walked: every mapping's keys
 * are checked against the keys this format knows, every scalar against its
 * type, every step against the step vocabulary, every suite entry against
 * the scenarios.  Errors are counted and all printed as "file:line:
 * message" before the load fails, so one run of `hvlab run -n` shows every
 * mistake.  Nothing here touches a lab or a platform: the loader is pure
 * and the unit tests link it directly.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "clock.h"
#include "err.h"
#include "reports/results.h"
#include "scenarios/suite.h"
#include "yamldoc.h"

#define SUITE_FILE_MAX (4 * 1024 * 1024)
#define REPEAT_MAX RESULTS_RUNS_MAX

static const struct step_def *step_def_find(const char *action);
static int suite_builtin_known(const char *name);
static int suite_feature_known(const char *name);

/* The features a scenario's `needs` may name. */
static const char *const suite_features[] = {
	"install", "cluster", "storage", "vm", "migrate", "live-migrate",
	"network", "snapshot", "backup", "restore", "clone", "template",
	"export", "import", "ha", "metrics", "balance", "bonding",
	"containers", NULL
};

/* The built-in scenario names (scenarios/builtin/builtin.c runs them). */
static const char *const suite_builtins[] = {
	"install", "shared-storage", "cluster", "virt-methods",
	"architecture", "guest-os", "resources", "network", "bonding", "ha",
	"drill", "snapshot", "clone-template",
	"backup-restore", "import-export", "monitoring", "load_balancing",
	NULL
};

/*
 * What each built-in scenario measures (fnmatch(3) patterns), so that a
 * bound on a metric it never produces is an error at load time, not a
 * row that fails "not measured" at the end of a run.  Kept beside the
 * code that sets them: runner.c (the set-up phases) and
 * scenarios/builtin/ (one file per row).
 */
static const char *const m_install[] = { "install_s", "steps", "hosts",
	NULL };
static const char *const m_storage[] = { "attach_s", "steps",
	"hosts_seeing", "hosts", NULL };
static const char *const m_cluster[] = { "form_s", "steps", "hosts",
	"online", "quorate", NULL };
static const char *const m_virt[] = { "methods_booted", NULL };
static const char *const m_arch[] = { "cpus", "memory_bytes", "hosts",
	NULL };
static const char *const m_guest[] = { "guest_kinds", "boot_s", NULL };
static const char *const m_resources[] = { "max_vcpus", "max_memory_mib",
	"max_vms", "vms_tried", "guest_cpus", "guest_mem_total_mib",
	"vcpus_at_ceiling", "memory_at_ceiling", "vms_at_ceiling", NULL };
static const char *const m_network[] = { "vlan_peers_reached",
	"isolation_violations", "isolated_guest_alive", "good_change_kept",
	"good_change_s", "bad_change_rolled_back", "rollback_s",
	"mgmt_restored", NULL };
static const char *const m_bonding[] = { "active_backup_*",
	"balance_slb_*", "balance_tcp_*", "throughput_mbps_*",
	"throughput_flow_mbps_*", "throughput_flows", "throughput_aggregation",
	NULL };
static const char *const m_ha[] = { "lost_acked_writes", "acked_writes",
	"detect_s", "restart_s", "started_s", "failover_s", "boot_s",
	"fence_s", "fence_setting_s", "fence_overrun_s", "fence_done_s",
	"old_host_started",
	"max_running_copies", "max_host_copies", "bmc_off_s", NULL };
static const char *const m_drill[] = { "lost_acked_writes", "acked_writes",
	"detect_s", "restart_s", "started_s", "failover_s", "boot_s",
	"fence_s", "fence_setting_s", "fence_overrun_s", "fence_done_s",
	"old_host_started",
	"max_running_copies", "max_host_copies", "spurious_fences",
	"victim_fences", "migration_progress_at_fault", "migration_completed",
	"daemon_restart_s",
	"vm_survived", "vm_failed_visibly", "vm_outcome_ok",
	"other_vm_recovered", "other_vm_max_running_copies",
	"clock_step_s", "api_calls", "api_failures", "vm_moved",
	"vm_processes", NULL };

static const char *const m_snapshot[] = { "snapshot_s", "pause_ms",
	"rollback_s", "data_verified", "ram_restored", NULL };
static const char *const m_backup[] = { "backup_s", "backup_mib",
	"incremental_s", "incremental_mib", "restore_s", "pause_ms",
	"data_verified", "schedule_fired", NULL };
static const char *const m_clone[] = { "full_clone_s", "linked_clone_s",
	"linked_clone_mib", "full_clone_mib", "template_unchanged",
	"clones_booted", NULL };
static const char *const m_monitoring[] = { "reaction_s", "fall_s",
	"cpu_peak_cores", "series", "hosts_with_metrics", "prometheus_ok",
	"scrape_ms", NULL };

static const char *const m_balancing[] = { "balanced_s", "moves",
	"max_gap_ms", "pingpong_moves", NULL };

static const char *const m_io[] = { "*_export_s", "*_import_s",
	"*_booted", "*_mib", NULL };

static const struct {
	const char *builtin;
	const char *const *metrics;
} builtin_metrics[] = {
	{ "install", m_install }, { "shared-storage", m_storage },
	{ "cluster", m_cluster }, { "virt-methods", m_virt },
	{ "architecture", m_arch }, { "guest-os", m_guest },
	{ "resources", m_resources }, { "network", m_network },
	{ "bonding", m_bonding }, { "ha", m_ha }, { "drill", m_drill },
	{ "snapshot", m_snapshot }, { "clone-template", m_clone },
	{ "backup-restore", m_backup },
	{ "import-export", m_io },
	{ "monitoring", m_monitoring },
	{ "load_balancing", m_balancing },
};

/*
 * The builtins' numeric parameters and the ranges their code takes.  The
 * builtins read them as a long and keep them in an int or multiply them
 * into nanoseconds (scenarios/builtin/resources.c, bonding.c, ha.c), so a
 * value out of range is an error at its line here rather than a figure
 * that wrapped around at run time.  Other parameters are the builtins'
 * own to check.
 */
static const struct {
	const char *bp_builtin, *bp_key;
	long bp_min, bp_max;
} builtin_params[] = {
	{ "resources", "vcpus_max", 1, 512 },
	{ "resources", "memory_mib_max", 128, 1048576 },
	{ "resources", "vms_max", 1, 256 },
	{ "bonding", "flows", 1, 64 },		/* TPUT_MAX_FLOWS */
	{ "bonding", "rate_mbit", 0, 10000 },	/* LAB_PORT_RATE_MAX */
	{ "bonding", "tput_s", 1, 3600 },
	{ "bonding", "rebalance_ms", 1000, 3600000 },
	{ "bonding", "throughput", 0, 1 },
	{ "bonding", "vm", 0, 1 },
	{ "bonding", "interval_us", 500, 100000 },
	{ "ha", "watch_s", 0, 600 },
	{ "ha", "interval_ms", 10, 1000 },
	{ "ha", "timeout_s", 10, 3600 },
	{ "ha", "memory_mib", 64, 65536 },
	{ "ha", "vlan", 0, 4094 },
	{ "backup-restore", "file_kib", 1, 65536 },
	{ "backup-restore", "keep_last", 1, 8 },
	{ "drill", "watch_s", 0, 600 },
	{ "drill", "interval_ms", 10, 1000 },
	{ "drill", "timeout_s", 10, 3600 },
	{ "drill", "memory_mib", 64, 65536 },
	{ "drill", "vlan", 0, 4094 },
	{ "drill", "down_s", 1, 600 },
	{ "drill", "migrate_kib_s", 64, 10485760 },
	{ "drill", "step_s", 1, 3600 },
	{ "snapshot", "file_kib", 1, 65536 },	/* the agent's file write */
	{ "snapshot", "hold_s", 1, 600 },
	{ "monitoring", "burn_s", 1, 3600 },	/* the agent's burn */
	{ "monitoring", "rise_pct", 1, 1000 },	/* of one core */
	{ "monitoring", "fall_pct", 1, 1000 },
	/* load_balancing.c takes the same ranges (and threshold, margin) */
	{ "load_balancing", "hold", 1, 100 },	/* hvd's balancer's */
	{ "load_balancing", "max_moves", 1, 64 },
	{ "load_balancing", "interval_s", 2, 3600 },
	{ "load_balancing", "burn_pct", 1, 100 },	/* the agent's burn */
	{ "load_balancing", "ping_ms", 1, 1000 },
	{ "load_balancing", "timeout_s", 10, 1200 },
	{ "load_balancing", "watch_s", 0, 600 },
};

/* What the steps measure: vm.migrate (runner.c step_vm) and the probes'
 * "metrics" (probes/ping_report.c, probes/tcp.c), behind their prefix. */
static const char *const m_migrate[] = { "total_s", "qemu_downtime_ms",
	"qemu_total_s", "transferred_bytes", NULL };
static const char *const m_ping[] = { "sent", "received", "lost",
	"loss_pct", "duplicates", "reordered", "stray", "loss_bursts",
	"longest_burst", "downtime_ms", "downtime_start_ms",
	"downtime_end_ms", "downtime_open_start", "downtime_open_end",
	"downtime_send_gap_ms", "capture_max_gap_ms", "downtime_lost",
	"rtt_*_ms",
	"send_interval_*_ms", "send_jitter_*_ms", "send_errors", "late_sends",
	"capture_drops", "duration_s", "cpu_s", "cpu_pct", NULL };
static const char *const m_tcp[] = { "survived", "lost_at_ms",
	"reconnects", "sent", "received", "lost", "stall_ms",
	"stall_start_ms", "stall_end_ms", "rtt_*_ms", "bad_lines",
	"duration_s", NULL };

static int
metric_in(const char *const *pats, const char *prefix, const char *metric)
{
	size_t n = strlen(prefix);

	if (strncmp(metric, prefix, n) != 0)
		return 0;
	for (; *pats != NULL; pats++)
		if (fnmatch(*pats, metric + n, 0) == 0)
			return 1;
	return 0;
}

/* Whether a run of sc can produce metric (its builtin, or its steps). */
static int
scenario_measures(const struct scenario *sc, const char *metric)
{
	size_t i;

	if (sc->sc_builtin != NULL) {
		for (i = 0; i < sizeof(builtin_metrics) /
		    sizeof(builtin_metrics[0]); i++)
			if (strcmp(builtin_metrics[i].builtin,
			    sc->sc_builtin) == 0)
				return metric_in(builtin_metrics[i].metrics, "",
				    metric);
		return 0;
	}
	for (i = 0; i < sc->sc_nsteps; i++) {
		const struct step *st = &sc->sc_steps[i];
		const char *kind, *prefix;

		if (st->st_def == NULL)
			continue;
		if (strcmp(st->st_def->sd_action, "vm.migrate") == 0 &&
		    metric_in(m_migrate, "", metric))
			return 1;
		if (strcmp(st->st_def->sd_action, "probe.start") != 0)
			continue;
		kind = step_param_get(st->st_params, st->st_nparams, "kind");
		prefix = step_param_get(st->st_params, st->st_nparams,
		    "prefix");
		if (kind != NULL && strcmp(kind, "ping") == 0 &&
		    metric_in(m_ping, prefix ? prefix : "", metric))
			return 1;
		if (kind != NULL && strcmp(kind, "tcp") == 0 &&
		    metric_in(m_tcp, prefix ? prefix : "tcp_", metric))
			return 1;
	}
	return 0;
}

/*
 * The step vocabulary.  Each action's handler lives in runner.c; the
 * loader only checks names and parameter types.
 */
static const struct step_def step_defs[] = {
	{ "platform.install", "install the platform on every lab host",
	    { { "hosts", SP_LIST, 0 }, { NULL, 0, 0 } } },
	{ "cluster.form", "form a cluster of the lab hosts",
	    { { "name", SP_STR, 0 }, { "hosts", SP_LIST, 0 }, { NULL, 0, 0 } } },
	{ "storage.attach", "attach shared storage (a pool) to every host",
	    { { "pool", SP_STR, 1 }, { "type", SP_STR, 0 },
	      { NULL, 0, 0 } } },
	{ "network.apply", "create a VLAN network on every host",
	    { { "name", SP_STR, 1 }, { "vlan", SP_INT, 0 },
	      { "bond", SP_STR, 0 }, { NULL, 0, 0 } } },
	{ "vm.create", "define a VM",
	    { { "name", SP_STR, 1 }, { "host", SP_STR, 0 },
	      { "memory_mib", SP_INT, 0 }, { "vcpus", SP_INT, 0 },
	      { "pool", SP_STR, 0 }, { "network", SP_STR, 0 },
	      { "vlan", SP_INT, 0 }, { "disk_mib", SP_INT, 0 },
	      { NULL, 0, 0 } } },
	{ "vm.start", "start a VM",
	    { { "name", SP_STR, 1 }, { "timeout", SP_DURATION, 0 },
	      { NULL, 0, 0 } } },
	{ "vm.stop", "stop a VM (force: power off)",
	    { { "name", SP_STR, 1 }, { "force", SP_BOOL, 0 },
	      { "timeout", SP_DURATION, 0 }, { NULL, 0, 0 } } },
	{ "vm.delete", "delete a VM and its disks",
	    { { "name", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "vm.migrate", "move a VM to another host (live or offline)",
	    { { "name", SP_STR, 1 }, { "to", SP_STR, 1 },
	      { "live", SP_BOOL, 0 }, { "timeout", SP_DURATION, 0 },
	      { NULL, 0, 0 } } },
	{ "inject.power-pull", "cut a host's power",
	    { { "host", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "inject.power-on", "power a host on",
	    { { "host", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "inject.nic-unplug", "unplug a host NIC",
	    { { "host", SP_STR, 1 }, { "nic", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "inject.nic-plug", "plug a host NIC back",
	    { { "host", SP_STR, 1 }, { "nic", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "inject.storage-down", "make the SAN unreachable",
	    { { NULL, 0, 0 } } },
	{ "inject.storage-up", "make the SAN reachable again",
	    { { NULL, 0, 0 } } },
	{ "inject.partition", "isolate hosts from the others",
	    { { "hosts", SP_LIST, 1 }, { NULL, 0, 0 } } },
	{ "inject.heal", "undo a partition",
	    { { NULL, 0, 0 } } },
	{ "probe.start", "start a probe from the station",
	    { { "kind", SP_STR, 1 }, { "to", SP_STR, 1 },
	      { "id", SP_STR, 0 }, { "interval", SP_DURATION, 0 },
	      { "prefix", SP_STR, 0 }, { NULL, 0, 0 } } },
	{ "probe.stop", "stop a probe and keep its figures",
	    { { "id", SP_STR, 1 }, { NULL, 0, 0 } } },
	{ "wait.time", "sleep",
	    { { "for", SP_DURATION, 1 }, { NULL, 0, 0 } } },
	{ "wait.ping", "wait until an address answers pings",
	    { { "to", SP_STR, 1 }, { "timeout", SP_DURATION, 0 },
	      { NULL, 0, 0 } } },
	{ "wait.vm", "wait until a VM reaches a state",
	    { { "name", SP_STR, 1 }, { "state", SP_STR, 1 },
	      { "timeout", SP_DURATION, 0 }, { NULL, 0, 0 } } },
	{ "check.vm-running", "the VM runs (on host, when given)",
	    { { "name", SP_STR, 1 }, { "host", SP_STR, 0 }, { NULL, 0, 0 } } },
	{ "check.ping", "an address answers (or, with expect: false, not)",
	    { { "from", SP_STR, 0 }, { "to", SP_STR, 1 },
	      { "expect", SP_BOOL, 0 }, { NULL, 0, 0 } } },
	{ NULL, NULL, { { NULL, 0, 0 } } }
};

struct ld_msg {
	int line;
	int seq;		/* order of finding, within a line */
	char *text;
};

struct ld {
	const char *name;
	yaml_document_t *doc;
	FILE *errf;
	int nerr;
	struct ld_msg *msgs;	/* printed sorted by line at the end */
	struct suite_file *sf;
};

static void ld_error(struct ld *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ld_error(struct ld *ld, int line, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		abort();
	va_end(ap);
	ld->msgs = realloc(ld->msgs, (size_t)(ld->nerr + 1) *
	    sizeof(*ld->msgs));
	if (ld->msgs == NULL)
		abort();
	ld->msgs[ld->nerr].line = line;
	ld->msgs[ld->nerr].seq = ld->nerr;
	ld->msgs[ld->nerr].text = text;
	ld->nerr++;
}

static int
msg_cmp(const void *a, const void *b)
{
	const struct ld_msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Print the errors in file order (same line: in the order found). */
static void
ld_flush(struct ld *ld)
{
	int i;

	if (ld->nerr > 1)
		qsort(ld->msgs, (size_t)ld->nerr, sizeof(*ld->msgs), msg_cmp);
	for (i = 0; i < ld->nerr; i++) {
		if (ld->errf != NULL)
			fprintf(ld->errf, "%s:%d: %s\n", ld->name,
			    ld->msgs[i].line, ld->msgs[i].text);
		free(ld->msgs[i].text);
	}
	free(ld->msgs);
	ld->msgs = NULL;
}

static yaml_node_t *
ld_node(struct ld *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

static int
node_line(const yaml_node_t *n)
{
	return (int)n->start_mark.line + 1;
}

static const char *
node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a scalar";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "empty";
	}
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

static void *
xgrow(void *p, size_t *n, size_t size)
{
	p = realloc(p, (*n + 1) * size);
	if (p == NULL)
		abort();
	memset((char *)p + *n * size, 0, size);
	(*n)++;
	return p;
}

/* A name: [a-z0-9][a-z0-9._-]*, at most SUITE_NAME_MAX-1 bytes. */
static int
name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= SUITE_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '-' || c == '_' || c == '.'))
			continue;
		return 0;
	}
	return 1;
}

static int
want_scalar(struct ld *ld, yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		ld_error(ld, node_line(n), "'%s' must be a scalar, not %s",
		    what, node_kind(n));
		return -1;
	}
	return 0;
}

static int
parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *s, int *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
		*out = 0;
		return 0;
	}
	return -1;
}

/* A list of names: a sequence of scalars, or one scalar. */
static void
load_name_list(struct ld *ld, yaml_node_t *n, const char *what,
    char ***out, size_t *nout)
{
	yaml_node_item_t *it;

	if (n->type == YAML_SCALAR_NODE) {
		*out = xgrow(*out, nout, sizeof(char *));
		(*out)[*nout - 1] = xstrdup(scalar(n));
		return;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_error(ld, node_line(n), "'%s' must be a list, not %s", what,
		    node_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = ld_node(ld, *it);

		if (want_scalar(ld, e, what) == -1)
			continue;
		*out = xgrow(*out, nout, sizeof(char *));
		(*out)[*nout - 1] = xstrdup(scalar(e));
	}
}

/* Join a sequence of scalars (or a scalar) with spaces; NULL on error. */
static char *
join_list(struct ld *ld, yaml_node_t *n, const char *what)
{
	yaml_node_item_t *it;
	size_t len = 1;
	char *s;

	if (n->type == YAML_SCALAR_NODE)
		return xstrdup(scalar(n));
	if (n->type != YAML_SEQUENCE_NODE) {
		ld_error(ld, node_line(n), "'%s' must be a list, not %s", what,
		    node_kind(n));
		return NULL;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = ld_node(ld, *it);

		if (want_scalar(ld, e, what) == -1)
			return NULL;
		len += strlen(scalar(e)) + 1;
	}
	s = calloc(1, len);
	if (s == NULL)
		abort();
	/* Appended at the end each time (strcat would scan the list so
	 * far for every item). */
	for (it = n->data.sequence.items.start, len = 0;
	    it < n->data.sequence.items.top; it++) {
		const char *e = scalar(ld_node(ld, *it));
		size_t el = strlen(e);

		if (len > 0)
			s[len++] = ' ';
		memcpy(s + len, e, el + 1);
		len += el;
	}
	return s;
}

/* Check a mapping's keys against allowed[]; report unknown/duplicate. */
static int
check_keys(struct ld *ld, yaml_node_t *map, const char *const allowed[],
    const char *where)
{
	yaml_node_pair_t *p;
	unsigned char *rep;
	int bad = 0;

	if (yamldoc_repeated_keys(ld->doc, map, &rep) == -1)
		abort();
	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			ld_error(ld, node_line(k), "%s: keys must be scalars",
			    where);
			bad = 1;
			continue;
		}
		if (rep[p - map->data.mapping.pairs.start]) {
			ld_error(ld, node_line(k), "%s: duplicate key '%s'",
			    where, scalar(k));
			bad = 1;
		}
		if (allowed == NULL)
			continue;
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], scalar(k)) == 0)
				break;
		if (allowed[i] == NULL) {
			ld_error(ld, node_line(k), "%s: unknown key '%s'", where,
			    scalar(k));
			bad = 1;
		}
	}
	free(rep);
	return bad ? -1 : 0;
}

static yaml_node_t *
map_get(struct ld *ld, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	for (p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);

		if (k->type == YAML_SCALAR_NODE && strcmp(scalar(k), key) == 0)
			return ld_node(ld, p->value);
	}
	return NULL;
}

static void
check_param_value(struct ld *ld, const struct step_pdef *pd,
    const char *action, const char *value, int line)
{
	long l;
	int b;
	uint64_t ns;
	char e[ERR_LEN];

	switch (pd->sp_type) {
	case SP_INT:
		if (parse_int(value, 0, INT32_MAX, &l) == -1)
			ld_error(ld, line, "%s: '%s' must be an integer >= 0, "
			    "not '%s'", action, pd->sp_key, value);
		break;
	case SP_BOOL:
		if (parse_bool(value, &b) == -1)
			ld_error(ld, line, "%s: '%s' must be true or false, "
			    "not '%s'", action, pd->sp_key, value);
		break;
	case SP_DURATION:
		if (clock_parse_duration(value, &ns, e) == -1)
			ld_error(ld, line, "%s: '%s': %s", action, pd->sp_key,
			    e);
		break;
	default:
		break;
	}
}

/* A step's parameters (the mapping v) into st, each checked against
 * its action's definition. */
static void
load_step_params(struct ld *ld, yaml_node_t *v, struct step *st)
{
	const char *action = st->st_def->sd_action;
	const struct step_pdef *pd;
	yaml_node_pair_t *p;

	for (p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *pk = ld_node(ld, p->key);
		yaml_node_t *pv = ld_node(ld, p->value);
		struct step_param *sp;
		char *val;

		for (pd = st->st_def->sd_params; pd->sp_key != NULL; pd++)
			if (strcmp(pd->sp_key, scalar(pk)) == 0)
				break;
		if (pd->sp_key == NULL) {
			ld_error(ld, node_line(pk), "%s: unknown parameter "
			    "'%s'", action, scalar(pk));
			continue;
		}
		if (pd->sp_type == SP_LIST)
			val = join_list(ld, pv, pd->sp_key);
		else if (want_scalar(ld, pv, pd->sp_key) == 0)
			val = xstrdup(scalar(pv));
		else
			val = NULL;
		if (val == NULL)
			continue;
		check_param_value(ld, pd, action, val, node_line(pv));
		st->st_params = xgrow(st->st_params, &st->st_nparams,
		    sizeof(*st->st_params));
		sp = &st->st_params[st->st_nparams - 1];
		sp->spm_key = xstrdup(pd->sp_key);
		sp->spm_value = val;
		sp->spm_line = node_line(pv);
	}
}

/*
 * One step: a mapping with exactly one key, the action, whose value is a
 * mapping of parameters (or empty for actions without parameters).
 */
static void
load_step(struct ld *ld, yaml_node_t *n, struct step *st)
{
	yaml_node_t *k, *v;
	const struct step_def *sd;
	const struct step_pdef *pd;
	const char *action;

	st->st_line = node_line(n);
	if (n->type == YAML_SCALAR_NODE) {
		/* "- inject.heal" : an action without parameters */
		k = n;
		v = NULL;
	} else if (n->type == YAML_MAPPING_NODE &&
	    n->data.mapping.pairs.top - n->data.mapping.pairs.start == 1) {
		k = ld_node(ld, n->data.mapping.pairs.start->key);
		v = ld_node(ld, n->data.mapping.pairs.start->value);
		if (want_scalar(ld, k, "step") == -1)
			return;
	} else {
		ld_error(ld, node_line(n), "a step is one action "
		    "('- vm.start: {name: vm1}'), not %s with %d keys",
		    node_kind(n), n->type == YAML_MAPPING_NODE ?
		    (int)(n->data.mapping.pairs.top -
		    n->data.mapping.pairs.start) : 0);
		return;
	}
	action = scalar(k);
	sd = step_def_find(action);
	if (sd == NULL) {
		ld_error(ld, node_line(k), "unknown step '%s'", action);
		return;
	}
	st->st_def = sd;
	if (v != NULL && v->type == YAML_SCALAR_NODE && *scalar(v) == '\0')
		v = NULL;	/* "- inject.heal:" */
	if (v != NULL && v->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(v), "%s: parameters must be a mapping, "
		    "not %s", action, node_kind(v));
		return;
	}
	if (v != NULL) {
		if (check_keys(ld, v, NULL, action) == -1)
			return;
		load_step_params(ld, v, st);
	}
	for (pd = sd->sd_params; pd->sp_key != NULL; pd++)
		if (pd->sp_required && step_param_get(st->st_params,
		    st->st_nparams, pd->sp_key) == NULL)
			ld_error(ld, st->st_line, "%s: missing parameter '%s'",
			    action, pd->sp_key);
}

static void
load_steps(struct ld *ld, yaml_node_t *n, const char *what,
    struct step **out, size_t *nout)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		ld_error(ld, node_line(n), "'%s' must be a list of steps, not "
		    "%s", what, node_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		*out = xgrow(*out, nout, sizeof(**out));
		load_step(ld, ld_node(ld, *it), &(*out)[*nout - 1]);
	}
}

static void
load_bounds(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(n), "'bounds' must be a mapping, not %s",
		    node_kind(n));
		return;
	}
	if (check_keys(ld, n, NULL, "bounds") == -1)
		return;
	for (p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key), *v = ld_node(ld, p->value);
		const char *key = scalar(k);
		size_t len = strlen(key);
		struct bound *b;
		char *end;
		double lim;
		int is_max;

		if (len > 4 && strcmp(key + len - 4, "_max") == 0)
			is_max = 1;
		else if (len > 4 && strcmp(key + len - 4, "_min") == 0)
			is_max = 0;
		else {
			ld_error(ld, node_line(k), "bounds: '%s' must end in "
			    "_max or _min (e.g. downtime_ms_max)", key);
			continue;
		}
		if (want_scalar(ld, v, key) == -1)
			continue;
		errno = 0;
		lim = strtod(scalar(v), &end);
		if (errno != 0 || end == scalar(v) || *end != '\0' ||
		    !isfinite(lim)) {
			ld_error(ld, node_line(v), "bounds: '%s' must be a "
			    "finite number, not '%s'", key, scalar(v));
			continue;
		}
		sc->sc_bounds = xgrow(sc->sc_bounds, &sc->sc_nbounds,
		    sizeof(*sc->sc_bounds));
		b = &sc->sc_bounds[sc->sc_nbounds - 1];
		b->bd_metric = strndup(key, len - 4);
		if (b->bd_metric == NULL)
			abort();
		b->bd_is_max = is_max;
		b->bd_limit = lim;
		b->bd_line = node_line(k);
	}
}

static void
load_params(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	yaml_node_pair_t *p;

	if (n->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(n), "'params' must be a mapping, not %s",
		    node_kind(n));
		return;
	}
	if (check_keys(ld, n, NULL, "params") == -1)
		return;
	for (p = n->data.mapping.pairs.start;
	    p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key), *v = ld_node(ld, p->value);
		struct step_param *sp;
		char *val = join_list(ld, v, scalar(k));

		if (val == NULL)
			continue;
		sc->sc_params = xgrow(sc->sc_params, &sc->sc_nparams,
		    sizeof(*sc->sc_params));
		sp = &sc->sc_params[sc->sc_nparams - 1];
		sp->spm_key = xstrdup(scalar(k));
		sp->spm_value = val;
		sp->spm_line = node_line(v);
	}
}

static const char *const scenario_keys[] = {
	"name", "row", "description", "builtin", "needs", "probes", "repeat",
	"lab", "fake_clock", "steps", "cleanup", "bounds", "params", NULL
};

/* The scenario's name for messages. */
static const char *
sc_name(const struct scenario *sc)
{
	return sc->sc_name ? sc->sc_name : "?";
}

/* name, row, description, builtin. */
static void
scenario_idents(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	yaml_node_t *v;

	if ((v = map_get(ld, n, "name")) == NULL)
		ld_error(ld, sc->sc_line, "scenario: missing key 'name'");
	else if (want_scalar(ld, v, "name") == 0) {
		if (!name_ok(scalar(v)))
			ld_error(ld, node_line(v), "scenario: bad name '%s' "
			    "(lower case letters, digits, '-', '_', '.')",
			    scalar(v));
		else
			sc->sc_name = xstrdup(scalar(v));
	}
	if ((v = map_get(ld, n, "row")) == NULL)
		ld_error(ld, sc->sc_line, "scenario %s: missing key 'row' "
		    "(the study's row it answers)", sc_name(sc));
	else if (want_scalar(ld, v, "row") == 0)
		sc->sc_row = xstrdup(scalar(v));
	if ((v = map_get(ld, n, "description")) != NULL &&
	    want_scalar(ld, v, "description") == 0)
		sc->sc_desc = xstrdup(scalar(v));
	if ((v = map_get(ld, n, "builtin")) != NULL &&
	    want_scalar(ld, v, "builtin") == 0) {
		if (!suite_builtin_known(scalar(v)))
			ld_error(ld, node_line(v), "scenario %s: unknown "
			    "builtin '%s'", sc_name(sc), scalar(v));
		else
			sc->sc_builtin = xstrdup(scalar(v));
	}
}

/* needs, probes, repeat, lab. */
/* The scenario's boolean key into *out when it is there. */
static void
scenario_bool(struct ld *ld, yaml_node_t *n, const struct scenario *sc,
    const char *key, int *out)
{
	yaml_node_t *v;
	int b;

	if ((v = map_get(ld, n, key)) == NULL || want_scalar(ld, v, key) != 0)
		return;
	if (parse_bool(scalar(v), &b) == -1)
		ld_error(ld, node_line(v), "scenario %s: '%s' must be true or "
		    "false", sc_name(sc), key);
	else
		*out = b;
}

static void
scenario_needs(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	yaml_node_t *v;
	size_t i;
	long l;

	if ((v = map_get(ld, n, "needs")) != NULL) {
		load_name_list(ld, v, "needs", &sc->sc_needs, &sc->sc_nneeds);
		for (i = 0; i < sc->sc_nneeds; i++)
			if (!suite_feature_known(sc->sc_needs[i]))
				ld_error(ld, node_line(v), "scenario %s: "
				    "unknown feature '%s' in 'needs'",
				    sc_name(sc), sc->sc_needs[i]);
	}
	if ((v = map_get(ld, n, "probes")) != NULL) {
		load_name_list(ld, v, "probes", &sc->sc_probes,
		    &sc->sc_nprobes);
		for (i = 0; i < sc->sc_nprobes; i++)
			if (strcmp(sc->sc_probes[i], "ping") != 0 &&
			    strcmp(sc->sc_probes[i], "tcp") != 0 &&
			    strcmp(sc->sc_probes[i], "write") != 0 &&
			    strcmp(sc->sc_probes[i], "throughput") != 0)
				ld_error(ld, node_line(v), "scenario %s: "
				    "unknown probe '%s' (ping, tcp, write, "
				    "throughput)", sc_name(sc),
				    sc->sc_probes[i]);
	}
	if ((v = map_get(ld, n, "repeat")) != NULL &&
	    want_scalar(ld, v, "repeat") == 0) {
		if (parse_int(scalar(v), 1, REPEAT_MAX, &l) == -1)
			ld_error(ld, node_line(v), "scenario %s: 'repeat' must "
			    "be an integer from 1 to %d, not '%s'",
			    sc_name(sc), REPEAT_MAX, scalar(v));
		else
			sc->sc_repeat = (int)l;
	}
	scenario_bool(ld, n, sc, "lab", &sc->sc_uses_lab);
	scenario_bool(ld, n, sc, "fake_clock", &sc->sc_fake_clock);
}

/* The builtin's numeric parameters within builtin_params[]' ranges. */
static void
scenario_params_check(struct ld *ld, const struct scenario *sc)
{
	const struct step_param *sp;
	size_t i, j;
	long l;

	for (i = 0; sc->sc_builtin != NULL && i < sc->sc_nparams; i++) {
		sp = &sc->sc_params[i];
		for (j = 0; j < sizeof(builtin_params) /
		    sizeof(builtin_params[0]); j++) {
			if (strcmp(builtin_params[j].bp_builtin,
			    sc->sc_builtin) != 0 ||
			    strcmp(builtin_params[j].bp_key, sp->spm_key) != 0)
				continue;
			if (parse_int(sp->spm_value, builtin_params[j].bp_min,
			    builtin_params[j].bp_max, &l) == -1)
				ld_error(ld, sp->spm_line, "scenario %s: "
				    "params: '%s' must be an integer from %ld "
				    "to %ld, not '%s'", sc_name(sc),
				    sp->spm_key, builtin_params[j].bp_min,
				    builtin_params[j].bp_max, sp->spm_value);
		}
	}
}

/* What the scenario does must be something, and its bounds on what it
 * measures. */
static void
scenario_checks(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	size_t i;

	if (sc->sc_builtin != NULL && sc->sc_nsteps > 0)
		ld_error(ld, sc->sc_line, "scenario %s: 'builtin' and 'steps' "
		    "exclude each other", sc_name(sc));
	for (i = 0; i < sc->sc_nbounds; i++)
		if ((sc->sc_builtin != NULL || sc->sc_nsteps > 0) &&
		    !scenario_measures(sc, sc->sc_bounds[i].bd_metric))
			ld_error(ld, sc->sc_bounds[i].bd_line, "scenario %s: "
			    "bound on '%s', a metric it never measures",
			    sc_name(sc), sc->sc_bounds[i].bd_metric);
		else if (sc->sc_builtin == NULL && sc->sc_nsteps == 0)
			ld_error(ld, sc->sc_bounds[i].bd_line, "scenario %s: "
			    "bound on '%s', but it has no steps or builtin "
			    "to measure anything", sc_name(sc),
			    sc->sc_bounds[i].bd_metric);
	if (sc->sc_builtin == NULL && sc->sc_nsteps == 0 &&
	    sc->sc_nneeds == 0 && map_get(ld, n, "builtin") == NULL)
		ld_error(ld, sc->sc_line, "scenario %s: needs 'steps', "
		    "'builtin' or 'needs'", sc_name(sc));
}

static void
load_scenario(struct ld *ld, yaml_node_t *n, struct scenario *sc)
{
	yaml_node_t *v;

	sc->sc_line = node_line(n);
	sc->sc_repeat = 1;
	sc->sc_uses_lab = 1;
	if (n->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(n), "a scenario must be a mapping, not "
		    "%s", node_kind(n));
		return;
	}
	check_keys(ld, n, scenario_keys, "scenario");
	scenario_idents(ld, n, sc);
	scenario_needs(ld, n, sc);
	if ((v = map_get(ld, n, "steps")) != NULL)
		load_steps(ld, v, "steps", &sc->sc_steps, &sc->sc_nsteps);
	if ((v = map_get(ld, n, "cleanup")) != NULL)
		load_steps(ld, v, "cleanup", &sc->sc_cleanup,
		    &sc->sc_ncleanup);
	if ((v = map_get(ld, n, "bounds")) != NULL)
		load_bounds(ld, v, sc);
	if ((v = map_get(ld, n, "params")) != NULL)
		load_params(ld, v, sc);
	scenario_params_check(ld, sc);
	scenario_checks(ld, n, sc);
}

static const char *const suite_keys[] = {
	"name", "description", "scenarios", NULL
};

static void
load_suite(struct ld *ld, yaml_node_t *n, struct suite *su)
{
	yaml_node_t *v;

	su->su_line = node_line(n);
	if (n->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(n), "a suite must be a mapping, not %s",
		    node_kind(n));
		return;
	}
	check_keys(ld, n, suite_keys, "suite");
	if ((v = map_get(ld, n, "name")) == NULL)
		ld_error(ld, su->su_line, "suite: missing key 'name'");
	else if (want_scalar(ld, v, "name") == 0) {
		if (!name_ok(scalar(v)))
			ld_error(ld, node_line(v), "suite: bad name '%s'",
			    scalar(v));
		else
			su->su_name = xstrdup(scalar(v));
	}
	if ((v = map_get(ld, n, "description")) != NULL &&
	    want_scalar(ld, v, "description") == 0)
		su->su_desc = xstrdup(scalar(v));
	if ((v = map_get(ld, n, "scenarios")) == NULL)
		ld_error(ld, su->su_line, "suite %s: missing key 'scenarios'",
		    su->su_name ? su->su_name : "?");
	else
		load_name_list(ld, v, "scenarios", &su->su_scenarios,
		    &su->su_nscenarios);
}

static const char *const top_keys[] = {
	"lab", "labs", "suites", "scenarios", "default_suite", NULL
};

/* Cross-checks: unique names, suite entries exist. */
static void
root_cross_check(struct ld *ld, const struct suite_file *sf)
{
	size_t i, j, k;

	/* Each repeat is named once, against the first definition: a list
	 * of n repeats (aliases make them cheap) gives n messages, not n^2. */
	for (i = 0; i < sf->sf_nscenarios; i++)
		for (j = 0; j < i; j++)
			if (sf->sf_scenarios[i].sc_name &&
			    sf->sf_scenarios[j].sc_name &&
			    strcmp(sf->sf_scenarios[i].sc_name,
			    sf->sf_scenarios[j].sc_name) == 0) {
				ld_error(ld, sf->sf_scenarios[i].sc_line,
				    "scenario '%s' already defined at line %d",
				    sf->sf_scenarios[i].sc_name,
				    sf->sf_scenarios[j].sc_line);
				break;
			}
	for (i = 0; i < sf->sf_nsuites; i++) {
		const struct suite *su = &sf->sf_suites[i];

		for (j = 0; j < i; j++)
			if (su->su_name && sf->sf_suites[j].su_name &&
			    strcmp(su->su_name, sf->sf_suites[j].su_name) ==
			    0) {
				ld_error(ld, su->su_line, "suite '%s' already "
				    "defined at line %d", su->su_name,
				    sf->sf_suites[j].su_line);
				break;
			}
		for (k = 0; k < su->su_nscenarios; k++) {
			if (suite_scenario_find(sf, su->su_scenarios[k]) ==
			    NULL)
				ld_error(ld, su->su_line, "suite %s: no "
				    "scenario '%s'", su->su_name ?
				    su->su_name : "?", su->su_scenarios[k]);
			for (j = 0; j < k; j++)
				if (strcmp(su->su_scenarios[j],
				    su->su_scenarios[k]) == 0) {
					ld_error(ld, su->su_line, "suite %s: "
					    "scenario '%s' listed twice",
					    su->su_name ? su->su_name : "?",
					    su->su_scenarios[k]);
					break;
				}
		}
	}
}

static void
load_root(struct ld *ld, yaml_node_t *root)
{
	struct suite_file *sf = ld->sf;
	yaml_node_item_t *it;
	yaml_node_t *v, *sv;

	if (root == NULL) {
		ld_error(ld, 1, "empty file");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		ld_error(ld, node_line(root), "the file must be a mapping "
		    "(lab:, suites:, scenarios:), not %s", node_kind(root));
		return;
	}
	check_keys(ld, root, top_keys, "top level");
	if ((v = map_get(ld, root, "scenarios")) != NULL) {
		if (v->type != YAML_SEQUENCE_NODE)
			ld_error(ld, node_line(v), "'scenarios' must be a list, "
			    "not %s", node_kind(v));
		else
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				sf->sf_scenarios = xgrow(sf->sf_scenarios,
				    &sf->sf_nscenarios,
				    sizeof(*sf->sf_scenarios));
				load_scenario(ld, ld_node(ld, *it),
				    &sf->sf_scenarios[sf->sf_nscenarios - 1]);
			}
	}
	if ((v = map_get(ld, root, "suites")) != NULL) {
		if (v->type != YAML_SEQUENCE_NODE)
			ld_error(ld, node_line(v), "'suites' must be a list, "
			    "not %s", node_kind(v));
		else
			for (it = v->data.sequence.items.start;
			    it < v->data.sequence.items.top; it++) {
				sf->sf_suites = xgrow(sf->sf_suites,
				    &sf->sf_nsuites, sizeof(*sf->sf_suites));
				load_suite(ld, ld_node(ld, *it),
				    &sf->sf_suites[sf->sf_nsuites - 1]);
			}
	}
	root_cross_check(ld, sf);
	if ((sv = map_get(ld, root, "default_suite")) != NULL) {
		if (want_scalar(ld, sv, "default_suite") == 0) {
			sf->sf_default_suite = xstrdup(scalar(sv));
			if (suite_find(sf, scalar(sv)) == NULL)
				ld_error(ld, node_line(sv), "default_suite: no "
				    "suite '%s'", scalar(sv));
		}
	} else if (sf->sf_nsuites > 0 && sf->sf_suites[0].su_name)
		sf->sf_default_suite = xstrdup(sf->sf_suites[0].su_name);
}

struct suite_file *
suite_load_string(const char *name, const char *text, size_t len,
    FILE *errf, char *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct suite_file *sf;
	char e[ERR_LEN];
	struct ld ld;
	int line;

	sf = calloc(1, sizeof(*sf));
	if (sf == NULL) {
		err_set(err, "%s: out of memory", name);
		return NULL;
	}
	sf->sf_path = xstrdup(name);
	memset(&ld, 0, sizeof(ld));
	ld.name = name;
	ld.errf = errf;
	ld.sf = sf;
	ld.doc = &doc;
	if (!yaml_parser_initialize(&parser)) {
		err_set(err, "%s: cannot initialize the YAML parser", name);
		goto fail;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (yamldoc_load(&parser, &doc, &line, e) == -1) {
		ld_error(&ld, line, "%s", e);
		yaml_parser_delete(&parser);
		goto fail;
	}
	load_root(&ld, yaml_document_get_root_node(&doc));
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ld.nerr > 0)
		goto fail;
	return sf;
fail:
	if (ld.nerr > 0)
		err_set(err, "%s: %d error%s", name, ld.nerr,
		    ld.nerr == 1 ? "" : "s");
	ld_flush(&ld);
	suite_file_free(sf);
	return NULL;
}

struct suite_file *
suite_load(const char *path, FILE *errf, char *err)
{
	struct suite_file *sf = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	long sz;

	f = fopen(path, "r");
	if (f == NULL) {
		err_errno(err, "%s", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == -1 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1) {
		err_errno(err, "%s", path);
		goto out;
	}
	if (sz > SUITE_FILE_MAX) {
		err_set(err, "%s: larger than %d bytes", path, SUITE_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)sz + 1);
	if (buf == NULL) {
		err_set(err, "%s: out of memory", path);
		goto out;
	}
	len = fread(buf, 1, (size_t)sz, f);
	if (ferror(f) || len != (size_t)sz) {
		err_set(err, "%s: short read", path);
		goto out;
	}
	buf[len] = '\0';
	sf = suite_load_string(path, buf, len, errf, err);
out:
	free(buf);
	fclose(f);
	return sf;
}

static void
steps_free(struct step *st, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < st[i].st_nparams; j++) {
			free(st[i].st_params[j].spm_key);
			free(st[i].st_params[j].spm_value);
		}
		free(st[i].st_params);
	}
	free(st);
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
suite_file_free(struct suite_file *sf)
{
	size_t i, j;

	if (sf == NULL)
		return;
	for (i = 0; i < sf->sf_nscenarios; i++) {
		struct scenario *sc = &sf->sf_scenarios[i];

		free(sc->sc_name);
		free(sc->sc_row);
		free(sc->sc_desc);
		free(sc->sc_builtin);
		strv_free(sc->sc_needs, sc->sc_nneeds);
		strv_free(sc->sc_probes, sc->sc_nprobes);
		steps_free(sc->sc_steps, sc->sc_nsteps);
		steps_free(sc->sc_cleanup, sc->sc_ncleanup);
		for (j = 0; j < sc->sc_nbounds; j++)
			free(sc->sc_bounds[j].bd_metric);
		free(sc->sc_bounds);
		for (j = 0; j < sc->sc_nparams; j++) {
			free(sc->sc_params[j].spm_key);
			free(sc->sc_params[j].spm_value);
		}
		free(sc->sc_params);
	}
	free(sf->sf_scenarios);
	for (i = 0; i < sf->sf_nsuites; i++) {
		free(sf->sf_suites[i].su_name);
		free(sf->sf_suites[i].su_desc);
		strv_free(sf->sf_suites[i].su_scenarios,
		    sf->sf_suites[i].su_nscenarios);
	}
	free(sf->sf_suites);
	free(sf->sf_default_suite);
	free(sf->sf_path);
	free(sf);
}

const struct suite *
suite_find(const struct suite_file *sf, const char *name)
{
	size_t i;

	for (i = 0; i < sf->sf_nsuites; i++)
		if (sf->sf_suites[i].su_name &&
		    strcmp(sf->sf_suites[i].su_name, name) == 0)
			return &sf->sf_suites[i];
	return NULL;
}

const struct scenario *
suite_scenario_find(const struct suite_file *sf, const char *name)
{
	size_t i;

	for (i = 0; i < sf->sf_nscenarios; i++)
		if (sf->sf_scenarios[i].sc_name &&
		    strcmp(sf->sf_scenarios[i].sc_name, name) == 0)
			return &sf->sf_scenarios[i];
	return NULL;
}

const char *
step_param_get(const struct step_param *p, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(p[i].spm_key, key) == 0)
			return p[i].spm_value;
	return NULL;
}

static const struct step_def *
step_def_find(const char *action)
{
	const struct step_def *sd;

	for (sd = step_defs; sd->sd_action != NULL; sd++)
		if (strcmp(sd->sd_action, action) == 0)
			return sd;
	return NULL;
}

static int
suite_builtin_known(const char *name)
{
	size_t i;

	for (i = 0; suite_builtins[i] != NULL; i++)
		if (strcmp(suite_builtins[i], name) == 0)
			return 1;
	return 0;
}

static int
suite_feature_known(const char *name)
{
	size_t i;

	for (i = 0; suite_features[i] != NULL; i++)
		if (strcmp(suite_features[i], name) == 0)
			return 1;
	return 0;
}
