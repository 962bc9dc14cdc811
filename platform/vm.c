/*
 * vm.c - VM configuration, QEMU command line, and QEMU process life
 * (see vm.h).
 *
 * QEMU is started detached (proc.h: a double fork, its own session) and
 * is set up once its QMP greets (its log says why when it ends first); it
 * lives on in its own session, so hvd can die and come back.  Not
 * -daemonize: its fork and setsid are what QEMU's seccomp filter forbids.
 * The pid file QEMU writes and /proc/PID/cmdline are how a restarted hvd
 * knows the process is still the one it started (pids get reused).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "json.h"
#include "platform/confine.h"
#include "platform/netcfg.h"
#include "proc.h"
#include "platform/vm.h"

#define QEMU_START_TIMEOUT_MS 60000
#define QMP_CONNECT_TIMEOUT_MS 10000
#define QMP_CMD_TIMEOUT_MS 10000
#define QMP_START_POLL_MS 1000	/* one try at a starting QEMU's greeting */

static const char *const cache_modes[] = { "none", "directsync",
	"writeback", "writethrough", "unsafe", NULL };
static const char *const formats[] = { "qcow2", "raw", NULL };
static const char *const machines[] = { "q35", "pc", "microvm", NULL };

static int
in_list(const char *s, const char *const list[])
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* Defaults for an empty config: vcpus 1, 128 MiB, q35. */
static void
vm_config_init(struct vm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->memory_mib = 128;
	snprintf(c->machine, sizeof(c->machine), "q35");
}

static int
name_valid(const char *s, size_t max)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ||
		    (i > 0 && (ch == '_' || ch == '.' || ch == '-'))))
			return 0;
	}
	return 1;
}

/* No control characters (they would end up in argv and logs). */
static int
text_clean(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
mac_valid(const char *m)
{
	unsigned int b[6];
	char tail;

	if (strlen(m) != 17 || sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0],
	    &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return 0;
	/* unicast only */
	return (b[0] & 1) == 0;
}

/* disks[i]: names, format, cache mode, path, not given twice. */
static int
disk_check(const struct vm_config *c, int i, char *err)
{
	const struct vm_disk *d = &c->disks[i];
	int j;

	if (!name_valid(d->pool, sizeof(d->pool) - 1))
		return err_set(err, "disks[%d].pool: '%s' is not a valid pool "
		    "name", i, d->pool);
	if (!name_valid(d->volume, sizeof(d->volume) - 1))
		return err_set(err, "disks[%d].volume: '%s' is not a valid "
		    "volume name", i, d->volume);
	if (!in_list(d->format, formats))
		return err_set(err, "disks[%d].format: '%s' is not one of "
		    "qcow2, raw", i, d->format);
	if (!in_list(d->cache, cache_modes))
		return err_set(err, "disks[%d].cache: '%s' is not one of none, "
		    "directsync, writeback, writethrough, unsafe", i,
		    d->cache);
	if (!text_clean(d->path))
		return err_set(err, "disks[%d].path: control characters are "
		    "not allowed", i);
	if (d->path[0] != '\0' && d->path[0] != '/' &&
	    strncmp(d->path, "iscsi://", 8) != 0)
		return err_set(err, "disks[%d].path: '%s' must be an absolute "
		    "path or an iscsi:// URI", i, d->path);
	for (j = 0; j < i; j++)
		if (strcmp(c->disks[j].pool, d->pool) == 0 &&
		    strcmp(c->disks[j].volume, d->volume) == 0)
			return err_set(err, "disks[%d]: volume %s/%s is "
			    "already disks[%d]", i, d->pool, d->volume, j);
	return 0;
}

/* nics[i]: VLAN, MAC (not given twice), model (confine.h's list). */
static int
nic_check(const struct vm_config *c, int i, char *err)
{
	const struct vm_nic *n = &c->nics[i];
	const char *const *models = confine_nic_models(c->machine);
	char list[128];
	int j;

	if (!netcfg_vlan_valid(n->vlan))
		return err_set(err, "nics[%d].vlan: %d is not in 0..4094", i,
		    n->vlan);
	if (n->mac[0] != '\0' && !mac_valid(n->mac))
		return err_set(err, "nics[%d].mac: '%s' is not a unicast MAC "
		    "like 52:54:00:12:34:56", i, n->mac);
	if (n->model[0] != '\0' && !in_list(n->model, models)) {
		confine_list_join(models, list, sizeof(list));
		return err_set(err, "nics[%d].model: '%s' is not one of %s%s",
		    i, n->model, list, strcmp(c->machine, "microvm") == 0 ?
		    " (on microvm)" : "");
	}
	for (j = 0; j < i; j++)
		if (n->mac[0] != '\0' &&
		    strcasecmp(c->nics[j].mac, n->mac) == 0)
			return err_set(err, "nics[%d].mac: %s is also "
			    "nics[%d]'s", i, n->mac, j);
	return 0;
}

/*
 * Check a config: name, ranges, formats, cache modes, CPU and NIC models
 * from their lists, MACs, VLANs, paths without control characters, at
 * least one boot source (kernel or a disk).  Where host paths may point
 * is the caller's check (confine.h: it needs hvd.conf).
 * Returns 0 or -1 with err naming the field ("disks[1].cache: 'fast' is
 * not one of none, directsync, writeback, writethrough, unsafe").
 */
static int
vm_config_check(const struct vm_config *c, char *err)
{
	char list[320];
	int i;

	if (!name_valid(c->name, VM_NAME_MAX))
		return err_set(err, "name: '%s' must be 1 to %d characters of "
		    "A-Z a-z 0-9 _ . - starting with a letter or digit",
		    c->name, VM_NAME_MAX);
	if (c->vcpus < 1 || c->vcpus > 64)
		return err_set(err, "vcpus: %d is not in 1..64", c->vcpus);
	if (c->memory_mib < 16 || c->memory_mib > 1048576)
		return err_set(err, "memory_mib: %d is not in 16..1048576",
		    c->memory_mib);
	if (!in_list(c->machine, machines))
		return err_set(err, "machine: '%s' is not one of q35, pc, "
		    "microvm", c->machine);
	if (c->cpu[0] != '\0' && !in_list(c->cpu, confine_cpu_models)) {
		confine_list_join(confine_cpu_models, list, sizeof(list));
		return err_set(err, "cpu: '%s' is not one of %s (no "
		    "properties)", c->cpu, list);
	}
	if (!text_clean(c->kernel) || !text_clean(c->initrd) ||
	    !text_clean(c->cmdline))
		return err_set(err, "kernel/initrd/cmdline: control "
		    "characters are not allowed");
	if (c->kernel[0] != '\0' && c->kernel[0] != '/')
		return err_set(err, "kernel: '%s' must be an absolute path",
		    c->kernel);
	if (c->initrd[0] != '\0' && c->initrd[0] != '/')
		return err_set(err, "initrd: '%s' must be an absolute path",
		    c->initrd);
	if (c->initrd[0] != '\0' && c->kernel[0] == '\0')
		return err_set(err, "initrd: needs a kernel");
	if (c->cmdline[0] != '\0' && c->kernel[0] == '\0' &&
	    strcmp(c->machine, "microvm") == 0)
		return err_set(err, "cmdline: a microvm VM without a kernel "
		    "has no firmware to hand it over");
	if (c->ndisks < 0 || c->ndisks > VM_MAX_DISKS)
		return err_set(err, "disks: at most %d", VM_MAX_DISKS);
	if (c->nnics < 0 || c->nnics > VM_MAX_NICS)
		return err_set(err, "nics: at most %d", VM_MAX_NICS);
	if (c->kernel[0] == '\0' && c->ndisks == 0)
		return err_set(err, "kernel: a VM needs a kernel or a disk to "
		    "boot from");
	for (i = 0; i < c->ndisks; i++)
		if (disk_check(c, i, err) < 0)
			return -1;
	for (i = 0; i < c->nnics; i++)
		if (nic_check(c, i, err) < 0)
			return -1;
	return 0;
}

/* Where get_str and get_int read members, and where a failure goes:
 * err prefixed by field (NULL: the member's key), and the field into bad
 * (when not NULL). */
struct jread {
	const cJSON	*jr_obj;
	const char	*jr_field;
	char		*jr_bad;
	size_t		 jr_bad_len;
	char		*jr_err;
};

static int
jread_fail(const struct jread *r, const char *key)
{
	const char *field = r->jr_field ? r->jr_field : key;

	if (r->jr_bad != NULL)
		snprintf(r->jr_bad, r->jr_bad_len, "%s", field);
	return err_prefix(r->jr_err, "%s", field);
}

/* Copy string member key into buf (size len); too long is an error. */
static int
get_str(const struct jread *r, const char *key, int flags, char *buf,
    size_t len)
{
	const char *s = NULL;

	if (json_get_string(r->jr_obj, key, flags, &s, r->jr_err) < 0)
		return jread_fail(r, key);
	if (s == NULL)
		return 0;
	if (strlen(s) >= len) {
		err_set(r->jr_err, "'%s' is longer than %zu characters", key,
		    len - 1);
		return jread_fail(r, key);
	}
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int
get_int(const struct jread *r, const char *key, int flags, int *out)
{
	int64_t v = *out;

	if (json_get_int(r->jr_obj, key, flags, &v, r->jr_err) < 0 ||
	    v < INT32_MIN || v > INT32_MAX) {
		if (v < INT32_MIN || v > INT32_MAX)
			err_set(r->jr_err, "'%s' is out of range", key);
		return jread_fail(r, key);
	}
	*out = (int)v;
	return 0;
}

/* The "disks" array into c: 0 or -1 + err. */
static int
disks_from_json(const cJSON *obj, struct vm_config *c, char *err)
{
	static const char *const dkeys[] = { "pool", "volume", "format",
		"cache", "readonly", "path", NULL };
	const cJSON *arr = NULL, *it;
	const char *badkey = NULL;
	char field[64];
	struct jread r = { NULL, field, NULL, 0, err };
	struct vm_disk *d;
	int i = 0;

	if (json_get_array(obj, "disks", JSON_OPTIONAL, &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		snprintf(field, sizeof(field), "disks[%d]", i);
		if (i == VM_MAX_DISKS)
			return err_set(err, "%s: at most %d disks", field,
			    VM_MAX_DISKS);
		if (!cJSON_IsObject(it))
			return err_set(err, "%s must be an object", field);
		if (json_check_keys(it, dkeys, &badkey, err) < 0)
			return err_prefix(err, "%s", field);
		d = &c->disks[i];
		snprintf(d->format, sizeof(d->format), "qcow2");
		snprintf(d->cache, sizeof(d->cache), "none");
		r.jr_obj = it;
		if (get_str(&r, "pool", JSON_REQUIRED, d->pool,
		    sizeof(d->pool)) < 0 ||
		    get_str(&r, "volume", JSON_REQUIRED, d->volume,
		    sizeof(d->volume)) < 0 ||
		    get_str(&r, "format", JSON_OPTIONAL, d->format,
		    sizeof(d->format)) < 0 ||
		    get_str(&r, "cache", JSON_OPTIONAL, d->cache,
		    sizeof(d->cache)) < 0 ||
		    get_str(&r, "path", JSON_OPTIONAL, d->path,
		    sizeof(d->path)) < 0 ||
		    json_get_bool(it, "readonly", JSON_OPTIONAL, &d->readonly,
		    err) < 0)
			return -1;
		i++;
	}
	c->ndisks = i;
	return 0;
}

/* The "nics" array into c: 0 or -1 + err. */
static int
nics_from_json(const cJSON *obj, struct vm_config *c, char *err)
{
	static const char *const nkeys[] = { "vlan", "mac", "model", NULL };
	const cJSON *arr = NULL, *it;
	const char *badkey = NULL;
	char field[64];
	struct jread r = { NULL, field, NULL, 0, err };
	struct vm_nic *n;
	int i = 0;

	if (json_get_array(obj, "nics", JSON_OPTIONAL, &arr, err) < 0)
		return -1;
	cJSON_ArrayForEach(it, arr) {
		snprintf(field, sizeof(field), "nics[%d]", i);
		if (i == VM_MAX_NICS)
			return err_set(err, "%s: at most %d NICs", field,
			    VM_MAX_NICS);
		if (!cJSON_IsObject(it))
			return err_set(err, "%s must be an object", field);
		if (json_check_keys(it, nkeys, &badkey, err) < 0)
			return err_prefix(err, "%s", field);
		n = &c->nics[i];
		r.jr_obj = it;
		if (get_int(&r, "vlan", JSON_OPTIONAL, &n->vlan) < 0 ||
		    get_str(&r, "mac", JSON_OPTIONAL, n->mac,
		    sizeof(n->mac)) < 0 ||
		    get_str(&r, "model", JSON_OPTIONAL, n->model,
		    sizeof(n->model)) < 0)
			return -1;
		i++;
	}
	c->nnics = i;
	return 0;
}

int
vm_config_from_json(const cJSON *obj, struct vm_config *c, char *bad,
    size_t bad_len, char *err)
{
	static const char *const top[] = { "name", "vcpus", "memory_mib",
		"machine", "cpu", "kernel", "initrd", "cmdline", "disks",
		"nics", NULL };
	struct jread r = { obj, NULL, bad, bad_len, err };
	const char *badkey = NULL;
	size_t k;

	vm_config_init(c);
	if (bad != NULL && bad_len > 0)
		bad[0] = '\0';
	if (!cJSON_IsObject(obj))
		return err_set(err, "VM config must be a JSON object");
	if (json_check_keys(obj, top, &badkey, err) < 0) {
		if (bad != NULL)
			snprintf(bad, bad_len, "%s", badkey ? badkey : "");
		return -1;
	}
	if (get_str(&r, "name", JSON_REQUIRED, c->name, sizeof(c->name)) < 0 ||
	    get_int(&r, "vcpus", JSON_OPTIONAL, &c->vcpus) < 0 ||
	    get_int(&r, "memory_mib", JSON_OPTIONAL, &c->memory_mib) < 0 ||
	    get_str(&r, "machine", JSON_OPTIONAL, c->machine,
	    sizeof(c->machine)) < 0 ||
	    get_str(&r, "cpu", JSON_OPTIONAL, c->cpu, sizeof(c->cpu)) < 0 ||
	    get_str(&r, "kernel", JSON_OPTIONAL, c->kernel,
	    sizeof(c->kernel)) < 0 ||
	    get_str(&r, "initrd", JSON_OPTIONAL, c->initrd,
	    sizeof(c->initrd)) < 0 ||
	    get_str(&r, "cmdline", JSON_OPTIONAL, c->cmdline,
	    sizeof(c->cmdline)) < 0)
		return -1;
	if (disks_from_json(obj, c, err) < 0) {
		if (bad != NULL)
			snprintf(bad, bad_len, "disks");
		return -1;
	}
	if (nics_from_json(obj, c, err) < 0) {
		if (bad != NULL)
			snprintf(bad, bad_len, "nics");
		return -1;
	}
	if (vm_config_check(c, err) < 0) {
		if (bad != NULL) {
			k = strcspn(err, ":[");
			snprintf(bad, bad_len, "%.*s", (int)k, err);
		}
		return -1;
	}
	return 0;
}

cJSON *
vm_config_to_json(const struct vm_config *c)
{
	cJSON *o = cJSON_CreateObject(), *arr, *e;
	int i;

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "name", c->name);
	cJSON_AddNumberToObject(o, "vcpus", c->vcpus);
	cJSON_AddNumberToObject(o, "memory_mib", c->memory_mib);
	cJSON_AddStringToObject(o, "machine", c->machine);
	if (c->cpu[0])
		cJSON_AddStringToObject(o, "cpu", c->cpu);
	if (c->kernel[0])
		cJSON_AddStringToObject(o, "kernel", c->kernel);
	if (c->initrd[0])
		cJSON_AddStringToObject(o, "initrd", c->initrd);
	if (c->cmdline[0])
		cJSON_AddStringToObject(o, "cmdline", c->cmdline);
	arr = cJSON_AddArrayToObject(o, "disks");
	for (i = 0; arr != NULL && i < c->ndisks; i++) {
		const struct vm_disk *d = &c->disks[i];

		e = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, e);
		cJSON_AddStringToObject(e, "pool", d->pool);
		cJSON_AddStringToObject(e, "volume", d->volume);
		cJSON_AddStringToObject(e, "format", d->format);
		cJSON_AddStringToObject(e, "cache", d->cache);
		if (d->readonly)
			cJSON_AddBoolToObject(e, "readonly", 1);
		if (d->path[0])
			cJSON_AddStringToObject(e, "path", d->path);
	}
	arr = cJSON_AddArrayToObject(o, "nics");
	for (i = 0; arr != NULL && i < c->nnics; i++) {
		const struct vm_nic *n = &c->nics[i];

		e = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, e);
		cJSON_AddNumberToObject(e, "vlan", n->vlan);
		if (n->mac[0])
			cJSON_AddStringToObject(e, "mac", n->mac);
		if (n->model[0])
			cJSON_AddStringToObject(e, "model", n->model);
	}
	return o;
}

static uint32_t
fnv1a(const char *s, uint32_t h)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

void
vm_tap_name(const char *vm, int nic, char *buf, size_t len)
{
	snprintf(buf, len, "hv%08xn%u", fnv1a(vm, 2166136261u),
	    (unsigned)nic % 100u);
}

void
vm_default_mac(const char *vm, int nic, char *buf, size_t len)
{
	char idx[16];
	uint32_t h;

	snprintf(idx, sizeof(idx), "/%d", nic);
	h = fnv1a(idx, fnv1a(vm, 2166136261u));
	snprintf(buf, len, "52:54:00:%02x:%02x:%02x", (h >> 16) & 0xff,
	    (h >> 8) & 0xff, h & 0xff);
}

/* ---- argv ---- */

struct argv_buf {
	char **v;
	int n, cap;
	int oom;
};

static void
av_add(struct argv_buf *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
av_add(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		int ncap = a->cap ? a->cap * 2 : 64;
		char **nv = realloc(a->v, (size_t)ncap * sizeof(*nv));

		if (nv == NULL) {
			a->oom = 1;
			return;
		}
		a->v = nv;
		a->cap = ncap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		a->oom = 1;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* QEMU option values double a comma to mean a literal one. */
static void
opt_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s && o + 2 < len; s++) {
		buf[o++] = *s;
		if (*s == ',')
			buf[o++] = ',';
	}
	buf[o] = '\0';
}

void
vm_argv_free(char **argv)
{
	int i;

	if (argv == NULL)
		return;
	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

static void
run_paths(const struct vm_host *h, const char *name, char *dir, char *qmp,
    char *pid, char *serial)
{
	if (dir)
		snprintf(dir, VM_PATH_MAX, "%.400s/%.48s", h->run_base, name);
	if (qmp)
		snprintf(qmp, VM_PATH_MAX, "%.400s/%.48s/qmp.sock", h->run_base,
		    name);
	if (pid)
		snprintf(pid, VM_PATH_MAX, "%.400s/%.48s/qemu.pid", h->run_base,
		    name);
	if (serial)
		snprintf(serial, VM_PATH_MAX, "%.400s/%.48s/serial.log",
		    h->run_base, name);
}

/* What QEMU cannot take: a config that does not check, cpu host without
 * KVM, a relative or too long run_base, a disk without a resolved path.
 * 0 or -1 + err. */
static int
argv_check(const struct vm_host *h, const struct vm_config *c, char *err)
{
	int i;

	if (vm_config_check(c, err) < 0)
		return -1;
	if (strcmp(c->cpu, "host") == 0 && strcmp(h->accel, "tcg") == 0)
		return err_set(err, "cpu: 'host' needs KVM; this node runs "
		    "QEMU with TCG (docs/accel.md)");
	if (h->run_base[0] != '/')
		return err_set(err, "run_base '%s' must be an absolute path",
		    h->run_base);
	if (strlen(h->run_base) + strlen(c->name) + 16 > 107)
		return err_set(err, "run_base '%s': QMP socket path would be "
		    "too long for a unix socket", h->run_base);
	for (i = 0; i < c->ndisks; i++)
		if (c->disks[i].path[0] == '\0')
			return err_set(err, "disks[%d]: volume %s/%s has no "
			    "resolved path", i, c->disks[i].pool,
			    c->disks[i].volume);
	return 0;
}

/* QEMU, the machine, CPUs and memory. */
static void
argv_machine(struct argv_buf *a, const struct vm_host *h,
    const struct vm_config *c, int mmio)
{
	/* The host's decision (common/accel.h); QEMU's own fallback only
	 * when nobody decided. */
	const char *accel = h->accel[0] ? h->accel : "kvm:tcg";

	av_add(a, "%s", h->qemu[0] ? h->qemu : "qemu-system-x86_64");
	av_add(a, "-name");
	av_add(a, "guest=%s,debug-threads=on", c->name);
	av_add(a, "-machine");
	/*
	 * Only the devices a guest here uses: no AHCI or SMBus controller on
	 * q35 (disks are virtio), no SMM, no kvmvapic (a TPR-patching ROM
	 * for old 32-bit Windows under KVM).  Each device is state the
	 * target of a live migration loads while the guest stands still, so
	 * fewer devices make a shorter stop (docs/vm.md "Fewer devices").
	 */
	if (mmio)
		av_add(a, "microvm,accel=%s,pit=off,pic=off,rtc=on", accel);
	else if (strcmp(c->machine, "q35") == 0)
		av_add(a, "q35,accel=%s,sata=off,smbus=off,smm=off", accel);
	else
		av_add(a, "%s,accel=%s,smm=off", c->machine, accel);
	if (!mmio) {
		av_add(a, "-global");
		av_add(a, "apic-common.vapic=off");
	}
	if (c->cpu[0]) {
		av_add(a, "-cpu");
		av_add(a, "%s", c->cpu);
	}
	av_add(a, "-smp");
	av_add(a, "%d", c->vcpus);
	av_add(a, "-m");
	av_add(a, "%lldM", (long long)c->memory_mib);
	av_add(a, "-nodefaults");
	av_add(a, "-no-user-config");
	av_add(a, "-display");
	av_add(a, "none");
}

/* QMP socket, serial log, pid file (run_paths), and the kernel when the
 * VM boots one, else its cmdline as SMBIOS OEM strings. */
static void
argv_files(struct argv_buf *a, const struct vm_host *h,
    const struct vm_config *c)
{
	char qmp[VM_PATH_MAX], pid[VM_PATH_MAX], serial[VM_PATH_MAX];
	char e1[2 * VM_PATH_MAX + 8], oem[2 * VM_CMDLINE_MAX + 8];

	run_paths(h, c->name, NULL, qmp, pid, serial);
	opt_escape(qmp, e1, sizeof(e1));
	av_add(a, "-qmp");
	av_add(a, "unix:%s,server=on,wait=off", e1);
	opt_escape(serial, e1, sizeof(e1));
	av_add(a, "-chardev");
	av_add(a, "file,id=serial0,path=%s", e1);
	av_add(a, "-serial");
	av_add(a, "chardev:serial0");
	av_add(a, "-pidfile");
	av_add(a, "%s", pid);
	/*
	 * QEMU's seccomp filter: no obsolete system calls, no set*id or
	 * setsid, no fork or exec, no scheduler or affinity changes.  Every
	 * option holds under TCG, QMP and live migration on QEMU 7.2; it is
	 * why hvd detaches QEMU itself instead of -daemonize (whose fork
	 * and setsid the filter kills), and why -runas cannot be used (QEMU
	 * 7.2 calls setuid after the filter is in; docs/vm.md).
	 */
	av_add(a, "-sandbox");
	av_add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
	    "resourcecontrol=deny");
	if (c->kernel[0]) {
		av_add(a, "-kernel");
		av_add(a, "%s", c->kernel);
		if (c->initrd[0]) {
			av_add(a, "-initrd");
			av_add(a, "%s", c->initrd);
		}
		if (c->cmdline[0]) {
			av_add(a, "-append");
			av_add(a, "%s", c->cmdline);
		}
	} else if (c->cmdline[0]) {
		/* A VM booting from its disk gets its bootloader's command
		 * line, the same in every clone of that disk; its own words
		 * (name, address) reach it as SMBIOS OEM strings, which the
		 * hvlab guest reads (docs/guest.md "Disk guest"). */
		opt_escape(c->cmdline, oem, sizeof(oem));
		av_add(a, "-smbios");
		av_add(a, "type=11,value=%s", oem);
	}
}

/* Disks and NICs, virtio (-device on microvm, -pci otherwise). */
static void
argv_devices(struct argv_buf *a, const struct vm_config *c, int mmio)
{
	char e1[2 * VM_PATH_MAX + 8], tap[IFNAMSIZ], mac[18];
	const struct vm_disk *d;
	const struct vm_nic *n;
	int i;

	for (i = 0; i < c->ndisks; i++) {
		d = &c->disks[i];
		opt_escape(d->path, e1, sizeof(e1));
		av_add(a, "-drive");
		av_add(a, "file=%s,format=%s,if=none,id=disk%d,cache=%s%s",
		    e1, d->format, i, d->cache, d->readonly ? ",readonly=on" :
		    "");
		av_add(a, "-device");
		av_add(a, "%s,drive=disk%d,id=vd%d%s",
		    mmio ? "virtio-blk-device" : "virtio-blk-pci", i, i,
		    (c->kernel[0] == '\0' && i == 0) ? ",bootindex=1" : "");
	}
	for (i = 0; i < c->nnics; i++) {
		n = &c->nics[i];
		vm_tap_name(c->name, i, tap, sizeof(tap));
		if (n->mac[0])
			snprintf(mac, sizeof(mac), "%s", n->mac);
		else
			vm_default_mac(c->name, i, mac, sizeof(mac));
		/* vnet_hdr=off: with it on, the guest may hand packets over
		 * with TCP/UDP checksums left unfinished (offload), and OVS's
		 * userspace datapath forwards them as they are: receivers
		 * drop them (docs/lab.md "vnet_hdr"). */
		av_add(a, "-netdev");
		av_add(a, "tap,id=net%d,ifname=%s,script=no,downscript=no,"
		    "vnet_hdr=off", i, tap);
		av_add(a, "-device");
		/* romfile= empty: no PXE option ROM (none needed, and it
		 * would have to exist alike on every migration target). */
		av_add(a, "%s,netdev=net%d,id=nic%d,mac=%s%s",
		    n->model[0] ? n->model : (mmio ? "virtio-net-device" :
		    "virtio-net-pci"), i, i, mac, mmio ? "" : ",romfile=");
	}
}

int
vm_argv_build(const struct vm_host *h, const struct vm_config *c, int flags,
    char ***argv_out, char *err)
{
	struct argv_buf a = { 0 };
	int mmio = strcmp(c->machine, "microvm") == 0;

	*argv_out = NULL;
	if (argv_check(h, c, err) < 0)
		return -1;
	argv_machine(&a, h, c, mmio);
	argv_files(&a, h, c);
	argv_devices(&a, c, mmio);
	if (flags & VM_START_PAUSED)
		av_add(&a, "-S");
	if (flags & VM_START_INCOMING) {
		av_add(&a, "-incoming");
		av_add(&a, "defer");
	}
	if (a.oom) {
		vm_argv_free(a.v);
		return err_set(err, "VM %s: out of memory building argv",
		    c->name);
	}
	*argv_out = a.v;
	return 0;
}

/* ---- processes ---- */

/* /proc/PID/cmdline carries "guest=NAME,..." after -name and the QMP
 * socket path: it is this VM's QEMU. */
static int
pid_is_vm(pid_t pid, const char *name, const char *qmp_path)
{
	char path[64], want[VM_NAME_MAX + 16], *buf = NULL;
	size_t n = 0, cap = 0, off;
	int fd, found_name = 0, found_qmp = 0;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	for (;;) {
		if (n + 4096 > cap) {
			char *nb = realloc(buf, cap + 65536);

			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (buf == NULL)
		return 0;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "guest=%s,", name);
	for (off = 0; off < n; off += strlen(buf + off) + 1) {
		const char *arg = buf + off;

		if (strncmp(arg, want, strlen(want)) == 0)
			found_name = 1;
		if (strncmp(arg, "unix:", 5) == 0 &&
		    strncmp(arg + 5, qmp_path, strlen(qmp_path)) == 0 &&
		    arg[5 + strlen(qmp_path)] == ',')
			found_qmp = 1;
	}
	free(buf);
	return found_name && found_qmp;
}

static pid_t
read_pidfile(const char *path)
{
	char buf[32];
	long v;
	char *end;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 1 || v > 0x3fffffff ||
	    (*end != '\0' && *end != '\n'))
		return -1;
	return (pid_t)v;
}

static int
mkdir_p(const char *path, mode_t mode, char *err)
{
	char tmp[VM_PATH_MAX], *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return err_errno(err, "mkdir %s", tmp);
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return err_errno(err, "mkdir %s", tmp);
	return 0;
}

static void
ovs_of(const struct vm_host *h, struct netcfg_ovs *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->bridge, sizeof(o->bridge), "%s", h->bridge);
	snprintf(o->db, sizeof(o->db), "%s", h->ovs_db);
}

/*
 * The last n (<= 4) non-empty lines of a file (QEMU's error, a console's
 * end), joined by " / ", into buf.
 */
static void
last_lines(const char *path, int n, char *buf, size_t len)
{
	char tmp[4096], *line[4], *p;
	ssize_t got;
	int fd, k = 0;

	buf[0] = '\0';
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (lseek(fd, 0, SEEK_END) > (off_t)sizeof(tmp) - 1)
		lseek(fd, -(off_t)(sizeof(tmp) - 1), SEEK_END);
	else
		lseek(fd, 0, SEEK_SET);
	got = read(fd, tmp, sizeof(tmp) - 1);
	close(fd);
	if (got <= 0)
		return;
	tmp[got] = '\0';
	for (p = tmp; *p != '\0'; p++)	/* consoles print control bytes */
		if (*p != '\n' && (unsigned char)*p < ' ')
			*p = ' ';
	if (n > 4)
		n = 4;
	/* Walk back from the end, cutting the buffer into lines. */
	p = tmp + got;
	while (k < n && p > tmp) {
		while (p > tmp && (p[-1] == '\n' || p[-1] == ' '))
			*--p = '\0';
		while (p > tmp && p[-1] != '\n')
			p--;
		if (*p != '\0')
			line[k++] = p;
	}
	while (k-- > 0)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%.250s",
		    buf[0] ? " / " : "", line[k]);
}

void
vm_proc_release(struct vm_proc *p)
{
	if (p == NULL)
		return;
	qmp_close(p->qmp);
	p->qmp = NULL;
}

int
vm_proc_alive(const struct vm_proc *p)
{
	return proc_running(p->pid) && pid_is_vm(p->pid, p->name, p->qmp_path);
}

static int
wait_gone(pid_t pid, long timeout_ms)
{
	uint64_t deadline = clock_mono_ns() + (uint64_t)timeout_ms * NS_PER_MS;

	for (;;) {
		/* Reap it if it happens to be our child (tests). */
		(void)proc_wait(pid, NULL, 0);
		if (!proc_running(pid))
			return 0;
		if (clock_mono_ns() >= deadline)
			return -1;
		clock_sleep_ns(20 * NS_PER_MS);
	}
}

/* Connect (or reconnect) p->qmp. */
static int
vm_qmp(struct vm_proc *p, char *err)
{
	if (p->qmp != NULL)
		return 0;
	p->qmp = qmp_connect(p->qmp_path, QMP_CONNECT_TIMEOUT_MS, err);
	return p->qmp != NULL ? 0 : err_prefix(err, "VM %s", p->name);
}

/*
 * Ask QEMU which accelerator it runs on (QMP query-kvm) into p->accel:
 * "kvm" or "tcg".  0 or -1 with err.
 */
static int
vm_query_accel(struct vm_proc *p, char *err)
{
	int on = 0;

	if (vm_qmp(p, err) < 0 || qmp_query_kvm(p->qmp, &on,
	    QMP_CMD_TIMEOUT_MS, err) < 0)
		return -1;
	snprintf(p->accel, sizeof(p->accel), "%s", on ? "kvm" : "tcg");
	return 0;
}

/* The VM's taps on the host bridge, in their VLANs; *ntaps counts the
 * ones made (also on failure, for taps_del).  0 or -1 + err. */
static int
taps_add(const struct vm_host *h, const struct vm_config *c, int *ntaps,
    char *err)
{
	struct netcfg_ovs ovs;
	char tap[IFNAMSIZ];
	int i;

	ovs_of(h, &ovs);
	for (i = 0; i < c->nnics; i++) {
		vm_tap_name(c->name, i, tap, sizeof(tap));
		if (netcfg_tap_add(&ovs, tap, c->nics[i].vlan, err) < 0)
			return err_prefix(err, "VM %s: nics[%d]", c->name, i);
		(*ntaps)++;
	}
	return 0;
}

/* Remove the VM's first n taps (best effort). */
static void
taps_del(const struct vm_host *h, const struct vm_config *c, int n)
{
	struct netcfg_ovs ovs;
	char tap[IFNAMSIZ], err[ERR_LEN];
	int i;

	ovs_of(h, &ovs);
	for (i = 0; i < n; i++) {
		vm_tap_name(c->name, i, tap, sizeof(tap));
		(void)netcfg_tap_del(&ovs, tap, err);
	}
}

/*
 * Run QEMU detached (a session of its own, re-parented away from hvd),
 * then wait for its QMP greeting: QEMU's main loop, which speaks QMP,
 * runs only once the machine is set up, as -daemonize's parent would
 * have waited.  QEMU ending first is a failed start, told with its last
 * words from its log.
 */
static int
qemu_launch(const struct vm_config *c, char **argv, struct vm_proc *p,
    char *err)
{
	struct proc_opts po;
	char logpath[VM_PATH_MAX + 16], line[256], e2[ERR_LEN] = "";
	uint64_t deadline = clock_mono_ns() +
	    (uint64_t)QEMU_START_TIMEOUT_MS * NS_PER_MS;

	snprintf(logpath, sizeof(logpath), "%s/qemu.log", p->dir);
	unlink(logpath);
	memset(&po, 0, sizeof(po));
	po.stdin_null = 1;
	po.stdout_file = logpath;
	po.stderr_file = logpath;
	po.cwd = "/";
	po.detach = 1;
	if ((p->pid = proc_spawn((const char *const *)argv, &po, e2)) < 0)
		return err_set(err, "VM %s: QEMU did not start: %s", c->name,
		    e2);
	while (p->qmp == NULL) {
		if (!proc_running(p->pid)) {
			last_lines(logpath, 2, line, sizeof(line));
			return err_set(err, "VM %s: QEMU did not start: %s",
			    c->name, line[0] ? line : "it exited silently");
		}
		if (clock_mono_ns() >= deadline)
			return err_set(err, "VM %s: QEMU gave no QMP greeting "
			    "within %d s: %s", c->name,
			    QEMU_START_TIMEOUT_MS / 1000, e2);
		p->qmp = qmp_connect(p->qmp_path, QMP_START_POLL_MS, e2);
	}
	if (vm_query_accel(p, err) < 0)
		return err_prefix(err, "VM %s", c->name);
	return 0;
}

int
vm_start(const struct vm_host *h, const struct vm_config *c, int flags,
    struct vm_proc *p, char *err)
{
	char **argv = NULL, pidpath[VM_PATH_MAX], jpath[VM_PATH_MAX + 16];
	cJSON *doc = NULL;
	int ntaps = 0;
	pid_t old;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	if (vm_argv_build(h, c, flags, &argv, err) < 0)
		return -1;
	snprintf(p->name, sizeof(p->name), "%s", c->name);
	run_paths(h, c->name, p->dir, p->qmp_path, pidpath, p->serial_path);

	old = read_pidfile(pidpath);
	if (old > 0 && proc_running(old) && pid_is_vm(old, c->name,
	    p->qmp_path)) {
		err_set(err, "VM %s is already running (pid %d)", c->name,
		    (int)old);
		goto fail_nodir;
	}
	if (mkdir_p(p->dir, 0750, err) < 0)
		goto fail_nodir;
	snprintf(jpath, sizeof(jpath), "%s/vm.json", p->dir);
	unlink(pidpath);
	unlink(p->qmp_path);
	/* A migration target's taps are up from the start (as made):
	 * QEMU's own announce (RARP) at the end of the incoming migration
	 * moves the VM's MAC in the switches before the guest resumes, and
	 * requests arriving meanwhile wait in the tap and are answered at
	 * once.  Holding them down until RESUME would not protect a TCG
	 * guest: its corruption comes from QEMU's dirty tracking, not from
	 * early frames (see -m in argv_machine, docs/vm.md). */
	if (taps_add(h, c, &ntaps, err) < 0)
		goto fail;
	doc = vm_config_to_json(c);
	if (doc == NULL || json_write_file(jpath, doc, err) < 0) {
		if (doc == NULL)
			err_set(err, "out of memory");
		err_prefix(err, "VM %s", c->name);
		goto fail;
	}
	if (qemu_launch(c, argv, p, err) < 0)
		goto fail;
	cJSON_Delete(doc);
	vm_argv_free(argv);
	return 0;
fail:
	if (p->pid > 0 && proc_running(p->pid) && pid_is_vm(p->pid, c->name,
	    p->qmp_path)) {
		proc_kill(p->pid, SIGKILL);
		wait_gone(p->pid, 5000);
	}
	taps_del(h, c, ntaps);
	unlink(jpath);
	unlink(pidpath);
	unlink(p->qmp_path);
fail_nodir:
	cJSON_Delete(doc);
	vm_argv_free(argv);
	p->pid = -1;
	return -1;
}

int
vm_adopt(const struct vm_host *h, const char *name, struct vm_proc *p,
    char *err)
{
	char pidpath[VM_PATH_MAX];

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	if (!name_valid(name, VM_NAME_MAX))
		return err_set(err, "'%s' is not a VM name", name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	run_paths(h, name, p->dir, p->qmp_path, pidpath, p->serial_path);
	p->pid = read_pidfile(pidpath);
	if (p->pid <= 0 || !proc_running(p->pid) ||
	    !pid_is_vm(p->pid, name, p->qmp_path)) {
		p->pid = -1;
		return 0;
	}
	if (vm_qmp(p, err) < 0 || vm_query_accel(p, err) < 0)
		return -1;
	return 1;
}

void
vm_exit_reason(const struct vm_host *h, const char *name, char *buf,
    size_t len)
{
	char dir[VM_PATH_MAX], path[VM_PATH_MAX + 16], q[600], con[300];

	buf[0] = '\0';
	if (!name_valid(name, VM_NAME_MAX))
		return;
	run_paths(h, name, dir, NULL, NULL, NULL);
	snprintf(path, sizeof(path), "%s/qemu.log", dir);
	last_lines(path, 2, q, sizeof(q));
	snprintf(path, sizeof(path), "%s/serial.log", dir);
	last_lines(path, 1, con, sizeof(con));
	if (q[0] == '\0' && con[0] == '\0')
		return;
	snprintf(buf, len, "QEMU said: %s; console: %s", q[0] ? q :
	    "nothing", con[0] ? con : "nothing");
}

int
vm_status(struct vm_proc *p, char *buf, size_t len, char *err)
{
	cJSON *ret = NULL;
	const char *st = NULL;
	int rc = -1;

	if (!vm_proc_alive(p)) {
		snprintf(buf, len, "stopped");
		vm_proc_release(p);
		return 0;
	}
	if (p->qmp != NULL && qmp_execute(p->qmp, "query-status", NULL, &ret,
	    QMP_CMD_TIMEOUT_MS, err) < 0) {
		/* A broken connection: try once more on a fresh one. */
		vm_proc_release(p);
	}
	if (ret == NULL) {
		if (vm_qmp(p, err) < 0 || qmp_execute(p->qmp, "query-status",
		    NULL, &ret, QMP_CMD_TIMEOUT_MS, err) < 0)
			goto out;
	}
	if (json_get_string(ret, "status", JSON_REQUIRED, &st, err) < 0) {
		err_prefix(err, "VM %s: query-status", p->name);
		goto out;
	}
	snprintf(buf, len, "%s", st);
	rc = 0;
out:
	cJSON_Delete(ret);
	return rc;
}

int
vm_shutdown(struct vm_proc *p, long timeout_ms, char *err)
{
	if (!vm_proc_alive(p))
		return 0;
	if (vm_qmp(p, err) < 0 ||
	    qmp_execute(p->qmp, "system_powerdown", NULL, NULL,
	    QMP_CMD_TIMEOUT_MS, err) < 0)
		return err_prefix(err, "VM %s: shutdown", p->name);
	if (wait_gone(p->pid, timeout_ms) < 0)
		return err_set(err, "VM %s: the guest did not power off "
		    "within %ld ms (it is still running)", p->name,
		    timeout_ms);
	vm_proc_release(p);
	return 0;
}

int
vm_stop(struct vm_proc *p, long grace_ms, char *err)
{
	char e2[ERR_LEN];

	if (!vm_proc_alive(p)) {
		vm_proc_release(p);
		return 0;
	}
	if (vm_qmp(p, e2) == 0)
		(void)qmp_execute(p->qmp, "quit", NULL, NULL, grace_ms, e2);
	vm_proc_release(p);
	if (wait_gone(p->pid, grace_ms) == 0)
		return 0;
	/* Still this VM's QEMU?  Then kill it by its pid. */
	if (vm_proc_alive(p) && proc_kill(p->pid, SIGKILL) < 0)
		return err_errno(err, "VM %s: kill pid %d", p->name,
		    (int)p->pid);
	if (wait_gone(p->pid, 5000) < 0)
		return err_set(err, "VM %s: pid %d does not go away", p->name,
		    (int)p->pid);
	return 0;
}

int
vm_cleanup(const struct vm_host *h, const char *name, char *err)
{
	struct vm_proc p;
	struct netcfg_ovs ovs;
	char path[VM_PATH_MAX + 16], tap[IFNAMSIZ], e2[ERR_LEN];
	cJSON *doc;
	const cJSON *nics = NULL;
	int i, n = VM_MAX_NICS, rc = 0;

	if (!name_valid(name, VM_NAME_MAX))
		return err_set(err, "'%s' is not a VM name", name);
	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	run_paths(h, name, p.dir, p.qmp_path, path, p.serial_path);
	p.pid = read_pidfile(path);
	if (p.pid > 0 && vm_proc_alive(&p))
		return err_set(err, "VM %s is still running (pid %d)", name,
		    (int)p.pid);
	snprintf(path, sizeof(path), "%s/vm.json", p.dir);
	doc = json_parse_file(path, 1 << 20, e2);
	if (doc != NULL && json_get_array(doc, "nics", JSON_OPTIONAL, &nics,
	    e2) == 0 && nics != NULL)
		n = cJSON_GetArraySize(nics);
	cJSON_Delete(doc);
	ovs_of(h, &ovs);
	for (i = 0; i < n; i++) {
		vm_tap_name(name, i, tap, sizeof(tap));
		if (netcfg_tap_del(&ovs, tap, e2) < 0 && rc == 0) {
			rc = -1;
			err_set(err, "VM %s: %s", name, e2);
		}
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/qemu.pid", p.dir);
	unlink(path);
	unlink(p.qmp_path);
	return rc;
}

int
vm_links_set(const char *name, int nnics, int up, char *err)
{
	struct ifreq ifr;
	int i, sock, rc = -1;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return err_errno(err, "VM %s: socket", name);
	for (i = 0; i < nnics; i++) {
		memset(&ifr, 0, sizeof(ifr));
		vm_tap_name(name, i, ifr.ifr_name, sizeof(ifr.ifr_name));
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
			err_errno(err, "VM %s: tap %s", name, ifr.ifr_name);
			goto out;
		}
		if (up)
			ifr.ifr_flags |= IFF_UP;
		else
			ifr.ifr_flags &= ~IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) {
			err_errno(err, "VM %s: tap %s %s", name, ifr.ifr_name,
			    up ? "up" : "down");
			goto out;
		}
	}
	rc = 0;
out:
	close(sock);
	return rc;
}

int
vm_priority_set(const struct vm_proc *p, int nice, char *err)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	if (!vm_proc_alive(p))
		return err_set(err, "VM %s: not running", p->name);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)p->pid);
	dir = opendir(path);
	if (dir == NULL)
		return err_errno(err, "VM %s: %s", p->name, path);
	while ((d = readdir(dir)) != NULL) {
		int tid = atoi(d->d_name);

		if (tid <= 0)
			continue;
		/* A thread may end meanwhile; only a refusal counts. */
		if (setpriority(PRIO_PROCESS, (id_t)tid, nice) < 0 &&
		    errno != ESRCH) {
			err_errno(err, "VM %s: setpriority(%d) on thread %d",
			    p->name, nice, tid);
			closedir(dir);
			return -1;
		}
		n++;
	}
	closedir(dir);
	if (n == 0)
		return err_set(err, "VM %s: no threads in %s", p->name, path);
	return 0;
}
