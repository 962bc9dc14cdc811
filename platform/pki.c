/*
 * pki.c - cluster CA, node keys, requests, signing and pins (pki.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "err.h"
#include "platform/etcd.h"
#include "platform/pki.h"

#define PKI_DAYS (3650L)

#define GT(call, what) do {						\
	int _r = (call);						\
	if (_r < 0) {							\
		err_set(err, "%s: %s", (what), gnutls_strerror(_r));	\
		goto fail;						\
	}								\
} while (0)

static char *
datum_str(gnutls_datum_t *d)
{
	char *s = malloc(d->size + 1);

	if (s != NULL) {
		memcpy(s, d->data, d->size);
		s[d->size] = '\0';
	}
	gnutls_free(d->data);
	d->data = NULL;
	return s;
}

static gnutls_datum_t
pem_datum(const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)pem,
	    (unsigned)strlen(pem) };

	return d;
}

static int
gen_key(gnutls_x509_privkey_t *key, char *err)
{
	*key = NULL;
	GT(gnutls_x509_privkey_init(key), "key");
	GT(gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	    "key generation");
	return 0;
fail:
	if (*key)
		gnutls_x509_privkey_deinit(*key);
	*key = NULL;
	return -1;
}

static int
export_key(gnutls_x509_privkey_t key, char **pem, char *err)
{
	gnutls_datum_t d = { NULL, 0 };

	GT(gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d),
	    "key export");
	if ((*pem = datum_str(&d)) == NULL)
		return err_errno(err, "key export");
	return 0;
fail:
	return -1;
}

static int
export_crt(gnutls_x509_crt_t crt, char **pem, char *err)
{
	gnutls_datum_t d = { NULL, 0 };

	GT(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d),
	    "certificate export");
	if ((*pem = datum_str(&d)) == NULL)
		return err_errno(err, "certificate export");
	return 0;
fail:
	return -1;
}

static int
set_serial_time(gnutls_x509_crt_t crt, char *err)
{
	unsigned char serial[16];
	time_t now = time(NULL);

	GT(gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)), "serial");
	serial[0] &= 0x7f;	/* positive */
	serial[0] |= 0x01;	/* and no leading zero byte */
	GT(gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)), "serial");
	GT(gnutls_x509_crt_set_activation_time(crt, now - 3600), "time");
	GT(gnutls_x509_crt_set_expiration_time(crt, now + PKI_DAYS * 86400),
	    "time");
	GT(gnutls_x509_crt_set_version(crt, 3), "version");
	return 0;
fail:
	return -1;
}

int
pki_key_new(char **key_pem, char *err)
{
	gnutls_x509_privkey_t key;
	int rc;

	*key_pem = NULL;
	if (gen_key(&key, err) != 0)
		return -1;
	rc = export_key(key, key_pem, err);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int
pki_ca_new(const char *cn, char **cert_pem, char **key_pem, char *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char kid[64];
	size_t kidlen = sizeof(kid);
	int rc = -1;

	*cert_pem = *key_pem = NULL;
	if (gen_key(&key, err) != 0)
		return -1;
	GT(gnutls_x509_crt_init(&crt), "certificate");
	if (set_serial_time(crt, err) != 0)
		goto fail;
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    cn, strlen(cn)), "CA name");
	GT(gnutls_x509_crt_set_key(crt, key), "CA key");
	GT(gnutls_x509_crt_set_basic_constraints(crt, 1, 0), "CA constraints");
	GT(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN), "CA key usage");
	GT(gnutls_x509_crt_get_key_id(crt, 0, kid, &kidlen), "key id");
	GT(gnutls_x509_crt_set_subject_key_id(crt, kid, kidlen), "key id");
	GT(gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0),
	    "CA signature");
	if (export_crt(crt, cert_pem, err) != 0 ||
	    export_key(key, key_pem, err) != 0)
		goto fail;
	rc = 0;
fail:
	if (rc != 0) {
		free(*cert_pem);
		*cert_pem = NULL;
	}
	if (crt)
		gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

int
pki_csr_new(const char *key_pem, const char *node, char **csr_pem, char *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_datum_t d = pem_datum(key_pem), out = { NULL, 0 };
	int rc = -1;

	*csr_pem = NULL;
	GT(gnutls_x509_privkey_init(&key), "key");
	GT(gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM),
	    "node key");
	GT(gnutls_x509_crq_init(&crq), "request");
	GT(gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0,
	    node, strlen(node)), "request name");
	GT(gnutls_x509_crq_set_version(crq, 1), "request version");
	GT(gnutls_x509_crq_set_key(crq, key), "request key");
	GT(gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0),
	    "request signature");
	GT(gnutls_x509_crq_export2(crq, GNUTLS_X509_FMT_PEM, &out),
	    "request export");
	if ((*csr_pem = datum_str(&out)) == NULL) {
		err_errno(err, "request export");
		goto fail;
	}
	rc = 0;
fail:
	if (crq)
		gnutls_x509_crq_deinit(crq);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc;
}

int
pki_sign(const struct pki_ca *signer, const char *csr_pem,
    const char *node, const char *address, char **cert_pem, char *err)
{
	gnutls_x509_privkey_t cakey = NULL;
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d;
	struct in_addr ip, lo = { htonl(INADDR_LOOPBACK) };
	unsigned char kid[64];
	size_t kidlen = sizeof(kid);
	int rc = -1;

	*cert_pem = NULL;
	if (inet_pton(AF_INET, address, &ip) != 1)
		return err_set(err, "'%s' is not an IPv4 address", address);
	GT(gnutls_x509_crq_init(&crq), "request");
	d = pem_datum(csr_pem);
	GT(gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM),
	    "certificate request");
	GT(gnutls_x509_crq_verify(crq, 0), "certificate request signature");
	GT(gnutls_x509_crt_init(&ca), "CA");
	d = pem_datum(signer->ca_cert_pem);
	GT(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM), "CA");
	GT(gnutls_x509_privkey_init(&cakey), "CA key");
	d = pem_datum(signer->ca_key_pem);
	GT(gnutls_x509_privkey_import(cakey, &d, GNUTLS_X509_FMT_PEM),
	    "CA key");
	GT(gnutls_x509_crt_init(&crt), "certificate");
	/* Only the key is taken from the request; names are ours. */
	GT(gnutls_pubkey_init(&pub), "public key");
	GT(gnutls_pubkey_import_x509_crq(pub, crq, 0), "request key");
	GT(gnutls_x509_crt_set_pubkey(crt, pub), "certificate key");
	GT(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    node, strlen(node)), "certificate name");
	if (set_serial_time(crt, err) != 0)
		goto fail;
	GT(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, node,
	    strlen(node), GNUTLS_FSAN_SET), "DNS name");
	GT(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &ip,
	    4, GNUTLS_FSAN_APPEND), "IP address");
	/* The node's etcd client port listens on 127.0.0.1 with it. */
	GT(gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, &lo,
	    4, GNUTLS_FSAN_APPEND), "loopback address");
	GT(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "constraints");
	GT(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT), "key usage");
	GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER,
	    0), "key purpose");
	GT(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT,
	    0), "key purpose");
	GT(gnutls_x509_crt_get_key_id(crt, 0, kid, &kidlen), "key id");
	GT(gnutls_x509_crt_set_subject_key_id(crt, kid, kidlen), "key id");
	kidlen = sizeof(kid);
	GT(gnutls_x509_crt_get_subject_key_id(ca, kid, &kidlen, NULL),
	    "CA key id");
	GT(gnutls_x509_crt_set_authority_key_id(crt, kid, kidlen),
	    "authority key id");
	GT(gnutls_x509_crt_sign2(crt, ca, cakey, GNUTLS_DIG_SHA256, 0),
	    "signature");
	if (export_crt(crt, cert_pem, err) != 0)
		goto fail;
	rc = 0;
fail:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (cakey)
		gnutls_x509_privkey_deinit(cakey);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	if (pub)
		gnutls_pubkey_deinit(pub);
	return rc;
}

int
pki_pin(const char *cert_pem, char pin[PKI_PIN_LEN], char *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_pubkey_t pub = NULL;
	gnutls_datum_t d = pem_datum(cert_pem), der = { NULL, 0 };
	unsigned char md[32];
	char *b64 = NULL;
	int rc = -1;

	GT(gnutls_x509_crt_init(&crt), "certificate");
	GT(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    "certificate");
	GT(gnutls_pubkey_init(&pub), "public key");
	GT(gnutls_pubkey_import_x509(pub, crt, 0), "public key");
	GT(gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &der),
	    "public key export");
	GT(gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, md),
	    "sha256");
	if ((b64 = etcd_b64_encode(md, sizeof(md))) == NULL) {
		err_errno(err, "pin");
		goto fail;
	}
	snprintf(pin, PKI_PIN_LEN, "sha256//%s", b64);
	rc = 0;
fail:
	free(b64);
	gnutls_free(der.data);
	if (pub)
		gnutls_pubkey_deinit(pub);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int
pki_key_matches(const char *cert_pem, const char *key_pem, char *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_x509_privkey_t key = NULL;
	gnutls_datum_t d;
	unsigned char a[64], b[64];
	size_t alen = sizeof(a), blen = sizeof(b);
	int rc = -1;

	GT(gnutls_x509_crt_init(&crt), "certificate");
	d = pem_datum(cert_pem);
	GT(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    "certificate");
	GT(gnutls_x509_privkey_init(&key), "key");
	d = pem_datum(key_pem);
	GT(gnutls_x509_privkey_import(key, &d, GNUTLS_X509_FMT_PEM), "key");
	GT(gnutls_x509_crt_get_key_id(crt, 0, a, &alen), "certificate key id");
	GT(gnutls_x509_privkey_get_key_id(key, 0, b, &blen), "key id");
	rc = alen == blen && memcmp(a, b, alen) == 0;
fail:
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int
pki_verify(const char *ca_pem, const char *cert_pem, char *err)
{
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_datum_t d;
	unsigned status = 1;
	int ok = 0;

	GT(gnutls_x509_crt_init(&ca), "CA");
	d = pem_datum(ca_pem);
	GT(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM), "CA");
	GT(gnutls_x509_crt_init(&crt), "certificate");
	d = pem_datum(cert_pem);
	GT(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM),
	    "certificate");
	GT(gnutls_x509_crt_verify(crt, &ca, 1, 0, &status), "verify");
	if (status != 0)
		err_set(err, "certificate is not signed by the cluster CA "
		    "(status 0x%x)", status);
	ok = status == 0;
fail:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	return ok;
}

int
pki_peer_name(void *session, char *name, size_t len, char *err)
{
	gnutls_session_t s = session;
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt = NULL;
	unsigned n = 0, status = 1;
	size_t nl = len;
	int rc = -1;

	if (s == NULL || (certs = gnutls_certificate_get_peers(s, &n)) == NULL
	    || n == 0)
		return 0;
	GT(gnutls_certificate_verify_peers2(s, &status), "client certificate");
	if (status != 0) {
		err_set(err, "client certificate is not signed by the cluster "
		    "CA (status 0x%x)", status);
		goto fail;
	}
	GT(gnutls_x509_crt_init(&crt), "client certificate");
	GT(gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER),
	    "client certificate");
	GT(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, name, &nl), "client certificate name");
	rc = 1;
fail:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

int
pki_write_file(const char *path, const char *data, int mode, char *err)
{
	char tmp[4096];
	size_t len = strlen(data);
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return err_set(err, "%s: path too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) < 0)
		return err_errno(err, "%s", tmp);
	if (fchmod(fd, (mode_t)mode) != 0 ||
	    write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		err_errno(err, "%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		err_errno(err, "%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *
pki_read_file(const char *path, char *err)
{
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if ((f = fopen(path, "r")) == NULL) {
		err_errno(err, "%s", path);
		return NULL;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > (1u << 20) || (nb = realloc(buf, cap)) == NULL) {
				err_set(err, "%s: too large", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, 4096, f);
		n += r;
		if (r < 4096)
			break;
	}
	if (ferror(f)) {
		err_errno(err, "%s", path);
		goto fail;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}
