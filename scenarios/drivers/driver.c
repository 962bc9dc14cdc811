/*
 * driver.c - the driver registry, the feature -> operations map the runner
 * uses to decide `unsupported` before touching a platform, and waiting on
 * platform tasks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "scenarios/drivers/driver.h"

extern const struct driver_ops ref_driver_ops;
extern const struct driver_ops libvirt_driver_ops;
extern const struct driver_ops proxmox_driver_ops;
extern const struct driver_ops xcpng_driver_ops;

static const struct driver_ops *const drivers[] = {
	&ref_driver_ops,
	&libvirt_driver_ops,
	&proxmox_driver_ops,
	&xcpng_driver_ops,
	NULL
};

/* Platforms the design names whose drivers are not written yet. */
static const char *const later[] = { NULL };

static const struct driver_ops *
driver_find(const char *name)
{
	size_t i;

	for (i = 0; drivers[i] != NULL; i++)
		if (strcmp(drivers[i]->name, name) == 0)
			return drivers[i];
	return NULL;
}

static const char *
driver_names(void)
{
	return "ref, libvirt, proxmox, xcpng";
}

void
drv_task_init(struct drv_task *t)
{
	memset(t, 0, sizeof(*t));
	t->t_downtime_ms = -1;
	t->t_total_s = -1;
	t->t_progress = -1;
}

int
driver_check_platform(const char *name, char *err)
{
	size_t i;

	if (driver_find(name) != NULL)
		return 0;
	for (i = 0; later[i] != NULL; i++)
		if (strcmp(later[i], name) == 0)
			return err_set(err, "platform '%s': its driver comes "
			    "in a later issue (drivers here: %s)", name,
			    driver_names());
	return err_set(err, "unknown platform '%s' (drivers: %s)", name,
	    driver_names());
}

int
driver_check_config(const char *name, char *err)
{
	const struct driver_ops *ops = driver_find(name);

	if (driver_check_platform(name, err) == -1)
		return -1;
	if (ops->config_check == NULL)
		return 0;
	return ops->config_check(err);
}

struct driver *
driver_open(const char *name, const struct drv_env *env, char *err)
{
	const struct driver_ops *ops = driver_find(name);
	struct driver *d;

	if (driver_check_platform(name, err) == -1)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	d->d_ops = ops;
	d->d_env = env;
	if (ops->open != NULL && ops->open(d, env, err) == -1) {
		err_prefix(err, "driver %s", name);
		free(d);
		return NULL;
	}
	return d;
}

void
driver_close(struct driver *d)
{
	if (d == NULL)
		return;
	if (d->d_ops->close != NULL)
		d->d_ops->close(d);
	free(d);
}

/* Which operations a scenario feature calls. */
#define OPS_PER_FEATURE 5
static const struct {
	const char *feature;
	size_t offs[OPS_PER_FEATURE];	/* offsetof in driver_ops, 0 = end */
} feature_ops[] = {
#define O(f) offsetof(struct driver_ops, f)
	{ "install", { O(host_install) } },
	{ "cluster", { O(cluster_form), O(cluster_info) } },
	{ "storage", { O(storage_attach) } },
	{ "vm", { O(vm_create), O(vm_start), O(vm_stop), O(vm_delete),
	    O(vm_info) } },
	{ "migrate", { O(vm_migrate) } },
	{ "live-migrate", { O(vm_migrate) } },
	{ "network", { O(net_ports), O(net_port_vlan) } },
	{ "snapshot", { O(snapshot_create), O(snapshot_rollback),
	    O(snapshot_delete) } },
	{ "backup", { O(backup) } },
	{ "restore", { O(restore) } },
	{ "clone", { O(clone), O(vm_disk) } },
	{ "template", { O(template_make) } },
	{ "export", { O(vm_export) } },
	{ "import", { O(vm_import) } },
	{ "ha", { O(ha_enable), O(ha_disable), O(ha_status) } },
	{ "metrics", { O(metrics), O(vm_cpu) } },
	{ "balance", { O(balance_set) } },
	{ "bonding", { O(bond_set) } },
	{ "containers", { 0 } },
#undef O
};

int
driver_supports(const struct driver *d, const char *feature, char *reason)
{
	const struct driver_ops *ops = d->d_ops;
	size_t i, k;

	for (i = 0; i < sizeof(feature_ops) / sizeof(feature_ops[0]); i++) {
		const struct drv_reason *r;

		if (strcmp(feature_ops[i].feature, feature) != 0)
			continue;
		for (r = ops->reasons; r != NULL && r->r_feature != NULL; r++)
			if (strcmp(r->r_feature, feature) == 0) {
				err_set(reason, "%s: %s", feature, r->r_reason);
				return 0;
			}
		if (feature_ops[i].offs[0] == 0) {
			err_set(reason, "%s: no driver operation for %s yet",
			    ops->name, feature);
			return 0;
		}
		for (k = 0; k < OPS_PER_FEATURE && feature_ops[i].offs[k];
		    k++) {
			void *const *fp = (void *const *)((const char *)ops +
			    feature_ops[i].offs[k]);

			if (*fp == NULL) {
				err_set(reason, "%s: %s", feature,
				    ops->unsupported_reason ?
				    ops->unsupported_reason :
				    "not supported by this platform");
				return 0;
			}
		}
		return 1;
	}
	err_set(reason, "unknown feature '%s'", feature);
	return 0;
}

#define TASK_STATUS_GRACE_S 30

int
driver_task_wait(struct driver *d, struct drv_task *t, uint64_t timeout_ns,
    volatile int *stop, char *err)
{
	uint64_t deadline = clock_mono_ns() + timeout_ns, failing = 0, now;

	while (!t->t_done) {
		if (d->d_ops->task_status == NULL)
			return err_set(err, "%s: task %s: the driver cannot "
			    "follow tasks", d->d_ops->name, t->t_id);
		if (d->d_ops->task_status(d, t, err) == -1) {
			/* A platform may not answer for a moment (a cluster
			 * electing a new leader answers 503): keep asking
			 * for up to TASK_STATUS_GRACE_S, then give up. */
			now = clock_mono_ns();
			if (failing == 0)
				failing = now;
			if (now - failing > TASK_STATUS_GRACE_S * NS_PER_S ||
			    now >= deadline || (stop != NULL && *stop))
				return -1;
			clock_sleep_ns(500 * NS_PER_MS);
			continue;
		}
		failing = 0;
		if (t->t_done)
			break;
		if (stop != NULL && *stop)
			return err_set(err, "task %s: interrupted", t->t_id);
		if (clock_mono_ns() >= deadline)
			return err_set(err, "task %s: not finished after "
			    "%llu s (last status: %s)", t->t_id,
			    (unsigned long long)(timeout_ns / NS_PER_S),
			    t->t_status);
		clock_sleep_ns(200 * NS_PER_MS);
	}
	if (t->t_failed)
		return err_set(err, "task %s failed: %s", t->t_id,
		    t->t_status);
	return 0;
}

int
drv_parse_utc(const char *s, uint64_t *wall_ns)
{
	struct tm tm;
	const char *p;
	uint64_t frac = 0, scale = 1000000000ULL;
	time_t t;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6 || n != 19)
		return -1;
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 ||
	    tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	p = s + n;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*p - '0') * scale;
			}
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*wall_ns = (uint64_t)t * 1000000000ULL + frac;
	return 0;
}

int
drv_ovs_bond_members(struct driver *d, drv_console_fn con, const char *host,
    int *enabled, int *disabled, char *err)
{
	const char *argv[] = { "ovs-appctl", "--timeout=20", "bond/show",
		"bond0", NULL };
	char *out = NULL, *l, *c;

	*enabled = *disabled = 0;
	if (con(d, host, argv, &out, 60000, err) == -1) {
		free(out);
		return -1;
	}
	for (l = out ? strstr(out, "\nmember ") : NULL; l != NULL;
	    l = strstr(l + 1, "\nmember ")) {
		if ((c = strchr(l + 1, ':')) == NULL)
			break;
		if (strncmp(c, ": enabled", 9) == 0)
			(*enabled)++;
		else if (strncmp(c, ": disabled", 10) == 0)
			(*disabled)++;
	}
	free(out);
	return 0;
}

int
drv_ovs_bond_cap(struct driver *d, drv_console_fn con, const char *host,
    int rate_mbit, char *err)
{
	char q[96];
	const char *set[] = { "ovs-vsctl", "--timeout=20", "set", "port",
		"bond0", "qos=@q", "--", "--id=@q", "create", "qos",
		"type=linux-htb", q, NULL };
	const char *clr[] = { "ovs-vsctl", "--timeout=20", "clear", "port",
		"bond0", "qos", NULL };

	snprintf(q, sizeof(q), "other-config:max-rate=%llu",
	    (unsigned long long)rate_mbit * 1000000ULL);
	return con(d, host, rate_mbit > 0 ? set : clr, NULL, 60000, err);
}

int
drv_write_text(const char *path, const char *text, char *err)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return err_errno(err, "%s", path);
	if (fputs(text, f) == EOF) {
		fclose(f);
		return err_errno(err, "%s", path);
	}
	if (fclose(f) != 0)
		return err_errno(err, "%s", path);
	return 0;
}
