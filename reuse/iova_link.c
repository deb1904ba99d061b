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
 * Lock: l->lock protects the bitmap, the cursor and the counters.
 */
#include "reuse_int.h"

#ifdef OSDEP_HAS_IOVA_LINK

struct rlink {
	osdep_dev_t *dev;
	osdep_lock_t lock;
	osdep_iova_state_t state;
	size_t npages, cursor;
	uint64_t *bitmap;
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
	struct rlink *l = osdep_zalloc(sizeof(*l));

	if (!l)
		return NULL;
	l->dev = dev;
	l->npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	if (!l->npages)
		l->npages = 1024;
	l->bitmap = osdep_zalloc((l->npages + 63) / 64 * sizeof(uint64_t));
	if (!l->bitmap)
		goto out_free;
	if (osdep_iova_alloc(dev, &l->state, l->npages * PAGE_SIZE))
		goto out_bitmap;
	osdep_lock_init(&l->lock);
	return l;

out_bitmap:
	osdep_free(l->bitmap);
out_free:
	osdep_free(l);
	return NULL;
}

/* Find @n free pages from the cursor; returns the first or npages.  Locked. */
static size_t find_locked(struct rlink *l, size_t n)
{
	for (size_t tried = 0; tried < l->npages; tried++) {
		size_t i = (l->cursor + tried) % l->npages, k;

		if (i + n > l->npages)
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

int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h)
{
	size_t n = rpages_spanned(offset, len), first;
	size_t pgoff = offset & ~((size_t)PAGE_SIZE - 1);
	int ret;

	if (!len || !dir_ok(dir))
		return -EINVAL;
	osdep_lock(&l->lock);
	first = find_locked(l, n);
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
	osdep_lock(&l->lock);
	if (ret) {
		set_bits(l->bitmap, first, n, false);
		osdep_unlock(&l->lock);
		return ret;
	}
	l->st.maps++;
	l->st.misses++;
	l->st.syncs++;
	l->st.in_use++;
	osdep_unlock(&l->lock);
	/* The slot lives in the handle: first page << 32 | page count. */
	*h = (struct rmap_handle){
		.dma = osdep_iova_addr(&l->state) + first * PAGE_SIZE +
		       (offset & (PAGE_SIZE - 1)),
		.len = len, .dir = dir, .priv = l, .aux = (uint64_t)first << 32 | n,
	};
	return 0;
}

int rlink_unmap(struct rlink *l, struct rmap_handle *h)
{
	size_t first = h->aux >> 32, n = h->aux & 0xffffffffu;

	bool ok;

	osdep_lock(&l->lock);
	ok = h->priv == l && n && first + n <= l->npages && test_bit(l->bitmap, first);
	if (!ok)
		l->st.errors++;
	osdep_unlock(&l->lock);
	if (!ok) {
		osdep_warn("rlink_unmap(dma %#llx): not a buffer linked by this context",
			   (unsigned long long)h->dma);
		return -EINVAL;
	}
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

int rlink_destroy(struct rlink *l)
{
	return 0;
}

void rlink_stats(struct rlink *l, struct reuse_stats *out)
{
	memset(out, 0, sizeof(*out));
}

#endif
