/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse_int.h - private helpers of the reuse layer: an intrusive list and
 * small utilities.  OS-neutral like the rest of reuse/.
 */
#ifndef DMAREUSE_REUSE_INT_H
#define DMAREUSE_REUSE_INT_H

#include <dmareuse/reuse.h>

#include "osdep.h"

struct rlist {
	struct rlist *prev, *next;
};

static inline void rlist_init(struct rlist *h)
{
	h->prev = h->next = h;
}

static inline bool rlist_empty(const struct rlist *h)
{
	return h->next == h;
}

static inline void rlist_add(struct rlist *h, struct rlist *n)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static inline void rlist_add_tail(struct rlist *h, struct rlist *n)
{
	rlist_add(h->prev, n);
}

static inline void rlist_del(struct rlist *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

#define rlist_entry(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * A path kept out of its caller's body (misuse, a miss): the hit path stays
 * short and contiguous -- fewer instruction-cache lines on hardware, fewer
 * translation-block hops under an emulator.  GCC and clang both know it.
 */
#define RSLOWPATH __attribute__((__noinline__, __cold__))

/* Add @v to the atomic int @a; returns the value before. */
static inline int ratomic_add(osdep_atomic_t *a, int v)
{
	return osdep_atomic_add_return(a, v) - v;
}

#define RPAGE_SHIFT 12
#define RPAGE_MASK (~((size_t)PAGE_SIZE - 1))

static inline size_t rpages_spanned(size_t offset, size_t len)
{
	return ((offset & (PAGE_SIZE - 1)) + len + PAGE_SIZE - 1) / PAGE_SIZE;
}

static inline bool dir_to_device(enum dma_data_direction d)
{
	return d == DMA_TO_DEVICE || d == DMA_BIDIRECTIONAL;
}

static inline bool dir_from_device(enum dma_data_direction d)
{
	return d == DMA_FROM_DEVICE || d == DMA_BIDIRECTIONAL;
}

static inline bool dir_ok(enum dma_data_direction d)
{
	return d == DMA_TO_DEVICE || d == DMA_FROM_DEVICE || d == DMA_BIDIRECTIONAL;
}

#endif
