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

/*
 * The store holds every page until the load phase, at most a page of the
 * machine's arena each; the arena is at most ZSWAP_MAX_ARENA, of which
 * ZSWAP_ARENA_SLACK is kept for everything else (per-CPU buffers, the page
 * being loaded, the driver, page tables).  So one run stores at most
 * ZSWAP_MAX_PAGES pages over all its threads (1032192).
 */
#define ZSWAP_MAX_ARENA (4ull << 30)
#define ZSWAP_ARENA_SLACK (64ull << 20)
#define ZSWAP_MAX_PAGES ((ZSWAP_MAX_ARENA - ZSWAP_ARENA_SLACK) / PAGE_SIZE)

struct zswap_params {
	struct reuse_pair pair;		/* the strategy: mode and mechanism */
	unsigned int threads;		/* CPU threads, 1..256 */
	uint64_t pages;			/* per thread, at most ZSWAP_MAX_PAGES /
					 * threads; 0 = run for @seconds */
	unsigned int seconds;		/* store phase budget when pages == 0 */
	uint64_t seed;
	unsigned int mix[ZK_COUNT];	/* percent of each kind; sums to 100 */
	unsigned int engine_threads;	/* 0 = 1; at most 64 */
	const struct platform_profile *profile;
	struct zip_drv_config drv;	/* extra driver settings (fault hook); its
					 * pair and engine_threads are replaced
					 * by the fields above */
	bool oracle;			/* classify every device access */
	bool rogue;			/* make the zip device rogue (implies oracle) */
	unsigned int rogue_rate;	/* rogue probes per second; 0 = 20000 */
	bool no_populate;		/* tests: leave the arena untouched at start */
	uint64_t warmup;		/* the first pages of each thread's @pages, whose
					 * DMA-layer time is left out of dma_cpu_ns */
	bool virtual_time;		/* run in virtual time (vtime.h): each
					 * thread a simulated CPU, costs from the
					 * profile's cost table */
	struct os *os;			/* run on this OS (>= threads + engine
					 * threads CPUs, memory for the pages) and
					 * leave it alive; NULL = build a machine.
					 * Not with @virtual_time */
	struct wl_soak soak;		/* a soak's hooks (workload.h) */
};

/**
 * zswap_default_mix() - write the default page mix
 * @mix: receives the percentages: 10% zero, 40% text, 35% binary, 15%
 *       incompressible (random)
 *
 * Context: any thread.
 */
void zswap_default_mix(unsigned int mix[ZK_COUNT]);
/**
 * zswap_fill_page() - write the deterministic content of one page
 * @page: receives PAGE_SIZE bytes
 * @seed: the run's seed
 * @cpu: the storing CPU
 * @idx: the page's index on @cpu
 * @mix: percentage of each kind; the kind is drawn from these, and the
 *       share they leave below 100 goes to ZK_RANDOM
 *
 * The kind and the bytes are a function of (@seed, @cpu, @idx, @mix).
 *
 * Context: any thread.
 * Return: the kind of content written.
 */
enum zswap_kind zswap_fill_page(uint8_t *page, uint64_t seed, unsigned int cpu,
				uint64_t idx, const unsigned int mix[ZK_COUNT]);

/**
 * zswap_run() - run the workload on a machine of its own and verify it
 * @p: the parameters; checked here: threads (1..64), engine_threads
 *     (0..64), pages (0..ZSWAP_MAX_PAGES / threads), the strategy, and the
 *     driver's depth (0..ZIP_MAX_DEPTH) and level (0..9); the rest is taken
 *     as given
 * @r: zeroed, then the results: ops = pages stored and loaded, bytes = ops
 *     pages, dma_cpu_ns over both phases, verified = pages whose bytes
 *     compared equal, failed = pages whose bytes did not come back (lost,
 *     corrupted, or their decompression failed in the engine or device),
 *     the number of rejected pages in note
 * @err: on failure, one line naming what was wrong or what failed
 * @errlen: size of @err
 *
 * Builds a machine on @p->profile sized for the pages to store, an OS with
 * a CPU per thread and per engine thread (or takes @p->os), the zip driver (and the oracle
 * and rogue device if asked), runs the store and load phases on
 * @p->threads threads, then tears everything down.  A timed run sizes the
 * machine for 24000 pages per thread-second (at most ZSWAP_MAX_PAGES in
 * all) and a thread ends its store phase early when it has stored its
 * share of that.
 *
 * A worker thread that cannot be started fails the run; the workers that
 * did start are joined (and what they did is in @r).  So does a page the
 * load phase cannot get, or a decompression whose mapping found no memory:
 * that is the machine's shortage, an error, not a lost page.
 *
 * Context: any thread; blocks for the whole run.
 * Return: 0; -EINVAL (a parameter out of range: the caller's input);
 * -EOPNOTSUPP (the strategy is refused or does not apply); -ENOMEM (the machine, the OS,
 * the driver, the oracle or the rogue device could not be set up);
 * the -errno of a thread start that failed (-EAGAIN); -ENOMEM (a store or
 * a load found no memory), -EBUSY or another -errno from a worker; -EIO if
 * frames leaked at teardown.  On every error @err says what was wrong or
 * what failed.
 */
int zswap_run(const struct zswap_params *p, struct wl_result *r, char *err,
	      size_t errlen);

#endif
