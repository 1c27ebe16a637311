/* hugemem.c - see hugemem.h.
 *
 * Why: on a paravirtualised guest (this project's test machines, and
 * nested cloud VMs like them) the first touch of each 4 KiB page costs
 * 15-20 us, even with MAP_POPULATE, because the host shadows the guest's
 * page tables; a 2 MiB huge page still backed by the host costs 0.15 ms,
 * as much as eight small ones (measured: 4 MiB touched in 15-20 ms as
 * small pages, 0.3 ms as huge ones).  With free page reporting (virtio-
 * balloon) the host takes back free 2 MiB blocks after a while, and
 * touching one of those costs 3-7 ms: huge pages are for buffers that
 * fill most of one.  Without THP (disabled, or no huge page free) the
 * advice is ignored and the pages are small ones, as from malloc.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#include "lib/hugemem.h"

#define HUGE_SIZE ((uintptr_t)2 << 20)

void tsn_huge_advise(void *p, size_t size)
{
	uintptr_t from = ((uintptr_t)p + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	uintptr_t to = ((uintptr_t)p + size) & ~(HUGE_SIZE - 1);

	if (size >= HUGE_SIZE && to > from)
		(void)madvise((void *)from, to - from, MADV_HUGEPAGE);
}

/* How far the heap grows at once from here on (address space only until
 * touched), and the blocks that still get an mmap of their own. */
#define HEAP_PAD ((size_t)32 << 20)
#define HEAP_MMAP (4 << 20)

/* glibc's main heap grows by brk, its free top [end - keepcost, end)
 * is carved from its start, and it grows by M_TOP_PAD more than asked.
 * So: make the top at least HEAP_PAD (one block bigger than it is),
 * advise the 2 MiB-aligned part of it, and allocate, never to free, the
 * unaligned stretch below: the allocations to come start on a huge
 * page.  Frees no longer give the top back (M_TRIM_THRESHOLD), the
 * threads share the heap (M_ARENA_MAX), and blocks up to 4 MiB come
 * from the heap too, instead of each from an mmap of its own in small
 * pages: a run's large buffers (the rule dump's chunks, the ruleset's
 * arena, the flows, the batch) share its huge pages.  Each huge page is
 * a gamble on a guest with free page reporting: one the host has taken
 * back costs 3-7 ms to touch, one still backed 0.15 ms (measured), so
 * the fewer, the fuller, the better (nft-fix on 10,000 rules for 1,000
 * members: two).  Past HEAP_PAD (some 100,000 rules) the heap goes on in
 * small pages.  Where the heap does not behave so (not glibc's
 * allocator, a sanitizer's), nothing is advised and what was allocated
 * is freed. */
void tsn_heap_huge(void)
{
	static void *below;	/* the unaligned stretch, kept */
	uintptr_t top, end, from, to;
	struct mallinfo2 mi;
	void *volatile p;	/* or the compiler drops the malloc and free */

	if (below)
		return;
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, (int)HEAP_PAD);
	mallopt(M_MMAP_THRESHOLD, HEAP_MMAP);
	/* The threads (the rule fetcher, the snapshot writer) allocate
	 * from this heap too, not each from an arena of its own in small
	 * pages: they allocate little, so the lock costs next to nothing. */
	mallopt(M_ARENA_MAX, 1);
	mi = mallinfo2();
	if (mi.keepcost < HEAP_PAD) {
		p = malloc(mi.keepcost + 4096);	/* does not fit: grow */
		free(p);
		mi = mallinfo2();
	}
	end = (uintptr_t)sbrk(0);
	top = end - mi.keepcost;
	from = (top + 4096 + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	to = end & ~(uintptr_t)(HUGE_SIZE - 1);
	if (end != (uintptr_t)-1 && mi.keepcost >= HEAP_PAD && to > from &&
	    !madvise((void *)from, to - from, MADV_HUGEPAGE)) {
		below = malloc(from - top);
		/* From the top, or it was no use. */
		if (below && (uintptr_t)sbrk(0) - mallinfo2().keepcost < from) {
			free(below);
			below = NULL;
		}
	}
}
