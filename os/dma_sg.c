// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_sg.c - scatterlists: dma_map_sg(), dma_unmap_sg() and their syncs.
 *
 * As Linux's iommu_dma_map_sg(): on a translating domain whose entries
 * need no bounce, the whole list gets one IOVA range, each entry on its
 * own pages from the first entry's page, so a device sees one contiguous
 * run per entry and the unmap is one range.  Under passthrough, or when
 * some entry is bounced, each entry is mapped on its own (dma_map_one()).
 * Either way every entry is checked before anything is mapped, and a map
 * that fails half way unwinds what it mapped without telling the observer.
 *
 * An unmap checks the whole list first: against dma_debug's records, which
 * say where each entry sits in which list and with how many entries it was
 * mapped (so part of a list, or two lists, are refused as Linux's
 * dma-debug refuses them); without records, against what the page table
 * and the IOVA allocator can prove (sg_contig_mismatch() for a list mapped
 * as one range, dma_unmap_mismatch() entry by entry otherwise).  The
 * observer hears of every entry, one event each, where the lending ends
 * (dma_iommu_unmap_range(), or dma_unmap_one() entry by entry).
 */
#include "dma_int.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

static size_t sg_pages(const struct scatterlist *sg)
{
	return DIV_ROUND_UP(sg->offset + (size_t)sg->length, PAGE_SIZE);
}

static bool sg_contiguous_ok(const struct dma_device *dev, const struct scatterlist *sg,
			     int nents)
{
	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		return false;
	for (int i = 0; i < nents; i++)
		if (needs_bounce(dev, (sg[i].page << PAGE_SHIFT) + sg[i].offset,
				 sg[i].length))
			return false;
	return true;
}

/*
 * Unmap entries mapped one by one, dropping their records; an entry that
 * is not mapped is skipped (dma_unmap_sg() checked them all first).
 * @notify: tell the observer (not for a map_sg unwinding entries it never
 * announced).
 */
static void sg_unmap_prefix(struct dma_device *dev, struct scatterlist *sg, int n,
			    enum dma_data_direction dir, bool notify)
{
	for (int i = 0; i < n; i++) {
		const char *why;
		char msg[256];

		if (dev->debug)
			dma_debug_check(&dev->dbg, sg[i].dma_address, sg[i].length, dir,
					DBG_SG, NULL, true, false, &why, msg, sizeof(msg));
		dma_unmap_one(dev, sg[i].dma_address, sg[i].length, dir,
			      notify ? UNMAP_NOTIFY : 0, &why, msg, sizeof(msg));
	}
}

/*
 * Is the CPU side of entry @sg one dma_map_sg() can map: not empty, an
 * offset below a page, inside memory?  NULL if so, else why not (written
 * into @buf).  The frame is checked before it is shifted, so a frame number
 * beyond memory cannot wrap into it.
 */
static const char *sg_entry_bad(const struct dma_device *dev, const struct scatterlist *sg,
				char *buf, size_t len)
{
	uint64_t end = mem_bytes(dev);

	if (!sg->length)
		return "entry is empty; expected a length of at least 1 byte";
	if (sg->offset >= PAGE_SIZE)
		return "entry's offset is a page or more; expected it below PAGE_SIZE "
		       "(sg_set_page() moves it into the page number)";
	if (sg->page >= end >> PAGE_SHIFT ||
	    sg->length > end - (sg->page << PAGE_SHIFT) - sg->offset) {
		snprintf(buf, len, "entry lies outside memory; expected page * PAGE_SIZE + "
			 "offset + length within its %#" PRIx64 " bytes, without wrapping", end);
		return buf;
	}
	return NULL;
}

int dma_map_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
	       enum dma_data_direction dir)
{
	static const char fn[] = "dma_map_sg";
	struct dbg_sg_pos pos = { .nents = nents };
	const char *why;
	size_t total = 0;
	pfn_t base, cur = 0;
	char msg[256];
	int i;

	mcost(COST_DMA_CALL);

	if (nents <= 0 || !dir_valid(dir)) {
		dma_misuse_call(dev, nents <= 0 ? "nents must be at least 1" :
				"direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL",
				"%s(nents=%d, dir=%s)", fn, nents, dma_dir_name(dir));
		return 0;
	}
	/*
	 * The sum cannot wrap: an entry spans at most 2^20 + 1 pages (its
	 * length is 32 bits) and there are fewer than 2^31 of them.
	 */
	for (i = 0; i < nents; i++) {
		why = sg_entry_bad(dev, &sg[i], msg, sizeof(msg));
		if (why) {
			dma_misuse_call(dev, why, "%s(nents=%d, dir=%s): entry %d (page=%#" PRIx64
					", offset=%u, length=%u)", fn, nents, dma_dir_name(dir), i,
					sg[i].page, sg[i].offset, sg[i].length);
			return 0;
		}
		total += sg_pages(&sg[i]);
	}
	if (!sg_contiguous_ok(dev, sg, nents)) {
		/* Passthrough or bounced entries: one mapping per entry. */
		for (i = 0; i < nents; i++) {
			phys_addr_t p = (sg[i].page << PAGE_SHIFT) + sg[i].offset;

			sg[i].dma_address = dma_map_one(dev, p, sg[i].length, dir);
			if (dma_mapping_error(sg[i].dma_address))
				goto out_unwind;
			sg[i].dma_length = sg[i].length;
			pos.first = sg[0].dma_address;
			pos.index = i;
			if (dev->debug && dma_debug_add(&dev->dbg, sg[i].dma_address,
							sg[i].length, dir, DBG_SG, p, &pos)) {
				dma_unmap_one(dev, sg[i].dma_address, sg[i].length, dir, 0, &why,
					      msg, sizeof(msg));
				goto out_unwind;
			}
		}
		st_inc(dev, maps);
		for (i = 0; i < nents; i++)
			emit(dev, DMA_EV_MAP, sg[i].dma_address, sg[i].length, dir, false);
		return nents;
	}
	/* One IOVA range for the whole list, each entry on its own pages. */
	base = alloc_iova_fast(dev->iovad, total, dev->mask >> PAGE_SHIFT);
	if (!base)
		return 0;
	for (i = 0, cur = base; i < nents; i++) {
		size_t np = sg_pages(&sg[i]);

		if (iommu_map(dev->dom, cur << PAGE_SHIFT, sg[i].page << PAGE_SHIFT,
			      np * PAGE_SIZE, dir_prot(dir)))
			goto out_unmap_range;
		sg[i].dma_address = (cur << PAGE_SHIFT) + sg[i].offset;
		sg[i].dma_length = sg[i].length;
		cur += np;
	}
	pos.first = sg[0].dma_address;
	pos.pages = total;
	for (i = 0; i < nents; i++) {
		pos.index = i;
		if (dev->debug && dma_debug_add(&dev->dbg, sg[i].dma_address, sg[i].length,
						dir, DBG_SG,
						(sg[i].page << PAGE_SHIFT) + sg[i].offset, &pos)) {
			for (int k = 0; k < i; k++)
				dma_debug_check(&dev->dbg, sg[k].dma_address, sg[k].length,
						dir, DBG_SG, NULL, true, false, &why, msg,
						sizeof(msg));
			goto out_unmap_range;
		}
	}
	st_inc(dev, maps);
	for (i = 0; i < nents; i++)
		emit(dev, DMA_EV_MAP, sg[i].dma_address, sg[i].length, dir, false);
	return nents;

out_unmap_range:
	if (cur > base) {
		struct iommu_cmd cmd = {
			.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
			.iova = base << PAGE_SHIFT, .npages = cur - base,
		};

		iommu_unmap(dev->dom, base << PAGE_SHIFT, (cur - base) * PAGE_SIZE);
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	}
	free_iova_fast(dev->iovad, base, total);
	return 0;

out_unwind:
	sg_unmap_prefix(dev, sg, i, dir, false);
	return 0;
}

/*
 * Without dma_debug: can @sg, @nents be the whole of a list dma_map_sg()
 * mapped as one IOVA range for @dir?  Such a list's entries follow each
 * other in IOVA space, each on its own pages from the first entry's page,
 * each page mapping its entry's frames with @dir's permission; the range
 * is iova_round_size() of its pages, aligned to that when a power of two,
 * and the rest of it is never mapped.  NULL if nothing here disproves it,
 * else why (into @buf), with *@bad the entry at fault.  More entries than
 * were mapped run into the unmapped rest of the range (or into another
 * mapping, whose frames are not theirs); fewer leave a mapped page inside
 * the range of the count given -- unless that count fills a power-of-two
 * range, which no record-free check can tell from a whole list.  One or
 * two walks per entry: the unmap walks every page anyway.
 */
static const char *sg_contig_mismatch(struct dma_device *dev, const struct scatterlist *sg,
				      int nents, enum dma_data_direction dir, int *bad,
				      char *buf, size_t len)
{
	iova_t start = sg[0].dma_address & PAGE_MASK, cur = start;
	size_t total = 0, span;
	phys_addr_t pa;
	unsigned int prot;

	for (int i = 0; i < nents; i++) {
		size_t np = sg_pages(&sg[i]);

		*bad = i;
		if (sg[i].dma_address != cur + sg[i].offset) {
			snprintf(buf, len, "entry is not where dma_map_sg() put it (%#" PRIx64
				 ", after the entries before it); expected the list as "
				 "dma_map_sg() left it", cur + sg[i].offset);
			return buf;
		}
		for (size_t k = 0; k < np; k += np - 1 ? np - 1 : 1)
			if (iommu_iova_to_phys(dev->dom, cur + k * PAGE_SIZE, &pa, &prot) ||
			    pa != (sg[i].page + k) << PAGE_SHIFT || prot != dir_prot(dir)) {
				snprintf(buf, len, "page %zu of the entry does not map frame %#"
					 PRIx64 " for %s; expected an entry of a list mapped "
					 "for that direction", k, sg[i].page + k,
					 dma_dir_name(dir));
				return buf;
			}
		cur += np * PAGE_SIZE;
		total += np;
	}
	*bad = 0;
	span = iova_round_size(total);
	if (!(span & (span - 1)) && ((start >> PAGE_SHIFT) & (span - 1))) {
		snprintf(buf, len, "%#" PRIx64 " is not where a list of %zu pages starts (its "
			 "IOVA range is aligned to %zu pages); expected the list as dma_map_sg() "
			 "left it", start, total, span);
		return buf;
	}
	if (total < span && !iommu_iova_to_phys(dev->dom, cur, &pa, &prot)) {
		snprintf(buf, len, "the page after the last entry (%#" PRIx64 ") is mapped "
			 "inside the list's IOVA range: it was mapped with more than %d "
			 "entries; expected the nents given to dma_map_sg()", cur, nents);
		return buf;
	}
	return NULL;
}

int dma_unmap_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
		 enum dma_data_direction dir)
{
	static const char fn[] = "dma_unmap_sg";
	struct dbg_sg_pos pos = { .nents = nents };
	const char *why = NULL;
	size_t total = 0;
	bool contig;
	char msg[256];
	int i;

	mcost(COST_DMA_CALL);

	if (nents <= 0 || !dir_valid(dir)) {
		dma_misuse_call(dev, nents <= 0 ? "nents must be at least 1" :
				"direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL",
				"%s(nents=%d, dir=%s)", fn, nents, dma_dir_name(dir));
		return -EINVAL;
	}
	/* Everything is checked before anything changes. */
	for (i = 0; i < nents && !why; i++) {
		if (!sg[i].length || sg[i].offset >= PAGE_SIZE)
			why = "entry is empty or its offset a page or more; expected the "
			      "list as dma_map_sg() left it";
		else
			why = dma_range_bad(dev, sg[i].dma_address, sg[i].length, msg,
					    sizeof(msg));
		total += sg_pages(&sg[i]);
	}
	i--;
	contig = sg_contiguous_ok(dev, sg, nents);
	if (!why && dev->debug) {
		pos.first = sg[0].dma_address;
		pos.pages = contig ? total : 0;
		for (i = 0; i < nents && !why; i++) {
			pos.index = i;
			dma_debug_check(&dev->dbg, sg[i].dma_address, sg[i].length, dir,
					DBG_SG, &pos, false, false, &why, msg, sizeof(msg));
		}
		i--;
	} else if (!why && contig) {
		why = sg_contig_mismatch(dev, sg, nents, dir, &i, msg, sizeof(msg));
	} else if (!why) {
		/* Entry by entry: each must be a mapping dma_unmap_one() would unmap. */
		for (i = 0; i < nents && !why; i++) {
			phys_addr_t pa;
			bool bounced;

			why = dma_unmap_mismatch(dev, sg[i].dma_address, sg[i].length, &pa,
						 &bounced, msg, sizeof(msg));
		}
		i--;
	}
	if (why) {
		dma_misuse_call(dev, why, "%s(nents=%d, dir=%s): entry %d (dma_address=%#" PRIx64
				", length=%u)", fn, nents, dma_dir_name(dir), i,
				sg[i].dma_address, sg[i].length);
		return -EINVAL;
	}
	if (!contig) {
		sg_unmap_prefix(dev, sg, nents, dir, true);
		st_inc(dev, unmaps);
		return 0;
	}
	if (dev->debug)
		for (i = 0; i < nents; i++)
			dma_debug_check(&dev->dbg, sg[i].dma_address, sg[i].length, dir,
					DBG_SG, NULL, true, false, &why, msg, sizeof(msg));
	{
		const struct unmap_note note = { .dir = dir, .sg = sg, .nents = nents };

		dma_iommu_unmap_range(dev, sg[0].dma_address & PAGE_MASK, total * PAGE_SIZE,
				      &note);
	}
	st_inc(dev, unmaps);
	return 0;
}

int dma_sync_sg_for_cpu(struct dma_device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	for (int i = 0; i < nents; i++) {
		int r = dma_sync_one(dev, "dma_sync_sg_for_cpu", sg[i].dma_address,
				     sg[i].length, dir, DBG_SG, true);

		if (r)
			return r;
	}
	return 0;
}

int dma_sync_sg_for_device(struct dma_device *dev, struct scatterlist *sg,
			   int nents, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	for (int i = 0; i < nents; i++) {
		int r = dma_sync_one(dev, "dma_sync_sg_for_device", sg[i].dma_address,
				     sg[i].length, dir, DBG_SG, false);

		if (r)
			return r;
	}
	return 0;
}

