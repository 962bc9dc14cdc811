/*
 * cluster.h - cluster membership: create, join, status; hvd's own etcd
 * member; node liveness.
 *
 * hvd runs one etcd member per host as its child (started by the daemon's
 * main thread from cluster_tick, restarted when it dies, killed with hvd).
 * Peers talk TLS with certificates from the cluster CA (pki.h); the client
 * port listens on 127.0.0.1 only, over TLS, and takes only clients that
 * present a certificate of the cluster CA (hvd presents its node's), so
 * etcd is reached through hvd.  Local state: STATE_DIR/cluster.json
 * (cluster name, initial member list), STATE_DIR/etcd (etcd's data),
 * TLS_DIR/{ca.pem,node.pem,node.key} and, on nodes (not on a witness),
 * TLS_DIR/ca.key: the CA's key, which signs joining nodes.  It is never
 * in etcd: a node gets it in the answer to its join.  Cluster state:
 * /hvd/cluster, /hvd/nodes/NAME (node record) and /hvd/alive/NAME
 * (attached to the node's lease: present while the node's hvd renews
 * it).
 *
 * A quorum witness (hvd.conf `role = witness`) is an hvd that runs only
 * its etcd member: a voting member that holds no VMs, for clusters with an
 * even number of nodes (docs/ha.md).  It joins like a node, but its
 * records live apart, /hvd/witnesses/NAME and /hvd/witness-alive/NAME, so
 * nothing that lists nodes (VM placement, the HA manager, migration
 * targets) ever sees it.  At most one witness per cluster.
 *
 * The API-facing calls return 0, or -1 with err and *status set to the
 * HTTP status the error deserves (400, 409, 502, 503, 500).
 */
#ifndef HVD_CLUSTER_H
#define HVD_CLUSTER_H

#include <stddef.h>
#include <cjson/cJSON.h>

#include "platform/config.h"

struct cluster;
struct etcd;

enum cluster_state {
	CLUSTER_NONE = 0,	/* not in a cluster yet */
	CLUSTER_FORMING,	/* create/join in progress */
	CLUSTER_STARTING,	/* in a cluster, etcd not answering yet */
	CLUSTER_ACTIVE,
};


/* Load local state.  NULL + err on a broken state file. */
struct cluster *cluster_new(const struct hvd_config *cf, char *err);
/* Stop etcd (SIGTERM, then SIGKILL) and the lease thread; free. */
void cluster_free(struct cluster *cl);
/* Main thread, a few times a second: start/restart etcd, activate. */
void cluster_tick(struct cluster *cl);
/* Called once the cluster is active (e.g. to start the HTTPS API). */
void cluster_on_active(struct cluster *cl, void (*cb)(void *), void *arg);

enum cluster_state cluster_state(struct cluster *cl);
/* The local etcd client (valid for the daemon's life), or NULL when the
 * node is in no cluster. */
struct etcd *cluster_etcd(struct cluster *cl);
/* Another client of the local etcd with its own per-request timeout,
 * presenting this node's certificate like cluster_etcd's; the caller
 * frees it with etcd_free.  NULL + err. */
struct etcd *cluster_etcd_new(struct cluster *cl, long timeout_ms,
    char *err);
const char *cluster_node(const struct cluster *cl);
/* This node's TLS certificate and key PEM (malloc'd), for HTTPS. */
int cluster_tls(struct cluster *cl, char **cert, char **key, char *err);

/* POST /cluster {"name"}: make the CA, start etcd, make an admin token.
 * *out: {"cluster","node","address","token","fingerprint","ca_cert"}. */
int cluster_create(struct cluster *cl, const char *name, cJSON **out,
    int *status, char *err);
/* Where and how to join: a member's address, a token it accepts, and
 * its certificate's fingerprint (sha256//BASE64, as create printed). */
struct cluster_invite {
	const char	*ci_address;
	const char	*ci_token;
	const char	*ci_fingerprint;
};
/* POST /cluster/join {"address","token","fingerprint"} on the new node. */
int cluster_join(struct cluster *cl, const struct cluster_invite *inv,
    cJSON **out, int *status, char *err);
/* A node (or witness) asking to join, as a member receives it. */
struct cluster_newcomer {
	const char	*cn_name;
	const char	*cn_address;	/* IPv4 */
	int		 cn_peer_port;	/* its etcd peer port */
	const char	*cn_csr;	/* PEM */
	int		 cn_witness;	/* a quorum witness, not a node */
};
/* POST /cluster/nodes {"name","address","etcd_peer_port","csr","role"}
 * on a member: sign, add the etcd member, answer with what the new node
 * needs.  A witness is refused (409) when the cluster has one already. */
int cluster_add_node(struct cluster *cl, const struct cluster_newcomer *nc,
    cJSON **out, int *status, char *err);
/* DELETE /cluster/nodes/NAME: remove the etcd member and the node's (or
 * the witness's) records. */
int cluster_remove_node(struct cluster *cl, const char *name, int *status,
    char *err);
/* GET /cluster: name, quorum, members (with their role), nodes and
 * witnesses with their state. */
int cluster_status(struct cluster *cl, cJSON **out, int *status, char *err);
/* GET /nodes: the node records with state (online/offline). */
int cluster_nodes(struct cluster *cl, cJSON **out, int *status, char *err);
/* GET /cluster/ca: the CA certificate PEM (malloc'd). */
char *cluster_ca_pem(struct cluster *cl, char *err);

/* A node's address (len bytes) and whether its lease is alive.  1 found,
 * 0 no such node, -1 error. */
int cluster_node_info(struct cluster *cl, const char *name, char *address,
    size_t len, int *online, char *err);

/* Name check shared with the API: [A-Za-z0-9][A-Za-z0-9_-]{0,62}. */
int cluster_valid_name(const char *s);

#endif
