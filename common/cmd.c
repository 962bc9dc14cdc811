/*
 * cmd.c - table-driven subcommand dispatch (see cmd.h).
 */
#include <string.h>

#include "cmd.h"

void
cmd_usage(FILE *f, const char *prog, const struct cmd *table)
{
	const struct cmd *c;

	fprintf(f, "usage:\n");
	for (c = table; c->name != NULL; c++)
		fprintf(f, "  %s %s%s%s\n%s%s%s", prog, c->name,
		    c->usage && *c->usage ? " " : "", c->usage ? c->usage : "",
		    c->help ? "      " : "", c->help ? c->help : "",
		    c->help ? "\n" : "");
}

int
cmd_misuse(const char *prog, const struct cmd *table, const char *name)
{
	const struct cmd *c;

	for (c = table; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0) {
			fprintf(stderr, "usage: %s %s %s\n", prog, c->name,
			    c->usage ? c->usage : "");
			return 1;
		}
	cmd_usage(stderr, prog, table);
	return 1;
}

int
cmd_dispatch(const char *prog, const struct cmd *table, int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 1) {
		cmd_usage(stderr, prog, table);
		return 1;
	}
	if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		cmd_usage(stdout, prog, table);
		return 0;
	}
	for (c = table; c->name != NULL; c++)
		if (strcmp(c->name, argv[0]) == 0)
			return c->handler(argc, argv);
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[0]);
	cmd_usage(stderr, prog, table);
	return 1;
}
