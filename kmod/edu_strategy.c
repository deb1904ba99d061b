// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_strategy.c - the table of DMA strategies this driver can use.
 *
 * A strategy (DESIGN.md section 6) is an ops struct, struct
 * edu_strategy_ops in edu_int.h.  The tests and the dma_map_benchmark
 * interface never call the DMA API directly: they go through an instance
 * created here, so a new strategy is one new file plus one line in
 * strategies[] below.
 *
 * strict is the plain streaming DMA API, one map and one unmap per
 * transfer; what it costs and what it protects depends on the boot's IOMMU
 * mode (strict, lazy or passthrough), which is why the harness boots each
 * mode and the results table has one column per mode.  The others wrap
 * dmareuse.ko, the shared reuse layer of ../reuse/, and hold no reuse logic
 * of their own:
 *
 *   bounce   rbounce: copies through coherent, permanently mapped buffers
 *   reuse    the map-once API: register a buffer at its first use, then
 *            rmo_for_device/rmo_for_cpu per use; stop-reuse at destroy
 *   pool     rpool: the driver's own mapped buffers (get/put)
 *   cache    rcache: whole pages only; a hit is a sync, not a map
 *   auto     rmapper, mechanism auto: bounce below the measured crossover, the
 *            cache for whole pages, a plain map otherwise
 *
 * iova-link has no strategy here: Linux 6.1 lacks the two-step IOVA API.
 */
#include <linux/bitops.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "edu_int.h"

/* In the order of DESIGN.md section 6. */
static const struct edu_strategy_ops *const strategies[] = {
	&edu_strategy_strict,
	&edu_strategy_bounce,
	&edu_strategy_reuse,
	&edu_strategy_pool,
	&edu_strategy_cache,
	&edu_strategy_auto,
};

/**
 * edu_strategy_find() - look a strategy up by its name.
 * @name: a name from DESIGN.md section 6, e.g. "strict".
 *
 * Return: the ops, or NULL when no such strategy is built in.
 */
const struct edu_strategy_ops *edu_strategy_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(strategies); i++)
		if (sysfs_streq(name, strategies[i]->name))
			return strategies[i];
	return NULL;
}

/**
 * edu_strategy_get() - iterate over the built-in strategies.
 * @i: index from 0.
 *
 * Return: the @i-th strategy, or NULL past the end.
 */
const struct edu_strategy_ops *edu_strategy_get(unsigned int i)
{
	return i < ARRAY_SIZE(strategies) ? strategies[i] : NULL;
}

/**
 * edu_strategy_names() - the built-in strategy names, for messages.
 * @buf:  destination.
 * @size: its size; the list is truncated to fit and always terminated.
 */
void edu_strategy_names(char *buf, size_t size)
{
	unsigned int i;
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(strategies) && used < size; i++)
		used += scnprintf(buf + used, size - used, "%s%s",
				  i ? ", " : "", strategies[i]->name);
}

/**
 * edu_strategy_create() - make an instance of a strategy for one device.
 * @ops: the strategy.
 * @dev: the device its mappings are for; its DMA mask must be set.
 *
 * May sleep.
 *
 * Return: the instance, or an ERR_PTR().
 */
struct edu_strategy *edu_strategy_create(const struct edu_strategy_ops *ops,
					 struct device *dev)
{
	struct edu_strategy *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->ops = ops;
	s->dev = dev;
	if (ops->init) {
		ret = ops->init(s);
		if (ret) {
			kfree(s);
			return ERR_PTR(ret);
		}
	}
	return s;
}

/**
 * edu_strategy_destroy() - free an instance made by edu_strategy_create().
 * @s: the instance, or NULL.  The caller has unmapped everything it mapped.
 */
void edu_strategy_destroy(struct edu_strategy *s)
{
	if (!s)
		return;
	if (s->ops->destroy)
		s->ops->destroy(s);
	kfree(s);
}

/**
 * edu_dma_sync_for_device() - sync ops for a strategy whose mappings are
 * plain DMA API mappings of s->dev (strict, cache).
 * @s:    the instance.
 * @addr: the DMA address the map returned.
 * @buf:  the CPU buffer (unused: the DMA API needs only the address).
 * @len:  bytes to sync.
 * @dir:  the mapping's direction.
 */
void edu_dma_sync_for_device(struct edu_strategy *s, dma_addr_t addr, void *buf,
			     size_t len, enum dma_data_direction dir)
{
	dma_sync_single_for_device(s->dev, addr, len, dir);
}

/**
 * edu_dma_sync_for_cpu() - the CPU-side twin of edu_dma_sync_for_device().
 * @s:    the instance.
 * @addr: the DMA address the map returned.
 * @buf:  the CPU buffer (unused).
 * @len:  bytes to sync.
 * @dir:  the mapping's direction.
 */
void edu_dma_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr, void *buf,
			  size_t len, enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(s->dev, addr, len, dir);
}
