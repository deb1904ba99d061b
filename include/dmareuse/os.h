/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * os.h - the lab's OS side: CPUs, the page allocator and the IOVA allocator.
 *
 * Threads stand for CPUs: a thread declares which CPU it is with
 * os_set_cpu(); per-CPU structures (IOVA magazines, flush queues, swiotlb
 * areas) are indexed by it.  The DMA API lives in dma.h.
 */
#ifndef DMAREUSE_OS_H
#define DMAREUSE_OS_H

#include <dmareuse/machine.h>

#define OS_MAX_CPUS 1024

/** os_set_cpu() - the calling thread stands for CPU @cpu from now on. */
void os_set_cpu(unsigned int cpu);
/** os_this_cpu() - the calling thread's CPU (0 unless set). */
unsigned int os_this_cpu(void);

/* ---- page allocator ----------------------------------------------------- */

#define PAGE_MAX_ORDER 10	/* largest block: 2^10 frames = 4 MiB */

struct page_alloc;

/**
 * page_alloc_create() - a buddy allocator over every frame of @m except
 * frame 0 (so physical address 0 never names a buffer).  NULL on failure.
 */
struct page_alloc *page_alloc_create(struct machine *m);
/**
 * page_alloc_destroy() - free the allocator; frames still allocated are
 * reported on stderr.  Return: number of frames still allocated.
 */
size_t page_alloc_destroy(struct page_alloc *pa);
struct machine *page_alloc_machine(const struct page_alloc *pa);

/**
 * pages_alloc() - allocate 2^@order contiguous frames, refcount 1, tagged
 * with @owner (any nonzero number naming the user).  The frames are zeroed
 * if @zero.  Return: 0 and *@pfn, or -ENOMEM.
 */
int pages_alloc(struct page_alloc *pa, unsigned int order, uint32_t owner,
		bool zero, pfn_t *pfn);
/** page_get() - take a reference on the block headed by @pfn. */
void page_get(struct page_alloc *pa, pfn_t pfn);
/**
 * page_put() - drop a reference; at zero the block's generation is bumped,
 * the free hook runs and the frames return to the allocator.
 * Return: true if this put freed the block.  A put on a free frame is a
 * misuse: logged, -1 never reached, returns false and changes nothing.
 */
bool page_put(struct page_alloc *pa, pfn_t pfn);
/** page_refcount() - references held on the block headed by @pfn (0 = free). */
unsigned int page_refcount(const struct page_alloc *pa, pfn_t pfn);
/** page_owner() - owner tag of the allocated frame @pfn (0 when free). */
uint32_t page_owner(const struct page_alloc *pa, pfn_t pfn);
/** page_generation() - bumped every time frame @pfn is freed. */
uint32_t page_generation(const struct page_alloc *pa, pfn_t pfn);
/** page_head() - first frame of the allocated block containing @pfn, or ~0. */
pfn_t page_head(const struct page_alloc *pa, pfn_t pfn);
/** page_alloc_free_frames() - frames currently free. */
size_t page_alloc_free_frames(const struct page_alloc *pa);
/** page_alloc_used_frames() - frames currently allocated. */
size_t page_alloc_used_frames(const struct page_alloc *pa);

/*
 * The free hook runs for every block just before it returns to the free
 * lists (generation already bumped), outside the allocator lock.  Tests use
 * it to check the safety rule; the oracle uses it to follow ownership.
 */
typedef void (*page_free_hook_fn)(void *arg, pfn_t pfn, unsigned int order);
void page_alloc_add_free_hook(struct page_alloc *pa, page_free_hook_fn fn,
			      void *arg);

/* ---- IOVA allocator ----------------------------------------------------- */

#define IOVA_MAG_SIZE 127		/* entries per magazine, as Linux */
#define IOVA_RANGE_CACHE_MAX 6		/* cached sizes 1,2,4,...,32 pages */
#define IOVA_DEPOT_MAX 32		/* full magazines kept per size */

struct iova_domain;

/**
 * iovad_create() - an IOVA allocator handing out page frame numbers from
 * @start_pfn upwards, with per-CPU magazine caches for @ncpus CPUs.
 */
struct iova_domain *iovad_create(pfn_t start_pfn, unsigned int ncpus);
/** iovad_destroy() - free it; return ranges still allocated (leaks). */
size_t iovad_destroy(struct iova_domain *iovad);
/**
 * alloc_iova_fast() - allocate @npages of IOVA space ending at or below
 * @limit_pfn, top-down, size-aligned for power-of-two sizes.  Sizes up to 32
 * pages are served from this CPU's magazines first.  Return: first pfn, or 0.
 */
pfn_t alloc_iova_fast(struct iova_domain *iovad, size_t npages, pfn_t limit_pfn);
/** free_iova_fast() - return a range obtained from alloc_iova_fast(). */
void free_iova_fast(struct iova_domain *iovad, pfn_t pfn, size_t npages);
/** iova_round_size() - pages actually reserved for a request of @npages. */
size_t iova_round_size(size_t npages);
/** iovad_flush_caches() - return every cached range to the tree. */
void iovad_flush_caches(struct iova_domain *iovad);
/** iovad_outstanding() - ranges allocated and not freed (caches count as free). */
size_t iovad_outstanding(struct iova_domain *iovad);

#endif
