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
 * A miss checks the span before it pins or maps: offset + len, and the
 * page's address plus both, computed without wrapping and inside memory
 * (rspan_ok(); a wrapped sum would map another owner's page).  A hit needs
 * no such check: its key is that of an entry whose miss passed it.
 *
 * Handles: every entry records its cache (set once: entries never move
 * between caches) and a generation bumped at every fill; a handle carries
 * the generation (aux).  unmap and sync take a handle only if its entry is
 * this cache's, lent, of the same generation, and its dma, len and dir are
 * the entry's: a handle of another cache, a stale copy of a handle whose
 * entry was since released and refilled, or a changed length is refused.
 * (A copy of a handle whose entry is still lent to someone else cannot be
 * told from the original: lenders share an entry, counted, not named.)
 *
 * Only whole pages are cached: a sub-page buffer shares its page with other
 * owners, and a cached mapping would keep the neighbours exposed; those take
 * bounce (a sub-page request here is refused as misuse).
 *
 * Hits take no lock.  A lookup walks the hash chain with acquire loads
 * (every chain link is stored with release, so an entry is seen only after
 * its initialisation, as rcu_assign_pointer/rcu_dereference order it), finds
 * the key, and lends the entry by raising in_use with a compare-and-
 * swap that succeeds only from a value >= 0; then it checks the key again,
 * because the entry may have been released and reused for another buffer
 * between the two reads.  That is all safety needs:
 *   - a release takes an entry only by swapping in_use from 0 to RC_DEAD
 *     (under c->lock), so a lent entry is never released and a released one
 *     is never lent;
 *   - entry memory is type-stable: a released entry goes to the cache's free
 *     list and a later miss reuses it; none is freed while the cache lives
 *     (rcache_destroy() frees them, with no users left), so a lookup racing
 *     a release reads an entry, never freed memory -- the pattern of the
 *     kernel's SLAB_TYPESAFE_BY_RCU lookups, without needing RCU;
 *   - a miss fills an entry and only then publishes it by setting in_use to
 *     1 (a release store); a lookup that wins the swap (a full barrier)
 *     reads the fields after it.
 * A lookup that loses any race -- a dead entry, a key that changed, a chain
 * longer than RC_WALK_MAX because entries moved between chains under it --
 * takes the locked path.  A lock-free hit cannot move its entry in the LRU
 * list (that needs the lock); it sets the entry's referenced flag, and
 * evict and shrink give a referenced entry a second chance (CLOCK, as the
 * kernel's page LRU does with PG_referenced).  Hits and syncs are counted in
 * the entry, on the cache line the swap has just written, and summed when
 * stats are read: no cache line is written by hits of different entries.
 * The free list holds at most as many entries as the cache ever held at once
 * (its limits plus concurrent misses).
 *
 * Lock: c->lock protects the hash chains, the LRU list, the free list, c->st
 * and every change of in_use to or from RC_DEAD.  Maps, syncs and unmaps run
 * outside it.  Syncs are skipped for mappings where they do nothing
 * (osdep_dma_need_sync(), asked once at miss time).  A known limit: an entry
 * pins the head of the page's block, so two entries pinning pages of the same
 * block see each other's reference and reclaim neither until one is shrunk
 * or evicted.
 */
#include "reuse_int.h"

#define HASH_BITS 12
#define HASH_SIZE (1u << HASH_BITS)

/* in_use of an entry released, being released, or on the free list. */
#define RC_DEAD (-(1 << 30))
/* Chain links a lock-free lookup follows before it takes the lock. */
#define RC_WALK_MAX 16

/*
 * hnext and the key (page, offset, len, dir) are read by lock-free lookups,
 * so every write to them is atomic (hnext: OSDEP_STORE_RELEASE, the key:
 * OSDEP_WRITE_ONCE); dma and need_sync are
 * read only by a lender (after the swap) or under c->lock.
 */
struct rc_entry {
	struct rc_entry *hnext;		/* hash chain, release batch or free list */
	struct rcache *cache;		/* the cache it belongs to; set once */
	uint64_t gen;			/* bumped at every fill; a handle's aux */
	struct rlist lru;		/* head = most recently used */
	osdep_page_t page;
	size_t offset, len;
	enum dma_data_direction dir;
	dma_addr_t dma;
	bool need_sync;			/* syncs on this mapping do something */
	osdep_atomic_t in_use;		/* lenders (>= 0), or RC_DEAD */
	osdep_atomic_t referenced;	/* lent lock-free since the last scan */
	osdep_counter_t hits, syncs;	/* since the entry was allocated */
	uint64_t hits_seen, syncs_seen;	/* the part already in c->st (lock) */
};

struct rcache {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	unsigned int max_entries, nentries;
	size_t max_bytes, bytes;
	struct rc_entry *hash[HASH_SIZE];
	struct rlist lru;
	struct rc_entry *free;		/* released entries, for later misses */
	struct reuse_stats st;		/* under lock; hits and syncs in part */
};

/* Fibonacci hashing of the whole key: the top bits depend on every bit. */
static unsigned int hash_of(osdep_page_t page, size_t offset, size_t len,
			    enum dma_data_direction dir)
{
	uint64_t k = (uint64_t)osdep_page_key(page) ^ ((uint64_t)offset << 20) ^
		     ((uint64_t)len << 32) ^ (unsigned int)dir;

	return (unsigned int)((k * 0x9e3779b97f4a7c15ull) >> (64 - HASH_BITS));
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
	c->dev = dev;
	c->max_entries = max_entries ? max_entries : 4096;
	c->max_bytes = max_bytes ? max_bytes : (64u << 20);
	osdep_lock_init(&c->lock);
	rlist_init(&c->lru);
	return c;
}

static bool key_is(struct rc_entry *e, osdep_page_t page, size_t offset, size_t len,
		   enum dma_data_direction dir)
{
	return OSDEP_READ_ONCE(e->page) == page && OSDEP_READ_ONCE(e->offset) == offset &&
	       OSDEP_READ_ONCE(e->len) == len && OSDEP_READ_ONCE(e->dir) == dir;
}

/* Lend @e if it is live: raise in_use from a value >= 0. */
static bool lend(struct rc_entry *e)
{
	/* Acquire: pairs with the release set of in_use to 1 that publishes the fields. */
	int old = osdep_atomic_read(&e->in_use);

	do {
		if (old < 0)
			return false;
	} while (!osdep_atomic_try_cmpxchg(&e->in_use, &old, old + 1));
	return true;
}

/*
 * The lock-free hit: a live entry for the key, lent to the caller, or NULL
 * (no such entry, or a race lost: the caller takes the lock and looks again).
 */
static struct rc_entry *lookup_lend(struct rcache *c, unsigned int bucket, osdep_page_t page,
				    size_t offset, size_t len, enum dma_data_direction dir)
{
	/* Pairs with map_slow()'s OSDEP_STORE_RELEASE of the bucket head: e's fields are set. */
	struct rc_entry *e = OSDEP_LOAD_ACQUIRE(c->hash[bucket]);

	osdep_cost_lookup();
	/* Each hnext pairs with its OSDEP_STORE_RELEASE in map_slow(), unhash_locked() and detach_locked(). */
	for (unsigned int n = 0; e && n < RC_WALK_MAX; n++, e = OSDEP_LOAD_ACQUIRE(e->hnext)) {
		if (!key_is(e, page, offset, len, dir))
			continue;
		osdep_race_window();
		if (!lend(e))
			return NULL;
		osdep_race_window();
		if (key_is(e, page, offset, len, dir))
			return e;
		ratomic_add(&e->in_use, -1);	/* reused for another buffer meanwhile */
		return NULL;
	}
	return NULL;
}

static struct rc_entry *lookup_locked(struct rcache *c, unsigned int bucket,
				      osdep_page_t page, size_t offset, size_t len,
				      enum dma_data_direction dir)
{
	struct rc_entry *e = c->hash[bucket];

	osdep_assert_held(&c->lock);

	for (; e; e = e->hnext)
		if (key_is(e, page, offset, len, dir))
			return e;
	return NULL;
}

/* Move the entry's hits and syncs not yet counted into c->st.  Locked. */
static void fold_counts_locked(struct rcache *c, struct rc_entry *e)
{
	uint64_t h = osdep_counter_read(&e->hits), s = osdep_counter_read(&e->syncs);

	osdep_assert_held(&c->lock);

	c->st.hits += h - e->hits_seen;
	c->st.syncs += s - e->syncs_seen;
	e->hits_seen = h;
	e->syncs_seen = s;
}

static void unhash_locked(struct rcache *c, struct rc_entry *e)
{
	struct rc_entry **pp = &c->hash[hash_of(e->page, e->offset, e->len, e->dir)];

	osdep_assert_held(&c->lock);

	while (*pp != e)
		pp = &(*pp)->hnext;
	OSDEP_STORE_RELEASE(*pp, e->hnext);
	rlist_del(&e->lru);
	c->nentries--;
	c->bytes -= e->len;
	c->st.pages_pinned--;
}

/*
 * Detach up to @nr idle entries from the LRU tail that @pred accepts, onto
 * the singly linked list *@out (via hnext); each is taken by swapping its
 * in_use from 0 to RC_DEAD, which a concurrent lock-free hit may win.  With
 * @second_chance, an entry hit since the last scan is spared once (its flag
 * cleared).  Under c->lock.
 */
static size_t detach_locked(struct rcache *c, size_t nr,
			    bool (*pred)(struct rcache *c, struct rc_entry *e),
			    bool second_chance, struct rc_entry **out)
{
	struct rlist *pos = c->lru.prev;
	size_t n = 0;

	osdep_assert_held(&c->lock);

	while (pos != &c->lru && n < nr) {
		struct rc_entry *e = rlist_entry(pos, struct rc_entry, lru);
		int idle = 0;

		pos = pos->prev;
		if (osdep_atomic_read(&e->in_use) || (pred && !pred(c, e)))
			continue;
		if (second_chance && osdep_atomic_read(&e->referenced)) {
			osdep_atomic_set(&e->referenced, 0);
			continue;
		}
		if (!osdep_atomic_try_cmpxchg(&e->in_use, &idle, RC_DEAD))
			continue;	/* lent lock-free just now */
		fold_counts_locked(c, e);
		unhash_locked(c, e);
		OSDEP_STORE_RELEASE(e->hnext, *out);
		*out = e;
		n++;
	}
	return n;
}

/*
 * Up to @nr idle entries in CLOCK order: those not hit since the last scan
 * first, then, if that was not enough, the rest from the LRU tail.  Locked.
 */
static size_t detach_lru_locked(struct rcache *c, size_t nr, struct rc_entry **out)
{
	size_t n = detach_locked(c, nr, NULL, true, out);

	osdep_assert_held(&c->lock);

	if (n < nr)
		n += detach_locked(c, nr - n, NULL, false, out);
	return n;
}

/* Entries from the free list, or a new one; in_use is RC_DEAD. */
static struct rc_entry *entry_get(struct rcache *c)
{
	struct rc_entry *e;

	osdep_lock(&c->lock);
	e = c->free;
	if (e)
		c->free = e->hnext;
	osdep_unlock(&c->lock);
	if (e)
		return e;
	e = osdep_zalloc(sizeof(*e));
	if (!e)
		return NULL;
	e->cache = c;
	if (osdep_counter_init(&e->hits)) {
		osdep_free(e);
		return NULL;
	}
	if (osdep_counter_init(&e->syncs)) {
		osdep_counter_destroy(&e->hits);
		osdep_free(e);
		return NULL;
	}
	osdep_atomic_set(&e->in_use, RC_DEAD);
	return e;
}

/* Give dead entries (a list linked by hnext) back for reuse. */
static void entries_put(struct rcache *c, struct rc_entry *list)
{
	struct rc_entry *e, *next;

	if (!list)
		return;
	osdep_lock(&c->lock);
	for (e = list; e; e = next) {
		next = e->hnext;
		OSDEP_STORE_RELEASE(e->hnext, c->free);
		c->free = e;
	}
	osdep_unlock(&c->lock);
}

/*
 * Release detached entries: unmap them all (every invalidation complete on
 * return -- one flush for the lot where the OS can batch), then unpin, then
 * put the entries on the free list.  Unlocked.  Without memory for the
 * batch, one by one.
 */
static size_t release_list(struct rcache *c, struct rc_entry *list)
{
	struct rc_entry *e;
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
	for (e = list; e; e = e->hnext)
		osdep_page_put(c->dev, e->page);
	entries_put(c, list);
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

/* A hit on an entry already lent to the caller: count it, sync it. */
static void hit(struct rcache *c, struct rc_entry *e, size_t len,
		enum dma_data_direction dir)
{
	osdep_counter_add(&e->hits, 1);
	if (!e->need_sync)
		return;
	osdep_counter_add(&e->syncs, 1);
	osdep_dma_sync_for_device(c->dev, e->dma, len, dir);
}

static RSLOWPATH int map_refused(struct rcache *c, osdep_page_t page, size_t offset,
				 size_t len, enum dma_data_direction dir)
{
	size_t end;
	const char *why = !dir_ok(dir) ? "an invalid direction" :
			  !len || ((offset | len) & (PAGE_SIZE - 1)) ?
			  "not whole pages (a sub-page buffer must take bounce)" :
			  !radd_ok(offset, len, &end) ? "offset + len wraps" :
			  "the span is not memory";

	osdep_lock(&c->lock);
	c->st.errors++;
	osdep_unlock(&c->lock);
	osdep_warn("rcache_map(page %#llx, offset %#zx, len %#zx, dir %d): %s; expected whole "
		   "pages of memory, offset + len not wrapping, and a valid direction",
		   (unsigned long long)osdep_page_key(page), offset, len, (int)dir, why);
	return -EINVAL;
}

/*
 * The locked path: a hit the lock-free lookup missed, or a miss.  Fills @h
 * on success.
 */
static RSLOWPATH int map_slow(struct rcache *c, unsigned int bucket, osdep_page_t page,
			      size_t offset, size_t len, enum dma_data_direction dir,
			      struct rmap_handle *h)
{
	struct rc_entry *e, *victims = NULL;

	osdep_lock(&c->lock);
	e = lookup_locked(c, bucket, page, offset, len, dir);
	if (e) {
		ratomic_add(&e->in_use, 1);	/* hashed, so not RC_DEAD */
		if (c->lru.next != &e->lru) {
			rlist_del(&e->lru);
			rlist_add(&c->lru, &e->lru);
		}
		osdep_unlock(&c->lock);
		hit(c, e, len, dir);
		goto out;
	}
	osdep_unlock(&c->lock);

	/* Miss: check the span, then pin and map outside the lock. */
	if (!rspan_ok(c->dev, page, offset, len))
		return map_refused(c, page, offset, len, dir);
	e = entry_get(c);
	if (!e)
		return -ENOMEM;
	OSDEP_WRITE_ONCE(e->gen, e->gen + 1);
	OSDEP_WRITE_ONCE(e->page, page);
	OSDEP_WRITE_ONCE(e->offset, offset);
	OSDEP_WRITE_ONCE(e->len, len);
	OSDEP_WRITE_ONCE(e->dir, dir);
	osdep_page_get(c->dev, page);
	e->dma = osdep_dma_map_page(c->dev, page, offset, len, dir);
	if (osdep_dma_mapping_error(c->dev, e->dma)) {
		osdep_page_put(c->dev, page);
		OSDEP_WRITE_ONCE(e->hnext, NULL);
		entries_put(c, e);
		return -ENOMEM;
	}
	e->need_sync = osdep_dma_need_sync(c->dev, e->dma);
	osdep_atomic_set(&e->referenced, 0);
	osdep_atomic_set(&e->in_use, 1);	/* publish: the fields are set */
	osdep_lock(&c->lock);
	/* Another CPU may have cached the same key meanwhile: both stay valid. */
	OSDEP_STORE_RELEASE(e->hnext, c->hash[bucket]);
	OSDEP_STORE_RELEASE(c->hash[bucket], e);	/* after its init */
	rlist_add(&c->lru, &e->lru);
	c->nentries++;
	c->bytes += len;
	c->st.misses++;
	c->st.maps++;
	c->st.pages_pinned++;
	if (c->nentries > c->max_entries || c->bytes > c->max_bytes) {
		size_t over = c->nentries > c->max_entries ? c->nentries - c->max_entries : 0;
		size_t n = detach_lru_locked(c, over + evict_batch(c), &victims);

		/* Bytes still over: keep evicting idle LRU entries. */
		while (c->bytes > c->max_bytes && detach_lru_locked(c, 1, &victims))
			n++;
		c->st.evicted += n;
		c->st.unmaps += n;
		c->st.invalidations += n;
	}
	osdep_unlock(&c->lock);
	release_list(c, victims);
out:
	*h = (struct rmap_handle){ .dma = e->dma, .len = len, .dir = dir, .priv = e,
				   .aux = OSDEP_READ_ONCE(e->gen) };
	return 0;
}

int rcache_map(struct rcache *c, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h)
{
	struct rc_entry *e;
	unsigned int bucket;
	size_t end;

	osdep_cost_call();

	if (((offset | len) & (PAGE_SIZE - 1)) || !len || !dir_ok(dir) ||
	    !radd_ok(offset, len, &end))
		return map_refused(c, page, offset, len, dir);
	bucket = hash_of(page, offset, len, dir);
	e = lookup_lend(c, bucket, page, offset, len, dir);
	if (!e)
		return map_slow(c, bucket, page, offset, len, dir, h);
	if (!osdep_atomic_read(&e->referenced))
		osdep_atomic_set(&e->referenced, 1);
	hit(c, e, len, dir);
	*h = (struct rmap_handle){ .dma = e->dma, .len = len, .dir = dir, .priv = e,
				   .aux = OSDEP_READ_ONCE(e->gen) };
	return 0;
}

/*
 * Whether @h holds a lend of @e by @c that is still out, every field as
 * lent.  The caller's in_use reference keeps @e from release until it is
 * dropped, so a true answer stays true until then.
 */
static inline bool lent_as(const struct rcache *c, struct rc_entry *e,
			   const struct rmap_handle *h)
{
	return e->cache == c && osdep_atomic_read(&e->in_use) > 0 &&
	       OSDEP_READ_ONCE(e->gen) == h->aux && e->dma == h->dma &&
	       OSDEP_READ_ONCE(e->len) == h->len && OSDEP_READ_ONCE(e->dir) == h->dir;
}

static RSLOWPATH int handle_refused(struct rcache *c, const struct rmap_handle *h,
				    const char *fn)
{
	const struct rc_entry *e = h->priv;
	const char *why;

	if (!e)
		why = "it holds no cache entry (never lent, or taken back)";
	else if (e->cache != c)
		why = "its entry belongs to another cache";
	else if (osdep_atomic_read((osdep_atomic_t *)&e->in_use) <= 0 ||
		 OSDEP_READ_ONCE(e->gen) != h->aux)
		why = "its entry is not lent to it (taken back already: a stale copy?)";
	else
		why = "its dma, len or dir differ from those of the entry";
	osdep_lock(&c->lock);
	c->st.errors++;
	osdep_unlock(&c->lock);
	osdep_warn("%s(handle %p: dma %#llx, len %zu, dir %d): %s", fn, (const void *)h,
		   (unsigned long long)h->dma, h->len, (int)h->dir, why);
	return -EINVAL;
}

int rcache_unmap(struct rcache *c, struct rmap_handle *h)
{
	struct rc_entry *e = h->priv;

	osdep_cost_call();

	if (!e || !lent_as(c, e, h))
		return handle_refused(c, h, "rcache_unmap");
	h->priv = NULL;
	if (e->need_sync) {
		osdep_dma_sync_for_cpu(c->dev, e->dma, e->len, e->dir);
		osdep_counter_add(&e->syncs, 1);
	}
	ratomic_add(&e->in_use, -1);	/* from here a release may take it */
	return 0;
}

int rcache_sync_for_cpu(struct rcache *c, struct rmap_handle *h)
{
	struct rc_entry *e = h->priv;

	osdep_cost_call();

	if (!e || !lent_as(c, e, h))
		return handle_refused(c, h, "rcache_sync_for_cpu");
	if (e->need_sync) {
		osdep_dma_sync_for_cpu(c->dev, e->dma, e->len, e->dir);
		osdep_counter_add(&e->syncs, 1);
	}
	return 0;
}

int rcache_sync_for_device(struct rcache *c, struct rmap_handle *h)
{
	struct rc_entry *e = h->priv;

	osdep_cost_call();

	if (!e || !lent_as(c, e, h))
		return handle_refused(c, h, "rcache_sync_for_device");
	if (e->need_sync) {
		osdep_dma_sync_for_device(c->dev, e->dma, e->len, e->dir);
		osdep_counter_add(&e->syncs, 1);
	}
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
	n = detach_locked(c, (size_t)-1, only_cache_refs, false, &victims);
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
	n = detach_lru_locked(c, nr, &victims);
	c->st.reclaimed += n;
	c->st.unmaps += n;
	c->st.invalidations += n;
	osdep_unlock(&c->lock);
	return release_list(c, victims);
}

/*
 * Entries lent out now, and the hits and syncs of cached entries: counted
 * when asked, not on the hit path.  Locked.
 */
static uint64_t lent_and_fold_locked(struct rcache *c)
{
	uint64_t n = 0;

	osdep_assert_held(&c->lock);

	for (struct rlist *p = c->lru.next; p != &c->lru; p = p->next) {
		struct rc_entry *e = rlist_entry(p, struct rc_entry, lru);

		fold_counts_locked(c, e);
		n += (uint64_t)osdep_atomic_read(&e->in_use);
	}
	return n;
}

void rcache_stats(struct rcache *c, struct reuse_stats *out)
{
	uint64_t lent;

	osdep_lock(&c->lock);
	lent = lent_and_fold_locked(c);
	*out = c->st;
	out->in_use = lent;
	osdep_unlock(&c->lock);
}

int rcache_destroy(struct rcache *c)
{
	struct rc_entry *e, *next;
	uint64_t busy;

	if (!c)
		return 0;
	osdep_lock(&c->lock);
	busy = lent_and_fold_locked(c);
	osdep_unlock(&c->lock);
	if (busy) {
		osdep_warn("rcache_destroy: %llu entr%s still lent out", (unsigned long long)busy,
			   busy == 1 ? "y" : "ies");
		return -EBUSY;
	}
	rcache_shrink(c, (size_t)-1);
	for (e = c->free; e; e = next) {
		next = e->hnext;
		osdep_counter_destroy(&e->hits);
		osdep_counter_destroy(&e->syncs);
		osdep_free(e);
	}
	osdep_lock_destroy(&c->lock);
	osdep_free(c);
	return 0;
}
