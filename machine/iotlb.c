// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * iotlb.c - the set-associative IOTLB.
 *
 * Entries map (domain, IOVA page) to (frame, permissions).  Geometry (sets x
 * ways) comes from the profile; replacement is LRU within a set.  A set is
 * protected by one of IOTLB_STRIPES locks.  An entry is removed only by an
 * invalidation command (or eviction): clearing a PTE leaves it in place,
 * which is what makes lazy mode's window real.
 *
 * Fill ordering: the device walks the table and fills the entry while holding
 * the domain lock (see device.c), and unmap clears PTEs under the same lock
 * before it invalidates, so a fill can never re-insert a translation that an
 * invalidation has already removed.
 */
#include "machine_int.h"
#include "failinject.h"

#include <stdlib.h>

static inline uint64_t mktag(unsigned int dom, iova_t iova_pfn)
{
	return ((uint64_t)(dom + 1) << 36) | iova_pfn;
}

static inline unsigned int set_of(const struct iotlb *t, iova_t iova_pfn)
{
	return (unsigned int)(iova_pfn & (t->sets - 1));
}

int iotlb_init(struct iotlb *t, unsigned int sets, unsigned int ways)
{
	t->sets = sets;
	t->ways = ways;
	t->e = lab_calloc((size_t)sets * ways, sizeof(*t->e));
	if (!t->e)
		return -1;
	t->clock = lab_calloc(IOTLB_STRIPES, sizeof(*t->clock));
	if (!t->clock) {
		free(t->e);
		return -1;
	}
	for (unsigned int i = 0; i < IOTLB_STRIPES; i++)
		mlock_init(&t->stripe[i], "iotlb stripe", MLOCK_FREE);
	return 0;
}

void iotlb_destroy(struct iotlb *t)
{
	for (unsigned int i = 0; i < IOTLB_STRIPES; i++)
		mlock_destroy(&t->stripe[i]);
	free(t->clock);
	free(t->e);
}

bool iotlb_lookup(struct machine *m, unsigned int dom, iova_t iova_pfn,
		  pfn_t *pfn, unsigned int *prot)
{
	struct iotlb *t = &m->tlb;
	unsigned int s = set_of(t, iova_pfn), lk = s % IOTLB_STRIPES;
	struct tlb_entry *e = &t->e[(size_t)s * t->ways];
	uint64_t tag = mktag(dom, iova_pfn);
	bool hit = false;

	mlock_lock(&t->stripe[lk]);
	for (unsigned int w = 0; w < t->ways; w++) {
		if (e[w].tag == tag) {
			*pfn = e[w].pfn;
			*prot = e[w].prot;
			e[w].lru = ++t->clock[lk];
			hit = true;
			break;
		}
	}
	mlock_unlock(&t->stripe[lk]);
	if (hit)
		stat_inc(m, iotlb_hits);
	else
		stat_inc(m, iotlb_misses);
	return hit;
}

void iotlb_fill(struct machine *m, unsigned int dom, iova_t iova_pfn, pfn_t pfn,
		unsigned int prot)
{
	struct iotlb *t = &m->tlb;
	unsigned int s = set_of(t, iova_pfn), lk = s % IOTLB_STRIPES;
	struct tlb_entry *e = &t->e[(size_t)s * t->ways], *victim = &e[0];
	uint64_t tag = mktag(dom, iova_pfn);

	mlock_lock(&t->stripe[lk]);
	for (unsigned int w = 0; w < t->ways; w++) {
		if (e[w].tag == tag || !e[w].tag) {
			victim = &e[w];
			break;
		}
		if (e[w].lru < victim->lru)
			victim = &e[w];
	}
	if (victim->tag && victim->tag != tag)
		stat_inc(m, iotlb_evictions);
	victim->tag = tag;
	victim->pfn = pfn;
	victim->prot = prot;
	victim->lru = ++t->clock[lk];
	mlock_unlock(&t->stripe[lk]);
}

/* Drop entries of set @s matching @dom (any domain if @dom < 0). */
static size_t inv_set(struct iotlb *t, unsigned int s, long dom, bool range,
		      iova_t lo, iova_t hi)
{
	struct tlb_entry *e = &t->e[(size_t)s * t->ways];
	size_t n = 0;

	for (unsigned int w = 0; w < t->ways; w++) {
		uint64_t tag = e[w].tag;
		iova_t page = tag & ((1ull << 36) - 1);

		if (!tag)
			continue;
		if (dom >= 0 && (tag >> 36) != (uint64_t)dom + 1)
			continue;
		if (range && (page < lo || page >= hi))
			continue;
		e[w].tag = 0;
		n++;
	}
	return n;
}

static void inv_sets(struct machine *m, long dom, bool range, iova_t lo, iova_t hi)
{
	struct iotlb *t = &m->tlb;
	size_t n = 0;

	for (unsigned int s = 0; s < t->sets; s++) {
		mlock_lock(&t->stripe[s % IOTLB_STRIPES]);
		n += inv_set(t, s, dom, range, lo, hi);
		mlock_unlock(&t->stripe[s % IOTLB_STRIPES]);
	}
	stat_add(m, iotlb_invalidated, n);
}

void iotlb_inv_range(struct machine *m, unsigned int dom, iova_t iova_pfn,
		     size_t npages)
{
	struct iotlb *t = &m->tlb;
	size_t n = 0;

	if (npages >= t->sets) {
		inv_sets(m, dom, true, iova_pfn, iova_pfn + npages);
		return;
	}
	for (size_t i = 0; i < npages; i++) {
		unsigned int s = set_of(t, iova_pfn + i);

		mlock_lock(&t->stripe[s % IOTLB_STRIPES]);
		n += inv_set(t, s, dom, true, iova_pfn + i, iova_pfn + i + 1);
		mlock_unlock(&t->stripe[s % IOTLB_STRIPES]);
	}
	stat_add(m, iotlb_invalidated, n);
}

void iotlb_inv_domain(struct machine *m, unsigned int dom)
{
	inv_sets(m, dom, false, 0, 0);
}

void iotlb_inv_all(struct machine *m)
{
	inv_sets(m, -1, false, 0, 0);
}

size_t iotlb_frame_entries(struct machine *m, pfn_t pfn,
			   void (*cb)(void *arg, unsigned int dom, iova_t iova,
				      bool in_iotlb),
			   void *arg)
{
	struct iotlb *t = &m->tlb;
	size_t n = 0;

	for (unsigned int s = 0; s < t->sets; s++) {
		struct tlb_entry *e = &t->e[(size_t)s * t->ways];

		mlock_lock(&t->stripe[s % IOTLB_STRIPES]);
		for (unsigned int w = 0; w < t->ways; w++) {
			if (!e[w].tag || e[w].pfn != pfn)
				continue;
			n++;
			if (cb)
				cb(arg, (unsigned int)(e[w].tag >> 36) - 1,
				   (e[w].tag & ((1ull << 36) - 1)) << PAGE_SHIFT, true);
		}
		mlock_unlock(&t->stripe[s % IOTLB_STRIPES]);
	}
	return n;
}
