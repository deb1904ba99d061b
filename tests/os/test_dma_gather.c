// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma_gather.c - deferred invalidation (os/dma_gather.c and the
 * deferred unlink of os/dma_iova.c): a deferred unmap clears the PTEs but
 * leaves the IOTLB warm until the gather is flushed, keeps its IOVA until
 * it is given back, costs one command and one SYNC per flush -- a range
 * when the profile says a range that long is no slower than the domain,
 * the domain otherwise -- and refuses what dma_unmap_page() refuses.
 */
#include "harness.h"

#include <dmareuse/dma.h>

#include <errno.h>
#include <string.h>

static struct dma_device *mkdev(struct lab *lab, enum dma_domain_type t, bool untrusted)
{
	struct dma_device_opts o = { .type = t, .untrusted = untrusted };

	return dma_device_create(lab->os, "gather", &o);
}

static uint64_t cmds_now(struct lab *lab)
{
	struct iommu_stats s;

	iommu_stats_read(lab->m, &s);
	return s.cmds;
}

/*
 * The window is real and closes at the flush: a device that read a buffer
 * still reads it after a deferred unmap (its IOTLB entry), and is refused
 * after the flush; the IOVA is not handed out again until it is given back.
 */
static void test_deferred_unmap_window_closes_at_flush(void)
{
	static const enum dma_domain_type types[] = { DMA_DOMAIN_STRICT, DMA_DOMAIN_LAZY };

	for (size_t t = 0; t < ARRAY_SIZE(types); t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev;
		struct dma_gather g;
		struct mdev *hw;
		dma_addr_t a, b;
		uint8_t v;
		pfn_t pfn;
		uint64_t c0, strict_b;

		REQUIRE(lab);
		dev = mkdev(lab, types[t], false);
		REQUIRE(dev);
		hw = dma_device_mdev(dev);
		REQUIRE(pages_alloc(lab->pa, 0, 7, true, &pfn) == 0);
		a = dma_map_page(dev, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE);
		REQUIRE(!dma_mapping_error(a));
		CHECK(mdev_access(hw, a, &v, 1, DEV_READ) == 0);	/* into the IOTLB */
		dma_gather_init(&g);
		c0 = cmds_now(lab);
		CHECK(dma_unmap_page_deferred(dev, a, PAGE_SIZE, DMA_TO_DEVICE, &g) == 0,
		      "%s: deferred", dma_domain_type_name(types[t]));
		CHECK(cmds_now(lab) == c0, "%s: no command before the flush",
		      dma_domain_type_name(types[t]));
		CHECK(g.n == 1 && g.end - g.start == PAGE_SIZE &&
		      g.start == (a & ~(dma_addr_t)4095));
		CHECK(mdev_access(hw, a, &v, 1, DEV_READ) == 0,
		      "%s: the IOTLB still translates it before the flush",
		      dma_domain_type_name(types[t]));
		CHECK(iommu_frame_reachable(lab->m, pfn) == 1, "one IOTLB entry, no PTE");
		/* Its IOVA stays allocated: the next map gets another one. */
		b = dma_map_page(dev, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE);
		CHECK(!dma_mapping_error(b) && b != a, "the IOVA is not handed out before it is "
		      "given back");
		CHECK(dma_unmap_page(dev, b, PAGE_SIZE, DMA_TO_DEVICE) == 0);
		strict_b = types[t] == DMA_DOMAIN_STRICT;	/* lazy queues b's */
		dma_gather_flush(dev, &g);
		CHECK(cmds_now(lab) == c0 + 1 + strict_b, "one invalidation for the flush");
		CHECK(g.n == 0 && g.start == g.end, "the flush empties the gather");
		CHECK(mdev_access(hw, a, &v, 1, DEV_READ) == -EFAULT, "%s: refused after the flush",
		      dma_domain_type_name(types[t]));
		CHECK(iommu_frame_reachable(lab->m, pfn) == 0);
		/* An empty gather issues nothing. */
		dma_gather_flush(dev, &g);
		CHECK(cmds_now(lab) == c0 + 1 + strict_b, "an empty flush issues no command");
		CHECK(dma_deferred_iova_free(dev, a, PAGE_SIZE) == 0);
		b = dma_map_page(dev, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE);
		CHECK(b == a, "given back, the IOVA is this CPU's next one again");
		CHECK(dma_unmap_page(dev, b, PAGE_SIZE, DMA_TO_DEVICE) == 0);
		page_put(lab->pa, pfn);
		CHECK(dma_device_destroy(dev) == 0);
		lab_down(lab);
	}
}

/*
 * One command per flush, whatever the number of unmaps: a range over the
 * span while the profile says it is no slower than a domain invalidation
 * (kunpeng920-smmuv3: 230 ns + 72 per page against 800, so up to 8 pages),
 * the whole domain beyond -- which also kills an unrelated live entry, as
 * a range command over the span does not.
 */
static void test_flush_is_one_range_or_domain_command(void)
{
	struct lab *lab = lab_up(64, 1, "kunpeng920-smmuv3");
	struct dma_device *dev;
	struct iommu_stats s0, s1;
	struct dma_gather g;
	dma_addr_t a[12], keep;
	struct mdev *hw;
	pfn_t pfn[12], kp;
	uint8_t v;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	REQUIRE(dev);
	hw = dma_device_mdev(dev);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &kp) == 0);
	keep = dma_map_page(dev, kp, 0, PAGE_SIZE, DMA_TO_DEVICE);
	REQUIRE(!dma_mapping_error(keep));
	for (int round = 0; round < 2; round++) {
		/* Round 0: 2 one-page buffers; round 1: 12, spanning more than 8 pages. */
		int n = round ? 12 : 2;

		for (int i = 0; i < n; i++) {
			REQUIRE(pages_alloc(lab->pa, 0, 7, true, &pfn[i]) == 0);
			a[i] = dma_map_page(dev, pfn[i], 0, PAGE_SIZE, DMA_FROM_DEVICE);
			REQUIRE(!dma_mapping_error(a[i]));
			CHECK(mdev_access(hw, a[i], &v, 1, DEV_WRITE) == 0);
		}
		CHECK(mdev_access(hw, keep, &v, 1, DEV_READ) == 0);	/* a live entry */
		dma_gather_init(&g);
		for (int i = 0; i < n; i++)
			CHECK(dma_unmap_page_deferred(dev, a[i], PAGE_SIZE, DMA_FROM_DEVICE,
						      &g) == 0);
		CHECK(g.n == (unsigned int)n);
		iommu_stats_read(lab->m, &s0);
		dma_gather_flush(dev, &g);
		iommu_stats_read(lab->m, &s1);
		CHECK(s1.cmds - s0.cmds == 1 && s1.syncs - s0.syncs == 1,
		      "%d unmaps: one command (%llu) and one SYNC (%llu)", n,
		      (unsigned long long)(s1.cmds - s0.cmds),
		      (unsigned long long)(s1.syncs - s0.syncs));
		for (int i = 0; i < n; i++) {
			CHECK(mdev_access(hw, a[i], &v, 1, DEV_READ) == -EFAULT);
			CHECK(iommu_frame_reachable(lab->m, pfn[i]) == 0);
			CHECK(dma_deferred_iova_free(dev, a[i], PAGE_SIZE) == 0);
			page_put(lab->pa, pfn[i]);
		}
		/* keep's entry: spared by a range over the others, gone after a domain flush */
		iommu_stats_read(lab->m, &s0);
		CHECK(mdev_access(hw, keep, &v, 1, DEV_READ) == 0);
		iommu_stats_read(lab->m, &s1);
		if (round == 0) {
			dma_addr_t lo = a[0] < a[1] ? a[0] : a[1], hi = a[0] < a[1] ? a[1] : a[0];

			CHECK(keep < lo || keep > hi, "keep lies outside the two-page span");
			CHECK(s1.iotlb_hits - s0.iotlb_hits == 1,
			      "a range flush spares a live entry outside it");
		}
		if (round == 1)
			CHECK(s1.iotlb_misses - s0.iotlb_misses == 1, "a domain flush kills every "
			      "entry of the domain: the live one walks again");
	}
	CHECK(dma_unmap_page(dev, keep, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	page_put(lab->pa, kp);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/* Nothing to defer: passthrough and a bounced buffer complete at once (1). */
static void test_nothing_to_defer_completes_now(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *pt, *un;
	struct dma_gather g;
	dma_addr_t a;
	uint8_t *buf, v;
	pfn_t pfn;

	REQUIRE(lab);
	pt = mkdev(lab, DMA_DOMAIN_PASSTHROUGH, false);
	un = mkdev(lab, DMA_DOMAIN_STRICT, true);
	REQUIRE(pt && un);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &pfn) == 0);
	buf = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	dma_gather_init(&g);
	a = dma_map_page(pt, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(dma_unmap_page_deferred(pt, a, PAGE_SIZE, DMA_TO_DEVICE, &g) == 1);
	CHECK(g.n == 0, "passthrough gathers nothing");
	CHECK(dma_deferred_iova_free(pt, a, PAGE_SIZE) == -EINVAL, "passthrough has no IOVA");
	/* A sub-page buffer of an untrusted device is bounced: copied back, slots freed now. */
	memset(buf, 0, 64);
	a = dma_map_single(un, buf, 64, DMA_FROM_DEVICE);
	REQUIRE(!dma_mapping_error(a));
	CHECK(os_swiotlb_used_slots(lab->os) > 0);
	v = 0x5c;
	CHECK(mdev_access(dma_device_mdev(un), a, &v, 1, DEV_WRITE) == 0);
	CHECK(dma_unmap_page_deferred(un, a, 64, DMA_FROM_DEVICE, &g) == 1);
	CHECK(g.n == 0 && buf[0] == 0x5c, "copied back, nothing gathered");
	CHECK(os_swiotlb_used_slots(lab->os) == 0, "its slots are free at once");
	CHECK(mdev_access(dma_device_mdev(un), a, &v, 1, DEV_READ) == -EFAULT,
	      "and it was invalidated before the copy-back");
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(pt) == 0);
	CHECK(dma_device_destroy(un) == 0);
	lab_down(lab);
}

/*
 * Misuse changes nothing: a second unmap (deferred or not) of a deferred
 * one, an IOVA given back while mapped, a missing gather, a part of a
 * two-step range that is not one.
 */
static void test_deferred_misuse_refused(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_stats st0, st1;
	struct dma_device *dev;
	struct dma_gather g;
	dma_addr_t a;
	uint8_t v;
	pfn_t pfn;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	REQUIRE(dev);
	REQUIRE(pages_alloc(lab->pa, 0, 7, true, &pfn) == 0);
	a = dma_map_page(dev, pfn, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a));
	dma_gather_init(&g);
	dma_stats_read(dev, &st0);
	CHECK(dma_unmap_page_deferred(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL, NULL) == -EINVAL);
	CHECK(dma_deferred_iova_free(dev, a, PAGE_SIZE) == -EINVAL, "still mapped");
	CHECK(dma_unmap_page_deferred(dev, a, 2 * PAGE_SIZE, DMA_BIDIRECTIONAL, &g) == -EINVAL,
	      "a size other than the map's");
	CHECK(mdev_access(dma_device_mdev(dev), a, &v, 1, DEV_READ) == 0, "still mapped");
	CHECK(g.n == 0);
	CHECK(dma_unmap_page_deferred(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL, &g) == 0);
	CHECK(dma_unmap_page_deferred(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL, &g) == -EINVAL,
	      "a second deferred unmap");
	CHECK(dma_unmap_page(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL) == -EINVAL,
	      "a plain unmap of a deferred one");
	CHECK(g.n == 1, "refused calls gather nothing");
	dma_stats_read(dev, &st1);
	CHECK(st1.misuse - st0.misuse == 5, "each refusal counted: %llu",
	      (unsigned long long)(st1.misuse - st0.misuse));
	CHECK(st1.unmaps - st0.unmaps == 1);
	dma_gather_flush(dev, &g);
	CHECK(dma_deferred_iova_free(dev, a, PAGE_SIZE) == 0);
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/* A deferred unlink keeps the two-step range's IOVA; the flush closes the window. */
static void test_iova_unlink_deferred(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_iova_state st;
	struct dma_device *dev;
	struct dma_gather g;
	struct mdev *hw;
	uint8_t v;
	pfn_t pfn;

	REQUIRE(lab);
	dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	REQUIRE(dev);
	hw = dma_device_mdev(dev);
	REQUIRE(dma_iova_try_alloc(dev, &st, 8 * PAGE_SIZE) == 0);
	REQUIRE(pages_alloc(lab->pa, 1, 7, true, &pfn) == 0);
	REQUIRE(dma_iova_link(dev, &st, pfn << PAGE_SHIFT, 2 * PAGE_SIZE, 2 * PAGE_SIZE,
			      DMA_FROM_DEVICE) == 0);
	CHECK(mdev_access(hw, st.addr + 3 * PAGE_SIZE, &v, 1, DEV_WRITE) == 0);
	dma_gather_init(&g);
	CHECK(dma_iova_unlink_deferred(dev, &st, 2 * PAGE_SIZE, 0, DMA_FROM_DEVICE, &g) == -EINVAL,
	      "an empty part");
	CHECK(dma_iova_unlink_deferred(dev, &st, 7 * PAGE_SIZE, 2 * PAGE_SIZE, DMA_FROM_DEVICE,
				       &g) == -EINVAL, "a part past the range");
	CHECK(dma_iova_unlink_deferred(dev, &st, 2 * PAGE_SIZE, 2 * PAGE_SIZE, DMA_FROM_DEVICE,
				       &g) == 0);
	CHECK(g.n == 1 && g.start == st.addr + 2 * PAGE_SIZE && g.end == st.addr + 4 * PAGE_SIZE);
	CHECK(mdev_access(hw, st.addr + 3 * PAGE_SIZE, &v, 1, DEV_WRITE) == 0,
	      "the IOTLB entry outlives the deferred unlink");
	dma_gather_flush(dev, &g);
	CHECK(mdev_access(hw, st.addr + 3 * PAGE_SIZE, &v, 1, DEV_WRITE) == -EFAULT);
	CHECK(iommu_frame_reachable(lab->m, pfn + 1) == 0);
	dma_iova_free(dev, &st);
	page_put(lab->pa, pfn);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_deferred_unmap_window_closes_at_flush),
		TEST(test_flush_is_one_range_or_domain_command),
		TEST(test_nothing_to_defer_completes_now),
		TEST(test_deferred_misuse_refused),
		TEST(test_iova_unlink_deferred),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
