// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * device.c - devices and the device access path.
 *
 * mdev_access() is the only way a device touches memory.  Per page chunk:
 * identity domains use the DMA address as a physical address (checked against
 * the arena); translating domains look up the IOTLB, and on a miss walk the
 * page table and fill the IOTLB while holding the domain lock (the ordering
 * that keeps a fill from resurrecting an invalidated entry; see iotlb.c).
 * The walk charges the profile's iotlb_miss_ns to the device's thread.
 * In virtual time an access is a synchronisation point (it happens after
 * everything earlier) and its bytes cost COST_DEV_BYTE each.
 * Faults are recorded and fail the access.  Every chunk, good or faulting, is
 * reported to the observers (the isolation oracle, rogue devices).
 */
#include "machine_int.h"
#include "failinject.h"

#include <dmareuse/clock.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mdev *mdev_create(struct machine *m, const char *name)
{
	static _Atomic unsigned int next_id;
	struct mdev *dev = lab_calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->m = m;
	dev->id = atomic_fetch_add(&next_id, 1);
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	mlock_lock(&m->dom_lock);
	m->ndev++;
	mlock_unlock(&m->dom_lock);
	return dev;
}

void mdev_destroy(struct mdev *dev)
{
	if (!dev)
		return;
	mlock_lock(&dev->m->dom_lock);
	dev->m->ndev--;
	mlock_unlock(&dev->m->dom_lock);
	free(dev);
}

void mdev_attach(struct mdev *dev, struct iommu_domain *d)
{
	atomic_store(&dev->domain, d);
}

struct iommu_domain *mdev_domain(const struct mdev *dev)
{
	return atomic_load(&((struct mdev *)dev)->domain);
}

unsigned int mdev_id(const struct mdev *dev)
{
	return dev->id;
}

const char *mdev_name(const struct mdev *dev)
{
	return dev->name;
}

struct machine *mdev_machine(const struct mdev *dev)
{
	return dev->m;
}

/* Translate one page for @acc; returns 0 and the frame, or a fault reason. */
static int translate(struct mdev *dev, struct iommu_domain *d, dma_addr_t addr,
		     enum dev_access acc, pfn_t *pfn)
{
	struct machine *m = dev->m;
	unsigned int need = acc == DEV_READ ? IOMMU_READ : IOMMU_WRITE, prot;
	iova_t page = addr >> PAGE_SHIFT;

	if (d->identity) {
		if (page >= m->mem.nframes)
			return FAULT_ADDRESS;
		*pfn = page;
		return -1;
	}
	if (addr >> IOVA_BITS)
		return FAULT_ADDRESS;
	if (!iotlb_lookup(m, d->id, page, pfn, &prot)) {
		uint64_t pte;

		mclock_spend(m->profile.iotlb_miss_ns);
		stat_inc(m, walks);
		mlock_lock(&d->lock);
		pte = pt_lookup_locked(d, addr & PAGE_MASK);
		if (!(pte & PTE_VALID)) {
			mlock_unlock(&d->lock);
			return FAULT_TRANSLATION;
		}
		*pfn = (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
		prot = (pte & PTE_READ ? IOMMU_READ : 0) |
		       (pte & PTE_WRITE ? IOMMU_WRITE : 0);
		iotlb_fill(m, d->id, page, *pfn, prot);
		mlock_unlock(&d->lock);
	}
	if (!(prot & need))
		return FAULT_PERMISSION;
	return -1;
}

/* Report one chunk to every observer; the caller holds obs_busy. */
static void notify(struct machine *m, const struct mdev *dev, dma_addr_t addr,
		   pfn_t pfn, size_t len, enum dev_access acc, bool ok)
{
	for (unsigned int i = 0; i < MACHINE_MAX_OBSERVERS; i++) {
		access_observer_fn fn = atomic_load(&m->obs[i].fn);

		if (fn)
			fn(atomic_load(&m->obs[i].arg), dev, addr, pfn, len, acc, ok);
	}
}

static int access_chunks(struct mdev *dev, dma_addr_t addr, void *buf,
			 size_t len, enum dev_access acc, bool obs, bool move)
{
	struct machine *m = dev->m;
	struct iommu_domain *d = atomic_load(&dev->domain);
	uint8_t *p = buf;

	while (len) {
		size_t off = addr & ~PAGE_MASK;
		size_t chunk = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		pfn_t pfn = ~(pfn_t)0;
		int why = d ? translate(dev, d, addr, acc, &pfn) : FAULT_BLOCKED;

		if (why >= 0) {
			record_fault(m, dev, addr, acc, (enum iommu_fault_reason)why);
			if (obs)
				notify(m, dev, addr, ~(pfn_t)0, chunk, acc, false);
			return -EFAULT;
		}
		if (!move)
			;	/* a probe: translated and permitted, nothing moves */
		else if (acc == DEV_READ)
			memcpy(p, m->mem.base + (pfn << PAGE_SHIFT) + off, chunk);
		else
			memcpy(m->mem.base + (pfn << PAGE_SHIFT) + off, p, chunk);
		if (obs)
			notify(m, dev, addr, pfn, chunk, acc, true);
		addr += chunk;
		if (move)	/* a probe has no buffer: no arithmetic on NULL */
			p += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * Accesses this thread has under way, per epoch: a drain issued from inside
 * an access (an observer that unmaps, as a test may) must not wait for its
 * own thread.
 */
static _Thread_local uint64_t held[2];
VTIME_TLS(held)

static int access(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		  enum dev_access acc, bool move)
{
	struct machine *m = dev->m;
	unsigned int e = atomic_load(&m->acc_epoch) & 1;
	int ret = 0;

	mclock_sync();		/* a device access is ordered in virtual time */
	held[e]++;
	atomic_fetch_add(&m->acc_active[e], 1);	/* pairs with machine_drain_accesses() */
	/* One relaxed load when nobody watches; see obs_clear_locked(). */
	if (!atomic_load_explicit(&m->nobs, memory_order_relaxed)) {
		ret = access_chunks(dev, addr, buf, len, acc, false, move);
	} else {
		atomic_fetch_add(&m->obs_busy, 1);
		ret = access_chunks(dev, addr, buf, len, acc, true, move);
		atomic_fetch_sub(&m->obs_busy, 1);
	}
	atomic_fetch_sub(&m->acc_active[e], 1);
	held[e]--;
	if (move)
		mcost_n(COST_DEV_BYTE, len);	/* the transfer's own time (virtual time) */
	return ret;
}

int mdev_access(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		enum dev_access acc)
{
	return access(dev, addr, buf, len, acc, true);
}

int mdev_probe(struct mdev *dev, dma_addr_t addr, size_t len, enum dev_access acc)
{
	return access(dev, addr, NULL, len, acc, false);
}

void machine_drain_accesses(struct machine *m)
{
	mlock_lock(&m->drain_lock);
	for (int round = 0; round < 2; round++) {
		unsigned int old = atomic_fetch_add(&m->acc_epoch, 1) & 1;

		while (atomic_load(&m->acc_active[old]) > held[old])
			mclock_relax();
	}
	mlock_unlock(&m->drain_lock);
}
