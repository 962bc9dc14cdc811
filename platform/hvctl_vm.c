/*
 * hvctl_vm.c - hvctl's vm, pool and network commands.
 */
#include <stdio.h>

#include "platform/hvctl.h"

int
hvctl_vm_main(int argc, char **argv)
{
	fprintf(stderr, "hvctl vm: not available yet\n");
	return 1;
}

int
hvctl_pool_main(int argc, char **argv)
{
	fprintf(stderr, "hvctl pool: not available yet\n");
	return 1;
}

int
hvctl_network_main(int argc, char **argv)
{
	fprintf(stderr, "hvctl network: not available yet\n");
	return 1;
}
