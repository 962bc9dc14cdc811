/*
 * probe_ns.c - switch the calling thread into a network namespace and back
 * (see probe_ns.h).
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "probes/probe_ns.h"

int
probe_ns_enter(const char *netns, int *back, char *err)
{
	char path[256];
	int fd = -1;

	*back = -1;
	if (netns == NULL)
		return 0;
	if (strchr(netns, '/') != NULL)
		snprintf(path, sizeof(path), "%s", netns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", netns);
	*back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*back == -1)
		return err_errno(err, "/proc/thread-self/ns/net");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		err_errno(err, "network namespace %s", path);
		goto fail;
	}
	if (setns(fd, CLONE_NEWNET) == -1) {
		err_errno(err, "enter network namespace %s", path);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	close(*back);
	*back = -1;
	return -1;
}

int
probe_ns_leave(int back, char *err)
{
	int rc = 0;

	if (back == -1)
		return 0;
	if (setns(back, CLONE_NEWNET) == -1)
		rc = err_errno(err, "return to the caller's network namespace");
	close(back);
	return rc;
}
