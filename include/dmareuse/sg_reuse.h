/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * sg_reuse.h - the seed's reusable scatterlists, made real in the lab.
 *
 * The upper layer (zswap, say) marks a scatterlist it will hand to the
 * driver again and again:
 *
 *	sg_init_table(sg, n); sg_set_page(...);
 *	sg_mark_reusable(sg, n, registry, unmap_cb, arg);
 *	... use it many times ...
 *	sg_mark_stop_reuse(sg);
 *
 * The lower layer maps every scatterlist through reuse_map_sg(): a marked
 * list is mapped once (a map-once registration, rmo) at first use and only
 * synced afterwards; an unmarked list is left to the driver's own mapping
 * (-ENOENT).  At stop-reuse the mapping is unmapped with a synchronous
 * invalidation, the unmap callback runs, and the pages are unpinned -- so
 * they are unmapped before they can go back to the page allocator.
 *
 * The flag lives in the lab's struct scatterlist (reuse_flags/reuse_ctx of
 * entry 0).  Linux's struct scatterlist has no room for it from outside the
 * tree, so the kernel module offers the same thing through the map-once API.
 */
#ifndef DMAREUSE_SG_REUSE_H
#define DMAREUSE_SG_REUSE_H

#include <dmareuse/reuse.h>
#include <dmareuse/scatterlist.h>

/**
 * sg_mark_reusable() - promise that @sg[0..@nents) will be handed to the
 * device again
 * @sg: the scatterlist
 * @nents: number of entries in @sg, 1..RMO_MAX_SEGS
 * @r: the registry the list is registered with at first use; not NULL
 * @cb: runs as @cb(arg, mo) at stop-reuse once the mapping is gone
 * @arg: passed to @cb
 *
 * Only marks: nothing is mapped until reuse_map_sg().  A list whose reuse
 * was stopped may be marked again.
 *
 * Context: the list's owner; the list is not locked.
 * Return: 0; -EINVAL (logged) if already marked, or for @nents out of
 * range or a NULL @r; -ENOMEM.
 */
int sg_mark_reusable(struct scatterlist *sg, int nents, struct rreuse *r,
		     rmo_unmap_cb cb, void *arg);
/**
 * sg_mark_stop_reuse() - end reuse
 * @sg: a scatterlist marked with sg_mark_reusable()
 *
 * Unmap (invalidation complete), run the callback, unpin -- if the list
 * was ever mapped; then the list is marked stopped.
 *
 * Context: the list's owner (the list is not locked); takes the registry's
 * lock.
 * Return: 0; -EBUSY with a transfer in flight (nothing changes); -EINVAL
 * (logged) if the list was never marked or is already stopped (stop-reuse
 * twice).
 */
int sg_mark_stop_reuse(struct scatterlist *sg);
/**
 * sg_is_reusable() - whether a scatterlist is marked for reuse
 * @sg: the scatterlist
 *
 * Context: the list's owner; the list is not locked.
 * Return: true if @sg is marked reusable and reuse was not stopped.
 */
bool sg_is_reusable(const struct scatterlist *sg);

/**
 * reuse_map_sg() - the lower-layer hook
 * @sg: the scatterlist
 * @nents: number of entries in @sg
 * @dir: direction of the transfer
 *
 * Marked list: map once (register at first use) or just sync for the
 * device, fill dma_address/dma_length.
 *
 * Context: the list's owner (the list is not locked); the first use
 * registers under the registry's lock, later uses take no lock.
 * Return: 0 for a marked list.  Unmarked list: -ENOENT (map it normally).
 * After stop-reuse: -ESTALE (use after stop-reuse).  A marked list whose
 * @nents, pages, lengths or direction changed since registration, or that
 * the device already owns (mapped twice): -EINVAL.  A first use whose
 * entries rmo_register() refuses (an empty entry, one whose page + offset
 * + length wraps or lies outside memory, an invalid @dir; logged and
 * counted by the registry, nothing mapped): -EINVAL.  Registration without
 * memory: -ENOMEM.
 */
int reuse_map_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir);
/**
 * reuse_unmap_sg() - the lower-layer hook at the end of a transfer
 * @sg: the scatterlist
 * @nents: number of entries in @sg
 * @dir: direction of the transfer
 *
 * Marked list: sync for the CPU and keep the mapping.
 *
 * Context: the list's owner (the list is not locked); takes no lock.
 * Return: 0 for a marked list.  Unmarked list, or one never mapped by
 * reuse_map_sg(): -ENOENT.  After stop-reuse: -ESTALE.  @nents or @dir not
 * those of the registration, or the device does not own the list: -EINVAL.
 */
int reuse_unmap_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir);

#endif
