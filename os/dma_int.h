/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dma_int.h - what the files of the lab's DMA API share (os/dma*.c).
 *
 * The API of dma.h is split by concern, one file each:
 *   dma.c           a device's life: create, teardown of what is still live,
 *                   mask, accessors, counters
 *   dma_map.c       single buffers: map, unmap, batched unmap, sync
 *   dma_fq.c        the end of a translating mapping: a strict domain
 *                   invalidates at once, a lazy one queues the IOVA on this
 *                   CPU's flush queue, flushed when full or by its timer
 *   dma_check.c     how misuse is refused and reported, and what the page
 *                   table, the IOVA allocator and the swiotlb can prove
 *                   about an unmap without dma_debug's records
 *   dma_sg.c        scatterlists
 *   dma_coherent.c  coherent memory
 *   dma_iova.c      the two-step IOVA API (Linux 6.16's dma_iova_*())
 *   dma_gather.c    deferred invalidation: unmaps that leave the IOTLB
 *                   flush to their caller's gather (the batch mechanism)
 * This header holds the device, its counters, and the helpers more than one
 * of them calls.  Those every map, unmap or sync runs -- emit(),
 * dma_range_bad(), dir_valid(), dir_prot(), mem_bytes(), needs_bounce() --
 * and the misuse wrapper dma_misuse() are static inline here rather than
 * functions of one file: a compiler inlined each into those paths when the
 * API was one file, and a call across files cannot be inlined.
 *
 * Locks (the order, written once): fq[cpu].lock is taken by unmap (on this
 * CPU) and by the flush-queue timer; the domain, IOVA and IOTLB locks nest
 * inside it.  timer_lock and iova_lock are leaves.
 *
 * Tests that poke the flush queue's sizes include this header explicitly.
 */
#ifndef DMAREUSE_DMA_INT_H
#define DMAREUSE_DMA_INT_H

#include "os_int.h"

#include <dmareuse/dma.h>
#include <dmareuse/mthread.h>

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

#define FQ_SIZE 256			/* flush queue entries per CPU */
#define FQ_TIMEOUT_NS 10000000ull	/* 10 ms */

struct flush_queue;			/* dma_fq.c */
struct iova_rec;			/* dma_iova.c */

struct dma_stats_atomic {
	_Atomic uint64_t maps, unmaps, syncs, inv_cmds, fq_flushes, bounce_maps,
		bounce_bytes, misuse;
};

struct dma_device {
	struct os *os;
	struct mdev *hw;
	struct iommu_domain *dom;
	enum dma_domain_type type;
	uint64_t mask;
	bool untrusted, debug;
	struct iova_domain *iovad;	/* translating domains only */
	struct flush_queue *fq;		/* lazy only: [ncpus] */
	struct mthread fq_timer;
	struct mlock timer_lock;	/* protects timer_stop */
	struct mcond timer_cond;
	bool timer_stop;
	struct mlock iova_lock;	/* protects iova_states */
	struct iova_rec *iova_states;
	struct dma_debug dbg;
	struct dma_stats_atomic st;
};

#define st_inc(dev, f) atomic_fetch_add_explicit(&(dev)->st.f, 1, memory_order_relaxed)
#define st_add(dev, f, v) \
	atomic_fetch_add_explicit(&(dev)->st.f, (v), memory_order_relaxed)

/* dma_unmap_one() flags. */
#define UNMAP_NOTIFY 1u		/* tell the observer where the lending ends */
#define UNMAP_NO_COPY 2u	/* teardown: free a bounce without copying back */

/* Tell the observer (the oracle), if any; resolves the frame for maps. */
static inline void emit(struct dma_device *dev, enum dma_event_kind kind, dma_addr_t addr,
			size_t size, enum dma_data_direction dir, bool coherent)
{
	/* Pairs with os_set_dma_observer()'s store (seq_cst): the observer is set up first. */
	dma_observer_fn fn = atomic_load_explicit(&dev->os->obs, memory_order_acquire);
	struct dma_event ev;

	if (!fn)
		return;
	ev = (struct dma_event){
		.kind = kind, .dev = dev, .hw = dev->hw, .addr = addr, .phys = addr,
		.size = size, .dir = dir, .coherent = coherent,
	};
	if (kind == DMA_EV_MAP && dev->type != DMA_DOMAIN_PASSTHROUGH) {
		unsigned int prot;

		if (iommu_iova_to_phys(dev->dom, addr, &ev.phys, &prot))
			ev.phys = 0;
	}
	fn(dev->os->obs_arg, &ev);
}

/*
 * What an unmap tells the observer: one buffer, or (@sg non-NULL) every
 * entry of a list, one event each.  dma_iommu_unmap_range() sends it
 * where the lending ends (see dma.c).
 */
struct unmap_note {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
	bool coherent;
	const struct scatterlist *sg;	/* [nents] entries, or NULL */
	int nents;
};

/* Send the unmap events @n describes; NULL sends none. */
static inline void unmap_note_emit(struct dma_device *dev, const struct unmap_note *n)
{
	if (!n)
		return;
	if (!n->sg) {
		emit(dev, DMA_EV_UNMAP, n->addr, n->size, n->dir, n->coherent);
		return;
	}
	for (int i = 0; i < n->nents; i++)
		emit(dev, DMA_EV_UNMAP, n->sg[i].dma_address, n->sg[i].length, n->dir, false);
}

/* Bytes of memory: the end of the arena's physical addresses. */
static inline uint64_t mem_bytes(const struct dma_device *dev)
{
	return (uint64_t)machine_mem(dev->os->m)->nframes * PAGE_SIZE;
}

/*
 * Does [@addr, @addr + @size) lie in @dev's DMA address space -- memory
 * under passthrough (identity), 2^IOVA_BITS on a translating domain --
 * without wrapping?  NULL if so, else why not (written into @buf).  Every
 * unmap and sync checks this first, so nothing after it adds past the end.
 */
static inline const char *dma_range_bad(const struct dma_device *dev, dma_addr_t addr,
					size_t size, char *buf, size_t len)
{
	bool pt = dev->type == DMA_DOMAIN_PASSTHROUGH;
	uint64_t end = pt ? mem_bytes(dev) : (uint64_t)1 << IOVA_BITS;

	if (addr < end && size <= end - addr)
		return NULL;
	snprintf(buf, len, "range of %zu bytes at %#" PRIx64 " %s the %s, which ends at %#"
		 PRIx64 "; expected the address and size of a mapping", size, addr,
		 addr + size < addr ? "wraps around past" : "runs past the end of",
		 pt ? "memory" : "IOVA space", end);
	return buf;
}

static inline bool dir_valid(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE ||
	       dir == DMA_FROM_DEVICE;
}

static inline unsigned int dir_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE: return IOMMU_READ;
	case DMA_FROM_DEVICE: return IOMMU_WRITE;
	default: return IOMMU_READ | IOMMU_WRITE;
	}
}

static inline bool needs_bounce(const struct dma_device *dev, phys_addr_t phys,
				size_t size)
{
	return dev->untrusted && ((phys | size) & ~PAGE_MASK);
}

/* The order of the block that holds @size bytes; PAGE_MAX_ORDER + 1 if none. */
static inline unsigned int order_for(size_t size)
{
	unsigned int o = 0;

	while (o <= PAGE_MAX_ORDER && (PAGE_SIZE << o) < size)
		o++;
	return o;
}

/* Grow the gather @g to cover [@iova, @iova + @npages pages); one more unmap in it. */
static inline void dma_gather_add(struct dma_gather *g, iova_t iova, size_t npages)
{
	iova_t end = iova + npages * PAGE_SIZE;

	if (g->start == g->end) {
		g->start = iova;
		g->end = end;
	} else {
		if (iova < g->start)
			g->start = iova;
		if (end > g->end)
			g->end = end;
	}
	g->n++;
}

/* ---- dma_check.c -------------------------------------------------------- */

/*
 * Count a refused call and log it once: the call as the caller made it
 * (@fmt: the function and its arguments), then why it was refused.
 */
void dma_misuse_call(struct dma_device *dev, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* dma_misuse_call() for a call of the shape fn(addr, size, dir). */
static inline void dma_misuse(struct dma_device *dev, const char *fn, dma_addr_t addr,
			      size_t size, enum dma_data_direction dir, const char *why)
{
	dma_misuse_call(dev, why, "%s(addr=%#" PRIx64 ", size=%zu, dir=%s)", fn, addr, size,
			dma_dir_name(dir));
}
/*
 * Without dma_debug, can [@addr, @addr + @size) be a whole mapping that
 * dma_iommu_map_range() made, whose first page maps @pa with @prot?  NULL,
 * or why not (written into @buf).  See dma_check.c.
 */
const char *dma_extent_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
				phys_addr_t pa, unsigned int prot, char *buf, size_t len);
/*
 * Would dma_unmap_one() refuse to unmap [@addr, @addr + @size)?  NULL if
 * not, else why; otherwise *@pa is what @addr maps and *@bounced whether it
 * is a bounce buffer.  See dma_check.c.
 */
const char *dma_unmap_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
			       phys_addr_t *pa, bool *bounced, char *buf, size_t len);

/* ---- dma_fq.c ----------------------------------------------------------- */

/*
 * Start @dev's flush queues (one per CPU) and their timer thread: 0, or
 * -ENOMEM with nothing left behind.  A lazy device's create calls it last.
 */
int dma_fq_init(struct dma_device *dev);
/* Stop the timer, flush every queue (their IOVAs freed) and free them. */
void dma_fq_destroy(struct dma_device *dev);
/*
 * Tear down a translating mapping whose PTEs are known present: clear them,
 * then invalidate and free the IOVA now (strict) or queue it (lazy).  The
 * observer hears @note (NULL: nothing) where the lending ends: on a strict
 * domain once the invalidation has completed, before the IOVA is freed;
 * on a lazy one, whose call returns before its invalidation, before the
 * PTEs are cleared.
 */
void dma_iommu_unmap_range(struct dma_device *dev, dma_addr_t addr, size_t size,
			   const struct unmap_note *note);

/* ---- dma_map.c ---------------------------------------------------------- */

/*
 * Map [@phys, @phys + @size) on a translating domain: returns the DMA
 * address or DMA_MAPPING_ERROR.  No record, no bounce.
 */
dma_addr_t dma_iommu_map_range(struct dma_device *dev, phys_addr_t phys, size_t size,
			       enum dma_data_direction dir);
/* Map one buffer (bounced if needed); no record, no event. */
dma_addr_t dma_map_one(struct dma_device *dev, phys_addr_t phys, size_t size,
		       enum dma_data_direction dir);
/*
 * Unmap one buffer; no record.  Refuses -- -EINVAL with *@why set, nothing
 * changed, the observer not told -- where dma_unmap_mismatch() says so.
 * Otherwise tells the observer if @flags has UNMAP_NOTIFY (where the
 * lending ends: dma_iommu_unmap_range()), and copies a bounced buffer back
 * unless it has UNMAP_NO_COPY.
 */
int dma_unmap_one(struct dma_device *dev, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, unsigned int flags, const char **why,
		  char *buf, size_t len);
/*
 * Sync one mapping (or, for a bounce, part of one) for the CPU or the
 * device, checked as the call @fn: 0 or -EINVAL (misuse, logged).
 */
int dma_sync_one(struct dma_device *dev, const char *fn, dma_addr_t addr, size_t size,
		 enum dma_data_direction dir, enum dbg_kind kind, bool for_cpu);

/* ---- dma_iova.c --------------------------------------------------------- */

/*
 * Teardown: unlink and free every two-step IOVA range still reserved,
 * telling the observer of each linked run.  Returns their number.
 */
size_t dma_iova_release_all(struct dma_device *dev);

#endif
