// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_iova.c - the IOVA allocator: top-down below the limit, size
 * alignment, magazines and depot, no overlap under random use, teardown.
 */
#include "harness.h"

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

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_top_down_aligned),
		TEST(test_magazine_reuse),
		TEST(test_depot_no_overlap),
		TEST(test_exhaustion_flushes_caches),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
