// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse.c - the reuse layer, strategy by strategy: data round trips in
 * every direction through a device thread that checks every byte, the
 * counters, the safety rule (checked on every page free), each misuse, and
 * teardown leak checks.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 *
 * Size: over 800 lines, on purpose: one program for the layer's functional
 * cases, so that every mechanism runs the same round trips, counters and
 * leak checks through one device thread and one fixture; the cases are
 * independent and each names what it checks.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <dmareuse/reuse.h>
#include <dmareuse/reuse_lab.h>
#include <dmareuse/sg_reuse.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rig {
	struct lab *lab;
	struct dma_device *dev;
	struct devthread *dt;
	uint64_t viol0;
};

static bool rig_up(struct rig *g, enum dma_domain_type t)
{
	struct dma_device_opts o = { .type = t };

	g->lab = lab_up(64, 2, "ideal");
	if (!g->lab)
		return false;
	g->viol0 = lab_safety_violations();
	if (t != DMA_DOMAIN_LAZY)
		lab_install_safety_check(g->lab);
	g->dev = dma_device_create(g->lab->os, "reuse", &o);
	g->dt = g->dev ? devthread_start(dma_device_mdev(g->dev)) : NULL;
	return g->dt != NULL;
}

static void rig_down(struct rig *g)
{
	devthread_stop(g->dt);
	CHECK(dma_device_destroy(g->dev) == 0, "mappings left at teardown");
	CHECK(lab_safety_violations() == g->viol0, "safety rule broken");
	lab_down(g->lab);
}

static uint8_t *alloc_pages_va(struct rig *g, unsigned int order, pfn_t *pfn)
{
	if (pages_alloc(g->lab->pa, order, 300, true, pfn))
		return NULL;
	return phys_to_virt(g->lab->m, *pfn << PAGE_SHIFT);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

/*
 * One transfer through a handle already mapped: the device reads and
 * checks what the CPU wrote (TO/BIDI), then writes its reply (FROM/BIDI).
 */
static void device_exchange(struct rig *g, dma_addr_t a, size_t len,
			    enum dma_data_direction dir, unsigned int seed,
			    const char *what)
{
	uint8_t *got = malloc(len), *want = malloc(len);

	if (dir != DMA_FROM_DEVICE) {
		fill(want, len, seed);
		CHECK(devthread_read(g->dt, a, got, len) == 0, "%s: device read faulted", what);
		CHECK(!memcmp(got, want, len), "%s: device read wrong bytes (len %zu)", what, len);
	}
	if (dir != DMA_TO_DEVICE) {
		fill(want, len, ~seed);
		CHECK(devthread_write(g->dt, a, want, len) == 0, "%s: device write faulted", what);
	}
	free(got);
	free(want);
}

static const struct { size_t off, len; } shapes[] = {
	{ 100, 64 }, { 1000, 3000 }, { 0, 4096 }, { 0, 8192 }, { 0, 16384 }, { 2048, 2048 },
};

/* The domain type of @s's mode; @s's mechanism is reuse_strategy_pair(s).mech. */
static enum dma_domain_type domain_for(enum reuse_strategy s)
{
	enum dma_domain_type t = DMA_DOMAIN_STRICT;

	CHECK(reuse_mode_domain(reuse_strategy_pair(s).mode, &t) == 0, "%s",
	      reuse_strategy_name(s));
	return t;
}

static enum reuse_mech mech_of(enum reuse_strategy s)
{
	return reuse_strategy_pair(s).mech;
}

/* Every per-buffer strategy: shapes x directions x repeats, bytes checked. */
static void test_mapper_round_trips(void)
{
	static const enum reuse_strategy ss[] = {
		RS_PASSTHROUGH, RS_STRICT, RS_LAZY, RS_BOUNCE, RS_CACHE, RS_IOVA_LINK, RS_AUTO,
		RS_BATCH,
	};

	for (size_t si = 0; si < ARRAY_SIZE(ss); si++) {
		struct rig g;
		struct rmapper *m;
		struct reuse_stats st;
		pfn_t pfn;
		uint8_t *va;

		REQUIRE(rig_up(&g, domain_for(ss[si])));
		m = rmapper_create(g.dev, mech_of(ss[si]), NULL);
		REQUIRE(m, "%s", reuse_strategy_name(ss[si]));
		va = alloc_pages_va(&g, 3, &pfn);
		REQUIRE(va);
		for (size_t k = 0; k < ARRAY_SIZE(shapes); k++)
			for (int dir = 0; dir < 3; dir++)
				for (int rep = 0; rep < 3; rep++) {
					uint8_t *b = va + shapes[k].off;
					size_t len = shapes[k].len;
					unsigned int seed = (unsigned int)(k * 10 + dir * 3 + rep);
					uint8_t *want = malloc(len);
					struct rmap_handle h;
					char what[64];

					snprintf(what, sizeof(what), "%s shape %zu dir %d",
						 reuse_strategy_name(ss[si]), k, dir);
					fill(b, len, seed);
					REQUIRE(rmapper_map(m, b, len, (enum dma_data_direction)dir, &h) == 0,
						"%s", what);
					device_exchange(&g, h.dma, len, (enum dma_data_direction)dir, seed,
							what);
					CHECK(rmapper_unmap(m, &h) == 0, "%s", what);
					fill(want, len, dir == DMA_TO_DEVICE ? seed : ~seed);
					CHECK(!memcmp(b, want, len), "%s: CPU does not see the reply", what);
					free(want);
				}
		rmapper_stats(m, &st);
		switch (ss[si]) {
		case RS_CACHE:
			CHECK(st.hits > 0 && st.misses > 0 && st.pages_pinned > 0,
			      "cache hits %llu misses %llu pinned %llu",
			      (unsigned long long)st.hits, (unsigned long long)st.misses,
			      (unsigned long long)st.pages_pinned);
			CHECK(st.bytes_copied > 0, "sub-page buffers took bounce");
			break;
		case RS_BOUNCE:
			CHECK(st.bytes_copied > 0 && st.maps == 0, "bounce never maps per use");
			break;
		case RS_IOVA_LINK:
			CHECK(st.maps == st.unmaps && st.invalidations == st.unmaps && st.maps > 0);
			break;
		case RS_AUTO:
			CHECK(rmapper_crossover(m) > 0, "auto measured a crossover");
			break;
		case RS_BATCH:
			/* 54 unmaps: none invalidated at once, each batch of 64 waits */
			CHECK(st.maps == st.unmaps && st.deferred == st.unmaps &&
			      st.flushes == 0 && st.pages_pinned == st.unmaps,
			      "batch: %llu unmaps, %llu deferred, %llu flushes, %llu pinned",
			      (unsigned long long)st.unmaps, (unsigned long long)st.deferred,
			      (unsigned long long)st.flushes, (unsigned long long)st.pages_pinned);
			break;
		default:
			CHECK(st.maps == st.unmaps && st.maps == ARRAY_SIZE(shapes) * 9);
		}
		CHECK(st.in_use == 0);
		CHECK(rmapper_destroy(m) == 0);
		for (int i = 0; i < 8; i++)
			CHECK(ss[si] == RS_LAZY || iommu_frame_reachable(g.lab->m, pfn + i) == 0,
			      "%s: frame still reachable after destroy", reuse_strategy_name(ss[si]));
		page_put(g.lab->pa, pfn);
		rig_down(&g);
	}
}

static unsigned int cb_calls;
static void count_cb(void *arg, struct rmo *mo)
{
	cb_calls++;
	(void)arg;
	(void)mo;
}

/* The seed's reusable scatterlist: map once, sync per use, unmap at stop. */
static void test_reusable_sg(void)
{
	struct rig g;
	struct rreuse *r;
	struct reuse_stats st;
	struct scatterlist sg[2];
	uint8_t *va, b;
	pfn_t pfn;
	dma_addr_t old = 0;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	r = rreuse_create(g.dev);
	REQUIRE(r);
	va = alloc_pages_va(&g, 1, &pfn);
	sg_init_table(sg, 2);
	sg_set_page(&sg[0], pfn, PAGE_SIZE, 0);
	sg_set_page(&sg[1], pfn + 1, 1000, 24);
	CHECK(reuse_map_sg(sg, 2, DMA_BIDIRECTIONAL) == -ENOENT, "unmarked: driver maps");
	CHECK(sg_mark_reusable(sg, 2, r, count_cb, NULL) == 0);
	for (unsigned int use = 0; use < 5; use++) {
		fill(va, PAGE_SIZE, use);
		fill(va + PAGE_SIZE + 24, 1000, use + 100);
		REQUIRE(reuse_map_sg(sg, 2, DMA_BIDIRECTIONAL) == 0);
		if (use)
			CHECK(sg[0].dma_address == old, "same mapping every use");
		old = sg[0].dma_address;
		device_exchange(&g, sg[0].dma_address, PAGE_SIZE, DMA_BIDIRECTIONAL, use, "sg0");
		device_exchange(&g, sg[1].dma_address, 1000, DMA_BIDIRECTIONAL, use + 100, "sg1");
		CHECK(reuse_unmap_sg(sg, 2, DMA_BIDIRECTIONAL) == 0);
	}
	rreuse_stats(r, &st);
	CHECK(st.maps == 2 && st.hits == 5 && st.unmaps == 0 && st.pages_pinned == 2,
	      "maps %llu hits %llu", (unsigned long long)st.maps, (unsigned long long)st.hits);
	/* Between uses the device still reaches the buffer (that is reuse's deal). */
	CHECK(devthread_read(g.dt, old, &b, 1) == 0);
	CHECK(sg_mark_stop_reuse(sg) == 0);
	CHECK(cb_calls == 1, "unmap callback ran once");
	CHECK(devthread_read(g.dt, old, &b, 1) == -EFAULT, "blocked after stop-reuse");
	CHECK(iommu_frame_reachable(g.lab->m, pfn) == 0 &&
	      iommu_frame_reachable(g.lab->m, pfn + 1) == 0);
	CHECK(page_refcount(g.lab->pa, pfn) == 1, "unpinned");
	rreuse_stats(r, &st);
	CHECK(st.unmaps == 2 && st.pages_pinned == 0);
	/* Misuse: stop twice, use after stop. */
	CHECK(sg_mark_stop_reuse(sg) == -EINVAL, "stop-reuse twice");
	CHECK(reuse_map_sg(sg, 2, DMA_BIDIRECTIONAL) == -ESTALE, "use after stop-reuse");
	CHECK(rreuse_destroy(r) == 0);
	page_put(g.lab->pa, pfn);
	rig_down(&g);
}

/* Map-once misuse: in-flight unregister, wrong-state syncs, use after unregister. */
static void test_maponce_misuse(void)
{
	struct rig g;
	struct rreuse *r;
	struct rmo *mo;
	struct rseg seg;
	struct reuse_stats st;
	uint8_t b;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	r = rreuse_create(g.dev);
	REQUIRE(r);
	REQUIRE(alloc_pages_va(&g, 0, &pfn));
	seg = (struct rseg){ pfn, 0, PAGE_SIZE };
	mo = rmo_register(r, &seg, 1, DMA_TO_DEVICE, NULL, NULL);
	REQUIRE(mo);
	CHECK(rmo_for_cpu(mo) == -EINVAL, "for_cpu while the CPU owns it");
	CHECK(rmo_for_device(mo) == 0);
	CHECK(rmo_for_device(mo) == -EINVAL, "for_device twice");
	CHECK(rmo_unregister(mo) == -EBUSY, "unregister with a transfer in flight");
	CHECK(devthread_read(g.dt, rmo_dma_addr(mo, 0), &b, 1) == 0, "still mapped");
	CHECK(rmo_for_cpu(mo) == 0);
	CHECK(rmo_unregister(mo) == 0);
	CHECK(rmo_unregister(mo) == -ESTALE, "unregister twice");
	CHECK(rmo_for_device(mo) == -ESTALE, "use after unregister");
	CHECK(!rmo_is_live(mo));
	rreuse_stats(r, &st);
	CHECK(st.errors == 5, "errors %llu", (unsigned long long)st.errors);
	/* A page freed by its owner while registered stays until unregister. */
	mo = rmo_register(r, &seg, 1, DMA_FROM_DEVICE, NULL, NULL);
	REQUIRE(mo);
	CHECK(!page_put(g.lab->pa, pfn), "pinned: the owner's put does not free it");
	CHECK(rreuse_destroy(r) == 1, "one registration left live");
	CHECK(page_refcount(g.lab->pa, pfn) == 0, "freed once unregistered");
	rig_down(&g);
}

/* The mapped pool: recycle without maps; misuse; destroy with buffers out. */
static void test_pool(void)
{
	struct rig g;
	struct rpool *p, *other;
	struct rpool_buf *b[4];
	struct reuse_stats st;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	p = rpool_create(g.dev, 2048, 4, DMA_BIDIRECTIONAL);
	other = rpool_create(g.dev, 4096, 1, DMA_BIDIRECTIONAL);
	REQUIRE(p && other);
	for (unsigned int round = 0; round < 10; round++) {
		struct rpool_buf *x = rpool_get(p);

		REQUIRE(x);
		fill(x->cpu, 1500, round);
		device_exchange(&g, x->dma, 1500, DMA_BIDIRECTIONAL, round, "pool");
		CHECK(rpool_sync_for_cpu(p, x, 1500) == 0);
		{
			uint8_t want[1500];

			fill(want, 1500, ~round);
			CHECK(!memcmp(x->cpu, want, 1500), "CPU sees the device's write");
		}
		CHECK(rpool_put(p, x, 1500) == 0);
	}
	rpool_stats(p, &st);
	CHECK(st.maps == 4 && st.hits == 10 && st.unmaps == 0);
	for (int i = 0; i < 4; i++)
		b[i] = rpool_get(p);
	CHECK(b[3] && rpool_get(p) == NULL, "empty pool");
	CHECK(rpool_put(other, b[0], 10) == -EINVAL, "freed into the wrong pool");
	CHECK(rpool_put(p, b[0], 10) == 0);
	CHECK(rpool_put(p, b[0], 10) == -EINVAL, "freed twice");
	rpool_stats(p, &st);
	CHECK(st.errors == 1, "the double free counts in its pool");
	rpool_stats(other, &st);
	CHECK(st.errors == 1, "the wrong-pool put counts in the pool it was put into");
	CHECK(rpool_destroy(p) == -EBUSY, "three buffers out");
	{
		uint8_t x;

		CHECK(devthread_read(g.dt, b[1]->dma, &x, 1) == 0,
		      "a lent buffer stays mapped while out");
	}
	{
		dma_addr_t gone = b[1]->dma;
		uint8_t x;

		for (int i = 1; i < 4; i++)
			CHECK(rpool_put(p, b[i], 0) == 0);
		/* The pool is gone now; its buffers were unmapped exactly once. */
		CHECK(devthread_read(g.dt, gone, &x, 1) == -EFAULT);
	}
	CHECK(rpool_destroy(other) == 0);
	rig_down(&g);
}

/*
 * The cache's safety rule: the owner frees its page while the cache maps
 * it; the frame does not return to the allocator until reclaim unmaps it.
 */
static void test_cache_pins_and_reclaims(void)
{
	struct rig g;
	struct rcache *c;
	struct rmap_handle h;
	struct reuse_stats st;
	uint32_t gen;
	uint8_t b;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	c = rcache_create(g.dev, 8, 0);
	REQUIRE(c);
	REQUIRE(alloc_pages_va(&g, 0, &pfn));
	gen = page_generation(g.lab->pa, pfn);
	CHECK(rcache_map(c, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
	CHECK(rcache_unmap(c, &h) == 0);
	CHECK(rcache_map(c, pfn, 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
	CHECK(rcache_unmap(c, &h) == 0);
	rcache_stats(c, &st);
	CHECK(st.hits == 1 && st.misses == 1 && st.maps == 1 && st.pages_pinned == 1);
	CHECK(rcache_reclaim(c) == 0, "the owner still holds the page");
	CHECK(!page_put(g.lab->pa, pfn), "owner's free does not free a cached page");
	CHECK(page_generation(g.lab->pa, pfn) == gen && page_refcount(g.lab->pa, pfn) == 1);
	CHECK(devthread_read(g.dt, h.dma, &b, 1) == 0, "idle entry still mapped");
	CHECK(rcache_reclaim(c) == 1, "reclaim releases the entry only the cache holds");
	CHECK(page_refcount(g.lab->pa, pfn) == 0 && page_generation(g.lab->pa, pfn) == gen + 1,
	      "freed after the unmap");
	CHECK(devthread_read(g.dt, h.dma, &b, 1) == -EFAULT, "blocked after release");
	/* Sub-page buffers are refused: they must take bounce. */
	CHECK(rcache_map(c, pfn, 512, 512, DMA_TO_DEVICE, &h) == -EINVAL);
	CHECK(rcache_map(c, pfn, 0, 100, DMA_TO_DEVICE, &h) == -EINVAL);
	rcache_stats(c, &st);
	CHECK(st.errors == 2 && st.reclaimed == 1 && st.pages_pinned == 0);
	CHECK(rcache_destroy(c) == 0);
	rig_down(&g);
}

/*
 * Allocate @n pages into @pfn and cache each once (a miss, then its unmap).
 * False if a page could not be allocated.
 */
static bool cache_new_pages(struct rig *g, struct rcache *c, pfn_t *pfn, int n)
{
	struct rmap_handle h;

	for (int i = 0; i < n; i++) {
		if (!alloc_pages_va(g, 0, &pfn[i]))
			return false;
		CHECK(rcache_map(c, pfn[i], 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
		CHECK(rcache_unmap(c, &h) == 0);
	}
	return true;
}

/*
 * Releases come in batches that share one invalidation: a reclaim of many
 * cache-only entries pays one CMD_SYNC, and an insert beyond max_entries
 * evicts a sixteenth of the cache at once.  Every released page is
 * unreachable and freed only afterwards (the safety hook checks each free).
 */
static void test_cache_batches_invalidations(void)
{
	struct iommu_stats a, b;
	struct reuse_stats st;
	struct rcache *c;
	struct rig g;
	pfn_t pfn[65];

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	c = rcache_create(g.dev, 64, 0);
	REQUIRE(c);
	REQUIRE(cache_new_pages(&g, c, pfn, 64));
	iommu_stats_read(g.lab->m, &a);
	REQUIRE(cache_new_pages(&g, c, pfn + 64, 1));
	iommu_stats_read(g.lab->m, &b);
	rcache_stats(c, &st);
	CHECK(st.evicted == 1 + 4, "one over the limit evicts it and a batch of 4 (saw %llu)",
	      (unsigned long long)st.evicted);
	CHECK(b.syncs - a.syncs == 1, "the whole eviction paid one CMD_SYNC (saw %llu)",
	      (unsigned long long)(b.syncs - a.syncs));
	for (int i = 0; i < 5; i++)
		CHECK(iommu_frame_reachable(g.lab->m, pfn[i]) == 0, "LRU entry %d unmapped", i);
	/* The owner lets go of 40 pages: one reclaim, one CMD_SYNC. */
	for (int i = 5; i < 45; i++)
		CHECK(!page_put(g.lab->pa, pfn[i]), "page %d stays pinned by the cache", i);
	iommu_stats_read(g.lab->m, &a);
	CHECK(rcache_reclaim(c) == 40);
	iommu_stats_read(g.lab->m, &b);
	CHECK(b.syncs - a.syncs == 1, "40 releases, one CMD_SYNC (saw %llu)",
	      (unsigned long long)(b.syncs - a.syncs));
	for (int i = 5; i < 45; i++)
		CHECK(page_refcount(g.lab->pa, pfn[i]) == 0 &&
		      iommu_frame_reachable(g.lab->m, pfn[i]) == 0, "page %d unmapped and freed", i);
	CHECK(rcache_destroy(c) == 0);
	for (int i = 0; i < 65; i++)
		if (i < 5 || i >= 45)
			page_put(g.lab->pa, pfn[i]);
	rig_down(&g);
}

/*
 * rmapper_destroy() with a buffer still lent refuses and frees nothing: the
 * mapper (its cache included) keeps working, and a later destroy succeeds.
 */
static void test_mapper_destroy_busy_keeps_mapper(void)
{
	struct rmapper_cfg cfg = { .auto_crossover = 1024 };
	struct rmap_handle hb, hc;
	struct rmapper *m;
	uint8_t *b;
	struct rig g;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	m = rmapper_create(g.dev, RMECH_AUTO, &cfg);
	REQUIRE(m);
	b = alloc_pages_va(&g, 2, &pfn);
	REQUIRE(b);
	CHECK(rmapper_map(m, b, 2 * PAGE_SIZE, DMA_TO_DEVICE, &hc) == 0, "whole pages: cache");
	CHECK(rmapper_unmap(m, &hc) == 0);
	CHECK(rmapper_map(m, b + 3 * PAGE_SIZE, 100, DMA_TO_DEVICE, &hb) == 0, "small: bounce");
	CHECK(rmapper_destroy(m) == -EBUSY, "a bounce buffer is lent");
	CHECK(rmapper_map(m, b, 2 * PAGE_SIZE, DMA_TO_DEVICE, &hc) == 0,
	      "the cache still works after the refused destroy");
	CHECK(rmapper_unmap(m, &hc) == 0);
	/* A handle taken back is refused by sync and unmap alike. */
	CHECK(rmapper_sync_for_device(m, &hc) == -EINVAL, "sync of a cache handle taken back");
	CHECK(rmapper_unmap(m, &hc) == -EINVAL, "unmap twice");
	CHECK(rmapper_unmap(m, &hb) == 0);
	CHECK(rmapper_destroy(m) == 0);
	CHECK(iommu_frame_reachable(g.lab->m, pfn) == 0);
	page_put(g.lab->pa, pfn);
	rig_down(&g);
}

/*
 * rmapper_shrink() releases idle entries of a mapper's cache whose pages
 * their owner still holds -- those rmapper_maintain() leaves -- least
 * recently used first, never a lent one; a mapper without a cache releases
 * nothing.  The kernel module's shrinker relies on it for the mappers of
 * the cache and auto strategies.
 */
static void test_mapper_shrink_releases_idle_cache_entries(void)
{
	struct rmap_handle h[3];
	struct reuse_stats st;
	struct rmapper *m;
	struct rig g;
	uint8_t *b;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	m = rmapper_create(g.dev, RMECH_CACHE, NULL);
	REQUIRE(m);
	b = alloc_pages_va(&g, 2, &pfn);
	REQUIRE(b);
	for (int i = 0; i < 3; i++)
		CHECK(rmapper_map(m, b + i * PAGE_SIZE, PAGE_SIZE, DMA_TO_DEVICE, &h[i]) == 0,
		      "page %d cached", i);
	CHECK(rmapper_unmap(m, &h[0]) == 0);
	CHECK(rmapper_unmap(m, &h[1]) == 0);
	rmapper_maintain(m);
	rmapper_stats(m, &st);
	CHECK(st.pages_pinned == 3 && st.reclaimed == 0,
	      "the owner holds every page: maintain releases none (pinned %llu, reclaimed %llu)",
	      (unsigned long long)st.pages_pinned, (unsigned long long)st.reclaimed);
	CHECK(rmapper_shrink(m, 1) == 1);
	CHECK(iommu_frame_reachable(g.lab->m, pfn) == 0, "the least recently used went first");
	CHECK(iommu_frame_reachable(g.lab->m, pfn + (pfn_t)1) > 0, "the next one stays");
	CHECK(rmapper_shrink(m, 10) == 1, "only the other idle entry goes");
	CHECK(iommu_frame_reachable(g.lab->m, pfn + (pfn_t)1) == 0);
	CHECK(iommu_frame_reachable(g.lab->m, pfn + (pfn_t)2) > 0, "the lent entry stays mapped");
	rmapper_stats(m, &st);
	CHECK(st.reclaimed == 2 && st.pages_pinned == 1 && st.in_use == 1,
	      "reclaimed %llu pinned %llu in_use %llu", (unsigned long long)st.reclaimed,
	      (unsigned long long)st.pages_pinned, (unsigned long long)st.in_use);
	CHECK(rmapper_unmap(m, &h[2]) == 0);
	CHECK(rmapper_destroy(m) == 0);
	m = rmapper_create(g.dev, RMECH_BOUNCE, NULL);
	REQUIRE(m);
	CHECK(rmapper_shrink(m, 10) == 0, "a mapper without a cache releases nothing");
	CHECK(rmapper_destroy(m) == 0);
	page_put(g.lab->pa, pfn);
	rig_down(&g);
}

/*
 * A lock-free hit cannot move its entry in the LRU list; it marks it, and
 * shrink spares a marked entry once (CLOCK).  A, B, C cached in that order
 * (A at the tail), A hit again: the first shrink takes B, the next one A.
 */
static void test_cache_second_chance(void)
{
	struct reuse_stats st;
	struct rmap_handle h;
	struct rcache *c;
	struct rig g;
	pfn_t pfn[3];

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	c = rcache_create(g.dev, 0, 0);
	REQUIRE(c);
	REQUIRE(cache_new_pages(&g, c, pfn, 3));
	CHECK(rcache_map(c, pfn[0], 0, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0);
	CHECK(rcache_unmap(c, &h) == 0);
	rcache_stats(c, &st);
	CHECK(st.hits == 1 && st.misses == 3, "hits %llu misses %llu",
	      (unsigned long long)st.hits, (unsigned long long)st.misses);
	CHECK(rcache_shrink(c, 1) == 1);
	CHECK(iommu_frame_reachable(g.lab->m, pfn[1]) == 0, "B, idle since its miss, went first");
	CHECK(iommu_frame_reachable(g.lab->m, pfn[0]) > 0, "A, hit again, was spared");
	CHECK(rcache_shrink(c, 1) == 1);
	CHECK(iommu_frame_reachable(g.lab->m, pfn[0]) == 0, "A went next: one chance only");
	CHECK(iommu_frame_reachable(g.lab->m, pfn[2]) > 0);
	CHECK(rcache_destroy(c) == 0);
	for (int i = 0; i < 3; i++)
		page_put(g.lab->pa, pfn[i]);
	rig_down(&g);
}

/* Limits: LRU eviction by entries and bytes; shrink; lent entries stay. */
static void test_cache_limits_and_shrink(void)
{
	struct rig g;
	struct rcache *c;
	struct rmap_handle h[6];
	struct reuse_stats st;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	c = rcache_create(g.dev, 4, 3 * PAGE_SIZE);
	REQUIRE(c);
	REQUIRE(alloc_pages_va(&g, 3, &pfn));
	for (int i = 0; i < 6; i++) {
		CHECK(rcache_map(c, pfn + (pfn_t)i, 0, PAGE_SIZE, DMA_TO_DEVICE, &h[i]) == 0);
		if (i != 5)
			CHECK(rcache_unmap(c, &h[i]) == 0);
	}
	rcache_stats(c, &st);
	CHECK(st.evicted == 3 && st.pages_pinned == 3, "evicted %llu pinned %llu",
	      (unsigned long long)st.evicted, (unsigned long long)st.pages_pinned);
	CHECK(iommu_frame_reachable(g.lab->m, pfn) == 0, "LRU entry evicted and unmapped");
	CHECK(rcache_shrink(c, 10) == 2, "the lent entry is not shrunk");
	CHECK(rcache_destroy(c) == -EBUSY);
	CHECK(rcache_unmap(c, &h[5]) == 0);
	CHECK(rcache_unmap(c, &h[5]) == -EINVAL, "unmap twice");
	CHECK(rcache_destroy(c) == 0);
	for (int i = 0; i < 8; i++)
		CHECK(iommu_frame_reachable(g.lab->m, pfn + (pfn_t)i) == 0);
	page_put(g.lab->pa, pfn);
	rig_down(&g);
}

/* Objects that rely on a strict unmap refuse a lazy device. */
static void test_lazy_device_refused(void)
{
	struct rig g;

	REQUIRE(rig_up(&g, DMA_DOMAIN_LAZY));
	CHECK(rcache_create(g.dev, 0, 0) == NULL);
	CHECK(rreuse_create(g.dev) == NULL);
	CHECK(rmapper_create(g.dev, RMECH_CACHE, NULL) == NULL);
	CHECK(rmapper_create(g.dev, RMECH_REUSE, NULL) == NULL, "reuse is not per-buffer");
	CHECK(rmapper_why_not(RMECH_POOL) != NULL && rmapper_why_not(RMECH_BOUNCE) == NULL);
	rig_down(&g);
}

/*
 * Regression: a bounce buffer lent FROM_DEVICE, written only in part by the
 * device and taken back whole, must give the caller its own bytes for the
 * rest -- never the previous user's (Linux's swiotlb CVE-2022-0854).
 */
static void test_bounce_short_write_leaks_nothing(void)
{
	struct rig g;
	struct rbounce *b;
	struct rmap_handle h;
	uint8_t secret[1000], buf[1000], dev_bytes[100];

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	b = rbounce_create(g.dev, 0);
	REQUIRE(b);
	memset(secret, 0x5e, sizeof(secret));
	REQUIRE(rbounce_map(b, secret, sizeof(secret), DMA_TO_DEVICE, &h) == 0);
	CHECK(rbounce_unmap(b, &h) == 0);
	memset(buf, 0x11, sizeof(buf));
	REQUIRE(rbounce_map(b, buf, sizeof(buf), DMA_FROM_DEVICE, &h) == 0);
	memset(dev_bytes, 0x22, sizeof(dev_bytes));
	CHECK(devthread_write(g.dt, h.dma, dev_bytes, sizeof(dev_bytes)) == 0);
	CHECK(rbounce_unmap(b, &h) == 0);
	CHECK(buf[0] == 0x22 && buf[99] == 0x22, "the device's bytes arrive");
	CHECK(buf[100] == 0x11 && buf[999] == 0x11, "byte 100 is %#x: a short write leaked "
	      "the previous user's data", buf[100]);
	/* With RMAP_LEN_KNOWN and a partial unmap, the same holds without the fill. */
	REQUIRE(rbounce_map(b, secret, sizeof(secret), DMA_TO_DEVICE, &h) == 0);
	CHECK(rbounce_unmap(b, &h) == 0);
	memset(buf, 0x11, sizeof(buf));
	REQUIRE(rbounce_map_flags(b, buf, sizeof(buf), DMA_FROM_DEVICE, RMAP_LEN_KNOWN, &h) == 0);
	CHECK(devthread_write(g.dt, h.dma, dev_bytes, sizeof(dev_bytes)) == 0);
	CHECK(rbounce_unmap_partial(b, &h, sizeof(dev_bytes)) == 0);
	CHECK(buf[99] == 0x22 && buf[100] == 0x11, "partial unmap copies only what was written");
	CHECK(rbounce_destroy(b) == 0);
	rig_down(&g);
}

/*
 * The device reads what @h lends: the caller's @len bytes at @cpu, and past
 * them the 0xa5 the priming lend left.  @step names the copy checked.
 */
static void device_sees(struct rig *g, const struct rmap_handle *h, const uint8_t *cpu,
			size_t len, uint8_t *got, const char *step, enum rcopy_method mode,
			size_t off)
{
	uint8_t after;

	CHECK(devthread_read(g->dt, h->dma, got, len) == 0);
	CHECK(!memcmp(got, cpu, len), "mode %d %s: len %zu src offset %zu: bytes differ",
	      mode, step, len, off);
	CHECK(devthread_read(g->dt, h->dma + len, &after, 1) == 0);
	CHECK(after == 0xa5, "mode %d %s: len %zu src offset %zu wrote past its end (%#x)",
	      mode, step, len, off, after);
}

/*
 * One copy mode of test_bounce_stream_copies_exact: every length, from
 * every source offset, on the lend and on sync_for_device.
 */
static void copies_exact(struct rig *g, struct rbounce *b, enum rcopy_method mode,
			 uint8_t *src, uint8_t *got)
{
	static const size_t lens[] = {
		63, 64, 65, 1000, 2047, 2049, 2111, 4095, 4097, 16384 + 1, 65536 + 3,
	};
	static const size_t offs[] = { 0, 1, 7, 40 };

	for (size_t li = 0; li < ARRAY_SIZE(lens); li++)
		for (size_t oi = 0; oi < ARRAY_SIZE(offs); oi++) {
			size_t len = lens[li];
			uint8_t *cpu = src + offs[oi];
			unsigned int seed = (unsigned int)(li * 16 + oi);
			struct rmap_handle h;
			dma_addr_t primed;

			/* leave a known byte just past the buffer in bounce memory */
			memset(cpu, 0xa5, len + 1);
			REQUIRE(rbounce_map(b, cpu, len + 1, DMA_TO_DEVICE, &h) == 0);
			primed = h.dma;
			CHECK(rbounce_unmap(b, &h) == 0);

			fill(cpu, len, seed);
			cpu[len] = 0x3c;	/* what an overrun would copy there */
			REQUIRE(rbounce_map(b, cpu, len, DMA_BIDIRECTIONAL, &h) == 0);
			REQUIRE(h.dma == primed, "len %zu: not the primed buffer", len);
			device_sees(g, &h, cpu, len, got, "lend", mode, offs[oi]);
			fill(cpu, len, ~seed);
			CHECK(rbounce_sync_for_device(b, &h) == 0);
			device_sees(g, &h, cpu, len, got, "sync", mode, offs[oi]);
			CHECK(rbounce_unmap(b, &h) == 0);
		}
}

/*
 * Bounce copies toward the device, cached, streaming (whole 64-byte lines,
 * then the tail) and chosen (RCOPY_AUTO): lengths on each side of a line
 * and of a size class, from sources at odd addresses, must reach the device
 * byte for byte, on the lend and on sync_for_device after the caller
 * changed its bytes.  The device also reads the byte after the buffer to
 * see that no copy ran past its length: each length is below its size
 * class, so a first lend one byte longer primes that byte in the same
 * buffer (the free list is LIFO).  4096 itself is in the round trips.
 */
static void test_bounce_stream_copies_exact(void)
{
	static const enum rcopy_method modes[] = { RCOPY_CACHED, RCOPY_STREAM, RCOPY_AUTO };
	struct rcopy_est est;
	size_t bytes;
	struct rig g;
	struct rbounce *b;
	uint8_t *src, *got;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	b = rbounce_create(g.dev, 0);
	src = malloc(70000);
	got = malloc(70000);
	REQUIRE(b && src && got);
	CHECK(rbounce_set_copy(b, (enum rcopy_method)7) == -EINVAL);
	for (size_t mi = 0; mi < ARRAY_SIZE(modes); mi++) {
		REQUIRE(rbounce_set_copy(b, modes[mi]) == 0);
		if (modes[mi] != RCOPY_AUTO)
			CHECK(rbounce_copy_streams(b, 4096) == (modes[mi] == RCOPY_STREAM),
			      "mode %d: 4 KiB copies stream: %d", modes[mi],
			      rbounce_copy_streams(b, 4096));
		copies_exact(&g, b, modes[mi], src, got);
		for (unsigned int c = 0; c < RBOUNCE_NCLASSES; c++) {
			int use = rbounce_copy_state(b, 0, c, &bytes, &est);

			CHECK(bytes >= 256 && (modes[mi] == RCOPY_AUTO ?
			      use == (int)RCOPY_CACHED || use == (int)RCOPY_STREAM :
			      use == (int)modes[mi]),
			      "mode %d class %u (%zu B): use %d", modes[mi], c, bytes, use);
			/* Only AUTO chooses, and not for 256 B; the test copied into every class. */
			CHECK(!est.n == (modes[mi] != RCOPY_AUTO || c == 0),
			      "mode %d class %u: %u picks", modes[mi], c, est.n);
		}
	}
	{
		/* The tally of the last (AUTO) pass agrees with the areas' states. */
		struct rbounce_copy_tally t = { 0 };

		rbounce_copy_tally(b, &t);
		rbounce_copy_tally(NULL, &t);
		for (unsigned int c = 0; c < RBOUNCE_NCLASSES; c++) {
			unsigned int chose = 0, streams = 0;

			for (unsigned int a = 0; a < rbounce_nareas(b); a++) {
				int use = rbounce_copy_state(b, a, c, &bytes, &est);

				chose += est.n > 0;
				streams += est.n > 0 && use == (int)RCOPY_STREAM;
			}
			CHECK(t.chose[c] == chose && t.streams[c] == streams && t.bytes[c] == bytes,
			      "class %u: tally %u/%u %zu B, areas %u/%u %zu B", c, t.streams[c],
			      t.chose[c], t.bytes[c], streams, chose, bytes);
			CHECK((c == 0) == !chose, "class %u: %u areas chose", c, chose);
		}
	}
	CHECK(rbounce_copy_state(b, 0, RBOUNCE_NCLASSES, &bytes, &est) == -EINVAL);
	CHECK(rbounce_copy_state(b, rbounce_nareas(b), 0, &bytes, &est) == -EINVAL);
	CHECK(rbounce_nareas(b) == 2, "one area per CPU of the lab (2): %u", rbounce_nareas(b));
	CHECK(!rbounce_copy_streams(b, 0) && !rbounce_copy_streams(b, 1u << 30),
	      "a length no class holds never streams");
	free(src);
	free(got);
	CHECK(rbounce_destroy(b) == 0);
	rig_down(&g);
}

/*
 * The copy note: one entry per class that measured, smallest first; a class
 * whose areas disagree says how many stream; nothing measured, nothing
 * said; a short buffer is cut, never overrun, and stays a string.
 */
static void test_bounce_copy_note(void)
{
	struct rbounce_copy_tally t = { 0 };
	char buf[96], tiny[12];

	memset(buf, 'x', sizeof(buf));
	rbounce_copy_note(&t, buf, sizeof(buf));
	CHECK(buf[0] == '\0', "nothing measured: '%s'", buf);
	for (unsigned int c = 0; c < RBOUNCE_NCLASSES; c++)
		t.bytes[c] = 256u << (2 * c);
	t.chose[1] = 2;				/* 1 KiB: both areas cached */
	t.chose[2] = 2, t.streams[2] = 2;	/* 4 KiB: both stream */
	t.chose[4] = 3, t.streams[4] = 1;	/* 64 KiB: split */
	rbounce_copy_note(&t, buf, sizeof(buf));
	CHECK(!strcmp(buf, "bounce copies in: 1 KiB cached, 4 KiB stream, 64 KiB stream on 1 of 3 CPUs"),
	      "note: '%s'", buf);
	memset(tiny, 'x', sizeof(tiny));
	rbounce_copy_note(&t, tiny, sizeof(tiny) - 1);
	CHECK(!strcmp(tiny, "bounce cop") && tiny[sizeof(tiny) - 1] == 'x',
	      "cut to its buffer: '%.*s'", (int)sizeof(tiny), tiny);
}

/*
 * Bounce areas: a CPU whose area is empty takes buffers from another area
 * before the pool grows, so the pool's limit holds across CPUs; a buffer
 * goes back to the area that lent it, whichever CPU takes it back.  The
 * pool here holds one 64 KiB chunk: sixteen 4 KiB buffers.
 */
static void test_bounce_areas(void)
{
	enum { N = 16 };
	struct rmap_handle h[N + 1];
	struct reuse_stats st;
	struct rig g;
	struct rbounce *b;
	uint8_t *src;
	dma_addr_t first;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	b = rbounce_create(g.dev, 64u << 10);
	src = malloc(4096);
	REQUIRE(b && src);
	memset(src, 0x42, 4096);
	REQUIRE(rbounce_nareas(b) == 2);
	os_set_cpu(0);
	for (int i = 0; i < N; i++)
		REQUIRE(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[i]) == 0, "cpu 0 lend %d", i);
	CHECK(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[N]) == -ENOMEM,
	      "a 17th buffer beyond the pool's 64 KiB");
	for (int i = 0; i < N; i++)
		CHECK(rbounce_unmap(b, &h[i]) == 0);
	/* CPU 1's area is empty: it takes all sixteen from CPU 0's, and no more. */
	os_set_cpu(1);
	for (int i = 0; i < N; i++)
		CHECK(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[i]) == 0, "cpu 1 lend %d", i);
	CHECK(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[N]) == -ENOMEM,
	      "cpu 1 grew the pool past its limit");
	rbounce_stats(b, &st);
	CHECK(st.in_use == N && st.hits == 2 * N, "in_use %llu hits %llu",
	      (unsigned long long)st.in_use, (unsigned long long)st.hits);
	for (int i = 0; i < N; i++)
		CHECK(rbounce_unmap(b, &h[i]) == 0);
	/* Lent by CPU 0, taken back on CPU 1: it returns to CPU 0's area. */
	os_set_cpu(0);
	REQUIRE(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[0]) == 0);
	first = h[0].dma;
	os_set_cpu(1);
	CHECK(rbounce_unmap(b, &h[0]) == 0);
	REQUIRE(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[1]) == 0);
	CHECK(h[1].dma != first, "CPU 1 got back the buffer CPU 0 lent (%#llx)",
	      (unsigned long long)first);
	os_set_cpu(0);
	REQUIRE(rbounce_map(b, src, 4096, DMA_TO_DEVICE, &h[0]) == 0);
	CHECK(h[0].dma == first, "CPU 0's next lend is the buffer it lent last "
	      "(%#llx, got %#llx)", (unsigned long long)first, (unsigned long long)h[0].dma);
	CHECK(rbounce_unmap(b, &h[0]) == 0 && rbounce_unmap(b, &h[1]) == 0);
	rbounce_stats(b, &st);
	CHECK(st.in_use == 0 && st.hits == 2 * N + 3);
	free(src);
	CHECK(rbounce_destroy(b) == 0);
	rig_down(&g);
}

/* Drive a chooser: each pick costs cost[method]; timed picks are recorded. */
static void est_run(struct rcopy_est *e, unsigned int picks, const uint64_t cost[2],
		    unsigned int *timed_n, unsigned int *other_n)
{
	for (unsigned int i = 0; i < picks; i++) {
		enum rcopy_method use = e->use;
		bool timed;
		enum rcopy_method m = rcopy_est_pick(e, &timed);

		if (timed)
			rcopy_est_record(e, m, cost[m]);
		if (timed_n)
			*timed_n += timed;
		if (other_n)
			*other_n += m != use;
	}
}

/*
 * The bounce copy chooser (RCOPY_AUTO), on made-up costs: it warms up in
 * runs of each method, then takes the cheaper, times 1 copy in
 * RCOPY_SAMPLE_EVERY and explores the other method in runs; it follows a
 * lasting change of costs and ignores a single outlier.
 */
static void test_copy_chooser(void)
{
	const uint64_t cheap_cached[2] = { 40, 80 }, cheap_stream[2] = { 300, 80 };
	const unsigned int period = RCOPY_SAMPLE_EVERY * RCOPY_EXPLORE_EVERY;
	struct rcopy_est e = { 0 };
	unsigned int timed_n = 0, other_n = 0, i;
	bool timed;

	for (i = 0; i < 2 * RCOPY_WARMUP_RUN; i++) {
		enum rcopy_method m = rcopy_est_pick(&e, &timed);

		CHECK(timed, "warm-up copy %u is timed", i);
		CHECK(m == (i < RCOPY_WARMUP_RUN ? RCOPY_CACHED : RCOPY_STREAM),
		      "warm-up copy %u takes %d", i, m);
		rcopy_est_record(&e, m, cheap_cached[m]);
	}
	est_run(&e, 4 * RCOPY_WARMUP * RCOPY_WARMUP_RUN, cheap_cached, NULL, NULL);
	REQUIRE(e.samples[RCOPY_CACHED] >= RCOPY_WARMUP && e.samples[RCOPY_STREAM] >= RCOPY_WARMUP);
	CHECK(e.use == RCOPY_CACHED, "cached costs half: use %d", e.use);
	/* Steady state from a period's start: the sampling and exploring rates. */
	while (e.n % period)
		est_run(&e, 1, cheap_cached, NULL, NULL);
	est_run(&e, 4 * period, cheap_cached, &timed_n, &other_n);
	CHECK(timed_n == 4 * RCOPY_EXPLORE_EVERY, "%u timed copies in %u", timed_n, 4 * period);
	CHECK(other_n == 4 * RCOPY_EXPLORE_RUN, "%u exploring copies in %u", other_n, 4 * period);
	/* An exploring copy is timed only after a run of its method (steady use). */
	for (i = 0, other_n = 0; i < 2 * period; i++) {
		enum rcopy_method m = rcopy_est_pick(&e, &timed);

		other_n = m != RCOPY_CACHED ? other_n + 1 : 0;
		if (timed && m != RCOPY_CACHED)
			CHECK(other_n == RCOPY_EXPLORE_RUN, "copy %u: an exploring copy timed "
			      "after %u of its method", i, other_n - 1);
		if (timed)
			rcopy_est_record(&e, m, cheap_cached[m]);
	}
	CHECK(e.use == RCOPY_CACHED);
	/* One outlier (a preemption) does not flip the choice. */
	rcopy_est_record(&e, RCOPY_CACHED, 1000000);
	CHECK(e.use == RCOPY_CACHED, "one outlier flipped the choice");
	est_run(&e, period, cheap_cached, NULL, NULL);
	CHECK(e.use == RCOPY_CACHED);
	/* A lasting change: cached now costs 300; the choice follows within 20 samples. */
	for (i = 0; i < 20 * RCOPY_SAMPLE_EVERY && e.use == RCOPY_CACHED; i++)
		est_run(&e, 1, cheap_stream, NULL, NULL);
	CHECK(e.use == RCOPY_STREAM, "still cached after %u copies at 300 vs 80 ns", i);
	/* And back: the explored method's mean stays current. */
	for (i = 0; i < 40 * period && e.use == RCOPY_STREAM; i++)
		est_run(&e, 1, cheap_cached, NULL, NULL);
	CHECK(e.use == RCOPY_CACHED, "still streaming after %u copies at 40 vs 80 ns", i);
	/* A method that is neither is not recorded. */
	i = e.samples[RCOPY_CACHED] + e.samples[RCOPY_STREAM];
	rcopy_est_record(&e, RCOPY_AUTO, 5);
	CHECK(e.samples[RCOPY_CACHED] + e.samples[RCOPY_STREAM] == i);
}

/*
 * A map that fails leaves its handle unmapped, whatever the handle held:
 * here the handle is a copy of one still lent (a driver's ring slot reused
 * before its old descriptor was cleared).  Its unmap must be refused as
 * misuse and leave the live buffer lent -- not unmap that buffer (a double
 * unmap once its owner takes it back).  One failure per path: bounce (too
 * big), cache and direct (the miss's allocation fails), iova-link (range
 * full), auto's direct path.
 */
static void test_mapper_failed_map_leaves_handle_unmapped(void)
{
	static const struct {
		enum reuse_strategy s;
		size_t len_ok, off_bad, len_bad;	/* off_bad: from the block's start */
		bool inject;				/* fail the bad map's first allocation */
	} cases[] = {
		{ RS_BOUNCE, 4096, 0, 300 * 1024, false },	/* above rbounce_max_len() */
		{ RS_CACHE, 4096, 4 * 4096, 4096, true },
		{ RS_IOVA_LINK, 4096, 4 * 4096, 4096, false },	/* one page of range */
		{ RS_STRICT, 4096, 4 * 4096, 4096, true },
		{ RS_AUTO, 3000, 4 * 4096 + 100, 3000, true },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *name = reuse_strategy_name(cases[i].s);
		struct rmapper_cfg cfg = { .link_bytes = PAGE_SIZE, .auto_crossover = 1024 };
		struct reuse_stats before, after;
		struct rmap_handle live, slot;
		struct rmapper *m;
		struct rig g;
		uint8_t *va;
		pfn_t pfn;
		int r;

		REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
		m = rmapper_create(g.dev, mech_of(cases[i].s), &cfg);
		REQUIRE(m, "%s", name);
		va = alloc_pages_va(&g, 7, &pfn);	/* 512 KiB: room for 300 KiB */
		REQUIRE(va);
		REQUIRE(rmapper_map(m, va, cases[i].len_ok, DMA_TO_DEVICE, &live) == 0, "%s", name);
		slot = live;
		if (cases[i].inject)
			failinject_arm(1);
		r = rmapper_map(m, va + cases[i].off_bad, cases[i].len_bad, DMA_TO_DEVICE, &slot);
		if (cases[i].inject)
			CHECK(failinject_disarm(), "%s: the injected failure fired", name);
		CHECK(r < 0, "%s: the second map failed (%d)", name, r);
		rmapper_stats(m, &before);
		CHECK(rmapper_unmap(m, &slot) == -EINVAL, "%s: unmap after a failed map refused",
		      name);
		CHECK(rmapper_sync_for_cpu(m, &slot) == -EINVAL, "%s: sync after a failed map "
		      "refused", name);
		rmapper_stats(m, &after);
		CHECK(after.errors == before.errors + 2 && after.in_use == before.in_use &&
		      after.unmaps == before.unmaps, "%s: counted as misuse (errors %llu -> %llu), "
		      "nothing taken back (in use %llu -> %llu)", name,
		      (unsigned long long)before.errors, (unsigned long long)after.errors,
		      (unsigned long long)before.in_use, (unsigned long long)after.in_use);
		CHECK(rmapper_unmap(m, &live) == 0, "%s: the live buffer is still lent", name);
		CHECK(rmapper_destroy(m) == 0, "%s", name);
		page_put(g.lab->pa, pfn);
		rig_down(&g);
	}
}

/*
 * Regression: a direct unmap counted an invalidation unless the mapper's
 * strategy was passthrough, so auto's direct path (and any mechanism over
 * the direct path) on an identity domain counted invalidations that never
 * happened.  The count now follows the device: what the OS binding says
 * its unmap does (osdep_dma_unmap_invalidates()), asked once at create.
 */
static void test_mapper_direct_unmap_invalidations_follow_device(void)
{
	static const struct {
		enum dma_domain_type type;
		enum reuse_mech mech;
		bool invalidates;
	} cases[] = {
		{ DMA_DOMAIN_PASSTHROUGH, RMECH_NONE, false },
		{ DMA_DOMAIN_PASSTHROUGH, RMECH_AUTO, false },
		{ DMA_DOMAIN_STRICT, RMECH_NONE, true },
		{ DMA_DOMAIN_STRICT, RMECH_AUTO, true },
		{ DMA_DOMAIN_LAZY, RMECH_NONE, true },	/* at the flush, one per unmap */
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct rmapper_cfg cfg = { .auto_crossover = 1024 };
		const char *name = reuse_mech_name(cases[i].mech);
		struct reuse_stats st;
		struct rmapper *m;
		struct rig g;
		uint8_t *va;
		pfn_t pfn;

		REQUIRE(rig_up(&g, cases[i].type));
		m = rmapper_create(g.dev, cases[i].mech, &cfg);
		REQUIRE(m, "%s on %s", name, dma_domain_type_name(cases[i].type));
		va = alloc_pages_va(&g, 1, &pfn);
		REQUIRE(va);
		for (int k = 0; k < 4; k++) {
			struct rmap_handle h;

			/* 3000 bytes at offset 100: above the crossover, not whole pages: direct */
			REQUIRE(rmapper_map(m, va + 100, 3000, DMA_TO_DEVICE, &h) == 0);
			CHECK(rmapper_unmap(m, &h) == 0);
		}
		rmapper_stats(m, &st);
		CHECK(st.maps == 4 && st.unmaps == 4 && st.bytes_copied == 0,
		      "%s on %s: 4 direct maps (maps %llu, copied %llu)", name,
		      dma_domain_type_name(cases[i].type), (unsigned long long)st.maps,
		      (unsigned long long)st.bytes_copied);
		CHECK(st.invalidations == (cases[i].invalidates ? 4u : 0u),
		      "%s on %s: %llu invalidations counted for 4 unmaps", name,
		      dma_domain_type_name(cases[i].type), (unsigned long long)st.invalidations);
		CHECK(rmapper_destroy(m) == 0);
		page_put(g.lab->pa, pfn);
		rig_down(&g);
	}
}

/*
 * The direct path (strict, passthrough, auto's odd sizes) has no record of
 * its own per mapping, and the DMA layer's unmap reports nothing back; a
 * copy of a direct handle already taken back is still refused while the
 * mapper has no direct mapping lent, and its count of lent mappings does
 * not wrap (which made every later rmapper_destroy() fail with -EBUSY).
 */
static void test_mapper_direct_stale_copy_refused(void)
{
	static const enum reuse_strategy ss[] = { RS_STRICT, RS_PASSTHROUGH };

	for (size_t i = 0; i < ARRAY_SIZE(ss); i++) {
		const char *name = reuse_strategy_name(ss[i]);
		struct rmap_handle h, copy;
		struct reuse_stats st;
		struct rmapper *m;
		struct rig g;
		uint8_t *va;
		pfn_t pfn;

		REQUIRE(rig_up(&g, domain_for(ss[i])));
		m = rmapper_create(g.dev, mech_of(ss[i]), NULL);
		REQUIRE(m, "%s", name);
		va = alloc_pages_va(&g, 0, &pfn);
		REQUIRE(va);
		REQUIRE(rmapper_map(m, va, PAGE_SIZE, DMA_TO_DEVICE, &h) == 0, "%s", name);
		copy = h;
		CHECK(rmapper_unmap(m, &h) == 0, "%s", name);
		CHECK(rmapper_unmap(m, &copy) == -EINVAL, "%s: the stale copy is refused", name);
		rmapper_stats(m, &st);
		CHECK(st.in_use == 0 && st.unmaps == 1 && st.errors == 1,
		      "%s: in use %llu, unmaps %llu, errors %llu", name,
		      (unsigned long long)st.in_use, (unsigned long long)st.unmaps,
		      (unsigned long long)st.errors);
		CHECK(rmapper_destroy(m) == 0, "%s: nothing is lent", name);
		page_put(g.lab->pa, pfn);
		rig_down(&g);
	}
}

/*
 * The cache's and the IOVA context's own syncs: a lent handle is synced and
 * stays lent; a handle of another object, one taken back, or one whose len
 * changed is refused, counted, and never reaches the DMA layer.
 */
static void test_cache_and_link_syncs_check_handles(void)
{
	struct rmap_handle h, bad;
	struct dma_stats d0, d1;
	struct rcache *c, *c2;
	struct reuse_stats st;
	struct rlink *l, *l2;
	struct rig g;
	pfn_t pfn;

	REQUIRE(rig_up(&g, DMA_DOMAIN_STRICT));
	c = rcache_create(g.dev, 0, 0);
	c2 = rcache_create(g.dev, 0, 0);
	l = rlink_create(g.dev, 4 * PAGE_SIZE);
	l2 = rlink_create(g.dev, 4 * PAGE_SIZE);
	REQUIRE(c && c2 && l && l2);
	REQUIRE(alloc_pages_va(&g, 0, &pfn));

	REQUIRE(rcache_map(c, pfn, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h) == 0);
	CHECK(rcache_sync_for_cpu(c, &h) == 0 && rcache_sync_for_device(c, &h) == 0);
	CHECK(rcache_sync_for_cpu(c2, &h) == -EINVAL, "another cache's handle");
	bad = h;
	bad.len = 2 * PAGE_SIZE;
	CHECK(rcache_sync_for_device(c, &bad) == -EINVAL, "a longer handle");
	bad = h;
	CHECK(rcache_unmap(c, &h) == 0);
	CHECK(rcache_sync_for_cpu(c, &h) == -EINVAL, "a handle taken back");
	CHECK(rcache_sync_for_device(c, &bad) == -EINVAL, "a copy of a handle taken back");
	rcache_stats(c, &st);
	CHECK(st.errors == 3 && st.in_use == 0, "errors %llu in use %llu",
	      (unsigned long long)st.errors, (unsigned long long)st.in_use);
	rcache_stats(c2, &st);
	CHECK(st.errors == 1);

	REQUIRE(rlink_map(l, pfn, 100, 1000, DMA_BIDIRECTIONAL, &h) == 0);
	dma_stats_read(g.dev, &d0);
	CHECK(rlink_sync_for_cpu(l, &h) == 0 && rlink_sync_for_device(l, &h) == 0);
	dma_stats_read(g.dev, &d1);
	CHECK(d1.syncs == d0.syncs + 1 && d1.misuse == d0.misuse,
	      "one IOVA sync for the device (syncs %llu -> %llu, misuse %llu -> %llu)",
	      (unsigned long long)d0.syncs, (unsigned long long)d1.syncs,
	      (unsigned long long)d0.misuse, (unsigned long long)d1.misuse);
	CHECK(rlink_sync_for_cpu(l2, &h) == -EINVAL, "another context's handle");
	bad = h;
	bad.len = 2000;
	CHECK(rlink_sync_for_device(l, &bad) == -EINVAL, "a longer handle");
	bad = h;
	CHECK(rlink_unmap(l, &h) == 0);
	CHECK(rlink_sync_for_cpu(l, &bad) == -EINVAL, "a copy of a handle unlinked");
	dma_stats_read(g.dev, &d0);
	CHECK(d0.syncs == d1.syncs && d0.misuse == d1.misuse,
	      "a refused sync reached the DMA layer");
	rlink_stats(l, &st);
	CHECK(st.errors == 2 && st.in_use == 0, "errors %llu in use %llu",
	      (unsigned long long)st.errors, (unsigned long long)st.in_use);
	rlink_stats(l2, &st);
	CHECK(st.errors == 1);

	CHECK(rcache_destroy(c) == 0 && rcache_destroy(c2) == 0);
	CHECK(rlink_destroy(l) == 0 && rlink_destroy(l2) == 0);
	page_put(g.lab->pa, pfn);
	rig_down(&g);
}

/* Strategy names round-trip; every strategy has an isolation line. */
static void test_strategy_names(void)
{
	for (int s = 0; s < RS_COUNT; s++) {
		CHECK(reuse_strategy_parse(reuse_strategy_name((enum reuse_strategy)s)) == s);
		CHECK(strlen(reuse_strategy_isolation((enum reuse_strategy)s)) > 10);
	}
	CHECK(reuse_strategy_parse("iova-link") == RS_IOVA_LINK);
	CHECK(reuse_strategy_parse("fast") == -1);
	CHECK(reuse_strategy_parse("strictly") == -1);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_mapper_round_trips),
		TEST(test_reusable_sg),
		TEST(test_maponce_misuse),
		TEST(test_pool),
		TEST(test_cache_pins_and_reclaims),
		TEST(test_cache_second_chance),
		TEST(test_cache_limits_and_shrink),
		TEST(test_cache_batches_invalidations),
		TEST(test_mapper_destroy_busy_keeps_mapper),
		TEST(test_mapper_shrink_releases_idle_cache_entries),
		TEST(test_mapper_failed_map_leaves_handle_unmapped),
		TEST(test_mapper_direct_stale_copy_refused),
		TEST(test_mapper_direct_unmap_invalidations_follow_device),
		TEST(test_cache_and_link_syncs_check_handles),
		TEST(test_lazy_device_refused),
		TEST(test_bounce_short_write_leaks_nothing),
		TEST(test_bounce_stream_copies_exact),
		TEST(test_bounce_copy_note),
		TEST(test_copy_chooser),
		TEST(test_bounce_areas),
		TEST(test_strategy_names),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
