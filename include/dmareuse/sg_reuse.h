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

#define SG_REUSE_MARKED 1u
#define SG_REUSE_STOPPED 2u

/**
 * sg_mark_reusable() - promise that @sg[0..@nents) will be handed to the
 * device again; registered with @r at first use.  @cb(arg, mo) runs at
 * stop-reuse once the mapping is gone.  -EINVAL if already marked.
 */
int sg_mark_reusable(struct scatterlist *sg, int nents, struct rreuse *r,
		     rmo_unmap_cb cb, void *arg);
/**
 * sg_mark_stop_reuse() - end reuse: unmap (invalidation complete), run the
 * callback, unpin.  -EBUSY with a transfer in flight; -EINVAL if the list
 * was never marked or is already stopped (stop-reuse twice).
 */
int sg_mark_stop_reuse(struct scatterlist *sg);
/** sg_is_reusable() - marked and not stopped. */
bool sg_is_reusable(const struct scatterlist *sg);

/**
 * reuse_map_sg() - the lower-layer hook.  Marked list: map once or just sync
 * for the device, fill dma_address/dma_length; returns 0.  Unmarked list:
 * -ENOENT (map it normally).  After stop-reuse: -ESTALE (use after
 * stop-reuse).  A marked list whose pages, lengths or direction changed
 * since registration: -EINVAL.
 */
int reuse_map_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir);
/** reuse_unmap_sg() - marked list: sync for the CPU, keep the mapping. */
int reuse_unmap_sg(struct scatterlist *sg, int nents, enum dma_data_direction dir);

#endif
