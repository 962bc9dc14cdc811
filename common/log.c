/*
 * log.c - leveled logging to stderr or a file (see log.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

static const char *log_prog = "hvlab";
static int log_level = LOG_LEVEL_WARN;
static FILE *log_file;		/* NULL: stderr */

void
log_init(const char *progname, int level)
{
	log_prog = progname;
	log_level = level;
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

int
log_open_file(const char *path)
{
	int fd;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd == -1)
		return -1;
	if ((f = fdopen(fd, "a")) == NULL) {
		close(fd);
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	log_close_file();
	log_file = f;
	return 0;
}

void
log_close_file(void)
{
	if (log_file != NULL)
		fclose(log_file);
	log_file = NULL;
}

static void vlog(int level, int with_errno, const char *fmt, va_list ap)
    LOG_PRINTF(3, 0);

static void
vlog(int level, int with_errno, const char *fmt, va_list ap)
{
	char msg[2048], ts[32];
	int saved = errno;
	FILE *f = log_file ? log_file : stderr;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_file != NULL) {
		clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
		fprintf(f, "%s %s[%d]: ", ts, log_prog, (int)getpid());
	} else
		fprintf(f, "%s: ", log_prog);
	if (with_errno)
		fprintf(f, "%s: %s\n", msg, strerror(saved));
	else
		fprintf(f, "%s\n", msg);
	errno = saved;
}

#define LOG_FN(name, level, with_errno)			\
void							\
name(const char *fmt, ...)				\
{							\
	va_list ap;					\
	va_start(ap, fmt);				\
	vlog(level, with_errno, fmt, ap);		\
	va_end(ap);					\
}

LOG_FN(log_warn, LOG_LEVEL_WARN, 1)
LOG_FN(log_warnx, LOG_LEVEL_WARN, 0)
LOG_FN(log_info, LOG_LEVEL_INFO, 0)
LOG_FN(log_debug, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
