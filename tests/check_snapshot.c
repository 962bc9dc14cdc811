/*
 * check_snapshot.c - the checks on a snapshot request (platform/
 * snapshot.c): names, the body's members, which disks a snapshot covers
 * (raw refused, read-only left out), and the tree when a snapshot with
 * children is deleted.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "err.h"
#include "platform/snapshot.h"

START_TEST(test_names)
{
	static const struct {
		const char *name;
		int ok;
	} cases[] = {
		{ "s1", 1 }, { "before-upgrade_2", 1 }, { "A", 1 },
		{ "", 0 }, { "1st", 0 }, { "-x", 0 }, { "a b", 0 },
		{ "a/b", 0 }, { "a.b", 0 }, { "current", 0 },
		{ "a234567890123456789012345678901234567890", 1 },
		{ "a2345678901234567890123456789012345678901", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(snapshot_name_valid(cases[i].name) == cases[i].ok,
		    "'%s' is %s a snapshot name", cases[i].name,
		    cases[i].ok ? "" : "not");
}
END_TEST

START_TEST(test_bodies)
{
	static const struct {
		const char *body;
		const char *field;	/* NULL: accepted */
	} cases[] = {
		{ "{\"name\": \"s1\"}", NULL },
		{ "{\"name\": \"s1\", \"with_ram\": true, "
		    "\"description\": \"before\"}", NULL },
		{ "{}", "name" },
		{ "{\"name\": 7}", "name" },
		{ "{\"name\": \"9\"}", "name" },
		{ "{\"name\": \"s1\", \"with_ram\": 1}", "with_ram" },
		{ "{\"name\": \"s1\", \"ram\": true}", "ram" },
		{ "{\"name\": \"s1\", \"description\": false}", "description" },
	};
	struct snap_ask a;
	const char *field;
	char err[ERR_LEN];
	cJSON *b;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		b = cJSON_Parse(cases[i].body);
		rc = snapshot_ask_parse(b, &a, &field, err);
		if (cases[i].field == NULL)
			ck_assert_msg(rc == 0, "%s is accepted: %s",
			    cases[i].body, err);
		else
			ck_assert_msg(rc == -1 && field != NULL &&
			    strcmp(field, cases[i].field) == 0,
			    "%s is refused naming '%s' (got %s: %s)",
			    cases[i].body, cases[i].field, field ? field :
			    "no field", err);
		cJSON_Delete(b);
	}
	b = cJSON_Parse("[1]");
	ck_assert_msg(snapshot_ask_parse(b, &a, &field, err) == -1,
	    "a body that is no object is refused");
	cJSON_Delete(b);
	b = cJSON_Parse("{\"name\": \"s1\", \"with_ram\": true}");
	ck_assert(snapshot_ask_parse(b, &a, &field, err) == 0);
	ck_assert_msg(strcmp(a.sa_name, "s1") == 0 && a.sa_with_ram == 1 &&
	    a.sa_desc[0] == '\0', "the name and with_ram are taken, the "
	    "description defaults to empty");
	cJSON_Delete(b);
}
END_TEST

static void
disk(struct vm_config *c, const char *fmt, int ro)
{
	struct vm_disk *d = &c->disks[c->ndisks++];

	snprintf(d->pool, sizeof(d->pool), "p");
	snprintf(d->volume, sizeof(d->volume), "v%d", c->ndisks - 1);
	snprintf(d->format, sizeof(d->format), "%s", fmt);
	d->readonly = ro;
}

START_TEST(test_disks)
{
	struct vm_config c;
	const char *field;
	char err[ERR_LEN];
	int idx[VM_MAX_DISKS];

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "vm1");
	ck_assert_msg(snapshot_disks(&c, idx, &field, err) == -1 &&
	    strcmp(field, "disks") == 0 && strstr(err, "no writable qcow2"),
	    "a VM without disks has nothing to snapshot: %s", err);
	disk(&c, "qcow2", 0);
	disk(&c, "raw", 1);
	disk(&c, "qcow2", 0);
	ck_assert_msg(snapshot_disks(&c, idx, &field, err) == 2 &&
	    idx[0] == 0 && idx[1] == 2, "writable qcow2 disks are covered, a "
	    "read-only raw one is left out");
	disk(&c, "raw", 0);
	ck_assert_msg(snapshot_disks(&c, idx, &field, err) == -1 &&
	    strcmp(field, "disks[3]") == 0 &&
	    strstr(err, "raw disk p/v3 has no snapshots") != NULL,
	    "a writable raw disk refuses the VM, named: %s", err);
}
END_TEST

/* The parent of name in list ("-" for a root, "?" when absent). */
static const char *
parent_of(const cJSON *list, const char *name)
{
	const cJSON *r, *p;

	cJSON_ArrayForEach(r, list) {
		if (strcmp(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(r, "name")), name) != 0)
			continue;
		p = cJSON_GetObjectItemCaseSensitive(r, "parent");
		return cJSON_IsString(p) ? p->valuestring : "-";
	}
	return "?";
}

START_TEST(test_tree)
{
	/* s0 -> s1 -> {s2 -> s3, s4} */
	cJSON *list = cJSON_Parse("[{\"name\": \"s0\", \"parent\": null},"
	    "{\"name\": \"s1\", \"parent\": \"s0\"},"
	    "{\"name\": \"s2\", \"parent\": \"s1\"},"
	    "{\"name\": \"s3\", \"parent\": \"s2\"},"
	    "{\"name\": \"s4\", \"parent\": \"s1\"}]");
	cJSON *ch;

	ck_assert(list != NULL);
	ck_assert_msg(snapshot_tree_unlink(list, "nosuch") == NULL,
	    "an absent snapshot changes nothing");
	ch = snapshot_tree_unlink(list, "s1");
	ck_assert_msg(ch != NULL && cJSON_GetArraySize(ch) == 2,
	    "deleting s1 changes its two children");
	ck_assert_msg(strcmp(parent_of(list, "s2"), "s0") == 0 &&
	    strcmp(parent_of(list, "s4"), "s0") == 0,
	    "s1's children hang under s1's parent");
	ck_assert_msg(strcmp(parent_of(list, "s3"), "s2") == 0,
	    "grandchildren keep their parent");
	ck_assert_msg(strcmp(parent_of(list, "s1"), "?") == 0 &&
	    cJSON_GetArraySize(list) == 4, "s1 is gone from the list");
	cJSON_Delete(ch);
	ch = snapshot_tree_unlink(list, "s0");
	ck_assert_msg(strcmp(parent_of(list, "s2"), "-") == 0 &&
	    strcmp(parent_of(list, "s4"), "-") == 0,
	    "the children of a root become roots");
	cJSON_Delete(ch);
	cJSON_Delete(list);
}
END_TEST

Suite *
make_snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("checks");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_bodies);
	tcase_add_test(tc, test_disks);
	tcase_add_test(tc, test_tree);
	suite_add_tcase(s, tc);
	return s;
}
