// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_cache.c - the "cache" strategy: dmareuse's rcache.
 *
 * A transparent mapping cache in the driver: the first map of a buffer
 * pins its pages and maps them; later maps of the same buffer are hits (a
 * sync, no map), and unmap is a sync that leaves the entry cached.  Only
 * whole pages are cached -- a page-aligned buffer of whole pages -- because a
 * cached sub-page buffer would leave its page's other owners exposed; the
 * cache refuses anything else (logged as misuse) and this strategy then
 * fails the map.  Drivers that also see sub-page buffers use auto, which
 * bounces them.
 *
 * The cache refuses a lazy (flush-queue) device: a released entry could
 * stay in the IOTLB after its page is freed.  init then returns
 * -EOPNOTSUPP, which the tests report as n/a.  Entries live until the
 * instance is destroyed, the cache's limits evict them, or dmareuse's
 * shrinker releases them.
 */
#include <linux/mm.h>
#include <linux/slab.h>

#include "edu_int.h"

/**
 * struct cache_priv - one instance.
 * @cache: the mapping cache, registered with dmareuse's shrinker.
 * @live:  handles of the buffers lent now.
 */
struct cache_priv {
	struct rcache *cache;
	struct edu_live live;
};

static int cache_init(struct edu_strategy *s)
{
	struct cache_priv *p;

	if (!dmareuse_unmap_is_strict(s->dev))
		return -EOPNOTSUPP;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->cache = dmareuse_cache_create(s->dev, 0, 0);
	if (!p->cache) {
		kfree(p);
		return -ENOMEM;
	}
	s->priv = p;
	return 0;
}

static void cache_destroy(struct edu_strategy *s)
{
	struct cache_priv *p = s->priv;
	struct reuse_stats st;

	rcache_stats(p->cache, &st);
	dev_dbg(s->dev, "cache: %llu hits, %llu misses, %llu syncs\n",
		(unsigned long long)st.hits, (unsigned long long)st.misses,
		(unsigned long long)st.syncs);
	dmareuse_cache_destroy(p->cache);
	kfree(p);
}

static dma_addr_t cache_map(struct edu_strategy *s, void *buf, size_t len,
			    enum dma_data_direction dir)
{
	struct cache_priv *p = s->priv;
	struct rmap_handle *h = edu_live_add(&p->live, buf);

	if (!h)
		return DMA_MAPPING_ERROR;
	if (rcache_map(p->cache, virt_to_page(buf), offset_in_page(buf), len,
		       dir, h)) {
		edu_live_del(&p->live, h);
		return DMA_MAPPING_ERROR;
	}
	return h->dma;
}

static void cache_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			size_t len, enum dma_data_direction dir)
{
	struct cache_priv *p = s->priv;
	struct rmap_handle *h = edu_live_find(&p->live, addr, buf);

	if (WARN_ON_ONCE(!h))
		return;
	rcache_unmap(p->cache, h);
	edu_live_del(&p->live, h);
}

const struct edu_strategy_ops edu_strategy_cache = {
	.name		 = "cache",
	.rt_modes	 = EDU_RT_PAGES,
	.init		 = cache_init,
	.destroy	 = cache_destroy,
	.map		 = cache_map,
	.unmap		 = cache_unmap,
	.sync_for_device = edu_dma_sync_for_device,
	.sync_for_cpu	 = edu_dma_sync_for_cpu,
};
