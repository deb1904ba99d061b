/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse.h - the reuse layer: ways to keep a device isolated without paying
 * a map, an unmap and an IOTLB invalidation on every transfer.
 *
 * OS-neutral: the same code runs in the lab and in the Linux module; the
 * handle types (osdep_dev_t, osdep_page_t) come from the OS binding (see
 * reuse/osdep.h).  Objects, one per device and mechanism:
 *
 *   rbounce  coherent, permanently mapped bounce buffers in size classes;
 *            the device never sees caller memory.
 *   rreuse   the stateful map-once API (register / for_device / for_cpu /
 *            unregister) that the seed's reusable scatterlists sit on.
 *   rpool    a driver-level pool of mapped buffers that recycle (page_pool).
 *   rcache   a transparent mapping cache: a hit costs no map/unmap; cached
 *            pages are pinned so they cannot be freed while mapped.
 *   rlink    the two-step IOVA API: one IOVA range per context, pages
 *            linked and unlinked per use.
 *   rmapper  one per-buffer front (map/unmap/sync) for a driver, over any
 *            strategy that applies per buffer, including `auto`.
 *
 * The safety rule (DESIGN.md section 6): no PTE and no IOTLB entry reaches a
 * frame after it returns to the page allocator.  Every object that keeps a
 * mapping of memory it does not own holds a page reference for as long as
 * the mapping lives, and unmaps -- with a synchronous invalidation -- before
 * it drops the reference.  That needs a device whose unmap is strict; the
 * objects that rely on it refuse a lazy device (osdep_dma_unmap_is_strict).
 *
 * Conventions: functions return 0 or -errno; misuse (stop-reuse twice, use
 * after stop-reuse, unregister with a transfer in flight, a pool buffer
 * freed twice or into the wrong pool, a sub-page buffer forced into the
 * cache) returns an error, logs one line through osdep_warn, counts in
 * `errors`, and changes nothing.  Every object is safe to call from several
 * CPUs at once; each has one lock, held only around its own bookkeeping.
 */
#ifndef DMAREUSE_REUSE_H
#define DMAREUSE_REUSE_H

#include <osdep_os.h>

enum reuse_strategy {
	RS_PASSTHROUGH,
	RS_STRICT,
	RS_LAZY,
	RS_BOUNCE,
	RS_REUSE,
	RS_POOL,
	RS_CACHE,
	RS_IOVA_LINK,
	RS_AUTO,
	RS_COUNT
};

/** reuse_strategy_name() - the name used everywhere (CLI, JSON, docs). */
const char *reuse_strategy_name(enum reuse_strategy s);
/** reuse_strategy_parse() - the strategy called @name, or -1. */
int reuse_strategy_parse(const char *name);
/** reuse_strategy_isolation() - one line: the isolation a strategy keeps. */
const char *reuse_strategy_isolation(enum reuse_strategy s);
/** reuse_strategy_isolation_class() - short class: none, window, strict, ... */
const char *reuse_strategy_isolation_class(enum reuse_strategy s);

/* Counters every object keeps; read them with the object's _stats call. */
struct reuse_stats {
	uint64_t hits;		/* transfers that needed no map */
	uint64_t misses;	/* transfers that had to map */
	uint64_t maps, unmaps;	/* osdep map / unmap calls made */
	uint64_t syncs;		/* osdep sync calls made */
	uint64_t invalidations;	/* unmaps that invalidate (a batch may share one flush) */
	uint64_t bytes_copied;	/* bounce copies, both ways */
	uint64_t pages_pinned;	/* page references held now */
	uint64_t reclaimed;	/* cache entries released by reclaim/shrink */
	uint64_t evicted;	/* cache entries evicted by the limits */
	uint64_t in_use;	/* buffers or entries lent out now */
	uint64_t errors;	/* misuse refused */
};

/** reuse_stats_add() - @acc += @s, field by field. */
void reuse_stats_add(struct reuse_stats *acc, const struct reuse_stats *s);

/* ---- bounce ------------------------------------------------------------- */

#define RBOUNCE_NCLASSES 6	/* 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB */

struct rbounce;

/* A buffer lent through a strategy; filled by the map call, owned by the caller. */
struct rmap_handle {
	dma_addr_t dma;		/* what the device is given */
	size_t len;
	enum dma_data_direction dir;
	void *cpu;		/* the caller's buffer */
	void *priv;		/* the strategy's own */
	uint64_t aux;		/* the strategy's own */
	uint8_t kind;		/* which strategy mapped it (rmapper) */
};

/**
 * rbounce_create() - a bounce pool for @dev holding at most @max_bytes of
 * coherent buffers (allocated on demand, kept for reuse).  NULL on failure.
 */
struct rbounce *rbounce_create(osdep_dev_t *dev, size_t max_bytes);
/**
 * rbounce_destroy() - free the pool.  Return: 0, or -EBUSY (nothing freed)
 * if buffers are still lent out; they are reported.
 */
int rbounce_destroy(struct rbounce *b);
/**
 * rbounce_map() - lend a copy of @cpu[0..@len) to the device: TO_DEVICE and
 * BIDIRECTIONAL copy in.  Return: 0 and @h filled; -E2BIG above the largest
 * class; -ENOMEM when the pool is at its limit.
 */
int rbounce_map(struct rbounce *b, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h);

/*
 * RMAP_LEN_KNOWN: the caller will take a FROM_DEVICE buffer back with
 * *_unmap_partial(), naming exactly the bytes the device wrote.  Without it
 * a FROM_DEVICE bounce buffer is first filled with the caller's bytes, so a
 * device that writes less than the buffer can never hand the caller an
 * earlier user's data (the hole Linux's swiotlb closed for CVE-2022-0854);
 * with it that copy is skipped, and a full unmap is the caller's bug.
 */
#define RMAP_LEN_KNOWN 1u

/** rbounce_map_flags() - rbounce_map() with RMAP_* @flags. */
int rbounce_map_flags(struct rbounce *b, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h);
/** rbounce_unmap() - take it back: FROM_DEVICE and BIDIRECTIONAL copy out. */
int rbounce_unmap(struct rbounce *b, struct rmap_handle *h);
/**
 * rbounce_unmap_partial() - as rbounce_unmap(), copying out only the first
 * @used bytes: the device wrote no more (a driver that knows the length the
 * device produced saves the rest of the copy).
 */
int rbounce_unmap_partial(struct rbounce *b, struct rmap_handle *h, size_t used);
/** rbounce_sync_for_cpu() - copy out (FROM_DEVICE/BIDIRECTIONAL) without returning. */
int rbounce_sync_for_cpu(struct rbounce *b, struct rmap_handle *h);
/** rbounce_sync_for_device() - copy in again (TO_DEVICE/BIDIRECTIONAL). */
int rbounce_sync_for_device(struct rbounce *b, struct rmap_handle *h);
/** rbounce_stats() - @b's counters into @out. */
void rbounce_stats(struct rbounce *b, struct reuse_stats *out);
/** rbounce_max_len() - the largest buffer a pool can bounce. */
size_t rbounce_max_len(void);

/* ---- map once: the stateful mid-layer API -------------------------------- */

struct rreuse;
struct rmo;

/* One piece of a registered buffer. */
struct rseg {
	osdep_page_t page;
	size_t offset;		/* may exceed PAGE_SIZE: pages are contiguous */
	size_t len;
};

#define RMO_MAX_SEGS 16

/* Called after the mapping is gone (unmapped, invalidated), before unpin. */
typedef void (*rmo_unmap_cb)(void *arg, struct rmo *mo);

/** rreuse_create() - a registry of map-once buffers for @dev; refuses a lazy device. */
struct rreuse *rreuse_create(osdep_dev_t *dev);
/**
 * rreuse_destroy() - unregister what is left (reported as misuse) and free.
 * Return: number of registrations that were still live.
 */
size_t rreuse_destroy(struct rreuse *r);
/**
 * rmo_register() - map @n segments once for @dir, pinning their pages; the
 * CPU owns the buffer until rmo_for_device().  @cb (may be NULL) runs at
 * unregister once the mapping is gone.  NULL on failure (nothing stays).
 */
struct rmo *rmo_register(struct rreuse *r, const struct rseg *segs,
			 unsigned int n, enum dma_data_direction dir,
			 rmo_unmap_cb cb, void *arg);
/** rmo_dma_addr() - device address of segment @i. */
dma_addr_t rmo_dma_addr(const struct rmo *mo, unsigned int i);
/** rmo_for_device() - hand the buffer to the device (sync, no map). */
int rmo_for_device(struct rmo *mo);
/** rmo_for_cpu() - take it back (sync, no unmap). */
int rmo_for_cpu(struct rmo *mo);
/**
 * rmo_unregister() - stop reuse: unmap with a synchronous invalidation, run
 * the callback, unpin.  -EBUSY while a transfer is in flight (after
 * for_device, before for_cpu); -ESTALE if already unregistered.
 */
int rmo_unregister(struct rmo *mo);
/** rmo_is_live() - registered and not yet unregistered. */
bool rmo_is_live(const struct rmo *mo);
/** rreuse_stats() - @r's counters into @out; in_use = registrations the device owns. */
void rreuse_stats(struct rreuse *r, struct reuse_stats *out);

/* ---- mapped pool ---------------------------------------------------------- */

struct rpool;

struct rpool_buf {
	void *cpu;
	dma_addr_t dma;
	size_t size;
};

/**
 * rpool_create() - @nbufs buffers of @buf_size bytes (rounded up to pages),
 * mapped once for @dir.  NULL on failure.
 */
struct rpool *rpool_create(osdep_dev_t *dev, size_t buf_size, unsigned int nbufs,
			   enum dma_data_direction dir);
/** rpool_get() - a buffer owned by the device side (synced for it); NULL if none free. */
struct rpool_buf *rpool_get(struct rpool *p);
/** rpool_sync_for_cpu() - let the CPU read the first @len bytes the device wrote. */
int rpool_sync_for_cpu(struct rpool *p, struct rpool_buf *b, size_t len);
/**
 * rpool_put() - recycle: sync_for_device of the @used_len bytes touched.
 * -EINVAL for a buffer of another pool or one already free.
 */
int rpool_put(struct rpool *p, struct rpool_buf *b, size_t used_len);
/**
 * rpool_destroy() - unmap and free every buffer exactly once.  With buffers
 * still out: returns -EBUSY, reports them, and finishes the job when the
 * last one is put back.  Return: 0 when freed at once.
 */
int rpool_destroy(struct rpool *p);
/** rpool_stats() - @p's counters into @out. */
void rpool_stats(struct rpool *p, struct reuse_stats *out);

/* ---- transparent mapping cache ------------------------------------------ */

struct rcache;

/**
 * rcache_create() - a mapping cache for @dev, at most @max_entries entries
 * and @max_bytes mapped (LRU eviction of idle entries).  Refuses a lazy device.
 */
struct rcache *rcache_create(osdep_dev_t *dev, unsigned int max_entries,
			     size_t max_bytes);
/**
 * rcache_map() - lend @len bytes at @offset of @page (whole pages only).
 * A hit reuses the cached mapping (a sync, no map); a miss maps and pins.
 * -EINVAL for a sub-page buffer: those must take bounce.
 */
int rcache_map(struct rcache *c, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h);
/** rcache_unmap() - take it back (a sync); the entry stays cached. */
int rcache_unmap(struct rcache *c, struct rmap_handle *h);
/** rcache_reclaim() - release idle entries whose pages only the cache references. */
size_t rcache_reclaim(struct rcache *c);
/** rcache_shrink() - release up to @nr idle entries, least recently used first. */
size_t rcache_shrink(struct rcache *c, size_t nr);
/** rcache_destroy() - release everything; -EBUSY (nothing freed) if entries are lent out. */
int rcache_destroy(struct rcache *c);
/** rcache_stats() - @c's counters into @out; in_use = entries lent out now. */
void rcache_stats(struct rcache *c, struct reuse_stats *out);

/* ---- two-step IOVA context ---------------------------------------------- */

struct rlink;

/** rlink_create() - one IOVA range of @bytes for @dev, allocated now. */
struct rlink *rlink_create(osdep_dev_t *dev, size_t bytes);
/**
 * rlink_map() - link the pages under [@offset, +@len) of @page into a free
 * slot of the range and sync once.  -ENOSPC when the range is full.
 */
int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h);
/** rlink_unmap() - unlink the slot: PTEs cleared, one invalidation + SYNC. */
int rlink_unmap(struct rlink *l, struct rmap_handle *h);
/** rlink_destroy() - free the range; -EBUSY (nothing freed) while buffers are linked. */
int rlink_destroy(struct rlink *l);
/** rlink_stats() - @l's counters into @out. */
void rlink_stats(struct rlink *l, struct reuse_stats *out);

/* ---- per-buffer front for drivers ---------------------------------------- */

struct rmapper;

struct rmapper_cfg {
	size_t bounce_bytes;		/* rbounce limit; 0 = 4 MiB */
	unsigned int cache_entries;	/* rcache limits; 0 = 4096 */
	size_t cache_bytes;		/* 0 = 64 MiB */
	size_t link_bytes;		/* rlink range; 0 = 4 MiB */
	size_t auto_crossover;		/* auto: bounce up to this many bytes;
					 * 0 = measure at create */
};

/**
 * rmapper_create() - a per-buffer mapper for @dev using @s.  passthrough,
 * strict and lazy map directly (the device's domain decides what unmap
 * costs); bounce, cache, iova-link and auto use the objects above.  reuse
 * and pool do not work buffer by buffer -- they need the upper layer's
 * marking or the driver's own buffers -- so rmapper_create() refuses them
 * (NULL, and rmapper_why_not() says why).
 */
struct rmapper *rmapper_create(osdep_dev_t *dev, enum reuse_strategy s,
			       const struct rmapper_cfg *cfg);
/** rmapper_why_not() - why @s cannot be a per-buffer mapper (NULL if it can). */
const char *rmapper_why_not(enum reuse_strategy s);
/** rmapper_map() - lend @cpu[0..@len) (@cpu must be in one page-contiguous block). */
int rmapper_map(struct rmapper *m, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h);
/** rmapper_map_flags() - rmapper_map() with RMAP_* @flags. */
int rmapper_map_flags(struct rmapper *m, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h);
/** rmapper_unmap() - take back a buffer lent by rmapper_map(). */
int rmapper_unmap(struct rmapper *m, struct rmap_handle *h);
/**
 * rmapper_unmap_partial() - unmap when the device wrote only the first
 * @used bytes: bounced buffers copy out just those (as a driver would sync
 * only the produced length and unmap with DMA_ATTR_SKIP_CPU_SYNC).
 */
int rmapper_unmap_partial(struct rmapper *m, struct rmap_handle *h, size_t used);
/** rmapper_sync_for_cpu() - let the CPU read what the device wrote so far (copy out if bounced). */
int rmapper_sync_for_cpu(struct rmapper *m, struct rmap_handle *h);
/** rmapper_sync_for_device() - hand the buffer back to the device (copy in if bounced). */
int rmapper_sync_for_device(struct rmapper *m, struct rmap_handle *h);
/** rmapper_maintain() - periodic work: cache reclaim (call from a timer or idle). */
void rmapper_maintain(struct rmapper *m);
/** rmapper_crossover() - auto: the bounce/map crossover in bytes (0 otherwise). */
size_t rmapper_crossover(const struct rmapper *m);
/** rmapper_stats() - the counters of @m and of the objects under it, summed. */
void rmapper_stats(struct rmapper *m, struct reuse_stats *out);
/** rmapper_strategy() - the strategy @m was created with. */
enum reuse_strategy rmapper_strategy(const struct rmapper *m);
/** rmapper_destroy() - free @m and its objects; -EBUSY (nothing freed) while buffers are lent. */
int rmapper_destroy(struct rmapper *m);

/**
 * reuse_measure_crossover() - on @dev, the largest buffer size for which
 * copying it (one way) is cheaper than a map + unmap pair of one page:
 * both timed now, medians of repeated runs.  Sizes tried: 64 B .. 256 KiB.
 * *@pair_ns and *@copy4k_ns (may be NULL) receive the measured costs.
 */
size_t reuse_measure_crossover(osdep_dev_t *dev, uint64_t *pair_ns,
			       uint64_t *copy4k_ns);

#endif
