// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_iova.c - the two-step IOVA API: reserve a range once, link and
 * unlink pages in it per use (Linux 6.16's dma_iova_try_alloc(),
 * dma_iova_link(), dma_iova_sync(), dma_iova_unlink(), dma_iova_free()).
 *
 * A reserved range is a struct iova_rec on the device's list (iova_lock, a
 * leaf), whatever dma_debug says: ranges are few and long-lived, and the
 * list is what lets dma_iova_free() refuse a state freed already or forged
 * (it would free IOVA space someone else may hold now) and teardown free
 * what was never freed.  Every part a call names is checked against its
 * state without adding offset and size, so no wrap reaches IOVAs outside
 * the range.
 *
 * The observer hears of each link as a mapping, and of an unlink -- which
 * may cover several links and holes -- as one event per linked run: for
 * dma_iova_unlink() (and dma_iova_free(), teardown) once the PTEs are
 * cleared and the invalidation has completed, where the lending ends
 * (unlink_sync(); dma.c says why), for the deferred unlink before its PTEs
 * go (emit_unlink_runs()).
 *
 * dma_iova_unlink_deferred() is dma_iova_unlink() without the invalidation:
 * the range's PTEs go into the caller's gather (dma_gather.c), and the
 * caller relinks that part only after its flush.
 */
#include "dma_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* A two-step IOVA range reserved by dma_iova_try_alloc() and not yet freed. */
struct iova_rec {
	struct iova_rec *next;
	dma_addr_t addr;
	size_t size;
};

int dma_iova_try_alloc(struct dma_device *dev, struct dma_iova_state *state,
		       size_t size)
{
	struct iova_rec *r;
	pfn_t pfn;

	mcost(COST_DMA_CALL);

	state->addr = 0;
	state->size = 0;
	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		return -EOPNOTSUPP;
	if (!size || (size & ~PAGE_MASK)) {
		dma_misuse(dev, "dma_iova_try_alloc", 0, size, DMA_NONE,
			   "size must be a nonzero multiple of the page size");
		return -EINVAL;
	}
	r = lab_malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	pfn = alloc_iova_fast(dev->iovad, size >> PAGE_SHIFT, dev->mask >> PAGE_SHIFT);
	if (!pfn) {
		free(r);
		return -ENOMEM;
	}
	*r = (struct iova_rec){ .addr = pfn << PAGE_SHIFT, .size = size };
	mlock_lock(&dev->iova_lock);
	r->next = dev->iova_states;
	dev->iova_states = r;
	mlock_unlock(&dev->iova_lock);
	state->addr = r->addr;
	state->size = size;
	return 0;
}

/*
 * The record of the live range @state names, unlinked from the list if
 * @take; NULL if @state is not one (never reserved, freed already, forged).
 */
static struct iova_rec *iova_rec_find(struct dma_device *dev,
				      const struct dma_iova_state *state, bool take)
{
	struct iova_rec **pp, *r;

	mlock_lock(&dev->iova_lock);
	for (pp = &dev->iova_states; (r = *pp); pp = &r->next)
		if (r->addr == state->addr && r->size == state->size)
			break;
	if (r && take)
		*pp = r->next;
	mlock_unlock(&dev->iova_lock);
	return r;
}

/*
 * Is @state a range dma_iova_try_alloc() could have given: nonzero, page
 * aligned, inside the IOVA space without wrapping -- and, with dma_debug,
 * one @dev has reserved and not freed?  NULL if so, else why not (written
 * into @buf).  So state->addr + offset, for an offset inside the state,
 * cannot wrap either.
 */
static const char *iova_state_bad(struct dma_device *dev, const struct dma_iova_state *state,
				  char *buf, size_t len)
{
	const uint64_t end = (uint64_t)1 << IOVA_BITS;

	if (!state->addr)
		return "state has no range; expected one from dma_iova_try_alloc()";
	if (((state->addr | state->size) & ~PAGE_MASK) || !state->size ||
	    state->addr >= end || state->size > end - state->addr ||
	    (dev->debug && !iova_rec_find(dev, state, false))) {
		snprintf(buf, len, "state [%#" PRIx64 ", +%#zx) is not a range this device "
			 "reserved; expected one from dma_iova_try_alloc(), not yet freed",
			 state->addr, state->size);
		return buf;
	}
	return NULL;
}

/*
 * Is [@offset, @offset + @size) a part of @state -- page aligned if
 * @aligned, nonempty unless @empty_ok?  NULL if so, else why not (written
 * into @buf).  Never adds @offset and @size: the sum may wrap, and a
 * wrapped part would reach IOVAs outside the reserved range -- another
 * range's, or no one's.
 */
static const char *iova_part_bad(struct dma_device *dev, const struct dma_iova_state *state,
				 size_t offset, size_t size, bool aligned, bool empty_ok,
				 char *buf, size_t len)
{
	const char *why = iova_state_bad(dev, state, buf, len);

	if (why)
		return why;
	if ((!size && !empty_ok) || (aligned && ((offset | size) & ~PAGE_MASK)) ||
	    offset > state->size || size > state->size - offset) {
		snprintf(buf, len, "offset %#zx size %#zx is not a part of the %#zx-byte range "
			 "at %#" PRIx64 "; expected %s%soffset and size with offset + size "
			 "<= %#zx", offset, size, state->size, state->addr,
			 empty_ok ? "" : "a nonzero size and ", aligned ? "page-aligned " : "",
			 state->size);
		return buf;
	}
	return NULL;
}

int dma_iova_link(struct dma_device *dev, struct dma_iova_state *state,
		  phys_addr_t phys, size_t offset, size_t size,
		  enum dma_data_direction dir)
{
	uint64_t end = mem_bytes(dev);
	char msg[256];
	const char *why = iova_part_bad(dev, state, offset, size, true, false, msg,
					sizeof(msg));
	int r;

	mcost(COST_DMA_CALL);

	if (!why && !dir_valid(dir))
		why = "direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL";
	if (!why && (phys & ~PAGE_MASK))
		why = "phys is not page aligned";
	/* Not phys + size > end: the sum could wrap to the start of memory. */
	if (!why && (phys >= end || size > end - phys)) {
		snprintf(msg, sizeof(msg), "pages lie outside memory; expected phys + size "
			 "within its %#" PRIx64 " bytes, without wrapping", end);
		why = msg;
	}
	if (why) {
		dma_misuse_call(dev, why, "dma_iova_link(state=[%#" PRIx64 ", +%#zx), phys=%#"
				PRIx64 ", offset=%#zx, size=%#zx, dir=%s)", state->addr,
				state->size, phys, offset, size, dma_dir_name(dir));
		return -EINVAL;
	}
	r = iommu_map(dev->dom, state->addr + offset, phys, size, dir_prot(dir));
	if (r)
		return r;
	st_inc(dev, maps);
	emit(dev, DMA_EV_MAP, state->addr + offset, size, dir, false);
	return 0;
}

int dma_iova_sync(struct dma_device *dev, struct dma_iova_state *state,
		  size_t offset, size_t size)
{
	char msg[256];
	const char *why = iova_part_bad(dev, state, offset, size, false, true, msg,
					sizeof(msg));

	mcost(COST_DMA_SYNC);

	if (why) {
		dma_misuse_call(dev, why, "dma_iova_sync(state=[%#" PRIx64 ", +%#zx), offset=%#zx, "
				"size=%#zx)", state->addr, state->size, offset, size);
		return -EINVAL;
	}
	/* The lab's table walker is coherent: new PTEs are visible at once. */
	st_inc(dev, syncs);
	return 0;
}

/* The direction a link gave a page of the permission @prot. */
static enum dma_data_direction prot_dir(unsigned int prot)
{
	if (prot == IOMMU_READ)
		return DMA_TO_DEVICE;
	if (prot == IOMMU_WRITE)
		return DMA_FROM_DEVICE;
	return DMA_BIDIRECTIONAL;
}

/*
 * The run of linked pages starting at @iova, at most @max bytes: pages
 * that follow each other in IOVA space and in physical memory with one
 * permission, as one dma_iova_link() leaves them.  Returns its bytes, 0 if
 * @iova is not linked, and the direction its permission implies.
 */
static size_t linked_run(struct dma_device *dev, iova_t iova, size_t max,
			 enum dma_data_direction *dir)
{
	phys_addr_t first, pa;
	unsigned int prot0, prot;
	size_t len;

	if (iommu_iova_to_phys(dev->dom, iova, &first, &prot0))
		return 0;
	for (len = PAGE_SIZE; len < max; len += PAGE_SIZE)
		if (iommu_iova_to_phys(dev->dom, iova + len, &pa, &prot) ||
		    pa != first + len || prot != prot0)
			break;
	*dir = prot_dir(prot0);
	return len;
}

/*
 * Tell the observer of every linked run in [@iova, @iova + @size), before
 * the PTEs go, each with @dir (DMA_NONE: the direction its permission
 * implies): for a deferred unlink, whose call returns before its
 * invalidation.  No event spans a hole, so every link in the part is
 * reached by an event that starts at it or at a link it touches, and the
 * oracle retires the links that tile a run.  Returns the number of runs.
 */
static uint64_t emit_unlink_runs(struct dma_device *dev, iova_t iova, size_t size,
				 enum dma_data_direction dir)
{
	uint64_t runs = 0;

	for (size_t off = 0; off < size;) {
		enum dma_data_direction run_dir;
		size_t len = linked_run(dev, iova + off, size - off, &run_dir);

		if (!len) {
			off += PAGE_SIZE;
			continue;
		}
		emit(dev, DMA_EV_UNMAP, iova + off, len, dir == DMA_NONE ? run_dir : dir,
		     false);
		off += len;
		runs++;
	}
	return runs;
}

/* A linked run, found before its PTEs go and told to the observer after. */
struct linked_span {
	iova_t iova;
	size_t len;
	enum dma_data_direction dir;
};

/* Runs one invalidation covers; a part holding more is unlinked in pieces. */
#define UNLINK_RUNS 16

/*
 * Unlink [@iova, @iova + @size) now: clear its PTEs, invalidate it with one
 * range command + SYNC and only then tell the observer of every linked run
 * in it, one event each with @dir (DMA_NONE: the direction its permission
 * implies), as emit_unlink_runs() would -- where the lending ends, when
 * the caller's call returns (dma.c): the synced invalidation waited for
 * every access that had translated through the part.  The runs are found
 * from the PTEs, so before they go; a part with more than UNLINK_RUNS of
 * them is unlinked in pieces, each ending after its last run, one
 * invalidation each.  With @if_linked a part with no linked page is left
 * alone; otherwise it is still invalidated (what dma_iova_unlink()
 * promises).  Returns the number of runs.
 */
static uint64_t unlink_sync(struct dma_device *dev, iova_t iova, size_t size,
			    enum dma_data_direction dir, bool if_linked)
{
	uint64_t runs = 0;
	size_t off = 0;

	do {
		struct linked_span span[UNLINK_RUNS];
		size_t start = off, end, n = 0;
		struct iommu_cmd cmd;

		while (off < size && n < UNLINK_RUNS) {
			enum dma_data_direction run_dir;
			size_t len = linked_run(dev, iova + off, size - off, &run_dir);

			if (!len) {
				off += PAGE_SIZE;
				continue;
			}
			span[n++] = (struct linked_span){
				.iova = iova + off, .len = len,
				.dir = dir == DMA_NONE ? run_dir : dir,
			};
			off += len;
		}
		/* A full piece ends after its last run; the last one at the part's end. */
		end = n == UNLINK_RUNS ? off : size;
		off = end;
		if (!n && (if_linked || start))
			continue;
		cmd = (struct iommu_cmd){
			.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
			.iova = iova + start, .npages = (end - start) >> PAGE_SHIFT,
		};
		iommu_unmap(dev->dom, iova + start, end - start);
		mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
		st_inc(dev, inv_cmds);
		for (size_t i = 0; i < n; i++)
			emit(dev, DMA_EV_UNMAP, span[i].iova, span[i].len, span[i].dir, false);
		runs += n;
	} while (off < size);
	return runs;
}

void dma_iova_unlink(struct dma_device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir)
{
	const char *why;
	char msg[256];

	mcost(COST_DMA_CALL);

	why = iova_part_bad(dev, state, offset, size, true, true, msg, sizeof(msg));
	if (why) {
		dma_misuse_call(dev, why, "dma_iova_unlink(state=[%#" PRIx64 ", +%#zx), "
				"offset=%#zx, size=%#zx, dir=%s)", state->addr, state->size,
				offset, size, dma_dir_name(dir));
		return;
	}
	/*
	 * One event per linked run, not one for the part: the part may hold
	 * several links and holes, and the oracle finds a record by the
	 * event's address.
	 */
	unlink_sync(dev, state->addr + offset, size, dir, false);
	st_inc(dev, unmaps);
}

int dma_iova_unlink_deferred(struct dma_device *dev, struct dma_iova_state *state,
			     size_t offset, size_t size, enum dma_data_direction dir,
			     struct dma_gather *g)
{
	const char *why = NULL;
	char msg[256];

	mcost(COST_DMA_CALL);

	if (!g)
		why = "no gather given; expected one from dma_gather_init()";
	else
		why = iova_part_bad(dev, state, offset, size, true, false, msg, sizeof(msg));
	if (why) {
		dma_misuse_call(dev, why, "dma_iova_unlink_deferred(state=[%#" PRIx64 ", +%#zx), "
				"offset=%#zx, size=%#zx, dir=%s)", state->addr, state->size,
				offset, size, dma_dir_name(dir));
		return -EINVAL;
	}
	/* As dma_iova_unlink(), less the invalidation: the caller's flush does it. */
	emit_unlink_runs(dev, state->addr + offset, size, dir);
	iommu_unmap(dev->dom, state->addr + offset, size);
	dma_gather_add(g, state->addr + offset, size >> PAGE_SHIFT);
	st_inc(dev, unmaps);
	return 0;
}

void dma_iova_free(struct dma_device *dev, struct dma_iova_state *state)
{
	struct iova_rec *r;
	uint64_t runs;

	mcost(COST_DMA_CALL);

	if (!state->addr)
		return;
	/*
	 * Only a range still reserved: a copy of a state already freed, or a
	 * forged one, would free IOVA space someone else may hold now.
	 */
	r = iova_rec_find(dev, state, true);
	if (!r) {
		dma_misuse_call(dev, "not a range this device reserved (freed already, or never "
				"allocated); nothing freed", "dma_iova_free(state=[%#" PRIx64
				", +%#zx))", state->addr, state->size);
		return;
	}
	free(r);
	/*
	 * Pages still linked are misuse.  Unlink them as dma_iova_unlink()
	 * would, each linked run an unmap event (once the invalidation has
	 * completed) and an unmap.
	 */
	runs = unlink_sync(dev, state->addr, state->size, DMA_NONE, true);
	if (runs) {
		dma_misuse(dev, "dma_iova_free", state->addr, state->size, DMA_NONE,
			   "pages still linked; unlinked now");
		st_add(dev, unmaps, runs);
	}
	free_iova_fast(dev->iovad, state->addr >> PAGE_SHIFT, state->size >> PAGE_SHIFT);
	state->addr = 0;
	state->size = 0;
}

/*
 * Unlink and free every two-step IOVA range still reserved, telling the
 * observer of each linked run (as dma_iova_free() does).  Returns the
 * number of ranges.
 */
size_t dma_iova_release_all(struct dma_device *dev)
{
	struct iova_rec *r, *next;
	size_t n = 0;

	mlock_lock(&dev->iova_lock);
	r = dev->iova_states;
	dev->iova_states = NULL;
	mlock_unlock(&dev->iova_lock);
	for (; r; r = next, n++) {
		uint64_t runs;

		next = r->next;
		runs = unlink_sync(dev, r->addr, r->size, DMA_NONE, false);
		fprintf(stderr, "dma: %s: IOVA range still reserved at teardown: addr=%#" PRIx64
			" size=%zu, %llu linked run(s)\n", mdev_name(dev->hw), r->addr, r->size,
			(unsigned long long)runs);
		free_iova_fast(dev->iovad, r->addr >> PAGE_SHIFT, r->size >> PAGE_SHIFT);
		free(r);
	}
	return n;
}

