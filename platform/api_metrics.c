/*
 * api_metrics.c - the metrics endpoints (metrics.h, docs/metrics.md):
 * GET /metrics, this node's current series in Prometheus' text format,
 * authenticated like the rest of the API (an audit token will do); GET
 * /api/v1/nodes/NODE/metrics and GET /api/v1/vms/NAME/metrics with
 * ?since=&step=, the series of a node or a VM as JSON, asked of the
 * node concerned (peer.h) when that is another node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/api.h"
#include "platform/cluster.h"
#include "platform/metrics.h"
#include "platform/peer.h"
#include "platform/vmops.h"

#define DEFAULT_SINCE_S	60

static int
need_metrics(struct api_req *r)
{
	if (r->rq_metrics == NULL)
		return api_error(r, 409, NULL, "node %s keeps no metrics (a "
		    "quorum witness)", r->rq_cf->cf_node);
	return 0;
}

static int
h_prom(struct api_req *r)
{
	char err[ERR_LEN];
	size_t len;

	if (need_metrics(r) != 0)
		return -1;
	if (metrics_expose(r->rq_metrics, (int64_t)(clock_wall_ns() /
	    NS_PER_S), &r->rq_text, &len, err) != 0)
		return api_error(r, 500, NULL, "%s", err);
	r->rq_text_type = "text/plain; version=0.0.4; charset=utf-8";
	return api_reply(r, 200, NULL);
}

/* A whole number query argument into *v (left alone when absent). */
static int
query_int(struct api_req *r, const char *key, int64_t *v)
{
	const char *s = api_query(r, key);
	char *end;
	long long x;

	if (s == NULL)
		return 0;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return api_error(r, 400, key, "%s must be a whole number of "
		    "seconds, not '%s'", key, s);
	*v = x;
	return 0;
}

/* since (Unix seconds, or negative: seconds before now; default -60)
 * and step (default 1, or 60 reaching past the one-second ring). */
static int
query_range(struct api_req *r, struct mring_query *q)
{
	char err[ERR_LEN];

	q->q_now = (int64_t)(clock_wall_ns() / NS_PER_S);
	q->q_since = -DEFAULT_SINCE_S;
	q->q_step = 0;
	if (query_int(r, "since", &q->q_since) != 0 ||
	    query_int(r, "step", &q->q_step) != 0)
		return -1;
	if (q->q_since < 0)
		q->q_since += q->q_now;
	if (q->q_step == 0 && api_query(r, "step") == NULL)
		q->q_step = q->q_since < q->q_now - MRING_FINE_N + 1 ? 60 : 1;
	if (mring_query_check(q, err) != 0)
		return api_error(r, 400, strstr(err, "step") == err ? "step" :
		    "since", "%s", err);
	return 0;
}

/* The answer from this node's store (vm NULL: the node's series). */
static int
reply_local(struct api_req *r, const char *vm, struct mring_query *q)
{
	char err[ERR_LEN];
	cJSON *series, *out;

	if (need_metrics(r) != 0)
		return -1;
	if ((series = metrics_series_json(r->rq_metrics, vm, q, err)) == NULL)
		return api_error(r, vm ? 404 : 400, NULL, "%s", err);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "node", r->rq_cf->cf_node);
	if (vm != NULL)
		cJSON_AddStringToObject(out, "vm", vm);
	cJSON_AddNumberToObject(out, "since", (double)q->q_since);
	cJSON_AddNumberToObject(out, "step", (double)q->q_step);
	cJSON_AddNumberToObject(out, "now", (double)q->q_now);
	cJSON_AddItemToObject(out, "series", series);
	return api_reply(r, 200, out);
}

/* The same request of node (another one), with since made absolute. */
static int
reply_peer(struct api_req *r, const char *node, const char *what,
    const struct mring_query *q)
{
	char path[512], err[ERR_LEN];
	struct peer_req pr = { node, path, 0, NULL };

	/* A node asks the node concerned, never a third one: no loops. */
	if (strncmp(r->rq_user, "node:", 5) == 0)
		return api_error(r, 409, NULL, "%s asked %s about %s: ask "
		    "node %s", r->rq_user + 5, r->rq_cf->cf_node, what, node);
	snprintf(path, sizeof(path), "%s?since=%lld&step=%lld", r->rq_path,
	    (long long)q->q_since, (long long)q->q_step);
	if (peer_get(r->rq_cl, r->rq_cf, &pr, err) != 0)
		return api_error(r, pr.pr_status, NULL, "%s", err);
	return api_reply(r, 200, pr.pr_json);
}

static int
h_node_metrics(struct api_req *r)
{
	const char *node = r->rq_params[0];
	struct mring_query q;

	if (query_range(r, &q) != 0)
		return -1;
	if (strcmp(node, r->rq_cf->cf_node) == 0)
		return reply_local(r, NULL, &q);
	if (api_need_cluster(r) != 0)
		return -1;
	if (!cluster_valid_name(node))
		return api_error(r, 404, NULL, "no node '%s'", node);
	return reply_peer(r, node, "a node", &q);
}

static int
h_vm_metrics(struct api_req *r)
{
	const char *vm = r->rq_params[0], *node = NULL;
	struct vmops_call call = { r->rq_user, 500, "", "" };
	struct mring_query q;
	char err[ERR_LEN];
	cJSON *rec = NULL;
	int rc;

	if (query_range(r, &q) != 0)
		return -1;
	if (r->rq_vmops == NULL)
		return need_metrics(r);
	if (vmops_get(r->rq_vmops, vm, &rec, &call, err) != 0)
		return api_error(r, call.vc_status, NULL, "%s", err);
	json_get_string(rec, "node", JSON_OPTIONAL, &node, NULL);
	if (node == NULL || strcmp(node, r->rq_cf->cf_node) == 0)
		rc = reply_local(r, vm, &q);
	else
		rc = reply_peer(r, node, "a VM", &q);
	cJSON_Delete(rec);
	return rc;
}

const struct api_route api_metrics_routes[] = {
	{ "GET",	"/metrics",			h_prom },
	{ "GET",	"/api/v1/nodes/*/metrics",	h_node_metrics },
	{ "GET",	"/api/v1/vms/*/metrics",	h_vm_metrics },
	{ NULL, NULL, NULL }
};
