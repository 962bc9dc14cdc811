/*
 * confine.h - which host files, directories and devices a caller of the
 * API may name.  hvd runs QEMU and qemu-img as root, so every host path
 * in a VM config or a pool is kept inside directories hvd.conf names
 * (image_dirs for kernels and initrds, pool_dirs for dir pools), after
 * symlinks are followed; CPU and NIC models come from fixed lists.
 */
#ifndef HVD_CONFINE_H
#define HVD_CONFINE_H

#include <limits.h>
#include <stddef.h>

/* The defaults of image_dirs and pool_dirs (like Proxmox's /var/lib/vz). */
#define CONFINE_IMAGE_DIRS	"/var/lib/hvd/images"
#define CONFINE_POOL_DIRS	"/var/lib/hvd/pools"
#define CONFINE_DIRS_MAX	8	/* directories in one list */

/* confine_path flags */
#define CONFINE_MISSING_OK 0x1	/* a path absent here passes on its
				 * spelling alone (it is checked again on
				 * the node that opens it) */

/* One path to check: against which list, named how in errors. */
struct confine_req {
	const char	*cr_dirs;	/* space-separated absolute dirs */
	const char	*cr_key;	/* "image_dirs" or "pool_dirs" */
	const char	*cr_field;	/* "kernel", "path", ... */
	int		 cr_flags;	/* CONFINE_* */
	char		 cr_resolved[PATH_MAX]; /* out: the path resolved */
};

/*
 * A list of directories as hvd.conf gives it: 1 to CONFINE_DIRS_MAX
 * absolute paths without '..' components.  0, or -1 with err naming the
 * first bad one.
 */
int confine_dirs_check(const char *dirs, char *err);

/*
 * path is absolute, has no '..' component, and once resolved (realpath:
 * every symlink followed) is one of r->cr_dirs or lies below one (each
 * resolved too).  r->cr_resolved gets the resolved path (the spelling
 * when missing and CONFINE_MISSING_OK).  0, or -1 with err starting with
 * the field and naming the allowed directories.
 */
int confine_path(struct confine_req *r, const char *path, char *err);

/* The CPU models QEMU's -cpu may get ("host" among them: KVM only, see
 * vm.c), and the NIC models for a machine type; NULL-terminated. */
extern const char *const confine_cpu_models[];
const char *const *confine_nic_models(const char *machine);

/* The list joined by ", " into buf (for messages). */
void confine_list_join(const char *const list[], char *buf, size_t len);

#endif
