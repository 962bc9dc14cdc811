/*
 * journal.c - encode, check and scan the guest agent's journal records.
 *
 * Pure format code plus one read loop; no allocation besides the scan
 * buffer, no globals besides the crc table.  Linked into the static guest
 * agent and into the host-side agentctl.  The format is described in
 * journal.h and docs/guest.md.
 */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCAN_CHUNK (1u << 20)

static uint32_t crc_table[256];
static int crc_ready;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

uint32_t
journal_crc32(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint32_t c = 0xFFFFFFFFu;

	if (!crc_ready)
		crc_init();
	for (size_t i = 0; i < len; i++)
		c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

static void
put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void
journal_rec_encode(unsigned char *rec, uint64_t seq, uint64_t time_ns)
{
	memset(rec, 0, JOURNAL_REC_SIZE);
	memcpy(rec, JOURNAL_MAGIC, 4);
	put_le(rec + 4, seq, 8);
	put_le(rec + 12, time_ns, 8);
	put_le(rec + 20, journal_crc32(rec, JOURNAL_REC_SIZE), 4);
}

int
journal_rec_valid(const unsigned char *rec, uint64_t slot, uint64_t *seq,
    uint64_t *time_ns)
{
	unsigned char tmp[JOURNAL_REC_SIZE];
	uint64_t s;

	if (memcmp(rec, JOURNAL_MAGIC, 4) != 0)
		return 0;
	s = get_le(rec + 4, 8);
	if (s != slot + 1)
		return 0;
	memcpy(tmp, rec, sizeof(tmp));
	memset(tmp + 20, 0, 4);
	if (journal_crc32(tmp, sizeof(tmp)) != (uint32_t)get_le(rec + 20, 4))
		return 0;
	if (seq)
		*seq = s;
	if (time_ns)
		*time_ns = get_le(rec + 12, 8);
	return 1;
}

int
journal_scan(int fd, struct journal_summary *s, char *err, size_t errlen)
{
	unsigned char *buf = NULL;
	uint64_t slot = 0, gap = 0, off = 0;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (posix_memalign((void **)&buf, 4096, SCAN_CHUNK) != 0) {
		snprintf(err, errlen, "journal scan: out of memory");
		goto fail;
	}
	for (;;) {
		ssize_t n = pread(fd, buf, SCAN_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "journal scan: read at %llu: %s",
			    (unsigned long long)off, strerror(errno));
			goto fail;
		}
		size_t nslots = (size_t)n / JOURNAL_REC_SIZE;
		for (size_t i = 0; i < nslots; i++, slot++) {
			uint64_t seq;
			if (!journal_rec_valid(buf + i * JOURNAL_REC_SIZE, slot,
			    &seq, NULL)) {
				if (++gap >= JOURNAL_GAP_SLOTS)
					goto done;
				continue;
			}
			gap = 0;
			if (s->js_first == 0)
				s->js_first = seq;
			/* Slots between the previous valid one and this one. */
			for (uint64_t m = s->js_last + 1; m < seq; m++) {
				if (s->js_nmissing < JOURNAL_MISSING_MAX)
					s->js_missing[s->js_nmissing] = m;
				s->js_nmissing++;
			}
			s->js_last = seq;
			s->js_count++;
		}
		if ((size_t)n < SCAN_CHUNK)
			break;
		off += (uint64_t)n;
	}
done:
	rc = 0;
fail:
	free(buf);
	return rc;
}

int
journal_summary_json(const struct journal_summary *s, char *buf, size_t len)
{
	size_t used;
	int n;

	n = snprintf(buf, len,
	    "{\"first\":%llu,\"last\":%llu,\"count\":%llu,"
	    "\"missing_count\":%llu,\"missing\":[",
	    (unsigned long long)s->js_first, (unsigned long long)s->js_last,
	    (unsigned long long)s->js_count,
	    (unsigned long long)s->js_nmissing);
	if (n < 0 || (size_t)n >= len)
		return -1;
	used = (size_t)n;
	for (uint64_t i = 0; i < s->js_nmissing && i < JOURNAL_MISSING_MAX;
	    i++) {
		n = snprintf(buf + used, len - used, "%s%llu", i ? "," : "",
		    (unsigned long long)s->js_missing[i]);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	n = snprintf(buf + used, len - used, "]}");
	if (n < 0 || (size_t)n >= len - used)
		return -1;
	return 0;
}
