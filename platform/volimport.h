/*
 * volimport.h - a volume's content from an image on the node, and what a
 * volume takes and holds as stored (volimport.c).
 */
#ifndef HVD_VOLIMPORT_H
#define HVD_VOLIMPORT_H

#include <limits.h>
#include <stdint.h>

/* The default of hvd.conf's import_dirs. */
#define VOLIMPORT_DIRS	"/var/lib/hvd/import"

/* 1 when fmt is a source format hvd imports ("qcow2", "raw"). */
int volimport_format_ok(const char *fmt);

/*
 * `qemu-img info --output=json -f fmt` of an image (json): its format is
 * fmt, it has no backing file and no external data file, and a size,
 * into *vsize (bytes).  0, or -1 with err saying what is wrong.  Pure.
 */
int volimport_info_check(const char *json, const char *fmt, int64_t *vsize,
    char *err);

/*
 * An image to import: path resolves into one of dirs (space-separated,
 * hvd.conf import_dirs), is a regular file, and is a fmt image as
 * volimport_info_check wants it.  resolved and *vsize filled.  0, or -1
 * with err starting with "source".
 */
int volimport_source(const char *path, const char *fmt, const char *dirs,
    char resolved[PATH_MAX], int64_t *vsize, char *err);

/* Copy src (a fmt image) into dst, a new empty qcow2 at least as large
 * (file or iscsi:// URI).  0, or -1 with err. */
int volimport_copy(const char *src, const char *fmt, const char *dst,
    char *err);

/* What the volume at path takes as stored: a file's allocated blocks, or
 * on a LUN (on_lun) where its qcow2 ends.  0, or -1 with err. */
int volume_alloc(const char *path, int on_lun, uint64_t *bytes, char *err);

/* SHA-256 of the volume as stored: the whole file, or on a LUN the bytes
 * up to where its qcow2 ends (copied into a temporary file in tmpdir
 * first); *bytes = how many were hashed.  0, or -1 with err. */
int volume_digest(const char *path, int on_lun, const char *tmpdir,
    char hex[65], uint64_t *bytes, char *err);

#endif
