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
#include "lab/inject.h"

void
inject_event_json(const struct lab *lab, const struct inject_event *ev,
    char *buf, size_t len)
{
	char wall[40];

	clock_format_wall(ev->ie_wall_ns, wall, sizeof(wall));
	snprintf(buf, len, "{\"lab\":\"%s\",\"event\":\"%s\",\"args\":\"%s\","
	    "\"mono_ns\":%llu,\"wall_ns\":%llu,\"wall\":\"%s\"}",
	    lab->l_topo.t_name, ev->ie_name, ev->ie_args,
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

static void
stamp(struct inject_event *ev)
{
	ev->ie_mono_ns = clock_mono_ns();
	ev->ie_wall_ns = clock_wall_ns();
}

int
inject_run(struct lab *lab, const struct lab_provider *p, const char *name,
    char *const args[], int n, struct inject_event *ev, char *err)
{
	char line[600], path[LAB_PATH_MAX + 32];
	int i, nic = 0, rc;
	size_t off = 0;

	memset(ev, 0, sizeof(*ev));
	ev->ie_name = name;
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(ev->ie_args + off,
		    off < sizeof(ev->ie_args) ? sizeof(ev->ie_args) - off : 0,
		    "%s%s", i ? " " : "", args[i]);
	if (off >= sizeof(ev->ie_args)) {
		err_set(err, "too many arguments");
		return 1;
	}
	for (i = 0; ev->ie_args[i]; i++)
		if (ev->ie_args[i] == '"' || ev->ie_args[i] == '\\') {
			err_set(err, "bad character in arguments");
			return 1;
		}
	if (strcmp(name, "power-pull") == 0 || strcmp(name, "power-on") == 0) {
		if (n != 1) {
			err_set(err, "%s takes one HOST", name);
			return 1;
		}
		stamp(ev);
		rc = name[6] == 'p' ? p->lp_power_pull(lab, args[0], err) :
		    p->lp_power_on(lab, args[0], err);
	} else if (strcmp(name, "nic-unplug") == 0 ||
	    strcmp(name, "nic-plug") == 0) {
		if (n != 2 || nic_index(args[1], &nic) < 0) {
			err_set(err, "%s takes HOST NIC (eth0, eth1, ...)",
			    name);
			return 1;
		}
		stamp(ev);
		rc = p->lp_nic_set(lab, args[0], nic,
		    strcmp(name, "nic-plug") == 0, err);
	} else if (strcmp(name, "storage-down") == 0 ||
	    strcmp(name, "storage-up") == 0) {
		if (n != 0) {
			err_set(err, "%s takes no arguments", name);
			return 1;
		}
		stamp(ev);
		rc = p->lp_storage_set(lab, strcmp(name, "storage-up") == 0,
		    err);
	} else if (strcmp(name, "partition") == 0) {
		if (n < 1) {
			err_set(err, "partition takes HOST...");
			return 1;
		}
		stamp(ev);
		rc = p->lp_partition(lab, args, n, err);
	} else if (strcmp(name, "heal") == 0) {
		if (n != 0) {
			err_set(err, "heal takes no arguments");
			return 1;
		}
		stamp(ev);
		rc = p->lp_heal(lab, err);
	} else {
		err_set(err, "unknown event '%s'", name);
		return 1;
	}
	if (rc < 0)
		return -1;
	inject_event_json(lab, ev, line, sizeof(line) - 1);
	strcat(line, "\n");
	snprintf(path, sizeof(path), "%s/events.jsonl", lab->l_state);
	return lab_write_file(path, line, 1, err);
}
