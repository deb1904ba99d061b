// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * batch.c - the batch mechanism: unmaps whose IOTLB invalidation waits in a
 * per-CPU batch, one invalidation command and one SYNC per batch, and
 * nothing an unmap gave back released before that flush (API and rules in
 * reuse.h).
 *
 * Why.  A strict unmap pays an invalidation and a wait for CMD_SYNC every
 * time; lazy pays once per flush-queue flush by releasing pages before
 * their invalidation -- what the safety rule forbids.  Batching keeps the
 * order the rule needs (invalidate, then release) and shares the
 * invalidation among many unmaps.  Linux's iommu_iotlb_gather does this
 * within one unmap call; F&S (SOSP'24) shows it across calls, with
 * contiguous ring IOVAs, at near-zero cost.
 *
 * One batch per CPU (struct bcpu): its lock, the OS binding's gather, and
 * the entries waiting for the flush.  An entry says what to give back --
 * an IOVA (rbatch_map()'s mappings) or a ring slot (rbatch_ring_map()'s)
 * -- and what to release: a page reference the batch took at the unmap,
 * or the owner's completion (rbatch_unmap_notify()).  A flush, in order:
 *   1. osdep_batch_flush(): one invalidation over the gather, one SYNC;
 *   2. each entry's IOVA freed, or its slot marked free;
 *   3. each entry's page reference dropped, or its owner told.
 * Step 3 after step 1 is the safety rule: a frame returns to the
 * allocator, and an owner reuses its buffer, only once no translation
 * reaches it.  Step 2 after step 1 keeps a new mapping from sharing a
 * stale IOTLB entry.
 *
 * A batch is flushed when an unmap fills it (so size 1 is strict's one
 * invalidation per unmap), by rbatch_flush() -- the driver's completion
 * pass, on the CPU that ran it -- by rbatch_flush_all() (periodic work,
 * teardown), and for a ring slot about to be mapped again while its
 * unmap still waits.  There is no timer: a driver with no completion pass
 * flushes from its periodic work; until then a buffer stays reachable and
 * its page held, never freed.
 *
 * A CPU's entries are allocated at its first unmap, so that objects on
 * many-CPU machines pay only for the CPUs that use them; if that
 * allocation fails, the unmap is flushed on its own at once (strict) and
 * the next unmap tries again.
 *
 * Rings.  A ring reserves one block of contiguous IOVA (osdep_batch_block_*)
 * cut in equal slots.  A slot is FREE, LENT (mapped) or PENDING (unmapped,
 * its entry in the batch of bcpu slot->cpu): map takes FREE to LENT,
 * unmap LENT to PENDING under that batch's lock, the flush PENDING to
 * FREE.  A map that finds its slot PENDING flushes that batch first.
 *
 * Handles carry the object (priv) and a check word over dma, len, dir and
 * cpu keyed by the object's secret (aux), as the mapper's direct handles
 * do; a ring's slot state names exactly what is lent.
 *
 * Locks: bcpu.lock, one per CPU, protects that batch and its counters; it
 * is held across the flush (the SYNC wait included) and the releases, and
 * nests outside the OS binding's locks.  No two bcpu locks are ever held
 * at once.  lock protects errors.
 */
#include "reuse_int.h"

#ifdef OSDEP_HAS_BATCH

/* What waits in a batch for its flush. */
struct entry {
	dma_addr_t addr;		/* an IOVA to free (ring == NULL) */
	size_t size;
	struct rbatch_ring *ring;	/* or a slot of this ring to mark free */
	unsigned int slot;
	osdep_page_t page;		/* a reference to drop, or OSDEP_NO_PAGE */
	rbatch_done_fn done;		/* or an owner to tell */
	void *arg;
};

struct bcpu {
	osdep_lock_t lock;		/* protects everything below */
	osdep_gather_t gather;
	struct entry *e;		/* [size]; allocated at the first unmap */
	unsigned int n;			/* entries in e[]; also read unlocked (a hint) */
	uint64_t deferred, pages_deferred, flushes, batch_max, held;
};

struct rbatch {
	osdep_dev_t *dev;
	unsigned int size, ncpus;
	uint64_t secret;		/* keys the check word of handles */
	struct bcpu *cpu;		/* [ncpus] */
	osdep_counter_t maps, unmaps;
	bool counters;			/* maps and unmaps were initialised */
	bool attached;			/* osdep_batch_attach() succeeded */
	osdep_atomic_t in_use;		/* buffers lent now: rbatch_map()'s and slots */
	osdep_atomic_t rings;		/* rings alive */
	osdep_lock_t lock;		/* protects errors */
	uint64_t errors;
};

enum { SLOT_FREE, SLOT_LENT, SLOT_PENDING };

struct rslot {
	osdep_atomic_t state;
	unsigned int cpu;		/* SLOT_PENDING: whose batch holds it */
	osdep_page_t page;
	size_t len;
	enum dma_data_direction dir;
};

struct rbatch_ring {
	struct rbatch *b;
	osdep_batch_block_t block;
	dma_addr_t base;
	unsigned int nslots;
	size_t stride;			/* bytes per slot, whole pages */
	uint64_t secret;
	struct rslot *slot;		/* [nslots] */
};

static uint64_t handle_check(uint64_t secret, const struct rmap_handle *h)
{
	uint64_t k = mix64(secret ^ (uint64_t)h->dma);

	k = mix64(k ^ (uint64_t)h->len);
	k = mix64(k ^ (uint64_t)h->dir);
	return mix64(k ^ (uint64_t)(uintptr_t)h->cpu);
}

static RSLOWPATH int refused(struct rbatch *b, const char *fn, const struct rmap_handle *h,
			     const char *why)
{
	osdep_lock(&b->lock);
	b->errors++;
	osdep_unlock(&b->lock);
	osdep_warn("%s(handle %p: dma %#llx, len %zu): %s", fn, (const void *)h,
		   (unsigned long long)h->dma, h->len, why);
	return -EINVAL;
}

static RSLOWPATH int map_refused(struct rbatch *b, const char *fn, size_t len,
				 enum dma_data_direction dir, const char *why)
{
	osdep_lock(&b->lock);
	b->errors++;
	osdep_unlock(&b->lock);
	osdep_warn("%s(len %zu, dir %d): %s", fn, len, (int)dir, why);
	return -EINVAL;
}

static struct bcpu *this_batch(struct rbatch *b)
{
	return &b->cpu[osdep_cpu_id() % b->ncpus];
}

struct rbatch *rbatch_create(osdep_dev_t *dev, unsigned int size)
{
	struct rbatch *b;

	if (size > RBATCH_MAX_SIZE) {
		osdep_warn("rbatch_create: size %u: expected 1..%u unmaps per batch (0 = %u)",
			   size, RBATCH_MAX_SIZE, RBATCH_DEFAULT_SIZE);
		return NULL;
	}
	b = osdep_zalloc(sizeof(*b));
	if (!b)
		return NULL;
	b->dev = dev;
	b->size = size ? size : RBATCH_DEFAULT_SIZE;
	b->ncpus = osdep_ncpus(dev) ? osdep_ncpus(dev) : 1;
	b->secret = mix64((uint64_t)(uintptr_t)b ^ osdep_now_ns());
	osdep_lock_init(&b->lock);
	b->cpu = osdep_zalloc(b->ncpus * sizeof(*b->cpu));
	if (!b->cpu)
		goto out_free;
	for (unsigned int i = 0; i < b->ncpus; i++) {
		osdep_lock_init(&b->cpu[i].lock);
		osdep_gather_init(&b->cpu[i].gather);
	}
	if (osdep_counter_init(&b->maps))
		goto out_cpus;
	if (osdep_counter_init(&b->unmaps)) {
		osdep_counter_destroy(&b->maps);
		goto out_cpus;
	}
	b->counters = true;
	if (osdep_batch_attach(dev)) {
		osdep_warn("rbatch_create: the device cannot take deferred unmaps");
		rbatch_destroy(b);
		return NULL;
	}
	b->attached = true;
	return b;

out_cpus:
	for (unsigned int i = 0; i < b->ncpus; i++)
		osdep_lock_destroy(&b->cpu[i].lock);
	osdep_free(b->cpu);
out_free:
	osdep_lock_destroy(&b->lock);
	osdep_free(b);
	return NULL;
}

unsigned int rbatch_size(const struct rbatch *b)
{
	return b->size;
}

/* Step 2 of a flush: @e's IOVA back to the allocator, or its slot free again. */
static void give_back(struct rbatch *b, const struct entry *e)
{
	if (e->ring)
		osdep_atomic_set(&e->ring->slot[e->slot].state, SLOT_FREE);
	else
		osdep_batch_iova_free(b->dev, e->addr, e->size);
}

/* Step 3: drop @e's page reference, or tell its owner. */
static void release(struct rbatch *b, struct bcpu *c, const struct entry *e)
{
	if (e->page != OSDEP_NO_PAGE) {
		osdep_page_put(b->dev, e->page);
		c->held--;
	}
	if (e->done)
		e->done(e->arg);
}

/* Flush @c: the invalidation first, then what its entries gave back (see the top). */
static void flush_locked(struct rbatch *b, struct bcpu *c)
{
	unsigned int n = c->n;

	osdep_assert_held(&c->lock);

	if (!n)
		return;
	osdep_cost_call();
	osdep_batch_flush(b->dev, &c->gather);
	for (unsigned int i = 0; i < n; i++)
		give_back(b, &c->e[i]);
	for (unsigned int i = 0; i < n; i++)
		release(b, c, &c->e[i]);
	OSDEP_WRITE_ONCE(c->n, 0);	/* read unlocked by rbatch_flush() */
	c->flushes++;
	if (n > c->batch_max)
		c->batch_max = n;
}

void rbatch_flush(struct rbatch *b)
{
	struct bcpu *c = this_batch(b);

	/* Read without the lock: an empty batch is the common case of a pass. */
	if (!OSDEP_READ_ONCE(c->n))
		return;
	osdep_lock(&c->lock);
	flush_locked(b, c);
	osdep_unlock(&c->lock);
}

void rbatch_flush_all(struct rbatch *b)
{
	for (unsigned int i = 0; i < b->ncpus; i++) {
		osdep_lock(&b->cpu[i].lock);
		flush_locked(b, &b->cpu[i]);
		osdep_unlock(&b->cpu[i].lock);
	}
}

/* An unmap that needed no flush (or had its own): its slot is free, its owner told. */
static void done_now(const struct entry *e)
{
	if (e->ring)
		osdep_atomic_set(&e->ring->slot[e->slot].state, SLOT_FREE);
	if (e->done)
		e->done(e->arg);
}

/*
 * Under c->lock: the OS unmapped @e's range into @g and returned @r.
 * Deferred (0): queue @e -- taking a reference on @hold first, unless it
 * is OSDEP_NO_PAGE -- and flush if that fills the batch; or, when @g is
 * not the batch's (it had no entries to queue into), flush @g now and give
 * back.  Done now (1): nothing was deferred, nothing to hold.
 */
static void queue_locked(struct rbatch *b, struct bcpu *c, osdep_gather_t *g, int r,
			 struct entry *e, osdep_page_t hold)
{
	osdep_assert_held(&c->lock);

	osdep_counter_add(&b->unmaps, 1);
	if (r == 1) {
		done_now(e);
		return;
	}
	if (g != &c->gather) {
		osdep_batch_flush(b->dev, g);
		if (!e->ring)
			osdep_batch_iova_free(b->dev, e->addr, e->size);
		c->flushes++;
		if (!c->batch_max)
			c->batch_max = 1;
		done_now(e);
		return;
	}
	if (hold != OSDEP_NO_PAGE) {
		osdep_page_get(b->dev, hold);
		e->page = hold;
		c->held++;
		c->pages_deferred++;
	}
	c->e[c->n] = *e;
	OSDEP_WRITE_ONCE(c->n, c->n + 1);	/* read unlocked by rbatch_flush() */
	c->deferred++;
	if (c->n == b->size)
		flush_locked(b, c);
}

/* The gather an unmap on @c goes into: the batch's, or @local when @c has no entries. */
static osdep_gather_t *gather_for(struct rbatch *b, struct bcpu *c, osdep_gather_t *local)
{
	if (!c->e)
		c->e = osdep_zalloc((size_t)b->size * sizeof(*c->e));
	if (c->e)
		return &c->gather;
	osdep_gather_init(local);
	return local;
}

int rbatch_map(struct rbatch *b, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h)
{
	dma_addr_t a;

	if (!dir_ok(dir) || !rspan_ok(b->dev, page, offset, len))
		return map_refused(b, "rbatch_map", len, dir, "expected 1 or more bytes of "
				   "memory that do not wrap, and a valid direction");
	osdep_cost_call();
	a = osdep_batch_map(b->dev, page, offset, len, dir);
	if (osdep_dma_mapping_error(b->dev, a))
		return -ENOMEM;
	*h = (struct rmap_handle){
		.dma = a, .len = len, .dir = dir, .priv = b,
		.cpu = (char *)osdep_page_address(b->dev, page) + offset,
	};
	h->aux = handle_check(b->secret, h);
	osdep_counter_add(&b->maps, 1);
	osdep_atomic_add_return(&b->in_use, 1);
	return 0;
}

/* Whether @h is a handle rbatch_map() of @b's filled, its fields unchanged. */
static bool ours(const struct rbatch *b, const struct rmap_handle *h)
{
	return h->priv == b && h->aux == handle_check(b->secret, h);
}

/* One lend fewer; false if none was lent (a copy of a handle taken back). */
static bool take_lend(struct rbatch *b)
{
	int old = osdep_atomic_read(&b->in_use);

	do {
		if (old <= 0)
			return false;
	} while (!osdep_atomic_try_cmpxchg(&b->in_use, &old, old - 1));
	return true;
}

static int unmap(struct rbatch *b, struct rmap_handle *h, bool hold, rbatch_done_fn done,
		 void *arg, const char *fn)
{
	struct entry e = { .addr = h->dma, .size = h->len, .page = OSDEP_NO_PAGE,
			   .done = done, .arg = arg };
	osdep_gather_t local, *g;
	struct bcpu *c;
	int r;

	if (!ours(b, h))
		return refused(b, fn, h, h->priv != b ? "not a handle of this batch object" :
			       "its dma, len, dir or cpu differ from those it was mapped with");
	if (!take_lend(b))
		return refused(b, fn, h, "nothing is lent: handle already taken back");
	osdep_cost_call();
	c = this_batch(b);
	osdep_lock(&c->lock);
	g = gather_for(b, c, &local);
	r = osdep_batch_unmap(b->dev, h->dma, h->len, h->dir, g);
	if (r < 0) {
		osdep_unlock(&c->lock);
		osdep_atomic_add_return(&b->in_use, 1);
		return refused(b, fn, h, "the OS refused the unmap");
	}
	queue_locked(b, c, g, r, &e,
		     hold ? osdep_virt_to_page(b->dev, h->cpu) : OSDEP_NO_PAGE);
	osdep_unlock(&c->lock);
	h->aux = 0;	/* this handle is spent: a sync or unmap of it is refused */
	return 0;
}

int rbatch_unmap(struct rbatch *b, struct rmap_handle *h)
{
	return unmap(b, h, true, NULL, NULL, "rbatch_unmap");
}

int rbatch_unmap_notify(struct rbatch *b, struct rmap_handle *h, rbatch_done_fn done,
			void *arg)
{
	return unmap(b, h, false, done, arg, "rbatch_unmap_notify");
}

static int sync(struct rbatch *b, struct rmap_handle *h, bool for_cpu)
{
	const char *fn = for_cpu ? "rbatch_sync_for_cpu" : "rbatch_sync_for_device";

	if (!ours(b, h))
		return refused(b, fn, h, h->priv != b ? "not a handle of this batch object" :
			       "its dma, len, dir or cpu differ from those it was mapped with");
	if (osdep_atomic_read(&b->in_use) <= 0)
		return refused(b, fn, h, "nothing is lent: handle already taken back");
	if (!osdep_dma_need_sync(b->dev, h->dma))
		return 0;
	if (for_cpu)
		osdep_dma_sync_for_cpu(b->dev, h->dma, h->len, h->dir);
	else
		osdep_dma_sync_for_device(b->dev, h->dma, h->len, h->dir);
	return 0;
}

int rbatch_sync_for_cpu(struct rbatch *b, struct rmap_handle *h)
{
	return sync(b, h, true);
}

int rbatch_sync_for_device(struct rbatch *b, struct rmap_handle *h)
{
	return sync(b, h, false);
}

void rbatch_stats(struct rbatch *b, struct reuse_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->maps = osdep_counter_read(&b->maps);
	out->misses = out->maps;	/* every map is a fresh mapping */
	out->unmaps = osdep_counter_read(&b->unmaps);
	for (unsigned int i = 0; i < b->ncpus; i++) {
		struct bcpu *c = &b->cpu[i];

		osdep_lock(&c->lock);
		out->deferred += c->deferred;
		out->pages_deferred += c->pages_deferred;
		out->flushes += c->flushes;
		out->pages_pinned += c->held;
		if (c->batch_max > out->batch_max)
			out->batch_max = c->batch_max;
		osdep_unlock(&c->lock);
	}
	out->invalidations = out->deferred;
	out->in_use = (uint64_t)osdep_atomic_read(&b->in_use);
	osdep_lock(&b->lock);
	out->errors = b->errors;
	osdep_unlock(&b->lock);
}

int rbatch_destroy(struct rbatch *b)
{
	if (!b)
		return 0;
	if (osdep_atomic_read(&b->in_use) > 0 || osdep_atomic_read(&b->rings) > 0) {
		osdep_warn("rbatch_destroy: %d buffer(s) still lent, %d ring(s) alive",
			   osdep_atomic_read(&b->in_use), osdep_atomic_read(&b->rings));
		return -EBUSY;
	}
	rbatch_flush_all(b);
	if (b->attached)
		osdep_batch_detach(b->dev);
	for (unsigned int i = 0; i < b->ncpus; i++) {
		osdep_free(b->cpu[i].e);
		osdep_lock_destroy(&b->cpu[i].lock);
	}
	if (b->counters) {
		osdep_counter_destroy(&b->maps);
		osdep_counter_destroy(&b->unmaps);
	}
	osdep_free(b->cpu);
	osdep_lock_destroy(&b->lock);
	osdep_free(b);
	return 0;
}

/* ---- rings ---------------------------------------------------------------- */

struct rbatch_ring *rbatch_ring_create(struct rbatch *b, unsigned int nslots,
				       size_t slot_bytes)
{
	struct rbatch_ring *r;
	size_t stride, bytes;

	if (!nslots || nslots > 65536 || !slot_bytes || slot_bytes > RSPAN_END_MAX) {
		osdep_warn("rbatch_ring_create(%u slots of %zu bytes): expected 1..65536 slots of "
			   "1 or more bytes", nslots, slot_bytes);
		return NULL;
	}
	stride = (slot_bytes + PAGE_SIZE - 1) & RPAGE_MASK;
	if (!rmul_ok(stride, nslots, &bytes)) {
		osdep_warn("rbatch_ring_create(%u slots of %zu bytes): the block would wrap",
			   nslots, slot_bytes);
		return NULL;
	}
	r = osdep_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->slot = osdep_zalloc((size_t)nslots * sizeof(*r->slot));
	if (!r->slot || osdep_batch_block_alloc(b->dev, &r->block, bytes)) {
		osdep_free(r->slot);
		osdep_free(r);
		return NULL;
	}
	r->b = b;
	r->base = osdep_batch_block_addr(&r->block);
	r->nslots = nslots;
	r->stride = stride;
	r->secret = mix64((uint64_t)(uintptr_t)r ^ b->secret);
	osdep_atomic_add_return(&b->rings, 1);
	return r;
}

/* Flush the batch that holds @slot's unmap, if one still does. */
static void flush_slot(struct rbatch_ring *r, struct rslot *s)
{
	struct rbatch *b = r->b;
	struct bcpu *c = &b->cpu[OSDEP_READ_ONCE(s->cpu) % b->ncpus];

	osdep_lock(&c->lock);
	if (osdep_atomic_read(&s->state) == SLOT_PENDING)
		flush_locked(b, c);
	osdep_unlock(&c->lock);
}

int rbatch_ring_map(struct rbatch_ring *r, unsigned int slot, osdep_page_t page, size_t len,
		    enum dma_data_direction dir, struct rmap_handle *h)
{
	struct rbatch *b = r->b;
	size_t pages_len;
	struct rslot *s;
	int st, ret;

	if (slot >= r->nslots || !len || len > r->stride || !dir_ok(dir) ||
	    !rspan_ok(b->dev, page, 0, (len + PAGE_SIZE - 1) & RPAGE_MASK))
		return map_refused(b, "rbatch_ring_map", len, dir, "expected a slot of the ring, "
				   "1 to the slot's bytes of whole pages of memory, and a valid "
				   "direction");
	s = &r->slot[slot];
	pages_len = (len + PAGE_SIZE - 1) & RPAGE_MASK;
	osdep_cost_call();
	for (;;) {
		/* Acquire: pairs with give_back()'s or done_now()'s release set of
		 * SLOT_FREE, made after the flush that covered the slot. */
		st = osdep_atomic_read(&s->state);
		if (st == SLOT_PENDING) {
			/* Its IOVA may still be translated: reused only after the flush. */
			flush_slot(r, s);
			continue;
		}
		if (st != SLOT_FREE)
			return map_refused(b, "rbatch_ring_map", len, dir, "the slot is lent");
		if (osdep_atomic_try_cmpxchg(&s->state, &st, SLOT_LENT))
			break;
	}
	ret = osdep_batch_block_map(b->dev, &r->block, (size_t)slot * r->stride, page, pages_len,
				    dir);
	if (ret) {
		osdep_atomic_set(&s->state, SLOT_FREE);
		return ret == -EINVAL ? map_refused(b, "rbatch_ring_map", len, dir,
						    "the OS refused the pages") : ret;
	}
	s->page = page;
	s->len = len;
	s->dir = dir;
	*h = (struct rmap_handle){
		.dma = r->base + (dma_addr_t)slot * r->stride, .len = len, .dir = dir,
		.cpu = osdep_page_address(b->dev, page), .priv = r,
	};
	h->aux = handle_check(r->secret, h);
	osdep_counter_add(&b->maps, 1);
	osdep_atomic_add_return(&b->in_use, 1);
	return 0;
}

int rbatch_ring_unmap(struct rbatch_ring *r, struct rmap_handle *h)
{
	struct rbatch *b = r->b;
	struct entry e = { .ring = r, .page = OSDEP_NO_PAGE };
	osdep_gather_t local, *g;
	unsigned int slot;
	struct rslot *s;
	struct bcpu *c;
	dma_addr_t off;
	int st = SLOT_LENT, ret;

	off = h->dma - r->base;
	if (h->priv != r || h->aux != handle_check(r->secret, h) || h->dma < r->base ||
	    off % r->stride || off / r->stride >= r->nslots)
		return refused(b, "rbatch_ring_unmap", h, "not a slot handle of this ring, or its "
			       "dma, len, dir or cpu changed");
	slot = (unsigned int)(off / r->stride);
	s = &r->slot[slot];
	if (s->len != h->len || s->dir != h->dir)
		return refused(b, "rbatch_ring_unmap", h, "its len or dir differ from the slot's");
	osdep_cost_call();
	c = this_batch(b);
	osdep_lock(&c->lock);
	if (!osdep_atomic_try_cmpxchg(&s->state, &st, SLOT_PENDING)) {
		osdep_unlock(&c->lock);
		return refused(b, "rbatch_ring_unmap", h, "the slot is not lent");
	}
	OSDEP_WRITE_ONCE(s->cpu, (unsigned int)(c - b->cpu));
	g = gather_for(b, c, &local);
	ret = osdep_batch_block_unmap(b->dev, &r->block, off, (h->len + PAGE_SIZE - 1) & RPAGE_MASK,
				      h->dir, g);
	if (ret < 0) {
		osdep_atomic_set(&s->state, SLOT_LENT);
		osdep_unlock(&c->lock);
		return refused(b, "rbatch_ring_unmap", h, "the OS refused the unmap");
	}
	e.slot = slot;
	e.addr = h->dma;
	e.size = h->len;
	osdep_atomic_add_return(&b->in_use, -1);
	queue_locked(b, c, g, ret, &e, s->page);
	osdep_unlock(&c->lock);
	h->aux = 0;
	return 0;
}

int rbatch_ring_destroy(struct rbatch_ring *r)
{
	struct rbatch *b;

	if (!r)
		return 0;
	b = r->b;
	for (unsigned int i = 0; i < r->nslots; i++)
		if (osdep_atomic_read(&r->slot[i].state) == SLOT_LENT) {
			osdep_warn("rbatch_ring_destroy: slot %u still lent", i);
			return -EBUSY;
		}
	for (unsigned int i = 0; i < r->nslots; i++)
		if (osdep_atomic_read(&r->slot[i].state) == SLOT_PENDING)
			flush_slot(r, &r->slot[i]);
	osdep_batch_block_free(b->dev, &r->block);
	osdep_free(r->slot);
	osdep_free(r);
	osdep_atomic_add_return(&b->rings, -1);
	return 0;
}

#else /* !OSDEP_HAS_BATCH */

struct rbatch *rbatch_create(osdep_dev_t *dev, unsigned int size)
{
	osdep_warn("batch: this OS binding cannot defer an unmap's IOTLB invalidation "
		   "(no OSDEP_HAS_BATCH: it needs a domain of its own, see reuse/osdep.h)");
	return NULL;
}

int rbatch_map(struct rbatch *b, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rbatch_unmap(struct rbatch *b, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rbatch_unmap_notify(struct rbatch *b, struct rmap_handle *h, rbatch_done_fn done,
			void *arg)
{
	return -EOPNOTSUPP;
}

int rbatch_sync_for_cpu(struct rbatch *b, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rbatch_sync_for_device(struct rbatch *b, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

void rbatch_flush(struct rbatch *b)
{
}

void rbatch_flush_all(struct rbatch *b)
{
}

unsigned int rbatch_size(const struct rbatch *b)
{
	return 0;
}

void rbatch_stats(struct rbatch *b, struct reuse_stats *out)
{
	memset(out, 0, sizeof(*out));
}

int rbatch_destroy(struct rbatch *b)
{
	return 0;
}

struct rbatch_ring *rbatch_ring_create(struct rbatch *b, unsigned int nslots,
				       size_t slot_bytes)
{
	return NULL;
}

int rbatch_ring_map(struct rbatch_ring *r, unsigned int slot, osdep_page_t page, size_t len,
		    enum dma_data_direction dir, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rbatch_ring_unmap(struct rbatch_ring *r, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rbatch_ring_destroy(struct rbatch_ring *r)
{
	return 0;
}

#endif
