/*
 * json.c - type-checked getters over cJSON, strict parsing, atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "json.h"

/* Look up key; 1 found, 0 absent-and-optional, -1 error. */
static int
json_member(const cJSON *obj, const char *key, int flags, const cJSON **out,
    char *err)
{
	const cJSON *v;

	if (!cJSON_IsObject(obj))
		return err_set(err, "expected an object holding '%s'", key);
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v == NULL || cJSON_IsNull(v)) {
		if (flags & JSON_REQUIRED)
			return err_set(err, "'%s' is required", key);
		return 0;
	}
	*out = v;
	return 1;
}

int
json_get_string(const cJSON *obj, const char *key, int flags,
    const char **out, char *err)
{
	const cJSON *v;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return err_set(err, "'%s' must be a string", key);
	*out = v->valuestring;
	return 0;
}

int
json_get_int(const cJSON *obj, const char *key, int flags, int64_t *out,
    char *err)
{
	const cJSON *v;
	double d;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsNumber(v))
		return err_set(err, "'%s' must be an integer", key);
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < -9007199254740992.0 ||
	    d > 9007199254740992.0)
		return err_set(err, "'%s' must be an integer", key);
	*out = (int64_t)d;
	return 0;
}

int
json_get_double(const cJSON *obj, const char *key, int flags, double *out,
    char *err)
{
	const cJSON *v;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return err_set(err, "'%s' must be a number", key);
	*out = v->valuedouble;
	return 0;
}

int
json_get_bool(const cJSON *obj, const char *key, int flags, int *out,
    char *err)
{
	const cJSON *v;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsBool(v))
		return err_set(err, "'%s' must be true or false", key);
	*out = cJSON_IsTrue(v);
	return 0;
}

int
json_get_object(const cJSON *obj, const char *key, int flags,
    const cJSON **out, char *err)
{
	const cJSON *v;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsObject(v))
		return err_set(err, "'%s' must be an object", key);
	*out = v;
	return 0;
}

int
json_get_array(const cJSON *obj, const char *key, int flags,
    const cJSON **out, char *err)
{
	const cJSON *v;
	int r;

	if ((r = json_member(obj, key, flags, &v, err)) <= 0)
		return r;
	if (!cJSON_IsArray(v))
		return err_set(err, "'%s' must be an array", key);
	*out = v;
	return 0;
}

int
json_check_keys(const cJSON *obj, const char *const allowed[],
    const char **bad, char *err)
{
	const cJSON *v;
	int i;

	if (!cJSON_IsObject(obj))
		return err_set(err, "expected a JSON object");
	cJSON_ArrayForEach(v, obj) {
		for (i = 0; allowed[i] != NULL; i++)
			if (v->string != NULL && strcmp(v->string, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			if (bad != NULL)
				*bad = v->string;
			return err_set(err, "unknown field '%s'",
			    v->string ? v->string : "");
		}
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A name that two of object o's members share, or NULL. */
static const char *
dup_member(const cJSON *o)
{
	const cJSON *it;
	const char **names, *dup = NULL;
	size_t n = 0, i = 0;

	cJSON_ArrayForEach(it, o)
		n++;
	if (n < 2 || (names = malloc(n * sizeof(*names))) == NULL)
		return NULL;
	cJSON_ArrayForEach(it, o)
		names[i++] = it->string ? it->string : "";
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(names[i - 1], names[i]) == 0)
			dup = names[i];
	free(names);
	return dup;
}

/* Depth-first search below v, whose path is path[0..at). */
static int
find_dup(const cJSON *v, char *path, size_t len, size_t at)
{
	const cJSON *it;
	const char *d;
	size_t next;
	int w, i = 0;

	if (cJSON_IsObject(v) && (d = dup_member(v)) != NULL) {
		snprintf(path + at, len - at, "%s%s", at ? "." : "", d);
		return 1;
	}
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(it, v) {
		if (cJSON_IsObject(v))
			w = snprintf(path + at, len - at, "%s%s", at ? "." : "",
			    it->string ? it->string : "");
		else
			w = snprintf(path + at, len - at, "[%d]", i++);
		/* A path too long for the buffer is cut, never the search. */
		next = w > 0 && at + (size_t)w < len ? at + (size_t)w : len - 1;
		if (find_dup(it, path, len, next))
			return 1;
	}
	path[at] = '\0';
	return 0;
}

int
json_find_duplicate(const cJSON *doc, char *path, size_t len)
{
	if (len == 0)
		return 0;
	path[0] = '\0';
	return find_dup(doc, path, len, 0);
}

cJSON *
json_parse_buf(const char *buf, size_t len, char *err)
{
	const char *end = NULL;
	cJSON *doc;

	if (buf == NULL || len == 0) {
		err_set(err, "empty JSON document");
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		err_set(err, "invalid JSON: NUL byte at byte %zu",
		    (size_t)((const char *)memchr(buf, '\0', len) - buf));
		return NULL;
	}
	doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (doc == NULL) {
		err_set(err, "invalid JSON at byte %zu",
		    end != NULL && end >= buf ? (size_t)(end - buf) : (size_t)0);
		return NULL;
	}
	/* Only whitespace may follow the document. */
	while (end != NULL && (size_t)(end - buf) < len &&
	    (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != NULL && (size_t)(end - buf) < len) {
		err_set(err, "invalid JSON: trailing data at byte %zu",
		    (size_t)(end - buf));
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

cJSON *
json_parse_file(const char *path, size_t max_bytes, char *err)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	cJSON *doc = NULL;

	if (max_bytes == 0)
		max_bytes = 64u << 20;
	if ((f = fopen(path, "r")) == NULL) {
		err_errno(err, "%s", path);
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				err_errno(err, "%s", path);
				goto done;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > max_bytes) {
			err_set(err, "%s: larger than %zu bytes", path,
			    max_bytes);
			goto done;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		err_errno(err, "%s: read", path);
		goto done;
	}
	if ((doc = json_parse_buf(buf, len, err)) == NULL)
		err_prefix(err, "%s", path);
done:
	free(buf);
	fclose(f);
	return doc;
}

int
json_write_file(const char *path, const cJSON *doc, char *err)
{
	char tmp[4096];
	char *text;
	FILE *f;
	int rc = -1;

	if ((text = cJSON_Print(doc)) == NULL)
		return err_set(err, "%s: cannot format JSON", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		err_errno(err, "%s", tmp);
		goto done;
	}
	if (fputs(text, f) == EOF || fputc('\n', f) == EOF ||
	    fflush(f) == EOF || fsync(fileno(f)) == -1) {
		err_errno(err, "%s: write", tmp);
		fclose(f);
		unlink(tmp);
		goto done;
	}
	if (fclose(f) == EOF) {
		err_errno(err, "%s: close", tmp);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, path) == -1) {
		err_errno(err, "rename %s to %s", tmp, path);
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(text);
	return rc;
}
