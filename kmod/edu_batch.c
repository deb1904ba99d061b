// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_batch.c - the batch strategy's isolation tests, run after its round
 * trips (edu_isolation.c schedules them).
 *
 * The batch mechanism (reuse/batch.c, bound in kmod/osdep_linux.c) clears a
 * mapping's PTEs at unmap and defers its IOTLB invalidation into a per-CPU
 * batch; the page is released -- its reference dropped, or its owner told
 * -- only after the batch's flush.  These tests check each half of that on
 * the emulated VT-d:
 *
 * stale_batch_before_flush  map a target page through a batch object, let
 *                           the device read through it (the IOTLB now
 *                           holds the translation), rbatch_unmap(), then a
 *                           device write to the old IOVA before any flush.
 *                           It may land (the window) or fault: the line
 *                           reports which; both pass where an IOMMU
 *                           translates.  The page must still be held.
 * stale_batch_after_flush   then rbatch_flush() -- the completion pass --
 *                           and the same write again: it must be blocked,
 *                           with a DMAR fault record at the IOVA (the
 *                           harness checks), and the batch's reference
 *                           must be gone.
 * batch_page_held           the owner frees its page right after
 *                           rbatch_unmap(): the page must stay allocated
 *                           (the batch's reference) until the flush, and
 *                           go back to the allocator at the flush
 *                           (refcount 0).  A second buffer unmapped with
 *                           rbatch_unmap_notify() must have its owner told
 *                           only at the flush, and only after the IOTLB
 *                           invalidation was issued (the binding's count
 *                           of invalidations, read inside the callback,
 *                           has grown).  Moving the release before the
 *                           flush fails either check.
 * batch_invalidations       16 map+unmap pairs through a batch of size 1
 *                           must issue 16 invalidations, one per unmap, as
 *                           strict does; 16 through a batch of 64 none
 *                           until rbatch_flush(), then one.
 *
 * Under passthrough there is nothing to defer: every write lands, nothing
 * is held, nothing is invalidated, and the tests check exactly that.
 *
 * bench batch_parts         not a test: where a batch pair's time goes, in
 *                           ns per operation over PARTS_LOOPS each -- an
 *                           IOVA alloc+free of Linux's allocator, a page's
 *                           iommu_map_atomic()+iommu_unmap_fast() in the
 *                           batch domain (no invalidation), one
 *                           domain-wide IOTLB flush with its wait, and
 *                           whole rbatch pairs at batch sizes 64 and 1.
 *                           Printed as a "RESULT bench" line, which the
 *                           harness does not judge (TCG timings).
 *
 * While a batch object exists the device reaches only batch mappings (see
 * strategy_batch.c), so these tests make their objects after the device
 * buffer was loaded with the pattern and use no DMA-API mapping meanwhile.
 */
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "edu_int.h"

#define COUNTED_PAIRS	16u

#define PARTS_LOOPS	4096u
/* The parts benchmark maps here: far below the batch allocator's IOVAs,
 * which it hands out top-down from just under 0xfee00000.
 */
#define PARTS_IOVA	0x10000000ul

/* Whether the boot's IOMMU translates this device (strict or lazy). */
static bool translating(const struct edu_stale_env *env)
{
	return !strcmp(env->mode, "strict") || !strcmp(env->mode, "lazy");
}

/* ---- stale_batch_before_flush, stale_batch_after_flush -------------------- */

struct window_arg {
	struct rbatch *b;
	struct rmap_handle *h;
};

static int release_unmap(void *arg)
{
	struct window_arg *w = arg;

	return rbatch_unmap(w->b, w->h);
}

static int release_flush(void *arg)
{
	struct window_arg *w = arg;

	rbatch_flush(w->b);
	return 0;
}

static void test_batch_window(struct edu_stale_env *env)
{
	const char *before = "stale_batch_before_flush", *after = "stale_batch_after_flush";
	const char *out1 = "", *out2 = "";
	struct device *dev = env->edu->dev;
	ssize_t changed1 = -1, changed2 = -1;
	int refs_unmapped, refs_flushed;
	struct reuse_stats st1, st2;
	struct window_arg w;
	struct rmap_handle h;
	struct rbatch *b;
	struct page *pg;
	char extra[96];
	bool pass;
	u8 *tgt;
	int ret;

	b = dmareuse_batch_create(dev, RBATCH_DEFAULT_SIZE);
	pg = edu_stale_target();
	if (!b || !pg) {
		edu_stale_fail(env, before, b ? "out of memory" : "batch object not created",
			       -ENOMEM);
		edu_stale_fail(env, after, "not run", -ENOMEM);
		goto out;
	}
	tgt = page_address(pg);
	ret = rbatch_map(b, pg, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h);
	if (ret) {
		edu_stale_fail(env, before, "rbatch_map", ret);
		edu_stale_fail(env, after, "not run", ret);
		goto out;
	}
	ret = edu_stale_warm(env, h.dma);
	if (ret) {
		rbatch_unmap(b, &h);
		edu_stale_fail(env, before, "warm-up read", ret);
		edu_stale_fail(env, after, "not run", ret);
		goto out;
	}
	w = (struct window_arg){ .b = b, .h = &h };
	ret = edu_stale_fire(env, h.dma, tgt, release_unmap, &w, &out1, &changed1);
	if (ret) {
		edu_stale_fail(env, before, "unmap or stale transfer", ret);
		edu_stale_fail(env, after, "not run", ret);
		goto out;
	}
	refs_unmapped = page_ref_count(pg);
	rbatch_stats(b, &st1);
	if (translating(env))
		pass = (!strcmp(out1, "blocked") || !strcmp(out1, "reachable")) &&
		       refs_unmapped == 2 && st1.deferred == 1 && st1.flushes == 0;
	else
		pass = !strcmp(out1, "reachable") && refs_unmapped == 1 && st1.deferred == 0;
	scnprintf(extra, sizeof(extra), "page_refs=%d deferred=%llu flushes=%llu",
		  refs_unmapped, (unsigned long long)st1.deferred,
		  (unsigned long long)st1.flushes);
	edu_stale_report(env, before, pass, out1, h.dma, changed1, extra);

	/* The same write after the flush; the page first back to its fill. */
	memset(tgt, EDU_STALE_FILL, PAGE_SIZE);
	ret = edu_stale_fire(env, h.dma, tgt, release_flush, &w, &out2, &changed2);
	if (ret) {
		edu_stale_fail(env, after, "flush or stale transfer", ret);
		goto out;
	}
	refs_flushed = page_ref_count(pg);
	rbatch_stats(b, &st2);
	if (translating(env))
		pass = !strcmp(out2, "blocked") && refs_flushed == 1 && st2.flushes == 1 &&
		       st2.pages_pinned == 0;
	else
		pass = !strcmp(out2, "reachable") && refs_flushed == 1;
	scnprintf(extra, sizeof(extra), "page_refs=%d flushes=%llu held=%llu",
		  refs_flushed, (unsigned long long)st2.flushes,
		  (unsigned long long)st2.pages_pinned);
	edu_stale_report(env, after, pass, out2, h.dma, changed2, extra);
out:
	dmareuse_batch_destroy(b);
	if (pg)
		__free_page(pg);
}

/* ---- batch_page_held ------------------------------------------------------ */

/**
 * struct notify_arg - what the owner of a notified buffer saw.
 * @dev:	  the device, to read the invalidation count.
 * @calls:	  times it was told.
 * @flushes_seen: the binding's invalidation count when it was told.
 */
struct notify_arg {
	struct device *dev;
	unsigned int calls;
	u64 flushes_seen;
};

static void owner_told(void *arg)
{
	struct notify_arg *n = arg;

	n->calls++;
	n->flushes_seen = dmareuse_batch_flushes(n->dev);
}

static void test_batch_page_held(struct edu_stale_env *env)
{
	const char *name = "batch_page_held";
	struct device *dev = env->edu->dev;
	struct notify_arg n = { .dev = dev };
	int refs_unmapped, refs_owner_freed, refs_after;
	unsigned int calls_before;
	struct rmap_handle h, h2;
	unsigned long flags;
	struct reuse_stats st;
	u64 flushes_at_unmap;
	struct page *pg;
	struct rbatch *b;
	char extra[192];
	bool pass;
	u8 *buf;
	int ret;

	b = dmareuse_batch_create(dev, RBATCH_DEFAULT_SIZE);
	pg = alloc_page(GFP_KERNEL);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!b || !pg || !buf) {
		edu_stale_fail(env, name, b ? "out of memory" : "batch object not created",
			       -ENOMEM);
		if (pg)
			__free_page(pg);
		goto out;
	}
	ret = rbatch_map(b, pg, 0, PAGE_SIZE, DMA_TO_DEVICE, &h);
	if (!ret) {
		ret = rbatch_map(b, virt_to_page(buf), offset_in_page(buf), 512,
				 DMA_FROM_DEVICE, &h2);
		if (ret)
			rbatch_unmap(b, &h);
	}
	if (ret) {
		edu_stale_fail(env, name, "rbatch_map", ret);
		__free_page(pg);
		goto out;
	}
	rbatch_unmap(b, &h);
	flushes_at_unmap = dmareuse_batch_flushes(dev);
	rbatch_unmap_notify(b, &h2, owner_told, &n);
	calls_before = n.calls;
	refs_unmapped = page_ref_count(pg);
	rbatch_stats(b, &st);

	/* With interrupts off nothing can take a page the put or flush frees. */
	local_irq_save(flags);
	put_page(pg);		/* the owner frees its page at once */
	refs_owner_freed = page_ref_count(pg);
	rbatch_flush(b);	/* the completion pass */
	refs_after = page_ref_count(pg);
	local_irq_restore(flags);

	if (translating(env))
		pass = refs_unmapped == 2 && refs_owner_freed == 1 && st.pages_pinned == 1 &&
		       calls_before == 0 && refs_after == 0 && n.calls == 1 &&
		       n.flushes_seen > flushes_at_unmap;
	else
		pass = refs_unmapped == 1 && refs_owner_freed == 0 && st.pages_pinned == 0 &&
		       calls_before == 1 && n.calls == 1;
	scnprintf(extra, sizeof(extra),
		  "page_refs unmapped=%d owner_freed=%d after_flush=%d held=%llu owner_told before_flush=%u after=%u invalidated_first=%s",
		  refs_unmapped, refs_owner_freed, refs_after,
		  (unsigned long long)st.pages_pinned, calls_before, n.calls,
		  n.flushes_seen > flushes_at_unmap ? "yes" : "no");
	pr_info(EDU_RESULT "%s %s mode=%s %s\n", name, pass ? "PASS" : "FAIL", env->mode,
		extra);
out:
	dmareuse_batch_destroy(b);
	kfree(buf);
}

/* ---- batch_invalidations -------------------------------------------------- */

/* COUNTED_PAIRS map+unmap pairs of @pg through @b; 0 or the first error. */
static int counted_pairs(struct rbatch *b, struct page *pg)
{
	struct rmap_handle h;
	unsigned int i;
	int ret;

	for (i = 0; i < COUNTED_PAIRS; i++) {
		ret = rbatch_map(b, pg, 0, PAGE_SIZE, DMA_TO_DEVICE, &h);
		if (!ret)
			ret = rbatch_unmap(b, &h);
		if (ret)
			return ret;
	}
	return 0;
}

static void test_batch_invalidations(struct edu_stale_env *env)
{
	const char *name = "batch_invalidations";
	struct device *dev = env->edu->dev;
	struct rbatch *b1, *b64 = NULL;
	struct reuse_stats s1, s64;
	u64 f0, f1, f2, f3;
	struct page *pg;
	char extra[192];
	bool pass;
	int ret;

	pg = alloc_page(GFP_KERNEL);
	b1 = dmareuse_batch_create(dev, 1);
	if (b1)
		b64 = dmareuse_batch_create(dev, 64);
	if (!pg || !b1 || !b64) {
		edu_stale_fail(env, name, pg ? "batch object not created" : "out of memory",
			       -ENOMEM);
		goto out;
	}
	f0 = dmareuse_batch_flushes(dev);
	ret = counted_pairs(b1, pg);
	f1 = dmareuse_batch_flushes(dev);
	if (!ret)
		ret = counted_pairs(b64, pg);
	f2 = dmareuse_batch_flushes(dev);
	rbatch_flush(b64);
	f3 = dmareuse_batch_flushes(dev);
	if (ret) {
		edu_stale_fail(env, name, "map or unmap", ret);
		goto out;
	}
	rbatch_stats(b1, &s1);
	rbatch_stats(b64, &s64);
	if (translating(env))
		pass = f1 - f0 == COUNTED_PAIRS && s1.unmaps == COUNTED_PAIRS &&
		       s1.flushes == COUNTED_PAIRS && s1.batch_max == 1 && f2 == f1 &&
		       f3 - f2 == 1 && s64.flushes == 1 && s64.batch_max == COUNTED_PAIRS;
	else
		pass = f3 == f0 && s1.deferred == 0 && s64.deferred == 0;
	scnprintf(extra, sizeof(extra),
		  "size1: unmaps=%llu invalidations=%llu (strict: one per unmap) size64: unmaps=%llu invalidations_before_flush=%llu after_flush=%llu",
		  (unsigned long long)s1.unmaps, f1 - f0, (unsigned long long)s64.unmaps,
		  f2 - f1, f3 - f2);
	pr_info(EDU_RESULT "%s %s mode=%s %s\n", name, pass ? "PASS" : "FAIL", env->mode,
		extra);
out:
	dmareuse_batch_destroy(b64);
	dmareuse_batch_destroy(b1);
	if (pg)
		__free_page(pg);
}

/* ---- bench batch_parts ---------------------------------------------------- */

/* ns per operation of @n ops that took from @t0 to now. */
static u64 per_op(u64 t0, unsigned int n)
{
	return div64_u64(ktime_get_ns() - t0, n);
}

/* PARTS_LOOPS IOVA alloc+free pairs of a page in an allocator of our own. */
static s64 parts_iova(void)
{
	struct iova_domain iovad;
	unsigned long pfn;
	unsigned int i;
	u64 t0, ns;

	if (iova_cache_get())
		return -ENOMEM;
	init_iova_domain(&iovad, PAGE_SIZE, 1);
	if (iova_domain_init_rcaches(&iovad)) {
		put_iova_domain(&iovad);
		iova_cache_put();
		return -ENOMEM;
	}
	t0 = ktime_get_ns();
	for (i = 0; i < PARTS_LOOPS; i++) {
		pfn = alloc_iova_fast(&iovad, 1, 0xfffff, true);
		if (!pfn)
			break;
		free_iova_fast(&iovad, pfn, 1);
	}
	ns = per_op(t0, PARTS_LOOPS);
	put_iova_domain(&iovad);
	iova_cache_put();
	return i == PARTS_LOOPS ? (s64)ns : -ENOMEM;
}

/* PARTS_LOOPS map+unmap pairs of @pg at PARTS_IOVA of @dom, no invalidation. */
static s64 parts_pte(struct iommu_domain *dom, struct page *pg)
{
	struct iommu_iotlb_gather g;
	unsigned int i;
	u64 t0, ns;

	t0 = ktime_get_ns();
	for (i = 0; i < PARTS_LOOPS; i++) {
		if (iommu_map_atomic(dom, PARTS_IOVA, page_to_phys(pg), PAGE_SIZE, IOMMU_READ))
			break;
		iommu_iotlb_gather_init(&g);
		g.queued = true;
		iommu_unmap_fast(dom, PARTS_IOVA, PAGE_SIZE, &g);
		put_pages_list(&g.freelist);
	}
	ns = per_op(t0, PARTS_LOOPS);
	iommu_flush_iotlb_all(dom);
	return i == PARTS_LOOPS ? (s64)ns : -ENOMEM;
}

/* ns per rbatch map+unmap pair of @pg at batch size @size. */
static s64 parts_pairs(struct device *dev, struct page *pg, unsigned int size)
{
	struct rbatch *b = dmareuse_batch_create(dev, size);
	struct rmap_handle h;
	unsigned int i;
	u64 t0, ns;

	if (!b)
		return -ENOMEM;
	t0 = ktime_get_ns();
	for (i = 0; i < PARTS_LOOPS; i++) {
		if (rbatch_map(b, pg, 0, PAGE_SIZE, DMA_TO_DEVICE, &h))
			break;
		rbatch_unmap(b, &h);
	}
	rbatch_flush_all(b);
	ns = per_op(t0, PARTS_LOOPS);
	dmareuse_batch_destroy(b);
	return i == PARTS_LOOPS ? (s64)ns : -ENOMEM;
}

static void bench_batch_parts(struct edu_stale_env *env)
{
	struct device *dev = env->edu->dev;
	s64 iova, pte, flush = -ENODEV, p64, p1;
	struct iommu_domain *dom;
	struct page *pg;
	struct rbatch *b;
	unsigned int i;
	u64 t0;

	if (!translating(env)) {
		pr_info(EDU_RESULT "bench batch_parts n/a mode=%s reason=no-IOMMU-domain-to-invalidate\n",
			env->mode);
		return;
	}
	pg = alloc_page(GFP_KERNEL);
	b = dmareuse_batch_create(dev, RBATCH_DEFAULT_SIZE);	/* attaches the domain */
	if (!pg || !b) {
		pr_info(EDU_RESULT "bench batch_parts n/a mode=%s reason=out-of-memory\n", env->mode);
		goto out;
	}
	iova = parts_iova();
	dom = iommu_get_domain_for_dev(dev);
	pte = dom && dom->type == IOMMU_DOMAIN_UNMANAGED ? parts_pte(dom, pg) : -ENODEV;
	if (dom && dom->type == IOMMU_DOMAIN_UNMANAGED) {
		t0 = ktime_get_ns();
		for (i = 0; i < PARTS_LOOPS; i++)
			iommu_flush_iotlb_all(dom);
		flush = per_op(t0, PARTS_LOOPS);
	}
	p64 = parts_pairs(dev, pg, RBATCH_DEFAULT_SIZE);
	p1 = parts_pairs(dev, pg, 1);
	pr_info(EDU_RESULT "bench batch_parts iova_alloc_free_ns=%lld pte_map_unmap_ns=%lld iotlb_flush_ns=%lld pair_size64_ns=%lld pair_size1_ns=%lld loops=%u mode=%s\n",
		iova, pte, flush, p64, p1, PARTS_LOOPS, env->mode);
out:
	dmareuse_batch_destroy(b);
	if (pg)
		__free_page(pg);
}

/**
 * edu_batch_tests() - the batch strategy's isolation tests.
 * @env: the isolation tests' shared state; the device buffer holds the
 *	 pattern and the caller holds the device's xfer_lock.
 *
 * Prints one RESULT line per test (see the top of the file).  Sleeps.
 */
void edu_batch_tests(struct edu_stale_env *env)
{
	test_batch_window(env);
	test_batch_page_held(env);
	test_batch_invalidations(env);
	bench_batch_parts(env);
}
