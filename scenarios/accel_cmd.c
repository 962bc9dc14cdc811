/*
 * accel_cmd.c - `hvlab accel`: the accelerator QEMU should use here, as
 * the runner, the tests and the benchmarks decide it (common/accel.h).
 *
 *   hvlab accel [-v] [--mode auto|kvm|tcg] [--qemu BINARY] [--dev PATH]
 *
 * Prints `kvm` or `tcg` on stdout (with -v, a tab and the reason).  The
 * mode is --mode, else $HVLAB_ACCEL, else auto.  A probe's answer is kept
 * for this boot of the machine in /run/hvlab-accel.cache.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "accel.h"
#include "err.h"
#include "scenarios/run_cmd.h"

#define ACCEL_CACHE "/run/hvlab-accel.cache"

static int
accel_usage(FILE *f)
{
	fprintf(f, "usage: hvlab accel [-v] [--mode auto|kvm|tcg] "
	    "[--qemu BINARY] [--dev PATH]\n");
	return f == stdout ? 0 : 1;
}

int
accel_cmd_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "dev", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct accel_req r = { 0 };
	struct accel_choice c;
	const char *mode = NULL;
	char err[ERR_LEN];
	int ch, verbose = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:q:d:vh", longopts, NULL)) !=
	    -1)
		switch (ch) {
		case 'm': mode = optarg; break;
		case 'q': r.ar_qemu = optarg; break;
		case 'd': r.ar_dev = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': return accel_usage(stdout);
		default: return accel_usage(stderr);
		}
	if (optind != argc)
		return accel_usage(stderr);
	if ((mode != NULL ? accel_mode_parse(mode, &r.ar_mode, err) :
	    accel_mode_env(ACCEL_AUTO, &r.ar_mode, err)) == -1) {
		fprintf(stderr, "hvlab accel: %s\n", err);
		return 1;
	}
	/* A probe of another device or binary is a question, not the
	 * machine's answer: only the default one is cached. */
	if (r.ar_dev == NULL && r.ar_qemu == NULL)
		r.ar_cache = ACCEL_CACHE;
	if (accel_choose(&r, &c, err) == -1) {
		fprintf(stderr, "hvlab accel: %s\n", err);
		return 1;
	}
	if (verbose)
		printf("%s\t%s\n", c.ac_accel, c.ac_reason);
	else
		printf("%s\n", c.ac_accel);
	return 0;
}
