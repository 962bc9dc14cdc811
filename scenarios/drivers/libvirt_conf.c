/*
 * libvirt_conf.c - the texts the libvirt driver writes and reads: each
 * host's libvirtd.conf and qemu.conf, the cluster's corosync.conf, domain
 * and storage pool XML, and crm_mon's, corosync-quorumtool's and
 * ovs-vsctl's answers read back.
 * Pure (no I/O), so tests/check_libvirt.c checks them without a lab.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "err.h"
#include "scenarios/drivers/libvirt.h"

/* Append to buf at *off; -1 with err when it does not fit. */
static int
put(char *buf, size_t len, size_t *off, char *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
put(char *buf, size_t len, size_t *off, char *err, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return err_set(err, "text longer than %zu bytes", len);
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return err_set(err, "text longer than %zu bytes", len);
	*off += (size_t)n;
	return 0;
}

/* XML-escaped s into out; -1 when it does not fit. */
static int
xml_esc(const char *s, char *out, size_t len, char *err)
{
	size_t o = 0;

	for (; *s != '\0'; s++) {
		const char *r = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" :
		    *s == '>' ? "&gt;" : *s == '\'' ? "&apos;" : *s == '"' ?
		    "&quot;" : NULL;
		size_t n = r ? strlen(r) : 1;

		if (o + n >= len)
			return err_set(err, "'%.40s...' is too long for XML",
			    s);
		if (r)
			memcpy(out + o, r, n);
		else
			out[o] = *s;
		o += n;
	}
	out[o] = '\0';
	return 0;
}

/* A name libvirt, OVS and the lab all take: [A-Za-z0-9._-], 1..63. */
static int
plain_name(const char *what, const char *s, char *err)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || strlen(s) > 63)
		return err_set(err, "%s '%s': 1 to 63 characters", what,
		    s ? s : "");
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    strchr("._-:", s[i]) != NULL))
			return err_set(err, "%s '%s': character '%c' is not "
			    "one of [A-Za-z0-9._-:]", what, s, s[i]);
	return 0;
}

int
lv_libvirtd_conf(const char *addr, size_t index, char *buf, size_t len,
    char *err)
{
	unsigned a, b, c, d;
	size_t off = 0;

	if (sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a > 255 ||
	    b > 255 || c > 255 || d > 255)
		return err_set(err, "host address '%s' is not IPv4", addr);
	/* host_uuid: libvirt refuses to migrate between hosts with one
	 * UUID, and namespace hosts share the machine's SMBIOS UUID. */
	return put(buf, len, &off, err,
	    "# written by hvlab's libvirt driver (docs/platforms/libvirt.md)\n"
	    "host_uuid = \"6876686c-6162-4c76-8%03zx-%02x%02x%02x%02x0000\"\n"
	    "# host-to-host (peer-to-peer migration) and the station: TLS\n"
	    "# with the lab's CA; a client needs a certificate it signed\n"
	    "listen_tls = 1\n"
	    "listen_tcp = 0\n"
	    "listen_addr = \"%s\"\n"
	    "tls_port = \"%d\"\n"
	    "auth_tls = \"none\"\n"
	    "ca_file = \"" LV_PKI_DIR "/cacert.pem\"\n"
	    "cert_file = \"" LV_PKI_DIR "/servercert.pem\"\n"
	    "key_file = \"" LV_PKI_DIR "/serverkey.pem\"\n"
	    "unix_sock_group = \"root\"\n"
	    "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n",
	    index & 0xfff, a, b, c, d, addr, LV_TLS_PORT);
}

int
lv_qemu_conf(const char *addr, char *buf, size_t len, char *err)
{
	size_t off = 0;

	return put(buf, len, &off, err,
	    "# written by hvlab's libvirt driver (docs/platforms/libvirt.md)\n"
	    "user = \"root\"\n"
	    "group = \"root\"\n"
	    "dynamic_ownership = 0\n"
	    "remember_owner = 0\n"
	    "# a namespace host has no cgroup controllers of its own, no\n"
	    "# AppArmor/SELinux and no private /dev per VM\n"
	    "cgroup_controllers = [ ]\n"
	    "security_driver = \"none\"\n"
	    "namespaces = [ ]\n"
	    "# serial and QEMU output to files: no virtlogd\n"
	    "stdio_handler = \"file\"\n"
	    "migration_host = \"%s\"\n"
	    "migration_port_min = %d\n"
	    "migration_port_max = %d\n",
	    addr, LV_MIGRATE_PORT_MIN, LV_MIGRATE_PORT_MAX);
}

/* The quorum section: votequorum, with a qdevice whose arbiter is
 * corosync-qnetd at qnetd, else two_node for 2 hosts. */
static int
corosync_quorum(size_t n, const char *qnetd, char *buf, size_t len,
    size_t *off, char *err)
{
	unsigned a, b, c, d;
	char tail;

	if (put(buf, len, off, err, "}\n\nquorum {\n"
	    "\tprovider: corosync_votequorum\n") == -1)
		return -1;
	if (qnetd == NULL)
		return put(buf, len, off, err, "%s}\n", n == 2 ?
		    "\ttwo_node: 1\n" : "");
	if (sscanf(qnetd, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return err_set(err, "qnetd address '%s' is not IPv4", qnetd);
	/* ffsplit: one vote to the larger (or, on a tie, the better
	 * connected) partition; it wants 1 vote per node and 1 for the
	 * device.  TLS required: the cluster's certificate, signed by
	 * qnetd's CA, is in each host's NSS database (libvirt_qdevice.c). */
	return put(buf, len, off, err, "\tdevice {\n\t\tmodel: net\n"
	    "\t\tvotes: 1\n\t\tnet {\n\t\t\thost: %s\n"
	    "\t\t\tport: %d\n\t\t\talgorithm: ffsplit\n"
	    "\t\t\ttls: required\n\t\t}\n\t}\n}\n", qnetd,
	    LV_QNETD_PORT);
}

int
lv_corosync_conf(const char *name, const struct drv_host *hosts, size_t n,
    const char *qnetd, char *buf, size_t len, char *err)
{
	size_t off = 0, i;

	if (plain_name("cluster name", name, err) == -1)
		return -1;
	if (n == 0)
		return err_set(err, "a cluster needs at least one host");
	/* Every '{' ends its line: corosync's parser wants it so. */
	if (put(buf, len, &off, err,
	    "# written by hvlab's libvirt driver (docs/platforms/libvirt.md)\n"
	    "totem {\n\tversion: 2\n\tcluster_name: %s\n"
	    "\ttransport: knet\n\tcrypto_cipher: none\n\tcrypto_hash: none\n"
	    "}\n\nnodelist {\n", name) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (plain_name("host name", hosts[i].h_name, err) == -1)
			return -1;
		if (put(buf, len, &off, err, "\tnode {\n\t\tring0_addr: %s\n"
		    "\t\tname: %s\n\t\tnodeid: %zu\n\t}\n", hosts[i].h_addr,
		    hosts[i].h_name, i + 1) == -1)
			return -1;
	}
	if (corosync_quorum(n, qnetd, buf, len, &off, err) == -1)
		return -1;
	return put(buf, len, &off, err, "\nlogging {\n"
	    "\tto_logfile: yes\n\tlogfile: /var/log/corosync/corosync.log\n"
	    "\tto_syslog: no\n\tto_stderr: no\n\ttimestamp: on\n}\n");
}

/* "Key:   value" of a quorumtool line into v (trimmed); 1 when key. */
static int
qt_field(const char *line, const char *key, char *v, size_t vlen)
{
	size_t k = strlen(key), n;

	if (strncmp(line, key, k) != 0 || line[k] != ':')
		return 0;
	line += k + 1;
	line += strspn(line, " \t");
	n = strcspn(line, "\n");
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n >= vlen)
		n = vlen - 1;
	memcpy(v, line, n);
	v[n] = '\0';
	return 1;
}

/* One line of `corosync-quorumtool -s` into q. */
static void
qt_line(const char *line, struct lv_quorum *q)
{
	char v[128], name[32];
	int id, votes;

	if (qt_field(line, "Nodes", v, sizeof(v)))
		q->q_nodes = atoi(v);
	else if (qt_field(line, "Quorate", v, sizeof(v))) {
		q->q_quorate = strcmp(v, "Yes") == 0;
		q->q_seen |= 1;
	} else if (qt_field(line, "Expected votes", v, sizeof(v))) {
		q->q_expected = atoi(v);
		q->q_seen |= 2;
	} else if (qt_field(line, "Total votes", v, sizeof(v)))
		q->q_total = atoi(v);
	else if (qt_field(line, "Quorum", v, sizeof(v)))
		q->q_quorum = atoi(v);
	else if (qt_field(line, "Flags", v, sizeof(v)))
		q->q_two_node = strstr(v, "2Node") != NULL;
	/* the membership table's device row: "0  1  Qdevice" (its
	 * votes count only while the arbiter gives them) */
	else if (sscanf(line, " %d %d %31s", &id, &votes, name) == 3 &&
	    id == 0 && strcmp(name, "Qdevice") == 0)
		q->q_qdevice_votes = votes;
}

int
lv_quorumtool_parse(const char *out, struct lv_quorum *q, char *err)
{
	const char *p, *nl;
	char line[256];

	memset(q, 0, sizeof(*q));
	q->q_qdevice_votes = -1;
	for (p = out; p != NULL && *p != '\0'; p = *nl ? nl + 1 : nl) {
		size_t l;

		nl = p + strcspn(p, "\n");
		l = (size_t)(nl - p);
		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, p, l);
		line[l] = '\0';
		qt_line(line, q);
	}
	if (q->q_seen != 3)
		return err_set(err, "corosync-quorumtool: no 'Quorate:' or "
		    "'Expected votes:' in its answer");
	return 0;
}

/* <disk>: the VM's own qcow2 file, or the LUN through QEMU's own iSCSI
 * initiator (libiscsi). */
static int
domain_disk(const struct lv_domain *d, char *buf, size_t len, size_t *off,
    char *err)
{
	char iqn[256], file[1024];

	if (d->d_disk_file != NULL) {
		if (xml_esc(d->d_disk_file, file, sizeof(file), err) == -1)
			return -1;
		return put(buf, len, off, err,
		    "    <disk type='file' device='disk'>\n"
		    "      <driver name='qemu' type='qcow2'/>\n"
		    "      <source file='%s'/>\n"
		    "      <target dev='vda' bus='virtio'/>\n"
		    "    </disk>\n", file);
	}
	if (d->d_portal_host == NULL)
		return 0;
	if (xml_esc(d->d_iqn, iqn, sizeof(iqn), err) == -1)
		return -1;
	return put(buf, len, off, err,
	    "    <disk type='network' device='disk'>\n"
	    "      <driver name='qemu' type='raw' cache='none'/>\n"
	    "      <source protocol='iscsi' name='%s/%d'>\n"
	    "        <host name='%s' port='%d'/>\n"
	    "      </source>\n"
	    "      <target dev='vda' bus='virtio'/>\n"
	    "    </disk>\n", iqn, d->d_lun, d->d_portal_host,
	    d->d_portal_port);
}

/*
 * <os> and what goes with it: the lab's kernel booted directly with its
 * command line, or the VM's own disk through the firmware with its words
 * as SMBIOS OEM strings (the hvlab guest reads both, docs/guest.md).
 */
static int
domain_os(const struct lv_domain *d, char *buf, size_t len, size_t *off,
    char *err)
{
	char kernel[1024], initrd[1024], cmdline[1024];

	if (d->d_kernel == NULL) {
		if (xml_esc(d->d_oem ? d->d_oem : "", cmdline,
		    sizeof(cmdline), err) == -1)
			return -1;
		return put(buf, len, off, err,
		    "  <sysinfo type='smbios'>\n    <oemStrings><entry>%s"
		    "</entry></oemStrings>\n  </sysinfo>\n"
		    "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n"
		    "    <boot dev='hd'/>\n    <smbios mode='sysinfo'/>\n"
		    "  </os>\n", cmdline, d->d_machine);
	}
	if (xml_esc(d->d_kernel, kernel, sizeof(kernel), err) == -1 ||
	    xml_esc(d->d_initrd, initrd, sizeof(initrd), err) == -1 ||
	    xml_esc(d->d_cmdline ? d->d_cmdline : "", cmdline,
	    sizeof(cmdline), err) == -1)
		return -1;
	return put(buf, len, off, err,
	    "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n"
	    "    <kernel>%s</kernel>\n    <initrd>%s</initrd>\n"
	    "    <cmdline>%s</cmdline>\n  </os>\n", d->d_machine, kernel,
	    initrd, cmdline);
}

int
lv_domain_xml(const struct lv_domain *d, char *buf, size_t len, char *err)
{
	char vlan[64] = "";
	size_t off = 0;

	if (plain_name("VM name", d->d_name, err) == -1 ||
	    plain_name("machine", d->d_machine, err) == -1)
		return -1;
	if (strcmp(d->d_type, "qemu") != 0 && strcmp(d->d_type, "kvm") != 0)
		return err_set(err, "domain type '%s' (qemu or kvm)",
		    d->d_type);
	if ((d->d_kernel == NULL || d->d_initrd == NULL) &&
	    d->d_disk_file == NULL)
		return err_set(err, "VM %s: no guest kernel and initrd, and "
		    "no disk to boot from", d->d_name);
	if (d->d_vlan < 0 || d->d_vlan > 4094)
		return err_set(err, "VM %s: VLAN %d", d->d_name, d->d_vlan);
	if (d->d_vlan > 0)
		snprintf(vlan, sizeof(vlan), "      <vlan><tag id='%d'/>"
		    "</vlan>\n", d->d_vlan);
	if (put(buf, len, &off, err,
	    "<domain type='%s'>\n  <name>%s</name>\n"
	    "  <memory unit='MiB'>%d</memory>\n  <vcpu>%d</vcpu>\n",
	    d->d_type, d->d_name, d->d_memory_mib > 0 ? d->d_memory_mib : 128,
	    d->d_vcpus > 0 ? d->d_vcpus : 1) == -1 ||
	    domain_os(d, buf, len, &off, err) == -1 ||
	    put(buf, len, &off, err,
	    "  <features><acpi/></features>\n  <clock offset='utc'/>\n"
	    "  <on_poweroff>destroy</on_poweroff>\n"
	    "  <on_reboot>restart</on_reboot>\n"
	    "  <on_crash>destroy</on_crash>\n  <devices>\n") == -1 ||
	    domain_disk(d, buf, len, &off, err) == -1)
		return -1;
	/* Checksums done by the guest: the host's userspace OVS forwards a
	 * frame left for "hardware" unfinished (docs/lab.md). */
	return put(buf, len, &off, err,
	    "    <interface type='bridge'>\n"
	    "      <source bridge='%s'/>\n"
	    "      <virtualport type='openvswitch'/>\n%s"
	    "      <model type='virtio'/>\n"
	    "      <driver name='qemu'><host csum='off'/>"
	    "<guest csum='off'/></driver>\n"
	    "    </interface>\n"
	    "    <serial type='file'>\n"
	    "      <source path='/var/log/libvirt/qemu/%s.serial'/>\n"
	    "      <target port='0'/>\n    </serial>\n"
	    "    <memballoon model='none'/>\n"
	    "  </devices>\n</domain>\n", LV_BRIDGE, vlan, d->d_name);
}

int
lv_volume_xml(const char *name, unsigned long long capacity,
    const char *backing, char *buf, size_t len, char *err)
{
	char b[1024];
	size_t off = 0;

	if (plain_name("volume name", name, err) == -1)
		return -1;
	if (put(buf, len, &off, err, "<volume>\n  <name>%s</name>\n"
	    "  <capacity unit='bytes'>%llu</capacity>\n"
	    "  <target><format type='qcow2'/><compat>1.1</compat></target>\n",
	    name, capacity) == -1)
		return -1;
	if (backing != NULL && (xml_esc(backing, b, sizeof(b), err) == -1 ||
	    put(buf, len, &off, err, "  <backingStore><path>%s</path>"
	    "<format type='qcow2'/></backingStore>\n", b) == -1))
		return -1;
	return put(buf, len, &off, err, "</volume>\n");
}

int
lv_snapshot_xml(const char *name, int with_ram, char *buf, size_t len,
    char *err)
{
	size_t off = 0;

	if (plain_name("snapshot name", name, err) == -1)
		return -1;
	/* Internal: the state inside the VM's qcow2, which libvirt 9.0
	 * reverts (it reverts no external snapshot). */
	return put(buf, len, &off, err, "<domainsnapshot>\n"
	    "  <name>%s</name>\n  <memory snapshot='%s'/>\n"
	    "  <disks><disk name='vda' snapshot='internal'/></disks>\n"
	    "</domainsnapshot>\n", name, with_ram ? "internal" : "no");
}

int
lv_pool_xml(const struct lv_pool_src *p, char *buf, size_t len, char *err)
{
	char t[256], i[256];
	size_t off = 0;

	if (plain_name("pool name", p->ps_name, err) == -1 ||
	    xml_esc(p->ps_target, t, sizeof(t), err) == -1 ||
	    xml_esc(p->ps_initiator, i, sizeof(i), err) == -1)
		return -1;
	return put(buf, len, &off, err,
	    "<pool type='iscsi-direct'>\n  <name>%s</name>\n  <source>\n"
	    "    <host name='%s' port='%d'/>\n    <device path='%s'/>\n"
	    "    <initiator><iqn name='%s'/></initiator>\n  </source>\n"
	    "</pool>\n", p->ps_name, p->ps_portal_host, p->ps_portal_port, t,
	    i);
}

int
lv_split_portal(const char *portal, char *host, size_t hlen, int *port,
    char *err)
{
	const char *colon = portal ? strrchr(portal, ':') : NULL;
	unsigned a, b, c, d;
	char tail;
	size_t n;

	if (portal == NULL)
		return err_set(err, "no iSCSI portal");
	n = colon ? (size_t)(colon - portal) : strlen(portal);
	if (n == 0 || n >= hlen)
		return err_set(err, "iSCSI portal '%s'", portal);
	memcpy(host, portal, n);
	host[n] = '\0';
	if (sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return err_set(err, "iSCSI portal '%s': not an IPv4 address",
		    portal);
	*port = 3260;
	if (colon != NULL && (sscanf(colon + 1, "%d%c", port, &tail) != 1 ||
	    *port < 1 || *port > 65535))
		return err_set(err, "iSCSI portal '%s': bad port", portal);
	return 0;
}

static int
attr_is(xmlNode *n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	int r = v != NULL && strcmp((const char *)v, want) == 0;

	xmlFree(v);
	return r;
}

static xmlNode *
child(xmlNode *n, const char *name)
{
	for (n = n ? n->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

xmlNode *
lv_xml_child(xmlNode *n, const char *name)
{
	return child(n, name);
}

xmlDoc *
lv_crm_mon_doc(const char *xml, size_t len, char *err)
{
	xmlDoc *doc;
	xmlNode *root;

	doc = xmlReadMemory(xml, (int)len, "crm_mon.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		err_set(err, "crm_mon: its answer is not XML");
		return NULL;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || strcmp((const char *)root->name,
	    "pacemaker-result") != 0) {
		err_set(err, "crm_mon: no <pacemaker-result>");
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

int
lv_crm_mon_parse(const char *xml, size_t len, struct drv_cluster_info *ci,
    char *err)
{
	xmlDoc *doc;
	xmlNode *root, *sum, *dc, *nodes, *n;
	int rc = -1;

	memset(ci, 0, sizeof(*ci));
	if ((doc = lv_crm_mon_doc(xml, len, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if ((sum = child(root, "summary")) == NULL ||
	    (nodes = child(root, "nodes")) == NULL) {
		/* Pacemaker not (yet) answering: <status code="102"
		 * message="Not connected">. */
		xmlNode *st = child(root, "status");
		xmlChar *m = st ? xmlGetProp(st, (const xmlChar *)"message") :
		    NULL;

		err_set(err, "crm_mon: %s", m ? (const char *)m :
		    "no <summary> or <nodes>");
		xmlFree(m);
		goto out;
	}
	/* Quorum as the DC sees it; no DC yet = not quorate yet. */
	dc = child(sum, "current_dc");
	ci->c_quorate = dc != NULL && attr_is(dc, "present", "true") &&
	    attr_is(dc, "with_quorum", "true");
	for (n = nodes->children; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "node") != 0)
			continue;
		ci->c_nodes++;
		ci->c_online += attr_is(n, "online", "true");
	}
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

int
lv_ovs_ports_parse(const char *csv, struct drv_port **ports, size_t *n,
    char *err)
{
	const char *p, *nl;
	size_t cap = 0, lines = 0;
	char line[256], name[DRV_NAME_MAX], tag[32];

	*ports = NULL;
	*n = 0;
	for (p = csv; *p != '\0'; p++)
		cap += *p == '\n';
	if ((*ports = calloc(cap + 1, sizeof(**ports))) == NULL)
		return err_set(err, "out of memory");
	for (p = csv; *p != '\0'; p = *nl ? nl + 1 : nl) {
		size_t l;

		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		l = (size_t)(nl - p);
		if (l == 0 || l >= sizeof(line))
			continue;
		memcpy(line, p, l);
		line[l] = '\0';
		if (lines++ == 0)	/* the header: name,tag */
			continue;
		if (sscanf(line, "%63[^,],%31s", name, tag) != 2) {
			free(*ports);
			*ports = NULL;
			return err_set(err, "ovs-vsctl: line '%s' is not "
			    "name,tag", line);
		}
		snprintf((*ports)[*n].p_name, sizeof((*ports)[*n].p_name),
		    "%s", name[0] == '"' ? name + 1 : name);
		(*ports)[*n].p_name[strcspn((*ports)[*n].p_name, "\"")] = '\0';
		(*ports)[*n].p_vlan = atoi(tag);	/* "[]" = 0 */
		(*n)++;
	}
	return 0;
}

/* Set the <vlan><tag id=/></vlan> of iface to vlan (0 removes it). */
static int
iface_set_vlan(xmlNode *iface, int vlan)
{
	xmlNode *v = child(iface, "vlan"), *t;
	char id[16];

	if (v != NULL) {
		xmlUnlinkNode(v);
		xmlFreeNode(v);
	}
	if (vlan == 0)
		return 0;
	snprintf(id, sizeof(id), "%d", vlan);
	if ((v = xmlNewChild(iface, NULL, (const xmlChar *)"vlan", NULL)) ==
	    NULL || (t = xmlNewChild(v, NULL, (const xmlChar *)"tag",
	    NULL)) == NULL || xmlSetProp(t, (const xmlChar *)"id",
	    (const xmlChar *)id) == NULL)
		return -1;
	return 0;
}

int
lv_iface_retag(const char *domxml, const char *port, int vlan, char **out,
    char *err)
{
	xmlDoc *doc;
	xmlNode *devs, *n, *tgt;
	xmlBuffer *b = NULL;
	int rc = -1;

	*out = NULL;
	if (vlan < 0 || vlan > 4094)
		return err_set(err, "VLAN %d", vlan);
	doc = xmlReadMemory(domxml, (int)strlen(domxml), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL)
		return err_set(err, "domain XML does not parse");
	devs = child(xmlDocGetRootElement(doc), "devices");
	for (n = devs ? devs->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "interface") != 0)
			continue;
		if ((tgt = child(n, "target")) != NULL &&
		    attr_is(tgt, "dev", port))
			break;
	}
	if (n == NULL) {
		err_set(err, "no interface with target %s in the domain", port);
		goto out;
	}
	if (iface_set_vlan(n, vlan) == -1 || (b = xmlBufferCreate()) ==
	    NULL || xmlNodeDump(b, doc, n, 0, 0) < 0 ||
	    (*out = strdup((const char *)xmlBufferContent(b))) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	rc = 0;
out:
	if (b != NULL)
		xmlBufferFree(b);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- a domain's definition edited for a clone or a template ---- */

static xmlDoc *
dom_read(const char *xml, char *err)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	if (doc == NULL)
		err_set(err, "domain XML does not parse");
	else if (xmlDocGetRootElement(doc) == NULL) {
		err_set(err, "domain XML has no root element");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	return doc;
}

/* The domain's first <disk device='disk'> (device defaults to disk). */
static xmlNode *
dom_first_disk(xmlDoc *doc)
{
	xmlNode *n = child(xmlDocGetRootElement(doc), "devices");
	xmlChar *dev;
	int disk;

	for (n = n ? n->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, "disk") != 0)
			continue;
		dev = xmlGetProp(n, (const xmlChar *)"device");
		disk = dev == NULL || strcmp((const char *)dev, "disk") == 0;
		xmlFree(dev);
		if (disk)
			return n;
	}
	return NULL;
}

/* The first disk's <source file=> node, or NULL with err saying why. */
static xmlNode *
dom_disk_source(xmlDoc *doc, int *not_file, char *err)
{
	xmlNode *disk = dom_first_disk(doc), *src;
	xmlChar *type;

	*not_file = 0;
	if (disk == NULL) {
		err_set(err, "the domain has no disk");
		return NULL;
	}
	type = xmlGetProp(disk, (const xmlChar *)"type");
	if (type == NULL || strcmp((const char *)type, "file") != 0) {
		err_set(err, "its first disk is of type '%s', not a file "
		    "volume", type ? (const char *)type : "");
		xmlFree(type);
		*not_file = 1;
		return NULL;
	}
	xmlFree(type);
	if ((src = child(disk, "source")) == NULL ||
	    !xmlHasProp(src, (const xmlChar *)"file")) {
		err_set(err, "its first disk has no <source file=>");
		return NULL;
	}
	return src;
}

/* Remove every child of n called name. */
static void
drop_children(xmlNode *n, const char *name)
{
	xmlNode *c, *next;

	for (c = n ? n->children : NULL; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

/* doc as text into *out (caller frees). */
static int
dom_dump(xmlDoc *doc, char **out, char *err)
{
	xmlChar *x = NULL;
	int n = 0;

	xmlDocDumpMemory(doc, &x, &n);
	if (x == NULL || (*out = strdup((const char *)x)) == NULL) {
		xmlFree(x);
		return err_set(err, "out of memory");
	}
	xmlFree(x);
	return 0;
}

int
lv_domain_disk_file(const char *domxml, char *path, size_t len, char *err)
{
	xmlDoc *doc = dom_read(domxml, err);
	xmlNode *src;
	xmlChar *f;
	int not_file, rc = -1;

	if (doc == NULL)
		return -1;
	if ((src = dom_disk_source(doc, &not_file, err)) == NULL) {
		rc = not_file ? 1 : -1;
		goto out;
	}
	f = xmlGetProp(src, (const xmlChar *)"file");
	if (strlen((const char *)f) >= len)
		err_set(err, "disk path '%.40s...' is too long", f);
	else {
		snprintf(path, len, "%s", (const char *)f);
		rc = 0;
	}
	xmlFree(f);
out:
	xmlFreeDoc(doc);
	return rc;
}

/* The clone's own NICs (libvirt picks MACs and ports), console log and
 * guest words. */
static int
clone_devices(xmlDoc *doc, const struct lv_clone *c, char *err)
{
	xmlNode *root = xmlDocGetRootElement(doc), *n, *src, *oem;
	char log[256];

	snprintf(log, sizeof(log), "/var/log/libvirt/qemu/%s.serial",
	    c->c_name);
	n = child(root, "devices");
	for (n = n ? n->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "interface") == 0) {
			drop_children(n, "mac");
			drop_children(n, "target");
		} else if (strcmp((const char *)n->name, "serial") == 0 &&
		    (src = child(n, "source")) != NULL)
			xmlSetProp(src, (const xmlChar *)"path",
			    (const xmlChar *)log);
	}
	if ((oem = child(child(root, "sysinfo"), "oemStrings")) == NULL)
		return err_set(err, "no SMBIOS OEM strings to give the clone "
		    "its words");
	drop_children(oem, "entry");
	/* xmlNewTextChild escapes the words, xmlNewChild would not */
	if (xmlNewTextChild(oem, NULL, (const xmlChar *)"entry",
	    (const xmlChar *)c->c_words) == NULL)
		return err_set(err, "out of memory");
	return 0;
}

int
lv_clone_xml(const char *src, const struct lv_clone *c, char **out,
    char *err)
{
	xmlDoc *doc;
	xmlNode *root, *source;
	int not_file, rc = -1;

	*out = NULL;
	if (plain_name("VM name", c->c_name, err) == -1 ||
	    (doc = dom_read(src, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if ((source = dom_disk_source(doc, &not_file, err)) == NULL)
		goto out;
	xmlSetProp(source, (const xmlChar *)"file",
	    (const xmlChar *)c->c_disk_file);
	drop_children(source->parent, "readonly");
	drop_children(source->parent, "backingStore");
	drop_children(root, "uuid");
	drop_children(root, "metadata");
	drop_children(root, "name");
	if (xmlNewTextChild(root, NULL, (const xmlChar *)"name",
	    (const xmlChar *)c->c_name) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (clone_devices(doc, c, err) == -1 || dom_dump(doc, out, err) == -1)
		goto out;
	rc = 0;
out:
	xmlFreeDoc(doc);
	return rc;
}

int
lv_template_xml(const char *src, const char *ns, char **out, char *err)
{
	xmlDoc *doc;
	xmlNode *root, *source, *meta, *mark;
	xmlNs *hv;
	int not_file, rc = -1;

	*out = NULL;
	if ((doc = dom_read(src, err)) == NULL)
		return -1;
	root = xmlDocGetRootElement(doc);
	if ((source = dom_disk_source(doc, &not_file, err)) == NULL)
		goto out;
	if (child(source->parent, "readonly") == NULL &&
	    xmlNewChild(source->parent, NULL, (const xmlChar *)"readonly",
	    NULL) == NULL)
		goto oom;
	if ((meta = child(root, "metadata")) == NULL &&
	    (meta = xmlNewChild(root, NULL, (const xmlChar *)"metadata",
	    NULL)) == NULL)
		goto oom;
	if ((mark = xmlNewChild(meta, NULL, (const xmlChar *)"template",
	    NULL)) == NULL || (hv = xmlNewNs(mark, (const xmlChar *)ns,
	    (const xmlChar *)"hvlab")) == NULL)
		goto oom;
	xmlSetNs(mark, hv);
	if (dom_dump(doc, out, err) == -1)
		goto out;
	rc = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	xmlFreeDoc(doc);
	return rc;
}
