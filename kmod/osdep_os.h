/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * osdep_os.h - the Linux binding of the reuse layer (see reuse/osdep.h).
 *
 * The sources in reuse/ include <osdep_os.h>; for dmareuse.ko, Kbuild puts
 * kmod/ on the include path, so they get this file and nothing of the lab.  Everything on
 * a hit path is inline; the one call that needs <linux/iommu.h> lives in
 * osdep_linux.c, so the shared sources never see the IOMMU headers (nor
 * their macros: cache.c has its own HASH_BITS).
 *
 * Types: a device is a struct device, a page a struct page * (NULL is "no
 * page"), a DMA address a dma_addr_t, a direction enum dma_data_direction.
 *
 * Context.  The layer's map paths allocate on a miss (a cache entry, a
 * registration, a bounce chunk), and Linux drivers map from any context a
 * dma_map_*() call may come from: softirq (NAPI), hardirq, under their own
 * spinlocks.  So this binding never sleeps on those paths:
 *   - osdep_zalloc() is kzalloc(GFP_ATOMIC), as the DMA API's own IOVA and
 *     page-table allocations are;
 *   - osdep_dma_alloc_coherent() passes GFP_ATOMIC (only rbounce_map() calls
 *     it, when a size class runs dry; a steady workload stops allocating);
 *   - osdep_lock() is spin_lock_irqsave(): an object may be used from an
 *     interrupt handler on the CPU that holds its lock in process context,
 *     and the shrinker takes cache locks from reclaim.  The saved flags live
 *     next to the lock: only the holder writes them (after taking the lock)
 *     and reads them (before releasing it), and the layer never nests two
 *     acquisitions of one lock.
 * osdep_alloc_pages() is GFP_KERNEL and may sleep: only the create paths call
 * it (rpool_create(), reuse_measure_crossover() from rmapper_create()); it
 * says so with might_sleep().  Create and destroy calls, which also free
 * coherent memory (dma_free_coherent() wants interrupts on), belong in
 * process context.
 *
 * Pages.  A pinned page must hold a reference: an order-0 page, or any page
 * of a compound allocation (get_page()/put_page() act on the head, as the
 * lab's binding does).  A tail page of a non-compound high-order block has
 * refcount 0; pinning it and dropping the pin would free that one page out
 * of its owner's block.  osdep_page_get() refuses such a page with a
 * WARN_ONCE and leaves its count alone (put_page() then takes it below zero
 * without freeing anything, and the allocator reports the bad page when the
 * block is freed): loud, never a silent use-after-free.  Addresses given to
 * osdep_virt_to_page() must be in the linear map (kmalloc, page_address()),
 * as for dma_map_single().
 *
 * Strictness.  osdep_dma_unmap_is_strict() is false only for a flush-queue
 * (lazy, IOMMU_DOMAIN_DMA_FQ) domain, whose unmap leaves the IOTLB warm until
 * the next flush.  A strict DMA domain invalidates before unmap returns, an
 * identity (passthrough) domain and a device without an IOMMU have no IOTLB
 * to leave warm.
 *
 * Linux 6.1 has no two-step IOVA API (dma_iova_try_alloc() and friends came
 * in 6.16), so OSDEP_HAS_IOVA_LINK stays undefined and reuse/iova_link.c
 * builds stubs that refuse.
 *
 * The batch mechanism (OSDEP_HAS_BATCH, reuse/batch.c) is bound in
 * osdep_linux.c.  The DMA API cannot split an unmap into "clear the PTEs"
 * and "invalidate later" across calls, so the first batch object of a
 * device gives it an unmanaged IOMMU domain of its own (iommu_domain_alloc(),
 * iommu_attach_device()) with an IOVA allocator of its own (Linux's
 * struct iova_domain); the last one to go puts the device back in its DMA
 * domain.  While it is attached, DMA addresses of the DMA API do not reach
 * the device: the device belongs to the batch objects alone.  An identity
 * domain (passthrough) or no IOMMU gets no domain: maps are the DMA API's
 * and every unmap is complete at once (nothing to invalidate).  The gather
 * below is the binding's own (see osdep_linux.c for why it is not a
 * struct iommu_iotlb_gather kept across calls).
 */
#ifndef DMAREUSE_OSDEP_OS_H
#define DMAREUSE_OSDEP_OS_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pfn.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>

typedef struct device osdep_dev_t;
typedef struct page *osdep_page_t;

#define OSDEP_NO_PAGE ((osdep_page_t)NULL)

/*
 * The largest order alloc_pages() gives without a warning: MAX_ORDER - 1
 * up to Linux 6.3; MAX_PAGE_ORDER from 6.8.  (6.4-6.7 made MAX_ORDER
 * inclusive: there this is one order short, which only refuses more.)
 */
#ifdef MAX_PAGE_ORDER
#define OSDEP_MAX_PAGE_ORDER MAX_PAGE_ORDER
#else
#define OSDEP_MAX_PAGE_ORDER (MAX_ORDER - 1)
#endif

/**
 * struct osdep_lock - an interrupt-safe spinlock and the state it saved.
 * @lock:	the lock.
 * @flags:	interrupt state saved by the current holder; written after
 *		@lock is taken, read before it is released.
 */
struct osdep_lock {
	spinlock_t lock;
	unsigned long flags;
};

typedef struct osdep_lock osdep_lock_t;
typedef atomic_t osdep_atomic_t;
/*
 * Statistics counters: atomic64_t.  A per-CPU counter (this_cpu_add) was
 * tried and measured 581 against 374 ns per reuse pair (one strict boot
 * each, under QEMU's TCG; boots differ by up to ~1.5x, so only indicative).
 * The map-once hit path no longer uses them: it counts with
 * osdep_owner_add() below.  The cache's hit path counts in its entry's own
 * atomic64_t, on the cache line its in_use swap has just written.
 */
typedef atomic64_t osdep_counter_t;

/* Acquire and release, as the lab's; on x86 both are plain moves. */
static inline int osdep_atomic_read(osdep_atomic_t *a) { return atomic_read_acquire(a); }
static inline void osdep_atomic_set(osdep_atomic_t *a, int v) { atomic_set_release(a, v); }
/* Test-only window widening (the lab's raceinject): nothing here. */
static inline void osdep_race_window(void) { }
#define OSDEP_READ_ONCE(x) READ_ONCE(x)
#define OSDEP_WRITE_ONCE(x, v) WRITE_ONCE(x, v)
#define OSDEP_LOAD_ACQUIRE(x) smp_load_acquire(&(x))
#define OSDEP_STORE_RELEASE(x, v) smp_store_release(&(x), v)
static inline int osdep_atomic_add_return(osdep_atomic_t *a, int v)
{
	return atomic_add_return(v, a);
}
static inline bool osdep_atomic_try_cmpxchg(osdep_atomic_t *a, int *old, int new)
{
	return atomic_try_cmpxchg(a, old, new);
}
static inline int osdep_counter_init(osdep_counter_t *c)
{
	atomic64_set(c, 0);
	return 0;
}
static inline void osdep_counter_destroy(osdep_counter_t *c) { (void)c; }
static inline void osdep_counter_add(osdep_counter_t *c, s64 v) { atomic64_add(v, c); }
static inline uint64_t osdep_counter_read(osdep_counter_t *c)
{
	return (uint64_t)atomic64_read(c);
}

/* One writer at a time: a plain read-modify-write, no lock prefix. */
static inline void osdep_owner_add(uint64_t *c, uint64_t v)
{
	WRITE_ONCE(*c, READ_ONCE(*c) + v);
}

static inline uint64_t osdep_owner_read(const uint64_t *c)
{
	return READ_ONCE(*c);
}

static inline void osdep_lock_init(osdep_lock_t *l)
{
	spin_lock_init(&l->lock);
}

static inline void osdep_lock_destroy(osdep_lock_t *l)
{
}

static inline void osdep_lock(osdep_lock_t *l)
{
	unsigned long flags;

	spin_lock_irqsave(&l->lock, flags);
	l->flags = flags;
}

static inline void osdep_unlock(osdep_lock_t *l)
{
	spin_unlock_irqrestore(&l->lock, l->flags);
}

/* The check behind every `_locked` function: nothing without CONFIG_LOCKDEP. */
#define osdep_assert_held(l) lockdep_assert_held(&(l)->lock)

static inline void *osdep_zalloc(size_t n)
{
	return kzalloc(n, GFP_ATOMIC);
}

static inline void osdep_free(void *p)
{
	kfree(p);
}

static inline int osdep_alloc_pages(osdep_dev_t *d, unsigned int order,
				    osdep_page_t *p)
{
	might_sleep();
	*p = alloc_pages_node(dev_to_node(d), GFP_KERNEL | __GFP_COMP, order);
	return *p ? 0 : -ENOMEM;
}

static inline void osdep_free_pages(osdep_dev_t *d, osdep_page_t p,
				    unsigned int order)
{
	__free_pages(p, order);
}

static inline void osdep_page_get(osdep_dev_t *d, osdep_page_t p)
{
	struct page *head = compound_head(p);

	WARN_ONCE(!get_page_unless_zero(head),
		  "dmareuse: pinning pfn %#lx, which holds no reference (a tail page of a non-compound block?); not pinned\n",
		  page_to_pfn(p));
}

static inline void osdep_page_put(osdep_dev_t *d, osdep_page_t p)
{
	put_page(p);
}

static inline unsigned int osdep_page_refcount(osdep_dev_t *d, osdep_page_t p)
{
	int n;

	if (!p)
		return 0;
	n = page_ref_count(compound_head(p));
	return n > 0 ? n : 0;
}

static inline void *osdep_page_address(osdep_dev_t *d, osdep_page_t p)
{
	return page_address(p);
}

static inline osdep_page_t osdep_virt_to_page(osdep_dev_t *d, const void *va)
{
	return virt_to_page(va);
}

static inline uintptr_t osdep_page_key(osdep_page_t p)
{
	return page_to_pfn(p);
}

/*
 * dma_map_page() adds @off to the page's physical address unchecked: a
 * sum that wraps maps another owner's page.  So every sum is checked here,
 * and both ends must be valid frames.
 */
static inline bool osdep_page_span_ok(osdep_dev_t *d, osdep_page_t p, size_t off,
				      size_t len)
{
	phys_addr_t start, last;
	unsigned long pfn;

	if (!p || !len)
		return false;
	pfn = page_to_pfn(p);
	if (!pfn_valid(pfn) || check_add_overflow(PFN_PHYS(pfn), (phys_addr_t)off, &start) ||
	    check_add_overflow(start, (phys_addr_t)(len - 1), &last))
		return false;
	return pfn_valid(PHYS_PFN(last));
}

static inline dma_addr_t osdep_dma_map_page(osdep_dev_t *d, osdep_page_t p,
					    size_t off, size_t size,
					    enum dma_data_direction dir)
{
	return dma_map_page_attrs(d, p, off, size, dir, 0);
}

static inline bool osdep_dma_mapping_error(osdep_dev_t *d, dma_addr_t a)
{
	return dma_mapping_error(d, a) != 0;
}

static inline void osdep_dma_unmap_page(osdep_dev_t *d, dma_addr_t a,
					size_t size,
					enum dma_data_direction dir)
{
	dma_unmap_page_attrs(d, a, size, dir, 0);
}

/* A mapping to release in a batch (see osdep_dma_unmap_batch()). */
typedef struct {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
} osdep_unmap_t;

/*
 * Linux's DMA API has no call that unmaps several single mappings with one
 * IOTLB flush (iommu_iotlb_gather batches within one unmap only), so each
 * mapping pays its own invalidation here.
 */
static inline void osdep_dma_unmap_batch(osdep_dev_t *d, const osdep_unmap_t *v,
					 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dma_unmap_page_attrs(d, v[i].addr, v[i].size, v[i].dir, 0);
}

static inline void osdep_dma_sync_for_cpu(osdep_dev_t *d, dma_addr_t a,
					  size_t size,
					  enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(d, a, size, dir);
}

static inline void osdep_dma_sync_for_device(osdep_dev_t *d, dma_addr_t a,
					     size_t size,
					     enum dma_data_direction dir)
{
	dma_sync_single_for_device(d, a, size, dir);
}

static inline void *osdep_dma_alloc_coherent(osdep_dev_t *d, size_t size,
					     dma_addr_t *h)
{
	return dma_alloc_coherent(d, size, h, GFP_ATOMIC);
}

static inline void osdep_dma_free_coherent(osdep_dev_t *d, size_t size,
					   void *cpu, dma_addr_t h)
{
	dma_free_coherent(d, size, cpu, h);
}

/* osdep_linux.c: read the type of the device's IOMMU domain. */
bool osdep_dma_unmap_is_strict(osdep_dev_t *d);
bool osdep_dma_unmap_invalidates(osdep_dev_t *d);

bool osdep_dma_need_sync(osdep_dev_t *d, dma_addr_t a);

/*
 * memcpy_flushcache() writes around the cache where the architecture can
 * (x86-64: movnti), and is memcpy() elsewhere; its stores are weakly
 * ordered, so wmb() (sfence on x86) puts them before the doorbell.
 */
static inline void osdep_copy_to_device(void *dst, const void *src, size_t n)
{
	memcpy_flushcache(dst, src, n);
	wmb();
}

static inline unsigned int osdep_cpu_id(void)
{
	return raw_smp_processor_id();
}

static inline unsigned int osdep_ncpus(osdep_dev_t *d)
{
	return nr_cpu_ids;
}

static inline uint64_t osdep_now_ns(void)
{
	return ktime_get_ns();
}

/* The kernel's costs are real: nothing to charge (reuse/osdep.h). */
static inline void osdep_cost_copy(size_t n) { (void)n; }
static inline void osdep_cost_lookup(void) { }
static inline void osdep_cost_call(void) { }

/*
 * One line per misuse; rate limited, because a caller that misuses the API
 * in a loop must not flood the log.  A macro, so that printk checks each
 * format (every call in reuse/ passes a literal).
 */
#define osdep_warn(fmt, ...) \
	pr_warn_ratelimited("dmareuse: " fmt "\n", ##__VA_ARGS__)

/*
 * The batch mechanism (reuse/osdep.h, OSDEP_HAS_BATCH): osdep_linux.c.
 */
#define OSDEP_HAS_BATCH 1

/**
 * struct osdep_gather - unmaps waiting for one IOTLB flush (one per CPU batch).
 * @freelist:	page-table pages the unmaps freed; they go back to the
 *		allocator after the flush, as the IOMMU drivers' own do.
 * @n:		unmaps gathered since the last flush.
 */
struct osdep_gather {
	struct list_head freelist;
	unsigned int n;
};

/**
 * struct osdep_batch_block - a block of contiguous IOVA of the batch domain.
 * @addr:	its first address.
 * @size:	its bytes, whole pages.
 */
struct osdep_batch_block {
	dma_addr_t addr;
	size_t size;
};

typedef struct osdep_gather osdep_gather_t;
typedef struct osdep_batch_block osdep_batch_block_t;

static inline void osdep_gather_init(osdep_gather_t *g)
{
	INIT_LIST_HEAD(&g->freelist);
	g->n = 0;
}

static inline dma_addr_t osdep_batch_block_addr(const osdep_batch_block_t *b)
{
	return b->addr;
}

int osdep_batch_attach(osdep_dev_t *d);
void osdep_batch_detach(osdep_dev_t *d);
dma_addr_t osdep_batch_map(osdep_dev_t *d, osdep_page_t p, size_t off, size_t size,
			   enum dma_data_direction dir);
int osdep_batch_unmap(osdep_dev_t *d, dma_addr_t a, size_t size,
		      enum dma_data_direction dir, osdep_gather_t *g);
void osdep_batch_flush(osdep_dev_t *d, osdep_gather_t *g);
void osdep_batch_iova_free(osdep_dev_t *d, dma_addr_t a, size_t size);
int osdep_batch_block_alloc(osdep_dev_t *d, osdep_batch_block_t *b, size_t size);
int osdep_batch_block_map(osdep_dev_t *d, osdep_batch_block_t *b, size_t offset,
			  osdep_page_t p, size_t size, enum dma_data_direction dir);
int osdep_batch_block_unmap(osdep_dev_t *d, osdep_batch_block_t *b, size_t offset,
			    size_t size, enum dma_data_direction dir, osdep_gather_t *g);
void osdep_batch_block_free(osdep_dev_t *d, osdep_batch_block_t *b);
/* Not in reuse/osdep.h: for dmareuse.ko's tests (dmareuse_batch_flushes()). */
u64 osdep_batch_flush_count(osdep_dev_t *d);

#endif /* DMAREUSE_OSDEP_OS_H */
