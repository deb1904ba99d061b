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

/**
 * mclock_now() - monotonic time in nanoseconds
 *
 * Reads CLOCK_MONOTONIC; this is the clock every deadline of the model is
 * expressed on.
 *
 * Context: any thread; no lock.
 * Return: ns since CLOCK_MONOTONIC's arbitrary origin.
 */
static inline uint64_t mclock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/**
 * mclock_relax() - the spin-wait hint, for every busy-wait loop of the lab
 *
 * Linux's cpu_relax(): `pause` on x86, `yield` on arm64, and on any other
 * architecture only what all three are -- a compiler barrier, so that a
 * loop around it reloads what it polls.  Busy-wait loops call it rather
 * than an architecture's builtin, so that the lab builds wherever the
 * compiler does and a new architecture is added in this one place.
 *
 * Context: any thread; never sleeps.
 */
static inline void mclock_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/**
 * mclock_wait_until() - charge a latency: spin until @deadline
 * @deadline: the time to wait for, in ns on the mclock_now() clock
 *
 * The single function through which every modelled hardware latency is paid
 * by the thread that has to wait for it.  It busy-waits (mclock_relax(), then
 * mclock_now() again), so the waiting CPU is really busy, as a CPU polling a
 * CMD_SYNC completion is.  A deadline already passed returns at once.
 *
 * Context: any thread; no lock; spins, never sleeps.
 * Return: the ns actually waited (0 if @deadline had already passed).
 */
uint64_t mclock_wait_until(uint64_t deadline);

/**
 * mclock_spend() - charge @ns of CPU time to the caller (busy work)
 * @ns: nanoseconds to spin; 0 returns at once
 *
 * Context: any thread; spins, never sleeps.
 * Return: the ns actually spent, as mclock_wait_until(); 0 for @ns 0.
 */
static inline uint64_t mclock_spend(uint64_t ns)
{
	return ns ? mclock_wait_until(mclock_now() + ns) : 0;
}

/**
 * mclock_stamp() - a cheap timestamp for benchmarks
 *
 * The TSC read with rdtscp on x86 (about half the cost of clock_gettime
 * here), else mclock_now().  A stamp is in TSC ticks, not ns: convert a
 * difference of two stamps with mclock_stamp_ns(), and subtract
 * mclock_stamp_overhead() for the cost of taking them.
 *
 * Context: any thread; no lock.
 * Return: the current stamp.
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

/**
 * mclock_stamp_ns() - convert a difference of stamps to nanoseconds
 * @delta: the difference of two mclock_stamp() values
 *
 * The stamp rate is calibrated once, over 20 ms against CLOCK_MONOTONIC, by
 * the first call (which therefore takes about 20 ms) and cached.
 *
 * Context: any thread; concurrent first calls may each calibrate (one
 * result is kept).
 * Return: @delta in ns.
 */
double mclock_stamp_ns(uint64_t delta);

/**
 * mclock_stamp_overhead() - the cost of taking a pair of stamps
 *
 * Measured once, as the median of 257 back-to-back pairs of mclock_stamp()
 * calls, and cached; benchmarks subtract it from every sample.
 *
 * Context: any thread; concurrent first calls may each measure.
 * Return: stamps (ticks, not ns) taken by one back-to-back pair.
 */
uint64_t mclock_stamp_overhead(void);

/**
 * mclock_overhead_ns() - the cost of a pair of mclock_now() calls
 *
 * Measured once, as the median of 257 back-to-back pairs, and cached;
 * benchmarks subtract it.
 *
 * Context: any thread; concurrent first calls may each measure.
 * Return: ns taken by one back-to-back pair of mclock_now() calls.
 */
uint64_t mclock_overhead_ns(void);

#endif
