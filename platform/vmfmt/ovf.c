/*
 * ovf.c - OVF envelopes (DMTF DSP0243, 1.x and 2.x) read and written
 * with libxml2.  Pure: a buffer in, a struct vmfmt_vm out, and back.
 *
 * Read: References/File (id, href, size), DiskSection/Disk (diskId,
 * fileRef, capacity and its units, format), NetworkSection/Network
 * (name), one VirtualSystem (Name, else its id) and its
 * VirtualHardwareSection's items by CIM ResourceType: 3 processors, 4
 * memory, 17 disk drive (HostResource "ovf:/disk/ID"), 10 Ethernet
 * adapter (Connection = a network's name); controllers (5, 6, 20) and
 * other items are skipped.  OVF 2.x's EthernetPortItem and StorageItem
 * are read like Item.  Elements are matched by local name, the ovf:
 * attributes in the envelope's own namespace.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define OVF_NS1	"http://schemas.dmtf.org/ovf/envelope/1"
#define OVF_NS2	"http://schemas.dmtf.org/ovf/envelope/2"
#define RASD_NS	"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
		"CIM_ResourceAllocationSettingData"
#define VSSD_NS	"http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/" \
		"CIM_VirtualSystemSettingData"
#define VMDK_URI "http://www.vmware.com/interfaces/specifications/vmdk.html"

#define OVF_MAX_FILES	32
#define OVF_MAX_DISKS	32
#define OVF_MAX_NETS	32

/* The disk format URIs read and written, and their vmfmt names. */
static const struct {
	const char *uri;
	const char *format;
} disk_uris[] = {
	{ VMDK_URI "#streamOptimized", "vmdk-stream" },
	{ VMDK_URI "#sparse", "vmdk" },
	{ VMDK_URI "#monolithicSparse", "vmdk" },
	{ "http://www.gnome.org/~markmc/qcow-image-format.html", "qcow2" },
	{ "http://technet.microsoft.com/en-us/library/bb676673.aspx", "vhd" },
	{ NULL, NULL }
};

struct ovf_file {
	char	*of_id;
	char	*of_href;
	int64_t	 of_size;
};

struct ovf_disk {
	char	*od_id;
	int	 od_file;		/* index in files */
	int64_t	 od_capacity;
	const char *od_format;
};

struct ovf {
	const xmlChar	*o_ns;
	const struct vmfmt_limits *o_lim;
	int		 o_nfiles, o_ndisks, o_nnets;
	struct ovf_file	 o_files[OVF_MAX_FILES];
	struct ovf_disk	 o_disks[OVF_MAX_DISKS];
	char		*o_nets[OVF_MAX_NETS];
};

/* An ovf: attribute (the envelope's namespace, else none): malloc'd. */
static char *
attr(const struct ovf *o, xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNsProp(n, (const xmlChar *)name, o->o_ns);
	char *s;

	if (v == NULL)
		v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (v == NULL)
		return NULL;
	s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

/* A whole non-negative decimal number. */
static int
num_parse(const char *s, int64_t *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Allocation units ("byte", "byte * 2^20", "MegaBytes", ...) as a
 * multiplier of bytes; -1 when not understood. */
static int64_t
units_parse(const char *u)
{
	static const struct { const char *name; int64_t mul; } named[] = {
		{ "byte", 1 }, { "bytes", 1 }, { "kilobytes", 1 << 10 },
		{ "kb", 1 << 10 }, { "megabytes", 1 << 20 }, { "mb", 1 << 20 },
		{ "gigabytes", 1 << 30 }, { "gb", 1 << 30 }, { NULL, 0 }
	};
	char s[64];
	int64_t m = 1;
	size_t n = 0;
	int base, exp, i;

	for (; *u && n < sizeof(s) - 1; u++)
		if (!isspace((unsigned char)*u))
			s[n++] = (char)tolower((unsigned char)*u);
	s[n] = '\0';
	for (i = 0; named[i].name != NULL; i++)
		if (strcmp(s, named[i].name) == 0)
			return named[i].mul;
	if (sscanf(s, "byte*%d^%d%zn", &base, &exp, &n) != 2 ||
	    s[n] != '\0' || (base != 2 && base != 10) || exp < 0 || exp > 62)
		return -1;
	for (i = 0; i < exp; i++)
		if (__builtin_mul_overflow(m, base, &m))
			return -1;
	return m;
}

/* quantity * units, or -1 on overflow or units not understood. */
static int64_t
scaled(int64_t q, const char *units)
{
	int64_t m = units ? units_parse(units) : 1, r;

	if (m < 0 || __builtin_mul_overflow(q, m, &r))
		return -1;
	return r;
}

static int
files_parse(struct ovf *o, xmlNodePtr refs, char *err)
{
	struct ovf_file *f;
	xmlNodePtr n;
	char *size;
	int rc;

	for (n = refs->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "File") != 0)
			continue;
		if (o->o_nfiles == OVF_MAX_FILES)
			return err_set(err, "References: more than %d File "
			    "elements", OVF_MAX_FILES);
		f = &o->o_files[o->o_nfiles++];
		f->of_id = attr(o, n, "id");
		f->of_href = attr(o, n, "href");
		f->of_size = -1;
		if (f->of_id == NULL || f->of_href == NULL)
			return err_set(err, "References/File %d: no ovf:id or "
			    "ovf:href", o->o_nfiles);
		if (vmfmt_name_check(f->of_href, 0, err) < 0)
			return err_prefix(err, "References/File \"%s\" href",
			    f->of_id);
		if ((size = attr(o, n, "size")) == NULL)
			continue;
		rc = num_parse(size, &f->of_size);
		free(size);
		if (rc < 0 || f->of_size > o->o_lim->vl_member_max)
			return err_set(err, "References/File \"%s\": ovf:size "
			    "is not a number of at most %lld bytes", f->of_id,
			    (long long)o->o_lim->vl_member_max);
	}
	return 0;
}

static int
file_index(const struct ovf *o, const char *id)
{
	int i;

	for (i = 0; i < o->o_nfiles; i++)
		if (strcmp(o->o_files[i].of_id, id) == 0)
			return i;
	return -1;
}

static const char *
format_of_uri(const char *uri)
{
	int i;

	for (i = 0; disk_uris[i].uri != NULL; i++)
		if (strcmp(disk_uris[i].uri, uri) == 0)
			return disk_uris[i].format;
	return NULL;
}

/* One DiskSection/Disk into d; strings freed by the caller. */
static int
disk_parse(struct ovf *o, xmlNodePtr n, struct ovf_disk *d, char *err)
{
	char *ref = NULL, *cap = NULL, *units = NULL, *fmt = NULL;
	int64_t q;
	int rc = -1;

	if ((d->od_id = attr(o, n, "diskId")) == NULL) {
		err_set(err, "DiskSection/Disk %d: no ovf:diskId",
		    o->o_ndisks);
		goto out;
	}
	ref = attr(o, n, "fileRef");
	cap = attr(o, n, "capacity");
	units = attr(o, n, "capacityAllocationUnits");
	fmt = attr(o, n, "format");
	if (ref == NULL || (d->od_file = file_index(o, ref)) < 0) {
		err_set(err, "Disk \"%s\": ovf:fileRef \"%s\" is not a File in "
		    "References", d->od_id, ref ? ref : "");
		goto out;
	}
	if (cap == NULL || num_parse(cap, &q) < 0 ||
	    (d->od_capacity = scaled(q, units)) <= 0 ||
	    d->od_capacity > o->o_lim->vl_disk_max) {
		err_set(err, "Disk \"%s\": ovf:capacity \"%s\" (%s) is not "
		    "a size of 1..%lld bytes", d->od_id, cap ? cap : "",
		    units ? units : "byte", (long long)o->o_lim->vl_disk_max);
		goto out;
	}
	if (fmt == NULL || (d->od_format = format_of_uri(fmt)) == NULL) {
		err_set(err, "Disk \"%s\": ovf:format \"%s\" is not a VMDK, "
		    "qcow2 or VHD URI", d->od_id, fmt ? fmt : "");
		goto out;
	}
	rc = 0;
out:
	free(ref);
	free(cap);
	free(units);
	free(fmt);
	return rc;
}

static int
disks_parse(struct ovf *o, xmlNodePtr sec, char *err)
{
	xmlNodePtr n;

	for (n = sec ? sec->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "Disk") != 0)
			continue;
		if (o->o_ndisks == OVF_MAX_DISKS)
			return err_set(err, "DiskSection: more than %d disks",
			    OVF_MAX_DISKS);
		if (disk_parse(o, n, &o->o_disks[o->o_ndisks++], err) < 0)
			return -1;
	}
	return 0;
}

static int
nets_parse(struct ovf *o, xmlNodePtr sec, char *err)
{
	xmlNodePtr n;
	char *name;

	for (n = sec ? sec->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "Network") != 0)
			continue;
		if (o->o_nnets == OVF_MAX_NETS)
			return err_set(err, "NetworkSection: more than %d "
			    "networks", OVF_MAX_NETS);
		name = attr(o, n, "name");
		if (name == NULL || name[0] == '\0' ||
		    strlen(name) >= VMFMT_NET_MAX) {
			free(name);
			return err_set(err, "NetworkSection/Network %d: "
			    "ovf:name missing or longer than %d bytes",
			    o->o_nnets + 1, VMFMT_NET_MAX - 1);
		}
		o->o_nets[o->o_nnets++] = name;
	}
	return 0;
}

/* The VM's name from the VirtualSystem: [A-Za-z0-9_.-], alnum first;
 * other characters become '-'. */
static int
name_parse(struct ovf *o, xmlNodePtr vs, struct vmfmt_vm *vm, char *err)
{
	xmlNodePtr nn = vmfmt_xml_child(vs, "Name");
	char *s = nn ? vmfmt_xml_text(nn) : attr(o, vs, "id");
	size_t i, n = 0;

	if (s == NULL || s[0] == '\0') {
		free(s);
		return err_set(err, "VirtualSystem: no Name and no ovf:id");
	}
	if (!isalnum((unsigned char)s[0]))
		vm->vm_name[n++] = 'v';
	for (i = 0; s[i] && n < sizeof(vm->vm_name) - 1; i++)
		vm->vm_name[n++] = isalnum((unsigned char)s[i]) ||
		    strchr("_.-", s[i]) ? s[i] : '-';
	vm->vm_name[n] = '\0';
	free(s);
	return 0;
}

/* The text of item's child element name (malloc'd), or NULL. */
static char *
item_get(xmlNodePtr item, const char *name)
{
	xmlNodePtr c = vmfmt_xml_child(item, name);

	return c ? vmfmt_xml_text(c) : NULL;
}

static int
item_cpu(xmlNodePtr it, struct vmfmt_vm *vm, char *err)
{
	char *q = item_get(it, "VirtualQuantity");
	int64_t v;
	int rc = 0;

	if (vm->vm_vcpus != 0)
		rc = err_set(err, "VirtualHardwareSection: a second processor "
		    "Item (ResourceType 3)");
	else if (q == NULL || num_parse(q, &v) < 0 || v < 1 || v > 64)
		rc = err_set(err, "processor Item: VirtualQuantity \"%s\" is "
		    "not 1..64", q ? q : "");
	else
		vm->vm_vcpus = (int)v;
	free(q);
	return rc;
}

static int
item_memory(xmlNodePtr it, struct vmfmt_vm *vm, char *err)
{
	char *q = item_get(it, "VirtualQuantity");
	char *u = item_get(it, "AllocationUnits");
	int64_t v = -1, b = -1;
	int rc = 0;

	if (q != NULL && num_parse(q, &v) == 0)
		b = scaled(v, u ? u : "byte * 2^20");
	if (vm->vm_memory_mib != 0)
		rc = err_set(err, "VirtualHardwareSection: a second memory "
		    "Item (ResourceType 4)");
	else if (b < ((int64_t)16 << 20) || b > ((int64_t)1048576 << 20))
		rc = err_set(err, "memory Item: VirtualQuantity \"%s\" of "
		    "\"%s\" is not 16 MiB..1 TiB", q ? q : "",
		    u ? u : "byte * 2^20");
	else
		vm->vm_memory_mib = (int)(b >> 20);
	free(q);
	free(u);
	return rc;
}

static int
item_disk(struct ovf *o, xmlNodePtr it, struct vmfmt_vm *vm, char *err)
{
	char *h = item_get(it, "HostResource");
	const char *id = NULL;
	struct ovf_disk *d = NULL;
	struct vmfmt_disk *vd;
	int i, rc = -1;

	if (h != NULL && strncmp(h, "ovf:/disk/", 10) == 0)
		id = h + 10;
	else if (h != NULL && strncmp(h, "/disk/", 6) == 0)
		id = h + 6;
	for (i = 0; id != NULL && i < o->o_ndisks; i++)
		if (strcmp(o->o_disks[i].od_id, id) == 0)
			d = &o->o_disks[i];
	if (d == NULL) {
		err_set(err, "disk Item: HostResource \"%s\" is not a Disk of "
		    "the DiskSection", h ? h : "");
		goto out;
	}
	if (vm->vm_ndisks == VMFMT_MAX_DISKS) {
		err_set(err, "VirtualHardwareSection: more than %d disks",
		    VMFMT_MAX_DISKS);
		goto out;
	}
	for (i = 0; i < vm->vm_ndisks; i++)
		if (strcmp(vm->vm_disks[i].vd_file,
		    o->o_files[d->od_file].of_href) == 0) {
			err_set(err, "disk Item: file \"%s\" is attached "
			    "twice", vm->vm_disks[i].vd_file);
			goto out;
		}
	vd = &vm->vm_disks[vm->vm_ndisks++];
	snprintf(vd->vd_file, sizeof(vd->vd_file), "%s",
	    o->o_files[d->od_file].of_href);
	snprintf(vd->vd_format, sizeof(vd->vd_format), "%s", d->od_format);
	vd->vd_capacity = d->od_capacity;
	vd->vd_size = o->o_files[d->od_file].of_size;
	rc = 0;
out:
	free(h);
	return rc;
}

static int
item_nic(struct ovf *o, xmlNodePtr it, struct vmfmt_vm *vm, char *err)
{
	char *c = item_get(it, "Connection"), *m = item_get(it,
	    "ResourceSubType");
	struct vmfmt_nic *n;
	int i, found = 0, rc = -1;

	for (i = 0; c != NULL && i < o->o_nnets; i++)
		found |= strcmp(o->o_nets[i], c) == 0;
	if (!found)
		err_set(err, "Ethernet Item: Connection \"%s\" is not a "
		    "Network of the NetworkSection", c ? c : "");
	else if (vm->vm_nnics == VMFMT_MAX_NICS)
		err_set(err, "VirtualHardwareSection: more than %d NICs",
		    VMFMT_MAX_NICS);
	else {
		n = &vm->vm_nics[vm->vm_nnics++];
		snprintf(n->vn_network, sizeof(n->vn_network), "%s", c);
		snprintf(n->vn_model, sizeof(n->vn_model), "%s", m ? m : "");
		rc = 0;
	}
	free(c);
	free(m);
	return rc;
}

static int
item_parse(struct ovf *o, xmlNodePtr it, struct vmfmt_vm *vm, char *err)
{
	char *t = item_get(it, "ResourceType");
	int64_t rt = -1;

	if (t == NULL || num_parse(t, &rt) < 0) {
		free(t);
		return err_set(err, "VirtualHardwareSection: an Item without "
		    "a numeric ResourceType");
	}
	free(t);
	switch (rt) {
	case 3:
		return item_cpu(it, vm, err);
	case 4:
		return item_memory(it, vm, err);
	case 17:
		return item_disk(o, it, vm, err);
	case 10:
		return item_nic(o, it, vm, err);
	default:	/* controllers (5, 6, 20), drives, sound, ... */
		return 0;
	}
}

static int
items_parse(struct ovf *o, xmlNodePtr vs, struct vmfmt_vm *vm, char *err)
{
	xmlNodePtr vhs = vmfmt_xml_child(vs, "VirtualHardwareSection"), n;
	const char *name;

	if (vhs == NULL)
		return err_set(err, "VirtualSystem: no VirtualHardwareSection");
	for (n = vhs->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		name = (const char *)n->name;
		if (strcmp(name, "Item") != 0 &&
		    strcmp(name, "EthernetPortItem") != 0 &&
		    strcmp(name, "StorageItem") != 0)
			continue;
		if (item_parse(o, n, vm, err) < 0)
			return -1;
	}
	if (vm->vm_vcpus == 0 || vm->vm_memory_mib == 0)
		return err_set(err, "VirtualHardwareSection: no processor "
		    "(ResourceType 3) or memory (ResourceType 4) Item");
	return 0;
}

static void
ovf_free(struct ovf *o)
{
	int i;

	for (i = 0; i < o->o_nfiles; i++) {
		free(o->o_files[i].of_id);
		free(o->o_files[i].of_href);
	}
	for (i = 0; i < o->o_ndisks; i++)
		free(o->o_disks[i].od_id);
	for (i = 0; i < o->o_nnets; i++)
		free(o->o_nets[i]);
}

/* The Envelope's sections, in their order of dependence. */
static int
envelope_parse(struct ovf *o, xmlNodePtr env, struct vmfmt_vm *vm,
    char *err)
{
	xmlNodePtr refs = vmfmt_xml_child(env, "References"), vs, n;

	if (refs == NULL)
		return err_set(err, "Envelope: no References");
	if (files_parse(o, refs, err) < 0 ||
	    disks_parse(o, vmfmt_xml_child(env, "DiskSection"), err) < 0 ||
	    nets_parse(o, vmfmt_xml_child(env, "NetworkSection"), err) < 0)
		return -1;
	if (vmfmt_xml_child(env, "VirtualSystemCollection") != NULL)
		return err_set(err, "Envelope: a VirtualSystemCollection (one "
		    "VirtualSystem is read)");
	if ((vs = vmfmt_xml_child(env, "VirtualSystem")) == NULL)
		return err_set(err, "Envelope: no VirtualSystem");
	for (n = vs->next; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "VirtualSystem") == 0)
			return err_set(err, "Envelope: more than one "
			    "VirtualSystem");
	if (name_parse(o, vs, vm, err) < 0)
		return -1;
	return items_parse(o, vs, vm, err);
}

int
ovf_parse(const char *buf, size_t len, const struct vmfmt_limits *l,
    struct vmfmt_vm *vm, char *err)
{
	struct ovf o;
	xmlDocPtr doc;
	xmlNodePtr env;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	memset(vm, 0, sizeof(*vm));
	o.o_lim = l;
	if ((doc = vmfmt_xml_read(buf, len, (size_t)l->vl_meta_max,
	    "OVF descriptor", err)) == NULL)
		return -1;
	env = xmlDocGetRootElement(doc);
	if (strcmp((const char *)env->name, "Envelope") != 0 ||
	    env->ns == NULL || (strcmp((const char *)env->ns->href,
	    OVF_NS1) != 0 && strcmp((const char *)env->ns->href,
	    OVF_NS2) != 0)) {
		err_set(err, "OVF descriptor: the root is not an OVF 1.x or "
		    "2.x Envelope");
		goto out;
	}
	o.o_ns = env->ns->href;
	if (envelope_parse(&o, env, vm, err) < 0) {
		err_prefix(err, "OVF descriptor");
		goto out;
	}
	rc = 0;
out:
	ovf_free(&o);
	xmlFreeDoc(doc);
	return rc;
}

/* --- writing --- */

static const char *
uri_of_format(const char *format)
{
	int i;

	for (i = 0; disk_uris[i].uri != NULL; i++)
		if (strcmp(disk_uris[i].format, format) == 0)
			return disk_uris[i].uri;
	return NULL;
}

/* An element with an ovf: attribute list {name, value, ..., NULL}. */
static int
w_empty(xmlTextWriterPtr w, const char *el, const char *const av[])
{
	int i, rc = xmlTextWriterStartElement(w, BAD_CAST el);

	for (i = 0; rc >= 0 && av[i] != NULL; i += 2)
		rc = xmlTextWriterWriteAttribute(w, BAD_CAST av[i],
		    BAD_CAST av[i + 1]);
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

/* A VirtualHardwareSection Item of rasd: elements {name, value, ...,
 * NULL}, given in the schema's (alphabetical) order. */
static int
w_item(xmlTextWriterPtr w, const char *const kv[])
{
	char el[64];
	int i, rc = xmlTextWriterStartElement(w, BAD_CAST "Item");

	for (i = 0; rc >= 0 && kv[i] != NULL; i += 2) {
		snprintf(el, sizeof(el), "rasd:%s", kv[i]);
		rc = xmlTextWriterWriteElement(w, BAD_CAST el,
		    BAD_CAST kv[i + 1]);
	}
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

static int
w_section(xmlTextWriterPtr w, const char *el, const char *info)
{
	if (xmlTextWriterStartElement(w, BAD_CAST el) < 0)
		return -1;
	return xmlTextWriterWriteElement(w, BAD_CAST "Info", BAD_CAST info);
}

static int
w_references(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	char id[16], size[24];
	int i, rc = xmlTextWriterStartElement(w, BAD_CAST "References");

	for (i = 0; rc >= 0 && i < vm->vm_ndisks; i++) {
		const char *av[] = { "ovf:href", vm->vm_disks[i].vd_file,
		    "ovf:id", id, "ovf:size", size, NULL };
		if (vm->vm_disks[i].vd_size < 0)
			av[4] = NULL;	/* a size not known is left out */
		snprintf(id, sizeof(id), "file%d", i);
		snprintf(size, sizeof(size), "%lld",
		    (long long)vm->vm_disks[i].vd_size);
		rc = w_empty(w, "File", av);
	}
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

static int
w_disks(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	char id[16], file[16], cap[24];
	int i, rc = w_section(w, "DiskSection", "Virtual disks");

	for (i = 0; rc >= 0 && i < vm->vm_ndisks; i++) {
		const char *uri = uri_of_format(vm->vm_disks[i].vd_format);
		const char *av[] = { "ovf:capacity", cap,
		    "ovf:capacityAllocationUnits", "byte", "ovf:diskId", id,
		    "ovf:fileRef", file, "ovf:format", uri, NULL };
		if (uri == NULL)
			return -1;
		snprintf(id, sizeof(id), "disk%d", i);
		snprintf(file, sizeof(file), "file%d", i);
		snprintf(cap, sizeof(cap), "%lld",
		    (long long)vm->vm_disks[i].vd_capacity);
		rc = w_empty(w, "Disk", av);
	}
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

/* Each network once, in the order the NICs name them. */
static int
w_networks(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	int i, j, rc = w_section(w, "NetworkSection", "Logical networks");

	for (i = 0; rc >= 0 && i < vm->vm_nnics; i++) {
		for (j = 0; j < i; j++)
			if (strcmp(vm->vm_nics[j].vn_network,
			    vm->vm_nics[i].vn_network) == 0)
				break;
		if (j < i)
			continue;
		rc = xmlTextWriterStartElement(w, BAD_CAST "Network");
		if (rc >= 0)
			rc = xmlTextWriterWriteAttribute(w, BAD_CAST "ovf:name",
			    BAD_CAST vm->vm_nics[i].vn_network);
		if (rc >= 0)
			rc = xmlTextWriterWriteElement(w,
			    BAD_CAST "Description", BAD_CAST "A VM network");
		if (rc >= 0)
			rc = xmlTextWriterEndElement(w);
	}
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

static int
w_system(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	int rc = xmlTextWriterStartElement(w, BAD_CAST "System");

	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w, BAD_CAST "vssd:ElementName",
		    BAD_CAST "Virtual Hardware Family");
	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w, BAD_CAST "vssd:InstanceID",
		    BAD_CAST "0");
	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w,
		    BAD_CAST "vssd:VirtualSystemIdentifier",
		    BAD_CAST vm->vm_name);
	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w,
		    BAD_CAST "vssd:VirtualSystemType", BAD_CAST "hvd-1");
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

/* Processors, memory, one SCSI controller (InstanceID 3) with the
 * disks, then the NICs. */
static int
w_hardware(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	char cpus[16], mem[16], host[32], iid[16], addr[16];
	const char *cpu[] = { "AllocationUnits", "hertz * 10^6",
	    "ElementName", "virtual CPUs", "InstanceID", "1", "ResourceType",
	    "3", "VirtualQuantity", cpus, NULL };
	const char *ram[] = { "AllocationUnits", "byte * 2^20", "ElementName",
	    "memory", "InstanceID", "2", "ResourceType", "4",
	    "VirtualQuantity", mem, NULL };
	const char *ctl[] = { "Address", "0", "ElementName", "scsi0",
	    "InstanceID", "3", "ResourceSubType", "virtio-scsi",
	    "ResourceType", "6", NULL };
	int i, rc;

	snprintf(cpus, sizeof(cpus), "%d", vm->vm_vcpus);
	snprintf(mem, sizeof(mem), "%d", vm->vm_memory_mib);
	rc = w_section(w, "VirtualHardwareSection", "Virtual hardware");
	if (rc >= 0)
		rc = w_system(w, vm);
	if (rc >= 0)
		rc = w_item(w, cpu);
	if (rc >= 0)
		rc = w_item(w, ram);
	if (rc >= 0)
		rc = w_item(w, ctl);
	for (i = 0; rc >= 0 && i < vm->vm_ndisks; i++) {
		const char *dk[] = { "AddressOnParent", addr, "ElementName",
		    "disk", "HostResource", host, "InstanceID", iid, "Parent",
		    "3", "ResourceType", "17", NULL };
		snprintf(addr, sizeof(addr), "%d", i);
		snprintf(host, sizeof(host), "ovf:/disk/disk%d", i);
		snprintf(iid, sizeof(iid), "%d", 10 + i);
		rc = w_item(w, dk);
	}
	for (i = 0; rc >= 0 && i < vm->vm_nnics; i++) {
		const char *nic[] = { "AutomaticAllocation", "true",
		    "Connection", vm->vm_nics[i].vn_network, "ElementName",
		    "ethernet", "InstanceID", iid, "ResourceSubType",
		    vm->vm_nics[i].vn_model, "ResourceType", "10", NULL };
		if (vm->vm_nics[i].vn_model[0] == '\0') {
			/* no model: the importer's default */
			nic[8] = "ResourceType";
			nic[9] = "10";
			nic[10] = NULL;
		}
		snprintf(iid, sizeof(iid), "%d", 20 + i);
		rc = w_item(w, nic);
	}
	return rc < 0 ? rc : xmlTextWriterEndElement(w);
}

static int
w_envelope(xmlTextWriterPtr w, const struct vmfmt_vm *vm)
{
	const char *env[] = { "ovf:version", "1.0", "xmlns", OVF_NS1,
	    "xmlns:ovf", OVF_NS1, "xmlns:rasd", RASD_NS, "xmlns:vssd",
	    VSSD_NS, NULL };
	int i, rc = xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);

	if (rc >= 0)
		rc = xmlTextWriterStartElement(w, BAD_CAST "Envelope");
	for (i = 0; rc >= 0 && env[i] != NULL; i += 2)
		rc = xmlTextWriterWriteAttribute(w, BAD_CAST env[i],
		    BAD_CAST env[i + 1]);
	if (rc >= 0)
		rc = w_references(w, vm);
	if (rc >= 0)
		rc = w_disks(w, vm);
	if (rc >= 0)
		rc = w_networks(w, vm);
	if (rc >= 0)
		rc = xmlTextWriterStartElement(w, BAD_CAST "VirtualSystem");
	if (rc >= 0)
		rc = xmlTextWriterWriteAttribute(w, BAD_CAST "ovf:id",
		    BAD_CAST vm->vm_name);
	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w, BAD_CAST "Info",
		    BAD_CAST "A virtual machine");
	if (rc >= 0)
		rc = xmlTextWriterWriteElement(w, BAD_CAST "Name",
		    BAD_CAST vm->vm_name);
	if (rc >= 0)
		rc = w_hardware(w, vm);
	return rc < 0 ? rc : xmlTextWriterEndDocument(w);
}

int
ovf_write(const struct vmfmt_vm *vm, char **out, size_t *len, char *err)
{
	xmlBufferPtr b = xmlBufferCreate();
	xmlTextWriterPtr w = b ? xmlNewTextWriterMemory(b, 0) : NULL;
	int rc = -1;

	if (w == NULL) {
		err_set(err, "OVF descriptor: out of memory");
		goto out;
	}
	xmlTextWriterSetIndent(w, 1);
	if (w_envelope(w, vm) < 0) {
		err_set(err, "OVF descriptor of %s: cannot be written (a disk "
		    "format without an OVF URI?)", vm->vm_name);
		goto out;
	}
	xmlFreeTextWriter(w);
	w = NULL;
	if ((*out = strdup((const char *)xmlBufferContent(b))) == NULL) {
		err_set(err, "OVF descriptor: out of memory");
		goto out;
	}
	*len = strlen(*out);
	rc = 0;
out:
	if (w != NULL)
		xmlFreeTextWriter(w);
	if (b != NULL)
		xmlBufferFree(b);
	return rc;
}
