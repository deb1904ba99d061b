// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * edu_strategy.c - the table of DMA strategies this driver can use.
 *
 * A strategy (docs/design.md section 6) is an ops struct, struct
 * edu_strategy_ops in edu_int.h, naming a mechanism of the reuse layer
 * (enum reuse_mech).  The tests and the dma_map_benchmark interface never
 * call the DMA API directly: they go through an instance created here.
 *
 * The IOMMU mode is the boot's (strict, lazy or passthrough), which is why
 * the harness boots each mode and the results table has one column per
 * mode.  A strategy is therefore a pair of that mode and its mechanism, and
 * edu_strategy_create() asks the reuse layer's table (reuse_pair_why_not())
 * whether the pair is allowed before it makes an instance: under lazy,
 * reuse, cache and auto are refused (-EOPNOTSUPP, reported as n/a).
 *
 *   strict   mechanism none: the plain streaming DMA API, one map and one
 *            unmap per transfer (strategy_strict.c)
 *   bounce   rmapper, mechanism bounce: copies through coherent,
 *            permanently mapped buffers (strategy_mapper.c)
 *   reuse    the map-once API: register a buffer at its first use, then
 *            rmo_for_device/rmo_for_cpu per use; stop-reuse at destroy
 *            (strategy_reuse.c)
 *   pool     rpool: the driver's own mapped buffers, get/put
 *            (strategy_pool.c)
 *   cache    rmapper, mechanism cache: whole pages cached, a hit is a sync,
 *            not a map; sub-page buffers bounced (strategy_mapper.c)
 *   batch    rbatch: unmap clears the PTEs, the invalidation waits in a
 *            per-CPU batch, the page is held until its flush; in the
 *            device's own IOMMU domain (strategy_batch.c)
 *   auto     rmapper, mechanism auto: bounce up to the measured crossover,
 *            the cache for whole pages, a plain map otherwise
 *            (strategy_mapper.c)
 *
 * All but strict wrap dmareuse.ko, the shared reuse layer of ../reuse/, and
 * hold no reuse logic of their own.  A new mechanism the mapper lends per
 * buffer is one line in strategy_mapper.c and one in strategies[] below;
 * one with its own object and its own unmap (as batch) is a file of its own
 * and one line here.  iova-link has no strategy here: Linux 6.1 lacks the
 * two-step IOVA API.
 */
#include <linux/slab.h>
#include <linux/string.h>

#include "edu_int.h"

/* In the order of docs/design.md section 6. */
static const struct edu_strategy_ops *const strategies[] = {
	&edu_strategy_strict,
	&edu_strategy_bounce,
	&edu_strategy_reuse,
	&edu_strategy_pool,
	&edu_strategy_cache,
	&edu_strategy_batch,
	&edu_strategy_auto,
};

/**
 * edu_strategy_find() - look a strategy up by its name.
 * @name: a name from docs/design.md section 6, e.g. "strict".
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
 * Return: the instance, or an ERR_PTR(): -EOPNOTSUPP when the reuse layer
 * refuses the pair of @dev's IOMMU mode and the strategy's mechanism (the
 * reason is logged at debug level), -ENOMEM, or the error of @ops->init.
 */
struct edu_strategy *edu_strategy_create(const struct edu_strategy_ops *ops,
					 struct device *dev)
{
	struct reuse_pair pair = {
		.mode = dmareuse_device_mode(dev),
		.mech = ops->mech,
	};
	const char *why = reuse_pair_why_not(pair);
	struct edu_strategy *s;
	int ret;

	if (why) {
		/* Debug level: dma_map_benchmark asks once per run and thread. */
		dev_dbg(dev, "strategy %s under %s: %s\n", ops->name,
			reuse_mode_name(pair.mode), why);
		return ERR_PTR(-EOPNOTSUPP);
	}
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
