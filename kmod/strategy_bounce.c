// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_bounce.c - the "bounce" strategy: dmareuse's rbounce.
 *
 * The device is given a coherent buffer that stays mapped for the pool's
 * lifetime; map copies the caller's bytes in (TO_DEVICE, BIDIRECTIONAL),
 * unmap copies them out (FROM_DEVICE, BIDIRECTIONAL).  No map, unmap or
 * invalidation per transfer, and the device never reaches caller memory.
 * Works in every IOMMU mode.  Each instance has its own pool.
 */
#include <linux/slab.h>

#include "edu_int.h"

/**
 * struct bounce_priv - one instance.
 * @pool: the bounce pool.
 * @live: handles of the buffers lent now.
 */
struct bounce_priv {
	struct rbounce *pool;
	struct edu_live live;
};

static int bounce_init(struct edu_strategy *s)
{
	struct bounce_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->pool = dmareuse_bounce_create(s->dev, 0);
	if (!p->pool) {
		kfree(p);
		return -ENOMEM;
	}
	s->priv = p;
	return 0;
}

static void bounce_destroy(struct edu_strategy *s)
{
	struct bounce_priv *p = s->priv;

	dmareuse_bounce_destroy(p->pool);
	kfree(p);
}

static dma_addr_t bounce_map(struct edu_strategy *s, void *buf, size_t len,
			     enum dma_data_direction dir)
{
	struct bounce_priv *p = s->priv;
	struct rmap_handle *h = edu_live_add(&p->live, buf);

	if (!h)
		return DMA_MAPPING_ERROR;
	if (rbounce_map(p->pool, buf, len, dir, h)) {
		edu_live_del(&p->live, h);
		return DMA_MAPPING_ERROR;
	}
	return h->dma;
}

static void bounce_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			 size_t len, enum dma_data_direction dir)
{
	struct bounce_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (WARN_ON_ONCE(!h))
		return;
	rbounce_unmap(p->pool, h);
	edu_live_del(&p->live, h);
}

static void bounce_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				   void *buf, size_t len,
				   enum dma_data_direction dir)
{
	struct bounce_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rbounce_sync_for_device(p->pool, h);
}

static void bounce_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
				void *buf, size_t len,
				enum dma_data_direction dir)
{
	struct bounce_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rbounce_sync_for_cpu(p->pool, h);
}

const struct edu_strategy_ops edu_strategy_bounce = {
	.name		 = "bounce",
	.rt_modes	 = EDU_RT_EXACT,
	.init		 = bounce_init,
	.destroy	 = bounce_destroy,
	.map		 = bounce_map,
	.unmap		 = bounce_unmap,
	.sync_for_device = bounce_sync_for_device,
	.sync_for_cpu	 = bounce_sync_for_cpu,
};
