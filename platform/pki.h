/*
 * pki.h - the cluster CA and node certificates (GnuTLS x509).
 *
 * `cluster create` makes a CA (ECDSA P-256, 10 years).  Every node has a
 * key of its own and a certificate signed by the CA, with its name and its
 * management IPv4 address in subjectAltName, usable as TLS server and
 * client (HTTPS API, etcd peer links, and the node's etcd client port,
 * where hvd presents it and etcd checks it against the CA).  A joining node sends a
 * certificate request; the node it joins through signs it.  The fingerprint
 * users compare is libcurl's public key pin: "sha256//" + base64 of the
 * SHA-256 of the certificate's SubjectPublicKeyInfo.
 * All PEM strings returned are malloc'd; the caller frees them.
 */
#ifndef HVD_PKI_H
#define HVD_PKI_H

#include <stddef.h>

#define PKI_PIN_LEN 64	/* "sha256//" + 44 base64 + NUL fits */

/* A new ECDSA P-256 private key, PEM.  0 or -1. */
int pki_key_new(char **key_pem, char *err);
/* A self-signed CA certificate named cn with a new key.  0 or -1. */
int pki_ca_new(const char *cn, char **cert_pem, char **key_pem, char *err);
/* A certificate request for node with key_pem.  0 or -1. */
int pki_csr_new(const char *key_pem, const char *node, char **csr_pem,
    char *err);
/* A CA that signs: its certificate and its private key, PEM. */
struct pki_ca {
	const char	*ca_cert_pem;
	const char	*ca_key_pem;
};
/*
 * Sign csr_pem with signer: the certificate names node (CN and DNS SAN),
 * address and 127.0.0.1 (IP SANs: the node's etcd client port listens on
 * the loopback with it), whatever the request says.  0 or -1 with err
 * ("certificate request: ..." when the request is malformed).
 */
int pki_sign(const struct pki_ca *signer, const char *csr_pem,
    const char *node, const char *address, char **cert_pem, char *err);
/* The public key pin of a PEM certificate into pin (PKI_PIN_LEN). */
int pki_pin(const char *cert_pem, char pin[PKI_PIN_LEN], char *err);
/* 1 when key_pem is the private key of cert_pem's public key, 0 when it
 * is another key, -1 with err when either does not parse. */
int pki_key_matches(const char *cert_pem, const char *key_pem, char *err);
/* 1 when cert_pem is signed by ca_pem (and is currently valid), else 0. */
int pki_verify(const char *ca_pem, const char *cert_pem, char *err);
/*
 * The node name (CN) of the certificate the TLS peer of session (a
 * gnutls_session_t whose credentials trust the cluster CA) presented,
 * into name (len bytes).  1 when it verifies against the CA, 0 when the
 * peer presented none, -1 with err when it does not verify.
 */
int pki_peer_name(void *session, char *name, size_t len, char *err);
/* Write data to path with mode, atomically (tmp + rename).  0 or -1. */
int pki_write_file(const char *path, const char *data, int mode, char *err);
/* Read a whole (small) file; malloc'd NUL-terminated, or NULL + err. */
char *pki_read_file(const char *path, char *err);

#endif
