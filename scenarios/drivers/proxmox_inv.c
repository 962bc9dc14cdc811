/*
 * proxmox_inv.c - the proxmox driver's inventory file (proxmox.h): one
 * "key = value" a line, '#' comments.  Keys:
 *
 *   url             https://HOST:8006 of any node (required)
 *   token_file      a file holding USER@REALM!ID=SECRET (pveum user
 *                   token add); or
 *   user            USER@REALM with password_file, for a ticket login
 *   ca              the cluster CA's PEM (/etc/pve/pve-root-ca.pem); or
 *   fingerprint     the node certificate's SHA-256 (AB:CD:..., 32 bytes)
 *   storage         storage ID VM disks go to (required)
 *   backup_storage  storage ID vzdump writes to (default "local")
 *   bridge          VM NICs' bridge (default "vmbr0")
 *
 * Secrets live in files of their own so the inventory can be shared.
 * Every problem is reported with its place, all of them, then it fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scenarios/drivers/proxmox.h"
#include "scenarios/drivers/proxmox_api.h"

struct pve_inv_key {
	const char *k_name;
	size_t k_off;
	size_t k_len;
};

#define K(n, f) { n, offsetof(struct pve_inventory, f), \
	sizeof(((struct pve_inventory *)0)->f) }
static const struct pve_inv_key pve_inv_keys[] = {
	K("url", pi_url), K("token_file", pi_token), K("user", pi_user),
	K("password_file", pi_password), K("ca", pi_ca),
	K("fingerprint", pi_fingerprint), K("storage", pi_storage),
	K("backup_storage", pi_backup_storage), K("bridge", pi_bridge),
};
#undef K
#define PVE_NKEYS (sizeof(pve_inv_keys) / sizeof(pve_inv_keys[0]))

const char *
pve_inventory_path(void)
{
	const char *p = getenv("HVLAB_PROXMOX_INVENTORY");

	return p != NULL && p[0] != '\0' ? p : PVE_INV_DEFAULT;
}

static void
pve_diag(FILE *diag, int *nerr, const char *fmt, const char *a,
    const char *b)
{
	(*nerr)++;
	if (diag == NULL)
		return;
	fprintf(diag, fmt, a, b);
	fputc('\n', diag);
}

static char *
pve_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* One line "key = value" into inv; problems counted in *nerr. */
static void
pve_inv_line(struct pve_inventory *inv, char *line, int lineno,
    const char *where, FILE *diag, int *nerr)
{
	char *eq = strchr(line, '='), *k, *v;
	size_t i;

	if (eq == NULL) {
		pve_diag(diag, nerr, "%s: '%s' is no 'key = value'", where,
		    line);
		return;
	}
	*eq = '\0';
	k = pve_trim(line);
	v = pve_trim(eq + 1);
	for (i = 0; i < PVE_NKEYS; i++) {
		char *dst = (char *)inv + pve_inv_keys[i].k_off;

		if (strcmp(pve_inv_keys[i].k_name, k) != 0)
			continue;
		if (dst[0] != '\0')
			pve_diag(diag, nerr, "%s: '%s' given twice", where, k);
		else if (v[0] == '\0')
			pve_diag(diag, nerr, "%s: '%s' has no value", where, k);
		else if (strlen(v) >= pve_inv_keys[i].k_len)
			pve_diag(diag, nerr, "%s: '%s' is too long", where, k);
		else {
			memcpy(dst, v, strlen(v) + 1);
			if (strcmp(k, "url") == 0)
				inv->pi_url_line = lineno;
			else if (strcmp(k, "fingerprint") == 0)
				inv->pi_fp_line = lineno;
		}
		return;
	}
	pve_diag(diag, nerr, "%s: unknown key '%s'", where, k);
}

/* The first line of file path into buf (a secret: token or password). */
static int
pve_read_secret(const char *path, char *buf, size_t len, char *err)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return err_errno(err, "%s", path);
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (buf[0] == '\0')
		return err_set(err, "%s is empty", path);
	return 0;
}

/* token_file / password_file name files: their contents replace them. */
static void
pve_inv_secrets(struct pve_inventory *inv, FILE *diag, int *nerr)
{
	char path[PVE_INV_VAL], e[ERR_LEN];

	if (inv->pi_token[0] != '\0') {
		snprintf(path, sizeof(path), "%s", inv->pi_token);
		if (pve_read_secret(path, inv->pi_token, sizeof(inv->pi_token),
		    e) == -1)
			pve_diag(diag, nerr, "%s: token_file: %s",
			    inv->pi_path, e);
		else if (strchr(inv->pi_token, '!') == NULL ||
		    strchr(inv->pi_token, '=') == NULL)
			pve_diag(diag, nerr, "%s: token_file %s: not "
			    "USER@REALM!ID=SECRET", inv->pi_path, path);
	}
	if (inv->pi_password[0] != '\0') {
		snprintf(path, sizeof(path), "%s", inv->pi_password);
		if (pve_read_secret(path, inv->pi_password,
		    sizeof(inv->pi_password), e) == -1)
			pve_diag(diag, nerr, "%s: password_file: %s",
			    inv->pi_path, e);
	}
}

/* What must be there, and what must agree. */
static void
pve_inv_needs(struct pve_inventory *inv, FILE *diag, int *nerr)
{
	unsigned char pin[32];
	char e[ERR_LEN], at[PVE_INV_VAL + 16];
	const char *f = inv->pi_path;

	snprintf(at, sizeof(at), "%s:%d", f, inv->pi_url_line);
	if (inv->pi_url[0] == '\0')
		pve_diag(diag, nerr, "%s: no 'url' (a node's API, "
		    "https://HOST:8006)%s", f, "");
	else if (strncmp(inv->pi_url, "https://", 8) != 0)
		pve_diag(diag, nerr, "%s: url '%s' is not https://", at,
		    inv->pi_url);
	if (inv->pi_token[0] == '\0' && (inv->pi_user[0] == '\0' ||
	    inv->pi_password[0] == '\0'))
		pve_diag(diag, nerr, "%s: no credentials: 'token_file' (an "
		    "API token), or 'user' with 'password_file'%s", f, "");
	if (inv->pi_ca[0] == '\0' && inv->pi_fingerprint[0] == '\0')
		pve_diag(diag, nerr, "%s: nothing to verify the node's "
		    "certificate with: 'ca' (PEM file) or 'fingerprint'%s", f,
		    "");
	snprintf(at, sizeof(at), "%s:%d", f, inv->pi_fp_line);
	if (inv->pi_fingerprint[0] != '\0' &&
	    pve_fingerprint_parse(inv->pi_fingerprint, pin, e) == -1)
		pve_diag(diag, nerr, "%s: %s", at, e);
	if (inv->pi_storage[0] == '\0')
		pve_diag(diag, nerr, "%s: no 'storage' (the storage ID VM "
		    "disks go to, e.g. local-lvm)%s", f, "");
	if (inv->pi_backup_storage[0] == '\0')
		snprintf(inv->pi_backup_storage, sizeof(inv->pi_backup_storage),
		    "local");
	if (inv->pi_bridge[0] == '\0')
		snprintf(inv->pi_bridge, sizeof(inv->pi_bridge), "vmbr0");
}

int
pve_inventory_load(const char *path, struct pve_inventory *inv, FILE *diag,
    char *err)
{
	char line[2 * PVE_INV_VAL], where[PVE_INV_VAL + 32], *s;
	int nerr = 0, lineno = 0;
	FILE *f;

	memset(inv, 0, sizeof(*inv));
	snprintf(inv->pi_path, sizeof(inv->pi_path), "%s", path);
	if ((f = fopen(path, "r")) == NULL)
		return err_errno(err, "proxmox inventory %s (set "
		    "HVLAB_PROXMOX_INVENTORY or see docs/platforms/proxmox.md)",
		    path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			pve_diag(diag, &nerr, "%s: line too long%s", where, "");
			break;
		}
		s = pve_trim(line);
		if (s[0] != '\0' && s[0] != '#')
			pve_inv_line(inv, s, lineno, where, diag, &nerr);
	}
	fclose(f);
	pve_inv_secrets(inv, diag, &nerr);
	pve_inv_needs(inv, diag, &nerr);
	if (nerr > 0)
		return err_set(err, "%s: %d problem%s (above)", path, nerr,
		    nerr == 1 ? "" : "s");
	return 0;
}

int
proxmox_config_check(FILE *diag, char *err)
{
	struct pve_inventory *inv = calloc(1, sizeof(*inv));
	int rc;

	if (inv == NULL)
		return err_set(err, "out of memory");
	rc = pve_inventory_load(pve_inventory_path(), inv, diag, err);
	memset(inv, 0, sizeof(*inv));
	free(inv);
	return rc;
}
