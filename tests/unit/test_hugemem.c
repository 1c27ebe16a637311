/* test_hugemem.c - advised blocks and the huge-page heap: where THP is
 * on, memory touched after them is in huge pages (the kernel's smaps
 * says so), and far fewer page faults are taken. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "lib/hugemem.h"

#define MiB ((size_t)1 << 20)

/* The THP mode as the kernel shows it: "always [madvise] never". */
static void thp_mode(char *mode, size_t len)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	mode[0] = '\0';
	if (f) {
		if (!fgets(mode, (int)len, f))
			mode[0] = '\0';
		fclose(f);
	}
}

static bool thp_off(void)
{
	char mode[128];

	thp_mode(mode, sizeof(mode));
	return !mode[0] || strstr(mode, "[never]");
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

/* The number after key ("AnonHugePages:", "THPeligible:") in smaps,
 * for the mapping holding p (-1: not found). */
static long smaps_value(const void *p, const char *key)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	bool in = false;
	long v = -1;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && !strncmp(line, key, strlen(key))) {
			v = strtol(line + strlen(key), NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* AnonHugePages of the mapping holding p, in KiB (-1: not found). */
static long huge_kib(const void *p)
{
	return smaps_value(p, "AnonHugePages:");
}

/* A block from malloc, advised before it is touched: its aligned
 * interior is in huge pages, what sticks out is left alone. */
Test(hugemem, advised_block_is_huge_pages)
{
	long fallbacks = thp_fallbacks(), before, n, huge, small;
	size_t len = 5 * MiB;
	unsigned char *p = malloc(len), *in, *end;

	cr_assert_not_null(p);
	if (thp_off())
		cr_skip_test("transparent huge pages are off");
	tsn_huge_advise(p, len);
	in = (unsigned char *)(((uintptr_t)p + 2 * MiB - 1) &
			       ~(uintptr_t)(2 * MiB - 1));
	end = (unsigned char *)(((uintptr_t)p + len) &
				~(uintptr_t)(2 * MiB - 1));
	huge = (end - in) / (long)(2 * MiB);
	small = (long)(len - (size_t)(end - in)) / 4096 + 2;
	cr_assert_geq(huge, 1, "5 MiB holds an aligned 2 MiB");
	before = faults();
	memset(p, 1, len);
	n = faults() - before;
	if (thp_fallbacks() != fallbacks)
		cr_skip_test("the kernel had no huge page to give");
	cr_expect_geq(huge_kib(in), 2048);
#if defined(__SANITIZE_ADDRESS__)
	(void)n;	/* its memset touches shadow pages too */
	(void)small;
#else
	/* a fault per huge page, and one per small page at the ends */
	cr_expect_leq(n, huge + small + 8, "%ld faults for 5 MiB, %ld huge "
		      "pages and %ld small ones", n, huge, small);
#endif
	cr_expect_eq(p[len - 1], 1);
	free(p);
}

/* smaps' THPeligible of the mapping holding p (-1: not found). */
static long thp_eligible(const void *p)
{
	return smaps_value(p, "THPeligible:");
}

static bool thp_madvise_only(void)
{
	char mode[128];

	thp_mode(mode, sizeof(mode));
	return strstr(mode, "[madvise]") != NULL;
}

/* A block holding no aligned huge page is not advised: its mapping
 * stays ineligible (where THP is madvise-only, so that advice is what
 * decides); one that holds one is advised there. */
Test(hugemem, advise_only_whole_huge_pages)
{
	size_t small = MiB, big = 5 * MiB;
	unsigned char *a = malloc(small), *b = malloc(big), *in;

	cr_assert(a && b);
	if (!thp_madvise_only())
		cr_skip_test("transparent huge pages are not madvise-only");
	tsn_huge_advise(a, small);
	tsn_huge_advise(NULL, 0);
	cr_expect_eq(thp_eligible(a), 0, "1 MiB holds no huge page");
	tsn_huge_advise(b, big);
	in = (unsigned char *)(((uintptr_t)b + 2 * MiB - 1) &
			       ~(uintptr_t)(2 * MiB - 1));
	cr_expect_eq(thp_eligible(in), 1, "its aligned interior");
	cr_expect_eq(thp_eligible(b), 0, "the unaligned head");
	free(a);
	free(b);
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
