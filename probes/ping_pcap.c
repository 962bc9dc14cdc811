/*
 * ping_pcap.c - the ping figures from a capture file.
 *
 * A pcap written by tcpdump (on a lab interface, or on a real hypervisor
 * host while someone migrates a VM by hand, as the study did) holds the
 * same evidence the live probe records: echo requests and replies with
 * their timestamps.  probe_ping_from_pcap() feeds them to the same
 * timeline and statistics, so a capture made anywhere is measured the
 * same way as a live run.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "clock.h"
#include "err.h"
#include "probes/icmp_frame.h"
#include "probes/ping.h"

struct pcap_ctx {
	const struct probe_pcap_opts *o;
	uint32_t target;
	int ident;		/* -1 until the first request picks it */
	int linktype;
	int nano;
	struct ping_timeline *t;
	int error;
	char *err;
};

static void
pcap_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_ctx *c = (struct pcap_ctx *)user;
	struct icmp_echo e;
	uint64_t ts;

	if (c->error || !icmp_frame_parse(c->linktype, bytes, h->caplen, &e))
		return;
	/* Requests to the target, replies from it. */
	if ((e.ie_kind == PING_OBS_REQUEST && e.ie_dst != c->target) ||
	    (e.ie_kind == PING_OBS_REPLY && e.ie_src != c->target))
		return;
	if (c->ident == -1) {
		if (e.ie_kind != PING_OBS_REQUEST)
			return;
		c->ident = e.ie_ident;
	}
	if (e.ie_ident != c->ident)
		return;
	ts = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec *
	    (c->nano ? 1 : 1000);
	if (ping_timeline_add(c->t, e.ie_kind, e.ie_seq, ts, c->err) == -1)
		c->error = 1;
}

/* The median interval between consecutive known request times. */
static uint64_t
median_interval(const struct ping_timeline *t)
{
	uint64_t *v, m = 0;
	size_t i, n = 0;

	if (t->pt_n < 2 || (v = malloc(t->pt_n * sizeof(*v))) == NULL)
		return 0;
	for (i = 1; i < t->pt_n; i++) {
		uint64_t a = t->pt_slots[i - 1].ps_sent_ns;
		uint64_t b = t->pt_slots[i].ps_sent_ns;
		if (a != 0 && b > a)
			v[n++] = b - a;
	}
	if (n > 0) {
		stats_sort_u64(v, n);
		m = stats_percentile(v, n, 50);
	}
	free(v);
	return m;
}

int
probe_ping_from_pcap(const struct probe_pcap_opts *o,
    struct probe_ping_result *r, char *err)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_ctx c;
	struct in_addr a;
	uint64_t *sent = NULL;
	pcap_t *pc = NULL;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	ping_timeline_init(&r->pr_timeline);
	if (o->target == NULL || inet_pton(AF_INET, o->target, &a) != 1)
		return err_set(err, "pcap: target '%s' is not an IPv4 address",
		    o->target ? o->target : "");
	pc = pcap_open_offline_with_tstamp_precision(o->path,
	    PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (pc == NULL)
		return err_set(err, "pcap: %s", ebuf);
	c.o = o;
	c.target = a.s_addr;
	c.ident = o->ident;
	c.linktype = pcap_datalink(pc);
	c.nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;
	c.t = &r->pr_timeline;
	c.err = err;
	if (pcap_loop(pc, -1, pcap_packet, (u_char *)&c) == PCAP_ERROR) {
		err_set(err, "pcap: %s: %s", o->path, pcap_geterr(pc));
		goto fail;
	}
	if (c.error) {
		err_prefix(err, "pcap: %s", o->path);
		goto fail;
	}
	if (c.ident == -1) {
		err_set(err, "pcap: %s: no echo request to %s", o->path,
		    o->target);
		goto fail;
	}
	snprintf(r->pr_target, sizeof(r->pr_target), "%s", o->target);
	snprintf(r->pr_iface, sizeof(r->pr_iface), "file");
	snprintf(r->pr_tstamp_type, sizeof(r->pr_tstamp_type), "file");
	r->pr_tstamp_nano = c.nano;
	r->pr_ident = (uint16_t)c.ident;
	r->pr_interval_ns = o->interval_ns ? o->interval_ns :
	    median_interval(&r->pr_timeline);
	if (ping_stats_compute(&r->pr_timeline, r->pr_interval_ns,
	    &r->pr_stats, err) == -1)
		goto fail;
	r->pr_wall_s = (double)(r->pr_stats.st_end_ns -
	    r->pr_stats.st_start_ns) / 1e9;
	if (r->pr_timeline.pt_n > 0) {
		sent = malloc(r->pr_timeline.pt_n * sizeof(*sent));
		if (sent == NULL) {
			err_errno(err, "pcap: send intervals");
			goto fail;
		}
		for (i = 0; i < r->pr_timeline.pt_n; i++)
			sent[i] = r->pr_timeline.pt_slots[i].ps_sent_ns;
		if (stats_intervals(sent, r->pr_timeline.pt_n,
		    r->pr_interval_ns, &r->pr_send_interval,
		    &r->pr_send_jitter) == -1) {
			err_errno(err, "pcap: send intervals");
			goto fail;
		}
	}
	rc = 0;
fail:
	free(sent);
	if (pc != NULL)
		pcap_close(pc);
	if (rc == -1)
		probe_ping_result_free(r);
	return rc;
}
