/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse.h - the reuse layer: ways to keep a device isolated without paying
 * a map, an unmap and an IOTLB invalidation on every transfer.
 *
 * OS-neutral: the same code runs in the lab and in the Linux module; the
 * handle types (osdep_dev_t, osdep_page_t) are each home's own (see
 * reuse_types.h; the layer reaches the OS through reuse/osdep.h).  This
 * header includes the whole layer: reuse_core.h (strategies, counters, the
 * handle a map call fills) and one header per object, named beside it
 * below, so each file reads as one object's API.  Objects, one per device
 * and mechanism:
 *
 *   rbounce (reuse_bounce.h)  coherent, permanently mapped bounce buffers
 *            in size classes; the device never sees caller memory.
 *   rreuse (reuse_once.h)  the stateful map-once API (register /
 *            for_device / for_cpu / unregister) that the seed's reusable
 *            scatterlists sit on.
 *   rpool (reuse_pool.h)  a driver-level pool of mapped buffers that
 *            recycle (page_pool).
 *   rcache (reuse_cache.h)  a transparent mapping cache: a hit costs no
 *            map/unmap; cached pages are pinned so they cannot be freed
 *            while mapped.
 *   rlink (reuse_link.h)  the two-step IOVA API: one IOVA range per
 *            context, pages linked and unlinked per use.
 *   rbatch (reuse_batch.h)  deferred invalidation: unmaps gathered in
 *            per-CPU batches, one invalidation + SYNC per batch, pages
 *            released after it.
 *   rmapper (reuse_mapper.h)  one per-buffer front (map/unmap/sync) for a
 *            driver, over any mechanism that works per buffer, including
 *            `auto`.
 *
 * The safety rule (docs/design.md section 6): no PTE and no IOTLB entry reaches a
 * frame after it returns to the page allocator.  Every object that keeps a
 * mapping of memory it does not own holds a page reference for as long as
 * the mapping lives, and unmaps -- with a synchronous invalidation -- before
 * it drops the reference.  That needs a device whose unmap is strict; the
 * objects that rely on it refuse a lazy device (osdep_dma_unmap_is_strict).
 *
 * Conventions: functions return 0 or -errno; misuse (stop-reuse twice, use
 * after stop-reuse, unregister with a transfer in flight, a pool buffer
 * freed twice or into the wrong pool, a sub-page buffer forced into the
 * cache, a buffer whose offset + length or address wraps or lies outside
 * memory, a handle another object lent, one already taken back, or one
 * whose fields were changed, a length beyond the buffer) returns an error,
 * logs one line through osdep_warn, counts in `errors`, and changes
 * nothing.  The layer checks every address and length it computes from a
 * caller's numbers itself, before the OS sees them: an OS's map call need
 * not catch a sum that wraps onto another owner's page (Linux's does not).
 * Every object is safe to call from several CPUs at once; each has one
 * lock, held only around its own bookkeeping.
 */
#ifndef DMAREUSE_REUSE_H
#define DMAREUSE_REUSE_H

#include <dmareuse/reuse_core.h>
#include <dmareuse/reuse_bounce.h>
#include <dmareuse/reuse_once.h>
#include <dmareuse/reuse_pool.h>
#include <dmareuse/reuse_cache.h>
#include <dmareuse/reuse_link.h>
#include <dmareuse/reuse_batch.h>
#include <dmareuse/reuse_mapper.h>

#endif
