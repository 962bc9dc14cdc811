/*
 * hostdisk.c - directories a platform declares on a lab host's disk, and
 * files and services put on a host (lab/hostdisk.h).  The checks and the disk/mounts
 * format are pure; declaring and putting enter the host's mount namespace
 * in a forked child (ns_run), so hvlab itself never changes namespace.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "err.h"
#include "proc.h"
#include "lab/hostdisk.h"

#define MOUNTS_FILE "mounts"
/* The node's init reads service lines into 4 KiB (lab/hostinit.c). */
#define SERVICE_LINE_MAX 4096

/* Paths that are the node's own (the lab mounts them) or the kernel's. */
static const char *const reserved[] = { "/", "/proc", "/sys", "/dev",
	"/run", NULL };
static const char *const reserved_tree[] = { "/proc/", "/sys/", NULL };

int
hostdisk_check_path(const char *path, char *err)
{
	const char *p, *c;
	size_t i, len = strlen(path);

	if (path[0] != '/')
		return err_set(err, "'%s' is not an absolute path", path);
	if (len >= HOSTDISK_PATH_MAX)
		return err_set(err, "'%.60s...' is longer than %d bytes", path,
		    HOSTDISK_PATH_MAX - 1);
	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(path, reserved[i]) == 0)
			return err_set(err, "'%s' is the node's own: it "
			    "cannot be declared", path);
	for (i = 0; reserved_tree[i] != NULL; i++)
		if (strncmp(path, reserved_tree[i],
		    strlen(reserved_tree[i])) == 0)
			return err_set(err, "'%s' is under %.5s, the node's "
			    "own", path, reserved_tree[i]);
	for (p = path; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._-/", *p) != NULL))
			return err_set(err, "'%s': character '%c' is not one "
			    "of [A-Za-z0-9._-/]", path, *p);
	/* Components: none empty, ".", ".." (also catches a trailing /). */
	for (c = path + 1; ; c = p + 1) {
		size_t n;

		p = strchr(c, '/');
		n = p ? (size_t)(p - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return err_set(err, "'%s' has an empty, '.' or '..' "
			    "component", path);
		if (p == NULL)
			break;
	}
	return 0;
}

void
hostdisk_name(const char *path, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", path + 1);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '/')
			buf[i] = '-';
}

int
hostdisk_load(const char *disk, struct hostdisk_dir *d, size_t max,
    size_t *n, char *err)
{
	char path[1024], line[512], kind[16], dir[HOSTDISK_PATH_MAX + 8];
	int lineno = 0, rc = -1;
	char e[ERR_LEN];
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", disk, MOUNTS_FILE);
	if ((f = fopen(path, "r")) == NULL)
		return errno == ENOENT ? 0 : err_errno(err, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (sscanf(line, "%15s %207s", kind, dir) != 2 ||
		    (strcmp(kind, "keep") != 0 && strcmp(kind, "tmpfs") != 0)) {
			err_set(err, "%s:%d: expected 'keep PATH' or 'tmpfs "
			    "PATH'", path, lineno);
			goto out;
		}
		if (hostdisk_check_path(dir, e) == -1) {
			err_set(err, "%s:%d: %s", path, lineno, e);
			goto out;
		}
		if (*n == max) {
			err_set(err, "%s:%d: more than %zu directories", path,
			    lineno, max);
			goto out;
		}
		snprintf(d[*n].hd_path, sizeof(d[*n].hd_path), "%s", dir);
		d[*n].hd_tmpfs = kind[0] == 't';
		(*n)++;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[1024], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* What the child in the host's mount namespace does. */
struct ns_job {
	const char *j_path;		/* in the host */
	int j_srcfd;			/* bind: open_tree of the disk dir, or -1 */
	const void *j_data;		/* put: the file */
	size_t j_len;
	mode_t j_mode;
};

/* Mount a tmpfs or bind j_srcfd on j_path.  Returns errno or 0. */
static int
ns_mount(void *arg)
{
	const struct ns_job *j = arg;
	char src[64];
	struct stat st;

	if (mkdir_p(j->j_path, 0755) == -1 || stat(j->j_path, &st) == -1)
		return errno;
	/* A tmpfs keeps the mode of the directory it covers (as
	 * hvlab-init mounts it at power-on). */
	if (j->j_srcfd < 0) {
		snprintf(src, sizeof(src), "mode=%04o,size=256m",
		    (unsigned)(st.st_mode & 07777));
		return mount("tmpfs", j->j_path, "tmpfs", MS_NOSUID |
		    MS_NODEV, src) == -1 ? errno : 0;
	}
	/* j_srcfd is a detached copy of the disk directory's mount
	 * (open_tree before we entered), so the host's view of the
	 * machine's paths does not matter. */
	return move_mount(j->j_srcfd, "", AT_FDCWD, j->j_path,
	    MOVE_MOUNT_F_EMPTY_PATH) == -1 ? errno : 0;
}

/* Write the file (temporary name, then rename).  Returns errno or 0. */
static int
ns_put(void *arg)
{
	const struct ns_job *j = arg;
	char dir[1024], tmp[1100], *slash;
	const char *p = j->j_data;
	size_t left = j->j_len;
	int fd, e;

	snprintf(dir, sizeof(dir), "%s", j->j_path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir, 0755) == -1)
			return errno;
	}
	snprintf(tmp, sizeof(tmp), "%s.hvlab-put", j->j_path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    j->j_mode)) == -1)
		return errno;
	while (left > 0) {
		ssize_t w = write(fd, p, left);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = errno ? errno : EIO;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, j->j_mode) == -1 || close(fd) == -1) {
		e = errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, j->j_path) == -1) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return e;
}

/* Make disk/NAME for a kept path, filled from the machine's copy. */
static int
keep_seed(const char *disk, const char *path, char *src, size_t srclen,
    char *err)
{
	char name[HOSTDISK_PATH_MAX], from[HOSTDISK_PATH_MAX + 4];
	const char *cp[] = { "cp", "-a", from, src, NULL };
	struct stat st;

	hostdisk_name(path, name, sizeof(name));
	if ((size_t)snprintf(src, srclen, "%s/%s", disk, name) >= srclen)
		return err_set(err, "%s/%s: path too long", disk, name);
	if (stat(src, &st) == 0)
		return 0;		/* declared before: keep what it holds */
	if (mkdir(src, 0755) == -1)
		return err_errno(err, "%s", src);
	if (stat(path, &st) == -1 || !S_ISDIR(st.st_mode))
		return 0;		/* nothing of it on the machine */
	snprintf(from, sizeof(from), "%s/.", path);
	if (proc_run(cp, NULL, 120000, NULL, err) == -1)
		return err_prefix(err, "fill %s from the machine's %s", src,
		    path);
	/* The copy has the machine's owner and mode: keep them. */
	if (chown(src, st.st_uid, st.st_gid) == -1 ||
	    chmod(src, st.st_mode & 07777) == -1)
		return err_errno(err, "%s", src);
	return 0;
}

/* Record, make and (pid > 0) mount one directory. */
static int
declare_one(const char *disk, pid_t pid, const char *path, int tmpfs,
    char *err)
{
	char src[1024], line[HOSTDISK_PATH_MAX + 16], mf[1024];
	struct ns_job j;
	FILE *f;
	int r;

	memset(&j, 0, sizeof(j));
	j.j_path = path;
	j.j_srcfd = -1;
	if (!tmpfs && keep_seed(disk, path, src, sizeof(src), err) == -1)
		return -1;
	if (pid > 0) {
		if (!tmpfs && (j.j_srcfd = open_tree(AT_FDCWD, src,
		    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) == -1)
			return err_errno(err, "%s", src);
		r = ns_run(NULL, pid, PROC_NS_MNT, ns_mount, &j, err);
		if (j.j_srcfd >= 0)
			close(j.j_srcfd);
		if (r > 0)
			err_set(err, "mount %s on %s in the host: %s",
			    tmpfs ? "a tmpfs" : src, path, strerror(r));
		if (r != 0)
			return -1;
	}
	snprintf(mf, sizeof(mf), "%s/%s", disk, MOUNTS_FILE);
	snprintf(line, sizeof(line), "%s %s\n", tmpfs ? "tmpfs" : "keep",
	    path);
	if ((f = fopen(mf, "a")) == NULL)
		return err_errno(err, "%s", mf);
	if (fputs(line, f) == EOF) {
		fclose(f);
		return err_errno(err, "%s", mf);
	}
	if (fclose(f) != 0)
		return err_errno(err, "%s", mf);
	return 0;
}

/* 1 when path is in d[0..n-1] (as a tmpfs when tmpfs, else kept); -1
 * with err when it is there as the other kind. */
static int
declared(const struct hostdisk_dir *d, size_t n, const char *path,
    int tmpfs, char *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(d[i].hd_path, path) != 0)
			continue;
		if (d[i].hd_tmpfs != tmpfs)
			return err_set(err, "%s is declared already as %s",
			    path, d[i].hd_tmpfs ? "private (tmpfs)" : "kept");
		return 1;
	}
	return 0;
}

int
hostdisk_declare(const char *disk, pid_t pid, const char *const keep[],
    const char *const tmpfs[], char *err)
{
	const char *const *lists[2] = { keep, tmpfs };
	struct hostdisk_dir d[HOSTDISK_MAX];
	size_t n, k, i, total;
	char e[ERR_LEN];
	int r;

	if (hostdisk_load(disk, d, HOSTDISK_MAX, &n, err) == -1)
		return -1;
	/* Check every path before changing anything. */
	total = n;
	for (k = 0; k < 2; k++)
		for (i = 0; lists[k] != NULL && lists[k][i] != NULL; i++) {
			if (hostdisk_check_path(lists[k][i], e) == -1)
				return err_set(err, "%s: %s", k ? "tmpfs" :
				    "keep", e);
			if ((r = declared(d, n, lists[k][i], (int)k, err)) ==
			    -1)
				return -1;
			if (r == 0 && ++total > HOSTDISK_MAX)
				return err_set(err, "more than %d directories "
				    "on one host", HOSTDISK_MAX);
		}
	for (k = 0; k < 2; k++)
		for (i = 0; lists[k] != NULL && lists[k][i] != NULL; i++) {
			if (declared(d, n, lists[k][i], (int)k, e) != 0)
				continue;
			if (declare_one(disk, pid, lists[k][i], (int)k,
			    err) == -1)
				return -1;
			if (n < HOSTDISK_MAX) {
				snprintf(d[n].hd_path, sizeof(d[n].hd_path),
				    "%s", lists[k][i]);
				d[n++].hd_tmpfs = (int)k;
			}
		}
	return 0;
}

int
hostdisk_put(pid_t pid, const char *path, const void *data, size_t len,
    mode_t mode, char *err)
{
	struct ns_job j;
	int r;

	if (path[0] != '/' || strstr(path, "/../") != NULL ||
	    path[strlen(path) - 1] == '/')
		return err_set(err, "put: '%s' is not an absolute file path",
		    path);
	if (pid <= 0)
		return err_set(err, "put %s: the node is off", path);
	memset(&j, 0, sizeof(j));
	j.j_path = path;
	j.j_srcfd = -1;
	j.j_data = data;
	j.j_len = len;
	j.j_mode = mode;
	r = ns_run(NULL, pid, PROC_NS_MNT, ns_put, &j, err);
	if (r > 0)
		return err_set(err, "put %s: %s", path, strerror(r));
	return r;
}

/* The services line of kind and argv into buf, or -1 with err. */
static int
service_line(const char *kind, const char *const argv[], char *buf,
    size_t len, char *err)
{
	size_t off, i;
	const char *c;

	if (strcmp(kind, "run") != 0 && strcmp(kind, "daemon") != 0 &&
	    strcmp(kind, "respawn") != 0)
		return err_set(err, "service kind '%s': run, daemon or respawn",
		    kind);
	if (argv == NULL || argv[0] == NULL)
		return err_set(err, "service: no command");
	off = (size_t)snprintf(buf, len, "%s", kind);
	for (i = 0; argv[i] != NULL; i++) {
		if (argv[i][0] == '\0')
			return err_set(err, "service: word %zu is empty",
			    i + 1);
		for (c = argv[i]; *c != '\0'; c++)
			if (*c == ' ' || *c == '#' || iscntrl((unsigned char)*c))
				return err_set(err, "service: word '%s' holds "
				    "a blank, '#' or control character (the "
				    "node's init splits on blanks)", argv[i]);
		off += (size_t)snprintf(buf + off, off < len ? len - off : 0,
		    " %s", argv[i]);
		if (off + 2 >= len)
			return err_set(err, "service: line over %zu bytes",
			    len - 2);
	}
	buf[off++] = '\n';
	buf[off] = '\0';
	return 0;
}

int
hostdisk_service(const char *disk, const char *kind,
    const char *const argv[], char *err)
{
	char path[PATH_MAX], line[SERVICE_LINE_MAX], buf[SERVICE_LINE_MAX];
	FILE *f;
	int present = 0;

	if (service_line(kind, argv, line, sizeof(line), err) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/services", disk);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			present |= strcmp(buf, line) == 0;
		fclose(f);
	} else if (errno != ENOENT)
		return err_errno(err, "%s", path);
	if (present)
		return 0;
	if ((f = fopen(path, "a")) == NULL)
		return err_errno(err, "%s", path);
	if (fputs(line, f) == EOF) {
		fclose(f);
		return err_errno(err, "%s", path);
	}
	if (fclose(f) != 0)
		return err_errno(err, "%s", path);
	return 0;
}
