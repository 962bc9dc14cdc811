/*
 * drv_https.h - what the drivers of real platforms (proxmox, xcpng) share
 * to reach an API over HTTPS with libcurl: the server's certificate
 * verified against a CA file or pinned by its SHA-256 fingerprint (the
 * pin checked in OpenSSL's verify callback, before any byte of a request
 * goes out), a bounded answer buffer, and the easy handle's options.
 * There is no unverified mode.
 */
#ifndef HV_DRV_HTTPS_H
#define HV_DRV_HTTPS_H

#include <stddef.h>

#include <curl/curl.h>

/* How a driver trusts its server. */
struct drv_tls {
	unsigned char tl_pin[32];	/* SHA-256 of the leaf certificate */
	int tl_pinned;			/* tl_pin set: it replaces the chain
					 * and the name check */
	char *tl_ca_file;		/* PEM CA, used when not pinned */
};

/* An answer's body, at most max bytes (b_over set beyond). */
struct drv_buf {
	char *b_data;			/* NUL-terminated, caller frees */
	size_t b_len;
	size_t b_max;
	int b_over;
};

/* curl_global_init, once per process. */
void drv_https_global(void);

/*
 * "AB:CD:..." (32 bytes as hex pairs, ':' between, either case) ->
 * out.  0, or -1 with err.  Pure.
 */
int drv_fingerprint_parse(const char *s, unsigned char out[32], char *err);

/*
 * Fill t from a CA file and/or a fingerprint (either may be NULL, not
 * both; the pin wins when both are given).  0, or -1 with err naming
 * what is wrong.  drv_tls_clear frees it.
 */
int drv_tls_init(struct drv_tls *t, const char *ca_file,
    const char *fingerprint, char *err);
void drv_tls_clear(struct drv_tls *t);

/*
 * Reset c and set what every request of a driver shares: t's
 * verification (t must outlive the transfer), the timeouts, no signals,
 * and b as the body's sink.
 */
void drv_https_setup(CURL *c, const struct drv_tls *t, long timeout_ms,
    struct drv_buf *b);

/* A hint to append to curl_easy_strerror(cc) when the pin may be the
 * cause, else "". */
const char *drv_https_hint(CURLcode cc, const struct drv_tls *t);

#endif
