/*
 * hvlab.h - the handlers of hvlab's top-level commands, one per component.
 * Each takes argc/argv starting at the command's own name.
 */
#ifndef HVLAB_H
#define HVLAB_H

int lab_cmd_main(int argc, char **argv);	/* lab/lab_cmd.c */
int inject_cmd_main(int argc, char **argv);	/* lab/lab_cmd.c */
int probe_cmd_main(int argc, char **argv);	/* probes/probe_cmd.c */
int run_cmd_main(int argc, char **argv);	/* scenarios/run_cmd.c */
int report_cmd_main(int argc, char **argv);	/* reports/report_cmd.c */
int accel_cmd_main(int argc, char **argv);	/* scenarios/accel_cmd.c */

#endif
