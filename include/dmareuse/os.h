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

/**
 * os_set_cpu() - the calling thread stands for a CPU from now on
 * @cpu: the CPU, 0..ncpus - 1 of the OS the thread works on
 *
 * Per-CPU structures (IOVA magazines, flush queues, swiotlb areas) are
 * indexed by the CPU modulo their OS's CPU count, so a value out of range
 * is not refused: the thread shares another CPU's structures.
 *
 * Context: affects the calling thread only (a thread-local).
 */
void os_set_cpu(unsigned int cpu);
/**
 * os_this_cpu() - the CPU the calling thread stands for
 *
 * Context: any thread.
 * Return: the value the thread last gave os_set_cpu(), or 0 if none.
 */
unsigned int os_this_cpu(void);

/* ---- page allocator ----------------------------------------------------- */

#define PAGE_MAX_ORDER 10	/* largest block: 2^10 frames = 4 MiB */

struct page_alloc;

/**
 * page_alloc_create() - a buddy allocator over a machine's arena
 * @m: the machine
 *
 * Every frame but frame 0 starts free (so physical address 0 never names
 * a buffer), in naturally aligned blocks of up to 2^PAGE_MAX_ORDER frames.
 *
 * Context: any thread.
 * Return: the allocator, or NULL on allocation failure.
 */
struct page_alloc *page_alloc_create(struct machine *m);
/**
 * page_alloc_destroy() - free the allocator
 * @pa: the allocator; NULL is a no-op
 *
 * Frames still allocated are reported on stderr; the free hooks do not run
 * for them.
 *
 * Context: no thread may use @pa any more.
 * Return: number of frames still allocated (0 for NULL).
 */
size_t page_alloc_destroy(struct page_alloc *pa);
/**
 * page_alloc_machine() - the machine an allocator manages
 * @pa: the allocator
 *
 * Context: any thread.
 * Return: the machine whose arena @pa hands out.
 */
struct machine *page_alloc_machine(const struct page_alloc *pa);

/**
 * pages_alloc() - allocate a block of 2^@order contiguous frames
 * @pa: the allocator
 * @order: 0..PAGE_MAX_ORDER
 * @owner: a nonzero tag naming the user, kept on every frame of the block
 * @zero: zero the frames (done outside the zone lock)
 * @pfn: receives the block's first (head) frame
 *
 * The block is aligned to its size and starts with a refcount of 1.
 *
 * Context: any thread; takes the zone lock.
 * Return: 0 and *@pfn set; -EINVAL for @order above PAGE_MAX_ORDER or
 * @owner 0; -ENOMEM if no free block is large enough (or the fault
 * injector says so).  *@pfn is unchanged on error.
 */
int pages_alloc(struct page_alloc *pa, unsigned int order, uint32_t owner,
		bool zero, pfn_t *pfn);
/**
 * page_get() - take a reference on a block
 * @pa: the allocator
 * @pfn: the block's head frame, as pages_alloc() returned it
 *
 * A frame beyond the arena or holding no reference (free, or not a block
 * head) is a misuse: logged on stderr, nothing changes.
 *
 * Context: any thread; an atomic increment, no lock.
 */
void page_get(struct page_alloc *pa, pfn_t pfn);
/**
 * page_put() - drop a reference on a block
 * @pa: the allocator
 * @pfn: the block's head frame
 *
 * At zero the generation of every frame of the block is bumped and its
 * owner tag cleared, the free hooks run (the frames are dead but not yet
 * reusable), and the block returns to the free lists, merging with free
 * buddies.  A put on frame 0, on a frame beyond the arena or on a frame
 * holding no reference (free, or not a block head) is a misuse: logged,
 * returns false and changes nothing -- the count never goes below zero.
 *
 * Context: any thread; the free hooks run on the caller's thread, outside
 * the zone lock.
 * Return: true if this put freed the block; false otherwise.
 */
bool page_put(struct page_alloc *pa, pfn_t pfn);
/**
 * page_refcount() - references held on a block
 * @pa: the allocator
 * @pfn: the block's head frame
 *
 * Context: any thread; an atomic read, no lock.
 * Return: the references held on the block headed by @pfn; 0 when it is
 * free, when @pfn is not a block head, or beyond the arena.
 */
unsigned int page_refcount(const struct page_alloc *pa, pfn_t pfn);
/**
 * page_owner() - the owner tag of a frame
 * @pa: the allocator
 * @pfn: any frame
 *
 * Context: any thread; an atomic read, no lock.
 * Return: the tag given to pages_alloc() for the block holding @pfn (every
 * frame of it carries the tag); 0 when free or beyond the arena.
 */
uint32_t page_owner(const struct page_alloc *pa, pfn_t pfn);
/**
 * page_generation() - which lifetime of a frame this is
 * @pa: the allocator
 * @pfn: any frame
 *
 * Bumped for every frame of a block each time the block is freed, before
 * the free hooks run, so "frame F, generation G" names one lifetime of F.
 *
 * Context: any thread; an atomic read (acquire), no lock.
 * Return: the number of times @pfn was freed (wrapping at 2^32); 0 beyond
 * the arena.
 */
uint32_t page_generation(const struct page_alloc *pa, pfn_t pfn);
/**
 * page_head() - the head of the allocated block holding a frame
 * @pa: the allocator
 * @pfn: any frame
 *
 * Context: any thread; takes the zone lock.
 * Return: the first frame of the allocated block containing @pfn, or ~0 if
 * @pfn is free or beyond the arena.
 */
pfn_t page_head(const struct page_alloc *pa, pfn_t pfn);
/**
 * page_alloc_free_frames() - frames currently free
 * @pa: the allocator
 *
 * Context: any thread; takes the zone lock.
 * Return: the number of free frames.
 */
size_t page_alloc_free_frames(const struct page_alloc *pa);
/**
 * page_alloc_used_frames() - frames currently allocated
 * @pa: the allocator
 *
 * Context: any thread; takes the zone lock.
 * Return: the number of allocated frames (reserved frame 0 not counted).
 */
size_t page_alloc_used_frames(const struct page_alloc *pa);

/*
 * The free hook runs for every block just before it returns to the free
 * lists (generation already bumped), outside the allocator lock.  Tests use
 * it to check the safety rule; the oracle uses it to follow ownership.
 */
typedef void (*page_free_hook_fn)(void *arg, pfn_t pfn, unsigned int order);
/**
 * page_alloc_add_free_hook() - run a hook for every block freed from now on
 * @pa: the allocator
 * @fn: called as @fn(@arg, head frame, order) for each block freed, on the
 *      freeing thread, after the generation bump and before the frames can
 *      be allocated again
 * @arg: passed to @fn
 *
 * An allocator takes at most 4 hooks.  A hook cannot be removed.
 *
 * Context: the hook table is not locked: add hooks before other threads
 * free pages.
 * Return: 0; -ENOSPC (logged on stderr) when the 4 slots are taken: @fn is
 * not installed and will never be called.
 */
int page_alloc_add_free_hook(struct page_alloc *pa, page_free_hook_fn fn,
			     void *arg);

/* ---- IOVA allocator ----------------------------------------------------- */

struct iova_domain;

/**
 * iovad_create() - an IOVA allocator
 * @start_pfn: the lowest page frame number handed out; nonzero and below
 *             2^(IOVA_BITS - PAGE_SHIFT)
 * @ncpus: CPUs to keep magazine caches for, 1..OS_MAX_CPUS
 *
 * The space runs from @start_pfn up to 2^(IOVA_BITS - PAGE_SHIFT).
 *
 * Context: any thread.
 * Return: the allocator, or NULL for an argument out of range or on
 * allocation failure.
 */
struct iova_domain *iovad_create(pfn_t start_pfn, unsigned int ncpus);
/**
 * iovad_destroy() - free an IOVA allocator
 * @iovad: the allocator
 *
 * The cached ranges go back first; ranges still allocated are then
 * reported on stderr.
 *
 * Context: no thread may use @iovad any more.
 * Return: the number of ranges still allocated (leaks).
 */
size_t iovad_destroy(struct iova_domain *iovad);
/**
 * alloc_iova_fast() - allocate a range of IOVA space
 * @iovad: the allocator
 * @npages: pages wanted; 0, or more than the space holds, fails
 * @limit_pfn: the highest pfn the range may use (the DMA mask's); one at
 *             or above the end of the space (all ones, say) limits nothing
 *
 * Sizes up to 32 pages are rounded up to a power of two (iova_round_size())
 * and served from this CPU's magazines first (os_this_cpu() modulo the CPU
 * count); other sizes and misses go to the range allocator, top-down at or
 * below @limit_pfn, aligned to the size for power-of-two sizes.  When that
 * fails for a cached size, every CPU's cache is flushed back and the
 * allocation retried.
 *
 * Context: any thread; takes this CPU's magazine lock, a depot lock and
 * the range lock.
 * Return: the first pfn of the range, or 0 (@npages 0, @limit_pfn below
 * the start, or no room).
 */
pfn_t alloc_iova_fast(struct iova_domain *iovad, size_t npages, pfn_t limit_pfn);
/**
 * free_iova_fast() - give back a range from alloc_iova_fast()
 * @iovad: the allocator
 * @pfn: the first pfn alloc_iova_fast() returned
 * @npages: the @npages given to alloc_iova_fast()
 *
 * A cached size goes to this CPU's magazine (a full magazine moves to the
 * depot, and a full depot's magazine returns its ranges to the range
 * allocator); other sizes go straight to the range allocator.  A range
 * freed there that overlaps free space is reported on stderr as a double
 * free and ignored; a double free that lands in a magazine is not caught.
 * A range that is not inside the space -- 0 pages, a @pfn below the start,
 * or @pfn + @npages past the end or wrapping -- is reported and ignored,
 * whatever its size.
 *
 * Context: any thread; takes this CPU's magazine lock, a depot lock or the
 * range lock.
 */
void free_iova_fast(struct iova_domain *iovad, pfn_t pfn, size_t npages);
/**
 * iova_round_size() - pages actually reserved for a request
 * @npages: the pages asked for
 *
 * Context: any thread.
 * Return: the next power of two >= @npages for requests up to 32 pages (1
 * for 0); @npages itself above.
 */
size_t iova_round_size(size_t npages);
/**
 * iovad_flush_caches() - return every cached range to the range allocator
 * @iovad: the allocator
 *
 * Every CPU's magazines and every depot are emptied.
 *
 * Context: any thread; takes each magazine lock in turn, the depot locks
 * and the range lock.
 */
void iovad_flush_caches(struct iova_domain *iovad);
/**
 * iovad_outstanding() - ranges allocated and not freed
 * @iovad: the allocator
 *
 * Ranges sitting in the magazines and depots count as free.  The caches
 * and the range allocator are read one after the other: under concurrent
 * use the result is approximate.
 *
 * Context: any thread; takes the magazine, depot and range locks in turn.
 * Return: the number of ranges allocated and not freed.
 */
size_t iovad_outstanding(struct iova_domain *iovad);

#endif
