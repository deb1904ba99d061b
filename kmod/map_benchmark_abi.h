/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * map_benchmark_abi.h - the ioctl ABI of /sys/kernel/debug/dma_map_benchmark.
 *
 * Shared by the kernel side (edu_map_benchmark.c) and the guest-side client
 * (user/map_bench.c).  It is the ABI of Linux's own dma_map_benchmark
 * (kernel/dma/map_benchmark.c, include/linux/map_benchmark.h, used by
 * tools/testing/selftests/dma/dma_map_benchmark), restated here so that the
 * upstream tool works unchanged against this module: the same ioctl number,
 * _IOWR('d', 1, struct of 136 bytes), and the same field layout.  When the
 * kernel headers carry include/linux/map_benchmark.h, edu_map_benchmark.c
 * checks at build time that every offset and the ioctl number agree.
 *
 * Units, as upstream: latencies and standard deviations in units of 100 ns;
 * dma_trans_ns in ns; granule in pages.  Unused fields must be zero.  A
 * value out of its range below fails the ioctl with EINVAL and one kernel
 * log line naming the field and what it accepts.
 */
#ifndef DMAREUSE_MAP_BENCHMARK_ABI_H
#define DMAREUSE_MAP_BENCHMARK_ABI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define DMAREUSE_MAP_BENCHMARK_MAX_THREADS	1024
#define DMAREUSE_MAP_BENCHMARK_MAX_SECONDS	300
#define DMAREUSE_MAP_BENCHMARK_MAX_TRANS_NS	10000000u	/* 10 ms */
#define DMAREUSE_MAP_BENCHMARK_MAX_GRANULE	1024		/* pages */
/*
 * The narrowest DMA mask a run may set, as the upstream tool's own check
 * ("suppose the minimum DMA zone is 1MB"); the kernel side refuses below it
 * too, because a mask that narrow leaves almost no IOVA space (see
 * edu_map_benchmark.c).
 */
#define DMAREUSE_MAP_BENCHMARK_MIN_DMA_BITS	20

/* dma_dir values, equal to enum dma_data_direction's. */
#define DMAREUSE_MAP_BIDIRECTIONAL	0
#define DMAREUSE_MAP_TO_DEVICE		1
#define DMAREUSE_MAP_FROM_DEVICE	2

/**
 * struct dmareuse_map_benchmark - one benchmark request and its result.
 * @avg_map_100ns:	out: mean dma map latency, 100 ns units.
 * @map_stddev:		out: its standard deviation, 100 ns units.
 * @avg_unmap_100ns:	out: mean unmap latency, 100 ns units.
 * @unmap_stddev:	out: its standard deviation, 100 ns units.
 * @threads:		in: kernel threads mapping in parallel, 1..1024.
 * @seconds:		in: duration, 1..300.
 * @node:		in: an online NUMA node for threads and buffers, or -1.
 * @dma_bits:		in: DMA mask width for the run, 20..64.
 * @dma_dir:		in: DMAREUSE_MAP_* direction.
 * @dma_trans_ns:	in: delay between map and unmap, emulating a
 *			transfer, at most 10 ms.
 * @granule:		in: pages per mapping, 1..1024.
 * @expansion:		reserved, must be zero.
 */
struct dmareuse_map_benchmark {
	__u64 avg_map_100ns;
	__u64 map_stddev;
	__u64 avg_unmap_100ns;
	__u64 unmap_stddev;
	__u32 threads;
	__u32 seconds;
	__s32 node;
	__u32 dma_bits;
	__u32 dma_dir;
	__u32 dma_trans_ns;
	__u32 granule;
	__u8 expansion[76];
};

#define DMAREUSE_MAP_BENCHMARK	_IOWR('d', 1, struct dmareuse_map_benchmark)

#endif /* DMAREUSE_MAP_BENCHMARK_ABI_H */
