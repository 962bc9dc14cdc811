/*
 * drv_https.c - HTTPS for the drivers of real platforms (drv_https.h):
 * certificate verification by CA file or by a pinned SHA-256
 * fingerprint, the answer buffer, the easy handle's shared options.
 * Proxmox VE nodes and XCP-ng hosts serve certificates of their own
 * making, which clients usually pin rather than trust; the pin is
 * checked in OpenSSL's verify callback, so a wrong one stops the
 * handshake before a token or password leaves.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "err.h"
#include "scenarios/drivers/drv_https.h"

static pthread_once_t drv_https_once = PTHREAD_ONCE_INIT;

static void
drv_https_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
drv_https_global(void)
{
	pthread_once(&drv_https_once, drv_https_init_once);
}

int
drv_fingerprint_parse(const char *s, unsigned char out[32], char *err)
{
	size_t i;
	unsigned v;

	for (i = 0; i < 32; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]) ||
		    sscanf(s, "%2x", &v) != 1)
			return err_set(err, "fingerprint: byte %zu is not two "
			    "hex digits", i + 1);
		out[i] = (unsigned char)v;
		s += 2;
		if (i < 31 && *s++ != ':')
			return err_set(err, "fingerprint: ':' expected after "
			    "byte %zu (32 bytes as AB:CD:...)", i + 1);
	}
	if (*s != '\0')
		return err_set(err, "fingerprint: more than 32 bytes (a "
		    "SHA-256 fingerprint has 32)");
	return 0;
}

int
drv_tls_init(struct drv_tls *t, const char *ca_file, const char *fingerprint,
    char *err)
{
	memset(t, 0, sizeof(*t));
	if (ca_file == NULL && fingerprint == NULL)
		return err_set(err, "neither a CA file nor a fingerprint to "
		    "verify the server's certificate");
	if (fingerprint != NULL) {
		if (drv_fingerprint_parse(fingerprint, t->tl_pin, err) == -1)
			return -1;
		t->tl_pinned = 1;
	}
	if (ca_file != NULL && (t->tl_ca_file = strdup(ca_file)) == NULL)
		return err_set(err, "out of memory");
	return 0;
}

void
drv_tls_clear(struct drv_tls *t)
{
	free(t->tl_ca_file);
	memset(t, 0, sizeof(*t));
}

/* The leaf certificate must have the pinned SHA-256; the chain above it
 * is the server's own CA, which the pin stands for. */
static int
drv_verify_pin(int ok, X509_STORE_CTX *x)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	const struct drv_tls *t;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	(void)ok;
	if (X509_STORE_CTX_get_error_depth(x) > 0)
		return 1;
	if (ssl == NULL || (t = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)))
	    == NULL)
		return 0;
	if (X509_digest(X509_STORE_CTX_get_current_cert(x), EVP_sha256(), md,
	    &n) != 1 || n != 32 || memcmp(md, t->tl_pin, 32) != 0)
		return 0;
	return 1;
}

static CURLcode
drv_ssl_ctx(CURL *curl, void *sslctx, void *arg)
{
	(void)curl;
	SSL_CTX_set_app_data((SSL_CTX *)sslctx, arg);
	SSL_CTX_set_verify((SSL_CTX *)sslctx, SSL_VERIFY_PEER,
	    drv_verify_pin);
	return CURLE_OK;
}

static size_t
drv_buf_write(char *p, size_t sz, size_t nm, void *arg)
{
	struct drv_buf *b = arg;
	size_t n = sz * nm;
	char *nb;

	if (b->b_len + n > b->b_max) {
		b->b_over = 1;
		return 0;
	}
	if ((nb = realloc(b->b_data, b->b_len + n + 1)) == NULL)
		return 0;
	b->b_data = nb;
	memcpy(b->b_data + b->b_len, p, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
	return n;
}

void
drv_https_setup(CURL *c, const struct drv_tls *t, long timeout_ms,
    struct drv_buf *b)
{
	curl_easy_reset(c);
	if (t->tl_pinned) {
		/* The pin replaces both the chain and the name check
		 * (drv_verify_pin); curl's own verification stays off so
		 * it does not ask for a chain the pin stands for. */
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_FUNCTION, drv_ssl_ctx);
		curl_easy_setopt(c, CURLOPT_SSL_CTX_DATA, (void *)t);
		curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	} else {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
		curl_easy_setopt(c, CURLOPT_CAINFO, t->tl_ca_file);
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (b != NULL) {
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, drv_buf_write);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	}
}

const char *
drv_https_hint(CURLcode cc, const struct drv_tls *t)
{
	if (t->tl_pinned && (cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CONNECT_ERROR))
		return " (is the fingerprint the server certificate's "
		    "SHA-256?)";
	return "";
}
