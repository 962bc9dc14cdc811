/*
 * check_vmfmt_pkg.c - the import/export formats on real files
 * (platform/vmfmt/ with qemu-img): disk images in every format and
 * back, the checks before qemu-img reads an image, OVA and XVA round
 * trips, an OVF beside its files out and back in, and hostile packages
 * (corrupt digests, truncated tars, "../" and absolute names, links,
 * absurd sizes, missing manifest, files or chunks):
 * each refused with an error naming the member, and nothing left beside
 * the package.  Hostile tars are built here with libarchive.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <archive.h>
#include <archive_entry.h>
#include <gnutls/crypto.h>
#include <xxhash.h>

#include "hex.h"
#include "check_suites.h"
#include "err.h"
#include "proc.h"
#include "platform/vmfmt/vmfmt.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define MIB	(1 << 20)

static char src[64], work[64];	/* material; the package and import */
static struct vmfmt_limits lim;

static void
setup(void)
{
	snprintf(src, sizeof(src), "/tmp/check-vmfmt-src.XXXXXX");
	snprintf(work, sizeof(work), "/tmp/check-vmfmt-work.XXXXXX");
	ck_assert(mkdtemp(src) != NULL && mkdtemp(work) != NULL);
	vmfmt_limits_default(&lim);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void
teardown(void)
{
	nftw(src, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	nftw(work, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* Entries of the directory dir. */
static int
dir_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..");
	if (d != NULL)
		closedir(d);
	return n;
}

/* Entries of work (the package counts one). */
static int
work_entries(void)
{
	return dir_entries(work);
}

/* A raw disk of mib MiB: MiB 0 and the last hold a pattern, the rest
 * zeros. */
static void
raw_make(const char *path, int mib, int seed)
{
	unsigned char buf[MIB];
	int fd, i;

	for (i = 0; i < MIB; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert(fd >= 0 && ftruncate(fd, (off_t)mib * MIB) == 0);
	ck_assert(pwrite(fd, buf, MIB, 0) == MIB);
	ck_assert(pwrite(fd, buf + 1, MIB - 1, (off_t)(mib - 1) * MIB) ==
	    MIB - 1);
	close(fd);
}

static int
images_equal(const char *a, const char *fa, const char *b, const char *fb)
{
	const char *argv[] = { "qemu-img", "compare", "-q", "-f", fa, "-F",
	    fb, a, b, NULL };

	return proc_run(argv, NULL, 60000, NULL, NULL) == 0;
}

/* The import in out holds src/raw as its disk0.qcow2. */
static int
imported_is(const char *out, const char *raw)
{
	char disk[160], in[160];

	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", out);
	snprintf(in, sizeof(in), "%s/%s", src, raw);
	return images_equal(in, "raw", disk, "qcow2");
}

struct tm_member {
	const char	*name;
	const void	*data;
	size_t		 len;
	const char	*symlink;	/* a link member when not NULL */
};

static void
tar_make(const char *path, const struct tm_member *m, int n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	int i;

	ck_assert(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
	ck_assert(archive_write_open_filename(a, path) == ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].symlink != NULL) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, m[i].symlink);
			archive_entry_set_size(e, 0);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, (la_int64_t)m[i].len);
		}
		ck_assert(archive_write_header(a, e) == ARCHIVE_OK);
		if (m[i].symlink == NULL && m[i].len > 0)
			ck_assert(archive_write_data(a, m[i].data, m[i].len) ==
			    (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	ck_assert(archive_write_close(a) == ARCHIVE_OK);
	archive_write_free(a);
}

/* Keep the first len bytes of path. */
static void
truncate_to(const char *path, off_t len)
{
	ck_assert(truncate(path, len) == 0);
}

static void
sha256_hex(const void *buf, size_t len, char *hex)
{
	unsigned char d[32];

	gnutls_hash_fast(GNUTLS_DIG_SHA256, buf, len, d);
	hex_encode(d, sizeof(d), hex);
}

/* --- disk images --- */

START_TEST(test_disk_formats)
{
	static const char *const fmts[] = { "raw", "qcow2", "vmdk",
	    "vmdk-stream", "vhd", "vhd-fixed", "vhdx" };
	const struct vmfmt_format *raw = vmfmt_format_find("raw"),
	    *q = vmfmt_format_find("qcow2"), *f;
	char in[128], out[128], back[128], err[ERR_LEN];
	size_t i;

	snprintf(in, sizeof(in), "%s/d.raw", src);
	raw_make(in, 3, 1);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		f = vmfmt_format_find(fmts[i]);
		snprintf(out, sizeof(out), "%s/d.%s", work, fmts[i]);
		snprintf(back, sizeof(back), "%s/back-%s.qcow2", work, fmts[i]);
		ck_assert_msg(vmfmt_disk_convert(in, raw, out, f, &lim,
		    err) == 0, "raw converts to %s: %s", fmts[i], err);
		ck_assert_msg(vmfmt_disk_convert(out, f, back, q, &lim,
		    err) == 0, "%s converts to qcow2: %s", fmts[i], err);
		ck_assert_msg(images_equal(in, "raw", back, "qcow2"),
		    "raw -> %s -> qcow2 keeps every byte", fmts[i]);
	}
	ck_assert_msg(vmfmt_disk_convert(in, raw, out, q, &lim, err) == -1 &&
	    strstr(err, "already exists") != NULL,
	    "convert never writes over a file: %s", err);
}
END_TEST

START_TEST(test_disk_refused)
{
	const struct vmfmt_format *q = vmfmt_format_find("qcow2"),
	    *vmdk = vmfmt_format_find("vmdk"), *raw = vmfmt_format_find("raw");
	char base[128], top[128], desc[128], text[512], err[ERR_LEN];
	const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
	    "raw", "-b", base, top, NULL };
	struct vmfmt_limits small = lim;

	snprintf(base, sizeof(base), "%s/base.raw", src);
	snprintf(top, sizeof(top), "%s/top.qcow2", src);
	snprintf(desc, sizeof(desc), "%s/flat.vmdk", src);
	raw_make(base, 2, 2);
	ck_assert(proc_run(mk, NULL, 60000, NULL, err) == 0);
	ck_assert_msg(vmfmt_disk_check(top, q, &lim, NULL, err) == -1 &&
	    strstr(err, "backing file") != NULL,
	    "a qcow2 with a backing file is refused: %s", err);
	snprintf(text, sizeof(text), "# Disk DescriptorFile\nversion=1\n"
	    "CID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
	    "RW 4096 FLAT \"%s\" 0\n", base);
	ck_assert(vmfmt_file_write(desc, text, strlen(text), err) == 0);
	ck_assert_msg(vmfmt_disk_check(desc, vmdk, &lim, NULL, err) == -1 &&
	    strstr(err, "monolithicFlat") != NULL,
	    "a VMDK descriptor naming another file is refused: %s", err);
	small.vl_disk_max = MIB;
	ck_assert_msg(vmfmt_disk_check(base, raw, &small, NULL, err) == -1 &&
	    strstr(err, "virtual size 2097152 bytes") != NULL,
	    "an image over the size bound is refused: %s", err);
	ck_assert_msg(vmfmt_disk_check(base, q, &lim, NULL, err) == -1 &&
	    strstr(err, "not a readable qcow2 image") != NULL,
	    "the format is never probed: %s", err);
}
END_TEST

/* --- OVA --- */

/* src/vm: vm.json and disk0.qcow2 (3 MiB); src/good.ova from it. */
static void
ova_good(void)
{
	static const char json[] = "{\"name\": \"app1\", \"vcpus\": 2, "
	    "\"memory_mib\": 256, \"disks\": [{\"file\": \"disk0.qcow2\", "
	    "\"format\": \"qcow2\", \"capacity\": 3145728}], \"nics\": "
	    "[{\"network\": \"vlan10\", \"model\": \"\"}]}";
	char raw[128], dir[128], disk[128], ova[128], path[160], err[ERR_LEN];

	snprintf(raw, sizeof(raw), "%s/d.raw", src);
	snprintf(dir, sizeof(dir), "%s/vm", src);
	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", dir);
	snprintf(ova, sizeof(ova), "%s/good.ova", src);
	snprintf(path, sizeof(path), "%s/vm.json", dir);
	raw_make(raw, 3, 3);
	ck_assert(mkdir(dir, 0755) == 0);
	ck_assert(vmfmt_disk_convert(raw, vmfmt_format_find("raw"), disk,
	    vmfmt_format_find("qcow2"), &lim, err) == 0);
	ck_assert(vmfmt_file_write(path, json, strlen(json), err) == 0);
	ck_assert_msg(ova_export(dir, ova, &lim, err) == 0, "export: %s", err);
}

START_TEST(test_ova_roundtrip)
{
	char ova[128], out[128], disk[128], raw[128], err[ERR_LEN];
	struct vmfmt_vm vm;

	ova_good();
	snprintf(ova, sizeof(ova), "%s/good.ova", src);
	snprintf(out, sizeof(out), "%s/imported", work);
	ck_assert_msg(ova_import(ova, out, &lim, &vm, err) == 0,
	    "an exported OVA imports: %s", err);
	ck_assert_str_eq(vm.vm_name, "app1");
	ck_assert_int_eq(vm.vm_vcpus, 2);
	ck_assert_int_eq(vm.vm_memory_mib, 256);
	ck_assert_int_eq(vm.vm_nnics, 1);
	ck_assert_str_eq(vm.vm_nics[0].vn_network, "vlan10");
	snprintf(disk, sizeof(disk), "%s/disk0.qcow2", out);
	snprintf(raw, sizeof(raw), "%s/d.raw", src);
	ck_assert_msg(images_equal(raw, "raw", disk, "qcow2"),
	    "the imported disk holds the exported bytes");
	ck_assert_msg(work_entries() == 1, "only the new directory is made");
	ck_assert_msg(ova_import(ova, out, &lim, &vm, err) == -1 &&
	    strstr(err, "already exists") != NULL,
	    "an import never writes into an existing directory: %s", err);
}
END_TEST

/* A package as VirtualBox lays it out: the manifest last, SHA-1 lines,
 * a monolithicSparse VMDK. */
START_TEST(test_ova_foreign)
{
	const struct vmfmt_format *raw = vmfmt_format_find("raw");
	char in[128], disk[128], pkg[128], out[128], back[128], err[ERR_LEN];
	char *ovf = NULL, *vmdk = NULL, mf[256], h1[41], h2[41];
	unsigned char d[20];
	size_t ovf_len, vmdk_len;
	struct vmfmt_vm vm, got;

	snprintf(in, sizeof(in), "%s/d.raw", src);
	snprintf(disk, sizeof(disk), "%s/vb-disk1.vmdk", src);
	raw_make(in, 2, 5);
	ck_assert(vmfmt_disk_convert(in, raw, disk, vmfmt_format_find("vmdk"),
	    &lim, err) == 0);
	ck_assert(vmfmt_file_read(disk, 1 << 24, &vmdk, &vmdk_len, err) == 0);
	memset(&vm, 0, sizeof(vm));
	snprintf(vm.vm_name, sizeof(vm.vm_name), "vb");
	vm.vm_vcpus = 1;
	vm.vm_memory_mib = 64;
	vm.vm_ndisks = 1;
	snprintf(vm.vm_disks[0].vd_file, VMFMT_FILE_MAX, "vb-disk1.vmdk");
	snprintf(vm.vm_disks[0].vd_format, 16, "vmdk");
	vm.vm_disks[0].vd_capacity = 2 * MIB;
	vm.vm_disks[0].vd_size = (int64_t)vmdk_len;
	ck_assert(ovf_write(&vm, &ovf, &ovf_len, err) == 0);
	gnutls_hash_fast(GNUTLS_DIG_SHA1, ovf, ovf_len, d);
	hex_encode(d, sizeof(d), h1);
	gnutls_hash_fast(GNUTLS_DIG_SHA1, vmdk, vmdk_len, d);
	hex_encode(d, sizeof(d), h2);
	snprintf(mf, sizeof(mf), "SHA1 (vb.ovf) = %s\r\nSHA1 (vb-disk1.vmdk) = "
	    "%s\r\n", h1, h2);
	struct tm_member m[] = { { "vb.ovf", ovf, ovf_len, NULL },
	    { "vb-disk1.vmdk", vmdk, vmdk_len, NULL },
	    { "vb.mf", mf, strlen(mf), NULL } };
	snprintf(pkg, sizeof(pkg), "%s/vb.ova", work);
	snprintf(out, sizeof(out), "%s/imported", work);
	tar_make(pkg, m, 3);
	ck_assert_msg(ova_import(pkg, out, &lim, &got, err) == 0,
	    "a VirtualBox-style OVA imports: %s", err);
	snprintf(back, sizeof(back), "%s/disk0.qcow2", out);
	ck_assert_msg(images_equal(in, "raw", back, "qcow2"),
	    "its monolithicSparse disk arrives whole");
	free(ovf);
	free(vmdk);
}
END_TEST

/* The members of src/good.ova: ovf, mf, vmdk (contents malloc'd). */
struct ova_parts {
	char	*ovf, *mf, *vmdk;
	size_t	 ovf_len, mf_len, vmdk_len;
};

static void
ova_parts_read(struct ova_parts *p)
{
	char ova[128], err[ERR_LEN];
	struct archive *a;
	struct archive_entry *e;
	char **dst[] = { &p->ovf, &p->mf, &p->vmdk };
	size_t *len[] = { &p->ovf_len, &p->mf_len, &p->vmdk_len };
	int i;

	ova_good();
	snprintf(ova, sizeof(ova), "%s/good.ova", src);
	ck_assert((a = vmfmt_tar_open(ova, err)) != NULL);
	for (i = 0; i < 3; i++) {
		ck_assert(vmfmt_tar_next(a, ova, &e, err) == 1);
		*len[i] = (size_t)archive_entry_size(e);
		*dst[i] = malloc(*len[i] + 1);
		ck_assert(vmfmt_tar_read(a, ova, "m", *dst[i], *len[i],
		    err) == 0);
		(*dst[i])[*len[i]] = '\0';
	}
	archive_read_free(a);
}

static void
ova_parts_free(struct ova_parts *p)
{
	free(p->ovf);
	free(p->mf);
	free(p->vmdk);
}

/* The manifest of an .ovf and a .vmdk as given. */
static void
mf_of(const char *ovf, size_t ovf_len, const char *vmdk, size_t vmdk_len,
    char *mf, size_t len)
{
	char h1[65], h2[65];

	sha256_hex(ovf, ovf_len, h1);
	sha256_hex(vmdk, vmdk_len, h2);
	snprintf(mf, len, "SHA256(app1.ovf)= %s\nSHA256(app1-disk0.vmdk)= "
	    "%s\n", h1, h2);
}

typedef int (*importer)(const char *, const char *,
    const struct vmfmt_limits *, struct vmfmt_vm *, char *);

/* Import work/pkg.EXT with fn: refused, err naming want, nothing left. */
static void
refused(importer fn, const char *ext, const char *what, const char *want)
{
	char pkg[128], out[128], err[ERR_LEN] = "";
	struct vmfmt_vm vm;

	snprintf(pkg, sizeof(pkg), "%s/pkg.%s", work, ext);
	snprintf(out, sizeof(out), "%s/imported", work);
	ck_assert_msg(fn(pkg, out, &lim, &vm, err) == -1,
	    "%s: the import is refused", what);
	ck_assert_msg(strstr(err, want) != NULL, "%s: the error names \"%s\": "
	    "%s", what, want, err);
	ck_assert_msg(work_entries() == 1, "%s: nothing is left beside the "
	    "package", what);
	unlink(pkg);
}

static void
ova_refused(const char *what, const char *want)
{
	refused(ova_import, "ova", what, want);
}

static void
xva_refused(const char *what, const char *want)
{
	refused(xva_import, "xva", what, want);
}

START_TEST(test_ova_hostile)
{
	static const char vmdk[] = "app1-disk0.vmdk";
	struct ova_parts p;
	char pkg[128], mf[512], *big;
	const char *pos;
	struct stat st;
	size_t n;

	ova_parts_read(&p);
	snprintf(pkg, sizeof(pkg), "%s/pkg.ova", work);
	{	/* one digit of the disk's SHA-256 changed */
		char *bad = strdup(p.mf), *h = strstr(bad, vmdk) +
		    strlen(vmdk) + 3;
		*h = *h == '0' ? '1' : '0';
		struct tm_member m[] = { { "app1.ovf", p.ovf, p.ovf_len, NULL },
		    { "app1.mf", bad, p.mf_len, NULL },
		    { vmdk, p.vmdk, p.vmdk_len, NULL } };
		tar_make(pkg, m, 3);
		ova_refused("corrupt SHA-256", "member \"app1-disk0.vmdk\": its "
		    "SHA-256 does not match the manifest (line 2)");
		free(bad);
	}
	{
		struct tm_member m[] = { { "app1.ovf", p.ovf, p.ovf_len, NULL },
		    { "app1.mf", p.mf, p.mf_len, NULL },
		    { "../x", "x", 1, NULL },
		    { vmdk, p.vmdk, p.vmdk_len, NULL } };
		tar_make(pkg, m, 4);
		ova_refused("a ../ name", "member \"../x\"");
		m[2].name = "/etc/cron.d/x";
		tar_make(pkg, m, 4);
		ova_refused("an absolute name", "member \"/etc/cron.d/x\" has an "
		    "absolute name");
		m[2].name = "x";
		m[2].symlink = "/etc/shadow";
		tar_make(pkg, m, 4);
		ova_refused("a symlink", "member \"x\" is not a regular file");
		m[1] = m[3];
		tar_make(pkg, m, 2);
		ova_refused("no manifest", "no manifest (.mf)");
		m[0] = (struct tm_member){ "app1.mf", p.mf, p.mf_len, NULL };
		m[1] = (struct tm_member){ "app1.ovf", p.ovf, p.ovf_len, NULL };
		tar_make(pkg, m, 2);
		ova_refused("the descriptor not first", "the first member "
		    "\"app1.mf\" is not the OVF descriptor");
		m[0] = (struct tm_member){ "app1.ovf", p.ovf, p.ovf_len, NULL };
		m[1] = (struct tm_member){ "app1.mf", p.mf, p.mf_len, NULL };
		tar_make(pkg, m, 2);
		ova_refused("a disk missing", "the manifest names "
		    "\"app1-disk0.vmdk\" (line 2), which is not in the package");
	}
	{	/* a 1 PiB disk, with a manifest that matches it */
		pos = strstr(p.ovf, "ovf:capacity=\"3145728\"");
		ck_assert(pos != NULL);
		n = (size_t)(pos - p.ovf);
		ck_assert(asprintf(&big, "%.*sovf:capacity=\"1125899906842624\"%s",
		    (int)n, p.ovf, pos + strlen("ovf:capacity=\"3145728\"")) > 0);
		mf_of(big, strlen(big), p.vmdk, p.vmdk_len, mf, sizeof(mf));
		struct tm_member m[] = { { "app1.ovf", big, strlen(big), NULL },
		    { "app1.mf", mf, strlen(mf), NULL },
		    { vmdk, p.vmdk, p.vmdk_len, NULL } };
		tar_make(pkg, m, 3);
		ova_refused("a 1 PiB disk", "Disk \"disk0\": ovf:capacity "
		    "\"1125899906842624\"");
		free(big);
	}
	{	/* the package cut in the middle of the disk */
		struct tm_member m[] = { { "app1.ovf", p.ovf, p.ovf_len, NULL },
		    { "app1.mf", p.mf, p.mf_len, NULL },
		    { vmdk, p.vmdk, p.vmdk_len, NULL } };
		tar_make(pkg, m, 3);
		ck_assert(stat(pkg, &st) == 0);
		truncate_to(pkg, st.st_size - (off_t)p.vmdk_len / 2);
		ova_refused("a truncated tar", "app1-disk0.vmdk");
	}
	{	/* a member over the bound on members */
		struct tm_member m[] = { { "app1.ovf", p.ovf, p.ovf_len, NULL },
		    { "app1.mf", p.mf, p.mf_len, NULL },
		    { vmdk, p.vmdk, p.vmdk_len, NULL } };
		tar_make(pkg, m, 3);
		lim.vl_member_max = 65536;
		ova_refused("a member over the bound", "member "
		    "\"app1-disk0.vmdk\" has no size or more than 65536 bytes");
		vmfmt_limits_default(&lim);
	}
	ova_parts_free(&p);
}
END_TEST

/* --- OVF beside its files --- */

/* src/ovf/app1.ovf, app1.mf, app1-disk0.vmdk exported from src/vm; their
 * total size into *bytes. */
static void
ovf_good(int64_t *bytes)
{
	char dir[128], vm[128], ovf[160], err[ERR_LEN];

	ova_good();
	snprintf(dir, sizeof(dir), "%s/ovf", src);
	snprintf(vm, sizeof(vm), "%s/vm", src);
	snprintf(ovf, sizeof(ovf), "%s/app1.ovf", dir);
	ck_assert(mkdir(dir, 0755) == 0);
	ck_assert_msg(ovf_export(vm, ovf, &lim, bytes, err) == 0,
	    "export: %s", err);
}

/* The size of dir/name. */
static int64_t
file_size(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_msg(stat(path, &st) == 0, "%s exists", path);
	return st.st_size;
}

START_TEST(test_ovf_roundtrip)
{
	char dir[128], ovf[160], out[128], disk[160], err[ERR_LEN];
	struct vmfmt_vm vm;
	int64_t bytes = 0;

	ovf_good(&bytes);
	snprintf(dir, sizeof(dir), "%s/ovf", src);
	snprintf(ovf, sizeof(ovf), "%s/app1.ovf", dir);
	ck_assert_msg(dir_entries(dir) == 3, "the export writes three files "
	    "and leaves no temporary one (%d entries)", dir_entries(dir));
	ck_assert_msg(bytes == file_size(dir, "app1.ovf") + file_size(dir,
	    "app1.mf") + file_size(dir, "app1-disk0.vmdk"),
	    "the export's size is its files' total");
	snprintf(out, sizeof(out), "%s/imported", work);
	ck_assert_msg(ovf_import(ovf, out, &lim, &vm, err) == 0,
	    "an exported OVF imports: %s", err);
	ck_assert_str_eq(vm.vm_name, "app1");
	ck_assert_int_eq(vm.vm_vcpus, 2);
	ck_assert_str_eq(vm.vm_nics[0].vn_network, "vlan10");
	ck_assert_msg(imported_is(out, "d.raw"),
	    "the imported disk holds the exported bytes");
	ck_assert_msg(work_entries() == 1, "only the new directory is made");
	snprintf(out, sizeof(out), "%s/vm", src);
	ck_assert_msg(ovf_export(out, ovf, &lim, NULL, err) == -1 &&
	    strstr(err, "already exists") != NULL && dir_entries(dir) == 3,
	    "an export never replaces a file: %s", err);
	snprintf(disk, sizeof(disk), "%s/app1.mf", dir);
	ck_assert(unlink(disk) == 0);
	snprintf(out, sizeof(out), "%s/again", work);
	ck_assert_msg(ovf_import(ovf, out, &lim, &vm, err) == 0,
	    "an OVF without a manifest imports: %s", err);
}
END_TEST

/* The good package's files copied into src/NAME; its path into dir. */
static void
ovf_copy(const char *name, char *dir, size_t len)
{
	static const char *const files[] = { "app1.ovf", "app1.mf",
	    "app1-disk0.vmdk" };
	char from[256], to[256], err[ERR_LEN], *buf;
	size_t i, n;

	snprintf(dir, len, "%s/%s", src, name);
	ck_assert(mkdir(dir, 0755) == 0);
	for (i = 0; i < 3; i++) {
		snprintf(from, sizeof(from), "%s/ovf/%s", src, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		ck_assert(vmfmt_file_read(from, 1 << 26, &buf, &n, err) == 0);
		ck_assert(vmfmt_file_write(to, buf, n, err) == 0);
		free(buf);
	}
}

/* dir/name replaced by text with s/from/to/ applied once. */
static void
ovf_edit(const char *dir, const char *name, const char *from,
    const char *to)
{
	char path[256], err[ERR_LEN], *buf, *pos, *out;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert(vmfmt_file_read(path, 1 << 22, &buf, &n, err) == 0);
	ck_assert_msg((pos = strstr(buf, from)) != NULL, "%s holds %s", name,
	    from);
	ck_assert(asprintf(&out, "%.*s%s%s", (int)(pos - buf), buf, to,
	    pos + strlen(from)) > 0);
	ck_assert(unlink(path) == 0);
	ck_assert(vmfmt_file_write(path, out, strlen(out), err) == 0);
	free(buf);
	free(out);
}

/* Import dir/app1.ovf: refused, err naming want, nothing made. */
static void
ovf_refused(const char *dir, const char *what, const char *want)
{
	char ovf[256], out[128], err[ERR_LEN] = "";
	struct vmfmt_vm vm;

	snprintf(ovf, sizeof(ovf), "%s/app1.ovf", dir);
	snprintf(out, sizeof(out), "%s/imported", work);
	ck_assert_msg(ovf_import(ovf, out, &lim, &vm, err) == -1,
	    "%s: the import is refused", what);
	ck_assert_msg(strstr(err, want) != NULL, "%s: the error names \"%s\": "
	    "%s", what, want, err);
	ck_assert_msg(work_entries() == 0, "%s: nothing is made", what);
}

START_TEST(test_ovf_hostile)
{
	char dir[128], path[256], outside[128];
	int64_t bytes;
	int fd;

	ovf_good(&bytes);
	ovf_copy("dotdot", dir, sizeof(dir));
	ovf_edit(dir, "app1.ovf", "ovf:href=\"app1-disk0.vmdk\"",
	    "ovf:href=\"../app1-disk0.vmdk\"");
	ovf_refused(dir, "an href ../", "href: member \"../app1-disk0.vmdk\" is "
	    "in a directory");
	ovf_copy("abs", dir, sizeof(dir));
	ovf_edit(dir, "app1.ovf", "ovf:href=\"app1-disk0.vmdk\"",
	    "ovf:href=\"/etc/passwd\"");
	ovf_refused(dir, "an absolute href", "\"/etc/passwd\" has an absolute "
	    "name");
	ovf_copy("missing", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/app1-disk0.vmdk", dir);
	ck_assert(unlink(path) == 0);
	ovf_refused(dir, "a disk missing", "the descriptor's File "
	    "\"app1-disk0.vmdk\" is not beside it");
	ovf_copy("link", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/app1-disk0.vmdk", dir);
	snprintf(outside, sizeof(outside), "%s/ovf/app1-disk0.vmdk", src);
	ck_assert(unlink(path) == 0 && symlink(outside, path) == 0);
	ovf_refused(dir, "a symlink out of the directory", "\"app1-disk0.vmdk\" "
	    "is a symbolic link");
	ck_assert(unlink(path) == 0 && mkfifo(path, 0600) == 0);
	ovf_refused(dir, "a FIFO", "\"app1-disk0.vmdk\" is not a regular file");
	ovf_copy("flip", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/app1-disk0.vmdk", dir);
	fd = open(path, O_WRONLY);
	ck_assert(fd >= 0 && pwrite(fd, "Z", 1, file_size(dir,
	    "app1-disk0.vmdk") / 2) == 1);
	close(fd);
	ovf_refused(dir, "a byte of the disk changed", "\"app1-disk0.vmdk\": "
	    "its SHA-256 does not match the manifest (line 2)");
	ovf_copy("extra", dir, sizeof(dir));
	ovf_edit(dir, "app1.mf", "SHA256(app1.ovf)", "SHA256(notes.txt)");
	ovf_refused(dir, "a manifest naming a file that is not there",
	    "the manifest names \"notes.txt\" (line 1), which is not beside "
	    "it");
}
END_TEST

START_TEST(test_ovf_export_files)
{
	static const struct {
		const char *ovf;
		int i;
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "/x/a.ovf", 0, "/x/a.ovf" },
		{ "/x/a.ovf", 1, "/x/a.mf" },
		{ "/x/a.ovf", 2, "/x/a-disk0.vmdk" },
		{ "a.ovf", OVF_EXPORT_FILES - 1, "a-disk7.vmdk" },
		{ "/x/a.ovf", OVF_EXPORT_FILES, NULL },
		{ "/x/a.ova", 1, NULL },
		{ "/x/.ovf", 1, NULL },
		{ ".ovf", 0, NULL },
	};
	char buf[64];
	size_t i;
	int r;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = ovf_export_file(cases[i].ovf, cases[i].i, buf, sizeof(buf));
		if (cases[i].want == NULL)
			ck_assert_msg(r == -1, "file %d of %s is refused",
			    cases[i].i, cases[i].ovf);
		else
			ck_assert_msg(r == 0 && strcmp(buf, cases[i].want) == 0,
			    "file %d of %s is %s", cases[i].i, cases[i].ovf,
			    cases[i].want);
	}
}
END_TEST

/* --- XVA --- */

#define XVA_XML "<?xml version=\"1.0\"?><value><struct><member><name>" \
	"version</name><value><struct><member><name>export_vsn</name><value>" \
	"<i4>2</i4></value></member></struct></value></member><member><name>" \
	"objects</name><value><array><data>" \
	"<value><struct><member><name>class</name><value>VM</value></member>" \
	"<member><name>id</name><value>Ref:0</value></member><member><name>" \
	"snapshot</name><value><struct><member><name>name_label</name><value>" \
	"xen1</value></member><member><name>VCPUs_max</name><value>1</value>" \
	"</member><member><name>memory_static_max</name><value>134217728" \
	"</value></member></struct></value></member></struct></value>" \
	"<value><struct><member><name>class</name><value>VBD</value></member>" \
	"<member><name>id</name><value>Ref:1</value></member><member><name>" \
	"snapshot</name><value><struct><member><name>VM</name><value>Ref:0" \
	"</value></member><member><name>VDI</name><value>Ref:3</value>" \
	"</member><member><name>userdevice</name><value>0</value></member>" \
	"<member><name>type</name><value>Disk</value></member></struct>" \
	"</value></member></struct></value>" \
	"<value><struct><member><name>class</name><value>VDI</value></member>" \
	"<member><name>id</name><value>Ref:3</value></member><member><name>" \
	"snapshot</name><value><struct><member><name>virtual_size</name>" \
	"<value>3145728</value></member></struct></value></member></struct>" \
	"</value></data></array></value></member></struct></value>"

/* The chunks of a 3 MiB raw disk, MiB 1 left out (zeros): chunk 0 with
 * an .xxhash, chunk 2 with a SHA-1 .checksum. */
struct xva_parts {
	unsigned char	*raw;
	char		 xxh[17], sha[41];
};

static void
xva_parts_make(struct xva_parts *x)
{
	char path[128];
	unsigned char d[20];
	int fd;

	snprintf(path, sizeof(path), "%s/x.raw", src);
	raw_make(path, 3, 4);
	x->raw = calloc(4, MIB);	/* room for a chunk over 1 MiB */
	fd = open(path, O_RDONLY);
	ck_assert(read(fd, x->raw, 3 * MIB) == 3 * MIB);
	close(fd);
	snprintf(x->xxh, sizeof(x->xxh), "%016llX",
	    (unsigned long long)XXH64(x->raw, MIB, 0));
	gnutls_hash_fast(GNUTLS_DIG_SHA1, x->raw + 2 * MIB, MIB, d);
	hex_encode(d, sizeof(d), x->sha);
}

START_TEST(test_xva_import)
{
	struct xva_parts x;
	char pkg[128], out[128], err[ERR_LEN];
	struct vmfmt_vm vm;

	xva_parts_make(&x);
	struct tm_member m[] = {
		{ "ova.xml", XVA_XML, strlen(XVA_XML), NULL },
		{ "Ref:3/00000000", x.raw, MIB, NULL },
		{ "Ref:3/00000000.xxhash", x.xxh, 16, NULL },
		{ "Ref:3/00000002", x.raw + 2 * MIB, MIB, NULL },
		{ "Ref:3/00000002.checksum", x.sha, 40, NULL },
	};
	snprintf(pkg, sizeof(pkg), "%s/pkg.xva", work);
	snprintf(out, sizeof(out), "%s/imported", work);
	tar_make(pkg, m, 5);
	ck_assert_msg(xva_import(pkg, out, &lim, &vm, err) == 0,
	    "an XVA with both checksum kinds and a chunk of zeros left out "
	    "imports: %s", err);
	ck_assert_str_eq(vm.vm_name, "xen1");
	ck_assert_int_eq(vm.vm_memory_mib, 128);
	ck_assert_str_eq(vm.vm_disks[0].vd_file, "disk0.qcow2");
	ck_assert_msg(imported_is(out, "x.raw"),
	    "the rebuilt disk is the exported one, the left-out chunk zeros");
	free(x.raw);
}
END_TEST

/* One member of the good XVA changed, or a run of its members kept. */
static const struct {
	const char	*what;
	int		 idx;		/* the member changed, -1 none */
	const char	*name;		/* its new name, or NULL */
	int		 bad;		/* its digest text altered */
	size_t		 len;		/* its new length, or 0 */
	const char	*link;		/* made a symlink to this */
	int		 first, n;	/* the members written */
	const char	*want;
} xva_cases[] = {
	{ "a wrong XXH64", 2, NULL, 1, 0, NULL, 0, 5,
	    "chunk \"Ref:3/00000000\": its XXH64 does not match" },
	{ "a wrong SHA-1", 4, NULL, 1, 0, NULL, 0, 5,
	    "chunk \"Ref:3/00000002\": its SHA-1 does not match" },
	{ "the last chunk missing", -1, NULL, 0, 0, NULL, 0, 3,
	    "VDI Ref:3: its chunks end at byte 1048576 of 3145728" },
	{ "a checksum missing", -1, NULL, 0, 0, NULL, 0, 4,
	    "chunk \"Ref:3/00000002\" has no checksum member" },
	{ "a ../ name", 3, "Ref:3/../00000002", 0, 0, NULL, 0, 5,
	    "member \"Ref:3/../00000002\" has an empty, \".\" or \"..\" "
	    "component" },
	{ "a chunk over 1 MiB", 3, NULL, 0, MIB + 1, NULL, 0, 5,
	    "more than 1 MiB" },
	{ "a symlink chunk", 3, NULL, 0, 0, "/etc/shadow", 0, 5,
	    "member \"Ref:3/00000002\" is not a regular file" },
	{ "a chunk of another VDI", 3, "Ref:9/00000002", 0, 0, NULL, 0, 5,
	    "member \"Ref:9/00000002\" is not a chunk \"VDI/NNNNNNNN\" of a "
	    "VDI the VM uses" },
	{ "no ova.xml first", -1, NULL, 0, 0, NULL, 1, 4,
	    "the first member is not ova.xml" },
};

START_TEST(test_xva_hostile)
{
	struct xva_parts x;
	char pkg[128], bad[41];
	struct tm_member c[5];
	struct stat st;
	size_t i;

	xva_parts_make(&x);
	snprintf(pkg, sizeof(pkg), "%s/pkg.xva", work);
	struct tm_member m[] = {
		{ "ova.xml", XVA_XML, strlen(XVA_XML), NULL },
		{ "Ref:3/00000000", x.raw, MIB, NULL },
		{ "Ref:3/00000000.xxhash", x.xxh, 16, NULL },
		{ "Ref:3/00000002", x.raw + 2 * MIB, MIB, NULL },
		{ "Ref:3/00000002.checksum", x.sha, 40, NULL },
	};
	for (i = 0; i < sizeof(xva_cases) / sizeof(xva_cases[0]); i++) {
		int k = xva_cases[i].idx;

		memcpy(c, m, sizeof(c));
		if (k >= 0 && xva_cases[i].name != NULL)
			c[k].name = xva_cases[i].name;
		if (k >= 0 && xva_cases[i].bad) {
			snprintf(bad, sizeof(bad), "%s", (const char *)c[k].data);
			bad[3] = bad[3] == '0' ? '1' : '0';
			c[k].data = bad;
		}
		if (k >= 0 && xva_cases[i].len > 0)
			c[k].len = xva_cases[i].len;
		if (k >= 0)
			c[k].symlink = xva_cases[i].link;
		tar_make(pkg, c + xva_cases[i].first, xva_cases[i].n);
		xva_refused(xva_cases[i].what, xva_cases[i].want);
	}
	tar_make(pkg, m, 5);
	ck_assert(stat(pkg, &st) == 0);
	truncate_to(pkg, st.st_size - 3 * MIB / 2);
	xva_refused("a truncated tar", "Truncated tar archive");
	free(x.raw);
}
END_TEST

Suite *
make_vmfmt_pkg_suite(void)
{
	Suite *s = suite_create("vmfmt_pkg");
	TCase *tc = tcase_create("packages");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_disk_formats);
	tcase_add_test(tc, test_disk_refused);
	tcase_add_test(tc, test_ova_roundtrip);
	tcase_add_test(tc, test_ova_foreign);
	tcase_add_test(tc, test_ova_hostile);
	tcase_add_test(tc, test_ovf_roundtrip);
	tcase_add_test(tc, test_ovf_hostile);
	tcase_add_test(tc, test_ovf_export_files);
	tcase_add_test(tc, test_xva_import);
	tcase_add_test(tc, test_xva_hostile);
	suite_add_tcase(s, tc);
	return s;
}
