// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_oracle.c - the isolation oracle: every class produced on purpose
 * and counted exactly once per access chunk --
 *   ok       a normal transfer (single, multi-page, sg, coherent);
 *   subpage  a trusted strict device maps 512 bytes and reads another part
 *            of the same page; a bounced buffer's slot page;
 *   stale    lazy: unmapped, reached through the IOTLB before the flush;
 *            map once + sync_for_cpu, then reached between uses;
 *   breach   lazy: unmapped, freed and reallocated to another owner, then
 *            reached through the stale IOTLB entry inside the window (the
 *            deterministic lazy breach of issue 4); passthrough reaching a
 *            frame never lent; a retired record;
 *   blocked  strict after unmap: the IOMMU refuses, no class;
 * the free hook's count of frames freed while mapped, and of none freed
 * after their unmap (single, sg, coherent); bounded records; a model-based
 * random run under strict (seeded) in which every access is checked
 * against a simple reference and no breach ever appears; and, in virtual
 * time, a device access racing a strict unmap: ok before the call, ok or
 * blocked inside it, blocked after it returns, never stale.
 *
 * Size: over 800 lines, on purpose: one case per class and per event
 * kind, over one fixture; each is short and independent.
 */
#include "harness.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/oracle.h>
#include <dmareuse/profile.h>

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#define BLOCKED ORACLE_NCLASS	/* access_class(): the IOMMU refused */
#define NOTHING (ORACLE_NCLASS + 1)	/* access_class(): no count moved */

static struct dma_device *mkdev(struct lab *lab, enum dma_domain_type t, bool untrusted)
{
	struct dma_device_opts o = { .type = t, .untrusted = untrusted };

	return dma_device_create(lab->os, "dev", &o);
}

static void *alloc_page_of(struct lab *lab, unsigned int order, uint32_t owner, pfn_t *pfn)
{
	if (pages_alloc(lab->pa, order, owner, true, pfn))
		return NULL;
	return phys_to_virt(lab->m, *pfn << PAGE_SHIFT);
}

static uint64_t cls_count(const struct oracle_counts *c, int cls)
{
	switch (cls) {
	case ORACLE_OK: return c->ok;
	case ORACLE_STALE: return c->stale;
	case ORACLE_SUBPAGE: return c->subpage;
	case ORACLE_BREACH: return c->breach;
	default: return c->blocked;
	}
}

/*
 * Make one access of @len bytes (within one page) and return the class the
 * oracle gave it; CHECKs that exactly one count moved by exactly one.
 */
static int access_class(struct oracle *o, struct dma_device *dev, dma_addr_t a,
			size_t len, enum dev_access acc)
{
	struct mdev *hw = dma_device_mdev(dev);
	struct oracle_counts before = { 0 }, after;
	uint8_t buf[PAGE_SIZE];
	int cls = NOTHING, moved = 0, r;

	memset(buf, 0x5a, len);
	oracle_read(o, hw, &before);
	r = mdev_access(hw, a, buf, len, acc);
	oracle_read(o, hw, &after);
	for (int c = 0; c <= ORACLE_NCLASS; c++) {
		uint64_t d = cls_count(&after, c) - cls_count(&before, c);

		if (d) {
			moved++;
			cls = c;
			CHECK(d == 1, "class %d moved by %llu", c, (unsigned long long)d);
		}
	}
	CHECK(moved <= 1, "%d counts moved for one chunk", moved);
	CHECK((r == 0) == (cls != BLOCKED), "result %d vs class %d", r, cls);
	return cls;
}

/* Normal transfers of every shape are ok, one count per page chunk. */
static void test_ok_normal_transfers(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct mdev *hw = dma_device_mdev(dev);
	uint8_t *buf, tmp[3 * PAGE_SIZE], *coh;
	struct scatterlist sg[2];
	struct oracle_counts c;
	dma_addr_t a, ch;
	pfn_t pfn;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 2, 77, &pfn);
	a = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(access_class(o, dev, a, PAGE_SIZE, DEV_READ) == ORACLE_OK);
	CHECK(access_class(o, dev, a, 8, DEV_WRITE) == BLOCKED, "TO_DEVICE: read only");
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_TO_DEVICE);

	a = dma_map_single(dev, buf + 100, 6000, DMA_BIDIRECTIONAL);
	CHECK(mdev_access(hw, a, tmp, 6000, DEV_READ) == 0);
	CHECK(mdev_access(hw, a, tmp, 6000, DEV_WRITE) == 0);
	dma_unmap_single(dev, a, 6000, DMA_BIDIRECTIONAL);

	a = dma_map_single(dev, buf + PAGE_SIZE, PAGE_SIZE, DMA_FROM_DEVICE);
	CHECK(access_class(o, dev, a, 64, DEV_WRITE) == ORACLE_OK);
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);

	sg_set_page(&sg[0], pfn, 1000, 0);
	sg_set_page(&sg[1], pfn + 2, 2000, 300);
	REQUIRE(dma_map_sg(dev, sg, 2, DMA_TO_DEVICE) == 2);
	CHECK(access_class(o, dev, sg[0].dma_address, 1000, DEV_READ) == ORACLE_OK);
	CHECK(access_class(o, dev, sg[1].dma_address, 2000, DEV_READ) == ORACLE_OK);
	dma_unmap_sg(dev, sg, 2, DMA_TO_DEVICE);

	coh = dma_alloc_coherent(dev, 3 * PAGE_SIZE, &ch);
	REQUIRE(coh);
	CHECK(mdev_access(hw, ch, tmp, 3 * PAGE_SIZE, DEV_WRITE) == 0);
	CHECK(access_class(o, dev, ch + 3 * PAGE_SIZE + 8, 8, DEV_READ) == ORACLE_OK,
	      "coherent: the whole 4-page block is lent for its life");
	dma_free_coherent(dev, 3 * PAGE_SIZE, coh, ch);

	CHECK(oracle_read(o, hw, &c) == 0);
	/* 1 + 2 + 2 + 1 + 1 + 1 + 3 + 1 chunks. */
	CHECK(c.ok == 12 && c.stale == 0 && c.subpage == 0 && c.breach == 0,
	      "ok %llu stale %llu subpage %llu breach %llu", (unsigned long long)c.ok,
	      (unsigned long long)c.stale, (unsigned long long)c.subpage,
	      (unsigned long long)c.breach);
	CHECK(c.blocked == 1);
	CHECK(!strcmp(oracle_isolation(o, hw), "buffer"));
	{
		struct oracle_counts t;

		CHECK(oracle_read(o, NULL, &t) == 0 && t.ok == c.ok, "total = the one device");
	}
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	/* Every unmap, the coherent free's own page_put() included, was told first. */
	CHECK(oracle_read(o, NULL, &c) == 0 && c.freed_mapped == 0,
	      "%llu frame(s) counted freed while mapped after their unmap",
	      (unsigned long long)c.freed_mapped);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * A trusted strict device maps a 512-byte buffer: the IOMMU maps the whole
 * page, and reading the page's other bytes is subpage (and so is an access
 * that straddles the buffer's end).  An untrusted device is bounced: what
 * it reaches outside its slot is subpage too (of the bounce page).
 */
static void test_subpage(void)
{
	for (int untrusted = 0; untrusted < 2; untrusted++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct oracle *o = oracle_attach(lab->os);
		struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, untrusted);
		uint8_t *buf;
		dma_addr_t a;
		pfn_t pfn;

		REQUIRE(o && dev);
		buf = alloc_page_of(lab, 0, 77, &pfn);
		a = dma_map_single(dev, buf + 512, 512, DMA_TO_DEVICE);
		REQUIRE(!dma_mapping_error(a));
		CHECK(access_class(o, dev, a, 512, DEV_READ) == ORACLE_OK);
		CHECK(access_class(o, dev, a - 512, 64, DEV_READ) == ORACLE_SUBPAGE,
		      "another part of the page (untrusted %d)", untrusted);
		CHECK(access_class(o, dev, a + 500, 24, DEV_READ) == ORACLE_SUBPAGE,
		      "straddles the end");
		CHECK(!strcmp(oracle_isolation(o, dma_device_mdev(dev)), "page"));
		dma_unmap_single(dev, a, 512, DMA_TO_DEVICE);
		CHECK(dma_device_destroy(dev) == 0);
		page_put(lab->pa, pfn);
		oracle_detach(o);
		lab_down(lab);
	}
}

/*
 * Lazy: after unmap the IOTLB still translates, the frame still belongs to
 * its owner: stale.  After the flush the IOMMU refuses (blocked).  The flush
 * timer (10 ms) may close the window first on a loaded machine; then the
 * scenario is retried.
 */
static void test_stale_lazy_after_unmap(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_LAZY, false);
	uint8_t *buf;
	pfn_t pfn;
	int cls = BLOCKED;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 0, 77, &pfn);
	for (int attempt = 0; attempt < 10 && cls == BLOCKED; attempt++) {
		dma_addr_t a = dma_map_single(dev, buf, PAGE_SIZE, DMA_TO_DEVICE);

		CHECK(access_class(o, dev, a, 64, DEV_READ) == ORACLE_OK);
		dma_unmap_single(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		cls = access_class(o, dev, a, 64, DEV_READ);
		if (cls == ORACLE_STALE) {
			dma_flush_lazy(dev);
			CHECK(access_class(o, dev, a, 64, DEV_READ) == BLOCKED, "after flush");
		}
	}
	CHECK(cls == ORACLE_STALE, "class %d", cls);
	CHECK(!strcmp(oracle_isolation(o, dma_device_mdev(dev)), "window"));
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	oracle_detach(o);
	lab_down(lab);
}

/* Map once, hand back and forth with syncs: between uses the access is stale. */
static void test_stale_between_uses(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	uint8_t *buf;
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 0, 77, &pfn);
	a = dma_map_single(dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
	for (int use = 0; use < 3; use++) {
		CHECK(access_class(o, dev, a, 128, DEV_READ) == ORACLE_OK, "use %d", use);
		CHECK(access_class(o, dev, a, 128, DEV_WRITE) == ORACLE_OK);
		CHECK(dma_sync_single_for_cpu(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL) == 0);
		CHECK(access_class(o, dev, a + 256, 128, DEV_READ) == ORACLE_STALE,
		      "CPU owns it between uses");
		CHECK(dma_sync_single_for_device(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL) == 0);
	}
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
	CHECK(access_class(o, dev, a, 8, DEV_READ) == BLOCKED, "strict after unmap");
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Take frame @want back from the allocator for @owner: the freed frame is
 * normally the next order-0 block handed out (its buddy is kept busy by the
 * caller); a few tries are allowed.  Returns true on success.
 */
static bool realloc_frame(struct lab *lab, pfn_t want, uint32_t owner)
{
	pfn_t got[64];
	int n = 0;
	bool ok = false;

	while (n < 64) {
		if (pages_alloc(lab->pa, 0, owner, false, &got[n]))
			break;
		if (got[n] == want) {
			ok = true;
			break;
		}
		n++;
	}
	for (int i = 0; i < n; i++)
		page_put(lab->pa, got[i]);
	return ok;
}

/*
 * The deterministic lazy breach: map P, let the device use it (IOTLB
 * filled), unmap (lazy: no invalidation yet), free P, reallocate P to
 * another owner who writes a secret, and let the device use the old IOVA:
 * the stale IOTLB entry still reaches P -- the device reads the secret and
 * its write lands in the new owner's page.  Both are breaches.  Before the
 * reallocation, reaching the free frame is a breach too.
 */
static void test_breach_lazy_free_realloc(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_LAZY, false);
	struct mdev *hw = dma_device_mdev(dev);
	bool done = false;

	REQUIRE(o && dev);
	for (int attempt = 0; attempt < 10 && !done; attempt++) {
		struct dma_stats s0, s1;
		uint8_t *buf, got[16];
		pfn_t p, buddy;
		dma_addr_t a;
		int c_free, c_read, c_write;

		buf = alloc_page_of(lab, 0, 77, &p);
		REQUIRE(buf);
		/* Keep P's buddy busy so that P comes back first after its free. */
		if (pages_alloc(lab->pa, 0, 78, false, &buddy))
			break;
		dma_stats_read(dev, &s0);
		a = dma_map_single(dev, buf, PAGE_SIZE, DMA_BIDIRECTIONAL);
		CHECK(access_class(o, dev, a, 16, DEV_READ) == ORACLE_OK);
		dma_unmap_single(dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
		page_put(lab->pa, p);
		c_free = access_class(o, dev, a, 16, DEV_READ);
		if (!realloc_frame(lab, p, 99)) {
			page_put(lab->pa, buddy);
			dma_flush_lazy(dev);
			continue;
		}
		memcpy(phys_to_virt(lab->m, p << PAGE_SHIFT), "new owner secret", 16);
		c_read = access_class(o, dev, a, 16, DEV_READ);
		mdev_access(hw, a, got, 16, DEV_READ);
		c_write = access_class(o, dev, a + 64, 16, DEV_WRITE);
		dma_stats_read(dev, &s1);
		if (s1.fq_flushes == s0.fq_flushes) {
			/* The window stayed open for the whole scenario. */
			CHECK(c_free == ORACLE_BREACH, "free frame: class %d", c_free);
			CHECK(c_read == ORACLE_BREACH, "reallocated frame read: class %d", c_read);
			CHECK(c_write == ORACLE_BREACH, "reallocated frame write: class %d",
			      c_write);
			CHECK(!memcmp(got, "new owner secret", 16), "the device read the secret");
			done = true;
		}
		page_put(lab->pa, p);
		page_put(lab->pa, buddy);
		dma_flush_lazy(dev);
	}
	CHECK(done, "the lazy window never stayed open for the scenario");
	CHECK(!strcmp(oracle_isolation(o, hw), "breached"));
	{
		struct oracle_counts c;

		oracle_read(o, hw, &c);
		CHECK(c.freed_mapped == 0, "every frame was unmapped before its free");
	}
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Passthrough: the device reaches any frame.  Its own lent buffer is ok,
 * a frame lent to nobody (or free) is a breach, a buffer lent for the other
 * direction or after unmap is stale; the isolation is "none".
 */
static void test_passthrough(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_PASSTHROUGH, false);
	struct mdev *hw = dma_device_mdev(dev);
	uint8_t *x, *y;
	pfn_t px, py, pz;
	dma_addr_t a;

	REQUIRE(o && dev);
	x = alloc_page_of(lab, 0, 77, &px);
	y = alloc_page_of(lab, 0, 88, &py);
	REQUIRE(x && y && pages_alloc(lab->pa, 0, 89, false, &pz) == 0);
	page_put(lab->pa, pz);			/* a free frame */
	CHECK(!strcmp(oracle_isolation(o, hw), "unknown"), "not seen yet");
	a = dma_map_single(dev, x, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(a == px << PAGE_SHIFT, "identity");
	CHECK(!strcmp(oracle_isolation(o, hw), "none"));
	CHECK(access_class(o, dev, a, 64, DEV_READ) == ORACLE_OK);
	CHECK(access_class(o, dev, a, 64, DEV_WRITE) == ORACLE_SUBPAGE,
	      "lent for reading only");
	CHECK(access_class(o, dev, py << PAGE_SHIFT, 64, DEV_READ) == ORACLE_BREACH,
	      "never lent");
	CHECK(access_class(o, dev, pz << PAGE_SHIFT, 64, DEV_READ) == ORACLE_BREACH,
	      "free frame");
	dma_unmap_single(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(access_class(o, dev, a, 64, DEV_READ) == ORACLE_STALE, "after unmap");
	CHECK(!strcmp(oracle_isolation(o, hw), "none"), "none even with breaches");
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, px);
	page_put(lab->pa, py);
	oracle_detach(o);
	lab_down(lab);
}

/* The free hook: a frame freed while still mapped is counted (a driver bug). */
static void test_freed_while_mapped(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct oracle_counts c;
	uint8_t *buf;
	dma_addr_t a;
	pfn_t pfn;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 1, 77, &pfn);
	a = dma_map_single(dev, buf, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	page_put(lab->pa, pfn);			/* the bug */
	oracle_read(o, dma_device_mdev(dev), &c);
	CHECK(c.freed_mapped == 2, "two frames freed under a live mapping: %llu",
	      (unsigned long long)c.freed_mapped);
	CHECK(access_class(o, dev, a, 8, DEV_READ) == ORACLE_BREACH, "use after free");
	dma_unmap_single(dev, a, 2 * PAGE_SIZE, DMA_TO_DEVICE);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * Records of unmapped buffers are bounded: beyond max_dead the oldest is
 * retired.  An access through a stale IOTLB entry whose record was retired
 * is a breach (documented, conservative); one whose record is kept, stale.
 */
static void test_retired_records_bounded(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle_opts opts = { .max_dead = 4 };
	struct oracle *o = oracle_attach_opts(lab->os, &opts);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_LAZY, false);
	struct oracle_stats st;
	bool done = false;
	uint8_t *buf;
	pfn_t pfn;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 3, 77, &pfn);
	for (int attempt = 0; attempt < 10 && !done; attempt++) {
		dma_addr_t a[8];
		struct dma_stats s0, s1;
		int first, last;

		dma_stats_read(dev, &s0);
		for (int i = 0; i < 8; i++) {
			a[i] = dma_map_single(dev, buf + i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE);
			CHECK(access_class(o, dev, a[i], 8, DEV_READ) == ORACLE_OK);
			dma_unmap_single(dev, a[i], PAGE_SIZE, DMA_TO_DEVICE);
		}
		first = access_class(o, dev, a[0], 8, DEV_READ);
		last = access_class(o, dev, a[7], 8, DEV_READ);
		dma_stats_read(dev, &s1);
		if (s1.fq_flushes == s0.fq_flushes) {
			CHECK(first == ORACLE_BREACH, "retired record: class %d", first);
			CHECK(last == ORACLE_STALE, "kept record: class %d", last);
			done = true;
		}
		dma_flush_lazy(dev);
	}
	CHECK(done, "the lazy window never stayed open");
	oracle_stats_read(o, &st);
	CHECK(st.records_dead == 4 && st.records_live == 0, "dead %llu live %llu",
	      (unsigned long long)st.records_dead, (unsigned long long)st.records_live);
	CHECK(st.retired >= 4 && st.unknown_events == 0);
	CHECK(st.devices == 1);
	CHECK(dma_device_destroy(dev) == 0);
	page_put(lab->pa, pfn);
	oracle_detach(o);
	lab_down(lab);
}

/* Several devices: counts per device, the total is their sum; detach is clean. */
static void test_per_device_and_total(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *d1 = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct dma_device *d2 = mkdev(lab, DMA_DOMAIN_PASSTHROUGH, false);
	struct oracle_dev_report rep[4];
	struct oracle_counts t;
	struct oracle_finding f[8];
	uint8_t *buf;
	dma_addr_t a1, a2;
	pfn_t pfn;

	REQUIRE(o && d1 && d2);
	buf = alloc_page_of(lab, 0, 77, &pfn);
	a1 = dma_map_single(d1, buf, 256, DMA_TO_DEVICE);
	a2 = dma_map_single(d2, buf + 256, 256, DMA_TO_DEVICE);
	CHECK(access_class(o, d1, a1, 256, DEV_READ) == ORACLE_OK);
	CHECK(access_class(o, d1, a1 + 256, 16, DEV_READ) == ORACLE_SUBPAGE,
	      "bytes lent to another device only");
	CHECK(access_class(o, d2, a2, 256, DEV_READ) == ORACLE_OK);
	CHECK(access_class(o, d2, a2 + 4096, 16, DEV_READ) == ORACLE_BREACH);
	CHECK(oracle_read_all(o, rep, 4) == 2);
	CHECK(rep[0].counts.ok == 1 && rep[0].counts.subpage == 1 && !rep[0].passthrough);
	CHECK(rep[1].counts.ok == 1 && rep[1].counts.breach == 1 && rep[1].passthrough);
	CHECK(!strcmp(rep[0].isolation, "page") && !strcmp(rep[1].isolation, "none"));
	oracle_read(o, NULL, &t);
	CHECK(t.ok == 2 && t.subpage == 1 && t.breach == 1);
	CHECK(oracle_findings_read(o, f, 8) == 2 && f[1].cls == ORACLE_BREACH);
	dma_unmap_single(d1, a1, 256, DMA_TO_DEVICE);
	dma_unmap_single(d2, a2, 256, DMA_TO_DEVICE);
	CHECK(dma_device_destroy(d1) == 0 && dma_device_destroy(d2) == 0);
	page_put(lab->pa, pfn);
	oracle_detach(o);
	/* A second oracle on the same OS works after the first is gone. */
	o = oracle_attach(lab->os);
	CHECK(o != NULL);
	oracle_detach(o);
	lab_down(lab);
}

static void nop_free_hook(void *arg, pfn_t pfn, unsigned int order)
{
	(void)arg;
	(void)pfn;
	(void)order;
}

static void nop_observer(void *arg, const struct mdev *hw, dma_addr_t addr, pfn_t pfn,
			 size_t len, enum dev_access acc, bool ok)
{
	(void)arg;
	(void)hw;
	(void)addr;
	(void)pfn;
	(void)len;
	(void)acc;
	(void)ok;
}

/*
 * An oracle that cannot install its page free hook would miss every frame
 * freed while mapped: attach must fail, and fail cleanly -- no DMA
 * observer and no machine observer left behind.  It broke: the allocator
 * dropped the fifth hook with a message and attach returned an oracle that
 * never counted freed_mapped.
 */
static void test_attach_fails_without_free_hook(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct dma_device_opts opts = { .type = DMA_DOMAIN_STRICT, .no_debug = true };
	struct dma_device *dev;
	struct oracle *o;

	REQUIRE(lab);
	for (int i = 0; i < 4; i++)
		page_alloc_add_free_hook(lab->pa, nop_free_hook, NULL);
	o = oracle_attach(lab->os);
	CHECK(o == NULL, "attached without a free hook");
	if (o)
		oracle_detach(o);
	dev = dma_device_create(lab->os, "dev", &opts);
	REQUIRE(dev);
	CHECK(!dma_need_sync(dev, 0), "a DMA observer was left installed");
	/* Every added observer slot is free again. */
	for (int i = 1; i < MACHINE_MAX_OBSERVERS; i++)
		CHECK(machine_add_observer(lab->m, nop_observer, NULL) == 0,
		      "observer slot %d taken", i);
	for (int i = 1; i < MACHINE_MAX_OBSERVERS; i++)
		machine_remove_observer(lab->m, nop_observer, NULL);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/* ---- model-based random run under strict ---------------------------------- */

#define POOL 12
#define MAXMAP 32

struct rmap {
	dma_addr_t addr;
	size_t size;
	phys_addr_t phys;
	enum dma_data_direction dir;
	bool lent;			/* false after sync_for_cpu */
};

struct model {
	struct rmap live[MAXMAP];
	int nlive;
};

static bool dir_ok(enum dma_data_direction d, enum dev_access acc)
{
	return d == DMA_BIDIRECTIONAL || (acc == DEV_READ ? d == DMA_TO_DEVICE :
					  d == DMA_FROM_DEVICE);
}

/*
 * Is [p, p + n) covered by the union of live mappings: kind 0 those lent
 * for @acc, kind 1 those plus the ones synced for the CPU?
 */
static bool ref_covered(struct model *md, phys_addr_t p, size_t n, int kind,
			enum dev_access acc)
{
	phys_addr_t cur = p, end = p + n;

	while (cur < end) {
		phys_addr_t next = cur;

		for (int i = 0; i < md->nlive; i++) {
			struct rmap *m = &md->live[i];
			bool take = kind == 0 ? m->lent && dir_ok(m->dir, acc) :
				    !m->lent || dir_ok(m->dir, acc);

			if (take && m->phys <= cur && m->phys + m->size > next)
				next = m->phys + m->size;
		}
		if (next == cur)
			return false;
		cur = next;
	}
	return true;
}

/*
 * The class docs/design.md section 8 gives an access reaching [p, p + n) under
 * strict, where only live mappings translate, so history never matters:
 * lent bytes are ok, mapped bytes the CPU owns are stale, other bytes of a
 * page lent now are subpage, and a page mapped but wholly owned by the CPU
 * is stale.
 */
static int ref_class(struct model *md, phys_addr_t p, size_t n, enum dev_access acc)
{
	phys_addr_t page = p & PAGE_MASK;

	if (ref_covered(md, p, n, 0, acc))
		return ORACLE_OK;
	if (ref_covered(md, p, n, 1, acc))
		return ORACLE_STALE;
	for (int i = 0; i < md->nlive; i++) {
		struct rmap *m = &md->live[i];

		if (m->lent && m->phys < page + PAGE_SIZE && m->phys + m->size > page)
			return ORACLE_SUBPAGE;
	}
	/* Strict: reached through a live mapping the CPU owns now. */
	return ORACLE_STALE;
}

/*
 * Random maps (sub-page to two pages, any direction), syncs, unmaps, page
 * frees and reallocations, and device accesses of one page chunk at live
 * or old addresses.  Each access must succeed exactly when the reference's
 * IOVA table says strict allows it, and get the reference's class.  No
 * breach can appear under strict.
 */
static void test_random_strict_against_reference(void)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, DMA_DOMAIN_STRICT, false);
	struct mdev *hw = dma_device_mdev(dev);
	uint64_t rng = test_seed();
	static struct model md;
	dma_addr_t old[64] = { 0 };
	pfn_t pool[POOL];
	struct oracle_counts c;
	int nold = 0, mismatches = 0, accesses = 0;

	REQUIRE(o && dev);
	memset(&md, 0, sizeof(md));
	for (int i = 0; i < POOL; i++)
		REQUIRE(pages_alloc(lab->pa, 1, 77, true, &pool[i]) == 0);
	for (int step = 0; step < 6000; step++) {
		unsigned int op = (unsigned int)(test_rand(&rng) % 100);

		if (op < 25 && md.nlive < MAXMAP) {
			int k = (int)(test_rand(&rng) % POOL);
			size_t off = test_rand(&rng) % PAGE_SIZE;
			size_t size = 1 + test_rand(&rng) % (2 * PAGE_SIZE - off);
			enum dma_data_direction dir =
				(enum dma_data_direction)(test_rand(&rng) % 3);
			phys_addr_t phys = (pool[k] << PAGE_SHIFT) + off;
			dma_addr_t a = dma_map_page(dev, pool[k], off, size, dir);

			REQUIRE(!dma_mapping_error(a));
			md.live[md.nlive++] = (struct rmap){ a, size, phys, dir, true };
		} else if (op < 40 && md.nlive) {
			int i = (int)(test_rand(&rng) % md.nlive);
			struct rmap *m = &md.live[i];

			CHECK(dma_unmap_page(dev, m->addr, m->size, m->dir) == 0);
			old[nold++ % 64] = m->addr;
			*m = md.live[--md.nlive];
		} else if (op < 50 && md.nlive) {
			struct rmap *m = &md.live[test_rand(&rng) % md.nlive];

			int r = m->lent ?
				dma_sync_single_for_cpu(dev, m->addr, m->size, m->dir) :
				dma_sync_single_for_device(dev, m->addr, m->size, m->dir);

			CHECK(r == 0);
			m->lent = !m->lent;
		} else if (op < 53) {
			/* Free and reallocate a pool block that nothing maps. */
			int k = (int)(test_rand(&rng) % POOL);
			bool mapped = false;

			for (int i = 0; i < md.nlive; i++)
				mapped |= md.live[i].phys >> (PAGE_SHIFT + 1) == pool[k] >> 1;
			if (mapped)
				continue;
			page_put(lab->pa, pool[k]);
			REQUIRE(pages_alloc(lab->pa, 1, 77, true, &pool[k]) == 0);
		} else if (md.nlive || nold) {
			/* A device access within one page at a live or an old address. */
			bool use_old = nold && (!md.nlive || test_rand(&rng) % 4 == 0);
			dma_addr_t base = use_old ? old[test_rand(&rng) % (nold < 64 ? nold : 64)] :
				md.live[test_rand(&rng) % md.nlive].addr;
			dma_addr_t a = (base & PAGE_MASK) + (test_rand(&rng) % 2) * PAGE_SIZE +
				       test_rand(&rng) % PAGE_SIZE;
			size_t n = 1 + test_rand(&rng) % 256;
			enum dev_access acc = test_rand(&rng) & 1 ? DEV_READ : DEV_WRITE;
			int want = BLOCKED, got;
			struct rmap *m = NULL;

			if ((a & ~PAGE_MASK) + n > PAGE_SIZE)
				n = PAGE_SIZE - (a & ~PAGE_MASK);
			/* Strict: only live mappings translate; whole pages, dir perms. */
			for (int i = 0; i < md.nlive; i++) {
				struct rmap *x = &md.live[i];
				dma_addr_t s = x->addr & PAGE_MASK;
				dma_addr_t e = (x->addr + x->size + PAGE_SIZE - 1) & PAGE_MASK;

				if (a >= s && a < e)
					m = x;
			}
			if (m && dir_ok(m->dir, acc)) {
				phys_addr_t p = (m->phys & PAGE_MASK) +
						((a & PAGE_MASK) - (m->addr & PAGE_MASK)) +
						(a & ~PAGE_MASK);

				want = ref_class(&md, p, n, acc);
			}
			got = access_class(o, dev, a, n, acc);
			accesses++;
			if (got != want && mismatches++ < 5)
				CHECK(got == want, "step %d: %s %zu B at %#llx: class %d, ref %d",
				      step, acc == DEV_READ ? "read" : "write", n,
				      (unsigned long long)a, got, want);
		}
	}
	CHECK(mismatches == 0, "%d of %d accesses differ from the reference", mismatches,
	      accesses);
	oracle_read(o, hw, &c);
	CHECK(c.breach == 0, "strict: %llu breaches", (unsigned long long)c.breach);
	CHECK(c.ok > 100 && c.subpage > 10 && c.stale > 10 && c.blocked > 100,
	      "every class seen: ok %llu subpage %llu stale %llu blocked %llu",
	      (unsigned long long)c.ok, (unsigned long long)c.subpage,
	      (unsigned long long)c.stale, (unsigned long long)c.blocked);
	while (md.nlive) {
		struct rmap *m = &md.live[--md.nlive];

		dma_unmap_page(dev, m->addr, m->size, m->dir);
	}
	for (int i = 0; i < POOL; i++)
		page_put(lab->pa, pool[i]);
	CHECK(dma_device_destroy(dev) == 0);
	oracle_detach(o);
	lab_down(lab);
}

/* One domain type: see test_teardown_tells_oracle(). */
static void teardown_tells_oracle(enum dma_domain_type t)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device *dev = mkdev(lab, t, false);
	const char *dn = dma_domain_type_name(t);
	struct scatterlist sg[2];
	struct oracle_counts c;
	struct oracle_stats st;
	dma_addr_t ca;
	pfn_t p1, p2;
	uint8_t *buf, *coh;

	REQUIRE(o && dev);
	buf = alloc_page_of(lab, 0, 77, &p1);
	REQUIRE(buf && alloc_page_of(lab, 1, 77, &p2));
	REQUIRE(!dma_mapping_error(dma_map_single(dev, buf, 64, DMA_TO_DEVICE)));
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], p2, PAGE_SIZE, 0);
	sg_set_page(&sg[1], p2 + 1, PAGE_SIZE, 0);
	REQUIRE(dma_map_sg(dev, sg, 2, DMA_FROM_DEVICE) == 2);
	coh = dma_alloc_coherent(dev, PAGE_SIZE, &ca);
	REQUIRE(coh);
	oracle_stats_read(o, &st);
	CHECK(st.records_live == 4, "%s: %llu records lent", dn,
	      (unsigned long long)st.records_live);
	CHECK(dma_device_destroy(dev) == 4, "%s: four live mappings reported", dn);
	oracle_stats_read(o, &st);
	CHECK(st.records_live == 0 && st.unknown_events == 0,
	      "%s: %llu record(s) still lent after teardown, %llu unknown event(s)", dn,
	      (unsigned long long)st.records_live, (unsigned long long)st.unknown_events);
	page_put(lab->pa, p1);
	page_put(lab->pa, p2);
	page_put(lab->pa, virt_to_phys(lab->m, coh) >> PAGE_SHIFT);
	oracle_read(o, NULL, &c);
	CHECK(c.freed_mapped == 0, "%s: %llu frame(s) counted freed while mapped after "
	      "the device was gone", dn, (unsigned long long)c.freed_mapped);
	oracle_detach(o);
	lab_down(lab);
}

/*
 * dma_device_destroy() tears down the mappings dma_debug still records --
 * single, scatterlist and coherent -- and the oracle hears of each as of
 * an unmap: no record stays lent, no event is unknown, and frames freed
 * after the device is gone are not counted as freed while mapped.  It
 * broke: teardown unmapped behind the observer's back, so the oracle kept
 * every such buffer lent and counted freed_mapped for each frame later
 * freed.
 */
static void test_teardown_tells_oracle(void)
{
	for (int t = DMA_DOMAIN_PASSTHROUGH; t <= DMA_DOMAIN_LAZY; t++)
		teardown_tells_oracle((enum dma_domain_type)t);
}

/*
 * One dma_iova_unlink() over a part holding several links retires every
 * link's record: two links that touch (one run of pages contiguous in IOVA
 * and physical memory with one permission), a hole, and a third link.
 * It broke: the unlink sent one event for the whole part, so the oracle
 * retired the first link only and kept the others lent -- a later access
 * was blocked but the frames, once freed, counted as freed while mapped.
 */
static void test_iova_unlink_retires_every_link(void)
{
	for (int t = DMA_DOMAIN_STRICT; t <= DMA_DOMAIN_LAZY; t++) {
		struct lab *lab = lab_up(32, 1, "ideal");
		struct oracle *o = oracle_attach(lab->os);
		struct dma_device *dev = mkdev(lab, (enum dma_domain_type)t, false);
		const char *dn = dma_domain_type_name((enum dma_domain_type)t);
		struct dma_iova_state state;
		struct oracle_counts c;
		struct oracle_stats st;
		pfn_t p, q;

		REQUIRE(o && dev);
		REQUIRE(alloc_page_of(lab, 2, 77, &p) && alloc_page_of(lab, 0, 77, &q));
		REQUIRE(dma_iova_try_alloc(dev, &state, 8 * PAGE_SIZE) == 0);
		CHECK(dma_iova_link(dev, &state, p << PAGE_SHIFT, 0, PAGE_SIZE,
				    DMA_TO_DEVICE) == 0);
		CHECK(dma_iova_link(dev, &state, (p + 1) << PAGE_SHIFT, PAGE_SIZE,
				    2 * PAGE_SIZE, DMA_TO_DEVICE) == 0);
		CHECK(dma_iova_link(dev, &state, q << PAGE_SHIFT, 5 * PAGE_SIZE, PAGE_SIZE,
				    DMA_BIDIRECTIONAL) == 0);
		CHECK(dma_iova_sync(dev, &state, 0, 8 * PAGE_SIZE) == 0);
		CHECK(access_class(o, dev, state.addr + 2 * PAGE_SIZE, 8, DEV_READ) == ORACLE_OK);
		CHECK(access_class(o, dev, state.addr + 5 * PAGE_SIZE, 8, DEV_WRITE) ==
		      ORACLE_OK);
		dma_iova_unlink(dev, &state, 0, 8 * PAGE_SIZE, DMA_BIDIRECTIONAL);
		oracle_stats_read(o, &st);
		CHECK(st.records_live == 0 && st.records_dead == 3 && st.unknown_events == 0,
		      "%s: after the unlink %llu lent, %llu dead, %llu unknown", dn,
		      (unsigned long long)st.records_live, (unsigned long long)st.records_dead,
		      (unsigned long long)st.unknown_events);
		CHECK(access_class(o, dev, state.addr + 2 * PAGE_SIZE, 8, DEV_READ) == BLOCKED);
		dma_iova_free(dev, &state);
		page_put(lab->pa, p);
		page_put(lab->pa, q);
		oracle_read(o, dma_device_mdev(dev), &c);
		CHECK(c.freed_mapped == 0, "%s: %llu frame(s) freed while mapped", dn,
		      (unsigned long long)c.freed_mapped);
		CHECK(dma_device_destroy(dev) == 0);
		oracle_detach(o);
		lab_down(lab);
	}
}

/* ---- a device access racing a strict unmap (virtual time) ---------------- */

/* Where the CPU is when a probe starts and ends (unmap_race.phase). */
enum race_phase { PH_LENT, PH_IN_CALL, PH_RETURNED, PH_COUNT };

#define RACE_ROUNDS 24

struct unmap_race {
	struct lab *lab;
	struct oracle *o;
	struct dma_device *dev;
	dma_addr_t addr;
	unsigned int round;
	_Atomic int phase;		/* enum race_phase */
	_Atomic bool stop;
	/* Probes whose phase did not change while they ran, by phase and class. */
	uint64_t n[PH_COUNT][NOTHING + 1];
	uint64_t straddled[NOTHING + 1];	/* the others, by class */
};

/* The device: probe the buffer every few ns until told to stop. */
static void *race_prober(void *arg)
{
	struct unmap_race *u = arg;

	mclock_spend(3 * u->round);		/* a different interleaving each round */
	while (!atomic_load(&u->stop)) {
		int before = atomic_load(&u->phase), after, cls;

		cls = access_class(u->o, u->dev, u->addr, 64, DEV_READ);
		after = atomic_load(&u->phase);
		if (before == after)
			u->n[before][cls]++;
		else
			u->straddled[cls]++;
		mclock_spend(7);
	}
	return NULL;
}

/* The CPU: map, let the device use it, unmap while it probes, watch after. */
static void race_body(void *arg)
{
	struct unmap_race *u = arg;
	uint8_t *buf;
	pfn_t pfn;

	u->lab = lab_up(32, 1, "kunpeng920-smmuv3");
	if (!u->lab) {
		CHECK(0, "no lab");
		return;
	}
	u->o = oracle_attach(u->lab->os);
	u->dev = mkdev(u->lab, DMA_DOMAIN_STRICT, false);
	buf = alloc_page_of(u->lab, 0, 77, &pfn);
	if (!u->o || !u->dev || !buf) {
		CHECK(0, "no oracle, device or page");
		return;
	}
	for (u->round = 0; u->round < RACE_ROUNDS; u->round++) {
		struct mthread t;

		u->addr = dma_map_single(u->dev, buf, PAGE_SIZE, DMA_TO_DEVICE);
		CHECK(!dma_mapping_error(u->addr));
		atomic_store(&u->phase, PH_LENT);
		atomic_store(&u->stop, false);
		if (mthread_create(&t, "prober", race_prober, u)) {
			CHECK(0, "no prober thread");
			break;
		}
		mclock_spend(500);
		atomic_store(&u->phase, PH_IN_CALL);
		CHECK(dma_unmap_single(u->dev, u->addr, PAGE_SIZE, DMA_TO_DEVICE) == 0);
		atomic_store(&u->phase, PH_RETURNED);
		mclock_spend(500);
		atomic_store(&u->stop, true);
		mthread_join(&t, NULL);
	}
	CHECK(dma_device_destroy(u->dev) == 0);
	page_put(u->lab->pa, pfn);
	oracle_detach(u->o);
	lab_down(u->lab);
}

/*
 * A device access racing a strict unmap, in virtual time on
 * kunpeng920-smmuv3 (deterministic): the device probes a lent buffer every
 * few ns while the CPU unmaps it, 24 times at shifted offsets.  Lending
 * ends when the unmap returns, so an access before the call is ok, one
 * inside the call is ok (it went through the translation still there) or
 * blocked (the PTE and the IOTLB entry gone), one after the return is
 * blocked -- and none is stale, whenever it landed.  It broke: the oracle
 * heard of the unmap before the PTE was cleared, so an access inside the
 * call, before the invalidation, counted stale and strict showed `window`.
 */
static void test_access_racing_strict_unmap_is_never_stale(void)
{
	static struct unmap_race u;
	struct platform_profile prof;
	struct vtime_cfg cfg;
	char err[256];
	uint64_t in_call = 0, straddled = 0;

	memset(&u, 0, sizeof(u));
	REQUIRE(profile_load("kunpeng920-smmuv3", &prof, err, sizeof(err)) == 0, "%s", err);
	REQUIRE(profile_vtime_cfg(&prof, &cfg) == 0);
	REQUIRE(vtime_run(&cfg, race_body, &u, NULL) == 0);
	for (int c = 0; c <= NOTHING; c++) {
		in_call += u.n[PH_IN_CALL][c];
		straddled += u.straddled[c];
	}
	CHECK(u.n[PH_LENT][ORACLE_OK] > 0 && !u.n[PH_LENT][ORACLE_STALE] &&
	      !u.n[PH_LENT][BLOCKED],
	      "before the call: %llu ok, %llu stale, %llu blocked",
	      (unsigned long long)u.n[PH_LENT][ORACLE_OK],
	      (unsigned long long)u.n[PH_LENT][ORACLE_STALE],
	      (unsigned long long)u.n[PH_LENT][BLOCKED]);
	CHECK(u.n[PH_IN_CALL][ORACLE_OK] > 0 && u.n[PH_IN_CALL][BLOCKED] > 0 &&
	      u.n[PH_IN_CALL][ORACLE_OK] + u.n[PH_IN_CALL][BLOCKED] == in_call,
	      "inside the call: %llu ok, %llu blocked, %llu stale of %llu",
	      (unsigned long long)u.n[PH_IN_CALL][ORACLE_OK],
	      (unsigned long long)u.n[PH_IN_CALL][BLOCKED],
	      (unsigned long long)u.n[PH_IN_CALL][ORACLE_STALE], (unsigned long long)in_call);
	CHECK(u.n[PH_RETURNED][BLOCKED] > 0 && u.n[PH_RETURNED][ORACLE_OK] == 0 &&
	      u.n[PH_RETURNED][ORACLE_STALE] == 0,
	      "after the return: %llu blocked, %llu ok, %llu stale",
	      (unsigned long long)u.n[PH_RETURNED][BLOCKED],
	      (unsigned long long)u.n[PH_RETURNED][ORACLE_OK],
	      (unsigned long long)u.n[PH_RETURNED][ORACLE_STALE]);
	CHECK(u.straddled[ORACLE_OK] + u.straddled[BLOCKED] == straddled,
	      "probes across a phase change: %llu stale of %llu",
	      (unsigned long long)u.straddled[ORACLE_STALE], (unsigned long long)straddled);
	for (int ph = 0; ph < PH_COUNT; ph++)
		CHECK(!u.n[ph][ORACLE_SUBPAGE] && !u.n[ph][ORACLE_BREACH] && !u.n[ph][NOTHING],
		      "phase %d: subpage %llu breach %llu unclassified %llu", ph,
		      (unsigned long long)u.n[ph][ORACLE_SUBPAGE],
		      (unsigned long long)u.n[ph][ORACLE_BREACH],
		      (unsigned long long)u.n[ph][NOTHING]);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_ok_normal_transfers),
		TEST(test_subpage),
		TEST(test_stale_lazy_after_unmap),
		TEST(test_stale_between_uses),
		TEST(test_breach_lazy_free_realloc),
		TEST(test_passthrough),
		TEST(test_freed_while_mapped),
		TEST(test_retired_records_bounded),
		TEST(test_per_device_and_total),
		TEST(test_attach_fails_without_free_hook),
		TEST(test_random_strict_against_reference),
		TEST(test_teardown_tells_oracle),
		TEST(test_iova_unlink_retires_every_link),
		TEST(test_access_racing_strict_unmap_is_never_stale),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
