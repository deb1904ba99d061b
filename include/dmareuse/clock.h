/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * clock.h - the lab's notion of time.
 *
 * Hardware latencies in the model are real: a CPU that must wait for the
 * IOMMU busy-waits on the monotonic clock until the modelled completion
 * time.  Every such wait goes through mclock_wait_until() so that a simulated
 * clock can replace real time in one place.
 */
#ifndef DMAREUSE_CLOCK_H
#define DMAREUSE_CLOCK_H

#include <stdint.h>
#include <time.h>

/** mclock_now() - monotonic time in nanoseconds. */
static inline uint64_t mclock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/**
 * mclock_wait_until() - charge a latency: spin until @deadline (ns).
 *
 * The single function through which every modelled hardware latency is paid
 * by the thread that has to wait for it.  Returns the time actually waited.
 */
uint64_t mclock_wait_until(uint64_t deadline);

/** mclock_spend() - charge @ns of CPU time to the caller (busy work). */
static inline uint64_t mclock_spend(uint64_t ns)
{
	return ns ? mclock_wait_until(mclock_now() + ns) : 0;
}

/**
 * mclock_stamp() - a cheap timestamp for benchmarks: the TSC read with
 * rdtscp on x86 (about half the cost of clock_gettime here), else
 * mclock_now().  Convert a
 * difference of stamps to ns with mclock_stamp_ns().
 */
static inline uint64_t mclock_stamp(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int aux;

	/* rdtscp waits for earlier instructions, so work is not hidden. */
	return __builtin_ia32_rdtscp(&aux);
#else
	return mclock_now();
#endif
}

/** mclock_stamp_ns() - ns in @delta stamps (calibrated once against CLOCK_MONOTONIC). */
double mclock_stamp_ns(uint64_t delta);

/**
 * mclock_stamp_overhead() - stamps taken by one back-to-back pair of
 * mclock_stamp() calls (median of many); benchmarks subtract it.
 */
uint64_t mclock_stamp_overhead(void);

/**
 * mclock_overhead_ns() - cost of one back-to-back pair of mclock_now() calls,
 * measured once (median of many) and cached; benchmarks subtract it.
 */
uint64_t mclock_overhead_ns(void);

#endif
