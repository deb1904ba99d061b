// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * mapper.c - one per-buffer front for drivers over every mechanism that
 * works buffer by buffer, and the `auto` policy.
 *
 *   none        map/unmap directly; the device's domain (its IOMMU mode,
 *               the OS's business) decides what an unmap costs and keeps
 *   bounce      rbounce
 *   cache       rcache for whole pages; sub-page buffers take bounce, by
 *               design (docs/design.md section 6)
 *   iova-link   rlink
 *   auto        <= crossover bytes: bounce; whole pages: cache; anything
 *               else: a direct map/unmap
 *   batch       rbatch, its own or one the driver shares (rmapper_cfg.batch);
 *               the batch holds each buffer's page until its flush, since
 *               the caller may free the buffer once the unmap returns
 *
 * The mapper never asks which mode the device is in.  The one thing of the
 * mode it needs -- whether a direct unmap invalidates anything, for the
 * counters -- it asks the OS binding once, at create, so the per-buffer
 * paths test a field as before.  The objects under it ask the binding what
 * they need themselves (the cache refuses a lazy device).
 *
 * reuse and pool are not per-buffer mechanisms: reuse needs the upper
 * layer's marking (see the scatterlist glue) and pool hands out the
 * driver's own buffers, so a mapper refuses them and says why.
 *
 * A handle's kind says which path lent it, and only a lent handle has one:
 * the map call sets it when the path under it succeeded and clears it when
 * that failed, the unmap clears it; sync and unmap of a handle without a
 * kind are refused as misuse, never passed down (the handle's other fields
 * may be stale or, after a failed map, never written).
 *
 * Every buffer a map call is given is checked first: cpu + len must not
 * wrap, and a directly mapped one must be memory (rspan_ok()); the objects
 * underneath check their own spans.  Every handle is checked before it is
 * passed down: a bounced, cached or linked one by the object that lent it
 * (which knows whether it lent it, and to whom); a directly mapped one,
 * which no object records, carries the mapper (priv) and a check word over
 * its dma, len and dir keyed by a per-mapper secret (aux), so a handle of
 * another mapper or one whose fields changed is refused before the DMA
 * layer sees it.
 *
 * The auto crossover is measured when the mapper is created, on the device
 * it will serve: the cost of a one-page map + unmap pair against the cost of
 * copying buffers of growing size.  Bouncing wins while one copy is cheaper
 * than the pair; the largest such size is the crossover.
 */
#include "reuse_int.h"

enum { K_DIRECT = 1, K_BOUNCE, K_CACHE, K_LINK, K_BATCH };

struct rmapper {
	osdep_dev_t *dev;
	enum reuse_mech mech;
	bool unmap_invalidates;		/* osdep_dma_unmap_invalidates(dev), at create */
	struct rbounce *bounce;
	struct rcache *cache;
	struct rlink *link;
	struct rbatch *batch;		/* batch: the batches (shared or own_batch) */
	struct rbatch *own_batch;	/* ... when they are the mapper's own */
	osdep_atomic_t batch_in_use;	/* buffers lent through batch now */
	size_t crossover;
	uint64_t secret;		/* keys the check word of direct handles */
	/*
	 * The direct path's counters, one per event, per CPU where the binding
	 * has per-CPU counters (Linux): every CPU maps and unmaps through the
	 * one mapper, and a lock around them was the one thing its CPUs shared
	 * (96 simulated CPUs spent 1.5 us of each page waiting for it).
	 */
	osdep_counter_t maps, unmaps, invalidations;
	osdep_atomic_t in_use;		/* direct mappings lent out now */
	bool counters;			/* the counters above were initialised */
	osdep_lock_t lock;		/* protects errors */
	uint64_t errors;
};

const char *rmapper_why_not(enum reuse_mech mech)
{
	switch (mech) {
	case RMECH_REUSE:
		return "reuse needs the upper layer to mark its buffers reusable "
		       "(sg_mark_reusable / rmo_register); it is not a per-buffer mapping";
	case RMECH_POOL:
		return "pool lends the driver's own buffers (rpool_get); it cannot map "
		       "buffers that come from the upper layer";
	default:
		return (unsigned int)mech < RMECH_COUNT ? NULL : "unknown mechanism";
	}
}

static void sort_u64(uint64_t *v, unsigned int n)
{
	/* insertion sort: n is small */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int k = i; k && v[k - 1] > v[k]; k--) {
			uint64_t t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
}

size_t reuse_measure_crossover(osdep_dev_t *dev, uint64_t *pair_ns,
			       uint64_t *copy4k_ns)
{
	enum { RUNS = 9, REPS = 32, ORDER = 6 };
	uint64_t t[RUNS], pair, copy;
	osdep_page_t src, dst;
	size_t best = 0;
	char *s, *d;

	if (osdep_alloc_pages(dev, ORDER, &src))
		return 0;
	if (osdep_alloc_pages(dev, ORDER, &dst)) {
		osdep_free_pages(dev, src, ORDER);
		return 0;
	}
	s = osdep_page_address(dev, src);
	d = osdep_page_address(dev, dst);
	for (unsigned int r = 0; r < RUNS; r++) {
		uint64_t t0 = osdep_now_ns();

		for (unsigned int i = 0; i < REPS; i++) {
			dma_addr_t a = osdep_dma_map_page(dev, src, 0, PAGE_SIZE, DMA_TO_DEVICE);

			if (!osdep_dma_mapping_error(dev, a))
				osdep_dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		}
		t[r] = (osdep_now_ns() - t0) / REPS;
	}
	sort_u64(t, RUNS);
	pair = t[RUNS / 2];
	if (pair_ns)
		*pair_ns = pair;
	for (size_t sz = 64; sz <= (PAGE_SIZE << ORDER); sz *= 2) {
		for (unsigned int r = 0; r < RUNS; r++) {
			uint64_t t0 = osdep_now_ns();

			for (unsigned int i = 0; i < REPS; i++) {
				memcpy(d, s, sz);
				osdep_cost_copy(sz);
				/* keep the copy from being optimised away */
				__asm__ volatile("" : : "r"(d) : "memory");
			}
			t[r] = (osdep_now_ns() - t0) / REPS;
		}
		sort_u64(t, RUNS);
		copy = t[RUNS / 2];
		if (sz == PAGE_SIZE && copy4k_ns)
			*copy4k_ns = copy;
		if (copy < pair)
			best = sz;
	}
	osdep_free_pages(dev, src, ORDER);
	osdep_free_pages(dev, dst, ORDER);
	return best;
}

struct rmapper *rmapper_create(osdep_dev_t *dev, enum reuse_mech mech,
			       const struct rmapper_cfg *cfg)
{
	static const struct rmapper_cfg defaults;
	struct rmapper *m;

	if (rmapper_why_not(mech)) {
		osdep_warn("rmapper_create(%s): %s", reuse_mech_name(mech), rmapper_why_not(mech));
		return NULL;
	}
	if (!cfg)
		cfg = &defaults;
	m = osdep_zalloc(sizeof(*m));
	if (!m)
		return NULL;
	m->dev = dev;
	m->mech = mech;
	m->unmap_invalidates = osdep_dma_unmap_invalidates(dev);
	m->secret = mix64((uint64_t)(uintptr_t)m ^ osdep_now_ns());
	osdep_lock_init(&m->lock);
	if (osdep_counter_init(&m->maps))
		goto out_lock;
	if (osdep_counter_init(&m->unmaps))
		goto out_maps;
	if (osdep_counter_init(&m->invalidations))
		goto out_unmaps;
	m->counters = true;
	if (mech == RMECH_BOUNCE || mech == RMECH_CACHE || mech == RMECH_AUTO) {
		m->bounce = rbounce_create(dev, cfg->bounce_bytes);
		if (!m->bounce)
			goto out_free;
	}
	if (mech == RMECH_CACHE || mech == RMECH_AUTO) {
		m->cache = rcache_create(dev, cfg->cache_entries, cfg->cache_bytes);
		if (!m->cache)
			goto out_free;
	}
	if (mech == RMECH_IOVA_LINK) {
		m->link = rlink_create(dev, cfg->link_bytes ? cfg->link_bytes : (4u << 20));
		if (!m->link)
			goto out_free;
	}
	if (mech == RMECH_BATCH) {
		m->batch = cfg->batch;
		if (!m->batch)
			m->batch = m->own_batch = rbatch_create(dev, cfg->batch_size);
		if (!m->batch)
			goto out_free;
	}
	if (mech == RMECH_AUTO) {
		m->crossover = cfg->auto_crossover ? cfg->auto_crossover :
			reuse_measure_crossover(dev, NULL, NULL);
		if (m->crossover > rbounce_max_len())
			m->crossover = rbounce_max_len();
	}
	return m;

out_free:
	rmapper_destroy(m);
	return NULL;
out_unmaps:
	osdep_counter_destroy(&m->unmaps);
out_maps:
	osdep_counter_destroy(&m->maps);
out_lock:
	osdep_lock_destroy(&m->lock);
	osdep_free(m);
	return NULL;
}

/* The check word of a direct handle of @m's with these fields. */
static inline uint64_t direct_check(const struct rmapper *m, dma_addr_t dma, size_t len,
				    enum dma_data_direction dir)
{
	uint64_t k = mix64(m->secret ^ (uint64_t)dma);

	k = mix64(k ^ (uint64_t)len);
	return mix64(k ^ (uint64_t)dir);
}

static bool whole_pages(const void *cpu, size_t len)
{
	return !((uintptr_t)cpu & (PAGE_SIZE - 1)) && len && !(len & (PAGE_SIZE - 1));
}

/* A map that failed leaves @h without a kind: not lent (see the top). */
static int map_failed(struct rmap_handle *h, int r)
{
	h->kind = 0;
	return r;
}

/*
 * The path under the mapper returned @r for @h: it is lent as @kind, or
 * not.  A select, not a branch to an out-of-line path: this is on every
 * hit.
 */
static inline int mapped(struct rmap_handle *h, uint8_t kind, int r)
{
	h->kind = r ? 0 : kind;
	return r;
}

/* Count a refused call of @m's; says why, once. */
static RSLOWPATH int refused(struct rmapper *m, const char *fn, const struct rmap_handle *h,
			     const char *why)
{
	osdep_lock(&m->lock);
	m->errors++;
	osdep_unlock(&m->lock);
	osdep_warn("%s(handle %p: dma %#llx, len %zu): %s", fn, (const void *)h,
		   (unsigned long long)h->dma, h->len, why);
	return -EINVAL;
}

static RSLOWPATH int map_refused(struct rmapper *m, const void *cpu, size_t len,
				 enum dma_data_direction dir, struct rmap_handle *h)
{
	osdep_lock(&m->lock);
	m->errors++;
	osdep_unlock(&m->lock);
	osdep_warn("rmapper_map(cpu %p, len %zu, dir %d): expected 1 or more bytes of memory "
		   "that do not wrap the address space, and a valid direction", cpu, len,
		   (int)dir);
	return map_failed(h, -EINVAL);
}

static int map_direct(struct rmapper *m, void *cpu, size_t len,
		      enum dma_data_direction dir, struct rmap_handle *h)
{
	osdep_page_t page = osdep_virt_to_page(m->dev, cpu);
	size_t off = (uintptr_t)cpu & (PAGE_SIZE - 1);
	dma_addr_t a;

	if (!rspan_ok(m->dev, page, off, len))
		return map_refused(m, cpu, len, dir, h);
	a = osdep_dma_map_page(m->dev, page, off, len, dir);
	if (osdep_dma_mapping_error(m->dev, a))
		return map_failed(h, -ENOMEM);
	*h = (struct rmap_handle){ .dma = a, .len = len, .dir = dir, .cpu = cpu, .priv = m,
				   .aux = direct_check(m, a, len, dir), .kind = K_DIRECT };
	osdep_counter_add(&m->maps, 1);
	osdep_atomic_add_return(&m->in_use, 1);
	return 0;
}

int rmapper_map(struct rmapper *m, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h)
{
	return rmapper_map_flags(m, cpu, len, dir, 0, h);
}

int rmapper_map_flags(struct rmapper *m, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h)
{
	int r;

	if (!rcpu_span_ok(cpu, len) || !dir_ok(dir))
		return map_refused(m, cpu, len, dir, h);
	switch (m->mech) {
	case RMECH_BOUNCE:
		r = rbounce_map_flags(m->bounce, cpu, len, dir, flags, h);
		return mapped(h, K_BOUNCE, r);
	case RMECH_CACHE:
		if (!whole_pages(cpu, len)) {
			r = rbounce_map_flags(m->bounce, cpu, len, dir, flags, h);
			return mapped(h, K_BOUNCE, r);
		}
		r = rcache_map(m->cache, osdep_virt_to_page(m->dev, cpu), 0, len, dir, h);
		h->cpu = cpu;
		return mapped(h, K_CACHE, r);
	case RMECH_IOVA_LINK:
		r = rlink_map(m->link, osdep_virt_to_page(m->dev, cpu),
			      (uintptr_t)cpu & (PAGE_SIZE - 1), len, dir, h);
		h->cpu = cpu;
		return mapped(h, K_LINK, r);
	case RMECH_AUTO:
		if (len <= m->crossover) {
			r = rbounce_map_flags(m->bounce, cpu, len, dir, flags, h);
			return mapped(h, K_BOUNCE, r);
		}
		if (whole_pages(cpu, len)) {
			r = rcache_map(m->cache, osdep_virt_to_page(m->dev, cpu), 0, len, dir, h);
			h->cpu = cpu;
			return mapped(h, K_CACHE, r);
		}
		return map_direct(m, cpu, len, dir, h);
	case RMECH_BATCH:
		r = rbatch_map(m->batch, osdep_virt_to_page(m->dev, cpu),
			       (uintptr_t)cpu & (PAGE_SIZE - 1), len, dir, h);
		if (!r)
			osdep_atomic_add_return(&m->batch_in_use, 1);
		return mapped(h, K_BATCH, r);
	default:
		return map_direct(m, cpu, len, dir, h);
	}
}

int rmapper_unmap(struct rmapper *m, struct rmap_handle *h)
{
	return rmapper_unmap_partial(m, h, h->len);
}

/* Misuse: @h is not (or no longer) lent.  Counted and logged once per call. */
static int not_mapped(struct rmapper *m, const char *fn, const struct rmap_handle *h)
{
	return refused(m, fn, h, "handle is not mapped");
}

/* Whether @h is a direct handle of @m's, its fields as mapped. */
static inline bool direct_ours(const struct rmapper *m, const struct rmap_handle *h)
{
	return h->priv == m && h->aux == direct_check(m, h->dma, h->len, h->dir);
}

static RSLOWPATH int direct_refused(struct rmapper *m, const char *fn,
				    const struct rmap_handle *h)
{
	return refused(m, fn, h, h->priv != m ? "a direct handle of another mapper" :
			  "its dma, len or dir differ from those it was mapped with");
}

/* A handle taken back forgets its kind: a later sync or unmap is refused. */
static int unmapped(struct rmap_handle *h, int r)
{
	if (!r)
		h->kind = 0;
	return r;
}

/*
 * The direct path's unmap.  The DMA layer does not report misuse back
 * (osdep_dma_unmap_page() returns nothing, as Linux's dma_unmap_page()
 * does), so the mapper refuses what it can see itself: a direct handle
 * while no direct mapping is lent -- a copy of a handle already taken back
 * -- is misuse, counted and refused before it reaches the DMA layer, and
 * the count of lent mappings cannot wrap.  (With other direct mappings
 * lent, such a copy is caught only by the DMA layer, which logs it.)
 */
static int unmap_direct(struct rmapper *m, struct rmap_handle *h)
{
	if (!direct_ours(m, h))
		return direct_refused(m, "rmapper_unmap", h);
	{
		int old = osdep_atomic_read(&m->in_use);

		do {
			if (old <= 0)
				return not_mapped(m, "rmapper_unmap", h);
		} while (!osdep_atomic_try_cmpxchg(&m->in_use, &old, old - 1));
	}
	osdep_counter_add(&m->unmaps, 1);
	if (m->unmap_invalidates)
		osdep_counter_add(&m->invalidations, 1);
	osdep_dma_unmap_page(m->dev, h->dma, h->len, h->dir);
	h->kind = 0;
	return 0;
}

static RSLOWPATH int used_refused(struct rmapper *m, const struct rmap_handle *h,
				  size_t used)
{
	osdep_lock(&m->lock);
	m->errors++;
	osdep_unlock(&m->lock);
	osdep_warn("rmapper_unmap_partial(dma %#llx): %zu bytes used; expected at most the "
		   "%zu lent", (unsigned long long)h->dma, used, h->len);
	return -EINVAL;
}

int rmapper_unmap_partial(struct rmapper *m, struct rmap_handle *h, size_t used)
{
	if (h->kind && used > h->len)
		return used_refused(m, h, used);
	switch (h->kind) {
	case K_BOUNCE:
		return unmapped(h, rbounce_unmap_partial(m->bounce, h, used));
	case K_CACHE:
		return unmapped(h, rcache_unmap(m->cache, h));
	case K_LINK:
		return unmapped(h, rlink_unmap(m->link, h));
	case K_BATCH:
		if (rbatch_unmap(m->batch, h))
			return -EINVAL;
		osdep_atomic_add_return(&m->batch_in_use, -1);
		return unmapped(h, 0);
	case K_DIRECT:
		return unmap_direct(m, h);
	default:
		return not_mapped(m, "rmapper_unmap", h);
	}
}

int rmapper_sync_for_cpu(struct rmapper *m, struct rmap_handle *h)
{
	switch (h->kind) {
	case K_BOUNCE:
		return rbounce_sync_for_cpu(m->bounce, h);
	case K_CACHE:
		return rcache_sync_for_cpu(m->cache, h);
	case K_LINK:
		return rlink_sync_for_cpu(m->link, h);
	case K_BATCH:
		return rbatch_sync_for_cpu(m->batch, h);
	case K_DIRECT:
		if (!direct_ours(m, h))
			return direct_refused(m, "rmapper_sync_for_cpu", h);
		osdep_dma_sync_for_cpu(m->dev, h->dma, h->len, h->dir);
		return 0;
	default:
		return not_mapped(m, "rmapper_sync_for_cpu", h);
	}
}

int rmapper_sync_for_device(struct rmapper *m, struct rmap_handle *h)
{
	switch (h->kind) {
	case K_BOUNCE:
		return rbounce_sync_for_device(m->bounce, h);
	case K_CACHE:
		return rcache_sync_for_device(m->cache, h);
	case K_LINK:
		return rlink_sync_for_device(m->link, h);
	case K_BATCH:
		return rbatch_sync_for_device(m->batch, h);
	case K_DIRECT:
		if (!direct_ours(m, h))
			return direct_refused(m, "rmapper_sync_for_device", h);
		osdep_dma_sync_for_device(m->dev, h->dma, h->len, h->dir);
		return 0;
	default:
		return not_mapped(m, "rmapper_sync_for_device", h);
	}
}

void rmapper_maintain(struct rmapper *m)
{
	if (m->cache)
		rcache_reclaim(m->cache);
	if (m->batch)
		rbatch_flush_all(m->batch);
}

void rmapper_flush(struct rmapper *m)
{
	if (m->batch)
		rbatch_flush(m->batch);
}

size_t rmapper_shrink(struct rmapper *m, size_t nr)
{
	return m->cache ? rcache_shrink(m->cache, nr) : 0;
}

size_t rmapper_crossover(const struct rmapper *m)
{
	return m->crossover;
}

struct rbounce *rmapper_bounce(const struct rmapper *m)
{
	return m->bounce;
}

enum reuse_mech rmapper_mech(const struct rmapper *m)
{
	return m->mech;
}

void rmapper_stats(struct rmapper *m, struct reuse_stats *out)
{
	struct reuse_stats s;

	memset(out, 0, sizeof(*out));
	out->maps = osdep_counter_read(&m->maps);
	out->misses = out->maps;	/* a direct map is always a miss */
	out->unmaps = osdep_counter_read(&m->unmaps);
	out->invalidations = osdep_counter_read(&m->invalidations);
	out->in_use = (uint64_t)osdep_atomic_read(&m->in_use);
	osdep_lock(&m->lock);
	out->errors = m->errors;
	osdep_unlock(&m->lock);
	if (m->bounce) {
		rbounce_stats(m->bounce, &s);
		reuse_stats_add(out, &s);
	}
	if (m->cache) {
		rcache_stats(m->cache, &s);
		reuse_stats_add(out, &s);
	}
	if (m->link) {
		rlink_stats(m->link, &s);
		reuse_stats_add(out, &s);
	}
	if (m->own_batch) {
		rbatch_stats(m->own_batch, &s);
		reuse_stats_add(out, &s);
	}
}

/* Buffers lent out now by the objects under @m. */
static uint64_t lent(struct rmapper *m)
{
	struct reuse_stats st;
	uint64_t n = 0;

	if (m->cache) {
		rcache_stats(m->cache, &st);
		n += st.in_use;
	}
	if (m->bounce) {
		rbounce_stats(m->bounce, &st);
		n += st.in_use;
	}
	if (m->link) {
		rlink_stats(m->link, &st);
		n += st.in_use;
	}
	return n + (uint64_t)osdep_atomic_read(&m->batch_in_use);
}

int rmapper_destroy(struct rmapper *m)
{
	int r = 0;

	if (!m)
		return 0;
	if (osdep_atomic_read(&m->in_use)) {
		osdep_warn("rmapper_destroy: %d direct mapping(s) still lent out",
			   osdep_atomic_read(&m->in_use));
		return -EBUSY;
	}
	/* Check every object first, so that -EBUSY leaves @m whole and usable. */
	if (lent(m)) {
		osdep_warn("rmapper_destroy: %llu buffer(s) still lent out",
			   (unsigned long long)lent(m));
		return -EBUSY;
	}
	if (m->cache && (r = rcache_destroy(m->cache)))
		return r;
	m->cache = NULL;
	if (m->bounce && (r = rbounce_destroy(m->bounce)))
		return r;
	m->bounce = NULL;
	if (m->link && (r = rlink_destroy(m->link)))
		return r;
	m->link = NULL;
	if (m->own_batch && (r = rbatch_destroy(m->own_batch)))
		return r;
	if (m->counters) {
		osdep_counter_destroy(&m->maps);
		osdep_counter_destroy(&m->unmaps);
		osdep_counter_destroy(&m->invalidations);
	}
	osdep_lock_destroy(&m->lock);
	osdep_free(m);
	return 0;
}
