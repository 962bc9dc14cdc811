/*
 * names.c - a hash index of names (open addressing, linear probing, at
 * most half full) for the metrics of a result and the rows of a
 * comparison.  Names come from results.json, so the hash is SipHash-1-3
 * with a key drawn once per process: names crafted to collide in one run
 * do not collide in the next.  Nothing is ever written in hash order, so
 * the reports stay the same byte for byte.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "reports/names.h"

struct name_slot {
	uint64_t ns_hash;
	size_t ns_pos;		/* position + 1; 0 = free */
};

static uint64_t names_key[2];
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

static void
names_key_init(void)
{
	struct timespec ts;

	if (getrandom(names_key, sizeof(names_key), GRND_NONBLOCK) ==
	    (ssize_t)sizeof(names_key))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	names_key[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
	names_key[1] = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void
sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13) ^ v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17) ^ v[2];
	v[2] = ROTL(v[2], 32);
}

/* SipHash-1-3 of s (Aumasson and Bernstein; one round per word, three
 * to finish), keyed with names_key. */
static uint64_t
names_hash(const char *s)
{
	uint64_t v[4], m, len = strlen(s);
	size_t i, j;

	pthread_once(&names_once, names_key_init);
	v[0] = names_key[0] ^ 0x736f6d6570736575ULL;
	v[1] = names_key[1] ^ 0x646f72616e646f6dULL;
	v[2] = names_key[0] ^ 0x6c7967656e657261ULL;
	v[3] = names_key[1] ^ 0x7465646279746573ULL;
	for (i = 0; i <= len; i += 8) {
		m = i + 8 <= len ? 0 : len << 56;
		for (j = 0; j < 8 && i + j < len; j++)
			m |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
		if (i + 8 > len)
			break;
	}
	v[2] ^= 0xff;
	for (j = 0; j < 3; j++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static const char *
name_at(const void *base, size_t stride, size_t pos)
{
	return *(char *const *)(const void *)((const char *)base +
	    pos * stride);
}

/* The slot holding name (hash h), or the free slot where it would go. */
static size_t
slot_of(const struct name_index *ni, const void *base, size_t stride,
    const char *name, uint64_t h)
{
	size_t mask = ni->ni_len - 1, i = (size_t)h & mask;
	const struct name_slot *sl;

	for (;; i = (i + 1) & mask) {
		sl = &ni->ni_slot[i];
		if (sl->ns_pos == 0 || (sl->ns_hash == h &&
		    strcmp(name_at(base, stride, sl->ns_pos - 1), name) == 0))
			return i;
	}
}

size_t
names_find(const struct name_index *ni, const void *base, size_t stride,
    const char *name)
{
	size_t i;

	if (ni->ni_len == 0)
		return (size_t)-1;
	i = slot_of(ni, base, stride, name, names_hash(name));
	return ni->ni_slot[i].ns_pos ? ni->ni_slot[i].ns_pos - 1 : (size_t)-1;
}

/* Twice the slots, the entries placed again by their kept hashes. */
static void
grow(struct name_index *ni)
{
	struct name_slot *old = ni->ni_slot;
	size_t n = ni->ni_len, i, j, mask;

	ni->ni_len = n ? 2 * n : 16;
	ni->ni_slot = calloc(ni->ni_len, sizeof(*ni->ni_slot));
	if (ni->ni_slot == NULL)
		abort();
	mask = ni->ni_len - 1;
	for (i = 0; i < n; i++) {
		if (old[i].ns_pos == 0)
			continue;
		for (j = (size_t)old[i].ns_hash & mask;
		    ni->ni_slot[j].ns_pos != 0; j = (j + 1) & mask)
			;
		ni->ni_slot[j] = old[i];
	}
	free(old);
}

void
names_add(struct name_index *ni, const void *base, size_t stride,
    size_t pos)
{
	const char *name = name_at(base, stride, pos);
	uint64_t h = names_hash(name);
	size_t i;

	if (2 * (ni->ni_used + 1) > ni->ni_len)
		grow(ni);
	i = slot_of(ni, base, stride, name, h);
	ni->ni_slot[i].ns_hash = h;
	ni->ni_slot[i].ns_pos = pos + 1;
	ni->ni_used++;
}

void
names_free(struct name_index *ni)
{
	free(ni->ni_slot);
	memset(ni, 0, sizeof(*ni));
}
