/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * zswap.h - the zswap workload on the zip engine (the seed's scenario).
 *
 * Per-CPU threads store a stream of pages: each page is compressed into
 * that CPU's 2-page destination buffer (the very pattern of the seed: the
 * same two pages, every time), the result is copied into a store, and the
 * source page is freed.  Same-filled pages (zero pages among them) are
 * stored as their fill value without the engine, as zswap does.  Then every
 * stored page is loaded back -- its compressed object copied into the same
 * per-CPU buffer (as Linux's zswap does for a hardware compressor over
 * zsmalloc) and decompressed from there into a fresh page -- and compared
 * with the original, regenerated from the seed: nothing may be lost.  A page whose compression fails is "rejected" (kept by its owner,
 * as zswap leaves it to the swap device) and still verified at load.
 * Under `reuse` and `auto` the upper layer marks its per-CPU buffer
 * reusable (it serves both directions) and stops reuse when it is done.
 */
#ifndef DMAREUSE_ZSWAP_H
#define DMAREUSE_ZSWAP_H

#include <dmareuse/oracle.h>
#include <dmareuse/workload.h>
#include <dmareuse/zip_drv.h>

enum zswap_kind { ZK_ZERO, ZK_TEXT, ZK_BINARY, ZK_RANDOM, ZK_COUNT };

struct zswap_params {
	enum reuse_strategy strategy;
	unsigned int threads;		/* CPU threads, 1..64 */
	uint64_t pages;			/* per thread; 0 = run for @seconds */
	unsigned int seconds;		/* store phase budget when pages == 0 */
	uint64_t seed;
	unsigned int mix[ZK_COUNT];	/* percent of each kind; sums to 100 */
	unsigned int engine_threads;	/* 0 = 1 */
	const struct platform_profile *profile;
	struct zip_drv_config drv;	/* extra driver settings (fault hook) */
	bool oracle;			/* classify every device access */
	bool rogue;			/* make the zip device rogue (implies oracle) */
	unsigned int rogue_rate;	/* rogue probes per second; 0 = 20000 */
	bool no_populate;		/* tests: leave the arena untouched at start */
};

/** zswap_default_mix() - 10% zero, 40% text, 35% binary, 15% incompressible. */
void zswap_default_mix(unsigned int mix[ZK_COUNT]);
/** zswap_fill_page() - the deterministic content of page @idx of @cpu for @seed. */
enum zswap_kind zswap_fill_page(uint8_t *page, uint64_t seed, unsigned int cpu,
				uint64_t idx, const unsigned int mix[ZK_COUNT]);

/**
 * zswap_run() - build a machine on @p->profile, run the workload, verify.
 * @r gets ops = pages stored and loaded, dma_cpu_ns over both phases,
 * verified = pages whose bytes compared equal, failed = pages lost or
 * corrupted, rejected pages in note.  Return: 0, or -errno with @err set
 * (e.g. the strategy does not apply).
 */
int zswap_run(const struct zswap_params *p, struct wl_result *r, char *err,
	      size_t errlen);

#endif
