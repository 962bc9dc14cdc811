/*
 * drills.c - the `drill` built-in scenario's pure parts (drills.h); the
 * drills themselves are not written yet.
 */
#include <string.h>

#include "err.h"
#include "scenarios/builtin/drills.h"

int
drill_params_parse(const struct step_param *p, size_t n,
    struct drill_params *dp, char *err)
{
	(void)p;
	(void)n;
	memset(dp, 0, sizeof(*dp));
	return err_set(err, "params: drill: no drills yet");
}

const char *
drill_kind_name(enum drill_kind k)
{
	(void)k;
	return "?";
}

void
drill_count_fences(const char *host, const char *fhost,
    const struct drv_fence *f, size_t n, uint64_t since, int *spurious,
    int *victim)
{
	(void)host;
	(void)fhost;
	(void)f;
	(void)n;
	(void)since;
	(void)spurious;
	(void)victim;
}
