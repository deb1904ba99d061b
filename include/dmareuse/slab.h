/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * slab.h - a kmalloc-like allocator for small buffers, over the page
 * allocator.
 *
 * Objects of up to SLAB_MAX_SIZE bytes come from power-of-two classes,
 * 64 B .. 2 KiB (kmalloc's), each slab page cut into PAGE_SIZE / class
 * objects.  So several buffers share a page, as socket buffers and other
 * kmalloc'ed DMA buffers do in Linux: a device that can reach one buffer's
 * page reaches its neighbours, which is what makes sub-page exposure real
 * in the lab.  Larger buffers belong to the page allocator.
 *
 * A struct slab has one owner at a time and no lock: it stands for one
 * CPU's slab (the net workload gives each CPU thread its own).
 *
 * Errors: slab_create() and slab_alloc() return NULL; a bad size or a
 * pointer that is not one of the slab's objects is logged on stderr and
 * changes nothing.
 */
#ifndef DMAREUSE_SLAB_H
#define DMAREUSE_SLAB_H

#include <dmareuse/os.h>

#define SLAB_MAX_SIZE 2048	/* the largest object; larger: the page allocator */

struct slab;

/**
 * slab_create() - an empty slab
 * @pa: the page allocator its pages come from
 * @owner: the nonzero owner tag its pages get (page_owner())
 *
 * Context: any thread.
 * Return: the slab, or NULL for an owner of 0 (logged) or on allocation
 * failure.
 */
struct slab *slab_create(struct page_alloc *pa, uint32_t owner);
/**
 * slab_destroy() - free a slab and every page it holds
 * @sl: the slab; NULL is a no-op
 *
 * Objects still allocated are freed with their pages.
 *
 * Context: the slab's owner; no object of @sl may be used any more.
 * Return: the number of objects that were still allocated (leaks); 0 for
 * NULL.
 */
size_t slab_destroy(struct slab *sl);
/**
 * slab_alloc() - an object of at least @size bytes
 * @sl: the slab
 * @size: 1..SLAB_MAX_SIZE
 *
 * The object is the smallest class that holds @size, aligned to the class
 * size inside its page, not zeroed.  A class with no room takes a new page
 * (not zeroed either).
 *
 * Context: the slab's owner.
 * Return: the object's CPU address, or NULL for a size out of range
 * (logged) or when no page or metadata can be had.
 */
void *slab_alloc(struct slab *sl, size_t size);
/**
 * slab_free() - give an object back
 * @sl: the slab it came from
 * @p: the object, as slab_alloc() returned it
 *
 * A page whose last object comes back returns to the page allocator,
 * unless it is its class's only page with room (one spare is kept, as
 * SLUB keeps partial slabs).  A pointer that is not an object of @sl
 * allocated now -- not on one of its pages, inside an object rather than
 * at its start, or freed already -- is logged and ignored.
 *
 * Context: the slab's owner.
 */
void slab_free(struct slab *sl, void *p);
/**
 * slab_pages_max() - the most pages the slab held at once
 * @sl: the slab
 *
 * Context: the slab's owner.
 * Return: the high-water mark of its page count.
 */
uint64_t slab_pages_max(const struct slab *sl);

#endif
