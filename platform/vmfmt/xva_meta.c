/*
 * xva_meta.c - an XVA's ova.xml: XAPI's export header, one XML-RPC
 * struct {version, objects}, objects an array of {class, id, snapshot}
 * where snapshot is the database record of that object with references
 * rewritten to the export's own ids ("Ref:N").  Pure: a buffer in, a
 * struct vmfmt_vm out.
 *
 * Read: the one VM (name_label, VCPUs_max, memory_static_max in bytes),
 * its VBDs of type Disk in userdevice order, the VDI each names (its id
 * is the directory of its chunks in the tar, virtual_size its size), its
 * VIFs in device order and the name_label of each VIF's network.
 * XML-RPC scalars come as <value>TEXT</value> or inside <string>, <i4>,
 * <i8>, <int>, <boolean>.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define XVA_MAX_OBJECTS	4096

struct xobj {
	char		*xo_class;
	char		*xo_id;
	xmlNodePtr	 xo_rec;	/* the snapshot's <struct> */
};

struct xmeta {
	int		 xm_n;
	struct xobj	 xm_objs[XVA_MAX_OBJECTS];
	const struct xobj *xm_vm;
};

/* The <value> of member name in the <struct> s, or NULL. */
static xmlNodePtr
rpc_member(xmlNodePtr s, const char *name)
{
	xmlNodePtr m, n;
	char *t;
	int eq;

	for (m = s ? s->children : NULL; m != NULL; m = m->next) {
		if (m->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)m->name, "member") != 0 ||
		    (n = vmfmt_xml_child(m, "name")) == NULL)
			continue;
		t = vmfmt_xml_text(n);
		eq = t != NULL && strcmp(t, name) == 0;
		free(t);
		if (eq)
			return vmfmt_xml_child(m, "value");
	}
	return NULL;
}

/* A scalar <value>'s text (malloc'd), NULL for a struct or array. */
static char *
rpc_text(xmlNodePtr v)
{
	xmlNodePtr c;

	if (v == NULL)
		return NULL;
	for (c = v->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			if (strcmp((const char *)c->name, "struct") == 0 ||
			    strcmp((const char *)c->name, "array") == 0)
				return NULL;
			return vmfmt_xml_text(c);
		}
	return vmfmt_xml_text(v);
}

/* Member name of record rec as text (malloc'd), or NULL. */
static char *
rec_get(xmlNodePtr rec, const char *name)
{
	return rpc_text(rpc_member(rec, name));
}

static int
num_of(const char *s, int64_t *out)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? 0 : -1;
}

/* Number member name of rec, within lo..hi. */
static int
rec_num(const struct xobj *o, const char *name, int64_t lo, int64_t hi,
    int64_t *out, char *err)
{
	char *t = rec_get(o->xo_rec, name);
	int rc = 0;

	if (num_of(t, out) < 0 || *out < lo || *out > hi)
		rc = err_set(err, "%s %s: %s \"%s\" is not a number of %lld.."
		    "%lld", o->xo_class, o->xo_id, name, t ? t : "",
		    (long long)lo, (long long)hi);
	free(t);
	return rc;
}

static int
objects_read(struct xmeta *m, xmlNodePtr arr, char *err)
{
	xmlNodePtr data = vmfmt_xml_child(arr, "data"), v, s;
	struct xobj *o;

	for (v = data ? data->children : NULL; v != NULL; v = v->next) {
		if (v->type != XML_ELEMENT_NODE)
			continue;
		if (m->xm_n == XVA_MAX_OBJECTS)
			return err_set(err, "more than %d objects",
			    XVA_MAX_OBJECTS);
		o = &m->xm_objs[m->xm_n++];
		s = vmfmt_xml_child(v, "struct");
		o->xo_class = rpc_text(rpc_member(s, "class"));
		o->xo_id = rpc_text(rpc_member(s, "id"));
		o->xo_rec = vmfmt_xml_child(rpc_member(s, "snapshot"),
		    "struct");
		if (o->xo_class == NULL || o->xo_id == NULL ||
		    o->xo_rec == NULL)
			return err_set(err, "object %d: not a struct with "
			    "class, id and a snapshot struct", m->xm_n - 1);
	}
	return 0;
}

/* The object of class cls with id, or NULL. */
static const struct xobj *
obj_find(const struct xmeta *m, const char *cls, const char *id)
{
	int i;

	for (i = 0; id != NULL && i < m->xm_n; i++)
		if (strcmp(m->xm_objs[i].xo_class, cls) == 0 &&
		    strcmp(m->xm_objs[i].xo_id, id) == 0)
			return &m->xm_objs[i];
	return NULL;
}

/* Whether record member name equals want. */
static int
rec_is(const struct xobj *o, const char *name, const char *want)
{
	char *t = rec_get(o->xo_rec, name);
	int eq = t != NULL && strcmp(t, want) == 0;

	free(t);
	return eq;
}

static int
vm_read(struct xmeta *m, struct vmfmt_vm *vm, char *err)
{
	int64_t v, mem;
	char *name;
	int i;

	for (i = 0; i < m->xm_n; i++) {
		if (strcmp(m->xm_objs[i].xo_class, "VM") != 0 ||
		    rec_is(&m->xm_objs[i], "is_a_snapshot", "1") ||
		    rec_is(&m->xm_objs[i], "is_a_snapshot", "true"))
			continue;
		if (m->xm_vm != NULL)
			return err_set(err, "more than one VM object");
		m->xm_vm = &m->xm_objs[i];
	}
	if (m->xm_vm == NULL)
		return err_set(err, "no VM object");
	name = rec_get(m->xm_vm->xo_rec, "name_label");
	if (name == NULL || name[0] == '\0' ||
	    strlen(name) > VM_NAME_MAX) {
		free(name);
		return err_set(err, "VM %s: name_label missing or longer than "
		    "%d bytes", m->xm_vm->xo_id, VM_NAME_MAX);
	}
	for (i = 0; name[i]; i++)
		vm->vm_name[i] = isalnum((unsigned char)name[i]) ||
		    strchr("_.-", name[i]) ? name[i] : '-';
	free(name);
	if (!isalnum((unsigned char)vm->vm_name[0]))
		vm->vm_name[0] = 'v';
	if (rec_num(m->xm_vm, "VCPUs_max", 1, 64, &v, err) < 0 ||
	    rec_num(m->xm_vm, "memory_static_max", (int64_t)16 << 20,
	    (int64_t)1 << 40, &mem, err) < 0)
		return -1;
	vm->vm_vcpus = (int)v;
	vm->vm_memory_mib = (int)(mem >> 20);
	return 0;
}

/* A device's place among its VM's devices ("userdevice", "device"). */
struct slot {
	int64_t		 s_pos;
	const struct xobj *s_obj;
};

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return (x->s_pos > y->s_pos) - (x->s_pos < y->s_pos);
}

/* The VM's objects of class cls (VBD, VIF) sorted by member pos; for
 * VBDs only disks (type Disk).  *n of at most max. */
static int
slots_of(const struct xmeta *m, const char *cls, const char *pos,
    struct slot *s, int max, int *n, char *err)
{
	const struct xobj *o;
	int i;

	*n = 0;
	for (i = 0; i < m->xm_n; i++) {
		o = &m->xm_objs[i];
		if (strcmp(o->xo_class, cls) != 0 ||
		    !rec_is(o, "VM", m->xm_vm->xo_id))
			continue;
		if (strcmp(cls, "VBD") == 0 && !rec_is(o, "type", "Disk"))
			continue;
		if (*n == max)
			return err_set(err, "VM %s: more than %d %ss",
			    m->xm_vm->xo_id, max, cls);
		if (rec_num(o, pos, 0, 1023, &s[*n].s_pos, err) < 0)
			return -1;
		s[(*n)++].s_obj = o;
	}
	qsort(s, (size_t)*n, sizeof(*s), slot_cmp);
	return 0;
}

static int
disks_read(const struct xmeta *m, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct slot s[VMFMT_MAX_DISKS];
	const struct xobj *vdi;
	struct vmfmt_disk *d;
	char *ref;
	int i, n;

	if (slots_of(m, "VBD", "userdevice", s, VMFMT_MAX_DISKS, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		ref = rec_get(s[i].s_obj->xo_rec, "VDI");
		vdi = obj_find(m, "VDI", ref);
		free(ref);
		if (vdi == NULL)
			return err_set(err, "VBD %s: its VDI is not in the "
			    "export", s[i].s_obj->xo_id);
		if (vmfmt_name_check(vdi->xo_id, 0, err) < 0)
			return err_prefix(err, "VDI id");
		d = &vm->vm_disks[vm->vm_ndisks++];
		snprintf(d->vd_file, sizeof(d->vd_file), "%s", vdi->xo_id);
		snprintf(d->vd_format, sizeof(d->vd_format), "raw");
		d->vd_size = -1;
		if (rec_num(vdi, "virtual_size", 1, l->vl_disk_max,
		    &d->vd_capacity, err) < 0)
			return -1;
	}
	for (i = 0; i < vm->vm_ndisks; i++)
		for (n = 0; n < i; n++)
			if (strcmp(vm->vm_disks[i].vd_file,
			    vm->vm_disks[n].vd_file) == 0)
				return err_set(err, "VDI %s is attached twice",
				    vm->vm_disks[i].vd_file);
	return 0;
}

static int
nics_read(const struct xmeta *m, struct vmfmt_vm *vm, char *err)
{
	struct slot s[VMFMT_MAX_NICS];
	const struct xobj *net;
	char *ref, *name;
	int i, n;

	if (slots_of(m, "VIF", "device", s, VMFMT_MAX_NICS, &n, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		ref = rec_get(s[i].s_obj->xo_rec, "network");
		net = obj_find(m, "network", ref);
		free(ref);
		name = net ? rec_get(net->xo_rec, "name_label") : NULL;
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) >= VMFMT_NET_MAX) {
			free(name);
			return err_set(err, "VIF %s: its network is not in the "
			    "export or has no name_label of at most %d bytes",
			    s[i].s_obj->xo_id, VMFMT_NET_MAX - 1);
		}
		snprintf(vm->vm_nics[vm->vm_nnics++].vn_network, VMFMT_NET_MAX,
		    "%s", name);
		free(name);
	}
	return 0;
}

static void
xmeta_free(struct xmeta *m)
{
	int i;

	for (i = 0; i < m->xm_n; i++) {
		free(m->xm_objs[i].xo_class);
		free(m->xm_objs[i].xo_id);
	}
	free(m);
}

int
xva_meta_parse(const char *buf, size_t len, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct xmeta *m = calloc(1, sizeof(*m));
	xmlNodePtr root, top, objs;
	xmlDocPtr doc = NULL;
	int rc = -1;

	memset(vm, 0, sizeof(*vm));
	if (m == NULL)
		return err_set(err, "ova.xml: out of memory");
	if ((doc = vmfmt_xml_read(buf, len, (size_t)l->vl_meta_max, "ova.xml",
	    err)) == NULL)
		goto out;
	root = xmlDocGetRootElement(doc);
	top = strcmp((const char *)root->name, "value") == 0 ?
	    vmfmt_xml_child(root, "struct") : NULL;
	objs = vmfmt_xml_child(rpc_member(top, "objects"), "array");
	if (top == NULL || objs == NULL ||
	    vmfmt_xml_child(rpc_member(top, "version"), "struct") == NULL) {
		err_set(err, "ova.xml: not an XML-RPC struct with version and "
		    "objects");
		goto out;
	}
	if (objects_read(m, objs, err) < 0 || vm_read(m, vm, err) < 0 ||
	    disks_read(m, l, vm, err) < 0 || nics_read(m, vm, err) < 0) {
		err_prefix(err, "ova.xml");
		goto out;
	}
	rc = 0;
out:
	xmeta_free(m);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return rc;
}
