/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse_core.h - what every object of the reuse layer shares: the
 * strategies (a mode and a mechanism, and their isolation classes), the
 * counters, and the handle a map call fills.  The layer, its safety rule and
 * its conventions are described in reuse.h, which includes every object's
 * header; include that one, or this and the objects you use.
 */
#ifndef DMAREUSE_REUSE_CORE_H
#define DMAREUSE_REUSE_CORE_H

#include <dmareuse/reuse_types.h>

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

/*
 * RMAP_LEN_KNOWN: the caller will take a FROM_DEVICE buffer back with
 * *_unmap_partial(), naming exactly the bytes the device wrote.  Without it
 * a FROM_DEVICE bounce buffer is first filled with the caller's bytes, so a
 * device that writes less than the buffer can never hand the caller an
 * earlier user's data (the hole Linux's swiotlb closed for CVE-2022-0854);
 * with it that copy is skipped, and a full unmap is the caller's bug.
 */
#define RMAP_LEN_KNOWN 1u

#endif
