/*
 * netif.h - small settings of a network interface in the caller's
 * network namespace.
 */
#ifndef HV_NETIF_H
#define HV_NETIF_H

/*
 * Transmit checksum offload off on dev (ETHTOOL_STXCSUM).  A kernel stack
 * sending through a veth leaves the checksum to "hardware"; OVS's
 * userspace datapath reads the frame with AF_PACKET and forwards it as it
 * is, so the receiver drops every TCP segment (ICMP still works: its
 * checksum is always made in software).  docs/lab.md "vnet_hdr".
 * 0, or -1 with errno.
 */
int netif_txcsum_off(const char *dev);

#endif
