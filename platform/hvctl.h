/*
 * hvctl.h - what hvctl's command files share: options, the API call,
 * table printing, task waiting.
 */
#ifndef HVCTL_H
#define HVCTL_H

#include <getopt.h>
#include <cjson/cJSON.h>

struct hvctl_opts {
	const char	*socket;	/* unix socket (default) */
	const char	*host;		/* HTTPS host[:port] or URL */
	const char	*token;
	const char	*ca;
	const char	*pin;
	int		 json;
	int		 no_wait;
};
extern struct hvctl_opts hv;

/* METHOD PATH with body; *out (may be NULL) gets the answer.  Prints the
 * error and returns -1 on failure. */
int hvctl_call(const char *method, const char *path, const cJSON *body,
    cJSON **out);
/* A whole decimal number (sign allowed) into *out: 0, or -1 when s is
 * empty or has anything else. */
int hvctl_num(const char *s, long *out);
/* A member as text ("-" when absent); numbers/bools formatted. */
const char *hvctl_str(const cJSON *o, const char *key);
void hvctl_print_json(const cJSON *o);
/* GET path and print it: a table of cols/keys (or JSON with --json) when
 * cols is not NULL, else JSON.  Returns 0, or 1 after printing the error. */
int hvctl_get_print(const char *path, const char *const cols[],
    const char *const keys[]);
/* GET path for a command that prints a view of the answer: -1 after
 * printing the error, 1 when --json printed the answer as it is, 0 with
 * *out for the caller to print (caller frees). */
int hvctl_get_view(const char *path, cJSON **out);
/* A command of table (prog's) that takes one NAME and DELETEs
 * prefix/NAME ("hvctl ha remove VM").  Returns 0, or 1 after printing
 * the error or the usage. */
struct cmd;
int hvctl_delete_named(int argc, char **argv, const char *prog,
    const struct cmd *table, const char *prefix);
/* Print arr (array of objects) as a table: column titles and keys. */
void hvctl_table(const char *const cols[], const char *const keys[],
    const cJSON *arr);
/* Wait for task id with a progress display; 0 when it ended ok. */
int hvctl_task_wait(const char *id);
/* resp is {"task": ID, ...}: wait (or print the id with --no-wait);
 * takes resp over. */
int hvctl_task_result(cJSON *resp);
/* getopt_long over argv with --json, --no-wait, --help plus extra;
 * on_opt gets other options.  Returns optind or -1 on misuse. */
int hvctl_getopt(int argc, char **argv, const struct option *extra,
    const char *extra_short, int (*on_opt)(int ch, const char *arg));

/* Close the connection (at exit). */
void hvctl_close(void);

int hvctl_cluster_main(int argc, char **argv);
int hvctl_node_main(int argc, char **argv);
/* hvctl node bmc (hvctl_bmc.c): 0, 1 failed, -2 misused. */
int hvctl_node_bmc(int argc, char **argv);
int hvctl_task_main(int argc, char **argv);
int hvctl_token_main(int argc, char **argv);
int hvctl_api_main(int argc, char **argv);
/* hvctl_vm.c, hvctl_pool.c, hvctl_net.c: the vm, pool and network
 * commands; argv[0] is the command's own name. */
int hvctl_vm_main(int argc, char **argv);
int hvctl_pool_main(int argc, char **argv);
int hvctl_network_main(int argc, char **argv);
/* hvctl_bond.c: bond members under network show; network bond. */
void hvctl_bond_print(const cJSON *show);
int hvctl_network_bond(int argc, char **argv);
int hvctl_ha_main(int argc, char **argv);
int hvctl_balance_main(int argc, char **argv);
int hvctl_snapshot_main(int argc, char **argv);
/* hvctl_image.c: disk images and VM packages on local files. */
int hvctl_image_main(int argc, char **argv);
/* hvctl_io.c: hvctl vm export|import */
int hvctl_vm_export(int argc, char **argv);
int hvctl_vm_import(int argc, char **argv);
int hvctl_backup_main(int argc, char **argv);
/* hvctl_metrics.c: metrics node|vm, and top. */
int hvctl_metrics_main(int argc, char **argv);
int hvctl_top_main(int argc, char **argv);

#endif
