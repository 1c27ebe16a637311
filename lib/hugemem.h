/* hugemem.h - anonymous memory in transparent huge pages, for the large
 * buffers a run fills at once (the ruleset's arena past its first chunk),
 * and for the heap of a run that fills a lot of it (nft-fix: its request,
 * the rule dump's chunks, the flows, the batch).
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
 * process about to fill that much (nft-fix).  Only advice too: where it
 * cannot be given, what changes is glibc's settings only (no trimming,
 * blocks up to 4 MiB from the heap). */
void tsn_heap_huge(void);

#endif
