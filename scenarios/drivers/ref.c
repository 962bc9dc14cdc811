/*
 * ref.c - the `ref` driver: hvd, hvlab's reference platform, over its
 * HTTPS REST API (common/http.h), exactly as the proxmox driver will speak
 * to PVE: the runner never touches hvd's files or processes.
 *
 * What it asks of hvd (platform/api_*.c):
 *  - host_install uses only what any host offers (drv_env's host verbs,
 *    as SSH would): it declares the directories hvd keeps (/etc/hvd,
 *    /var/lib/hvd, /usr/local/sbin), copies hvd, hvd-watchdog and hvctl
 *    to /usr/local/sbin, puts /etc/hvd/hvd.conf, enables hvd as a service
 *    (so it comes back after a power cycle), starts it now at the host's
 *    console and waits for its unix socket to answer: "from bare host to
 *    API ready".  On a reused lab where hvd already answers, nothing is
 *    installed (t_reused).
 *  - cluster_form is done at the hosts' consoles, as on Proxmox (`pvecm
 *    create/add`): `hvctl cluster create` on the first host, `hvctl
 *    cluster join` on the others.  The admin token and the cluster CA it
 *    prints are kept in WORKDIR/ref/; from then on the driver speaks only
 *    HTTPS to hvd, from the lab's station namespace, verifying the CA.
 *    A cluster that exists already (reused lab) is kept: a new admin
 *    token is made at the first host's console, hosts not yet in it join.
 *  - cluster_info: GET /api/v1/cluster (quorate, nodes[].state);
 *    node_info: GET /api/v1/nodes/NODE (arch, hypervisor, cpus, memory).
 *  - storage_attach: POST /api/v1/pools (iscsi: portal, target) once for
 *    the cluster; every node opens the LUNs itself.  VMs with a pool get
 *    a volume NAME-d0 on it (a whole LUN on iSCSI), deleted with the VM.
 *  - VMs: /api/v1/vms, /vms/NAME/{start,stop,shutdown,migrate},
 *    /tasks/ID.
 *  - network: GET/POST /api/v1/nodes/NODE/network (port-vlan changes,
 *    which hvd rolls back by itself when the node's management path
 *    stops answering).
 *  - HA: POST /api/v1/ha/resources, DELETE /api/v1/ha/resources/VM,
 *    GET /api/v1/ha (manager, settings, each resource's status and its
 *    recovery log with UTC times: docs/ha.md).
 *  - Backups, restores and backup schedules: ref_backup.c.
 *  - The load balancer's settings: ref_balance.c.
 *  - Any node answers for the cluster: the driver speaks to the first
 *    host, and moves to the next one when a host does not answer at all
 *    or answers 503 (powered off, cut off from the cluster's majority),
 *    as an administrator would open another node's address.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "clock.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/ref.h"
#include "scenarios/drivers/ref_priv.h"

#define REF_TOKEN_MAX 512
#define REF_FP_MAX 128		/* a node's certificate fingerprint */
/* Where hvd's programs go on a node: on a root login's PATH, so an
 * administrator at the node's console types `hvctl`. */
#define HVD_SBIN "/usr/local/sbin"

struct ref {
	const struct drv_env *env;
	char token[REF_TOKEN_MAX];
	char ca_file[1024];
	struct http_client *http;	/* to hosts[cur] */
	size_t cur;			/* host the driver speaks to */
};

static int
ref_read_token(struct ref *r, char *err)
{
	char path[1024];
	FILE *f;
	size_t n;

	if (r->token[0] != '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/ref/token",
	    r->env->e_workdir ? r->env->e_workdir : ".");
	if ((f = fopen(path, "r")) == NULL)
		return err_errno(err, "ref: API token %s", path);
	n = fread(r->token, 1, sizeof(r->token) - 1, f);
	fclose(f);
	r->token[n] = '\0';
	r->token[strcspn(r->token, "\r\n")] = '\0';
	if (r->token[0] == '\0')
		return err_set(err, "ref: %s is empty", path);
	snprintf(r->ca_file, sizeof(r->ca_file), "%s/ref/ca.pem",
	    r->env->e_workdir ? r->env->e_workdir : ".");
	return 0;
}

/* The client to hvd on the current host (any node answers for the
 * cluster). */
static struct http_client *
ref_http(struct driver *d, char *err)
{
	struct ref *r = d->d_priv;
	struct http_opts o;
	char url[128];

	if (r->http != NULL)
		return r->http;
	if (r->env->e_nhosts == 0) {
		err_set(err, "ref: no hosts");
		return NULL;
	}
	if (ref_read_token(r, err) == -1)
		return NULL;
	snprintf(url, sizeof(url), "https://%s:%d",
	    r->env->e_hosts[r->cur % r->env->e_nhosts].h_addr, REF_API_PORT);
	memset(&o, 0, sizeof(o));
	o.base_url = url;
	o.token = r->token;
	o.ca_file = r->ca_file;
	o.timeout_ms = 60000;
	/* The station's namespace: API calls come from the station, as
	 * a management workstation's would. */
	r->http = http_client_new(&o, err);
	return r->http;
}

/* One request to hvd's API, and what came back. */
struct ref_req {
	const char *rq_method;
	const char *rq_path;
	cJSON *rq_body;			/* or NULL; freed by ref_send */
	struct drv_task *rq_task;	/* the answer's task, or NULL */
	cJSON **rq_out;			/* the answer (caller frees), or NULL */
	long rq_status;			/* its HTTP status, 0 = no answer */
};

/*
 * A request from the station's network namespace (where a management
 * workstation sits; the runner itself is outside the lab).  Only this
 * thread changes namespace, and it comes back before returning.
 */
static int
ref_request(struct driver *d, struct http_client *c,
    const struct ref_req *rq, struct http_response *resp, char *err)
{
	struct ref *r = d->d_priv;
	const char *ns = r->env->e_station_netns;
	int back = -1, rc;

	d->d_calls++;
	if (ns != NULL) {
		back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (back == -1)
			return err_errno(err, "ref: /proc/thread-self/ns/net");
		if (ns_enter_net(ns, err) == -1) {
			close(back);
			return -1;
		}
	}
	rc = http_request_json(c, rq->rq_method, rq->rq_path, rq->rq_body,
	    resp, err);
	if (back != -1) {
		if (setns(back, CLONE_NEWNET) == -1)
			rc = err_errno(err, "ref: back to our namespace");
		close(back);
	}
	return rc;
}

/*
 * METHOD PATH BODY to a node that answers (the next one when a node does
 * not, or has no majority); on success, when rq_task is given, the
 * answer's task id (if any) goes into it (async) or it is marked done
 * (sync).  The body is freed.  0, or -1 with err and rq_status.
 */
static int
ref_send(struct driver *d, struct ref_req *rq, char *err)
{
	const char *method = rq->rq_method, *path = rq->rq_path;
	struct drv_task *t = rq->rq_task;
	struct ref *r = d->d_priv;
	struct http_client *c = ref_http(d, err);
	struct http_response resp = { 0 };
	const char *id = NULL;
	char e[ERR_LEN];
	size_t tries = 0;
	int rc = -1;

	rq->rq_status = 0;
	if (c == NULL)
		goto out;
	while (ref_request(d, c, rq, &resp, err) == -1) {
		/* No answer (status 0: the host is off or unreachable) or
		 * 503 (its hvd has no cluster majority): another node. */
		if ((resp.status != 0 && resp.status != 503) ||
		    ++tries >= r->env->e_nhosts) {
			rq->rq_status = resp.status;
			goto out;
		}
		log_debug("ref: %s does not answer (%s): asking %s",
		    r->env->e_hosts[r->cur % r->env->e_nhosts].h_name, err,
		    r->env->e_hosts[(r->cur + 1) % r->env->e_nhosts].h_name);
		http_response_free(&resp);
		memset(&resp, 0, sizeof(resp));
		http_client_free(r->http);
		r->http = NULL;
		r->cur = (r->cur + 1) % r->env->e_nhosts;
		if ((c = ref_http(d, err)) == NULL)
			goto out;
	}
	rq->rq_status = resp.status;
	if (t != NULL) {
		/* UNVERIFIED: long operations answer {"task": "UPID:..."}. */
		if (resp.json != NULL && json_get_string(resp.json, "task",
		    JSON_OPTIONAL, &id, e) == -1) {
			err_set(err, "%s %s: %s", method, path, e);
			goto out;
		}
		if (id != NULL)
			snprintf(t->t_id, sizeof(t->t_id), "%s", id);
		else
			t->t_done = 1;
	}
	if (rq->rq_out != NULL) {
		*rq->rq_out = resp.json;
		resp.json = NULL;
	}
	rc = 0;
out:
	http_response_free(&resp);
	cJSON_Delete(rq->rq_body);
	rq->rq_body = NULL;
	return rc;
}

/* METHOD PATH BODY, the answer into *out (caller frees; out may be
 * NULL).  body is freed.  0, or -1 with err. */
int
ref_call(struct driver *d, const char *method, const char *path,
    cJSON *body, cJSON **out, char *err)
{
	struct ref_req rq = { method, path, body, NULL, out, 0 };

	return ref_send(d, &rq, err);
}

/* METHOD PATH BODY that starts a task: its id into t (or t done).
 * body is freed.  0, or -1 with err. */
int
ref_task(struct driver *d, const char *method, const char *path,
    cJSON *body, struct drv_task *t, char *err)
{
	struct ref_req rq = { method, path, body, t, NULL, 0 };

	return ref_send(d, &rq, err);
}

const char *
ref_api_host(struct driver *d)
{
	struct ref *r = d->d_priv;

	return r->env->e_hosts[r->cur % r->env->e_nhosts].h_name;
}

const char *
ref_ca_file(struct driver *d)
{
	return ((struct ref *)d->d_priv)->ca_file;
}

static int
ref_open(struct driver *d, const struct drv_env *env, char *err)
{
	struct ref *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return err_set(err, "out of memory");
	r->env = env;
	d->d_priv = r;
	return 0;
}

static void
ref_close(struct driver *d)
{
	struct ref *r = d->d_priv;

	if (r == NULL)
		return;
	http_client_free(r->http);
	free(r);
	d->d_priv = NULL;
}

static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
ref_console(struct driver *d, const char *host, const char *const argv[],
    char **out, long timeout_ms, char *err)
{
	const struct drv_env *env = ((struct ref *)d->d_priv)->env;

	if (env->e_exec == NULL)
		return err_set(err, "ref: no console to host %s (no lab)", host);
	d->d_calls++;
	return env->e_exec(env, host, argv, out, timeout_ms, err);
}

/*
 * `hvctl -s /run/hvd/hvd.sock --json api METHOD PATH [BODY]` at host's
 * console (root on the node's unix socket acts as admin), req being
 * "METHOD PATH"; its JSON answer into *doc (caller frees).  -1 with err
 * when hvd does not answer or refuses.
 */
static int
ref_local_api(struct driver *d, const char *host, const char *req,
    const char *body, cJSON **doc, char *err)
{
	const char *path = strchr(req, ' ') ? strchr(req, ' ') + 1 : "";
	char e[ERR_LEN], method[16];
	const char *argv[] = { "hvctl", "-s", "/run/hvd/hvd.sock", "--json",
	    "api", method, path, body, NULL };
	char *out = NULL;

	*doc = NULL;
	snprintf(method, sizeof(method), "%.*s", (int)strcspn(req, " "), req);
	if (ref_console(d, host, argv, &out, 30000, err) == -1) {
		free(out);
		return -1;
	}
	if (out == NULL || (*doc = json_parse_buf(out, strlen(out), e)) ==
	    NULL) {
		err_set(err, "%s: hvctl api %s %s: %s", host, method, path,
		    out ? e : "no answer");
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

/* What hvd keeps on a node's disk, what it installs, how it starts. */
static const char *const hvd_keep[] = { "/etc/hvd", "/var/lib/hvd",
	HVD_SBIN, NULL };
static const char *const hvd_bins[] = { "hvd", "hvd-watchdog", "hvctl",
	NULL };
static const char *const hvd_service[] = { HVD_SBIN "/hvd", "-c",
	"/etc/hvd/hvd.conf", NULL };

/* The host verbs, each one counted as a step. */
static int
ref_host_files(struct driver *d, const struct drv_host *h, char *err)
{
	struct ref *r = d->d_priv;
	const struct drv_env *env = r->env;
	char src[1024], dst[256], text[1024];
	size_t i;

	d->d_calls++;
	if (env->e_dirs(env, h->h_name, hvd_keep, NULL, err) == -1)
		return -1;
	for (i = 0; hvd_bins[i] != NULL; i++) {
		snprintf(src, sizeof(src), "%s/%s", env->e_bindir ?
		    env->e_bindir : "/usr/local/bin", hvd_bins[i]);
		snprintf(dst, sizeof(dst), "%s/%s", HVD_SBIN, hvd_bins[i]);
		d->d_calls++;
		if (access(src, X_OK) != 0)
			return err_errno(err, "ref: %s", src);
		if (env->e_copy(env, h->h_name, dst, src, 0755, err) == -1)
			return -1;
	}
	/* The runner boots its guest image from where it was built: an
	 * image directory beside hvd's own, and the directory its bootable
	 * disk image is imported from (a volume's source). */
	snprintf(text, sizeof(text), "# written by hvlab's ref driver\n"
	    "node = %s\naddress = %s\novs_bridge = br0\naccel = %s\n"
	    "image_dirs = /var/lib/hvd/images %.400s\n"
	    "import_dirs = /var/lib/hvd/import " REF_EXCHANGE " %.400s\n"
	    "export_dirs = " REF_EXCHANGE "\n", h->h_name,
	    h->h_addr, env->e_accel ? env->e_accel : "auto",
	    env->e_guest_dir ? env->e_guest_dir : "",
	    env->e_guest_dir ? env->e_guest_dir : "");
	d->d_calls += 2;
	if (env->e_put(env, h->h_name, "/etc/hvd/hvd.conf", text,
	    strlen(text), 0644, err) == -1)
		return -1;
	return env->e_service(env, h->h_name, "daemon", hvd_service, err);
}

/*
 * Install hvd on a bare host through what any host offers (docs/
 * platforms/ref.md): its directories, its files, a service started at
 * every power-on, and a command at its console to start it now.
 */
static int
ref_host_install(struct driver *d, const struct drv_host *h,
    struct drv_task *t, char *err)
{
	const struct drv_env *env = ((struct ref *)d->d_priv)->env;
	char e[ERR_LEN];
	const char *sock_argv[] = { "test", "-S", "/run/hvd/hvd.sock", NULL };
	const char *start_argv[] = { "sh", "-c", "setsid " HVD_SBIN "/hvd -c "
	    "/etc/hvd/hvd.conf </dev/null >>/var/log/hvd.log 2>&1 &", NULL };
	uint64_t deadline;
	cJSON *ver = NULL;

	if (env->e_dirs == NULL || env->e_copy == NULL || env->e_put == NULL ||
	    env->e_service == NULL)
		return err_set(err, "ref: host %s: the lab gives no disk to "
		    "install on", h->h_name);
	/* A reused lab: hvd installed and answering already.  Nothing to
	 * install, and nothing measured. */
	if (ref_local_api(d, h->h_name, "GET /api/v1/version", NULL, &ver,
	    e) == 0 && json_str(ver, "product") != NULL &&
	    strcmp(json_str(ver, "product"), "hvd") == 0) {
		cJSON_Delete(ver);
		t->t_done = 1;
		t->t_reused = 1;
		snprintf(t->t_status, sizeof(t->t_status), "hvd already runs "
		    "on %s", h->h_name);
		return 0;
	}
	cJSON_Delete(ver);
	if (ref_host_files(d, h, err) == -1 ||
	    ref_console(d, h->h_name, start_argv, NULL, 30000, err) == -1)
		return err_prefix(err, "ref: install on %s", h->h_name);
	deadline = clock_mono_ns() + 60 * NS_PER_S;
	while (ref_console(d, h->h_name, sock_argv, NULL, 10000, e) == -1) {
		if (clock_mono_ns() > deadline)
			return err_set(err, "ref: host %s: hvd's socket did not "
			    "appear in 60 s (see /var/log/hvd.log on the "
			    "host)", h->h_name);
		clock_sleep_ns(200 * NS_PER_MS);
	}
	t->t_done = 1;
	return 0;
}

/* Keep the admin token and the cluster CA in WORKDIR/ref/. */
static int
ref_keep_credentials(struct ref *r, const char *tok, const char *ca,
    char *err)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/ref", r->env->e_workdir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "%s", path);
	snprintf(path, sizeof(path), "%s/ref/token", r->env->e_workdir);
	if (drv_write_text(path, tok, err) == -1 || chmod(path, 0600) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/ref/ca.pem", r->env->e_workdir);
	return drv_write_text(path, ca, err);
}

/* The cluster NAME host is in, or NULL (doc keeps the string). */
static const char *
ref_host_cluster(struct driver *d, const char *host, cJSON **doc, char *err)
{
	if (ref_local_api(d, host, "GET /api/v1/cluster", NULL, doc,
	    err) == -1)
		return NULL;
	return json_str(*doc, "cluster");
}

/*
 * A reused lab whose first host is in a cluster already: an administrator
 * at its console makes a new admin token (tokens are shown only once) and
 * reads the CA and the node's fingerprint.
 */
static int
ref_cluster_reuse(struct driver *d, const char *host, const cJSON *status,
    char tok[REF_TOKEN_MAX], char fp[REF_FP_MAX], char *err)
{
	struct ref *r = d->d_priv;
	const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(status, "nodes"),
	    *n;
	cJSON *tdoc = NULL, *cdoc = NULL;
	const char *t, *ca;
	int rc = -1;

	fp[0] = '\0';
	cJSON_ArrayForEach(n, nodes)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "local")) &&
		    json_str(n, "fingerprint") != NULL)
			snprintf(fp, REF_FP_MAX, "%s",
			    json_str(n, "fingerprint"));
	if (fp[0] == '\0') {
		err_set(err, "%s: GET /api/v1/cluster: no fingerprint of the "
		    "node itself", host);
		goto out;
	}
	if (ref_local_api(d, host, "POST /api/v1/tokens", "{\"role\": "
	    "\"admin\", \"comment\": \"hvlab run on a reused lab\"}", &tdoc,
	    err) == -1 || ref_local_api(d, host, "GET /api/v1/cluster/ca",
	    NULL, &cdoc, err) == -1)
		goto out;
	if ((t = json_str(tdoc, "token")) == NULL ||
	    (ca = json_str(cdoc, "ca_cert")) == NULL) {
		err_set(err, "%s: no token or CA in hvd's answers", host);
		goto out;
	}
	snprintf(tok, REF_TOKEN_MAX, "%s", t);
	rc = ref_keep_credentials(r, t, ca, err);
out:
	cJSON_Delete(tdoc);
	cJSON_Delete(cdoc);
	return rc;
}

static int
ref_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err)
{
	struct ref *r = d->d_priv;
	char tok[REF_TOKEN_MAX], fp[REF_FP_MAX];
	const char *create[] = { "hvctl", "-s", "/run/hvd/hvd.sock", "--json",
	    "cluster", "create", name, NULL };
	const char *ca, *in;
	char *out = NULL, e[ERR_LEN];
	cJSON *doc = NULL, *st = NULL;
	size_t i;
	int rc = -1;

	if (n == 0)
		return err_set(err, "ref: no hosts to form a cluster of");
	if ((in = ref_host_cluster(d, hosts[0].h_name, &st, e)) != NULL) {
		/* reused lab: keep the cluster */
		if (ref_cluster_reuse(d, hosts[0].h_name, st, tok, fp,
		    err) == -1)
			goto out;
		t->t_reused = 1;
		snprintf(t->t_status, sizeof(t->t_status), "cluster %s exists "
		    "already", in);
	} else {
		if (ref_console(d, hosts[0].h_name, create, &out, 60000,
		    err) == -1)
			goto out;
		if ((doc = json_parse_buf(out, strlen(out), e)) == NULL) {
			err_set(err, "hvctl cluster create: %s", e);
			goto out;
		}
		if (json_str(doc, "token") == NULL ||
		    json_str(doc, "fingerprint") == NULL ||
		    (ca = json_str(doc, "ca_cert")) == NULL) {
			err_set(err, "hvctl cluster create: no token, "
			    "fingerprint or ca_cert in its answer");
			goto out;
		}
		snprintf(tok, sizeof(tok), "%s", json_str(doc, "token"));
		snprintf(fp, sizeof(fp), "%s", json_str(doc, "fingerprint"));
		if (ref_keep_credentials(r, tok, ca, err) == -1)
			goto out;
	}
	for (i = 1; i < n; i++) {
		const char *join[] = { "hvctl", "-s", "/run/hvd/hvd.sock",
		    "cluster", "join", hosts[0].h_addr, "--token", tok,
		    "--fingerprint", fp, NULL };

		if (t->t_reused) {
			cJSON_Delete(st);
			st = NULL;
			if (ref_host_cluster(d, hosts[i].h_name, &st, e) != NULL)
				continue;	/* in it already */
			t->t_reused = 0;	/* a join is measured */
		}
		if (ref_console(d, hosts[i].h_name, join, NULL, 120000, err) ==
		    -1)
			goto out;
	}
	t->t_done = 1;
	rc = 0;
out:
	cJSON_Delete(st);
	cJSON_Delete(doc);
	free(out);
	return rc;
}

static int
ref_cluster_info(struct driver *d, struct drv_cluster_info *ci, char *err)
{
	cJSON *doc = NULL;
	const cJSON *nodes = NULL, *n;
	int q = 0, rc = -1;
	char e[ERR_LEN];

	memset(ci, 0, sizeof(*ci));
	if (ref_call(d, "GET", "/api/v1/cluster", NULL, &doc, err))
		return -1;
	if (json_get_bool(doc, "quorate", JSON_REQUIRED, &q, e) == -1 ||
	    json_get_array(doc, "nodes", JSON_OPTIONAL, &nodes, e) == -1) {
		err_set(err, "GET /api/v1/cluster: %s", e);
		goto out;
	}
	ci->c_quorate = q;
	cJSON_ArrayForEach(n, nodes) {
		const char *st = json_str(n, "state");

		ci->c_nodes++;
		if (st != NULL && strcmp(st, "online") == 0)
			ci->c_online++;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/*
 * Volume VOL on POOL for s (v_disk_mib 0: hvd's default, on iSCSI the
 * whole LUN, or the image's size), a copy of s->v_boot_image when set.
 * A volume of that name left by an interrupted run on a reused lab is
 * taken as it is (hvd refuses it to a second VM).
 */
static int
ref_volume_create(struct driver *d, const char *pool, const char *vol,
    const struct drv_vm_spec *s, char *err)
{
	char path[256], e[ERR_LEN];
	cJSON *b = cJSON_CreateObject(), *doc = NULL;
	struct ref_req rq = { "POST", NULL, NULL, NULL, NULL, 0 };
	const cJSON *v;
	int found = 0;

	cJSON_AddStringToObject(b, "name", vol);
	if (s->v_disk_mib > 0)
		cJSON_AddNumberToObject(b, "size_mib", s->v_disk_mib);
	/* hvd copies the image in (its import_dirs hold the guest's) */
	if (s->v_boot_image != NULL)
		cJSON_AddStringToObject(b, "source", s->v_boot_image);
	snprintf(path, sizeof(path), "/api/v1/pools/%s/volumes", pool);
	rq.rq_path = path;
	rq.rq_body = b;
	if (ref_send(d, &rq, err) == 0)
		return 0;
	if (rq.rq_status != 409 || ref_call(d, "GET", path, NULL, &doc, e) == -1)
		return -1;
	cJSON_ArrayForEach(v, doc)
		if (json_str(v, "name") && strcmp(json_str(v, "name"), vol) == 0)
			found = 1;
	cJSON_Delete(doc);
	return found ? 0 : -1;
}

static int
ref_storage_attach(struct driver *d, const struct drv_pool *p,
    struct drv_task *t, char *err)
{
	char path[256], e[ERR_LEN];
	cJSON *b, *doc = NULL;
	struct ref_req rq = { "POST", "/api/v1/pools", NULL, NULL, NULL, 0 };
	int rc = -1;

	if (strcmp(p->p_type, "iscsi") != 0 || p->p_portal == NULL ||
	    p->p_target == NULL)
		return err_set(err, "ref: pool %s: only iscsi pools with a "
		    "portal and a target are attached here", p->p_name);
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", p->p_name);
	cJSON_AddStringToObject(b, "type", "iscsi");
	cJSON_AddStringToObject(b, "portal", p->p_portal);
	cJSON_AddStringToObject(b, "target", p->p_target);
	rq.rq_body = b;
	rq.rq_out = &doc;
	if (ref_send(d, &rq, err) == 0)
		goto luns;
	if (rq.rq_status != 409)
		return -1;
	/* A reused lab: the pool is there; the same SAN? */
	snprintf(path, sizeof(path), "/api/v1/pools/%s", p->p_name);
	if (ref_call(d, "GET", path, NULL, &doc, e) == -1)
		return -1;
	if (json_str(doc, "target") == NULL ||
	    strcmp(json_str(doc, "target"), p->p_target) != 0) {
		err_set(err, "pool %s exists with another target (%s)",
		    p->p_name, json_str(doc, "target") ?
		    json_str(doc, "target") : "?");
		goto out;
	}
	t->t_reused = 1;
	snprintf(t->t_status, sizeof(t->t_status), "pool %s exists already",
	    p->p_name);
luns:
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc,
	    "luns")) < 1) {
		err_set(err, "pool %s: hvd found no LUN on %s", p->p_name,
		    p->p_target);
		goto out;
	}
	t->t_done = 1;
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/*
 * Whether host opens the pool's first LUN the way hvd's VMs do (QEMU's
 * libiscsi), asked at the host's console.
 */
static int
ref_storage_check(struct driver *d, const struct drv_pool *p,
    const char *host, char *err)
{
	char url[512], *out = NULL;
	const char *argv[] = { "qemu-img", "info", "--output=json", "-f", "raw",
	    url, NULL };
	int rc;

	snprintf(url, sizeof(url), "iscsi://%s/%s/1", p->p_portal, p->p_target);
	rc = ref_console(d, host, argv, &out, 30000, err);
	if (rc == 0 && (out == NULL || strstr(out, "virtual-size") == NULL))
		rc = err_set(err, "%s: qemu-img info %s: no size", host, url);
	free(out);
	return rc;
}

static int
ref_vm_create(struct driver *d, const struct drv_vm_spec *s,
    struct drv_task *t, char *err)
{
	cJSON *b, *nics, *nic;
	char vol[DRV_NAME_MAX + 8], path[256];
	int rc;

	if (s->v_disk_mib != 0 && s->v_pool == NULL)
		return err_set(err, "ref: VM %s: a disk size without a pool",
		    s->v_name);
	if (s->v_kernel == NULL && (s->v_boot_image == NULL ||
	    s->v_pool == NULL))
		return err_set(err, "ref: VM %s: no kernel, and no disk image "
		    "on a pool to boot", s->v_name);
	/* Its disk: a volume of its own on the pool (on iSCSI, a LUN). */
	if (s->v_pool != NULL) {
		snprintf(vol, sizeof(vol), "%s-d0", s->v_name);
		if (ref_volume_create(d, s->v_pool, vol, s, err) == -1)
			return -1;
	}
	/* hvd's VM config (platform/vm.h, strict JSON form) + "node". */
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "name", s->v_name);
	if (s->v_host)
		cJSON_AddStringToObject(b, "node", s->v_host);
	cJSON_AddNumberToObject(b, "vcpus", s->v_vcpus ? s->v_vcpus : 1);
	cJSON_AddNumberToObject(b, "memory_mib", s->v_memory_mib ?
	    s->v_memory_mib : 128);
	if (s->v_machine)
		cJSON_AddStringToObject(b, "machine", s->v_machine);
	/* without a kernel the firmware boots the disk, and hvd hands the
	 * cmdline to the guest as SMBIOS OEM strings */
	if (s->v_kernel)
		cJSON_AddStringToObject(b, "kernel", s->v_kernel);
	if (s->v_initrd)
		cJSON_AddStringToObject(b, "initrd", s->v_initrd);
	if (s->v_cmdline)
		cJSON_AddStringToObject(b, "cmdline", s->v_cmdline);
	if (s->v_pool != NULL) {
		cJSON *disks = cJSON_AddArrayToObject(b, "disks"), *dk;

		dk = cJSON_CreateObject();
		cJSON_AddStringToObject(dk, "pool", s->v_pool);
		cJSON_AddStringToObject(dk, "volume", vol);
		cJSON_AddItemToArray(disks, dk);
	}
	nics = cJSON_AddArrayToObject(b, "nics");
	nic = cJSON_CreateObject();
	cJSON_AddNumberToObject(nic, "vlan", s->v_vlan);
	cJSON_AddItemToArray(nics, nic);
	rc = ref_task(d, "POST", "/api/v1/vms", b, t, err);
	if (rc != 0 && s->v_pool != NULL) {
		char e[ERR_LEN];

		snprintf(path, sizeof(path), "/api/v1/pools/%s/volumes/%s",
		    s->v_pool, vol);
		if (ref_call(d, "DELETE", path, NULL, NULL, e) == -1)
			log_warnx("ref: VM %s not made, and its volume %s/%s "
			    "stays: %s", s->v_name, s->v_pool, vol, e);
	}
	return rc;
}

static int
ref_vm_action(struct driver *d, const char *vm, const char *action,
    cJSON *body, struct drv_task *t, char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/vms/%s/%s", vm, action);
	return ref_task(d, "POST", path, body, t, err);
}

static int
ref_vm_start(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	return ref_vm_action(d, vm, "start", NULL, t, err);
}

static int
ref_vm_stop(struct driver *d, const char *vm, int force, struct drv_task *t,
    char *err)
{
	return ref_vm_action(d, vm, force ? "stop" : "shutdown", NULL, t, err);
}

/* vol is one hvd made with a VM: PREFIX + "0" or PREFIX + "isk" + I,
 * prefix being "NAME-d". */
static int
ref_own_volume(const char *vol, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(vol, prefix, n) != 0)
		return 0;
	vol += n;
	if (strncmp(vol, "isk", 3) == 0)
		vol += 3;
	return *vol != '\0' && strspn(vol, "0123456789") == strlen(vol);
}

int
ref_vm_delete(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	char path[256], vols[4][2][DRV_NAME_MAX + 8], own[DRV_NAME_MAX + 8];
	const cJSON *disks, *dk;
	cJSON *doc = NULL;
	int nv = 0, i, rc;

	/* The volumes made with the VM go with it: NAME-d0 (ref_vm_create)
	 * and a clone's NAME-diskI (hvd's names for them). */
	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	snprintf(own, sizeof(own), "%s-d", vm);
	if (ref_call(d, "GET", path, NULL, &doc, err) == 0) {
		disks = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(doc, "config"), "disks");
		cJSON_ArrayForEach(dk, disks)
			if (nv < 4 && json_str(dk, "pool") && json_str(dk,
			    "volume") && ref_own_volume(json_str(dk, "volume"),
			    own)) {
				snprintf(vols[nv][0], sizeof(vols[nv][0]), "%s",
				    json_str(dk, "pool"));
				snprintf(vols[nv][1], sizeof(vols[nv][1]), "%s",
				    json_str(dk, "volume"));
				nv++;
			}
		cJSON_Delete(doc);
	}
	rc = ref_task(d, "DELETE", path, NULL, t, err);
	for (i = 0; rc == 0 && i < nv; i++) {
		snprintf(path, sizeof(path), "/api/v1/pools/%s/volumes/%s",
		    vols[i][0], vols[i][1]);
		if (ref_call(d, "DELETE", path, NULL, NULL, err) == -1)
			rc = -1;
	}
	return rc;
}

static int
ref_vm_info(struct driver *d, const char *vm, struct drv_vm_info *vi,
    char *err)
{
	char path[256], e[ERR_LEN];
	const char *state = NULL, *node = NULL, *addr = NULL, *accel = NULL;
	const char *why = NULL;
	cJSON *doc = NULL;
	int rc = -1;

	memset(vi, 0, sizeof(*vi));
	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	if (ref_call(d, "GET", path, NULL, &doc, err))
		return -1;
	/* {"name", "state": "running"|"stopped"|..., "node", "config"} */
	if (json_get_string(doc, "state", JSON_REQUIRED, &state, e) == -1 ||
	    json_get_string(doc, "node", JSON_OPTIONAL, &node, e) == -1 ||
	    json_get_string(doc, "address", JSON_OPTIONAL, &addr, e) == -1 ||
	    json_get_string(doc, "accel", JSON_OPTIONAL, &accel, e) == -1 ||
	    json_get_string(doc, "exit", JSON_OPTIONAL, &why, e) == -1) {
		err_set(err, "GET %s: %s", path, e);
		goto out;
	}
	vi->i_state = strcmp(state, "running") == 0 ? DRV_VM_RUNNING :
	    strcmp(state, "stopped") == 0 ? DRV_VM_STOPPED :
	    strcmp(state, "paused") == 0 ? DRV_VM_PAUSED :
	    strcmp(state, "migrating") == 0 ? DRV_VM_MIGRATING :
	    DRV_VM_UNKNOWN;
	if (node)
		snprintf(vi->i_host, sizeof(vi->i_host), "%s", node);
	if (addr)
		snprintf(vi->i_addr, sizeof(vi->i_addr), "%s", addr);
	if (accel)
		snprintf(vi->i_accel, sizeof(vi->i_accel), "%s", accel);
	if (why)
		snprintf(vi->i_exit, sizeof(vi->i_exit), "%s", why);
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

static int
ref_vm_migrate(struct driver *d, const char *vm, const char *to,
    enum drv_migrate_mode mode, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "target", to);
	cJSON_AddBoolToObject(b, "live", mode == DRV_MIGRATE_LIVE);
	return ref_vm_action(d, vm, "migrate", b, t, err);
}

/* ---- snapshots, clones, templates (docs/snapshots.md, clones.md) ---- */

static int
ref_snapshot_create(struct driver *d, const char *vm, const char *snap,
    int with_ram, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();
	char path[256];

	cJSON_AddStringToObject(b, "name", snap);
	cJSON_AddBoolToObject(b, "with_ram", with_ram);
	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots", vm);
	return ref_task(d, "POST", path, b, t, err);
}

static int
ref_snapshot_rollback(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots/%s/rollback",
	    vm, snap);
	return ref_task(d, "POST", path, NULL, t, err);
}

static int
ref_snapshot_delete(struct driver *d, const char *vm, const char *snap,
    struct drv_task *t, char *err)
{
	char path[256];

	snprintf(path, sizeof(path), "/api/v1/vms/%s/snapshots/%s", vm, snap);
	return ref_task(d, "DELETE", path, NULL, t, err);
}

/*
 * The clone's own words: hvd gives a clone its source's config (the
 * template's cmdline among it), so the driver replaces the cmdline as
 * an administrator edits a clone's config before its first start.
 */
int
ref_clone_words(struct driver *d, const char *vm, const char *words,
    char *err)
{
	char path[256];
	cJSON *cfg = NULL;

	snprintf(path, sizeof(path), "/api/v1/vms/%s/config", vm);
	if (ref_call(d, "GET", path, NULL, &cfg, err) == -1)
		return -1;
	if (!cJSON_IsObject(cfg)) {
		cJSON_Delete(cfg);
		return err_set(err, "GET %s: no config object", path);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "cmdline");
	cJSON_AddStringToObject(cfg, "cmdline", words);
	return ref_call(d, "PUT", path, cfg, NULL, err);
}

/* POST /vms/VM/clone (hvd answers once the clone exists), then the
 * clone's words.  A clone whose words cannot be set is deleted. */
static int
ref_clone(struct driver *d, const char *vm, const struct drv_vm_spec *nv,
    int linked, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject();
	struct drv_task dt;
	char path[256], e[ERR_LEN];

	cJSON_AddStringToObject(b, "name", nv->v_name);
	cJSON_AddBoolToObject(b, "full", !linked);
	if (nv->v_host != NULL)
		cJSON_AddStringToObject(b, "node", nv->v_host);
	if (nv->v_pool != NULL && !linked)
		cJSON_AddStringToObject(b, "pool", nv->v_pool);
	snprintf(path, sizeof(path), "/api/v1/vms/%s/clone", vm);
	if (ref_task(d, "POST", path, b, t, err) == -1)
		return -1;
	if (nv->v_cmdline == NULL ||
	    ref_clone_words(d, nv->v_name, nv->v_cmdline, err) == 0)
		return 0;
	drv_task_init(&dt);
	if (ref_vm_delete(d, nv->v_name, &dt, e) == -1)
		log_warnx("ref: clone %s without its words stays: %s",
		    nv->v_name, e);
	return err_prefix(err, "ref: clone %s: its cmdline", nv->v_name);
}

static int
ref_template_make(struct driver *d, const char *vm, struct drv_task *t,
    char *err)
{
	return ref_vm_action(d, vm, "template", NULL, t, err);
}

/* The first disk of vm as "POOL/VOLUME" into pv. */
static int
ref_first_disk(struct driver *d, const char *vm, char *pv, size_t len,
    char *err)
{
	const cJSON *dk;
	char path[256];
	cJSON *doc = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "/api/v1/vms/%s", vm);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	dk = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(doc, "config"), "disks"), 0);
	if (json_str(dk, "pool") == NULL || json_str(dk, "volume") == NULL)
		err_set(err, "ref: VM %s has no disk", vm);
	else if ((size_t)snprintf(pv, len, "%s/volumes/%s", json_str(dk,
	    "pool"), json_str(dk, "volume")) < len)
		rc = 0;
	else
		err_set(err, "ref: VM %s: disk name too long", vm);
	cJSON_Delete(doc);
	return rc;
}

/* GET /pools/P/volumes/V (alloc_bytes) and, with digest, .../digest. */
static int
ref_vm_disk(struct driver *d, const char *vm, int digest,
    struct drv_disk_info *di, char *err)
{
	char pv[300], path[340];
	const cJSON *v;
	cJSON *doc = NULL;
	const char *hex;

	memset(di, 0, sizeof(*di));
	if (ref_first_disk(d, vm, pv, sizeof(pv), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "/api/v1/pools/%s", pv);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(doc, "alloc_bytes");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0) {
		cJSON_Delete(doc);
		return err_set(err, "GET %s: no alloc_bytes", path);
	}
	di->di_alloc_bytes = (uint64_t)v->valuedouble;
	cJSON_Delete(doc);
	if (!digest)
		return 0;
	snprintf(path, sizeof(path), "/api/v1/pools/%s/digest", pv);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	hex = json_str(doc, "sha256");
	if (hex == NULL || strlen(hex) != 64) {
		cJSON_Delete(doc);
		return err_set(err, "GET %s: no sha256", path);
	}
	snprintf(di->di_sha256, sizeof(di->di_sha256), "%s", hex);
	cJSON_Delete(doc);
	return 0;
}

/* The string member key of o into buf when there is one. */
static void
str_copy(const cJSON *o, const char *key, char *buf, size_t len)
{
	if (json_str(o, key) != NULL)
		snprintf(buf, len, "%s", json_str(o, key));
}

static int
ref_node_info(struct driver *d, const char *node, struct drv_node_info *ni,
    char *err)
{
	char path[256];
	const cJSON *v;
	cJSON *doc = NULL;

	memset(ni, 0, sizeof(*ni));
	snprintf(path, sizeof(path), "/api/v1/nodes/%s", node);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	snprintf(ni->n_name, sizeof(ni->n_name), "%s", node);
	str_copy(doc, "hypervisor", ni->n_hypervisor, sizeof(ni->n_hypervisor));
	str_copy(doc, "arch", ni->n_arch, sizeof(ni->n_arch));
	str_copy(doc, "qemu_version", ni->n_qemu, sizeof(ni->n_qemu));
	str_copy(doc, "accel", ni->n_accel, sizeof(ni->n_accel));
	str_copy(doc, "accel_reason", ni->n_accel_reason,
	    sizeof(ni->n_accel_reason));
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(doc, "cpus")))
		ni->n_cpus = v->valueint;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(doc,
	    "memory_bytes")) && v->valuedouble > 0)
		ni->n_memory_bytes = (uint64_t)v->valuedouble;
	ni->n_online = json_str(doc, "state") != NULL &&
	    strcmp(json_str(doc, "state"), "online") == 0;
	cJSON_Delete(doc);
	return 0;
}

/* GET /api/v1/version: {"product": "hvd", "version": "0.1.0"}; at the
 * first host's console while the cluster (and its token) is not made. */
static int
ref_platform_version(struct driver *d, char *buf, size_t len, char *err)
{
	struct ref *r = d->d_priv;
	cJSON *doc = NULL;
	char e[ERR_LEN];
	int rc = -1;

	if (ref_read_token(r, e) == 0) {
		if (ref_call(d, "GET", "/api/v1/version", NULL, &doc,
		    err) == -1)
			return -1;
	} else if (r->env->e_nhosts == 0 || ref_local_api(d,
	    r->env->e_hosts[0].h_name, "GET /api/v1/version", NULL, &doc,
	    err) == -1)
		return r->env->e_nhosts == 0 ? err_set(err, "ref: no hosts") :
		    -1;
	if (json_str(doc, "product") == NULL ||
	    json_str(doc, "version") == NULL) {
		err_set(err, "GET /api/v1/version: no product or version");
		goto out;
	}
	snprintf(buf, len, "%s %s", json_str(doc, "product"),
	    json_str(doc, "version"));
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

static int
ref_net_ports(struct driver *d, const char *host, struct drv_port **ports,
    size_t *n, char *err)
{
	char path[256];
	const cJSON *arr, *p, *tag;
	cJSON *doc = NULL;
	size_t k = 0;

	*ports = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", host);
	if (ref_call(d, "GET", path, NULL, &doc, err) == -1)
		return -1;
	arr = cJSON_GetObjectItemCaseSensitive(doc, "ports");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(doc);
		return err_set(err, "GET %s: no 'ports' array", path);
	}
	*ports = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(**ports));
	if (*ports == NULL) {
		cJSON_Delete(doc);
		return err_set(err, "out of memory");
	}
	cJSON_ArrayForEach(p, arr) {
		if (json_str(p, "name") == NULL)
			continue;
		snprintf((*ports)[k].p_name, sizeof((*ports)[k].p_name), "%s",
		    json_str(p, "name"));
		tag = cJSON_GetObjectItemCaseSensitive(p, "tag");
		(*ports)[k].p_vlan = cJSON_IsNumber(tag) ? tag->valueint : 0;
		k++;
	}
	*n = k;
	cJSON_Delete(doc);
	return 0;
}

static int
ref_net_port_vlan(struct driver *d, const char *host, const char *port,
    int vlan, struct drv_task *t, char *err)
{
	char path[256];
	cJSON *b = cJSON_CreateObject(), *c;

	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", host);
	c = cJSON_AddObjectToObject(b, "change");
	cJSON_AddStringToObject(c, "kind", "port-vlan");
	cJSON_AddStringToObject(c, "port", port);
	cJSON_AddNumberToObject(c, "vlan", vlan);
	/* hvd probes another node's address (the management path) and
	 * undoes the change when it does not answer within grace_ms. */
	cJSON_AddNumberToObject(b, "grace_ms", 3000);
	return ref_task(d, "POST", path, b, t, err);
}

/* `ovs-vsctl set port PORT tag=VLAN` at the host's console: hvd's ports
 * are ports of the host's OVS bridge. */
static int
ref_net_port_vlan_console(struct driver *d, const char *host,
    const char *port, int vlan, char *err)
{
	char tag[32];
	const char *argv[] = { "ovs-vsctl", "--timeout=20", "set", "port",
		port, tag, NULL };

	snprintf(tag, sizeof(tag), "tag=%d", vlan);
	return ref_console(d, host, argv, NULL, 30000, err);
}

static int
ref_task_status(struct driver *d, struct drv_task *t, char *err)
{
	char path[DRV_TASK_ID_MAX + 32], e[ERR_LEN];
	const char *state = NULL;
	const cJSON *res = NULL;
	double v;
	cJSON *doc = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "/api/v1/tasks/%s", t->t_id);
	if (ref_call(d, "GET", path, NULL, &doc, err))
		return -1;
	if (json_get_string(doc, "state", JSON_REQUIRED, &state, e) == -1 ||
	    json_get_object(doc, "result", JSON_OPTIONAL, &res, e) == -1) {
		err_set(err, "GET %s: %s", path, e);
		goto out;
	}
	snprintf(t->t_status, sizeof(t->t_status), "%s", state);
	if (strcmp(state, "ok") == 0 || strcmp(state, "error") == 0) {
		t->t_done = 1;
		t->t_failed = strcmp(state, "error") == 0;
	}
	/* A live migration's result carries QEMU's own figures
	 * (query-migrate): downtime_ms, total_time_ms, transferred_bytes. */
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "progress")))
		t->t_progress = cJSON_GetObjectItemCaseSensitive(doc,
		    "progress")->valuedouble;
	if (res != NULL) {
		if (cJSON_GetObjectItemCaseSensitive(res, "downtime_ms") &&
		    json_get_double(res, "downtime_ms", JSON_OPTIONAL, &v,
		    e) == 0)
			t->t_downtime_ms = v;
		/* a snapshot's: the guest's pause (QEMU's STOP to RESUME) */
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(res,
		    "pause_ms")) && json_get_double(res, "pause_ms",
		    JSON_OPTIONAL, &v, e) == 0)
			t->t_downtime_ms = v;
		if (cJSON_GetObjectItemCaseSensitive(res, "total_time_ms") &&
		    json_get_double(res, "total_time_ms", JSON_OPTIONAL, &v,
		    e) == 0)
			t->t_total_s = v / 1000;
		if (cJSON_GetObjectItemCaseSensitive(res,
		    "transferred_bytes") && json_get_double(res,
		    "transferred_bytes", JSON_OPTIONAL, &v, e) == 0 && v >= 0)
			t->t_bytes = (uint64_t)v;
	}
	if (t->t_failed) {
		const char *msg = NULL;

		if (json_get_string(doc, "error", JSON_OPTIONAL, &msg, e) == 0 &&
		    msg)
			snprintf(t->t_status, sizeof(t->t_status), "%s", msg);
		/* netcfg_apply's words for a change it undid by itself */
		t->t_rolled_back = msg != NULL && strstr(msg, "rolled back") !=
		    NULL;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* HA resources (docs/ha.md): added with hvd's defaults (state started,
 * one restart, one relocation). */
static int
ref_ha_enable(struct driver *d, const char *vm, char *err)
{
	struct ref_req rq = { "POST", "/api/v1/ha/resources", NULL, NULL,
		NULL, 0 };

	rq.rq_body = cJSON_CreateObject();
	cJSON_AddStringToObject(rq.rq_body, "vm", vm);
	if (ref_send(d, &rq, err) == 0 ||
	    rq.rq_status == 409)	/* an HA resource already */
		return 0;
	return -1;
}

static int
ref_ha_disable(struct driver *d, const char *vm, char *err)
{
	char path[256];
	struct ref_req rq = { "DELETE", path, NULL, NULL, NULL, 0 };

	snprintf(path, sizeof(path), "/api/v1/ha/resources/%s", vm);
	if (ref_send(d, &rq, err) == 0 ||
	    rq.rq_status == 404)	/* not one (any more) */
		return 0;
	return -1;
}

/* A text file of this machine (at most 16 KiB) as a string, its first
 * line only with first_line; caller frees.  NULL with err. */
static char *
ref_file_text(const char *path, int first_line, char *err)
{
	char *buf = calloc(1, 16385);
	size_t n = 0;
	FILE *f;

	if (buf == NULL || (f = fopen(path, "r")) == NULL) {
		err_errno(err, "ref: %s", path);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 16384, f);
	fclose(f);
	buf[n] = '\0';
	if (first_line)
		buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

/* Host h's BMC as hvd's record of its node (PUT /api/v1/nodes/N/bmc):
 * the lab BMC's system is named after its host, and lab up writes its
 * certificate beside the password (docs/lab.md "BMCs"). */
static int
ref_bmc_record(struct driver *d, const struct drv_host *h, const char *pass,
    const char *ca, char *err)
{
	char path[256], url[256];
	cJSON *b = cJSON_CreateObject();

	snprintf(url, sizeof(url), "https://%s/redfish/v1/Systems/%s",
	    h->h_bmc_addr, h->h_name);
	cJSON_AddStringToObject(b, "url", url);
	cJSON_AddStringToObject(b, "user", ((struct ref *)d->d_priv)->env->
	    e_bmc_user);
	cJSON_AddStringToObject(b, "password", pass);
	cJSON_AddStringToObject(b, "ca", ca);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/bmc", h->h_name);
	return ref_call(d, "PUT", path, b, NULL, err);
}

/* The HA settings' fencing (docs/ha.md "Fencing modes"); for bmc and
 * both, every host's BMC first. */
static int
ref_ha_fencing(struct driver *d, const char *mode, char *err)
{
	const struct drv_env *env = ((struct ref *)d->d_priv)->env;
	char cert[4300], *pass = NULL, *ca = NULL, *slash;
	cJSON *b;
	size_t i;
	int rc = -1;

	if (strcmp(mode, "watchdog") != 0) {
		if (env->e_bmc_password_file == NULL || env->e_nhosts == 0 ||
		    env->e_hosts[0].h_bmc_addr[0] == '\0')
			return err_set(err, "ha_fencing %s: the lab has no "
			    "BMCs (bmc: in its topology)", mode),
			    DRIVER_UNSUPPORTED;
		snprintf(cert, sizeof(cert), "%s", env->e_bmc_password_file);
		if ((slash = strrchr(cert, '/')) != NULL)
			snprintf(slash + 1, sizeof(cert) - (size_t)(slash + 1 -
			    cert), "cert.pem");
		if ((pass = ref_file_text(env->e_bmc_password_file, 1,
		    err)) == NULL || (ca = ref_file_text(cert, 0, err)) == NULL)
			goto out;
		for (i = 0; i < env->e_nhosts; i++)
			if (ref_bmc_record(d, &env->e_hosts[i], pass, ca,
			    err) != 0)
				goto out;
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "fencing", mode);
	rc = ref_call(d, "PUT", "/api/v1/ha/settings", b, NULL, err);
out:
	free(pass);
	free(ca);
	return rc;
}

/* hvd's words for its recovery steps (platform/ha.c, docs/ha.md). */
static enum drv_ha_step
ref_ha_step(const char *ev)
{
	static const struct {
		const char *w;
		enum drv_ha_step s;
	} map[] = {
		{ "lease-expired", DRV_HA_DETECTED },
		{ "fenced", DRV_HA_FENCED },
		{ "bmc-fenced", DRV_HA_FENCED },
		{ "claimed", DRV_HA_RESTART },
		{ "running", DRV_HA_STARTED },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].w, ev) == 0)
			return map[i].s;
	return DRV_HA_OTHER;
}

static int
ref_ha_status(struct driver *d, const char *vm, struct drv_ha_status *hs,
    char *err)
{
	const cJSON *m, *set, *res, *o, *log, *ev, *x;
	cJSON *doc = NULL;
	const char *s;

	memset(hs, 0, sizeof(*hs));
	hs->hs_fence_s = -1;
	if (ref_call(d, "GET", "/api/v1/ha", NULL, &doc, err) == -1)
		return -1;
	m = cJSON_GetObjectItemCaseSensitive(doc, "manager");
	if (cJSON_IsObject(m) && (s = json_str(m, "node")) != NULL)
		snprintf(hs->hs_manager, sizeof(hs->hs_manager), "%s", s);
	set = cJSON_GetObjectItemCaseSensitive(doc, "settings");
	x = cJSON_GetObjectItemCaseSensitive(set, "fence_s");
	if (cJSON_IsNumber(x) && x->valuedouble > 0)
		hs->hs_fence_s = x->valuedouble;
	res = cJSON_GetObjectItemCaseSensitive(doc, "resources");
	if (!cJSON_IsArray(res)) {
		cJSON_Delete(doc);
		return err_set(err, "GET /api/v1/ha: no 'resources' array");
	}
	cJSON_ArrayForEach(o, res) {
		if (vm == NULL || (s = json_str(o, "vm")) == NULL ||
		    strcmp(s, vm) != 0)
			continue;
		hs->hs_found = 1;
		if ((s = json_str(o, "status")) != NULL) {
			snprintf(hs->hs_state, sizeof(hs->hs_state), "%s", s);
			hs->hs_running = strcmp(s, "started") == 0;
		}
		if ((s = json_str(o, "node")) != NULL && strcmp(s, "-") != 0)
			snprintf(hs->hs_node, sizeof(hs->hs_node), "%s", s);
		log = cJSON_GetObjectItemCaseSensitive(o, "log");
		cJSON_ArrayForEach(ev, log) {
			struct drv_ha_event *he;
			const char *w = json_str(ev, "ev"), *t = json_str(ev,
			    "t");
			uint64_t ns;

			if (w == NULL || drv_parse_utc(t, &ns) == -1 ||
			    hs->hs_nevents == DRV_HA_EVENTS_MAX)
				continue;
			he = &hs->hs_events[hs->hs_nevents++];
			he->he_step = ref_ha_step(w);
			snprintf(he->he_word, sizeof(he->he_word), "%s", w);
			he->he_wall_ns = ns;
			/* lease-expired names the lost node, claimed its
			 * target, running/start-queued where it runs */
			if ((s = json_str(ev, "node")) != NULL ||
			    (s = json_str(ev, "target")) != NULL)
				snprintf(he->he_node, sizeof(he->he_node),
				    "%s", s);
		}
	}
	cJSON_Delete(doc);
	return 0;
}

/* ---- the failure drills' reads and acts (docs/scenarios.md) ---- */

static int
ref_vm_migrate_capped(struct driver *d, const char *vm, const char *to,
    uint64_t bytes_per_s, struct drv_task *t, char *err)
{
	cJSON *b = cJSON_CreateObject(), *prm;

	cJSON_AddStringToObject(b, "target", to);
	cJSON_AddBoolToObject(b, "live", 1);
	prm = cJSON_AddObjectToObject(b, "params");
	cJSON_AddNumberToObject(prm, "max_bandwidth", (double)bytes_per_s);
	return ref_vm_action(d, vm, "migrate", b, t, err);
}

/*
 * 1 when the answer of etcd's /v3/maintenance/status says the member
 * that gave it leads (header.member_id equals leader: both uint64s as
 * strings), 0 when not, -1 when it is not such an answer.
 */
int
ref_leader_parse(const char *text)
{
	const cJSON *h, *id, *ld;
	char e[ERR_LEN];
	cJSON *doc;
	int r = -1;

	if ((doc = json_parse_buf(text, strlen(text), e)) == NULL)
		return -1;
	h = cJSON_GetObjectItemCaseSensitive(doc, "header");
	id = cJSON_GetObjectItemCaseSensitive(h, "member_id");
	ld = cJSON_GetObjectItemCaseSensitive(doc, "leader");
	if (cJSON_IsString(id) && cJSON_IsString(ld))
		r = strcmp(id->valuestring, ld->valuestring) == 0;
	cJSON_Delete(doc);
	return r;
}

/* The host whose etcd member leads, asked at each host's console (hvd's
 * API does not say; the member listens on the host's loopback and takes
 * only the cluster's certificates: the node's own, in hvd's default
 * tls_dir). */
static int
ref_store_leader(struct driver *d, char *host, size_t len, char *err)
{
	const struct drv_env *env = ((struct ref *)d->d_priv)->env;
	const char *argv[] = { "curl", "-s", "-m", "5", "--cacert",
	    "/etc/hvd/tls/ca.pem", "--cert", "/etc/hvd/tls/node.pem", "--key",
	    "/etc/hvd/tls/node.key", "-X", "POST", "-d", "{}",
	    "https://127.0.0.1:2379/v3/maintenance/status", NULL };
	char e[ERR_LEN] = "no host answered";
	size_t i;

	for (i = 0; i < env->e_nhosts; i++) {
		char *out = NULL;
		int r;

		if (ref_console(d, env->e_hosts[i].h_name, argv, &out, 10000,
		    e) == -1) {
			free(out);
			continue;
		}
		r = out != NULL ? ref_leader_parse(out) : -1;
		free(out);
		if (r == 1) {
			snprintf(host, len, "%s", env->e_hosts[i].h_name);
			return 0;
		}
	}
	return err_set(err, "ref: no host's etcd member says it leads (%s)",
	    e);
}

/* hvd's pid from its own pid file, checked against /proc/PID/comm (a
 * stale file may name another process), then SIGKILL. */
static int
ref_daemon_kill(struct driver *d, const char *host, char *err)
{
	const char *argv[] = { "sh", "-c", "p=$(cat /run/hvd/hvd.pid) && "
	    "[ \"$(cat /proc/$p/comm)\" = hvd ] && kill -KILL $p && echo $p",
	    NULL };
	char *out = NULL;
	int rc;

	rc = ref_console(d, host, argv, &out, 10000, err);
	if (rc == 0)
		log_debug("ref: %s: hvd pid %s killed", host, out ? out : "?");
	free(out);
	return rc == 0 ? 0 : err_prefix(err, "ref: %s: kill hvd by "
	    "/run/hvd/hvd.pid", host);
}

/* As ref_host_install starts it; it answers on its socket again. */
static int
ref_daemon_start(struct driver *d, const char *host, char *err)
{
	const char *start_argv[] = { "sh", "-c", "setsid " HVD_SBIN "/hvd -c "
	    "/etc/hvd/hvd.conf </dev/null >>/var/log/hvd.log 2>&1 &", NULL };
	uint64_t deadline = clock_mono_ns() + 60 * NS_PER_S;
	char e[ERR_LEN];
	cJSON *ver = NULL;

	if (ref_console(d, host, start_argv, NULL, 30000, err) == -1)
		return err_prefix(err, "ref: start hvd on %s", host);
	while (ref_local_api(d, host, "GET /api/v1/version", NULL, &ver,
	    e) == -1) {
		if (clock_mono_ns() > deadline)
			return err_set(err, "ref: %s: hvd does not answer on "
			    "its socket 60 s after its start: %s", host, e);
		clock_sleep_ns(200 * NS_PER_MS);
	}
	cJSON_Delete(ver);
	return 0;
}

int
ref_fences_parse(const char *text, struct drv_fence **f, size_t *n)
{
	const char *l = text, *nl, *m, *k;
	char ts[40], vm[DRV_NAME_MAX];
	struct drv_fence *a = NULL, *na;
	size_t cap = 0;

	*f = NULL;
	*n = 0;
	for (; l != NULL && *l != '\0'; l = nl ? nl + 1 : NULL) {
		uint64_t w;

		nl = strchr(l, '\n');
		/* a failed kill ("pid P: kill: ...") fenced nothing */
		if ((m = strstr(l, " FENCE vm ")) == NULL ||
		    (nl != NULL && m > nl) || (k = strstr(m, " killed ")) ==
		    NULL || (nl != NULL && k > nl) ||
		    sscanf(l, "%39s", ts) != 1 || sscanf(m + 10, "%63s",
		    vm) != 1 || drv_parse_utc(ts, &w) == -1)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL)
				break;
			a = na;
		}
		snprintf(a[*n].f_vm, sizeof(a[*n].f_vm), "%s", vm);
		a[*n].f_wall_ns = w;
		(*n)++;
	}
	*f = a;
	return 0;
}

/* The QEMU of vm by hvd's pid file for it, checked against its command
 * line (hvd names it guest=VM), then SIGKILL. */
static int
ref_vm_crash(struct driver *d, const char *host, const char *vm, char *err)
{
	char script[512];
	const char *argv[] = { "sh", "-c", script, NULL };

	if (strspn(vm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_") != strlen(vm))
		return err_set(err, "ref: VM name '%s' is not a plain name", vm);
	snprintf(script, sizeof(script), "p=$(cat /run/hvd/vms/%s/qemu.pid) "
	    "&& tr '\\0' ' ' </proc/$p/cmdline | grep -q 'guest=%s,' && "
	    "kill -KILL $p", vm, vm);
	if (ref_console(d, host, argv, NULL, 10000, err) == -1)
		return err_prefix(err, "ref: %s: kill the QEMU of %s", host, vm);
	return 0;
}

/* The end of hvd's log (/var/log, kept across power cycles) and of this
 * boot's hvd-watchdog log. */
static int
ref_daemon_log(struct driver *d, const char *host, char **out, char *err)
{
	const char *argv[] = { "sh", "-c", "tail -n 400 /var/log/hvd.log; "
	    "echo '--- /run/hvd/hvd-watchdog.log'; "
	    "tail -n 100 /run/hvd/hvd-watchdog.log 2>/dev/null; true", NULL };

	*out = NULL;
	if (ref_console(d, host, argv, out, 10000, err) == -1)
		return err_prefix(err, "ref: %s: hvd's log", host);
	return 0;
}

/* hvd-watchdog's log of this boot (RUN_DIR is private to a boot). */
static int
ref_fences(struct driver *d, const char *host, struct drv_fence **f,
    size_t *n, char *err)
{
	const char *argv[] = { "sh", "-c", "cat /run/hvd/hvd-watchdog.log "
	    "2>/dev/null; true", NULL };
	char *out = NULL;

	*f = NULL;
	*n = 0;
	if (ref_console(d, host, argv, &out, 10000, err) == -1) {
		free(out);
		return err_prefix(err, "ref: %s: the watchdog's log", host);
	}
	ref_fences_parse(out ? out : "", f, n);
	free(out);
	return 0;
}

static const struct drv_reason ref_reasons[] = {
	{ "containers", "hvd runs no containers yet (later issue)" },
	{ NULL, NULL }
};

/* Bond mode of the host's bond0 through hvd's network API, LACP active
 * and fast like the lab's switch, rebalancing every second
 * (docs/bonding.md). */
static int
ref_bond_set(struct driver *d, const char *host, const char *mode,
    struct drv_task *t, char *err)
{
	char path[256];
	cJSON *b = cJSON_CreateObject(), *ch;

	ch = cJSON_AddObjectToObject(b, "change");
	cJSON_AddStringToObject(ch, "kind", "bond-mode");
	cJSON_AddStringToObject(ch, "port", "bond0");
	cJSON_AddStringToObject(ch, "bond_mode", mode);
	cJSON_AddStringToObject(ch, "lacp", "active");
	cJSON_AddStringToObject(ch, "lacp_time", "fast");
	/* Flows move between members every second, not OVS's 10 s: new
	 * flows otherwise share one member until the next rebalance
	 * (docs/bonding.md). */
	cJSON_AddNumberToObject(ch, "rebalance_ms", 1000);
	snprintf(path, sizeof(path), "/api/v1/nodes/%s/network", host);
	return ref_task(d, "POST", path, b, t, err);
}

/* hvd's bond0 as OVS shows it (driver.c). */
static int
ref_bond_members(struct driver *d, const char *host, int *enabled,
    int *disabled, char *err)
{
	return drv_ovs_bond_members(d, ref_console, host, enabled, disabled,
	    err);
}

/* hvd's bond0 capped per member (driver.c). */
static int
ref_bond_cap(struct driver *d, const char *host, int rate_mbit, char *err)
{
	return drv_ovs_bond_cap(d, ref_console, host, rate_mbit, err);
}

const struct driver_ops ref_driver_ops = {
	.name = "ref",
	.unsupported_reason = "not in hvd yet",
	.reasons = ref_reasons,
	.mgmt_port = "mgmt",		/* hvd's management port */
	.open = ref_open,
	.close = ref_close,
	.host_install = ref_host_install,
	.cluster_form = ref_cluster_form,
	.cluster_info = ref_cluster_info,
	.node_info = ref_node_info,
	.platform_version = ref_platform_version,
	.storage_attach = ref_storage_attach,
	.storage_check = ref_storage_check,
	.network_apply = NULL,		/* hvd has no named networks: VLANs
					 * are tags on the ports */
	.net_ports = ref_net_ports,
	.net_port_vlan = ref_net_port_vlan,
	.net_port_vlan_console = ref_net_port_vlan_console,
	.vm_create = ref_vm_create,
	.vm_start = ref_vm_start,
	.vm_stop = ref_vm_stop,
	.vm_delete = ref_vm_delete,
	.vm_info = ref_vm_info,
	.vm_migrate = ref_vm_migrate,
	.snapshot_create = ref_snapshot_create,
	.snapshot_rollback = ref_snapshot_rollback,
	.snapshot_delete = ref_snapshot_delete,
	.clone = ref_clone,
	.template_make = ref_template_make,
	.vm_disk = ref_vm_disk,
	.backup = ref_backup,
	.restore = ref_restore,
	.backup_delete = ref_backup_delete,
	.backup_job_create = ref_backup_job_create,
	.backup_job_status = ref_backup_job_status,
	.backup_job_delete = ref_backup_job_delete,
	.vm_export = ref_vm_export,
	.vm_import = ref_vm_import,
	.balance_set = ref_balance_set,
	.bond_set = ref_bond_set,
	.bond_members = ref_bond_members,
	.bond_cap = ref_bond_cap,
	.ha_enable = ref_ha_enable,
	.ha_disable = ref_ha_disable,
	.ha_status = ref_ha_status,
	.ha_fencing = ref_ha_fencing,
	.task_status = ref_task_status,
	.vm_migrate_capped = ref_vm_migrate_capped,
	.store_leader = ref_store_leader,
	.daemon_kill = ref_daemon_kill,
	.daemon_start = ref_daemon_start,
	.fences = ref_fences,
	.vm_crash = ref_vm_crash,
	.daemon_log = ref_daemon_log,
	.metrics = ref_metrics,
	.vm_cpu = ref_vm_cpu,
	.prom = ref_prom,
};
