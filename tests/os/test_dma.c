// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma.c - the DMA API over passthrough, strict and lazy domains:
 * round trips and permissions, the strict/lazy unmap semantics, swiotlb
 * bouncing, scatterlists, coherent memory, the DMA mask, every misuse,
 * teardown leak checks, and when the observer hears of each kind of unmap.
 *
 * Pokes internals: the flush queue's size and timeout come from the DMA
 * layer's private header (os/dma_int.h), included explicitly.
 *
 * Size: over 800 lines, on purpose: one case per behaviour of the DMA API
 * over one fixture (machine, os, device per domain type); the cases are
 * independent and grouped by the DMA layer file they exercise.
 */
#include "harness.h"

#include "../../os/dma_int.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <string.h>

static struct dma_device *mkdev(struct lab *lab, enum dma_domain_type t,
				bool untrusted)
{
	struct dma_device_opts o = { .type = t, .untrusted = untrusted };

	return dma_device_create(lab->os, "testdev", &o);
}

static void *alloc_buf(struct lab *lab, unsigned int order, pfn_t *pfn)
{
	if (pages_alloc(lab->pa, order, 77, true, pfn))
		return NULL;
	return phys_to_virt(lab->m, *pfn << PAGE_SHIFT);
}

/* Data goes both ways; directions set the permissions the device gets. */
static void test_round_trip_all_domains(void)
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		char src[100], got[100];
		dma_addr_t a;
		uint8_t *buf;
		pfn_t pfn;

		REQUIRE(dev);
		buf = alloc_buf(lab, 1, &pfn);
		REQUIRE(buf);
		for (int i = 0; i < 100; i++)
			src[i] = (char)(i * 7 + t);
		memcpy(buf + 4000, src, 100);	/* crosses a page boundary */
		a = dma_map_single(dev, buf + 4000, 100, DMA_TO_DEVICE);
		REQUIRE(!dma_mapping_error(a));
		CHECK(mdev_access(hw, a, got, 100, DEV_READ) == 0);
		CHECK(!memcmp(got, src, 100), "device read what the CPU wrote (%s)",
		      dma_domain_type_name((enum dma_domain_type)t));
		CHECK((mdev_access(hw, a, got, 4, DEV_WRITE) == 0) ==
		      (t == DMA_DOMAIN_PASSTHROUGH), "TO_DEVICE is read-only behind an IOMMU");
		CHECK(dma_unmap_single(dev, a, 100, DMA_TO_DEVICE) == 0);

		a = dma_map_single(dev, buf + 10, 64, DMA_FROM_DEVICE);
		REQUIRE(!dma_mapping_error(a));
		CHECK((mdev_access(hw, a, got, 4, DEV_READ) == 0) ==
		      (t == DMA_DOMAIN_PASSTHROUGH), "FROM_DEVICE is write-only behind an IOMMU");
		CHECK(mdev_access(hw, a, src, 64, DEV_WRITE) == 0);
		CHECK(dma_sync_single_for_cpu(dev, a, 64, DMA_FROM_DEVICE) == 0);
		CHECK(!memcmp(buf + 10, src, 64));
		CHECK(dma_unmap_single(dev, a, 64, DMA_FROM_DEVICE) == 0);
		CHECK(dma_device_destroy(dev) == 0);
		page_put(lab->pa, pfn);
		lab_down(lab);
	}
}

/*
 * The property that separates strict from lazy: after a strict unmap the
 * device is refused at once; after a lazy unmap a cached translation still
 * works until the flush queue is flushed, and the IOVA is not handed out
 * again before that invalidation completed.
 */
static void test_access_after_unmap_strict_vs_lazy(void)
{
	for (int t = DMA_DOMAIN_STRICT; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		struct dma_stats st;
		dma_addr_t a, again[64];
		uint8_t *buf, b[8];
		pfn_t pfn;
		bool reused = false;
		int r;

		REQUIRE(dev);
		buf = alloc_buf(lab, 0, &pfn);
		a = dma_map_single(dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
		REQUIRE(!dma_mapping_error(a));
		CHECK(mdev_access(hw, a, b, 8, DEV_READ) == 0);	/* fills the IOTLB */
		CHECK(dma_unmap_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL) == 0);
		r = mdev_access(hw, a, b, 8, DEV_READ);
		if (t == DMA_DOMAIN_STRICT) {
			CHECK(r == -EFAULT, "strict: refused at once");
			CHECK(iommu_frame_reachable(lab->m, pfn) == 0);
		} else {
			CHECK(r == 0, "lazy: the IOTLB still translates until the flush");
			CHECK(iommu_frame_reachable(lab->m, pfn) == 1);
			/* The IOVA must not come back before its invalidation. */
			for (int i = 0; i < 64; i++) {
				again[i] = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
				reused |= again[i] == a;
			}
			CHECK(!reused, "IOVA reallocated before its invalidation");
			for (int i = 0; i < 64; i++)
				dma_unmap_single(dev, again[i], PAGE_SIZE, DMA_TO_DEVICE);
			dma_flush_lazy(dev);
			CHECK(mdev_access(hw, a, b, 8, DEV_READ) == -EFAULT, "refused after the flush");
			CHECK(iommu_frame_reachable(lab->m, pfn) == 0);
			dma_stats_read(dev, &st);
			CHECK(st.fq_flushes >= 1);
		}
		CHECK(dma_device_destroy(dev) == 0);
		page_put(lab->pa, pfn);
		lab_down(lab);
	}
}

/*
 * dma_unmap_batch(): on a strict domain every translation -- PTE and IOTLB
 * entry -- is gone on return, with one CMD_SYNC for the whole batch: range
 * commands for a few entries, one domain command for many.  A bad entry is
 * refused and the rest still unmapped; lazy and passthrough behave as
 * dma_unmap_page() does.
 */
static void test_unmap_batch(void)
{
	static const size_t sizes[] = { 3, 40 };

	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
		struct mdev *hw = dma_device_mdev(dev);
		size_t n = sizes[k];
		struct dma_unmap_desc v[41];
		struct iommu_stats is0, is1;
		struct dma_stats ds;
		pfn_t pfn[40];
		uint8_t b[8];
		bool back = false;

		REQUIRE(dev);
		for (size_t i = 0; i < n; i++) {
			uint8_t *buf = alloc_buf(lab, 0, &pfn[i]);

			REQUIRE(buf);
			v[i] = (struct dma_unmap_desc){
				.addr = dma_map_single(dev, buf + (i % 3) * 100, 200, DMA_BIDIRECTIONAL),
				.size = 200, .dir = DMA_BIDIRECTIONAL,
			};
			REQUIRE(!dma_mapping_error(v[i].addr));
			CHECK(mdev_access(hw, v[i].addr, b, 8, DEV_READ) == 0);	/* into the IOTLB */
		}
		iommu_stats_read(lab->m, &is0);
		CHECK(dma_unmap_batch(dev, v, n) == 0, "batch of %zu", n);
		iommu_stats_read(lab->m, &is1);
		CHECK(is1.syncs - is0.syncs == 1, "one CMD_SYNC for %zu entries (saw %llu)", n,
		      (unsigned long long)(is1.syncs - is0.syncs));
		CHECK(is1.cmds - is0.cmds == (n <= 8 ? n : 1),
		      "%zu entries: %llu invalidation commands", n,
		      (unsigned long long)(is1.cmds - is0.cmds));
		for (size_t i = 0; i < n; i++) {
			CHECK(mdev_access(hw, v[i].addr, b, 8, DEV_READ) == -EFAULT,
			      "entry %zu refused after the batch", i);
			CHECK(iommu_frame_reachable(lab->m, pfn[i]) == 0);
		}
		/* IOVAs are free again: a new mapping may get one of them back. */
		for (size_t i = 0; i < n && !back; i++) {
			dma_addr_t a = dma_map_single(dev, phys_to_virt(lab->m, pfn[0] << PAGE_SHIFT),
						      200, DMA_TO_DEVICE);

			for (size_t j = 0; j < n; j++)
				back |= (a & PAGE_MASK) == (v[j].addr & PAGE_MASK);
			dma_unmap_single(dev, a, 200, DMA_TO_DEVICE);
		}
		CHECK(back, "an IOVA of the batch is handed out again");
		dma_stats_read(dev, &ds);
		CHECK(ds.live == 0 && ds.misuse == 0);
		CHECK(dma_device_destroy(dev) == 0);
		for (size_t i = 0; i < n; i++)
			page_put(lab->pa, pfn[i]);
		lab_down(lab);
	}

	/* Misuse in the middle: refused, the others unmapped all the same. */
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct dma_unmap_desc v[3];
		struct dma_stats ds;
		pfn_t pfn[2];

		REQUIRE(dev);
		for (int i = 0; i < 2; i++) {
			uint8_t *buf = alloc_buf(lab, 0, &pfn[i]);

			REQUIRE(buf);
			v[i * 2] = (struct dma_unmap_desc){
				.addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE),
				.size = 64, .dir = DMA_TO_DEVICE,
			};
			REQUIRE(!dma_mapping_error(v[i * 2].addr));
		}
		v[1] = (struct dma_unmap_desc){ .addr = v[0].addr, .size = 0, .dir = DMA_TO_DEVICE };
		CHECK(dma_unmap_batch(dev, v, 3) == -EINVAL, "a zero-size entry is refused (%s)",
		      dma_domain_type_name((enum dma_domain_type)t));
		if (t == DMA_DOMAIN_LAZY)
			dma_flush_lazy(dev);
		for (int i = 0; i < 2; i++)
			CHECK(t == DMA_DOMAIN_PASSTHROUGH || iommu_frame_reachable(lab->m, pfn[i]) == 0,
			      "entry %d unmapped despite the bad one", i * 2);
		dma_stats_read(dev, &ds);
		CHECK(ds.live == 0 && ds.misuse == 1);
		CHECK(dma_device_destroy(dev) == 0, "nothing left mapped");
		for (int i = 0; i < 2; i++)
			page_put(lab->pa, pfn[i]);
		lab_down(lab);
	}
}

/* The lazy flush queue is flushed by its timer (10 ms) and when full. */
static void test_lazy_timer_and_full_queue(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_LAZY, false);
	struct mdev *hw = dma_device_mdev(dev);
	struct dma_stats st;
	uint64_t t0;
	uint8_t *buf, b;
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 0, &pfn);
	a = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	CHECK(mdev_access(hw, a, &b, 1, DEV_READ) == 0);
	dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
	t0 = mclock_now();
	while (mdev_access(hw, a, &b, 1, DEV_READ) == 0 && mclock_now() - t0 < 2000000000ull)
		;
	CHECK(mclock_now() - t0 >= FQ_TIMEOUT_NS / 2, "window closed too early: %llu ns",
	      (unsigned long long)(mclock_now() - t0));
	CHECK(mclock_now() - t0 < 2000000000ull, "timer never flushed");
	/* FQ_SIZE + 1 unmaps force at least one flush by size. */
	dma_stats_read(dev, &st);
	{
		uint64_t before = st.fq_flushes;

		for (int i = 0; i <= FQ_SIZE; i++) {
			a = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
			dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
		}
		dma_stats_read(dev, &st);
		CHECK(st.fq_flushes > before);
	}
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/*
 * Untrusted devices: a sub-page buffer is bounced, so the device sees its
 * bytes and zeroes around them -- never the neighbours in the same page.
 */
static void test_swiotlb_hides_neighbours(void)
{
	struct lab *lab = lab_up(32, 2, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, true);
	struct mdev *hw = dma_device_mdev(dev);
	struct dma_stats st;
	uint8_t *buf, page[PAGE_SIZE];
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 0, &pfn);
	memset(buf, 0xee, PAGE_SIZE);		/* a neighbour's secret */
	memset(buf + 512, 0x11, 512);		/* our buffer */
	a = dma_map_single(dev, buf + 512, 512, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a));
	CHECK(os_swiotlb_used_slots(lab->os) == 2, "one page of slots");
	CHECK((a & ~PAGE_MASK) == 512, "offset kept");
	CHECK(mdev_access(hw, a & PAGE_MASK, page, PAGE_SIZE, DEV_READ) == 0);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		if (page[i] != (i >= 512 && i < 1024 ? 0x11 : 0)) {
			CHECK(0, "byte %zu is %#x: the neighbour leaked", i, page[i]);
			break;
		}
	memset(page, 0x22, 512);
	CHECK(mdev_access(hw, a, page, 512, DEV_WRITE) == 0);
	CHECK(buf[512] == 0x11, "not copied back before sync/unmap");
	CHECK(dma_sync_single_for_cpu(dev, a, 512, DMA_BIDIRECTIONAL) == 0);
	CHECK(buf[512] == 0x22 && buf[1023] == 0x22 && buf[1024] == 0xee);
	buf[600] = 0x33;
	CHECK(dma_sync_single_for_device(dev, a, 512, DMA_BIDIRECTIONAL) == 0);
	CHECK(mdev_access(hw, a + 88, page, 1, DEV_READ) == 0 && page[0] == 0x33);
	CHECK(dma_unmap_single(dev, a, 512, DMA_BIDIRECTIONAL) == 0);
	CHECK(os_swiotlb_used_slots(lab->os) == 0);
	/* A whole page is not bounced. */
	a = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
	dma_stats_read(dev, &st);
	CHECK(st.bounce_maps == 1 && st.bounce_bytes == 512);
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* map_sg gives a trusted device one contiguous IOVA range. */
static void test_map_sg(void)
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		struct scatterlist sg[3];
		pfn_t p[3];
		uint8_t b[300];

		REQUIRE(dev);
		sg_init_table(sg, 3);
		for (int i = 0; i < 3; i++) {
			uint8_t *v = alloc_buf(lab, 0, &p[i]);

			memset(v, 0xa0 + i, PAGE_SIZE);
			sg_set_page(&sg[i], p[i], i == 1 ? PAGE_SIZE : 300, i == 2 ? 100 : 0);
		}
		CHECK(dma_map_sg(dev, sg, 3, DMA_TO_DEVICE) == 3);
		for (int i = 0; i < 3; i++) {
			CHECK(mdev_access(hw, sg[i].dma_address, b, 300, DEV_READ) == 0);
			CHECK(b[0] == 0xa0 + i && b[299] == 0xa0 + i, "entry %d", i);
		}
		if (t != DMA_DOMAIN_PASSTHROUGH) {
			CHECK(sg[1].dma_address == sg[0].dma_address + PAGE_SIZE, "contiguous");
			CHECK(sg[2].dma_address == sg[1].dma_address + PAGE_SIZE + 100);
		}
		CHECK(dma_sync_sg_for_cpu(dev, sg, 3, DMA_TO_DEVICE) == 0);
		CHECK(dma_unmap_sg(dev, sg, 3, DMA_FROM_DEVICE) == -EINVAL, "direction mismatch");
		CHECK(dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE) == 0);
		CHECK(dma_unmap_sg(dev, sg, 3, DMA_TO_DEVICE) == -EINVAL, "double unmap");
		CHECK(dma_device_destroy(dev) == 0);
		for (int i = 0; i < 3; i++)
			page_put(lab->pa, p[i]);
		lab_down(lab);
	}
}

/* Coherent memory stays mapped both ways until freed. */
static void test_coherent(void)
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		struct dma_stats st;
		dma_addr_t h;
		uint32_t v = 0xfeedbeef;
		uint32_t *p;

		REQUIRE(dev);
		p = dma_alloc_coherent(dev, 3 * PAGE_SIZE, &h);
		REQUIRE(p);
		dma_stats_read(dev, &st);
		CHECK(st.maps == 0 && st.live == 1, "set-up, not a streaming map; recorded");
		CHECK(mdev_access(hw, h + 2 * PAGE_SIZE, &v, 4, DEV_WRITE) == 0);
		CHECK(p[2 * PAGE_SIZE / 4] == v, "the CPU sees the device's write at once");
		CHECK(dma_free_coherent(dev, 3 * PAGE_SIZE, p, h + PAGE_SIZE) == -EINVAL,
		      "wrong handle refused");
		CHECK(dma_free_coherent(dev, 3 * PAGE_SIZE, p, h) == 0);
		dma_stats_read(dev, &st);
		CHECK(st.unmaps == 0 && st.live == 0);
		if (t == DMA_DOMAIN_STRICT)
			CHECK(mdev_access(hw, h, &v, 4, DEV_READ) == -EFAULT);
		CHECK(dma_device_destroy(dev) == 0);
		lab_down(lab);
	}
}

/* Every misuse returns an error, is counted, and changes nothing. */
static void test_misuse_is_an_error(void)
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		struct dma_stats st;
		uint8_t *buf, b;
		dma_addr_t a;
		pfn_t pfn;

		REQUIRE(dev);
		buf = alloc_buf(lab, 0, &pfn);
		a = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);
		REQUIRE(!dma_mapping_error(a));
		CHECK(dma_unmap_single(dev, a + 4096, 256, DMA_TO_DEVICE) == -EINVAL, "never mapped");
		CHECK(dma_unmap_single(dev, a, 128, DMA_TO_DEVICE) == -EINVAL, "size mismatch");
		CHECK(dma_unmap_single(dev, a, 256, DMA_FROM_DEVICE) == -EINVAL, "dir mismatch");
		CHECK(dma_unmap_single(dev, a, 256, DMA_NONE) == -EINVAL, "bad direction");
		CHECK(dma_sync_single_for_cpu(dev, a + 8192, 16, DMA_TO_DEVICE) == -EINVAL,
		      "sync of an unmapped buffer");
		CHECK(dma_sync_single_for_cpu(dev, a, 512, DMA_TO_DEVICE) == -EINVAL,
		      "sync beyond the mapping");
		/* Still mapped and working after all that. */
		CHECK(mdev_access(hw, a, &b, 1, DEV_READ) == 0, "misuse changed the mapping");
		CHECK(dma_unmap_single(dev, a, 256, DMA_TO_DEVICE) == 0);
		CHECK(dma_unmap_single(dev, a, 256, DMA_TO_DEVICE) == -EINVAL, "double unmap");
		CHECK(dma_sync_single_for_device(dev, a, 16, DMA_TO_DEVICE) == -EINVAL,
		      "sync after unmap");
		CHECK(dma_mapping_error(dma_map_single(dev, buf, 0, DMA_TO_DEVICE)), "size 0");
		dma_stats_read(dev, &st);
		CHECK(st.misuse == 9, "misuse counted: %llu", (unsigned long long)st.misuse);
		CHECK(st.live == 0);
		CHECK(dma_device_destroy(dev) == 0);
		page_put(lab->pa, pfn);
		lab_down(lab);
	}
}

/*
 * Under passthrough a buffer mapped twice, once per direction, gives one
 * DMA address to both mappings; dma_debug must match each unmap and sync
 * to its own record.  Regression: it checked only the first record at the
 * address, so the unmap of the second mapping was refused ("direction
 * differs") and it stayed live (fuzz_reuse_ops found it: an rcache entry
 * per direction of one page, released by reclaim; corpus
 * reuse_ops/passthrough-two-dirs).
 */
static void test_passthrough_same_buffer_both_directions(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_PASSTHROUGH, false);
	struct dma_stats st;
	dma_addr_t to, from;
	uint8_t *buf;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 0, &pfn);
	to = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
	from = dma_map_single(dev, buf, PAGE_SIZE, DMA_FROM_DEVICE);
	REQUIRE(!dma_mapping_error(to) && to == from);
	CHECK(dma_sync_single_for_cpu(dev, from, PAGE_SIZE, DMA_FROM_DEVICE) == 0,
	      "sync of the second mapping");
	CHECK(dma_unmap_single(dev, from, PAGE_SIZE, DMA_BIDIRECTIONAL) == -EINVAL,
	      "a direction neither was mapped with");
	CHECK(dma_unmap_single(dev, to, 2 * PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL,
	      "a size neither was mapped with");
	/* The later mapping first: the record found first is the other one. */
	CHECK(dma_unmap_single(dev, to, PAGE_SIZE, DMA_TO_DEVICE) == 0, "unmap TO_DEVICE");
	CHECK(dma_unmap_single(dev, from, PAGE_SIZE, DMA_FROM_DEVICE) == 0,
	      "unmap FROM_DEVICE");
	CHECK(dma_unmap_single(dev, from, PAGE_SIZE, DMA_FROM_DEVICE) == -EINVAL,
	      "third unmap");
	dma_stats_read(dev, &st);
	CHECK(st.live == 0 && st.misuse == 3, "live %llu misuse %llu",
	      (unsigned long long)st.live, (unsigned long long)st.misuse);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* The DMA mask bounds IOVAs; under passthrough a buffer above it is refused. */
static void test_dma_mask(void)
{
	struct lab *lab = lab_up(64, 1, "ideal");
	struct dma_device_opts o = { .type = DMA_DOMAIN_STRICT, .dma_bits = 24 };
	struct dma_device *dev = dma_device_create(lab->os, "m24", &o);
	struct dma_device *pt;
	uint8_t *buf;
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 0, &pfn);
	a = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
	CHECK(!dma_mapping_error(a) && a + 63 <= 0xffffff, "IOVA %llx below the mask",
	      (unsigned long long)a);
	dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
	CHECK(dma_set_mask(dev, 0x1234) == -EINVAL, "not 2^n-1");
	dma_device_destroy(dev);
	o.type = DMA_DOMAIN_PASSTHROUGH;
	o.dma_bits = 12;
	pt = dma_device_create(lab->os, "pt12", &o);
	REQUIRE(pt);
	CHECK(dma_mapping_error(dma_map_single(pt, buf, 64, DMA_TO_DEVICE)),
	      "frame %llx is beyond a 12-bit mask", (unsigned long long)pfn);
	dma_device_destroy(pt);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* Teardown with a mapping still live reports it and leaks nothing. */
static void test_teardown_reports_live(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	uint8_t *buf;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 0, &pfn);
	REQUIRE(!dma_mapping_error(dma_map_single(dev, buf, 64, DMA_TO_DEVICE)));
	CHECK(dma_device_destroy(dev) == 1, "one live mapping reported");
	CHECK(iommu_frame_reachable(lab->m, pfn) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* ---- regression tests ------------------------------------------------- */

/* An observer that counts DMA events and keeps the last few. */
struct evlog {
	unsigned int n[DMA_EV_SYNC_FOR_DEVICE + 1];
	unsigned int total;
	struct dma_event ev[8];
};

static void record_event(void *arg, const struct dma_event *ev)
{
	struct evlog *log = arg;

	if (log->total < ARRAY_SIZE(log->ev))
		log->ev[log->total] = *ev;
	log->n[ev->kind]++;
	log->total++;
}

static struct dma_device *mkdev_debug(struct lab *lab, enum dma_domain_type t,
				      bool untrusted, bool debug)
{
	struct dma_device_opts o = { .type = t, .untrusted = untrusted, .no_debug = !debug };

	return dma_device_create(lab->os, "testdev", &o);
}

/*
 * Regression (found building the soak): what a device's teardown found
 * left -- an IOVA range never freed, PTEs, bounce slots -- was printed at
 * most and then gone with the device (iovad_destroy()'s count was
 * dropped), so no leak check after the teardown could see it.  The OS
 * census keeps each count now; a clean teardown adds nothing.
 */
static void test_teardown_leaks_reach_the_census(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct os_census c0, c;
	struct dma_device *dev;
	uint8_t *buf;
	pfn_t pfn;

	REQUIRE(lab);
	buf = alloc_buf(lab, 0, &pfn);
	os_census(lab->os, &c0);
	CHECK(c0.torn_mappings == 0 && c0.torn_ptes == 0 && c0.torn_slots == 0 &&
	      c0.torn_iovas == 0 && c0.devices == 0 && c0.pt_pages == 0 && c0.slots == 0);
	/* Clean: mapped, unmapped, destroyed. */
	dev = mkdev_debug(lab, DMA_DOMAIN_STRICT, false, false);
	REQUIRE(dev);
	os_census(lab->os, &c);
	CHECK(c.devices == 1 && c.pt_pages >= 1, "a live device and its root table counted");
	REQUIRE(!dma_mapping_error(dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE)));
	CHECK(dma_unmap_single(dev, dma_map_single(dev, buf, 64, DMA_FROM_DEVICE), 64,
			       DMA_FROM_DEVICE) == 0);
	dma_device_destroy(dev);
	os_census(lab->os, &c);
	CHECK(c.torn_iovas == 1 && c.torn_ptes == 1 && c.torn_mappings == 0,
	      "dma_debug off, one page left mapped: iovas %llu ptes %llu mappings %llu",
	      (unsigned long long)c.torn_iovas, (unsigned long long)c.torn_ptes,
	      (unsigned long long)c.torn_mappings);
	CHECK(c.devices == 0 && c.pt_pages == 0 && c.frames == c0.frames);
	/* dma_debug on: the record is counted; untrusted and sub-page: the slot too. */
	dev = mkdev_debug(lab, DMA_DOMAIN_STRICT, true, true);
	REQUIRE(dev);
	REQUIRE(!dma_mapping_error(dma_map_single(dev, buf, 64, DMA_TO_DEVICE)));
	os_census(lab->os, &c0);
	CHECK(c0.slots >= 1, "the bounce buffer holds swiotlb slots");
	dma_device_destroy(dev);
	os_census(lab->os, &c);
	CHECK(c.torn_mappings == 1 && c.slots == 0,
	      "the live record counted (%llu), its slots freed (%zu left)",
	      (unsigned long long)c.torn_mappings, c.slots);
	CHECK(c.torn_iovas == 1, "dma_debug tore the mapping down: no IOVA left (%llu)",
	      (unsigned long long)c.torn_iovas);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* Run @fn on every domain type, with dma_debug off and on. */
static void each_domain_and_debug(void (*fn)(enum dma_domain_type t, bool debug))
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++) {
		fn((enum dma_domain_type)t, false);
		fn((enum dma_domain_type)t, true);
	}
}

/* One domain type, dma_debug on or off: see test_free_coherent_misuse_loses_nothing(). */
static void free_coherent_misuse(enum dma_domain_type t, bool debug)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev_debug(lab, t, false, debug);
	const char *dn = dma_domain_type_name(t);
	uint64_t safety0 = lab_safety_violations();
	struct evlog log = { 0 };
	struct dma_stats s0, s1;
	dma_addr_t ha, hb;
	uint8_t *a, *b, v = 0;
	pfn_t pfa, pfb;

	REQUIRE(dev);
	/* Lazy may free a frame the IOTLB still reaches: that is its window. */
	if (t != DMA_DOMAIN_LAZY)
		lab_install_safety_check(lab);
	a = dma_alloc_coherent(dev, 4 * PAGE_SIZE, &ha);
	b = dma_alloc_coherent(dev, 4 * PAGE_SIZE, &hb);
	REQUIRE(a && b);
	pfa = virt_to_phys(lab->m, a) >> PAGE_SHIFT;
	pfb = virt_to_phys(lab->m, b) >> PAGE_SHIFT;
	memset(a, 0xaa, 4 * PAGE_SIZE);
	os_set_dma_observer(lab->os, record_event, &log);
	dma_stats_read(dev, &s0);
	CHECK(dma_free_coherent(dev, 4 * PAGE_SIZE, b, ha) == -EINVAL,
	      "%s debug=%d: another allocation's cpu_addr", dn, debug);
	CHECK(dma_free_coherent(dev, 4 * PAGE_SIZE, a + PAGE_SIZE, ha) == -EINVAL,
	      "%s debug=%d: cpu_addr inside the allocation", dn, debug);
	CHECK(dma_free_coherent(dev, PAGE_SIZE, a, ha) == -EINVAL,
	      "%s debug=%d: a quarter of the size", dn, debug);
	dma_stats_read(dev, &s1);
	CHECK(log.total == 0, "%s debug=%d: refused calls sent %u event(s)", dn, debug,
	      log.total);
	CHECK(s1.misuse == s0.misuse + 3 && s1.live == s0.live,
	      "%s debug=%d: misuse %llu -> %llu, live %llu -> %llu", dn, debug,
	      (unsigned long long)s0.misuse, (unsigned long long)s1.misuse,
	      (unsigned long long)s0.live, (unsigned long long)s1.live);
	CHECK(page_refcount(lab->pa, pfa) == 1 && page_refcount(lab->pa, pfb) == 1,
	      "%s debug=%d: an allocation lost its page", dn, debug);
	CHECK(mdev_access(dma_device_mdev(dev), ha + 3 * PAGE_SIZE, &v, 1, DEV_READ) == 0 &&
	      v == 0xaa, "%s debug=%d: the mapping was torn down", dn, debug);
	CHECK(dma_free_coherent(dev, 4 * PAGE_SIZE, a, ha) == 0,
	      "%s debug=%d: the right call still frees", dn, debug);
	CHECK(dma_free_coherent(dev, 4 * PAGE_SIZE, b, hb) == 0);
	CHECK(log.n[DMA_EV_UNMAP] == 2);
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(dev) == 0, "%s debug=%d: left mapped", dn, debug);
	CHECK(lab_safety_violations() == safety0,
	      "%s debug=%d: a frame was freed while mapped", dn, debug);
	lab_down(lab);
}

/*
 * dma_free_coherent() misuse -- a cpu_addr the handle does not map (another
 * allocation's, or inside its own), a size that is not the allocation's --
 * is refused on every domain, with and without dma_debug, sends no event
 * and loses nothing: both allocations, the dma_debug record and the
 * mapping stay, and the right calls then free everything.  It broke three
 * ways: with dma_debug the record was dropped before the cpu_addr check;
 * under passthrough cpu_addr was not checked at all, so the page of a
 * wrong pointer was freed; without dma_debug a short size freed the whole
 * block while its other pages stayed mapped.
 */
static void test_free_coherent_misuse_loses_nothing(void)
{
	each_domain_and_debug(free_coherent_misuse);
}

/*
 * A sync of a sub-range of a bounced buffer (allowed without dma_debug, as
 * in Linux) copies exactly that range, between the matching offsets of the
 * original and the bounce buffer, in both directions and in any page of
 * the buffer.  It broke: the copy always started at the original's first
 * byte, and in a later page copied nothing.  A range outside the buffer
 * (the zeroed padding around it, or running past its end) is refused.
 */
static void test_swiotlb_sync_subrange(void)
{
	enum { LEN = 2 * PAGE_SIZE + 1024 };
	static uint8_t cpu[LEN], devb[LEN], got[LEN];
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev_debug(lab, DMA_DOMAIN_STRICT, true, false);
	struct mdev *hw = dma_device_mdev(dev);
	struct dma_stats st;
	uint8_t *buf, *orig;
	size_t bad = LEN;
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(dev);
	buf = alloc_buf(lab, 2, &pfn);
	REQUIRE(buf);
	orig = buf + 512;
	for (size_t i = 0; i < LEN; i++) {
		cpu[i] = (uint8_t)(i * 7 + 1);
		devb[i] = (uint8_t)(i * 13 + 5);
	}
	memcpy(orig, cpu, LEN);
	a = dma_map_single(dev, orig, LEN, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a));
	dma_stats_read(dev, &st);
	CHECK(st.bounce_maps == 1, "the buffer is bounced");
	CHECK(mdev_access(hw, a, devb, LEN, DEV_WRITE) == 0);

	/* For the CPU: [100, 300) in the first page, [8202, 8702) in the third. */
	CHECK(dma_sync_single_for_cpu(dev, a + 100, 200, DMA_BIDIRECTIONAL) == 0);
	CHECK(dma_sync_single_for_cpu(dev, a + 2 * PAGE_SIZE + 10, 500,
				      DMA_BIDIRECTIONAL) == 0);
	for (size_t i = 0; i < LEN && bad == LEN; i++) {
		bool synced = (i >= 100 && i < 300) ||
			      (i >= 2 * PAGE_SIZE + 10 && i < 2 * PAGE_SIZE + 510);

		if (orig[i] != (synced ? devb[i] : cpu[i]))
			bad = i;
	}
	CHECK(bad == LEN, "sync for cpu: original byte %zu is %#x", bad,
	      bad < LEN ? orig[bad] : 0);

	/* For the device: the CPU rewrites [5000, 5100) and hands only that back. */
	memset(orig + 5000, 0x77, 100);
	CHECK(dma_sync_single_for_device(dev, a + 5000, 100, DMA_BIDIRECTIONAL) == 0);
	CHECK(mdev_access(hw, a, got, LEN, DEV_READ) == 0);
	bad = LEN;
	for (size_t i = 0; i < LEN && bad == LEN; i++)
		if (got[i] != (i >= 5000 && i < 5100 ? 0x77 : devb[i]))
			bad = i;
	CHECK(bad == LEN, "sync for device: bounce byte %zu is %#x", bad,
	      bad < LEN ? got[bad] : 0);

	/* Outside the buffer: refused, nothing copied. */
	memcpy(cpu, orig, LEN);
	CHECK(dma_sync_single_for_cpu(dev, a - 100, 50, DMA_BIDIRECTIONAL) == -EINVAL,
	      "sync in the padding before the buffer");
	CHECK(dma_sync_single_for_cpu(dev, a + LEN - 10, 20, DMA_BIDIRECTIONAL) == -EINVAL,
	      "sync running past the end");
	CHECK(dma_sync_single_for_device(dev, a + LEN + 8, 8, DMA_BIDIRECTIONAL) == -EINVAL,
	      "sync in the padding after the buffer");
	CHECK(!memcmp(orig, cpu, LEN), "a refused sync copied");
	CHECK(mdev_access(hw, a, got, LEN, DEV_READ) == 0 && got[0] == devb[0] &&
	      got[LEN - 1] == devb[LEN - 1], "a refused sync copied to the bounce");

	/* The unmap copies everything back. */
	CHECK(dma_unmap_single(dev, a, LEN, DMA_BIDIRECTIONAL) == 0);
	CHECK(!memcmp(orig, got, LEN), "unmap copied the whole buffer back");
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* One domain type, dma_debug on or off: see test_refused_calls_send_no_event(). */
static void refused_calls(enum dma_domain_type t, bool debug)
{
	static const dma_addr_t nowhere = 0x7000000;	/* never mapped */
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev_debug(lab, t, true, debug);
	struct dma_unmap_desc d = { nowhere, PAGE_SIZE, DMA_TO_DEVICE };
	const char *dn = dma_domain_type_name(t);
	bool pt = t == DMA_DOMAIN_PASSTHROUGH;
	struct evlog log = { 0 };
	struct scatterlist sg[2];
	struct dma_stats s0, s1;
	int refused = 0;
	pfn_t pfn;

	REQUIRE(dev);
	REQUIRE(pages_alloc(lab->pa, 1, 77, true, &pfn) == 0);
	os_set_dma_observer(lab->os, record_event, &log);
	dma_stats_read(dev, &s0);
	/* Passthrough checks unmaps and syncs only with dma_debug. */
	if (!pt || debug) {
		CHECK(dma_unmap_single(dev, nowhere, PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL,
		      "%s debug=%d: unmap_single", dn, debug);
		CHECK(dma_unmap_page(dev, nowhere, 64, DMA_TO_DEVICE) == -EINVAL);
		CHECK(dma_unmap_batch(dev, &d, 1) == -EINVAL);
		CHECK(dma_sync_single_for_cpu(dev, nowhere, 64, DMA_TO_DEVICE) == -EINVAL,
		      "%s debug=%d: sync for cpu", dn, debug);
		CHECK(dma_sync_single_for_device(dev, nowhere, 64, DMA_TO_DEVICE) == -EINVAL);
		refused += 5;
	}
	if (!pt) {
		/* Whole pages: one contiguous range on a translating domain. */
		sg_init_table(sg, 2);
		sg_set_page(&sg[0], pfn, PAGE_SIZE, 0);
		sg_set_page(&sg[1], pfn + 1, PAGE_SIZE, 0);
		sg[0].dma_address = nowhere;
		sg[1].dma_address = nowhere + PAGE_SIZE;
		sg[0].dma_length = sg[1].dma_length = PAGE_SIZE;
		CHECK(dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE) == -EINVAL,
		      "%s debug=%d: unmap_sg", dn, debug);
		CHECK(dma_sync_sg_for_cpu(dev, sg, 2, DMA_TO_DEVICE) == -EINVAL);
		CHECK(dma_sync_sg_for_device(dev, sg, 2, DMA_TO_DEVICE) == -EINVAL);
		refused += 3;
	}
	CHECK(dma_unmap_single(dev, nowhere, 0, DMA_TO_DEVICE) == -EINVAL);
	CHECK(dma_sync_single_for_cpu(dev, nowhere, 64, DMA_NONE) == -EINVAL);
	refused += 2;
	dma_stats_read(dev, &s1);
	CHECK(log.total == 0, "%s debug=%d: %u event(s) for refused calls (first: kind %d)",
	      dn, debug, log.total, log.total ? (int)log.ev[0].kind : -1);
	CHECK(s1.misuse - s0.misuse == (uint64_t)refused, "%s debug=%d: misuse %llu, expected %d",
	      dn, debug, (unsigned long long)(s1.misuse - s0.misuse), refused);
	CHECK(s1.unmaps == s0.unmaps && s1.syncs == s0.syncs,
	      "%s debug=%d: refused calls counted as unmaps or syncs", dn, debug);
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/*
 * A refused call changes nothing, and that includes the observer: it must
 * see no event, and the call counts as misuse, not as an unmap or a sync.
 * Without dma_debug, unmap_single/page/sg and, on an untrusted device, the
 * syncs announced an unmap or a sync before finding the address unmapped.
 * Every refusal path of every domain, with and without dma_debug.
 */
static void test_refused_calls_send_no_event(void)
{
	each_domain_and_debug(refused_calls);
}

/*
 * dma_iova_free() with pages still linked unlinks them (misuse) and tells
 * the observer, as dma_iova_unlink() would: one unmap event per linked
 * run.  It broke: the pages were unlinked behind the observer's back, so
 * the oracle kept them lent.
 */
static void test_iova_free_tells_observer(void)
{
	for (int t = DMA_DOMAIN_STRICT; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		struct mdev *hw = dma_device_mdev(dev);
		struct dma_iova_state state;
		struct evlog log = { 0 };
		struct dma_stats s0, s1;
		dma_addr_t base;
		pfn_t p1, p2;
		uint8_t b;

		REQUIRE(dev);
		REQUIRE(pages_alloc(lab->pa, 0, 77, true, &p1) == 0);
		REQUIRE(pages_alloc(lab->pa, 1, 77, true, &p2) == 0);
		REQUIRE(dma_iova_try_alloc(dev, &state, 8 * PAGE_SIZE) == 0);
		base = state.addr;
		os_set_dma_observer(lab->os, record_event, &log);
		CHECK(dma_iova_link(dev, &state, p1 << PAGE_SHIFT, 0, PAGE_SIZE,
				    DMA_TO_DEVICE) == 0);
		CHECK(dma_iova_link(dev, &state, p2 << PAGE_SHIFT, 4 * PAGE_SIZE,
				    2 * PAGE_SIZE, DMA_BIDIRECTIONAL) == 0);
		CHECK(dma_iova_sync(dev, &state, 0, 8 * PAGE_SIZE) == 0);
		CHECK(mdev_access(hw, base + 5 * PAGE_SIZE, &b, 1, DEV_READ) == 0);
		dma_stats_read(dev, &s0);
		dma_iova_free(dev, &state);
		dma_stats_read(dev, &s1);
		CHECK(state.addr == 0 && state.size == 0);
		CHECK(log.n[DMA_EV_MAP] == 2 && log.n[DMA_EV_UNMAP] == 2,
		      "%s: %u map and %u unmap event(s)",
		      dma_domain_type_name((enum dma_domain_type)t), log.n[DMA_EV_MAP],
		      log.n[DMA_EV_UNMAP]);
		if (log.total == 4) {
			const struct dma_event *u1 = &log.ev[2], *u2 = &log.ev[3];

			CHECK(u1->kind == DMA_EV_UNMAP && u1->addr == base &&
			      u1->size == PAGE_SIZE && u1->dir == DMA_TO_DEVICE);
			CHECK(u2->kind == DMA_EV_UNMAP && u2->addr == base + 4 * PAGE_SIZE &&
			      u2->size == 2 * PAGE_SIZE && u2->dir == DMA_BIDIRECTIONAL);
		}
		CHECK(s1.misuse == s0.misuse + 1 && s1.unmaps == s0.unmaps + 2 &&
		      s1.inv_cmds == s0.inv_cmds + 1, "as two unlinks, one invalidation");
		CHECK(mdev_access(hw, base + 5 * PAGE_SIZE, &b, 1, DEV_READ) == -EFAULT,
		      "translation gone");
		CHECK(iommu_frame_reachable(lab->m, p1) == 0 &&
		      iommu_frame_reachable(lab->m, p2 + 1) == 0);
		os_set_dma_observer(lab->os, NULL, NULL);
		CHECK(dma_device_destroy(dev) == 0);
		page_put(lab->pa, p1);
		page_put(lab->pa, p2);
		lab_down(lab);
	}
}

/*
 * dma_iova_link/unlink/sync with an offset + size that wraps around are
 * refused -- logged, counted, no event -- and reach nothing outside the
 * state's range.  It broke: the check added offset and size, so a part
 * whose sum wrapped to 0 passed, and the link mapped, the unlink unmapped,
 * the last page of the range lying right below the state's.
 */
static void test_iova_part_wrap_refused(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct mdev *hw = dma_device_mdev(dev);
	struct dma_iova_state x, y, t;
	struct evlog log = { 0 };
	struct dma_stats s0, s1;
	size_t wrap;
	uint8_t b;
	pfn_t p;

	REQUIRE(dev);
	REQUIRE(pages_alloc(lab->pa, 1, 77, true, &p) == 0);
	REQUIRE(dma_iova_try_alloc(dev, &x, 4 * PAGE_SIZE) == 0);
	REQUIRE(dma_iova_try_alloc(dev, &y, 4 * PAGE_SIZE) == 0);
	if (y.addr > x.addr) {
		t = x;
		x = y;
		y = t;
	}
	REQUIRE(y.addr + 4 * PAGE_SIZE == x.addr, "y right below x (top-down allocation)");
	/* An offset from x whose sum with PAGE_SIZE wraps: y's last page. */
	wrap = (size_t)(y.addr + 3 * PAGE_SIZE - x.addr);
	os_set_dma_observer(lab->os, record_event, &log);
	dma_stats_read(dev, &s0);
	CHECK(dma_iova_link(dev, &x, (p + 1) << PAGE_SHIFT, wrap, PAGE_SIZE,
			    DMA_TO_DEVICE) == -EINVAL);
	CHECK(mdev_access(hw, y.addr + 3 * PAGE_SIZE, &b, 1, DEV_READ) == -EFAULT,
	      "a link of x mapped a page of y");
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_iova_link(dev, &y, p << PAGE_SHIFT, 3 * PAGE_SIZE, PAGE_SIZE,
			    DMA_TO_DEVICE) == 0);
	os_set_dma_observer(lab->os, record_event, &log);
	dma_iova_unlink(dev, &x, wrap, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(mdev_access(hw, y.addr + 3 * PAGE_SIZE, &b, 1, DEV_READ) == 0,
	      "an unlink of x reached y's link");
	CHECK(dma_iova_sync(dev, &x, wrap, PAGE_SIZE) == -EINVAL);
	dma_stats_read(dev, &s1);
	CHECK(log.total == 0, "%u event(s) for refused calls", log.total);
	CHECK(s1.misuse == s0.misuse + 3 && s1.maps == s0.maps + 1 &&
	      s1.unmaps == s0.unmaps && s1.syncs == s0.syncs, "misuse %llu -> %llu",
	      (unsigned long long)s0.misuse, (unsigned long long)s1.misuse);
	os_set_dma_observer(lab->os, NULL, NULL);
	dma_iova_unlink(dev, &y, 3 * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE);
	dma_iova_free(dev, &x);
	dma_iova_free(dev, &y);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, p);
	lab_down(lab);
}

/* The mapping at @a is whole: its first and last byte still reach @buf. */
static bool still_mapped(struct dma_device *dev, dma_addr_t a, size_t size)
{
	uint8_t b;

	return mdev_access(dma_device_mdev(dev), a, &b, 1, DEV_READ) == 0 &&
	       mdev_access(dma_device_mdev(dev), a + size - 1, &b, 1, DEV_READ) == 0;
}

/* One domain type: see test_unmap_wrong_extent_refused_without_debug(). */
static void unmap_wrong_extent(enum dma_domain_type t)
{
	enum { BLEN = 2 * PAGE_SIZE + 1024 };
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev_debug(lab, t, false, false);
	struct dma_device *udev = mkdev_debug(lab, t, true, false);
	const char *dn = dma_domain_type_name(t);
	uint64_t safety0 = lab_safety_violations();
	struct dma_unmap_desc d;
	struct evlog log = { 0 };
	struct dma_stats s0, s1, u0, u1;
	dma_addr_t a4, a3, ab;
	uint8_t *buf;
	pfn_t pfn;

	REQUIRE(dev && udev);
	if (t == DMA_DOMAIN_STRICT)
		lab_install_safety_check(lab);
	buf = alloc_buf(lab, 4, &pfn);
	REQUIRE(buf);
	a4 = dma_map_single(dev, buf, 4 * PAGE_SIZE, DMA_TO_DEVICE);
	a3 = dma_map_single(dev, buf + 4 * PAGE_SIZE, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL);
	ab = dma_map_single(udev, buf + 8 * PAGE_SIZE + 512, BLEN, DMA_BIDIRECTIONAL);
	REQUIRE(!dma_mapping_error(a4) && !dma_mapping_error(a3) && !dma_mapping_error(ab));
	os_set_dma_observer(lab->os, record_event, &log);
	dma_stats_read(dev, &s0);
	dma_stats_read(udev, &u0);
	CHECK(dma_unmap_single(dev, a4, 3 * PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL,
	      "%s: size short of the mapping", dn);
	CHECK(dma_unmap_single(dev, a4 + PAGE_SIZE, 2 * PAGE_SIZE, DMA_TO_DEVICE) == -EINVAL,
	      "%s: address inside the mapping", dn);
	CHECK(dma_unmap_page(dev, a3, 4 * PAGE_SIZE, DMA_BIDIRECTIONAL) == -EINVAL,
	      "%s: size past the mapping", dn);
	CHECK(dma_unmap_single(dev, a3 + 2 * PAGE_SIZE, PAGE_SIZE << 30,
			       DMA_BIDIRECTIONAL) == -EINVAL, "%s: a huge size", dn);
	d = (struct dma_unmap_desc){ a4, 2 * PAGE_SIZE + 1, DMA_TO_DEVICE };
	CHECK(dma_unmap_batch(dev, &d, 1) == -EINVAL, "%s: batch, size short", dn);
	CHECK(dma_unmap_single(udev, ab, 100, DMA_BIDIRECTIONAL) == -EINVAL,
	      "%s: bounced, size short", dn);
	CHECK(dma_unmap_single(udev, ab, BLEN + PAGE_SIZE, DMA_BIDIRECTIONAL) == -EINVAL,
	      "%s: bounced, size long", dn);
	dma_stats_read(dev, &s1);
	dma_stats_read(udev, &u1);
	CHECK(log.total == 0, "%s: %u event(s) for refused unmaps", dn, log.total);
	CHECK(s1.misuse == s0.misuse + 5 && s1.unmaps == s0.unmaps &&
	      u1.misuse == u0.misuse + 2 && u1.unmaps == u0.unmaps,
	      "%s: misuse +%llu/+%llu, unmaps +%llu/+%llu", dn,
	      (unsigned long long)(s1.misuse - s0.misuse),
	      (unsigned long long)(u1.misuse - u0.misuse),
	      (unsigned long long)(s1.unmaps - s0.unmaps),
	      (unsigned long long)(u1.unmaps - u0.unmaps));
	CHECK(still_mapped(dev, a4, 4 * PAGE_SIZE) && still_mapped(dev, a3, 3 * PAGE_SIZE) &&
	      still_mapped(udev, ab, BLEN), "%s: a refused unmap unmapped", dn);
	/* The right calls still work and leave nothing behind. */
	CHECK(dma_unmap_single(dev, a4, 4 * PAGE_SIZE, DMA_TO_DEVICE) == 0);
	d = (struct dma_unmap_desc){ a3, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL };
	CHECK(dma_unmap_batch(dev, &d, 1) == 0);
	CHECK(dma_unmap_single(udev, ab, BLEN, DMA_BIDIRECTIONAL) == 0);
	CHECK(log.n[DMA_EV_UNMAP] == 3);
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(dev) == 0, "%s: left mapped", dn);
	CHECK(dma_device_destroy(udev) == 0, "%s: bounced left mapped", dn);
	page_put(lab->pa, pfn);
	CHECK(lab_safety_violations() == safety0, "%s: a frame was freed while mapped", dn);
	lab_down(lab);
}

/*
 * Without dma_debug, an unmap whose address or size the page table and
 * the IOVA allocator's alignment prove wrong is refused: a size that
 * stops short of the mapping inside its IOVA range or runs past it, an
 * address inside the mapping its size class cannot start at, a bounced
 * buffer's size -- through dma_unmap_single/page and dma_unmap_batch.
 * Nothing is unmapped, no event is sent, and the right calls then leave
 * no page, IOVA or slot behind.  It broke: the wrong extent was unmapped
 * and a wrong-size IOVA range freed, leaving pages of the buffer mapped
 * after its unmap (the safety rule) and IOVA ranges leaked or handed out
 * twice.
 */
static void test_unmap_wrong_extent_refused_without_debug(void)
{
	unmap_wrong_extent(DMA_DOMAIN_STRICT);
	unmap_wrong_extent(DMA_DOMAIN_LAZY);
}

/* What the DMA layer had done when it told the observer of an unmap. */
struct unmap_seen {
	unsigned int n;			/* unmap events */
	unsigned int pte_present;	/* ... whose first page was still mapped */
	uint64_t syncs_before;		/* the machine's CMD_SYNCs at the call */
	unsigned int synced;		/* ... events that came after a newer one */
};

static void see_unmap(void *arg, const struct dma_event *ev)
{
	struct unmap_seen *u = arg;
	struct iommu_stats st;
	phys_addr_t pa;
	unsigned int prot;

	if (ev->kind != DMA_EV_UNMAP)
		return;
	u->n++;
	u->pte_present += !iommu_iova_to_phys(ev->dev->dom, ev->addr & PAGE_MASK, &pa, &prot);
	iommu_stats_read(os_machine(dma_device_os(ev->dev)), &st);
	u->synced += st.syncs > u->syncs_before;
}

/* Start watching one call: no event yet, the machine's SYNCs so far. */
static void seen_reset(struct lab *lab, struct unmap_seen *u)
{
	struct iommu_stats st;

	iommu_stats_read(lab->m, &st);
	*u = (struct unmap_seen){ .syncs_before = st.syncs };
}

/* @n events, each after the PTEs went and a SYNC completed (@sync) or before both. */
static void check_seen(const struct unmap_seen *u, unsigned int n, bool sync,
		       const char *what)
{
	CHECK(u->n == n && u->pte_present == (sync ? 0 : n) && u->synced == (sync ? n : 0),
	      "%s: %u event(s) (expected %u), %u with the PTE still present, %u after a "
	      "SYNC; expected %s", what, u->n, n, u->pte_present, u->synced,
	      sync ? "every one after the clear and the SYNC" : "every one before both");
}

/*
 * The observer hears of an unmap where the lending ends, when the call
 * returns: a synchronous unmap -- single, scatterlist, batch, bounced and
 * coherent on a strict domain, dma_iova_unlink() on any -- once its PTEs
 * are cleared and a CMD_SYNC has completed; a lazy or deferred one, which
 * returns before its invalidation, before its PTEs are cleared.  It broke:
 * every unmap was told before its PTEs were cleared, so the oracle counted
 * a device access inside a strict unmap call as stale.
 */
static void test_unmap_event_when_lending_ends(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *sd = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct dma_device *ud = mkdev(lab, DMA_DOMAIN_STRICT, true);
	struct dma_device *ld = mkdev(lab, DMA_DOMAIN_LAZY, false);
	struct dma_unmap_desc v[2];
	struct scatterlist sg[2];
	struct dma_iova_state state;
	struct dma_gather g;
	struct unmap_seen u;
	dma_addr_t a, ch;
	uint8_t *buf, *coh;
	pfn_t pfn;

	REQUIRE(sd && ud && ld);
	buf = alloc_buf(lab, 2, &pfn);
	REQUIRE(buf);
	os_set_dma_observer(lab->os, see_unmap, &u);

	a = dma_map_single(sd, buf, PAGE_SIZE, DMA_TO_DEVICE);
	seen_reset(lab, &u);
	CHECK(dma_unmap_single(sd, a, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	check_seen(&u, 1, true, "strict single");

	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pfn, PAGE_SIZE, 0);
	sg_set_page(&sg[1], pfn + 1, 100, 0);
	REQUIRE(dma_map_sg(sd, sg, 2, DMA_FROM_DEVICE) == 2);
	seen_reset(lab, &u);
	CHECK(dma_unmap_sg(sd, sg, 2, DMA_FROM_DEVICE) == 0);
	check_seen(&u, 2, true, "strict scatterlist");

	for (int i = 0; i < 2; i++)
		v[i] = (struct dma_unmap_desc){
			.addr = dma_map_single(sd, buf + i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE),
			.size = PAGE_SIZE, .dir = DMA_TO_DEVICE,
		};
	seen_reset(lab, &u);
	CHECK(dma_unmap_batch(sd, v, 2) == 0);
	check_seen(&u, 2, true, "strict batch");

	a = dma_map_single(ud, buf + 100, 200, DMA_TO_DEVICE);
	REQUIRE(!dma_mapping_error(a));
	seen_reset(lab, &u);
	CHECK(dma_unmap_single(ud, a, 200, DMA_TO_DEVICE) == 0);
	check_seen(&u, 1, true, "strict bounce");

	coh = dma_alloc_coherent(sd, PAGE_SIZE, &ch);
	REQUIRE(coh);
	seen_reset(lab, &u);
	CHECK(dma_free_coherent(sd, PAGE_SIZE, coh, ch) == 0);
	check_seen(&u, 1, true, "strict coherent free");

	for (int t = 0; t < 2; t++) {
		struct dma_device *d = t ? ld : sd;

		REQUIRE(dma_iova_try_alloc(d, &state, 4 * PAGE_SIZE) == 0);
		CHECK(dma_iova_link(d, &state, pfn << PAGE_SHIFT, 0, PAGE_SIZE,
				    DMA_TO_DEVICE) == 0);
		CHECK(dma_iova_link(d, &state, (pfn + 2) << PAGE_SHIFT, 2 * PAGE_SIZE,
				    PAGE_SIZE, DMA_TO_DEVICE) == 0);
		seen_reset(lab, &u);
		dma_iova_unlink(d, &state, 0, 4 * PAGE_SIZE, DMA_TO_DEVICE);
		check_seen(&u, 2, true, t ? "lazy iova unlink" : "strict iova unlink");
		dma_iova_free(d, &state);
	}

	a = dma_map_single(ld, buf, PAGE_SIZE, DMA_TO_DEVICE);
	seen_reset(lab, &u);
	CHECK(dma_unmap_single(ld, a, PAGE_SIZE, DMA_TO_DEVICE) == 0);
	check_seen(&u, 1, false, "lazy single");
	dma_flush_lazy(ld);

	dma_gather_init(&g);
	a = dma_map_single(sd, buf, PAGE_SIZE, DMA_TO_DEVICE);
	seen_reset(lab, &u);
	CHECK(dma_unmap_page_deferred(sd, a, PAGE_SIZE, DMA_TO_DEVICE, &g) == 0);
	check_seen(&u, 1, false, "strict deferred");
	dma_gather_flush(sd, &g);
	CHECK(dma_deferred_iova_free(sd, a, PAGE_SIZE) == 0);

	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(sd) == 0 && dma_device_destroy(ud) == 0 &&
	      dma_device_destroy(ld) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/*
 * An unlink over more linked runs than one invalidation remembers (16) is
 * done in pieces: every run still gets its event after its PTEs went and
 * a SYNC completed, every page is unlinked, and the commands are one per
 * 16 runs -- one for a part of up to 16.
 */
static void test_iova_unlink_many_runs_in_pieces(void)
{
	static const unsigned int nruns[] = { 1, 16, 17, 32 };
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct unmap_seen u;
	pfn_t pfn;

	REQUIRE(dev && alloc_buf(lab, 5, &pfn));
	os_set_dma_observer(lab->os, see_unmap, &u);
	for (size_t k = 0; k < ARRAY_SIZE(nruns); k++) {
		struct dma_iova_state state;
		struct dma_stats s0, s1;
		unsigned int left = 0;
		char what[48];

		REQUIRE(dma_iova_try_alloc(dev, &state, 64 * PAGE_SIZE) == 0);
		/* Every other page: no two links touch, so each is a run. */
		for (unsigned int i = 0; i < nruns[k]; i++)
			CHECK(dma_iova_link(dev, &state, (pfn + i) << PAGE_SHIFT,
					    2 * i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE) == 0);
		dma_stats_read(dev, &s0);
		seen_reset(lab, &u);
		dma_iova_unlink(dev, &state, 0, 64 * PAGE_SIZE, DMA_TO_DEVICE);
		dma_stats_read(dev, &s1);
		snprintf(what, sizeof(what), "%u runs", nruns[k]);
		check_seen(&u, nruns[k], true, what);
		CHECK(s1.inv_cmds - s0.inv_cmds == (nruns[k] + 15) / 16 &&
		      s1.unmaps - s0.unmaps == 1,
		      "%s: %llu invalidation(s), %llu unmap(s)", what,
		      (unsigned long long)(s1.inv_cmds - s0.inv_cmds),
		      (unsigned long long)(s1.unmaps - s0.unmaps));
		for (unsigned int i = 0; i < 64; i++) {
			phys_addr_t pa;
			unsigned int prot;

			left += !iommu_iova_to_phys(dev->dom, state.addr + i * PAGE_SIZE, &pa,
						    &prot);
		}
		CHECK(left == 0, "%s: %u page(s) still linked", what, left);
		/* Links left at the free are unlinked the same way (misuse, logged). */
		for (unsigned int i = 0; i < nruns[k]; i++)
			CHECK(dma_iova_link(dev, &state, (pfn + i) << PAGE_SHIFT,
					    2 * i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE) == 0);
		seen_reset(lab, &u);
		dma_iova_free(dev, &state);
		check_seen(&u, nruns[k], true, "the free");
	}
	os_set_dma_observer(lab->os, NULL, NULL);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_round_trip_all_domains),
		TEST(test_access_after_unmap_strict_vs_lazy),
		TEST(test_lazy_timer_and_full_queue),
		TEST(test_unmap_batch),
		TEST(test_swiotlb_hides_neighbours),
		TEST(test_map_sg),
		TEST(test_coherent),
		TEST(test_misuse_is_an_error),
		TEST(test_passthrough_same_buffer_both_directions),
		TEST(test_dma_mask),
		TEST(test_teardown_reports_live),
		TEST(test_teardown_leaks_reach_the_census),
		TEST(test_free_coherent_misuse_loses_nothing),
		TEST(test_swiotlb_sync_subrange),
		TEST(test_refused_calls_send_no_event),
		TEST(test_iova_free_tells_observer),
		TEST(test_iova_part_wrap_refused),
		TEST(test_unmap_wrong_extent_refused_without_debug),
		TEST(test_unmap_event_when_lending_ends),
		TEST(test_iova_unlink_many_runs_in_pieces),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
