/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * workload.h - what every workload (zswap, net, map) reports, so that
 * dmabench can put them side by side in one table.
 *
 * "DMA-layer CPU ns" is the time the submitting thread spends inside the
 * DMA layer for an operation: map, unmap, sync, bounce copies, and waiting
 * for invalidations -- measured around those calls with mclock_stamp(), not
 * estimated.  Latency is one operation end to end (submit to completion).
 */
#ifndef DMAREUSE_WORKLOAD_H
#define DMAREUSE_WORKLOAD_H

#include <dmareuse/dma.h>
#include <dmareuse/oracle.h>
#include <dmareuse/reuse.h>

#define WL_LAT_BUCKETS 64	/* log2-spaced latency histogram, ns */

/**
 * struct wl_latency - a latency histogram that keeps no samples
 * @bucket: samples per bucket.  Bucket 0 holds 0 and 1 ns (bucket 1
 *          stays empty); from 2 ns on each octave [2^k, 2^(k+1)) has two
 *          buckets: 2k holds [2^k, 2^k + 2^(k-1)) and 2k + 1 the rest.
 *          The last bucket also takes every sample above its range.
 * @n: samples recorded
 *
 * Zero it to start.  Not locked: one thread records into it, and
 * histograms of several threads are merged with wl_latency_merge().
 */
struct wl_latency {
	uint64_t bucket[WL_LAT_BUCKETS];	/* bucket b: [2^(b/2).., sub-octave */
	uint64_t n;
};

/**
 * wl_latency_add() - record one latency sample
 * @l: the histogram
 * @ns: the sample, in ns
 *
 * Context: the histogram's owner; not locked.
 */
void wl_latency_add(struct wl_latency *l, uint64_t ns);
/**
 * wl_latency_merge() - add one histogram into another
 * @a: the histogram added to
 * @b: the histogram added; unchanged
 *
 * Context: neither histogram may be recorded into meanwhile.
 */
void wl_latency_merge(struct wl_latency *a, const struct wl_latency *b);
/**
 * wl_latency_quantile() - a quantile of the recorded latencies
 * @l: the histogram
 * @q: the quantile, 0..1 (0.5 = median); 1 or more gives the largest
 *     sample's bucket
 *
 * Context: the histogram may not be recorded into meanwhile.
 * Return: the midpoint, in ns, of the bucket holding the @q-quantile (so
 * within the bucket's resolution); 0 for an empty histogram.
 */
uint64_t wl_latency_quantile(const struct wl_latency *l, double q);

struct wl_result {
	uint64_t ops;			/* operations completed (pages, packets, pairs) */
	uint64_t wall_ns;
	uint64_t dma_cpu_ns;		/* summed over submitting threads, warm-up left out */
	uint64_t dma_ops;		/* the operations dma_cpu_ns covers: @ops less each
					 * thread's warm-up (the params' .warmup) */
	uint64_t verified;		/* operations whose every byte was checked */
	uint64_t failed;		/* operations that failed verification or errored */
	uint64_t bytes;			/* payload bytes moved */
	struct wl_latency lat;
	struct iommu_stats iommu;
	struct dma_stats dma;
	struct reuse_stats reuse;
	char note[256];			/* e.g. "tx: strict (pool n/a: ...)" */
	bool watched;			/* the oracle ran: the fields below are set */
	struct oracle_counts oracle;	/* of the workload's device(s) */
	char isolation[16];		/* oracle_isolation() of the device */
	uint64_t rogue_attempts, rogue_successes;
	uint64_t storms;		/* reclaim/shrink storms run (struct wl_soak) */
	uint64_t storm_released;	/* cache entries those storms released */
};

/*
 * What a soak (tests/soak/) adds to a zswap or net run; all zero = nothing.
 *
 * @op is called on the worker thread after each of its operations (a page
 * stored, a page loaded, a packet handed to the driver) -- a soak arms the
 * fault injector from it every K operations.  With @storm_us nonzero a
 * thread of the run's own, standing for CPU 0, shrinks the driver
 * (zip_drv_shrink(), nic_drv_shrink()) at random intervals uniform in
 * 0..2 * @storm_us microseconds, drawn from the run's seed, from the start
 * of the workers to their end; wl_result.storms counts them.
 */
struct wl_soak {
	void (*op)(void *arg);		/* after every operation; NULL = none */
	void *arg;			/* for @op */
	unsigned int storm_us;		/* mean interval between storms; 0 = none */
};

#endif
