/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dmareuse_linux.h - the kernel API of dmareuse.ko.
 *
 * A kernel user includes this file and calls two kinds of functions:
 *
 *   - the reuse layer itself, declared in <dmareuse/reuse.h> (bounce, the
 *     map-once API, the mapped pool, the mapping cache, the per-buffer
 *     mapper, the batch of deferred invalidations) and documented there:
 *     rbounce_map(), rmo_register(), rmo_for_device(), rpool_get(),
 *     rcache_map(), rmapper_map(), rbatch_map(), ...;
 *   - the lifetime calls below, which replace the layer's _create/_destroy
 *     functions in the kernel.  They register each object with the module:
 *     its counters appear in debugfs (dmareuse/<kind>-<id>), and a cache
 *     is visited by the module's shrinker under memory pressure.  The
 *     layer's own rbounce_create(), rcache_create(), ... are not exported.
 *
 * Reuse marking: Linux's struct scatterlist cannot carry a "reusable" flag
 * from outside the tree, so the seed's sg_mark_reusable() /
 * sg_mark_stop_reuse() are offered through the map-once API: register the
 * buffer once (rmo_register(), which maps and pins it), hand it back and
 * forth with rmo_for_device() / rmo_for_cpu() per use, and stop reuse with
 * rmo_unregister() (unmap, IOTLB invalidated, callback, unpin).
 *
 * The IOMMU mode is the boot's: dmareuse_device_mode() gives a device's
 * mode in the reuse layer's terms, and reuse_pair_why_not() of that mode
 * and a mechanism says whether the layer refuses the mechanism there (the
 * cache, the map-once API and auto under lazy).
 *
 * There is no two-step IOVA API in Linux 6.1, so the iova-link strategy is
 * refused (a mapper created for it fails, saying why).
 *
 * A batch object (dmareuse_batch_create()) gives its device an IOMMU
 * domain of its own while any exists: the device then reaches only what
 * batch objects map (kmod/osdep_linux.c says why and how).
 */
#ifndef DMAREUSE_LINUX_H
#define DMAREUSE_LINUX_H

#include <dmareuse/reuse.h>

struct rbounce *dmareuse_bounce_create(struct device *dev, size_t max_bytes);
int dmareuse_bounce_destroy(struct rbounce *b);

struct rreuse *dmareuse_reuse_create(struct device *dev);
size_t dmareuse_reuse_destroy(struct rreuse *r);

struct rpool *dmareuse_pool_create(struct device *dev, size_t buf_size,
				   unsigned int nbufs,
				   enum dma_data_direction dir);
int dmareuse_pool_destroy(struct rpool *p);

struct rcache *dmareuse_cache_create(struct device *dev,
				     unsigned int max_entries,
				     size_t max_bytes);
int dmareuse_cache_destroy(struct rcache *c);

struct rmapper *dmareuse_mapper_create(struct device *dev,
				       enum reuse_mech mech,
				       const struct rmapper_cfg *cfg);
int dmareuse_mapper_destroy(struct rmapper *m);

struct rbatch *dmareuse_batch_create(struct device *dev, unsigned int size);
int dmareuse_batch_destroy(struct rbatch *b);
u64 dmareuse_batch_flushes(struct device *dev);

enum reuse_mode dmareuse_device_mode(struct device *dev);
bool dmareuse_unmap_is_strict(struct device *dev);

#endif /* DMAREUSE_LINUX_H */
