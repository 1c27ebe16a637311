/* hugemem.h - transparent huge pages for the memory a run fills at once:
 * the heap of a run that fills a lot of it (nft-fix and the ruleset
 * readers: the request, the rule dump's chunks, the ruleset's arena, the
 * flows, the batch), and any block of 2 MiB or more.
 */
#ifndef TSN_HUGEMEM_H
#define TSN_HUGEMEM_H

#include <stddef.h>

/* Advise the whole 2 MiB-aligned pages inside [p, p + size) huge pages,
 * before they are first touched.  Only advice: nothing to check. */
void tsn_huge_advise(void *p, size_t size);

/* Have glibc's heap serve the next few MiB from huge pages: for a
 * process about to fill that much.  Only advice too: where it cannot be
 * given, what changes is glibc's settings only (no trimming, blocks up
 * to 4 MiB from the heap). */
void tsn_heap_huge(void);

#endif
