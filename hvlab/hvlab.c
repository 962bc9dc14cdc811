/*
 * hvlab.c - main() of hvlab, the hypervisor evaluation harness.
 *
 * Only the command table lives here; each command's handler lives with its
 * component and is declared in that component's *_cmd.h: lab/ (lab,
 * inject), probes/ (probe), scenarios/ (run, accel), reports/ (report).
 * The components know nothing of this table.
 */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "lab/lab_cmd.h"
#include "probes/probe_cmd.h"
#include "reports/report_cmd.h"
#include "scenarios/run_cmd.h"

static int
cmd_version(int argc, char **argv)
{
	printf("hvlab %s\n", HV_VERSION);
	return 0;
}

static const struct cmd hvlab_cmds[] = {
	{ "lab", lab_cmd_main, "up|down|status|check [-f FILE] [--lab NAME]",
	    "build, inspect or remove the embedded test lab" },
	{ "inject", inject_cmd_main, "EVENT [ARGS...] [--lab NAME]",
	    "inject a failure: power-pull, power-on, nic-unplug, nic-plug, "
	    "storage-down, storage-up, partition, heal" },
	{ "probe", probe_cmd_main, "ping|tcp|integrity|pcap --to ADDR [--interval MS] "
	    "[--duration S] [--json FILE] [--csv FILE]",
	    "measure reachability of an address from the station" },
	{ "run", run_cmd_main, "[-n] [-f FILE] [--suite NAME] "
	    "[--scenario NAME]... [--platform P] [--repeat N] [--out DIR]",
	    "run a scenario suite against a platform and write its report" },
	{ "report", report_cmd_main, "DIR... [--out DIR]",
	    "compare result sets side by side" },
	{ "accel", accel_cmd_main, "[-v] [--mode auto|kvm|tcg]",
	    "the accelerator QEMU uses here (KVM only when it runs a guest)" },
	{ "version", cmd_version, "", "print the version" },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	log_init("hvlab", LOG_LEVEL_WARN);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0)
		return cmd_version(argc - 1, argv + 1);
	return cmd_dispatch("hvlab", hvlab_cmds, argc - 1, argv + 1);
}
