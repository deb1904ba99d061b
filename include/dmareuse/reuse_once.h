/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rreuse: the stateful map-once API (register / for_device / for_cpu /
 * unregister) with a stop-reuse callback, which the seed's reusable
 * scatterlists sit on.
 */
#ifndef DMAREUSE_REUSE_ONCE_H
#define DMAREUSE_REUSE_ONCE_H

#include <dmareuse/reuse_core.h>

struct rreuse;
struct rmo;

/* One piece of a registered buffer. */
struct rseg {
	osdep_page_t page;
	size_t offset;		/* may exceed PAGE_SIZE: pages are contiguous */
	size_t len;
};

#define RMO_MAX_SEGS 16

/* Called after the mapping is gone (unmapped, invalidated), before unpin. */
typedef void (*rmo_unmap_cb)(void *arg, struct rmo *mo);

/**
 * rreuse_create() - a registry of map-once buffers for a device
 * @dev: the device the buffers are mapped for
 *
 * A device whose unmap is lazy is refused: stop-reuse could not promise the
 * mapping is gone before the pages are freed.
 *
 * Return: the new registry, or NULL for a lazy device or on failure.
 */
struct rreuse *rreuse_create(osdep_dev_t *dev);
/**
 * rreuse_destroy() - unregister what is left (reported as misuse) and free
 * @r: the registry
 *
 * Return: number of registrations that were still live.
 */
size_t rreuse_destroy(struct rreuse *r);
/**
 * rmo_register() - map @n segments once for @dir, pinning their pages
 * @r: the registry to register with
 * @segs: the segments of the buffer
 * @n: number of entries in @segs
 * @dir: direction of every transfer of the buffer
 * @cb: run at unregister once the mapping is gone; may be NULL
 * @arg: passed to @cb
 *
 * The CPU owns the buffer until rmo_for_device().  Every segment is checked
 * before anything is pinned or mapped: @len 1 or more, and @offset + @len,
 * and the page's address plus both, computed without wrapping and inside
 * memory.
 *
 * Return: the registration, or NULL on failure (nothing stays); a refused
 * call (no @segs, @n out of range, an invalid @dir, a segment that fails
 * the check) is logged and counted in @r's errors.
 */
struct rmo *rmo_register(struct rreuse *r, const struct rseg *segs,
			 unsigned int n, enum dma_data_direction dir,
			 rmo_unmap_cb cb, void *arg);
/**
 * rmo_dma_addr() - the device address of one segment
 * @mo: the registration
 * @i: index of the segment
 *
 * Return: the device address of segment @i, or 0 if @mo has no such segment.
 */
dma_addr_t rmo_dma_addr(const struct rmo *mo, unsigned int i);
/**
 * rmo_for_device() - hand the buffer to the device
 * @mo: the registration
 *
 * A sync only, no map.
 *
 * Return: 0; -EINVAL if the CPU does not own the buffer (the device already
 * does, or it is being unregistered); -ESTALE after unregister.
 */
int rmo_for_device(struct rmo *mo);
/**
 * rmo_for_cpu() - take the buffer back from the device
 * @mo: the registration
 *
 * A sync only, no unmap.
 *
 * Return: 0; -EINVAL if the device does not own the buffer; -ESTALE after
 * unregister.
 */
int rmo_for_cpu(struct rmo *mo);
/**
 * rmo_unregister() - stop reuse
 * @mo: the registration
 *
 * Unmap with a synchronous invalidation, run the callback, unpin.
 *
 * Return: 0; -EBUSY while a transfer is in flight (after for_device, before
 * for_cpu); -ESTALE if already unregistered.
 */
int rmo_unregister(struct rmo *mo);
/**
 * rmo_is_live() - whether a registration still stands
 * @mo: the registration
 *
 * Return: true if @mo is registered and not yet unregistered.
 */
bool rmo_is_live(const struct rmo *mo);
/**
 * rreuse_stats() - read a registry's counters
 * @r: the registry
 * @out: receives @r's counters; in_use counts the registrations the device
 *       owns now
 */
void rreuse_stats(struct rreuse *r, struct reuse_stats *out);

#endif
