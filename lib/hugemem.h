/* hugemem.h - anonymous memory in transparent huge pages, for the few
 * large buffers a run fills at once (the ruleset's arena, the rule dump's
 * chunks), and for the heap of a run that fills a lot of it.
 */
#ifndef TSN_HUGEMEM_H
#define TSN_HUGEMEM_H

#include <stddef.h>

struct tsn_huge {
	void *p;	/* size bytes, zeroed, 2 MiB-aligned */
	size_t size;
	void *map;	/* what to unmap */
	size_t map_len;
};

/* Map size bytes (rounded up to 2 MiB) at a 2 MiB boundary and ask for
 * huge pages: 0 or -errno. */
int tsn_huge_map(struct tsn_huge *h, size_t size);
void tsn_huge_unmap(struct tsn_huge *h);

/* Have glibc's heap serve the next few MiB from huge pages: for a
 * process about to fill that much with small allocations (nft-fix).
 * Only advice too: where it cannot be done, nothing changes. */
void tsn_heap_huge(void);

#endif
