/*
 * task.c - tasks in etcd, each run by a detached thread (task.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/task.h"

struct task {
	struct etcd	*t_etcd;
	char		 t_id[TASK_ID_LEN];
	char		 t_key[TASK_ID_LEN + 16];
	pthread_mutex_t	 t_mu;
	cJSON		*t_doc;		/* the record written to etcd */
	task_fn		 t_fn;
	void		*t_arg;
	void		(*t_free)(void *);
};

int
task_id_valid(const char *id)
{
	size_t i, n = strlen(id);

	if (n < 6 || n >= TASK_ID_LEN || strncmp(id, "UPID:", 5) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (id[i] <= ' ' || id[i] > '~' || id[i] == '/' ||
		    id[i] == '?' || id[i] == '#' || id[i] == '%')
			return 0;
	return 1;
}

void
task_make_id(char id[TASK_ID_LEN], const struct task_desc *d, unsigned pid,
    unsigned long start)
{
	snprintf(id, TASK_ID_LEN, "UPID:%.60s:%08X:%08lX:%.24s:%.60s:%.60s:",
	    d->td_node, pid, start, d->td_type, d->td_target, d->td_user);
}

static void
task_save(struct task *t)
{
	char err[ERR_LEN], *s;

	if ((s = cJSON_PrintUnformatted(t->t_doc)) == NULL)
		return;
	if (etcd_put(t->t_etcd, t->t_key, s, 0, err) != 0)
		log_warnx("task %s: %s", t->t_id, err);
	free(s);
}

static void
set_str(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddStringToObject(o, k, v);
}

static void
set_num(cJSON *o, const char *k, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	cJSON_AddNumberToObject(o, k, v);
}

void
task_log(struct task *t, const char *fmt, ...)
{
	char line[1024], ts[32];
	va_list ap;
	cJSON *log;
	int n;

	va_start(ap, fmt);
	n = snprintf(line, sizeof(line), "%s ",
	    (clock_format_wall(clock_wall_ns(), ts, sizeof(ts)), ts));
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&t->t_mu);
	log = cJSON_GetObjectItemCaseSensitive(t->t_doc, "log");
	while (cJSON_GetArraySize(log) >= TASK_LOG_MAX)
		cJSON_DeleteItemFromArray(log, 0);
	cJSON_AddItemToArray(log, cJSON_CreateString(line));
	task_save(t);
	pthread_mutex_unlock(&t->t_mu);
}

void
task_progress(struct task *t, double frac)
{
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	pthread_mutex_lock(&t->t_mu);
	set_num(t->t_doc, "progress", frac);
	task_save(t);
	pthread_mutex_unlock(&t->t_mu);
}

void
task_set_result(struct task *t, cJSON *result)
{
	pthread_mutex_lock(&t->t_mu);
	cJSON_DeleteItemFromObjectCaseSensitive(t->t_doc, "result");
	cJSON_AddItemToObject(t->t_doc, "result", result);
	pthread_mutex_unlock(&t->t_mu);
}

static void
task_free(struct task *t)
{
	if (t->t_free && t->t_arg)
		t->t_free(t->t_arg);
	cJSON_Delete(t->t_doc);
	pthread_mutex_destroy(&t->t_mu);
	free(t);
}

static void *
task_main(void *p)
{
	struct task *t = p;
	char err[ERR_LEN] = "", ts[32];
	int rc;

	pthread_mutex_lock(&t->t_mu);
	set_str(t->t_doc, "state", "running");
	task_save(t);
	pthread_mutex_unlock(&t->t_mu);
	rc = t->t_fn(t, t->t_arg, err);
	if (rc != 0)
		task_log(t, "error: %s", err);
	pthread_mutex_lock(&t->t_mu);
	set_str(t->t_doc, "state", rc == 0 ? "ok" : "error");
	if (rc != 0)
		set_str(t->t_doc, "error", err[0] ? err : "failed");
	else
		set_num(t->t_doc, "progress", 1);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	set_str(t->t_doc, "finished", ts);
	task_save(t);
	pthread_mutex_unlock(&t->t_mu);
	log_info("task %s: %s%s%s", t->t_id, rc == 0 ? "ok" : "error",
	    rc ? ": " : "", rc ? err : "");
	task_free(t);
	return NULL;
}

/* A fresh task struct for id with record doc (taken over). */
static struct task *
task_alloc(struct etcd *e, const char *id, cJSON *doc, task_fn fn, void *arg,
    void (*free_arg)(void *))
{
	struct task *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	pthread_mutex_init(&t->t_mu, NULL);
	t->t_etcd = e;
	t->t_fn = fn;
	t->t_arg = arg;
	t->t_free = free_arg;
	t->t_doc = doc;
	snprintf(t->t_id, sizeof(t->t_id), "%s", id);
	snprintf(t->t_key, sizeof(t->t_key), "%s%s", KEY_TASKS, id);
	return t;
}

int
task_create(struct etcd *e, const struct task_desc *d, char id[TASK_ID_LEN],
    char *err)
{
	static pthread_mutex_t seq_mu = PTHREAD_MUTEX_INITIALIZER;
	static unsigned long last;
	char ts[32], key[TASK_ID_LEN + 16], *s;
	unsigned long start;
	cJSON *doc;
	int rc;

	/* Ids must be unique: the start field is a per-process counter of
	 * seconds that never repeats. */
	pthread_mutex_lock(&seq_mu);
	start = (unsigned long)time(NULL);
	if (start <= last)
		start = last + 1;
	last = start;
	pthread_mutex_unlock(&seq_mu);
	task_make_id(id, d, (unsigned)getpid(), start);
	snprintf(key, sizeof(key), "%s%s", KEY_TASKS, id);
	doc = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(doc, "id", id);
	cJSON_AddStringToObject(doc, "node", d->td_node);
	cJSON_AddStringToObject(doc, "type", d->td_type);
	cJSON_AddStringToObject(doc, "target", d->td_target);
	cJSON_AddStringToObject(doc, "user", d->td_user);
	cJSON_AddStringToObject(doc, "state", "queued");
	cJSON_AddNumberToObject(doc, "progress", 0);
	cJSON_AddStringToObject(doc, "started", ts);
	cJSON_AddArrayToObject(doc, "log");
	s = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (s == NULL)
		return err_set(err, "task: out of memory");
	rc = etcd_create(e, key, s, 0, err);
	free(s);
	if (rc == 0)
		return err_set(err, "task %s exists", id);
	return rc == 1 ? 0 : -1;
}

int
task_run(struct etcd *e, const char *id, task_fn fn, void *arg,
    void (*free_arg)(void *), char *err)
{
	struct task *t;
	pthread_attr_t at;
	pthread_t th;
	cJSON *doc = NULL;
	int rc;

	if ((rc = task_get(e, id, &doc, err)) != 1) {
		if (rc == 0)
			err_set(err, "no task %s", id);
		if (free_arg && arg)
			free_arg(arg);
		return -1;
	}
	if ((t = task_alloc(e, id, doc, fn, arg, free_arg)) == NULL) {
		cJSON_Delete(doc);
		if (free_arg && arg)
			free_arg(arg);
		return err_errno(err, "task");
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&th, &at, task_main, t);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		errno = rc;
		err_errno(err, "task thread");
		task_free(t);
		return -1;
	}
	return 0;
}

int
task_fail(struct etcd *e, const char *id, const char *msg, char *err)
{
	cJSON *doc = NULL;
	char ts[32], key[TASK_ID_LEN + 16], *s;
	int rc;

	if ((rc = task_get(e, id, &doc, err)) != 1)
		return -1;
	set_str(doc, "state", "error");
	set_str(doc, "error", msg);
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	set_str(doc, "finished", ts);
	snprintf(key, sizeof(key), "%s%s", KEY_TASKS, id);
	s = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	rc = s ? etcd_put(e, key, s, 0, err) : -1;
	free(s);
	return rc;
}

int
task_get(struct etcd *e, const char *id, cJSON **out, char *err)
{
	char key[TASK_ID_LEN + 16];
	struct etcd_kv kv;
	int rc;

	*out = NULL;
	if (!task_id_valid(id))
		return 0;
	snprintf(key, sizeof(key), "%s%s", KEY_TASKS, id);
	if ((rc = etcd_get(e, key, &kv, err)) != 1)
		return rc;
	if ((*out = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL)
		rc = err_prefix(err, "task %s", id);
	etcd_kv_clear(&kv);
	return rc;
}

int
task_list(struct etcd *e, cJSON **out, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	cJSON *arr, *o;

	*out = NULL;
	if (etcd_list(e, KEY_TASKS, &kvs, &n, err) != 0)
		return -1;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL))
		    == NULL)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(o, "log");
		cJSON_AddItemToArray(arr, o);
	}
	etcd_kvs_free(kvs, n);
	*out = arr;
	return 0;
}

int
task_recover(struct etcd *e, const char *node, char *err)
{
	struct etcd_kv *kvs;
	size_t n, i;
	cJSON *o;
	const char *st, *nd;
	char *s;
	int count = 0;

	if (etcd_list(e, KEY_TASKS, &kvs, &n, err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL))
		    == NULL)
			continue;
		st = nd = "";
		json_get_string(o, "state", JSON_OPTIONAL, &st, NULL);
		json_get_string(o, "node", JSON_OPTIONAL, &nd, NULL);
		if (strcmp(nd, node) == 0 && (strcmp(st, "running") == 0 ||
		    strcmp(st, "queued") == 0)) {
			set_str(o, "state", "error");
			set_str(o, "error", "hvd restarted while the task ran");
			if ((s = cJSON_PrintUnformatted(o)) != NULL &&
			    etcd_cas(e, kvs[i].kv_key, s, kvs[i].kv_mod_rev,
			    NULL) == 1)
				count++;
			free(s);
		}
		cJSON_Delete(o);
	}
	etcd_kvs_free(kvs, n);
	return count;
}

struct ended {
	char	*e_key;
	char	 e_fin[32];
	int64_t	 e_rev;
};

static int
ended_cmp(const void *a, const void *b)
{
	const struct ended *x = a, *y = b;

	return strcmp(y->e_fin, x->e_fin);	/* newest first */
}

int
task_prune(struct etcd *e, const char *node, size_t keep, char *err)
{
	struct etcd_kv *kvs;
	struct ended *ev;
	size_t n, i, m = 0;
	const char *st, *nd, *fin;
	cJSON *o;
	int count = 0;

	if (etcd_list(e, KEY_TASKS, &kvs, &n, err) != 0)
		return -1;
	if ((ev = calloc(n ? n : 1, sizeof(*ev))) == NULL) {
		etcd_kvs_free(kvs, n);
		return err_errno(err, "task prune");
	}
	for (i = 0; i < n; i++) {
		if ((o = json_parse_buf(kvs[i].kv_val, kvs[i].kv_len, NULL)) ==
		    NULL)
			continue;
		st = nd = fin = "";
		json_get_string(o, "state", JSON_OPTIONAL, &st, NULL);
		json_get_string(o, "node", JSON_OPTIONAL, &nd, NULL);
		json_get_string(o, "finished", JSON_OPTIONAL, &fin, NULL);
		if (strcmp(nd, node) == 0 && (strcmp(st, "ok") == 0 ||
		    strcmp(st, "error") == 0)) {
			ev[m].e_key = kvs[i].kv_key;
			ev[m].e_rev = kvs[i].kv_mod_rev;
			snprintf(ev[m].e_fin, sizeof(ev[m].e_fin), "%s", fin);
			m++;
		}
		cJSON_Delete(o);
	}
	qsort(ev, m, sizeof(*ev), ended_cmp);
	for (i = keep; i < m; i++)
		if (etcd_delete_if(e, ev[i].e_key, ev[i].e_rev, NULL) == 1)
			count++;
	free(ev);
	etcd_kvs_free(kvs, n);
	return count;
}
