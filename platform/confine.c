/*
 * confine.c - keeping a caller's host paths inside the directories
 * hvd.conf allows, and the CPU and NIC model lists (see confine.h).
 *
 * A path is judged by what it resolves to, not by its spelling: a symlink
 * in an image directory pointing at /etc/shadow resolves outside it.  The
 * allowed directories are resolved too, so /var/lib/hvd may itself be a
 * symlink to a data disk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/confine.h"

const char *const confine_cpu_models[] = { "qemu64", "qemu32", "kvm64",
	"kvm32", "max", "host", "Nehalem", "Westmere", "SandyBridge",
	"IvyBridge", "Haswell", "Broadwell", "Skylake-Client",
	"Skylake-Server", "Cascadelake-Server", "Icelake-Server", "EPYC",
	"EPYC-Rome", "EPYC-Milan", NULL };

/* microvm has no PCI bus: its NICs are virtio-mmio devices. */
static const char *const nics_pci[] = { "virtio-net-pci", "e1000",
	"e1000e", "rtl8139", NULL };
static const char *const nics_mmio[] = { "virtio-net-device", NULL };

const char *const *
confine_nic_models(const char *machine)
{
	return strcmp(machine, "microvm") == 0 ? nics_mmio : nics_pci;
}

void
confine_list_join(const char *const list[], char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; list[i] != NULL && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
		    list[i]);
}

/* Absolute, and no component is "..". */
static int
path_plain(const char *p, size_t n)
{
	size_t i = 0, k;

	if (n == 0 || p[0] != '/')
		return 0;
	while (i < n) {
		while (i < n && p[i] == '/')
			i++;
		for (k = i; k < n && p[k] != '/'; k++)
			;
		if (k - i == 2 && p[i] == '.' && p[i + 1] == '.')
			return 0;
		i = k;
	}
	return 1;
}

int
confine_dirs_check(const char *dirs, char *err)
{
	const char *p = dirs;
	size_t n;
	int count = 0;

	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (!path_plain(p, n) || n >= PATH_MAX)
			return err_set(err, "'%.*s' is not an absolute directory "
			    "path without '..'", (int)(n > 200 ? 200 : n), p);
		if (++count > CONFINE_DIRS_MAX)
			return err_set(err, "at most %d directories",
			    CONFINE_DIRS_MAX);
		p += n;
	}
	return count > 0 ? 0 : err_set(err, "no directory given");
}

/* resolved lies in dir (or is dir), both compared resolved. */
static int
path_within(const char *resolved, const char *dir, size_t n)
{
	char d[PATH_MAX], rd[PATH_MAX];
	size_t l;

	snprintf(d, sizeof(d), "%.*s", (int)n, dir);
	if (realpath(d, rd) == NULL)
		snprintf(rd, sizeof(rd), "%s", d);
	l = strlen(rd);
	while (l > 1 && rd[l - 1] == '/')
		rd[--l] = '\0';
	if (strcmp(rd, "/") == 0)
		return 1;
	return strncmp(resolved, rd, l) == 0 &&
	    (resolved[l] == '\0' || resolved[l] == '/');
}

int
confine_path(struct confine_req *r, const char *path, char *err)
{
	const char *p = r->cr_dirs;
	size_t n;

	r->cr_resolved[0] = '\0';
	if (!path_plain(path, strlen(path)))
		return err_set(err, "%s: '%s' must be an absolute path without "
		    "'..'", r->cr_field, path);
	if (realpath(path, r->cr_resolved) == NULL) {
		if (errno != ENOENT || !(r->cr_flags & CONFINE_MISSING_OK))
			return err_errno(err, "%s: '%s'", r->cr_field, path);
		snprintf(r->cr_resolved, sizeof(r->cr_resolved), "%s", path);
	}
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (path_within(r->cr_resolved, p, n))
			return 0;
		p += n;
	}
	if (strcmp(r->cr_resolved, path) != 0)
		return err_set(err, "%s: '%s' resolves to '%s', which is not "
		    "in the directories %s allows (%s)", r->cr_field, path,
		    r->cr_resolved, r->cr_key, r->cr_dirs);
	return err_set(err, "%s: '%s' is not in the directories %s allows "
	    "(%s)", r->cr_field, path, r->cr_key, r->cr_dirs);
}
