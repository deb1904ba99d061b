// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_batch.c - the "batch" strategy: dmareuse's deferred invalidations.
 *
 * map is rbatch_map() (a fresh IOVA in the device's batch domain, see
 * kmod/osdep_linux.c), unmap is rbatch_unmap(): the PTEs are cleared at
 * once, the IOTLB invalidation waits in this CPU's batch, and the batch
 * holds a reference on the buffer's page until its flush.  A batch is
 * flushed -- one invalidation and its wait for every unmap in it -- when
 * it is full (batch_size= unmaps, default 64), or when the instance is
 * destroyed.  So the device may reach a buffer for a while after its unmap
 * (the window; edu_batch.c measures it), never a page that went back to
 * the allocator.
 *
 * Why its own file: its unmap does not end with the buffer handed back
 * -- the page stays held until the flush -- so it does not fit the
 * mapper's unmap-and-forget slots.  It uses the same slot helpers
 * (struct edu_live) to find a handle by DMA address and CPU buffer.
 *
 * Every instance is its own batch object; they share the device's batch
 * domain, which the first attaches and the last detaches.  While any
 * exists the device reaches nothing the DMA API mapped, so nothing else
 * may run DMA on the device meanwhile (the tests and dma_map_benchmark run
 * one strategy at a time).  The pair (mode, batch) is allowed in every
 * mode; under passthrough there is nothing to defer.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "edu_int.h"

/**
 * struct batch_priv - one instance.
 * @b:	  the batch object.
 * @live: handles of the buffers lent now.
 */
struct batch_priv {
	struct rbatch *b;
	struct edu_live live;
};

static int batch_init(struct edu_strategy *s)
{
	struct batch_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->b = dmareuse_batch_create(s->dev, edu_batch_size());
	if (!p->b) {
		kfree(p);
		return -ENOMEM;
	}
	s->priv = p;
	return 0;
}

static void batch_destroy(struct edu_strategy *s)
{
	struct batch_priv *p = s->priv;
	struct reuse_stats st;

	rbatch_flush_all(p->b);
	/* Debug level: dma_map_benchmark destroys one instance per thread. */
	rbatch_stats(p->b, &st);
	dev_dbg(s->dev, "batch: %llu unmaps, %llu deferred, %llu flushes, largest %llu\n",
		(unsigned long long)st.unmaps, (unsigned long long)st.deferred,
		(unsigned long long)st.flushes, (unsigned long long)st.batch_max);
	dmareuse_batch_destroy(p->b);
	kfree(p);
}

static dma_addr_t batch_map(struct edu_strategy *s, void *buf, size_t len,
			    enum dma_data_direction dir)
{
	struct batch_priv *p = s->priv;
	struct rmap_handle *h = edu_live_add(&p->live, buf);

	if (!h)
		return DMA_MAPPING_ERROR;
	if (rbatch_map(p->b, virt_to_page(buf), offset_in_page(buf), len, dir, h)) {
		edu_live_del(&p->live, h);
		return DMA_MAPPING_ERROR;
	}
	return h->dma;
}

static void batch_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			size_t len, enum dma_data_direction dir)
{
	struct batch_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (WARN_ON_ONCE(!h))
		return;
	rbatch_unmap(p->b, h);
	edu_live_del(&p->live, h);
}

static void batch_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				  void *buf, size_t len,
				  enum dma_data_direction dir)
{
	struct batch_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rbatch_sync_for_device(p->b, h);
}

static void batch_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
			       void *buf, size_t len,
			       enum dma_data_direction dir)
{
	struct batch_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rbatch_sync_for_cpu(p->b, h);
}

const struct edu_strategy_ops edu_strategy_batch = {
	.name		 = "batch",
	.mech		 = RMECH_BATCH,
	.rt_modes	 = EDU_RT_EXACT,
	.init		 = batch_init,
	.destroy	 = batch_destroy,
	.map		 = batch_map,
	.unmap		 = batch_unmap,
	.sync_for_device = batch_sync_for_device,
	.sync_for_cpu	 = batch_sync_for_cpu,
};
