/*
 * xcpng.h - the xcpng driver's inventory: where an XCP-ng pool's master
 * is, how to trust and log in to it, its hosts, and the iSCSI LUN its
 * shared SR goes on, read from a small "key = value" file
 * (docs/platforms/xcpng.md), and the check `hvlab run --platform xcpng
 * -n` makes of it.
 */
#ifndef HV_DRIVER_XCPNG_H
#define HV_DRIVER_XCPNG_H

#include <stdio.h>

#define XCP_INV_VAL 1024
#define XCP_HOSTS_MAX 16
/* The inventory file: $HVLAB_XCPNG_INVENTORY, else this. */
#define XCP_INV_DEFAULT "xcpng.conf"

struct xcp_inventory {
	char xi_path[XCP_INV_VAL];	/* the file it came from */
	char xi_url[XCP_INV_VAL];	/* "https://xcp1.example.org" */
	char xi_user[256];		/* "root" */
	char xi_password[256];		/* read from password_file */
	char xi_ca[XCP_INV_VAL];	/* PEM file, or "" */
	char xi_fingerprint[128];	/* "AB:CD:...", or "" */
	char xi_hosts[XCP_INV_VAL];	/* "xcp1, xcp2": hosts' name_label */
	char xi_sr[64];			/* the shared SR's name_label */
	char xi_sr_target[256];		/* portal "ADDR" or "ADDR:PORT" */
	char xi_sr_iqn[256];		/* target IQN */
	char xi_sr_scsiid[128];		/* the LUN's SCSI id */
	char xi_network[128];		/* VM NICs' network name_label */
	char xi_ha_tolerate[16];	/* host failures to tolerate */
	/* the hosts, split */
	char xi_host[XCP_HOSTS_MAX][64];
	int xi_nhosts;
	int xi_tolerate;
};

/* The inventory's path: $HVLAB_XCPNG_INVENTORY or XCP_INV_DEFAULT. */
const char *xcp_inventory_path(void);

/*
 * Load and check path into inv.  Every problem is printed to diag (may
 * be NULL) as "FILE:LINE: ..." or "FILE: ...", all of them; then -1 with
 * err saying how many.  The password file is read here.  0 when the
 * inventory has what the driver needs.
 */
int xcp_inventory_load(const char *path, struct xcp_inventory *inv,
    FILE *diag, char *err);

/* `hvlab run -n`'s check of the inventory: 0, or -1 with err. */
int xcpng_config_check(FILE *diag, char *err);

#endif
