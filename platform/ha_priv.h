/*
 * ha_priv.h - what the parts of hvd's HA share, and nothing outside them
 * includes: the HA object both threads work on (ha.c makes it), the
 * names of the HA states, one look at the cluster's HA keys (the manager
 * decides on it, GET /api/v1/ha shows it), and the entry points of the
 * lease thread (ha_lease.c) and the manager thread (ha_manager.c), and
 * the load balancer's round, which the manager runs (balance_run.c).
 */
#ifndef HVD_HA_PRIV_H
#define HVD_HA_PRIV_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "platform/config.h"
#include "platform/etcd.h"
#include "platform/ha.h"

#define HA_MAX_NAMES	256
#define HA_NAME		64
#define HA_LOG_MAX	40

/*
 * The states of an HA resource: what its record asks for (started,
 * stopped, disabled) and what the manager's status record says it is.
 * Names as they are stored in etcd: ha_state_names[] in ha.c.
 */
enum ha_state {
	HA_ST_NONE,		/* no status record yet ("") */
	HA_ST_STARTED,
	HA_ST_STOPPED,
	HA_ST_DISABLED,
	HA_ST_STARTING,		/* a start is queued on the owner */
	HA_ST_STOPPING,		/* a stop is queued on the owner */
	HA_ST_FENCE,		/* the owner lost its lease: fence wait */
	HA_ST_RECOVERING,	/* claimed, moved, started elsewhere */
	HA_ST_ERROR,
	HA_ST_UNKNOWN,		/* a name this hvd does not know */
};

/* The state named name ("" is HA_ST_NONE, an unknown name
 * HA_ST_UNKNOWN). */
enum ha_state ha_state_of(const char *name);
/* The stored name of s. */
const char *ha_state_name(enum ha_state s);

struct ha_mem {			/* manager memory, per node or resource */
	char	 m_name[HA_NAME];
	uint64_t m_first;	/* mono ns of the first look */
	int64_t	 m_rev;		/* for resources: the status revision */
	/* for a lost node, its fence through its BMC (fencing bmc|both): */
	int	 m_bmc_off;	/* its BMC said Off */
	int	 m_bmc_tries;
	uint64_t m_bmc_next;	/* mono ns of the next try */
	char	 m_bmc_why[200];	/* why the last try failed */
};

struct ha {
	struct hvd_config	 h_cf;
	struct cluster		*h_cl;
	struct vmops		*h_v;
	pthread_t		 h_lease_th, h_aux_th, h_mgr_th;
	int			 h_lease_started, h_aux_started;
	int			 h_mgr_started;
	pthread_mutex_t		 h_mu;
	pthread_mutex_t		 h_pub_mu;	/* orders KEY_HA_FED writes */
	int			 h_stop;	/* under h_mu */
	int64_t			 h_lease;	/* under h_mu */
	struct ha_settings	 h_set;		/* under h_mu */
	int			 h_set_read;	/* h_set was read once, under h_mu */
	/* The feed's contents, under h_mu (the lease thread and the start
	 * guard, which runs in VM tasks, both write the feed): */
	char			 h_vms[HA_MAX_NAMES][HA_NAME];
	int			 h_nvms;
	unsigned		 h_names_gen;	/* +1 per name the guard adds */
	char			 h_fed_pub[HA_MAX_NAMES * (HA_NAME + 3)];
					/* KEY_HA_FED as last written */
	uint64_t		 h_fed_ns;	/* last renewal sent, 0: none */
	double			 h_fed_fence_s;
	char			 h_feed[PATH_MAX];
	char			 h_wd_pid[PATH_MAX];
	char			 h_wd_log[PATH_MAX];
	char			 h_wd_bin[PATH_MAX];
	pthread_mutex_t		 h_bal_mu;	/* held around a round */
	struct balancer		*h_bal;		/* under h_bal_mu */
	/* manager thread only */
	int			 h_leader;
	struct ha_mem		 h_dead[HA_MAX_NAMES];
	int			 h_ndead;
	struct ha_mem		 h_stuck[HA_MAX_NAMES];
	int			 h_nstuck;
};

/* 1 once ha_free asked the threads to stop. */
int ha_stopping(struct ha *h);
/* Sleep ms in short steps; 1 when asked to stop. */
int ha_nap(struct ha *h, long ms);

/* Settings from etcd into *s (defaults when absent); 0, or -1 + err
 * with *s left as it was. */
int ha_settings_load(struct etcd *e, struct ha_settings *s, char *err);
/* s as the JSON object GET /api/v1/ha/settings answers; caller frees. */
cJSON *ha_settings_json(const struct ha_settings *s);

/* One look at the cluster: every key the manager decides on. */
struct ha_snap {
	struct etcd_kv	*alive, *nalive, *res, *vms, *vst, *st, *grp,
			*locks, *fed;
	size_t		 nalive_n, alive_n, res_n, vms_n, vst_n, st_n, grp_n,
			 locks_n, fed_n;
};

/* Take a look: 0, or -1 + err (nothing to free then). */
int ha_snap_take(struct etcd *e, struct ha_snap *s, char *err);
void ha_snap_free(struct ha_snap *s);
/* The kv of prefix+name among kvs, or NULL. */
struct etcd_kv *ha_kv_find(struct etcd_kv *kvs, size_t n, const char *prefix,
    const char *name);
/* kv's value parsed (NULL when kv is NULL or not JSON); caller frees. */
cJSON *ha_kv_json(const struct etcd_kv *kv);
/* o's string member key, or def. */
const char *ha_jstr(const cJSON *o, const char *key, const char *def);
/* o's number member key, or def. */
int ha_jint(const cJSON *o, const char *key, int def);
/* 1 when node holds its HA lease in the look s. */
int ha_node_alive(const struct ha_snap *s, const char *node);
/* 1 when node's watchdog was fed with vm (KEY_HA_FED) in the look s. */
int ha_node_guarded(const struct ha_snap *s, const char *node,
    const char *vm);

/* ha_lease.c: the lease thread, which only grants and renews, and its
 * companion, which reads the settings and the feed's names and publishes
 * them (arg is the struct ha). */
void *ha_lease_main(void *arg);
void *ha_aux_main(void *arg);
/* ha_lease.c: vmops' start hook (vmops_start_hook; arg is the struct
 * ha): 0 when vm may start here, else -1 + err. */
int ha_start_guard(void *arg, const char *vm, char *err);
/* balance_run.c: one balancer round, when interval_s has passed since
 * the last, on the manager's look s. */
void balance_round(struct balancer *b, struct etcd *e,
    const struct ha_snap *s);
/* ha_manager.c: the manager thread (arg is the struct ha). */
void *ha_manager_main(void *arg);

#endif
