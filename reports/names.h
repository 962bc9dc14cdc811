/*
 * names.h - an index from names to their positions in an array its user
 * keeps (the metrics of a result, the rows of a comparison), so that a
 * lookup does not walk the array: results.json may hold hundreds of
 * thousands of metrics.
 */
#ifndef HV_NAMES_H
#define HV_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct name_slot;

/*
 * The names live in the user's array: element i starts at base + i *
 * stride and begins with its name (a char *).  The index keeps positions
 * only, so every call takes the array's current base.  A zeroed index is
 * empty.
 */
struct name_index {
	struct name_slot *ni_slot;
	size_t ni_len;		/* 0 or a power of two */
	size_t ni_used;
};

/* The position of name, or (size_t)-1. */
size_t names_find(const struct name_index *ni, const void *base,
    size_t stride, const char *name);
/* Index element pos, whose name is not in the index yet. */
void names_add(struct name_index *ni, const void *base, size_t stride,
    size_t pos);
void names_free(struct name_index *ni);

#endif
