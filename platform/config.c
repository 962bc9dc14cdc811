/*
 * config.c - reading /etc/hvd/hvd.conf (see config.h, docs/hvd.md).
 *
 * A key table drives parsing, printing and validation, so a new key is one
 * line here and one in docs/hvd.md.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel.h"
#include "err.h"
#include "log.h"
#include "platform/confine.h"
#include "platform/config.h"
#include "platform/vmio.h"
#include "platform/volimport.h"

enum cf_type { CF_STR, CF_INT, CF_LONG, CF_NAME, CF_ADDR, CF_ACCEL,
	CF_DIRS };

struct cf_key {
	const char	*k_name;
	enum cf_type	 k_type;
	size_t		 k_off;
	size_t		 k_size;	/* strings: buffer size */
	long		 k_min, k_max;	/* numbers */
};

#define S(f) offsetof(struct hvd_config, f), sizeof(((struct hvd_config *)0)->f)
static const struct cf_key cf_keys[] = {
	{ "node",		CF_NAME, S(cf_node), 0, 0 },
	{ "address",		CF_ADDR, S(cf_address), 0, 0 },
	{ "api_port",		CF_INT,  S(cf_api_port), 1, 65535 },
	{ "etcd_client_port",	CF_INT,  S(cf_etcd_client_port), 1, 65535 },
	{ "etcd_peer_port",	CF_INT,  S(cf_etcd_peer_port), 1, 65535 },
	{ "state_dir",		CF_STR,  S(cf_state_dir), 0, 0 },
	{ "tls_dir",		CF_STR,  S(cf_tls_dir), 0, 0 },
	{ "run_dir",		CF_STR,  S(cf_run_dir), 0, 0 },
	{ "socket",		CF_STR,  S(cf_socket), 0, 0 },
	{ "etcd",		CF_STR,  S(cf_etcd_bin), 0, 0 },
	{ "qemu",		CF_STR,  S(cf_qemu_bin), 0, 0 },
	{ "log_file",		CF_STR,  S(cf_log_file), 0, 0 },
	{ "lease_ttl",		CF_INT,  S(cf_lease_ttl), 2, 3600 },
	{ "max_body",		CF_LONG, S(cf_max_body), 1024, 64L << 20 },
	{ "ovs_bridge",		CF_NAME, S(cf_ovs_bridge), 0, 0 },
	{ "ovs_db",		CF_STR,  S(cf_ovs_db), 0, 0 },
	{ "vm_dir",		CF_STR,  S(cf_vm_dir), 0, 0 },
	{ "role",		CF_NAME, S(cf_role), 0, 0 },
	{ "accel",		CF_ACCEL, S(cf_accel), 0, 0 },
	{ "image_dirs",		CF_DIRS, S(cf_image_dirs), 0, 0 },
	{ "pool_dirs",		CF_DIRS, S(cf_pool_dirs), 0, 0 },
	{ "fence_reset",	CF_NAME, S(cf_fence_reset), 0, 0 },
	{ "import_dirs",	CF_DIRS, S(cf_import_dirs), 0, 0 },
	{ "export_dirs",	CF_DIRS, S(cf_export_dirs), 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 }
};
#undef S

void
config_defaults(struct hvd_config *c)
{
	char host[HOST_NAME_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (gethostname(host, sizeof(host)) != 0)
		strcpy(host, "node");
	host[sizeof(host) - 1] = '\0';
	snprintf(c->cf_node, sizeof(c->cf_node), "%.*s",
	    (int)strcspn(host, "."), host);
	c->cf_api_port = 8006;
	c->cf_etcd_client_port = 2379;
	c->cf_etcd_peer_port = 2380;
	snprintf(c->cf_state_dir, sizeof(c->cf_state_dir), "/var/lib/hvd");
	snprintf(c->cf_tls_dir, sizeof(c->cf_tls_dir), "/etc/hvd/tls");
	snprintf(c->cf_run_dir, sizeof(c->cf_run_dir), "/run/hvd");
	snprintf(c->cf_etcd_bin, sizeof(c->cf_etcd_bin), "etcd");
	snprintf(c->cf_qemu_bin, sizeof(c->cf_qemu_bin), "qemu-system-x86_64");
	snprintf(c->cf_ovs_bridge, sizeof(c->cf_ovs_bridge), "vmbr0");
	c->cf_lease_ttl = 10;
	c->cf_max_body = 1L << 20;
	snprintf(c->cf_role, sizeof(c->cf_role), "node");
	snprintf(c->cf_accel, sizeof(c->cf_accel), "auto");
	snprintf(c->cf_image_dirs, sizeof(c->cf_image_dirs), "%s",
	    CONFINE_IMAGE_DIRS);
	snprintf(c->cf_pool_dirs, sizeof(c->cf_pool_dirs), "%s",
	    CONFINE_POOL_DIRS);
	snprintf(c->cf_fence_reset, sizeof(c->cf_fence_reset), "reboot");
	snprintf(c->cf_import_dirs, sizeof(c->cf_import_dirs), "%s",
	    VOLIMPORT_DIRS);
	snprintf(c->cf_export_dirs, sizeof(c->cf_export_dirs), "%s",
	    VMIO_EXPORT_DIRS);
}

/* A node or bridge name: letters, digits, '-', '_', not starting with '-'. */
static int
cf_valid_name(const char *s)
{
	size_t i;

	if (*s == '\0' || *s == '-')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static int
cf_set(struct hvd_config *c, const struct cf_key *k, const char *v,
    char *err)
{
	char *p = (char *)c + k->k_off, *end;
	long n;
	struct in_addr a;
	enum accel_mode m;

	switch (k->k_type) {
	case CF_ACCEL:
		if (accel_mode_parse(v, &m, err) == -1)
			return err_prefix(err, "'%s'", k->k_name);
		/* FALLTHROUGH */
	case CF_NAME:
		if (!cf_valid_name(v))
			return err_set(err, "'%s' must be letters, digits, "
			    "'-' or '_', got '%s'", k->k_name, v);
		/* FALLTHROUGH */
	case CF_ADDR:
		if (k->k_type == CF_ADDR && inet_pton(AF_INET, v, &a) != 1)
			return err_set(err, "'%s' must be an IPv4 address, "
			    "got '%s'", k->k_name, v);
		/* FALLTHROUGH */
	case CF_DIRS:
		if (k->k_type == CF_DIRS && confine_dirs_check(v, err) == -1)
			return err_prefix(err, "'%s'", k->k_name);
		/* FALLTHROUGH */
	case CF_STR:
		if (strlen(v) >= k->k_size)
			return err_set(err, "'%s' is too long (max %zu bytes)",
			    k->k_name, k->k_size - 1);
		memcpy(p, v, strlen(v) + 1);
		return 0;
	case CF_INT:
	case CF_LONG:
		errno = 0;
		n = strtol(v, &end, 10);
		if (errno != 0 || end == v || *end != '\0' || n < k->k_min ||
		    n > k->k_max)
			return err_set(err, "'%s' must be an integer from %ld "
			    "to %ld, got '%s'", k->k_name, k->k_min, k->k_max,
			    v);
		if (k->k_type == CF_INT)
			*(int *)(void *)p = (int)n;
		else
			*(long *)(void *)p = n;
		return 0;
	}
	return err_set(err, "internal: bad key type");
}

int
config_finish(struct hvd_config *c, char *err)
{
	if (strcmp(c->cf_role, "node") != 0 &&
	    strcmp(c->cf_role, "witness") != 0)
		return err_set(err, "'role' must be node or witness, got '%s'",
		    c->cf_role);
	c->cf_witness = strcmp(c->cf_role, "witness") == 0;
	if (strcmp(c->cf_fence_reset, "reboot") != 0 &&
	    strcmp(c->cf_fence_reset, "off") != 0)
		return err_set(err, "'fence_reset' must be reboot or off, got "
		    "'%s'", c->cf_fence_reset);
	if (c->cf_socket[0] == '\0' &&
	    snprintf(c->cf_socket, sizeof(c->cf_socket), "%s/hvd.sock",
	    c->cf_run_dir) >= (int)sizeof(c->cf_socket))
		return err_set(err, "run_dir is too long for the socket path");
	if (c->cf_vm_dir[0] == '\0' &&
	    snprintf(c->cf_vm_dir, sizeof(c->cf_vm_dir), "%s/vms",
	    c->cf_run_dir) >= (int)sizeof(c->cf_vm_dir))
		return err_set(err, "run_dir is too long for vm_dir");
	if (c->cf_api_port == c->cf_etcd_client_port ||
	    c->cf_api_port == c->cf_etcd_peer_port ||
	    c->cf_etcd_client_port == c->cf_etcd_peer_port)
		return err_set(err, "api_port, etcd_client_port and "
		    "etcd_peer_port must differ");
	if (c->cf_state_dir[0] != '/' || c->cf_run_dir[0] != '/' ||
	    c->cf_tls_dir[0] != '/')
		return err_set(err, "state_dir, run_dir and tls_dir must be "
		    "absolute paths");
	return 0;
}

int
config_parse(struct hvd_config *c, const char *name, const char *text,
    char *err)
{
	const struct cf_key *k;
	char line[1024], first[ERR_LEN] = "", e[256];
	const char *p = text, *nl;
	char *key, *val, *eq, *s;
	unsigned seen[sizeof(cf_keys) / sizeof(cf_keys[0])] = { 0 };
	int lineno = 0, errors = 0;
	size_t len;

#define CF_ERR(...) do {						\
	snprintf(e, sizeof(e), __VA_ARGS__);				\
	log_warnx("%s:%d: %s", name, lineno, e);			\
	if (errors++ == 0)						\
		snprintf(first, sizeof(first), "%.200s:%d: %s", name, lineno, e); \
} while (0)

	while (*p != '\0') {
		lineno++;
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (len >= sizeof(line)) {
			CF_ERR("line is too long");
			goto next;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		if ((s = strchr(line, '#')) != NULL)
			*s = '\0';
		for (key = line; isspace((unsigned char)*key); key++)
			;
		if (*key == '\0')
			goto next;
		if ((eq = strchr(key, '=')) == NULL) {
			CF_ERR("expected 'key = value'");
			goto next;
		}
		*eq = '\0';
		for (s = eq; s > key && isspace((unsigned char)s[-1]); s--)
			s[-1] = '\0';
		for (val = eq + 1; isspace((unsigned char)*val); val++)
			;
		for (s = val + strlen(val); s > val &&
		    isspace((unsigned char)s[-1]); s--)
			s[-1] = '\0';
		for (k = cf_keys; k->k_name != NULL; k++)
			if (strcmp(k->k_name, key) == 0)
				break;
		if (k->k_name == NULL) {
			CF_ERR("unknown key '%.64s'", key);
			goto next;
		}
		if (seen[k - cf_keys]++) {
			CF_ERR("duplicate key '%.64s'", key);
			goto next;
		}
		if (*val == '\0') {
			CF_ERR("'%.64s' has no value", key);
			goto next;
		}
		{
			char e2[ERR_LEN];

			if (cf_set(c, k, val, e2) != 0)
				CF_ERR("%.200s", e2);
		}
next:
		if (nl == NULL)
			break;
		p = nl + 1;
	}
#undef CF_ERR
	if (errors > 0)
		return err_set(err, "%s%s", first, errors > 1 ?
		    " (and more errors)" : "");
	if (config_finish(c, first) != 0)
		return err_set(err, "%.200s: %.250s", name, first);
	snprintf(c->cf_path, sizeof(c->cf_path), "%s", name);
	return 0;
}

int
config_load(struct hvd_config *c, const char *path, int missing_ok,
    char *err)
{
	FILE *f;
	char *buf = NULL;
	size_t n;
	long sz;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return config_finish(c, err);
		return err_errno(err, "%s", path);
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		err_errno(err, "%s", path);
		goto out;
	}
	if (sz > 1 << 20) {
		err_set(err, "%s: file is too large", path);
		goto out;
	}
	if ((buf = malloc((size_t)sz + 1)) == NULL) {
		err_errno(err, "%s", path);
		goto out;
	}
	n = fread(buf, 1, (size_t)sz, f);
	if (n != (size_t)sz) {
		err_set(err, "%s: short read", path);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		err_set(err, "%s: file contains a NUL byte", path);
		goto out;
	}
	rc = config_parse(c, path, buf, err);
out:
	free(buf);
	fclose(f);
	return rc;
}

void
config_print(const struct hvd_config *c, FILE *f)
{
	const struct cf_key *k;
	const char *p;

	for (k = cf_keys; k->k_name != NULL; k++) {
		p = (const char *)c + k->k_off;
		if (k->k_type == CF_INT)
			fprintf(f, "%s = %d\n", k->k_name,
			    *(const int *)(const void *)p);
		else if (k->k_type == CF_LONG)
			fprintf(f, "%s = %ld\n", k->k_name,
			    *(const long *)(const void *)p);
		else if (*p != '\0')
			fprintf(f, "%s = %s\n", k->k_name, p);
		else
			fprintf(f, "# %s =\n", k->k_name);
	}
}
