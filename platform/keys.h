/*
 * keys.h - hvd's etcd key schema: every key and key prefix hvd keeps in
 * etcd, in one place, so that two modules that meet on a key (vmops and
 * the HA manager on a VM's record, the cluster and the HA manager on a
 * node's liveness) spell it alike.  A prefix ends in '/' and is followed
 * by a name (NAME, VM, NODE, POOL/...); the values are JSON and are
 * described by the header of the module that writes them (named below).
 */
#ifndef HVD_KEYS_H
#define HVD_KEYS_H

/* cluster.h: the cluster record, nodes and their liveness (NODE attached
 * to the node's lease), and the quorum witness.  The CA key is in no key:
 * it stays in a file on each node (cluster.h). */
#define KEY_CLUSTER		"/hvd/cluster"
#define KEY_NODES		"/hvd/nodes/"		/* NODE */
#define KEY_ALIVE		"/hvd/alive/"		/* NODE */
#define KEY_WITNESSES		"/hvd/witnesses/"	/* NAME */
#define KEY_WITNESS_ALIVE	"/hvd/witness-alive/"	/* NAME */

/* auth.h: API tokens (hashed), by token id. */
#define KEY_TOKENS		"/hvd/tokens/"		/* ID */

/* task.h: task records, by task id. */
#define KEY_TASKS		"/hvd/tasks/"		/* ID */

/* pool.h: pools, their volumes and the LUNs volumes claim. */
#define KEY_POOLS		"/hvd/pools/"		/* POOL */
#define KEY_VOLUMES		"/hvd/volumes/"		/* POOL/VOLUME */
#define KEY_LUNS		"/hvd/luns/"		/* POOL/N */

/* vmops.h: VM records, their run state (written by the owner node), the
 * operation queue of each node, and locks: every lock lives under
 * KEY_LOCKS (stale ones are released by one sweep of that prefix). */
#define KEY_VMS			"/hvd/vms/"		/* VM */
#define KEY_VMSTATE		"/hvd/vmstate/"		/* VM */
#define KEY_QUEUE		"/hvd/queue/"		/* NODE/TASKID */
#define KEY_LOCKS		"/hvd/locks/"
#define KEY_VM_LOCKS		KEY_LOCKS "vms/"	/* VM */
#define KEY_NET_LOCKS		KEY_LOCKS "net/"	/* NODE */

/* snapshot.h: a VM's snapshots, and the snapshot its disks are at now
 * (the parent of the next one). */
#define KEY_SNAPSHOTS		"/hvd/snapshots/"	/* VM/SNAP */
#define KEY_SNAP_HEADS		"/hvd/snaphead/"	/* VM */

/* backup.h: backup stores, which backup a VM's dirty bitmaps count
 * from, and backup schedules. */
#define KEY_BACKUP_STORES	"/hvd/backup-stores/"	/* STORE */
#define KEY_BACKUP_HEADS	"/hvd/backup-heads/"	/* VM */
#define KEY_BACKUP_JOBS		"/hvd/backup-jobs/"	/* JOB */

/* ha.h: HA settings, HA leases, the manager's seat, resources, groups and
 * the manager's status record of each resource. */
#define KEY_HA_SETTINGS		"/hvd/ha/settings"
#define KEY_HA_ALIVE		"/hvd/ha/alive/"	/* NODE */
#define KEY_HA_MANAGER		"/hvd/ha/manager"
#define KEY_HA_RESOURCES	"/hvd/ha/resources/"	/* VM */
#define KEY_HA_GROUPS		"/hvd/ha/groups/"	/* GROUP */
#define KEY_HA_STATUS		"/hvd/ha/status/"	/* VM */
/* The HA VMs a node's watchdog was last fed with, written after the feed
 * (the manager recovers from a lost node only the VMs listed there). */
#define KEY_HA_FED		"/hvd/ha/fed/"		/* NODE */

/* balance.h: the balancer's settings, rules, nodes in maintenance, each
 * node's load summary and the manager's last round. */
#define KEY_BAL_SETTINGS	"/hvd/balance/settings"
#define KEY_BAL_RULES		"/hvd/balance/rules/"	/* RULE */
#define KEY_BAL_MAINT		"/hvd/balance/maintenance/" /* NODE */
#define KEY_BAL_LOAD		"/hvd/balance/load/"	/* NODE */
#define KEY_BAL_STATUS		"/hvd/balance/status"
/* bmcfence.h: where each node's BMC answers and its credentials, for the
 * HA manager's power fencing. */
#define KEY_BMC			"/hvd/bmc/"		/* NODE */

#endif
