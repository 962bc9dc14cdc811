/*
 * config.h - hvd's configuration file, /etc/hvd/hvd.conf.
 *
 * The format is one "key = value" per line; '#' starts a comment; blank
 * lines are ignored.  Unknown keys, bad values and duplicate keys are errors
 * that name the file and line; every error is reported before failing.
 * docs/hvd.md documents the keys.  Every path can be moved (a test runs hvd
 * in a temp dir by pointing state_dir, run_dir and tls_dir elsewhere).
 */
#ifndef HVD_CONFIG_H
#define HVD_CONFIG_H

#include <stdio.h>

#define HVD_CONF_PATH "/etc/hvd/hvd.conf"
#define HVD_NAME_MAX 64
#define HVD_PATH_MAX 512

struct hvd_config {
	char	cf_path[HVD_PATH_MAX];	/* file read, "" for defaults */
	char	cf_node[HVD_NAME_MAX];	/* node name (default: hostname) */
	char	cf_address[64];		/* management IPv4 address */
	int	cf_api_port;		/* HTTPS API, 8006 */
	int	cf_etcd_client_port;	/* etcd client, on 127.0.0.1, 2379 */
	int	cf_etcd_peer_port;	/* etcd peers, on address, 2380 */
	char	cf_state_dir[HVD_PATH_MAX];	/* /var/lib/hvd */
	char	cf_tls_dir[HVD_PATH_MAX];	/* /etc/hvd/tls */
	char	cf_run_dir[HVD_PATH_MAX];	/* /run/hvd */
	char	cf_socket[HVD_PATH_MAX];	/* unix socket, run_dir/hvd.sock */
	char	cf_etcd_bin[HVD_PATH_MAX];	/* "etcd" */
	char	cf_qemu_bin[HVD_PATH_MAX];	/* "qemu-system-x86_64" */
	char	cf_log_file[HVD_PATH_MAX];	/* "" = stderr */
	int	cf_lease_ttl;		/* node liveness lease, seconds */
	long	cf_max_body;		/* request body limit, bytes */
	char	cf_ovs_bridge[HVD_NAME_MAX];	/* host OVS bridge, "vmbr0" */
	char	cf_ovs_db[HVD_PATH_MAX];	/* ovsdb socket, "" = default */
	char	cf_vm_dir[HVD_PATH_MAX];	/* VM run dirs, run_dir/vms */
	char	cf_role[16];		/* "node" or "witness" */
	int	cf_witness;		/* role is "witness" (config_finish) */
	char	cf_accel[8];		/* "auto" (default), "kvm", "tcg" */
	char	cf_image_dirs[1024];	/* where kernels/initrds may be */
	char	cf_pool_dirs[1024];	/* where dir pools may be */
	char	cf_fence_reset[8];	/* "reboot" (default) or "off": what
					 * the watchdog does when a fenced
					 * QEMU survives SIGKILL */
	char	cf_import_dirs[1024];	/* where images to import may be */
	char	cf_export_dirs[1024];	/* where VMs may be exported to */
	/* Decided at start from cf_accel (common/accel.h), not read: */
	char	cf_accel_used[8];	/* "kvm" or "tcg" */
	char	cf_accel_reason[384];	/* why, one sentence */
};

/* Fill c with the defaults (hostname as node name, standard paths). */
void config_defaults(struct hvd_config *c);

/*
 * Read PATH over the defaults already in c.  Returns 0, or -1 with err
 * holding the first error ("hvd.conf:3: unknown key 'adress'") after all
 * errors were logged through log_warnx.  A missing file is an error unless
 * missing_ok is set (then c keeps its defaults and 0 is returned).
 */
int config_load(struct hvd_config *c, const char *path, int missing_ok,
    char *err);
/* Same from a string (for tests); name is used in messages. */
int config_parse(struct hvd_config *c, const char *name, const char *text,
    char *err);
/* Derive dependent paths (socket in run_dir when not set); check values
 * that depend on each other.  Called by config_load/parse. */
int config_finish(struct hvd_config *c, char *err);
/* Print the effective configuration in the file's own format. */
void config_print(const struct hvd_config *c, FILE *f);

#endif
