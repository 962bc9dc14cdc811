/*
 * migrate_tls.h - TLS for the live-migration stream between two nodes.
 *
 * Both QEMUs get a tls-creds-x509 object made of the cluster CA and the
 * node's own certificate and key (pki.h: CN is the node name, the DNS
 * subjectAltName too, usable as TLS server and client):
 *
 *   target: migrate_tls_target(q, &t)   endpoint server, verify-peer on,
 *           an authz-simple object whose identity is the source node's
 *           certificate DN, set as tls-authz: only that node gets in
 *   source: migrate_tls_source(q, &t)   endpoint client, tls-hostname
 *           the target's node name, which its certificate must carry
 *
 * QEMU reads the files (ca-cert.pem, server-/client-cert.pem and -key.pem)
 * from a 0700 directory of their own when the object is made; they are
 * removed right after, whether that worked or not.  Call these before
 * migrate_incoming / migrate_run.
 */
#ifndef HV_MIGRATE_TLS_H
#define HV_MIGRATE_TLS_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "platform/qmp.h"

#define MIGRATE_TLS_CREDS	"hvd-migrate-tls"
#define MIGRATE_TLS_AUTHZ	"hvd-migrate-authz"

/* What one side needs: its node's PEMs and the other node's name. */
struct migrate_tls {
	const char	*mt_dir;	/* made 0700, removed again */
	const char	*mt_ca_pem;	/* the cluster CA */
	const char	*mt_cert_pem;	/* this node's certificate */
	const char	*mt_key_pem;	/* this node's key */
	const char	*mt_peer;	/* the source (on the target) or the
					 * target (on the source) node */
};

/*
 * The DN QEMU reads from node's certificate ("CN=node": pki_sign names a
 * node by CN alone), which authz-simple compares byte for byte, into buf.
 * Names outside letters, digits, '-' and '_' (which a DN would escape)
 * are refused.  0 or -1 with err.
 */
int migrate_tls_identity(const char *node, char *buf, size_t len,
    char *err);
/* object-add arguments: tls-creds-x509 MIGRATE_TLS_CREDS reading dir,
 * endpoint server (verify-peer on) or client.  NULL when out of memory. */
cJSON *migrate_tls_creds_args(const char *dir, int server);
/* object-add arguments: authz-simple MIGRATE_TLS_AUTHZ for identity. */
cJSON *migrate_tls_authz_args(const char *identity);
/* Target side: creds (server) + authz for t->mt_peer, then tls-creds and
 * tls-authz set.  0 or -1 with err. */
int migrate_tls_target(struct qmp *q, const struct migrate_tls *t,
    char *err);
/* Source side: creds (client), then tls-creds and tls-hostname
 * t->mt_peer set.  0 or -1 with err. */
int migrate_tls_source(struct qmp *q, const struct migrate_tls *t,
    char *err);

#endif
