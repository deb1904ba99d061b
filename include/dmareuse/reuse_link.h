/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rlink: the two-step IOVA API -- one IOVA range per context, pages linked
 * and unlinked per use.
 */
#ifndef DMAREUSE_REUSE_LINK_H
#define DMAREUSE_REUSE_LINK_H

#include <dmareuse/reuse_core.h>

struct rlink;

/**
 * rlink_create() - a two-step IOVA context for a device
 * @dev: the device
 * @bytes: size of the IOVA range, rounded up to pages; 0 takes 1024 pages;
 *         at most 2^32 - 1 pages
 *
 * The whole IOVA range is allocated now.
 *
 * Return: the new context, or NULL on failure (logged for a @bytes too
 * large), and always where the OS has no two-step IOVA API (Linux before
 * 6.16).
 */
struct rlink *rlink_create(osdep_dev_t *dev, size_t bytes);
/**
 * rlink_map() - link a buffer's pages into a free slot of the range
 * @l: the IOVA context
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: length of the buffer in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rlink_unmap()
 *
 * The pages under [@offset, +@len) of @page are linked into the slot, then
 * synced once.  The span is checked first: @offset + @len, and the page's
 * address plus both, computed without wrapping and inside memory.
 *
 * Return: 0 and @h filled; -ENOSPC when the range is full (or smaller than
 * the buffer); -EINVAL (logged, counted) for a zero @len, an invalid @dir
 * or a span that wraps or is not memory; otherwise the error of the link
 * or sync (such as -ENOMEM), with the slot given back; -EOPNOTSUPP without
 * the two-step IOVA API.
 */
int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rlink_unmap() - unlink a buffer's slot
 * @l: the IOVA context
 * @h: the handle filled by rlink_map()
 *
 * The slot's PTEs are cleared, with one invalidation + SYNC.
 *
 * Return: 0; -EINVAL (logged, counted, nothing unlinked) if @h does not hold
 * a buffer @l has linked now -- a handle of another context, a copy of one
 * already unlinked, one never filled -- or if its dma, len or dir are not
 * those of the link; -EOPNOTSUPP without the two-step IOVA API.
 */
int rlink_unmap(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_sync_for_cpu() - let the CPU read what the device wrote so far
 * @l: the IOVA context
 * @h: the handle filled by rlink_map(); it stays linked
 *
 * The two-step API has no CPU sync of a range still linked (unlinking is
 * that), so this only checks @h: the memory is taken to be coherent.
 *
 * Return: 0; -EINVAL for a handle rlink_unmap() would refuse; -EOPNOTSUPP
 * without the two-step IOVA API.
 */
int rlink_sync_for_cpu(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_sync_for_device() - hand the buffer back to the device
 * @l: the IOVA context
 * @h: the handle filled by rlink_map(); it stays linked
 *
 * The buffer's pages of the range are synced as after the link
 * (osdep_iova_sync()).
 *
 * Return: 0 or the sync's error; -EINVAL for a handle rlink_unmap() would
 * refuse; -EOPNOTSUPP without the two-step IOVA API.
 */
int rlink_sync_for_device(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_destroy() - free the IOVA range and the context
 * @l: the IOVA context
 *
 * Return: 0; -EBUSY (nothing freed) while buffers are linked.
 */
int rlink_destroy(struct rlink *l);
/**
 * rlink_stats() - read an IOVA context's counters
 * @l: the IOVA context
 * @out: receives a copy of @l's counters
 */
void rlink_stats(struct rlink *l, struct reuse_stats *out);

#endif
