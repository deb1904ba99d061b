// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * slab.c - a kmalloc-like slab over the page allocator (what and why:
 * slab.h).
 *
 * Classes are powers of two from 64 B (SLAB_MIN_SHIFT) to SLAB_MAX_SIZE.
 * A slab page holds objects of one class; its free objects are a stack of
 * indices, so an allocation takes the most recently freed object (warm in
 * the cache) and a fresh page hands its objects out from its start.  Pages
 * with room sit on their class's partial list; a page whose last object is
 * freed goes back to the page allocator when its class has another page
 * with room (one spare is kept, as SLUB keeps partial slabs, so a class
 * that empties and fills again does not churn pages).  A free finds its
 * page by frame number in a hash, and the page's bitmap of allocated
 * objects refuses a pointer inside an object or a second free, which would
 * otherwise hand one object out twice.
 *
 * An OS service, as kmalloc is: the net workload's upper layer allocates
 * its packets here.  No lock: one owner at a time (slab.h).
 */
#include "../machine/failinject.h"

#include <dmareuse/slab.h>

#include <stdio.h>
#include <stdlib.h>

#define SLAB_MIN_SHIFT 6
#define SLAB_NCLASSES 6			/* 64 B .. 2 KiB */
#define SLAB_HASH 256

_Static_assert(SLAB_MAX_SIZE == 1u << (SLAB_MIN_SHIFT + SLAB_NCLASSES - 1),
	       "SLAB_MAX_SIZE is the largest class");
_Static_assert(PAGE_SIZE >> SLAB_MIN_SHIFT <= 64, "a page's objects fit the bitmap");

struct slab_page {
	struct slab_page *prev, *next;	/* the class's list of pages with room */
	struct slab_page *hnext;	/* pfn hash chain */
	pfn_t pfn;
	uint8_t *va;
	unsigned int cls, nobj, nfree;
	uint64_t used;			/* bit i: object i is allocated */
	uint16_t free[PAGE_SIZE >> SLAB_MIN_SHIFT]; /* stack of free object indices */
};

struct slab {
	struct page_alloc *pa;
	struct machine *m;
	uint32_t owner;
	struct slab_page *partial[SLAB_NCLASSES];
	unsigned int npartial[SLAB_NCLASSES];
	struct slab_page *hash[SLAB_HASH];
	uint64_t pages, pages_max;
};

static unsigned int slab_cls(size_t len)
{
	unsigned int c = 0;

	while (((size_t)1 << (SLAB_MIN_SHIFT + c)) < len)
		c++;
	return c;
}

/* splitmix64's finalizer: frame numbers of one run are close together. */
static unsigned int slab_hash(pfn_t pfn)
{
	uint64_t z = pfn;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (unsigned int)((z ^ (z >> 31)) % SLAB_HASH);
}

static void partial_add(struct slab *sl, struct slab_page *pg)
{
	pg->prev = NULL;
	pg->next = sl->partial[pg->cls];
	if (pg->next)
		pg->next->prev = pg;
	sl->partial[pg->cls] = pg;
	sl->npartial[pg->cls]++;
}

static void partial_del(struct slab *sl, struct slab_page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		sl->partial[pg->cls] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	sl->npartial[pg->cls]--;
}

struct slab *slab_create(struct page_alloc *pa, uint32_t owner)
{
	struct slab *sl;

	if (!owner) {
		fprintf(stderr, "slab: slab_create(owner=0): expected a nonzero owner tag\n");
		return NULL;
	}
	sl = lab_calloc(1, sizeof(*sl));
	if (!sl)
		return NULL;
	sl->pa = pa;
	sl->m = page_alloc_machine(pa);
	sl->owner = owner;
	return sl;
}

size_t slab_destroy(struct slab *sl)
{
	size_t live = 0;

	if (!sl)
		return 0;
	for (unsigned int h = 0; h < SLAB_HASH; h++)
		while (sl->hash[h]) {
			struct slab_page *pg = sl->hash[h];

			sl->hash[h] = pg->hnext;
			live += pg->nobj - pg->nfree;
			page_put(sl->pa, pg->pfn);
			free(pg);
		}
	free(sl);
	return live;
}

void *slab_alloc(struct slab *sl, size_t size)
{
	struct slab_page *pg;
	unsigned int c, i;

	if (!size || size > SLAB_MAX_SIZE) {
		fprintf(stderr, "slab: slab_alloc(size=%zu): expected 1-%u bytes\n", size,
			SLAB_MAX_SIZE);
		return NULL;
	}
	c = slab_cls(size);
	pg = sl->partial[c];
	if (!pg) {
		pg = lab_calloc(1, sizeof(*pg));
		if (!pg)
			return NULL;
		if (pages_alloc(sl->pa, 0, sl->owner, false, &pg->pfn)) {
			free(pg);
			return NULL;
		}
		pg->va = phys_to_virt(sl->m, pg->pfn << PAGE_SHIFT);
		pg->cls = c;
		pg->nobj = (unsigned int)(PAGE_SIZE >> (SLAB_MIN_SHIFT + c));
		/* Hand objects out from the start of the page. */
		for (i = 0; i < pg->nobj; i++)
			pg->free[i] = (uint16_t)(pg->nobj - 1 - i);
		pg->nfree = pg->nobj;
		pg->hnext = sl->hash[slab_hash(pg->pfn)];
		sl->hash[slab_hash(pg->pfn)] = pg;
		partial_add(sl, pg);
		if (++sl->pages > sl->pages_max)
			sl->pages_max = sl->pages;
	}
	if (--pg->nfree == 0)
		partial_del(sl, pg);
	i = pg->free[pg->nfree];
	pg->used |= 1ull << i;
	return pg->va + ((size_t)i << (SLAB_MIN_SHIFT + c));
}

void slab_free(struct slab *sl, void *p)
{
	uintptr_t base = (uintptr_t)machine_mem(sl->m)->base, va = (uintptr_t)p;
	size_t arena = machine_mem(sl->m)->nframes * PAGE_SIZE;
	struct slab_page **pp = NULL, *pg = NULL;
	size_t size, off;
	pfn_t pfn;
	unsigned int i;

	/* A pointer outside the arena has no frame: not ours, whatever it is. */
	if (va >= base && va - base < arena) {
		pfn = (va - base) >> PAGE_SHIFT;
		for (pp = &sl->hash[slab_hash(pfn)]; *pp && (*pp)->pfn != pfn;)
			pp = &(*pp)->hnext;
		pg = *pp;
	}
	if (!pg) {
		fprintf(stderr, "slab: slab_free(%p): not on a page of this slab; "
			"nothing freed\n", p);
		return;
	}
	size = (size_t)1 << (SLAB_MIN_SHIFT + pg->cls);
	off = (size_t)((uint8_t *)p - pg->va);
	i = (unsigned int)(off / size);
	if (off % size || !(pg->used & (1ull << i))) {
		fprintf(stderr, "slab: slab_free(%p): %s the %zu-byte object %u of its "
			"page; expected an object slab_alloc() gave and not yet freed; "
			"nothing freed\n", p, off % size ? "inside" : "not allocated now "
			"(freed already, or never given):", size, i);
		return;
	}
	pg->used &= ~(1ull << i);
	pg->free[pg->nfree++] = (uint16_t)i;
	if (pg->nfree == 1)
		partial_add(sl, pg);
	if (pg->nfree == pg->nobj && sl->npartial[pg->cls] > 1) {
		partial_del(sl, pg);
		*pp = pg->hnext;
		page_put(sl->pa, pg->pfn);
		free(pg);
		sl->pages--;
	}
}

uint64_t slab_pages_max(const struct slab *sl)
{
	return sl->pages_max;
}
