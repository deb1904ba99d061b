// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * swiotlb.c - bounce buffers for untrusted devices' sub-page buffers.
 *
 * Layout as Linux's kernel/dma/swiotlb.c: a pool of 2 KiB slots; an
 * allocation is a run of contiguous slots that never crosses a 128-slot
 * segment; the pool is split into per-CPU areas, each with its own lock and
 * search cursor, so CPUs do not contend.  Different from Linux in one
 * respect, chosen for isolation: a bounce buffer always starts on a page
 * boundary and owns whole pages (the original's offset inside its page is
 * kept), and the unused bytes of those pages are zeroed, so the IOVA pages
 * mapped for it expose nothing but this buffer.
 *
 * Every slot of a run records the buffer (original and bounce addresses of
 * its first byte, its size), the device it was bounced for and the slots
 * left to the run's end, as Linux keeps orig_addr per slot: a sync of a
 * sub-range, which may start in any slot, finds the buffer from its own
 * slot and copies between the matching offsets of bounce and original.
 * The metadata is written by the allocating CPU under its area lock and
 * read at unmap/sync by whoever holds the mapping; the DMA API's ownership
 * rules order the two.  The owner lets a device's teardown free the slots
 * of buffers it never unmapped, whether or not dma_debug recorded them
 * (the pool is shared by every device: a leak would starve the others).
 */
#include "os_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SWIOTLB_SLOT_SIZE 2048
#define SWIOTLB_SEGSIZE 128		/* slots: largest contiguous bounce */
#define SLOTS_PER_PAGE (PAGE_SIZE / SWIOTLB_SLOT_SIZE)

struct swiotlb_slot {
	phys_addr_t orig;	/* the original buffer's first byte */
	phys_addr_t tlb;	/* the bounce buffer's first byte */
	size_t size;		/* bytes bounced */
	const void *owner;	/* the device it was bounced for */
	unsigned int run;	/* slots from this one to the run's end; 0 = free */
};

struct swiotlb_area {
	struct mlock lock;	/* protects slots[first, first + n) and index */
	size_t first, n, index;
};

struct swiotlb {
	pfn_t pfn;
	unsigned int order;
	phys_addr_t start;
	size_t nslots;
	struct swiotlb_slot *slot;
	unsigned int nareas;
	struct swiotlb_area *area;
	_Atomic size_t used;
};

struct swiotlb *swiotlb_create(struct os *os, size_t bytes)
{
	struct swiotlb *s = lab_calloc(1, sizeof(*s));
	unsigned int order = 0;
	size_t nseg;

	if (!s)
		return NULL;
	while ((PAGE_SIZE << order) < bytes && order < PAGE_MAX_ORDER)
		order++;
	if (pages_alloc(os->pa, order, OWNER_SWIOTLB, true, &s->pfn))
		goto out_free;
	s->order = order;
	s->start = s->pfn << PAGE_SHIFT;
	s->nslots = (PAGE_SIZE << order) / SWIOTLB_SLOT_SIZE;
	nseg = s->nslots / SWIOTLB_SEGSIZE;
	if (!nseg)
		nseg = 1;
	s->nareas = os->ncpus < nseg ? os->ncpus : (unsigned int)nseg;
	s->slot = lab_calloc(s->nslots, sizeof(*s->slot));
	s->area = lab_calloc(s->nareas, sizeof(*s->area));
	if (!s->slot || !s->area)
		goto out_pages;
	for (unsigned int a = 0; a < s->nareas; a++) {
		size_t segs = nseg / s->nareas;

		s->area[a].first = a * segs * SWIOTLB_SEGSIZE;
		s->area[a].n = a == s->nareas - 1 ? s->nslots - s->area[a].first :
			segs * SWIOTLB_SEGSIZE;
		mlock_init(&s->area[a].lock, "swiotlb area", MLOCK_MODELLED);
	}
	return s;

out_pages:
	free(s->slot);
	free(s->area);
	page_put(os->pa, s->pfn);
out_free:
	free(s);
	return NULL;
}

void swiotlb_destroy(struct os *os, struct swiotlb *s)
{
	if (!s)
		return;
	if (atomic_load(&s->used))
		fprintf(stderr, "swiotlb: %zu slot(s) still in use at teardown\n",
			atomic_load(&s->used));
	for (unsigned int a = 0; a < s->nareas; a++)
		mlock_destroy(&s->area[a].lock);
	page_put(os->pa, s->pfn);
	free(s->slot);
	free(s->area);
	free(s);
}

bool swiotlb_owns(const struct swiotlb *s, phys_addr_t pa)
{
	return pa >= s->start && pa < s->start + s->nslots * SWIOTLB_SLOT_SIZE;
}

size_t swiotlb_used(struct swiotlb *s)
{
	return atomic_load(&s->used);
}

/* Find @need free slots, page aligned, within one segment.  Under a->lock. */
static long area_find_locked(struct swiotlb *s, struct swiotlb_area *a, size_t need)
{
	mlock_assert_held(&a->lock);

	for (size_t tries = 0; tries < a->n; tries += SLOTS_PER_PAGE) {
		size_t i = a->first + (a->index + tries) % a->n;
		size_t k;

		i -= i % SLOTS_PER_PAGE;
		if ((i % SWIOTLB_SEGSIZE) + need > SWIOTLB_SEGSIZE ||
		    i + need > a->first + a->n)
			continue;
		for (k = 0; k < need && !s->slot[i + k].run; k++)
			;
		if (k == need) {
			a->index = (i - a->first + need) % a->n;
			return (long)i;
		}
	}
	return -1;
}

phys_addr_t swiotlb_map(struct swiotlb *s, struct machine *m, phys_addr_t orig,
			size_t size, enum dma_data_direction dir, const void *owner)
{
	size_t off = orig & ~PAGE_MASK;
	size_t need = DIV_ROUND_UP(off + size, PAGE_SIZE) * SLOTS_PER_PAGE;
	unsigned int home = os_this_cpu() % s->nareas;
	phys_addr_t tlb = 0;
	uint8_t *va;
	long i = -1;

	if (need > SWIOTLB_SEGSIZE || failinject_should_fail())
		return 0;
	for (unsigned int t = 0; t < s->nareas && i < 0; t++) {
		struct swiotlb_area *a = &s->area[(home + t) % s->nareas];

		mlock_lock(&a->lock);
		mcost(COST_SLOT);
		i = area_find_locked(s, a, need);
		if (i >= 0) {
			tlb = s->start + (phys_addr_t)i * SWIOTLB_SLOT_SIZE + off;
			for (size_t k = 0; k < need; k++)
				s->slot[i + k] = (struct swiotlb_slot){
					.orig = orig, .tlb = tlb, .size = size,
					.owner = owner, .run = (unsigned int)(need - k),
				};
		}
		mlock_unlock(&a->lock);
	}
	if (i < 0)
		return 0;
	atomic_fetch_add(&s->used, need);
	va = phys_to_virt(m, tlb);
	/* Zero the padding so the device sees nothing of earlier users. */
	memset(va - off, 0, off);
	memset(va + size, 0, need * SWIOTLB_SLOT_SIZE - off - size);
	/*
	 * Copy the original in whatever the direction: a device that writes
	 * only part of a FROM_DEVICE buffer must leave the rest as it was, not
	 * as zeroes or as an earlier user's bytes (Linux fixed the same leak in
	 * 2022 by bouncing unconditionally at map time).
	 */
	(void)dir;
	memcpy(va, phys_to_virt(m, orig), size);
	mcost_n(COST_COPY_BYTE, need * SWIOTLB_SLOT_SIZE);	/* padding and copy */
	return tlb;
}

/* The slot holding @tlb if it belongs to a live bounce buffer, else NULL. */
static const struct swiotlb_slot *slot_of(const struct swiotlb *s, phys_addr_t tlb)
{
	const struct swiotlb_slot *sl;

	if (!swiotlb_owns(s, tlb))
		return NULL;
	sl = &s->slot[(tlb - s->start) / SWIOTLB_SLOT_SIZE];
	return sl->run ? sl : NULL;
}

bool swiotlb_find(const struct swiotlb *s, phys_addr_t tlb, phys_addr_t *start,
		  size_t *size)
{
	const struct swiotlb_slot *sl = slot_of(s, tlb);

	if (!sl)
		return false;
	*start = sl->tlb;
	*size = sl->size;
	return true;
}

/*
 * The bytes of [@tlb, @tlb + @size) inside its bounce buffer, and the
 * original address matching @tlb; 0 if @tlb is not inside a live buffer.
 * A range running past the buffer's end is cut there (the DMA API refuses
 * it before it gets here).
 */
static size_t bounce_span(const struct swiotlb *s, phys_addr_t tlb, size_t size,
			  phys_addr_t *orig)
{
	const struct swiotlb_slot *sl = slot_of(s, tlb);
	size_t off;

	if (!sl || tlb < sl->tlb || tlb - sl->tlb >= sl->size)
		return 0;
	off = tlb - sl->tlb;
	*orig = sl->orig + off;
	return size < sl->size - off ? size : sl->size - off;
}

/* Copy the part of [@tlb, +@size) inside its buffer, to the bounce slot or back. */
static void bounce_copy(struct swiotlb *s, struct machine *m, phys_addr_t tlb, size_t size,
			bool to_bounce)
{
	phys_addr_t orig;
	void *b, *o;

	size = bounce_span(s, tlb, size, &orig);
	if (!size)
		return;
	b = phys_to_virt(m, tlb);
	o = phys_to_virt(m, orig);
	memcpy(to_bounce ? b : o, to_bounce ? o : b, size);
	mcost_n(COST_COPY_BYTE, size);
}

void swiotlb_sync_for_cpu(struct swiotlb *s, struct machine *m, phys_addr_t tlb,
			  size_t size, enum dma_data_direction dir)
{
	if (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(s, m, tlb, size, false);
}

void swiotlb_sync_for_device(struct swiotlb *s, struct machine *m,
			     phys_addr_t tlb, size_t size,
			     enum dma_data_direction dir)
{
	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		bounce_copy(s, m, tlb, size, true);
}

void swiotlb_unmap(struct swiotlb *s, phys_addr_t tlb)
{
	const struct swiotlb_slot *sl = slot_of(s, tlb);
	struct swiotlb_area *a = NULL;
	size_t i, run;

	if (!sl) {
		fprintf(stderr, "swiotlb: unmap of %#llx: not a live bounce buffer\n",
			(unsigned long long)tlb);
		return;
	}
	/* The run starts on the page holding the buffer's first byte. */
	i = (sl->tlb - s->start) / SWIOTLB_SLOT_SIZE;
	i -= i % SLOTS_PER_PAGE;
	for (unsigned int k = 0; k < s->nareas; k++)
		if (i >= s->area[k].first && i < s->area[k].first + s->area[k].n)
			a = &s->area[k];
	mlock_lock(&a->lock);
	mcost(COST_SLOT);
	run = s->slot[i].run;
	for (size_t k = 0; k < run; k++)
		s->slot[i + k] = (struct swiotlb_slot){ 0 };
	mlock_unlock(&a->lock);
	atomic_fetch_sub(&s->used, run);
}

size_t swiotlb_release_owner(struct swiotlb *s, const void *owner)
{
	size_t freed = 0;

	for (unsigned int k = 0; k < s->nareas; k++) {
		struct swiotlb_area *a = &s->area[k];

		mlock_lock(&a->lock);
		/* Runs never leave their area; the first slot met is a run's head. */
		for (size_t i = a->first; i < a->first + a->n; i++) {
			size_t run = s->slot[i].run;

			if (!run || s->slot[i].owner != owner)
				continue;
			for (size_t j = 0; j < run; j++)
				s->slot[i + j] = (struct swiotlb_slot){ 0 };
			atomic_fetch_sub(&s->used, run);
			freed++;
			i += run - 1;
		}
		mlock_unlock(&a->lock);
	}
	return freed;
}
