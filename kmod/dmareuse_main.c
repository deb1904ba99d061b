// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dmareuse_main.c - dmareuse.ko: the reuse layer as a Linux library module.
 *
 * The module is the shared, OS-neutral layer of ../reuse/ (the very files
 * the lab builds; see Kbuild), bound to Linux by osdep_os.h and
 * osdep_linux.c, plus what only a kernel needs, which lives here:
 *
 *   - exports: the layer's calls (<dmareuse/reuse.h>) for other modules, and
 *     lifetime wrappers (dmareuse_linux.h) in place of its _create/_destroy
 *     calls, so that every object is known to the module;
 *   - a registry of those objects (dr_objs);
 *   - debugfs: one file per object, dmareuse/<kind>-<id> (a mapper's:
 *     mapper-<mechanism>-<id>), with its device, every counter of struct
 *     reuse_stats and, where a bounce pool is under it, the pool's choice
 *     of copy per size class;
 *   - a shrinker: under memory pressure it releases cached mappings, of
 *     caches and of the caches under mappers alike -- first those whose
 *     page only the cache still references (rcache_reclaim(),
 *     rmapper_maintain(): the owner freed it, so releasing the entry frees
 *     the page), then idle entries in LRU order (rcache_shrink(),
 *     rmapper_shrink(): the pin goes, so the owner's page can be reclaimed
 *     or migrated).  A release unmaps with a synchronous IOTLB invalidation
 *     before the page reference is dropped (docs/design.md section 6, the safety
 *     rule).
 *
 * Licence: the whole layer is dual MIT / GPL-2.0 ("Dual MIT/GPL").  The
 * exports are EXPORT_SYMBOL_GPL: the module itself is built on GPL-only
 * kernel interfaces (iommu_get_domain_for_dev()), and its users are drivers.
 *
 * Locking: dr_lock (a mutex) protects dr_objs and each object's debugfs
 * file.  Lock order: dr_lock, then an object's own lock (taken inside the
 * layer).  Nothing allocates memory while holding dr_lock, and the shrinker
 * only trylocks it, so reclaim entered from an allocation never waits for
 * dr_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>

#include "dmareuse_linux.h"
#include "osdep_os.h"	/* the binding: dmareuse_unmap_is_strict() wraps it */

enum dr_kind { DR_BOUNCE, DR_REUSE, DR_POOL, DR_CACHE, DR_MAPPER, DR_BATCH };

static const char *const dr_kind_name[] = {
	[DR_BOUNCE] = "bounce",
	[DR_REUSE] = "reuse",
	[DR_POOL] = "pool",
	[DR_CACHE] = "cache",
	[DR_MAPPER] = "mapper",
	[DR_BATCH] = "batch",
};

/**
 * struct dr_obj - one object of the reuse layer, known to the module.
 * @node:	in dr_objs.
 * @kind:	which layer object @obj is.
 * @obj:	the object (struct rbounce, rreuse, rpool, rcache, rmapper or
 *		rbatch).
 * @dev:	the device it serves.
 * @id:		unique number, part of the debugfs name.
 * @file:	dmareuse/<name> in debugfs, or NULL.
 * @name:	<kind>-<id>, or mapper-<mechanism>-<id>.
 */
struct dr_obj {
	struct list_head node;
	enum dr_kind kind;
	void *obj;
	struct device *dev;
	unsigned int id;
	struct dentry *file;
	char name[40];
};

static DEFINE_MUTEX(dr_lock);
static LIST_HEAD(dr_objs);		/* protected by dr_lock */
static atomic_t dr_next_id = ATOMIC_INIT(0);
static struct dentry *dr_debugfs;	/* dmareuse/, or an error pointer */

static void dr_stats(const struct dr_obj *o, struct reuse_stats *st)
{
	switch (o->kind) {
	case DR_BOUNCE:
		rbounce_stats(o->obj, st);
		break;
	case DR_REUSE:
		rreuse_stats(o->obj, st);
		break;
	case DR_POOL:
		rpool_stats(o->obj, st);
		break;
	case DR_CACHE:
		rcache_stats(o->obj, st);
		break;
	case DR_MAPPER:
		rmapper_stats(o->obj, st);
		break;
	case DR_BATCH:
		rbatch_stats(o->obj, st);
		break;
	}
}

#define DR_FIELD(f) { #f, offsetof(struct reuse_stats, f) }

/* Every field of struct reuse_stats, in its order. */
static const struct {
	const char *name;
	size_t off;
} dr_fields[] = {
	DR_FIELD(hits),
	DR_FIELD(misses),
	DR_FIELD(maps),
	DR_FIELD(unmaps),
	DR_FIELD(syncs),
	DR_FIELD(invalidations),
	DR_FIELD(bytes_copied),
	DR_FIELD(pages_pinned),
	DR_FIELD(reclaimed),
	DR_FIELD(evicted),
	DR_FIELD(in_use),
	DR_FIELD(errors),
	DR_FIELD(deferred),
	DR_FIELD(pages_deferred),
	DR_FIELD(flushes),
	DR_FIELD(batch_max),
};

/*
 * A bounce pool's copy choice, per area (CPU) and size class that has
 * copied toward the device:
 * "copy_4096 area 0: stream cached_ns=240 stream_ns=98 samples=38,308".
 */
static void dr_bounce_copy_show(struct seq_file *m, struct rbounce *b)
{
	struct rcopy_est e;
	unsigned int a, c;
	size_t bytes;
	int use;

	for (a = 0; a < rbounce_nareas(b); a++)
		for (c = 0; c < RBOUNCE_NCLASSES; c++) {
			use = rbounce_copy_state(b, a, c, &bytes, &e);
			if (use < 0 || !e.n)
				continue;
			seq_printf(m, "copy_%zu area %u: %s cached_ns=%llu stream_ns=%llu samples=%u,%u\n",
				   bytes, a, use == RCOPY_STREAM ? "stream" : "cached",
				   (unsigned long long)(e.mean16[RCOPY_CACHED] >> 4),
				   (unsigned long long)(e.mean16[RCOPY_STREAM] >> 4),
				   e.samples[RCOPY_CACHED], e.samples[RCOPY_STREAM]);
		}
}

static int dr_stats_show(struct seq_file *m, void *unused)
{
	const struct dr_obj *o = m->private;
	struct reuse_stats st;
	unsigned int i;

	/* A field added to struct reuse_stats must be added above too. */
	BUILD_BUG_ON(sizeof(struct reuse_stats) !=
		     ARRAY_SIZE(dr_fields) * sizeof(uint64_t));
	dr_stats(o, &st);
	seq_printf(m, "device: %s\n", dev_name(o->dev));
	seq_printf(m, "kind: %s\n", dr_kind_name[o->kind]);
	for (i = 0; i < ARRAY_SIZE(dr_fields); i++)
		seq_printf(m, "%s: %llu\n", dr_fields[i].name,
			   (unsigned long long)*(const uint64_t *)
			   ((const char *)&st + dr_fields[i].off));
	if (o->kind == DR_BOUNCE)
		dr_bounce_copy_show(m, o->obj);
	else if (o->kind == DR_MAPPER && rmapper_bounce(o->obj))
		dr_bounce_copy_show(m, rmapper_bounce(o->obj));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(dr_stats);

/* Create @o's debugfs file.  Sleeps.  A failure only costs the file. */
static void dr_file_create(struct dr_obj *o)
{
	o->file = NULL;
	if (IS_ERR_OR_NULL(dr_debugfs))
		return;
	o->file = debugfs_create_file(o->name, 0444, dr_debugfs, o,
				      &dr_stats_fops);
	if (IS_ERR(o->file))
		o->file = NULL;
}

/*
 * Make @obj known to the module: debugfs file, then the registry (where the
 * shrinker sees it).  On failure to allocate the record, @obj still works
 * but is unregistered; that is reported.  Sleeps.
 */
static void dr_register(enum dr_kind kind, void *obj, struct device *dev,
			const char *variant)
{
	struct dr_obj *o;

	o = kzalloc(sizeof(*o), GFP_KERNEL);
	if (!o) {
		dev_warn(dev, "dmareuse: no memory to register a %s; it has no debugfs file and no shrinker\n",
			 dr_kind_name[kind]);
		return;
	}
	o->kind = kind;
	o->obj = obj;
	o->dev = dev;
	o->id = atomic_inc_return(&dr_next_id);
	if (variant)
		snprintf(o->name, sizeof(o->name), "%s-%s-%u",
			 dr_kind_name[kind], variant, o->id);
	else
		snprintf(o->name, sizeof(o->name), "%s-%u", dr_kind_name[kind],
			 o->id);
	dr_file_create(o);
	mutex_lock(&dr_lock);
	list_add_tail(&o->node, &dr_objs);
	mutex_unlock(&dr_lock);
}

/*
 * Take @obj out of the registry and remove its file (which waits for a
 * reader to finish).  Returns the record, to be freed or put back, or NULL
 * if @obj was never registered.  Sleeps.
 */
static struct dr_obj *dr_unregister(void *obj)
{
	struct dr_obj *o, *found = NULL;

	mutex_lock(&dr_lock);
	list_for_each_entry(o, &dr_objs, node) {
		if (o->obj == obj) {
			list_del(&o->node);
			found = o;
			break;
		}
	}
	mutex_unlock(&dr_lock);
	if (found) {
		debugfs_remove(found->file);
		found->file = NULL;
	}
	return found;
}

/* Destroy refused (-EBUSY, object intact): register @o again. */
static void dr_reregister(struct dr_obj *o)
{
	if (!o)
		return;
	dr_file_create(o);
	mutex_lock(&dr_lock);
	list_add_tail(&o->node, &dr_objs);
	mutex_unlock(&dr_lock);
}

/**
 * dmareuse_bounce_create() - a bounce pool for a device.
 * @dev:	the device; its DMA mask is set.
 * @max_bytes:	most coherent memory the pool may hold; 0 means 4 MiB.
 *
 * Coherent buffers in six size classes (256 B to 256 KiB), allocated on
 * demand and kept; lending copies in, taking back copies out, so the device
 * never reaches the caller's memory.  Use rbounce_map() and the other
 * rbounce_ calls of <dmareuse/reuse.h>.
 *
 * Context: process context; sleeps.
 * Return: the pool, or NULL when out of memory.
 */
struct rbounce *dmareuse_bounce_create(struct device *dev, size_t max_bytes)
{
	struct rbounce *b = rbounce_create(dev, max_bytes);

	if (b)
		dr_register(DR_BOUNCE, b, dev, NULL);
	return b;
}
EXPORT_SYMBOL_GPL(dmareuse_bounce_create);

/**
 * dmareuse_bounce_destroy() - free a pool made by dmareuse_bounce_create().
 * @b: the pool, or NULL.
 *
 * Context: process context; sleeps (frees coherent memory).
 * Return: 0, or -EBUSY when buffers are still lent out; the pool is then
 * left intact (and registered) and the count is logged.
 */
int dmareuse_bounce_destroy(struct rbounce *b)
{
	struct dr_obj *o;
	int ret;

	if (!b)
		return 0;
	o = dr_unregister(b);
	ret = rbounce_destroy(b);
	if (ret)
		dr_reregister(o);
	else
		kfree(o);
	return ret;
}
EXPORT_SYMBOL_GPL(dmareuse_bounce_destroy);

/**
 * dmareuse_reuse_create() - a registry of map-once buffers for a device.
 * @dev: the device.
 *
 * The kernel's form of the seed's reusable scatterlists: rmo_register()
 * maps and pins a buffer once, rmo_for_device() and rmo_for_cpu() hand it
 * back and forth (syncs, no map), rmo_unregister() stops reuse (unmap with
 * a synchronous invalidation, callback, unpin).
 *
 * Context: process context; sleeps.
 * Return: the registry, or NULL when out of memory or when @dev's unmap is
 * lazy (a flush-queue domain): stop-reuse could then not guarantee that the
 * device has lost the pages before they are unpinned.
 */
struct rreuse *dmareuse_reuse_create(struct device *dev)
{
	struct rreuse *r = rreuse_create(dev);

	if (r)
		dr_register(DR_REUSE, r, dev, NULL);
	return r;
}
EXPORT_SYMBOL_GPL(dmareuse_reuse_create);

/**
 * dmareuse_reuse_destroy() - free a registry made by dmareuse_reuse_create().
 * @r: the registry, or NULL.
 *
 * Registrations still live are unregistered (each reported as misuse).
 *
 * Context: process context; sleeps.
 * Return: the number of registrations that were still live.
 */
size_t dmareuse_reuse_destroy(struct rreuse *r)
{
	if (!r)
		return 0;
	kfree(dr_unregister(r));
	return rreuse_destroy(r);
}
EXPORT_SYMBOL_GPL(dmareuse_reuse_destroy);

/**
 * dmareuse_pool_create() - a pool of buffers mapped once for their lifetime.
 * @dev:	the device.
 * @buf_size:	bytes per buffer, rounded up to a power-of-two number of pages.
 * @nbufs:	number of buffers.
 * @dir:	the direction every buffer is mapped for.
 *
 * The driver's own I/O buffers, as net/core/page_pool.c keeps them: no
 * map, unmap or invalidation per transfer.  Use rpool_get(), rpool_put()
 * and rpool_sync_for_cpu().  The buffers are compound pages.
 *
 * Context: process context; sleeps.
 * Return: the pool, or NULL on bad arguments (logged) or no memory.
 */
struct rpool *dmareuse_pool_create(struct device *dev, size_t buf_size,
				   unsigned int nbufs,
				   enum dma_data_direction dir)
{
	struct rpool *p = rpool_create(dev, buf_size, nbufs, dir);

	if (p)
		dr_register(DR_POOL, p, dev, NULL);
	return p;
}
EXPORT_SYMBOL_GPL(dmareuse_pool_create);

/**
 * dmareuse_pool_destroy() - free a pool made by dmareuse_pool_create().
 * @p: the pool, or NULL.
 *
 * Every buffer is unmapped and freed exactly once: the free ones now, the
 * ones still lent out when they are put back (the last one frees the pool).
 * The pool leaves debugfs and the registry at once either way.
 *
 * Context: process context; sleeps.
 * Return: 0 when the pool is gone, -EBUSY when buffers are still out.
 */
int dmareuse_pool_destroy(struct rpool *p)
{
	if (!p)
		return 0;
	/* After -EBUSY the last rpool_put() frees @p: forget it first. */
	kfree(dr_unregister(p));
	return rpool_destroy(p);
}
EXPORT_SYMBOL_GPL(dmareuse_pool_destroy);

/**
 * dmareuse_cache_create() - a transparent mapping cache for a device.
 * @dev:	 the device.
 * @max_entries: most entries; 0 means 4096.
 * @max_bytes:	 most bytes mapped; 0 means 64 MiB.
 *
 * rcache_map() of whole pages reuses a cached mapping (a sync, no map);
 * the page stays pinned while it is cached, so its owner may free it at any
 * time without a mapping outliving it.  The module's shrinker releases
 * entries under memory pressure.
 *
 * Context: process context; sleeps.
 * Return: the cache, or NULL when out of memory or when @dev's unmap is
 * lazy (a released entry could stay in the IOTLB after its page is freed).
 */
struct rcache *dmareuse_cache_create(struct device *dev,
				     unsigned int max_entries,
				     size_t max_bytes)
{
	struct rcache *c = rcache_create(dev, max_entries, max_bytes);

	if (c)
		dr_register(DR_CACHE, c, dev, NULL);
	return c;
}
EXPORT_SYMBOL_GPL(dmareuse_cache_create);

/**
 * dmareuse_cache_destroy() - free a cache made by dmareuse_cache_create().
 * @c: the cache, or NULL.
 *
 * Every entry is unmapped (invalidation complete) and unpinned.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EBUSY when entries are lent out; the cache is then left
 * intact and registered.
 */
int dmareuse_cache_destroy(struct rcache *c)
{
	struct dr_obj *o;
	int ret;

	if (!c)
		return 0;
	o = dr_unregister(c);
	ret = rcache_destroy(c);
	if (ret)
		dr_reregister(o);
	else
		kfree(o);
	return ret;
}
EXPORT_SYMBOL_GPL(dmareuse_cache_destroy);

/**
 * dmareuse_mapper_create() - a per-buffer mapper for a device.
 * @dev:  the device; its IOMMU mode is the boot's.
 * @mech: the mechanism: none, bounce, cache, batch or auto (iova-link
 *	  needs Linux 6.16; reuse and pool are not per-buffer; batch makes a
 *	  batch object, with what dmareuse_batch_create() does to the device).
 * @cfg: limits, or NULL for the defaults (see struct rmapper_cfg).
 *
 * Use rmapper_map(), rmapper_unmap() and the rmapper_sync_ calls.  auto
 * measures its bounce/map crossover now, on @dev.
 *
 * Context: process context; sleeps.
 * Return: the mapper, or NULL (the reason is logged).
 */
struct rmapper *dmareuse_mapper_create(struct device *dev,
				       enum reuse_mech mech,
				       const struct rmapper_cfg *cfg)
{
	struct rmapper *m = rmapper_create(dev, mech, cfg);

	if (m)
		dr_register(DR_MAPPER, m, dev, reuse_mech_name(mech));
	return m;
}
EXPORT_SYMBOL_GPL(dmareuse_mapper_create);

/**
 * dmareuse_mapper_destroy() - free a mapper made by dmareuse_mapper_create().
 * @m: the mapper, or NULL.
 *
 * Context: process context; sleeps.
 * Return: 0, or -EBUSY when buffers are still lent out; the mapper is then
 * left registered.
 */
int dmareuse_mapper_destroy(struct rmapper *m)
{
	struct dr_obj *o;
	int ret;

	if (!m)
		return 0;
	o = dr_unregister(m);
	ret = rmapper_destroy(m);
	if (ret)
		dr_reregister(o);
	else
		kfree(o);
	return ret;
}
EXPORT_SYMBOL_GPL(dmareuse_mapper_destroy);

/**
 * dmareuse_batch_create() - per-CPU batches of deferred invalidations.
 * @dev:  the device.  It must be alone in its IOMMU group: under a strict
 *	  or lazy boot the first batch object gives it an IOMMU domain of its
 *	  own, and until the last one is destroyed the device reaches only
 *	  what batch objects map (not the DMA API's addresses).
 * @size: unmaps per batch, 1..RBATCH_MAX_SIZE; 0 takes RBATCH_DEFAULT_SIZE.
 *
 * rbatch_unmap() clears the PTEs and defers the IOTLB invalidation into the
 * CPU's batch, flushed (one invalidation, one wait) when full, by
 * rbatch_flush() or rbatch_flush_all(); pages and owners' completions are
 * released only after their flush.  Under passthrough nothing is deferred.
 *
 * Context: process context; sleeps.
 * Return: the object, or NULL (the reason is logged).
 */
struct rbatch *dmareuse_batch_create(struct device *dev, unsigned int size)
{
	struct rbatch *b = rbatch_create(dev, size);

	if (b)
		dr_register(DR_BATCH, b, dev, NULL);
	return b;
}
EXPORT_SYMBOL_GPL(dmareuse_batch_create);

/**
 * dmareuse_batch_destroy() - flush and free an object of dmareuse_batch_create().
 * @b: the object, or NULL.
 *
 * Context: process context; sleeps (the last one detaches the device's
 * batch domain).
 * Return: 0, or -EBUSY while buffers are lent or rings live; the object
 * is then left intact and registered.
 */
int dmareuse_batch_destroy(struct rbatch *b)
{
	struct dr_obj *o;
	int ret;

	if (!b)
		return 0;
	o = dr_unregister(b);
	ret = rbatch_destroy(b);
	if (ret)
		dr_reregister(o);
	else
		kfree(o);
	return ret;
}
EXPORT_SYMBOL_GPL(dmareuse_batch_destroy);

/**
 * dmareuse_batch_flushes() - IOTLB invalidations the batch flushes issued.
 * @dev: the device.
 *
 * For tests: the binding counts each invalidation a flush sends (one per
 * flush), since the device's batch domain was attached, so a test can
 * compare it with the unmaps it made (batch size 1: one each, as strict).
 *
 * Context: any.
 * Return: the count; 0 while no batch object is attached, or when the
 * device has no domain to invalidate (passthrough).
 */
u64 dmareuse_batch_flushes(struct device *dev)
{
	return osdep_batch_flush_count(dev);
}
EXPORT_SYMBOL_GPL(dmareuse_batch_flushes);

/**
 * dmareuse_device_mode() - the IOMMU mode of a device, as the reuse layer names it.
 * @dev: the device.
 *
 * The mode is the boot's (iommu.strict=, iommu.passthrough=), read from the
 * device's domain through the binding: lazy for a flush-queue domain,
 * passthrough for an identity domain or a device that no IOMMU translates,
 * strict for a DMA domain whose unmap invalidates before it returns.  With
 * a mechanism it makes the pair that reuse_pair_why_not() judges, so a
 * driver learns that a mechanism is refused, and why, before creating it.
 *
 * Context: any.
 * Return: RMODE_STRICT, RMODE_LAZY or RMODE_PASSTHROUGH.
 */
enum reuse_mode dmareuse_device_mode(struct device *dev)
{
	if (!osdep_dma_unmap_is_strict(dev))
		return RMODE_LAZY;
	if (!osdep_dma_unmap_invalidates(dev))
		return RMODE_PASSTHROUGH;
	return RMODE_STRICT;
}
EXPORT_SYMBOL_GPL(dmareuse_device_mode);

/**
 * dmareuse_unmap_is_strict() - whether an unmap on a device is complete on return.
 * @dev: the device.
 *
 * False for a flush-queue (lazy) domain, where the cache and the map-once
 * registry refuse to work; true for a strict or identity domain and for a
 * device without an IOMMU.
 *
 * Context: any.
 * Return: see above.
 */
bool dmareuse_unmap_is_strict(struct device *dev)
{
	return osdep_dma_unmap_is_strict(dev);
}
EXPORT_SYMBOL_GPL(dmareuse_unmap_is_strict);

/*
 * The layer's calls, as declared and documented in <dmareuse/reuse.h>.
 * scripts/check-exports.sh fails the build when reuse/ defines a function
 * that is neither here nor wrapped above.
 */
EXPORT_SYMBOL_GPL(reuse_strategy_name);
EXPORT_SYMBOL_GPL(reuse_strategy_parse);
EXPORT_SYMBOL_GPL(reuse_strategy_isolation);
EXPORT_SYMBOL_GPL(reuse_strategy_isolation_class);
EXPORT_SYMBOL_GPL(reuse_strategy_pair);
EXPORT_SYMBOL_GPL(reuse_pair_strategy);
EXPORT_SYMBOL_GPL(reuse_mode_name);
EXPORT_SYMBOL_GPL(reuse_mode_parse);
EXPORT_SYMBOL_GPL(reuse_mech_name);
EXPORT_SYMBOL_GPL(reuse_use_name);
EXPORT_SYMBOL_GPL(reuse_pair_why_not);
EXPORT_SYMBOL_GPL(reuse_pair_isolation_class);
EXPORT_SYMBOL_GPL(reuse_pair_isolation);
EXPORT_SYMBOL_GPL(reuse_pair_isolating);
EXPORT_SYMBOL_GPL(reuse_stats_add);
EXPORT_SYMBOL_GPL(reuse_measure_crossover);

EXPORT_SYMBOL_GPL(rbounce_map);
EXPORT_SYMBOL_GPL(rbounce_map_flags);
EXPORT_SYMBOL_GPL(rbounce_unmap);
EXPORT_SYMBOL_GPL(rbounce_unmap_partial);
EXPORT_SYMBOL_GPL(rbounce_sync_for_cpu);
EXPORT_SYMBOL_GPL(rbounce_sync_for_device);
EXPORT_SYMBOL_GPL(rbounce_stats);
EXPORT_SYMBOL_GPL(rbounce_max_len);
EXPORT_SYMBOL_GPL(rbounce_set_copy);
EXPORT_SYMBOL_GPL(rbounce_copy_streams);
EXPORT_SYMBOL_GPL(rbounce_copy_state);
EXPORT_SYMBOL_GPL(rbounce_copy_tally);
EXPORT_SYMBOL_GPL(rbounce_copy_note);
EXPORT_SYMBOL_GPL(rbounce_nareas);
EXPORT_SYMBOL_GPL(rmapper_bounce);
EXPORT_SYMBOL_GPL(rcopy_est_pick);
EXPORT_SYMBOL_GPL(rcopy_est_record);

EXPORT_SYMBOL_GPL(rmo_register);
EXPORT_SYMBOL_GPL(rmo_dma_addr);
EXPORT_SYMBOL_GPL(rmo_for_device);
EXPORT_SYMBOL_GPL(rmo_for_cpu);
EXPORT_SYMBOL_GPL(rmo_unregister);
EXPORT_SYMBOL_GPL(rmo_is_live);
EXPORT_SYMBOL_GPL(rreuse_stats);

EXPORT_SYMBOL_GPL(rpool_get);
EXPORT_SYMBOL_GPL(rpool_sync_for_cpu);
EXPORT_SYMBOL_GPL(rpool_put);
EXPORT_SYMBOL_GPL(rpool_stats);

EXPORT_SYMBOL_GPL(rcache_map);
EXPORT_SYMBOL_GPL(rcache_unmap);
EXPORT_SYMBOL_GPL(rcache_sync_for_cpu);
EXPORT_SYMBOL_GPL(rcache_sync_for_device);
EXPORT_SYMBOL_GPL(rcache_reclaim);
EXPORT_SYMBOL_GPL(rcache_shrink);
EXPORT_SYMBOL_GPL(rcache_stats);

EXPORT_SYMBOL_GPL(rmapper_why_not);
EXPORT_SYMBOL_GPL(rmapper_map);
EXPORT_SYMBOL_GPL(rmapper_map_flags);
EXPORT_SYMBOL_GPL(rmapper_unmap);
EXPORT_SYMBOL_GPL(rmapper_unmap_partial);
EXPORT_SYMBOL_GPL(rmapper_sync_for_cpu);
EXPORT_SYMBOL_GPL(rmapper_sync_for_device);
EXPORT_SYMBOL_GPL(rmapper_maintain);
EXPORT_SYMBOL_GPL(rmapper_shrink);
EXPORT_SYMBOL_GPL(rmapper_flush);
EXPORT_SYMBOL_GPL(rmapper_crossover);
EXPORT_SYMBOL_GPL(rmapper_stats);
EXPORT_SYMBOL_GPL(rmapper_mech);

EXPORT_SYMBOL_GPL(rbatch_map);
EXPORT_SYMBOL_GPL(rbatch_unmap);
EXPORT_SYMBOL_GPL(rbatch_unmap_notify);
EXPORT_SYMBOL_GPL(rbatch_sync_for_cpu);
EXPORT_SYMBOL_GPL(rbatch_sync_for_device);
EXPORT_SYMBOL_GPL(rbatch_flush);
EXPORT_SYMBOL_GPL(rbatch_flush_all);
EXPORT_SYMBOL_GPL(rbatch_size);
EXPORT_SYMBOL_GPL(rbatch_stats);
EXPORT_SYMBOL_GPL(rbatch_ring_create);
EXPORT_SYMBOL_GPL(rbatch_ring_map);
EXPORT_SYMBOL_GPL(rbatch_ring_unmap);
EXPORT_SYMBOL_GPL(rbatch_ring_destroy);

/* Idle entries a registered object could release: pinned, not lent out. */
static unsigned long dr_idle(const struct dr_obj *o)
{
	struct reuse_stats st;

	if (o->kind != DR_CACHE && o->kind != DR_MAPPER)
		return 0;
	dr_stats(o, &st);
	return st.pages_pinned > st.in_use ? st.pages_pinned - st.in_use : 0;
}

static unsigned long dr_shrink_count(struct shrinker *sh,
				     struct shrink_control *sc)
{
	unsigned long n = 0;
	struct dr_obj *o;

	if (!mutex_trylock(&dr_lock))
		return 0;
	list_for_each_entry(o, &dr_objs, node)
		n += dr_idle(o);
	mutex_unlock(&dr_lock);
	return n ? n : SHRINK_EMPTY;
}

/* Release up to @nr entries of @o (more if cache-only ones exceed @nr). */
static unsigned long dr_shrink_one(struct dr_obj *o, unsigned long nr)
{
	struct reuse_stats before, after;
	unsigned long freed;

	switch (o->kind) {
	case DR_CACHE:
		/* Cache-only pages first: releasing those frees memory. */
		freed = rcache_reclaim(o->obj);
		if (freed < nr)
			freed += rcache_shrink(o->obj, nr - freed);
		return freed;
	case DR_MAPPER:
		rmapper_stats(o->obj, &before);
		rmapper_maintain(o->obj);
		rmapper_stats(o->obj, &after);
		freed = after.reclaimed - before.reclaimed;
		if (freed < nr)
			freed += rmapper_shrink(o->obj, nr - freed);
		return freed;
	default:
		return 0;
	}
}

static unsigned long dr_shrink_scan(struct shrinker *sh,
				    struct shrink_control *sc)
{
	unsigned long freed = 0;
	struct dr_obj *o;

	if (!mutex_trylock(&dr_lock))
		return SHRINK_STOP;
	list_for_each_entry(o, &dr_objs, node) {
		if (freed >= sc->nr_to_scan)
			break;
		freed += dr_shrink_one(o, sc->nr_to_scan - freed);
	}
	/* Start with another object next time. */
	if (!list_empty(&dr_objs))
		list_rotate_left(&dr_objs);
	mutex_unlock(&dr_lock);
	sc->nr_scanned = freed;
	return freed ? freed : SHRINK_STOP;
}

static struct shrinker dr_shrinker = {
	.count_objects	= dr_shrink_count,
	.scan_objects	= dr_shrink_scan,
	.seeks		= DEFAULT_SEEKS,
};

static int __init dmareuse_init(void)
{
	int ret;

	dr_debugfs = debugfs_create_dir("dmareuse", NULL);
	if (IS_ERR(dr_debugfs))
		pr_warn("no debugfs directory (%ld): counters are not published\n",
			PTR_ERR(dr_debugfs));
	ret = register_shrinker(&dr_shrinker, "dmareuse-cache");
	if (ret) {
		debugfs_remove(dr_debugfs);
		return ret;
	}
	return 0;
}

static void __exit dmareuse_exit(void)
{
	struct dr_obj *o, *next;

	unregister_shrinker(&dr_shrinker);
	/* Files first: a reader holds a pointer to its record. */
	debugfs_remove(dr_debugfs);
	/*
	 * Users are modules that depend on this one, so they are gone; an
	 * object left here was leaked by one of them.  Its memory cannot be
	 * freed safely without knowing whether a device still uses it.
	 */
	list_for_each_entry_safe(o, next, &dr_objs, node) {
		pr_warn("%s of %s was never destroyed (leaked by its user)\n",
			o->name, dev_name(o->dev));
		list_del(&o->node);
		kfree(o);
	}
}

module_init(dmareuse_init);
module_exit(dmareuse_exit);

MODULE_DESCRIPTION("dmareuse: DMA mapping reuse (bounce, map-once, pool, cache, batch, auto) with isolation kept");
MODULE_AUTHOR("dmareuse developers");
MODULE_LICENSE("Dual MIT/GPL");
