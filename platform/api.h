/*
 * api.h - hvd's REST API: HTTPS (libmicrohttpd + GnuTLS) on the node's
 * address, and plain HTTP on a root-only unix socket for hvctl on the node.
 *
 * Every request needs "Authorization: Bearer TOKEN" (auth.h), except on
 * the unix socket, where the peer is root (the socket is mode 0600) and
 * acts as admin.  Bodies are JSON objects of at most max_body bytes.
 * Errors are {"error": "...", "field": "..."} with the status they
 * deserve; a refused request changes nothing.  Handlers live in
 * api_cluster.c (cluster, nodes, tasks, tokens), api_vm.c (VMs, pools,
 * networks) and api_snap.c (a VM's snapshots); docs/api.md lists every
 * endpoint.
 */
#ifndef HVD_API_H
#define HVD_API_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "platform/auth.h"
#include "platform/config.h"

struct api;
struct cluster;
struct metrics;
struct vmops;

#define API_MAX_PARAMS 4

struct api_req {
	struct api	*rq_api;
	struct cluster	*rq_cl;
	struct vmops	*rq_vmops;
	const struct hvd_config *rq_cf;
	const char	*rq_method;
	const char	*rq_path;
	char		 rq_params[API_MAX_PARAMS][256];	/* '*' segments */
	cJSON		*rq_body;	/* parsed body (object) or NULL */
	enum auth_role	 rq_role;
	char		 rq_user[64];	/* "token:ID" or "root@unix" */
	int		 rq_local;	/* came through the unix socket */
	int		 rq_status;	/* answer */
	cJSON		*rq_resp;
	char		*rq_text;	/* a text answer instead (freed) */
	const char	*rq_text_type;	/* its Content-Type */
	struct metrics	*rq_metrics;	/* this node's metrics or NULL */
	void		*rq_conn;	/* the connection (api_query) */
};

struct api_route {
	const char	*rt_method;
	const char	*rt_pattern;	/* "/api/v1/tasks/ *" ('*' = segment) */
	int		(*rt_fn)(struct api_req *r);
};

/* Route tables, NULL-terminated, defined by the handler files. */
extern const struct api_route api_cluster_routes[];
extern const struct api_route api_vm_routes[];
extern const struct api_route api_snap_routes[];	/* api_snap.c */
extern const struct api_route api_backup_routes[];	/* api_backup.c */
extern const struct api_route api_metrics_routes[];	/* api_metrics.c */
extern const struct api_route api_io_routes[];		/* api_io.c */
extern const struct api_route api_balance_routes[];	/* api_balance.c */

struct api *api_new(const struct hvd_config *cf, struct cluster *cl,
    char *err);
/* Give the handlers the VM operations (before serving). */
void api_set_vmops(struct api *a, struct vmops *v);
/* Give the handlers this node's metrics (metrics.h). */
void api_set_metrics(struct api *a, struct metrics *m);
/* A query argument of the request ("?since=-60"), NULL when absent. */
const char *api_query(struct api_req *r, const char *key);
/* Listen on the unix socket (cf_socket, mode 0600).  0 or -1. */
int api_start_unix(struct api *a, char *err);
/* Listen with TLS on address:api_port using the node certificate. */
int api_start_https(struct api *a, char *err);
void api_free(struct api *a);

/* For handlers: set an error answer; always returns -1. */
int api_error(struct api_req *r, int status, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Set a success answer (body taken over; NULL = {}); returns 0. */
int api_reply(struct api_req *r, int status, cJSON *body);
/* The answer to a call that queued a task: 202 {"task": task} when rc
 * is 0, else the error (field "" = none) with status. */
int api_task_reply(struct api_req *r, int rc, int status, const char *field,
    const char *task, const char *err);
/* Check the body's members against allowed (NULL-terminated); a missing
 * body counts as {}.  400 naming the field on an unknown member. */
int api_body_keys(struct api_req *r, const char *const allowed[]);
/* Typed body getters answering 400 with the field on error. */
int api_body_str(struct api_req *r, const char *key, int required,
    const char **out);
int api_body_int(struct api_req *r, const char *key, int required,
    int64_t *out);
/* 409 unless the node is in an active cluster. */
int api_need_cluster(struct api_req *r);

/* Match path against pattern; fills params.  1 match, 0 not (exported for
 * tests). */
int api_match(const char *pattern, const char *path,
    char params[API_MAX_PARAMS][256]);

#endif
