// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * osdep_linux.c - the out-of-line part of the Linux binding (osdep_os.h).
 *
 * Only what needs <linux/iommu.h> lives here, so that the shared sources of
 * reuse/ are compiled without the IOMMU headers: the questions about a
 * device's domain, and the batch mechanism's deferred unmaps.
 *
 * The batch binding (reuse/osdep.h, OSDEP_HAS_BATCH).  A DMA-API unmap
 * either invalidates before it returns (strict) or queues the invalidation
 * in the flush queue, where the layer cannot wait for it (lazy); neither
 * lets the layer clear the PTEs now, invalidate once for many unmaps, and
 * only then release the pages.  So the first batch object of a device
 * (osdep_batch_attach()) gives the device an unmanaged IOMMU domain of its
 * own -- struct batch_dom:
 *
 *   - iommu_domain_alloc() on the device's bus, iommu_attach_device().
 *     Linux 6.1 attaches only a device alone in its IOMMU group, and only
 *     while the group is in its default domain (else -EINVAL / -EBUSY; the
 *     error is logged).  From then on the device translates through this
 *     domain, not the DMA API's: DMA API addresses do not reach it until
 *     the last batch object is gone (osdep_batch_detach() re-attaches the
 *     default domain).  Questions about the device's mode (unmap_is_strict,
 *     unmap_invalidates) keep answering for the DMA domain saved at attach.
 *   - IOVAs from a struct iova_domain of its own (Linux's allocator, with
 *     its per-CPU caches: what the DMA API uses), below the x86 interrupt
 *     window at 0xfee00000 (a DMA write there is an interrupt request, and
 *     6.1 does not export the reserved-region list to modules) and within
 *     the device's DMA mask and the domain's aperture.
 *   - map: iommu_map_atomic() (the layer's map paths never sleep), with
 *     IOMMU_CACHE for a coherent device as dma-iommu does.  A device that
 *     is not cache-coherent, or an untrusted one (which the DMA API would
 *     bounce), is refused at attach, so syncs of batch mappings are no-ops
 *     and osdep_dma_need_sync() says so.
 *   - unmap: iommu_unmap_fast() with a struct iommu_iotlb_gather marked
 *     queued.  Why not one gather per CPU batch, synced with
 *     iommu_iotlb_sync() at the flush: 6.1's Intel driver adds every unmap
 *     to the gather with iommu_iotlb_gather_add_page(), which syncs at once
 *     when the new range is disjoint from the gathered one, so a batch of
 *     scattered IOVAs would flush at nearly every unmap.  A queued gather is
 *     the kernel's own contract for this (dma-iommu's flush queue): the
 *     driver only collects the page-table pages it freed, and the caller
 *     later flushes the whole domain with ->flush_iotlb_all() and frees
 *     them.  The binding's gather (struct osdep_gather) keeps those pages
 *     and the count.
 *   - flush: iommu_flush_iotlb_all() -- one domain-selective invalidation,
 *     and the Intel driver waits for its completion (the queued
 *     invalidation's wait descriptor: the SYNC) before returning -- then
 *     put_pages_list() of the freed page-table pages.  Only after that does
 *     batch.c free the IOVAs and drop page references (its flush order).
 *
 * An identity domain (passthrough) or a device without an IOMMU gets no
 * domain (batch_dom.direct): map and unmap are the DMA API's, every unmap
 * is complete at once (osdep_batch_unmap() returns 1) and there are no
 * blocks to reserve.  A lazy boot gets the unmanaged domain like a strict
 * one: the batch invalidates its own unmaps, the flush queue is not used.
 *
 * Locking: batch_mutex serialises attach and detach (both sleep) and
 * protects batch_dom.users; batch_doms is an RCU list, so the map, unmap
 * and flush paths find a device's domain without a lock.  A batch_dom is
 * freed by the last detach, after every unmap of it has been flushed (the
 * layer's contract), so no user holds it then; synchronize_rcu() waits
 * for lookups of other devices still walking past it.  The IOVA allocator
 * and iommu_map/unmap have their own locks.
 */
#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rculist.h>

#include "osdep_os.h"

/* IOVAs of a batch domain end below the x86 interrupt window (see the top). */
#define BATCH_IOVA_END	0xfee00000ULL

/**
 * struct batch_dom - a device's unmanaged domain for the batch mechanism.
 * @node:	in batch_doms (RCU).
 * @dev:	the device.
 * @users:	batch objects attached; protected by batch_mutex.
 * @direct:	no domain: identity or no IOMMU, the DMA API maps.
 * @dma_domain:	the domain the device was in at attach (its DMA domain, or
 *		NULL), for the mode questions and for detach.
 * @domain:	the unmanaged domain (not @direct).
 * @iovad:	its IOVA allocator.
 * @limit_pfn:	the highest IOVA page it hands out.
 * @prot:	IOMMU_CACHE for a coherent device, added to every map.
 * @flushes:	IOTLB invalidations the flushes issued (for the tests).
 */
struct batch_dom {
	struct list_head node;
	struct device *dev;
	unsigned int users;
	bool direct;
	struct iommu_domain *dma_domain;
	struct iommu_domain *domain;
	struct iova_domain iovad;
	unsigned long limit_pfn;
	int prot;
	atomic64_t flushes;
};

static DEFINE_MUTEX(batch_mutex);
static LIST_HEAD(batch_doms);		/* RCU; changed under batch_mutex */

/* @d's batch domain, or NULL when no batch object is attached to @d. */
static struct batch_dom *bd_find(struct device *d)
{
	struct batch_dom *bd, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(bd, &batch_doms, node) {
		if (bd->dev == d) {
			found = bd;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/*
 * The domain the DMA API uses for @d: its current one, or the one saved
 * when a batch domain took its place.
 */
static struct iommu_domain *dma_domain(struct device *d)
{
	struct batch_dom *bd = bd_find(d);

	return bd ? bd->dma_domain : iommu_get_domain_for_dev(d);
}

/**
 * osdep_dma_unmap_is_strict() - whether an unmap on @d is complete on return.
 * @d: the device.
 *
 * The reuse layer keeps mappings of pages it pins and must know that its
 * unmap removes every translation -- PTE and IOTLB entry -- before it drops
 * the page reference (docs/design.md section 6, the safety rule).  A DMA domain
 * with a flush queue (IOMMU_DOMAIN_DMA_FQ, iommu.strict=0, Debian's default)
 * defers the IOTLB invalidation, so it is not strict.  A DMA domain without
 * one (iommu.strict=1) invalidates and waits inside dma_unmap_page().  An
 * identity domain (iommu.passthrough=1) and a device without an IOMMU have
 * no IOTLB for a stale entry to stay in: strict enough.
 *
 * While a batch domain is attached (see the top), the answer is the DMA
 * domain's, saved at attach.
 *
 * Context: any; reads the domain pointer and its type.
 * Return: false for a flush-queue domain, true otherwise.
 */
bool osdep_dma_unmap_is_strict(struct device *d)
{
	struct iommu_domain *domain = dma_domain(d);

	return !domain || domain->type != IOMMU_DOMAIN_DMA_FQ;
}

/**
 * osdep_dma_unmap_invalidates() - whether an unmap on @d has a translation
 * to invalidate.
 * @d: the device.
 *
 * For the reuse layer's counters: a DMA domain (strict or flush queue)
 * translates, so each unmap removes an IOTLB entry, at once or at the next
 * flush.  An identity domain and a device without an IOMMU translate
 * nothing.
 *
 * Context: any; reads the domain pointer and its type.
 * Return: true for a domain the DMA API translates through.
 */
bool osdep_dma_unmap_invalidates(struct device *d)
{
	struct iommu_domain *domain = dma_domain(d);

	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API);
}

/**
 * osdep_dma_need_sync() - whether syncs on the mapping at @a do anything.
 * @d: the device.
 * @a: a DMA address it mapped.
 *
 * dma_need_sync() answers for dma-direct exactly (swiotlb, non-coherent
 * devices), but in Linux 6.1 it says yes for every device behind the
 * IOMMU's DMA ops, because those ops have sync callbacks -- which return at
 * once for a cache-coherent device that is not forced through swiotlb (an
 * untrusted PCI device is).  The reuse layer asks once per mapping and then
 * skips the calls, which on the hit path are most of the cost.  A mapping
 * of a batch domain needs none either: the attach refused any device whose
 * syncs would do something.
 *
 * Context: any.
 * Return: false when every sync on the mapping would be a no-op.
 */
bool osdep_dma_need_sync(struct device *d, dma_addr_t a)
{
	struct batch_dom *bd = bd_find(d);
	struct iommu_domain *domain;

	if (bd && !bd->direct)
		return false;
	if (!dma_need_sync(d, a))
		return false;
	domain = iommu_get_domain_for_dev(d);
	if (domain && (domain->type & __IOMMU_DOMAIN_DMA_API) && dev_is_dma_coherent(d) &&
	    !(dev_is_pci(d) && to_pci_dev(d)->untrusted))
		return false;
	return true;
}

/* ---- the batch mechanism ------------------------------------------------ */

/* Counts the devices of an IOMMU group (iommu_group_for_each_dev()). */
static int count_dev(struct device *dev, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

/* Give @bd->dev an unmanaged domain and an IOVA allocator.  Sleeps. */
static int bd_attach_domain(struct batch_dom *bd)
{
	struct device *d = bd->dev;
	struct iommu_group *group = iommu_group_get(d);
	unsigned int ndev = 0;
	u64 end;
	int ret;

	if (!group) {
		dev_warn(d, "dmareuse: batch: the device has no IOMMU group\n");
		return -ENODEV;
	}
	iommu_group_for_each_dev(group, &ndev, count_dev);
	iommu_group_put(group);
	if (ndev != 1) {
		dev_warn(d, "dmareuse: batch: the device shares its IOMMU group with %u other device(s); expected it alone (Linux 6.1 attaches a domain to a lone device only)\n",
			 ndev - 1);
		return -EBUSY;
	}
	bd->domain = iommu_domain_alloc(d->bus);
	if (!bd->domain) {
		dev_warn(d, "dmareuse: batch: iommu_domain_alloc() failed\n");
		return -ENOMEM;
	}
	ret = iova_cache_get();
	if (ret)
		goto out_free_domain;
	ret = iommu_attach_device(bd->domain, d);
	if (ret) {
		dev_warn(d, "dmareuse: batch: iommu_attach_device() failed: %d\n", ret);
		goto out_put_cache;
	}
	init_iova_domain(&bd->iovad, PAGE_SIZE, 1);
	ret = iova_domain_init_rcaches(&bd->iovad);
	if (ret)
		goto out_detach;
	end = min3((u64)bd->domain->geometry.aperture_end, (u64)dma_get_mask(d),
		   BATCH_IOVA_END - 1);
	bd->limit_pfn = end >> PAGE_SHIFT;
	bd->prot = dev_is_dma_coherent(d) ? IOMMU_CACHE : 0;
	return 0;

out_detach:
	put_iova_domain(&bd->iovad);
	iommu_detach_device(bd->domain, d);
out_put_cache:
	iova_cache_put();
out_free_domain:
	iommu_domain_free(bd->domain);
	bd->domain = NULL;
	return ret;
}

/**
 * osdep_batch_attach() - a batch object is made for @d.
 * @d: the device.
 *
 * The first gives @d its batch domain (see the top of the file); the
 * others are counted.  A device whose domain is not the DMA API's (another
 * user's), that is not cache-coherent, or that is untrusted is refused.
 *
 * Context: process context; sleeps.
 * Return: 0, or -errno (logged).
 */
int osdep_batch_attach(struct device *d)
{
	struct iommu_domain *cur;
	struct batch_dom *bd;
	int ret = 0;

	mutex_lock(&batch_mutex);
	bd = bd_find(d);
	if (bd) {
		bd->users++;
		goto out_unlock;
	}
	cur = iommu_get_domain_for_dev(d);
	if (cur && cur->type != IOMMU_DOMAIN_IDENTITY && !(cur->type & __IOMMU_DOMAIN_DMA_API)) {
		dev_warn(d, "dmareuse: batch: the device is in a domain of type %#x that the DMA API does not own; expected its DMA or identity domain\n",
			 cur->type);
		ret = -EBUSY;
		goto out_unlock;
	}
	if (cur && cur->type != IOMMU_DOMAIN_IDENTITY &&
	    (!dev_is_dma_coherent(d) || (dev_is_pci(d) && to_pci_dev(d)->untrusted))) {
		dev_warn(d, "dmareuse: batch: the device is %s; the batch domain takes only coherent, trusted devices\n",
			 dev_is_dma_coherent(d) ? "untrusted" : "not cache-coherent");
		ret = -EOPNOTSUPP;
		goto out_unlock;
	}
	bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	if (!bd) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	bd->dev = d;
	bd->users = 1;
	bd->dma_domain = cur;
	bd->direct = !cur || cur->type == IOMMU_DOMAIN_IDENTITY;
	atomic64_set(&bd->flushes, 0);
	if (!bd->direct) {
		ret = bd_attach_domain(bd);
		if (ret) {
			kfree(bd);
			goto out_unlock;
		}
	}
	list_add_rcu(&bd->node, &batch_doms);
out_unlock:
	mutex_unlock(&batch_mutex);
	return ret;
}

/**
 * osdep_batch_detach() - a batch object of @d is gone.
 * @d: the device; every unmap of the object has been flushed.
 *
 * The last puts @d back in its DMA domain and frees the batch domain.
 *
 * Context: process context; sleeps.
 */
void osdep_batch_detach(struct device *d)
{
	struct batch_dom *bd;

	mutex_lock(&batch_mutex);
	bd = bd_find(d);
	if (!bd || --bd->users)
		goto out_unlock;
	list_del_rcu(&bd->node);
	synchronize_rcu();
	if (!bd->direct) {
		iommu_detach_device(bd->domain, d);
		iommu_domain_free(bd->domain);
		put_iova_domain(&bd->iovad);
		iova_cache_put();
	}
	kfree(bd);
out_unlock:
	mutex_unlock(&batch_mutex);
}

static int dir_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return IOMMU_READ;
	case DMA_FROM_DEVICE:
		return IOMMU_WRITE;
	default:
		return IOMMU_READ | IOMMU_WRITE;
	}
}

/* @d's batch domain for a call of the layer, or NULL (logged: misuse). */
static struct batch_dom *bd_get(struct device *d, const char *fn)
{
	struct batch_dom *bd = bd_find(d);

	if (!bd)
		pr_warn_ratelimited("dmareuse: %s(%s): no batch object is attached to the device\n",
				    fn, dev_name(d));
	return bd;
}

/**
 * osdep_batch_map() - map bytes of a page's block at a fresh IOVA.
 * @d:    the device, attached.
 * @p:    the first page of the block.
 * @off:  the first byte, from @p (checked by the layer: inside memory).
 * @size: bytes, 1 or more.
 * @dir:  direction.
 *
 * Context: any; does not sleep.
 * Return: the DMA address, or DMA_MAPPING_ERROR.
 */
dma_addr_t osdep_batch_map(struct device *d, struct page *p, size_t off, size_t size,
			   enum dma_data_direction dir)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_map");
	phys_addr_t phys;
	unsigned long pfn;
	size_t pgoff, len;

	if (!bd)
		return DMA_MAPPING_ERROR;
	if (bd->direct)
		return dma_map_page_attrs(d, p, off, size, dir, 0);
	phys = page_to_phys(p) + off;
	pgoff = offset_in_page(phys);
	len = PAGE_ALIGN(pgoff + size);
	pfn = alloc_iova_fast(&bd->iovad, len >> PAGE_SHIFT, bd->limit_pfn, true);
	if (!pfn)
		return DMA_MAPPING_ERROR;
	if (iommu_map_atomic(bd->domain, pfn << PAGE_SHIFT, phys - pgoff, len,
			     dir_prot(dir) | bd->prot)) {
		free_iova_fast(&bd->iovad, pfn, len >> PAGE_SHIFT);
		return DMA_MAPPING_ERROR;
	}
	return ((dma_addr_t)pfn << PAGE_SHIFT) + pgoff;
}

/*
 * Clear the PTEs of [@iova, @iova + @len) (whole pages) and gather them
 * into @g, the IOTLB left as it is (see the top: a queued gather).
 */
static int bd_unmap(struct batch_dom *bd, unsigned long iova, size_t len, osdep_gather_t *g)
{
	struct iommu_iotlb_gather q;
	size_t done;

	iommu_iotlb_gather_init(&q);
	q.queued = true;
	done = iommu_unmap_fast(bd->domain, iova, len, &q);
	list_splice_tail_init(&q.freelist, &g->freelist);
	if (!done) {
		pr_warn_ratelimited("dmareuse: batch unmap of %#lx+%zu on %s: nothing was mapped there\n",
				    iova, len, dev_name(bd->dev));
		return -EINVAL;
	}
	if (done != len)
		pr_warn_ratelimited("dmareuse: batch unmap of %#lx+%zu on %s: %zu bytes unmapped\n",
				    iova, len, dev_name(bd->dev), done);
	g->n++;
	return 0;
}

/**
 * osdep_batch_unmap() - clear a mapping's PTEs; its invalidation waits in @g.
 * @d:    the device.
 * @a:    the address osdep_batch_map() gave.
 * @size: the bytes it was given.
 * @dir:  its direction.
 * @g:    the gather of the unmapping CPU's batch.
 *
 * Context: any; does not sleep.
 * Return: 0 deferred (the IOVA stays allocated until the flush); 1 done now
 * (no domain: the DMA API unmapped it); -EINVAL nothing was mapped there.
 */
int osdep_batch_unmap(struct device *d, dma_addr_t a, size_t size,
		      enum dma_data_direction dir, osdep_gather_t *g)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_unmap");
	size_t pgoff = offset_in_page(a);

	if (!bd)
		return -EINVAL;
	if (bd->direct) {
		dma_unmap_page_attrs(d, a, size, dir, 0);
		return 1;
	}
	return bd_unmap(bd, a - pgoff, PAGE_ALIGN(pgoff + size), g);
}

/**
 * osdep_batch_flush() - invalidate everything @g gathered, and wait.
 * @d: the device.
 * @g: the gather; empty on return.
 *
 * One domain-selective invalidation and its wait, then the page-table
 * pages the unmaps freed go back to the allocator.  An empty @g costs
 * nothing.
 *
 * Context: any; does not sleep (spins for the invalidation).
 */
void osdep_batch_flush(struct device *d, osdep_gather_t *g)
{
	struct batch_dom *bd;

	if (!g->n && list_empty(&g->freelist))
		return;
	bd = bd_get(d, "osdep_batch_flush");
	if (!bd)
		return;
	iommu_flush_iotlb_all(bd->domain);
	atomic64_inc(&bd->flushes);
	put_pages_list(&g->freelist);
	osdep_gather_init(g);
}

/**
 * osdep_batch_iova_free() - give back the IOVA of a flushed unmap.
 * @d:    the device.
 * @a:    the address osdep_batch_map() gave.
 * @size: the bytes it was given.
 *
 * Context: any; does not sleep.
 */
void osdep_batch_iova_free(struct device *d, dma_addr_t a, size_t size)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_iova_free");
	size_t pgoff = offset_in_page(a);

	if (bd && !bd->direct)
		free_iova_fast(&bd->iovad, a >> PAGE_SHIFT, PAGE_ALIGN(pgoff + size) >> PAGE_SHIFT);
}

/**
 * osdep_batch_block_alloc() - reserve contiguous IOVA.
 * @d:    the device.
 * @b:    filled on success.
 * @size: bytes, a nonzero multiple of PAGE_SIZE.
 *
 * Context: any; does not sleep.
 * Return: 0; -EOPNOTSUPP without a batch domain (identity, no IOMMU);
 * -EINVAL for a bad @size; -ENOMEM when the space is full.
 */
int osdep_batch_block_alloc(struct device *d, osdep_batch_block_t *b, size_t size)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_block_alloc");
	unsigned long pfn;

	if (!bd)
		return -EINVAL;
	if (bd->direct)
		return -EOPNOTSUPP;
	if (!size || !PAGE_ALIGNED(size))
		return -EINVAL;
	pfn = alloc_iova_fast(&bd->iovad, size >> PAGE_SHIFT, bd->limit_pfn, true);
	if (!pfn)
		return -ENOMEM;
	b->addr = (dma_addr_t)pfn << PAGE_SHIFT;
	b->size = size;
	return 0;
}

/**
 * osdep_batch_block_map() - map whole pages at an offset of a block.
 * @d:      the device.
 * @b:      the block.
 * @offset: bytes into @b, page aligned.
 * @p:      the first page to map (of a block of at least @size bytes).
 * @size:   bytes, whole pages.
 * @dir:    direction.
 *
 * Context: any; does not sleep.
 * Return: 0; -EINVAL for a range outside @b or memory that is not there;
 * -ENOMEM.
 */
int osdep_batch_block_map(struct device *d, osdep_batch_block_t *b, size_t offset,
			  struct page *p, size_t size, enum dma_data_direction dir)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_block_map");

	if (!bd || bd->direct || !size || !PAGE_ALIGNED(offset | size) ||
	    offset > b->size || size > b->size - offset || !osdep_page_span_ok(d, p, 0, size))
		return -EINVAL;
	return iommu_map_atomic(bd->domain, b->addr + offset, page_to_phys(p), size,
				dir_prot(dir) | bd->prot) ? -ENOMEM : 0;
}

/**
 * osdep_batch_block_unmap() - osdep_batch_unmap() of a part of a block.
 * @d:      the device.
 * @b:      the block; the IOVA stays its own.
 * @offset: as mapped.
 * @size:   as mapped.
 * @dir:    as mapped.
 * @g:      the gather of the unmapping CPU's batch.
 *
 * Context: any; does not sleep.
 * Return: 0 deferred; -EINVAL for a range outside @b or not mapped.
 */
int osdep_batch_block_unmap(struct device *d, osdep_batch_block_t *b, size_t offset,
			    size_t size, enum dma_data_direction dir, osdep_gather_t *g)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_block_unmap");

	if (!bd || bd->direct || !size || !PAGE_ALIGNED(offset | size) ||
	    offset > b->size || size > b->size - offset)
		return -EINVAL;
	return bd_unmap(bd, b->addr + offset, size, g);
}

/**
 * osdep_batch_block_free() - give a block's IOVA back.
 * @d: the device.
 * @b: the block; every part unmapped and flushed.
 *
 * Context: any; does not sleep.
 */
void osdep_batch_block_free(struct device *d, osdep_batch_block_t *b)
{
	struct batch_dom *bd = bd_get(d, "osdep_batch_block_free");

	if (bd && !bd->direct && b->size)
		free_iova_fast(&bd->iovad, b->addr >> PAGE_SHIFT, b->size >> PAGE_SHIFT);
	b->size = 0;
}

/**
 * osdep_batch_flush_count() - IOTLB invalidations issued by batch flushes.
 * @d: the device.
 *
 * Counts since the device's batch domain was attached; 0 when none is
 * (or the device has no domain to invalidate).
 *
 * Context: any.
 * Return: the count.
 */
u64 osdep_batch_flush_count(struct device *d)
{
	struct batch_dom *bd = bd_find(d);

	return bd ? (u64)atomic64_read(&bd->flushes) : 0;
}
