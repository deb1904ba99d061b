// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_iova.c - the IOVA allocator: top-down below the limit, size
 * alignment, magazines and depot, no overlap under random use, teardown.
 *
 * Pokes internals: the magazine size comes from the allocator's private
 * header (os/iova_int.h), included explicitly.
 */
#include "harness.h"

#include "../../os/iova_int.h"

#include <stdint.h>
#include <stdlib.h>

/* Top-down, below the limit, size-aligned. */
static void test_top_down_aligned(void)
{
	struct iova_domain *iovad = iovad_create(1, 1);
	pfn_t limit = (1ull << 20) - 1, a, b, c;

	REQUIRE(iovad);
	a = alloc_iova_fast(iovad, 1, limit);
	b = alloc_iova_fast(iovad, 4, limit);
	c = alloc_iova_fast(iovad, 3, limit);
	CHECK(a == limit, "first page at the top: %llx", (unsigned long long)a);
	CHECK(b + 4 <= a && (b & 3) == 0, "b=%llx", (unsigned long long)b);
	CHECK(iova_round_size(3) == 4 && (c & 3) == 0 && c + 4 <= b);
	CHECK(alloc_iova_fast(iovad, 64, limit) + 64 <= c, "64 pages below");
	CHECK(iova_round_size(33) == 33, "beyond the cache: no rounding");
	CHECK(alloc_iova_fast(iovad, 1, 0) == 0, "limit below start");
	CHECK(iovad_destroy(iovad) == 4, "four ranges leaked on purpose");
}

/* A freed range comes straight back from this CPU's magazine. */
static void test_magazine_reuse(void)
{
	struct iova_domain *iovad = iovad_create(1, 2);
	pfn_t a, b;

	REQUIRE(iovad);
	os_set_cpu(0);
	a = alloc_iova_fast(iovad, 2, 1u << 20);
	free_iova_fast(iovad, a, 2);
	CHECK(iovad_outstanding(iovad) == 0, "cached ranges count as free");
	b = alloc_iova_fast(iovad, 2, 1u << 20);
	CHECK(a == b, "LIFO reuse from the magazine");
	/* Another CPU does not see CPU 0's magazine. */
	free_iova_fast(iovad, b, 2);
	os_set_cpu(1);
	b = alloc_iova_fast(iovad, 2, 1u << 20);
	CHECK(a != b);
	free_iova_fast(iovad, b, 2);
	os_set_cpu(0);
	CHECK(iovad_destroy(iovad) == 0);
}

/* Filling magazines past loaded+prev moves full ones to the depot, and the
 * depot refills an empty CPU; nothing is ever handed out twice. */
static void test_depot_no_overlap(void)
{
	enum { N = 3 * IOVA_MAG_SIZE + 10 };
	struct iova_domain *iovad = iovad_create(1, 2);
	static pfn_t got[N];
	uint64_t seed = test_seed();

	REQUIRE(iovad);
	os_set_cpu(0);
	for (int i = 0; i < N; i++)
		got[i] = alloc_iova_fast(iovad, 1, 1u << 24);
	for (int i = 0; i < N; i++)
		free_iova_fast(iovad, got[i], 1);
	os_set_cpu(1);	/* empty CPU: must refill from the depot */
	for (int i = 0; i < N; i++) {
		got[i] = alloc_iova_fast(iovad, 1, 1u << 24);
		CHECK(got[i] != 0);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < i; k++)
			if (got[i] == got[k]) {
				CHECK(0, "pfn %llx handed out twice", (unsigned long long)got[i]);
				i = N;
				break;
			}
	for (int i = 0; i < N; i++)
		free_iova_fast(iovad, got[i], 1);
	/* Random mixed sizes: live ranges never overlap. */
	{
		struct { pfn_t p; size_t n; } live[256];
		int nlive = 0;

		for (int step = 0; step < 20000; step++) {
			uint64_t r = test_rand(&seed);

			os_set_cpu((unsigned int)(r >> 60) & 1);
			if (nlive < 256 && (r & 1)) {
				size_t n = 1 + (r >> 8) % 40;
				pfn_t p = alloc_iova_fast(iovad, n, (1u << 16) - 1);

				if (!p)
					continue;
				n = iova_round_size(n);
				for (int k = 0; k < nlive; k++)
					if (p < live[k].p + live[k].n && live[k].p < p + n) {
						CHECK(0, "overlap at step %d", step);
						step = 20000;
					}
				live[nlive].p = p;
				live[nlive++].n = n;
			} else if (nlive) {
				int k = (int)((r >> 16) % (uint64_t)nlive);

				free_iova_fast(iovad, live[k].p, live[k].n);
				live[k] = live[--nlive];
			}
		}
		while (nlive--)
			free_iova_fast(iovad, live[nlive].p, live[nlive].n);
	}
	os_set_cpu(0);
	CHECK(iovad_destroy(iovad) == 0);
}

/* When the space is used up, cached ranges are given back and reused. */
static void test_exhaustion_flushes_caches(void)
{
	struct iova_domain *iovad = iovad_create(1, 1);
	pfn_t p[16];

	REQUIRE(iovad);
	/* A space of 16 pages below the limit: [1, 17). */
	for (int i = 0; i < 16; i++) {
		p[i] = alloc_iova_fast(iovad, 1, 16);
		CHECK(p[i] != 0, "page %d", i);
	}
	CHECK(alloc_iova_fast(iovad, 1, 16) == 0, "full");
	for (int i = 0; i < 16; i++)
		free_iova_fast(iovad, p[i], 1);
	/* All 16 sit in magazines now; an 8-page range needs them back. */
	CHECK(alloc_iova_fast(iovad, 8, 16) == 8, "aligned 8 pages after flushing caches");
	free_iova_fast(iovad, 8, 8);
	CHECK(iovad_destroy(iovad) == 0);
}

/* ---- regression tests ------------------------------------------------- */

#define SPACE_END ((pfn_t)1 << (IOVA_BITS - PAGE_SHIFT))

/*
 * An all-ones limit means "anywhere in the space".  It broke: the range
 * allocator added 1 to the limit, which wrapped to 0, so every range from
 * the tree failed (a 64-bit mask's limit is 2^52 - 1 and hid it).
 */
static void test_alloc_iova_all_ones_limit_allocates(void)
{
	struct iova_domain *iovad = iovad_create(1, 1);
	pfn_t a, b;

	REQUIRE(iovad);
	a = alloc_iova_fast(iovad, 1, ~(pfn_t)0);
	b = alloc_iova_fast(iovad, 64, ~(pfn_t)0);
	CHECK(a == SPACE_END - 1, "one page at the top of the space: %#llx",
	      (unsigned long long)a);
	CHECK(b && b + 64 <= a, "64 pages below it: %#llx", (unsigned long long)b);
	free_iova_fast(iovad, a, 1);
	free_iova_fast(iovad, b, 64);
	CHECK(iovad_destroy(iovad) == 0);
}

/*
 * A request larger than the space fails and changes nothing.  It broke:
 * start + npages wrapped in the fit test, so SIZE_MAX pages "fit" at a pfn
 * past the end of the space, and the free extent it was carved from grew
 * past its end -- later ranges overlapped.
 */
static void test_alloc_iova_huge_size_fails(void)
{
	const size_t huge[] = { SIZE_MAX, (size_t)1 << 63, SPACE_END, (size_t)0 - 2 };
	struct iova_domain *iovad = iovad_create(1, 1);
	pfn_t a, b;

	REQUIRE(iovad);
	a = alloc_iova_fast(iovad, 4, SPACE_END - 1);
	REQUIRE(a);
	for (size_t i = 0; i < ARRAY_SIZE(huge); i++) {
		pfn_t got = alloc_iova_fast(iovad, huge[i], ~(pfn_t)0);

		CHECK(got == 0, "%zu pages allocated at %#llx", huge[i],
		      (unsigned long long)got);
	}
	CHECK(iovad_outstanding(iovad) == 1, "outstanding %zu", iovad_outstanding(iovad));
	/* The space is intact: the next ranges below a, not over it. */
	b = alloc_iova_fast(iovad, 4, SPACE_END - 1);
	CHECK(b && (b + 4 <= a || b >= a + 4), "a=%#llx b=%#llx overlap",
	      (unsigned long long)a, (unsigned long long)b);
	CHECK(alloc_iova_fast(iovad, SPACE_END - 9, ~(pfn_t)0) != 0,
	      "the rest of the space still has room");
	CHECK(iovad_destroy(iovad) == 3, "the three ranges leaked on purpose");
}

/*
 * A free whose range leaves the space (or wraps) is refused and changes
 * nothing.  It broke: pfn + npages wrapped, so the free looked like one
 * ending below its start and shrank the free extent next to it, and the
 * count of outstanding ranges went down for a range never given back.
 */
static void test_free_iova_outside_space_refused(void)
{
	struct iova_domain *iovad = iovad_create(1, 1);
	pfn_t a, b;

	REQUIRE(iovad);
	a = alloc_iova_fast(iovad, 64, SPACE_END - 1);
	b = alloc_iova_fast(iovad, 64, SPACE_END - 1);
	REQUIRE(a && b);
	free_iova_fast(iovad, a, SIZE_MAX);
	free_iova_fast(iovad, b, SPACE_END);
	free_iova_fast(iovad, SPACE_END, 64);
	free_iova_fast(iovad, 0, 64);
	free_iova_fast(iovad, a, 0);
	CHECK(iovad_outstanding(iovad) == 2, "outstanding %zu, expected 2",
	      iovad_outstanding(iovad));
	/* Nothing new lands on a or b. */
	for (int i = 0; i < 4; i++) {
		pfn_t c = alloc_iova_fast(iovad, 64, SPACE_END - 1);

		CHECK(c && (c + 64 <= a || c >= a + 64) && (c + 64 <= b || c >= b + 64),
		      "%#llx overlaps a=%#llx or b=%#llx", (unsigned long long)c,
		      (unsigned long long)a, (unsigned long long)b);
	}
	CHECK(iovad_destroy(iovad) == 6);
}

/*
 * A start beyond the space is refused.  It broke: the allocator was built
 * with one free extent whose start lay past its end.
 */
static void test_iovad_create_start_beyond_space_refused(void)
{
	struct iova_domain *iovad = iovad_create(SPACE_END, 1);

	CHECK(iovad == NULL, "created with start %#llx", (unsigned long long)SPACE_END);
	if (iovad)
		iovad_destroy(iovad);
	iovad = iovad_create(SPACE_END - 1, 1);
	REQUIRE(iovad, "the last pfn is a valid start");
	CHECK(alloc_iova_fast(iovad, 1, ~(pfn_t)0) == SPACE_END - 1);
	CHECK(alloc_iova_fast(iovad, 1, ~(pfn_t)0) == 0, "one page only");
	CHECK(iovad_destroy(iovad) == 1);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_top_down_aligned),
		TEST(test_magazine_reuse),
		TEST(test_depot_no_overlap),
		TEST(test_exhaustion_flushes_caches),
		TEST(test_alloc_iova_all_ones_limit_allocates),
		TEST(test_alloc_iova_huge_size_fails),
		TEST(test_free_iova_outside_space_refused),
		TEST(test_iovad_create_start_beyond_space_refused),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
