/*
 * peer.h - hvd asking another node's API for what only that node knows
 * (its Open vSwitch bridge), as Proxmox's proxy hands a request for
 * /nodes/NODE/... to NODE.
 *
 * The request goes over HTTPS to the node's api_url (its record in
 * etcd), the server verified against the cluster CA, this node known by
 * its own certificate (TLS client authentication).  A node's certificate
 * gets the audit role there (api.c): only reads travel this way, and
 * nothing is written to etcd for them.
 */
#ifndef HVD_PEER_H
#define HVD_PEER_H

#include <cjson/cJSON.h>

#include "platform/config.h"

struct cluster;

struct peer_req {
	const char	*pr_node;	/* the node asked */
	const char	*pr_path;	/* "/api/v1/..." */
	int		 pr_status;	/* out: HTTP status (502: no answer) */
	cJSON		*pr_json;	/* out: the answer's body; caller frees */
};

/*
 * GET pr_path on node pr_node.  0 with pr_json set when it answered 2xx;
 * -1 with err and pr_status otherwise: 404 no such node, 409 offline,
 * 503 etcd, 502 no answer, else the node's own error status (err has its
 * message).
 */
int peer_get(struct cluster *cl, const struct hvd_config *cf,
    struct peer_req *pr, char *err);

#endif
