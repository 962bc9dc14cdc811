/*
 * check_json.c - type-checked cJSON getters, strict parsing, members
 * named twice, atomic writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_suites.h"
#include "err.h"
#include "json.h"

static const char doc_text[] =
    "{\"name\":\"vm1\",\"vcpus\":2,\"ratio\":0.5,\"ha\":true,"
    "\"disks\":[1],\"net\":{\"vlan\":10},\"frac\":1.5,\"big\":1e300,"
    "\"nothing\":null}";

START_TEST(test_getters_right_types)
{
	char err[ERR_LEN];
	cJSON *doc = json_parse_buf(doc_text, strlen(doc_text), err);
	const char *name = NULL;
	int64_t vcpus = 0;
	double ratio = 0;
	int ha = 0;
	const cJSON *a = NULL, *o = NULL;

	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_get_string(doc, "name", JSON_REQUIRED, &name, err), 0);
	ck_assert_str_eq(name, "vm1");
	ck_assert_int_eq(json_get_int(doc, "vcpus", JSON_REQUIRED, &vcpus, err), 0);
	ck_assert_int_eq(vcpus, 2);
	ck_assert_int_eq(json_get_double(doc, "ratio", JSON_REQUIRED, &ratio, err), 0);
	ck_assert_msg(ratio == 0.5, "doubles are read");
	ck_assert_int_eq(json_get_bool(doc, "ha", JSON_REQUIRED, &ha, err), 0);
	ck_assert_int_eq(ha, 1);
	ck_assert_int_eq(json_get_array(doc, "disks", JSON_REQUIRED, &a, err), 0);
	ck_assert_int_eq(json_get_object(doc, "net", JSON_REQUIRED, &o, err), 0);
	cJSON_Delete(doc);
}
END_TEST

static const struct {
	const char *key;
	int kind;		/* 0 string 1 int 2 bool 3 object 4 array 5 double */
	const char *msg;
} wrong[] = {
	{ "vcpus", 0, "'vcpus' must be a string" },
	{ "name", 1, "'name' must be an integer" },
	{ "frac", 1, "'frac' must be an integer" },
	{ "big", 1, "'big' must be an integer" },
	{ "vcpus", 2, "'vcpus' must be true or false" },
	{ "disks", 3, "'disks' must be an object" },
	{ "net", 4, "'net' must be an array" },
	{ "name", 5, "'name' must be a number" },
	{ "missing", 0, "'missing' is required" },
	{ "nothing", 1, "'nothing' is required" },
};

START_TEST(test_getters_wrong_types)
{
	char err[ERR_LEN] = "";
	cJSON *doc = json_parse_buf(doc_text, strlen(doc_text), err);
	const char *s = "untouched";
	int64_t i = 7;
	int b = 7;
	double d = 7;
	const cJSON *j = NULL;
	int rc = 0;

	switch (wrong[_i].kind) {
	case 0: rc = json_get_string(doc, wrong[_i].key, JSON_REQUIRED, &s, err); break;
	case 1: rc = json_get_int(doc, wrong[_i].key, JSON_REQUIRED, &i, err); break;
	case 2: rc = json_get_bool(doc, wrong[_i].key, JSON_REQUIRED, &b, err); break;
	case 3: rc = json_get_object(doc, wrong[_i].key, JSON_REQUIRED, &j, err); break;
	case 4: rc = json_get_array(doc, wrong[_i].key, JSON_REQUIRED, &j, err); break;
	case 5: rc = json_get_double(doc, wrong[_i].key, JSON_REQUIRED, &d, err); break;
	}
	ck_assert_msg(rc == -1, "a wrong type is an error, not a value");
	ck_assert_msg(strcmp(err, wrong[_i].msg) == 0,
	    "message names the member: want '%s', got '%s'", wrong[_i].msg, err);
	ck_assert_msg(strcmp(s, "untouched") == 0 && i == 7 && b == 7 && d == 7,
	    "outputs are untouched on error");
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_optional_keeps_default)
{
	char err[ERR_LEN];
	cJSON *doc = json_parse_buf(doc_text, strlen(doc_text), err);
	int64_t mem = 128;

	ck_assert_int_eq(json_get_int(doc, "memory", JSON_OPTIONAL, &mem, err), 0);
	ck_assert_msg(mem == 128, "an absent optional member keeps the default");
	ck_assert_int_eq(json_get_int(doc, "nothing", JSON_OPTIONAL, &mem, err), 0);
	ck_assert_msg(mem == 128, "a null optional member keeps the default");
	ck_assert_int_eq(json_get_int(doc, "name", JSON_OPTIONAL, &mem, err), -1);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_check_keys)
{
	static const char *const allowed[] = { "name", "vcpus", NULL };
	char err[ERR_LEN];
	const char *bad = NULL;
	static const char t1[] = "{\"name\":\"a\",\"vcpus\":1}";
	static const char t2[] = "{\"name\":\"a\",\"memroy\":1}";
	cJSON *doc = json_parse_buf(t1, strlen(t1), err);
	cJSON *doc2 = json_parse_buf(t2, strlen(t2), err);

	ck_assert_ptr_nonnull(doc);
	ck_assert_ptr_nonnull(doc2);
	ck_assert_int_eq(json_check_keys(doc, allowed, &bad, err), 0);
	ck_assert_int_eq(json_check_keys(doc2, allowed, &bad, err), -1);
	ck_assert_str_eq(bad, "memroy");
	ck_assert_str_eq(err, "unknown field 'memroy'");
	cJSON_Delete(doc);
	cJSON_Delete(doc2);
}
END_TEST

static const char *const bad_docs[] = {
	"{\"a\":", "{\"a\":1} x", "[1,2", "nul", "{\"a\":1}{}", "",
};

START_TEST(test_parse_rejects)
{
	char err[ERR_LEN] = "";
	cJSON *doc = json_parse_buf(bad_docs[_i], strlen(bad_docs[_i]), err);

	ck_assert_msg(doc == NULL, "'%s' is not accepted", bad_docs[_i]);
	ck_assert_msg(strstr(err, "JSON") != NULL,
	    "the error says what is wrong: '%s'", err);
	cJSON_Delete(doc);
}
END_TEST

START_TEST(test_parse_rejects_embedded_nul)
{
	char err[ERR_LEN];
	const char text[] = "{\"a\":1}\0{}";

	ck_assert_ptr_null(json_parse_buf(text, sizeof(text) - 1, err));
	ck_assert_str_eq(err, "invalid JSON: NUL byte at byte 7");
}
END_TEST

START_TEST(test_file_roundtrip_and_limit)
{
	char dir[] = "/tmp/hvlab-check-json-XXXXXX", path[256], err[ERR_LEN];
	cJSON *doc, *back;
	int64_t v = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.json", dir);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "downtime_ms", 41);
	ck_assert_int_eq(json_write_file(path, doc, err), 0);
	back = json_parse_file(path, 0, err);
	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(json_get_int(back, "downtime_ms", JSON_REQUIRED, &v, err), 0);
	ck_assert_int_eq(v, 41);
	cJSON_Delete(back);
	ck_assert_msg(json_parse_file(path, 4, err) == NULL,
	    "a file over the size limit is refused");
	ck_assert_msg(strstr(err, "larger than 4 bytes") != NULL, "got '%s'", err);
	unlink(path);
	ck_assert_msg(json_parse_file(path, 0, err) == NULL, "a missing file fails");
	ck_assert_msg(strstr(err, "No such file") != NULL, "got '%s'", err);
	rmdir(dir);
	cJSON_Delete(doc);
}
END_TEST

static const struct {
	const char *doc, *path;	/* path NULL: no duplicate */
} dups[] = {
	{ "{\"a\": 1, \"b\": 2}", NULL },
	{ "{\"a\": 1, \"a\": 2}", "a" },
	{ "{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}}", NULL },
	{ "{\"n\": {\"n1\": 1, \"n2\": 2, \"n1\": 3}}", "n.n1" },
	{ "{\"disks\": [{\"pool\": 1}, {\"pool\": 2, \"pool\": 3}]}",
	    "disks[1].pool" },
	{ "[[{\"\": 1, \"\": 2}]]", "[0][0]." },
	{ "{\"Role\": 1, \"role\": 2}", NULL },
};

START_TEST(test_find_duplicate)
{
	char err[ERR_LEN], path[64];
	cJSON *d = json_parse_buf(dups[_i].doc, strlen(dups[_i].doc), err);
	int found;

	ck_assert_msg(d != NULL, "%s", err);
	found = json_find_duplicate(d, path, sizeof(path));
	cJSON_Delete(d);
	if (dups[_i].path == NULL)
		ck_assert_msg(!found, "%s has no member named twice",
		    dups[_i].doc);
	else
		ck_assert_msg(found && strcmp(path, dups[_i].path) == 0,
		    "%s names %s twice: got %d '%s'", dups[_i].doc,
		    dups[_i].path, found, path);
}
END_TEST

/* 100000 distinct members and the same twice at the end: found, and a
 * path longer than the buffer is cut, not overrun. */
START_TEST(test_find_duplicate_large)
{
	cJSON *o = cJSON_CreateObject(), *deep = o;
	char k[32], path[8];
	int i;

	for (i = 0; i < 100000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		cJSON_AddNumberToObject(o, k, i);
	}
	ck_assert(!json_find_duplicate(o, path, sizeof(path)));
	for (i = 0; i < 5; i++)
		deep = cJSON_AddObjectToObject(deep, "level");
	cJSON_AddNumberToObject(deep, "x", 1);
	cJSON_AddNumberToObject(deep, "x", 2);
	ck_assert_msg(json_find_duplicate(o, path, sizeof(path)) &&
	    strlen(path) == sizeof(path) - 1, "a deep duplicate is found, "
	    "its path cut to the buffer: '%s'", path);
	cJSON_Delete(o);
}
END_TEST

Suite *
make_json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_getters_right_types);
	tcase_add_loop_test(tc, test_getters_wrong_types, 0,
	    (int)(sizeof(wrong) / sizeof(wrong[0])));
	tcase_add_test(tc, test_optional_keeps_default);
	tcase_add_test(tc, test_check_keys);
	tcase_add_loop_test(tc, test_parse_rejects, 0,
	    (int)(sizeof(bad_docs) / sizeof(bad_docs[0])));
	tcase_add_test(tc, test_parse_rejects_embedded_nul);
	tcase_add_test(tc, test_file_roundtrip_and_limit);
	tcase_add_loop_test(tc, test_find_duplicate, 0,
	    (int)(sizeof(dups) / sizeof(dups[0])));
	tcase_add_test(tc, test_find_duplicate_large);
	suite_add_tcase(s, tc);
	return s;
}
