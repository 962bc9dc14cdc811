/*
 * remote_host.c - the host verbs of the remote provider, what a platform
 * installer gets on a real server: a command (over SSH), a file (over
 * SSH, written whole then renamed), directories the disk keeps or a
 * tmpfs per boot, and a service at every power-on.
 *
 * The last two depend on the host's init (docs/remote.md "Host verbs"):
 * `init: systemd` (a real server) gets an fstab line per tmpfs and a
 * unit per service, enabled; `init: hvlab` (a host of an embedded lab
 * standing in for a server, `remote.embedded`) has no systemd, so they
 * are that lab's own `lab dirs` and `lab service`, on its host's disk.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "lab/hostdisk.h"
#include "lab/remote.h"
#include "lab/remote_priv.h"

#define RLAB_CMD_MAX 8192

/* Where node's commands go: a host's or the SAN's SSH; NULL when it is
 * the station (*station = 1) or unknown (err). */
static const struct rinv_ssh *
node_ssh(const struct rinv *ri, const char *node, int *station, char *err)
{
	const struct rinv_host *h;

	*station = 0;
	if (strcmp(node, "station") == 0 || strcmp(node, "st") == 0) {
		*station = 1;
		return NULL;
	}
	if (strcmp(node, "san") == 0) {
		if (ri->ri_san.rc_ssh.rs_addr[0] == '\0')
			err_set(err, "the inventory gives the san no address "
			    "to reach by SSH");
		return ri->ri_san.rc_ssh.rs_addr[0] ? &ri->ri_san.rc_ssh :
		    NULL;
	}
	if ((h = remote_inv_host(ri, node)) == NULL)
		err_set(err, "no node %s in the inventory (a host, san or "
		    "station)", node);
	return h ? &h->rh_ssh : NULL;
}

int
rlab_exec(struct lab *lab, const char *node, char *const argv[],
    char *err)
{
	const struct rinv_ssh *s;
	struct rinv *ri;
	struct rrun r;
	char *cmd = NULL;
	int station, rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	s = node_ssh(ri, node, &station, err);
	if (station) {
		rc = remote_station_run(ri, (const char *const *)argv, 0, 1, 0,
		    &r, err);
		goto out;
	}
	if (s == NULL)
		goto out;
	if ((cmd = malloc(RLAB_CMD_MAX)) == NULL ||
	    remote_sh_quote(argv, cmd, RLAB_CMD_MAX) < 0) {
		err_set(err, "%s: command too long", node);
		goto out;
	}
	rc = remote_ssh_run(ri, s, cmd, 0, 1, 0, &r, err);
	rlab_log(lab, "ssh exec", node, cmd, &r);
out:
	free(cmd);
	free(ri);
	return rc;
}

/* data[0..len-1] in an unlinked temporary file, at offset 0: the
 * command's stdin. */
static int
data_fd(const void *data, size_t len, char *err)
{
	char tmpl[] = "/tmp/hvlab-put.XXXXXX";
	int fd = mkstemp(tmpl);

	if (fd < 0)
		return err_errno(err, "mkstemp");
	unlink(tmpl);
	if (write(fd, data, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return err_errno(err, "%s", tmpl);
	}
	return fd;
}

int
rlab_put(struct lab *lab, const char *node, const char *path,
    const void *data, size_t len, mode_t mode, char *err)
{
	const struct rinv_ssh *s;
	struct rinv *ri;
	struct rrun r;
	char cmd[1024], detail[600], e[ERR_LEN];
	int station, fd = -1, rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	if (hostdisk_check_path(path, e) < 0) {
		err_set(err, "%s: %s", node, e);
		goto out;
	}
	if ((s = node_ssh(ri, node, &station, err)) == NULL) {
		if (station)
			err_set(err, "put on the station: it is this machine");
		goto out;
	}
	/* whole or not at all: a reader never sees half a file */
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && "
	    "(umask 077 && cat >'%s.hvlab-put') && chmod %o '%s.hvlab-put' "
	    "&& mv -f '%s.hvlab-put' '%s'", path, path,
	    (unsigned)mode & 07777, path, path, path);
	if ((fd = data_fd(data, len, err)) < 0)
		goto out;
	rc = remote_ssh_run(ri, s, cmd, fd, 0, RLAB_SSH_TIMEOUT_MS, &r, err);
	snprintf(detail, sizeof(detail), "put %s (%zu bytes, mode %o)", path,
	    len, (unsigned)mode & 07777);
	rlab_log(lab, "ssh put", node, detail, &r);
	if (rc > 0)
		rc = err_set(err, "%s: put %s: exit %d: %.200s", node, path, rc,
		    r.rr_out);
out:
	if (fd >= 0)
		close(fd);
	free(ri);
	return rc;
}

/* The embedded lab behind an init: hvlab host, opened; caller frees. */
static struct lab *
embedded_open(const struct rinv *ri, char *err)
{
	struct lab *e = calloc(1, sizeof(*e));

	if (e == NULL) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (lab_open(NULL, ri->ri_embedded, 1, e, err) < 0) {
		free(e);
		err_prefix(err, "remote.embedded");
		return NULL;
	}
	return e;
}

/* What systemd does for a real host's declared directories: kept ones
 * exist on its disk; a tmpfs one is mounted now and by fstab at boot. */
static int
dirs_cmd(const char *const keep[], const char *const tmpfs[], char *cmd,
    size_t len, char *err)
{
	size_t o = (size_t)snprintf(cmd, len, "set -e");
	int i;

	for (i = 0; keep != NULL && keep[i] != NULL && o < len; i++) {
		if (hostdisk_check_path(keep[i], err) < 0)
			return -1;
		o += (size_t)snprintf(cmd + o, len - o, "; mkdir -p '%s'",
		    keep[i]);
	}
	for (i = 0; tmpfs != NULL && tmpfs[i] != NULL && o < len; i++) {
		if (hostdisk_check_path(tmpfs[i], err) < 0)
			return -1;
		o += (size_t)snprintf(cmd + o, len - o, "; mkdir -p '%s'; "
		    "mountpoint -q '%s' || mount -t tmpfs tmpfs '%s'; "
		    "grep -q '^tmpfs %s tmpfs ' /etc/fstab || echo 'tmpfs %s "
		    "tmpfs defaults 0 0' >>/etc/fstab", tmpfs[i], tmpfs[i],
		    tmpfs[i], tmpfs[i], tmpfs[i]);
	}
	return o >= len ? err_set(err, "too many directories") : 0;
}

/* A systemd unit starting argv at boot as kind, written and enabled
 * (not started: the verb is `systemctl enable`). */
static int
unit_cmd(const char *kind, const char *const argv[], char *cmd, size_t len,
    char *err)
{
	char q[2048], name[64];
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
	    argv[0];
	int run = strcmp(kind, "run") == 0;

	if (remote_sh_quote((char *const *)argv, q, sizeof(q)) < 0 ||
	    strchr(q, '\n') != NULL)
		return err_set(err, "service: command too long");
	snprintf(name, sizeof(name), "hvlab-%.40s.service", base);
	if (snprintf(cmd, len, "cat >/etc/systemd/system/%s <<'EOF'\n"
	    "[Unit]\nDescription=%s (hvlab lab service)\n"
	    "After=network-online.target\n[Service]\nType=%s\n%s"
	    "ExecStart=/bin/sh -c \"exec %s\"\n[Install]\n"
	    "WantedBy=multi-user.target\nEOF\nsystemctl daemon-reload && "
	    "systemctl enable %s", name, base, run ? "oneshot" : "simple",
	    run ? "RemainAfterExit=yes\n" : strcmp(kind, "respawn") == 0 ?
	    "Restart=always\nRestartSec=1\n" : "", q, name) >= (int)len)
		return err_set(err, "service: command too long");
	return 0;
}

/* A declaration a driver makes on a host, done by the host's init. */
struct hverb {
	const char *hv_name;			/* for the events: "dirs" */
	const char *const *hv_keep, *const *hv_tmpfs;	/* dirs */
	const char *hv_kind;			/* service */
	const char *const *hv_argv;
};

/* The embedded lab's own verb on its host (init: hvlab). */
static int
verb_embedded(struct lab *e, const char *host, const struct hverb *v,
    char *err)
{
	if (v->hv_argv == NULL)
		return lab_provider_netns.lp_host_dirs(e, host, v->hv_keep,
		    v->hv_tmpfs, err);
	return lab_provider_netns.lp_service(e, host, v->hv_kind, v->hv_argv,
	    err);
}

/* v on host: the embedded lab's verb, or its command over SSH. */
static int
host_verb(struct lab *lab, const char *host, const struct hverb *v,
    char *err)
{
	const struct rinv_host *h;
	struct lab *e = NULL;
	struct rinv *ri;
	char *cmd = NULL, action[32];
	int rc = -1;

	if (rlab_inv(lab, &ri, err) < 0)
		return -1;
	if ((h = remote_inv_host(ri, host)) == NULL) {
		err_set(err, "no host %s in the inventory", host);
	} else if (h->rh_init == RINV_INIT_HVLAB) {
		snprintf(action, sizeof(action), "embedded %s", v->hv_name);
		if ((e = embedded_open(ri, err)) != NULL &&
		    (rc = verb_embedded(e, host, v, err)) == 0)
			rlab_log(lab, action, host, ri->ri_embedded, NULL);
	} else if ((cmd = malloc(RLAB_CMD_MAX)) == NULL) {
		err_set(err, "out of memory");
	} else if ((v->hv_argv == NULL ? dirs_cmd(v->hv_keep, v->hv_tmpfs,
	    cmd, RLAB_CMD_MAX, err) : unit_cmd(v->hv_kind, v->hv_argv, cmd,
	    RLAB_CMD_MAX, err)) == 0) {
		snprintf(action, sizeof(action), "ssh %s", v->hv_name);
		rc = rlab_host_sh(lab, ri, host, cmd, action, err);
	}
	free(cmd);
	free(e);
	free(ri);
	return rc;
}

int
rlab_host_dirs(struct lab *lab, const char *host, const char *const keep[],
    const char *const tmpfs[], char *err)
{
	struct hverb v = { "dirs", keep, tmpfs, NULL, NULL };

	return host_verb(lab, host, &v, err);
}

int
rlab_service(struct lab *lab, const char *node, const char *kind,
    const char *const argv[], char *err)
{
	struct hverb v = { "service", NULL, NULL, kind, argv };

	if (argv == NULL || argv[0] == NULL)
		return err_set(err, "%s: service: no command", node);
	return host_verb(lab, node, &v, err);
}
