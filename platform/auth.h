/*
 * auth.h - API tokens and roles.
 *
 * A token reads "hvd.ID.SECRET" (ID 16 hex digits, SECRET 64 hex digits
 * from the GnuTLS key RNG).  Only SHA-256 of the whole token is stored, in
 * etcd under /hvd/tokens/ID, with its role.  Roles: admin (everything),
 * operator (VMs, pools, networks, tasks; not tokens or cluster
 * membership or HA settings), audit (read-only: GET only).
 */
#ifndef HVD_AUTH_H
#define HVD_AUTH_H

#include <stddef.h>

struct etcd;

enum auth_role {
	AUTH_NONE = 0,
	AUTH_AUDIT,
	AUTH_OPERATOR,
	AUTH_ADMIN,
};

#define AUTH_ID_LEN	16		/* hex digits */
#define AUTH_SECRET_LEN	64		/* hex digits */
#define AUTH_TOKEN_LEN	(4 + AUTH_ID_LEN + 1 + AUTH_SECRET_LEN + 1)
#define AUTH_HASH_LEN	65		/* hex SHA-256 + NUL */

const char *auth_role_name(enum auth_role r);
/* "admin"|"operator"|"audit" -> role, AUTH_NONE when unknown. */
enum auth_role auth_role_parse(const char *s);

/* Hex SHA-256 of s into out (AUTH_HASH_LEN bytes).  0 or -1. */
int auth_hash(const char *s, char out[AUTH_HASH_LEN], char *err);
/* Make a fresh token and its id.  0 or -1. */
int auth_token_new(char token[AUTH_TOKEN_LEN], char id[AUTH_ID_LEN + 1],
    char *err);
/* Check the token's form and copy its id out.  0 or -1 with err. */
int auth_token_id(const char *token, char id[AUTH_ID_LEN + 1], char *err);
/* 1 when token hashes to hash (constant-time compare), else 0. */
int auth_token_matches(const char *token, const char *hash);

/*
 * May role do METHOD on PATH?  Returns 1 or 0.  GET and HEAD need audit;
 * writes need operator; writes under /api/v1/tokens, /api/v1/cluster,
 * /api/v1/ha/settings and to /api/v1/nodes/NODE/bmc need admin.
 */
int auth_allowed(enum auth_role role, const char *method, const char *path);

/* Create a token of role, store it, return it in token.  0/-1. */
int auth_create(struct etcd *e, enum auth_role role, const char *comment,
    char token[AUTH_TOKEN_LEN], char id[AUTH_ID_LEN + 1], char *err);
/* Look a presented token up.  Returns 1 valid (*role set), 0 invalid
 * (unknown id, bad form, wrong secret), -1 when etcd could not answer. */
int auth_check(struct etcd *e, const char *token, enum auth_role *role,
    char *err);

#endif
