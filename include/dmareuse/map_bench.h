/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * map_bench.h - the `map` workload: Linux's dma_map_benchmark in the lab.
 *
 * N threads (standing for N CPUs) each map a buffer of `granule` pages,
 * let the engine touch every page of it, spend `trans_ns` as the transfer,
 * and unmap it -- over and over for `seconds` (or `iterations` times).
 * "Map" and "unmap" mean what the strategy's mechanism does to lend and
 * take back a buffer, under its mode (the device's domain): with no
 * mechanism the plain DMA API; bounce, cache, iova-link and auto through a
 * per-buffer mapper; reuse registers each thread's buffer once (untimed)
 * and times for_device/for_cpu; pool times get (buffer handed to the
 * device) and put.
 * Map and unmap latencies are taken per call with mclock_stamp(); the cost
 * of reading it (measured at start) is subtracted from every sample.
 */
#ifndef DMAREUSE_MAP_BENCH_H
#define DMAREUSE_MAP_BENCH_H

#include <dmareuse/dma.h>
#include <dmareuse/reuse.h>

#define MAP_BENCH_LINK_MIN (4u << 20)	/* iova-link range at least (rmapper's default) */
#define MAP_BENCH_BOUNCE_MIN (4u << 20)	/* bounce pool at least (rmapper's default) */

struct map_bench_params {
	unsigned int threads;		/* 1..1024 */
	unsigned int seconds;		/* 1..300 */
	uint64_t iterations;		/* per thread; nonzero overrides seconds */
	uint64_t warmup;		/* per thread, before the timed pairs and not in
					 * any figure: the first lends grow pools and caches */
	unsigned int dir;		/* 0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE */
	unsigned int trans_ns;		/* 0..10 ms */
	unsigned int granule;		/* pages, 1..1024; bounce: at most
					 * rbounce_max_len() bytes (64 pages) */
	unsigned int dma_bits;		/* 20..64; iova-link: its range must fit
					 * below the mask (map_bench_link_bytes()) */
	int node;			/* accepted for compatibility; -1 */
	struct reuse_pair pair;		/* the strategy: any pair the table allows */
	unsigned int batch_size;	/* batch: unmaps per batch, 0..4096; 0 = the
					 * profile's batch_size, else 64 */
	bool debug;			/* keep DMA-API debug records */
	bool virtual_time;		/* run in virtual time (vtime.h): every
					 * thread a simulated CPU, costs from the
					 * profile's cost table; seconds are virtual */
	const struct platform_profile *profile;
};

struct map_bench_result {
	uint64_t ops;			/* map+unmap pairs */
	double map_avg_ns, map_stddev_ns;
	double unmap_avg_ns, unmap_stddev_ns;
	uint64_t clock_overhead_ns;
	uint64_t wall_ns;
	uint64_t xfer_errors;		/* device transfers the IOMMU refused */
	double memcpy_ns;		/* one plain copy of the buffer, same run */
	size_t crossover;		/* auto: measured bounce/map crossover */
	struct iommu_stats iommu;
	struct dma_stats dma;
	struct reuse_stats reuse;	/* the strategy object's counters */
	char why[192];			/* on failure: what failed first, where */
};

/**
 * map_bench_link_bytes() - the IOVA range iova-link reserves for a run
 * @p: the parameters (threads and granule are used)
 *
 * One buffer per thread at once: @p->threads x @p->granule pages, and at
 * least MAP_BENCH_LINK_MIN.  The range is one IOVA allocation below the
 * DMA mask, so iova-link needs a mask of more than twice this (rounded up
 * to a power of two: the allocation is size-aligned and IOVA page 0 is
 * never handed out).
 *
 * Context: any thread.
 * Return: the range in bytes.
 */
size_t map_bench_link_bytes(const struct map_bench_params *p);

/**
 * map_bench_run() - run the benchmark on a machine of its own
 * @p: the parameters; not range-checked here (the ranges noted in struct
 *     map_bench_params are the caller's to enforce)
 * @r: zeroed, then filled with the results
 *
 * Builds a populated machine (256 MiB + 8 MiB per thread) on @p->profile,
 * an OS with one CPU per thread, the device and the strategy's object
 * (sized for a buffer per thread in flight: a bounce pool of
 * rbounce_max_len() per thread, at least MAP_BENCH_BOUNCE_MIN; an iova-link
 * range of map_bench_link_bytes()); runs @p->threads threads, then tears
 * everything down.
 *
 * Context: any thread; blocks for the whole run.
 * In virtual time the whole run happens inside vtime_run(): the machine
 * is not populated (host page faults cost no virtual time) and sized to
 * what the threads hold, and every latency is virtual, so a seed-free run
 * gives the same numbers on any host.
 *
 * Return: 0; -EOPNOTSUPP if the strategy table refuses @p->pair; -ENOENT
 * if virtual time was asked of a profile without a cost table; -ENOMEM if
 * the machine, OS, device or strategy object could not be created;
 * -EAGAIN if a thread could not be started; -EIO if some map, unmap or
 * registration failed during the run (@r is filled all the same); -EBUSY
 * if the strategy object still had buffers lent at teardown.
 * On every failure @r->why says in one line what failed first and where.
 */
int map_bench_run(const struct map_bench_params *p, struct map_bench_result *r);

#endif
