/*
 * probe_cmd.h - `hvlab probe ...` for hvlab's command table
 * (hvlab/hvlab.c); argc/argv start at "probe", returns the exit status.
 */
#ifndef HV_PROBE_CMD_H
#define HV_PROBE_CMD_H

int probe_cmd_main(int argc, char **argv);

#endif
