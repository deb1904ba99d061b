// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_gather.c - deferred invalidation: unmaps that clear their PTEs now
 * and leave the IOTLB invalidation to a later flush their caller issues,
 * once for many of them (a lab extension; the reuse layer's batch
 * mechanism is its user).
 *
 * What Linux has for this is iommu_unmap_fast() into a struct
 * iommu_iotlb_gather and iommu_iotlb_sync() on a domain the caller owns:
 * the gather is one span of IOVA, [start, end), that grows to cover every
 * range unmapped into it, and the sync invalidates that span.  The lab's
 * gather is the same span plus a count.  Its flush is one command and one
 * CMD_SYNC: a range invalidation over the span when, on this platform, a
 * range command of that many pages is served no slower than a domain one
 * (the profile's inv_range_ns + inv_range_page_ns per page beyond the
 * first, against inv_domain_ns), else an invalidation of the whole domain
 * -- the trade arm-smmu-v3 makes for a large range (a whole-ASID TLBI
 * beyond CMDQ_MAX_TLBI_OPS pages).  A span with holes is invalidated
 * whole: invalidating too much is safe, it only costs refill walks.
 *
 * The rule that makes deferral safe is the caller's, and the lab cannot
 * check all of it: between a deferred unmap and the flush that covers it,
 * the IOTLB may still translate the range, so nothing the range reaches
 * may be freed -- not the page (a stale entry would reach it in its next
 * owner's hands: the safety rule) and not the IOVA (a new mapping there
 * would share a stale translation).  So a deferred unmap keeps its IOVA
 * allocated, and dma_deferred_iova_free() gives it back when the caller
 * says the flush is done; a two-step range unlinked this way keeps its
 * IOVA anyway.  What the lab does check: a deferred unmap is refused as
 * misuse exactly where dma_unmap_page() (or dma_iova_unlink()) would
 * refuse it -- so a second unmap, deferred or not, is refused -- and an
 * IOVA still mapped is never freed.  (dma_iova_unlink_deferred(), the
 * two-step API's deferred unlink, lives with that API in dma_iova.c.)
 *
 * Where a mapping has nothing to defer the unmap completes at once and
 * says so (return 1), so that its caller frees no IOVA for it later: under
 * passthrough there is no translation, and a bounced buffer is
 * invalidated before its copy-back and its slots are freed at once, as
 * dma_unmap_page() does (deferring it would leave a swiotlb slot, which
 * other devices share, reachable).  A lazy domain's deferred unmap goes
 * into the caller's gather, not the flush queue: the caller flushes.
 *
 * Locking: a gather is its caller's, unlocked here (the reuse layer keeps
 * one per CPU under that CPU's lock); the calls take the domain, IOVA and
 * IOTLB locks as dma_unmap_page() does, nested inside the caller's.
 */
#include "dma_int.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

void dma_gather_init(struct dma_gather *g)
{
	*g = (struct dma_gather){ 0 };
}

/* Is a range command over @npages pages served no slower than a domain one here? */
static bool range_pays(const struct platform_profile *p, uint64_t npages)
{
	uint64_t extra;

	if (p->inv_range_ns > p->inv_domain_ns)
		return false;
	if (npages <= 1 || !p->inv_range_page_ns)
		return true;
	extra = (p->inv_domain_ns - p->inv_range_ns) / p->inv_range_page_ns;
	return npages - 1 <= extra;
}

static int defer_args_ok(struct dma_device *dev, const char *fn, dma_addr_t addr,
			 size_t size, enum dma_data_direction dir, struct dma_gather *g)
{
	const char *why = NULL;
	char msg[256];

	if (!g)
		why = "no gather given; expected one from dma_gather_init()";
	else if (!dir_valid(dir))
		why = "direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL";
	else if (!size)
		why = "size must be at least 1 byte";
	else
		why = dma_range_bad(dev, addr, size, msg, sizeof(msg));
	/* A record, once taken, guarantees the mapping: the checks below cannot refuse. */
	if (!why && dev->debug)
		dma_debug_check(&dev->dbg, addr, size, dir, DBG_SINGLE, NULL, true, false, &why,
				msg, sizeof(msg));
	if (why) {
		dma_misuse(dev, fn, addr, size, dir, why);
		return -EINVAL;
	}
	return 0;
}

int dma_unmap_page_deferred(struct dma_device *dev, dma_addr_t addr, size_t size,
			    enum dma_data_direction dir, struct dma_gather *g)
{
	const char *why;
	phys_addr_t pa = 0;
	bool bounced = false;
	size_t npages;
	char msg[256];

	mcost(COST_DMA_CALL);

	if (defer_args_ok(dev, "dma_unmap_page_deferred", addr, size, dir, g))
		return -EINVAL;
	why = dma_unmap_mismatch(dev, addr, size, &pa, &bounced, msg, sizeof(msg));
	if (why) {
		dma_misuse(dev, "dma_unmap_page_deferred", addr, size, dir, why);
		return -EINVAL;
	}
	if (dev->type == DMA_DOMAIN_PASSTHROUGH || bounced) {
		/* Nothing to defer: unmapped (and a bounce invalidated) as dma_unmap_page(). */
		if (dma_unmap_one(dev, addr, size, dir, UNMAP_NOTIFY, &why, msg, sizeof(msg))) {
			dma_misuse(dev, "dma_unmap_page_deferred", addr, size, dir, why);
			return -EINVAL;
		}
		st_inc(dev, unmaps);
		return 1;
	}
	/*
	 * The observer first: a deferred unmap returns before its invalidation,
	 * so lending ends here and the UNMAP precedes the clear (oracle.c);
	 * what the device still reaches until the flush is the stale window.
	 */
	emit(dev, DMA_EV_UNMAP, addr, size, dir, false);
	npages = DIV_ROUND_UP((addr & ~PAGE_MASK) + size, PAGE_SIZE);
	iommu_unmap(dev->dom, addr & PAGE_MASK, npages * PAGE_SIZE);
	dma_gather_add(g, addr & PAGE_MASK, npages);
	st_inc(dev, unmaps);
	return 0;
}

void dma_gather_flush(struct dma_device *dev, struct dma_gather *g)
{
	struct iommu_cmd cmd = { .op = CMD_INV_DOMAIN, .domain = iommu_domain_id(dev->dom) };
	uint64_t npages = (g->end - g->start) >> PAGE_SHIFT;

	if (!npages) {
		g->n = 0;
		return;
	}
	if (range_pays(machine_profile(dev->os->m), npages))
		cmd = (struct iommu_cmd){
			.op = CMD_INV_RANGE, .domain = cmd.domain, .iova = g->start,
			.npages = (size_t)npages,
		};
	mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
	iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	st_inc(dev, inv_cmds);
	dma_gather_init(g);
}

int dma_deferred_iova_free(struct dma_device *dev, dma_addr_t addr, size_t size)
{
	const char *why = NULL;
	phys_addr_t pa;
	unsigned int prot;
	size_t npages = 0;
	char msg[256];

	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		why = "passthrough has no IOVA to free (a deferred unmap there returned 1)";
	else if (!size)
		why = "size must be at least 1 byte";
	else
		why = dma_range_bad(dev, addr, size, msg, sizeof(msg));
	if (!why) {
		npages = DIV_ROUND_UP((addr & ~PAGE_MASK) + size, PAGE_SIZE);
		/* Its first and last pages: a deferred unmap cleared them all. */
		if (!iommu_iova_to_phys(dev->dom, addr & PAGE_MASK, &pa, &prot) ||
		    !iommu_iova_to_phys(dev->dom, (addr & PAGE_MASK) + (npages - 1) * PAGE_SIZE,
					&pa, &prot))
			why = "the range is still mapped; expected the IOVA of a deferred unmap, "
			      "after the flush that covered it";
	}
	if (why) {
		dma_misuse_call(dev, why, "dma_deferred_iova_free(addr=%#" PRIx64 ", size=%zu)",
				addr, size);
		return -EINVAL;
	}
	free_iova_fast(dev->iovad, addr >> PAGE_SHIFT, npages);
	return 0;
}
