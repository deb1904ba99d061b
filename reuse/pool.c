// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * pool.c - a driver-level pool of mapped buffers (the maintainer's
 * suggestion in the seed thread; Linux's net/core/page_pool.c for any
 * device).
 *
 * The pool allocates its buffers (pages it owns) and maps each once for its
 * lifetime.  get hands out a free buffer that is already synced for the
 * device; put recycles it with a sync_for_device of just the bytes that
 * were used (page_pool's DMA-sync-on-recycle optimisation).  No map, unmap
 * or invalidation per transfer: the isolation is "the device reaches pool
 * buffers only".
 *
 * A buffer is FREE (on the free stack) or OUT (lent to the driver).  put of
 * a FREE buffer (freed twice) or of a buffer of another pool is refused; a
 * buffer is one of the pool's if its address is one of the pool's slots (a
 * range check, no lookup).  The slot keeps its own copy of the buffer's DMA
 * address and size: the driver's view (struct rpool_buf) is writable, so
 * syncs and the final unmap use the pool's copy, and a buffer whose view no
 * longer matches it, or a length beyond the buffer, is refused.
 *
 * rpool_create() refuses a size above the largest block the OS allocates
 * (OSDEP_MAX_PAGE_ORDER), before computing any order from it.
 * destroy unmaps every buffer exactly once: at once if all are FREE,
 * otherwise the pool is marked dying, -EBUSY is returned with the count, and
 * each buffer is unmapped and freed when it comes back; the last one frees
 * the pool.
 *
 * Lock: p->lock protects states, the free stack, the counters and dying.
 */
#include "reuse_int.h"

enum { BUF_FREE, BUF_OUT, BUF_GONE };

struct rpool_slot {
	struct rpool_buf pub;	/* first: the driver's view */
	osdep_page_t page;
	dma_addr_t dma;		/* the pool's own copy of pub.dma */
	size_t size;		/* ... and of pub.size */
	unsigned int state;
};

struct rpool {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	enum dma_data_direction dir;
	unsigned int order, nbufs, nfree, out;
	bool dying;
	bool destroying;		/* destroy() still releasing free buffers */
	struct rpool_slot *slot;
	struct rpool_slot **stack;	/* free stack */
	struct reuse_stats st;
};

/* The largest buffer: one block of the OS's largest order. */
#define RPOOL_MAX_BUF ((size_t)PAGE_SIZE << OSDEP_MAX_PAGE_ORDER)

/* The order of the block that holds @bytes, at most RPOOL_MAX_BUF. */
static unsigned int order_of(size_t bytes)
{
	unsigned int o = 0;

	while (o < OSDEP_MAX_PAGE_ORDER && ((size_t)PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

/* Unmap and free one buffer's memory.  Not under the lock. */
static void release(struct rpool *p, struct rpool_slot *s)
{
	osdep_dma_unmap_page(p->dev, s->dma, s->size, p->dir);
	osdep_free_pages(p->dev, s->page, p->order);
}

static void pool_free(struct rpool *p)
{
	osdep_lock_destroy(&p->lock);
	osdep_free(p->stack);
	osdep_free(p->slot);
	osdep_free(p);
}

struct rpool *rpool_create(osdep_dev_t *dev, size_t buf_size, unsigned int nbufs,
			   enum dma_data_direction dir)
{
	size_t slot_bytes, stack_bytes;
	struct rpool *p;
	unsigned int i;

	if (!buf_size || buf_size > RPOOL_MAX_BUF || !nbufs || !dir_ok(dir) ||
	    !rmul_ok(nbufs, sizeof(*p->slot), &slot_bytes) ||
	    !rmul_ok(nbufs, sizeof(*p->stack), &stack_bytes)) {
		osdep_warn("rpool_create: size %zu, %u buffers, dir %d: expected a size of "
			   "1-%zu bytes, a nonzero count and a valid direction", buf_size, nbufs,
			   (int)dir, RPOOL_MAX_BUF);
		return NULL;
	}
	p = osdep_zalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->dev = dev;
	p->dir = dir;
	p->order = order_of(buf_size);
	p->nbufs = nbufs;
	osdep_lock_init(&p->lock);
	p->slot = osdep_zalloc(slot_bytes);
	p->stack = osdep_zalloc(stack_bytes);
	if (!p->slot || !p->stack)
		goto out_free;
	for (i = 0; i < nbufs; i++) {
		struct rpool_slot *s = &p->slot[i];

		if (osdep_alloc_pages(dev, p->order, &s->page))
			goto out_unwind;
		s->size = (size_t)PAGE_SIZE << p->order;
		s->dma = osdep_dma_map_page(dev, s->page, 0, s->size, dir);
		if (osdep_dma_mapping_error(dev, s->dma)) {
			osdep_free_pages(dev, s->page, p->order);
			goto out_unwind;
		}
		s->pub = (struct rpool_buf){
			.cpu = osdep_page_address(dev, s->page), .dma = s->dma, .size = s->size,
		};
		s->state = BUF_FREE;
		p->stack[p->nfree++] = s;
	}
	p->st.maps = nbufs;
	p->st.misses = nbufs;
	return p;

out_unwind:
	while (i--)
		release(p, &p->slot[i]);
out_free:
	pool_free(p);
	return NULL;
}

struct rpool_buf *rpool_get(struct rpool *p)
{
	struct rpool_slot *s = NULL;

	osdep_cost_call();

	osdep_lock(&p->lock);
	if (p->nfree && !p->dying) {
		s = p->stack[--p->nfree];
		s->state = BUF_OUT;
		p->out++;
		p->st.hits++;
		p->st.in_use++;
	}
	osdep_unlock(&p->lock);
	return s ? &s->pub : NULL;
}

/* The slot behind @b if it is one of @p's, else NULL.  An address range check. */
static struct rpool_slot *slot_of(struct rpool *p, struct rpool_buf *b)
{
	uintptr_t at = (uintptr_t)b, base = (uintptr_t)p->slot;

	if (at < base || at - base >= (size_t)p->nbufs * sizeof(struct rpool_slot) ||
	    (at - base) % sizeof(struct rpool_slot))
		return NULL;
	return &p->slot[(at - base) / sizeof(struct rpool_slot)];
}

/*
 * Why @b, @len is not a call @p can take -- @b is not one of its slots, its
 * view was changed, @len exceeds it -- or NULL.  The lent state is checked
 * by the caller.
 */
static const char *buf_bad(struct rpool *p, struct rpool_buf *b, size_t len)
{
	struct rpool_slot *s = slot_of(p, b);

	if (!s)
		return "the buffer does not belong to this pool";
	if (b->dma != s->dma || b->size != s->size)
		return "the buffer's dma or size were changed since rpool_get()";
	if (len > s->size)
		return "the length is beyond the buffer";
	return NULL;
}

static RSLOWPATH int refused(struct rpool *p, const char *fn, struct rpool_buf *b,
			     size_t len, const char *why)
{
	struct rpool_slot *s = slot_of(p, b);

	osdep_lock(&p->lock);
	p->st.errors++;
	osdep_unlock(&p->lock);
	osdep_warn("%s(%p, len %zu): %s (expected a buffer of this pool lent out by "
		   "rpool_get() and a length of at most %zu)", fn, (void *)b, len, why,
		   s ? s->size : (size_t)PAGE_SIZE << p->order);
	return -EINVAL;
}

int rpool_sync_for_cpu(struct rpool *p, struct rpool_buf *b, size_t len)
{
	const char *why = buf_bad(p, b, len);
	struct rpool_slot *s;

	osdep_cost_call();

	if (why)
		return refused(p, "rpool_sync_for_cpu", b, len, why);
	s = slot_of(p, b);
	if (s->state != BUF_OUT)
		return refused(p, "rpool_sync_for_cpu", b, len, "the buffer is not lent out");
	if (len)
		osdep_dma_sync_for_cpu(p->dev, s->dma, len, p->dir);
	return 0;
}

int rpool_put(struct rpool *p, struct rpool_buf *b, size_t used_len)
{
	const char *why = buf_bad(p, b, used_len);
	bool release_it = false, last = false;
	struct rpool_slot *s;

	osdep_cost_call();

	if (why)
		return refused(p, "rpool_put", b, used_len, why);
	s = slot_of(p, b);
	osdep_lock(&p->lock);
	if (s->state != BUF_OUT) {
		osdep_unlock(&p->lock);
		return refused(p, "rpool_put", b, used_len,
			       "the buffer is not lent out (freed twice?)");
	}
	p->out--;
	p->st.in_use--;
	if (p->dying) {
		s->state = BUF_GONE;
		release_it = true;
		last = p->out == 0 && !p->destroying;
		p->st.unmaps++;
		p->st.invalidations++;
	} else {
		s->state = BUF_FREE;
		p->stack[p->nfree++] = s;
		if (used_len)
			p->st.syncs++;
	}
	osdep_unlock(&p->lock);
	if (release_it) {
		release(p, s);
		if (last)
			pool_free(p);
		return 0;
	}
	/*
	 * The buffer is on the free stack already; a concurrent get may hand
	 * it out before this sync completes.  That is safe: the sync only
	 * orders CPU writes before device access, and the next owner syncs
	 * again before the device sees its own data.
	 */
	if (used_len)
		osdep_dma_sync_for_device(p->dev, s->dma, used_len, p->dir);
	return 0;
}

void rpool_stats(struct rpool *p, struct reuse_stats *out)
{
	osdep_lock(&p->lock);
	*out = p->st;
	osdep_unlock(&p->lock);
}

int rpool_destroy(struct rpool *p)
{
	unsigned int out, n;
	bool last;

	if (!p)
		return 0;
	osdep_lock(&p->lock);
	if (p->dying) {
		osdep_unlock(&p->lock);
		osdep_warn("rpool_destroy(%p): already being destroyed", (void *)p);
		return -EINVAL;
	}
	p->dying = true;
	p->destroying = true;
	out = p->out;
	/* Free buffers go now; lent ones when they come back. */
	n = p->nfree;
	p->nfree = 0;
	for (unsigned int i = 0; i < n; i++) {
		p->stack[i]->state = BUF_GONE;
		p->st.unmaps++;
		p->st.invalidations++;
	}
	osdep_unlock(&p->lock);
	for (unsigned int i = 0; i < n; i++)
		release(p, p->stack[i]);
	osdep_lock(&p->lock);
	p->destroying = false;
	last = p->out == 0;
	osdep_unlock(&p->lock);
	if (last) {
		pool_free(p);
		return 0;
	}
	osdep_warn("rpool_destroy: %u buffer(s) still lent out; they are unmapped "
		   "and freed as they come back", out);
	return -EBUSY;
}
