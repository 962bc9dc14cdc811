/*
 * fuzz_xva.c - libFuzzer harness for an XVA's ova.xml (platform/vmfmt/
 * xva_meta.c): the input is the first member of the tar, parsed as an
 * import parses it.  What the fuzzer looks for is a crash, a leak, a
 * hang or undefined behaviour; of an accepted header, that its disks are
 * within the bounds given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "platform/vmfmt/vmfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmfmt_vm vm;
	struct vmfmt_limits l;
	char err[ERR_LEN];
	int i;

	vmfmt_limits_default(&l);
	if (xva_meta_parse((const char *)data, size, &l, &vm, err) != 0)
		return 0;
	for (i = 0; i < vm.vm_ndisks; i++)
		if (vm.vm_disks[i].vd_capacity < 1 ||
		    vm.vm_disks[i].vd_capacity > l.vl_disk_max) {
			fprintf(stderr, "disk %d of an accepted ova.xml is out "
			    "of bounds\n", i);
			abort();
		}
	return 0;
}
