// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dma_fq.c - the end of a translating mapping: strict invalidation, or
 * the flush queue.
 *
 * An unmap clears the PTEs and then either
 *   strict: issues a range invalidation + CMD_SYNC and frees the IOVA, or
 *   lazy:   appends the range to this CPU's flush queue; the queue is
 *           flushed (domain invalidation + SYNC) when it is full or when its
 *           oldest entry is FQ_TIMEOUT_NS old (a timer thread checks every
 *           ms), and only after that flush are its IOVAs freed.  An IOVA is
 *           thus never handed out again while the IOTLB may still translate
 *           it.
 * As Linux's dma-iommu.c (iommu_dma_free_iova() and its flush queue).
 *
 * Safety invariant for strict: when dma_unmap_*() returns, no PTE and no
 * IOTLB entry of this domain reaches the buffer.
 *
 * The observer hears of the unmap where the lending ends, as the caller
 * sees it: a strict unmap once its invalidation has completed (the buffer
 * is the device's until the call returns); a lazy one before its PTEs are
 * cleared, since its call returns with the IOTLB still translating -- so
 * the oracle sees lazy's window and never strict's call in flight.
 *
 * Locks: fq[cpu].lock protects that CPU's queue, timer_lock the timer's
 * stop flag; their order against the others is in dma_int.h.
 */
#include "dma_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <stdlib.h>

struct fq_entry {
	pfn_t pfn;
	size_t npages;
};

struct flush_queue {
	struct mlock lock;		/* protects e[], n, first_ns */
	unsigned int n;
	uint64_t first_ns;		/* when e[0] was queued */
	struct fq_entry e[FQ_SIZE];
};

static void fq_flush_locked(struct dma_device *dev, struct flush_queue *fq)
{
	struct iommu_cmd cmd = {
		.op = CMD_INV_DOMAIN, .domain = iommu_domain_id(dev->dom),
	};

	mlock_assert_held(&fq->lock);

	if (!fq->n)
		return;
	mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
	iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	st_inc(dev, inv_cmds);
	st_inc(dev, fq_flushes);
	for (unsigned int i = 0; i < fq->n; i++)
		free_iova_fast(dev->iovad, fq->e[i].pfn, fq->e[i].npages);
	fq->n = 0;
}

static void fq_add(struct dma_device *dev, pfn_t pfn, size_t npages)
{
	struct flush_queue *fq = &dev->fq[os_this_cpu() % dev->os->ncpus];

	mlock_lock(&fq->lock);
	if (fq->n == FQ_SIZE)
		fq_flush_locked(dev, fq);
	if (!fq->n)
		fq->first_ns = mclock_now();
	fq->e[fq->n++] = (struct fq_entry){ pfn, npages };
	mlock_unlock(&fq->lock);
}

static void *fq_timer_fn(void *arg)
{
	struct dma_device *dev = arg;

	mlock_lock(&dev->timer_lock);
	while (!dev->timer_stop) {
		mcond_timedwait(&dev->timer_cond, &dev->timer_lock, mclock_now() + 1000000);
		if (dev->timer_stop)
			break;
		mlock_unlock(&dev->timer_lock);
		for (unsigned int c = 0; c < dev->os->ncpus; c++) {
			struct flush_queue *fq = &dev->fq[c];

			mlock_lock(&fq->lock);
			if (fq->n && mclock_now() - fq->first_ns >= FQ_TIMEOUT_NS)
				fq_flush_locked(dev, fq);
			mlock_unlock(&fq->lock);
		}
		mlock_lock(&dev->timer_lock);
	}
	mlock_unlock(&dev->timer_lock);
	return NULL;
}

void dma_flush_lazy(struct dma_device *dev)
{
	if (dev->type != DMA_DOMAIN_LAZY)
		return;
	for (unsigned int c = 0; c < dev->os->ncpus; c++) {
		mlock_lock(&dev->fq[c].lock);
		fq_flush_locked(dev, &dev->fq[c]);
		mlock_unlock(&dev->fq[c].lock);
	}
}
int dma_fq_init(struct dma_device *dev)
{
	struct os *os = dev->os;

	dev->fq = lab_calloc(os->ncpus, sizeof(*dev->fq));
	if (!dev->fq)
		return -ENOMEM;
	for (unsigned int c = 0; c < os->ncpus; c++)
		mlock_init(&dev->fq[c].lock, "flush queue", MLOCK_MODELLED);
	mlock_init(&dev->timer_lock, "fq timer", MLOCK_FREE);
	if (mcond_init(&dev->timer_cond, COST_WAKEUP))
		goto out_fq;
	if (failinject_should_fail() ||
	    mthread_create(&dev->fq_timer, "fq timer", fq_timer_fn, dev))
		goto out_fq;
	return 0;

out_fq:
	for (unsigned int c = 0; c < os->ncpus; c++)
		mlock_destroy(&dev->fq[c].lock);
	mlock_destroy(&dev->timer_lock);
	mcond_destroy(&dev->timer_cond);
	free(dev->fq);
	return -ENOMEM;
}

void dma_fq_destroy(struct dma_device *dev)
{
	mlock_lock(&dev->timer_lock);
	dev->timer_stop = true;
	mcond_signal(&dev->timer_cond);
	mlock_unlock(&dev->timer_lock);
	mthread_join(&dev->fq_timer, NULL);
	dma_flush_lazy(dev);
	for (unsigned int c = 0; c < dev->os->ncpus; c++)
		mlock_destroy(&dev->fq[c].lock);
	mlock_destroy(&dev->timer_lock);
	mcond_destroy(&dev->timer_cond);
	free(dev->fq);
}

/*
 * Tear down a translating mapping whose PTEs are known present, telling
 * the observer @note where the lending ends.
 */
void dma_iommu_unmap_range(struct dma_device *dev, dma_addr_t addr, size_t size,
			   const struct unmap_note *note)
{
	size_t npages = DIV_ROUND_UP((addr & ~PAGE_MASK) + size, PAGE_SIZE);
	iova_t iova = addr & PAGE_MASK;
	struct iommu_cmd cmd = {
		.op = CMD_INV_RANGE, .domain = iommu_domain_id(dev->dom),
		.iova = iova, .npages = npages,
	};

	if (dev->type != DMA_DOMAIN_STRICT) {
		/* Lazy: the call returns with the IOTLB still translating. */
		unmap_note_emit(dev, note);
		iommu_unmap(dev->dom, iova, npages * PAGE_SIZE);
		fq_add(dev, iova >> PAGE_SHIFT, npages);
		return;
	}
	iommu_unmap(dev->dom, iova, npages * PAGE_SIZE);
	mcost(COST_TLB_GATHER);	/* gather, build the commands (virtual time) */
	iommu_cmdq_submit(dev->os->m, os_this_cpu(), &cmd, 1, true);
	st_inc(dev, inv_cmds);
	/*
	 * Nothing translates the range now, and the synced submit waited for
	 * every device access that had translated through it (cmdq.c): each
	 * was classified while the buffer was still lent.  The lending ends
	 * here, before the IOVA can be handed out and mapped again (the
	 * observer finds its record by address).
	 */
	unmap_note_emit(dev, note);
	free_iova_fast(dev->iovad, iova >> PAGE_SHIFT, npages);
}

