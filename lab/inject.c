/*
 * inject.c - failure injection: checks an event's arguments, stamps it
 * with monotonic and wall time in ns right before the provider acts,
 * and appends it to the lab's events.jsonl so probes can line the event
 * up with their own timelines (both clocks are the machine's, shared by
 * every namespace).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "lab/hostclock.h"
#include "lab/inject.h"

/* The one-line JSON of ev (no newline) into buf. */
static void
inject_event_json(const struct lab *lab, const struct inject_event *ev,
    char *buf, size_t len)
{
	char wall[40], src[48] = "";

	clock_format_wall(ev->ie_wall_ns, wall, sizeof(wall));
	if (ev->ie_source != NULL)
		snprintf(src, sizeof(src), "\"source\":\"%.32s\",",
		    ev->ie_source);
	snprintf(buf, len, "{\"lab\":\"%s\",\"event\":\"%s\",\"args\":\"%s\","
	    "%s\"mono_ns\":%llu,\"wall_ns\":%llu,\"wall\":\"%s\"}",
	    lab->l_topo.t_name, ev->ie_name, ev->ie_args, src,
	    (unsigned long long)ev->ie_mono_ns,
	    (unsigned long long)ev->ie_wall_ns, wall);
}

static int
nic_index(const char *s, int *out)
{
	char *end;
	long v;

	if (strncmp(s, "eth", 3) == 0)
		s += 3;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < 0 || v >= TOPO_MAX_NICS)
		return -1;
	*out = (int)v;
	return 0;
}

void
inject_stamp(struct inject_event *ev)
{
	ev->ie_mono_ns = clock_mono_ns();
	ev->ie_wall_ns = clock_wall_ns();
}

/* Each event: its words, argument count and the provider's verb. */
typedef int (*ev_fn)(struct lab *, const struct lab_provider *,
    char *const[], int, char *);

static int
ev_power_pull(struct lab *lab, const struct lab_provider *p,
    char *const a[], int n, char *err)
{
	return p->lp_power_pull(lab, a[0], err);
}

static int
ev_power_on(struct lab *lab, const struct lab_provider *p, char *const a[],
    int n, char *err)
{
	return p->lp_power_on(lab, a[0], err);
}

/* a[1] was checked by inject_run (e_nic). */
static int
ev_nic(struct lab *lab, const struct lab_provider *p, char *const a[],
    int up, char *err)
{
	int nic = 0;

	(void)nic_index(a[1], &nic);
	return p->lp_nic_set(lab, a[0], nic, up, err);
}

static int
ev_nic_unplug(struct lab *lab, const struct lab_provider *p,
    char *const a[], int n, char *err)
{
	return ev_nic(lab, p, a, 0, err);
}

static int
ev_nic_plug(struct lab *lab, const struct lab_provider *p, char *const a[],
    int n, char *err)
{
	return ev_nic(lab, p, a, 1, err);
}

static int
ev_storage_down(struct lab *lab, const struct lab_provider *p,
    char *const a[], int n, char *err)
{
	return p->lp_storage_set(lab, 0, err);
}

static int
ev_storage_up(struct lab *lab, const struct lab_provider *p,
    char *const a[], int n, char *err)
{
	return p->lp_storage_set(lab, 1, err);
}

static int
ev_partition(struct lab *lab, const struct lab_provider *p, char *const a[],
    int n, char *err)
{
	return p->lp_partition(lab, a, n, err);
}

static int
ev_heal(struct lab *lab, const struct lab_provider *p, char *const a[],
    int n, char *err)
{
	return p->lp_heal(lab, err);
}

/* a[1] was checked by inject_run (e_offset). */
static int
ev_clock(struct lab *lab, const struct lab_provider *p, char *const a[],
    int n, char *err)
{
	long off = 0;

	if (p->lp_clock_set == NULL)
		return err_set(err, "the %s provider cannot set a host's "
		    "clock", p->lp_name);
	(void)hostclock_parse_offset(a[1], &off);
	return p->lp_clock_set(lab, a[0], off, err);
}

static const struct {
	const char *e_name;
	int e_min, e_max;		/* argument count; -1 = no limit */
	int e_nic;			/* the second argument is a NIC */
	int e_offset;			/* the second argument is seconds */
	const char *e_args;		/* what the arguments are, for errors */
	ev_fn e_fn;
} events[] = {
	{ "power-pull", 1, 1, 0, 0, "one HOST", ev_power_pull },
	{ "power-on", 1, 1, 0, 0, "one HOST", ev_power_on },
	{ "nic-unplug", 2, 2, 1, 0, "HOST NIC (eth0, eth1, ...)", ev_nic_unplug },
	{ "nic-plug", 2, 2, 1, 0, "HOST NIC (eth0, eth1, ...)", ev_nic_plug },
	{ "storage-down", 0, 0, 0, 0, "no arguments", ev_storage_down },
	{ "storage-up", 0, 0, 0, 0, "no arguments", ev_storage_up },
	{ "partition", 1, -1, 0, 0, "HOST...", ev_partition },
	{ "heal", 0, 0, 0, 0, "no arguments", ev_heal },
	{ "clock", 2, 2, 0, 1, "HOST SECONDS (the host's clock from the "
	    "machine's: +30, -30, 0; at most 86400 either way)", ev_clock },
};

/* The event's arguments, space-separated, into ev->ie_args; 1 on misuse. */
static int
args_join(struct inject_event *ev, char *const args[], int n, char *err)
{
	size_t off = 0;
	int i;

	for (i = 0; i < n; i++)
		off += (size_t)snprintf(ev->ie_args + off,
		    off < sizeof(ev->ie_args) ? sizeof(ev->ie_args) - off : 0,
		    "%s%s", i ? " " : "", args[i]);
	if (off >= sizeof(ev->ie_args))
		return err_set(err, "too many arguments"), 1;
	for (i = 0; ev->ie_args[i]; i++)
		if (ev->ie_args[i] == '"' || ev->ie_args[i] == '\\')
			return err_set(err, "bad character in arguments"), 1;
	return 0;
}

int
inject_run(struct lab *lab, const struct lab_provider *p, int argc,
    char *const argv[], struct inject_event *ev, char *err)
{
	const char *name = argv[0];
	char *const *args = argv + 1;
	size_t i, ne = sizeof(events) / sizeof(events[0]);
	long off;
	int nic, n = argc - 1;

	memset(ev, 0, sizeof(*ev));
	ev->ie_name = name;
	if (args_join(ev, args, n, err) != 0)
		return 1;
	for (i = 0; i < ne && strcmp(name, events[i].e_name) != 0; i++)
		;
	if (i == ne)
		return err_set(err, "unknown event '%s'", name), 1;
	if (n < events[i].e_min || (events[i].e_max >= 0 &&
	    n > events[i].e_max) || (events[i].e_nic &&
	    nic_index(args[1], &nic) < 0) || (events[i].e_offset &&
	    hostclock_parse_offset(args[1], &off) < 0))
		return err_set(err, "%s takes %s", name, events[i].e_args), 1;
	inject_stamp(ev);
	if (events[i].e_fn(lab, p, args, n, err) < 0)
		return -1;
	return inject_record(lab, ev, err);
}

int
inject_record(struct lab *lab, const struct inject_event *ev, char *err)
{
	char line[600], path[LAB_PATH_MAX + 32];

	inject_event_json(lab, ev, line, sizeof(line) - 1);
	strcat(line, "\n");
	snprintf(path, sizeof(path), "%s/events.jsonl", lab->l_state);
	return lab_write_file(path, line, 1, err);
}
