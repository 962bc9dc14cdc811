/*
 * libvirt_host.c - installing the libvirt stack on a host and forming its
 * Corosync + Pacemaker cluster, as an administrator would over SSH: every
 * action is a file put on the host, a directory its disk keeps, or a
 * command at its console (drv_env's e_put, e_dirs, e_exec).  Pacemaker is
 * read through crm_mon's XML.
 *
 * A host's daemons come back after a power cycle: the install adds
 * `daemon` lines to the host's services file (docs/lab.md) running the
 * start scripts it put on the host.
 *
 * A 2-host cluster in a lab with a SAN gets a quorum device: the SAN
 * runs corosync-qnetd (libvirt_qdevice.c), each host corosync-qdevice
 * after Corosync, so one host left alone keeps quorum with the
 * arbiter's vote.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "scenarios/drivers/libvirt.h"

#define CONSOLE_MS 30000
#define LIBVIRTD_WAIT_S 60
#define PACEMAKER_WAIT_S 90
#define QUORUM_WAIT_S 90

/* What the stack keeps on a host's disk, and what is private per boot
 * (/run is every host's own already). */
static const char *const lv_keep[] = { "/etc/libvirt", "/var/lib/libvirt",
	"/var/cache/libvirt", "/etc/corosync", "/var/lib/corosync",
	"/var/lib/pacemaker", NULL };
static const char *const lv_tmpfs[] = { "/dev/shm", NULL };

/* Started by the host's init at every power-on (and by us now). */
static const char lv_libvirtd_sh[] =
	"#!/bin/sh\n"
	"# written by hvlab's libvirt driver: libvirtd in the foreground\n"
	"mkdir -p /var/log/libvirt/qemu\n"
	"exec /usr/sbin/libvirtd --listen\n";

static const char *const libvirtd_svc[] = { "/bin/sh",
	"/etc/libvirt/hvlab-libvirtd.sh", NULL };
static const char *const cluster_svc[] = { "/bin/sh",
	"/etc/corosync/hvlab-cluster.sh", NULL };

/* The cluster script: Corosync, [its quorum device,] then Pacemaker. */
#define CLUSTER_SH_COROSYNC \
	"#!/bin/sh\n" \
	"# written by hvlab's libvirt driver: Corosync, then Pacemaker\n" \
	"mkdir -p /var/log/corosync /var/log/pacemaker\n" \
	"chown hacluster:haclient /var/log/pacemaker\n" \
	"/usr/sbin/corosync -f &\n" \
	"i=0\n" \
	"until corosync-cfgtool -s >/dev/null 2>&1; do\n" \
	"\ti=$((i + 1)); [ $i -gt 150 ] && exit 1; sleep 0.2\n" \
	"done\n"
static const char lv_cluster_sh[] = CLUSTER_SH_COROSYNC
	"exec /usr/sbin/pacemakerd\n";
/* corosync-qdevice talks to corosync (votequorum), so it comes after. */
static const char lv_cluster_qdevice_sh[] = CLUSTER_SH_COROSYNC
	"# the quorum device's vote, from corosync-qnetd on the SAN\n"
	"mkdir -p /run/corosync-qdevice\n"
	"/usr/sbin/corosync-qdevice -f >>/var/log/corosync/qdevice.log "
	"2>&1 &\n"
	"exec /usr/sbin/pacemakerd\n";

int
lv_console(struct driver *d, const char *host, const char *const argv[],
    char **out, long timeout_ms, char *err)
{
	const struct drv_env *env = d->d_env;

	if (env->e_exec == NULL)
		return err_set(err, "libvirt: no console to host %s (no lab)",
		    host);
	d->d_calls++;
	return env->e_exec(env, host, argv, out, timeout_ms, err);
}

int
lv_put(struct driver *d, const char *host, const char *path,
    const char *text, int mode, char *err)
{
	const struct drv_env *env = d->d_env;

	d->d_calls++;
	return env->e_put(env, host, path, text, strlen(text), mode, err);
}

int
lv_start_now(struct driver *d, const char *host, const char *script,
    const char *log, char *err)
{
	char cmd[512];
	const char *argv[] = { "sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname %s)\" && setsid sh "
	    "%s </dev/null >>%s 2>&1 &", log, script, log);
	return lv_console(d, host, argv, NULL, CONSOLE_MS, err);
}

/* The host's accelerator decision, made on the host (`hvlab accel`,
 * common/accel.h), as hvd makes it on its node. */
static int
host_accel(struct driver *d, const struct drv_host *h, char *err)
{
	const struct drv_env *env = d->d_env;
	char hvlab[1024], *out = NULL, *tab;
	const char *argv[] = { hvlab, "accel", "-v", "--mode",
	    env->e_accel ? env->e_accel : "auto", NULL };

	snprintf(hvlab, sizeof(hvlab), "%s/hvlab", env->e_bindir ?
	    env->e_bindir : "/usr/local/bin");
	if (lv_console(d, h->h_name, argv, &out, 60000, err) == -1) {
		free(out);
		return err_prefix(err, "accelerator decision");
	}
	out[strcspn(out, "\n")] = '\0';
	if ((tab = strchr(out, '\t')) != NULL)
		*tab++ = '\0';
	if (strcmp(out, "kvm") != 0 && strcmp(out, "tcg") != 0) {
		err_set(err, "hvlab accel said '%.40s'", out);
		free(out);
		return -1;
	}
	lv_set_accel(d, h->h_name, out, tab ? tab : "");
	free(out);
	return 0;
}

/* libvirtd answers the station over TLS within LIBVIRTD_WAIT_S. */
static int
wait_libvirtd(struct driver *d, const char *host, char *err)
{
	uint64_t end = clock_mono_ns() + LIBVIRTD_WAIT_S * NS_PER_S;

	while (lv_conn(d, host, err) == NULL) {
		if (clock_mono_ns() > end)
			return err_prefix(err, "libvirtd did not answer in %d "
			    "s (see /var/log/libvirt/libvirtd.log on %s)",
			    LIBVIRTD_WAIT_S, host);
		clock_sleep_ns(250 * NS_PER_MS);
	}
	return 0;
}

int
lv_host_install(struct driver *d, const struct drv_host *h,
    struct drv_task *t, char *err)
{
	const struct drv_env *env = d->d_env;
	char text[2048], e[ERR_LEN], pki[4200];
	size_t idx;

	if (env->e_put == NULL || env->e_dirs == NULL ||
	    env->e_service == NULL)
		return err_set(err, "libvirt: host %s: the lab gives no disk "
		    "to install on", h->h_name);
	idx = (size_t)(h - env->e_hosts);
	if (idx >= env->e_nhosts)
		idx = 0;
	if (host_accel(d, h, err) == -1)
		return -1;
	/* A reused lab: libvirtd answers already. */
	if (lv_conn(d, h->h_name, e) != NULL) {
		t->t_done = 1;
		t->t_reused = 1;
		snprintf(t->t_status, sizeof(t->t_status), "libvirtd already "
		    "runs on %s", h->h_name);
		return 0;
	}
	lv_pki_dir(env, pki, sizeof(pki));
	d->d_calls += 6;	/* the directories, five certificate files */
	if (env->e_dirs(env, h->h_name, lv_keep, lv_tmpfs, err) == -1 ||
	    lv_pki_host(pki, env->e_lab, h, err) == -1 ||
	    lv_pki_put(env, pki, h, err) == -1 ||
	    lv_libvirtd_conf(h->h_addr, idx, text, sizeof(text), err) == -1 ||
	    lv_put(d, h->h_name, "/etc/libvirt/libvirtd.conf", text, 0644,
	    err) == -1 ||
	    lv_qemu_conf(h->h_addr, text, sizeof(text), err) == -1 ||
	    lv_put(d, h->h_name, "/etc/libvirt/qemu.conf", text, 0600,
	    err) == -1 ||
	    lv_client_conf(env, text, sizeof(text), err) == -1 ||
	    lv_put(d, h->h_name, "/etc/libvirt/libvirt.conf", text, 0644,
	    err) == -1 ||
	    lv_put(d, h->h_name, "/etc/libvirt/hvlab-libvirtd.sh",
	    lv_libvirtd_sh, 0755, err) == -1 ||
	    env->e_service(env, h->h_name, "daemon", libvirtd_svc, err) ==
	    -1 ||
	    lv_start_now(d, h->h_name, "/etc/libvirt/hvlab-libvirtd.sh",
	    "/var/log/libvirt/libvirtd.out", err) == -1 ||
	    wait_libvirtd(d, h->h_name, err) == -1)
		return err_prefix(err, "libvirt: %s", h->h_name);
	t->t_done = 1;
	return 0;
}

/* crm_mon's XML from the first host that answers. */
int
lv_cluster_info(struct driver *d, struct drv_cluster_info *ci, char *err)
{
	const struct drv_env *env = d->d_env;
	const char *argv[] = { "crm_mon", "-1", "--output-as=xml", NULL };
	char *out = NULL;
	size_t i;
	int rc = -1;

	memset(ci, 0, sizeof(*ci));
	for (i = 0; i < env->e_nhosts && rc == -1; i++) {
		free(out);
		out = NULL;
		if (lv_console(d, env->e_hosts[i].h_name, argv, &out,
		    CONSOLE_MS, err) == -1 || out == NULL)
			continue;
		rc = lv_crm_mon_parse(out, strlen(out), ci, err);
		if (rc == -1)
			err_prefix(err, "%s", env->e_hosts[i].h_name);
	}
	free(out);
	return rc;
}

/* Pacemaker answers crm_mon on some host (its daemons connected). */
static int
wait_pacemaker(struct driver *d, char *err)
{
	uint64_t end = clock_mono_ns() + PACEMAKER_WAIT_S * NS_PER_S;
	struct drv_cluster_info ci;

	while (lv_cluster_info(d, &ci, err) == -1) {
		if (clock_mono_ns() > end)
			return err_prefix(err, "libvirt: Pacemaker does not "
			    "answer %d s after it started (see "
			    "/var/log/pacemaker/pacemaker.log on the hosts)",
			    PACEMAKER_WAIT_S);
		clock_sleep_ns(500 * NS_PER_MS);
	}
	return 0;
}

/* `corosync-quorumtool -s` on host (it exits non-zero when the node is
 * not quorate: its answer is read anyway).  Not counted as a step: the
 * caller counts the answer it keeps. */
static int
quorum_read(struct driver *d, const char *host, struct lv_quorum *q,
    char *err)
{
	const struct drv_env *env = d->d_env;
	const char *argv[] = { "corosync-quorumtool", "-s", NULL };
	char *out = NULL;
	int rc;

	env->e_exec(env, host, argv, &out, CONSOLE_MS, err);
	rc = lv_quorumtool_parse(out ? out : "", q, err);
	free(out);
	return rc;
}

/* Quorate as host sees it, with all n nodes members and, when
 * qdevice, the device's vote; the figures into t_status.  Up to
 * QUORUM_WAIT_S. */
static int
quorum_wait(struct driver *d, const char *host, size_t n, int qdevice,
    struct drv_task *t, char *err)
{
	uint64_t end = clock_mono_ns() + QUORUM_WAIT_S * NS_PER_S;
	struct lv_quorum q;
	char e[ERR_LEN] = "no answer";
	int r;

	for (;;) {
		r = quorum_read(d, host, &q, e);
		if (r == 0 && q.q_quorate && q.q_nodes == (int)n &&
		    (!qdevice || q.q_qdevice_votes > 0))
			break;
		if (r == 0)
			snprintf(e, sizeof(e), "quorate %s, %d of %zu nodes, "
			    "%d of %d votes, the device's %d", q.q_quorate ?
			    "yes" : "no", q.q_nodes, n, q.q_total,
			    q.q_expected, q.q_qdevice_votes);
		if (clock_mono_ns() > end)
			return err_set(err, "libvirt: %s not quorate%s %d s "
			    "after Pacemaker answered (%.200s; see /var/log/"
			    "corosync/%s on %s)", host, qdevice ? " with the "
			    "quorum device's vote" : "", QUORUM_WAIT_S, e,
			    qdevice ? "qdevice.log" : "corosync.log", host);
		clock_sleep_ns(500 * NS_PER_MS);
	}
	d->d_calls++;
	if (qdevice)
		snprintf(t->t_status, sizeof(t->t_status), "quorum: %d votes "
		    "(%zu nodes + qdevice on %s), %d needed", q.q_total, n,
		    LV_SAN, q.q_quorum);
	else
		snprintf(t->t_status, sizeof(t->t_status), "quorum: %d votes "
		    "(%zu nodes%s), %d needed", q.q_total, n, q.q_two_node ?
		    ", two_node: no SAN for a quorum device" : "", q.q_quorum);
	return 0;
}

/* A host's part: corosync.conf, the cluster script as a service, and
 * the script started now. */
static int
cluster_host(struct driver *d, const char *host, const char *conf,
    int qdevice, char *err)
{
	if (lv_put(d, host, "/etc/corosync/corosync.conf", conf, 0644,
	    err) == -1 ||
	    lv_put(d, host, "/etc/corosync/hvlab-cluster.sh", qdevice ?
	    lv_cluster_qdevice_sh : lv_cluster_sh, 0755, err) == -1 ||
	    d->d_env->e_service(d->d_env, host, "daemon", cluster_svc,
	    err) == -1 ||
	    lv_start_now(d, host, "/etc/corosync/hvlab-cluster.sh",
	    "/var/log/corosync/hvlab-cluster.out", err) == -1)
		return err_prefix(err, "libvirt: cluster on %s", host);
	return 0;
}

int
lv_cluster_form(struct driver *d, const char *name,
    const struct drv_host *hosts, size_t n, struct drv_task *t, char *err)
{
	struct drv_cluster_info ci;
	char text[8192], e[ERR_LEN], qnetd[DRV_ADDR_MAX];
	size_t i;
	int qdevice;

	/* A reused lab: Pacemaker answers with every host configured. */
	if (lv_cluster_info(d, &ci, e) == 0 && ci.c_nodes == (int)n) {
		t->t_done = 1;
		t->t_reused = 1;
		snprintf(t->t_status, sizeof(t->t_status), "Pacemaker cluster "
		    "of %d nodes already runs", ci.c_nodes);
		return 0;
	}
	if ((qdevice = lv_qnetd_addr(d->d_env, n, qnetd, sizeof(qnetd),
	    err)) == -1)
		return err_prefix(err, "libvirt: corosync-qnetd");
	if (qdevice && lv_qdevice_install(d, name, hosts, n, err) == -1)
		return err_prefix(err, "libvirt: quorum device");
	if (lv_corosync_conf(name, hosts, n, qdevice ? qnetd : NULL, text,
	    sizeof(text), err) == -1)
		return err_prefix(err, "libvirt: corosync.conf");
	for (i = 0; i < n; i++)
		if (cluster_host(d, hosts[i].h_name, text, qdevice, err) == -1)
			return -1;
	if (wait_pacemaker(d, err) == -1 ||
	    quorum_wait(d, hosts[0].h_name, n, qdevice, t, err) == -1 ||
	    lv_fence_setup(d, hosts, n, err) == -1)
		return -1;
	t->t_done = 1;
	return 0;
}
