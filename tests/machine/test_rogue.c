// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_rogue.c - rogue device mode, with the isolation oracle watching:
 *   - strict: the rogue never gets through an address that is no longer
 *     mapped, and while buffers are mapped it reaches only them (no stale,
 *     no breach), even with pages freed and reallocated all along;
 *   - passthrough: it reaches frames never lent to it (breach, isolation
 *     "none");
 *   - lazy: unmapped, freed and reallocated pages are reached through the
 *     stale IOTLB (breach > 0);
 *   - its write-backs change no byte, even when strict hands the IOVA to
 *     another frame between the read and the write-back (regression);
 *     its thread runs at a rate and stops;
 *     an engine can poke it after every request; bad configurations are
 *     refused with a message.
 */
#include "zip_testdrv.h"

#include <dmareuse/oracle.h>
#include <dmareuse/rogue.h>

#include <errno.h>
#include <time.h>

#define NBUF 6

static struct dma_device *mkdev(struct lab *lab, enum dma_domain_type t)
{
	struct dma_device_opts o = { .type = t };

	return dma_device_create(lab->os, "rogue", &o);
}

static uint8_t *va(struct lab *lab, pfn_t pfn)
{
	return phys_to_virt(lab->m, pfn << PAGE_SHIFT);
}

static void pattern(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7);
}

static bool has_pattern(const uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(seed * 131 + i * 7))
			return false;
	return true;
}

/* Map @n pages BIDIRECTIONAL and let the device read each (the rogue learns). */
static void map_and_use(struct dma_device *dev, struct lab *lab, const pfn_t *p,
			dma_addr_t *a, int n)
{
	uint8_t b[64];

	for (int i = 0; i < n; i++) {
		a[i] = dma_map_single(dev, va(lab, p[i]), PAGE_SIZE, DMA_BIDIRECTIONAL);
		CHECK(mdev_access(dma_device_mdev(dev), a[i] + 128, b, sizeof(b),
				  DEV_READ) == 0);
	}
}

/*
 * Strict: once everything is unmapped, no probe gets through.  With some
 * buffers still mapped, probes that get through land only in them (the
 * oracle sees no stale and no breach), and the write-backs leave every byte
 * as it was.
 */
static void test_strict_never_through_unmapped(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT);
	struct rogue_config rc = { .seed = test_seed() };
	struct rogue *r = rogue_create(dma_device_mdev(dev), &rc);
	struct rogue_stats st;
	struct oracle_counts c;
	dma_addr_t a[NBUF];
	pfn_t p[NBUF];

	REQUIRE(o && dev && r);
	for (int i = 0; i < NBUF; i++) {
		REQUIRE(pages_alloc(lab->pa, 0, 77, false, &p[i]) == 0);
		pattern(va(lab, p[i]), PAGE_SIZE, (unsigned int)i);
	}
	map_and_use(dev, lab, p, a, NBUF);
	CHECK(rogue_known_pages(r) == NBUF, "learned %zu pages", rogue_known_pages(r));
	for (int i = 0; i < NBUF; i++)
		dma_unmap_single(dev, a[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
	CHECK(rogue_poke(r, 2000) == 0, "nothing mapped: nothing gets through");
	rogue_stats_read(r, &st);
	CHECK(st.attempts == 2000 && st.faults == 2000 && st.successes == 0 &&
	      st.writes == 0, "attempts %llu faults %llu", (unsigned long long)st.attempts,
	      (unsigned long long)st.faults);

	/* Half mapped again: probes through them only. */
	map_and_use(dev, lab, p, a, NBUF / 2);
	rogue_poke(r, 2000);
	rogue_stats_read(r, &st);
	CHECK(st.successes > 0 && st.writes_ok > 0, "the mapped half is reachable");
	oracle_read(o, dma_device_mdev(dev), &c);
	CHECK(c.breach == 0 && c.stale == 0, "strict: breach %llu stale %llu",
	      (unsigned long long)c.breach, (unsigned long long)c.stale);
	CHECK(c.ok >= st.successes, "every success is inside a lent buffer");
	for (int i = 0; i < NBUF / 2; i++)
		dma_unmap_single(dev, a[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
	for (int i = 0; i < NBUF; i++) {
		CHECK(has_pattern(va(lab, p[i]), PAGE_SIZE, (unsigned int)i),
		      "page %d unchanged by the write-backs", i);
		page_put(lab->pa, p[i]);
	}
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Strict with churn: buffers are mapped, used, unmapped, freed and
 * reallocated over and over with the rogue probing in between.  No breach.
 */
static void test_strict_churn_zero_breach(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT);
	struct rogue_config rc = { .seed = test_seed() ^ 1, .neighbours = 1 };
	struct rogue *r = rogue_create(dma_device_mdev(dev), &rc);
	struct oracle_counts c;
	struct rogue_stats st;

	REQUIRE(o && dev && r);
	for (int round = 0; round < 200; round++) {
		uint32_t owner = 77u + (uint32_t)round / 50;
		dma_addr_t a[NBUF];
		pfn_t p[NBUF];

		for (int i = 0; i < NBUF; i++)
			REQUIRE(pages_alloc(lab->pa, 0, owner, false, &p[i]) == 0);
		map_and_use(dev, lab, p, a, NBUF);
		rogue_poke(r, 10);
		for (int i = 0; i < NBUF; i++)
			dma_unmap_single(dev, a[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
		rogue_poke(r, 10);
		for (int i = 0; i < NBUF; i++)
			page_put(lab->pa, p[i]);
		rogue_poke(r, 10);
	}
	rogue_stats_read(r, &st);
	oracle_read(o, dma_device_mdev(dev), &c);
	CHECK(st.successes > 0 && st.faults > 0);
	CHECK(c.breach == 0 && c.stale == 0, "strict: breach %llu stale %llu",
	      (unsigned long long)c.breach, (unsigned long long)c.stale);
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Passthrough: the rogue reaches frames never lent to it -- a neighbour's
 * page, random frames -- and the oracle calls that breach.  A neighbour's
 * page it rewrote keeps its bytes.
 */
static void test_passthrough_reaches_never_lent(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_PASSTHROUGH);
	struct rogue_config rc = { .seed = test_seed() ^ 2, .neighbours = 1 };
	struct rogue *r = rogue_create(dma_device_mdev(dev), &rc);
	struct oracle_counts c;
	struct rogue_stats st;
	pfn_t blk;
	dma_addr_t a;

	REQUIRE(o && dev && r);
	/* Four frames; only the second is ever lent; the others are neighbours. */
	REQUIRE(pages_alloc(lab->pa, 2, 77, false, &blk) == 0);
	for (int i = 0; i < 4; i++)
		pattern(va(lab, blk + i), PAGE_SIZE, 10u + (unsigned int)i);
	a = dma_map_single(dev, va(lab, blk + 1), PAGE_SIZE, DMA_TO_DEVICE);
	{
		uint8_t b[8];

		CHECK(mdev_access(dma_device_mdev(dev), a, b, 8, DEV_READ) == 0);
	}
	rogue_poke(r, 400);
	rogue_stats_read(r, &st);
	oracle_read(o, dma_device_mdev(dev), &c);
	CHECK(st.faults == 0, "passthrough refuses nothing");
	CHECK(st.random_frames > 0 && st.successes == st.attempts);
	CHECK(c.breach > 0, "frames never lent reached: breach %llu",
	      (unsigned long long)c.breach);
	CHECK(c.subpage > 0, "writes into its TO_DEVICE buffer: subpage %llu",
	      (unsigned long long)c.subpage);
	CHECK(!strcmp(oracle_isolation(o, dma_device_mdev(dev)), "none"));
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	for (int i = 0; i < 4; i++)
		CHECK(has_pattern(va(lab, blk + i), PAGE_SIZE, 10u + (unsigned int)i),
		      "frame %d unchanged", i);
	page_put(lab->pa, blk);
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Lazy: the buffers are unmapped, their pages freed and handed to another
 * owner who fills them; inside the flush window the rogue reaches them
 * through the stale IOTLB: breach.  The new owner's bytes survive.
 */
static void test_lazy_freed_pages_breached(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_LAZY);
	struct rogue_config rc = { .seed = test_seed() ^ 3 };
	struct rogue *r = rogue_create(dma_device_mdev(dev), &rc);
	bool done = false;

	REQUIRE(o && dev && r);
	for (int attempt = 0; attempt < 10 && !done; attempt++) {
		struct dma_stats s0, s1;
		struct oracle_counts c0, c1;
		dma_addr_t a[NBUF];
		pfn_t p[NBUF], q[NBUF];

		for (int i = 0; i < NBUF; i++)
			REQUIRE(pages_alloc(lab->pa, 0, 77, false, &p[i]) == 0);
		dma_stats_read(dev, &s0);
		oracle_read(o, dma_device_mdev(dev), &c0);
		map_and_use(dev, lab, p, a, NBUF);
		for (int i = 0; i < NBUF; i++) {
			dma_unmap_single(dev, a[i], PAGE_SIZE, DMA_BIDIRECTIONAL);
			page_put(lab->pa, p[i]);
		}
		for (int i = 0; i < NBUF; i++) {
			REQUIRE(pages_alloc(lab->pa, 0, 99, false, &q[i]) == 0);
			pattern(va(lab, q[i]), PAGE_SIZE, 40u + (unsigned int)i);
		}
		rogue_poke(r, 300);
		dma_stats_read(dev, &s1);
		oracle_read(o, dma_device_mdev(dev), &c1);
		if (s1.fq_flushes == s0.fq_flushes) {
			CHECK(c1.breach > c0.breach, "lazy: use after free through the IOTLB");
			done = true;
		}
		for (int i = 0; i < NBUF; i++) {
			CHECK(has_pattern(va(lab, q[i]), PAGE_SIZE, 40u + (unsigned int)i),
			      "new owner's page %d unchanged", i);
			page_put(lab->pa, q[i]);
		}
		dma_flush_lazy(dev);
	}
	CHECK(done, "the lazy window never stayed open");
	CHECK(!strcmp(oracle_isolation(o, dma_device_mdev(dev)), "breached"));
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/* State for remap_cb(): remap @addr from @p1 to @p2 at the rogue's read. */
struct remap {
	struct dma_device *dev;
	struct lab *lab;
	dma_addr_t addr;
	pfn_t p2;
	bool armed, same_iova;
};

static void remap_cb(void *arg, const struct mdev *hw, dma_addr_t addr, pfn_t pfn,
		     size_t len, enum dev_access acc, bool ok)
{
	struct remap *x = arg;

	if (!x->armed || hw != dma_device_mdev(x->dev) || !ok || acc != DEV_READ ||
	    (addr & PAGE_MASK) != (x->addr & PAGE_MASK))
		return;
	x->armed = false;
	dma_unmap_single(x->dev, x->addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
	x->same_iova = dma_map_single(x->dev, va(x->lab, x->p2), PAGE_SIZE,
				      DMA_BIDIRECTIONAL) == x->addr;
}

/*
 * Regression: strict hands a freed IOVA out again at once.  When that
 * happens between the rogue's read and its write-back, the bytes read from
 * the old frame must not be written into the new one.  An observer remaps
 * the IOVA exactly there.
 */
static void test_writeback_skipped_when_iova_remapped(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT);
	struct rogue_config rc = { .seed = test_seed() ^ 7, .neighbours = 1 };
	struct rogue *r = rogue_create(dma_device_mdev(dev), &rc);
	struct remap x = { .dev = dev, .lab = lab, .armed = true };
	struct rogue_stats st;
	pfn_t p1;

	REQUIRE(dev && r);
	REQUIRE(pages_alloc(lab->pa, 0, 77, false, &p1) == 0);
	REQUIRE(pages_alloc(lab->pa, 0, 78, false, &x.p2) == 0);
	pattern(va(lab, p1), PAGE_SIZE, 1);
	pattern(va(lab, x.p2), PAGE_SIZE, 2);
	map_and_use(dev, lab, &p1, &x.addr, 1);
	REQUIRE(machine_add_observer(lab->m, remap_cb, &x) == 0);
	for (int i = 0; i < 1000 && x.armed; i++)
		rogue_poke(r, 1);
	CHECK(!x.armed, "the rogue probed the page");
	CHECK(x.same_iova, "strict handed the IOVA out again at once");
	rogue_stats_read(r, &st);
	CHECK(st.writes_skipped == 1 && st.writes_ok == 0, "skipped %llu written %llu",
	      (unsigned long long)st.writes_skipped, (unsigned long long)st.writes_ok);
	CHECK(has_pattern(va(lab, x.p2), PAGE_SIZE, 2), "the new frame kept its bytes");
	CHECK(machine_remove_observer(lab->m, remap_cb, &x) == 0);
	CHECK(machine_remove_observer(lab->m, remap_cb, &x) == -ENOENT);
	dma_unmap_single(dev, x.addr, PAGE_SIZE, DMA_BIDIRECTIONAL);
	page_put(lab->pa, p1);
	page_put(lab->pa, x.p2);
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/* The rogue thread probes at its rate until stopped; bad settings refused. */
static void test_thread_and_config(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT);
	struct mdev *hw = dma_device_mdev(dev);
	struct rogue_config bad = { .probe_len = PAGE_SIZE + 1 };
	struct rogue_config rc = { .seed = 5, .rate = 20000 };
	struct rogue *r0 = rogue_create(hw, NULL);
	struct rogue *r = rogue_create(hw, &rc);
	struct timespec ts = { 0, 30 * 1000 * 1000 };
	struct rogue_stats st, st2;
	dma_addr_t a;
	pfn_t p;

	REQUIRE(dev && r0 && r);
	CHECK(rogue_create(hw, &bad) == NULL, "probe_len beyond a page");
	CHECK(rogue_start(r0) == -EINVAL, "no rate: poke only");
	REQUIRE(pages_alloc(lab->pa, 0, 77, false, &p) == 0);
	map_and_use(dev, lab, &p, &a, 1);
	CHECK(rogue_start(r) == 0);
	CHECK(rogue_start(r) == -EBUSY);
	nanosleep(&ts, NULL);
	rogue_stop(r);
	rogue_stats_read(r, &st);
	CHECK(st.attempts > 0, "the thread probed");
	nanosleep(&ts, NULL);
	rogue_stats_read(r, &st2);
	CHECK(st2.attempts == st.attempts, "stopped means stopped");
	rogue_stats_read(r0, &st);
	CHECK(st.attempts == 0 && st.learned > 0, "r0 learned but never probed");
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
	page_put(lab->pa, p);
	rogue_destroy(r0);
	rogue_destroy(r);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/*
 * An engine pokes its rogue after every request: the zip engine's requests
 * still complete correctly, and under strict nothing it reaches is stale or
 * a breach.
 */
static void test_engine_pokes(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct ztd *d;
	struct rogue *r;
	struct rogue_stats st;
	struct oracle_counts c;
	struct zip_config zc = { .rogue_pokes = 8 };
	struct rogue_config rc = { .seed = test_seed() ^ 6 };
	uint64_t rng = 9;
	pfn_t ps, pd, pb;

	REQUIRE(o);
	/*
	 * The engine takes its rogue at creation and the rogue needs the
	 * device: bring the driver up, then swap in an engine with the rogue.
	 */
	d = ztd_create(lab, DMA_DOMAIN_STRICT, 4, NULL);
	r = rogue_create(dma_device_mdev(d->dev), &rc);
	REQUIRE(r);
	zip_stop(d->eng, true);
	zip_destroy(d->eng);
	zc.rogue = r;
	d->eng = zip_create(dma_device_mdev(d->dev), &zc);
	REQUIRE(d->eng && zip_set_queues(d->eng, d->sq_dma, d->cq_dma, d->depth,
					 ztd_complete, d) == 0 && zip_start(d->eng) == 0);
	REQUIRE(pages_alloc(lab->pa, 0, 77, false, &ps) == 0 &&
		pages_alloc(lab->pa, 1, 77, false, &pd) == 0 &&
		pages_alloc(lab->pa, 0, 77, false, &pb) == 0);
	for (int i = 0; i < 50; i++) {
		dma_addr_t a, b;
		struct zip_cqe q;
		uint32_t clen;

		ztd_fill(va(lab, ps), PAGE_SIZE, i % 3, &rng);
		a = dma_map_single(d->dev, va(lab, ps), PAGE_SIZE, DMA_TO_DEVICE);
		b = dma_map_single(d->dev, va(lab, pd), 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		q = ztd_run(d, ZIP_OP_COMPRESS, ZIP_FMT_ZLIB, a, PAGE_SIZE, b, 2 * PAGE_SIZE, 1);
		CHECK(q.status == ZIP_ST_OK);
		clen = q.produced;
		dma_unmap_single(d->dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_single(d->dev, b, 2 * PAGE_SIZE, DMA_FROM_DEVICE);
		a = dma_map_single(d->dev, va(lab, pd), clen, DMA_TO_DEVICE);
		b = dma_map_single(d->dev, va(lab, pb), PAGE_SIZE, DMA_FROM_DEVICE);
		q = ztd_run(d, ZIP_OP_DECOMPRESS, ZIP_FMT_ZLIB, a, clen, b, PAGE_SIZE, 2);
		CHECK(q.status == ZIP_ST_OK && q.produced == PAGE_SIZE);
		dma_unmap_single(d->dev, a, clen, DMA_TO_DEVICE);
		dma_unmap_single(d->dev, b, PAGE_SIZE, DMA_FROM_DEVICE);
		CHECK(!memcmp(va(lab, pb), va(lab, ps), PAGE_SIZE), "round %d verified", i);
	}
	rogue_stats_read(r, &st);
	CHECK(st.attempts >= 100 * 8, "poked after every request: %llu",
	      (unsigned long long)st.attempts);
	CHECK(st.successes > 0, "coherent rings stay reachable");
	oracle_read(o, dma_device_mdev(d->dev), &c);
	CHECK(c.breach == 0 && c.stale == 0, "strict: breach %llu stale %llu",
	      (unsigned long long)c.breach, (unsigned long long)c.stale);
	zip_stop(d->eng, true);		/* no more pokes */
	rogue_destroy(r);		/* before its device goes */
	CHECK(ztd_destroy(d, true) == 0);
	page_put(lab->pa, ps);
	page_put(lab->pa, pd);
	page_put(lab->pa, pb);
	oracle_detach(o);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_strict_never_through_unmapped),
		TEST(test_strict_churn_zero_breach),
		TEST(test_passthrough_reaches_never_lent),
		TEST(test_lazy_freed_pages_breached),
		TEST(test_writeback_skipped_when_iova_remapped),
		TEST(test_thread_and_config),
		TEST(test_engine_pokes),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
