/*
 * cmd.h - table-driven subcommands, as vmctl's ctl_commands[].
 *
 * A program (or a command with subcommands) keeps a table of
 * {name, handler, usage, help}; cmd_dispatch finds argv[0] in it and calls
 * the handler with argc/argv starting at the subcommand's name, so every
 * handler runs its own getopt.  Usage is printed from the table.  Misuse
 * exits 1 (handlers return 1 for it).
 */
#ifndef HV_CMD_H
#define HV_CMD_H

#include <stdio.h>

struct cmd {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *usage;	/* arguments, e.g. "[-f FILE] [--lab NAME]" */
	const char *help;	/* one line */
};

/* Print "usage: PROG NAME USAGE" lines for every entry of table to f. */
void cmd_usage(FILE *f, const char *prog, const struct cmd *table);
/*
 * Dispatch argv[0] through table (terminated by a {NULL} entry).  "-h",
 * "--help" and "help" print usage to stdout and return 0; an unknown or
 * missing name prints usage to stderr and returns 1.  Otherwise returns
 * the handler's return value.
 */
int cmd_dispatch(const char *prog, const struct cmd *table, int argc,
    char **argv);
/* Print "usage: PROG NAME USAGE" for the one entry called name to stderr
 * and return 1: for handlers to report misuse. */
int cmd_misuse(const char *prog, const struct cmd *table, const char *name);

#endif
