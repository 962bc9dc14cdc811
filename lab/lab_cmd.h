/*
 * lab_cmd.h - the lab's commands for hvlab's command table (hvlab/hvlab.c):
 * `hvlab lab ...` and `hvlab inject ...`.  Each takes argc/argv starting
 * at the command's own name and returns the process's exit status.
 */
#ifndef HV_LAB_CMD_H
#define HV_LAB_CMD_H

int lab_cmd_main(int argc, char **argv);
int inject_cmd_main(int argc, char **argv);

#endif
