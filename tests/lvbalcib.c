/*
 * lvbalcib.c - prints the CIB text the libvirt driver's balance_set
 * sends (lv_balance_xml in scenarios/drivers/libvirt_pcmk.c), so that
 * tests/integration/test_libvirt_balance.sh can hand the driver's own
 * text to Pacemaker's scheduler.
 *
 *   lvbalcib on|off NAME:ID:CPUS:MEMORY_MIB...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scenarios/drivers/libvirt.h"

static int
node_parse(const char *arg, struct lv_node_cap *c, char *err)
{
	memset(c, 0, sizeof(*c));
	if (sscanf(arg, "%63[^:]:%31[^:]:%d:%ld", c->nc_name, c->nc_id,
	    &c->nc_cpus, &c->nc_memory_mib) != 4)
		return err_set(err, "'%s' is not NAME:ID:CPUS:MEMORY_MIB",
		    arg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct lv_node_cap nodes[LV_MAX_HOSTS];
	char xml[8192], err[ERR_LEN];
	int i, on;

	if (argc < 2 || argc - 2 > LV_MAX_HOSTS || (strcmp(argv[1], "on") !=
	    0 && strcmp(argv[1], "off") != 0)) {
		fprintf(stderr, "usage: lvbalcib on|off "
		    "NAME:ID:CPUS:MEMORY_MIB...\n");
		return 1;
	}
	on = strcmp(argv[1], "on") == 0;
	for (i = 2; i < argc; i++)
		if (node_parse(argv[i], &nodes[i - 2], err) == -1)
			goto fail;
	if (lv_balance_xml(on, nodes, (size_t)(argc - 2), xml, sizeof(xml),
	    err) == -1)
		goto fail;
	printf("%s\n", xml);
	return 0;
fail:
	fprintf(stderr, "lvbalcib: %s\n", err);
	return 1;
}
