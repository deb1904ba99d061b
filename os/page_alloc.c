// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * page_alloc.c - the buddy page allocator over the machine's arena.
 *
 * Classic binary buddy (Knuth; Linux mm/page_alloc.c): free blocks of order
 * 0..PAGE_MAX_ORDER sit on doubly linked free lists threaded through per-frame
 * arrays; freeing merges a block with its buddy while the buddy is a free
 * block of the same order.
 *
 * Every frame carries a refcount (on the block's head), an owner tag and a
 * generation.  The generation is bumped for every frame of a block when the
 * block is freed, so "frame F, generation G" names one lifetime of F: the
 * oracle calls a DMA that reaches F with a generation other than the one
 * it was mapped with a breach.  refcount/owner/generation are atomics so
 * that observers on device threads may read them without the zone lock.
 *
 * Lock: zone_lock protects the free lists and state[]/order[].  The free
 * hooks run outside it.
 */
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/os.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NO_FRAME (~(pfn_t)0)
#define MAX_HOOKS 4

enum frame_state { F_TAIL = 0, F_FREE_HEAD = 1, F_USED_HEAD = 2 };

struct page_alloc {
	struct machine *m;
	size_t nframes;
	struct mlock zone_lock;
	pfn_t free_head[PAGE_MAX_ORDER + 1];
	pfn_t *next, *prev;		/* free-list links, valid for free heads */
	uint8_t *state;			/* enum frame_state */
	uint8_t *order;			/* order of the block a head starts */
	pfn_t *head;			/* used frames: head of their block */
	_Atomic uint32_t *refcount;	/* on heads */
	_Atomic uint32_t *owner;
	_Atomic uint32_t *gen;
	size_t nfree;
	bool ready;			/* fully constructed */
	unsigned int nhooks;
	struct { page_free_hook_fn fn; void *arg; } hooks[MAX_HOOKS];
};

static void list_add(struct page_alloc *pa, pfn_t pfn, unsigned int order)
{
	pfn_t h = pa->free_head[order];

	pa->next[pfn] = h;
	pa->prev[pfn] = NO_FRAME;
	if (h != NO_FRAME)
		pa->prev[h] = pfn;
	pa->free_head[order] = pfn;
	pa->state[pfn] = F_FREE_HEAD;
	pa->order[pfn] = (uint8_t)order;
}

static void list_del(struct page_alloc *pa, pfn_t pfn, unsigned int order)
{
	if (pa->prev[pfn] != NO_FRAME)
		pa->next[pa->prev[pfn]] = pa->next[pfn];
	else
		pa->free_head[order] = pa->next[pfn];
	if (pa->next[pfn] != NO_FRAME)
		pa->prev[pa->next[pfn]] = pa->prev[pfn];
	pa->state[pfn] = F_TAIL;
}

/* Free one block into the lists, merging with free buddies.  Under zone_lock. */
static void free_block_locked(struct page_alloc *pa, pfn_t pfn, unsigned int order)
{
	mlock_assert_held(&pa->zone_lock);

	while (order < PAGE_MAX_ORDER) {
		pfn_t buddy = pfn ^ ((pfn_t)1 << order);

		if (buddy >= pa->nframes || pa->state[buddy] != F_FREE_HEAD ||
		    pa->order[buddy] != order)
			break;
		list_del(pa, buddy, order);
		pfn &= ~((pfn_t)1 << order);
		order++;
	}
	list_add(pa, pfn, order);
}

struct page_alloc *page_alloc_create(struct machine *m)
{
	struct page_alloc *pa = lab_calloc(1, sizeof(*pa));
	size_t n = machine_mem(m)->nframes;

	if (!pa)
		return NULL;
	pa->m = m;
	pa->nframes = n;
	pa->next = lab_malloc(n * sizeof(*pa->next));
	pa->prev = lab_malloc(n * sizeof(*pa->prev));
	pa->head = lab_malloc(n * sizeof(*pa->head));
	pa->state = lab_calloc(n, 1);
	pa->order = lab_calloc(n, 1);
	pa->refcount = lab_calloc(n, sizeof(*pa->refcount));
	pa->owner = lab_calloc(n, sizeof(*pa->owner));
	pa->gen = lab_calloc(n, sizeof(*pa->gen));
	if (!pa->next || !pa->prev || !pa->head || !pa->state || !pa->order ||
	    !pa->refcount || !pa->owner || !pa->gen) {
		page_alloc_destroy(pa);
		return NULL;
	}
	mlock_init(&pa->zone_lock, "zone", MLOCK_FREE);
	for (unsigned int o = 0; o <= PAGE_MAX_ORDER; o++)
		pa->free_head[o] = NO_FRAME;
	/* Frame 0 is reserved; hand out the rest as the largest aligned blocks. */
	for (pfn_t p = 1; p < n;) {
		unsigned int o = PAGE_MAX_ORDER;

		while (o && ((p & (((pfn_t)1 << o) - 1)) || p + ((pfn_t)1 << o) > n))
			o--;
		list_add(pa, p, o);
		p += (pfn_t)1 << o;
	}
	pa->nfree = n - 1;
	pa->state[0] = F_USED_HEAD;
	pa->ready = true;
	return pa;
}

size_t page_alloc_destroy(struct page_alloc *pa)
{
	size_t used;

	if (!pa)
		return 0;
	used = pa->ready ? pa->nframes - 1 - pa->nfree : 0;
	if (used)
		fprintf(stderr, "page_alloc: %zu frame(s) still allocated at teardown\n",
			used);
	if (pa->ready)
		mlock_destroy(&pa->zone_lock);
	free(pa->next);
	free(pa->prev);
	free(pa->head);
	free(pa->state);
	free(pa->order);
	free(pa->refcount);
	free(pa->owner);
	free(pa->gen);
	free(pa);
	return used;
}

struct machine *page_alloc_machine(const struct page_alloc *pa)
{
	return pa->m;
}

int pages_alloc(struct page_alloc *pa, unsigned int order, uint32_t owner,
		bool zero, pfn_t *out)
{
	unsigned int o;
	pfn_t pfn;

	if (order > PAGE_MAX_ORDER || !owner)
		return -EINVAL;
	if (failinject_should_fail())
		return -ENOMEM;
	mcost(COST_PAGE_ALLOC);
	mlock_lock(&pa->zone_lock);
	for (o = order; o <= PAGE_MAX_ORDER && pa->free_head[o] == NO_FRAME; o++)
		;
	if (o > PAGE_MAX_ORDER) {
		mlock_unlock(&pa->zone_lock);
		return -ENOMEM;
	}
	pfn = pa->free_head[o];
	list_del(pa, pfn, o);
	while (o > order) {	/* split, keeping the low half */
		o--;
		list_add(pa, pfn + ((pfn_t)1 << o), o);
	}
	pa->state[pfn] = F_USED_HEAD;
	pa->order[pfn] = (uint8_t)order;
	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++) {
		pa->head[pfn + i] = pfn;
		atomic_store_explicit(&pa->owner[pfn + i], owner, memory_order_relaxed);
	}
	atomic_store_explicit(&pa->refcount[pfn], 1, memory_order_relaxed);
	pa->nfree -= (size_t)1 << order;
	mlock_unlock(&pa->zone_lock);
	if (zero) {
		memset(phys_to_virt(pa->m, pfn << PAGE_SHIFT), 0, PAGE_SIZE << order);
		mcost_n(COST_COPY_BYTE, PAGE_SIZE << order);	/* zeroing runs at copy speed */
	}
	*out = pfn;
	return 0;
}

static bool is_used_head(const struct page_alloc *pa, pfn_t pfn)
{
	return pfn && pfn < pa->nframes && pa->state[pfn] == F_USED_HEAD &&
	       atomic_load(&pa->refcount[pfn]) > 0;
}

void page_get(struct page_alloc *pa, pfn_t pfn)
{
	if (pfn >= pa->nframes || !atomic_load(&pa->refcount[pfn])) {
		fprintf(stderr, "page_get: frame %#llx is not an allocated block head\n",
			(unsigned long long)pfn);
		return;
	}
	atomic_fetch_add(&pa->refcount[pfn], 1);
	mcost(COST_PAGE_REF);
}

bool page_put(struct page_alloc *pa, pfn_t pfn)
{
	uint32_t old;
	unsigned int order;

	if (pfn >= pa->nframes || !pfn) {
		fprintf(stderr, "page_put: frame %#llx out of range\n",
			(unsigned long long)pfn);
		return false;
	}
	old = atomic_load(&pa->refcount[pfn]);
	do {
		if (!old) {
			fprintf(stderr, "page_put: frame %#llx is free (double free)\n",
				(unsigned long long)pfn);
			return false;
		}
	} while (!atomic_compare_exchange_weak(&pa->refcount[pfn], &old, old - 1));
	mcost(COST_PAGE_REF);
	if (old != 1)
		return false;
	mcost(COST_PAGE_FREE);

	mlock_lock(&pa->zone_lock);
	order = pa->order[pfn];
	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++) {
		atomic_fetch_add_explicit(&pa->gen[pfn + i], 1, memory_order_release);
		atomic_store_explicit(&pa->owner[pfn + i], 0, memory_order_relaxed);
	}
	mlock_unlock(&pa->zone_lock);
	/* Hooks see the frames dead but not yet reusable. */
	for (unsigned int h = 0; h < pa->nhooks; h++)
		pa->hooks[h].fn(pa->hooks[h].arg, pfn, order);
	mlock_lock(&pa->zone_lock);
	pa->nfree += (size_t)1 << order;
	free_block_locked(pa, pfn, order);
	mlock_unlock(&pa->zone_lock);
	return true;
}

unsigned int page_refcount(const struct page_alloc *pa, pfn_t pfn)
{
	return pfn < pa->nframes ? atomic_load(&pa->refcount[pfn]) : 0;
}

uint32_t page_owner(const struct page_alloc *pa, pfn_t pfn)
{
	return pfn < pa->nframes ? atomic_load(&pa->owner[pfn]) : 0;
}

uint32_t page_generation(const struct page_alloc *pa, pfn_t pfn)
{
	return pfn < pa->nframes ?
		/* Pairs with the release increment when the frame is freed. */
		atomic_load_explicit(&pa->gen[pfn], memory_order_acquire) : 0;
}

pfn_t page_head(const struct page_alloc *pa, pfn_t pfn)
{
	pfn_t h;

	if (pfn >= pa->nframes || !atomic_load(&pa->owner[pfn]))
		return NO_FRAME;
	mlock_lock((struct mlock *)&pa->zone_lock);
	h = pa->head[pfn];
	if (!is_used_head(pa, h))
		h = NO_FRAME;
	mlock_unlock((struct mlock *)&pa->zone_lock);
	return h;
}

size_t page_alloc_free_frames(const struct page_alloc *pa)
{
	size_t n;

	mlock_lock((struct mlock *)&pa->zone_lock);
	n = pa->nfree;
	mlock_unlock((struct mlock *)&pa->zone_lock);
	return n;
}

size_t page_alloc_used_frames(const struct page_alloc *pa)
{
	return pa->nframes - 1 - page_alloc_free_frames(pa);
}

int page_alloc_add_free_hook(struct page_alloc *pa, page_free_hook_fn fn,
			     void *arg)
{
	if (pa->nhooks == MAX_HOOKS) {
		fprintf(stderr, "page_alloc: free hook refused: all %d hook slots are taken\n",
			MAX_HOOKS);
		return -ENOSPC;
	}
	pa->hooks[pa->nhooks].arg = arg;
	pa->hooks[pa->nhooks].fn = fn;
	pa->nhooks++;
	return 0;
}
