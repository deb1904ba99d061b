// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * cache.c - a transparent mapping cache inside a driver.
 *
 * Key: (frame, offset, length, direction) on one device.  A hit returns
 * the cached DMA address after a sync -- no map, no unmap, no invalidation.
 * A miss pins the page (one reference) and maps it; "unmap" only syncs for
 * the CPU and leaves the entry cached.  Registration caches (libfabric's
 * util_mr_cache, UCX's rcache) learned the hard way that a cached mapping
 * must never outlive the memory it maps; here the page reference makes that
 * impossible: the owner may free its page at any time, but the frame only
 * returns to the allocator when the cache drops its reference, and the
 * cache drops it only after an unmap whose invalidation has completed.
 *
 * Release paths, all "unmap with invalidation, then unpin", each in one
 * batch whose invalidation the OS may do as a single flush:
 *   reclaim  idle entries whose page is referenced by the cache alone (the
 *            owner has let go) -- the periodic pass;
 *   shrink   the N least recently used idle entries -- memory pressure (a
 *            shrinker in the kernel);
 *   evict    the LRU idle entries beyond max_entries / max_bytes, plus a
 *            sixteenth of max_entries so that evictions come in batches.
 * Entries lent out (in_use > 0) are never released.
 *
 * Only whole pages are cached: a sub-page buffer shares its page with other
 * owners, and a cached mapping would keep the neighbours exposed; those take
 * bounce (a sub-page request here is refused as misuse).
 *
 * Lock: c->lock protects the hash, the LRU list and the counters, and every
 * raise of an entry's in_use; rcache_unmap() lowers in_use without it (a
 * release only ever takes entries it sees at zero under the lock, and a
 * lowered count only makes that more likely, never wrong).  Syncs are
 * skipped for mappings where they do nothing (osdep_dma_need_sync(), asked
 * once at miss time).  Maps, syncs and unmaps run outside the lock.  A known limit: an
 * entry pins the head of the page's block, so two entries pinning pages of
 * the same block see each other's reference and reclaim neither until one is
 * shrunk or evicted.
 */
#include "reuse_int.h"

#define HASH_BITS 12
#define HASH_SIZE (1u << HASH_BITS)

struct rc_entry {
	struct rc_entry *hnext;
	struct rlist lru;		/* head = most recently used */
	osdep_page_t page;
	size_t offset, len;
	enum dma_data_direction dir;
	dma_addr_t dma;
	bool need_sync;			/* syncs on this mapping do something */
	osdep_atomic_t in_use;		/* raised under c->lock, lowered lock-free */
};

struct rcache {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	unsigned int max_entries, nentries;
	size_t max_bytes, bytes;
	struct rc_entry *hash[HASH_SIZE];
	struct rlist lru;
	struct reuse_stats st;		/* under lock */
	osdep_counter_t unmap_syncs;	/* rcache_unmap(), lock-free */
};

static unsigned int hash_of(osdep_page_t page, size_t offset, size_t len,
			    enum dma_data_direction dir)
{
	uint64_t k = (uint64_t)osdep_page_key(page) * 0x9e3779b97f4a7c15ull;

	k ^= (offset >> 12) * 0xc2b2ae3d27d4eb4full ^ len ^ ((uint64_t)dir << 60);
	return (unsigned int)(k >> (64 - HASH_BITS));
}

struct rcache *rcache_create(osdep_dev_t *dev, unsigned int max_entries,
			     size_t max_bytes)
{
	struct rcache *c;

	if (!osdep_dma_unmap_is_strict(dev)) {
		osdep_warn("rcache_create: the device's unmap is lazy; a released entry could "
			   "stay in the IOTLB after its page is freed");
		return NULL;
	}
	c = osdep_zalloc(sizeof(*c));
	if (!c)
		return NULL;
	if (osdep_counter_init(&c->unmap_syncs)) {
		osdep_free(c);
		return NULL;
	}
	c->dev = dev;
	c->max_entries = max_entries ? max_entries : 4096;
	c->max_bytes = max_bytes ? max_bytes : (64u << 20);
	osdep_lock_init(&c->lock);
	rlist_init(&c->lru);
	return c;
}

static struct rc_entry *lookup_locked(struct rcache *c, osdep_page_t page,
				      size_t offset, size_t len,
				      enum dma_data_direction dir)
{
	struct rc_entry *e = c->hash[hash_of(page, offset, len, dir)];

	for (; e; e = e->hnext)
		if (e->page == page && e->offset == offset && e->len == len && e->dir == dir)
			return e;
	return NULL;
}

static void unhash_locked(struct rcache *c, struct rc_entry *e)
{
	struct rc_entry **pp = &c->hash[hash_of(e->page, e->offset, e->len, e->dir)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	rlist_del(&e->lru);
	c->nentries--;
	c->bytes -= e->len;
	c->st.pages_pinned--;
}


/*
 * Detach up to @nr idle entries from the LRU tail that @pred accepts, onto
 * the singly linked list *@out (via hnext).  Under c->lock.
 */
static size_t detach_locked(struct rcache *c, size_t nr,
			    bool (*pred)(struct rcache *c, struct rc_entry *e),
			    struct rc_entry **out)
{
	struct rlist *pos = c->lru.prev;
	size_t n = 0;

	while (pos != &c->lru && n < nr) {
		struct rc_entry *e = rlist_entry(pos, struct rc_entry, lru);

		pos = pos->prev;
		if (osdep_atomic_read(&e->in_use) || (pred && !pred(c, e)))
			continue;
		unhash_locked(c, e);
		e->hnext = *out;
		*out = e;
		n++;
	}
	return n;
}

/*
 * Release detached entries: unmap them all (every invalidation complete on
 * return -- one flush for the lot where the OS can batch), then unpin and
 * free.  Unlocked.  Without memory for the batch, one by one.
 */
static size_t release_list(struct rcache *c, struct rc_entry *list)
{
	struct rc_entry *e, *next;
	osdep_unmap_t *v;
	size_t n = 0, i = 0;

	for (e = list; e; e = e->hnext)
		n++;
	v = n > 1 ? osdep_zalloc(n * sizeof(*v)) : NULL;
	for (e = list; e; e = e->hnext) {
		osdep_unmap_t one = { .addr = e->dma, .size = e->len, .dir = e->dir };

		if (v)
			v[i++] = one;
		else
			osdep_dma_unmap_batch(c->dev, &one, 1);
	}
	if (v) {
		osdep_dma_unmap_batch(c->dev, v, n);
		osdep_free(v);
	}
	for (e = list; e; e = next) {
		next = e->hnext;
		osdep_page_put(c->dev, e->page);
		osdep_free(e);
	}
	return n;
}

/*
 * Entries evicted at once beyond the overflow: one flush serves them all, and
 * the cache then has room for as many misses before it evicts again.
 */
static size_t evict_batch(const struct rcache *c)
{
	return c->max_entries >= 64 ? c->max_entries / 16 : 4;
}

int rcache_map(struct rcache *c, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h)
{
	struct rc_entry *e, *victims = NULL;

	if ((offset & (PAGE_SIZE - 1)) || !len || (len & (PAGE_SIZE - 1)) || !dir_ok(dir)) {
		osdep_lock(&c->lock);
		c->st.errors++;
		osdep_unlock(&c->lock);
		osdep_warn("rcache_map(page %#llx, offset %zu, len %zu): only whole pages are "
			   "cached; a sub-page buffer must take bounce",
			   (unsigned long long)osdep_page_key(page), offset, len);
		return -EINVAL;
	}
	osdep_lock(&c->lock);
	e = lookup_locked(c, page, offset, len, dir);
	if (e) {
		ratomic_add(&e->in_use, 1);
		if (c->lru.next != &e->lru) {
			rlist_del(&e->lru);
			rlist_add(&c->lru, &e->lru);
		}
		c->st.hits++;
		if (e->need_sync)
			c->st.syncs++;
		osdep_unlock(&c->lock);
		if (e->need_sync)
			osdep_dma_sync_for_device(c->dev, e->dma, len, dir);
		goto out;
	}
	osdep_unlock(&c->lock);

	/* Miss: pin and map outside the lock. */
	e = osdep_zalloc(sizeof(*e));
	if (!e)
		return -ENOMEM;
	*e = (struct rc_entry){ .page = page, .offset = offset, .len = len, .dir = dir };
	osdep_page_get(c->dev, page);
	e->dma = osdep_dma_map_page(c->dev, page, offset, len, dir);
	if (osdep_dma_mapping_error(c->dev, e->dma)) {
		osdep_page_put(c->dev, page);
		osdep_free(e);
		return -ENOMEM;
	}
	e->need_sync = osdep_dma_need_sync(c->dev, e->dma);
	osdep_atomic_set(&e->in_use, 1);
	osdep_lock(&c->lock);
	/* Another CPU may have cached the same key meanwhile: both stay valid. */
	e->hnext = c->hash[hash_of(page, offset, len, dir)];
	c->hash[hash_of(page, offset, len, dir)] = e;
	rlist_add(&c->lru, &e->lru);
	c->nentries++;
	c->bytes += len;
	c->st.misses++;
	c->st.maps++;
	c->st.pages_pinned++;
	if (c->nentries > c->max_entries || c->bytes > c->max_bytes) {
		size_t over = c->nentries > c->max_entries ? c->nentries - c->max_entries : 0;
		size_t n = detach_locked(c, over + evict_batch(c), NULL, &victims);

		/* Bytes still over: keep evicting idle LRU entries. */
		while (c->bytes > c->max_bytes && detach_locked(c, 1, NULL, &victims))
			n++;
		c->st.evicted += n;
		c->st.unmaps += n;
		c->st.invalidations += n;
	}
	osdep_unlock(&c->lock);
	release_list(c, victims);
out:
	*h = (struct rmap_handle){ .dma = e->dma, .len = len, .dir = dir, .priv = e };
	return 0;
}

int rcache_unmap(struct rcache *c, struct rmap_handle *h)
{
	struct rc_entry *e = h->priv;

	/*
	 * The caller's in_use reference keeps @e alive until we drop it, so
	 * it can be checked and synced without the lock.
	 */
	if (!e || e->dma != h->dma || osdep_atomic_read(&e->in_use) <= 0) {
		osdep_lock(&c->lock);
		c->st.errors++;
		osdep_unlock(&c->lock);
		osdep_warn("rcache_unmap(dma %#llx): not a lent cache entry",
			   (unsigned long long)h->dma);
		return -EINVAL;
	}
	h->priv = NULL;
	if (e->need_sync) {
		osdep_dma_sync_for_cpu(c->dev, e->dma, e->len, e->dir);
		osdep_counter_add(&c->unmap_syncs, 1);
	}
	ratomic_add(&e->in_use, -1);	/* from here a release may take it */
	return 0;
}

static bool only_cache_refs(struct rcache *c, struct rc_entry *e)
{
	return osdep_page_refcount(c->dev, e->page) == 1;
}

size_t rcache_reclaim(struct rcache *c)
{
	struct rc_entry *victims = NULL;
	size_t n;

	osdep_lock(&c->lock);
	n = detach_locked(c, (size_t)-1, only_cache_refs, &victims);
	c->st.reclaimed += n;
	c->st.unmaps += n;
	c->st.invalidations += n;
	osdep_unlock(&c->lock);
	return release_list(c, victims);
}

size_t rcache_shrink(struct rcache *c, size_t nr)
{
	struct rc_entry *victims = NULL;
	size_t n;

	osdep_lock(&c->lock);
	n = detach_locked(c, nr, NULL, &victims);
	c->st.reclaimed += n;
	c->st.unmaps += n;
	c->st.invalidations += n;
	osdep_unlock(&c->lock);
	return release_list(c, victims);
}

/* Entries lent out now: counted when asked, not on the hit path.  Locked. */
static uint64_t lent_locked(struct rcache *c)
{
	uint64_t n = 0;

	for (struct rlist *p = c->lru.next; p != &c->lru; p = p->next)
		n += (uint64_t)osdep_atomic_read(&rlist_entry(p, struct rc_entry, lru)->in_use);
	return n;
}

void rcache_stats(struct rcache *c, struct reuse_stats *out)
{
	osdep_lock(&c->lock);
	*out = c->st;
	out->in_use = lent_locked(c);
	osdep_unlock(&c->lock);
	out->syncs += osdep_counter_read(&c->unmap_syncs);
}

int rcache_destroy(struct rcache *c)
{
	uint64_t busy;

	if (!c)
		return 0;
	osdep_lock(&c->lock);
	busy = lent_locked(c);
	osdep_unlock(&c->lock);
	if (busy) {
		osdep_warn("rcache_destroy: %llu entr%s still lent out", (unsigned long long)busy,
			   busy == 1 ? "y" : "ies");
		return -EBUSY;
	}
	rcache_shrink(c, (size_t)-1);
	osdep_counter_destroy(&c->unmap_syncs);
	osdep_lock_destroy(&c->lock);
	osdep_free(c);
	return 0;
}
