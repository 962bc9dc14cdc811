/*
 * metrics_proc.h - parsers of the kernel files hvd's sampler reads:
 * /proc/stat, /proc/meminfo, /proc/loadavg, /proc/net/dev and
 * /proc/PID/stat (a QEMU or one of its threads).  Each takes the file's
 * text (NUL-terminated) and checks what it uses; a malformed file is an
 * error naming the file and what was wrong, never a guess.  Pure code,
 * so the unit tests run the real parsers on captured text.
 */
#ifndef HVD_METRICS_PROC_H
#define HVD_METRICS_PROC_H

#include <stddef.h>
#include <stdint.h>

/* The node's CPU time by mode, in clock ticks (USER_HZ). */
enum mp_cpu_mode {
	MP_USER, MP_NICE, MP_SYSTEM, MP_IDLE, MP_IOWAIT, MP_IRQ,
	MP_SOFTIRQ, MP_STEAL, MP_NMODES
};
extern const char *const mp_cpu_mode_names[MP_NMODES];

struct mp_mem {
	uint64_t mm_total;	/* bytes */
	uint64_t mm_free;
	uint64_t mm_available;
};

#define MP_IFNAME_MAX	16
struct mp_netdev {
	char	 nd_name[MP_IFNAME_MAX];
	uint64_t nd_rx_bytes, nd_rx_packets;
	uint64_t nd_tx_bytes, nd_tx_packets;
};

struct mp_pidstat {
	char	 ps_comm[32];	/* the thread's name ("CPU 0/TCG") */
	uint64_t ps_utime;	/* ticks */
	uint64_t ps_stime;
	int64_t	 ps_rss;	/* pages */
};

/* The "cpu " line of /proc/stat: ticks[MP_NMODES] (modes a kernel does
 * not report stay 0).  0 or -1 with err. */
int mp_parse_stat(const char *buf, uint64_t ticks[MP_NMODES], char *err);
/* MemTotal, MemFree, MemAvailable of /proc/meminfo. */
int mp_parse_meminfo(const char *buf, struct mp_mem *m, char *err);
/* The 1, 5 and 15 minute load averages of /proc/loadavg. */
int mp_parse_loadavg(const char *buf, double load[3], char *err);
/* Every interface of /proc/net/dev into out (room for max): *n gets
 * how many; more than max is an error. */
int mp_parse_netdev(const char *buf, struct mp_netdev *out, size_t max,
    size_t *n, char *err);
/* /proc/PID/stat or /proc/PID/task/TID/stat (the name in parentheses
 * may hold spaces and parentheses). */
int mp_parse_pidstat(const char *buf, struct mp_pidstat *p, char *err);

#endif
