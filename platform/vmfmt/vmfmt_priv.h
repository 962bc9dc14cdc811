/*
 * vmfmt_priv.h - what the files of platform/vmfmt/ share: member names,
 * the temporary directory an import writes into, the safe XML reader,
 * digests, tar reading.  Private to platform/vmfmt/.
 */
#ifndef HV_VMFMT_PRIV_H
#define HV_VMFMT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <gnutls/crypto.h>
#include <libxml/tree.h>
#include <limits.h>
#include <cjson/cJSON.h>

#include "platform/vmfmt/vmfmt.h"

/* A member name an archive may hold: not empty, at most
 * VMFMT_FILE_MAX - 1 bytes, printable, no "/" unless slash_ok (then no
 * empty, "." or ".." component and no leading "/").  0 or -1 with err. */
int vmfmt_name_check(const char *name, int slash_ok, char *err);

/* The temporary directory beside dest (which must not exist):
 * PARENT/.BASE.tmp-XXXXXX into tmp (len bytes). */
int vmfmt_tmp_make(const char *dest, char *tmp, size_t len, char *err);
/* Remove tmp and the files in it (it holds no directories). */
void vmfmt_tmp_remove(const char *tmp);
/* Rename tmp onto dest, which must still not exist. */
int vmfmt_publish(const char *tmp, const char *dest, char *err);

/*
 * Parse an XML document of len bytes (at most max) without network,
 * DTD or entities: a DOCTYPE is refused before anything is expanded.
 * what names the document in err.  The caller frees with xmlFreeDoc.
 */
xmlDocPtr vmfmt_xml_read(const char *buf, size_t len, size_t max,
    const char *what, char *err);
/* The text of node's children (NULL-safe), as a malloc'd string. */
char *vmfmt_xml_text(xmlNodePtr node);
/* The first element child of node called name (any namespace). */
xmlNodePtr vmfmt_xml_child(xmlNodePtr node, const char *name);

/* SHA-1 and SHA-256 of one stream. */
struct vmfmt_digest {
	gnutls_hash_hd_t dg_sha1;
	gnutls_hash_hd_t dg_sha256;
};
int vmfmt_digest_init(struct vmfmt_digest *d, char *err);
void vmfmt_digest_add(struct vmfmt_digest *d, const void *buf, size_t len);
/* Lower case hex of both into sha1 (41 bytes) and sha256 (65 bytes);
 * the digest is done. */
void vmfmt_digest_end(struct vmfmt_digest *d, char *sha1, char *sha256);

/* A tar archive (only tar: no compression, no other format) open for
 * reading from path.  NULL with err. */
struct archive *vmfmt_tar_open(const char *path, char *err);
/* The next member's header: 1, 0 at the end of the archive, -1 with err
 * (a truncated or damaged archive). */
int vmfmt_tar_next(struct archive *a, const char *path,
    struct archive_entry **e, char *err);
/* Read exactly len bytes of the current member into buf. */
int vmfmt_tar_read(struct archive *a, const char *path, const char *member,
    void *buf, size_t len, char *err);

/* Read a whole file of at most max bytes (malloc'd, NUL-terminated). */
int vmfmt_file_read(const char *path, size_t max, char **out, size_t *len,
    char *err);
/* Write len bytes to a new file path (O_EXCL). */
int vmfmt_file_write(const char *path, const void *buf, size_t len,
    char *err);

/* An import under way: its temporary directory beside dest and the
 * files its disks are extracted (or rebuilt) into, tmp/src-N. */
struct vmfmt_import {
	const char	*im_dest;
	char		 im_tmp[PATH_MAX];
	char		*im_src[VMFMT_MAX_DISKS];
	int		 im_made;
};

/* Make the temporary directory and the names of n disks' files. */
int vmfmt_import_begin(struct vmfmt_import *im, const char *dest, int n,
    char *err);
/*
 * rc is how the extraction went: when 0, the disks are converted
 * (vmfmt_disks_import), vm.json written and the directory renamed to
 * dest.  Either way everything not published is removed.  Returns 0, or
 * -1 with err.
 */
int vmfmt_import_end(struct vmfmt_import *im, int rc, struct vmfmt_vm *vm,
    const struct vmfmt_limits *l, char *err);

/* A JSON object with vm's name, vcpus and memory_mib. */
cJSON *vmfmt_json_head(const struct vmfmt_vm *vm);

/* dir/diskN.qcow2 into buf. */
void vmfmt_disk_path(const char *dir, int i, char *buf, size_t len);

/* Convert the members an import extracted (or rebuilt) into tmp to
 * tmp/diskN.qcow2, each checked against what vm declares (format and
 * virtual size); the sources are removed.  src[i] is disk i's file. */
int vmfmt_disks_import(const char *tmp, char *const src[],
    struct vmfmt_vm *vm, const struct vmfmt_limits *l, char *err);

/* --- OVF packages: an OVA or a .ovf beside its files (pkg.c) --- */

/* A file of a package: an OVA's member or a file beside a .ovf. */
struct pkg_member {
	char	 pm_name[VMFMT_FILE_MAX];
	int64_t	 pm_size;
	char	 pm_sha1[41];
	char	 pm_sha256[65];
};

/* What an import's first pass found: every member digested, the
 * descriptor (always member 0) and the manifest kept. */
struct pkg_scan {
	const char		*ps_path;
	const struct vmfmt_limits *ps_lim;
	int			 ps_n;
	struct pkg_member	 ps_m[MF_MAX_ENTRIES];
	char			*ps_ovf, *ps_mf;	/* contents */
	size_t			 ps_ovf_len, ps_mf_len;
	int			 ps_mf_idx;		/* member, or -1 */
};

/* Where a member's bytes come from: an OVA's tar or a file. */
struct pkg_reader {
	/* exactly len more bytes of m into buf: 0, or -1 with err */
	int	(*pr_read)(struct pkg_reader *r, const struct pkg_member *m,
		    void *buf, size_t len, char *err);
	const char *pr_path;	/* the package, for messages */
	void	*pr_arg;	/* the tar (struct archive *) or the fd */
};

/*
 * m->pm_size bytes of m through r into m's digests; kept in *keep
 * (malloc'd, NUL-terminated) when keep is not NULL, written to fd when
 * fd >= 0.  0, or -1 with err.
 */
int pkg_member_read(struct pkg_reader *r, struct pkg_member *m,
    char **keep, int fd, char *err);

/* Every member but the manifest is in it with the same digest, and it
 * names nothing else (nor itself).  0 or -1 with err. */
int pkg_manifest_check(const struct pkg_scan *s, char *err);
/* The descriptor parses into vm and names members as its disks, of the
 * sizes it declares.  0 or -1 with err. */
int pkg_descriptor_check(const struct pkg_scan *s, struct vmfmt_vm *vm,
    char *err);
/* The member called name, or NULL. */
const struct pkg_member *pkg_member_find(const struct pkg_scan *s,
    const char *name);
/* The disk index of file name in vm, or -1. */
int pkg_disk_index(const struct vmfmt_vm *vm, const char *name);

/* A package made for export: the disks as streamOptimized VMDKs, files
 * po_dir/BASE-diskN.vmdk; the descriptor BASE.ovf and the manifest
 * BASE.mf (SHA-256 of the descriptor and of every disk) in memory. */
struct pkg_out {
	const char	*po_dir;
	char		 po_base[VMFMT_FILE_MAX];	/* "" = the VM's name */
	struct vmfmt_vm	 po_vm;		/* as the descriptor says */
	char		*po_ovf;	/* malloc'd */
	size_t		 po_ovf_len;
	char		 po_mf[MF_MAX_ENTRIES * 200];
	size_t		 po_mf_len;
};

/* po from the import directory src (vm.json and its disks); po_dir and
 * po_base set by the caller.  0 (free po_ovf), or -1 with err. */
int pkg_out_make(const char *src, struct pkg_out *po,
    const struct vmfmt_limits *l, char *err);

#endif
