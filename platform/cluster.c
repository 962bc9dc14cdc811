/*
 * cluster.c - cluster create/join/status, the local etcd member, node
 * leases, and the quorum witness role (see cluster.h).
 *
 * Threads: the daemon's main thread calls cluster_tick, which alone spawns
 * etcd (so PR_SET_PDEATHSIG ties etcd to hvd's life, not to a worker
 * thread's); API threads call create/join/status; a lease thread renews
 * this node's liveness lease.  cl_mu guards the fields below it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "platform/auth.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/pki.h"
#include "platform/task.h"

struct cluster {
	struct hvd_config	 cl_cf;
	struct etcd		*cl_etcd;
	struct etcd		*cl_etcd_fast;	/* status: a short timeout */
	char			 cl_etcd_url[64];
	char			 cl_state_file[HVD_PATH_MAX + 32];
	char			 cl_data_dir[HVD_PATH_MAX + 32];
	char			 cl_ca_file[HVD_PATH_MAX + 32];
	char			 cl_cert_file[HVD_PATH_MAX + 32];
	char			 cl_key_file[HVD_PATH_MAX + 32];
	char			 cl_cakey_file[HVD_PATH_MAX + 32];
	pthread_t		 cl_lease_th;
	int			 cl_lease_started;
	void			(*cl_active_cb)(void *);
	void			*cl_active_arg;

	pthread_mutex_t		 cl_mu;
	pthread_mutex_t		 cl_join_mu;	/* one add_node at a time */
	enum cluster_state	 cl_state;
	char			 cl_name[HVD_NAME_MAX];
	char			 cl_initial[2048];	/* --initial-cluster */
	char			 cl_initial_state[16];	/* new | existing */
	int			 cl_etcd_want;
	pid_t			 cl_etcd_pid;
	uint64_t		 cl_etcd_next;	/* earliest restart, mono ns */
	int64_t			 cl_lease;
	int			 cl_stop;
	int			 cl_active_called;
};

int
cluster_valid_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strlen(s) >= HVD_NAME_MAX ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return 0;
	return 1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
mkdir_p(const char *path, mode_t mode, char *err)
{
	char buf[HVD_PATH_MAX + 32], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return err_errno(err, "mkdir %s", buf);
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return err_errno(err, "mkdir %s", buf);
	/* One made earlier, or by hand, gets the mode too: these hold keys. */
	if (chmod(buf, mode) != 0)
		return err_errno(err, "chmod %s", buf);
	return 0;
}

static void
peer_url(char *buf, size_t len, const char *addr, int port)
{
	snprintf(buf, len, "https://%s:%d", addr, port);
}

/* Write cluster.json from the fields (cl_mu held or not yet shared). */
static int
save_state(struct cluster *cl, char *err)
{
	cJSON *o = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(o, "cluster", cl->cl_name);
	cJSON_AddStringToObject(o, "node", cl->cl_cf.cf_node);
	cJSON_AddStringToObject(o, "initial_cluster", cl->cl_initial);
	cJSON_AddStringToObject(o, "initial_state", cl->cl_initial_state);
	cJSON_AddStringToObject(o, "role", cl->cl_cf.cf_role);
	rc = json_write_file(cl->cl_state_file, o, err);
	cJSON_Delete(o);
	return rc;
}

static int
load_state(struct cluster *cl, char *err)
{
	cJSON *o;
	const char *name = NULL, *node = NULL, *ini = NULL, *ist = NULL,
	    *role = "node";
	int rc = -1;

	if (access(cl->cl_state_file, F_OK) != 0)
		return 0;
	if ((o = json_parse_file(cl->cl_state_file, 65536, err)) == NULL)
		return -1;
	if (json_get_string(o, "cluster", JSON_REQUIRED, &name, err) != 0 ||
	    json_get_string(o, "node", JSON_REQUIRED, &node, err) != 0 ||
	    json_get_string(o, "initial_cluster", JSON_REQUIRED, &ini,
	    err) != 0 ||
	    json_get_string(o, "initial_state", JSON_REQUIRED, &ist,
	    err) != 0 ||
	    json_get_string(o, "role", JSON_OPTIONAL, &role, err) != 0) {
		err_prefix(err, "%s", cl->cl_state_file);
		goto out;
	}
	if (role == NULL)
		role = "node";
	/* A witness's member carries no VM state and a node's member is
	 * counted as a host: the role is fixed at join time. */
	if (strcmp(role, cl->cl_cf.cf_role) != 0) {
		err_set(err, "%s: this node joined cluster '%s' with role %s, "
		    "the config now says role = %s", cl->cl_state_file, name,
		    role, cl->cl_cf.cf_role);
		goto out;
	}
	if (strcmp(node, cl->cl_cf.cf_node) != 0) {
		err_set(err, "%s: this node was '%s' when it joined cluster "
		    "'%s', the config now says '%s'", cl->cl_state_file, node,
		    name, cl->cl_cf.cf_node);
		goto out;
	}
	snprintf(cl->cl_name, sizeof(cl->cl_name), "%s", name);
	snprintf(cl->cl_initial, sizeof(cl->cl_initial), "%s", ini);
	snprintf(cl->cl_initial_state, sizeof(cl->cl_initial_state), "%s",
	    ist);
	cl->cl_state = CLUSTER_STARTING;
	cl->cl_etcd_want = 1;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

static void *lease_main(void *arg);

struct cluster *
cluster_new(const struct hvd_config *cf, char *err)
{
	struct cluster *cl;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		err_errno(err, "cluster");
		return NULL;
	}
	cl->cl_cf = *cf;
	pthread_mutex_init(&cl->cl_mu, NULL);
	pthread_mutex_init(&cl->cl_join_mu, NULL);
	snprintf(cl->cl_state_file, sizeof(cl->cl_state_file),
	    "%s/cluster.json", cf->cf_state_dir);
	snprintf(cl->cl_data_dir, sizeof(cl->cl_data_dir), "%s/etcd",
	    cf->cf_state_dir);
	snprintf(cl->cl_ca_file, sizeof(cl->cl_ca_file), "%s/ca.pem",
	    cf->cf_tls_dir);
	snprintf(cl->cl_cert_file, sizeof(cl->cl_cert_file), "%s/node.pem",
	    cf->cf_tls_dir);
	snprintf(cl->cl_key_file, sizeof(cl->cl_key_file), "%s/node.key",
	    cf->cf_tls_dir);
	snprintf(cl->cl_cakey_file, sizeof(cl->cl_cakey_file), "%s/ca.key",
	    cf->cf_tls_dir);
	snprintf(cl->cl_etcd_url, sizeof(cl->cl_etcd_url),
	    "https://127.0.0.1:%d", cf->cf_etcd_client_port);
	if (mkdir_p(cf->cf_state_dir, 0700, err) != 0 ||
	    mkdir_p(cf->cf_tls_dir, 0700, err) != 0 ||
	    (cl->cl_etcd = cluster_etcd_new(cl, 5000, err)) == NULL ||
	    (cl->cl_etcd_fast = cluster_etcd_new(cl, 2500, err)) == NULL ||
	    load_state(cl, err) != 0)
		goto fail;
	if (pthread_create(&cl->cl_lease_th, NULL, lease_main, cl) != 0) {
		err_errno(err, "lease thread");
		goto fail;
	}
	cl->cl_lease_started = 1;
	return cl;
fail:
	etcd_free(cl->cl_etcd);
	etcd_free(cl->cl_etcd_fast);
	free(cl);
	return NULL;
}

static void
etcd_stop_locked(struct cluster *cl)
{
	if (cl->cl_etcd_pid > 0) {
		proc_stop(cl->cl_etcd_pid, 5000);
		log_info("etcd (pid %d) stopped", (int)cl->cl_etcd_pid);
	}
	cl->cl_etcd_pid = 0;
}

void
cluster_free(struct cluster *cl)
{
	if (cl == NULL)
		return;
	pthread_mutex_lock(&cl->cl_mu);
	cl->cl_stop = 1;
	pthread_mutex_unlock(&cl->cl_mu);
	if (cl->cl_lease_started)
		pthread_join(cl->cl_lease_th, NULL);
	pthread_mutex_lock(&cl->cl_mu);
	if (cl->cl_lease != 0)
		etcd_lease_revoke(cl->cl_etcd, cl->cl_lease, NULL);
	etcd_stop_locked(cl);
	pthread_mutex_unlock(&cl->cl_mu);
	etcd_free(cl->cl_etcd);
	etcd_free(cl->cl_etcd_fast);
	pthread_mutex_destroy(&cl->cl_mu);
	pthread_mutex_destroy(&cl->cl_join_mu);
	free(cl);
}

void
cluster_on_active(struct cluster *cl, void (*cb)(void *), void *arg)
{
	cl->cl_active_cb = cb;
	cl->cl_active_arg = arg;
}

enum cluster_state
cluster_state(struct cluster *cl)
{
	enum cluster_state s;

	pthread_mutex_lock(&cl->cl_mu);
	s = cl->cl_state;
	pthread_mutex_unlock(&cl->cl_mu);
	return s;
}

struct etcd *
cluster_etcd(struct cluster *cl)
{
	return cl->cl_etcd;
}

struct etcd *
cluster_etcd_new(struct cluster *cl, long timeout_ms, char *err)
{
	const struct etcd_tls tls = { cl->cl_ca_file, cl->cl_cert_file,
	    cl->cl_key_file };

	return etcd_new(cl->cl_etcd_url, &tls, timeout_ms, err);
}

const char *
cluster_node(const struct cluster *cl)
{
	return cl->cl_cf.cf_node;
}

int
cluster_tls(struct cluster *cl, char **cert, char **key, char *err)
{
	*key = NULL;
	if ((*cert = pki_read_file(cl->cl_cert_file, err)) == NULL)
		return -1;
	if ((*key = pki_read_file(cl->cl_key_file, err)) == NULL) {
		free(*cert);
		*cert = NULL;
		return -1;
	}
	return 0;
}

char *
cluster_ca_pem(struct cluster *cl, char *err)
{
	return pki_read_file(cl->cl_ca_file, err);
}

/* Spawn etcd; cl_mu held. */
static void
etcd_spawn_locked(struct cluster *cl)
{
	const struct hvd_config *cf = &cl->cl_cf;
	char client[64], peer[128], logf[HVD_PATH_MAX + 32], err[ERR_LEN];
	struct proc_opts o = { 0 };
	pid_t pid;
	const char *argv[] = {
		cf->cf_etcd_bin, "--name", cf->cf_node,
		"--data-dir", cl->cl_data_dir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		/* Clients are hvd alone: a certificate of the cluster CA
		 * or no connection (etcd checks no name in it). */
		"--cert-file", cl->cl_cert_file,
		"--key-file", cl->cl_key_file,
		"--trusted-ca-file", cl->cl_ca_file,
		"--client-cert-auth",
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", cl->cl_initial,
		"--initial-cluster-state", cl->cl_initial_state,
		"--initial-cluster-token", cl->cl_name,
		"--peer-cert-file", cl->cl_cert_file,
		"--peer-key-file", cl->cl_key_file,
		"--peer-trusted-ca-file", cl->cl_ca_file,
		"--peer-client-cert-auth",
		"--listen-metrics-urls", "",
		"--auto-compaction-retention", "1",
		/* A member back from a partition must not depose the
		 * majority's leader: without pre-vote it returns with a
		 * higher term, forces an election, and the majority's HA
		 * leases stall long enough to fence healthy nodes after a
		 * partition heals.  Default from etcd 3.6. */
		"--pre-vote",
		"--logger", "zap",
		NULL
	};

	snprintf(client, sizeof(client), "https://127.0.0.1:%d",
	    cf->cf_etcd_client_port);
	peer_url(peer, sizeof(peer), cf->cf_address, cf->cf_etcd_peer_port);
	snprintf(logf, sizeof(logf), "%s/etcd.log", cf->cf_state_dir);
	o.stdout_file = logf;
	o.stderr_file = logf;
	o.stdin_null = 1;
	o.die_with_parent = 1;
	if ((pid = proc_spawn(argv, &o, err)) < 0) {
		log_warnx("etcd: %s", err);
		cl->cl_etcd_next = clock_mono_ns() + 2 * NS_PER_S;
		return;
	}
	cl->cl_etcd_pid = pid;
	log_info("etcd started (pid %d, %s, state %s)", (int)pid,
	    cl->cl_initial, cl->cl_initial_state);
}

/*
 * What this node runs on, for its node record (like Proxmox's node status):
 * CPU architecture and kernel (uname), CPUs, memory, and the hypervisor
 * stack: QEMU's version (`QEMU --version`) and the accelerator this node
 * decided on at start (hvd.c, common/accel.h), with the reason.  Best
 * effort: a figure that cannot be read is left out.
 */
static void
node_describe(const struct hvd_config *cf, cJSON *o)
{
	const char *argv[] = { cf->cf_qemu_bin, "--version", NULL };
	struct proc_result pr;
	struct utsname u;
	char e[ERR_LEN], ver[64] = "", hv[128];
	const char *accel = cf->cf_accel_used[0] ? cf->cf_accel_used : "tcg";
	long n, pages, psz;

	if (uname(&u) == 0) {
		cJSON_AddStringToObject(o, "arch", u.machine);
		cJSON_AddStringToObject(o, "kernel", u.release);
	}
	if ((n = sysconf(_SC_NPROCESSORS_ONLN)) > 0)
		cJSON_AddNumberToObject(o, "cpus", (double)n);
	pages = sysconf(_SC_PHYS_PAGES);
	psz = sysconf(_SC_PAGESIZE);
	if (pages > 0 && psz > 0)
		cJSON_AddNumberToObject(o, "memory_bytes", (double)pages *
		    (double)psz);
	memset(&pr, 0, sizeof(pr));
	/* "QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)" */
	if (proc_run(argv, NULL, 10000, &pr, e) == 0 && pr.out != NULL) {
		const char *v = strstr(pr.out, "version ");

		if (v != NULL)
			sscanf(v + 8, "%63[0-9.]", ver);
	}
	proc_result_free(&pr);
	if (ver[0] != '\0') {
		cJSON_AddStringToObject(o, "qemu_version", ver);
		snprintf(hv, sizeof(hv), "QEMU %s (%s)", ver,
		    strcmp(accel, "kvm") == 0 ? "KVM" : "TCG");
	} else
		snprintf(hv, sizeof(hv), "QEMU, version unknown (%s)",
		    strcmp(accel, "kvm") == 0 ? "KVM" : "TCG");
	cJSON_AddStringToObject(o, "hypervisor", hv);
	cJSON_AddStringToObject(o, "accel", accel);
	cJSON_AddStringToObject(o, "accel_reason", cf->cf_accel_reason);
}

/* Register this node in etcd: node record (a witness's in
 * /hvd/witnesses/); called when etcd answers. */
static int
register_node(struct cluster *cl, char *err)
{
	const struct hvd_config *cf = &cl->cl_cf;
	char key[128], url[128], purl[128], pin[PKI_PIN_LEN], ts[32], *cert,
	    *s;
	cJSON *o;
	int rc;

	if ((cert = pki_read_file(cl->cl_cert_file, err)) == NULL)
		return -1;
	rc = pki_pin(cert, pin, err);
	free(cert);
	if (rc != 0)
		return -1;
	o = cJSON_CreateObject();
	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	snprintf(url, sizeof(url), "https://%s:%d", cf->cf_address,
	    cf->cf_api_port);
	peer_url(purl, sizeof(purl), cf->cf_address, cf->cf_etcd_peer_port);
	cJSON_AddStringToObject(o, "name", cf->cf_node);
	cJSON_AddStringToObject(o, "address", cf->cf_address);
	cJSON_AddStringToObject(o, "role", cf->cf_role);
	if (!cf->cf_witness)	/* a witness serves no HTTPS API */
		cJSON_AddStringToObject(o, "api_url", url);
	cJSON_AddStringToObject(o, "etcd_peer_url", purl);
	cJSON_AddStringToObject(o, "fingerprint", pin);
	cJSON_AddStringToObject(o, "registered", ts);
	if (!cf->cf_witness)
		node_describe(cf, o);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	snprintf(key, sizeof(key), "%s%s", cf->cf_witness ?
	    KEY_WITNESSES : KEY_NODES, cf->cf_node);
	rc = s ? etcd_put(cl->cl_etcd, key, s, 0, err) : -1;
	free(s);
	return rc;
}

/* Become active: cl_mu NOT held. */
static void
activate(struct cluster *cl)
{
	char err[ERR_LEN];
	int n, call;

	if (register_node(cl, err) != 0) {
		log_warnx("cluster: registering node: %s", err);
		return;
	}
	if (!cl->cl_cf.cf_witness &&
	    (n = task_recover(cl->cl_etcd, cl->cl_cf.cf_node, err)) > 0)
		log_info("%d tasks of an earlier hvd marked failed", n);
	pthread_mutex_lock(&cl->cl_mu);
	cl->cl_state = CLUSTER_ACTIVE;
	call = !cl->cl_active_called;
	cl->cl_active_called = 1;
	pthread_mutex_unlock(&cl->cl_mu);
	log_info("cluster '%s' active on %s %s", cl->cl_name,
	    cl->cl_cf.cf_witness ? "witness" : "node", cl->cl_cf.cf_node);
	if (call && cl->cl_active_cb)
		cl->cl_active_cb(cl->cl_active_arg);
}

void
cluster_tick(struct cluster *cl)
{
	int status, r, starting;
	uint64_t now = clock_mono_ns();

	pthread_mutex_lock(&cl->cl_mu);
	if (cl->cl_etcd_pid > 0) {
		r = proc_wait(cl->cl_etcd_pid, &status, 0);
		if (r == 1) {
			log_warnx("etcd (pid %d) exited with status %d; see "
			    "%s/etcd.log", (int)cl->cl_etcd_pid,
			    proc_exit_code(status), cl->cl_cf.cf_state_dir);
			cl->cl_etcd_pid = 0;
			cl->cl_etcd_next = now + 2 * NS_PER_S;
		}
	}
	if (cl->cl_etcd_want && cl->cl_etcd_pid == 0 &&
	    now >= cl->cl_etcd_next && !cl->cl_stop)
		etcd_spawn_locked(cl);
	if (!cl->cl_etcd_want && cl->cl_etcd_pid > 0)
		etcd_stop_locked(cl);
	starting = cl->cl_state == CLUSTER_STARTING && cl->cl_etcd_pid > 0;
	pthread_mutex_unlock(&cl->cl_mu);
	if (starting && etcd_health(cl->cl_etcd, NULL) == 0)
		activate(cl);
}

static void *
lease_main(void *arg)
{
	struct cluster *cl = arg;
	char err[ERR_LEN], key[128], val[128], ts[32];
	int64_t lease, ttl;
	int active, stop, period_ms;

	for (;;) {
		pthread_mutex_lock(&cl->cl_mu);
		stop = cl->cl_stop;
		active = cl->cl_state == CLUSTER_ACTIVE;
		lease = cl->cl_lease;
		pthread_mutex_unlock(&cl->cl_mu);
		if (stop)
			break;
		period_ms = cl->cl_cf.cf_lease_ttl * 1000 / 3;
		if (!active)
			period_ms = 200;
		else if (lease == 0) {
			if (etcd_lease_grant(cl->cl_etcd,
			    cl->cl_cf.cf_lease_ttl, &lease, err) != 0) {
				log_warnx("node lease: %s", err);
				lease = 0;
				period_ms = 1000;
			} else {
				snprintf(key, sizeof(key), "%s%s",
				    cl->cl_cf.cf_witness ?
				    KEY_WITNESS_ALIVE : KEY_ALIVE,
				    cl->cl_cf.cf_node);
				clock_format_wall(clock_wall_ns(), ts,
				    sizeof(ts));
				snprintf(val, sizeof(val),
				    "{\"since\":\"%s\",\"pid\":%d}", ts,
				    (int)getpid());
				if (etcd_put(cl->cl_etcd, key, val, lease,
				    err) != 0) {
					log_warnx("node lease: %s", err);
					etcd_lease_revoke(cl->cl_etcd, lease,
					    NULL);
					lease = 0;
					period_ms = 1000;
				} else
					log_info("node lease %" PRId64
					    " granted (ttl %d s)", lease,
					    cl->cl_cf.cf_lease_ttl);
			}
		} else {
			ttl = etcd_lease_keepalive(cl->cl_etcd, lease, err);
			if (ttl < 0)
				log_warnx("node lease keepalive: %s", err);
			else if (ttl == 0) {
				log_warnx("node lease %" PRId64 " expired",
				    lease);
				lease = 0;
				period_ms = 0;
			}
		}
		pthread_mutex_lock(&cl->cl_mu);
		cl->cl_lease = lease;
		pthread_mutex_unlock(&cl->cl_mu);
		/* Sleep in short steps so cluster_free is quick. */
		while (period_ms > 0) {
			clock_sleep_ns(100 * NS_PER_MS);
			period_ms -= 100;
			pthread_mutex_lock(&cl->cl_mu);
			stop = cl->cl_stop;
			pthread_mutex_unlock(&cl->cl_mu);
			if (stop)
				break;
		}
	}
	return NULL;
}

/* Wait for the local etcd to answer; 0 or -1. */
static int
wait_etcd(struct cluster *cl, long timeout_ms, char *err)
{
	uint64_t end = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	for (;;) {
		if (etcd_health(cl->cl_etcd, err) == 0)
			return 0;
		if (clock_mono_ns() > end)
			return err_prefix(err, "etcd did not become healthy "
			    "within %ld s (see %s/etcd.log)", timeout_ms / 1000,
			    cl->cl_cf.cf_state_dir);
		clock_sleep_ns(200 * NS_PER_MS);
	}
}

/*
 * After create/join: wait (briefly) until the lease thread has put this
 * node's liveness key, so that `cluster status` right after the command
 * shows it online.  Not an error when it takes longer: the node is in
 * the cluster either way, and the lease thread keeps trying.
 */
static void
wait_online(struct cluster *cl, long timeout_ms)
{
	uint64_t end = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;
	int64_t lease;

	for (;;) {
		pthread_mutex_lock(&cl->cl_mu);
		lease = cl->cl_lease;
		pthread_mutex_unlock(&cl->cl_mu);
		if (lease != 0)
			return;
		if (clock_mono_ns() > end) {
			log_warnx("node lease not granted within %ld ms of "
			    "joining; the node shows offline until it is",
			    timeout_ms);
			return;
		}
		clock_sleep_ns(20 * NS_PER_MS);
	}
}

/* Undo a failed create/join: stop etcd, remove local state. */
static void
undo_forming(struct cluster *cl)
{
	pthread_mutex_lock(&cl->cl_mu);
	cl->cl_etcd_want = 0;
	etcd_stop_locked(cl);
	cl->cl_state = CLUSTER_NONE;
	cl->cl_name[0] = '\0';
	pthread_mutex_unlock(&cl->cl_mu);
	unlink(cl->cl_state_file);
	rm_tree(cl->cl_data_dir);
	unlink(cl->cl_ca_file);
	unlink(cl->cl_cert_file);
	unlink(cl->cl_key_file);
	unlink(cl->cl_cakey_file);
}

/* Claim the FORMING state; 0, or -1 + 409 when already in a cluster. */
static int
begin_forming(struct cluster *cl, int *status, char *err)
{
	int rc = 0;

	pthread_mutex_lock(&cl->cl_mu);
	if (cl->cl_state != CLUSTER_NONE) {
		*status = 409;
		rc = err_set(err, cl->cl_state == CLUSTER_FORMING ?
		    "a cluster create or join is already in progress" :
		    "this node is already in cluster '%s'", cl->cl_name);
	} else
		cl->cl_state = CLUSTER_FORMING;
	pthread_mutex_unlock(&cl->cl_mu);
	if (rc == 0 && cl->cl_cf.cf_address[0] == '\0') {
		pthread_mutex_lock(&cl->cl_mu);
		cl->cl_state = CLUSTER_NONE;
		pthread_mutex_unlock(&cl->cl_mu);
		*status = 409;
		rc = err_set(err, "no 'address' in %s: the node needs its "
		    "management address to form a cluster",
		    cl->cl_cf.cf_path[0] ? cl->cl_cf.cf_path : "hvd.conf");
	}
	return rc;
}

/* Start etcd with the given membership and wait for it. */
static int
start_member(struct cluster *cl, const char *initial, const char *state,
    long timeout_ms, char *err)
{
	pthread_mutex_lock(&cl->cl_mu);
	snprintf(cl->cl_initial, sizeof(cl->cl_initial), "%s", initial);
	snprintf(cl->cl_initial_state, sizeof(cl->cl_initial_state), "%s",
	    state);
	cl->cl_etcd_want = 1;	/* cluster_tick spawns it */
	cl->cl_etcd_next = 0;
	pthread_mutex_unlock(&cl->cl_mu);
	return wait_etcd(cl, timeout_ms, err);
}

/* The cluster's record (name, when and where created, CA certificate)
 * in etcd: 0 or -1 + err. */
static int
create_records(struct cluster *cl, const char *name, const char *ca,
    char *err)
{
	char ts[32], *s;
	cJSON *o = cJSON_CreateObject();
	int rc = -1;

	clock_format_wall(clock_wall_ns(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "created", ts);
	cJSON_AddStringToObject(o, "created_on", cl->cl_cf.cf_node);
	cJSON_AddStringToObject(o, "ca_cert", ca);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s != NULL && etcd_put(cl->cl_etcd, KEY_CLUSTER, s, 0, err) == 0)
		rc = 0;
	free(s);
	return rc;
}

int
cluster_create(struct cluster *cl, const char *name, cJSON **out,
    int *status, char *err)
{
	const struct hvd_config *cf = &cl->cl_cf;
	char *ca = NULL, *cakey = NULL, *key = NULL, *csr = NULL, *cert = NULL;
	char initial[256], purl[128], pin[PKI_PIN_LEN], cn[128];
	char token[AUTH_TOKEN_LEN], tid[AUTH_ID_LEN + 1];
	cJSON *o = NULL;
	int rc = -1;

	*out = NULL;
	*status = 400;
	if (!cluster_valid_name(name))
		return err_set(err, "'name' must be letters, digits, '-' or "
		    "'_' (at most %d), starting with a letter or digit",
		    HVD_NAME_MAX - 1);
	if (cf->cf_witness) {
		*status = 409;
		return err_set(err, "this hvd is a quorum witness (role = "
		    "witness): it joins a cluster made on a node, it does not "
		    "create one");
	}
	if (begin_forming(cl, status, err) != 0)
		return -1;
	*status = 500;
	snprintf(cl->cl_name, sizeof(cl->cl_name), "%s", name);
	snprintf(cn, sizeof(cn), "hvd cluster %s CA", name);
	if (pki_ca_new(cn, &ca, &cakey, err) != 0 ||
	    pki_key_new(&key, err) != 0 ||
	    pki_csr_new(key, cf->cf_node, &csr, err) != 0 ||
	    pki_sign(&(struct pki_ca){ ca, cakey }, csr, cf->cf_node,
	    cf->cf_address, &cert, err) != 0 ||
	    pki_pin(cert, pin, err) != 0 ||
	    pki_write_file(cl->cl_ca_file, ca, 0644, err) != 0 ||
	    pki_write_file(cl->cl_cakey_file, cakey, 0600, err) != 0 ||
	    pki_write_file(cl->cl_key_file, key, 0600, err) != 0 ||
	    pki_write_file(cl->cl_cert_file, cert, 0644, err) != 0)
		goto fail;
	rm_tree(cl->cl_data_dir);	/* leftovers of a failed attempt */
	peer_url(purl, sizeof(purl), cf->cf_address, cf->cf_etcd_peer_port);
	snprintf(initial, sizeof(initial), "%s=%s", cf->cf_node, purl);
	snprintf(cl->cl_initial, sizeof(cl->cl_initial), "%s", initial);
	snprintf(cl->cl_initial_state, sizeof(cl->cl_initial_state), "new");
	if (save_state(cl, err) != 0 ||
	    start_member(cl, initial, "new", 30000, err) != 0)
		goto fail;
	if (create_records(cl, name, ca, err) != 0 ||
	    auth_create(cl->cl_etcd, AUTH_ADMIN, "created by cluster create",
	    token, tid, err) != 0)
		goto fail;
	activate(cl);
	wait_online(cl, 5000);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "cluster", name);
	cJSON_AddStringToObject(o, "node", cf->cf_node);
	cJSON_AddStringToObject(o, "address", cf->cf_address);
	cJSON_AddNumberToObject(o, "api_port", cf->cf_api_port);
	cJSON_AddStringToObject(o, "token", token);
	cJSON_AddStringToObject(o, "fingerprint", pin);
	cJSON_AddStringToObject(o, "ca_cert", ca);
	*out = o;
	log_info("cluster '%s' created; fingerprint %s", name, pin);
	rc = 0;
	goto out;
fail:
	err_prefix(err, "cluster create");
	undo_forming(cl);
out:
	free(ca);
	free(cakey);
	free(key);
	free(csr);
	free(cert);
	return rc;
}

/* "ADDR" or "ADDR:PORT" (IPv4) into an https:// base URL. */
static int
join_url(const char *address, int def_port, char *url, size_t len,
    char *err)
{
	char host[64];
	const char *colon = strchr(address, ':');
	struct in_addr a;
	long port = def_port;
	char *end;
	size_t hl = colon ? (size_t)(colon - address) : strlen(address);

	if (hl == 0 || hl >= sizeof(host))
		return err_set(err, "'address' must be IPV4[:PORT]");
	memcpy(host, address, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return err_set(err, "'address': '%s' is not an IPv4 address",
		    host);
	if (colon) {
		errno = 0;
		port = strtol(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || port < 1 ||
		    port > 65535)
			return err_set(err, "'address': bad port '%s'",
			    colon + 1);
	}
	snprintf(url, len, "https://%s:%ld", host, port);
	return 0;
}

/* What the member answers a join. */
struct join_answer {
	const char	*ja_cluster;
	const char	*ja_ca;
	const char	*ja_cert;
	const char	*ja_initial;
	const char	*ja_ca_key;	/* NULL for a witness: it signs nothing */
};

/* Send this node's CSR to the member at hc: 0, or -1 with err and
 * *status (the member's verdict passes through: 401, 409, ...). */
static int
join_ask(struct cluster *cl, struct http_client *hc, const char *csr,
    struct http_response *r, int *status, char *err)
{
	const struct hvd_config *cf = &cl->cl_cf;
	cJSON *req = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(req, "name", cf->cf_node);
	cJSON_AddStringToObject(req, "address", cf->cf_address);
	cJSON_AddNumberToObject(req, "etcd_peer_port", cf->cf_etcd_peer_port);
	cJSON_AddStringToObject(req, "csr", csr);
	if (cf->cf_witness)
		cJSON_AddStringToObject(req, "role", "witness");
	rc = http_request_json(hc, "POST", "/api/v1/cluster/nodes", req, r,
	    err);
	if (rc != 0)
		*status = r->status >= 400 && r->status < 500 ?
		    (int)r->status : 502;
	cJSON_Delete(req);
	return rc;
}

/* The member's answer (from url): all there, sane, the certificate
 * signed by the CA.  0 or -1 + err. */
static int
join_answer_read(struct cluster *cl, const cJSON *j, const char *url,
    struct join_answer *ja, char *err)
{
	if (!cJSON_IsObject(j) ||
	    json_get_string(j, "cluster", JSON_REQUIRED, &ja->ja_cluster,
	    err) != 0 ||
	    json_get_string(j, "ca_cert", JSON_REQUIRED, &ja->ja_ca,
	    err) != 0 ||
	    json_get_string(j, "cert", JSON_REQUIRED, &ja->ja_cert, err) != 0 ||
	    json_get_string(j, "initial_cluster", JSON_REQUIRED,
	    &ja->ja_initial, err) != 0)
		return err_prefix(err, "answer of %s", url);
	if (!cluster_valid_name(ja->ja_cluster) || strlen(ja->ja_initial) >=
	    sizeof(cl->cl_initial))
		return err_set(err, "answer of %s: bad cluster name or member "
		    "list", url);
	if (!pki_verify(ja->ja_ca, ja->ja_cert, err))
		return err_prefix(err, "answer of %s", url);
	/* A node signs the certificates of nodes that join through it. */
	ja->ja_ca_key = NULL;
	if (cl->cl_cf.cf_witness)
		return 0;
	if (json_get_string(j, "ca_key", JSON_REQUIRED, &ja->ja_ca_key,
	    err) != 0)
		return err_prefix(err, "answer of %s", url);
	if (pki_key_matches(ja->ja_ca, ja->ja_ca_key, err) != 1)
		return err_set(err, "answer of %s: 'ca_key' is not the key of "
		    "'ca_cert'", url);
	return 0;
}

/* This node's CA, key and certificate on disk (mypin: the certificate's
 * pin), a fresh etcd data directory, the state saved and the etcd member
 * started into the cluster.  0 or -1 + err. */
static int
join_install(struct cluster *cl, const char *key,
    const struct join_answer *ja, char mypin[PKI_PIN_LEN], char *err)
{
	if (pki_pin(ja->ja_cert, mypin, err) != 0 ||
	    pki_write_file(cl->cl_ca_file, ja->ja_ca, 0644, err) != 0 ||
	    (ja->ja_ca_key != NULL && pki_write_file(cl->cl_cakey_file,
	    ja->ja_ca_key, 0600, err) != 0) ||
	    pki_write_file(cl->cl_key_file, key, 0600, err) != 0 ||
	    pki_write_file(cl->cl_cert_file, ja->ja_cert, 0644, err) != 0)
		return -1;
	rm_tree(cl->cl_data_dir);
	snprintf(cl->cl_name, sizeof(cl->cl_name), "%s", ja->ja_cluster);
	snprintf(cl->cl_initial, sizeof(cl->cl_initial), "%s",
	    ja->ja_initial);
	snprintf(cl->cl_initial_state, sizeof(cl->cl_initial_state),
	    "existing");
	if (save_state(cl, err) != 0 ||
	    start_member(cl, ja->ja_initial, "existing", 60000, err) != 0)
		return -1;
	return 0;
}

int
cluster_join(struct cluster *cl, const struct cluster_invite *inv,
    cJSON **out, int *status, char *err)
{
	const struct hvd_config *cf = &cl->cl_cf;
	char url[128], pin[PKI_PIN_LEN], mypin[PKI_PIN_LEN], path[128];
	char *key = NULL, *csr = NULL;
	struct join_answer ja;
	struct http_opts ho = { 0 };
	struct http_client *hc = NULL;
	struct http_response r = { 0 };
	cJSON *o;
	int rc = -1, joined = 0;

	*out = NULL;
	*status = 400;
	if (join_url(inv->ci_address, cf->cf_api_port, url, sizeof(url),
	    err) != 0)
		return -1;
	if (strncmp(inv->ci_fingerprint, "sha256//", 8) == 0)
		snprintf(pin, sizeof(pin), "%s", inv->ci_fingerprint);
	else
		snprintf(pin, sizeof(pin), "sha256//%s", inv->ci_fingerprint);
	if (strlen(pin) != 8 + 44 || pin[8 + 43] != '=')
		return err_set(err, "'fingerprint' must be sha256//BASE64 "
		    "(44 characters of base64), as cluster create printed it");
	if (begin_forming(cl, status, err) != 0)
		return -1;
	*status = 500;
	if (pki_key_new(&key, err) != 0 ||
	    pki_csr_new(key, cf->cf_node, &csr, err) != 0)
		goto fail;
	ho.base_url = url;
	ho.token = inv->ci_token;
	ho.pin = pin;
	ho.timeout_ms = 60000;
	if ((hc = http_client_new(&ho, err)) == NULL ||
	    join_ask(cl, hc, csr, &r, status, err) != 0)
		goto fail;
	joined = 1;
	*status = 502;
	if (join_answer_read(cl, r.json, url, &ja, err) != 0)
		goto fail;
	*status = 500;
	if (join_install(cl, key, &ja, mypin, err) != 0)
		goto fail;
	activate(cl);
	wait_online(cl, 5000);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "cluster", ja.ja_cluster);
	cJSON_AddStringToObject(o, "node", cf->cf_node);
	cJSON_AddStringToObject(o, "address", cf->cf_address);
	cJSON_AddStringToObject(o, "fingerprint", mypin);
	cJSON_AddStringToObject(o, "role", cf->cf_role);
	*out = o;
	log_info("joined cluster '%s' through %s%s", ja.ja_cluster, url,
	    cf->cf_witness ? " as its quorum witness" : "");
	rc = 0;
	goto out;
fail:
	err_prefix(err, "cluster join");
	if (joined && hc != NULL) {
		/* Take our member out again so the cluster keeps quorum. */
		snprintf(path, sizeof(path), "/api/v1/cluster/nodes/%s",
		    cf->cf_node);
		http_response_free(&r);
		http_request(hc, "DELETE", path, NULL, &r, NULL);
	}
	undo_forming(cl);
out:
	http_response_free(&r);
	http_client_free(hc);
	free(key);
	free(csr);
	return rc;
}

/* The etcd error text means "retry in a moment" (strict reconfig check
 * wants every member connected for 5 s before another is added). */
static int
retryable(const char *err)
{
	return strstr(err, "unhealthy") != NULL ||
	    strstr(err, "not enough started") != NULL ||
	    strstr(err, "timed out") != NULL ||
	    strstr(err, "leader changed") != NULL;
}

/* No node, witness or etcd member by the newcomer's name or peer URL,
 * and no second witness.  0, or -1 with err and *status. */
static int
add_node_free_name(struct cluster *cl, const struct cluster_newcomer *nc,
    const char *purl, int *status, char *err)
{
	struct etcd_member *m = NULL;
	struct etcd_kv kv = { 0 };
	struct etcd_kv *wit = NULL;
	size_t n = 0, i, nw = 0;
	char key[128];
	const char *wn;
	int rc = -1, r;

	*status = 503;
	snprintf(key, sizeof(key), "%s%s", KEY_NODES, nc->cn_name);
	if ((r = etcd_get(cl->cl_etcd, key, &kv, err)) < 0 ||
	    etcd_list(cl->cl_etcd, KEY_WITNESSES, &wit, &nw, err) != 0 ||
	    etcd_member_list(cl->cl_etcd, &m, &n, err) != 0)
		goto out;
	*status = 409;
	if (r == 1) {
		err_set(err, "a node named '%s' is already in the cluster",
		    nc->cn_name);
		goto out;
	}
	for (i = 0; i < nw; i++) {
		wn = wit[i].kv_key + strlen(KEY_WITNESSES);
		if (strcmp(wn, nc->cn_name) == 0) {
			err_set(err, "the cluster's witness is named '%s'",
			    nc->cn_name);
			goto out;
		}
		/* One extra vote makes an even cluster odd; a second one
		 * would make it even again. */
		if (nc->cn_witness) {
			err_set(err, "the cluster has a witness already ('%s'); "
			    "remove it first", wn);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		if (strcmp(m[i].em_name, nc->cn_name) == 0 ||
		    strcmp(m[i].em_peer_url, purl) == 0) {
			err_set(err, "etcd already has a member '%s' (%s)",
			    m[i].em_name, m[i].em_peer_url);
			goto out;
		}
	rc = 0;
out:
	etcd_kvs_free(wit, nw);
	etcd_kv_clear(&kv);
	free(m);
	return rc;
}

/* What a member gives a newcomer, PEM, each malloc'd: the CA's
 * certificate, the CA's key (NULL for a witness: it signs nothing), the
 * newcomer's certificate. */
struct grant {
	char	*gr_ca;
	char	*gr_ca_key;
	char	*gr_cert;
};

static void
grant_clear(struct grant *g)
{
	free(g->gr_ca);
	free(g->gr_ca_key);
	free(g->gr_cert);
	memset(g, 0, sizeof(*g));
}

/* The newcomer's certificate, signed with the CA key of this node's
 * TLS_DIR/ca.key, into g.  0, or -1 with err and *status. */
static int
add_node_sign(struct cluster *cl, const struct cluster_newcomer *nc,
    struct grant *g, int *status, char *err)
{
	*status = 500;
	if ((g->gr_ca = cluster_ca_pem(cl, err)) == NULL)
		return -1;
	if ((g->gr_ca_key = pki_read_file(cl->cl_cakey_file, err)) == NULL)
		return err_prefix(err, "this node cannot sign (join through "
		    "another node)");
	*status = 400;
	if (pki_sign(&(struct pki_ca){ g->gr_ca, g->gr_ca_key }, nc->cn_csr,
	    nc->cn_name, nc->cn_address, &g->gr_cert, err) != 0)
		return err_prefix(err, "'csr'");
	if (nc->cn_witness) {
		free(g->gr_ca_key);
		g->gr_ca_key = NULL;
	}
	return 0;
}

/* --initial-cluster for the new member id (called name): every
 * member's name=peer.  The string (caller frees), or NULL + err. */
static char *
initial_cluster(const struct etcd_member *m, size_t n, uint64_t id,
    const char *name, char *err)
{
	char *initial;
	const char *nm;
	size_t i, ilen = 0;

	if ((initial = calloc(1, 4096)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		nm = m[i].em_id == id ? name : m[i].em_name;
		if (nm[0] == '\0' || m[i].em_peer_url[0] == '\0')
			continue;
		ilen += (size_t)snprintf(initial + ilen, 4096 - ilen, "%s%s=%s",
		    ilen ? "," : "", nm, m[i].em_peer_url);
		if (ilen >= 4096) {
			err_set(err, "member list too long");
			free(initial);
			return NULL;
		}
	}
	return initial;
}

int
cluster_add_node(struct cluster *cl, const struct cluster_newcomer *nc,
    cJSON **out, int *status, char *err)
{
	struct etcd_member *m = NULL;
	size_t n = 0;
	uint64_t id, end;
	char purl[128], *initial = NULL;
	struct grant g = { 0 };
	struct in_addr a;
	cJSON *o;
	int rc = -1;

	*out = NULL;
	*status = 400;
	if (!cluster_valid_name(nc->cn_name))
		return err_set(err, "'name' must be letters, digits, '-' or "
		    "'_', starting with a letter or digit");
	if (inet_pton(AF_INET, nc->cn_address, &a) != 1)
		return err_set(err, "'address' must be an IPv4 address");
	if (nc->cn_peer_port < 1 || nc->cn_peer_port > 65535)
		return err_set(err, "'etcd_peer_port' must be 1..65535");
	if (cluster_state(cl) != CLUSTER_ACTIVE) {
		*status = 409;
		return err_set(err, "this node is not in an active cluster");
	}
	peer_url(purl, sizeof(purl), nc->cn_address, nc->cn_peer_port);
	pthread_mutex_lock(&cl->cl_join_mu);
	if (add_node_free_name(cl, nc, purl, status, err) != 0 ||
	    add_node_sign(cl, nc, &g, status, err) != 0)
		goto out;
	*status = 503;
	end = clock_mono_ns() + 30 * NS_PER_S;
	while (etcd_member_add(cl->cl_etcd, purl, &m, &n, &id, err) != 0) {
		if (!retryable(err) || clock_mono_ns() > end)
			goto out;
		clock_sleep_ns(500 * NS_PER_MS);
	}
	if ((initial = initial_cluster(m, n, id, nc->cn_name, err)) == NULL)
		goto out;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "cluster", cl->cl_name);
	cJSON_AddStringToObject(o, "ca_cert", g.gr_ca);
	cJSON_AddStringToObject(o, "cert", g.gr_cert);
	cJSON_AddStringToObject(o, "initial_cluster", initial);
	/* Over HTTPS the newcomer pinned, to a holder of an admin token:
	 * any node can then sign the next newcomer. */
	if (g.gr_ca_key != NULL)
		cJSON_AddStringToObject(o, "ca_key", g.gr_ca_key);
	*out = o;
	log_info("%s %s (%s) added to the cluster", nc->cn_witness ?
	    "witness" : "node", nc->cn_name, nc->cn_address);
	rc = 0;
out:
	pthread_mutex_unlock(&cl->cl_join_mu);
	free(m);
	grant_clear(&g);
	free(initial);
	return rc;
}

int
cluster_remove_node(struct cluster *cl, const char *name, int *status,
    char *err)
{
	struct etcd_member *m = NULL;
	static const char *const prefixes[] = { KEY_NODES, KEY_ALIVE,
	    KEY_WITNESSES, KEY_WITNESS_ALIVE };
	size_t n = 0, i;
	char key[128];
	uint64_t end;
	long idx, last = -1;
	int rc = -1, found = 0, unnamed, tries;

	*status = 400;
	if (!cluster_valid_name(name))
		return err_set(err, "bad node name");
	*status = 409;
	if (strcmp(name, cl->cl_cf.cf_node) == 0)
		return err_set(err, "a node cannot remove itself; ask "
		    "another node");
	*status = 503;
	if (etcd_member_list(cl->cl_etcd, &m, &n, err) != 0)
		return -1;
	/* By name; an unstarted member (a join that failed before its etcd
	 * ran) has no name yet: then the unnamed one, if it is alone. */
	for (i = 0, idx = -1; i < n && idx < 0; i++)
		if (strcmp(m[i].em_name, name) == 0)
			idx = (long)i;
	for (i = 0, unnamed = 0; i < n && idx < 0; i++)
		if (m[i].em_name[0] == '\0') {
			unnamed++;
			last = (long)i;
		}
	if (idx < 0 && unnamed == 1)
		idx = last;
	/* etcd's strict reconfig check refuses ("unhealthy cluster") until
	 * every member has been connected for 5 s, e.g. just after a heal or
	 * a power-on: retry through that, as joins do. */
	end = clock_mono_ns() + 20 * NS_PER_S;
	if (idx >= 0) {
		for (tries = 0; etcd_member_remove(cl->cl_etcd, m[idx].em_id,
		    err) != 0; tries++) {
			/* A retry after a timeout that did remove it. */
			if (tries > 0 && strstr(err, "member not found"))
				break;
			if (!retryable(err) || clock_mono_ns() > end)
				goto out;
			clock_sleep_ns(500 * NS_PER_MS);
		}
		found = 1;
	}
	/* Removing the member that led etcd costs an election: the records
	 * are deleted with retries through it. */
	end = clock_mono_ns() + 20 * NS_PER_S;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(key, sizeof(key), "%s%s", prefixes[i], name);
		while (etcd_delete(cl->cl_etcd, key, 0, err) < 0) {
			if (clock_mono_ns() > end)
				goto out;
			clock_sleep_ns(300 * NS_PER_MS);
		}
	}
	if (!found) {
		*status = 404;
		err_set(err, "no member named '%s'", name);
		goto out;
	}
	rc = 0;
out:
	free(m);
	return rc;
}

/* Records under prefix (KEY_NODES or KEY_WITNESSES) with their
 * state from the leases under alive_prefix, as a JSON array. */
static int
records_json(struct cluster *cl, const char *prefix, const char *alive_prefix,
    cJSON **out, char *err)
{
	struct etcd_kv *nodes = NULL, *alive = NULL;
	size_t nn = 0, na = 0, i, j;
	cJSON *arr, *o;
	const char *nm;
	int up;

	if (etcd_list(cl->cl_etcd, prefix, &nodes, &nn, err) != 0 ||
	    etcd_list(cl->cl_etcd, alive_prefix, &alive, &na, err) != 0) {
		etcd_kvs_free(nodes, nn);
		return -1;
	}
	arr = cJSON_CreateArray();
	for (i = 0; i < nn; i++) {
		if ((o = json_parse_buf(nodes[i].kv_val, nodes[i].kv_len,
		    NULL)) == NULL)
			continue;
		nm = nodes[i].kv_key + strlen(prefix);
		up = 0;
		for (j = 0; j < na; j++)
			if (strcmp(alive[j].kv_key + strlen(alive_prefix),
			    nm) == 0)
				up = 1;
		cJSON_AddStringToObject(o, "state", up ? "online" :
		    "offline");
		cJSON_AddBoolToObject(o, "local",
		    strcmp(nm, cl->cl_cf.cf_node) == 0);
		cJSON_AddItemToArray(arr, o);
	}
	etcd_kvs_free(nodes, nn);
	etcd_kvs_free(alive, na);
	*out = arr;
	return 0;
}

static int
nodes_json(struct cluster *cl, cJSON **out, char *err)
{
	return records_json(cl, KEY_NODES, KEY_ALIVE, out, err);
}

int
cluster_nodes(struct cluster *cl, cJSON **out, int *status, char *err)
{
	*status = 503;
	if (cluster_state(cl) != CLUSTER_ACTIVE) {
		*status = 409;
		return err_set(err, "this node is not in an active cluster");
	}
	return nodes_json(cl, out, err);
}

int
cluster_status(struct cluster *cl, cJSON **out, int *status, char *err)
{
	struct etcd_member *m = NULL;
	size_t n = 0, i;
	enum cluster_state st = cluster_state(cl);
	cJSON *o, *arr, *mo, *nodes = NULL, *wits = NULL, *it;
	struct etcd *fast = cl->cl_etcd_fast;
	char e2[ERR_LEN];
	int quorate, started = 0, online = 0;
	static const char *const names[] = { "none", "forming", "starting",
	    "active" };

	*out = NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "node", cl->cl_cf.cf_node);
	cJSON_AddStringToObject(o, "role", cl->cl_cf.cf_role);
	cJSON_AddStringToObject(o, "state", names[st]);
	if (st == CLUSTER_NONE || st == CLUSTER_FORMING) {
		cJSON_AddNullToObject(o, "cluster");
		*out = o;
		return 0;
	}
	cJSON_AddStringToObject(o, "cluster", cl->cl_name);
	/* A linearizable read succeeds only with a leader and a quorum; a
	 * short timeout keeps status quick when there is none. */
	quorate = nodes_json(cl, &nodes, e2) == 0 &&
	    records_json(cl, KEY_WITNESSES, KEY_WITNESS_ALIVE, &wits,
	    e2) == 0 && etcd_member_list(fast, &m, &n, e2) == 0;
	cJSON_AddBoolToObject(o, "quorate", quorate);
	if (!quorate)
		cJSON_AddStringToObject(o, "quorum_error", e2);
	arr = cJSON_AddArrayToObject(o, "members");
	for (i = 0; i < n; i++) {
		char id[32];
		const char *role = "node";

		cJSON_ArrayForEach(it, wits) {
			const cJSON *wn = cJSON_GetObjectItemCaseSensitive(it,
			    "name");

			if (cJSON_IsString(wn) && m[i].em_name[0] != '\0' &&
			    strcmp(wn->valuestring, m[i].em_name) == 0)
				role = "witness";
		}
		mo = cJSON_CreateObject();
		snprintf(id, sizeof(id), "%016llx",
		    (unsigned long long)m[i].em_id);
		cJSON_AddStringToObject(mo, "id", id);
		cJSON_AddStringToObject(mo, "name", m[i].em_name);
		cJSON_AddStringToObject(mo, "peer_url", m[i].em_peer_url);
		cJSON_AddStringToObject(mo, "role", role);
		cJSON_AddBoolToObject(mo, "started", m[i].em_name[0] != '\0');
		started += m[i].em_name[0] != '\0';
		cJSON_AddItemToArray(arr, mo);
	}
	cJSON_AddNumberToObject(o, "expected_votes", (double)n);
	cJSON_AddNumberToObject(o, "members_started", started);
	cJSON_AddNumberToObject(o, "quorum", (double)(n / 2 + 1));
	if (nodes) {
		cJSON_ArrayForEach(it, nodes) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(it,
			    "state");

			online += cJSON_IsString(s) &&
			    strcmp(s->valuestring, "online") == 0;
		}
		cJSON_AddItemToObject(o, "nodes", nodes);
	} else
		cJSON_AddArrayToObject(o, "nodes");
	cJSON_AddNumberToObject(o, "online", online);
	cJSON_AddItemToObject(o, "witnesses", wits ? wits :
	    cJSON_CreateArray());
	free(m);
	*out = o;
	*status = 200;
	return 0;
}

int
cluster_node_info(struct cluster *cl, const char *name, char *address,
    size_t len, int *online, char *err)
{
	struct etcd_kv kv;
	char key[128];
	cJSON *o = NULL;
	const char *a = NULL;
	int rc;

	snprintf(key, sizeof(key), "%s%s", KEY_NODES, name);
	if ((rc = etcd_get(cl->cl_etcd, key, &kv, err)) != 1)
		return rc;
	rc = -1;
	if ((o = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL ||
	    json_get_string(o, "address", JSON_REQUIRED, &a, err) != 0)
		goto out;
	if (address)
		snprintf(address, len, "%s", a);
	etcd_kv_clear(&kv);
	snprintf(key, sizeof(key), "%s%s", KEY_ALIVE, name);
	if ((rc = etcd_get(cl->cl_etcd, key, &kv, err)) < 0)
		goto out;
	*online = rc == 1;
	rc = 1;
out:
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return rc;
}
