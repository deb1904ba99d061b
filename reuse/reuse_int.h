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

/* A 64-bit finaliser (splitmix64's): every output bit depends on every input bit. */
static inline uint64_t mix64(uint64_t k)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ull;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebull;
	return k ^ (k >> 31);
}

/* Add @v to the atomic int @a; returns the value before. */
static inline int ratomic_add(osdep_atomic_t *a, int v)
{
	return osdep_atomic_add_return(a, v) - v;
}

#define RPAGE_SHIFT 12
#define RPAGE_MASK (~((size_t)PAGE_SIZE - 1))

/* Pages that [@offset, +@len) touches; the caller checked the span (rspan_ok). */
static inline size_t rpages_spanned(size_t offset, size_t len)
{
	return ((offset & (PAGE_SIZE - 1)) + len + PAGE_SIZE - 1) / PAGE_SIZE;
}

/*
 * Overflow-checked spans.  Every address or length the layer derives from a
 * caller's numbers is checked before the OS sees it: a sum that wraps names
 * memory the caller never had (another owner's page), and the OS's map call
 * need not notice (Linux's dma_map_page() computes page + offset unchecked).
 * Spans end at least a page below the top of size_t, so that rounding one to
 * pages (rpages_spanned()) cannot wrap either.
 */
#define RSPAN_END_MAX ((size_t)-1 - PAGE_SIZE)

/* *@sum = @a + @b; false if that wraps. */
static inline bool radd_ok(size_t a, size_t b, size_t *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

/* *@prod = @a * @b; false if that wraps. */
static inline bool rmul_ok(size_t a, size_t b, size_t *prod)
{
	return !__builtin_mul_overflow(a, b, prod);
}

/*
 * Whether [@offset, @offset + @len) of @page's block may be handed to the
 * OS: nonempty, no sum wrapping, and memory by the binding's reckoning
 * (osdep_page_span_ok(), which computes the page's own address).
 */
static inline bool rspan_ok(osdep_dev_t *d, osdep_page_t page, size_t offset, size_t len)
{
	size_t end;

	return len && radd_ok(offset, len, &end) && end <= RSPAN_END_MAX &&
	       osdep_page_span_ok(d, page, offset, len);
}

/* Whether @len bytes (1 or more) at CPU address @cpu stay below the top of the address space. */
static inline bool rcpu_span_ok(const void *cpu, size_t len)
{
	uintptr_t end;

	return cpu && len && !__builtin_add_overflow((uintptr_t)cpu, len, &end) &&
	       end <= (uintptr_t)-1 - PAGE_SIZE;
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
