/* hugemem.c - see hugemem.h.
 *
 * Why: on a paravirtualised guest (this project's test machines, and
 * nested cloud VMs like them) the first touch of each 4 KiB page costs
 * 10-20 us, even with MAP_POPULATE, because the host shadows the guest's
 * page tables; a 2 MiB huge page costs about as much as two small ones
 * (measured: 4 MiB touched in 15-20 ms as small pages, 0.3 ms as huge
 * ones).  A buffer of a few hundred KiB filled once per run is cheaper
 * as one huge page.  Without THP (disabled, or no huge page free) the
 * advice is ignored and the pages are small ones, as from malloc.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "lib/hugemem.h"

#define HUGE_SIZE ((size_t)2 << 20)

int tsn_huge_map(struct tsn_huge *h, size_t size)
{
	uintptr_t at;

	h->p = h->map = NULL;
	h->size = h->map_len = 0;
	if (!size || size > SIZE_MAX / 2 - HUGE_SIZE)
		return -EINVAL;
	size = (size + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	/* One huge page more, to start at a boundary inside it. */
	h->map = mmap(NULL, size + HUGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->map == MAP_FAILED) {
		h->map = NULL;
		return -errno;
	}
	h->map_len = size + HUGE_SIZE;
	at = ((uintptr_t)h->map + HUGE_SIZE - 1) & ~(uintptr_t)(HUGE_SIZE - 1);
	(void)madvise((void *)at, size, MADV_HUGEPAGE);	/* only advice */
	h->p = (void *)at;
	h->size = size;
	return 0;
}

void tsn_huge_unmap(struct tsn_huge *h)
{
	if (h->map)
		munmap(h->map, h->map_len);
	h->p = h->map = NULL;
	h->size = h->map_len = 0;
}
