/*
 * lab.c - what every lab command needs: finding a lab's state directory,
 * opening a lab from a topology file or from the copy a running lab keeps,
 * progress lines, and small file helpers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "lab/lab.h"

volatile int lab_interrupted;

static void
on_signal(int sig)
{
	lab_interrupted = 1;
}

void
lab_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

const char *
lab_state_root(void)
{
	const char *s = getenv("HVLAB_STATE_DIR");

	return s && *s ? s : LAB_STATE_ROOT;
}

void
lab_state_dir(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", lab_state_root(), name);
}

void
lab_progress(const struct lab *lab, const char *fmt, ...)
{
	va_list ap;

	if (!lab->l_progress)
		return;
	va_start(ap, fmt);
	fputs("  ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

int
lab_write_file(const char *path, const char *text, int append, char *err)
{
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0644);

	if (fd < 0)
		return err_errno(err, "%s", path);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return err_errno(err, "%s: write", path);
	}
	if (close(fd) < 0)
		return err_errno(err, "%s: close", path);
	return 0;
}

const char *
lab_prog_path(const char *prog, char *buf, size_t len)
{
	ssize_t n;
	char *slash;

	if (len <= strlen(prog) + 1)
		return prog;
	n = readlink("/proc/self/exe", buf, len - strlen(prog) - 1);
	if (n <= 0)
		return prog;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return prog;
	strcpy(slash + 1, prog);
	return buf;
}

pid_t
lab_read_pid(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &v) != 1 || v <= 1)
		v = 0;
	fclose(f);
	return (pid_t)v;
}

/* The one lab with a state directory; -1 when none or several. */
static int
only_lab(char *name, size_t len, char *err)
{
	DIR *d = opendir(lab_state_root());
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return err_set(err, "no lab is up (no %s)", lab_state_root());
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || topo_check_name(de->d_name, NULL))
			continue;
		if (n++ == 0)
			snprintf(name, len, "%.*s", TOPO_LAB_NAME_MAX, de->d_name);
	}
	closedir(d);
	if (n == 0)
		return err_set(err, "no lab is up");
	if (n > 1)
		return err_set(err, "%d labs are up: say which with --lab NAME",
		    n);
	return 0;
}

int
lab_open(const char *file, const char *name, int want_running,
    struct lab *lab, char *err)
{
	char nm[TOPO_LAB_NAME_MAX + 1], copy[LAB_PATH_MAX + 32];
	struct stat st;

	memset(lab, 0, sizeof(*lab));
	if (name == NULL && file == NULL && getenv("HVLAB_LAB") != NULL &&
	    *getenv("HVLAB_LAB"))
		name = getenv("HVLAB_LAB");
	if (name != NULL && topo_check_name(name, err) < 0)
		return -1;
	if (file == NULL && want_running) {
		if (name == NULL) {
			if (only_lab(nm, sizeof(nm), err) < 0)
				return -1;
			name = nm;
		}
		lab_state_dir(name, lab->l_state, sizeof(lab->l_state));
		snprintf(copy, sizeof(copy), "%s/topology.yaml", lab->l_state);
		if (stat(copy, &st) < 0)
			return err_set(err, "lab %s is not up (no %s)", name,
			    copy);
		file = copy;
	} else if (file == NULL) {
		file = "scenarios.yaml";
	}
	/* Every error goes to stderr with its FILE:LINE; err sums up. */
	if (topo_load(file, name, &lab->l_topo, stderr, err) < 0)
		return err_set(err, "%s: not a valid lab topology", file);
	lab_state_dir(lab->l_topo.t_name, lab->l_state, sizeof(lab->l_state));
	if (want_running && stat(lab->l_state, &st) < 0)
		return err_set(err, "lab %s is not up (no %s)",
		    lab->l_topo.t_name, lab->l_state);
	return 0;
}

int
lab_set_has(const struct lab *lab, const char *file, const char *item)
{
	char path[LAB_PATH_MAX + 32], line[128];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/%s", lab->l_state, file);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, item) == 0)
			found = 1;
	}
	fclose(f);
	return found;
}

int
lab_set_put(const struct lab *lab, const char *file, const char *item, int in,
    char *err)
{
	char path[LAB_PATH_MAX + 32], line[128], *buf = NULL;
	size_t len = 0;
	FILE *f, *out;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", lab->l_state, file);
	if ((out = open_memstream(&buf, &len)) == NULL)
		return err_errno(err, "open_memstream");
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, item) != 0 && line[0])
				fprintf(out, "%s\n", line);
		}
		fclose(f);
	}
	if (in)
		fprintf(out, "%s\n", item);
	fclose(out);
	rc = lab_write_file(path, buf ? buf : "", 0, err);
	free(buf);
	return rc;
}
