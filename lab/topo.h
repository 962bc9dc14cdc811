/*
 * topo.h - the lab topology: what `lab:` in scenarios.yaml describes, and
 * the deterministic address plan derived from it.
 *
 * The loader is pure (no I/O besides reading the file) so unit tests link
 * it without root.  See docs/lab.md for the format and the address plan.
 */
#ifndef HV_LAB_TOPO_H
#define HV_LAB_TOPO_H

#include <stdint.h>
#include <stdio.h>

#define TOPO_LAB_NAME_MAX 16	/* [a-z][a-z0-9]*, no '-' (it is the separator) */
#define TOPO_HOST_NAME_MAX 10	/* "<host>-ethN" must fit IFNAMSIZ (15) */
#define TOPO_MAX_HOSTS 32
#define TOPO_MAX_NICS 4
#define TOPO_MAX_VLANS 4	/* one /24 of the lab's /22 each */
#define TOPO_MAX_LUNS 16
#define TOPO_MAX_PATH 512

/* The lab's block: 198.18.0.0/15 cut into 128 blocks of /22. */
#define TOPO_RANGE_BASE 0xC6120000u	/* 198.18.0.0 */
#define TOPO_RANGE_BLOCKS 128
#define TOPO_BLOCK_SIZE 1024u
#define TOPO_HOST_ADDR0 11	/* host i gets .11+i */
#define TOPO_SAN_ADDR 250
#define TOPO_STATION_ADDR 254
#define TOPO_BMC_ADDR0 51	/* host i's BMC: .51+i of the management VLAN */
#define TOPO_BMC_USER_MAX 32
#define TOPO_BMC_PASS_MAX 64

enum topo_bond {
	TOPO_BOND_NONE = 0,
	TOPO_BOND_ACTIVE_BACKUP,
	TOPO_BOND_BALANCE_SLB,
	TOPO_BOND_BALANCE_TCP,
};

enum topo_role { TOPO_ROLE_VM = 0, TOPO_ROLE_MANAGEMENT, TOPO_ROLE_STORAGE };

enum topo_port_mode { TOPO_PORT_TRUNK = 0, TOPO_PORT_ACCESS };

struct topo_vlan {
	int v_id;			/* 1..4094 */
	char v_name[32];
	enum topo_role v_role;
	uint32_t v_net;			/* network address of its /24, host order */
};

struct topo_host {
	char h_name[TOPO_HOST_NAME_MAX + 1];
	int h_line;
	int h_nics;			/* 1..TOPO_MAX_NICS */
	enum topo_bond h_bond;		/* NONE when h_nics == 1 */
	int h_lacp;			/* 1: LACP on host bond and switch side */
	int h_mgmt_vlan;		/* VLAN id of the management address */
	int h_storage_vlan;		/* VLAN id of the storage address, 0 = none */
	enum topo_port_mode h_mode;	/* switch ports toward this host */
	int h_trunks[TOPO_MAX_VLANS];	/* VLANs carried (trunk) */
	int h_ntrunks;
	uint64_t h_rate_kbit;		/* rate cap per cable end, 0 = none */
	uint32_t h_mgmt_addr;		/* host order */
	uint32_t h_storage_addr;	/* 0 = none */
	uint32_t h_bmc_addr;		/* its BMC's, 0 = no BMCs */
};

struct topo_lun {
	uint64_t l_size;		/* bytes */
};

struct topo_san {
	int s_present;
	int s_vlan;			/* access VLAN of the SAN port */
	uint32_t s_addr;		/* portal address, host order */
	char s_iqn[128];
	struct topo_lun s_luns[TOPO_MAX_LUNS];
	int s_nluns;
	int s_witness;			/* `witness: true`: a quorum witness box */
	uint32_t s_mgmt_addr;		/* its management address (witness) */
	int s_mgmt_vlan;		/* and VLAN (witness) */
};

/* `bmc:`: a Redfish management controller per host (lab/bmcd.c). */
struct topo_bmc {
	int b_present;
	char b_user[TOPO_BMC_USER_MAX + 1];	/* default "admin" */
	char b_password[TOPO_BMC_PASS_MAX + 1];	/* "" = generated at up */
	int b_vlan;				/* the management VLAN */
};

struct topo_station {
	int st_present;
	int st_vlan;
	uint32_t st_addr;
};

struct topo {
	char t_file[TOPO_MAX_PATH];
	char t_name[TOPO_LAB_NAME_MAX + 1];
	uint32_t t_base;		/* the lab's /22, host order */
	int t_subnet_given;		/* 1 when `subnet:` set it */
	struct topo_vlan t_vlans[TOPO_MAX_VLANS];
	int t_nvlans;
	struct topo_host t_hosts[TOPO_MAX_HOSTS];
	int t_nhosts;
	struct topo_san t_san;
	struct topo_station t_station;
	struct topo_bmc t_bmc;
	char t_accel[8];		/* `accel:` auto (default), kvm, tcg */
	int t_ssh;			/* `ssh: true`: sshd in each host */
	char t_provider[16];		/* `provider:` netns (default), remote */
};

/*
 * Load the `lab:` section of the YAML file PATH into t (other top-level keys
 * are ignored), check it and compute the address plan.  name_override (may
 * be NULL) replaces lab.name before the plan is made.  Every error is
 * printed to errf ("FILE:LINE: message", errf may be NULL); err gets the
 * first one and the count.  Returns 0 or -1.
 */
int topo_load(const char *path, const char *name_override, struct topo *t,
    FILE *errf, char *err);

/* Check a lab name ([a-z][a-z0-9]{0,15}); 0 or -1 with err. */
int topo_check_name(const char *name, char *err);

/* The default /22 of a lab name (FNV-1a of the name modulo 128 blocks). */
uint32_t topo_default_base(const char *name);

/* Find a host by name; NULL when absent. */
const struct topo_host *topo_host_find(const struct topo *t, const char *name);
/* Find a VLAN by id; NULL when absent. */
const struct topo_vlan *topo_vlan_find(const struct topo *t, int id);

/* Dotted quad of a host-order address into buf (16 bytes). */
void topo_addr_str(uint32_t addr, char *buf, size_t len);

const char *topo_bond_name(enum topo_bond b);

/* Parse "512M", "1G", "4096" (bytes; K M G T binary).  0 or -1. */
int topo_parse_size(const char *s, uint64_t *out);
/* Parse "100mbit", "1gbit", "500kbit" into kbit/s.  0 or -1. */
int topo_parse_rate(const char *s, uint64_t *kbit);

#endif
