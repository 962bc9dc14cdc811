/*
 * fuzz_util.c - the input as a file for loaders that take a path
 * (fuzz_util.h).
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/fuzz_util.h"

int
fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		return -1;
	while (off < size) {
		if ((n = write(fd, data + off, size - off)) <= 0)
			goto fail;
		off += (size_t)n;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
fail:
	close(fd);
	return -1;
}
