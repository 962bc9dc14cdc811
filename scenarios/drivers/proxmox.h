/*
 * proxmox.h - the proxmox driver's inventory: where a Proxmox VE cluster's
 * API is and how to trust and authenticate to it, read from a small
 * "key = value" file (docs/platforms/proxmox.md), and the check `hvlab
 * run --platform proxmox -n` makes of it.
 */
#ifndef HV_DRIVER_PROXMOX_H
#define HV_DRIVER_PROXMOX_H

#include <stdio.h>

#define PVE_INV_VAL 1024
/* The inventory file: $HVLAB_PROXMOX_INVENTORY, else this. */
#define PVE_INV_DEFAULT "proxmox.conf"

struct pve_inventory {
	char pi_path[PVE_INV_VAL];	/* the file it came from */
	char pi_url[PVE_INV_VAL];	/* "https://pve1.example.org:8006" */
	char pi_token[PVE_INV_VAL];	/* "USER@REALM!ID=SECRET" or "" */
	char pi_user[256];		/* ticket login, or "" */
	char pi_password[256];		/* read from password_file */
	char pi_ca[PVE_INV_VAL];	/* PEM file, or "" */
	char pi_fingerprint[128];	/* "AB:CD:...", or "" */
	char pi_storage[64];		/* where VM disks go ("local-lvm") */
	char pi_backup_storage[64];	/* where vzdump writes ("local") */
	char pi_bridge[64];		/* VM NICs' bridge ("vmbr0") */
	int pi_url_line;		/* where url and fingerprint stand, */
	int pi_fp_line;			/* for the messages about them */
};

/* The inventory's path: $HVLAB_PROXMOX_INVENTORY or PVE_INV_DEFAULT. */
const char *pve_inventory_path(void);

/*
 * Load and check path into inv.  Every problem is printed to diag (may
 * be NULL) as "FILE:LINE: ..." or "FILE: ...", all of them; then -1 with
 * err saying how many.  The token and password files are read here.
 * 0 when the inventory has what the driver needs.
 */
int pve_inventory_load(const char *path, struct pve_inventory *inv,
    FILE *diag, char *err);

/* `hvlab run -n`'s check of the inventory: 0, or -1 with err. */
int proxmox_config_check(FILE *diag, char *err);

#endif
