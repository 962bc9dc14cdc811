/*
 * metrics_proc.c - the /proc parsers of hvd's sampler (metrics_proc.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "platform/metrics_proc.h"

const char *const mp_cpu_mode_names[MP_NMODES] = {
	"user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"
};

/* A whole unsigned decimal at *s; *s moves past it.  0 or -1. */
static int
take_u64(const char **s, uint64_t *v)
{
	char *end;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	if (**s < '0' || **s > '9')
		return -1;
	errno = 0;
	*v = strtoull(*s, &end, 10);
	if (errno != 0)
		return -1;
	*s = end;
	return 0;
}

int
mp_parse_stat(const char *buf, uint64_t ticks[MP_NMODES], char *err)
{
	const char *s = buf;
	int i;

	if (strncmp(s, "cpu ", 4) != 0)
		return err_set(err, "/proc/stat: no 'cpu' line first");
	s += 4;
	for (i = 0; i < MP_NMODES; i++) {
		ticks[i] = 0;
		if (*s == '\n' || *s == '\0')
			continue;
		if (take_u64(&s, &ticks[i]) != 0)
			return err_set(err, "/proc/stat: the %s time of the "
			    "'cpu' line is not a number", mp_cpu_mode_names[i]);
	}
	if (ticks[MP_IDLE] == 0 && ticks[MP_USER] == 0 &&
	    ticks[MP_SYSTEM] == 0)
		return err_set(err, "/proc/stat: the 'cpu' line is empty");
	return 0;
}

/* "Key:   N kB" of meminfo in bytes: 1 found, 0 absent, -1 bad. */
static int
mem_field(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);
	const char *s = buf;

	while (s != NULL && *s != '\0') {
		if (strncmp(s, key, kl) == 0 && s[kl] == ':') {
			s += kl + 1;
			if (take_u64(&s, v) != 0 || strncmp(s, " kB", 3) != 0)
				return -1;
			*v *= 1024;
			return 1;
		}
		if ((s = strchr(s, '\n')) != NULL)
			s++;
	}
	return 0;
}

int
mp_parse_meminfo(const char *buf, struct mp_mem *m, char *err)
{
	static const char *const keys[] = { "MemTotal", "MemFree",
	    "MemAvailable" };
	uint64_t *dst[] = { &m->mm_total, &m->mm_free, &m->mm_available };
	size_t i;

	for (i = 0; i < 3; i++)
		if (mem_field(buf, keys[i], dst[i]) != 1)
			return err_set(err, "/proc/meminfo: %s is missing or "
			    "not 'N kB'", keys[i]);
	return 0;
}

int
mp_parse_loadavg(const char *buf, double load[3], char *err)
{
	char tail;

	if (sscanf(buf, "%lf %lf %lf%c", &load[0], &load[1], &load[2],
	    &tail) != 4 || tail != ' ')
		return err_set(err, "/proc/loadavg: three load averages "
		    "expected at the start");
	if (load[0] < 0 || load[1] < 0 || load[2] < 0)
		return err_set(err, "/proc/loadavg: a negative load");
	return 0;
}

/* One interface line "  NAME: rx_bytes rx_packets 6 more  tx_bytes
 * tx_packets ...": 0 or -1. */
static int
netdev_line(const char *s, struct mp_netdev *d)
{
	const char *colon = strchr(s, ':');
	uint64_t f[10];
	size_t len;
	int i;

	while (*s == ' ')
		s++;
	if (colon == NULL || colon < s || (len = (size_t)(colon - s)) == 0 ||
	    len >= MP_IFNAME_MAX)
		return -1;
	memcpy(d->nd_name, s, len);
	d->nd_name[len] = '\0';
	s = colon + 1;
	for (i = 0; i < 10; i++)
		if (take_u64(&s, &f[i]) != 0)
			return -1;
	d->nd_rx_bytes = f[0];
	d->nd_rx_packets = f[1];
	d->nd_tx_bytes = f[8];
	d->nd_tx_packets = f[9];
	return 0;
}

int
mp_parse_netdev(const char *buf, struct mp_netdev *out, size_t max,
    size_t *n, char *err)
{
	const char *s = buf;
	int line = 0;

	*n = 0;
	for (; s != NULL && *s != '\0'; s = strchr(s, '\n'),
	    s = s ? s + 1 : NULL) {
		if (++line <= 2 || *s == '\n')
			continue;	/* the two header lines */
		if (*n == max)
			return err_set(err, "/proc/net/dev: more than %zu "
			    "interfaces", max);
		if (netdev_line(s, &out[*n]) != 0)
			return err_set(err, "/proc/net/dev:%d: not 'NAME: "
			    "16 counters'", line);
		(*n)++;
	}
	if (line < 2)
		return err_set(err, "/proc/net/dev: the header is missing");
	return 0;
}

int
mp_parse_pidstat(const char *buf, struct mp_pidstat *p, char *err)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')'), *s;
	uint64_t v;
	size_t len;
	int field;

	if (open == NULL || close == NULL || close < open)
		return err_set(err, "stat: no '(name)'");
	len = (size_t)(close - open - 1);
	if (len >= sizeof(p->ps_comm))
		len = sizeof(p->ps_comm) - 1;
	memcpy(p->ps_comm, open + 1, len);
	p->ps_comm[len] = '\0';
	s = close + 1;
	/* Fields after the name: 3 state, then numbers; utime is 14,
	 * stime 15, rss 24 (proc(5)). */
	while (*s == ' ')
		s++;
	if (*s == '\0' || s[1] != ' ')
		return err_set(err, "stat: no state after the name");
	s += 2;
	for (field = 4; field <= 24; field++) {
		int neg = *s == '-' || (*s == ' ' && s[1] == '-');

		if (neg) {
			s = strchr(s, '-') + 1;
		}
		if (take_u64(&s, &v) != 0)
			return err_set(err, "stat: field %d is not a number",
			    field);
		if (field == 14)
			p->ps_utime = v;
		else if (field == 15)
			p->ps_stime = v;
		else if (field == 24)
			p->ps_rss = neg ? -(int64_t)v : (int64_t)v;
	}
	return 0;
}
