/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * zip_drv.h - the driver of the zip engine: an acomp-like request API.
 *
 * A request names a source and a destination scatterlist and an operation
 * (compress, decompress); the driver maps both with its DMA strategy, fills
 * the engine's hardware SG tables and a queue descriptor, rings the
 * doorbell and waits for the completion interrupt, then unmaps.  Calls are
 * synchronous, like zswap's use of acomp (it waits for each request), and
 * may come from several CPUs at once.
 *
 * Strategies per buffer role.  One strategy -- an IOMMU mode and a
 * mechanism (reuse.h) -- is configured.  The mode is the device's domain;
 * each role takes the mechanism that applies to it:
 *   none, bounce, cache, iova-link: both roles;
 *   reuse:  lists the upper layer marked reusable (sg_mark_reusable with
 *           zip_drv_registry()) are mapped once and synced per use; an
 *           unmarked list -- zswap's source page, new every call -- is
 *           mapped directly (none), and the note says so;
 *   auto:   marked lists take reuse, the rest the per-buffer auto policy;
 *   pool:   n/a -- every buffer comes from the upper layer; a driver pool
 *           would add a copy, which is what bounce is;
 *   batch:  both roles; each unmap's invalidation waits in this CPU's
 *           batch, which holds the buffer's page until its flush (zswap
 *           frees a stored page as soon as the request returns).  The
 *           batch is flushed when full (batch_size unmaps) and by
 *           zip_drv_maintain(): a request completes alone, so a flush per
 *           completion would be one per two unmaps, strict's cost halved
 *           (--batch-size 2 is that), not a batch.
 * A pair the strategy table refuses (reuse_pair_why_not()) is refused.
 */
#ifndef DMAREUSE_ZIP_DRV_H
#define DMAREUSE_ZIP_DRV_H

#include <dmareuse/reuse.h>
#include <dmareuse/scatterlist.h>
#include <dmareuse/zip.h>

struct os;
struct zip_drv;

struct zip_drv_config {
	struct reuse_pair pair;		/* the strategy: mode and mechanism */
	unsigned int depth;		/* queue entries; 0 = 64 */
	unsigned int engine_threads;	/* 0 = 1 */
	int level;			/* deflate level; 0 = 1 */
	struct rogue *rogue;		/* optional rogue device mode */
	unsigned int rogue_pokes;
	size_t auto_crossover;		/* 0 = measure */
	uint64_t fault_nth;		/* test hook: the Nth request (1-based)
					 * gets an unmapped source address */
	bool dma_debug;			/* keep DMA-API debug records (tests) */
	bool poll;			/* wait for completions by polling (see
					 * zip_drv.c) instead of sleeping */
	unsigned int batch_size;	/* batch: unmaps per batch, 1..4096; 0 = the
					 * profile's batch_size, else 64 */
};

/**
 * zip_drv_create() - a zip device and its driver
 * @os: the OS to run on
 * @cfg: the configuration (required); a zero field takes its default
 * @why: receives why when the strategy does not apply; may be NULL
 * @whylen: size of @why
 *
 * Creates a device with its own IOMMU domain (of the pair's mode), the
 * queues and SG tables in coherent memory, the per-buffer mapper (no
 * mechanism under reuse), under reuse and auto the registry for
 * marked lists, and the engine, and starts it.  Under auto with no
 * crossover given the crossover is measured first, which takes a moment.
 *
 * Context: any thread.
 * Return: the driver, or NULL.  @why is filled only when the strategy does
 * not apply to this driver; other failures (a depth above ZIP_MAX_DEPTH,
 * a batch_size above 4096, an engine setting out of range, no memory)
 * leave it untouched.
 */
struct zip_drv *zip_drv_create(struct os *os, const struct zip_drv_config *cfg,
			       char *why, size_t whylen);
/**
 * zip_drv_destroy() - stop the engine, free queues and objects
 * @drv: the driver; NULL is a no-op
 *
 * The engine stops without draining; then the mapper, the registry (its
 * live registrations are reported and unregistered), the queues and the
 * device are freed, each reporting what it finds left.
 *
 * Context: no zip_drv_run() may be in flight.
 */
void zip_drv_destroy(struct zip_drv *drv);

/**
 * zip_drv_run() - run one request and wait for it
 * @drv: the driver
 * @op: ZIP_OP_COMPRESS or ZIP_OP_DECOMPRESS
 * @fmt: ZIP_FMT_DEFLATE or ZIP_FMT_ZLIB
 * @src: the input list
 * @src_nents: entries in @src, 1..16
 * @src_len: input bytes, taken from @src in order
 * @dst: the output list
 * @dst_nents: entries in @dst, 1..16
 * @dst_cap: the most output bytes
 * @produced: receives the output length on success; may be NULL
 * @dma_ns: the ns this call spent in the DMA layer (map, unmap, sync,
 *          copies) are added here; may be NULL
 *
 * Maps both lists (a list marked reusable with zip_drv_registry() goes
 * through reuse_map_sg(), bidirectional; any other entry by entry through
 * the per-buffer strategy), fills the SG tables and a descriptor, rings
 * the doorbell, waits for the completion -- sleeping, or with
 * zip_drv_config.poll spinning up to 2 ms first -- and unmaps.  There is
 * no timeout: the call returns when the engine completes the request.
 *
 * Context: any thread; several may run requests at once (up to the queue
 * depth in flight, the others wait for a slot).  Sleeps.
 * Return: 0; -EFAULT (an IOMMU fault, or the completion entry could not be
 * written); -EOVERFLOW (destination too small); -EBADMSG (bad compressed
 * data); -EINVAL (a list too long or empty, a request the engine found
 * invalid, or a mapping refused); -EIO (aborted, an engine error, or a
 * completion for another request); or the error of the map call
 * (-ENOMEM, -E2BIG, -ENOSPC, -ESTALE) or of the doorbell (-ENODEV,
 * -EBUSY).
 */
int zip_drv_run(struct zip_drv *drv, enum zip_opcode op, enum zip_format fmt,
		struct scatterlist *src, int src_nents, unsigned int src_len,
		struct scatterlist *dst, int dst_nents, unsigned int dst_cap,
		unsigned int *produced, uint64_t *dma_ns);

/**
 * zip_drv_registry() - where the upper layer registers reusable lists
 * @drv: the driver
 *
 * Context: any thread.
 * Return: the registry to give sg_mark_reusable(), under reuse and auto;
 * NULL for any other strategy (lists are then mapped per buffer, marked or
 * not).
 */
struct rreuse *zip_drv_registry(struct zip_drv *drv);
/**
 * zip_drv_dev() - the DMA device of the zip engine
 * @drv: the driver
 *
 * For its counters, and its mdev for a rogue device or the oracle.
 *
 * Context: any thread.
 * Return: the device, owned by @drv.
 */
struct dma_device *zip_drv_dev(struct zip_drv *drv);
/**
 * zip_drv_engine() - the engine hardware
 * @drv: the driver
 *
 * Context: any thread.
 * Return: the engine (for its counters), owned by @drv.
 */
struct zip_engine *zip_drv_engine(struct zip_drv *drv);
/**
 * zip_drv_note() - what each buffer role uses
 * @drv: the driver
 *
 * Context: any thread.
 * Return: a line such as "pages: strict (...), per-CPU buffer: reuse",
 * owned by @drv.
 */
const char *zip_drv_note(const struct zip_drv *drv);
/**
 * zip_drv_copy_note() - how the driver's bounce pool copies toward the engine
 * @drv: the driver
 * @buf: receives a line such as "bounce copies in: 1 KiB cached, 4 KiB stream"
 *       (each size class that chose), or "" if nothing was bounced that way
 * @len: the size of @buf
 *
 * Context: no transfer in flight (the choice moves while copies run).
 */
void zip_drv_copy_note(const struct zip_drv *drv, char *buf, size_t len);
/**
 * zip_drv_reuse_stats() - the strategy objects' counters
 * @drv: the driver
 * @out: receives the counters of the mapper and of the registry, summed
 *
 * Context: any thread; each object's lock is taken while it is read.
 */
void zip_drv_reuse_stats(struct zip_drv *drv, struct reuse_stats *out);
/**
 * zip_drv_maintain() - periodic work
 * @drv: the driver
 * @dma_ns: the CPU time it took is DMA-layer time and is added here; may
 *          be NULL
 *
 * Cache reclaim of the mapper (rmapper_maintain()); under batch, a flush
 * of every CPU's batch.
 *
 * Context: any thread.
 */
void zip_drv_maintain(struct zip_drv *drv, uint64_t *dma_ns);
/**
 * zip_drv_shrink() - memory pressure: give back every idle mapping now
 * @drv: the driver
 *
 * What a shrinker does: the mapper's periodic work (zip_drv_maintain()),
 * then every idle cache entry released whoever still holds its page
 * (rmapper_shrink()), and a lazy device's flush queues flushed.  Requests
 * in flight keep what they hold.
 *
 * Context: any thread, concurrently with requests (soaks run it from a
 * thread of their own); the objects under it take their own locks.
 * Return: the cache entries released by the shrink.
 */
size_t zip_drv_shrink(struct zip_drv *drv);
/**
 * zip_drv_why_not() - why a strategy cannot drive this device
 * @p: the strategy: mode and mechanism
 *
 * Context: any thread.
 * Return: a sentence saying why (a pair the strategy table refuses, the
 * pool mechanism, a value that is not a pair), or NULL if @p can drive it.
 */
const char *zip_drv_why_not(struct reuse_pair p);

#endif
