/*
 * bmcd.c - hvlab-bmc, the management controllers of a lab's hosts: one
 * process per lab, started by `lab up` in the namespace <lab>-bmc (a
 * cable to the switch's management VLAN), serving Redfish over HTTPS on
 * each host's BMC address, port 443 (lab/bmc.c answers).  A Reset is
 * done through the lab's provider verbs -- power pull, power on, the
 * host's clean stop -- one at a time, and recorded in the lab's
 * events.jsonl with "source":"bmc", as `hvlab inject` records its own.
 *
 * Bounds: a request body of at most BMC_BODY_MAX bytes (413), a path of
 * at most BMC_PATH_MAX (414), BMC_RATE requests a second per BMC with a
 * burst of BMC_BURST (429), connections limited in number, per client
 * and in idle time.  The pid file is written once every listener serves
 * (bmcctl waits for it); SIGTERM stops it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "clock.h"
#include "err.h"
#include "log.h"
#include "lab/bmc.h"
#include "lab/bmcctl.h"
#include "lab/inject.h"
#include "lab/lab.h"
#include "lab/provider.h"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result MHD_RESULT;
#else
typedef int MHD_RESULT;
#endif

#define BMC_RATE 10.0		/* requests a second, per BMC */
#define BMC_BURST 20.0
#define BMC_CONN_MAX 16
#define BMC_CONN_PER_IP 8
#define BMC_IDLE_S 10
#define BMC_FILE_MAX 16384

struct bmcd;

/* One host's BMC: its listener and request budget. */
struct bmc_listener {
	struct bmcd		*bl_d;
	const struct topo_host	*bl_host;
	struct MHD_Daemon	*bl_mhd;
	pthread_mutex_t		 bl_mu;
	double			 bl_tokens;
	uint64_t		 bl_last_ns;
};

struct bmcd {
	struct lab		 d_lab;
	const struct lab_provider *d_p;
	char			 d_password[TOPO_BMC_PASS_MAX + 2];
	char			*d_cert, *d_key;
	pthread_mutex_t		 d_power;	/* one power action at a time */
	struct bmc_listener	 d_bl[TOPO_MAX_HOSTS];
};

/* A request's body as it arrives. */
struct bmc_conn {
	char	c_buf[BMC_BODY_MAX + 1];
	size_t	c_len;
	int	c_too_big;
	int	c_answered;
};

static struct bmcd bmcd;

/* 1 when l may serve one more request now (token bucket). */
static int
rate_take(struct bmc_listener *l)
{
	uint64_t now = clock_mono_ns();
	int ok;

	pthread_mutex_lock(&l->bl_mu);
	l->bl_tokens += (double)(now - l->bl_last_ns) / 1e9 * BMC_RATE;
	if (l->bl_tokens > BMC_BURST)
		l->bl_tokens = BMC_BURST;
	l->bl_last_ns = now;
	ok = l->bl_tokens >= 1.0;
	if (ok)
		l->bl_tokens -= 1.0;
	pthread_mutex_unlock(&l->bl_mu);
	return ok;
}

/* Queue status with body (taken, may be NULL: no body). */
static MHD_RESULT
send_body(struct MHD_Connection *conn, struct bmc_conn *c, int status,
    char *body)
{
	struct MHD_Response *resp;
	MHD_RESULT ret;

	c->c_answered = 1;
	resp = MHD_create_response_from_buffer(body ? strlen(body) : 0,
	    body ? body : "", body ? MHD_RESPMEM_MUST_FREE :
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	if (body != NULL)
		MHD_add_response_header(resp, "Content-Type",
		    "application/json");
	MHD_add_response_header(resp, "OData-Version", "4.0");
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
		    "Basic realm=\"hvlab BMC\"");
	ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static MHD_RESULT
send_error(struct MHD_Connection *conn, struct bmc_conn *c, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static MHD_RESULT
send_error(struct MHD_Connection *conn, struct bmc_conn *c, int status,
    const char *fmt, ...)
{
	va_list ap;
	char *body;

	va_start(ap, fmt);
	body = bmc_error_vbody(status, fmt, ap);
	va_end(ap);
	return send_body(conn, c, status, body);
}

/* Stamp, act through fn, record: one event of the lab. */
static int
act(struct bmcd *d, const char *event, int (*fn)(struct lab *,
    const char *, char *), const char *host, char *err)
{
	struct inject_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.ie_name = event;
	ev.ie_source = "bmc";
	snprintf(ev.ie_args, sizeof(ev.ie_args), "%s", host);
	inject_stamp(&ev);
	if (fn(&d->d_lab, host, err) < 0)
		return -1;
	return inject_record(&d->d_lab, &ev, err);
}

/* A Reset's action on host: 0 or -1 with err. */
static int
do_action(struct bmcd *d, const char *host, enum bmc_action a, char *err)
{
	const struct lab_provider *p = d->d_p;
	int rc;

	pthread_mutex_lock(&d->d_power);
	switch (a) {
	case BMC_ACT_ON:
		rc = act(d, "power-on", p->lp_power_on, host, err);
		break;
	case BMC_ACT_OFF:
		rc = act(d, "power-pull", p->lp_power_pull, host, err);
		break;
	case BMC_ACT_RESTART:
		rc = act(d, "power-pull", p->lp_power_pull, host, err);
		if (rc == 0)
			rc = act(d, "power-on", p->lp_power_on, host, err);
		break;
	case BMC_ACT_SHUTDOWN:
		rc = act(d, "power-stop", p->lp_power_stop, host, err);
		break;
	default:
		rc = 0;
	}
	pthread_mutex_unlock(&d->d_power);
	return rc;
}

/* The whole request is here: answer it, doing its action first. */
static MHD_RESULT
serve(struct bmc_listener *l, struct MHD_Connection *conn,
    struct bmc_conn *c, const char *url, const char *method)
{
	struct bmcd *d = l->bl_d;
	const char *host = l->bl_host->h_name;
	struct bmc_sys s = { d->d_lab.l_topo.t_bmc.b_user, d->d_password,
	    host, 0 };
	struct bmc_req r = { method, url, NULL, NULL, c->c_buf, c->c_len };
	struct bmc_resp out;
	char err[ERR_LEN], *pass = NULL, *user;
	int on;

	if ((on = d->d_p->lp_power_state(&d->d_lab, host, err)) < 0)
		return send_error(conn, c, 500, "%s", err);
	s.bs_on = on;
	user = MHD_basic_auth_get_username_password(conn, &pass);
	r.br_user = user;
	r.br_password = pass;
	if (bmc_handle(&s, &r, &out) < 0) {
		free(user);
		free(pass);
		return MHD_NO;
	}
	free(user);
	free(pass);
	log_info("%s %s %s -> %d%s%s", host, method, url, out.bp_status,
	    out.bp_reset ? " " : "", out.bp_reset ? out.bp_reset : "");
	if (out.bp_action != BMC_ACT_NONE &&
	    do_action(d, host, out.bp_action, err) < 0) {
		log_warnx("%s %s: %s", host, out.bp_reset, err);
		free(out.bp_body);
		return send_error(conn, c, 500, "%s", err);
	}
	return send_body(conn, c, out.bp_status, out.bp_body);
}

/* The first call of a request: refusals before any body is read. */
static MHD_RESULT
admit(struct bmc_listener *l, struct MHD_Connection *conn,
    struct bmc_conn *c, const char *url)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!rate_take(l))
		return send_error(conn, c, 429, "too many requests: at most "
		    "%.0f a second", BMC_RATE);
	if (strlen(url) >= BMC_PATH_MAX)
		return send_error(conn, c, 414, "request path is too long");
	if (cl != NULL && strtoull(cl, NULL, 10) > BMC_BODY_MAX)
		return send_error(conn, c, 413, "request body is larger than "
		    "%d bytes", BMC_BODY_MAX);
	return MHD_YES;
}

static MHD_RESULT
bmcd_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct bmc_listener *l = cls;
	struct bmc_conn *c = *con_cls;

	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return MHD_NO;
		*con_cls = c;
		return admit(l, conn, c, url);
	}
	if (*upload_data_size > 0) {
		if (!c->c_answered && c->c_len + *upload_data_size <=
		    BMC_BODY_MAX) {
			memcpy(c->c_buf + c->c_len, upload_data,
			    *upload_data_size);
			c->c_len += *upload_data_size;
		} else
			c->c_too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->c_answered)
		return MHD_YES;
	if (c->c_too_big)
		return send_error(conn, c, 413, "request body is larger than "
		    "%d bytes", BMC_BODY_MAX);
	return serve(l, conn, c, url, method);
}

static void
bmcd_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warnx("libmicrohttpd: %s", msg);
}

/* One listener on host i's BMC address, port 443. */
static int
listen_one(struct bmcd *d, int i, char *err)
{
	struct bmc_listener *l = &d->d_bl[i];
	struct sockaddr_in sin = { 0 };
	char a[16];

	l->bl_d = d;
	l->bl_host = &d->d_lab.l_topo.t_hosts[i];
	l->bl_tokens = BMC_BURST;
	l->bl_last_ns = clock_mono_ns();
	pthread_mutex_init(&l->bl_mu, NULL);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(BMC_PORT);
	sin.sin_addr.s_addr = htonl(l->bl_host->h_bmc_addr);
	topo_addr_str(l->bl_host->h_bmc_addr, a, sizeof(a));
	l->bl_mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD |
	    MHD_USE_ERROR_LOG | MHD_USE_TLS, BMC_PORT, NULL, NULL,
	    bmcd_access, l,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_HTTPS_MEM_KEY, d->d_key,
	    MHD_OPTION_HTTPS_MEM_CERT, d->d_cert,
	    MHD_OPTION_NOTIFY_COMPLETED, bmcd_completed, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)BMC_IDLE_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)BMC_CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)BMC_CONN_PER_IP,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
	    MHD_OPTION_END);
	if (l->bl_mhd == NULL)
		return err_set(err, "cannot serve HTTPS on %s:%d (host %s)",
		    a, BMC_PORT, l->bl_host->h_name);
	log_info("BMC of host %s on https://%s:%d", l->bl_host->h_name, a,
	    BMC_PORT);
	return 0;
}

/* A small file of <state>/bmc/ into a new string. */
static char *
read_small(const char *state, const char *name, char *err)
{
	char path[LAB_PATH_MAX + 32], *buf;
	FILE *f;
	size_t n;

	bmcctl_path(state, name, path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL) {
		err_errno(err, "%s", path);
		return NULL;
	}
	if ((buf = malloc(BMC_FILE_MAX + 1)) != NULL) {
		n = fread(buf, 1, BMC_FILE_MAX, f);
		buf[n] = '\0';
	} else
		err_set(err, "out of memory");
	fclose(f);
	return buf;
}

/* The lab, its credentials and certificate: 0 or -1 with err. */
static int
bmcd_load(struct bmcd *d, const char *name, char *err)
{
	if (lab_open(NULL, name, 1, &d->d_lab, err) < 0)
		return -1;
	if (!d->d_lab.l_topo.t_bmc.b_present)
		return err_set(err, "lab %s has no bmc: section", name);
	if ((d->d_p = lab_provider_find(NULL)) == NULL)
		return err_set(err, "no lab provider");
	if (bmcctl_password(d->d_lab.l_state, d->d_password,
	    sizeof(d->d_password), err) < 0)
		return -1;
	if ((d->d_cert = read_small(d->d_lab.l_state, "cert.pem", err)) ==
	    NULL || (d->d_key = read_small(d->d_lab.l_state, "key.pem",
	    err)) == NULL)
		return -1;
	pthread_mutex_init(&d->d_power, NULL);
	return 0;
}

/* Serve until SIGTERM, SIGINT or SIGHUP. */
static int
bmcd_run(struct bmcd *d, char *err)
{
	char pidf[LAB_PATH_MAX + 32], pid[24];
	sigset_t set;
	int i, n = 0, sig, rc = -1;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (n = 0; n < d->d_lab.l_topo.t_nhosts; n++)
		if (listen_one(d, n, err) < 0)
			goto stop;
	bmcctl_path(d->d_lab.l_state, "bmc.pid", pidf, sizeof(pidf));
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (lab_write_file(pidf, pid, 0, err) < 0)
		goto stop;
	sigwait(&set, &sig);
	log_info("signal %d: stopping", sig);
	unlink(pidf);
	rc = 0;
stop:
	for (i = 0; i < n; i++)
		MHD_stop_daemon(d->d_bl[i].bl_mhd);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	char err[ERR_LEN];
	const char *name = NULL;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'l') {
			fprintf(stderr, "usage: hvlab-bmc --lab NAME\n");
			return 1;
		}
		name = optarg;
	}
	if (name == NULL || optind != argc) {
		fprintf(stderr, "usage: hvlab-bmc --lab NAME\n");
		return 1;
	}
	/* Started from `lab up`: whatever it held open (a caller's lock
	 * file) must not live on in this daemon. */
	close_range(3, ~0U, 0);
	log_init("hvlab-bmc", LOG_LEVEL_INFO);
	if (bmcd_load(&bmcd, name, err) < 0 || bmcd_run(&bmcd, err) < 0)
		log_warnx("%s", err);
	else
		rc = 0;
	free(bmcd.d_cert);
	free(bmcd.d_key);
	return rc;
}
