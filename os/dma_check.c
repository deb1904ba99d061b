// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_check.c - how the DMA API refuses misuse, and what it can prove
 * about an unmap without dma_debug.
 *
 * Every entry point checks its arguments before it changes anything or
 * tells the observer; a refused call counts in the device's misuse counter
 * and logs one line: the call as the caller made it, then why it was
 * refused, naming the values (dma_misuse_call()).  The checks particular to
 * one kind of call live with it (a scatterlist entry's in dma_sg.c, a
 * coherent pair's in dma_coherent.c, a two-step state's in dma_iova.c);
 * this file holds the reporting and the checks of a single mapping's
 * address and size that unmap, batched unmap and scatterlist unmap share.
 *
 * With dma_debug (on by default, as CONFIG_DMA_API_DEBUG) a record vouches
 * for a mapping's address, size and direction.  Without it the page table,
 * the IOVA allocator's size-aligned ranges and the swiotlb can still
 * disprove most wrong calls: dma_extent_mismatch() and
 * dma_unmap_mismatch() below.  dma_range_bad() (dma_int.h), which every
 * unmap and sync runs first, is inline in the header for their fast paths.
 */
#include "dma_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

void dma_misuse_call(struct dma_device *dev, const char *why, const char *fmt, ...)
{
	char call[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	st_inc(dev, misuse);
	fprintf(stderr, "dma: %s: %s: %s\n", mdev_name(dev->hw), call, why);
}

/*
 * Without dma_debug, can [@addr, @addr + @size) be a whole mapping that
 * dma_iommu_map_range() made?  Its first page is known to map @pa with @prot.
 * What holds for every such mapping of n pages: its IOVA range is
 * iova_round_size(n) pages, aligned to that size when it is a power of
 * two (iova.c: the tree aligns them and the magazines keep them by size);
 * its n PTEs map one physically contiguous run with one permission; the
 * rest of the range is never mapped.  So an address at an offset its size
 * class cannot start at, a last page that is not mapped with the first,
 * or a page mapped past the end inside the same range proves the address
 * or the size wrong.  Returns NULL, or why (written into @buf).  What it
 * cannot see -- a smaller power-of-two size, an address inside a mapping
 * aligned for the size given -- is written in dma.h (dma_unmap_page()).
 * Costs no walk for a one-page mapping, one or two otherwise.
 */
const char *dma_extent_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
				phys_addr_t pa, unsigned int prot, char *buf, size_t len)
{
	size_t npages, span;
	iova_t iova = addr & PAGE_MASK;
	phys_addr_t lpa;
	unsigned int lprot;

	if (size > ((size_t)1 << IOVA_BITS) - PAGE_SIZE) {
		snprintf(buf, len, "size %zu is larger than the IOVA space; expected the "
			 "size given to the map call", size);
		return buf;
	}
	npages = DIV_ROUND_UP((addr & ~PAGE_MASK) + size, PAGE_SIZE);
	span = iova_round_size(npages);
	if (!(span & (span - 1)) && ((iova >> PAGE_SHIFT) & (span - 1))) {
		snprintf(buf, len, "%#" PRIx64 " is not where a mapping of %zu bytes starts "
			 "(its IOVA range of %zu pages is aligned to %zu pages): an address "
			 "inside a mapping or the wrong size; expected the address and size "
			 "of the map call", addr, size, span, span);
		return buf;
	}
	if (npages > 1 &&
	    (iommu_iova_to_phys(dev->dom, iova + (npages - 1) * PAGE_SIZE, &lpa, &lprot) ||
	     lpa != (pa & PAGE_MASK) + (npages - 1) * PAGE_SIZE || lprot != prot)) {
		snprintf(buf, len, "size %zu runs past the mapping at %#" PRIx64 ": its page "
			 "%zu is not mapped with its first; expected the size given to the "
			 "map call", size, addr, npages - 1);
		return buf;
	}
	if (npages < span &&
	    !iommu_iova_to_phys(dev->dom, iova + npages * PAGE_SIZE, &lpa, &lprot)) {
		snprintf(buf, len, "size %zu stops short of the mapping at %#" PRIx64 ": its "
			 "page %zu is mapped too; expected the size given to the map call",
			 size, addr, npages);
		return buf;
	}
	return NULL;
}

/*
 * Would dma_unmap_one() refuse to unmap [@addr, @addr + @size)?  NULL if not,
 * else why (written into @buf, @len bytes, when it names values): the
 * first page is not mapped, @addr lies inside a bounced buffer but is not
 * its first byte (its slots could not be freed whole) or @size is not the
 * buffer's, or, without dma_debug (whose record vouches for both),
 * dma_extent_mismatch() proves @addr or @size wrong.  Otherwise *@pa is the
 * physical address @addr maps and *@bounced whether it is a bounce buffer
 * (both untouched under passthrough, which has nothing to check).
 */
const char *dma_unmap_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
			       phys_addr_t *pa, bool *bounced, char *buf, size_t len)
{
	phys_addr_t start;
	unsigned int prot;
	size_t bsize;

	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		return NULL;
	if (iommu_iova_to_phys(dev->dom, addr, pa, &prot))
		return "address is not mapped";
	*bounced = swiotlb_find(dev->os->swiotlb, *pa, &start, &bsize);
	if (*bounced) {
		if (*pa != start)
			return "address is inside a bounced buffer, not its start";
		if (size != bsize) {
			snprintf(buf, len, "size %zu is not the %zu bytes of the bounced buffer "
				 "at %#" PRIx64 "; expected the size given to the map call",
				 size, bsize, addr);
			return buf;
		}
		return NULL;
	}
	return dev->debug ? NULL : dma_extent_mismatch(dev, addr, size, *pa, prot, buf, len);
}

