// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_debug.c - records of live mappings, to turn API misuse into errors.
 *
 * The idea of Linux's CONFIG_DMA_API_DEBUG: every map adds a record keyed by
 * DMA address, every unmap and sync must find a matching one.  A hash of
 * DBG_BUCKETS chains, each under its own lock, keeps CPUs apart.
 */
#include "os_int.h"

#include <dmareuse/failinject.h>

#include <errno.h>
#include <stdlib.h>

static inline size_t bucket_of(dma_addr_t addr)
{
	return (size_t)((addr >> PAGE_SHIFT) ^ (addr >> 20) ^ addr) % DBG_BUCKETS;
}

void dma_debug_init(struct dma_debug *d)
{
	for (size_t i = 0; i < DBG_BUCKETS; i++) {
		pthread_mutex_init(&d->b[i].lock, NULL);
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
		pthread_mutex_destroy(&d->b[i].lock);
	}
	return n;
}

int dma_debug_add(struct dma_debug *d, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, enum dbg_kind kind,
		  phys_addr_t phys)
{
	struct dma_debug_entry *e = lab_malloc(sizeof(*e));
	size_t b = bucket_of(addr);

	if (!e)
		return -ENOMEM;
	*e = (struct dma_debug_entry){
		.addr = addr, .size = size, .dir = dir, .kind = kind, .phys = phys,
	};
	pthread_mutex_lock(&d->b[b].lock);
	e->next = d->b[b].head;
	d->b[b].head = e;
	pthread_mutex_unlock(&d->b[b].lock);
	atomic_fetch_add(&d->live, 1);
	return 0;
}

int dma_debug_check(struct dma_debug *d, dma_addr_t addr, size_t size,
		    enum dma_data_direction dir, enum dbg_kind kind, bool take,
		    bool sync, const char **why)
{
	size_t b = bucket_of(addr);
	struct dma_debug_entry **pp, *e;
	int ret = 0;

	pthread_mutex_lock(&d->b[b].lock);
	for (pp = &d->b[b].head; (e = *pp); pp = &e->next)
		if (e->addr == addr)
			break;
	if (!e) {
		*why = sync ? "sync of an address that is not mapped" :
			"address was never mapped or is already unmapped";
		ret = -EINVAL;
	} else if (e->kind != kind) {
		*why = "mapped by a different API (single/sg/coherent)";
		ret = -EINVAL;
	} else if (sync ? size > e->size : size != e->size) {
		*why = sync ? "sync size exceeds the mapping" :
			"size differs from the size mapped";
		ret = -EINVAL;
	} else if (dir != e->dir && !(sync && e->dir == DMA_BIDIRECTIONAL)) {
		*why = "direction differs from the direction mapped";
		ret = -EINVAL;
	} else if (take) {
		*pp = e->next;
		free(e);
		atomic_fetch_sub(&d->live, 1);
	}
	pthread_mutex_unlock(&d->b[b].lock);
	return ret;
}

void dma_debug_for_each(struct dma_debug *d,
			void (*fn)(void *arg, const struct dma_debug_entry *e),
			void *arg)
{
	for (size_t i = 0; i < DBG_BUCKETS; i++) {
		pthread_mutex_lock(&d->b[i].lock);
		for (struct dma_debug_entry *e = d->b[i].head; e; e = e->next)
			fn(arg, e);
		pthread_mutex_unlock(&d->b[i].lock);
	}
}
