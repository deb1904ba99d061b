// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma.c - the lab's DMA API over passthrough, strict and lazy domains.
 *
 * The shape follows Linux's dma-iommu.c: a map allocates an IOVA range
 * (size rounded to a power of two up to 32 pages, served by the per-CPU
 * magazines), installs PTEs with the permission the direction implies
 * (TO_DEVICE -> read, FROM_DEVICE -> write, BIDIRECTIONAL -> both) and
 * returns IOVA + offset.  An unmap clears the PTEs and then either
 *   strict: issues a range invalidation + CMD_SYNC and frees the IOVA, or
 *   lazy:   appends the range to this CPU's flush queue; the queue is
 *           flushed (domain invalidation + SYNC) when it is full or when its
 *           oldest entry is FQ timeout old (a timer thread checks every ms),
 *           and only after that flush are its IOVAs freed.  An IOVA is thus
 *           never handed out again while the IOTLB may still translate it.
 *
 * Safety invariant for strict: when dma_unmap_*() returns, no PTE and no
 * IOTLB entry of this domain reaches the buffer.
 *
 * Misuse: every entry point checks its arguments -- against the dma_debug
 * records when they are kept, and as far as the page table, the IOVA
 * allocator's size-aligned ranges, the swiotlb and the page allocator can
 * tell without them (extent_mismatch()) -- before it changes
 * anything or tells the observer, so a refused call leaves nothing behind
 * but its log line and the misuse count.  The observer hears of a mapping
 * after its PTEs are set and of an unmap before they are cleared (the
 * oracle counts on both).
 *
 * Address arithmetic never wraps: a buffer is checked against the end of
 * memory (or of the IOVA space) by comparing its size with what is left
 * after its start, never by adding the two first, and a frame number is
 * checked against the arena before it is shifted into an address.  A wrap
 * would turn a buffer past the end into one at the start of memory --
 * another owner's pages.
 *
 * Teardown: dma_device_destroy() unmaps what dma_debug still records, the
 * two-step IOVA ranges still reserved (kept in a list whatever dma_debug
 * says: they are few and long-lived), and frees the swiotlb slots still
 * bounced for the device once its domain is gone.
 *
 * Locks: fq[cpu].lock is taken by unmap (this CPU) and by the timer; the
 * domain, IOVA and IOTLB locks nest inside it.  iova_lock is a leaf.
 */
#include "os_int.h"

#include <dmareuse/clock.h>
#include <dmareuse/failinject.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fq_entry {
	pfn_t pfn;
	size_t npages;
};

struct flush_queue {
	struct mlock lock;		/* protects e[], n, first_ns */
	unsigned int n;
	uint64_t first_ns;		/* when e[0] was queued */
	struct fq_entry e[FQ_SIZE];
};

/* A two-step IOVA range reserved by dma_iova_try_alloc() and not yet freed. */
struct iova_rec {
	struct iova_rec *next;
	dma_addr_t addr;
	size_t size;
};

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

/* Tell the observer (the oracle), if any; resolves the frame for maps. */
static void emit(struct dma_device *dev, enum dma_event_kind kind, dma_addr_t addr,
		 size_t size, enum dma_data_direction dir, bool coherent)
{
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
 * Count a refused call and log it once: the call as the caller made it
 * (@fmt: the function and its arguments), then why it was refused.
 */
static void misuse_call(struct dma_device *dev, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void misuse_call(struct dma_device *dev, const char *why, const char *fmt, ...)
{
	char call[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	st_inc(dev, misuse);
	fprintf(stderr, "dma: %s: %s: %s\n", mdev_name(dev->hw), call, why);
}

static void misuse(struct dma_device *dev, const char *fn, dma_addr_t addr,
		   size_t size, enum dma_data_direction dir, const char *why)
{
	misuse_call(dev, why, "%s(addr=%#" PRIx64 ", size=%zu, dir=%s)", fn, addr, size,
		    dma_dir_name(dir));
}

/* Bytes of memory: the end of the arena's physical addresses. */
static uint64_t mem_bytes(const struct dma_device *dev)
{
	return (uint64_t)machine_mem(dev->os->m)->nframes * PAGE_SIZE;
}

/*
 * Does [@addr, @addr + @size) lie in @dev's DMA address space -- memory
 * under passthrough (identity), 2^IOVA_BITS on a translating domain --
 * without wrapping?  NULL if so, else why not (written into @buf).  Every
 * unmap and sync checks this first, so nothing after it adds past the end.
 */
static const char *dma_range_bad(const struct dma_device *dev, dma_addr_t addr,
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

static bool dir_valid(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE ||
	       dir == DMA_FROM_DEVICE;
}

static unsigned int dir_prot(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE: return IOMMU_READ;
	case DMA_FROM_DEVICE: return IOMMU_WRITE;
	default: return IOMMU_READ | IOMMU_WRITE;
	}
}

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

/* ---- flush queues -------------------------------------------------------- */

static void fq_flush_locked(struct dma_device *dev, struct flush_queue *fq)
{
	struct iommu_cmd cmd = {
		.op = CMD_INV_DOMAIN, .domain = iommu_domain_id(dev->dom),
	};

	if (!fq->n)
		return;
	mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
	iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	st_inc(dev, inv_cmds);
	st_inc(dev, fq_flushes);
	for (unsigned int i = 0; i < fq->n; i++)
		free_iova_fast(dev->iovad, fq->e[i].pfn, fq->e[i].npages);
	fq->n = 0;
}

static void fq_add(struct dma_device *dev, pfn_t pfn, size_t npages)
{
	struct flush_queue *fq = &dev->fq[os_this_cpu() % dev->os->ncpus];

	mlock_lock(&fq->lock);
	if (fq->n == FQ_SIZE)
		fq_flush_locked(dev, fq);
	if (!fq->n)
		fq->first_ns = mclock_now();
	fq->e[fq->n++] = (struct fq_entry){ pfn, npages };
	mlock_unlock(&fq->lock);
}

static void *fq_timer_fn(void *arg)
{
	struct dma_device *dev = arg;

	mlock_lock(&dev->timer_lock);
	while (!dev->timer_stop) {
		mcond_timedwait(&dev->timer_cond, &dev->timer_lock, mclock_now() + 1000000);
		if (dev->timer_stop)
			break;
		mlock_unlock(&dev->timer_lock);
		for (unsigned int c = 0; c < dev->os->ncpus; c++) {
			struct flush_queue *fq = &dev->fq[c];

			mlock_lock(&fq->lock);
			if (fq->n && mclock_now() - fq->first_ns >= FQ_TIMEOUT_NS)
				fq_flush_locked(dev, fq);
			mlock_unlock(&fq->lock);
		}
		mlock_lock(&dev->timer_lock);
	}
	mlock_unlock(&dev->timer_lock);
	return NULL;
}

void dma_flush_lazy(struct dma_device *dev)
{
	if (dev->type != DMA_DOMAIN_LAZY)
		return;
	for (unsigned int c = 0; c < dev->os->ncpus; c++) {
		mlock_lock(&dev->fq[c].lock);
		fq_flush_locked(dev, &dev->fq[c]);
		mlock_unlock(&dev->fq[c].lock);
	}
}

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
	if (opts->type == DMA_DOMAIN_LAZY) {
		dev->fq = lab_calloc(os->ncpus, sizeof(*dev->fq));
		if (!dev->fq)
			goto out_iovad;
		for (unsigned int c = 0; c < os->ncpus; c++)
			mlock_init(&dev->fq[c].lock, "flush queue", MLOCK_MODELLED);
		mlock_init(&dev->timer_lock, "fq timer", MLOCK_FREE);
		if (mcond_init(&dev->timer_cond, COST_WAKEUP))
			goto out_fq;
		if (failinject_should_fail() ||
		    mthread_create(&dev->fq_timer, "fq timer", fq_timer_fn, dev))
			goto out_fq;
	}
	mdev_attach(dev->hw, dev->dom);
	atomic_fetch_add(&os->ndevices, 1);
	return dev;

out_fq:
	for (unsigned int c = 0; c < os->ncpus; c++)
		mlock_destroy(&dev->fq[c].lock);
	mlock_destroy(&dev->timer_lock);
	mcond_destroy(&dev->timer_cond);
	free(dev->fq);
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

#define UNMAP_NOTIFY 1u		/* tell the observer before the PTEs go */
#define UNMAP_NO_COPY 2u	/* teardown: free a bounce without copying back */

static int unmap_one(struct dma_device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir, unsigned int flags, const char **why,
		     char *buf, size_t len);
static void iommu_unmap_range(struct dma_device *dev, dma_addr_t addr, size_t size);
static unsigned int order_for(size_t size);
static uint64_t emit_unlink_runs(struct dma_device *dev, iova_t iova, size_t size,
				 enum dma_data_direction dir);

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
		unmap_one(dev, e->addr, size, e->dir, UNMAP_NO_COPY, &why, msg, sizeof(msg));
}

/* Tear down a live scatterlist mapped as one IOVA range, from its first entry. */
static void unmap_live_list(void *arg, const struct dma_debug_entry *e)
{
	struct dma_device *dev = arg;

	if (e->kind == DBG_SG && e->sg.pages && !e->sg.index)
		iommu_unmap_range(dev, e->sg.first & PAGE_MASK, e->sg.pages * PAGE_SIZE);
}

/*
 * Unlink and free every two-step IOVA range still reserved, telling the
 * observer of each linked run first (as dma_iova_free() does).  Returns
 * the number of ranges.
 */
static size_t free_live_iova_states(struct dma_device *dev)
{
	struct iova_rec *r, *next;
	size_t n = 0;

	mlock_lock(&dev->iova_lock);
	r = dev->iova_states;
	dev->iova_states = NULL;
	mlock_unlock(&dev->iova_lock);
	for (; r; r = next, n++) {
		struct iommu_cmd cmd = {
			.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
			.iova = r->addr, .npages = r->size >> PAGE_SHIFT,
		};
		uint64_t runs;

		next = r->next;
		runs = emit_unlink_runs(dev, r->addr, r->size, DMA_NONE);
		fprintf(stderr, "dma: %s: IOVA range still reserved at teardown: addr=%#" PRIx64
			" size=%zu, %llu linked run(s)\n", mdev_name(dev->hw), r->addr, r->size,
			(unsigned long long)runs);
		iommu_unmap(dev->dom, r->addr, r->size);
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
		st_inc(dev, inv_cmds);
		free_iova_fast(dev->iovad, r->addr >> PAGE_SHIFT, r->size >> PAGE_SHIFT);
		free(r);
	}
	return n;
}

size_t dma_device_destroy(struct dma_device *dev)
{
	size_t records, states, leaked_ptes, bounced;

	if (!dev)
		return 0;
	/* Every event first, then the lists' ranges: unmaps are told before. */
	dma_debug_for_each(&dev->dbg, report_live, dev);
	dma_debug_for_each(&dev->dbg, unmap_live_list, dev);
	records = dma_debug_destroy(&dev->dbg);
	states = free_live_iova_states(dev);
	mlock_destroy(&dev->iova_lock);
	if (dev->type == DMA_DOMAIN_LAZY) {
		mlock_lock(&dev->timer_lock);
		dev->timer_stop = true;
		mcond_signal(&dev->timer_cond);
		mlock_unlock(&dev->timer_lock);
		mthread_join(&dev->fq_timer, NULL);
		dma_flush_lazy(dev);
		for (unsigned int c = 0; c < dev->os->ncpus; c++)
			mlock_destroy(&dev->fq[c].lock);
		mlock_destroy(&dev->timer_lock);
		mcond_destroy(&dev->timer_cond);
		free(dev->fq);
	}
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
		iovad_destroy(dev->iovad);
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

/* ---- map / unmap core --------------------------------------------------- */

static bool needs_bounce(const struct dma_device *dev, phys_addr_t phys,
			 size_t size)
{
	return dev->untrusted && ((phys | size) & ~PAGE_MASK);
}

/*
 * Map [phys, phys + size) on a translating domain: returns the DMA address
 * or DMA_MAPPING_ERROR.  No record, no bounce.
 */
static dma_addr_t iommu_map_range(struct dma_device *dev, phys_addr_t phys,
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

/* Tear down a translating mapping whose PTEs are known present. */
static void iommu_unmap_range(struct dma_device *dev, dma_addr_t addr, size_t size)
{
	size_t npages = DIV_ROUND_UP((addr & ~PAGE_MASK) + size, PAGE_SIZE);
	iova_t iova = addr & PAGE_MASK;

	iommu_unmap(dev->dom, iova, npages * PAGE_SIZE);
	if (dev->type == DMA_DOMAIN_STRICT) {
		struct iommu_cmd cmd = {
			.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
			.iova = iova, .npages = npages,
		};

		mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
		st_inc(dev, inv_cmds);
		free_iova_fast(dev->iovad, iova >> PAGE_SHIFT, npages);
	} else {
		fq_add(dev, iova >> PAGE_SHIFT, npages);
	}
}

/* Map one buffer (bounced if needed); no record. */
static dma_addr_t map_one(struct dma_device *dev, phys_addr_t phys, size_t size,
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
		return iommu_map_range(dev, phys, size, dir);
	tlb = swiotlb_map(dev->os->swiotlb, dev->os->m, phys, size, dir, dev);
	if (!tlb)
		return DMA_MAPPING_ERROR;
	addr = iommu_map_range(dev, tlb, size, dir);
	if (dma_mapping_error(addr)) {
		swiotlb_unmap(dev->os->swiotlb, tlb);
		return addr;
	}
	st_inc(dev, bounce_maps);
	st_add(dev, bounce_bytes, size);
	return addr;
}

/*
 * Without dma_debug, can [@addr, @addr + @size) be a whole mapping that
 * iommu_map_range() made?  Its first page is known to map @pa with @prot.
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
static const char *extent_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
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
 * Would unmap_one() refuse to unmap [@addr, @addr + @size)?  NULL if not,
 * else why (written into @buf, @len bytes, when it names values): the
 * first page is not mapped, @addr lies inside a bounced buffer but is not
 * its first byte (its slots could not be freed whole) or @size is not the
 * buffer's, or, without dma_debug (whose record vouches for both),
 * extent_mismatch() proves @addr or @size wrong.  Otherwise *@pa is the
 * physical address @addr maps and *@bounced whether it is a bounce buffer
 * (both untouched under passthrough, which has nothing to check).
 */
static const char *unmap_mismatch(struct dma_device *dev, dma_addr_t addr, size_t size,
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
	return dev->debug ? NULL : extent_mismatch(dev, addr, size, *pa, prot, buf, len);
}

/*
 * Unmap one buffer; no record.  Refuses -- -EINVAL with *@why set, nothing
 * changed, the observer not told -- where unmap_mismatch() says so.
 * Otherwise tells the observer first if @flags has UNMAP_NOTIFY, and
 * copies a bounced buffer back unless it has UNMAP_NO_COPY.
 */
static int unmap_one(struct dma_device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir, unsigned int flags, const char **why,
		     char *buf, size_t len)
{
	phys_addr_t pa = 0;
	bool bounced = false;

	*why = unmap_mismatch(dev, addr, size, &pa, &bounced, buf, len);
	if (*why)
		return -EINVAL;
	if (flags & UNMAP_NOTIFY)
		emit(dev, DMA_EV_UNMAP, addr, size, dir, false);
	if (dev->type == DMA_DOMAIN_PASSTHROUGH)
		return 0;
	/* Invalidate before a copy-back so the device is done. */
	iommu_unmap_range(dev, addr, size);
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
		misuse(dev, fn, a, size, dir, "direction must be TO_DEVICE, FROM_DEVICE or BIDIRECTIONAL");
		return false;
	}
	if (!size) {
		misuse(dev, fn, a, size, dir, "size must be at least 1 byte");
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
		misuse_call(dev, why, "%s(cpu_addr=%p, size=%zu, dir=%s)", c->fn, c->cpu_addr,
			    size, dma_dir_name(dir));
	else
		misuse_call(dev, why, "%s(page=%#" PRIx64 ", offset=%#zx, size=%zu, dir=%s)",
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
	addr = map_one(dev, phys, size, dir);
	if (dma_mapping_error(addr))
		return addr;
	if (dev->debug && dma_debug_add(&dev->dbg, addr, size, dir, DBG_SINGLE, phys, NULL)) {
		char buf[256];

		unmap_one(dev, addr, size, dir, 0, &why, buf, sizeof(buf));
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
	/* A record, once taken, guarantees the mapping: unmap_one() cannot refuse. */
	if (!why && dev->debug)
		dma_debug_check(&dev->dbg, addr, size, dir, DBG_SINGLE, NULL, true, false,
				&why, msg, sizeof(msg));
	if (why) {
		misuse(dev, fn, addr, size, dir, why);
		return -EINVAL;
	}
	if (unmap_one(dev, addr, size, dir, UNMAP_NOTIFY, &why, msg, sizeof(msg))) {
		misuse(dev, fn, addr, size, dir, why);
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

/* ---- sync --------------------------------------------------------------- */

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
		misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
		*ret = -EINVAL;
		return false;
	}
	if (dev->type != DMA_DOMAIN_PASSTHROUGH &&
	    iommu_iova_to_phys(dev->dom, d->addr, &pa, &prot)) {
		misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, "address is not mapped");
		*ret = -EINVAL;
		return false;
	}
	if (dev->type != DMA_DOMAIN_STRICT || swiotlb_owns(dev->os->swiotlb, pa)) {
		/*
		 * Passthrough, the flush queue, or a bounce that must be
		 * invalidated before its copy-back: as dma_unmap_page().
		 */
		if (unmap_one(dev, d->addr, d->size, d->dir, UNMAP_NOTIFY, &why, msg,
			      sizeof(msg))) {
			misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
			*ret = -EINVAL;
			return false;
		}
		st_inc(dev, unmaps);
		return false;
	}
	if (!dev->debug && (why = extent_mismatch(dev, d->addr, d->size, pa, prot, msg,
						  sizeof(msg)))) {
		misuse(dev, "dma_unmap_batch", d->addr, d->size, d->dir, why);
		*ret = -EINVAL;
		return false;
	}
	emit(dev, DMA_EV_UNMAP, d->addr, d->size, d->dir, false);
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
		/* Translations are gone: the IOVAs may be handed out again. */
		for (size_t i = base; i < end; i++)
			if (pending[(i - base) / 64] & (1ull << ((i - base) % 64)))
				free_iova_fast(dev->iovad, v[i].addr >> PAGE_SHIFT,
					       DIV_ROUND_UP((v[i].addr & ~PAGE_MASK) + v[i].size,
							    PAGE_SIZE));
	}
	return ret;
}

static int sync_one(struct dma_device *dev, const char *fn, dma_addr_t addr,
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
		misuse(dev, fn, addr, size, dir, why);
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
		misuse(dev, fn, addr, size, dir, "sync of an address that is not mapped");
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
		misuse(dev, fn, addr, size, dir, msg);
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
	return sync_one(dev, "dma_sync_single_for_cpu", addr, size, dir, DBG_SINGLE, true);
}

int dma_sync_single_for_device(struct dma_device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	return sync_one(dev, "dma_sync_single_for_device", addr, size, dir, DBG_SINGLE,
			false);
}

/* ---- scatterlists ------------------------------------------------------- */

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
		unmap_one(dev, sg[i].dma_address, sg[i].length, dir,
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
		misuse_call(dev, nents <= 0 ? "nents must be at least 1" :
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
			misuse_call(dev, why, "%s(nents=%d, dir=%s): entry %d (page=%#" PRIx64
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

			sg[i].dma_address = map_one(dev, p, sg[i].length, dir);
			if (dma_mapping_error(sg[i].dma_address))
				goto out_unwind;
			sg[i].dma_length = sg[i].length;
			pos.first = sg[0].dma_address;
			pos.index = i;
			if (dev->debug && dma_debug_add(&dev->dbg, sg[i].dma_address,
							sg[i].length, dir, DBG_SG, p, &pos)) {
				unmap_one(dev, sg[i].dma_address, sg[i].length, dir, 0, &why,
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
		misuse_call(dev, nents <= 0 ? "nents must be at least 1" :
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
		/* Entry by entry: each must be a mapping unmap_one() would unmap. */
		for (i = 0; i < nents && !why; i++) {
			phys_addr_t pa;
			bool bounced;

			why = unmap_mismatch(dev, sg[i].dma_address, sg[i].length, &pa,
					     &bounced, msg, sizeof(msg));
		}
		i--;
	}
	if (why) {
		misuse_call(dev, why, "%s(nents=%d, dir=%s): entry %d (dma_address=%#" PRIx64
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
	for (i = 0; i < nents; i++)
		emit(dev, DMA_EV_UNMAP, sg[i].dma_address, sg[i].length, dir, false);
	iommu_unmap_range(dev, sg[0].dma_address & PAGE_MASK, total * PAGE_SIZE);
	st_inc(dev, unmaps);
	return 0;
}

int dma_sync_sg_for_cpu(struct dma_device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir)
{
	mcost(COST_DMA_SYNC);
	for (int i = 0; i < nents; i++) {
		int r = sync_one(dev, "dma_sync_sg_for_cpu", sg[i].dma_address,
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
		int r = sync_one(dev, "dma_sync_sg_for_device", sg[i].dma_address,
				 sg[i].length, dir, DBG_SG, false);

		if (r)
			return r;
	}
	return 0;
}

/* ---- coherent ----------------------------------------------------------- */

/* The order of the block that holds @size bytes; PAGE_MAX_ORDER + 1 if none. */
static unsigned int order_for(size_t size)
{
	unsigned int o = 0;

	while (o <= PAGE_MAX_ORDER && (PAGE_SIZE << o) < size)
		o++;
	return o;
}

void *dma_alloc_coherent(struct dma_device *dev, size_t size, dma_addr_t *handle)
{
	unsigned int order = order_for(size);
	dma_addr_t addr;
	phys_addr_t phys;
	pfn_t pfn;

	mcost(COST_DMA_CALL);

	if (!size || order > PAGE_MAX_ORDER) {
		misuse(dev, "dma_alloc_coherent", 0, size, DMA_BIDIRECTIONAL,
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
		addr = iommu_map_range(dev, phys, PAGE_SIZE << order, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(addr))
			goto out_put;
	}
	if (dev->debug && dma_debug_add(&dev->dbg, addr, size, DMA_BIDIRECTIONAL,
					DBG_COHERENT, phys, NULL)) {
		if (dev->type != DMA_DOMAIN_PASSTHROUGH)
			iommu_unmap_range(dev, addr, PAGE_SIZE << order);
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
	const char *why;
	char msg[256];

	mcost(COST_DMA_CALL);

	if (!size || order > PAGE_MAX_ORDER) {
		misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, "size must be 1 byte to 4 MiB");
		return -EINVAL;
	}
	/* Check everything first: a refused call must leave the record too. */
	if (dev->debug && dma_debug_check(&dev->dbg, handle, size, DMA_BIDIRECTIONAL,
					  DBG_COHERENT, NULL, false, false, &why, msg,
					  sizeof(msg))) {
		misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	why = coherent_mismatch(dev, order, cpu_addr, handle, msg, sizeof(msg));
	if (why) {
		misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	/* Claim the record: only a concurrent free of the same handle can fail here. */
	if (dev->debug && dma_debug_check(&dev->dbg, handle, size, DMA_BIDIRECTIONAL,
					  DBG_COHERENT, NULL, true, false, &why, msg,
					  sizeof(msg))) {
		misuse(dev, fn, handle, size, DMA_BIDIRECTIONAL, why);
		return -EINVAL;
	}
	emit(dev, DMA_EV_UNMAP, handle, PAGE_SIZE << order, DMA_BIDIRECTIONAL, true);
	if (dev->type != DMA_DOMAIN_PASSTHROUGH)
		iommu_unmap_range(dev, handle, PAGE_SIZE << order);
	page_put(dev->os->pa, virt_to_phys(dev->os->m, cpu_addr) >> PAGE_SHIFT);
	return 0;
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

/* ---- two-step IOVA API --------------------------------------------------- */

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
		misuse(dev, "dma_iova_try_alloc", 0, size, DMA_NONE,
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
		misuse_call(dev, why, "dma_iova_link(state=[%#" PRIx64 ", +%#zx), phys=%#" PRIx64
			    ", offset=%#zx, size=%#zx, dir=%s)", state->addr, state->size, phys,
			    offset, size, dma_dir_name(dir));
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
		misuse_call(dev, why, "dma_iova_sync(state=[%#" PRIx64 ", +%#zx), offset=%#zx, "
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
 * implies).  No event spans a hole, so every link in the part is reached
 * by an event that starts at it or at a link it touches, and the oracle
 * retires the links that tile a run.  Returns the number of runs.
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

void dma_iova_unlink(struct dma_device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir)
{
	struct iommu_cmd cmd;
	const char *why;
	char msg[256];

	mcost(COST_DMA_CALL);

	why = iova_part_bad(dev, state, offset, size, true, true, msg, sizeof(msg));
	if (why) {
		misuse_call(dev, why, "dma_iova_unlink(state=[%#" PRIx64 ", +%#zx), offset=%#zx, "
			    "size=%#zx, dir=%s)", state->addr, state->size, offset, size,
			    dma_dir_name(dir));
		return;
	}
	cmd = (struct iommu_cmd){
		.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
		.iova = state->addr + offset, .npages = size >> PAGE_SHIFT,
	};
	/*
	 * One event per linked run, not one for the part: the part may hold
	 * several links and holes, and the oracle finds a record by the
	 * event's address.
	 */
	emit_unlink_runs(dev, state->addr + offset, size, dir);
	iommu_unmap(dev->dom, state->addr + offset, size);
	mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
	iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	st_inc(dev, inv_cmds);
	st_inc(dev, unmaps);
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
		misuse_call(dev, "not a range this device reserved (freed already, or never "
			    "allocated); nothing freed", "dma_iova_free(state=[%#" PRIx64
			    ", +%#zx))", state->addr, state->size);
		return;
	}
	free(r);
	/*
	 * Pages still linked are misuse.  Unlink them as dma_iova_unlink()
	 * would, each linked run in turn: the observer hears of it before its
	 * PTEs go, and it counts as an unmap.
	 */
	runs = emit_unlink_runs(dev, state->addr, state->size, DMA_NONE);
	if (runs) {
		struct iommu_cmd cmd = {
			.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
			.iova = state->addr, .npages = state->size >> PAGE_SHIFT,
		};

		misuse(dev, "dma_iova_free", state->addr, state->size, DMA_NONE,
		       "pages still linked; unlinked now");
		iommu_unmap(dev->dom, state->addr, state->size);
		iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
		st_inc(dev, inv_cmds);
		st_add(dev, unmaps, runs);
	}
	free_iova_fast(dev->iovad, state->addr >> PAGE_SHIFT, state->size >> PAGE_SHIFT);
	state->addr = 0;
	state->size = 0;
}
