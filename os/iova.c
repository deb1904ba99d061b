// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * iova.c - the IOVA allocator: a range allocator plus per-CPU magazines.
 *
 * Range allocator: the free space is a sorted array of free extents
 * [start, end) in page frame numbers.  Allocation is top-down below the
 * caller's limit (as Linux allocates below the DMA mask) and aligned to the
 * size for power-of-two sizes.  The array never has to grow on free: before
 * an allocation succeeds it ensures room for one more extent than the number
 * of outstanding ranges could ever need (extents <= outstanding + 1).
 *
 * Magazines (Bonwick & Adams, "Magazines and Vmem", USENIX 2001; Linux
 * drivers/iommu/iova.c): sizes 1..32 pages are rounded up to a power of two
 * and cached per CPU in two magazines of IOVA_MAG_SIZE entries ("loaded" and
 * "prev"); when both are full a full magazine moves to a per-size depot
 * (IOVA_DEPOT_MAX magazines; beyond that its ranges return to the tree), and
 * an empty CPU refills from the depot.  The common alloc/free pair then
 * touches only the CPU's own lock.
 *
 * Bounds: the space is [start_pfn, IOVA_END_PFN).  Range arithmetic never
 * adds before it compares -- a size is checked against what is left above
 * a start, a limit is clamped to the space before one is added to it -- so
 * a huge size or an all-ones limit cannot wrap into a range that overlaps
 * one already handed out.
 *
 * Locks: cpu_rcache.lock (per CPU and size) nests outside tree_lock;
 * rcache.depot_lock nests inside a cpu_rcache.lock and outside tree_lock.
 */
#include "iova_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/os.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOVA_END_PFN ((pfn_t)1 << (IOVA_BITS - PAGE_SHIFT))

struct extent {
	pfn_t start, end;
};

struct iova_magazine {
	size_t size;
	pfn_t pfns[IOVA_MAG_SIZE];
};

struct cpu_rcache {
	struct mlock lock;
	struct iova_magazine *loaded, *prev;
};

struct rcache {
	struct mlock depot_lock;
	size_t depot_size;
	struct iova_magazine *depot[IOVA_DEPOT_MAX];
	struct cpu_rcache *cpu;		/* [ncpus] */
};

struct iova_domain {
	struct mlock tree_lock;	/* protects ext, next, cap, outstanding */
	struct extent *ext;
	size_t next, cap;
	size_t outstanding;
	pfn_t start_pfn;
	unsigned int ncpus;
	struct rcache rcaches[IOVA_RANGE_CACHE_MAX];
};

size_t iova_round_size(size_t npages)
{
	size_t r = 1;

	if (npages > ((size_t)1 << (IOVA_RANGE_CACHE_MAX - 1)))
		return npages;
	while (r < npages)
		r <<= 1;
	return r;
}

static int cache_index(size_t npages)
{
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX; i++)
		if (npages == ((size_t)1 << i))
			return i;
	return -1;
}

/* ---- range allocator ---------------------------------------------------- */

static int ensure_room_locked(struct iova_domain *iovad)
{
	size_t need = iovad->outstanding + 3;
	struct extent *n;

	mlock_assert_held(&iovad->tree_lock);

	if (iovad->cap >= need)
		return 0;
	n = failinject_should_fail() ? NULL :
		realloc(iovad->ext, need * 2 * sizeof(*n));
	if (!n)
		return -1;
	iovad->ext = n;
	iovad->cap = need * 2;
	return 0;
}

static pfn_t tree_alloc(struct iova_domain *iovad, size_t npages, pfn_t limit_pfn)
{
	pfn_t align = (npages & (npages - 1)) ? 1 : npages;
	/* One past the highest pfn allowed; an all-ones limit must not wrap to 0. */
	pfn_t lim = limit_pfn < IOVA_END_PFN ? limit_pfn + 1 : IOVA_END_PFN;
	pfn_t got = 0;

	mlock_lock(&iovad->tree_lock);
	mcost(COST_IOVA_SLOW);
	if (ensure_room_locked(iovad))
		goto out;
	for (size_t i = iovad->next; i-- > 0;) {
		struct extent *e = &iovad->ext[i];
		pfn_t top = e->end < lim ? e->end : lim;
		pfn_t s;

		if (top < e->start || npages > top - e->start)
			continue;
		s = (top - npages) & ~(align - 1);
		if (s < e->start)
			continue;
		/* Carve [s, s + npages) out of e. */
		if (s == e->start && s + npages == e->end) {
			memmove(e, e + 1, (iovad->next - i - 1) * sizeof(*e));
			iovad->next--;
		} else if (s == e->start) {
			e->start += npages;
		} else if (s + npages == e->end) {
			e->end = s;
		} else {
			memmove(e + 1, e, (iovad->next - i) * sizeof(*e));
			iovad->next++;
			e[0].end = s;
			e[1].start = s + npages;
		}
		iovad->outstanding++;
		got = s;
		break;
	}
out:
	mlock_unlock(&iovad->tree_lock);
	return got;
}

static void tree_free_locked(struct iova_domain *iovad, pfn_t pfn, size_t npages)
{
	pfn_t end = pfn + npages;
	size_t lo = 0, hi = iovad->next;
	struct extent *e = iovad->ext;

	mlock_assert_held(&iovad->tree_lock);

	while (lo < hi) {	/* first extent starting after pfn */
		size_t mid = (lo + hi) / 2;

		if (e[mid].start <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((lo > 0 && e[lo - 1].end > pfn) || (lo < iovad->next && e[lo].start < end)) {
		fprintf(stderr, "iova: free of [%#llx, +%zu) overlaps free space (double free)\n",
			(unsigned long long)pfn, npages);
		return;
	}
	iovad->outstanding--;
	if (lo > 0 && e[lo - 1].end == pfn) {
		e[lo - 1].end = end;
		if (lo < iovad->next && e[lo].start == end) {
			e[lo - 1].end = e[lo].end;
			memmove(&e[lo], &e[lo + 1], (iovad->next - lo - 1) * sizeof(*e));
			iovad->next--;
		}
	} else if (lo < iovad->next && e[lo].start == end) {
		e[lo].start = pfn;
	} else {
		memmove(&e[lo + 1], &e[lo], (iovad->next - lo) * sizeof(*e));
		e[lo] = (struct extent){ pfn, end };
		iovad->next++;
	}
}

static void tree_free(struct iova_domain *iovad, pfn_t pfn, size_t npages)
{
	mlock_lock(&iovad->tree_lock);
	mcost(COST_IOVA_SLOW);
	tree_free_locked(iovad, pfn, npages);
	mlock_unlock(&iovad->tree_lock);
}

/* ---- magazines ---------------------------------------------------------- */

static void mag_empty_to_tree(struct iova_domain *iovad, struct iova_magazine *mag,
			      size_t npages)
{
	mlock_lock(&iovad->tree_lock);
	mcost_n(COST_IOVA_SLOW, mag->size);
	for (size_t i = 0; i < mag->size; i++)
		tree_free_locked(iovad, mag->pfns[i], npages);
	mlock_unlock(&iovad->tree_lock);
	mag->size = 0;
}

struct iova_domain *iovad_create(pfn_t start_pfn, unsigned int ncpus)
{
	struct iova_domain *iovad;

	if (!ncpus || ncpus > OS_MAX_CPUS || !start_pfn || start_pfn >= IOVA_END_PFN)
		return NULL;
	iovad = lab_calloc(1, sizeof(*iovad));
	if (!iovad)
		return NULL;
	iovad->start_pfn = start_pfn;
	iovad->ncpus = ncpus;
	iovad->cap = 8;
	iovad->ext = lab_malloc(iovad->cap * sizeof(*iovad->ext));
	if (!iovad->ext)
		goto out_free;
	iovad->ext[0] = (struct extent){ start_pfn, IOVA_END_PFN };
	iovad->next = 1;
	mlock_init(&iovad->tree_lock, "iova tree", MLOCK_MODELLED);
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX; i++) {
		struct rcache *rc = &iovad->rcaches[i];

		mlock_init(&rc->depot_lock, "iova depot", MLOCK_MODELLED);
		rc->cpu = lab_calloc(ncpus, sizeof(*rc->cpu));
		if (!rc->cpu)
			goto out_caches;
		for (unsigned int c = 0; c < ncpus; c++) {
			mlock_init(&rc->cpu[c].lock, "iova magazine", MLOCK_MODELLED);
			rc->cpu[c].loaded = lab_calloc(1, sizeof(struct iova_magazine));
			rc->cpu[c].prev = lab_calloc(1, sizeof(struct iova_magazine));
			if (!rc->cpu[c].loaded || !rc->cpu[c].prev)
				goto out_caches;
		}
	}
	return iovad;

out_caches:
	iovad_destroy(iovad);
	return NULL;
out_free:
	free(iovad);
	return NULL;
}

void iovad_flush_caches(struct iova_domain *iovad)
{
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX; i++) {
		struct rcache *rc = &iovad->rcaches[i];
		size_t npages = (size_t)1 << i;

		if (!rc->cpu)
			continue;
		for (unsigned int c = 0; c < iovad->ncpus; c++) {
			struct cpu_rcache *cr = &rc->cpu[c];

			mlock_lock(&cr->lock);
			if (cr->loaded)
				mag_empty_to_tree(iovad, cr->loaded, npages);
			if (cr->prev)
				mag_empty_to_tree(iovad, cr->prev, npages);
			mlock_unlock(&cr->lock);
		}
		mlock_lock(&rc->depot_lock);
		while (rc->depot_size) {
			struct iova_magazine *mag = rc->depot[--rc->depot_size];

			mag_empty_to_tree(iovad, mag, npages);
			free(mag);
		}
		mlock_unlock(&rc->depot_lock);
	}
}

size_t iovad_outstanding(struct iova_domain *iovad)
{
	size_t n, cached = 0;

	for (int i = 0; i < IOVA_RANGE_CACHE_MAX; i++) {
		struct rcache *rc = &iovad->rcaches[i];

		for (unsigned int c = 0; c < iovad->ncpus; c++) {
			mlock_lock(&rc->cpu[c].lock);
			cached += rc->cpu[c].loaded->size + rc->cpu[c].prev->size;
			mlock_unlock(&rc->cpu[c].lock);
		}
		mlock_lock(&rc->depot_lock);
		for (size_t d = 0; d < rc->depot_size; d++)
			cached += rc->depot[d]->size;
		mlock_unlock(&rc->depot_lock);
	}
	mlock_lock(&iovad->tree_lock);
	n = iovad->outstanding;
	mlock_unlock(&iovad->tree_lock);
	return n - cached;
}

size_t iovad_destroy(struct iova_domain *iovad)
{
	size_t leaked = 0;
	bool built = iovad->ext != NULL;

	if (built) {
		iovad_flush_caches(iovad);
		leaked = iovad->outstanding;
	}
	for (int i = 0; i < IOVA_RANGE_CACHE_MAX; i++) {
		struct rcache *rc = &iovad->rcaches[i];

		if (rc->cpu) {
			for (unsigned int c = 0; c < iovad->ncpus; c++) {
				free(rc->cpu[c].loaded);
				free(rc->cpu[c].prev);
				mlock_destroy(&rc->cpu[c].lock);
			}
			free(rc->cpu);
		}
		mlock_destroy(&rc->depot_lock);
	}
	if (leaked)
		fprintf(stderr, "iova: %zu range(s) still allocated at teardown\n", leaked);
	if (built)
		mlock_destroy(&iovad->tree_lock);
	free(iovad->ext);
	free(iovad);
	return leaked;
}

/* Pop the newest entry at or below @limit_pfn (+size) from @mag. */
static pfn_t mag_pop(struct iova_magazine *mag, size_t npages, pfn_t limit_pfn)
{
	for (size_t i = mag->size; i-- > 0;) {
		pfn_t pfn = mag->pfns[i];

		if (pfn + npages - 1 <= limit_pfn) {
			mag->pfns[i] = mag->pfns[--mag->size];
			return pfn;
		}
	}
	return 0;
}

static pfn_t rcache_get(struct iova_domain *iovad, int idx, pfn_t limit_pfn)
{
	struct rcache *rc = &iovad->rcaches[idx];
	struct cpu_rcache *cr = &rc->cpu[os_this_cpu() % iovad->ncpus];
	size_t npages = (size_t)1 << idx;
	pfn_t pfn = 0;

	mlock_lock(&cr->lock);
	mcost(COST_IOVA_FAST);
	if (cr->loaded->size) {
		pfn = mag_pop(cr->loaded, npages, limit_pfn);
	} else if (cr->prev->size) {
		struct iova_magazine *t = cr->loaded;

		cr->loaded = cr->prev;
		cr->prev = t;
		pfn = mag_pop(cr->loaded, npages, limit_pfn);
	} else {
		mlock_lock(&rc->depot_lock);
		mcost(COST_IOVA_DEPOT);
		if (rc->depot_size) {
			free(cr->loaded);
			cr->loaded = rc->depot[--rc->depot_size];
		}
		mlock_unlock(&rc->depot_lock);
		pfn = mag_pop(cr->loaded, npages, limit_pfn);
	}
	mlock_unlock(&cr->lock);
	return pfn;
}

/* Returns false if the range must go back to the tree instead. */
static bool rcache_put(struct iova_domain *iovad, int idx, pfn_t pfn)
{
	struct rcache *rc = &iovad->rcaches[idx];
	struct cpu_rcache *cr = &rc->cpu[os_this_cpu() % iovad->ncpus];
	struct iova_magazine *spill = NULL;
	bool ok = true;

	mlock_lock(&cr->lock);
	mcost(COST_IOVA_FAST);
	if (cr->loaded->size == IOVA_MAG_SIZE) {
		if (cr->prev->size < IOVA_MAG_SIZE) {
			struct iova_magazine *t = cr->loaded;

			cr->loaded = cr->prev;
			cr->prev = t;
		} else {
			struct iova_magazine *fresh = failinject_should_fail() ?
				NULL : calloc(1, sizeof(*fresh));

			if (!fresh) {
				ok = false;
				goto out;
			}
			mlock_lock(&rc->depot_lock);
			mcost(COST_IOVA_DEPOT);
			if (rc->depot_size < IOVA_DEPOT_MAX)
				rc->depot[rc->depot_size++] = cr->loaded;
			else
				spill = cr->loaded;
			mlock_unlock(&rc->depot_lock);
			cr->loaded = fresh;
		}
	}
	cr->loaded->pfns[cr->loaded->size++] = pfn;
out:
	mlock_unlock(&cr->lock);
	if (spill) {
		mag_empty_to_tree(iovad, spill, (size_t)1 << idx);
		free(spill);
	}
	return ok;
}

pfn_t alloc_iova_fast(struct iova_domain *iovad, size_t npages, pfn_t limit_pfn)
{
	size_t size = iova_round_size(npages);
	int idx = cache_index(size);
	pfn_t pfn;

	if (!npages || limit_pfn < iovad->start_pfn)
		return 0;
	if (idx >= 0) {
		pfn = rcache_get(iovad, idx, limit_pfn);
		if (pfn)
			return pfn;
	}
	pfn = tree_alloc(iovad, size, limit_pfn);
	if (!pfn && idx >= 0) {
		/* Cached ranges may be all that is left: give them back, retry. */
		iovad_flush_caches(iovad);
		pfn = tree_alloc(iovad, size, limit_pfn);
	}
	return pfn;
}

void free_iova_fast(struct iova_domain *iovad, pfn_t pfn, size_t npages)
{
	size_t size = iova_round_size(npages);
	int idx = cache_index(size);

	/* Never pfn + size: it may wrap, and the range then overlap any other. */
	if (!npages || pfn < iovad->start_pfn || pfn >= IOVA_END_PFN ||
	    size > IOVA_END_PFN - pfn) {
		fprintf(stderr, "iova: free of [%#llx, +%zu) refused: not a range of the space "
			"[%#llx, %#llx); expected one from alloc_iova_fast()\n",
			(unsigned long long)pfn, npages, (unsigned long long)iovad->start_pfn,
			(unsigned long long)IOVA_END_PFN);
		return;
	}
	if (idx >= 0 && rcache_put(iovad, idx, pfn))
		return;
	tree_free(iovad, pfn, size);
}
