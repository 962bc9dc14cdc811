/*
 * fuzz_mf.c - libFuzzer harness for OVA manifests (platform/vmfmt/
 * manifest.c): the input is the .mf member, parsed as an import parses
 * it; every entry of an accepted manifest is found again by its name.
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
	static struct mf m;
	char err[ERR_LEN];
	int i;

	if (mf_parse((const char *)data, size, &m, err) != 0)
		return 0;
	for (i = 0; i < m.mf_n; i++)
		if (mf_find(&m, m.mf_entries[i].me_file) !=
		    &m.mf_entries[i]) {
			fprintf(stderr, "manifest entry %d is not found by "
			    "its name\n", i);
			abort();
		}
	return 0;
}
