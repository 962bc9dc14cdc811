/*
 * fuzz_ovf.c - libFuzzer harness for OVF descriptors (platform/vmfmt/
 * ovf.c): the input is the .ovf member of an OVA, parsed as an import
 * parses it.  An envelope the parser accepts is written back with
 * ovf_write and must read back as the same VM: an OVA hvd exports from
 * an import must import again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/vmfmt/vmfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmfmt_vm vm, back;	/* large: not on the stack */
	struct vmfmt_limits l;
	char err[ERR_LEN], *doc;
	size_t len;

	vmfmt_limits_default(&l);
	if (ovf_parse((const char *)data, size, &l, &vm, err) != 0)
		return 0;
	if (ovf_write(&vm, &doc, &len, err) != 0) {
		fprintf(stderr, "an accepted OVF cannot be written: %s\n", err);
		abort();
	}
	if (ovf_parse(doc, len, &l, &back, err) != 0) {
		fprintf(stderr, "an accepted OVF does not read back: %s\n",
		    err);
		abort();
	}
	if (memcmp(&vm, &back, sizeof(vm)) != 0) {
		fprintf(stderr, "an accepted OVF reads back as another VM\n");
		abort();
	}
	free(doc);
	return 0;
}
