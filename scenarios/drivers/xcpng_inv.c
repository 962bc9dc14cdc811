/*
 * xcpng_inv.c - the xcpng driver's inventory file (xcpng.h), read with
 * drv_inv.c.  Keys:
 *
 *   url             https://MASTER of the pool master (required)
 *   user            the XAPI user, root or an AD user with the
 *                   pool-admin role (required)
 *   password_file   a file holding its password (required)
 *   ca              a PEM the master's certificate chains to; or
 *   fingerprint     the master certificate's SHA-256 (AB:CD:..., 32 bytes)
 *   hosts           the pool's hosts by name_label, ',' between (required)
 *   sr              the shared SR's name_label (default "hvlab-san")
 *   sr_target       the iSCSI portal, ADDR or ADDR:PORT (required)
 *   sr_iqn          the target's IQN (required)
 *   sr_scsiid       the LUN's SCSI id, as `xe sr-probe type=lvmoiscsi`
 *                   lists it (required)
 *   network         VM NICs' network name_label (default "Pool-wide
 *                   network associated with eth0")
 *   ha_tolerate     host failures HA tolerates (default 1)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "scenarios/drivers/drv_https.h"
#include "scenarios/drivers/drv_inv.h"
#include "scenarios/drivers/xcpng.h"

#define K(n, f) DRV_INV_KEY(n, struct xcp_inventory, f)
static const struct drv_inv_key xcp_inv_keys[] = {
	K("url", xi_url), K("user", xi_user),
	K("password_file", xi_password), K("ca", xi_ca),
	K("fingerprint", xi_fingerprint), K("hosts", xi_hosts),
	K("sr", xi_sr), K("sr_target", xi_sr_target),
	K("sr_iqn", xi_sr_iqn), K("sr_scsiid", xi_sr_scsiid),
	K("network", xi_network), K("ha_tolerate", xi_ha_tolerate),
};
#undef K
#define XCP_NKEYS (sizeof(xcp_inv_keys) / sizeof(xcp_inv_keys[0]))
/* Where the keys with checked values stand in xcp_inv_keys. */
enum { XK_URL, XK_USER, XK_PW, XK_CA, XK_FP, XK_HOSTS, XK_SR, XK_TARGET,
	XK_IQN, XK_SCSIID, XK_NET, XK_TOL };

/* What a required key is, for the message naming it missing. */
static const struct {
	int r_key;
	const char *r_what;
} xcp_required[] = {
	{ XK_URL, "the pool master's API, https://MASTER" },
	{ XK_USER, "the XAPI user, e.g. root" },
	{ XK_PW, "a file holding the user's password" },
	{ XK_HOSTS, "the pool's hosts by name_label, e.g. xcp1, xcp2" },
	{ XK_TARGET, "the iSCSI portal of the shared SR, ADDR[:PORT]" },
	{ XK_IQN, "the iSCSI target's IQN" },
	{ XK_SCSIID, "the LUN's SCSI id, from xe sr-probe "
	    "type=lvmoiscsi" },
};

const char *
xcp_inventory_path(void)
{
	return drv_inv_path("HVLAB_XCPNG_INVENTORY", XCP_INV_DEFAULT);
}

/* "xcp1, xcp2" -> xi_host[]; problems at line. */
static void
xcp_inv_hosts(struct xcp_inventory *inv, struct drv_inv *iv, int line)
{
	char buf[XCP_INV_VAL], *s, *save = NULL, *e;

	snprintf(buf, sizeof(buf), "%s", inv->xi_hosts);
	for (s = strtok_r(buf, ",", &save); s != NULL;
	    s = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*s))
			s++;
		for (e = s + strlen(s); e > s && isspace((unsigned char)
		    e[-1]); e--)
			e[-1] = '\0';
		if (s[0] == '\0' || strlen(s) >= sizeof(inv->xi_host[0]))
			drv_inv_diag(iv, "%s:%d: hosts: an empty or too long "
			    "name", inv->xi_path, line);
		else if (inv->xi_nhosts == XCP_HOSTS_MAX)
			drv_inv_diag(iv, "%s:%d: hosts: more than %d",
			    inv->xi_path, line, XCP_HOSTS_MAX);
		else
			snprintf(inv->xi_host[inv->xi_nhosts++],
			    sizeof(inv->xi_host[0]), "%s", s);
	}
}

/* The values that must have a form, and the defaults. */
static void
xcp_inv_values(struct xcp_inventory *inv, struct drv_inv *iv,
    const int *lines)
{
	const char *f = inv->xi_path;
	unsigned char pin[32];
	char e[ERR_LEN], *end;
	long n;

	if (inv->xi_url[0] && strncmp(inv->xi_url, "https://", 8) != 0)
		drv_inv_diag(iv, "%s:%d: url '%s' is not https://", f,
		    lines[XK_URL], inv->xi_url);
	if (inv->xi_ca[0] == '\0' && inv->xi_fingerprint[0] == '\0')
		drv_inv_diag(iv, "%s: nothing to verify the master's "
		    "certificate with: 'ca' (PEM file) or 'fingerprint'", f);
	if (inv->xi_fingerprint[0] != '\0' &&
	    drv_fingerprint_parse(inv->xi_fingerprint, pin, e) == -1)
		drv_inv_diag(iv, "%s:%d: %s", f, lines[XK_FP], e);
	if (inv->xi_hosts[0] != '\0')
		xcp_inv_hosts(inv, iv, lines[XK_HOSTS]);
	if (inv->xi_sr_scsiid[0] != '\0' && strspn(inv->xi_sr_scsiid,
	    "0123456789abcdefABCDEF_-") != strlen(inv->xi_sr_scsiid))
		drv_inv_diag(iv, "%s:%d: sr_scsiid '%s' is no SCSI id (hex "
		    "digits)", f, lines[XK_SCSIID], inv->xi_sr_scsiid);
	n = 1;
	if (inv->xi_ha_tolerate[0] != '\0' &&
	    ((n = strtol(inv->xi_ha_tolerate, &end, 10)) < 0 || n > 15 ||
	    *end != '\0'))
		drv_inv_diag(iv, "%s:%d: ha_tolerate '%s' is not a count of "
		    "hosts (0 to 15)", f, lines[XK_TOL], inv->xi_ha_tolerate);
	inv->xi_tolerate = (int)n;
	if (inv->xi_sr[0] == '\0')
		snprintf(inv->xi_sr, sizeof(inv->xi_sr), "hvlab-san");
	if (inv->xi_network[0] == '\0')
		snprintf(inv->xi_network, sizeof(inv->xi_network),
		    "Pool-wide network associated with eth0");
}

int
xcp_inventory_load(const char *path, struct xcp_inventory *inv, FILE *diag,
    char *err)
{
	struct drv_inv iv = { .iv_path = path, .iv_diag = diag };
	int lines[XCP_NKEYS];
	size_t i;

	memset(inv, 0, sizeof(*inv));
	snprintf(inv->xi_path, sizeof(inv->xi_path), "%s", path);
	if (drv_inv_read(&iv, xcp_inv_keys, XCP_NKEYS, inv, lines, "set "
	    "HVLAB_XCPNG_INVENTORY or see docs/platforms/xcpng.md", err) ==
	    -1)
		return err_prefix(err, "xcpng");
	for (i = 0; i < sizeof(xcp_required) / sizeof(xcp_required[0]); i++) {
		const struct drv_inv_key *k = &xcp_inv_keys[
		    xcp_required[i].r_key];

		if (((char *)inv + k->k_off)[0] == '\0')
			drv_inv_diag(&iv, "%s: no '%s' (%s)", path, k->k_name,
			    xcp_required[i].r_what);
	}
	if (inv->xi_password[0] != '\0')
		drv_inv_secret(&iv, "password_file", inv->xi_password,
		    sizeof(inv->xi_password));
	xcp_inv_values(inv, &iv, lines);
	return drv_inv_done(&iv, err);
}

int
xcpng_config_check(FILE *diag, char *err)
{
	struct xcp_inventory *inv = calloc(1, sizeof(*inv));
	int rc;

	if (inv == NULL)
		return err_set(err, "out of memory");
	rc = xcp_inventory_load(xcp_inventory_path(), inv, diag, err);
	memset(inv, 0, sizeof(*inv));
	free(inv);
	return rc;
}
