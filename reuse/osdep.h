/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * osdep.h - everything the reuse layer needs from an operating system.
 *
 * reuse/ is written once and built twice: into the lab (user space, over
 * os/) and into a Linux module (kmod/).  It includes nothing of either; it
 * reaches the OS only through the names below, which a binding provides in
 * a header called <osdep_os.h> found on the include path (reuse/lab/ for the
 * lab, kmod/ for Linux).  The pattern is Intel's shared-driver "base code".
 *
 * A binding defines these types:
 *   osdep_dev_t      the DMA device (lab: struct dma_device, Linux: struct device)
 *   osdep_page_t     a page handle, comparable with == (lab: frame number,
 *                    Linux: struct page *); OSDEP_NO_PAGE is "none"
 *                    (the public API names these two as well, without the
 *                    binding: <dmareuse/reuse_types.h>; the typedefs must
 *                    be the same, and the compiler checks they are)
 *   osdep_lock_t     a lock for short critical sections (never held across
 *                    a call that may sleep in Linux: the layer only holds
 *                    locks around its own bookkeeping)
 *   dma_addr_t, enum dma_data_direction (DMA_TO_DEVICE, ...), PAGE_SIZE
 *   uint8_t .. uint64_t, size_t, bool, offsetof, the errno names, and
 *   memcpy/memset/memcmp (the only library functions reuse/ calls)
 * and these operations (inline or extern):
 *   void osdep_lock_init(osdep_lock_t *l), osdep_lock_destroy(l),
 *        osdep_lock(l), osdep_unlock(l)
 *   osdep_atomic_t (an int): osdep_atomic_read/set(a[, v])  (acquire /
 *        release), bool osdep_atomic_try_cmpxchg(a, int *old, int new),
 *        int osdep_atomic_add_return(a, int v)  (both full barriers)
 *   OSDEP_READ_ONCE(x), OSDEP_WRITE_ONCE(x, v): one untorn access to a
 *        word-sized variable (pointer, integer, enum) that another thread
 *        may access at the same time, with no ordering (Linux's
 *        READ_ONCE/WRITE_ONCE); every access to such a variable that can
 *        race uses them
 *   OSDEP_LOAD_ACQUIRE(x), OSDEP_STORE_RELEASE(x, v): the same with acquire /
 *        release order, for publishing a pointer to memory initialised
 *        before the store (Linux's smp_load_acquire/smp_store_release)
 *   void osdep_race_window(void): called by a lock-free path between reading
 *        shared state and validating it; a binding may widen the window for
 *        tests (the lab yields when asked to) or do nothing (Linux)
 *   void osdep_owner_add(uint64_t *c, uint64_t v), uint64_t osdep_owner_read(
 *        const uint64_t *c): a counter with one writer at a time (the owner of
 *        the object it counts): no locked instruction; read from anywhere
 *   osdep_counter_t (64-bit statistics, may be per CPU):
 *        int osdep_counter_init(c) (0 or -ENOMEM), osdep_counter_destroy(c),
 *        osdep_counter_add(c, v), uint64_t osdep_counter_read(c)  (relaxed)
 *   void osdep_copy_to_device(void *dst, const void *src, size_t n)
 *        copy into memory that the device reads next and the CPU does not
 *        read before the device is done (a bounce buffer being lent): the
 *        binding may write around the CPU's caches (non-temporal stores),
 *        so no cache line is first fetched for ownership; every byte is
 *        visible to the device before any store that follows the call
 *        (the doorbell).  @dst and @src must not overlap
 *   unsigned int osdep_cpu_id(void)   the CPU the caller runs on, a hint for
 *        picking per-CPU state (the caller may move right after; every
 *        such state keeps its own lock)
 *   unsigned int osdep_ncpus(osdep_dev_t *d)  osdep_cpu_id() is below this
 *   void *osdep_zalloc(size_t n)              zeroed heap memory or NULL
 *   void osdep_free(void *p)
 *   int  osdep_alloc_pages(osdep_dev_t *d, unsigned int order, osdep_page_t *p)
 *   void osdep_free_pages(osdep_dev_t *d, osdep_page_t p, unsigned int order)
 *   void osdep_page_get(osdep_dev_t *d, osdep_page_t p)   reference
 *   void osdep_page_put(osdep_dev_t *d, osdep_page_t p)   may free the page
 *   unsigned int osdep_page_refcount(osdep_dev_t *d, osdep_page_t p)
 *   void *osdep_page_address(osdep_dev_t *d, osdep_page_t p)
 *   osdep_page_t osdep_virt_to_page(osdep_dev_t *d, const void *va)
 *   uintptr_t osdep_page_key(osdep_page_t p)  a hashable number
 *   bool osdep_page_span_ok(d, osdep_page_t p, size_t offset, size_t len)
 *        whether the @len bytes (1 or more) from byte @offset of @p's
 *        block are memory the OS could map: the address of each end
 *        computed with every shift and sum checked (one that wraps would
 *        name another owner's page, and an OS's map call need not notice:
 *        Linux's dma_map_page() does not), the span inside memory.  The
 *        layer asks before it pins or maps a caller's page
 *   OSDEP_MAX_PAGE_ORDER  the largest order osdep_alloc_pages() may be
 *        asked for (the layer refuses larger buffers itself: Linux warns
 *        on an order its allocator cannot give)
 *   dma_addr_t osdep_dma_map_page(d, page, offset, size, dir)
 *   bool osdep_dma_mapping_error(d, addr)
 *   void osdep_dma_unmap_page(d, addr, size, dir)   must invalidate before
 *                                                   it returns (strict)
 *   osdep_unmap_t    a struct with members addr, size, dir
 *   void osdep_dma_unmap_batch(d, const osdep_unmap_t *v, size_t n)
 *                    unmap each; every translation is gone on return.  A
 *                    binding that can flush the IOTLB once for the batch
 *                    does (the lab); one that cannot loops (Linux)
 *   void osdep_dma_sync_for_cpu(d, addr, size, dir)
 *   void osdep_dma_sync_for_device(d, addr, size, dir)
 *   bool osdep_dma_need_sync(d, addr)  false if syncs on that mapping are
 *                                      no-ops (coherent, not bounced): a
 *                                      layer that keeps mappings may skip them
 *   void *osdep_dma_alloc_coherent(d, size, dma_addr_t *handle)
 *   void osdep_dma_free_coherent(d, size, void *cpu, dma_addr_t handle)
 *   bool osdep_dma_unmap_is_strict(d)   false if unmap may leave the IOTLB
 *                                       warm (lazy): caching then is unsafe
 *   bool osdep_dma_unmap_invalidates(d) false if an unmap has no IOTLB
 *                                       entry to invalidate (identity domain,
 *                                       no IOMMU); true for a translating
 *                                       domain, strict or lazy (for counters)
 *   uint64_t osdep_now_ns(void)
 *   void osdep_cost_copy(size_t n), void osdep_cost_lookup(void),
 *        void osdep_cost_call(void): what a copy of @n bytes, one hash
 *        lookup, and one call's own bookkeeping cost -- for a binding whose
 *        clock is simulated (the lab's virtual time charges them from its
 *        cost table); a binding on real hardware does nothing (Linux)
 *   void osdep_warn(const char *fmt, ...)     one line, printf-style
 * and, when OSDEP_HAS_IOVA_LINK is defined, the two-step IOVA API:
 *   osdep_iova_state_t
 *   int  osdep_iova_alloc(d, osdep_iova_state_t *s, size_t size)
 *   int  osdep_iova_link(d, s, osdep_page_t page, size_t pgoff, size_t offset,
 *                        size_t size, dir)   link the pages from byte @pgoff
 *                        (page aligned) of @page's block at IOVA @offset
 *   int  osdep_iova_sync(d, s, size_t offset, size_t size)
 *   void osdep_iova_unlink(d, s, size_t offset, size_t size, dir)
 *   void osdep_iova_free(d, s)
 *   dma_addr_t osdep_iova_addr(const osdep_iova_state_t *s)
 */
#ifndef DMAREUSE_OSDEP_H
#define DMAREUSE_OSDEP_H

#include <osdep_os.h>

#endif
