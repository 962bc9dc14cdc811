/*
 * peer.c - GET on another node's API with this node's certificate
 * (peer.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "json.h"
#include "platform/cluster.h"
#include "platform/etcd.h"
#include "platform/keys.h"
#include "platform/peer.h"

#define PEER_TIMEOUT_MS		20000
#define PEER_CONNECT_MS		3000

/* The node's API URL from its record, into url (len bytes).  0, or -1
 * with err and pr_status. */
static int
peer_url(struct cluster *cl, struct peer_req *pr, char *url, size_t len,
    char *err)
{
	struct etcd_kv kv = { 0 };
	char key[128];
	const char *u = NULL;
	cJSON *o = NULL;
	int online = 0, rc;

	pr->pr_status = 503;
	if ((rc = cluster_node_info(cl, pr->pr_node, NULL, 0, &online,
	    err)) < 0)
		return -1;
	if (rc == 0) {
		pr->pr_status = 404;
		return err_set(err, "no node '%s'", pr->pr_node);
	}
	if (!online) {
		pr->pr_status = 409;
		return err_set(err, "node %s is offline", pr->pr_node);
	}
	snprintf(key, sizeof(key), "%s%s", KEY_NODES, pr->pr_node);
	rc = -1;
	if (etcd_get(cluster_etcd(cl), key, &kv, err) != 1 ||
	    (o = json_parse_buf(kv.kv_val, kv.kv_len, err)) == NULL ||
	    json_get_string(o, "api_url", JSON_REQUIRED, &u, err) != 0)
		goto out;
	snprintf(url, len, "%s", u);
	rc = 0;
out:
	cJSON_Delete(o);
	etcd_kv_clear(&kv);
	return rc;
}

/* The "error" member of a node's error answer, or NULL. */
static const char *
peer_error(const cJSON *j)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j,
	    "error"));
}

int
peer_get(struct cluster *cl, const struct hvd_config *cf,
    struct peer_req *pr, char *err)
{
	char url[256], ca[HVD_PATH_MAX + 16], cert[HVD_PATH_MAX + 16],
	    key[HVD_PATH_MAX + 16];
	struct http_opts ho = { 0 };
	struct http_client *hc;
	struct http_response resp = { 0 };
	int rc = -1;

	pr->pr_json = NULL;
	if (peer_url(cl, pr, url, sizeof(url), err) != 0)
		return -1;
	snprintf(ca, sizeof(ca), "%s/ca.pem", cf->cf_tls_dir);
	snprintf(cert, sizeof(cert), "%s/node.pem", cf->cf_tls_dir);
	snprintf(key, sizeof(key), "%s/node.key", cf->cf_tls_dir);
	ho.base_url = url;
	ho.ca_file = ca;
	ho.client_cert = cert;
	ho.client_key = key;
	ho.timeout_ms = PEER_TIMEOUT_MS;
	ho.connect_timeout_ms = PEER_CONNECT_MS;
	pr->pr_status = 500;
	if ((hc = http_client_new(&ho, err)) == NULL)
		return -1;
	if (http_request_json(hc, "GET", pr->pr_path, NULL, &resp,
	    err) == 0 && resp.json != NULL) {
		pr->pr_status = 200;
		pr->pr_json = resp.json;
		resp.json = NULL;
		rc = 0;
	} else if (resp.status >= 400 && peer_error(resp.json) != NULL) {
		pr->pr_status = (int)resp.status;
		err_set(err, "node %s: %s", pr->pr_node, peer_error(resp.json));
	} else {
		pr->pr_status = 502;
		if (resp.status != 0)
			err_set(err, "answered %ld without a JSON body",
			    resp.status);
		err_prefix(err, "node %s at %s", pr->pr_node, url);
	}
	http_response_free(&resp);
	http_client_free(hc);
	return rc;
}
