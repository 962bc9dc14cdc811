/*
 * marks.c - marks on a probe's timeline from the lab's events file.
 *
 * `hvlab inject` (and the scenario runner) append one JSON object per line
 * to an events file when they act: {"event":"power-pull","mono_ns":N,
 * "wall_ns":N,...}.  A probe running in the background reads that file when
 * it stops and places each event of its time window on its timeline, so a
 * plot shows the cable pull next to the gap it caused.  Extra members are
 * allowed; "args" (what `hvlab inject` writes: "host1 eth0"), "host", "nic",
 * "vm" or "target" strings, when present and not empty, are added to the
 * label ("nic-unplug host1 eth0").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "probes/ping.h"

#define MARKS_LINE_MAX 4096

static int
num_u64(const cJSON *o, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1.8e19)
		return 0;
	*out = (uint64_t)v->valuedouble;
	return 1;
}

int
probe_marks_parse_line(const char *line, int64_t mono_to_wall_ns,
    struct probe_mark *m)
{
	static const char *const extra[] = { "args", "host", "nic", "vm", "target",
	    NULL };
	const cJSON *ev, *x;
	cJSON *o;
	uint64_t wall = 0, mono = 0;
	size_t len;
	int ok = 0, i;

	o = cJSON_Parse(line);
	if (o == NULL || !cJSON_IsObject(o))
		goto done;
	ev = cJSON_GetObjectItemCaseSensitive(o, "event");
	if (!cJSON_IsString(ev) || ev->valuestring[0] == '\0')
		goto done;
	if (!num_u64(o, "wall_ns", &wall)) {
		if (!num_u64(o, "mono_ns", &mono))
			goto done;
		wall = (uint64_t)((int64_t)mono + mono_to_wall_ns);
	}
	memset(m, 0, sizeof(*m));
	snprintf(m->pm_label, sizeof(m->pm_label), "%s", ev->valuestring);
	for (i = 0; extra[i] != NULL; i++) {
		x = cJSON_GetObjectItemCaseSensitive(o, extra[i]);
		len = strlen(m->pm_label);
		if (cJSON_IsString(x) && x->valuestring[0] != '\0' &&
		    len + 2 < sizeof(m->pm_label))
			snprintf(m->pm_label + len, sizeof(m->pm_label) - len,
			    " %s", x->valuestring);
	}
	m->pm_wall_ns = wall;
	ok = 1;
done:
	cJSON_Delete(o);
	return ok;
}

static int
cmp_mark(const void *a, const void *b)
{
	const struct probe_mark *x = a, *y = b;

	return x->pm_wall_ns < y->pm_wall_ns ? -1 :
	    x->pm_wall_ns > y->pm_wall_ns;
}

void
probe_marks_sort(struct probe_mark *marks, size_t n)
{
	if (n > 1)
		qsort(marks, n, sizeof(*marks), cmp_mark);
}

int
probe_marks_read_events(const struct probe_marks_query *q,
    struct probe_mark **marks, size_t *nmarks, uint64_t *skipped, char *err)
{
	const char *path = q->mq_path;
	char line[MARKS_LINE_MAX];
	struct probe_mark m, *nm;
	FILE *f;
	int rc = -1;
	size_t len;

	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_errno(err, "events file %s", path);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			int c;
			/* Overlong line: skip the rest of it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			(*skipped)++;
			continue;
		}
		if (strspn(line, " \t\r\n") == len)
			continue;
		if (!probe_marks_parse_line(line, q->mq_mono_to_wall_ns, &m)) {
			(*skipped)++;
			continue;
		}
		if (m.pm_wall_ns < q->mq_from_wall_ns ||
		    m.pm_wall_ns > q->mq_to_wall_ns)
			continue;
		nm = realloc(*marks, (*nmarks + 1) * sizeof(*nm));
		if (nm == NULL) {
			err_errno(err, "events file %s", path);
			goto fail;
		}
		*marks = nm;
		nm[(*nmarks)++] = m;
	}
	if (ferror(f)) {
		err_errno(err, "events file %s", path);
		goto fail;
	}
	rc = 0;
fail:
	fclose(f);
	return rc;
}
