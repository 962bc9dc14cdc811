/*
 * icmp_frame.h - find an ICMP echo request or reply in a captured frame.
 *
 * Shared by the live capture (ping.c) and the reading of capture files
 * (ping_pcap.c).  Knows the link types a Linux capture produces: Ethernet
 * (with 802.1Q / 802.1ad tags), Linux cooked v1 and v2 (the "any"
 * interface), raw IPv4.
 */
#ifndef HV_PROBE_ICMP_FRAME_H
#define HV_PROBE_ICMP_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct icmp_echo {
	int ie_kind;		/* PING_OBS_REQUEST or PING_OBS_REPLY */
	uint16_t ie_ident;
	uint16_t ie_seq;
	uint32_t ie_src;	/* IPv4 addresses, network byte order */
	uint32_t ie_dst;
};

/* 1 and *e when the frame (of libpcap link type linktype, caplen bytes
 * captured) is an IPv4 ICMP echo request or reply; 0 otherwise. */
int icmp_frame_parse(int linktype, const unsigned char *b, size_t caplen,
    struct icmp_echo *e);

#endif
