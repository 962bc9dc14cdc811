/*
 * manifest.c - an OVF package's manifest (.mf): one "SHA256(FILE)= HEX"
 * (or SHA1) line per member, as VMware's ovftool writes it; VirtualBox's
 * "SHA256 (FILE) = HEX" spacing is read too.  Pure: a buffer in, a table
 * out, every refusal naming its line.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "platform/vmfmt/vmfmt_priv.h"

#define LINE_MAX_MF	512

/* "SHA256" or "SHA1" at *p: the algorithm, p moved past it; 0 if none. */
static int
mf_algo(const char **p)
{
	if (strncmp(*p, "SHA256", 6) == 0) {
		*p += 6;
		return MF_SHA256;
	}
	if (strncmp(*p, "SHA1", 4) == 0) {
		*p += 4;
		return MF_SHA1;
	}
	return 0;
}

static int
mf_hex(const char *p, struct mf_entry *e, char *err)
{
	size_t want = e->me_algo == MF_SHA256 ? 64 : 40, n = 0;

	for (; isxdigit((unsigned char)p[n]) && n < want; n++)
		e->me_hex[n] = (char)tolower((unsigned char)p[n]);
	e->me_hex[n] = '\0';
	while (p[n] == ' ' || p[n] == '\t')
		n++;
	if (strlen(e->me_hex) != want || p[n] != '\0')
		return err_set(err, "line %d: the digest of \"%s\" is not %zu "
		    "hex digits", e->me_line, e->me_file, want);
	return 0;
}

/* One line (NUL-terminated, no newline) into e. */
static int
mf_line(const char *line, struct mf_entry *e, char *err)
{
	const char *p = line, *close;
	size_t n;

	if ((e->me_algo = mf_algo(&p)) == 0)
		return err_set(err, "line %d: not \"SHA256(FILE)= HEX\" or "
		    "\"SHA1(FILE)= HEX\"", e->me_line);
	while (*p == ' ')
		p++;
	if (*p++ != '(' || (close = strrchr(p, ')')) == NULL)
		return err_set(err, "line %d: no \"(FILE)\"", e->me_line);
	n = (size_t)(close - p);
	if (n >= sizeof(e->me_file))
		return err_set(err, "line %d: file name longer than %zu bytes",
		    e->me_line, sizeof(e->me_file) - 1);
	memcpy(e->me_file, p, n);
	e->me_file[n] = '\0';
	if (vmfmt_name_check(e->me_file, 0, err) < 0)
		return err_prefix(err, "line %d", e->me_line);
	p = close + 1;
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return err_set(err, "line %d: no \"=\" after \"(%s)\"",
		    e->me_line, e->me_file);
	while (*p == ' ')
		p++;
	return mf_hex(p, e, err);
}

const struct mf_entry *
mf_find(const struct mf *m, const char *file)
{
	int i;

	for (i = 0; i < m->mf_n; i++)
		if (strcmp(m->mf_entries[i].me_file, file) == 0)
			return &m->mf_entries[i];
	return NULL;
}

int
mf_parse(const char *buf, size_t len, struct mf *m, char *err)
{
	char line[LINE_MAX_MF];
	size_t i = 0, n;
	int lineno = 0;
	struct mf_entry e;

	m->mf_n = 0;
	while (i < len) {
		lineno++;
		for (n = 0; i + n < len && buf[i + n] != '\n'; n++)
			if (buf[i + n] == '\0')
				return err_set(err, "line %d: a NUL byte",
				    lineno);
		if (n >= sizeof(line))
			return err_set(err, "line %d: longer than %zu bytes",
			    lineno, sizeof(line) - 1);
		memcpy(line, buf + i, n);
		line[n] = '\0';
		i += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.me_line = lineno;
		if (mf_line(line, &e, err) < 0)
			return -1;
		if (mf_find(m, e.me_file) != NULL)
			return err_set(err, "line %d: \"%s\" is listed twice",
			    lineno, e.me_file);
		if (m->mf_n == MF_MAX_ENTRIES)
			return err_set(err, "line %d: more than %d entries",
			    lineno, MF_MAX_ENTRIES);
		m->mf_entries[m->mf_n++] = e;
	}
	if (m->mf_n == 0)
		return err_set(err, "no entries");
	return 0;
}
