/*
 * lab.h - a lab as the commands see it: its topology, its name and its
 * state directory, plus the helpers every lab file shares (paths,
 * progress lines, small file I/O).
 *
 * State of a running lab lives in LAB_STATE_ROOT/<name>/ (override with
 * HVLAB_STATE_DIR): topology.yaml (the copy `lab up` was given), subnet,
 * provider, events.jsonl, and one directory per node (host names, "sw",
 * "san") holding init.pid, console.log, the lab's service files and the
 * node's persistent disk/.  Namespaces are named <lab>-<node> (station:
 * <lab>-st).  docs/lab.md describes the layout.
 */
#ifndef HV_LAB_LAB_H
#define HV_LAB_LAB_H

#include <stddef.h>
#include <sys/types.h>

#include "lab/topo.h"

#define LAB_STATE_ROOT "/var/lib/hvlab/labs"
#define LAB_PATH_MAX 512

struct lab {
	struct topo l_topo;
	char l_state[LAB_PATH_MAX];	/* state directory */
	int l_progress;			/* print one line per phase */
	int l_fake_clock;		/* up: give each host its own wall
					 * clock (lab/hostclock.h) */
};

/* Set by lab_catch_signals' handler on SIGINT/SIGTERM/SIGHUP; long
 * operations (lab up) check it between steps and undo what they made. */
extern volatile int lab_interrupted;
void lab_catch_signals(void);

/* State directory of lab name into buf. */
void lab_state_dir(const char *name, char *buf, size_t len);
/* Root of all labs' state directories. */
const char *lab_state_root(void);

/*
 * Open lab for a command.  file (may be NULL) is a topology to load;
 * name (may be NULL) is --lab.  For a running lab without file, the copy
 * in its state directory is loaded.  Without a name and a file, the one
 * running lab is taken.  Returns 0 or -1 with err.
 */
int lab_open(const char *file, const char *name, int want_running,
    struct lab *lab, char *err);

/* Print a progress line when l_progress is set. */
void lab_progress(const struct lab *lab, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Write/append a whole small file; 0 or -1 with err. */
int lab_write_file(const char *path, const char *text, int append,
    char *err);
/* The path of program prog (hvlab-init, hvlab-bmc) beside the
 * running program, in buf; prog alone (found in PATH) when unknown. */
const char *lab_prog_path(const char *prog, char *buf, size_t len);

/* Line-set state files of a lab (unplugged, partitioned): 1 when item
 * is a line of <state>/file; lab_set_put adds (in) or removes it. */
int lab_set_has(const struct lab *lab, const char *file, const char *item);
int lab_set_put(const struct lab *lab, const char *file, const char *item,
    int in, char *err);

/* Read a pid file; the pid, or 0 when absent or invalid. */
pid_t lab_read_pid(const char *path);

#endif
