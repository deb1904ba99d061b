// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_auto.c - the "auto" strategy: dmareuse's rmapper, mechanism auto.
 *
 * Per buffer: at most the crossover (measured on this device when the
 * instance is made: the largest copy cheaper than a map + unmap pair) is
 * bounced; a buffer of whole pages goes through the mapping cache; anything
 * else is mapped and unmapped plainly.  The mapper's cache refuses a lazy
 * device, so auto is n/a there (init returns -EOPNOTSUPP).
 */
#include <linux/slab.h>

#include "edu_int.h"

/**
 * struct auto_priv - one instance.
 * @m:	  the mapper.
 * @live: handles of the buffers lent now.
 */
struct auto_priv {
	struct rmapper *m;
	struct edu_live live;
};

static int auto_init(struct edu_strategy *s)
{
	struct auto_priv *p;

	if (!dmareuse_unmap_is_strict(s->dev))
		return -EOPNOTSUPP;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->m = dmareuse_mapper_create(s->dev, RMECH_AUTO, NULL);
	if (!p->m) {
		kfree(p);
		return -ENOMEM;
	}
	s->priv = p;
	return 0;
}

static void auto_destroy(struct edu_strategy *s)
{
	struct auto_priv *p = s->priv;

	dmareuse_mapper_destroy(p->m);
	kfree(p);
}

static dma_addr_t auto_map(struct edu_strategy *s, void *buf, size_t len,
			   enum dma_data_direction dir)
{
	struct auto_priv *p = s->priv;
	struct rmap_handle *h = edu_live_add(&p->live, buf);

	if (!h)
		return DMA_MAPPING_ERROR;
	if (rmapper_map(p->m, buf, len, dir, h)) {
		edu_live_del(&p->live, h);
		return DMA_MAPPING_ERROR;
	}
	return h->dma;
}

static void auto_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
		       size_t len, enum dma_data_direction dir)
{
	struct auto_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (WARN_ON_ONCE(!h))
		return;
	rmapper_unmap(p->m, h);
	edu_live_del(&p->live, h);
}

static void auto_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				 void *buf, size_t len,
				 enum dma_data_direction dir)
{
	struct auto_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rmapper_sync_for_device(p->m, h);
}

static void auto_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
			      void *buf, size_t len,
			      enum dma_data_direction dir)
{
	struct auto_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rmapper_sync_for_cpu(p->m, h);
}

/**
 * edu_strategy_auto_crossover() - the bounce/map crossover of an instance.
 * @s: an instance of the auto strategy.
 *
 * Return: bytes; buffers up to this size are bounced.
 */
size_t edu_strategy_auto_crossover(struct edu_strategy *s)
{
	struct auto_priv *p = s->priv;

	return rmapper_crossover(p->m);
}

const struct edu_strategy_ops edu_strategy_auto = {
	.name		 = "auto",
	.rt_modes	 = EDU_RT_EXACT | EDU_RT_PAGES,
	.init		 = auto_init,
	.destroy	 = auto_destroy,
	.map		 = auto_map,
	.unmap		 = auto_unmap,
	.sync_for_device = auto_sync_for_device,
	.sync_for_cpu	 = auto_sync_for_cpu,
};
