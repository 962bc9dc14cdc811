/*
 * json.h - type-checked access to cJSON documents.
 *
 * Every message from outside (REST bodies, QMP, etcd, results files) is
 * read through these getters: a missing required member or a member of the
 * wrong type is an error message naming the member, never a crash.
 */
#ifndef HV_JSON_H
#define HV_JSON_H

#include <stdint.h>
#include <cjson/cJSON.h>

/* flags for the getters */
#define JSON_OPTIONAL 0
#define JSON_REQUIRED 1

/*
 * Getters: look up member KEY of OBJ (which must be an object).
 * Absent and JSON_OPTIONAL: return 0 and leave *out untouched (so the
 * caller's default stays).  Absent and JSON_REQUIRED, or present with the
 * wrong type or out of range: return -1, err = "'KEY' must be a string".
 * Strings returned point into the cJSON tree (not copied).
 */
int json_get_string(const cJSON *obj, const char *key, int flags,
    const char **out, char *err);
int json_get_int(const cJSON *obj, const char *key, int flags,
    int64_t *out, char *err);	/* integral numbers only */
int json_get_double(const cJSON *obj, const char *key, int flags,
    double *out, char *err);
int json_get_bool(const cJSON *obj, const char *key, int flags,
    int *out, char *err);
int json_get_object(const cJSON *obj, const char *key, int flags,
    const cJSON **out, char *err);
int json_get_array(const cJSON *obj, const char *key, int flags,
    const cJSON **out, char *err);

/* Fail when OBJ has a member not in the NULL-terminated list ALLOWED:
 * err = "unknown field 'KEY'", and *bad (if not NULL) = that key. */
int json_check_keys(const cJSON *obj, const char *const allowed[],
    const char **bad, char *err);

/*
 * A member named twice in one object anywhere in doc, as a path ("role",
 * "nodes.n1", "disks[0].pool") into path (len bytes).  1 found, 0 none.
 * cJSON keeps both members (lookups take the first); callers refuse
 * such documents rather than guess.  O(n log n) in the members.
 */
int json_find_duplicate(const cJSON *doc, char *path, size_t len);

/* Parse a string of LEN bytes; NULL with err = "invalid JSON at byte N". */
cJSON *json_parse_buf(const char *buf, size_t len, char *err);
/* Read and parse a file (at most max_bytes; 0 = 64 MiB). */
cJSON *json_parse_file(const char *path, size_t max_bytes, char *err);
/* Write formatted JSON to PATH atomically (tmp file + rename). */
int json_write_file(const char *path, const cJSON *doc, char *err);

#endif
