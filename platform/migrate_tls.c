/*
 * migrate_tls.c - TLS for the live-migration stream (see migrate_tls.h).
 *
 * hvd hands QEMU the stream's socket; QEMU wraps it in TLS when the
 * migration parameter tls-creds names a tls-creds-x509 object.  This file
 * makes those objects from the node's PKI files and sets the parameters:
 * the target accepts only a client whose certificate verifies against the
 * cluster CA and carries the source node's DN, the source only a server
 * whose certificate names the target node.  The key copies QEMU reads
 * live in their directory only while QEMU loads them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "platform/migrate_tls.h"

#define CMD_TIMEOUT_MS 10000

/* The names QEMU's tls-creds-x509 looks for in its dir. */
static const char *const tls_files[] = { "ca-cert.pem", "server-cert.pem",
	"server-key.pem", "client-cert.pem", "client-key.pem", NULL };

int
migrate_tls_identity(const char *node, char *buf, size_t len, char *err)
{
	size_t i;

	for (i = 0; node[i] != '\0'; i++)
		if (!(node[i] >= 'a' && node[i] <= 'z') &&
		    !(node[i] >= 'A' && node[i] <= 'Z') &&
		    !(node[i] >= '0' && node[i] <= '9') &&
		    node[i] != '-' && node[i] != '_')
			break;
	if (i == 0 || node[i] != '\0')
		return err_set(err, "node name '%s' cannot name a certificate "
		    "(letters, digits, '-' and '_' only)", node);
	if ((size_t)snprintf(buf, len, "CN=%s", node) >= len)
		return err_set(err, "node name '%s' is too long", node);
	return 0;
}

/* {"qom-type":type, "id":id}, for object-add; NULL out of memory. */
static cJSON *
object_args(const char *type, const char *id)
{
	cJSON *a = cJSON_CreateObject();

	if (a != NULL && (cJSON_AddStringToObject(a, "qom-type", type) == NULL ||
	    cJSON_AddStringToObject(a, "id", id) == NULL)) {
		cJSON_Delete(a);
		a = NULL;
	}
	return a;
}

cJSON *
migrate_tls_creds_args(const char *dir, int server)
{
	cJSON *a = object_args("tls-creds-x509", MIGRATE_TLS_CREDS);

	if (a == NULL)
		return NULL;
	cJSON_AddStringToObject(a, "dir", dir);
	cJSON_AddStringToObject(a, "endpoint", server ? "server" : "client");
	/* a client always checks the server; the server asks for a client
	 * certificate only with verify-peer */
	cJSON_AddBoolToObject(a, "verify-peer", 1);
	return a;
}

cJSON *
migrate_tls_authz_args(const char *identity)
{
	cJSON *a = object_args("authz-simple", MIGRATE_TLS_AUTHZ);

	if (a != NULL)
		cJSON_AddStringToObject(a, "identity", identity);
	return a;
}

/* dir/name := data, mode 0600, a new file.  0 or -1 + err. */
static int
file_put(const char *dir, const char *name, const char *data, char *err)
{
	char path[4096];
	size_t n = strlen(data), off = 0;
	ssize_t w;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return err_set(err, "migration TLS: path %s/%s is too long",
		    dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0)
		return err_errno(err, "migration TLS: create %s", path);
	while (off < n) {
		if ((w = write(fd, data + off, n - off)) < 0) {
			if (errno == EINTR)
				continue;
			err_errno(err, "migration TLS: write %s", path);
			goto out;
		}
		off += (size_t)w;
	}
	rc = 0;
out:
	if (close(fd) < 0 && rc == 0)
		rc = err_errno(err, "migration TLS: write %s", path);
	return rc;
}

/* Remove dir and the files QEMU reads from it (absent ones are fine). */
static void
files_remove(const char *dir)
{
	char path[4096];
	int i;

	for (i = 0; tls_files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, tls_files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

/* dir (0700, new) with the CA and this node's certificate and key under
 * the names of endpoint server or client.  0 or -1 + err. */
static int
files_write(const struct migrate_tls *t, int server, char *err)
{
	files_remove(t->mt_dir);	/* left by a hvd that died */
	if (mkdir(t->mt_dir, 0700) < 0)
		return err_errno(err, "migration TLS: mkdir %s", t->mt_dir);
	if (file_put(t->mt_dir, "ca-cert.pem", t->mt_ca_pem, err) < 0 ||
	    file_put(t->mt_dir, server ? "server-cert.pem" : "client-cert.pem",
	    t->mt_cert_pem, err) < 0 ||
	    file_put(t->mt_dir, server ? "server-key.pem" : "client-key.pem",
	    t->mt_key_pem, err) < 0)
		return -1;
	return 0;
}

/* object-add args (taken), after deleting one of the same id an earlier
 * migration of this QEMU left.  0 or -1 + err. */
static int
object_put(struct qmp *q, cJSON *args, char *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(args, "id");
	char del[128], e2[ERR_LEN];

	if (!cJSON_IsString(id)) {
		cJSON_Delete(args);
		return err_set(err, "out of memory");
	}
	snprintf(del, sizeof(del), "{\"id\":\"%s\"}", id->valuestring);
	(void)qmp_execute_str(q, "object-del", del, NULL, CMD_TIMEOUT_MS, e2);
	return qmp_execute(q, "object-add", args, NULL, CMD_TIMEOUT_MS, err);
}

/* The credentials object for one side, its files gone again. */
static int
creds_put(struct qmp *q, const struct migrate_tls *t, int server, char *err)
{
	cJSON *a;
	int rc = -1;

	if (files_write(t, server, err) < 0)
		goto out;
	if ((a = migrate_tls_creds_args(t->mt_dir, server)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = object_put(q, a, err);
out:
	files_remove(t->mt_dir);
	return rc;
}

/* migrate-set-parameters tls-creds plus key := value. */
static int
params_put(struct qmp *q, const char *key, const char *value, char *err)
{
	cJSON *a = cJSON_CreateObject();

	if (a == NULL)
		return err_set(err, "out of memory");
	cJSON_AddStringToObject(a, "tls-creds", MIGRATE_TLS_CREDS);
	cJSON_AddStringToObject(a, key, value);
	return qmp_execute(q, "migrate-set-parameters", a, NULL,
	    CMD_TIMEOUT_MS, err);
}

int
migrate_tls_target(struct qmp *q, const struct migrate_tls *t, char *err)
{
	char id[128];
	cJSON *a;

	if (migrate_tls_identity(t->mt_peer, id, sizeof(id), err) < 0)
		return err_prefix(err, "migration TLS");
	if ((a = migrate_tls_authz_args(id)) == NULL)
		return err_set(err, "out of memory");
	if (object_put(q, a, err) < 0 || creds_put(q, t, 1, err) < 0 ||
	    params_put(q, "tls-authz", MIGRATE_TLS_AUTHZ, err) < 0)
		return err_prefix(err, "migration TLS (target)");
	return 0;
}

int
migrate_tls_source(struct qmp *q, const struct migrate_tls *t, char *err)
{
	char id[128];

	/* the same check: tls-hostname must name what the certificate says */
	if (migrate_tls_identity(t->mt_peer, id, sizeof(id), err) < 0)
		return err_prefix(err, "migration TLS");
	if (creds_put(q, t, 0, err) < 0 ||
	    params_put(q, "tls-hostname", t->mt_peer, err) < 0)
		return err_prefix(err, "migration TLS (source)");
	return 0;
}
