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
 * Strategies per buffer role.  One strategy is configured; each role takes
 * what applies to it:
 *   passthrough, strict, lazy, bounce, cache, iova-link: both roles;
 *   reuse:  lists the upper layer marked reusable (sg_mark_reusable with
 *           zip_drv_registry()) are mapped once and synced per use; an
 *           unmarked list -- zswap's source page, new every call -- is
 *           mapped strict, and the note says so;
 *   auto:   marked lists take reuse, the rest the per-buffer auto policy;
 *   pool:   n/a -- every buffer comes from the upper layer; a driver pool
 *           would add a copy, which is what bounce is.
 */
#ifndef DMAREUSE_ZIP_DRV_H
#define DMAREUSE_ZIP_DRV_H

#include <dmareuse/reuse.h>
#include <dmareuse/scatterlist.h>
#include <dmareuse/zip.h>

struct zip_drv;

struct zip_drv_config {
	enum reuse_strategy strategy;
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
};

/**
 * zip_drv_create() - a zip device on @os with its own IOMMU domain, an
 * engine and queues.  On failure NULL, and @why (if not NULL) says why --
 * e.g. that the strategy does not apply to this driver.
 */
struct zip_drv *zip_drv_create(struct os *os, const struct zip_drv_config *cfg,
			       char *why, size_t whylen);
/** zip_drv_destroy() - stop the engine, free queues and objects. */
void zip_drv_destroy(struct zip_drv *drv);

/**
 * zip_drv_run() - one request: @op over @src (@src_len bytes) into @dst
 * (at most @dst_cap bytes).  *@produced gets the output length and
 * *@dma_ns (if not NULL) is increased by the time this call spent in the
 * DMA layer (map, unmap, sync, copies).  Return: 0; -EFAULT (IOMMU fault),
 * -EOVERFLOW (destination too small), -EBADMSG (bad compressed data),
 * -EINVAL, -ENOMEM, -EIO.
 */
int zip_drv_run(struct zip_drv *drv, enum zip_opcode op, enum zip_format fmt,
		struct scatterlist *src, int src_nents, unsigned int src_len,
		struct scatterlist *dst, int dst_nents, unsigned int dst_cap,
		unsigned int *produced, uint64_t *dma_ns);

/** zip_drv_registry() - where the upper layer registers reusable lists (or NULL). */
struct rreuse *zip_drv_registry(struct zip_drv *drv);
struct dma_device *zip_drv_dev(struct zip_drv *drv);
struct zip_engine *zip_drv_engine(struct zip_drv *drv);
/** zip_drv_note() - what each buffer role uses, e.g. "src: strict (...), dst: reuse". */
const char *zip_drv_note(const struct zip_drv *drv);
/** zip_drv_reuse_stats() - the strategy objects' counters, summed. */
void zip_drv_reuse_stats(struct zip_drv *drv, struct reuse_stats *out);
/**
 * zip_drv_maintain() - periodic work (cache reclaim); the CPU time it took is
 * DMA-layer time and is added to *@dma_ns (may be NULL).
 */
void zip_drv_maintain(struct zip_drv *drv, uint64_t *dma_ns);
/** zip_drv_why_not() - why @s cannot drive this device, or NULL if it can. */
const char *zip_drv_why_not(enum reuse_strategy s);

#endif
