// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma.c - the lab's DMA API over passthrough, strict and lazy domains: a
 * device's life.
 *
 * The shape follows Linux's dma-iommu.c: a map allocates an IOVA range
 * (size rounded to a power of two up to 32 pages, served by the per-CPU
 * magazines), installs PTEs with the permission the direction implies and
 * returns IOVA + offset (dma_map.c); an unmap clears the PTEs and then
 * invalidates at once (strict) or through a flush queue (lazy) before the
 * IOVA is handed out again (dma_fq.c).  The API is split by concern, one
 * file each; os/dma_int.h lists them and holds what they share.  Rules
 * that hold in every file:
 *
 * Misuse: every entry point checks its arguments -- against the dma_debug
 * records when they are kept, and as far as the page table, the IOVA
 * allocator's size-aligned ranges, the swiotlb and the page allocator can
 * tell without them (dma_check.c) -- before it changes anything or tells
 * the observer, so a refused call leaves nothing behind but its log line
 * and the misuse count.
 *
 * When the observer hears (the oracle counts on it).  Of a mapping after
 * its PTEs are set.  Of an unmap where the lending ends as its caller sees
 * it, which is when the call returns: a synchronous unmap -- any unmap on
 * a strict domain (single, scatterlist, batch, a bounce before its
 * copy-back, a coherent free before its pages go), and dma_iova_unlink()
 * on any domain -- is told once its PTEs are cleared and its invalidation
 * has completed, before its IOVA, slot or pages are freed.  The synced
 * invalidation waits for every device access already translating through
 * the range (cmdq.c), so an access that raced the call was classified
 * while the buffer was still lent, and one after the return is refused by
 * the IOMMU: the oracle sees no window for strict.  An unmap that returns
 * before its invalidation -- lazy's flush queue, a deferred unmap into a
 * gather (dma_gather.c) -- is told before its PTEs are cleared, so the
 * window it leaves is seen.  Teardown (dma_device_destroy(), when nothing
 * may be in flight) tells the events of what dma_debug still records
 * before it tears those mappings down.
 *
 * Address arithmetic never wraps: a buffer is checked against the end of
 * memory (or of the IOVA space) by comparing its size with what is left
 * after its start, never by adding the two first, and a frame number is
 * checked against the arena before it is shifted into an address.  A wrap
 * would turn a buffer past the end into one at the start of memory --
 * another owner's pages.
 *
 * This file: create (the domain, the IOVA allocator of a translating one,
 * the flush queues of a lazy one), the mask and the accessors, the
 * counters, and teardown.  dma_device_destroy() unmaps what dma_debug
 * still records, the two-step IOVA ranges still reserved (kept in a list
 * whatever dma_debug says: they are few and long-lived), and frees the
 * swiotlb slots still bounced for the device once its domain is gone.
 */
#include "dma_int.h"
#include "../machine/failinject.h"

#include <dmareuse/mthread.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

const char *dma_domain_type_name(enum dma_domain_type t)
{
	switch (t) {
	case DMA_DOMAIN_PASSTHROUGH: return "passthrough";
	case DMA_DOMAIN_STRICT: return "strict";
	case DMA_DOMAIN_LAZY: return "lazy";
	}
	return "?";
}

/* ---- table-page allocator handed to the machine ------------------------ */

static int pt_alloc(void *ctx, pfn_t *pfn)
{
	struct os *os = ctx;

	return pages_alloc(os->pa, 0, OWNER_PGTABLE, true, pfn);
}

static void pt_free(void *ctx, pfn_t pfn)
{
	struct os *os = ctx;

	page_put(os->pa, pfn);
}

static const struct pgtable_alloc_ops pt_ops = { pt_alloc, pt_free };

/* ---- device lifetime ---------------------------------------------------- */

struct dma_device *dma_device_create(struct os *os, const char *name,
				     const struct dma_device_opts *opts)
{
	static const struct dma_device_opts defaults = { DMA_DOMAIN_STRICT, 64, false, false };
	struct dma_device *dev;
	unsigned int bits;

	if (!opts)
		opts = &defaults;
	bits = opts->dma_bits ? opts->dma_bits : 64;
	if (bits < 12 || bits > 64 || opts->type > DMA_DOMAIN_LAZY)
		return NULL;
	dev = lab_calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->os = os;
	dev->type = opts->type;
	dev->mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
	dev->untrusted = opts->untrusted;
	dev->debug = !opts->no_debug;
	dma_debug_init(&dev->dbg);
	mlock_init(&dev->iova_lock, "iova states", MLOCK_FREE);
	dev->hw = mdev_create(os->m, name);
	if (!dev->hw)
		goto out_free;
	dev->dom = iommu_domain_alloc(os->m, opts->type == DMA_DOMAIN_PASSTHROUGH,
				      &pt_ops, os);
	if (!dev->dom)
		goto out_mdev;
	if (opts->type != DMA_DOMAIN_PASSTHROUGH) {
		dev->iovad = iovad_create(1, os->ncpus);
		if (!dev->iovad)
			goto out_dom;
	}
	if (opts->type == DMA_DOMAIN_LAZY && dma_fq_init(dev))
		goto out_iovad;
	mdev_attach(dev->hw, dev->dom);
	atomic_fetch_add(&os->ndevices, 1);
	return dev;

out_iovad:
	iovad_destroy(dev->iovad);
out_dom:
	iommu_domain_free(dev->dom);
out_mdev:
	mdev_destroy(dev->hw);
out_free:
	mlock_destroy(&dev->iova_lock);
	dma_debug_destroy(&dev->dbg);
	free(dev);
	return NULL;
}

/*
 * Report a mapping left live at teardown and tear it down as its unmap
 * would: the observer hears of it first, with the event the unmap would
 * have sent (a coherent one for its whole block), so it does not keep the
 * buffer lent after the device is gone.  A bounced buffer is not copied
 * back: nothing handed it back, and the original may not be the caller's
 * any more.  A scatterlist mapped as one IOVA range is torn down whole by
 * unmap_live_list(), once every entry's event has gone out.
 */
static void report_live(void *arg, const struct dma_debug_entry *e)
{
	struct dma_device *dev = arg;
	bool coherent = e->kind == DBG_COHERENT;
	size_t size = coherent ? PAGE_SIZE << order_for(e->size) : e->size;
	const char *why;
	char msg[256];

	fprintf(stderr, "dma: %s: mapping still live at teardown: addr=%#" PRIx64
		" size=%zu dir=%s\n", mdev_name(dev->hw), e->addr, e->size,
		dma_dir_name(e->dir));
	emit(dev, DMA_EV_UNMAP, e->addr, size, e->dir, coherent);
	if (e->kind != DBG_SG || !e->sg.pages)
		dma_unmap_one(dev, e->addr, size, e->dir, UNMAP_NO_COPY, &why, msg, sizeof(msg));
}

/* Tear down a live scatterlist mapped as one IOVA range, from its first entry. */
static void unmap_live_list(void *arg, const struct dma_debug_entry *e)
{
	struct dma_device *dev = arg;

	if (e->kind == DBG_SG && e->sg.pages && !e->sg.index)
		dma_iommu_unmap_range(dev, e->sg.first & PAGE_MASK, e->sg.pages * PAGE_SIZE,
				      NULL);
}

size_t dma_device_destroy(struct dma_device *dev)
{
	size_t records, states, leaked_ptes, bounced, iovas = 0;

	if (!dev)
		return 0;
	/* Every event first, then the lists' ranges: unmaps are told before. */
	dma_debug_for_each(&dev->dbg, report_live, dev);
	dma_debug_for_each(&dev->dbg, unmap_live_list, dev);
	records = dma_debug_destroy(&dev->dbg);
	states = dma_iova_release_all(dev);
	mlock_destroy(&dev->iova_lock);
	if (dev->type == DMA_DOMAIN_LAZY)
		dma_fq_destroy(dev);
	mdev_attach(dev->hw, NULL);
	leaked_ptes = iommu_domain_free(dev->dom);
	if (leaked_ptes)
		fprintf(stderr, "dma: %s: %zu page(s) still mapped at teardown\n",
			mdev_name(dev->hw), leaked_ptes);
	/*
	 * No translation reaches the pool now: free what is still bounced
	 * for this device -- buffers dma_debug did not record (it was off).
	 */
	bounced = swiotlb_release_owner(dev->os->swiotlb, dev);
	if (bounced)
		fprintf(stderr, "dma: %s: %zu bounce buffer(s) still mapped at teardown; "
			"slots freed\n", mdev_name(dev->hw), bounced);
	if (dev->iovad)
		iovas = iovad_destroy(dev->iovad);
	/* The census (os_census()) keeps what teardown found, so a leak check can see it. */
	atomic_fetch_add(&dev->os->torn_mappings, records + states);
	atomic_fetch_add(&dev->os->torn_ptes, leaked_ptes);
	atomic_fetch_add(&dev->os->torn_slots, bounced);
	atomic_fetch_add(&dev->os->torn_iovas, iovas);
	mdev_destroy(dev->hw);
	atomic_fetch_sub(&dev->os->ndevices, 1);
	free(dev);
	/* Without records (dma_debug off), the pages still mapped stand for them. */
	return records + states + (records ? 0 : leaked_ptes);
}

struct mdev *dma_device_mdev(const struct dma_device *dev)
{
	return dev->hw;
}

struct os *dma_device_os(const struct dma_device *dev)
{
	return dev->os;
}

enum dma_domain_type dma_device_type(const struct dma_device *dev)
{
	return dev->type;
}

int dma_set_mask(struct dma_device *dev, uint64_t mask)
{
	if (mask < (PAGE_SIZE - 1) || (mask & (mask + 1))) {
		fprintf(stderr, "dma: %s: dma_set_mask(%#" PRIx64
			"): expected 2^n - 1 with n in 12..64\n", mdev_name(dev->hw), mask);
		return -EINVAL;
	}
	dev->mask = mask;
	return 0;
}

uint64_t dma_get_mask(const struct dma_device *dev)
{
	return dev->mask;
}

void dma_stats_read(struct dma_device *dev, struct dma_stats *out)
{
	out->maps = atomic_load(&dev->st.maps);
	out->unmaps = atomic_load(&dev->st.unmaps);
	out->syncs = atomic_load(&dev->st.syncs);
	out->inv_cmds = atomic_load(&dev->st.inv_cmds);
	out->fq_flushes = atomic_load(&dev->st.fq_flushes);
	out->bounce_maps = atomic_load(&dev->st.bounce_maps);
	out->bounce_bytes = atomic_load(&dev->st.bounce_bytes);
	out->misuse = atomic_load(&dev->st.misuse);
	out->live = atomic_load(&dev->dbg.live);
}
