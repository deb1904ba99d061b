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
 *        osdep_lock(l), osdep_unlock(l), osdep_assert_held(l) (at the top
 *        of every `_locked` function: the caller holds @l; a real check
 *        where the binding can make one -- the lab's mlock_assert_held(),
 *        Linux's lockdep_assert_held() -- else nothing)
 *   osdep_atomic_t (an int): osdep_atomic_read/set(a[, v])  (acquire /
 *        release; a read that relies on the acquire says, where it is
 *        made, which release it pairs with -- a count read for statistics
 *        relies on nothing), bool osdep_atomic_try_cmpxchg(a, int *old, int new),
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
 * and, when OSDEP_HAS_BATCH is defined, unmaps whose IOTLB invalidation the
 * layer defers and gathers across calls (the batch mechanism, batch.c).
 * The binding maps these in a domain whose unmap it can split into clearing
 * the PTEs and invalidating the IOTLB.  The lab: the device's own domain,
 * whatever its mode (os/dma_gather.c).  Linux: the DMA API cannot split
 * an unmap (it invalidates before it returns, or queues the invalidation
 * where the layer cannot wait for it), so the binding gives the device an
 * unmanaged IOMMU domain of its own (iommu_paging_domain_alloc(),
 * iommu_attach_device()) with its own IOVA allocator, maps with
 * iommu_map(), unmaps with iommu_unmap_fast() into a struct
 * iommu_iotlb_gather, and flushes with iommu_iotlb_sync():
 *   osdep_gather_t   what gathers between the unmaps and their flush; one
 *                    per CPU batch, under that batch's lock (lab: struct
 *                    dma_gather, Linux: struct iommu_iotlb_gather)
 *   osdep_batch_block_t  a block of contiguous IOVA (lab: struct
 *                    dma_iova_state, Linux: a range of the binding's
 *                    allocator)
 *   int  osdep_batch_attach(d)  once per batch object before its first map:
 *        0, or -errno if @d cannot take deferred unmaps (Linux: allocate and
 *        attach the unmanaged domain on the first call, count the others)
 *   void osdep_batch_detach(d)  once per batch object, after its last unmap
 *        has been flushed
 *   void osdep_gather_init(osdep_gather_t *g)   empty
 *   dma_addr_t osdep_batch_map(d, page, offset, size, dir)  a fresh IOVA
 *        range mapped to the @size bytes at byte @offset of @page's block;
 *        a failure tests true with osdep_dma_mapping_error()
 *   int  osdep_batch_unmap(d, addr, size, dir, osdep_gather_t *g)  clear
 *        the PTEs now and add the range to @g: the IOTLB may keep
 *        translating it, and its IOVA stays allocated, until the flush.
 *        0: deferred (give the IOVA back with osdep_batch_iova_free() after
 *        the flush); 1: nothing to defer, unmapped and invalidated now (an
 *        identity domain, a bounced buffer); -errno: refused as misuse,
 *        nothing changed
 *   void osdep_batch_flush(d, osdep_gather_t *g)  one invalidation
 *        covering everything @g gathered (a range over its span, or the
 *        whole domain) and one SYNC; on return no IOTLB entry of it
 *        remains and @g is empty; an empty @g costs nothing
 *   void osdep_batch_iova_free(d, addr, size)  the IOVA of an unmap that
 *        returned 0, once its flush is done
 *   int  osdep_batch_block_alloc(d, osdep_batch_block_t *blk, size_t size)
 *        reserve @size bytes (a nonzero multiple of PAGE_SIZE) of
 *        contiguous IOVA: 0 or -errno (-EOPNOTSUPP: none to reserve, an
 *        identity domain)
 *   dma_addr_t osdep_batch_block_addr(const osdep_batch_block_t *blk)
 *   int  osdep_batch_block_map(d, blk, size_t offset, page, size_t size, dir)
 *        map @size bytes (whole pages) from the start of @page's block at
 *        byte @offset (page aligned) of @blk: 0 or -errno
 *   int  osdep_batch_block_unmap(d, blk, offset, size, dir, osdep_gather_t *g)
 *        as osdep_batch_unmap() for a part mapped that way, but the IOVA
 *        stays @blk's: 0, or -errno (misuse)
 *   void osdep_batch_block_free(d, blk)  every part unmapped and flushed
 * Syncs of these mappings go through osdep_dma_sync_for_cpu/for_device()
 * and osdep_dma_need_sync(): the binding makes those work on them too.
 * Without OSDEP_HAS_BATCH, batch.c builds stubs that refuse (the Linux
 * binding today: kmod/osdep_os.h).
 */
#ifndef DMAREUSE_OSDEP_H
#define DMAREUSE_OSDEP_H

#include <osdep_os.h>

#endif
