/*
 * etcd.h - an etcd v3 client through etcd's JSON gateway (/v3/...).
 *
 * hvd keeps all cluster state in etcd: nodes, liveness leases, tokens,
 * tasks, VM configs and locks.  The gateway speaks JSON with keys and
 * values in base64 and 64-bit integers as strings; this module hides both.
 * A call takes an idle HTTP client of the struct etcd (its TLS connection
 * to etcd still open) or makes one, and gives it back after, so one struct
 * etcd may be used from several threads at once.  The pure encoders/decoders are exported for
 * the unit tests.
 */
#ifndef HVD_ETCD_H
#define HVD_ETCD_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

struct etcd;

struct etcd_kv {
	char	*kv_key;	/* NUL-terminated */
	char	*kv_val;	/* NUL-terminated (values are text here) */
	size_t	 kv_len;
	int64_t	 kv_mod_rev;
	int64_t	 kv_create_rev;
	int64_t	 kv_lease;
};

struct etcd_member {
	uint64_t em_id;
	char	 em_name[64];
	char	 em_peer_url[128];	/* first peer URL */
	char	 em_client_url[128];	/* first client URL, "" if unstarted */
};

/* How the client proves itself to etcd and checks etcd: files (PEM),
 * copied by etcd_new. */
struct etcd_tls {
	const char	*et_ca;		/* CA that signed etcd's certificate */
	const char	*et_cert;	/* certificate presented to etcd */
	const char	*et_key;	/* its private key */
};

/* A client for the gateway at URL ("https://127.0.0.1:2379") with tls
 * (NULL: plain HTTP, no client certificate); timeout_ms per request
 * (0 = 5 s).  NULL + err on failure. */
struct etcd *etcd_new(const char *url, const struct etcd_tls *tls,
    long timeout_ms, char *err);
void etcd_free(struct etcd *e);
/* The per-request timeout of e's later calls (ms, > 0); for a client one
 * thread owns (ha_lease.c sets it per keepalive). */
void etcd_set_timeout(struct etcd *e, long timeout_ms);

/* Get one key.  Returns 1 found (kv filled; free with etcd_kv_clear),
 * 0 absent, -1 error. */
int etcd_get(struct etcd *e, const char *key, struct etcd_kv *kv, char *err);
/* All keys under prefix, sorted by key.  *kvs is an array of *n entries;
 * free with etcd_kvs_free.  0 or -1. */
int etcd_list(struct etcd *e, const char *prefix, struct etcd_kv **kvs,
    size_t *n, char *err);
/* Put key = val (NUL-terminated), attached to lease (0 = none).  0 or -1. */
int etcd_put(struct etcd *e, const char *key, const char *val, int64_t lease,
    char *err);
/* Put only if the key does not exist.  1 created, 0 existed, -1 error. */
int etcd_create(struct etcd *e, const char *key, const char *val,
    int64_t lease, char *err);
/* Put only if the key's mod revision is still mod_rev.  1 done, 0 the key
 * changed meanwhile, -1 error. */
int etcd_cas(struct etcd *e, const char *key, const char *val,
    int64_t mod_rev, char *err);
/* Delete key (or every key under it when prefix is set).  Returns the
 * number deleted, or -1. */
int etcd_delete(struct etcd *e, const char *key, int prefix, char *err);
/* Delete key only if its mod revision is mod_rev: 1 deleted, 0 not, -1. */
int etcd_delete_if(struct etcd *e, const char *key, int64_t mod_rev,
    char *err);

/* Leases: grant one of ttl seconds; refresh (returns the new TTL, 0 when
 * the lease has expired); revoke.  0/-1 unless said otherwise. */
int etcd_lease_grant(struct etcd *e, int ttl, int64_t *id, char *err);
int64_t etcd_lease_keepalive(struct etcd *e, int64_t id, char *err);
int etcd_lease_revoke(struct etcd *e, int64_t id, char *err);

/* Cluster membership.  member_add adds an unstarted member with one peer
 * URL and returns the member list after the change. */
int etcd_member_add(struct etcd *e, const char *peer_url,
    struct etcd_member **members, size_t *n, uint64_t *new_id, char *err);
int etcd_member_list(struct etcd *e, struct etcd_member **members, size_t *n,
    char *err);
int etcd_member_remove(struct etcd *e, uint64_t id, char *err);
/* 0 when the member answers and the cluster has a leader. */
int etcd_health(struct etcd *e, char *err);

void etcd_kv_clear(struct etcd_kv *kv);
void etcd_kvs_free(struct etcd_kv *kvs, size_t n);

/* --- encoding, exported for tests --- */

/* Standard base64 (with padding).  Returns a malloc'd string. */
char *etcd_b64_encode(const void *data, size_t len);
/* Decode; returns a malloc'd NUL-terminated buffer and *len, or NULL when
 * the input is not valid base64. */
char *etcd_b64_decode(const char *s, size_t *len);
/* The range end that selects every key starting with prefix (prefix with
 * its last byte incremented); malloc'd, or NULL for an empty prefix. */
char *etcd_prefix_end(const char *prefix, size_t *len);
/* Request bodies. */
cJSON *etcd_req_put(const char *key, const char *val, int64_t lease);
cJSON *etcd_req_range(const char *key, int prefix);
/* Parse a range answer into kvs.  0 or -1 with err naming the member. */
int etcd_parse_range(const cJSON *resp, struct etcd_kv **kvs, size_t *n,
    char *err);

#endif
