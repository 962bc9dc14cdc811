/*
 * volimport.c - a volume's content from an image file on the node (the
 * `source` of POST /pools/POOL/volumes, like Proxmox's import-from), and
 * what a volume takes and holds as stored (its allocation and SHA-256:
 * GET /pools/POOL/volumes/VOL and .../digest).
 *
 * hvd runs qemu-img as root, so an image to import is held to what an
 * administrator put there: its path resolves (symlinks followed) inside
 * one of hvd.conf's import_dirs, it is a regular file, and qemu-img
 * reads it only in the format the caller names (never probed: a raw file
 * that looks like qcow2 could name any file as its backing).  An image
 * with a backing file or an external data file is refused for the same
 * reason.  The copy is `qemu-img convert -n` into the volume hvd just
 * made (a file of a dir pool, or a qcow2 on a LUN by its iscsi:// URI).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "hex.h"
#include "err.h"
#include "json.h"
#include "proc.h"
#include "platform/confine.h"
#include "platform/pool.h"
#include "platform/volimport.h"

#define INFO_MS		30000		/* qemu-img info or check */
#define COPY_MS		(10 * 60000)	/* the import's copy */
#define DD_BLOCK	65536		/* qemu-img dd's block on a LUN */

int
volimport_format_ok(const char *fmt)
{
	return fmt != NULL && (strcmp(fmt, "qcow2") == 0 ||
	    strcmp(fmt, "raw") == 0);
}

int
volimport_info_check(const char *json, const char *fmt, int64_t *vsize,
    char *err)
{
	const cJSON *spec, *data;
	const char *f = NULL;
	char e[ERR_LEN];
	cJSON *doc;
	int rc = -1;

	*vsize = 0;
	if ((doc = json_parse_buf(json, strlen(json), e)) == NULL)
		return err_set(err, "qemu-img info: %s", e);
	if (json_get_string(doc, "format", JSON_REQUIRED, &f, e) != 0 ||
	    json_get_int(doc, "virtual-size", JSON_REQUIRED, vsize, e) != 0) {
		err_set(err, "qemu-img info: %s", e);
		goto out;
	}
	if (strcmp(f, fmt) != 0) {
		err_set(err, "the image is %s, not %s", f, fmt);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "backing-filename") ||
	    cJSON_GetObjectItemCaseSensitive(doc, "full-backing-filename")) {
		err_set(err, "the image has a backing file; import a "
		    "self-contained image (qemu-img convert it first)");
		goto out;
	}
	spec = cJSON_GetObjectItemCaseSensitive(doc, "format-specific");
	data = cJSON_GetObjectItemCaseSensitive(spec, "data");
	if (cJSON_GetObjectItemCaseSensitive(data, "data-file") != NULL) {
		err_set(err, "the image keeps its data in an external file");
		goto out;
	}
	if (*vsize <= 0) {
		err_set(err, "the image has no size");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

int
volimport_source(const char *path, const char *fmt, const char *dirs,
    char resolved[PATH_MAX], int64_t *vsize, char *err)
{
	struct confine_req r = { dirs, "import_dirs", "source", 0, "" };
	struct proc_result pr;
	struct stat st;
	const char *argv[] = { "qemu-img", "info", "--output=json", "-f",
	    fmt, r.cr_resolved, NULL };
	int rc = -1;

	if (confine_path(&r, path, err) != 0)
		return -1;
	if (stat(r.cr_resolved, &st) != 0)
		return err_errno(err, "source: %s", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, "source: %s is not a regular file", path);
	memset(&pr, 0, sizeof(pr));
	if (proc_run(argv, NULL, INFO_MS, &pr, err) != 0) {
		err_prefix(err, "source: %s is not a %s image", path, fmt);
		goto out;
	}
	if (volimport_info_check(pr.out ? pr.out : "", fmt, vsize, err) != 0) {
		err_prefix(err, "source: %s", path);
		goto out;
	}
	snprintf(resolved, PATH_MAX, "%s", r.cr_resolved);
	rc = 0;
out:
	proc_result_free(&pr);
	return rc;
}

int
volimport_copy(const char *src, const char *fmt, const char *dst,
    char *err)
{
	/* -n: into the qcow2 hvd made (on a LUN there is nothing to
	 * create); --target-is-zero: it is new, so zeroes need no write. */
	const char *argv[] = { "qemu-img", "convert", "-n", "--target-is-zero",
	    "-f", fmt, "-O", "qcow2", src, dst, NULL };

	return proc_run(argv, NULL, COPY_MS, NULL, err);
}

/* Where the qcow2 on a LUN ends (`qemu-img check`'s image-end-offset):
 * what it takes of the LUN.  0, or -1 with err. */
static int
lun_image_end(const char *uri, uint64_t *end, char *err)
{
	const char *argv[] = { "qemu-img", "check", "-U", "--output=json",
	    "-f", "qcow2", uri, NULL };
	struct proc_result pr;
	char e[ERR_LEN];
	cJSON *doc = NULL;
	int64_t v = -1;
	int rc = -1;

	memset(&pr, 0, sizeof(pr));
	/* exit 3: leaked clusters only, which take room and harm nothing */
	if (proc_run(argv, NULL, INFO_MS, &pr, err) != 0 &&
	    (pr.timed_out || proc_exit_code(pr.status) != 3))
		goto out;
	if ((doc = json_parse_buf(pr.out ? pr.out : "", pr.out_len, e)) ==
	    NULL || json_get_int(doc, "image-end-offset", JSON_REQUIRED, &v,
	    e) != 0 || v <= 0) {
		err_set(err, "qemu-img check %s: %s", uri, doc ? e :
		    "no JSON answer");
		goto out;
	}
	*end = (uint64_t)v;
	rc = 0;
out:
	cJSON_Delete(doc);
	proc_result_free(&pr);
	return rc;
}

int
volume_alloc(const char *path, int on_lun, uint64_t *bytes, char *err)
{
	struct stat st;

	if (on_lun)
		return lun_image_end(path, bytes, err);
	if (stat(path, &st) != 0)
		return err_errno(err, "%s", path);
	*bytes = (uint64_t)st.st_blocks * 512;
	return 0;
}

/* SHA-256 of the first len bytes of the open fd (len 0: all of it). */
static int
hash_fd(int fd, uint64_t len, char hex[65], uint64_t *done, char *err)
{
	unsigned char buf[65536], md[32];
	gnutls_hash_hd_t h;
	uint64_t n = 0;
	ssize_t got;
	size_t want;

	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return err_set(err, "sha256: no hash");
	for (;;) {
		want = sizeof(buf);
		if (len > 0 && len - n < want)
			want = (size_t)(len - n);
		if (want == 0 || (got = read(fd, buf, want)) == 0)
			break;
		if (got < 0) {
			gnutls_hash_deinit(h, NULL);
			return err_errno(err, "read");
		}
		gnutls_hash(h, buf, (size_t)got);
		n += (uint64_t)got;
	}
	gnutls_hash_deinit(h, md);
	if (len > 0 && n != len)
		return err_set(err, "%" PRIu64 " bytes of %" PRIu64 " read", n,
		    len);
	hex_encode(md, sizeof(md), hex);
	*done = n;
	return 0;
}

/* The LUN's first end bytes copied into tmp by qemu-img dd (QEMU's
 * libiscsi is the node's only way to a LUN). */
static int
lun_copy_head(const char *uri, uint64_t end, const char *tmp, char *err)
{
	char bs[32], count[48], in[POOL_PATH_MAX + 8], out[PATH_MAX + 8];
	const char *argv[] = { "qemu-img", "dd", "-U", "-f", "raw", "-O", "raw",
	    bs, count, in, out, NULL };

	snprintf(bs, sizeof(bs), "bs=%d", DD_BLOCK);
	snprintf(count, sizeof(count), "count=%" PRIu64,
	    (end + DD_BLOCK - 1) / DD_BLOCK);
	if ((size_t)snprintf(in, sizeof(in), "if=%s", uri) >= sizeof(in))
		return err_set(err, "%s: URI too long", uri);
	snprintf(out, sizeof(out), "of=%s", tmp);
	return proc_run(argv, NULL, COPY_MS, NULL, err);
}

int
volume_digest(const char *path, int on_lun, const char *tmpdir,
    char hex[65], uint64_t *bytes, char *err)
{
	char tmp[PATH_MAX];
	uint64_t end = 0;
	int fd = -1, rc = -1;

	tmp[0] = '\0';
	if (on_lun) {
		snprintf(tmp, sizeof(tmp), "%s/digest-XXXXXX", tmpdir);
		if ((fd = mkstemp(tmp)) == -1) {
			err_errno(err, "%s", tmp);
			tmp[0] = '\0';
			goto out;
		}
		close(fd);
		fd = -1;
		if (lun_image_end(path, &end, err) != 0 ||
		    lun_copy_head(path, end, tmp, err) != 0)
			goto out;
	}
	if ((fd = open(on_lun ? tmp : path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_errno(err, "%s", on_lun ? tmp : path);
		goto out;
	}
	rc = hash_fd(fd, end, hex, bytes, err);
out:
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		unlink(tmp);
	return rc;
}
