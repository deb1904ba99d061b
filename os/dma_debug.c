// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_debug.c - records of live mappings, to turn API misuse into errors.
 *
 * The idea of Linux's CONFIG_DMA_API_DEBUG: every map adds a record keyed by
 * DMA address, every unmap and sync must find a matching one.  A hash of
 * DBG_BUCKETS chains, each under its own lock, keeps CPUs apart.  A
 * scatterlist entry's record also says which list it belongs to, where in
 * it, and with how many entries the list was mapped, so that an unmap of
 * part of a list, or of more than one list, is refused as Linux's
 * dma-debug refuses a "different entry count".
 */
#include "os_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>

#include <dmareuse/mthread.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static inline size_t bucket_of(dma_addr_t addr)
{
	return (size_t)((addr >> PAGE_SHIFT) ^ (addr >> 20) ^ addr) % DBG_BUCKETS;
}

void dma_debug_init(struct dma_debug *d)
{
	for (size_t i = 0; i < DBG_BUCKETS; i++) {
		mlock_init(&d->b[i].lock, "dma-debug bucket", MLOCK_MODELLED);
		d->b[i].head = NULL;
	}
	atomic_store(&d->live, 0);
}

size_t dma_debug_destroy(struct dma_debug *d)
{
	size_t n = 0;

	for (size_t i = 0; i < DBG_BUCKETS; i++) {
		struct dma_debug_entry *e = d->b[i].head, *next;

		for (; e; e = next, n++) {
			next = e->next;
			free(e);
		}
		d->b[i].head = NULL;
		mlock_destroy(&d->b[i].lock);
	}
	return n;
}

int dma_debug_add(struct dma_debug *d, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, enum dbg_kind kind,
		  phys_addr_t phys, const struct dbg_sg_pos *sg)
{
	struct dma_debug_entry *e = lab_malloc(sizeof(*e));
	size_t b = bucket_of(addr);

	if (!e)
		return -ENOMEM;
	*e = (struct dma_debug_entry){
		.addr = addr, .size = size, .dir = dir, .kind = kind, .phys = phys,
	};
	if (sg)
		e->sg = *sg;
	mlock_lock(&d->b[b].lock);
	mcost(COST_HASH);
	e->next = d->b[b].head;
	d->b[b].head = e;
	mlock_unlock(&d->b[b].lock);
	atomic_fetch_add(&d->live, 1);
	return 0;
}

/* Does record @e sit where @want says?  NULL, or why not (into @buf). */
static const char *sg_pos_mismatch(const struct dma_debug_entry *e,
				   const struct dbg_sg_pos *want, char *buf, size_t len)
{
	if (e->sg.nents != want->nents) {
		snprintf(buf, len, "the list was mapped with %d entries, not %d; expected "
			 "the nents given to dma_map_sg()", e->sg.nents, want->nents);
		return buf;
	}
	if (e->sg.first != want->first || e->sg.index != want->index) {
		snprintf(buf, len, "entry %d is entry %d of the list mapped at %#llx, not of "
			 "the list at %#llx; expected the list as dma_map_sg() left it",
			 want->index, e->sg.index, (unsigned long long)e->sg.first,
			 (unsigned long long)want->first);
		return buf;
	}
	if (e->sg.pages != want->pages) {
		snprintf(buf, len, "the list was mapped %s but its entries now say %s; "
			 "expected its CPU side unchanged since dma_map_sg()",
			 e->sg.pages ? "as one IOVA range" : "entry by entry",
			 want->pages ? "one IOVA range" : "entry by entry");
		return buf;
	}
	return NULL;
}

/* Does record @e answer the call?  NULL, or why not. */
static const char *mismatch(const struct dma_debug_entry *e, size_t size,
			    enum dma_data_direction dir, enum dbg_kind kind,
			    const struct dbg_sg_pos *sg, bool sync, char *buf, size_t len)
{
	if (e->kind != kind)
		return "mapped by a different API (single/sg/coherent)";
	if (sync ? size > e->size : size != e->size)
		return sync ? "sync size exceeds the mapping" : "size differs from the size mapped";
	if (dir != e->dir && !(sync && e->dir == DMA_BIDIRECTIONAL))
		return "direction differs from the direction mapped";
	if (sg && kind == DBG_SG)
		return sg_pos_mismatch(e, sg, buf, len);
	return NULL;
}

/*
 * Several records may share a DMA address: under passthrough the address
 * is the physical one, and one buffer may be mapped twice (for each
 * direction, say), as Linux's dma-debug allows.  The call is checked
 * against each of them and takes the one it matches; refused, it says why
 * the first of them does not match.
 */
int dma_debug_check(struct dma_debug *d, dma_addr_t addr, size_t size,
		    enum dma_data_direction dir, enum dbg_kind kind,
		    const struct dbg_sg_pos *sg, bool take, bool sync,
		    const char **why, char *buf, size_t len)
{
	size_t b = bucket_of(addr);
	struct dma_debug_entry **pp, *e;
	const char *first = NULL;
	char other[256];

	mlock_lock(&d->b[b].lock);
	mcost(COST_HASH);
	for (pp = &d->b[b].head; (e = *pp); pp = &e->next) {
		const char *w;

		if (e->addr != addr)
			continue;
		w = mismatch(e, size, dir, kind, sg, sync, first ? other : buf,
			     first ? sizeof(other) : len);
		if (!w)
			break;
		if (!first)
			first = w;
	}
	if (!e) {
		mlock_unlock(&d->b[b].lock);
		*why = first ? first : sync ? "sync of an address that is not mapped" :
			"address was never mapped or is already unmapped";
		return -EINVAL;
	}
	if (take) {
		*pp = e->next;
		free(e);
		atomic_fetch_sub(&d->live, 1);
	}
	mlock_unlock(&d->b[b].lock);
	return 0;
}

void dma_debug_for_each(struct dma_debug *d,
			void (*fn)(void *arg, const struct dma_debug_entry *e),
			void *arg)
{
	for (size_t i = 0; i < DBG_BUCKETS; i++) {
		mlock_lock(&d->b[i].lock);
		for (struct dma_debug_entry *e = d->b[i].head; e; e = e->next)
			fn(arg, e);
		mlock_unlock(&d->b[i].lock);
	}
}
