/*
 * vmfmt.h - VM and disk import/export formats: disk images through
 * qemu-img (raw, qcow2, VMDK, VHD, VHDX), OVF envelopes, OVA packages
 * (and OVF descriptors beside their files) and XenServer/XCP-ng XVA
 * exports (docs/import-export.md).
 *
 * Packages come from outside: every import reads the whole package once
 * to validate it (member names and types, sizes, checksums, the
 * descriptor) before it writes anything, then writes into a temporary
 * directory beside the destination and renames it at the end; on any
 * error it removes what it made.  An import produces a directory of its
 * own: vm.json (struct vmfmt_vm as JSON) and disk0.qcow2, disk1.qcow2...
 * An export reads such a directory.
 *
 * The parsers of the descriptors (ovf_parse, mf_parse, xva_meta_parse)
 * are pure functions on a buffer, for the unit tests and fuzz harnesses.
 */
#ifndef HV_VMFMT_H
#define HV_VMFMT_H

#include <stddef.h>
#include <stdint.h>

#include "platform/vm.h"

#define VMFMT_MAX_DISKS	VM_MAX_DISKS
#define VMFMT_MAX_NICS	VM_MAX_NICS
#define VMFMT_FILE_MAX	128		/* a package member's name */
#define VMFMT_NET_MAX	64

/* One disk of a VM in a package. */
struct vmfmt_disk {
	char	 vd_file[VMFMT_FILE_MAX];	/* OVF: the member (File
						 * href); XVA: the VDI's
						 * chunk prefix "Ref:N";
						 * a directory: its file */
	char	 vd_format[16];		/* vmfmt format name (vmfmt_format) */
	int64_t	 vd_capacity;		/* virtual size, bytes */
	int64_t	 vd_size;		/* the member's size, -1 unknown */
};

struct vmfmt_nic {
	char	 vn_network[VMFMT_NET_MAX];	/* the network's name */
	char	 vn_model[24];			/* "" = default */
};

/* A VM as the formats carry it. */
struct vmfmt_vm {
	char	 vm_name[VM_NAME_MAX + 1];
	int	 vm_vcpus;
	int	 vm_memory_mib;
	int	 vm_ndisks;
	struct vmfmt_disk vm_disks[VMFMT_MAX_DISKS];
	int	 vm_nnics;
	struct vmfmt_nic vm_nics[VMFMT_MAX_NICS];
};

/* Bounds on what a package may declare or hold. */
struct vmfmt_limits {
	int64_t	 vl_disk_max;	/* a disk's virtual size, bytes */
	int64_t	 vl_member_max;	/* one tar member, bytes */
	int64_t	 vl_meta_max;	/* a descriptor (.ovf, .mf, ova.xml) */
	int	 vl_members_max;	/* members of an OVA */
};

/* 4 TiB disks, 4 TiB members, 4 MiB descriptors, 64 OVA members. */
void vmfmt_limits_default(struct vmfmt_limits *l);

/* --- disk formats (disk.c) --- */

struct vmfmt_format {
	const char	*vf_name;	/* "raw", "qcow2", "vmdk", "vmdk-stream",
					 * "vhd", "vhd-fixed", "vhdx" */
	const char	*vf_qemu;	/* qemu-img's -f / -O */
	const char	*vf_options;	/* -o for convert, or NULL */
	const char	*vf_subformat;	/* what qemu-img info reports as
					 * create-type / subformat, or NULL */
};

/* The format called name, or NULL. */
const struct vmfmt_format *vmfmt_format_find(const char *name);
/* "raw, qcow2, ..." for messages. */
const char *vmfmt_format_names(void);

struct vmfmt_info {
	char	 vi_format[16];		/* qemu's format name */
	int64_t	 vi_virtual_size;
	int64_t	 vi_actual_size;
};

/*
 * qemu-img info --output=json -f FMT on path, checked: the image opens
 * as that format (VMDK: its own subformat, one extent, the file itself),
 * no backing file, no external data file, a virtual size of at most
 * l->vl_disk_max.  0 and *info, or -1 with err naming path.
 */
int vmfmt_disk_check(const char *path, const struct vmfmt_format *f,
    const struct vmfmt_limits *l, struct vmfmt_info *info, char *err);
/*
 * Convert src (format from) to dst (format to) with qemu-img, formats
 * always explicit: src is checked first (vmfmt_disk_check), the image is
 * written to a temporary name beside dst and renamed onto dst, which must
 * not exist.  0, or -1 with err and nothing left at dst.
 */
int vmfmt_disk_convert(const char *src, const struct vmfmt_format *from,
    const char *dst, const struct vmfmt_format *to,
    const struct vmfmt_limits *l, char *err);

/* --- OVF descriptors (ovf.c), pure --- */

/*
 * Parse an OVF 1.x or 2.x envelope of len bytes into vm: References,
 * DiskSection, NetworkSection, one VirtualSystem with its
 * VirtualHardwareSection.  No network, no DTD, no entities (a DOCTYPE is
 * refused).  Every disk's file must be in References, every capacity at
 * most l->vl_disk_max.  0, or -1 with err naming the element.
 */
int ovf_parse(const char *buf, size_t len, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err);
/* An OVF 1.0 envelope for vm (disks as vd_file in vd_format, vd_size
 * bytes) in a malloc'd buffer *out of *len bytes.  0 or -1 with err. */
int ovf_write(const struct vmfmt_vm *vm, char **out, size_t *len,
    char *err);

/* --- manifests (manifest.c), pure --- */

#define MF_MAX_ENTRIES	64

struct mf_entry {
	char	 me_file[VMFMT_FILE_MAX];
	int	 me_algo;		/* MF_SHA1 or MF_SHA256 */
	char	 me_hex[65];		/* lower case */
	int	 me_line;
};
#define MF_SHA1		1
#define MF_SHA256	2

struct mf {
	int	 mf_n;
	struct mf_entry mf_entries[MF_MAX_ENTRIES];
};

/* Parse "SHA256(file)= hex" / "SHA1(file)= hex" lines; err names the
 * line.  A file listed twice is an error. */
int mf_parse(const char *buf, size_t len, struct mf *m, char *err);
/* The entry for file, or NULL. */
const struct mf_entry *mf_find(const struct mf *m, const char *file);

/* --- XVA metadata (xva_meta.c), pure --- */

/*
 * Parse an XVA's ova.xml (XAPI's XML-RPC struct {version, objects}) into
 * vm: the one VM object, its Disk VBDs in userdevice order (vd_file =
 * the VDI's id, the prefix of its chunks; vd_capacity its
 * virtual_size), its VIFs' networks by name.  0, or -1 with err naming
 * the object and field.
 */
int xva_meta_parse(const char *buf, size_t len,
    const struct vmfmt_limits *l, struct vmfmt_vm *vm, char *err);

/* --- packages --- */

/* Import the OVA at path into the new directory dest.  vm gets what it
 * described.  0, or -1 with err and nothing left at dest. */
int ova_import(const char *path, const char *dest,
    const struct vmfmt_limits *l, struct vmfmt_vm *vm, char *err);
/* Export the directory src (an import's layout) as the OVA dst (must
 * not exist): NAME.ovf, NAME.mf, streamOptimized VMDKs. */
int ova_export(const char *src, const char *dst,
    const struct vmfmt_limits *l, char *err);
/* Import the OVF descriptor at path (DIR/NAME.ovf) with the files it
 * references beside it and DIR/NAME.mf when there is one (then every
 * digest checked) into the new directory dest.  A file missing, not
 * regular (a symlink) or outside DIR is refused; nothing left at dest. */
int ovf_import(const char *path, const char *dest,
    const struct vmfmt_limits *l, struct vmfmt_vm *vm, char *err);
/* Export the directory src as dst = DIR/NAME.ovf with DIR/NAME.mf and
 * DIR/NAME-diskN.vmdk (streamOptimized), none of which may exist; the
 * descriptor appears last.  *bytes (may be NULL) gets the files' total
 * size.  0, or -1 with err and none of the files left. */
int ovf_export(const char *src, const char *dst,
    const struct vmfmt_limits *l, int64_t *bytes, char *err);
/* File i of the OVF export at ovf (DIR/NAME.ovf) into buf: 0 the
 * descriptor, 1 DIR/NAME.mf, 2 + N DIR/NAME-diskN.vmdk; i runs to
 * OVF_EXPORT_FILES - 1.  0, or -1 when ovf is no DIR/NAME.ovf. */
#define OVF_EXPORT_FILES	(2 + VMFMT_MAX_DISKS)
int ovf_export_file(const char *ovf, int i, char *buf, size_t len);
/* Import the XVA at path into the new directory dest. */
int xva_import(const char *path, const char *dest,
    const struct vmfmt_limits *l, struct vmfmt_vm *vm, char *err);

/* --- the directory layout and hvd's VM config (vmfmt.c) --- */

/* Read / write dir/vm.json. */
int vmfmt_vm_load(const char *dir, struct vmfmt_vm *vm, char *err);
int vmfmt_vm_save(const char *dir, const struct vmfmt_vm *vm, char *err);
/* The VLAN a network name stands for: "vlanN" -> N, else 0. */
int vmfmt_network_vlan(const char *network);
/* vm from hvd's config c (networks "vlanN" or "untagged"; disks' files
 * "diskN.qcow2"). */
void vmfmt_vm_from_config(const struct vm_config *c, struct vmfmt_vm *vm);
/* hvd's config for vm with its disks as volumes vols[i] of pool; checked
 * as hvd checks an API body.  0 or -1 with err. */
int vmfmt_vm_to_config(const struct vmfmt_vm *vm, const char *pool,
    const char *const vols[], struct vm_config *c, char *err);

#endif
