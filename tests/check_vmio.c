/*
 * check_vmio.c - the checks on VM export and import requests (platform/
 * vmio.c): the body's members, formats (XVA is import only), absolute
 * paths, the new VM's name and the bounds on vCPUs and memory.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "check_suites.h"
#include "err.h"
#include "platform/vmio.h"

struct body_case {
	const char *body;
	const char *field;	/* NULL: accepted */
};

/* Each case through check: accepted, or refused with 400 naming field. */
static void
run_cases(const struct body_case *cases, size_t n, const char *what,
    int (*check)(const cJSON *, struct vmio_req *, struct vmops_call *,
    char *))
{
	struct vmops_call c;
	struct vmio_req q;
	char err[ERR_LEN];
	cJSON *b;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&c, 0, sizeof(c));
		b = cJSON_Parse(cases[i].body);
		ck_assert_ptr_nonnull(b);
		rc = check(b, &q, &c, err);
		if (cases[i].field == NULL)
			ck_assert_msg(rc == 0, "the %s body %s is accepted "
			    "(got: %s)", what, cases[i].body, err);
		else
			ck_assert_msg(rc == -1 && c.vc_status == 400 &&
			    strcmp(c.vc_field, cases[i].field) == 0,
			    "the %s body %s is refused naming '%s' (got %d, "
			    "'%s': %s)", what, cases[i].body, cases[i].field,
			    c.vc_status, c.vc_field, rc == 0 ? "accepted" : err);
		cJSON_Delete(b);
	}
}

START_TEST(test_export_bodies)
{
	static const struct body_case cases[] = {
		{ "{\"format\": \"vmdk\", \"path\": \"/x/a.vmdk\"}", NULL },
		{ "{\"format\": \"ova\", \"path\": \"/x/a.ova\"}", NULL },
		{ "{\"format\": \"ovf\", \"path\": \"/x/a.ovf\"}", NULL },
		{ "{\"format\": \"ovf\", \"path\": \"/x/a\"}", "path" },
		{ "{\"format\": \"ovf\", \"path\": \"/x/ovf\"}", "path" },
		{ "{\"format\": \"vhd-fixed\", \"path\": \"/x/a\"}", NULL },
		{ "{\"format\": \"xva\", \"path\": \"/x/a.xva\"}", "format" },
		{ "{\"format\": \"vdi\", \"path\": \"/x/a\"}", "format" },
		{ "{\"path\": \"/x/a\"}", "format" },
		{ "{\"format\": \"raw\"}", "path" },
		{ "{\"format\": \"raw\", \"path\": \"a.raw\"}", "path" },
		{ "{\"format\": \"raw\", \"path\": 3}", "path" },
		{ "{\"format\": \"raw\", \"path\": \"/a\", \"name\": \"b\"}",
		    "name" },
		{ "[]", "format" },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]), "export",
	    vmio_export_check);
}
END_TEST

START_TEST(test_import_bodies)
{
	static const struct body_case cases[] = {
		{ "{\"format\": \"xva\", \"path\": \"/i/a.xva\", \"name\": "
		    "\"a\", \"pool\": \"san\"}", NULL },
		{ "{\"format\": \"qcow2\", \"path\": \"/i/a\", \"name\": "
		    "\"a.b-c\", \"pool\": \"p\", \"node\": \"n1\", "
		    "\"vcpus\": 64, \"memory_mib\": 16}", NULL },
		{ "{\"format\": \"ovf\", \"path\": \"/i/a.ovf\", \"name\": "
		    "\"a\", \"pool\": \"p\"}", NULL },
		{ "{\"format\": \"ovf\", \"path\": \"/i/a.vmdk\", \"name\": "
		    "\"a\", \"pool\": \"p\"}", "path" },
		{ "{\"format\": \"ovf\", \"path\": \"/i/.ovf\", \"name\": "
		    "\"a\", \"pool\": \"p\"}", "path" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"pool\": \"p\"}",
		    "name" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"-a\", "
		    "\"pool\": \"p\"}", "name" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": "
		    "\"a/b\", \"pool\": \"p\"}", "name" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\"}",
		    "pool" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\", \"vcpus\": 0}", "vcpus" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\", \"vcpus\": 65}", "vcpus" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\", \"memory_mib\": 15}", "memory_mib" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\", \"node\": 1}", "node" },
		{ "{\"format\": \"ova\", \"path\": \"i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\"}", "path" },
		{ "{\"format\": \"ova\", \"path\": \"/i/a\", \"name\": \"a\", "
		    "\"pool\": \"p\", \"disks\": []}", "disks" },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]), "import",
	    vmio_import_check);
}
END_TEST

Suite *
make_vmio_suite(void)
{
	Suite *s = suite_create("vmio");
	TCase *tc = tcase_create("bodies");

	tcase_add_test(tc, test_export_bodies);
	tcase_add_test(tc, test_import_bodies);
	suite_add_tcase(s, tc);
	return s;
}
