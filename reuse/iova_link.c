// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * iova_link.c - a context over the two-step IOVA API (Linux 6.16:
 * dma_iova_try_alloc / dma_iova_link / dma_iova_sync / dma_iova_unlink).
 *
 * The context allocates one IOVA range when it is created; each use links
 * the buffer's pages into a free slot of the range (one sync for the whole
 * buffer) and unlinks them afterwards with one invalidation + SYNC.  What is
 * saved against strict is the IOVA allocation and free per use, and the
 * per-segment invalidations of a multi-page buffer; the invalidation at
 * unlink stays, so isolation is strict's.
 *
 * Slots are pages of the range, tracked in a bitmap; allocation is
 * first-fit from a rotating cursor (next fit), so consecutive uses walk the
 * range rather than reusing the page just unlinked.
 *
 * A map checks the buffer's span before it links anything: offset + len,
 * and the page's address plus both, computed without wrapping and inside
 * memory (rspan_ok(); a wrapped sum would link another owner's page).
 *
 * Handles: each linked buffer has a record at its first page -- a sequence
 * number taken from the context at link time (never 0), its dma, len, page
 * count and direction -- and the handle carries the number (aux) and the
 * context (priv).  unmap and sync find the record from the handle's dma (an
 * address range check, no lookup) and take the handle only if every field
 * matches: a handle of another context, a stale copy of one already
 * unlinked (its slot maybe linked again since), or one whose length or
 * dma was changed is refused before anything is unlinked or synced.
 *
 * Lock: l->lock protects the bitmap, the records, the cursor, the sequence
 * and the counters.
 */
#include "reuse_int.h"

#ifdef OSDEP_HAS_IOVA_LINK

/* The most pages a context's range may have. */
#define RLINK_MAX_PAGES 0xffffffffu

/* The record of a buffer linked from this page; seq 0: none starts here. */
struct rl_slot {
	uint64_t seq;
	dma_addr_t dma;
	size_t len;
	uint32_t npages;
	enum dma_data_direction dir;
};

struct rlink {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	osdep_iova_state_t state;
	size_t npages, cursor;
	uint64_t seq;			/* the last sequence number given out */
	uint64_t *bitmap;
	struct rl_slot *slots;		/* one per page of the range */
	struct reuse_stats st;
};

static bool test_bit(const uint64_t *b, size_t i)
{
	return b[i / 64] >> (i % 64) & 1;
}

static void set_bits(uint64_t *b, size_t i, size_t n, bool v)
{
	for (; n--; i++) {
		if (v)
			b[i / 64] |= 1ull << (i % 64);
		else
			b[i / 64] &= ~(1ull << (i % 64));
	}
}

struct rlink *rlink_create(osdep_dev_t *dev, size_t bytes)
{
	size_t npages = bytes / PAGE_SIZE + (bytes % PAGE_SIZE != 0), slot_bytes;
	struct rlink *l;

	if (!npages)
		npages = 1024;
	if (npages > RLINK_MAX_PAGES || !rmul_ok(npages, sizeof(*l->slots), &slot_bytes)) {
		osdep_warn("rlink_create: %zu bytes: expected at most %llu pages", bytes,
			   (unsigned long long)RLINK_MAX_PAGES);
		return NULL;
	}
	l = osdep_zalloc(sizeof(*l));
	if (!l)
		return NULL;
	l->dev = dev;
	l->npages = npages;
	l->bitmap = osdep_zalloc((l->npages + 63) / 64 * sizeof(uint64_t));
	if (!l->bitmap)
		goto out_free;
	l->slots = osdep_zalloc(slot_bytes);
	if (!l->slots)
		goto out_bitmap;
	if (osdep_iova_alloc(dev, &l->state, l->npages * PAGE_SIZE))
		goto out_slots;
	osdep_lock_init(&l->lock);
	return l;

out_slots:
	osdep_free(l->slots);
out_bitmap:
	osdep_free(l->bitmap);
out_free:
	osdep_free(l);
	return NULL;
}

/* Find @n free pages from the cursor; returns the first or npages.  Locked. */
static size_t find_locked(struct rlink *l, size_t n)
{
	osdep_assert_held(&l->lock);

	for (size_t tried = 0; tried < l->npages; tried++) {
		size_t i = (l->cursor + tried) % l->npages, k;

		if (n > l->npages - i)
			continue;
		for (k = 0; k < n && !test_bit(l->bitmap, i + k); k++)
			;
		if (k == n) {
			l->cursor = (i + n) % l->npages;
			return i;
		}
	}
	return l->npages;
}

static RSLOWPATH int map_refused(struct rlink *l, osdep_page_t page, size_t offset,
				 size_t len, enum dma_data_direction dir)
{
	osdep_lock(&l->lock);
	l->st.errors++;
	osdep_unlock(&l->lock);
	osdep_warn("rlink_map(page %#llx, offset %#zx, len %#zx, dir %d): expected 1 or more "
		   "bytes of memory, offset + len not wrapping, and a valid direction",
		   (unsigned long long)osdep_page_key(page), offset, len, (int)dir);
	return -EINVAL;
}

int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h)
{
	size_t pgoff = offset & ~((size_t)PAGE_SIZE - 1), n, first;
	uint64_t seq;
	dma_addr_t dma;
	int ret;

	osdep_cost_call();

	if (!dir_ok(dir) || !rspan_ok(l->dev, page, offset, len))
		return map_refused(l, page, offset, len, dir);
	n = rpages_spanned(offset, len);
	osdep_lock(&l->lock);
	first = n <= l->npages ? find_locked(l, n) : l->npages;
	if (first == l->npages) {
		l->st.errors++;
		osdep_unlock(&l->lock);
		return -ENOSPC;
	}
	set_bits(l->bitmap, first, n, true);
	osdep_unlock(&l->lock);

	ret = osdep_iova_link(l->dev, &l->state, page, pgoff, first * PAGE_SIZE,
			      n * PAGE_SIZE, dir);
	if (!ret)
		ret = osdep_iova_sync(l->dev, &l->state, first * PAGE_SIZE, n * PAGE_SIZE);
	dma = osdep_iova_addr(&l->state) + first * PAGE_SIZE + (offset & (PAGE_SIZE - 1));
	osdep_lock(&l->lock);
	if (ret) {
		set_bits(l->bitmap, first, n, false);
		osdep_unlock(&l->lock);
		return ret;
	}
	seq = ++l->seq;
	l->slots[first] = (struct rl_slot){
		.seq = seq, .dma = dma, .len = len, .npages = (uint32_t)n, .dir = dir,
	};
	l->st.maps++;
	l->st.misses++;
	l->st.syncs++;
	l->st.in_use++;
	osdep_unlock(&l->lock);
	*h = (struct rmap_handle){
		.dma = dma, .len = len, .dir = dir, .priv = l, .aux = seq,
	};
	return 0;
}

/*
 * The record of the buffer @h holds if @l linked it and it is still linked,
 * every field as linked; else NULL.  Locked.
 */
static struct rl_slot *slot_of_locked(struct rlink *l, const struct rmap_handle *h)
{
	dma_addr_t base = osdep_iova_addr(&l->state);
	struct rl_slot *s;

	osdep_assert_held(&l->lock);

	if (h->priv != l || h->dma < base || h->dma - base >= l->npages * PAGE_SIZE)
		return NULL;
	s = &l->slots[(h->dma - base) / PAGE_SIZE];
	if (!s->seq || s->seq != h->aux || s->dma != h->dma || s->len != h->len ||
	    s->dir != h->dir)
		return NULL;
	return s;
}

static RSLOWPATH int handle_refused_locked(struct rlink *l, const struct rmap_handle *h,
					   const char *fn)
{
	osdep_assert_held(&l->lock);

	l->st.errors++;
	osdep_unlock(&l->lock);
	osdep_warn("%s(handle %p: dma %#llx, len %zu, dir %d): %s", fn, (const void *)h,
		   (unsigned long long)h->dma, h->len, (int)h->dir,
		   h->priv != l ? "not a handle of this context" :
		   "not a buffer this context has linked now, or its dma, len or dir changed");
	return -EINVAL;
}

int rlink_unmap(struct rlink *l, struct rmap_handle *h)
{
	struct rl_slot *s;
	size_t first, n;

	osdep_cost_call();

	osdep_lock(&l->lock);
	s = slot_of_locked(l, h);
	if (!s)
		return handle_refused_locked(l, h, "rlink_unmap");
	first = (size_t)(s - l->slots);
	n = s->npages;
	s->seq = 0;	/* claimed: a second unmap of this handle is refused */
	osdep_unlock(&l->lock);
	osdep_iova_unlink(l->dev, &l->state, first * PAGE_SIZE, n * PAGE_SIZE, h->dir);
	osdep_lock(&l->lock);
	set_bits(l->bitmap, first, n, false);
	l->st.unmaps++;
	l->st.invalidations++;
	l->st.in_use--;
	osdep_unlock(&l->lock);
	h->priv = NULL;
	return 0;
}

/*
 * A sync of a linked buffer.  The two-step API has one sync, dma_iova_sync()
 * (the IOTLB after linking); it has no CPU sync of a range still linked --
 * the unlink is that -- and a single-mapping sync of a linked IOVA is not
 * one (dma-debug knows no such mapping).  So for the device the slot's pages
 * are synced again, and for the CPU there is nothing to do on the coherent
 * memory the API assumes here; both check the handle first.
 */
static int sync(struct rlink *l, struct rmap_handle *h, bool for_cpu, const char *fn)
{
	struct rl_slot *s;
	size_t first, n;

	osdep_lock(&l->lock);
	s = slot_of_locked(l, h);
	if (!s)
		return handle_refused_locked(l, h, fn);
	first = (size_t)(s - l->slots);
	n = s->npages;
	if (!for_cpu)
		l->st.syncs++;
	osdep_unlock(&l->lock);
	if (!for_cpu)
		return osdep_iova_sync(l->dev, &l->state, first * PAGE_SIZE, n * PAGE_SIZE);
	return 0;
}

int rlink_sync_for_cpu(struct rlink *l, struct rmap_handle *h)
{
	osdep_cost_call();
	return sync(l, h, true, "rlink_sync_for_cpu");
}

int rlink_sync_for_device(struct rlink *l, struct rmap_handle *h)
{
	osdep_cost_call();
	return sync(l, h, false, "rlink_sync_for_device");
}

void rlink_stats(struct rlink *l, struct reuse_stats *out)
{
	osdep_lock(&l->lock);
	*out = l->st;
	osdep_unlock(&l->lock);
}

int rlink_destroy(struct rlink *l)
{
	if (!l)
		return 0;
	if (l->st.in_use) {
		osdep_warn("rlink_destroy: %llu buffer(s) still linked",
			   (unsigned long long)l->st.in_use);
		return -EBUSY;
	}
	osdep_iova_free(l->dev, &l->state);
	osdep_lock_destroy(&l->lock);
	osdep_free(l->slots);
	osdep_free(l->bitmap);
	osdep_free(l);
	return 0;
}

#else /* !OSDEP_HAS_IOVA_LINK */

struct rlink *rlink_create(osdep_dev_t *dev, size_t bytes)
{
	osdep_warn("iova-link: this kernel has no two-step IOVA API (Linux >= 6.16)");
	return NULL;
}

int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rlink_unmap(struct rlink *l, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rlink_sync_for_cpu(struct rlink *l, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rlink_sync_for_device(struct rlink *l, struct rmap_handle *h)
{
	return -EOPNOTSUPP;
}

int rlink_destroy(struct rlink *l)
{
	return 0;
}

void rlink_stats(struct rlink *l, struct reuse_stats *out)
{
	memset(out, 0, sizeof(*out));
}

#endif
