// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_isolation.c - what the device can still reach: stale DMA, pinning.
 *
 * Each test prints one "RESULT <name> PASS|FAIL <outcome> mode=... iova=..."
 * line; <outcome> is what a stale device write did:
 *
 *   blocked    nothing reached the page (the IOMMU faulted the write; the
 *              harness checks the guest's DMAR fault record at that IOVA);
 *   reachable  the write landed, exactly where it was aimed;
 *   corrupt    anything else (partial or misplaced data): always FAIL.
 *
 * stale_unmap          a plain dma_unmap_single(), then the old IOVA.
 * stale_stop_reuse     a buffer registered with the map-once API and used;
 *                      then stop-reuse (rmo_unregister()), then the old IOVA.
 *                      The owner's callback must have run once, and the
 *                      registration's page reference must be gone.
 * stale_cache_release  a page mapped through the cache, used, handed back
 *                      (still cached, and a second map is a hit); then the
 *                      entry is released (rcache_shrink()), then the old IOVA.
 * pin_cache            the owner frees its page (put_page() of its only
 *                      reference) while the cache holds the mapping: the
 *                      page must stay allocated (refcount 1, the cache's),
 *                      the device still reaches it (cached between uses, by
 *                      design); after rcache_shrink() the refcount must be 0
 *                      (the page went back to the allocator) and the old
 *                      IOVA must be dead.
 * bounce_rx_partial    a FROM_DEVICE bounce of 1 KiB of which the device
 *                      writes 64 bytes, lent right after another caller's
 *                      TO_DEVICE bounce of secret bytes through the same
 *                      buffer: the 960 bytes the device did not write must
 *                      keep the caller's own contents ("preserved"), not the
 *                      other caller's ("leaked"), as Linux's swiotlb
 *                      guarantees since the CVE-2022-0854 fix.
 * bounce_copy_choice   not an isolation test, but bounce's own: 512 lends
 *                      of 4 KiB TO_DEVICE through a new pool (no device
 *                      transfer); the 4 KiB class's chooser must have
 *                      warmed up both copies (memcpy, memcpy_flushcache)
 *                      and chosen one, and a forced method must hold.  The
 *                      line reports the choice and both running means.
 *
 * Expected outcomes: strict blocks every stale write; passthrough has no
 * isolation, so every one is reachable (PASS: that is the mode); lazy may
 * show either for stale_unmap (its stale window), and the cache and the
 * map-once API refuse a lazy device by design, so their tests are "PASS
 * n/a" there -- after checking that the layer did refuse.
 *
 * Method (as stale_unmap has always done): the device first reads through
 * the mapping, so the emulated IOTLB holds the translation as after any
 * transfer; then, with local interrupts off on the guest's single vCPU, the
 * mapping is released and the device is started at the old IOVA and
 * waited for.  edu acts ~100 ms after its doorbell, while lazy mode flushes
 * from a 10 ms timer; with interrupts off the flush cannot run in between,
 * as it would not within the microseconds a real device takes.  The page is
 * snapshotted after the release and compared after the write, so a page
 * the release freed (pin_cache) is judged against its own contents; with
 * interrupts off on one CPU nobody can reuse it in between.
 *
 * Scheduling: each test runs after the tests of the strategy it belongs
 * to (stale_unmap after strict, bounce_rx_partial after bounce,
 * stale_stop_reuse after reuse, stale_cache_release after cache,
 * the batch tests of edu_batch.c after batch, pin_cache after auto), so
 * that consecutive stale DMAs are seconds apart:
 * the guest's dmar_fault() logs at most about three fault records per 5 s
 * (its ratelimit), and every blocked stale DMA needs its record.  The
 * device buffer is reloaded with the pattern before each test, because the
 * round trips in between overwrite it.
 *
 * The shrinker fixture (edu_shrink_setup()) leaves a cache holding idle
 * entries of pages the driver has freed, for /init to shrink through
 * /proc/sys/vm/drop_caches and read back through debugfs.
 */
#include <linux/gfp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "edu_int.h"

/* The warm-up read lands at STALE_WARM_OFF of the device buffer. */
#define STALE_WARM_OFF	2048u
#define STALE_WARM_LEN	64u

#define SHRINK_ENTRIES	8

#define RX_LEN		1024u	/* a whole bounce size class */
#define RX_WRITTEN	64u
#define RX_SECRET	0xc5
#define RX_OWN		0x11

static bool mode_strict(const struct edu_stale_env *env)
{
	return !strcmp(env->mode, "strict");
}

static bool mode_open(const struct edu_stale_env *env)
{
	return !strcmp(env->mode, "passthrough") || !strcmp(env->mode, "none");
}

/**
 * edu_stale_warm() - let the device read through @iova once.
 * @env:  the tests' shared state.
 * @iova: a mapping of at least a page.
 *
 * As after any real transfer, the emulated IOTLB then holds the
 * translation.
 *
 * Return: 0, or the transfer's -errno.
 */
int edu_stale_warm(struct edu_stale_env *env, dma_addr_t iova)
{
	return edu_dma_xfer(env->edu, iova, STALE_WARM_OFF, STALE_WARM_LEN,
			    false);
}

static const char *stale_classify(const struct edu_stale_env *env, const u8 *tgt,
				  ssize_t *first_changed)
{
	size_t bad = edu_first_diff(tgt, env->snap, PAGE_SIZE);

	*first_changed = bad == PAGE_SIZE ? -1 : (ssize_t)bad;
	if (bad == PAGE_SIZE)
		return "blocked";
	if (edu_first_diff(tgt, env->snap, EDU_STALE_TGT_OFF) == EDU_STALE_TGT_OFF &&
	    edu_first_diff(tgt + EDU_STALE_TGT_OFF, env->pattern, EDU_STALE_LEN) ==
		    EDU_STALE_LEN &&
	    edu_first_diff(tgt + EDU_STALE_TGT_OFF + EDU_STALE_LEN,
			   env->snap + EDU_STALE_TGT_OFF + EDU_STALE_LEN,
			   PAGE_SIZE - EDU_STALE_TGT_OFF - EDU_STALE_LEN) ==
		    PAGE_SIZE - EDU_STALE_TGT_OFF - EDU_STALE_LEN)
		return "reachable";
	return "corrupt";
}

/**
 * edu_stale_fire() - release a mapping, then aim the device at it.
 * @env:	   the tests' shared state.
 * @iova:	   the mapping's old address.
 * @tgt:	   the page it mapped (CPU address).
 * @release:	   releases the mapping.
 * @arg:	   for @release.
 * @outcome:	   set to "blocked", "reachable" or "corrupt".
 * @first_changed: set to the first byte of @tgt that changed, or -1.
 *
 * With local interrupts off: @release(@arg), snapshot @tgt, a device write
 * of the pattern to @iova + EDU_STALE_TGT_OFF, wait, classify.
 *
 * Return: 0 with *@outcome set, or -errno (release failed, or the transfer
 * did not run).
 */
int edu_stale_fire(struct edu_stale_env *env, dma_addr_t iova, u8 *tgt,
		   edu_stale_release_fn release, void *arg,
		   const char **outcome, ssize_t *first_changed)
{
	unsigned long flags;
	int ret;

	local_irq_save(flags);
	ret = release(arg);
	if (!ret) {
		memcpy(env->snap, tgt, PAGE_SIZE);
		ret = edu_dma_start(env->edu, iova + EDU_STALE_TGT_OFF, 0,
				    EDU_STALE_LEN, true);
		if (!ret)
			ret = edu_dma_wait(env->edu, 2 * NSEC_PER_SEC, false);
		if (!ret)
			*outcome = stale_classify(env, tgt, first_changed);
	}
	local_irq_restore(flags);
	return ret;
}

/* Whether @outcome is what this boot's mode must show. */
static bool stale_expected(const struct edu_stale_env *env, const char *outcome)
{
	if (!strcmp(outcome, "corrupt"))
		return false;
	if (mode_strict(env))
		return !strcmp(outcome, "blocked");
	if (mode_open(env))
		return !strcmp(outcome, "reachable");
	return true;	/* lazy: either is a correct observation */
}

/**
 * edu_stale_report() - the RESULT line of a stale-DMA test.
 * @env:	   the tests' shared state.
 * @name:	   the test.
 * @pass:	   its verdict.
 * @outcome:	   what the stale write did (first detail word).
 * @iova:	   where it was aimed (the harness matches DMAR records to it).
 * @first_changed: from edu_stale_fire().
 * @extra:	   more details, or "".
 */
void edu_stale_report(const struct edu_stale_env *env, const char *name,
		      bool pass, const char *outcome, dma_addr_t iova,
		      ssize_t first_changed, const char *extra)
{
	pr_info(EDU_RESULT "%s %s %s mode=%s iova=%pad first_changed_byte=%zd%s%s\n",
		name, pass ? "PASS" : "FAIL", outcome, env->mode, &iova,
		first_changed, extra[0] ? " " : "", extra);
}

/**
 * edu_stale_fail() - the RESULT line of a test that could not run.
 * @env:  the tests' shared state.
 * @name: the test.
 * @why:  what failed.
 * @err:  its -errno.
 */
void edu_stale_fail(const struct edu_stale_env *env, const char *name,
		    const char *why, int err)
{
	pr_info(EDU_RESULT "%s FAIL mode=%s %s: %d\n", name, env->mode, why,
		err);
}

/*
 * A lazy device: the object under test must refuse it (@created is what
 * the layer returned).  n/a when it did, FAIL when it did not.
 */
static void stale_na_lazy(const struct edu_stale_env *env, const char *name,
			  bool created)
{
	if (created)
		pr_info(EDU_RESULT "%s FAIL mode=%s the layer accepted a lazy device\n",
			name, env->mode);
	else
		pr_info(EDU_RESULT "%s PASS n/a mode=%s refused=yes " EDU_NA_LAZY "\n",
			name, env->mode);
}

/**
 * edu_stale_target() - a page for a stale write to land in.
 *
 * Return: a page filled with EDU_STALE_FILL, or NULL.
 */
struct page *edu_stale_target(void)
{
	struct page *pg = alloc_page(GFP_KERNEL);

	if (pg)
		memset(page_address(pg), EDU_STALE_FILL, PAGE_SIZE);
	return pg;
}

/* ---- stale_unmap --------------------------------------------------------- */

struct unmap_arg {
	struct device *dev;
	dma_addr_t iova;
};

static int release_unmap(void *arg)
{
	struct unmap_arg *u = arg;

	dma_unmap_single(u->dev, u->iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
	return 0;
}

static void test_stale_unmap(struct edu_stale_env *env)
{
	const char *name = "stale_unmap", *outcome = "";
	struct device *dev = env->edu->dev;
	struct unmap_arg u = { .dev = dev };
	ssize_t changed = -1;
	struct page *pg;
	u8 *tgt;
	int ret;

	pg = edu_stale_target();
	if (!pg) {
		edu_stale_fail(env, name, "out of memory", -ENOMEM);
		return;
	}
	tgt = page_address(pg);
	u.iova = dma_map_single(dev, tgt, PAGE_SIZE, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, u.iova)) {
		edu_stale_fail(env, name, "map of target failed", -ENOMEM);
		goto out_free;
	}
	ret = edu_stale_warm(env, u.iova);
	if (ret) {
		dma_unmap_single(dev, u.iova, PAGE_SIZE, DMA_BIDIRECTIONAL);
		edu_stale_fail(env, name, "warm-up read", ret);
		goto out_free;
	}
	ret = edu_stale_fire(env, u.iova, tgt, release_unmap, &u, &outcome,
			 &changed);
	if (ret)
		edu_stale_fail(env, name, "stale transfer", ret);
	else
		edu_stale_report(env, name, stale_expected(env, outcome), outcome,
			     u.iova, changed, "");
out_free:
	__free_page(pg);
}

/* ---- stale_stop_reuse ---------------------------------------------------- */

struct stop_arg {
	struct rmo *mo;
	unsigned int callbacks;
};

/* The owner's stop-reuse callback: the mapping is gone, the pin not yet. */
static void stop_cb(void *arg, struct rmo *mo)
{
	struct stop_arg *s = arg;

	s->callbacks++;
}

static int release_stop_reuse(void *arg)
{
	struct stop_arg *s = arg;

	return rmo_unregister(s->mo);
}

static void test_stale_stop_reuse(struct edu_stale_env *env)
{
	const char *name = "stale_stop_reuse", *outcome = "";
	struct device *dev = env->edu->dev;
	struct stop_arg s = { };
	int refs_reg, refs_after = 0;
	ssize_t changed = -1;
	struct rreuse *r;
	struct rseg seg;
	dma_addr_t iova;
	char extra[96];
	struct page *pg;
	bool pass;
	int ret;

	r = dmareuse_reuse_create(dev);
	if (!dmareuse_unmap_is_strict(dev)) {
		stale_na_lazy(env, name, r != NULL);
		dmareuse_reuse_destroy(r);
		return;
	}
	if (!r) {
		edu_stale_fail(env, name, "map-once registry not created", -ENOMEM);
		return;
	}
	pg = edu_stale_target();
	if (!pg) {
		edu_stale_fail(env, name, "out of memory", -ENOMEM);
		goto out_destroy;
	}
	seg = (struct rseg){ .page = pg, .offset = 0, .len = PAGE_SIZE };
	s.mo = rmo_register(r, &seg, 1, DMA_BIDIRECTIONAL, stop_cb, &s);
	if (!s.mo) {
		edu_stale_fail(env, name, "rmo_register failed", -ENOMEM);
		goto out_free;
	}
	refs_reg = page_ref_count(pg);
	iova = rmo_dma_addr(s.mo, 0);
	ret = rmo_for_device(s.mo);
	if (!ret)
		ret = edu_stale_warm(env, iova);
	rmo_for_cpu(s.mo);
	if (ret) {
		rmo_unregister(s.mo);
		edu_stale_fail(env, name, "use of the registration", ret);
		goto out_free;
	}
	ret = edu_stale_fire(env, iova, page_address(pg), release_stop_reuse, &s,
			 &outcome, &changed);
	if (ret) {
		if (rmo_is_live(s.mo))
			rmo_unregister(s.mo);
		edu_stale_fail(env, name, "stop-reuse or stale transfer", ret);
		goto out_free;
	}
	refs_after = page_ref_count(pg);
	pass = stale_expected(env, outcome) && s.callbacks == 1 &&
	       refs_reg == 2 && refs_after == 1;
	scnprintf(extra, sizeof(extra), "callbacks=%u page_refs=%d->%d",
		  s.callbacks, refs_reg, refs_after);
	edu_stale_report(env, name, pass, outcome, iova, changed, extra);
out_free:
	__free_page(pg);
out_destroy:
	dmareuse_reuse_destroy(r);
}

/* ---- stale_cache_release and pin_cache ------------------------------------ */

struct shrink_arg {
	struct rcache *cache;
	struct page *pg;
	size_t released;
	int refs_after;
};

static int release_shrink(void *arg)
{
	struct shrink_arg *a = arg;

	a->released = rcache_shrink(a->cache, 1);
	/* Read before anything can reuse a page the release freed. */
	a->refs_after = page_ref_count(a->pg);
	return a->released == 1 ? 0 : -ENOENT;
}

/*
 * Both cache tests start alike: a cache on the device (n/a under a lazy
 * domain), a target page, one map, a warm-up read so the IOTLB holds the
 * translation, and the unmap that leaves the entry cached.  Return: 0 with
 * a->cache, a->pg, *@iova and *@refs_mapped (page references while mapped)
 * set; else -errno, the test already reported (n/a or failed) and nothing
 * left allocated.
 */
static int cache_arm(struct edu_stale_env *env, const char *name, struct shrink_arg *a,
		     dma_addr_t *iova, int *refs_mapped)
{
	struct device *dev = env->edu->dev;
	struct rmap_handle h;
	int ret;

	a->cache = dmareuse_cache_create(dev, 0, 0);
	if (!dmareuse_unmap_is_strict(dev)) {
		stale_na_lazy(env, name, a->cache != NULL);
		dmareuse_cache_destroy(a->cache);
		return -EOPNOTSUPP;
	}
	if (!a->cache) {
		edu_stale_fail(env, name, "cache not created", -ENOMEM);
		return -ENOMEM;
	}
	a->pg = edu_stale_target();
	if (!a->pg) {
		edu_stale_fail(env, name, "out of memory", -ENOMEM);
		ret = -ENOMEM;
		goto out_destroy;
	}
	ret = rcache_map(a->cache, a->pg, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h);
	if (ret) {
		edu_stale_fail(env, name, "rcache_map", ret);
		goto out_put;
	}
	*iova = h.dma;
	*refs_mapped = page_ref_count(a->pg);
	ret = edu_stale_warm(env, *iova);
	rcache_unmap(a->cache, &h);
	if (!ret)
		return 0;
	edu_stale_fail(env, name, "warm-up read", ret);
out_put:
	put_page(a->pg);
out_destroy:
	dmareuse_cache_destroy(a->cache);
	return ret;
}

static void test_stale_cache_release(struct edu_stale_env *env)
{
	const char *name = "stale_cache_release", *outcome = "";
	struct shrink_arg a = { };
	struct rmap_handle h2;
	struct reuse_stats st;
	ssize_t changed = -1;
	int ret, refs_mapped;
	dma_addr_t iova;
	char extra[96];
	bool pass, hit;

	if (cache_arm(env, name, &a, &iova, &refs_mapped))
		return;
	/* Handed back, still cached: a second map is a hit. */
	ret = rcache_map(a.cache, a.pg, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h2);
	if (ret) {
		edu_stale_fail(env, name, "second rcache_map", ret);
		goto out_free;
	}
	hit = h2.dma == iova;
	rcache_unmap(a.cache, &h2);

	ret = edu_stale_fire(env, iova, page_address(a.pg), release_shrink, &a,
			 &outcome, &changed);
	if (ret) {
		edu_stale_fail(env, name, "release or stale transfer", ret);
		goto out_free;
	}
	rcache_stats(a.cache, &st);
	pass = stale_expected(env, outcome) && hit && st.hits == 1 &&
	       st.reclaimed == 1 && st.pages_pinned == 0 && a.refs_after == 1;
	scnprintf(extra, sizeof(extra),
		  "second_map=%s released=%zu pinned=%llu page_refs_after=%d",
		  hit ? "hit" : "miss", a.released,
		  (unsigned long long)st.pages_pinned, a.refs_after);
	edu_stale_report(env, name, pass, outcome, iova, changed, extra);
out_free:
	__free_page(a.pg);
	dmareuse_cache_destroy(a.cache);
}

static void test_pin_cache(struct edu_stale_env *env)
{
	const char *name = "pin_cache", *outcome = "", *idle;
	struct shrink_arg a = { };
	int refs_mapped, refs_cached;
	ssize_t changed = -1;
	bool pass;
	dma_addr_t iova;
	char extra[128];
	u8 *tgt;
	int ret;

	if (cache_arm(env, name, &a, &iova, &refs_mapped))
		return;
	tgt = page_address(a.pg);

	/* The owner frees its page; the cache's pin keeps it allocated. */
	put_page(a.pg);
	refs_cached = page_ref_count(a.pg);

	/* Cached between uses: the device still reaches the (live) page. */
	ret = edu_dma_xfer(env->edu, iova + EDU_STALE_TGT_OFF, 0, EDU_STALE_LEN, true);
	if (ret) {
		edu_stale_fail(env, name, "write to the cached page", ret);
		goto out_destroy;
	}
	idle = edu_first_diff(tgt + EDU_STALE_TGT_OFF, env->pattern, EDU_STALE_LEN) ==
	       EDU_STALE_LEN ? "reachable" : "blocked";
	memset(tgt, EDU_STALE_FILL, PAGE_SIZE);

	/* Release: unmap + invalidate, then the last reference goes. */
	ret = edu_stale_fire(env, iova, tgt, release_shrink, &a, &outcome,
			 &changed);
	if (ret) {
		edu_stale_fail(env, name, "shrink or stale transfer", ret);
		goto out_destroy;
	}
	pass = stale_expected(env, outcome) && refs_mapped == 2 &&
	       refs_cached == 1 && !strcmp(idle, "reachable") &&
	       a.refs_after == 0;
	scnprintf(extra, sizeof(extra),
		  "page_refs mapped=%d owner_freed=%d after_shrink=%d idle_write=%s freed=%s",
		  refs_mapped, refs_cached, a.refs_after, idle,
		  a.refs_after == 0 ? "yes" : "no");
	edu_stale_report(env, name, pass, outcome, iova, changed, extra);
out_destroy:
	dmareuse_cache_destroy(a.cache);
}

/* ---- bounce_rx_partial ----------------------------------------------------- */

static void test_bounce_rx_partial(struct edu_stale_env *env)
{
	const char *name = "bounce_rx_partial", *outcome;
	struct device *dev = env->edu->dev;
	struct rmap_handle h1, h2;
	u8 *secret, *buf;
	struct rbounce *b;
	size_t bad;
	int ret;

	b = dmareuse_bounce_create(dev, 0);
	secret = kmalloc(RX_LEN, GFP_KERNEL);
	buf = kmalloc(RX_LEN, GFP_KERNEL);
	if (!b || !secret || !buf) {
		edu_stale_fail(env, name, "out of memory", -ENOMEM);
		goto out;
	}
	/* Another caller sends secret bytes through the pool... */
	memset(secret, RX_SECRET, RX_LEN);
	ret = rbounce_map(b, secret, RX_LEN, DMA_TO_DEVICE, &h1);
	if (ret) {
		edu_stale_fail(env, name, "rbounce_map TO_DEVICE", ret);
		goto out;
	}
	rbounce_unmap(b, &h1);

	/* ...then we receive into our buffer; the device writes 64 bytes. */
	memset(buf, RX_OWN, RX_LEN);
	ret = rbounce_map(b, buf, RX_LEN, DMA_FROM_DEVICE, &h2);
	if (ret) {
		edu_stale_fail(env, name, "rbounce_map FROM_DEVICE", ret);
		goto out;
	}
	ret = edu_dma_xfer(env->edu, h2.dma, 0, RX_WRITTEN, true);
	rbounce_unmap(b, &h2);
	if (ret) {
		edu_stale_fail(env, name, "device->RAM transfer", ret);
		goto out;
	}
	bad = edu_first_diff(buf, env->pattern, RX_WRITTEN);
	if (bad < RX_WRITTEN) {
		pr_info(EDU_RESULT "%s FAIL corrupt mode=%s written byte %zu differs\n",
			name, env->mode, bad);
		goto out;
	}
	if (edu_first_not(buf + RX_WRITTEN, RX_LEN - RX_WRITTEN, RX_OWN) ==
	    RX_LEN - RX_WRITTEN)
		outcome = "preserved";
	else if (edu_first_not(buf + RX_WRITTEN, RX_LEN - RX_WRITTEN,
			       RX_SECRET) == RX_LEN - RX_WRITTEN)
		outcome = "leaked";
	else
		outcome = "clobbered";
	pr_info(EDU_RESULT "%s %s %s mode=%s same_bounce_buffer=%s unwritten_bytes=%u\n",
		name, strcmp(outcome, "preserved") ? "FAIL" : "PASS", outcome,
		env->mode, h1.dma == h2.dma ? "yes" : "no",
		RX_LEN - RX_WRITTEN);
out:
	kfree(buf);
	kfree(secret);
	dmareuse_bounce_destroy(b);
}

/* ---- bounce_copy_choice ---------------------------------------------------- */

#define CHOICE_LENDS	512u

static void test_bounce_copy_choice(struct edu_stale_env *env)
{
	const char *name = "bounce_copy_choice";
	struct device *dev = env->edu->dev;
	struct rmap_handle h;
	struct rcopy_est e = { 0 };
	struct rbounce *b;
	unsigned int i, picks;
	size_t bytes = 0;
	void *buf;
	int use, ret;

	b = dmareuse_bounce_create(dev, 0);
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!b || !buf) {
		edu_stale_fail(env, name, "out of memory", -ENOMEM);
		goto out;
	}
	memset(buf, 0x3c, PAGE_SIZE);
	for (i = 0; i < CHOICE_LENDS; i++) {
		ret = rbounce_map(b, buf, PAGE_SIZE, DMA_TO_DEVICE, &h);
		if (ret) {
			edu_stale_fail(env, name, "rbounce_map", ret);
			goto out;
		}
		rbounce_unmap(b, &h);
	}
	/* The lends ran on one CPU, unless the thread moved: judge the busiest area. */
	for (i = 0, picks = 0, use = -EINVAL; i < rbounce_nareas(b); i++) {
		struct rcopy_est ai;
		int u = rbounce_copy_state(b, i, 2, &bytes, &ai);

		picks += ai.n;
		if (u >= 0 && (use < 0 || ai.n > e.n)) {
			use = u;
			e = ai;
		}
	}
	if (bytes != PAGE_SIZE || (use != RCOPY_CACHED && use != RCOPY_STREAM) ||
	    picks != CHOICE_LENDS || e.samples[RCOPY_CACHED] < RCOPY_WARMUP ||
	    e.samples[RCOPY_STREAM] < RCOPY_WARMUP) {
		pr_info(EDU_RESULT "%s FAIL mode=%s class=%zu use=%d picks=%u samples=%u,%u\n",
			name, env->mode, bytes, use, picks, e.samples[RCOPY_CACHED],
			e.samples[RCOPY_STREAM]);
		goto out;
	}
	if (rbounce_set_copy(b, RCOPY_STREAM) || !rbounce_copy_streams(b, PAGE_SIZE) ||
	    rbounce_set_copy(b, RCOPY_CACHED) || rbounce_copy_streams(b, PAGE_SIZE) ||
	    rbounce_set_copy(b, (enum rcopy_method)7) != -EINVAL) {
		pr_info(EDU_RESULT "%s FAIL mode=%s a forced method did not hold\n",
			name, env->mode);
		goto out;
	}
	pr_info(EDU_RESULT "%s PASS mode=%s class=%zu use=%s cached_ns=%llu stream_ns=%llu samples=%u,%u\n",
		name, env->mode, bytes, use == RCOPY_STREAM ? "stream" : "cached",
		(unsigned long long)(e.mean16[RCOPY_CACHED] >> 4),
		(unsigned long long)(e.mean16[RCOPY_STREAM] >> 4),
		e.samples[RCOPY_CACHED], e.samples[RCOPY_STREAM]);
out:
	kfree(buf);
	dmareuse_bounce_destroy(b);
}

/* Which tests run after which strategy's tests (see the file comment). */
static const struct {
	const char *after;
	void (*run)(struct edu_stale_env *env);
} isolation_tests[] = {
	{ "strict", test_stale_unmap },
	{ "bounce", test_bounce_rx_partial },
	{ "bounce", test_bounce_copy_choice },
	{ "reuse", test_stale_stop_reuse },
	{ "cache", test_stale_cache_release },
	{ "batch", edu_batch_tests },
	{ "auto", test_pin_cache },
};

/**
 * edu_run_isolation_tests() - the isolation tests that follow a strategy.
 * @edu:   the device; the caller holds @edu->xfer_lock.
 * @mode:  the boot's IOMMU mode, from edu_iommu_mode().
 * @after: the strategy whose tests just ran.
 *
 * Loads the pattern into the device buffer and runs the tests that belong
 * after @after, printing one RESULT line each (see the file comment).
 * Sleeps; each test waits for a few ~100 ms edu transfers, some with
 * interrupts off.
 */
void edu_run_isolation_tests(struct edu_dev *edu, const char *mode,
			     const char *after)
{
	struct edu_stale_env env = { .edu = edu, .mode = mode };
	struct device *dev = edu->dev;
	unsigned int i;
	dma_addr_t a;
	int ret;

	for (i = 0; i < ARRAY_SIZE(isolation_tests); i++)
		if (!strcmp(isolation_tests[i].after, after))
			break;
	if (i == ARRAY_SIZE(isolation_tests))
		return;

	env.pattern = kmalloc(EDU_STALE_LEN, GFP_KERNEL);
	env.snap = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!env.pattern || !env.snap) {
		pr_info(EDU_RESULT "isolation FAIL out of memory\n");
		goto out;
	}
	/* The device buffer holds the pattern every stale write sends. */
	edu_fill_pattern(env.pattern, EDU_STALE_LEN, 4242);
	a = dma_map_single(dev, env.pattern, EDU_STALE_LEN, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, a)) {
		pr_info(EDU_RESULT "isolation FAIL map of the pattern failed\n");
		goto out;
	}
	ret = edu_dma_xfer(edu, a, 0, EDU_STALE_LEN, false);
	dma_unmap_single(dev, a, EDU_STALE_LEN, DMA_TO_DEVICE);
	if (ret) {
		pr_info(EDU_RESULT "isolation FAIL loading the device: %d\n",
			ret);
		goto out;
	}
	for (; i < ARRAY_SIZE(isolation_tests); i++)
		if (!strcmp(isolation_tests[i].after, after))
			isolation_tests[i].run(&env);
out:
	kfree(env.snap);
	kfree(env.pattern);
}

/**
 * edu_shrink_setup() - leave a cache of idle entries for the shrinker test.
 * @edu:  the device.
 * @mode: the boot's IOMMU mode.
 *
 * SHRINK_ENTRIES pages are mapped through a new cache, handed back, and
 * freed by the driver: the cache holds their only references.  /init then
 * reads the cache's debugfs file, triggers reclaim (drop_caches runs every
 * shrinker) and reads it again.  A lazy device has no cache (n/a).  Prints
 * "RESULT shrinker_setup ...".  Sleeps.
 */
void edu_shrink_setup(struct edu_dev *edu, const char *mode)
{
	struct reuse_stats st;
	struct rmap_handle h;
	struct rcache *c;
	unsigned int i;

	c = dmareuse_cache_create(edu->dev, 0, 0);
	if (!dmareuse_unmap_is_strict(edu->dev)) {
		if (c)
			pr_info(EDU_RESULT "shrinker_setup FAIL mode=%s the cache accepted a lazy device\n",
				mode);
		else
			pr_info(EDU_RESULT "shrinker_setup PASS n/a mode=%s " EDU_NA_LAZY "\n",
				mode);
		dmareuse_cache_destroy(c);
		return;
	}
	if (!c) {
		pr_info(EDU_RESULT "shrinker_setup FAIL mode=%s cache not created\n",
			mode);
		return;
	}
	for (i = 0; i < SHRINK_ENTRIES; i++) {
		struct page *pg = alloc_page(GFP_KERNEL);

		if (!pg)
			break;
		if (rcache_map(c, pg, 0, PAGE_SIZE, DMA_TO_DEVICE, &h)) {
			__free_page(pg);
			break;
		}
		rcache_unmap(c, &h);
		put_page(pg);	/* the owner lets go; the cache pins it */
	}
	rcache_stats(c, &st);
	edu->shrink_cache = c;
	pr_info(EDU_RESULT "shrinker_setup %s mode=%s entries=%u pinned=%llu\n",
		i == SHRINK_ENTRIES ? "PASS" : "FAIL", mode, i,
		(unsigned long long)st.pages_pinned);
}

/**
 * edu_shrink_teardown() - destroy the cache of edu_shrink_setup().
 * @edu: the device.
 *
 * Entries the shrinker left are unmapped and their pages freed.  Sleeps.
 */
void edu_shrink_teardown(struct edu_dev *edu)
{
	dmareuse_cache_destroy(edu->shrink_cache);
	edu->shrink_cache = NULL;
}
