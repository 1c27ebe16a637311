/* test_hugemem.c - huge-page mappings and the huge-page heap: where THP
 * is on, memory touched after them is in huge pages (the kernel's
 * smaps says so), and far fewer page faults are taken. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/hugemem.h"

#define MiB ((size_t)1 << 20)

static bool thp_off(void)
{
	char mode[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	return !f || strstr(mode, "[never]");
}

/* Huge page faults the kernel could not serve (then it gives small
 * pages, as it may: not ours to test). */
static long thp_fallbacks(void)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char line[128];
	long n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "thp_fault_fallback %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static long faults(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt;
}

/* AnonHugePages of the mapping holding p, in KiB (-1: not found). */
static long huge_kib(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long kib = -1;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib;
}

Test(hugemem, map_aligned_zeroed_and_rounded)
{
	struct tsn_huge h;
	unsigned char *p;

	cr_assert_eq(tsn_huge_map(&h, 3 * MiB), 0);
	p = h.p;
	cr_assert_eq((uintptr_t)p % (2 * MiB), 0, "not on a 2 MiB boundary");
	cr_assert_eq(h.size, 4 * MiB, "3 MiB rounds up to two huge pages");
	cr_assert_eq(p[0] | p[h.size - 1], 0);
	memset(p, 0xa5, h.size);	/* all of it writable */
	tsn_huge_unmap(&h);
	cr_assert_null(h.p);
	cr_assert_null(h.map);
	tsn_huge_unmap(&h);		/* twice is harmless */
	cr_assert_eq(tsn_huge_map(&h, 0), -EINVAL);
	cr_assert_eq(tsn_huge_map(&h, SIZE_MAX - 5), -EINVAL);
}

Test(hugemem, map_is_huge_pages)
{
	long fallbacks = thp_fallbacks(), before, n;
	struct tsn_huge h;

	if (thp_off())
		cr_skip_test("transparent huge pages are off");
	cr_assert_eq(tsn_huge_map(&h, 2 * MiB), 0);
	before = faults();
	memset(h.p, 1, h.size);
	n = faults() - before;
	if (thp_fallbacks() != fallbacks)
		cr_skip_test("the kernel had no huge page to give");
	cr_expect_geq(huge_kib(h.p), 2048);
#if defined(__SANITIZE_ADDRESS__)
	(void)n;	/* its memset touches shadow pages too */
#else
	cr_expect_lt(n, 64, "%ld faults for 2 MiB", n);
#endif
	tsn_huge_unmap(&h);
}

/* A thousand small blocks, as nft-fix's request makes: after
 * tsn_heap_huge() they land in huge pages. */
Test(hugemem, heap_small_blocks_in_huge_pages)
{
	long fallbacks = thp_fallbacks(), before, n;
	char *blk[256];

#if defined(__SANITIZE_ADDRESS__)
	cr_skip_test("a sanitizer's allocator has no brk heap");
#endif
	if (thp_off())
		cr_skip_test("transparent huge pages are off");
	tsn_heap_huge();
	tsn_heap_huge();	/* once is enough; twice changes nothing */
	before = faults();
	for (size_t i = 0; i < 256; i++) {
		blk[i] = malloc(4000);
		cr_assert_not_null(blk[i]);
		memset(blk[i], (int)i, 4000);
	}
	n = faults() - before;
	if (thp_fallbacks() != fallbacks)
		cr_skip_test("the kernel had no huge page to give");
	cr_expect_lt(n, 64, "%ld faults for 1 MiB of blocks", n);
	cr_expect_geq(huge_kib(blk[0]), 2048);
	for (size_t i = 0; i < 256; i++) {
		cr_expect_eq(blk[i][3999], (char)i);
		free(blk[i]);
	}
}
