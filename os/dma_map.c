// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_map.c - single buffers: map, unmap, batched unmap and sync.
 *
 * As Linux's dma-iommu.c: a map on a translating domain allocates an IOVA
 * range (size rounded to a power of two up to 32 pages, served by the
 * per-CPU magazines), installs PTEs with the permission the direction
 * implies (TO_DEVICE -> read, FROM_DEVICE -> write, BIDIRECTIONAL -> both)
 * and returns IOVA + offset; under passthrough the DMA address is the
 * physical one.  An untrusted device's buffer that does not cover whole
 * pages is bounced through the swiotlb first, so the device never sees the
 * rest of a shared page.  An unmap checks its arguments (dma_check.c) and
 * hands the range to dma_iommu_unmap_range() (dma_fq.c), which
 * invalidates at once (strict) or queues it (lazy) and tells the observer
 * where the lending ends (strict: once the invalidation has completed;
 * lazy: before the PTEs go); a bounced buffer is copied back only after
 * the invalidation, when the device is done with it.
 *
 * A batched unmap clears every entry's PTEs first and then invalidates
 * once for all of them, range by range or, beyond BATCH_MAX_RANGES, the
 * whole domain; only then is the observer told of each entry and are
 * their IOVAs freed.
 *
 * dma_map_page() and dma_unmap_page() are the hot path of every streaming
 * strategy.  What they share with the other files is inline in dma_int.h;
 * what they call in other files (dma_unmap_mismatch(),
 * dma_iommu_unmap_range(), dma_debug, the IOVA allocator, the swiotlb, the
 * machine) neither gcc nor clang inlined when the API was one file either.
 */
#include "dma_int.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

/*
 * Map [phys, phys + size) on a translating domain: returns the DMA address
 * or DMA_MAPPING_ERROR.  No record, no bounce.
 */
dma_addr_t dma_iommu_map_range(struct dma_device *dev, phys_addr_t phys,
			       size_t size, enum dma_data_direction dir)
{
	size_t off = phys & ~PAGE_MASK;
	size_t npages = DIV_ROUND_UP(off + size, PAGE_SIZE);
	pfn_t iova = alloc_iova_fast(dev->iovad, npages, dev->mask >> PAGE_SHIFT);

	if (!iova)
		return DMA_MAPPING_ERROR;
	if (iommu_map(dev->dom, iova << PAGE_SHIFT, phys & PAGE_MASK,
		      npages * PAGE_SIZE, dir_prot(dir))) {
		free_iova_fast(dev->iovad, iova, npages);
		return DMA_MAPPING_ERROR;
	}
	return (iova << PAGE_SHIFT) + off;
}

/* Map one buffer (bounced if needed); no record. */
dma_addr_t dma_map_one(struct dma_device *dev, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir)
{
	phys_addr_t tlb;
	dma_addr_t addr;

	if (dev->type == DMA_DOMAIN_PASSTHROUGH) {
		if (phys + size - 1 > dev->mask)
			return DMA_MAPPING_ERROR;
		return phys;
	}
	if (!needs_bounce(dev, phys, size))
		return dma_iommu_map_range(dev, phys, size, dir);
	tlb = swiotlb_map(dev->os->swiotlb, dev->os->m, phys, size, dir, dev);
	if (!tlb)
		return DMA_MAPPING_ERROR;
	addr = dma_iommu_map_range(dev, tlb, size, dir);
	if (dma_mapping_error(addr)) {
		swiotlb_unmap(dev->os->swiotlb, tlb);
		return addr;
	}
	st_inc(dev, bounce_maps);
	st_add(dev, bounce_bytes, size);
	return addr;
}

/*
 * Unmap one buffer; no record.  Refuses -- -EINVAL with *@why set, nothing
 * changed, the observer not told -- where dma_unmap_mismatch() says so.
 * Otherwise tells the observer if @flags has UNMAP_NOTIFY (where the
 * lending ends: dma_iommu_unmap_range()), and copies a bounced buffer back
 * unless it has UNMAP_NO_COPY.
 */
int dma_unmap_one(struct dma_device *dev, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, unsigned int flags, const char **why,
		  char *buf, size_t len)
{
	const struct unmap_note note = { .addr = addr, .size = size, .dir = dir };
	phys_addr_t pa = 0;
	bool bounced = false;

	*why = dma_unmap_mismatch(dev, addr, size, &pa, &bounced, buf, len);
	if (*why)
		return -EINVAL;
	if (dev->type == DMA_DOMAIN_PASSTHROUGH) {
		if (flags & UNMAP_NOTIFY)
			unmap_note_emit(dev, &note);
		return 0;
	}
	/*
	 * Invalidate before a copy-back so the device is done; the observer
	 * hears of it before the slot is freed.
	 */
	dma_iommu_unmap_range(dev, addr, size, flags & UNMAP_NOTIFY ? &note : NULL);
	if (bounced) {
		if (!(flags & UNMAP_NO_COPY))
			swiotlb_sync_for_cpu(dev->os->swiotlb, dev->os->m, pa, size, dir);
		swiotlb_unmap(dev->os->swiotlb, pa);
	}
	return 0;
}

static bool args_ok(struct dma_device *dev, const char *fn, dma_addr_t a,
		    size_t size, enum dma_data_direction dir)
{
	if (!dir_valid(dir)) {
		dma_misuse(dev, fn, a, size, dir,
			   "direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL");
		return false;
	}
	if (!size) {
		dma_misuse(dev, fn, a, size, dir, "size must be at least 1 byte");
		return false;
	}
	return true;
}

/* What a map call was given, for its misuse message. */
struct map_call {
	const char *fn;
	bool single;		/* dma_map_single(): @cpu_addr; else @page, @offset */
	const void *cpu_addr;
	pfn_t page;
	size_t offset;
};

static void map_misuse(struct dma_device *dev, const struct map_call *c, size_t size,
		       enum dma_data_direction dir, const char *why)
{
	if (c->single)
		dma_misuse_call(dev, why, "%s(cpu_addr=%p, size=%zu, dir=%s)", c->fn, c->cpu_addr,
				size, dma_dir_name(dir));
	else
		dma_misuse_call(dev, why, "%s(page=%#" PRIx64 ", offset=%#zx, size=%zu, dir=%s)",
				c->fn, c->page, c->offset, size, dma_dir_name(dir));
}

/*
 * Map [@phys, @phys + @size) for the call @c describes.  @inside: the
 * caller found @phys inside memory (and computed it without wrapping);
 * whether the whole buffer is, is checked here, as the rest of @c's
 * arguments.
 */
static dma_addr_t map_phys(struct dma_device *dev, const struct map_call *c, bool inside,
			   phys_addr_t phys, size_t size, enum dma_data_direction dir)
{
	uint64_t end = mem_bytes(dev);
	const char *why = NULL;
	dma_addr_t addr;
	char msg[160];

	if (!dir_valid(dir)) {
		why = "direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL";
	} else if (!size) {
		why = "size must be at least 1 byte";
	} else if (!inside || size > end - phys) {
		snprintf(msg, sizeof(msg), "buffer lies outside memory; expected one inside "
			 "its %#" PRIx64 " bytes, without wrapping", end);
		why = msg;
	} else if (dev->type == DMA_DOMAIN_PASSTHROUGH && phys + size - 1 > dev->mask) {
		why = "buffer beyond the device's DMA mask";
	}
	if (why) {
		map_misuse(dev, c, size, dir, why);
		return DMA_MAPPING_ERROR;
	}
	addr = dma_map_one(dev, phys, size, dir);
	if (dma_mapping_error(addr))
		return addr;
	if (dev->debug && dma_debug_add(&dev->dbg, addr, size, dir, DBG_SINGLE, phys, NULL)) {
		char buf[256];

		dma_unmap_one(dev, addr, size, dir, 0, &why, buf, sizeof(buf));
		return DMA_MAPPING_ERROR;
	}
	st_inc(dev, maps);
	emit(dev, DMA_EV_MAP, addr, size, dir, false);
	return addr;
}

dma_addr_t dma_map_page(struct dma_device *dev, pfn_t page, size_t offset,
			size_t size, enum dma_data_direction dir)
{
	const struct map_call c = { .fn = "dma_map_page", .page = page, .offset = offset };
	uint64_t end = mem_bytes(dev);
	/* The frame first: shifting one beyond memory could wrap into it. */
	bool inside = page < end >> PAGE_SHIFT && offset <= end - (page << PAGE_SHIFT);

	mcost(COST_DMA_CALL);

	return map_phys(dev, &c, inside, inside ? (page << PAGE_SHIFT) + offset : 0, size,
			dir);
}

dma_addr_t dma_map_single(struct dma_device *dev, void *cpu_addr, size_t size,
			  enum dma_data_direction dir)
{
	const struct map_call c = { .fn = "dma_map_single", .single = true, .cpu_addr = cpu_addr };
	uintptr_t base = (uintptr_t)machine_mem(dev->os->m)->base, va = (uintptr_t)cpu_addr;
	bool inside = va >= base && va - base <= mem_bytes(dev);

	mcost(COST_DMA_CALL);

	return map_phys(dev, &c, inside, inside ? va - base : 0, size, dir);
}

static int unmap_checked(struct dma_device *dev, const char *fn, dma_addr_t addr,
			 size_t size, enum dma_data_direction dir)
{
	const char *why;
	char msg[256];

	if (!args_ok(dev, fn, addr, size, dir))
		return -EINVAL;
	why = dma_range_bad(dev, addr, size, msg, sizeof(msg));
	/* A record, once taken, guarantees the mapping: dma_unmap_one() cannot refuse. */
	if (!why && dev->debug)
		dma_debug_check(&dev->dbg, addr, size, dir, DBG_SINGLE, NULL, true, false,
				&why, msg, sizeof(msg));
	if (why) {
		dma_misuse(dev, fn, addr, size, dir, why);
		return -EINVAL;
	}
	if (dma_unmap_one(dev, addr, size, dir, UNMAP_NOTIFY, &why, msg, sizeof(msg))) {
		dma_misuse(dev, fn, addr, size, dir, why);
		return -EINVAL;
	}
	st_inc(dev, unmaps);
	return 0;
}

int dma_unmap_page(struct dma_device *dev, dma_addr_t addr, size_t size,
		   enum dma_data_direction dir)
{
	mcost(COST_DMA_CALL);
	return unmap_checked(dev, "dma_unmap_page", addr, size, dir);
}

int dma_unmap_single(struct dma_device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir)
{
	mcost(COST_DMA_CALL);
	return unmap_checked(dev, "dma_unmap_single", addr, size, dir);
}

/*
 * A batched unmap invalidates range by range up to this many ranges, the
 * whole domain beyond.  A range command costs the hardware one TLBI by VA
 * per range; a domain command costs one TLBI by ASID plus a refill walk for
 * every live translation the device touches next.  Eight ranges is where
 * the profiles' inv_range_ns sum passes inv_domain_ns plus a few refills;
 * Linux's arm-smmu-v3 makes the same trade for one large range (whole
 * ASID beyond CMDQ_MAX_TLBI_OPS pages).
 */
#define BATCH_MAX_RANGES 8

/* Entries handled per invalidation round (a bitmap of them lives on the stack). */
#define BATCH_ROUND 256

/* Check and clear one entry of a batch; true if its IOVA awaits the flush. */
static bool batch_clear_one(struct dma_device *dev, const struct dma_unmap_desc *d,
			    int *ret)
{
	const char *why;
	phys_addr_t pa = 0;
	unsigned int prot;
	size_t npages;
	char msg[256];

	if (!args_ok(dev, "dma_unmap_batch", d->addr, d->size, d->dir)) {
		*ret = -EINVAL;
		return false;
	}
	why = dma_range_bad(dev, d->addr, d->size, msg, sizeof(msg));
	if (!why && dev->debug)
		dma_debug_check(&dev->dbg, d->addr, d->size, d->dir, DBG_SINGLE, NULL, true,
				false, &why, msg, sizeof(msg));
	if (why) {
		dma_misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
		*ret = -EINVAL;
		return false;
	}
	if (dev->type != DMA_DOMAIN_PASSTHROUGH &&
	    iommu_iova_to_phys(dev->dom, d->addr, &pa, &prot)) {
		dma_misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir,
			   "address is not mapped");
		*ret = -EINVAL;
		return false;
	}
	if (dev->type != DMA_DOMAIN_STRICT || swiotlb_owns(dev->os->swiotlb, pa)) {
		/*
		 * Passthrough, the flush queue, or a bounce that must be
		 * invalidated before its copy-back: as dma_unmap_page().
		 */
		if (dma_unmap_one(dev, d->addr, d->size, d->dir, UNMAP_NOTIFY, &why, msg,
			      sizeof(msg))) {
			dma_misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
			*ret = -EINVAL;
			return false;
		}
		st_inc(dev, unmaps);
		return false;
	}
	if (!dev->debug && (why = dma_extent_mismatch(dev, d->addr, d->size, pa, prot, msg,
						  sizeof(msg)))) {
		dma_misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
		*ret = -EINVAL;
		return false;
	}
	/* The observer hears of it after the invalidation (dma_unmap_batch()). */
	st_inc(dev, unmaps);
	npages = DIV_ROUND_UP((d->addr & ~PAGE_MASK) + d->size, PAGE_SIZE);
	iommu_unmap(dev->dom, d->addr & PAGE_MASK, npages * PAGE_SIZE);
	return true;
}

int dma_unmap_batch(struct dma_device *dev, const struct dma_unmap_desc *v, size_t n)
{
	int ret = 0;

	mcost(COST_DMA_CALL);

	for (size_t base = 0; base < n; base += BATCH_ROUND) {
		size_t end = n - base < BATCH_ROUND ? n : base + BATCH_ROUND;
		uint64_t pending[BATCH_ROUND / 64] = { 0 };
		struct iommu_cmd cmds[BATCH_MAX_RANGES];
		size_t ncmd = 0, npend = 0;

		for (size_t i = base; i < end; i++) {
			if (!batch_clear_one(dev, &v[i], &ret))
				continue;
			pending[(i - base) / 64] |= 1ull << ((i - base) % 64);
			if (npend++ < BATCH_MAX_RANGES)
				cmds[ncmd++] = (struct iommu_cmd){
					.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
					.iova = v[i].addr & PAGE_MASK,
					.npages = DIV_ROUND_UP((v[i].addr & ~PAGE_MASK) + v[i].size,
							       PAGE_SIZE),
				};
		}
		if (!npend)
			continue;
		if (npend > BATCH_MAX_RANGES) {
			cmds[0] = (struct iommu_cmd){
				.op = CMD_INV_DOMAIN, .domain = iommu_domain_id(dev->dom),
			};
			ncmd = 1;
		}
		mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), cmds, ncmd, true);
		st_add(dev, inv_cmds, ncmd);
		/*
		 * Translations are gone and the accesses through them done
		 * (dma_iommu_unmap_range()): the lendings end, and the IOVAs
		 * may be handed out again.
		 */
		for (size_t i = base; i < end; i++) {
			if (!(pending[(i - base) / 64] & (1ull << ((i - base) % 64))))
				continue;
			emit(dev, DMA_EV_UNMAP, v[i].addr, v[i].size, v[i].dir, false);
			free_iova_fast(dev->iovad, v[i].addr >> PAGE_SHIFT,
				       DIV_ROUND_UP((v[i].addr & ~PAGE_MASK) + v[i].size,
						    PAGE_SIZE));
		}
	}
	return ret;
}

int dma_sync_one(struct dma_device *dev, const char *fn, dma_addr_t addr,
		 size_t size, enum dma_data_direction dir, enum dbg_kind kind,
		 bool for_cpu)
{
	enum dma_event_kind kind_ev = for_cpu ? DMA_EV_SYNC_FOR_CPU : DMA_EV_SYNC_FOR_DEVICE;
	const char *why;
	phys_addr_t pa, start;
	unsigned int prot;
	size_t bsize;
	char msg[256];

	if (!args_ok(dev, fn, addr, size, dir))
		return -EINVAL;
	why = dma_range_bad(dev, addr, size, msg, sizeof(msg));
	if (!why && dev->debug)
		dma_debug_check(&dev->dbg, addr, size, dir, kind, NULL, false, true, &why, msg,
				sizeof(msg));
	if (why) {
		dma_misuse(dev, fn, addr, size, dir, why);
		return -EINVAL;
	}
	/*
	 * Memory is coherent: as in Linux's dma-iommu, a device that never
	 * bounces needs no work here (and without dma_debug gets no check
	 * beyond the range's).
	 */
	if (dev->type == DMA_DOMAIN_PASSTHROUGH || !dev->untrusted) {
		st_inc(dev, syncs);
		emit(dev, kind_ev, addr, size, dir, false);
		return 0;
	}
	if (iommu_iova_to_phys(dev->dom, addr, &pa, &prot)) {
		dma_misuse(dev, fn, addr, size, dir, "sync of an address that is not mapped");
		return -EINVAL;
	}
	/*
	 * A sub-range of a bounced buffer may be synced (without dma_debug,
	 * whose records want the mapping's address): it must lie inside the
	 * buffer, not in the zeroed padding around it nor past its end.
	 */
	if (swiotlb_find(dev->os->swiotlb, pa, &start, &bsize) &&
	    (pa < start || size > bsize || pa - start > bsize - size)) {
		snprintf(msg, sizeof(msg), "range is not inside the bounced buffer at %#" PRIx64
			 " (%zu bytes)", addr - (pa - start), bsize);
		dma_misuse(dev, fn, addr, size, dir, msg);
		return -EINVAL;
	}
	st_inc(dev, syncs);
	emit(dev, kind_ev, addr, size, dir, false);
	if (swiotlb_owns(dev->os->swiotlb, pa)) {
		if (for_cpu)
			swiotlb_sync_for_cpu(dev->os->swiotlb, dev->os->m, pa, size, dir);
		else
			swiotlb_sync_for_device(dev->os->swiotlb, dev->os->m, pa, size, dir);
	}
	return 0;
}

bool dma_need_sync(struct dma_device *dev, dma_addr_t addr)
{
	(void)addr;
	return (dev->untrusted && dev->type != DMA_DOMAIN_PASSTHROUGH) || dev->debug ||
	       atomic_load_explicit(&dev->os->obs, memory_order_relaxed);
}

int dma_sync_single_for_cpu(struct dma_device *dev, dma_addr_t addr,
			    size_t size, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	return dma_sync_one(dev, "dma_sync_single_for_cpu", addr, size, dir, DBG_SINGLE, true);
}

int dma_sync_single_for_device(struct dma_device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	return dma_sync_one(dev, "dma_sync_single_for_device", addr, size, dir, DBG_SINGLE,
			    false);
}

