/*
 * hostdisk.h - what a platform installer asks of a lab host's disk, in
 * the words a real host would give it: directories the host keeps across
 * power cycles, directories private to one boot, and files put on it.
 *
 * The lab knows no platform: the installer (a platform driver) names the
 * directories.  They are recorded in the host's disk (disk/mounts, one
 * `keep PATH` or `tmpfs PATH` per line), bound into the running host at
 * once and again at every power-on by its init (lab/hostinit.c).  A kept
 * directory lives in disk/<path with '/' as '-'> ("/var/lib/libvirt" ->
 * disk/var-lib-libvirt); the first time it is declared it is filled with
 * the machine's copy of that directory, as an installed system has its
 * packages' files there.  docs/lab.md, "Directories a platform declares".
 */
#ifndef HV_LAB_HOSTDISK_H
#define HV_LAB_HOSTDISK_H

#include <stddef.h>
#include <sys/types.h>

#define HOSTDISK_MAX 24		/* declared directories per host */
#define HOSTDISK_PATH_MAX 200

struct hostdisk_dir {
	char hd_path[HOSTDISK_PATH_MAX];	/* as the host sees it */
	int hd_tmpfs;			/* 1: private per boot; 0: kept */
};

/*
 * 0 when path may be declared: absolute, at most HOSTDISK_PATH_MAX-1
 * bytes of [A-Za-z0-9._-/], no empty, "." or ".." component, no trailing
 * '/', and not /, /proc, /sys, /dev or /run themselves nor under /proc or
 * /sys (the node's own).  -1 with err naming path.  Pure.
 */
int hostdisk_check_path(const char *path, char *err);

/* The disk directory name of a kept path ("/etc/libvirt" ->
 * "etc-libvirt").  Pure; path must pass hostdisk_check_path. */
void hostdisk_name(const char *path, char *buf, size_t len);

/*
 * The directories declared on disk (disk/mounts; none when it is
 * missing) into d[0..*n-1].  -1 with err "FILE:LINE: ..." on a bad line.
 */
int hostdisk_load(const char *disk, struct hostdisk_dir *d, size_t max,
    size_t *n, char *err);

/*
 * Declare keep[] and tmpfs[] (NULL-terminated, either may be NULL) on
 * disk; paths declared already are left as they are.  New kept ones are
 * made and filled from the machine's copy; when pid > 0 (the host's init
 * runs) each new one is mounted in the host's mount namespace now.  All
 * paths are checked first: nothing is changed when one is bad.
 */
int hostdisk_declare(const char *disk, pid_t pid, const char *const keep[],
    const char *const tmpfs[], char *err);

/*
 * Write data[0..len-1] to path inside the mount namespace of pid (a
 * node's init), making its parent directories; mode as given.  Written
 * to a temporary name and renamed, so a reader never sees half a file.
 */
int hostdisk_put(pid_t pid, const char *path, const void *data, size_t len,
    mode_t mode, char *err);

/*
 * Enable a service at every power-on of the node (what `systemctl
 * enable` gives on a real host): one line "KIND WORD..." in the disk's
 * services file (disk/services, read by the node's init after the lab's
 * own services), added once.  kind is run, daemon or respawn; a word may
 * hold no blank, '#' or control character (the init splits on blanks).
 * Nothing is written when a word is refused.
 */
int hostdisk_service(const char *disk, const char *kind,
    const char *const argv[], char *err);

#endif
