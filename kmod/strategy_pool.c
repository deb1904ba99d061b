// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_pool.c - the "pool" strategy: dmareuse's rpool.
 *
 * The driver's own buffers, mapped once for the pool's lifetime and
 * recycled, as net/core/page_pool.c does: get() lends a buffer already
 * mapped, put() recycles it with a sync of the bytes used.  There is no map
 * or unmap of caller memory at all, so the strategy has get/put instead of
 * map/unmap.  A pool serves one direction, so an instance keeps one per
 * direction, made at first use with buffers of at least POOL_MIN_BYTES (and
 * at least that first request); a later, larger request fails.
 *
 * Syncs: rpool_sync_for_cpu() hands the first bytes of a buffer to the
 * CPU.  rpool has no sync for the device short of put(), so a kept buffer
 * is handed back with dma_sync_single_for_device() on its DMA address --
 * the pool mapped it with the DMA API for this device, and page_pool
 * drivers sync their pages the same way.  Works in every IOMMU mode.
 */
#include <linux/log2.h>
#include <linux/slab.h>

#include "edu_int.h"

#define POOL_NBUFS	8
#define POOL_MIN_BYTES	(2 * PAGE_SIZE)
#define POOL_NDIRS	3	/* DMA_BIDIRECTIONAL, DMA_TO_DEVICE, DMA_FROM_DEVICE */

/**
 * struct pool_priv - one instance.
 * @pool:	a pool per direction (indexed by enum dma_data_direction),
 *		or NULL until first used.
 * @buf_size:	the buffer size of each pool.
 * @live:	buffers lent now.
 * @live_dir:	the direction (pool) of each.
 * @used:	bitmap of @live slots in use.
 */
struct pool_priv {
	struct rpool *pool[POOL_NDIRS];
	size_t buf_size[POOL_NDIRS];
	struct rpool_buf *live[EDU_LIVE_MAX];
	enum dma_data_direction live_dir[EDU_LIVE_MAX];
	unsigned long used;
};

static int pool_init(struct edu_strategy *s)
{
	struct pool_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return -ENOMEM;
	s->priv = p;
	return 0;
}

static void pool_destroy(struct edu_strategy *s)
{
	struct pool_priv *p = s->priv;
	unsigned int i;

	for (i = 0; i < POOL_NDIRS; i++)
		dmareuse_pool_destroy(p->pool[i]);
	kfree(p);
}

static void *pool_get(struct edu_strategy *s, size_t len,
		      enum dma_data_direction dir, dma_addr_t *addr)
{
	struct pool_priv *p = s->priv;
	struct rpool_buf *b;
	unsigned int i;

	if (dir >= POOL_NDIRS)
		return NULL;
	if (!p->pool[dir]) {
		size_t size = roundup_pow_of_two(max_t(size_t, len,
						       POOL_MIN_BYTES));

		p->pool[dir] = dmareuse_pool_create(s->dev, size, POOL_NBUFS,
						    dir);
		if (!p->pool[dir])
			return NULL;
		p->buf_size[dir] = size;
	}
	if (len > p->buf_size[dir])
		return NULL;
	i = ffz(p->used);
	if (i >= EDU_LIVE_MAX)
		return NULL;
	b = rpool_get(p->pool[dir]);
	if (!b)
		return NULL;
	__set_bit(i, &p->used);
	p->live[i] = b;
	p->live_dir[i] = dir;
	*addr = b->dma;
	return b->cpu;
}

/* The live slot of the buffer at @buf / @addr, or EDU_LIVE_MAX. */
static unsigned int pool_find(struct pool_priv *p, void *buf, dma_addr_t addr)
{
	unsigned int i;

	for (i = 0; i < EDU_LIVE_MAX; i++)
		if (test_bit(i, &p->used) && p->live[i]->cpu == buf &&
		    p->live[i]->dma == addr)
			return i;
	return EDU_LIVE_MAX;
}

static void pool_put(struct edu_strategy *s, void *buf, dma_addr_t addr,
		     size_t len, enum dma_data_direction dir)
{
	struct pool_priv *p = s->priv;
	unsigned int i = pool_find(p, buf, addr);

	if (WARN_ON_ONCE(i >= EDU_LIVE_MAX))
		return;
	rpool_put(p->pool[p->live_dir[i]], p->live[i], len);
	__clear_bit(i, &p->used);
}

static void pool_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				 void *buf, size_t len,
				 enum dma_data_direction dir)
{
	struct pool_priv *p = s->priv;
	unsigned int i = pool_find(p, buf, addr);

	if (!WARN_ON_ONCE(i >= EDU_LIVE_MAX))
		dma_sync_single_for_device(s->dev, addr, len, p->live_dir[i]);
}

static void pool_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
			      void *buf, size_t len,
			      enum dma_data_direction dir)
{
	struct pool_priv *p = s->priv;
	unsigned int i = pool_find(p, buf, addr);

	if (!WARN_ON_ONCE(i >= EDU_LIVE_MAX))
		rpool_sync_for_cpu(p->pool[p->live_dir[i]], p->live[i], len);
}

const struct edu_strategy_ops edu_strategy_pool = {
	.name		 = "pool",
	.mech		 = RMECH_POOL,
	.init		 = pool_init,
	.destroy	 = pool_destroy,
	.get		 = pool_get,
	.put		 = pool_put,
	.sync_for_device = pool_sync_for_device,
	.sync_for_cpu	 = pool_sync_for_cpu,
};
