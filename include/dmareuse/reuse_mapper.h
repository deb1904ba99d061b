/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rmapper: one per-buffer front (map / unmap / sync) for a driver, over any
 * mechanism that works per buffer, including auto's choice per buffer.
 */
#ifndef DMAREUSE_REUSE_MAPPER_H
#define DMAREUSE_REUSE_MAPPER_H

#include <dmareuse/reuse_batch.h>
#include <dmareuse/reuse_bounce.h>
#include <dmareuse/reuse_cache.h>
#include <dmareuse/reuse_core.h>

struct rmapper;

struct rmapper_cfg {
	size_t bounce_bytes;		/* rbounce limit; 0 = 4 MiB */
	unsigned int cache_entries;	/* rcache limits; 0 = 4096 */
	size_t cache_bytes;		/* 0 = 64 MiB */
	size_t link_bytes;		/* rlink range; 0 = 4 MiB */
	size_t auto_crossover;		/* auto: bounce up to this many bytes;
					 * 0 = measure at create */
	struct rbatch *batch;		/* batch: per-CPU batches to share with
					 * other users of the device (a driver's
					 * rings, its other mappers), whose owner
					 * reports their counters; NULL = the
					 * mapper's own */
	unsigned int batch_size;	/* batch: its own batches' size; 0 =
					 * RBATCH_DEFAULT_SIZE */
};

/**
 * rmapper_create() - a per-buffer mapper for @dev using mechanism @mech
 * @dev: the device buffers are mapped for; its domain's mode is the OS's
 * @mech: the mechanism
 * @cfg: limits of the objects underneath; a zero field takes its default,
 *       NULL takes every default
 *
 * none maps directly (the device's domain decides what an unmap costs and
 * keeps); bounce, cache, iova-link, auto and batch use the objects above,
 * which refuse a device whose unmap cannot give what they need (the cache,
 * and with it auto, a lazy one).  reuse and pool do not work buffer by buffer
 * -- they need the upper layer's marking or the driver's own buffers -- so
 * rmapper_create() refuses them (NULL, and rmapper_why_not() says why).
 *
 * Return: the new mapper, or NULL on failure or for a mechanism it refuses.
 */
struct rmapper *rmapper_create(osdep_dev_t *dev, enum reuse_mech mech,
			       const struct rmapper_cfg *cfg);
/**
 * rmapper_why_not() - why a mechanism cannot be a per-buffer mapper
 * @mech: the mechanism
 *
 * Return: a sentence saying why, or NULL if @mech can be one.
 */
const char *rmapper_why_not(enum reuse_mech mech);
/**
 * rmapper_map() - lend @cpu[0..@len) to the device
 * @m: the mapper
 * @cpu: the caller's buffer; it must lie in one page-contiguous block
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to the unmap call
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a zero @len, a
 * NULL @cpu, @cpu + @len wrapping the address space, an invalid @dir, or a
 * buffer that is not memory; otherwise the error of the path that maps it,
 * such as -E2BIG or -ENOMEM from bounce, -ENOMEM from the cache or a direct
 * map, -ENOSPC from iova-link.  On any error @h holds no buffer, whatever
 * it held before: unmapping or syncing it is refused as misuse (-EINVAL,
 * counted).
 */
int rmapper_map(struct rmapper *m, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rmapper_map_flags() - rmapper_map() taking flags
 * @m: the mapper
 * @cpu: the caller's buffer; it must lie in one page-contiguous block
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @flags: RMAP_* flags; only a bounced buffer uses them
 * @h: the handle to fill; it is given back to the unmap call
 *
 * Return: as rmapper_map().
 */
int rmapper_map_flags(struct rmapper *m, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h);
/**
 * rmapper_unmap() - take back a buffer lent by rmapper_map()
 * @m: the mapper
 * @h: the handle filled by the map call
 *
 * Return: 0; -EINVAL (counted in errors and logged, nothing changed) if @h
 * does not hold a buffer that @m lent out: never mapped, its map failed,
 * already taken back, lent by another mapper, or its dma, len or dir
 * changed since.  Bounced, cached and linked handles are checked by the
 * object that lent them (see rbounce_unmap(), rcache_unmap(),
 * rlink_unmap()); a direct one carries a check word of @m's over its
 * fields.  A copy of a directly mapped handle taken back is caught by @m
 * while it has no direct mapping lent; otherwise only the DMA layer sees
 * it (the OS binding's unmap reports nothing back, as Linux's does not).
 */
int rmapper_unmap(struct rmapper *m, struct rmap_handle *h);
/**
 * rmapper_unmap_partial() - unmap when the device wrote only the first
 * @used bytes
 * @m: the mapper
 * @h: the handle filled by the map call
 * @used: how many bytes the device wrote at the start of the buffer
 *
 * Bounced buffers copy out just those bytes (as a driver would sync only
 * the produced length and unmap with DMA_ATTR_SKIP_CPU_SYNC).
 *
 * Return: as rmapper_unmap(); -EINVAL also for @used above @h->len.
 */
int rmapper_unmap_partial(struct rmapper *m, struct rmap_handle *h, size_t used);
/**
 * rmapper_sync_for_cpu() - let the CPU read what the device wrote so far
 * @m: the mapper
 * @h: the handle filled by the map call
 *
 * A bounced buffer is copied out.
 *
 * Return: 0; -EINVAL (counted and logged) for a handle rmapper_unmap()
 * would refuse.
 */
int rmapper_sync_for_cpu(struct rmapper *m, struct rmap_handle *h);
/**
 * rmapper_sync_for_device() - hand the buffer back to the device
 * @m: the mapper
 * @h: the handle filled by the map call
 *
 * A bounced buffer is copied in.
 *
 * Return: 0; -EINVAL (counted and logged) for a handle rmapper_unmap()
 * would refuse.
 */
int rmapper_sync_for_device(struct rmapper *m, struct rmap_handle *h);
/**
 * rmapper_maintain() - periodic work
 * @m: the mapper
 *
 * Reclaims cache entries and flushes every CPU's batch; call it from a
 * timer or when idle.
 */
void rmapper_maintain(struct rmapper *m);
/**
 * rmapper_shrink() - release idle cache entries, least recently used first
 * @m: the mapper
 * @nr: the most entries to release
 *
 * For memory pressure (a shrinker in the kernel): as rcache_shrink() on the
 * mapper's cache, whose pages the owners may still hold.  Entries lent out
 * stay.
 *
 * Return: the number of entries released, at most @nr; 0 for a mechanism
 * without a cache.
 */
size_t rmapper_shrink(struct rmapper *m, size_t nr);

/**
 * rmapper_flush() - a completion pass is over: flush this CPU's batch
 * @m: the mapper
 *
 * Under batch, rbatch_flush() of the mapper's batches (shared or its own);
 * nothing for any other mechanism.
 */
void rmapper_flush(struct rmapper *m);
/**
 * rmapper_crossover() - the bounce/map crossover of an auto mapper
 * @m: the mapper
 *
 * Return: for auto, the largest buffer in bytes that is bounced (at most
 * rbounce_max_len()); 0 for any other mechanism.
 */
size_t rmapper_crossover(const struct rmapper *m);
/**
 * rmapper_bounce() - the bounce pool under a mapper
 * @m: the mapper
 *
 * For reports (rbounce_copy_state()); the pool stays the mapper's.
 *
 * Return: the pool bounce, cache (sub-page buffers) and auto lend from, or
 * NULL for a mechanism that never bounces.
 */
struct rbounce *rmapper_bounce(const struct rmapper *m);
/**
 * rmapper_stats() - read a mapper's counters
 * @m: the mapper
 * @out: receives the counters of @m and of the objects under it, summed
 */
void rmapper_stats(struct rmapper *m, struct reuse_stats *out);
/**
 * rmapper_mech() - the mechanism of a mapper
 * @m: the mapper
 *
 * Return: the mechanism @m was created with.
 */
enum reuse_mech rmapper_mech(const struct rmapper *m);
/**
 * rmapper_destroy() - free a mapper and the objects under it
 * @m: the mapper
 *
 * Return: 0; -EBUSY while buffers are lent out: nothing is freed and @m
 * stays usable.
 */
int rmapper_destroy(struct rmapper *m);

/**
 * reuse_measure_crossover() - find the size below which bouncing beats mapping
 * @dev: the device to measure on
 * @pair_ns: receives the measured cost of a one-page map + unmap pair; may be NULL
 * @copy4k_ns: receives the measured cost of a one-page (4 KiB) copy; may be NULL
 *
 * Both costs are timed now, as medians of repeated runs.  Sizes tried:
 * 64 B .. 256 KiB.
 *
 * Return: on @dev, the largest buffer size for which copying it (one way)
 * is cheaper than a map + unmap pair of one page.
 */
size_t reuse_measure_crossover(osdep_dev_t *dev, uint64_t *pair_ns,
			       uint64_t *copy4k_ns);

#endif
