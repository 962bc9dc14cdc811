/*
 * log.h - leveled logging for hvlab, hvd and hvctl.
 *
 * Messages go to stderr (default) or to a file.  log_warn appends
 * strerror(errno); the *x variants do not.  fatal/fatalx log and exit(1):
 * only main() and daemon top levels call them, library code returns -1 and
 * fills an error buffer instead (see err.h).
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdarg.h>

enum log_level { LOG_LEVEL_WARN = 0, LOG_LEVEL_INFO = 1, LOG_LEVEL_DEBUG = 2 };

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Set the program name printed before each line and the verbosity. */
void log_init(const char *progname, int level);
void log_setlevel(int level);
int log_getlevel(void);
/* Send log lines to PATH (appended, created 0640) instead of stderr;
 * returns 0 or -1 with errno set.  Timestamps are added in file mode. */
int log_open_file(const char *path);
void log_close_file(void);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
