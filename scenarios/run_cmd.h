/*
 * run_cmd.h - the runner's commands for hvlab's command table
 * (hvlab/hvlab.c): `hvlab run ...` (run_cmd.c) and `hvlab accel`
 * (accel_cmd.c).  argc/argv start at the command's name; each returns the
 * exit status.
 */
#ifndef HV_RUN_CMD_H
#define HV_RUN_CMD_H

int run_cmd_main(int argc, char **argv);
int accel_cmd_main(int argc, char **argv);

#endif
