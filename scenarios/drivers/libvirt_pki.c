/*
 * libvirt_pki.c - the libvirt platform's TLS: a CA the driver makes for the
 * lab, a certificate per host (server for its libvirtd, client for the
 * peer-to-peer migrations it starts) and one for the driver itself, made
 * with openssl on the management workstation as an administrator would
 * (libvirt's own guide uses certtool the same way).
 *
 * Layout of DIR (the lab's state directory's libvirt-pki, 0700, else
 * WORKDIR's): ca.key, cacert.pem; HOST.key,
 * HOST.pem per host (subjectAltName IP:its address and DNS:its name,
 * serverAuth + clientAuth); client/ the driver's pkipath (cacert.pem,
 * clientcert.pem, clientkey.pem).  On the hosts: /etc/libvirt/pki/ with
 * cacert.pem, servercert.pem, serverkey.pem, clientcert.pem and
 * clientkey.pem (libvirtd.conf names them; migrations use it as pkipath).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "err.h"
#include "proc.h"
#include "scenarios/drivers/libvirt.h"

#define OPENSSL_MS 60000
#define CERT_DAYS "30"

static int
openssl(char *err, const char *const argv[])
{
	if (proc_run(argv, NULL, OPENSSL_MS, NULL, err) == -1)
		return err_prefix(err, "libvirt TLS");
	return 0;
}

/* key + certificate signed by the CA in dir, with extensions ext. */
static int
sign(const char *dir, const char *name, const char *cn, const char *ext,
    char *err)
{
	char key[1100], csr[1100], crt[1100], extf[1100], ca[1100];
	char cakey[1100], subj[200];
	const char *req[] = { "openssl", "req", "-new", "-newkey", "rsa:2048",
	    "-nodes", "-keyout", key, "-out", csr, "-subj", subj, NULL };
	const char *x509[] = { "openssl", "x509", "-req", "-in", csr, "-CA",
	    ca, "-CAkey", cakey, "-CAcreateserial", "-days", CERT_DAYS,
	    "-out", crt, "-extfile", extf, NULL };
	int rc;

	snprintf(key, sizeof(key), "%s/%s.key", dir, name);
	snprintf(csr, sizeof(csr), "%s/%s.csr", dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.pem", dir, name);
	snprintf(extf, sizeof(extf), "%s/%s.ext", dir, name);
	snprintf(ca, sizeof(ca), "%s/cacert.pem", dir);
	snprintf(cakey, sizeof(cakey), "%s/ca.key", dir);
	snprintf(subj, sizeof(subj), "/O=hvlab/CN=%s", cn);
	rc = drv_write_text(extf, ext, err) == -1 || openssl(err, req) == -1 ||
	    openssl(err, x509) == -1 ? -1 : 0;
	unlink(csr);
	unlink(extf);
	return rc;
}

/* The CA and the driver's client certificate, once per run directory. */
static int
pki_ca(const char *dir, const char *lab, char *err)
{
	char key[1100], crt[1100], subj[200], cdir[1100], from[1100],
	    to[1100];
	const char *req[] = { "openssl", "req", "-x509", "-newkey",
	    "rsa:2048", "-nodes", "-keyout", key, "-out", crt, "-days",
	    CERT_DAYS, "-subj", subj, "-addext",
	    "keyUsage=critical,keyCertSign,cRLSign", NULL };
	const char *cp[] = { "cp", from, to, NULL };
	struct stat st;

	snprintf(crt, sizeof(crt), "%s/cacert.pem", dir);
	if (stat(crt, &st) == 0)
		return 0;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "%s", dir);
	snprintf(key, sizeof(key), "%s/ca.key", dir);
	snprintf(subj, sizeof(subj), "/O=hvlab/CN=libvirt CA of lab %s",
	    lab ? lab : "?");
	snprintf(cdir, sizeof(cdir), "%s/client", dir);
	if (openssl(err, req) == -1 || sign(dir, "driver", "hvlab driver",
	    "extendedKeyUsage=clientAuth\n"
	    "keyUsage=critical,digitalSignature,keyEncipherment\n",
	    err) == -1)
		return -1;
	if (mkdir(cdir, 0700) == -1 && errno != EEXIST)
		return err_errno(err, "%s", cdir);
	/* pkipath layout for the driver's own connections */
	snprintf(from, sizeof(from), "%s/cacert.pem", dir);
	snprintf(to, sizeof(to), "%s/cacert.pem", cdir);
	if (proc_run(cp, NULL, 10000, NULL, err) == -1)
		return -1;
	snprintf(from, sizeof(from), "%s/driver.pem", dir);
	snprintf(to, sizeof(to), "%s/clientcert.pem", cdir);
	if (proc_run(cp, NULL, 10000, NULL, err) == -1)
		return -1;
	snprintf(from, sizeof(from), "%s/driver.key", dir);
	snprintf(to, sizeof(to), "%s/clientkey.pem", cdir);
	return proc_run(cp, NULL, 10000, NULL, err);
}

int
lv_pki_host(const char *dir, const char *lab, const struct drv_host *h,
    char *err)
{
	char ext[512], p[1100];
	struct stat st;

	if (pki_ca(dir, lab, err) == -1)
		return -1;
	snprintf(p, sizeof(p), "%s/%s.pem", dir, h->h_name);
	if (stat(p, &st) == 0)
		return 0;
	snprintf(ext, sizeof(ext), "subjectAltName=IP:%s,DNS:%s\n"
	    "extendedKeyUsage=serverAuth,clientAuth\n"
	    "keyUsage=critical,digitalSignature,keyEncipherment\n",
	    h->h_addr, h->h_name);
	return sign(dir, h->h_name, h->h_addr, ext, err);
}

/* The whole of a small file; NULL with err. */
static char *
slurp(const char *path, char *err)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		err_errno(err, "%s", path);
		return NULL;
	}
	if ((buf = calloc(1, 16384)) == NULL) {
		fclose(f);
		err_set(err, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, 16383, f);
	fclose(f);
	if (n == 0 || n == 16383) {
		free(buf);
		err_set(err, "%s: empty or larger than 16 KiB", path);
		return NULL;
	}
	return buf;
}

int
lv_pki_put(const struct drv_env *env, const char *dir,
    const struct drv_host *h, char *err)
{
	static const struct {
		const char *src;	/* in dir; %s = the host's name */
		const char *dst;	/* on the host */
		int mode;
	} files[] = {
		{ "cacert.pem", LV_PKI_DIR "/cacert.pem", 0644 },
		{ "%s.pem", LV_PKI_DIR "/servercert.pem", 0644 },
		{ "%s.key", LV_PKI_DIR "/serverkey.pem", 0600 },
		{ "%s.pem", LV_PKI_DIR "/clientcert.pem", 0644 },
		{ "%s.key", LV_PKI_DIR "/clientkey.pem", 0600 },
	};
	char name[128], path[1300], *text;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(name, sizeof(name), files[i].src, h->h_name);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((text = slurp(path, err)) == NULL)
			return -1;
		rc = env->e_put(env, h->h_name, files[i].dst, text,
		    strlen(text), files[i].mode, err);
		free(text);
		if (rc == -1)
			return -1;
	}
	return 0;
}
