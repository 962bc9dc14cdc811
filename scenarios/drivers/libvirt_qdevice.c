/*
 * libvirt_qdevice.c - the quorum device of a 2-host cluster: Corosync's
 * arbiter, corosync-qnetd, on the lab's SAN (node "san", through the same
 * host verbs as the hosts: e_dirs, e_put, e_service, e_exec), and the TLS
 * between it and each host's corosync-qdevice, made as the "typical usage"
 * of corosync-qdevice-net-certutil(8) says and `pcs qdevice` does: qnetd's
 * own CA on the SAN, a cluster certificate requested on the first host,
 * signed on the SAN, imported there and carried with its key to the other
 * hosts.  A file travels between nodes as a workstation would carry it:
 * read at one console (base64), put on the other, decoded there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "scenarios/drivers/libvirt.h"

#define QNETD_WAIT_S 30
#define CERT_MS 120000		/* certutil makes RSA keys: slow when loaded */
#define CMD_MAX 1024

#define QNETD_DB "/etc/corosync/qnetd/nssdb"
#define QDEV_NET "/etc/corosync/qdevice/net"
#define QDEV_DB QDEV_NET "/nssdb"

/* The SAN: corosync-qnetd as its own user, as its systemd unit runs it
 * (User=coroqnetd, RuntimeDirectory=corosync-qnetd), TLS required with
 * a client certificate (its default -c on). */
static const char qnetd_sh[] =
	"#!/bin/sh\n"
	"# written by hvlab's libvirt driver: corosync-qnetd, the arbiter\n"
	"# of the cluster's quorum device\n"
	"mkdir -p /run/corosync-qnetd /var/log/corosync-qnetd\n"
	"chown coroqnetd:coroqnetd /run/corosync-qnetd\n"
	"chmod 0770 /run/corosync-qnetd\n"
	"exec setpriv --reuid=coroqnetd --regid=coroqnetd --init-groups \\\n"
	"    /usr/bin/corosync-qnetd -f -s req\n";

static const char *const qnetd_keep[] = { "/etc/corosync", NULL };
static const char *const qnetd_svc[] = { "/bin/sh",
	"/etc/corosync/hvlab-qnetd.sh", NULL };

int
lv_qnetd_addr(const struct drv_env *env, size_t n, char *buf, size_t len,
    char *err)
{
	int port;

	if (n != 2 || env->e_san_addr == NULL)
		return 0;
	/* A witness SAN's management address stays reachable through a
	 * storage-down; a plain SAN has its portal only. */
	if (env->e_san_mgmt_addr != NULL) {
		snprintf(buf, len, "%s", env->e_san_mgmt_addr);
		return 1;
	}
	if (lv_split_portal(env->e_san_addr, buf, len, &port, err) == -1)
		return -1;
	return 1;
}

/* `sh -c cmd` at node's console; its stdout into *out when out (caller
 * frees). */
static int
sh_at(struct driver *d, const char *node, const char *cmd, char **out,
    char *err)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };

	if (out != NULL)
		*out = NULL;
	if (lv_console(d, node, argv, out, CERT_MS, err) == -1)
		return err_prefix(err, "%s", node);
	if (out != NULL && *out == NULL)
		return err_set(err, "%s: no answer", node);
	return 0;
}

/* text (base64 of a file) put at node's path.b64, then `base64 -d` to
 * path and then (may be "") in one command at its console. */
static int
carry(struct driver *d, const char *node, const char *path, const char *b64,
    const char *then, char **out, char *err)
{
	char p[256], cmd[CMD_MAX];

	snprintf(p, sizeof(p), "%s.b64", path);
	snprintf(cmd, sizeof(cmd), "base64 -d %s >%s && rm -f %s%s%s", p,
	    path, p, then[0] ? " && " : "", then);
	if (lv_put(d, node, p, b64, 0600, err) == -1 ||
	    sh_at(d, node, cmd, out, err) == -1)
		return -1;
	return 0;
}

/* qnetd's CA and server certificate, made anew on the SAN (its kept
 * /etc/corosync came with the machine's database); the CA's certificate
 * into *ca. */
static int
qnetd_ca(struct driver *d, char **ca, char *err)
{
	return sh_at(d, LV_SAN, "rm -rf " QNETD_DB " && "
	    "corosync-qnetd-certutil -i >/dev/null && "
	    "chgrp -R coroqnetd " QNETD_DB " && chmod -R g+rX " QNETD_DB " && "
	    "cat " QNETD_DB "/qnetd-cacert.crt", ca, err);
}

/* host's qdevice NSS database anew, trusting qnetd's CA. */
static int
host_db(struct driver *d, const char *host, const char *ca, char *err)
{
	if (lv_put(d, host, QDEV_NET "/qnetd-cacert.crt", ca, 0644,
	    err) == -1)
		return -1;
	return sh_at(d, host, "rm -rf " QDEV_DB " && "
	    "corosync-qdevice-net-certutil -i -c " QDEV_NET "/qnetd-cacert.crt "
	    ">/dev/null", NULL, err);
}

/* The cluster's certificate: requested on host (its key stays there),
 * signed by qnetd's CA on the SAN, imported on host; its certificate and
 * key as PKCS#12, base64, into *p12. */
static int
cluster_cert(struct driver *d, const char *name, const char *host,
    char **p12, char *err)
{
	char cmd[CMD_MAX], crt[256], *crq = NULL, *signed_crt = NULL;
	int rc = -1;

	snprintf(cmd, sizeof(cmd), "corosync-qdevice-net-certutil -r -n %s "
	    ">/dev/null && base64 -w0 " QDEV_DB "/qdevice-net-node.crq", name);
	if (sh_at(d, host, cmd, &crq, err) == -1)
		goto out;
	snprintf(cmd, sizeof(cmd), "corosync-qnetd-certutil -s -c "
	    QNETD_DB "/%s.crq -n %s >/dev/null && base64 -w0 "
	    QNETD_DB "/cluster-%s.crt", name, name, name);
	snprintf(crt, sizeof(crt), QNETD_DB "/%s.crq", name);
	if (carry(d, LV_SAN, crt, crq, cmd, &signed_crt, err) == -1)
		goto out;
	snprintf(crt, sizeof(crt), QDEV_DB "/cluster-%s.crt", name);
	snprintf(cmd, sizeof(cmd), "corosync-qdevice-net-certutil -M -c %s "
	    ">/dev/null && base64 -w0 " QDEV_DB "/qdevice-net-node.p12", crt);
	if (carry(d, host, crt, signed_crt, cmd, p12, err) == -1)
		goto out;
	rc = 0;
out:
	free(crq);
	free(signed_crt);
	return rc;
}

/* The certificates: qnetd's CA, every host's database, the cluster's
 * certificate made on hosts[0] and imported on the others. */
static int
qdevice_tls(struct driver *d, const char *name, const struct drv_host *hosts,
    size_t n, char *err)
{
	char *ca = NULL, *p12 = NULL;
	size_t i;
	int rc = -1;

	if (qnetd_ca(d, &ca, err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if (host_db(d, hosts[i].h_name, ca, err) == -1)
			goto out;
	if (cluster_cert(d, name, hosts[0].h_name, &p12, err) == -1)
		goto out;
	for (i = 1; i < n; i++)
		if (carry(d, hosts[i].h_name, QDEV_DB "/qdevice-net-node.p12",
		    p12, "corosync-qdevice-net-certutil -m -c " QDEV_DB
		    "/qdevice-net-node.p12 >/dev/null", NULL, err) == -1)
			goto out;
	rc = 0;
out:
	free(ca);
	free(p12);
	return rc == 0 ? 0 : err_prefix(err, "TLS certificates");
}

/* corosync-qnetd on the SAN: a service at every power-on, started now;
 * ready when corosync-qnetd-tool answers. */
static int
qnetd_start(struct driver *d, char *err)
{
	const struct drv_env *env = d->d_env;
	const char *argv[] = { "corosync-qnetd-tool", "-s", NULL };
	uint64_t end;
	char e[ERR_LEN];

	d->d_calls++;		/* the service */
	if (lv_put(d, LV_SAN, "/etc/corosync/hvlab-qnetd.sh", qnetd_sh,
	    0755, err) == -1 ||
	    env->e_service(env, LV_SAN, "daemon", qnetd_svc, err) == -1 ||
	    lv_start_now(d, LV_SAN, "/etc/corosync/hvlab-qnetd.sh",
	    "/var/log/corosync-qnetd/hvlab-qnetd.out", err) == -1)
		return -1;
	end = clock_mono_ns() + QNETD_WAIT_S * NS_PER_S;
	while (env->e_exec(env, LV_SAN, argv, NULL, 30000, e) == -1) {
		if (clock_mono_ns() > end)
			return err_set(err, "corosync-qnetd does not answer "
			    "%d s after it started (see /var/log/"
			    "corosync-qnetd/hvlab-qnetd.out on %s): %s",
			    QNETD_WAIT_S, LV_SAN, e);
		clock_sleep_ns(250 * NS_PER_MS);
	}
	d->d_calls++;
	return 0;
}

int
lv_qdevice_install(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, char *err)
{
	const struct drv_env *env = d->d_env;

	if (n == 0)
		return err_set(err, "no hosts");
	d->d_calls++;		/* the directory */
	if (env->e_dirs(env, LV_SAN, qnetd_keep, NULL, err) == -1 ||
	    qdevice_tls(d, name, hosts, n, err) == -1 ||
	    qnetd_start(d, err) == -1)
		return err_prefix(err, "corosync-qnetd on %s", LV_SAN);
	return 0;
}
