// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_mapper.c - the strategies that are one mechanism of dmareuse's
 * per-buffer mapper (struct rmapper): bounce, cache and auto.
 *
 * Each is the same code over a mapper made with its mechanism
 * (edu_strategy_ops.mech): map is rmapper_map(), unmap rmapper_unmap(),
 * the syncs rmapper_sync_for_{device,cpu}().  What each mechanism does is
 * the mapper's (reuse/mapper.c):
 *
 *   bounce  rbounce: the device is given a coherent buffer that stays
 *           mapped for the pool's lifetime; map copies the caller's bytes
 *           in (TO_DEVICE, BIDIRECTIONAL), unmap copies them out
 *           (FROM_DEVICE, BIDIRECTIONAL).  No map, unmap or invalidation
 *           per transfer, and the device never reaches caller memory.
 *   cache   rcache for a page-aligned buffer of whole pages: the first map
 *           pins and maps them, a later map of the same buffer is a hit (a
 *           sync, no map), unmap leaves the entry cached.  A sub-page
 *           buffer would leave its page's other owners exposed, so the
 *           mapper bounces it (docs/design.md section 6).  Entries live until
 *           the instance is destroyed, the cache's limits evict them, or
 *           dmareuse's shrinker releases them.
 *   auto    per buffer: up to the crossover (measured on this device when
 *           the instance is made: the largest copy cheaper than a map +
 *           unmap pair) bounced, whole pages cached, anything else mapped
 *           and unmapped plainly.
 *
 * The round-trip test lends cache whole pages only (EDU_RT_PAGES), auto
 * both ways, bounce exact spans.  cache and auto are refused under a lazy
 * boot (their cache would keep a freed page reachable until the flush);
 * edu_strategy_create() asks the reuse layer's table before init runs.
 *
 * An instance keeps the rmap_handle of each buffer it lends in a few slots
 * (struct edu_live in edu_int.h): unmap and sync are given the DMA address
 * and the CPU buffer, and find the handle by both.  An instance is used by
 * one thread at a time, so there is no lock.
 *
 * Another mechanism the mapper lends per buffer (iova-link on a kernel
 * that has the two-step IOVA API) is one more MAPPER_STRATEGY() line below
 * and a line in edu_strategy.c's table.  A mechanism whose unmap does not
 * end with the buffer handed back -- batch, which defers the invalidation
 * and releases the buffer only after its batch's flush -- needs its own
 * ops in its own file (strategy_batch.c), since these unmap and forget the
 * handle at once.
 */
#include <linux/bitops.h>
#include <linux/slab.h>

#include "edu_int.h"

/**
 * struct mapper_priv - one instance.
 * @m:	  the mapper, made with the strategy's mechanism.
 * @live: handles of the buffers lent now.
 */
struct mapper_priv {
	struct rmapper *m;
	struct edu_live live;
};

static int mapper_init(struct edu_strategy *s)
{
	struct mapper_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	p->m = dmareuse_mapper_create(s->dev, s->ops->mech, NULL);
	if (!p->m) {
		kfree(p);
		return -ENOMEM;
	}
	s->priv = p;
	return 0;
}

static void mapper_destroy(struct edu_strategy *s)
{
	struct mapper_priv *p = s->priv;
	struct reuse_stats st;

	/* Debug level: dma_map_benchmark destroys one instance per thread. */
	rmapper_stats(p->m, &st);
	dev_dbg(s->dev, "%s: %llu hits, %llu misses, %llu syncs, %llu bytes copied\n",
		s->ops->name, (unsigned long long)st.hits,
		(unsigned long long)st.misses, (unsigned long long)st.syncs,
		(unsigned long long)st.bytes_copied);
	dmareuse_mapper_destroy(p->m);
	kfree(p);
}

static dma_addr_t mapper_map(struct edu_strategy *s, void *buf, size_t len,
			     enum dma_data_direction dir)
{
	struct mapper_priv *p = s->priv;
	struct rmap_handle *h = edu_live_add(&p->live, buf);

	if (!h)
		return DMA_MAPPING_ERROR;
	if (rmapper_map(p->m, buf, len, dir, h)) {
		edu_live_del(&p->live, h);
		return DMA_MAPPING_ERROR;
	}
	return h->dma;
}

static void mapper_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			 size_t len, enum dma_data_direction dir)
{
	struct mapper_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (WARN_ON_ONCE(!h))
		return;
	rmapper_unmap(p->m, h);
	edu_live_del(&p->live, h);
}

static void mapper_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				   void *buf, size_t len,
				   enum dma_data_direction dir)
{
	struct mapper_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rmapper_sync_for_device(p->m, h);
}

static void mapper_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
				void *buf, size_t len,
				enum dma_data_direction dir)
{
	struct mapper_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (!WARN_ON_ONCE(!h))
		rmapper_sync_for_cpu(p->m, h);
}

/**
 * edu_strategy_crossover() - the bounce/map crossover of an instance.
 * @s: an instance of a strategy of this file.
 *
 * Return: bytes; for auto, buffers up to this size are bounced; 0 for the
 * other mechanisms (see rmapper_crossover()).
 */
size_t edu_strategy_crossover(struct edu_strategy *s)
{
	struct mapper_priv *p = s->priv;

	return rmapper_crossover(p->m);
}

#define MAPPER_STRATEGY(_name, _mech, _rt_modes) {		\
	.name		 = _name,				\
	.mech		 = _mech,				\
	.rt_modes	 = _rt_modes,				\
	.init		 = mapper_init,				\
	.destroy	 = mapper_destroy,			\
	.map		 = mapper_map,				\
	.unmap		 = mapper_unmap,			\
	.sync_for_device = mapper_sync_for_device,		\
	.sync_for_cpu	 = mapper_sync_for_cpu,			\
}

const struct edu_strategy_ops edu_strategy_bounce =
	MAPPER_STRATEGY("bounce", RMECH_BOUNCE, EDU_RT_EXACT);
const struct edu_strategy_ops edu_strategy_cache =
	MAPPER_STRATEGY("cache", RMECH_CACHE, EDU_RT_PAGES);
const struct edu_strategy_ops edu_strategy_auto =
	MAPPER_STRATEGY("auto", RMECH_AUTO, EDU_RT_EXACT | EDU_RT_PAGES);
