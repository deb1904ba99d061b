// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_coherent.c - coherent memory: dma_alloc_coherent(), dma_free_coherent().
 *
 * An allocation is a block of 2^order pages from the page allocator
 * (owner OWNER_COHERENT), mapped whole for both directions: the IOVA range
 * of a translating domain, or the physical address under passthrough
 * (refused beyond the DMA mask).  The observer hears of the whole block:
 * of its free where the lending ends (on a strict domain once the
 * invalidation has completed), before its pages go back to the allocator.
 *
 * A free is checked even without dma_debug: the domain knows what the
 * handle maps and the page allocator knows the block (its head, owner and
 * order), so a wrong pointer, handle or size never frees or unmaps a page
 * it should not (coherent_mismatch()).
 */
#include "dma_int.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

void *dma_alloc_coherent(struct dma_device *dev, size_t size, dma_addr_t *handle)
{
	unsigned int order = order_for(size);
	dma_addr_t addr;
	phys_addr_t phys;
	pfn_t pfn;

	mcost(COST_DMA_CALL);

	if (!size || order > PAGE_MAX_ORDER) {
		dma_misuse(dev, "dma_alloc_coherent", 0, size, DMA_BIDIRECTIONAL,
			   "size must be 1 byte to 4 MiB");
		return NULL;
	}
	if (pages_alloc(dev->os->pa, order, OWNER_COHERENT, true, &pfn))
		return NULL;
	phys = pfn << PAGE_SHIFT;
	if (dev->type == DMA_DOMAIN_PASSTHROUGH) {
		if (phys + (PAGE_SIZE << order) - 1 > dev->mask)
			goto out_put;
		addr = phys;
	} else {
		addr = dma_iommu_map_range(dev, phys, PAGE_SIZE << order, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(addr))
			goto out_put;
	}
	if (dev->debug && dma_debug_add(&dev->dbg, addr, size, DMA_BIDIRECTIONAL,
					DBG_COHERENT, phys, NULL)) {
		if (dev->type != DMA_DOMAIN_PASSTHROUGH)
			dma_iommu_unmap_range(dev, addr, PAGE_SIZE << order, NULL);
		goto out_put;
	}
	*handle = addr;
	emit(dev, DMA_EV_MAP, addr, PAGE_SIZE << order, DMA_BIDIRECTIONAL, true);
	return phys_to_virt(dev->os->m, phys);

out_put:
	page_put(dev->os->pa, pfn);
	return NULL;
}

/*
 * Do @cpu_addr and @handle name one live coherent allocation of 2^@order
 * pages?  NULL if so, else why not (written into @buf).  The domain knows
 * what @handle maps (under passthrough: itself) and the page allocator
 * knows the block -- its head, owner and order -- so this holds without
 * dma_debug: a wrong pointer or size never frees a page it should not.
 */
static const char *coherent_mismatch(struct dma_device *dev, unsigned int order,
				     const void *cpu_addr, dma_addr_t handle,
				     char *buf, size_t len)
{
	size_t nframes = machine_mem(dev->os->m)->nframes;
	phys_addr_t phys = virt_to_phys(dev->os->m, cpu_addr), mapped = handle;
	pfn_t pfn = phys >> PAGE_SHIFT, last = pfn + ((pfn_t)1 << order) - 1;
	struct page_alloc *pa = dev->os->pa;
	unsigned int prot;

	if (phys >= nframes * PAGE_SIZE || (phys & ~PAGE_MASK)) {
		snprintf(buf, len, "cpu_addr %p is not the start of a page in memory; "
			 "expected the address dma_alloc_coherent() returned", cpu_addr);
		return buf;
	}
	if (dev->type != DMA_DOMAIN_PASSTHROUGH &&
	    iommu_iova_to_phys(dev->dom, handle, &mapped, &prot)) {
		snprintf(buf, len, "handle %#" PRIx64 " maps nothing; expected the handle "
			 "dma_alloc_coherent() gave with cpu_addr %p (phys %#" PRIx64 ")",
			 handle, cpu_addr, phys);
		return buf;
	}
	if (mapped != phys) {
		snprintf(buf, len, "handle %#" PRIx64 " maps phys %#" PRIx64 " but cpu_addr %p "
			 "is phys %#" PRIx64 "; expected the pair dma_alloc_coherent() returned",
			 handle, mapped, cpu_addr, phys);
		return buf;
	}
	if (page_owner(pa, pfn) != OWNER_COHERENT || page_head(pa, pfn) != pfn) {
		snprintf(buf, len, "phys %#" PRIx64 " is not the start of a coherent "
			 "allocation", phys);
		return buf;
	}
	/* Blocks are aligned: the last frame in and the next one out fix the order. */
	if (page_head(pa, last) != pfn ||
	    (last + 1 < nframes && page_head(pa, last + 1) == pfn)) {
		snprintf(buf, len, "the allocation at phys %#" PRIx64 " is not %zu bytes "
			 "(2^%u pages); expected the size given to dma_alloc_coherent()",
			 phys, PAGE_SIZE << order, order);
		return buf;
	}
	return NULL;
}

int dma_free_coherent(struct dma_device *dev, size_t size, void *cpu_addr,
		      dma_addr_t handle)
{
	static const char fn[] = "dma_free_coherent";
	unsigned int order = order_for(size);
	struct unmap_note note;
	const char *why;
	char msg[256];

	mcost(COST_DMA_CALL);

	if (!size || order > PAGE_MAX_ORDER) {
		dma_misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL,
			   "size must be 1 byte to 4 MiB");
		return -EINVAL;
	}
	/* Check everything first: a refused call must leave the record too. */
	if (dev->debug && dma_debug_check(&dev->dbg, handle, size, DMA_BIDIRECTIONAL,
					  DBG_COHERENT, NULL, false, false, &why, msg,
					  sizeof(msg))) {
		dma_misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	why = coherent_mismatch(dev, order, cpu_addr, handle, msg, sizeof(msg));
	if (why) {
		dma_misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	/* Claim the record: only a concurrent free of the same handle can fail here. */
	if (dev->debug && dma_debug_check(&dev->dbg, handle, size, DMA_BIDIRECTIONAL,
					  DBG_COHERENT, NULL, true, false, &why, msg,
					  sizeof(msg))) {
		dma_misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	/* Where the lending ends (dma_iommu_unmap_range()), before the pages go. */
	note = (struct unmap_note){
		.addr = handle, .size = PAGE_SIZE << order, .dir = DMA_BIDIRECTIONAL,
		.coherent = true,
	};
	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		unmap_note_emit(dev, &note);
	else
		dma_iommu_unmap_range(dev, handle, PAGE_SIZE << order, &note);
	page_put(dev->os->pa, virt_to_phys(dev->os->m, cpu_addr) >> PAGE_SHIFT);
	return 0;
}

