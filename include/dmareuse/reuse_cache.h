/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rcache: a transparent mapping cache; a hit costs no map and no unmap,
 * and cached pages are pinned so they cannot be freed while mapped.
 */
#ifndef DMAREUSE_REUSE_CACHE_H
#define DMAREUSE_REUSE_CACHE_H

#include <dmareuse/reuse_core.h>

struct rcache;

/**
 * rcache_create() - a mapping cache for a device
 * @dev: the device; a lazy one is refused
 * @max_entries: the most entries the cache keeps
 * @max_bytes: the most bytes the cache keeps mapped
 *
 * Idle entries are evicted least recently used first to stay within the
 * limits.
 *
 * Return: the new cache, or NULL on failure or for a lazy device.
 */
struct rcache *rcache_create(osdep_dev_t *dev, unsigned int max_entries,
			     size_t max_bytes);
/**
 * rcache_map() - lend @len bytes at @offset of @page (whole pages only)
 * @c: the cache
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: length of the buffer in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rcache_unmap()
 *
 * A hit reuses the cached mapping (a sync, no map); a miss checks the span
 * (@offset + @len, and the page's address plus both, computed without
 * wrapping and inside memory), then maps and pins.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a sub-page buffer
 * (those must take bounce), a zero @len, an invalid @dir, or a span that
 * wraps or is not memory; -ENOMEM when a miss cannot get an entry or a
 * mapping.
 */
int rcache_map(struct rcache *c, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rcache_unmap() - take a lent buffer back
 * @c: the cache
 * @h: the handle filled by rcache_map()
 *
 * A sync, not an unmap: the entry stays cached.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * an entry that @c lent out -- a handle of another cache, a copy of one
 * taken back whose entry has been released or refilled since, one never
 * filled -- or if its dma, len or dir are not the entry's.  (A copy of a
 * handle whose entry is still lent to another caller passes: lenders of
 * one entry are counted, not named.)
 */
int rcache_unmap(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_sync_for_cpu() - let the CPU read what the device wrote so far
 * @c: the cache
 * @h: the handle filled by rcache_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rcache_unmap() would refuse.
 */
int rcache_sync_for_cpu(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_sync_for_device() - hand the buffer back to the device
 * @c: the cache
 * @h: the handle filled by rcache_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rcache_unmap() would refuse.
 */
int rcache_sync_for_device(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_reclaim() - release the idle entries nobody else needs
 * @c: the cache
 *
 * An idle entry is released when its page is referenced by the cache alone.
 *
 * Return: the number of entries released.
 */
size_t rcache_reclaim(struct rcache *c);
/**
 * rcache_shrink() - release idle entries, least recently used first
 * @c: the cache
 * @nr: the most entries to release
 *
 * Return: the number of entries released, at most @nr.
 */
size_t rcache_shrink(struct rcache *c, size_t nr);
/**
 * rcache_destroy() - release every entry and free the cache
 * @c: the cache
 *
 * Return: 0; -EBUSY (nothing freed) if entries are lent out.
 */
int rcache_destroy(struct rcache *c);
/**
 * rcache_stats() - read a cache's counters
 * @c: the cache
 * @out: receives @c's counters; in_use counts the entries lent out now
 */
void rcache_stats(struct rcache *c, struct reuse_stats *out);

#endif
