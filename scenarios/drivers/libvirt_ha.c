/*
 * libvirt_ha.c - HA on the libvirt platform, as a Pacemaker administrator
 * sets it up (docs/platforms/libvirt.md "High availability"):
 *
 *  - fencing: one stonith:fence_redfish device per host against the lab's
 *    BMC of that host, kept off the host itself, stonith-enabled=true,
 *    one CIB request at cluster form (cibadmin at host1's console);
 *  - a VM: ocf:heartbeat:VirtualDomain with its domain XML on every
 *    host (/etc/libvirt/hvlab-ha/VM.xml, the iSCSI disk is shared) and
 *    allow-migrate=true; libvirt's own persistent definition removed, so
 *    the domain is Pacemaker's alone (a host powered on again finds none);
 *  - the recovery steps: crm_mon's XML (the DC, where the resource runs)
 *    and the Pacemaker log's lines on every host that answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/drivers/libvirt.h"

#define HA_CONSOLE_MS 30000
#define HA_STOP_WAIT_S 90
#define HA_CONF_DIR "/etc/libvirt/hvlab-ha"	/* kept on each host */
#define HA_MONITOR_S 10
#define PCMK_LOG "/var/log/pacemaker/pacemaker.log"
#define LV_NO_FENCING "libvirt: Pacemaker's VirtualDomain resources need " \
	"fencing, and the lab has no BMCs (bmc: in its topology) for " \
	"fence_redfish"

/* The BMC password from the lab's file into buf (its first line). */
static int
bmc_password(const struct drv_env *env, char *buf, size_t len, char *err)
{
	FILE *f = fopen(env->e_bmc_password_file, "r");

	if (f == NULL)
		return err_errno(err, "%s", env->e_bmc_password_file);
	if (fgets(buf, (int)len, f) == NULL) {
		fclose(f);
		return err_set(err, "%s: empty", env->e_bmc_password_file);
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Append s to the growing buffer *b (size *cap, used *off). */
static int
grow_cat(char **b, size_t *cap, size_t *off, const char *s, char *err)
{
	size_t n = strlen(s);

	if (*off + n + 1 > *cap) {
		size_t nc = (*off + n + 1) * 2;
		char *nb = realloc(*b, nc);

		if (nb == NULL)
			return err_set(err, "out of memory");
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *off, s, n + 1);
	*off += n;
	return 0;
}

/* <configuration> with the devices, their constraints and the
 * properties, for one cibadmin --modify.  Caller frees *out. */
static int
fence_conf(const struct drv_env *env, const struct drv_host *hosts,
    size_t n, const char *pass, char **out, char *err)
{
	char el[4096];
	size_t i, cap = 0, off = 0;
	int rc = -1;

	*out = NULL;
	if (grow_cat(out, &cap, &off, "<configuration><crm_config>"
	    "<cluster_property_set id=\"cib-bootstrap-options\">"
	    "<nvpair id=\"cib-bootstrap-options-stonith-enabled\" "
	    "name=\"stonith-enabled\" value=\"true\"/>"
	    "<nvpair id=\"cib-bootstrap-options-stonith-action\" "
	    "name=\"stonith-action\" value=\"off\"/>"
	    "</cluster_property_set></crm_config><rsc_defaults>"
	    "<meta_attributes id=\"rsc-options\">"
	    "<nvpair id=\"rsc-options-resource-stickiness\" "
	    "name=\"resource-stickiness\" value=\"" LV_HA_STICKINESS "\"/>"
	    "</meta_attributes></rsc_defaults><resources>", err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		struct lv_fence f = { hosts[i].h_name, hosts[i].h_bmc_addr,
		    env->e_bmc_user, pass };

		if (lv_fence_xml(&f, el, sizeof(el), err) == -1 ||
		    grow_cat(out, &cap, &off, el, err) == -1)
			goto out;
	}
	if (grow_cat(out, &cap, &off, "</resources><constraints>", err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (lv_fence_constraint_xml(hosts[i].h_name, el, sizeof(el),
		    err) == -1 || grow_cat(out, &cap, &off, el, err) == -1)
			goto out;
	rc = grow_cat(out, &cap, &off, "</constraints></configuration>", err);
out:
	if (rc == -1) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

int
lv_fence_setup(struct driver *d, const struct drv_host *hosts, size_t n,
    char *err)
{
	const struct drv_env *env = d->d_env;
	char pass[128], *conf = NULL;
	const char *argv[] = { "cibadmin", "--modify", "--allow-create",
	    "--scope", "configuration", "--xml-text", NULL, NULL };
	size_t i;
	int rc;

	if (env->e_bmc_password_file == NULL || env->e_bmc_user == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (hosts[i].h_bmc_addr[0] == '\0')
			return 0;
	if (bmc_password(env, pass, sizeof(pass), err) == -1 ||
	    fence_conf(env, hosts, n, pass, &conf, err) == -1)
		return err_prefix(err, "libvirt: fencing");
	argv[6] = conf;
	/* one CIB request: what `pcs stonith create` makes per host */
	rc = lv_console(d, hosts[0].h_name, argv, NULL, HA_CONSOLE_MS, err);
	if (rc == -1)
		err_prefix(err, "libvirt: fencing: cibadmin on %s",
		    hosts[0].h_name);
	explicit_bzero(pass, sizeof(pass));
	free(conf);
	return rc;
}

int
lv_client_conf(const struct drv_env *env, char *buf, size_t len, char *err)
{
	size_t i, off;
	int k;

	k = snprintf(buf, len, "# written by hvlab's libvirt driver: the "
	    "hosts' names, for Pacemaker's\n# VirtualDomain (remoteuri=%%n), "
	    "as the lab has no name service\nuri_aliases = [\n");
	for (i = 0, off = (size_t)k; i < env->e_nhosts && off < len; i++) {
		k = snprintf(buf + off, len - off, "  \"%s=qemu+tls://%s:%d/"
		    "system?pkipath=%s\",\n", env->e_hosts[i].h_name,
		    env->e_hosts[i].h_addr, LV_TLS_PORT, LV_PKI_DIR);
		off += (size_t)k;
	}
	if (off >= len || (size_t)snprintf(buf + off, len - off, "]\n") >=
	    len - off)
		return err_set(err, "libvirt.conf longer than %zu bytes", len);
	return 0;
}

/* crm_mon's XML from the first host whose DC has quorum (a host cut off
 * answers with its own view); with none, the last answer.  Caller frees
 * *out. */
int
lv_crm_mon_quorate(struct driver *d, char **out, char *err)
{
	const struct drv_env *env = d->d_env;
	const char *argv[] = { "crm_mon", "-1", "--output-as=xml", NULL };
	char *x = NULL;
	size_t i;

	*out = NULL;
	for (i = 0; i < env->e_nhosts; i++) {
		if (lv_console(d, env->e_hosts[i].h_name, argv, &x,
		    HA_CONSOLE_MS, err) == -1 || x == NULL) {
			free(x);
			x = NULL;
			continue;
		}
		free(*out);
		*out = x;
		x = NULL;
		if (strstr(*out, "with_quorum=\"true\"") != NULL)
			return 0;
	}
	return *out != NULL ? 0 : err_prefix(err, "libvirt: crm_mon on no "
	    "host");
}

/* The Pacemaker log's recovery lines of every host that answers. */
static void
ha_log_read(struct driver *d, const char *vm, struct drv_ha_status *hs)
{
	const struct drv_env *env = d->d_env;
	char pat[512], e[ERR_LEN], *out;
	const char *argv[] = { "sh", "-c", pat, NULL };
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	gmtime_r(&now, &tm);
	snprintf(pat, sizeof(pat), "tail -n 20000 %s 2>/dev/null | grep -E "
	    "'state is now lost|will be fenced|Operation .* targeting|"
	    "start operation (for )?%s[_ ]' || true", PCMK_LOG, vm);
	for (i = 0; i < env->e_nhosts; i++) {
		out = NULL;
		if (lv_console(d, env->e_hosts[i].h_name, argv, &out,
		    HA_CONSOLE_MS, e) == 0 && out != NULL)
			lv_pcmk_log_parse(out, vm, tm.tm_year + 1900, hs);
		free(out);
	}
}

/* The settings the failover's phases follow, as the cluster runs
 * them: Corosync's token and consensus (ms; its defaults grow with the
 * node count), stonith-timeout, migration-threshold, and the VMs'
 * monitor interval. */
static const char knobs_sh[] =
	"c() { corosync-cmapctl -g runtime.config.totem.$1 | "
	"sed 's/.*= //'; }\n"
	"p() { crm_attribute -t $1 -n $2 -G -q -d $3 2>/dev/null; }\n"
	"echo corosync_token_ms $(c token)\n"
	"echo corosync_consensus_ms $(c consensus)\n"
	"echo stonith_timeout_s $(p crm_config stonith-timeout 60s)\n"
	"echo migration_threshold $(p rsc_defaults migration-threshold "
	"INFINITY)\n";

/*
 * The longest a cut-off host's copy may live: Corosync declares it lost
 * after token + consensus, and Pacemaker restarts nothing of it until
 * its fence is confirmed, which it gives up on after stonith-timeout.
 * -1 when a setting is unknown.
 */
static double
fence_deadline(const struct drv_ha_status *hs)
{
	double token = -1, consensus = -1, stonith = -1;
	size_t i;

	for (i = 0; i < hs->hs_nknobs; i++) {
		const struct drv_ha_knob *k = &hs->hs_knobs[i];

		if (strcmp(k->k_name, "corosync_token_ms") == 0)
			token = k->k_value;
		else if (strcmp(k->k_name, "corosync_consensus_ms") == 0)
			consensus = k->k_value;
		else if (strcmp(k->k_name, "stonith_timeout_s") == 0)
			stonith = k->k_value;
	}
	if (token < 0 || consensus < 0 || stonith < 0)
		return -1;
	return (token + consensus) / 1000 + stonith;
}

static void
ha_knobs(struct driver *d, const char *host, struct drv_ha_status *hs)
{
	const char *argv[] = { "sh", "-c", knobs_sh, NULL };
	char e[ERR_LEN], *out = NULL;

	if (lv_console(d, host, argv, &out, HA_CONSOLE_MS, e) == -1 ||
	    lv_knobs_parse(out ? out : "", hs, e) == -1)
		log_warnx("libvirt: HA settings on %s: %s", host, e);
	free(out);
	if (hs->hs_nknobs < DRV_HA_KNOBS_MAX) {
		snprintf(hs->hs_knobs[hs->hs_nknobs].k_name,
		    sizeof(hs->hs_knobs[0].k_name), "monitor_interval_s");
		hs->hs_knobs[hs->hs_nknobs++].k_value = HA_MONITOR_S;
	}
	hs->hs_fence_s = fence_deadline(hs);
}

int
lv_ha_status(struct driver *d, const char *vm, struct drv_ha_status *hs,
    char *err)
{
	char *x = NULL;
	int rc;

	memset(hs, 0, sizeof(*hs));
	hs->hs_fence_s = -1;	/* no self-fence: the BMC's power off */
	if (d->d_env->e_bmc_password_file == NULL)
		return err_set(err, "%s", LV_NO_FENCING), DRIVER_UNSUPPORTED;
	if (lv_crm_mon_quorate(d, &x, err) == -1)
		return -1;
	rc = lv_crm_mon_ha(x, strlen(x), vm, hs, err);
	free(x);
	if (rc == -1)
		return err_prefix(err, "libvirt");
	if (vm != NULL)
		ha_log_read(d, vm, hs);
	else if (hs->hs_manager[0] != '\0')
		ha_knobs(d, hs->hs_manager, hs);
	return 0;
}

/* The domain's XML at HA_CONF_DIR/VM.xml on every host. */
static int
conf_put(struct driver *d, const char *vm, const char *xml, char *err)
{
	const struct drv_env *env = d->d_env;
	char path[256];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.xml", HA_CONF_DIR, vm);
	for (i = 0; i < env->e_nhosts; i++)
		if (lv_put(d, env->e_hosts[i].h_name, path, xml, 0600,
		    err) == -1)
			return err_prefix(err, "libvirt: %s", vm);
	return 0;
}

int
lv_cib_request(struct driver *d, const char *const argv[], char *err)
{
	const struct drv_env *env = d->d_env;
	size_t i;

	for (i = 0; i < env->e_nhosts; i++)
		if (lv_console(d, env->e_hosts[i].h_name, argv, NULL,
		    HA_CONSOLE_MS, err) == 0)
			return 0;
	return -1;
}

int
lv_ha_enable(struct driver *d, const char *vm, char *err)
{
	const struct drv_env *env = d->d_env;
	const char *host;
	virDomainPtr dom;
	char *xml = NULL, prim[4096], conf[256];
	const char *argv[] = { "cibadmin", "--create", "--scope", "resources",
	    "--xml-text", prim, NULL };
	struct lv_vdom v = { vm, conf, HA_MONITOR_S };
	int rc = -1;

	if (env->e_bmc_password_file == NULL)
		return err_set(err, "%s", LV_NO_FENCING), DRIVER_UNSUPPORTED;
	snprintf(conf, sizeof(conf), "%s/%s.xml", HA_CONF_DIR, vm);
	if ((dom = lv_find(d, vm, &host, err)) == NULL)
		return -1;
	if ((xml = LV_RPC(d, virDomainGetXMLDesc(dom,
	    VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE))) == NULL) {
		err_set(err, "libvirt: XML of %s: %s", vm, lv_why());
		goto out;
	}
	if (lv_vdom_xml(&v, prim, sizeof(prim), err) == -1 ||
	    conf_put(d, vm, xml, err) == -1)
		goto out;
	/* Pacemaker alone starts it from now on: a running domain made
	 * transient, so no host keeps a definition of its own. */
	if (LV_RPC(d, virDomainIsPersistent(dom)) == 1 &&
	    LV_RPC(d, virDomainUndefine(dom)) == -1) {
		err_set(err, "libvirt: undefine %s on %s: %s", vm, host,
		    lv_why());
		goto out;
	}
	if (lv_cib_request(d, argv, err) == -1) {
		err_prefix(err, "libvirt: resource %s", vm);
		goto out;
	}
	rc = 0;
out:
	free(xml);
	virDomainFree(dom);
	return rc;
}

/* The resource's role until it is Stopped (HA_STOP_WAIT_S), and the
 * host it last ran on into last. */
static int
wait_stopped(struct driver *d, const char *vm, char *last, size_t len,
    char *err)
{
	uint64_t end = clock_mono_ns() + HA_STOP_WAIT_S * NS_PER_S;
	struct drv_ha_status hs;
	char *x;

	for (;;) {
		memset(&hs, 0, sizeof(hs));
		if (lv_crm_mon_quorate(d, &x, err) == 0) {
			lv_crm_mon_ha(x, strlen(x), vm, &hs, err);
			free(x);
			if (hs.hs_node[0] != '\0')
				snprintf(last, len, "%s", hs.hs_node);
			if (hs.hs_found && !hs.hs_running &&
			    strcmp(hs.hs_state, "Stopped") == 0)
				return 0;
		}
		if (clock_mono_ns() > end)
			return err_set(err, "libvirt: %s not stopped by "
			    "Pacemaker %d s after target-role=Stopped (state "
			    "'%s' on '%s')", vm, HA_STOP_WAIT_S, hs.hs_state,
			    hs.hs_node);
		clock_sleep_ns(500 * NS_PER_MS);
	}
}

/* libvirt's definition again on host (stopped), from the HA copy, so
 * the VM stays a libvirt domain the driver can start and delete. */
static int
redefine(struct driver *d, const char *vm, const char *host, char *err)
{
	char cmd[512];
	const char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "virsh -q define %s/%s.xml >/dev/null",
	    HA_CONF_DIR, vm);
	return lv_console(d, host, argv, NULL, HA_CONSOLE_MS, err);
}

/* fn(d, vm, host) on each host until one succeeds. */
static int
each_host(struct driver *d, const char *vm,
    int (*fn)(struct driver *, const char *, const char *, char *),
    char *err)
{
	const struct drv_env *env = d->d_env;
	size_t i;

	for (i = 0; i < env->e_nhosts; i++)
		if (fn(d, vm, env->e_hosts[i].h_name, err) == 0)
			return 0;
	return -1;
}

/*
 * Pacemaker stops what it managed when its resource goes: the VM is
 * stopped through Pacemaker first (target-role=Stopped), the resource
 * removed with its history, and the domain defined again, stopped, on the
 * host it last ran on.
 */
int
lv_ha_disable(struct driver *d, const char *vm, char *err)
{
	const struct drv_env *env = d->d_env;
	char prim[256], last[DRV_NAME_MAX] = "", cmd[256];
	const char *stop[] = { "crm_resource", "--resource", vm, "--meta",
	    "--set-parameter", "target-role", "--parameter-value", "Stopped",
	    NULL };
	const char *del[] = { "cibadmin", "--delete", "--scope", "resources",
	    "--xml-text", prim, NULL };
	const char *clean[] = { "crm_resource", "--cleanup", "--resource", vm,
	    NULL };
	const char *rm[] = { "sh", "-c", cmd, NULL };
	size_t i;

	snprintf(prim, sizeof(prim), "<primitive id=\"%s\"/>", vm);
	if (lv_cib_request(d, stop, err) == -1 ||
	    wait_stopped(d, vm, last, sizeof(last), err) == -1 ||
	    lv_cib_request(d, del, err) == -1)
		return err_prefix(err, "libvirt: remove resource %s", vm);
	if (lv_cib_request(d, clean, err) == -1)
		log_debug("libvirt: cleanup of %s: %s", vm, err);
	/* where it last ran, else the first host that takes it */
	if ((last[0] == '\0' || redefine(d, vm, last, err) == -1) &&
	    each_host(d, vm, redefine, err) == -1)
		return err_prefix(err, "libvirt: define %s again", vm);
	snprintf(cmd, sizeof(cmd), "rm -f %s/%s.xml", HA_CONF_DIR, vm);
	for (i = 0; i < env->e_nhosts; i++)
		if (lv_console(d, env->e_hosts[i].h_name, rm, NULL,
		    HA_CONSOLE_MS, err) == -1)
			log_debug("libvirt: %s", err);
	return 0;
}
