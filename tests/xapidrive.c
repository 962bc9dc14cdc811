/*
 * xapidrive.c - runs the xcpng driver through the operations the suite's
 * rows use, against whatever its inventory names (the fixture server in
 * tests/integration/test_xcpng_fixture.sh, or a real pool), and prints
 * one line per row: "ROW: pass|fail (what it saw)".  The rows are those
 * of tests/drive_rows.c plus network.apply (a bond and a VLAN on each
 * host) and import-export (an XVA out and back in).
 *
 *   xapidrive HOST1 HOST2 [--bad | cpu]
 *
 * --bad sends one call the reference rejects (a host count given as a
 * string where the datamodel says int) and passes when XAPI refuses it.
 * cpu prints a 2-vCPU VM's CPU series (drive_cpu) of the last minute.
 * Exit 0 when every row passed, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "scenarios/drivers/driver.h"
#include "scenarios/drivers/xcpng_priv.h"
#include "tests/drive_rows.h"

/* The mode of the bond whose member is host's nic, as PIF and Bond
 * records say, into mode ("" when none), and whether a PIF with tag
 * exists there. */
static int
bond_read(struct driver *d, const char *host, int tag, char *mode,
    size_t len, char *err)
{
	const char *h, *bond, *dev;
	char ref[XAPI_REF_MAX];
	const cJSON *it;
	cJSON *all = NULL, *m = NULL;
	int64_t vlan;
	int tagged = 0;

	mode[0] = '\0';
	if (xcp_need(d, "host", host, ref, err) == -1 ||
	    xcp_call(d, "PIF.get_all_records", xcp_args(""), &all, err) == -1)
		return -1;
	cJSON_ArrayForEach(it, all) {
		h = bond = dev = NULL;
		json_get_string(it, "host", JSON_OPTIONAL, &h, NULL);
		json_get_string(it, "bond_slave_of", JSON_OPTIONAL, &bond,
		    NULL);
		json_get_string(it, "device", JSON_OPTIONAL, &dev, NULL);
		if (h == NULL || strcmp(h, ref) != 0)
			continue;
		if (xcp_int(cJSON_GetObjectItemCaseSensitive(it, "VLAN"),
		    &vlan) == 0 && vlan == tag)
			tagged = 1;
		if (mode[0] == '\0' && bond != NULL &&
		    strcmp(bond, XCP_NULL_REF) != 0 && xcp_call(d,
		    "Bond.get_record", xcp_args("s", bond), &m, err) == 0) {
			const char *md = "";

			json_get_string(m, "mode", JSON_OPTIONAL, &md, NULL);
			snprintf(mode, len, "%s", md);
			cJSON_Delete(m);
		}
	}
	cJSON_Delete(all);
	return tagged;
}

static void
row_network(struct driver *d, const struct drv_env *env, char *err)
{
	static const char *const nics[] = { "eth1", "eth2", NULL };
	const struct drv_network n = { .n_name = "vm", .n_vlan = 20,
		.n_bond = "balance-tcp", .n_nics = nics };
	char mode[32], what[ERR_LEN];
	struct drv_task t;
	int ok, tagged = 0;

	ok = DRIVE_RUN(d, t, d->d_ops->network_apply(d, &n, &t, err)) == 0;
	if (ok) {
		tagged = bond_read(d, env->e_hosts[1].h_name, 20, mode,
		    sizeof(mode), err);
		ok = tagged == 1 && strcmp(mode, "lacp") == 0;
		snprintf(what, sizeof(what), "bond of eth1+eth2 mode %s, VLAN "
		    "20 %s", mode, tagged == 1 ? "on it" : "missing");
	}
	drive_row("network", ok, ok ? what : err);
}

static void
row_image(struct driver *d, char *err)
{
	struct drv_vm_spec nv = { .v_name = "imp1" };
	char path[] = "/tmp/xapidrive-XXXXXX";
	struct drv_vm_info vi;
	struct drv_task t;
	int fd = mkstemp(path), ok;

	if (fd == -1) {
		drive_row("import-export", 0, "mkstemp failed");
		return;
	}
	close(fd);
	ok = DRIVE_RUN(d, t, d->d_ops->vm_export(d, "cl1", "xva", path, &t,
	    err)) == 0 && DRIVE_RUN(d, t, d->d_ops->vm_import(d, path, "xva",
	    &nv, &t, err)) == 0 && d->d_ops->vm_info(d, "imp1", &vi,
	    err) == 0 && vi.i_state == DRV_VM_STOPPED;
	if (ok)
		ok = d->d_ops->vm_export(d, "cl1", "ova", path, &t, err) ==
		    DRIVER_UNSUPPORTED;
	drive_row("import-export", ok, ok ? "cl1 out as XVA, back in as "
	    "imp1; OVA unsupported" : err);
	unlink(path);
}

/* A call the reference rejects must come back refused. */
static void
row_bad(struct driver *d, char *err)
{
	char pool[XAPI_REF_MAX];
	int refused = xcp_pool(d, pool, err) == 0 && xcp_call(d,
	    "pool.set_ha_host_failures_to_tolerate", xcp_args("ss", pool, "1"),
	    NULL, err) == -1 && strstr(err, "FIELD_TYPE_ERROR (value)") != NULL;

	drive_row("bad-request", refused, err);
}

int
main(int argc, char **argv)
{
	static const char *const vms[] = { "imp1", "cl1", "mig1", NULL };
	struct drv_host hosts[2];
	struct drv_env env;
	struct driver *d;
	char err[ERR_LEN] = "";
	int cpu = argc == 4 && strcmp(argv[3], "cpu") == 0, bad;

	/* Its own verb first; drive_open knows HOST1 HOST2 [--bad]. */
	if ((d = drive_open("xcpng", cpu ? 3 : argc, argv, &env, hosts,
	    &bad)) == NULL)
		return 1;
	if (cpu) {
		drive_cpu(d, &env, 60, err);
	} else if (bad) {
		row_bad(d, err);
	} else {
		drive_install(d, &env, err);
		drive_cluster(d, &env, err);
		drive_storage(d, &env, err);
		row_network(d, &env, err);
		drive_migration(d, &env, 0, err);
		drive_snapshot(d, err);
		drive_ha(d, err);
		drive_metrics(d, err);
		drive_clone(d, &env, err);
		row_image(d, err);
		drive_cleanup(d, vms, err);
	}
	return drive_close(d);
}
