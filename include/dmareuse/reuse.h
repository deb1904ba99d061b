/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse.h - the reuse layer: ways to keep a device isolated without paying
 * a map, an unmap and an IOTLB invalidation on every transfer.
 *
 * OS-neutral: the same code runs in the lab and in the Linux module; the
 * handle types (osdep_dev_t, osdep_page_t) are each home's own (see
 * reuse_types.h; the layer reaches the OS through reuse/osdep.h).  Objects,
 * one per device and mechanism:
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
 *   rbatch   deferred invalidation: unmaps gathered in per-CPU batches,
 *            one invalidation + SYNC per batch, pages released after it.
 *   rmapper  one per-buffer front (map/unmap/sync) for a driver, over any
 *            mechanism that works per buffer, including `auto`.
 *
 * The safety rule (docs/design.md section 6): no PTE and no IOTLB entry reaches a
 * frame after it returns to the page allocator.  Every object that keeps a
 * mapping of memory it does not own holds a page reference for as long as
 * the mapping lives, and unmaps -- with a synchronous invalidation -- before
 * it drops the reference.  That needs a device whose unmap is strict; the
 * objects that rely on it refuse a lazy device (osdep_dma_unmap_is_strict).
 *
 * Conventions: functions return 0 or -errno; misuse (stop-reuse twice, use
 * after stop-reuse, unregister with a transfer in flight, a pool buffer
 * freed twice or into the wrong pool, a sub-page buffer forced into the
 * cache, a buffer whose offset + length or address wraps or lies outside
 * memory, a handle another object lent, one already taken back, or one
 * whose fields were changed, a length beyond the buffer) returns an error,
 * logs one line through osdep_warn, counts in `errors`, and changes
 * nothing.  The layer checks every address and length it computes from a
 * caller's numbers itself, before the OS sees them: an OS's map call need
 * not catch a sum that wraps onto another owner's page (Linux's does not).
 * Every object is safe to call from several CPUs at once; each has one
 * lock, held only around its own bookkeeping.
 */
#ifndef DMAREUSE_REUSE_H
#define DMAREUSE_REUSE_H

#include <dmareuse/reuse_types.h>

/*
 * Strategies.  A strategy is a pair: the IOMMU mode of the device's domain
 * and the mechanism the driver uses on top of it.
 *
 * The mode belongs to the OS, not to this layer: in Linux it is the boot's
 * (iommu.passthrough=1, iommu.strict=1 or 0), in the lab the driver gives it
 * to the device's creation.  Nothing in reuse/ but the table of pairs
 * (strategy.c) names a mode; an object that depends on what an unmap
 * guarantees asks the OS binding (osdep_dma_unmap_is_strict()).
 *
 * The mechanism is the driver's: what it does per transfer (nothing more
 * than map/unmap, a bounce copy, a map-once registration, a pool buffer, a
 * cache lookup, an IOVA link, or auto's choice per buffer).  The objects
 * below implement the mechanisms.
 *
 * Each pair has an isolation class -- what the device can reach -- and
 * some are refused: those the safety rule forbids (an object that keeps
 * mappings of pages it does not own, under a mode whose unmap leaves the
 * IOTLB warm) and those the mode cannot give (an IOVA range in an identity
 * domain).  reuse_pair_why_not() says which and why.
 *
 * The named strategies -- the names on the command line, in JSON and in
 * the documentation -- each name one pair: passthrough, strict and lazy
 * the three modes with no mechanism, every other name its mechanism under
 * strict.  A driver may be given any allowed pair (dmabench's --mode).
 *
 * No code may rely on the order of these enums: iterate up to the _COUNT
 * and look names up.  New values are appended before the _COUNT, and every
 * table indexed by them is filled by designated initialisers, so one
 * addition reshuffles nothing.  The
 * first value of each is the one a zeroed struct reuse_pair takes: strict
 * with no mechanism, the strict strategy.
 */

/* The IOMMU mode of a device's domain: what its unmap does. */
enum reuse_mode {
	RMODE_STRICT,		/* invalidate + wait for the IOTLB at every unmap */
	RMODE_LAZY,		/* invalidation deferred to a flush queue */
	RMODE_PASSTHROUGH,	/* identity domain: no translation at all */
	RMODE_COUNT
};

/* What the driver does per transfer, on top of the mode. */
enum reuse_mech {
	RMECH_NONE,		/* the DMA API: map and unmap per transfer */
	RMECH_BOUNCE,		/* rbounce */
	RMECH_REUSE,		/* rreuse: buffers the upper layer marked reusable */
	RMECH_POOL,		/* rpool: the driver's own mapped buffers */
	RMECH_CACHE,		/* rcache */
	RMECH_IOVA_LINK,	/* rlink */
	RMECH_AUTO,		/* rmapper's policy: bounce, cache or plain, per buffer */
	RMECH_BATCH,		/* rbatch: invalidations deferred into per-CPU batches */
	RMECH_COUNT
};

/* A strategy: a mode and a mechanism. */
struct reuse_pair {
	enum reuse_mode mode;
	enum reuse_mech mech;
};

/* The named strategies; each names one pair (reuse_strategy_pair()). */
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
	RS_BATCH,
	RS_COUNT
};

/**
 * reuse_strategy_name() - the name of a strategy
 * @s: the strategy
 *
 * The name is the one used everywhere: on the command line, in JSON and in
 * the documentation.
 *
 * Return: the name of @s, or "?" for a value that is not a strategy.
 */
const char *reuse_strategy_name(enum reuse_strategy s);
/**
 * reuse_strategy_parse() - look a strategy up by name
 * @name: the name, as reuse_strategy_name() gives it
 *
 * Return: the strategy whose name is exactly @name, or -1 if there is none.
 */
int reuse_strategy_parse(const char *name);
/**
 * reuse_strategy_pair() - the pair a named strategy stands for
 * @s: the strategy
 *
 * Return: the mode and mechanism of @s; for a value that is not a
 * strategy, a pair reuse_pair_why_not() refuses (mode RMODE_COUNT).
 */
struct reuse_pair reuse_strategy_pair(enum reuse_strategy s);
/**
 * reuse_pair_strategy() - the named strategy of a pair
 * @p: the pair
 *
 * Return: the strategy whose pair is exactly @p, or -1 for a pair that has
 * no name (cache under passthrough, say) or is not a pair.
 */
int reuse_pair_strategy(struct reuse_pair p);
/**
 * reuse_strategy_isolation() - the isolation a strategy keeps
 * @s: the strategy
 *
 * Return: a one-line description of that isolation, or "?" for a value that
 * is not a strategy.
 */
const char *reuse_strategy_isolation(enum reuse_strategy s);
/**
 * reuse_strategy_isolation_class() - the class of isolation a strategy keeps
 * @s: the strategy
 *
 * Return: a short class name (none, window, strict, ...), or "?" for a value
 * that is not a strategy.
 */
const char *reuse_strategy_isolation_class(enum reuse_strategy s);

/**
 * reuse_mode_name() - the name of an IOMMU mode
 * @m: the mode
 *
 * Return: "passthrough", "strict" or "lazy", or "?" for a value that is
 * not a mode.
 */
const char *reuse_mode_name(enum reuse_mode m);
/**
 * reuse_mode_parse() - look a mode up by name
 * @name: the name, as reuse_mode_name() gives it
 *
 * Return: the mode whose name is exactly @name, or -1 if there is none.
 */
int reuse_mode_parse(const char *name);
/**
 * reuse_mech_name() - the name of a mechanism
 * @m: the mechanism
 *
 * Return: "none" or the name of the strategy that is the mechanism under
 * strict ("bounce", "iova-link", ...), or "?" for a value that is not a
 * mechanism.
 */
const char *reuse_mech_name(enum reuse_mech m);
/**
 * reuse_use_name() - the name of what a buffer role uses
 * @mode: the IOMMU mode
 * @mech: the mechanism the role uses under it
 *
 * For drivers' notes: a role with no mechanism is plainly mapped, and goes
 * by the mode ("strict"); any other by its mechanism ("bounce").
 *
 * Return: that name, or "?" for a value out of range.
 */
const char *reuse_use_name(enum reuse_mode mode, enum reuse_mech mech);
/**
 * reuse_pair_why_not() - why a pair is refused
 * @p: the pair
 *
 * Return: NULL if @p may be used; otherwise one sentence saying why not:
 * the safety rule forbids it, the mode cannot give what the mechanism
 * needs, or @p is not a pair (a value out of range).
 */
const char *reuse_pair_why_not(struct reuse_pair p);
/**
 * reuse_pair_isolation_class() - the class of isolation a pair keeps
 * @p: the pair
 *
 * Every pair has one, refused pairs too (what they would keep: `breach`
 * for those the safety rule forbids): none, window, strict, copy,
 * registered, pool, pinned, mixed, batched (an unmapped buffer reachable
 * until its batch's flush, never a freed frame) or breach.
 *
 * Return: the class name, or "?" for a value that is not a pair.
 */
const char *reuse_pair_isolation_class(struct reuse_pair p);
/**
 * reuse_pair_isolation() - the isolation a pair keeps
 * @p: the pair
 *
 * Return: a one-line description of what the device can reach under @p,
 * or "?" for a value that is not a pair.
 */
const char *reuse_pair_isolation(struct reuse_pair p);
/**
 * reuse_pair_isolating() - whether a pair keeps the device isolated
 * @p: the pair
 *
 * Return: true if, under @p, the device never reaches memory outside what
 * the driver lent it or keeps mapped for it, and never a freed frame:
 * false for the classes none, window and breach, and for a value that is
 * not a pair.
 */
bool reuse_pair_isolating(struct reuse_pair p);

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
	/* batch: */
	uint64_t deferred;	/* unmaps whose invalidation waited for a batch flush */
	uint64_t pages_deferred; /* page references taken to hold a buffer until its flush */
	uint64_t flushes;	/* batch flushes: one invalidation + SYNC each */
	uint64_t batch_max;	/* the most unmaps one flush covered */
};

/**
 * reuse_stats_add() - add one set of counters to another
 * @acc: the counters added to
 * @s: the counters to add
 *
 * Every field of @s is added to the same field of @acc, but batch_max,
 * which becomes the larger of the two.
 */
void reuse_stats_add(struct reuse_stats *acc, const struct reuse_stats *s);

/* ---- bounce ------------------------------------------------------------- */

#define RBOUNCE_NCLASSES 6	/* 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB */

struct rbounce;

/*
 * A buffer lent through a strategy; filled by the map call, owned by the
 * caller, who reads it and hands it back unchanged.  The object that lent
 * it checks it at every sync and unmap: priv and aux name the lend (the
 * object's buffer, entry or context, and a generation or check word), and
 * dma, len and dir must be those of the lend.
 */
struct rmap_handle {
	dma_addr_t dma;		/* what the device is given */
	size_t len;
	enum dma_data_direction dir;
	void *cpu;		/* the caller's buffer */
	void *priv;		/* the strategy's own */
	uint64_t aux;		/* the strategy's own */
	uint8_t kind;		/* which path of the mapper lent it (rmapper) */
};

/**
 * rbounce_create() - a bounce pool for a device
 * @dev: the device the buffers are mapped for
 * @max_bytes: the most coherent buffer memory, in bytes, the pool may hold
 *
 * Buffers are allocated on demand and kept for reuse.
 *
 * Return: the new pool, or NULL on failure.
 */
struct rbounce *rbounce_create(osdep_dev_t *dev, size_t max_bytes);
/**
 * rbounce_destroy() - free the pool
 * @b: the pool
 *
 * Return: 0, or -EBUSY (nothing freed) if buffers are still lent out; they
 * are reported.
 */
int rbounce_destroy(struct rbounce *b);
/**
 * rbounce_map() - lend a copy of @cpu[0..@len) to the device
 * @b: the pool
 * @cpu: the caller's buffer
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to the unmap call
 *
 * TO_DEVICE and BIDIRECTIONAL copy in.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a zero @len, a
 * NULL @cpu, @cpu + @len wrapping the address space, or an invalid @dir;
 * -E2BIG above the largest class; -ENOMEM when the pool is at its limit or
 * memory for it cannot be allocated.
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

/**
 * rbounce_map_flags() - rbounce_map() taking flags
 * @b: the pool
 * @cpu: the caller's buffer
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @flags: RMAP_* flags (RMAP_LEN_KNOWN)
 * @h: the handle to fill; it is given back to the unmap call
 *
 * Return: as rbounce_map().
 */
int rbounce_map_flags(struct rbounce *b, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h);
/**
 * rbounce_unmap() - take a lent buffer back
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * FROM_DEVICE and BIDIRECTIONAL copy out.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * a buffer that @b lent out and has not taken back -- a handle of another
 * pool, a copy of one already taken back, one never filled -- or if its
 * dma, len or dir are not those of the lend.
 */
int rbounce_unmap(struct rbounce *b, struct rmap_handle *h);
/**
 * rbounce_unmap_partial() - as rbounce_unmap(), copying out only a prefix
 * @b: the pool
 * @h: the handle filled by the map call
 * @used: how many bytes the device wrote at the start of the buffer
 *
 * Only the first @used bytes are copied out: the device wrote no more (a
 * driver that knows the length the device produced saves the rest of the
 * copy).
 *
 * Return: 0; -EINVAL as rbounce_unmap(), and for @used above @h->len.
 */
int rbounce_unmap_partial(struct rbounce *b, struct rmap_handle *h, size_t used);
/**
 * rbounce_sync_for_cpu() - copy out without giving the buffer back
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * Only FROM_DEVICE and BIDIRECTIONAL buffers are copied; the buffer stays
 * lent.
 *
 * Return: 0; -EINVAL for a handle rbounce_unmap() would refuse.
 */
int rbounce_sync_for_cpu(struct rbounce *b, struct rmap_handle *h);
/**
 * rbounce_sync_for_device() - copy the caller's bytes in again
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * Only TO_DEVICE and BIDIRECTIONAL buffers are copied.
 *
 * Return: 0; -EINVAL for a handle rbounce_unmap() would refuse.
 */
int rbounce_sync_for_device(struct rbounce *b, struct rmap_handle *h);
/*
 * How a bounce pool copies the caller's bytes toward the device (the lend,
 * sync_for_device).  A cached copy (memcpy) must own each line before it
 * writes it: cheap when the lines are still in this CPU's cache, dear when
 * the device's last read left them elsewhere (the lab's engines are threads
 * on another core).  A streaming copy writes whole lines around the cache
 * (osdep_copy_to_device()), at memory's pace.  Which is cheaper depends on
 * the machine and the device, so by default (RCOPY_AUTO) each size class
 * from 1 KiB up, in each area (CPU) of the pool, measures both on its own
 * copies and takes the cheaper;
 * the 256-byte class always copies cached.  Copies back to the CPU are
 * always cached: the caller reads those bytes next.
 */
enum rcopy_method { RCOPY_CACHED, RCOPY_STREAM, RCOPY_AUTO };

/*
 * The chooser behind RCOPY_AUTO, one per area and size class; its caller
 * serialises the calls (bounce holds the area's lock).  A copy's cost depends on the
 * copy before it into the same buffer (a streaming copy leaves no line in
 * any cache, so a cached copy after it fetches every line from memory), so
 * the caller records a timed copy only when the buffer's previous copy
 * took the same method: each mean is the method's cost in steady use.
 *
 * Warm-up: runs of RCOPY_WARMUP_RUN copies, cached and streaming in turn,
 * every copy timed, until each method has RCOPY_WARMUP samples.  Then one
 * copy in RCOPY_SAMPLE_EVERY is timed, and in one such period in
 * RCOPY_EXPLORE_EVERY the first RCOPY_EXPLORE_RUN copies, the timed one
 * last, take the method not in use, so that both means stay current.  A
 * sample above twice its method's mean counts as twice the mean (a
 * preemption, an interrupt): one outlier moves the mean by at most 1/8, a
 * lasting change still moves it 1/8 per sample.  The choice changes only
 * when the other method's mean is lower by more than 1/2^RCOPY_MARGIN_SHIFT
 * of the one in use, so near-equal methods do not flap.
 */
#define RCOPY_WARMUP 8
#define RCOPY_WARMUP_RUN 4
#define RCOPY_SAMPLE_EVERY 64
#define RCOPY_EXPLORE_EVERY 16
#define RCOPY_EXPLORE_RUN 2
#define RCOPY_MARGIN_SHIFT 3

struct rcopy_est {
	uint32_t n;			/* picks so far */
	uint32_t samples[2];		/* timed copies recorded, per method */
	uint64_t mean16[2];		/* running mean of those, in 1/16 ns */
	enum rcopy_method use;		/* what untimed copies take */
	bool warm;			/* both methods have RCOPY_WARMUP samples */
};

/**
 * rcopy_est_pick() - the method for the next copy of a class
 * @e: the class's chooser, zeroed before first use
 * @timed: set to whether the caller must time this copy and hand the time
 *         to rcopy_est_record()
 *
 * Context: the caller serialises calls on @e.
 * Return: RCOPY_CACHED or RCOPY_STREAM.
 */
enum rcopy_method rcopy_est_pick(struct rcopy_est *e, bool *timed);
/**
 * rcopy_est_record() - one timed copy's cost
 * @e: the class's chooser
 * @m: the method the copy took (as rcopy_est_pick() returned it)
 * @ns: how long it took
 *
 * Updates @m's mean and the method in use: the one with the lower mean,
 * once both have warmed up.
 *
 * Context: the caller serialises calls on @e.
 */
void rcopy_est_record(struct rcopy_est *e, enum rcopy_method m, uint64_t ns);

/**
 * rbounce_set_copy() - choose how @b copies toward the device
 * @b: the pool
 * @m: RCOPY_AUTO (the default), or RCOPY_CACHED / RCOPY_STREAM for every
 *     class (to compare the two, or where one is known to be right)
 *
 * Return: 0, or -EINVAL for a value that is none of the three.
 */
int rbounce_set_copy(struct rbounce *b, enum rcopy_method m);
/**
 * rbounce_copy_streams() - whether copies of @len bytes now stream
 * @b: the pool
 * @len: a copy length (its size class decides)
 *
 * Return: true if the calling CPU's next untimed copy of @len bytes toward
 * the device streams; false if it is cached, or if @len fits no class.
 */
bool rbounce_copy_streams(struct rbounce *b, size_t len);
/**
 * rbounce_nareas() - how many areas a pool has
 * @b: the pool
 *
 * A pool keeps its free lists, counters and copy choosers per area, one
 * per CPU up to 64, the count rounded up to a power of two (CPUs beyond
 * share them, cpu modulo the count).
 *
 * Return: the count, 1 or more.
 */
unsigned int rbounce_nareas(const struct rbounce *b);
/**
 * rbounce_copy_state() - one size class's copy chooser in one area, for reports
 * @b: the pool
 * @area: the area, 0 .. rbounce_nareas() - 1 (a CPU lends from cpu % count)
 * @cls: the class, 0 .. RBOUNCE_NCLASSES - 1 (smallest first)
 * @bytes: set to the class's buffer size
 * @out: receives a copy of the chooser (all zero for one that never chose:
 *       the 256-byte class, an area no CPU lent from, or any while a
 *       method is forced)
 *
 * Return: the method the class's untimed copies toward the device take now
 * in @area (RCOPY_CACHED or RCOPY_STREAM); -EINVAL if @area or @cls is out
 * of range.
 */
int rbounce_copy_state(struct rbounce *b, unsigned int area, unsigned int cls,
		       size_t *bytes, struct rcopy_est *out);

/* What the areas of one or more pools chose, per size class (reports). */
struct rbounce_copy_tally {
	size_t bytes[RBOUNCE_NCLASSES];		/* the class's buffer size */
	unsigned int chose[RBOUNCE_NCLASSES];	/* areas whose chooser measured */
	unsigned int streams[RBOUNCE_NCLASSES];	/* ... and of those, how many stream */
};
/**
 * rbounce_copy_tally() - add up a pool's copy choices
 * @b: the pool, or NULL (adds nothing)
 * @t: zeroed by the caller once, then added to by each call, so one tally
 *     can cover every pool of a driver
 *
 * Context: as rbounce_copy_state(), once per area.
 */
void rbounce_copy_tally(struct rbounce *b, struct rbounce_copy_tally *t);
/**
 * rbounce_copy_note() - one line saying how the tallied pools copy in
 * @t: the tally
 * @buf: receives e.g. "bounce copies in: 1 KiB cached, 4 KiB stream", a
 *       class split between areas as "4 KiB stream on 3 of 4 CPUs"; "" if
 *       no class measured (nothing bounced toward the device)
 * @len: the size of @buf, 1 or more
 */
void rbounce_copy_note(const struct rbounce_copy_tally *t, char *buf, size_t len);
/**
 * rbounce_stats() - read a bounce pool's counters
 * @b: the pool
 * @out: receives a copy of @b's counters
 */
void rbounce_stats(struct rbounce *b, struct reuse_stats *out);
/**
 * rbounce_max_len() - the largest buffer a bounce pool can take
 *
 * Return: the size of the largest class in bytes (256 KiB); a longer buffer
 * is refused with -E2BIG.
 */
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

/**
 * rreuse_create() - a registry of map-once buffers for a device
 * @dev: the device the buffers are mapped for
 *
 * A device whose unmap is lazy is refused: stop-reuse could not promise the
 * mapping is gone before the pages are freed.
 *
 * Return: the new registry, or NULL for a lazy device or on failure.
 */
struct rreuse *rreuse_create(osdep_dev_t *dev);
/**
 * rreuse_destroy() - unregister what is left (reported as misuse) and free
 * @r: the registry
 *
 * Return: number of registrations that were still live.
 */
size_t rreuse_destroy(struct rreuse *r);
/**
 * rmo_register() - map @n segments once for @dir, pinning their pages
 * @r: the registry to register with
 * @segs: the segments of the buffer
 * @n: number of entries in @segs
 * @dir: direction of every transfer of the buffer
 * @cb: run at unregister once the mapping is gone; may be NULL
 * @arg: passed to @cb
 *
 * The CPU owns the buffer until rmo_for_device().  Every segment is checked
 * before anything is pinned or mapped: @len 1 or more, and @offset + @len,
 * and the page's address plus both, computed without wrapping and inside
 * memory.
 *
 * Return: the registration, or NULL on failure (nothing stays); a refused
 * call (no @segs, @n out of range, an invalid @dir, a segment that fails
 * the check) is logged and counted in @r's errors.
 */
struct rmo *rmo_register(struct rreuse *r, const struct rseg *segs,
			 unsigned int n, enum dma_data_direction dir,
			 rmo_unmap_cb cb, void *arg);
/**
 * rmo_dma_addr() - the device address of one segment
 * @mo: the registration
 * @i: index of the segment
 *
 * Return: the device address of segment @i, or 0 if @mo has no such segment.
 */
dma_addr_t rmo_dma_addr(const struct rmo *mo, unsigned int i);
/**
 * rmo_for_device() - hand the buffer to the device
 * @mo: the registration
 *
 * A sync only, no map.
 *
 * Return: 0; -EINVAL if the CPU does not own the buffer (the device already
 * does, or it is being unregistered); -ESTALE after unregister.
 */
int rmo_for_device(struct rmo *mo);
/**
 * rmo_for_cpu() - take the buffer back from the device
 * @mo: the registration
 *
 * A sync only, no unmap.
 *
 * Return: 0; -EINVAL if the device does not own the buffer; -ESTALE after
 * unregister.
 */
int rmo_for_cpu(struct rmo *mo);
/**
 * rmo_unregister() - stop reuse
 * @mo: the registration
 *
 * Unmap with a synchronous invalidation, run the callback, unpin.
 *
 * Return: 0; -EBUSY while a transfer is in flight (after for_device, before
 * for_cpu); -ESTALE if already unregistered.
 */
int rmo_unregister(struct rmo *mo);
/**
 * rmo_is_live() - whether a registration still stands
 * @mo: the registration
 *
 * Return: true if @mo is registered and not yet unregistered.
 */
bool rmo_is_live(const struct rmo *mo);
/**
 * rreuse_stats() - read a registry's counters
 * @r: the registry
 * @out: receives @r's counters; in_use counts the registrations the device
 *       owns now
 */
void rreuse_stats(struct rreuse *r, struct reuse_stats *out);

/* ---- mapped pool ---------------------------------------------------------- */

struct rpool;

struct rpool_buf {
	void *cpu;
	dma_addr_t dma;
	size_t size;
};

/**
 * rpool_create() - a pool of buffers mapped once
 * @dev: the device the buffers are mapped for
 * @buf_size: size of each buffer in bytes, rounded up to a power-of-two
 *            number of pages; at most the largest block the OS allocates
 *            (PAGE_SIZE << OSDEP_MAX_PAGE_ORDER: 4 MiB in the lab and in
 *            Linux 6.1)
 * @nbufs: number of buffers
 * @dir: direction every buffer is mapped for
 *
 * Return: the new pool, or NULL on failure and (logged) for a zero or too
 * large @buf_size, a zero @nbufs or an invalid @dir.
 */
struct rpool *rpool_create(osdep_dev_t *dev, size_t buf_size, unsigned int nbufs,
			   enum dma_data_direction dir);
/**
 * rpool_get() - take a free buffer from the pool
 * @p: the pool
 *
 * The buffer is owned by the device side: it is synced for the device.
 *
 * Return: the buffer, or NULL if none is free (or @p is being destroyed).
 */
struct rpool_buf *rpool_get(struct rpool *p);
/**
 * rpool_sync_for_cpu() - let the CPU read what the device wrote
 * @p: the pool
 * @b: a buffer taken from @p with rpool_get()
 * @len: how many bytes the device wrote at the start of @b
 *
 * Return: 0; -EINVAL (logged, counted) if @b is not a buffer of @p that is
 * lent out, if its dma or size were changed, or if @len is larger than @b.
 */
int rpool_sync_for_cpu(struct rpool *p, struct rpool_buf *b, size_t len);
/**
 * rpool_put() - recycle a buffer
 * @p: the pool
 * @b: a buffer taken from @p with rpool_get()
 * @used_len: how many bytes at the start of @b were touched
 *
 * Does a sync_for_device of the @used_len bytes touched.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) for a buffer of
 * another pool, one already free, one whose dma or size were changed, or a
 * @used_len larger than the buffer.
 */
int rpool_put(struct rpool *p, struct rpool_buf *b, size_t used_len);
/**
 * rpool_destroy() - unmap and free every buffer exactly once
 * @p: the pool
 *
 * With buffers still out, the pool reports them and finishes the job when
 * the last one is put back.
 *
 * Return: 0 when freed at once; -EBUSY with buffers still out; -EINVAL if
 * called again while those buffers are still out.
 */
int rpool_destroy(struct rpool *p);
/**
 * rpool_stats() - read a pool's counters
 * @p: the pool
 * @out: receives a copy of @p's counters
 */
void rpool_stats(struct rpool *p, struct reuse_stats *out);

/* ---- transparent mapping cache ------------------------------------------ */

struct rcache;

/**
 * rcache_create() - a mapping cache for a device
 * @dev: the device; a lazy one is refused
 * @max_entries: the most entries the cache keeps
 * @max_bytes: the most bytes the cache keeps mapped
 *
 * Idle entries are evicted least recently used first to stay within the
 * limits.
 *
 * Return: the new cache, or NULL on failure or for a lazy device.
 */
struct rcache *rcache_create(osdep_dev_t *dev, unsigned int max_entries,
			     size_t max_bytes);
/**
 * rcache_map() - lend @len bytes at @offset of @page (whole pages only)
 * @c: the cache
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: length of the buffer in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rcache_unmap()
 *
 * A hit reuses the cached mapping (a sync, no map); a miss checks the span
 * (@offset + @len, and the page's address plus both, computed without
 * wrapping and inside memory), then maps and pins.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a sub-page buffer
 * (those must take bounce), a zero @len, an invalid @dir, or a span that
 * wraps or is not memory; -ENOMEM when a miss cannot get an entry or a
 * mapping.
 */
int rcache_map(struct rcache *c, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rcache_unmap() - take a lent buffer back
 * @c: the cache
 * @h: the handle filled by rcache_map()
 *
 * A sync, not an unmap: the entry stays cached.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * an entry that @c lent out -- a handle of another cache, a copy of one
 * taken back whose entry has been released or refilled since, one never
 * filled -- or if its dma, len or dir are not the entry's.  (A copy of a
 * handle whose entry is still lent to another caller passes: lenders of
 * one entry are counted, not named.)
 */
int rcache_unmap(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_sync_for_cpu() - let the CPU read what the device wrote so far
 * @c: the cache
 * @h: the handle filled by rcache_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rcache_unmap() would refuse.
 */
int rcache_sync_for_cpu(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_sync_for_device() - hand the buffer back to the device
 * @c: the cache
 * @h: the handle filled by rcache_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rcache_unmap() would refuse.
 */
int rcache_sync_for_device(struct rcache *c, struct rmap_handle *h);
/**
 * rcache_reclaim() - release the idle entries nobody else needs
 * @c: the cache
 *
 * An idle entry is released when its page is referenced by the cache alone.
 *
 * Return: the number of entries released.
 */
size_t rcache_reclaim(struct rcache *c);
/**
 * rcache_shrink() - release idle entries, least recently used first
 * @c: the cache
 * @nr: the most entries to release
 *
 * Return: the number of entries released, at most @nr.
 */
size_t rcache_shrink(struct rcache *c, size_t nr);
/**
 * rcache_destroy() - release every entry and free the cache
 * @c: the cache
 *
 * Return: 0; -EBUSY (nothing freed) if entries are lent out.
 */
int rcache_destroy(struct rcache *c);
/**
 * rcache_stats() - read a cache's counters
 * @c: the cache
 * @out: receives @c's counters; in_use counts the entries lent out now
 */
void rcache_stats(struct rcache *c, struct reuse_stats *out);

/* ---- two-step IOVA context ---------------------------------------------- */

struct rlink;

/**
 * rlink_create() - a two-step IOVA context for a device
 * @dev: the device
 * @bytes: size of the IOVA range, rounded up to pages; 0 takes 1024 pages;
 *         at most 2^32 - 1 pages
 *
 * The whole IOVA range is allocated now.
 *
 * Return: the new context, or NULL on failure (logged for a @bytes too
 * large), and always where the OS has no two-step IOVA API (Linux before
 * 6.16).
 */
struct rlink *rlink_create(osdep_dev_t *dev, size_t bytes);
/**
 * rlink_map() - link a buffer's pages into a free slot of the range
 * @l: the IOVA context
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: length of the buffer in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rlink_unmap()
 *
 * The pages under [@offset, +@len) of @page are linked into the slot, then
 * synced once.  The span is checked first: @offset + @len, and the page's
 * address plus both, computed without wrapping and inside memory.
 *
 * Return: 0 and @h filled; -ENOSPC when the range is full (or smaller than
 * the buffer); -EINVAL (logged, counted) for a zero @len, an invalid @dir
 * or a span that wraps or is not memory; otherwise the error of the link
 * or sync (such as -ENOMEM), with the slot given back; -EOPNOTSUPP without
 * the two-step IOVA API.
 */
int rlink_map(struct rlink *l, osdep_page_t page, size_t offset, size_t len,
	      enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rlink_unmap() - unlink a buffer's slot
 * @l: the IOVA context
 * @h: the handle filled by rlink_map()
 *
 * The slot's PTEs are cleared, with one invalidation + SYNC.
 *
 * Return: 0; -EINVAL (logged, counted, nothing unlinked) if @h does not hold
 * a buffer @l has linked now -- a handle of another context, a copy of one
 * already unlinked, one never filled -- or if its dma, len or dir are not
 * those of the link; -EOPNOTSUPP without the two-step IOVA API.
 */
int rlink_unmap(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_sync_for_cpu() - let the CPU read what the device wrote so far
 * @l: the IOVA context
 * @h: the handle filled by rlink_map(); it stays linked
 *
 * The two-step API has no CPU sync of a range still linked (unlinking is
 * that), so this only checks @h: the memory is taken to be coherent.
 *
 * Return: 0; -EINVAL for a handle rlink_unmap() would refuse; -EOPNOTSUPP
 * without the two-step IOVA API.
 */
int rlink_sync_for_cpu(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_sync_for_device() - hand the buffer back to the device
 * @l: the IOVA context
 * @h: the handle filled by rlink_map(); it stays linked
 *
 * The buffer's pages of the range are synced as after the link
 * (osdep_iova_sync()).
 *
 * Return: 0 or the sync's error; -EINVAL for a handle rlink_unmap() would
 * refuse; -EOPNOTSUPP without the two-step IOVA API.
 */
int rlink_sync_for_device(struct rlink *l, struct rmap_handle *h);
/**
 * rlink_destroy() - free the IOVA range and the context
 * @l: the IOVA context
 *
 * Return: 0; -EBUSY (nothing freed) while buffers are linked.
 */
int rlink_destroy(struct rlink *l);
/**
 * rlink_stats() - read an IOVA context's counters
 * @l: the IOVA context
 * @out: receives a copy of @l's counters
 */
void rlink_stats(struct rlink *l, struct reuse_stats *out);

/* ---- batched invalidation ------------------------------------------------- */

/*
 * The batch mechanism: an unmap clears the PTEs at once and defers the
 * IOTLB invalidation into this CPU's batch; a batch is invalidated with one
 * command (a range, or the whole domain) and one SYNC when it is full, when
 * the driver's completion pass flushes it (rbatch_flush()), or at
 * rbatch_flush_all() and destroy.  What an unmap gave back is released
 * only after that flush: its IOVA, a page reference the batch took on the
 * buffer (rbatch_unmap(): the owner may free the buffer at once, the frame
 * cannot reach the allocator before the flush), or the owner's completion
 * (rbatch_unmap_notify()).  So the device may reach a buffer after its
 * unmap until the flush -- never a freed frame.
 *
 * A ring (rbatch_ring) is a block of contiguous IOVA cut in equal slots: a
 * driver's own buffers posted in a ring (a NIC's RX) are mapped at their
 * slot's IOVA, so the unmaps of a pass gather into one short span, and no
 * IOVA is allocated or freed per buffer.  A slot unmapped is mapped again
 * only after its flush.
 *
 * Sub-page buffers: the page reference keeps the frame, not the buffer --
 * another owner of the same page (a slab's next object) may be handed the
 * bytes while a stale entry still reaches them.  A driver whose owner
 * frees such buffers at once flushes before it tells the owner (the NIC
 * driver's completion pass does).
 */
#define RBATCH_DEFAULT_SIZE 64	/* unmaps per batch when none is given */
#define RBATCH_MAX_SIZE 4096

struct rbatch;
struct rbatch_ring;

/* Tells an owner its buffer is free: called once the buffer's flush is done. */
typedef void (*rbatch_done_fn)(void *arg);

/**
 * rbatch_create() - per-CPU batches of deferred invalidations for a device
 * @dev: the device; any mode (a lazy domain's flush queue is not used: the
 *       batch invalidates its own unmaps; an identity domain has nothing to
 *       invalidate)
 * @size: unmaps per batch, 1..RBATCH_MAX_SIZE; 0 takes RBATCH_DEFAULT_SIZE.
 *        1 flushes at every unmap, as strict does
 *
 * A CPU's batch is allocated when the CPU first unmaps.
 *
 * Return: the object, or NULL: @size out of range (logged), no memory, or
 * a binding that cannot defer an invalidation (logged).
 */
struct rbatch *rbatch_create(osdep_dev_t *dev, unsigned int size);
/**
 * rbatch_map() - map a buffer for the device
 * @b: the batch object
 * @page: the first page of the buffer
 * @offset: where the buffer starts, in bytes from @page
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to the unmap call
 *
 * A fresh IOVA range, as the DMA API's map.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a zero @len, an
 * invalid @dir or a span that wraps or is not memory; -ENOMEM when the
 * mapping cannot be made.
 */
int rbatch_map(struct rbatch *b, osdep_page_t page, size_t offset, size_t len,
	       enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rbatch_unmap() - take a buffer back, its invalidation deferred
 * @b: the batch object
 * @h: the handle filled by rbatch_map()
 *
 * The PTEs are cleared now; the invalidation joins this CPU's batch (which
 * is flushed now if that fills it).  The batch holds a reference on the
 * buffer's page until the flush, so the caller may free the buffer at once:
 * the frame returns to the allocator only after no translation reaches it.
 * Where the OS has nothing to defer (an identity domain, a bounced buffer)
 * the unmap completes at once.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * a buffer @b lent -- another object's handle, one whose dma, len, dir or
 * cpu changed, or while @b has nothing lent -- or if the OS refuses it.
 */
int rbatch_unmap(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_unmap_notify() - rbatch_unmap(), telling the owner instead of pinning
 * @b: the batch object
 * @h: the handle filled by rbatch_map()
 * @done: called with @arg once the buffer's invalidation is done (at once
 *        if there was nothing to defer); the owner must not free the buffer
 *        before.  It runs on the flushing CPU under @b's batch lock: it
 *        must not call into @b
 * @arg: passed to @done
 *
 * No page reference is taken: for owners that cannot be made to wait by a
 * reference (memory that is not page-refcounted, a slab object).
 *
 * Return: as rbatch_unmap(); @done is not called on an error.
 */
int rbatch_unmap_notify(struct rbatch *b, struct rmap_handle *h, rbatch_done_fn done,
			void *arg);
/**
 * rbatch_sync_for_cpu() - let the CPU read what the device wrote so far
 * @b: the batch object
 * @h: the handle filled by rbatch_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rbatch_unmap() would refuse.
 */
int rbatch_sync_for_cpu(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_sync_for_device() - hand the buffer back to the device
 * @b: the batch object
 * @h: the handle filled by rbatch_map(); it stays lent
 *
 * Return: 0; -EINVAL for a handle rbatch_unmap() would refuse.
 */
int rbatch_sync_for_device(struct rbatch *b, struct rmap_handle *h);
/**
 * rbatch_flush() - flush this CPU's batch: a completion pass is over
 * @b: the batch object
 *
 * One invalidation command and one SYNC for every unmap the batch holds,
 * then their IOVAs, page references and owners' completions are released.
 * An empty batch costs nothing.
 */
void rbatch_flush(struct rbatch *b);
/**
 * rbatch_flush_all() - flush every CPU's batch
 * @b: the batch object
 *
 * For periodic work, idle time and teardown: after it, nothing @b unmapped
 * before the call is reachable or held.
 */
void rbatch_flush_all(struct rbatch *b);
/**
 * rbatch_size() - unmaps per batch
 * @b: the batch object
 *
 * Return: the size @b was created with (the default filled in).
 */
unsigned int rbatch_size(const struct rbatch *b);
/**
 * rbatch_stats() - read a batch object's counters
 * @b: the batch object
 * @out: receives them: maps and unmaps (rbatch and its rings'), deferred
 *       and invalidations (unmaps that waited for a flush), pages_deferred
 *       (page references taken to hold a buffer until its flush),
 *       pages_pinned (such references held now), flushes, batch_max (the
 *       most unmaps one flush covered), in_use (buffers lent now, rings'
 *       slots included), errors
 */
void rbatch_stats(struct rbatch *b, struct reuse_stats *out);
/**
 * rbatch_destroy() - flush every batch and free the object
 * @b: the batch object; NULL is a no-op
 *
 * Return: 0; -EBUSY (nothing freed, @b still usable) while buffers are
 * lent or rings live.
 */
int rbatch_destroy(struct rbatch *b);

/**
 * rbatch_ring_create() - a ring of slots in one block of contiguous IOVA
 * @b: the batch object whose batches the ring's unmaps join
 * @nslots: slots, 1..65536
 * @slot_bytes: the largest buffer a slot takes; rounded up to whole pages
 *
 * The whole block (@nslots x the rounded size) is reserved now.
 *
 * Return: the ring, or NULL: a value out of range (logged), no memory, or
 * no IOVA block to be had (an identity domain has none).
 */
struct rbatch_ring *rbatch_ring_create(struct rbatch *b, unsigned int nslots,
				       size_t slot_bytes);
/**
 * rbatch_ring_map() - map a buffer at a slot's IOVA
 * @r: the ring
 * @slot: the slot, below @nslots; free, or unmapped (then its batch is
 *        flushed first: a slot's IOVA is reused only after its flush)
 * @page: the buffer: whole pages from @page, @len bytes rounded up
 * @len: bytes, 1..the slot size
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to rbatch_ring_unmap()
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a slot out of
 * range or lent, a bad @len or @dir, or pages that are not memory;
 * otherwise the error of the mapping (-ENOMEM).
 */
int rbatch_ring_map(struct rbatch_ring *r, unsigned int slot, osdep_page_t page, size_t len,
		    enum dma_data_direction dir, struct rmap_handle *h);
/**
 * rbatch_ring_unmap() - take a slot's buffer back, its invalidation deferred
 * @r: the ring
 * @h: the handle filled by rbatch_ring_map()
 *
 * As rbatch_unmap(): the batch holds a reference on the page until the
 * flush; the slot's IOVA stays the ring's.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) for a handle that
 * does not hold a slot of @r lent now.
 */
int rbatch_ring_unmap(struct rbatch_ring *r, struct rmap_handle *h);
/**
 * rbatch_ring_destroy() - flush the ring's slots and free it
 * @r: the ring; NULL is a no-op
 *
 * Return: 0; -EBUSY (nothing freed) while a slot is lent.
 */
int rbatch_ring_destroy(struct rbatch_ring *r);

/* ---- per-buffer front for drivers ---------------------------------------- */

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
