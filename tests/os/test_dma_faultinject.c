// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma_faultinject.c - make the Nth allocation fail, for every N.
 *
 * One scenario -- create a device, map a page, a bounced sub-page buffer, a
 * scatterlist and coherent memory, use them, unmap everything, destroy --
 * is replayed with allocation N failing, for N = 1, 2, ... until a run
 * passes every allocation point without the failure firing.  Whatever
 * fails, the run must unwind: no frame, IOVA, table page or swiotlb slot
 * leaked and no translation left reaching the buffers.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <stdlib.h>
#include <string.h>

/* Returns true if the scenario ran to the end (nothing failed). */
static bool scenario(struct lab *lab, enum dma_domain_type t, pfn_t buf)
{
	struct dma_device_opts o = { .type = t, .untrusted = true };
	struct dma_device *dev = dma_device_create(lab->os, "fi", &o);
	struct scatterlist sg[2];
	dma_addr_t a1, a2, h;
	bool ok = true;
	void *c;
	uint8_t *v = phys_to_virt(lab->m, buf << PAGE_SHIFT);

	if (!dev)
		return false;
	a1 = dma_map_page(dev, buf, 0, PAGE_SIZE, DMA_TO_DEVICE);
	a2 = dma_map_single(dev, v + PAGE_SIZE + 100, 300, DMA_FROM_DEVICE);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], buf + 2, PAGE_SIZE, 0);
	sg_set_page(&sg[1], buf + 3, PAGE_SIZE, 0);
	c = dma_alloc_coherent(dev, PAGE_SIZE, &h);
	if (dma_mapping_error(a1) || dma_mapping_error(a2) || !c ||
	    dma_map_sg(dev, sg, 2, DMA_BIDIRECTIONAL) != 2) {
		ok = false;
		/* sg failed or never ran: it is not mapped either way. */
		sg[0].dma_length = 0;
	}
	if (!dma_mapping_error(a1))
		CHECK(dma_unmap_page(dev, a1, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	if (!dma_mapping_error(a2))
		CHECK(dma_unmap_single(dev, a2, 300, DMA_FROM_DEVICE) == 0);
	if (sg[0].dma_length)
		CHECK(dma_unmap_sg(dev, sg, 2, DMA_BIDIRECTIONAL) == 0);
	if (c)
		CHECK(dma_free_coherent(dev, PAGE_SIZE, c, h) == 0);
	CHECK(dma_device_destroy(dev) == 0, "live mappings at teardown");
	return ok;
}

static void run(enum dma_domain_type t)
{
	unsigned int fired = 0;

	for (uint64_t n = 1; n < 10000; n++) {
		struct lab *lab = lab_up(32, 2, "ideal");
		size_t used;
		pfn_t buf;
		bool ok, hit;

		REQUIRE(lab);
		REQUIRE(pages_alloc(lab->pa, 2, 9, true, &buf) == 0);
		used = page_alloc_used_frames(lab->pa);
		failinject_arm(n);
		ok = scenario(lab, t, buf);
		hit = failinject_disarm();
		CHECK(page_alloc_used_frames(lab->pa) == used, "n=%llu: frames leaked",
		      (unsigned long long)n);
		for (int i = 0; i < 4; i++)
			CHECK(iommu_frame_reachable(lab->m, buf + i) == 0,
			      "n=%llu: frame still reachable", (unsigned long long)n);
		page_put(lab->pa, buf);
		lab_down(lab);
		if (!hit) {
			CHECK(ok, "with no failure injected the scenario must succeed");
			CHECK(fired > 3, "only %u allocation points", fired);
			return;
		}
		fired++;
		if (test_failures)
			return;
	}
	CHECK(0, "injector never stopped firing");
}

static void test_faultinject_strict(void) { run(DMA_DOMAIN_STRICT); }
static void test_faultinject_lazy(void) { run(DMA_DOMAIN_LAZY); }
static void test_faultinject_passthrough(void) { run(DMA_DOMAIN_PASSTHROUGH); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_faultinject_strict),
		TEST(test_faultinject_lazy),
		TEST(test_faultinject_passthrough),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
