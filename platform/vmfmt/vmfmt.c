/*
 * vmfmt.c - what the import/export formats share: limits, member names,
 * the temporary directory an import writes into and its rename, the XML
 * reader that never expands an entity, digests, tar reading, and the
 * import directory's vm.json with its mapping to hvd's VM config.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive_entry.h>
#include <libxml/parser.h>

#include "hex.h"
#include "err.h"
#include "json.h"
#include "platform/vmfmt/vmfmt_priv.h"

void
vmfmt_limits_default(struct vmfmt_limits *l)
{
	l->vl_disk_max = (int64_t)4 << 40;
	l->vl_member_max = (int64_t)4 << 40;
	l->vl_meta_max = 4 << 20;
	l->vl_members_max = 64;
}

/* One component of a member name: not empty, ".", "..". */
static int
name_part_ok(const char *p, size_t n)
{
	return n > 0 && !(n == 1 && p[0] == '.') &&
	    !(n == 2 && p[0] == '.' && p[1] == '.');
}

int
vmfmt_name_check(const char *name, int slash_ok, char *err)
{
	const char *p, *start;
	size_t n = strlen(name);

	if (n == 0)
		return err_set(err, "a member has an empty name");
	if (n >= VMFMT_FILE_MAX)
		return err_set(err, "member name \"%.40s...\" is longer than "
		    "%d bytes", name, VMFMT_FILE_MAX - 1);
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return err_set(err, "member name \"%s\" has a control "
			    "character or a backslash", name);
	if (name[0] == '/')
		return err_set(err, "member \"%s\" has an absolute name",
		    name);
	if (!slash_ok && strchr(name, '/') != NULL)
		return err_set(err, "member \"%s\" is in a directory (a "
		    "package's members have plain names)", name);
	for (start = p = name;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (!name_part_ok(start, (size_t)(p - start)))
			return err_set(err, "member \"%s\" has an empty, \".\" "
			    "or \"..\" component", name);
		if (*p == '\0')
			break;
		start = p + 1;
	}
	return 0;
}

int
vmfmt_tmp_make(const char *dest, char *tmp, size_t len, char *err)
{
	char d1[PATH_MAX], d2[PATH_MAX];
	struct stat st;

	if (lstat(dest, &st) == 0)
		return err_set(err, "%s already exists", dest);
	if (errno != ENOENT)
		return err_errno(err, "%s", dest);
	snprintf(d1, sizeof(d1), "%s", dest);
	snprintf(d2, sizeof(d2), "%s", dest);
	if ((size_t)snprintf(tmp, len, "%s/.%s.tmp-XXXXXX", dirname(d1),
	    basename(d2)) >= len)
		return err_set(err, "%s: path too long", dest);
	if (mkdtemp(tmp) == NULL)
		return err_errno(err, "cannot make a directory beside %s",
		    dest);
	return 0;
}

void
vmfmt_tmp_remove(const char *tmp)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(tmp)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmp, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmp);
}

int
vmfmt_publish(const char *tmp, const char *dest, char *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE) != 0)
		return err_errno(err, "cannot rename %s to %s", tmp, dest);
	return 0;
}

/* libxml2 reports through a global handler: keep the first message of
 * this parse for err instead of printing it. */
static void
xml_error_keep(void *ctx, const xmlError *e)
{
	char *msg = ctx;
	size_t n;

	if (msg[0] != '\0' || e == NULL || e->message == NULL)
		return;
	snprintf(msg, 200, "line %d: %s", e->line, e->message);
	n = strlen(msg);
	if (n > 0 && msg[n - 1] == '\n')
		msg[n - 1] = '\0';
}

xmlDocPtr
vmfmt_xml_read(const char *buf, size_t len, size_t max, const char *what,
    char *err)
{
	const int opts = XML_PARSE_NONET | XML_PARSE_NOCDATA |
	    XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
	char msg[200] = "";
	xmlDocPtr doc;

	if (len > max || len > INT32_MAX) {
		err_set(err, "%s: %zu bytes, more than the %zu allowed", what,
		    len, max);
		return NULL;
	}
	/* A DOCTYPE is how entities (billion laughs, external files) get
	 * in; no format read here has one, so it is refused outright, also
	 * when the document is in an encoding a byte search would miss. */
	if (memmem(buf, len, "<!DOCTYPE", 9) != NULL ||
	    memmem(buf, len, "<!ENTITY", 8) != NULL) {
		err_set(err, "%s: a DOCTYPE or entity declaration is not "
		    "allowed", what);
		return NULL;
	}
	xmlSetStructuredErrorFunc(msg, (xmlStructuredErrorFunc)xml_error_keep);
	doc = xmlReadMemory(buf, (int)len, NULL, NULL, opts);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		err_set(err, "%s: not well-formed XML (%s)", what,
		    msg[0] ? msg : "empty");
		return NULL;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		xmlFreeDoc(doc);
		err_set(err, "%s: a DOCTYPE or entity declaration is not "
		    "allowed", what);
		return NULL;
	}
	if (xmlDocGetRootElement(doc) == NULL) {
		xmlFreeDoc(doc);
		err_set(err, "%s: no root element", what);
		return NULL;
	}
	return doc;
}

char *
vmfmt_xml_text(xmlNodePtr node)
{
	xmlChar *t;
	char *s;

	if (node == NULL || (t = xmlNodeGetContent(node)) == NULL)
		return strdup("");
	s = strdup((const char *)t);
	xmlFree(t);
	return s;
}

xmlNodePtr
vmfmt_xml_child(xmlNodePtr node, const char *name)
{
	xmlNodePtr c;

	for (c = node ? node->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

int
vmfmt_digest_init(struct vmfmt_digest *d, char *err)
{
	memset(d, 0, sizeof(*d));
	if (gnutls_hash_init(&d->dg_sha1, GNUTLS_DIG_SHA1) < 0)
		return err_set(err, "cannot start a SHA-1 digest");
	if (gnutls_hash_init(&d->dg_sha256, GNUTLS_DIG_SHA256) < 0) {
		gnutls_hash_deinit(d->dg_sha1, NULL);
		return err_set(err, "cannot start a SHA-256 digest");
	}
	return 0;
}

void
vmfmt_digest_add(struct vmfmt_digest *d, const void *buf, size_t len)
{
	gnutls_hash(d->dg_sha1, buf, len);
	gnutls_hash(d->dg_sha256, buf, len);
}

void
vmfmt_digest_end(struct vmfmt_digest *d, char *sha1, char *sha256)
{
	unsigned char b1[20], b256[32];

	gnutls_hash_deinit(d->dg_sha1, b1);
	gnutls_hash_deinit(d->dg_sha256, b256);
	hex_encode(b1, sizeof(b1), sha1);
	hex_encode(b256, sizeof(b256), sha256);
}

struct archive *
vmfmt_tar_open(const char *path, char *err)
{
	struct archive *a;

	if ((a = archive_read_new()) == NULL) {
		err_set(err, "%s: out of memory", path);
		return NULL;
	}
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
		err_set(err, "%s: %s", path, archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int
vmfmt_tar_next(struct archive *a, const char *path,
    struct archive_entry **e, char *err)
{
	int r = archive_read_next_header(a, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK)
		return err_set(err, "%s: not a complete tar archive (%s)", path,
		    archive_error_string(a) ? archive_error_string(a) :
		    "damaged header");
	return 1;
}

int
vmfmt_tar_read(struct archive *a, const char *path, const char *member,
    void *buf, size_t len, char *err)
{
	size_t got = 0;
	la_ssize_t n;

	while (got < len) {
		n = archive_read_data(a, (char *)buf + got, len - got);
		if (n < 0)
			return err_set(err, "%s: member \"%s\": %s", path,
			    member, archive_error_string(a));
		if (n == 0)
			return err_set(err, "%s: member \"%s\" is truncated",
			    path, member);
		got += (size_t)n;
	}
	return 0;
}

int
vmfmt_file_read(const char *path, size_t max, char **out, size_t *len,
    char *err)
{
	char *buf = NULL;
	struct stat st;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_errno(err, "%s", path);
	if (fstat(fd, &st) < 0) {
		err_errno(err, "%s", path);
		goto done;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		err_set(err, "%s: not a regular file of at most %zu bytes",
		    path, max);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		err_set(err, "%s: out of memory", path);
		goto done;
	}
	if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
		err_errno(err, "%s: short read", path);
		goto done;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	close(fd);
	return rc;
}

int
vmfmt_file_write(const char *path, const void *buf, size_t len, char *err)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_errno(err, "%s", path);
	if (write(fd, buf, len) != (ssize_t)len)
		rc = err_errno(err, "%s: write", path);
	if (close(fd) != 0 && rc == 0)
		rc = err_errno(err, "%s: close", path);
	return rc;
}

int
vmfmt_import_begin(struct vmfmt_import *im, const char *dest, int n,
    char *err)
{
	int i;

	memset(im, 0, sizeof(*im));
	im->im_dest = dest;
	if (vmfmt_tmp_make(dest, im->im_tmp, sizeof(im->im_tmp), err) < 0)
		return -1;
	im->im_made = 1;
	for (i = 0; i < n; i++)
		if (asprintf(&im->im_src[i], "%s/src-%d", im->im_tmp, i) < 0) {
			im->im_src[i] = NULL;
			return err_set(err, "out of memory");
		}
	return 0;
}

int
vmfmt_import_end(struct vmfmt_import *im, int rc, struct vmfmt_vm *vm,
    const struct vmfmt_limits *l, char *err)
{
	int i;

	if (rc == 0)
		rc = vmfmt_disks_import(im->im_tmp, im->im_src, vm, l, err);
	if (rc == 0)
		rc = vmfmt_vm_save(im->im_tmp, vm, err);
	if (rc == 0)
		rc = vmfmt_publish(im->im_tmp, im->im_dest, err);
	if (rc == 0)
		im->im_made = 0;
	if (im->im_made)
		vmfmt_tmp_remove(im->im_tmp);
	for (i = 0; i < VMFMT_MAX_DISKS; i++)
		free(im->im_src[i]);
	memset(im->im_src, 0, sizeof(im->im_src));
	return rc < 0 ? -1 : 0;
}

void
vmfmt_disk_path(const char *dir, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/disk%d.qcow2", dir, i);
}
