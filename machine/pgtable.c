// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * pgtable.c - IOMMU domains and their 4-level I/O page tables.
 *
 * Format: 4 levels of 512 eight-byte entries, 4 KiB granule, 48-bit IOVA
 * (9+9+9+9+12 bits), like the ARM LPAE stage-1 and x86 second-level formats.
 * A leaf PTE carries read and write permission separately.  Table pages are
 * frames of the arena, obtained from the OS through the domain's
 * pgtable_alloc_ops; pt_used[] counts valid entries per table page so that a
 * table emptied by unmap is freed at once (the root stays until the domain
 * is freed).
 *
 * An emptied table is all zeroes, so instead of going back to the allocator
 * at once it may wait in a small per-domain reserve (PT_RESERVE frames) for
 * the next map that needs a table: a map/unmap cycle then costs no frame
 * allocation and no zeroing.  Reserve frames hold no valid entry, so they
 * reach nothing; iommu_domain_free() returns them.
 *
 * Invariants (under domain->lock): pte_refs[f] equals the number of valid
 * leaf PTEs that point at frame f, summed over all domains; mapped equals the
 * number of valid leaf PTEs in this domain; pt_pages equals the number of
 * table frames it holds.
 */
#include "machine_int.h"
#include "failinject.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <stdlib.h>

static inline unsigned int pt_index(iova_t iova, int level)
{
	return (unsigned int)(iova >> (PAGE_SHIFT + 9 * level)) & (PT_ENTRIES - 1);
}

/* Take a zeroed table frame: from the reserve, else from the allocator. */
static int table_get(struct iommu_domain *d, pfn_t *pfn)
{
	if (d->nreserve) {
		*pfn = d->reserve[--d->nreserve];
		return 0;
	}
	return d->ops->alloc(d->ops_ctx, pfn);
}

/* Release an emptied (all-zero) table frame. */
static void table_put(struct iommu_domain *d, pfn_t pfn)
{
	if (d->nreserve < PT_RESERVE)
		d->reserve[d->nreserve++] = pfn;
	else
		d->ops->free(d->ops_ctx, pfn);
}

static inline pfn_t pte_pfn(uint64_t pte)
{
	return (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

struct iommu_domain *iommu_domain_alloc(struct machine *m, bool identity,
					const struct pgtable_alloc_ops *ops,
					void *ctx)
{
	struct iommu_domain *d = lab_calloc(1, sizeof(*d));
	unsigned int id;

	if (!d)
		return NULL;
	d->m = m;
	d->identity = identity;
	d->ops = ops;
	d->ops_ctx = ctx;
	if (!identity) {
		if (!ops || ops->alloc(ctx, &d->root))
			goto out_free;
		m->pt_used[d->root] = 0;
		d->pt_pages = 1;
	}
	mlock_init(&d->lock, "domain table", MLOCK_FREE);
	mlock_lock(&m->dom_lock);
	for (id = 0; id < MAX_DOMAINS && m->domains[id]; id++)
		;
	if (id < MAX_DOMAINS) {
		d->id = id;
		m->domains[id] = d;
	}
	mlock_unlock(&m->dom_lock);
	if (id == MAX_DOMAINS)
		goto out_root;
	/* A recycled domain id must not inherit another domain's entries. */
	iotlb_inv_domain(m, id);
	return d;

out_root:
	mlock_destroy(&d->lock);
	if (!identity)
		ops->free(ctx, d->root);
out_free:
	free(d);
	return NULL;
}

unsigned int iommu_domain_id(const struct iommu_domain *d)
{
	return d->id;
}

bool iommu_domain_is_identity(const struct iommu_domain *d)
{
	return d->identity;
}

struct machine *iommu_domain_machine(const struct iommu_domain *d)
{
	return d->m;
}

size_t iommu_domain_pt_pages(const struct iommu_domain *d)
{
	size_t n;

	mlock_lock((struct mlock *)&d->lock);
	n = d->pt_pages;
	mlock_unlock((struct mlock *)&d->lock);
	return n;
}

size_t iommu_domain_mapped_pages(const struct iommu_domain *d)
{
	size_t n;

	mlock_lock((struct mlock *)&d->lock);
	n = d->mapped;
	mlock_unlock((struct mlock *)&d->lock);
	return n;
}

uint64_t pt_lookup_locked(struct iommu_domain *d, iova_t iova)
{
	pfn_t table = d->root;

	mlock_assert_held(&d->lock);

	for (int level = PT_LEVELS - 1; level > 0; level--) {
		uint64_t e = pt_table(d->m, table)[pt_index(iova, level)];

		if (!(e & PTE_VALID))
			return 0;
		table = pte_pfn(e);
	}
	return pt_table(d->m, table)[pt_index(iova, 0)];
}

/*
 * Clear [iova, end) below @table at @level; free child tables that become
 * empty.  Returns leaf pages cleared.
 */
static size_t unmap_level(struct iommu_domain *d, pfn_t table, int level,
			  iova_t iova, iova_t end)
{
	struct machine *m = d->m;
	uint64_t *t = pt_table(m, table);
	uint64_t span = 1ull << (PAGE_SHIFT + 9 * level);
	size_t cleared = 0;

	while (iova < end) {
		unsigned int i = pt_index(iova, level);
		iova_t next = (iova & ~(span - 1)) + span;
		uint64_t e = t[i];

		if (next > end || next == 0)
			next = end;
		if (e & PTE_VALID) {
			if (level == 0) {
				atomic_fetch_sub_explicit(&m->pte_refs[pte_pfn(e)], 1,
							  memory_order_relaxed);
				t[i] = 0;
				m->pt_used[table]--;
				d->mapped--;
				cleared++;
			} else {
				pfn_t child = pte_pfn(e);

				cleared += unmap_level(d, child, level - 1, iova, next);
				if (m->pt_used[child] == 0) {
					t[i] = 0;
					m->pt_used[table]--;
					table_put(d, child);
					d->pt_pages--;
				}
			}
		}
		iova = next;
	}
	return cleared;
}

static bool range_ok(iova_t iova, phys_addr_t pa, size_t size)
{
	return !(iova & ~PAGE_MASK) && !(pa & ~PAGE_MASK) && !(size & ~PAGE_MASK) &&
	       size && iova + size > iova && iova + size <= (1ull << IOVA_BITS);
}

int iommu_map(struct iommu_domain *d, iova_t iova, phys_addr_t pa, size_t size,
	      unsigned int prot)
{
	struct machine *m = d->m;
	iova_t start = iova, end = iova + size;
	int ret = 0;

	/* pa and size against memory without adding them first: that may wrap. */
	if (d->identity || !range_ok(iova, pa, size) || !prot ||
	    (prot & ~(IOMMU_READ | IOMMU_WRITE)) ||
	    pa >= m->mem.nframes * PAGE_SIZE || size > m->mem.nframes * PAGE_SIZE - pa)
		return -EINVAL;
	mlock_lock(&d->lock);
	mcost(COST_PT_WALK);
	mcost_n(COST_PTE_WRITE, size >> PAGE_SHIFT);
	for (; iova < end; iova += PAGE_SIZE, pa += PAGE_SIZE) {
		pfn_t table = d->root;
		uint64_t *leaf;

		for (int level = PT_LEVELS - 1; level > 0; level--) {
			uint64_t *e = &pt_table(m, table)[pt_index(iova, level)];

			if (!(*e & PTE_VALID)) {
				pfn_t child;

				if (table_get(d, &child)) {
					ret = -ENOMEM;
					goto out_rollback;
				}
				m->pt_used[child] = 0;
				d->pt_pages++;
				*e = (child << PAGE_SHIFT) | PTE_VALID;
				m->pt_used[table]++;
			}
			table = pte_pfn(*e);
		}
		leaf = &pt_table(m, table)[pt_index(iova, 0)];
		if (*leaf & PTE_VALID) {
			ret = -EEXIST;
			goto out_rollback;
		}
		*leaf = pa | PTE_VALID | (prot & IOMMU_READ ? PTE_READ : 0) |
			(prot & IOMMU_WRITE ? PTE_WRITE : 0);
		m->pt_used[table]++;
		d->mapped++;
		atomic_fetch_add_explicit(&m->pte_refs[pa >> PAGE_SHIFT], 1,
					  memory_order_relaxed);
	}
	mlock_unlock(&d->lock);
	return 0;

out_rollback:
	/* Undo the pages this call mapped, and any table it left empty. */
	unmap_level(d, d->root, PT_LEVELS - 1, start, iova);
	/*
	 * Tables allocated for the page that failed may be empty now; the walk
	 * frees them.  Not on -EEXIST: that leaf belongs to someone else.
	 */
	if (ret == -ENOMEM)
		unmap_level(d, d->root, PT_LEVELS - 1, iova, iova + PAGE_SIZE);
	mlock_unlock(&d->lock);
	return ret;
}

size_t iommu_unmap(struct iommu_domain *d, iova_t iova, size_t size)
{
	size_t cleared;

	if (d->identity || !range_ok(iova, 0, size))
		return 0;
	mlock_lock(&d->lock);
	cleared = unmap_level(d, d->root, PT_LEVELS - 1, iova, iova + size);
	mcost(COST_PT_WALK);
	mcost_n(COST_PTE_WRITE, cleared);
	mlock_unlock(&d->lock);
	return cleared * PAGE_SIZE;
}

int iommu_iova_to_phys(struct iommu_domain *d, iova_t iova, phys_addr_t *pa,
		       unsigned int *prot)
{
	uint64_t pte;

	if (d->identity) {
		*pa = iova;
		*prot = IOMMU_READ | IOMMU_WRITE;
		return 0;
	}
	if (iova >> IOVA_BITS)
		return -ENOENT;
	mlock_lock(&d->lock);
	pte = pt_lookup_locked(d, iova);
	mlock_unlock(&d->lock);
	if (!(pte & PTE_VALID))
		return -ENOENT;
	*pa = (pte & PTE_ADDR_MASK) | (iova & ~PAGE_MASK);
	*prot = (pte & PTE_READ ? IOMMU_READ : 0) | (pte & PTE_WRITE ? IOMMU_WRITE : 0);
	return 0;
}

size_t iommu_domain_free(struct iommu_domain *d)
{
	struct machine *m;
	size_t leaked;

	if (!d)
		return 0;
	m = d->m;
	mlock_lock(&d->lock);
	leaked = d->mapped;
	if (!d->identity) {
		unmap_level(d, d->root, PT_LEVELS - 1, 0, 1ull << IOVA_BITS);
		d->ops->free(d->ops_ctx, d->root);
		d->pt_pages--;
		while (d->nreserve)
			d->ops->free(d->ops_ctx, d->reserve[--d->nreserve]);
	}
	mlock_unlock(&d->lock);
	iotlb_inv_domain(m, d->id);
	mlock_lock(&m->dom_lock);
	m->domains[d->id] = NULL;
	mlock_unlock(&m->dom_lock);
	mlock_destroy(&d->lock);
	free(d);
	return leaked;
}

struct reach_walk {
	struct iommu_domain *d;
	pfn_t target;
	void (*cb)(void *arg, unsigned int domain, iova_t iova, bool in_iotlb);
	void *arg;
	size_t found;
};

static void reach_level(struct reach_walk *w, pfn_t table, int level, iova_t base)
{
	uint64_t *t = pt_table(w->d->m, table);

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		iova_t iova = base | ((iova_t)i << (PAGE_SHIFT + 9 * level));

		if (!(t[i] & PTE_VALID))
			continue;
		if (level > 0) {
			reach_level(w, pte_pfn(t[i]), level - 1, iova);
		} else if (pte_pfn(t[i]) == w->target) {
			w->found++;
			if (w->cb)
				w->cb(w->arg, w->d->id, iova, false);
		}
	}
}

size_t iommu_frame_reach(struct machine *m, pfn_t pfn,
			 void (*cb)(void *arg, unsigned int domain, iova_t iova,
				    bool in_iotlb),
			 void *arg)
{
	struct reach_walk w = { .target = pfn, .cb = cb, .arg = arg };

	mlock_lock(&m->dom_lock);
	for (unsigned int i = 0; i < MAX_DOMAINS; i++) {
		struct iommu_domain *d = m->domains[i];

		if (!d || d->identity)
			continue;
		w.d = d;
		mlock_lock(&d->lock);
		reach_level(&w, d->root, PT_LEVELS - 1, 0);
		mlock_unlock(&d->lock);
	}
	mlock_unlock(&m->dom_lock);
	return w.found + iotlb_frame_entries(m, pfn, cb, arg);
}
