// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse_faultinject.c - the Nth allocation fails, for every N, in a
 * scenario per strategy: create the object, map a few buffers (cache misses,
 * bounce growth, links, a registration, pool buffers), unmap, stop, destroy.
 * Whatever fails must unwind: no frame leaked, nothing left mapped.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <dmareuse/reuse.h>
#include <dmareuse/sg_reuse.h>

#include <stdlib.h>

static void scenario(struct lab *lab, enum reuse_strategy s, pfn_t buf)
{
	struct dma_device *dev = dma_device_create(lab->os, "fi",
			&(struct dma_device_opts){ .type = DMA_DOMAIN_STRICT });
	uint8_t *va = phys_to_virt(lab->m, buf << PAGE_SHIFT);

	if (!dev)
		return;
	if (s == RS_REUSE) {
		struct rreuse *r = rreuse_create(dev);
		struct scatterlist sg[2];

		if (r) {
			sg_init_table(sg, 2);
			sg_set_page(&sg[0], buf, PAGE_SIZE, 0);
			sg_set_page(&sg[1], buf + 1, 512, 0);
			if (sg_mark_reusable(sg, 2, r, NULL, NULL) == 0) {
				for (int i = 0; i < 3; i++)
					if (reuse_map_sg(sg, 2, DMA_TO_DEVICE) == 0)
						CHECK(reuse_unmap_sg(sg, 2, DMA_TO_DEVICE) == 0);
				CHECK(sg_mark_stop_reuse(sg) == 0);
			}
			CHECK(rreuse_destroy(r) == 0);
		}
	} else if (s == RS_POOL) {
		struct rpool *p = rpool_create(dev, 3000, 3, DMA_FROM_DEVICE);

		if (p) {
			struct rpool_buf *b = rpool_get(p);

			if (b)
				CHECK(rpool_put(p, b, 100) == 0);
			CHECK(rpool_destroy(p) == 0);
		}
	} else {
		struct rmapper *m = rmapper_create(dev, reuse_strategy_pair(s).mech,
						   &(struct rmapper_cfg){ .cache_entries = 2,
									  .auto_crossover = 1024 });

		if (m) {
			static const struct { size_t off, len; } sh[] = {
				{ 0, 4096 }, { 0, 8192 }, { 100, 300 }, { 4096, 4096 }, { 0, 4096 },
			};

			for (size_t i = 0; i < ARRAY_SIZE(sh); i++) {
				struct rmap_handle h;

				if (rmapper_map(m, va + sh[i].off, sh[i].len, DMA_BIDIRECTIONAL, &h) == 0)
					CHECK(rmapper_unmap(m, &h) == 0);
			}
			rmapper_maintain(m);
			CHECK(rmapper_destroy(m) == 0);
		}
	}
	CHECK(dma_device_destroy(dev) == 0, "%s: mappings left", reuse_strategy_name(s));
}

static void run(enum reuse_strategy s)
{
	for (uint64_t n = 1; n < 5000; n++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		size_t used;
		pfn_t buf;
		bool hit;

		REQUIRE(lab);
		REQUIRE(pages_alloc(lab->pa, 2, 9, true, &buf) == 0);
		used = page_alloc_used_frames(lab->pa);
		failinject_arm(n);
		scenario(lab, s, buf);
		hit = failinject_disarm();
		CHECK(page_alloc_used_frames(lab->pa) == used, "%s n=%llu: frames leaked",
		      reuse_strategy_name(s), (unsigned long long)n);
		for (int i = 0; i < 4; i++)
			CHECK(iommu_frame_reachable(lab->m, buf + i) == 0, "%s n=%llu: reachable",
			      reuse_strategy_name(s), (unsigned long long)n);
		CHECK(page_refcount(lab->pa, buf) == 1, "%s n=%llu: pin leaked",
		      reuse_strategy_name(s), (unsigned long long)n);
		page_put(lab->pa, buf);
		lab_down(lab);
		if (!hit || test_failures) {
			CHECK(n > 3, "%s: only %llu allocation points", reuse_strategy_name(s),
			      (unsigned long long)n);
			return;
		}
	}
	CHECK(0, "injector never stopped firing");
}

static void test_fi_bounce(void) { run(RS_BOUNCE); }
static void test_fi_cache(void) { run(RS_CACHE); }
static void test_fi_iova_link(void) { run(RS_IOVA_LINK); }
static void test_fi_auto(void) { run(RS_AUTO); }
static void test_fi_reuse(void) { run(RS_REUSE); }
static void test_fi_pool(void) { run(RS_POOL); }
static void test_fi_batch(void) { run(RS_BATCH); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_fi_bounce),
		TEST(test_fi_cache),
		TEST(test_fi_iova_link),
		TEST(test_fi_auto),
		TEST(test_fi_reuse),
		TEST(test_fi_pool),
		TEST(test_fi_batch),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
