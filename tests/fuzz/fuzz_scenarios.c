/*
 * fuzz_scenarios.c - libFuzzer harness for scenarios.yaml: the input is a
 * whole file, loaded by both loaders `hvlab run` uses on it, the suite
 * loader (suites and scenarios) and the lab's (the lab: section, through
 * its own fopen).  Errors are the expected answer to most inputs; what
 * the fuzzer looks for is a crash, a leak, a hang or undefined behaviour
 * on the way to them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "lab/topo.h"
#include "scenarios/suite.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct topo topo;	/* large: not on the stack */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct suite_file *sf;
	char err[ERR_LEN], path[64];
	int fd;

	sf = suite_load_string("scenarios.yaml", (const char *)data, size,
	    NULL, err);
	if (sf != NULL) {
		suite_find(sf, sf->sf_default_suite);
		suite_file_free(sf);
	}
	if ((fd = fuzz_memfd(data, size, path, sizeof(path))) == -1)
		return 0;
	topo_load(path, NULL, &topo, NULL, err);
	close(fd);
	return 0;
}
