/*
 * proxmox_api.h - the Proxmox VE REST API (/api2/json) as the proxmox
 * driver speaks it: requests with form-encoded parameters, the answer's
 * "data", Proxmox's errors ("errors": {PARAM: REASON}) as one sentence,
 * an API token or a ticket with its CSRF token, TLS verified against a CA
 * file or a pinned certificate fingerprint (what pvesh's --fingerprint
 * and the GUI's node certificate page show).  And the pure readers of
 * what the API answers: UPIDs and the lines of a migration's task log.
 */
#ifndef HV_PROXMOX_API_H
#define HV_PROXMOX_API_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct pve_api;

struct pve_api_opts {
	const char *pa_url;		/* "https://pve1.example.org:8006" */
	const char *pa_token;		/* "USER@REALM!ID=SECRET", or NULL */
	const char *pa_user;		/* ticket login: "root@pam" */
	const char *pa_password;
	const char *pa_ca_file;		/* PEM CA, or NULL */
	const char *pa_fingerprint;	/* "AB:CD:..." SHA-256 of the node's
					 * certificate, or NULL */
	long pa_timeout_ms;		/* 0 = 60 s */
};

/* One request parameter; a list ends with pp_name NULL, and one whose
 * pp_value is NULL is not sent. */
struct pve_param {
	const char *pp_name;
	const char *pp_value;
};

/* A client; strings are copied.  NULL with err. */
struct pve_api *pve_api_new(const struct pve_api_opts *o, char *err);
void pve_api_free(struct pve_api *a);

/*
 * METHOD PATH (under /api2/json, path segments already escaped) with
 * params (may be NULL): in the query of a GET or DELETE, the form body
 * of a POST or PUT.  0 with *data the answer's "data" member (caller
 * frees; data may be NULL), or -1 with err "POST /nodes/pve1/qemu: 400
 * Parameter verification failed. (vmid: type check ('integer') failed)".
 * A ticket login happens first when no token is set.
 */
int pve_api_call(struct pve_api *a, const char *method, const char *path,
    const struct pve_param *params, cJSON **data, char *err);

/* How many requests went out (ticket logins included). */
unsigned long pve_api_calls(const struct pve_api *a);

/* A task id: "UPID:NODE:PID:PSTART:STARTTIME:TYPE:ID:USER:". */
struct pve_upid {
	char u_node[64];
	char u_type[32];		/* "qmigrate", "qmstart", "vzdump" */
	char u_id[64];			/* "100", or "" */
	char u_user[64];
	uint64_t u_starttime;		/* s since the epoch */
};

/* Parse a UPID.  0, or -1 with err naming what is wrong.  Pure. */
int pve_upid_parse(const char *s, struct pve_upid *u, char *err);

/*
 * A migration task log's line "... average migration speed: 128.0
 * MiB/s - downtime 57 ms" -> 57 into *ms.  1 when the line says it, 0
 * when not.  Pure.
 */
int pve_tasklog_downtime(const char *line, double *ms);

/*
 * A vzdump task log's line "INFO: creating vzdump archive
 * '/mnt/pve/ST/dump/vzdump-qemu-100-....vma.zst'" -> its file name
 * ("vzdump-qemu-100-....vma.zst") into name.  1 found, 0 not.  Pure.
 */
int pve_tasklog_archive(const char *line, char *name, size_t len);

#endif
