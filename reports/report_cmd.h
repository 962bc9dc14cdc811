/*
 * report_cmd.h - `hvlab report ...` for hvlab's command table
 * (hvlab/hvlab.c); argc/argv start at "report", returns the exit status.
 */
#ifndef HV_REPORT_CMD_H
#define HV_REPORT_CMD_H

int report_cmd_main(int argc, char **argv);

#endif
