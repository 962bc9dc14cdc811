/*
 * bmcctl.c - what `lab up` and `lab down` do for the lab's BMCs: the
 * credentials and the TLS certificate in <state>/bmc/ (a directory only
 * root reads), the hvlab-bmc daemon started in the BMCs' network
 * namespace, and its stop by pid.  docs/lab.md, "BMCs".
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "clock.h"
#include "err.h"
#include "proc.h"
#include "lab/bmcctl.h"

#define BMC_READY_MS 15000
#define BMC_PASS_LEN 20

void
bmcctl_path(const char *state, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/bmc/%s", state, name);
}

/* The topology's password, else BMC_PASS_LEN random letters and digits,
 * into <state>/bmc/password (0600). */
static int
write_password(const struct lab *lab, char *err)
{
	static const char abc[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnop"
	    "qrstuvwxyz23456789";
	char path[LAB_PATH_MAX + 32], pw[TOPO_BMC_PASS_MAX + 2];
	unsigned char rnd[BMC_PASS_LEN];
	size_t i;

	snprintf(pw, sizeof(pw), "%s", lab->l_topo.t_bmc.b_password);
	if (pw[0] == '\0') {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return err_errno(err, "getrandom");
		for (i = 0; i < sizeof(rnd); i++)
			pw[i] = abc[rnd[i] % (sizeof(abc) - 1)];
		pw[i] = '\0';
	}
	strcat(pw, "\n");
	bmcctl_path(lab->l_state, "password", path, sizeof(path));
	if (lab_write_file(path, pw, 0, err) < 0)
		return -1;
	if (chmod(path, 0600) < 0)
		return err_errno(err, "chmod %s", path);
	return 0;
}

/* A self-signed certificate naming every BMC address (key 0600). */
static int
write_cert(const struct lab *lab, char *err)
{
	const struct topo *t = &lab->l_topo;
	char key[LAB_PATH_MAX + 32], crt[LAB_PATH_MAX + 32], subj[64];
	char san[40 + TOPO_MAX_HOSTS * 20], a[16];
	const char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec",
	    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
	    "3650", "-subj", subj, "-addext", san, "-keyout", key, "-out",
	    crt, NULL };
	size_t n;
	int i;

	bmcctl_path(lab->l_state, "key.pem", key, sizeof(key));
	bmcctl_path(lab->l_state, "cert.pem", crt, sizeof(crt));
	snprintf(subj, sizeof(subj), "/CN=hvlab BMC of lab %s", t->t_name);
	n = (size_t)snprintf(san, sizeof(san), "subjectAltName=");
	for (i = 0; i < t->t_nhosts; i++) {
		topo_addr_str(t->t_hosts[i].h_bmc_addr, a, sizeof(a));
		n += (size_t)snprintf(san + n, sizeof(san) - n, "%sIP:%s",
		    i ? "," : "", a);
	}
	if (proc_run(argv, NULL, 30000, NULL, err) < 0)
		return -1;
	if (chmod(key, 0600) < 0)
		return err_errno(err, "chmod %s", key);
	return 0;
}

/* Start hvlab-bmc and wait for its pid file (written once it serves). */
static int
spawn(const struct lab *lab, const char *ns, char *err)
{
	char logf[LAB_PATH_MAX + 32], pidf[LAB_PATH_MAX + 32];
	static char prog[PATH_MAX];
	const char *argv[] = { lab_prog_path("hvlab-bmc", prog,
	    sizeof(prog)), "--lab", lab->l_topo.t_name, NULL };
	struct proc_opts o;
	uint64_t end = clock_mono_ns() + BMC_READY_MS * NS_PER_MS;
	struct stat st;
	pid_t pid;

	bmcctl_path(lab->l_state, "bmc.log", logf, sizeof(logf));
	bmcctl_path(lab->l_state, "bmc.pid", pidf, sizeof(pidf));
	memset(&o, 0, sizeof(o));
	o.netns = ns;
	o.detach = 1;
	o.stdin_null = 1;
	o.stdout_file = logf;
	o.stderr_file = logf;
	if ((pid = proc_spawn(argv, &o, err)) < 0)
		return -1;
	while (stat(pidf, &st) < 0) {
		if (!proc_running(pid))
			return err_set(err, "hvlab-bmc ended (see %s)", logf);
		if (clock_mono_ns() > end) {
			proc_kill(pid, SIGKILL);
			return err_set(err, "hvlab-bmc did not serve within "
			    "%d s (see %s)", BMC_READY_MS / 1000, logf);
		}
		clock_sleep_ns(20 * NS_PER_MS);
	}
	return 0;
}

int
bmcctl_start(const struct lab *lab, const char *ns, char *err)
{
	char dir[LAB_PATH_MAX + 32];

	snprintf(dir, sizeof(dir), "%s/bmc", lab->l_state);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_errno(err, "%s", dir);
	if (write_password(lab, err) < 0 || write_cert(lab, err) < 0)
		return -1;
	return spawn(lab, ns, err);
}

/* 1 when pid runs hvlab-bmc for lab name (guards against pid reuse). */
static int
is_our_bmcd(pid_t pid, const char *name)
{
	char buf[1024];
	ssize_t n, i;

	if ((n = proc_read(pid, "cmdline", buf, sizeof(buf))) < 0 ||
	    strstr(buf, "hvlab-bmc") == NULL)
		return 0;
	for (i = 0; i + 6 < n; i++)
		if (buf[i] == '\0' && strcmp(buf + i + 1, "--lab") == 0)
			return strcmp(buf + i + 7, name) == 0;
	return 0;
}

void
bmcctl_stop(const char *state, const char *name)
{
	char pidf[LAB_PATH_MAX + 32];
	pid_t pid;
	int i;

	bmcctl_path(state, "bmc.pid", pidf, sizeof(pidf));
	if ((pid = lab_read_pid(pidf)) <= 0 || !is_our_bmcd(pid, name))
		return;
	proc_kill(pid, SIGTERM);
	for (i = 0; i < 200 && proc_running(pid); i++)
		clock_sleep_ns(10 * NS_PER_MS);
	if (proc_running(pid))
		proc_kill(pid, SIGKILL);
}

int
bmcctl_password(const char *state, char *buf, size_t len, char *err)
{
	char path[LAB_PATH_MAX + 32];
	FILE *f;
	size_t n;

	bmcctl_path(state, "password", path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL)
		return err_errno(err, "%s", path);
	n = fgets(buf, (int)len, f) != NULL ? strcspn(buf, "\n") : 0;
	fclose(f);
	if (n == 0)
		return err_set(err, "%s is empty", path);
	buf[n] = '\0';
	return 0;
}
