/*
 * builtin.c - the table of built-in scenarios: a scenario's `builtin:`
 * name to the C function that runs it (one file per row beside this one),
 * and the set-up rows (install, cluster, shared-storage), which report the
 * runner's set-up phases measured once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/builtin/builtin.h"

/* A set-up phase as a row: its figures and verdict, measured once. */
static int
builtin_phase(struct sctx *s, enum setup_phase ph, char *err)
{
	struct phase *p;
	size_t i;

	phase_run(s->rc, ph);
	p = &s->rc->phase[ph];
	for (i = 0; i < p->metrics.ms_n; i++)
		metrics_set(&s->run->r_metrics, p->metrics.ms_v[i].m_name,
		    p->metrics.ms_v[i].m_value);
	s->reused = p->reused;
	if (p->verdict == VERDICT_PASS) {
		if (p->reason[0] != '\0')
			results_set_str(&s->run->r_reason, "%s", p->reason);
		return 0;
	}
	err_set(err, "%s", p->reason);
	return p->verdict == VERDICT_UNSUPPORTED ? DRIVER_UNSUPPORTED : -1;
}

static int
builtin_install(struct sctx *s, char *err)
{
	return builtin_phase(s, PH_INSTALL, err);
}

static int
builtin_cluster(struct sctx *s, char *err)
{
	return builtin_phase(s, PH_CLUSTER, err);
}

static int
builtin_storage(struct sctx *s, char *err)
{
	return builtin_phase(s, PH_STORAGE, err);
}

static const struct builtin {
	const char *b_name;
	int (*b_run)(struct sctx *s, char *err);
	int b_setup;			/* a set-up phase: run once */
} builtins[] = {
	{ "install", builtin_install, 1 },
	{ "cluster", builtin_cluster, 1 },
	{ "shared-storage", builtin_storage, 1 },
	{ "architecture", builtin_architecture, 0 },
	{ "resources", builtin_resources, 0 },
	{ "virt-methods", builtin_virt_methods, 0 },
	{ "guest-os", builtin_guest_os, 0 },
	{ "network", builtin_network, 0 },
	{ "bonding", builtin_bonding, 0 },
	{ "ha", builtin_ha, 0 },
	{ "drill", builtin_drill, 0 },
	{ "snapshot", builtin_snapshot, 0 },
	{ "clone-template", builtin_clone, 0 },
	{ "backup-restore", builtin_backup, 0 },
	{ "import-export", builtin_import_export, 0 },
	{ "monitoring", builtin_monitoring, 0 },
	{ "load_balancing", builtin_load_balancing, 0 },
};

static const struct builtin *
builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].b_name, name) == 0)
			return &builtins[i];
	return NULL;
}

int
builtin_run(struct sctx *s, char *err)
{
	const struct builtin *b = builtin_find(s->sc->sc_builtin);

	if (b == NULL)
		return err_set(err, "built-in scenario '%s' is not written",
		    s->sc->sc_builtin);
	return b->b_run(s, err);
}

int
builtin_is_setup(const char *name)
{
	const struct builtin *b = builtin_find(name);

	return b != NULL && b->b_setup;
}

long
param_long(const struct scenario *sc, const char *key, long def)
{
	const char *v = step_param_get(sc->sc_params, sc->sc_nparams, key);

	return v ? atol(v) : def;
}

const char *
param_str(const struct scenario *sc, const char *key, const char *def)
{
	const char *v = step_param_get(sc->sc_params, sc->sc_nparams, key);

	return v ? v : def;
}
