/*
 * icmp_frame.c - ICMP echo packets out of captured frames (icmp_frame.h).
 */
#include <netinet/in.h>
#include <string.h>

#include <linux/icmp.h>
#include <pcap/pcap.h>

#include "probes/icmp_frame.h"
#include "probes/ping_stats.h"

/* Find the IPv4 header in a captured frame; NULL when not IPv4. */
static const unsigned char *
frame_ip(int linktype, const unsigned char *b, size_t caplen, size_t *iplen)
{
	size_t off;
	uint16_t proto;

	switch (linktype) {
	case DLT_EN10MB:
		if (caplen < 14)
			return NULL;
		off = 12;
		proto = (uint16_t)(b[off] << 8 | b[off + 1]);
		while ((proto == 0x8100 || proto == 0x88a8) &&
		    caplen >= off + 6) {
			off += 4;
			proto = (uint16_t)(b[off] << 8 | b[off + 1]);
		}
		off += 2;
		break;
	case DLT_LINUX_SLL:
		if (caplen < 16)
			return NULL;
		proto = (uint16_t)(b[14] << 8 | b[15]);
		off = 16;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < 20)
			return NULL;
		proto = (uint16_t)(b[0] << 8 | b[1]);
		off = 20;
		break;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
		proto = 0x0800;
		off = 0;
		break;
	default:
		return NULL;
	}
	if (proto != 0x0800 || caplen < off + 20)
		return NULL;
	*iplen = caplen - off;
	return b + off;
}

int
icmp_frame_parse(int linktype, const unsigned char *b, size_t caplen,
    struct icmp_echo *e)
{
	const unsigned char *ip, *icmp;
	size_t iplen, ihl;

	ip = frame_ip(linktype, b, caplen, &iplen);
	if (ip == NULL || (ip[0] >> 4) != 4 || ip[9] != IPPROTO_ICMP)
		return 0;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || iplen < ihl + 8)
		return 0;
	/* Fragments other than the first carry no ICMP header. */
	if (((ip[6] & 0x1f) << 8 | ip[7]) != 0)
		return 0;
	icmp = ip + ihl;
	if (icmp[0] == ICMP_ECHO)
		e->ie_kind = PING_OBS_REQUEST;
	else if (icmp[0] == ICMP_ECHOREPLY)
		e->ie_kind = PING_OBS_REPLY;
	else
		return 0;
	e->ie_ident = (uint16_t)(icmp[4] << 8 | icmp[5]);
	e->ie_seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	memcpy(&e->ie_src, ip + 12, 4);
	memcpy(&e->ie_dst, ip + 16, 4);
	return 1;
}
