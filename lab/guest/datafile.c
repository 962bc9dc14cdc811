/*
 * datafile.c - write a pattern file durably and checksum files for the
 * guest agent (datafile.h).  Runs in the guest (static, no NSS) and in the
 * unit tests on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datafile.h"

/* On the stack: the agent serves each connection on a thread of its own
 * (256 KiB stacks). */
#define DATAFILE_CHUNK	16384

static int
df_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
df_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

void
datafile_pattern(uint64_t *state, unsigned char *buf, size_t len)
{
	uint64_t x = *state, v;
	size_t i, k;

	for (i = 0; i < len; i += 8) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 0x2545F4914F6CDD1DULL;
		for (k = 0; k < 8 && i + k < len; k++)
			buf[i + k] = (unsigned char)(v >> (8 * k));
	}
	*state = x;
}

static int
df_check_path(const char *path, char *err, size_t len)
{
	if (path == NULL || path[0] != '/')
		return df_err(err, len, "PATH must be absolute");
	if (strlen(path) >= DATAFILE_PATH_MAX - 16)
		return df_err(err, len, "PATH is longer than %d bytes",
		    DATAFILE_PATH_MAX - 17);
	return 0;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int
df_sync_dir(const char *path)
{
	char dir[DATAFILE_PATH_MAX];
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Write the pattern into fd and hash it.  0 or -1 (errno). */
static int
df_fill(int fd, uint64_t bytes, uint64_t seed, struct sha256 *h)
{
	unsigned char buf[DATAFILE_CHUNK];
	/* xorshift gets stuck at 0: seed 0 is taken as another value. */
	uint64_t state = seed ? seed : 0x9E3779B97F4A7C15ULL, left = bytes;
	size_t n, off;
	ssize_t w;

	while (left > 0) {
		n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		datafile_pattern(&state, buf, n);
		sha256_update(h, buf, n);
		for (off = 0; off < n; off += (size_t)w) {
			w = write(fd, buf + off, n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0)
				return -1;
		}
		left -= n;
	}
	return 0;
}

int
datafile_write(const char *path, uint64_t bytes, uint64_t seed,
    char hex[SHA256_HEX_LEN], char *err, size_t errlen)
{
	char tmp[DATAFILE_PATH_MAX];
	struct sha256 h;
	int fd = -1;

	if (df_check_path(path, err, errlen) < 0)
		return -1;
	if (bytes > DATAFILE_MAX_BYTES)
		return df_err(err, errlen, "BYTES must be 0..%llu",
		    (unsigned long long)DATAFILE_MAX_BYTES);
	snprintf(tmp, sizeof(tmp), "%s.hvlab-tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	sha256_init(&h);
	if (df_fill(fd, bytes, seed, &h) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0 || df_sync_dir(path) < 0)
		goto fail;
	sha256_final_hex(&h, hex);
	return 0;
fail:
	df_err(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int
datafile_sum(const char *path, uint64_t *bytes, char hex[SHA256_HEX_LEN],
    char *err, size_t errlen)
{
	unsigned char buf[DATAFILE_CHUNK];
	struct sha256 h;
	struct stat st;
	ssize_t n;
	int fd;

	*bytes = 0;
	if (df_check_path(path, err, errlen) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return df_err(err, errlen, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		return df_err(err, errlen, "%s: not a regular file", path);
	}
	sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			df_err(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		sha256_update(&h, buf, (size_t)n);
		*bytes += (uint64_t)n;
	}
	close(fd);
	sha256_final_hex(&h, hex);
	return 0;
}
