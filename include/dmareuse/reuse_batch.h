/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rbatch: deferred invalidation -- unmaps gathered in per-CPU batches, one
 * invalidation + SYNC per batch, pages and completions released after it.
 */
#ifndef DMAREUSE_REUSE_BATCH_H
#define DMAREUSE_REUSE_BATCH_H

#include <dmareuse/reuse_core.h>

/*
 * The batch mechanism: an unmap clears the PTEs at once and defers the
 * IOTLB invalidation into this CPU's batch; a batch is invalidated with one
 * command (a range, or the whole domain) and one SYNC when it is full, when
 * the driver's completion pass flushes it (rbatch_flush()), or at
 * rbatch_flush_all() and destroy.  What an unmap gave back is released
 * only after that flush: its IOVA, a page reference the batch took on the
 * buffer (rbatch_unmap(): the owner may free the buffer at once, the frame
 * cannot reach the allocator before the flush), or the owner's completion
 * (rbatch_unmap_notify()).  So the device may reach a buffer after its
 * unmap until the flush -- never a freed frame.
 *
 * A ring (rbatch_ring) is a block of contiguous IOVA cut in equal slots: a
 * driver's own buffers posted in a ring (a NIC's RX) are mapped at their
 * slot's IOVA, so the unmaps of a pass gather into one short span, and no
 * IOVA is allocated or freed per buffer.  A slot unmapped is mapped again
 * only after its flush.
 *
 * Sub-page buffers: the page reference keeps the frame, not the buffer --
 * another owner of the same page (a slab's next object) may be handed the
 * bytes while a stale entry still reaches them.  A driver whose owner
 * frees such buffers at once flushes before it tells the owner (the NIC
 * driver's completion pass does).
 */
#define RBATCH_DEFAULT_SIZE 64	/* unmaps per batch when none is given */
#define RBATCH_MAX_SIZE 4096

struct rbatch;
struct rbatch_ring;

/* Tells an owner its buffer is free: called once the buffer's flush is done. */
typedef void (*rbatch_done_fn)(void *arg);

/**
 * rbatch_create() - per-CPU batches of deferred invalidations for a device
 * @dev: the device; any mode (a lazy domain's flush queue is not used: the
 *       batch invalidates its own unmaps; an identity domain has nothing to
 *       invalidate)
 * @size: unmaps per batch, 1..RBATCH_MAX_SIZE; 0 takes RBATCH_DEFAULT_SIZE.
 *        1 flushes at every unmap, as strict does
 *
 * A CPU's batch is allocated when the CPU first unmaps.
 *
 * Return: the object, or NULL: @size out of range (logged), no memory, or
 * a binding that cannot defer an invalidation (logged).
 */
struct rbatch *rbatch_create(osdep_dev_t *dev, unsigned int size);
/**
 * rbatch_map() - map a buffer for the device
 * @b: the batch object
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to the unmap call
 *
 * A fresh IOVA range, as the DMA API's map.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a zero @len, an
 * invalid @dir or a span that wraps or is not memory; -ENOMEM when the
 * mapping cannot be made.
 */
int rbatch_map(struct rbatch *b, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rbatch_unmap() - take a buffer back, its invalidation deferred
 * @b: the batch object
 * @h: the handle filled by rbatch_map()
 *
 * The PTEs are cleared now; the invalidation joins this CPU's batch (which
 * is flushed now if that fills it).  The batch holds a reference on the
 * buffer's page until the flush, so the caller may free the buffer at once:
 * the frame returns to the allocator only after no translation reaches it.
 * Where the OS has nothing to defer (an identity domain, a bounced buffer)
 * the unmap completes at once.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * a buffer @b lent -- another object's handle, one whose dma, len, dir or
 * cpu changed, or while @b has nothing lent -- or if the OS refuses it.
 */
int rbatch_unmap(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_unmap_notify() - rbatch_unmap(), telling the owner instead of pinning
 * @b: the batch object
 * @h: the handle filled by rbatch_map()
 * @done: called with @arg once the buffer's invalidation is done (at once
 *        if there was nothing to defer); the owner must not free the buffer
 *        before.  It runs on the flushing CPU under @b's batch lock: it
 *        must not call into @b
 * @arg: passed to @done
 *
 * No page reference is taken: for owners that cannot be made to wait by a
 * reference (memory that is not page-refcounted, a slab object).
 *
 * Return: as rbatch_unmap(); @done is not called on an error.
 */
int rbatch_unmap_notify(struct rbatch *b, struct rmap_handle *h, rbatch_done_fn done,
			void *arg);
/**
 * rbatch_sync_for_cpu() - let the CPU read what the device wrote so far
 * @b: the batch object
 * @h: the handle filled by rbatch_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rbatch_unmap() would refuse.
 */
int rbatch_sync_for_cpu(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_sync_for_device() - hand the buffer back to the device
 * @b: the batch object
 * @h: the handle filled by rbatch_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rbatch_unmap() would refuse.
 */
int rbatch_sync_for_device(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_flush() - flush this CPU's batch: a completion pass is over
 * @b: the batch object
 *
 * One invalidation command and one SYNC for every unmap the batch holds,
 * then their IOVAs, page references and owners' completions are released.
 * An empty batch costs nothing.
 */
void rbatch_flush(struct rbatch *b);
/**
 * rbatch_flush_all() - flush every CPU's batch
 * @b: the batch object
 *
 * For periodic work, idle time and teardown: after it, nothing @b unmapped
 * before the call is reachable or held.
 */
void rbatch_flush_all(struct rbatch *b);
/**
 * rbatch_size() - unmaps per batch
 * @b: the batch object
 *
 * Return: the size @b was created with (the default filled in).
 */
unsigned int rbatch_size(const struct rbatch *b);
/**
 * rbatch_stats() - read a batch object's counters
 * @b: the batch object
 * @out: receives them: maps and unmaps (rbatch and its rings'), deferred
 *       and invalidations (unmaps that waited for a flush), pages_deferred
 *       (page references taken to hold a buffer until its flush),
 *       pages_pinned (such references held now), flushes, batch_max (the
 *       most unmaps one flush covered), in_use (buffers lent now, rings'
 *       slots included), errors
 */
void rbatch_stats(struct rbatch *b, struct reuse_stats *out);
/**
 * rbatch_destroy() - flush every batch and free the object
 * @b: the batch object; NULL is a no-op
 *
 * Return: 0; -EBUSY (nothing freed, @b still usable) while buffers are
 * lent or rings live.
 */
int rbatch_destroy(struct rbatch *b);

/**
 * rbatch_ring_create() - a ring of slots in one block of contiguous IOVA
 * @b: the batch object whose batches the ring's unmaps join
 * @nslots: slots, 1..65536
 * @slot_bytes: the largest buffer a slot takes; rounded up to whole pages
 *
 * The whole block (@nslots x the rounded size) is reserved now.
 *
 * Return: the ring, or NULL: a value out of range (logged), no memory, or
 * no IOVA block to be had (an identity domain has none).
 */
struct rbatch_ring *rbatch_ring_create(struct rbatch *b, unsigned int nslots,
				       size_t slot_bytes);
/**
 * rbatch_ring_map() - map a buffer at a slot's IOVA
 * @r: the ring
 * @slot: the slot, below @nslots; free, or unmapped (then its batch is
 *        flushed first: a slot's IOVA is reused only after its flush)
 * @page: the buffer: whole pages from @page, @len bytes rounded up
 * @len: bytes, 1..the slot size
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rbatch_ring_unmap()
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a slot out of
 * range or lent, a bad @len or @dir, or pages that are not memory;
 * otherwise the error of the mapping (-ENOMEM).
 */
int rbatch_ring_map(struct rbatch_ring *r, unsigned int slot, osdep_page_t page, size_t len,
		    enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rbatch_ring_unmap() - take a slot's buffer back, its invalidation deferred
 * @r: the ring
 * @h: the handle filled by rbatch_ring_map()
 *
 * As rbatch_unmap(): the batch holds a reference on the page until the
 * flush; the slot's IOVA stays the ring's.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) for a handle that
 * does not hold a slot of @r lent now.
 */
int rbatch_ring_unmap(struct rbatch_ring *r, struct rmap_handle *h);
/**
 * rbatch_ring_destroy() - flush the ring's slots and free it
 * @r: the ring; NULL is a no-op
 *
 * Return: 0; -EBUSY (nothing freed) while a slot is lent.
 */
int rbatch_ring_destroy(struct rbatch_ring *r);

#endif
