/*
 * bonding_remote.c - the bonding row's throughput probe on real servers
 * (a `remote` lab, docs/remote.md "Bonding on real servers").  On the
 * embedded lab the source and the sink run in the hosts' namespaces on
 * this machine; a remote lab's hosts are servers, so this hvlab is copied
 * to each (as the ref driver copies hvd) and `hvlab probe throughput`
 * runs there over the lab's exec: the sink on one host, the source on
 * the other, its JSON read back.  The figure is the same: bytes received
 * over the time the sink saw them arrive, on the sink's own clock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/builtin/bonding_remote.h"

#define RT_BIN BONDING_REMOTE_DIR "/hvlab"
#define RT_JSON BONDING_REMOTE_DIR "/tput.json"
#define RT_TRIES 10

int
bonding_remote_install(const struct drv_env *env, const char *self,
    const char *host, char *err)
{
	static const char *const keep[] = { BONDING_REMOTE_DIR, NULL };

	if (env->e_dirs == NULL || env->e_copy == NULL)
		return err_set(err, "%s: the lab gives no disk to put the "
		    "throughput probe on", host);
	if (env->e_dirs(env, host, keep, NULL, err) < 0 ||
	    env->e_copy(env, host, RT_BIN, self, 0755, err) < 0)
		return err_prefix(err, "throughput probe on %s", host);
	return 0;
}

void
bonding_remote_uninstall(const struct drv_env *env, const char *host)
{
	const char *argv[] = { "rm", "-f", RT_BIN, RT_JSON, NULL };
	char e[ERR_LEN];

	if (env->e_exec(env, host, argv, NULL, 30000, e) < 0)
		log_warnx("bonding: removing the throughput probe: %s", e);
}

struct rsink {
	const struct drv_env *env;
	const struct bonding_rtput *t;
	int rc;
	char err[ERR_LEN];
};

static void *
rsink_main(void *arg)
{
	struct rsink *s = arg;
	const struct bonding_rtput *t = s->t;
	char port[16], count[16], timeout[16];
	const char *argv[] = { RT_BIN, "probe", "throughput", "--listen",
	    "--port", port, "--count", count, "--timeout", timeout, NULL };
	long tmo_s = (long)(t->rt_ns / NS_PER_S) + 30;

	snprintf(port, sizeof(port), "%d", t->rt_port);
	snprintf(count, sizeof(count), "%d", t->rt_flows);
	snprintf(timeout, sizeof(timeout), "%ld", tmo_s);
	s->rc = s->env->e_exec(s->env, t->rt_dst->h_name, argv, NULL,
	    (tmo_s + 15) * 1000, s->err);
	return NULL;
}

/* The source on rt_src, its JSON on stdout into *out. */
static int
rsource(const struct drv_env *env, const struct bonding_rtput *t,
    char **out, char *err)
{
	char cmd[512];
	const char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), RT_BIN " probe throughput --to %s --port "
	    "%d --flows %d --duration %.3f --json " RT_JSON " >/dev/null && "
	    "cat " RT_JSON, t->rt_dst->h_addr, t->rt_port, t->rt_flows,
	    (double)t->rt_ns / 1e9);
	*out = NULL;
	return env->e_exec(env, t->rt_src->h_name, argv, out,
	    (long)(t->rt_ns / NS_PER_MS) + 60000, err);
}

int
bonding_remote_tput(const struct drv_env *env,
    const struct bonding_rtput *t, struct probe_tput_result *r, char *err)
{
	struct rsink s = { env, t, -1, "" };
	char *out = NULL, e2[ERR_LEN];
	pthread_t th;
	int rc = -1, tries;

	if (pthread_create(&th, NULL, rsink_main, &s) != 0)
		return err_set(err, "throughput: no sink thread");
	/* the sink listens once its SSH session started: about a second */
	for (tries = 0; tries < RT_TRIES && rc != 0; tries++) {
		clock_sleep_ns(NS_PER_S);
		free(out);
		rc = rsource(env, t, &out, err);
	}
	pthread_join(th, NULL);
	if (rc == 0 && s.rc != 0)
		rc = err_set(err, "sink on %s: %s", t->rt_dst->h_name, s.err);
	if (rc == 0 && (out == NULL || probe_tput_result_parse(out,
	    strlen(out), r, e2) < 0))
		rc = err_set(err, "source on %s: %s", t->rt_src->h_name,
		    out == NULL ? "no result" : e2);
	free(out);
	return rc == 0 ? 0 : err_prefix(err, "throughput %s -> %s",
	    t->rt_src->h_name, t->rt_dst->h_name);
}
