// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_page_alloc.c - the buddy allocator: splitting and merging, refcounts,
 * owners and generations, exhaustion, misuse and fault injection.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <errno.h>
#include <string.h>

/* Blocks are aligned to their size, distinct, and merge back completely. */
static void test_split_and_merge(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	pfn_t p[64];
	size_t free0;

	REQUIRE(lab);
	free0 = page_alloc_free_frames(lab->pa);
	for (int i = 0; i < 64; i++) {
		unsigned int order = (unsigned int)i % 4;

		REQUIRE(pages_alloc(lab->pa, order, 5, false, &p[i]) == 0);
		CHECK((p[i] & ((1u << order) - 1)) == 0, "block %d not aligned", i);
		CHECK(p[i] != 0, "frame 0 is reserved");
		for (int k = 0; k < i; k++)
			CHECK(p[i] != p[k]);
	}
	CHECK(page_alloc_free_frames(lab->pa) == free0 - 16 * (1 + 2 + 4 + 8));
	for (int i = 63; i >= 0; i -= 2)
		CHECK(page_put(lab->pa, p[i]));
	for (int i = 0; i < 64; i += 2)
		CHECK(page_put(lab->pa, p[i]));
	CHECK(page_alloc_free_frames(lab->pa) == free0);
	/* After full merge the largest order is available again. */
	{
		pfn_t big;

		CHECK(pages_alloc(lab->pa, PAGE_MAX_ORDER, 5, false, &big) == 0);
		page_put(lab->pa, big);
	}
	lab_down(lab);
}

/* Refcount holds the block; the last put frees it and bumps the generation. */
static void test_refcount_generation_owner(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	uint32_t g0;
	pfn_t p;

	REQUIRE(lab);
	REQUIRE(pages_alloc(lab->pa, 1, 42, true, &p) == 0);
	g0 = page_generation(lab->pa, p + 1);
	CHECK(page_owner(lab->pa, p + 1) == 42);
	CHECK(page_head(lab->pa, p + 1) == p);
	CHECK(page_refcount(lab->pa, p) == 1);
	page_get(lab->pa, p);
	CHECK(page_refcount(lab->pa, p) == 2);
	CHECK(!page_put(lab->pa, p), "first put must not free");
	CHECK(page_owner(lab->pa, p) == 42);
	CHECK(page_put(lab->pa, p), "last put frees");
	CHECK(page_refcount(lab->pa, p) == 0);
	CHECK(page_owner(lab->pa, p + 1) == 0);
	CHECK(page_generation(lab->pa, p + 1) == g0 + 1);
	/* A put on a free block is refused and changes nothing. */
	CHECK(!page_put(lab->pa, p));
	CHECK(page_generation(lab->pa, p + 1) == g0 + 1);
	lab_down(lab);
}

/* The allocator runs dry cleanly and recovers. */
static void test_exhaustion(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	static pfn_t p[4096];
	size_t n = 0;

	REQUIRE(lab);
	while (n < 4096 && pages_alloc(lab->pa, 0, 5, false, &p[n]) == 0)
		n++;
	CHECK(page_alloc_free_frames(lab->pa) == 0, "%zu left", page_alloc_free_frames(lab->pa));
	{
		pfn_t x;

		CHECK(pages_alloc(lab->pa, 0, 5, false, &x) == -ENOMEM);
	}
	while (n)
		page_put(lab->pa, p[--n]);
	lab_down(lab);
}

static unsigned int hook_calls;
static void count_hook(void *arg, pfn_t pfn, unsigned int order)
{
	hook_calls++;
	(void)arg;
	(void)pfn;
	(void)order;
}

/* Free hooks run once per freed block; injected failures fail cleanly. */
static void test_hooks_and_injection(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	pfn_t p;

	REQUIRE(lab);
	CHECK(page_alloc_add_free_hook(lab->pa, count_hook, NULL) == 0);
	REQUIRE(pages_alloc(lab->pa, 2, 5, false, &p) == 0);
	page_put(lab->pa, p);
	CHECK(hook_calls == 1);
	failinject_arm(1);
	CHECK(pages_alloc(lab->pa, 0, 5, false, &p) == -ENOMEM);
	CHECK(failinject_disarm());
	CHECK(pages_alloc(lab->pa, 0, 0, false, &p) == -EINVAL, "owner 0 refused");
	CHECK(pages_alloc(lab->pa, PAGE_MAX_ORDER + 1, 5, false, &p) == -EINVAL);
	lab_down(lab);
}

/*
 * The hook table holds 4 hooks: each is accepted with 0, a fifth is refused
 * with -ENOSPC and never runs; the 4 installed still run.  It broke: the
 * call returned nothing, so a caller could not know its hook was dropped.
 */
static void test_fifth_free_hook_refused(void)
{
	struct lab *lab = lab_up(16, 1, NULL);
	pfn_t p;

	REQUIRE(lab);
	hook_calls = 0;
	for (int i = 0; i < 4; i++)
		CHECK(page_alloc_add_free_hook(lab->pa, count_hook, NULL) == 0, "hook %d", i);
	CHECK(page_alloc_add_free_hook(lab->pa, count_hook, NULL) == -ENOSPC);
	REQUIRE(pages_alloc(lab->pa, 0, 5, false, &p) == 0);
	page_put(lab->pa, p);
	CHECK(hook_calls == 4, "%u hook calls for one free", hook_calls);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_split_and_merge),
		TEST(test_refcount_generation_owner),
		TEST(test_exhaustion),
		TEST(test_hooks_and_injection),
		TEST(test_fifth_free_hook_refused),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
