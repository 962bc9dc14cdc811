/*
 * bmc.h - the Redfish subset a lab host's management controller answers
 * (lab/bmc.c): service root, the Systems collection, the host's
 * ComputerSystem with its PowerState, and ComputerSystem.Reset.  Pure:
 * a request in, the answer and the power action to take out; the daemon
 * (lab/bmcd.c) does the I/O and the action.
 */
#ifndef HV_LAB_BMC_H
#define HV_LAB_BMC_H

#include <stdarg.h>
#include <stddef.h>

#define BMC_BODY_MAX 1024	/* a Reset body is ~30 bytes */
#define BMC_PATH_MAX 256

enum bmc_action {
	BMC_ACT_NONE = 0,
	BMC_ACT_ON,		/* power on */
	BMC_ACT_OFF,		/* power pull */
	BMC_ACT_RESTART,	/* power pull, then on */
	BMC_ACT_SHUTDOWN,	/* the host's clean stop */
};

/* What the BMC knows: its credentials and the one system it manages. */
struct bmc_sys {
	const char *bs_user;
	const char *bs_password;
	const char *bs_id;	/* the host's name: /redfish/v1/Systems/ID */
	int bs_on;		/* its power state now */
};

struct bmc_req {
	const char *br_method;
	const char *br_path;
	const char *br_user;	/* Basic auth; NULL when none was sent */
	const char *br_password;
	const char *br_body;	/* may be NULL */
	size_t br_len;
};

struct bmc_resp {
	int bp_status;		/* HTTP status */
	char *bp_body;		/* JSON (malloc'd; caller frees), or NULL */
	enum bmc_action bp_action;	/* to do before answering */
	const char *bp_reset;	/* the ResetType asked, for the log */
};

/*
 * Answer r for system s into out.  Every path needs the credentials
 * (401 otherwise); unknown paths and systems are 404, other methods
 * 405, a Reset with a bad body or an unsupported ResetType 400, each
 * with a Redfish error body.  A Reset to the state the system is in
 * already is 204 with no action.  Returns 0, or -1 out of memory.
 */
int bmc_handle(const struct bmc_sys *s, const struct bmc_req *r,
    struct bmc_resp *out);

/* A Redfish error body (malloc'd; NULL out of memory) for status, its
 * message made from fmt and ap. */
char *bmc_error_vbody(int status, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* The ResetType names and their actions; NULL/BMC_ACT_NONE when unknown. */
enum bmc_action bmc_reset_action(const char *type);

#endif
