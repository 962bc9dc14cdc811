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
#include "scenarios/drivers/drv_https.h"
#include "scenarios/drivers/drv_inv.h"
#include "scenarios/drivers/proxmox.h"

#define K(n, f) DRV_INV_KEY(n, struct pve_inventory, f)
static const struct drv_inv_key pve_inv_keys[] = {
	K("url", pi_url), K("token_file", pi_token), K("user", pi_user),
	K("password_file", pi_password), K("ca", pi_ca),
	K("fingerprint", pi_fingerprint), K("storage", pi_storage),
	K("backup_storage", pi_backup_storage), K("bridge", pi_bridge),
};
#undef K
#define PVE_NKEYS (sizeof(pve_inv_keys) / sizeof(pve_inv_keys[0]))
/* Where url and fingerprint stand in pve_inv_keys. */
#define PVE_K_URL 0
#define PVE_K_FP 5

const char *
pve_inventory_path(void)
{
	return drv_inv_path("HVLAB_PROXMOX_INVENTORY", PVE_INV_DEFAULT);
}

/* token_file / password_file name files: their contents replace them. */
static void
pve_inv_secrets(struct pve_inventory *inv, struct drv_inv *iv)
{
	if (inv->pi_token[0] != '\0' && drv_inv_secret(iv, "token_file",
	    inv->pi_token, sizeof(inv->pi_token)) == 0 &&
	    (strchr(inv->pi_token, '!') == NULL ||
	    strchr(inv->pi_token, '=') == NULL))
		drv_inv_diag(iv, "%s: token_file: not USER@REALM!ID=SECRET",
		    inv->pi_path);
	if (inv->pi_password[0] != '\0')
		drv_inv_secret(iv, "password_file", inv->pi_password,
		    sizeof(inv->pi_password));
}

/* What must be there, and what must agree. */
static void
pve_inv_needs(struct pve_inventory *inv, struct drv_inv *iv)
{
	unsigned char pin[32];
	char e[ERR_LEN];
	const char *f = inv->pi_path;

	if (inv->pi_url[0] == '\0')
		drv_inv_diag(iv, "%s: no 'url' (a node's API, "
		    "https://HOST:8006)", f);
	else if (strncmp(inv->pi_url, "https://", 8) != 0)
		drv_inv_diag(iv, "%s:%d: url '%s' is not https://", f,
		    inv->pi_url_line, inv->pi_url);
	if (inv->pi_token[0] == '\0' && (inv->pi_user[0] == '\0' ||
	    inv->pi_password[0] == '\0'))
		drv_inv_diag(iv, "%s: no credentials: 'token_file' (an "
		    "API token), or 'user' with 'password_file'", f);
	if (inv->pi_ca[0] == '\0' && inv->pi_fingerprint[0] == '\0')
		drv_inv_diag(iv, "%s: nothing to verify the node's "
		    "certificate with: 'ca' (PEM file) or 'fingerprint'", f);
	if (inv->pi_fingerprint[0] != '\0' &&
	    drv_fingerprint_parse(inv->pi_fingerprint, pin, e) == -1)
		drv_inv_diag(iv, "%s:%d: %s", f, inv->pi_fp_line, e);
	if (inv->pi_storage[0] == '\0')
		drv_inv_diag(iv, "%s: no 'storage' (the storage ID VM "
		    "disks go to, e.g. local-lvm)", f);
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
	struct drv_inv iv = { .iv_path = path, .iv_diag = diag };
	int lines[PVE_NKEYS];

	memset(inv, 0, sizeof(*inv));
	snprintf(inv->pi_path, sizeof(inv->pi_path), "%s", path);
	if (drv_inv_read(&iv, pve_inv_keys, PVE_NKEYS, inv, lines, "set "
	    "HVLAB_PROXMOX_INVENTORY or see docs/platforms/proxmox.md",
	    err) == -1)
		return err_prefix(err, "proxmox");
	inv->pi_url_line = lines[PVE_K_URL];
	inv->pi_fp_line = lines[PVE_K_FP];
	pve_inv_secrets(inv, &iv);
	pve_inv_needs(inv, &iv);
	return drv_inv_done(&iv, err);
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
