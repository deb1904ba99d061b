/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * clock.h - the lab's notion of time, in both clocks.
 *
 * Real time (the default): hardware latencies in the model are real; a CPU
 * that must wait for the IOMMU busy-waits on the monotonic clock until the
 * modelled completion time, and software costs are whatever the host takes.
 *
 * Virtual time (inside vtime_run(), vtime.h): every function here reads or
 * advances the running context's virtual clock instead, and never a host
 * clock; software costs are charged explicitly with mcost() from the
 * profile's cost table (mcost() is free in real time, where the host's own
 * time is the cost).  Every latency of the model goes through these
 * functions, so the two clocks differ in this one place.
 */
#ifndef DMAREUSE_CLOCK_H
#define DMAREUSE_CLOCK_H

#include <dmareuse/vtime.h>

#include <stdint.h>
#include <time.h>

/**
 * mclock_now() - monotonic time in nanoseconds
 *
 * Reads CLOCK_MONOTONIC -- or, in virtual time, the running context's
 * clock; this is the clock every deadline of the model is expressed on.
 *
 * Context: any thread; no lock.
 * Return: ns since CLOCK_MONOTONIC's arbitrary origin.
 */
static inline uint64_t mclock_now(void)
{
	struct timespec ts;

	if (__builtin_expect(vtime_cur != NULL, 0))
		return vtime_now_ps() / 1000;
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
 * In virtual time one iteration costs COST_POLL and lets the next event
 * happen (vtime_relax()).
 *
 * Context: any thread; never sleeps.
 */
static inline void mclock_relax(void)
{
	if (__builtin_expect(vtime_cur != NULL, 0)) {
		vtime_relax();
		return;
	}
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
 * In virtual time the clock jumps to @deadline and every context behind
 * it runs first.
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
	if (__builtin_expect(vtime_cur != NULL, 0))
		return vtime_wait_until_ps(vtime_now_ps() + ns * 1000) / 1000;
	return ns ? mclock_wait_until(mclock_now() + ns) : 0;
}

/**
 * mclock_sync() - a synchronisation point (virtual time)
 *
 * In virtual time every context behind the caller runs first, so what the
 * caller does next happens after everything earlier; a device access is
 * one.  Nothing in real time.
 *
 * Context: any thread.
 */
static inline void mclock_sync(void)
{
	if (__builtin_expect(vtime_cur != NULL, 0))
		vtime_sync();
}

/**
 * mcost() - charge one unit of a software cost class (virtual time)
 * @c: the class
 *
 * In virtual time the running context's clock advances by the profile's
 * cost for @c and the context keeps the CPU (a cost never yields: the next
 * synchronisation point orders it).  In real time it does nothing: the
 * host's own execution is the cost.
 *
 * Context: any thread.
 */
static inline void mcost(enum vtime_cost c)
{
	if (__builtin_expect(vtime_cur != NULL, 0))
		vtime_charge_ps(vtime_cost_ps[c]);
}

/**
 * mcost_n() - charge @n units of a cost class (bytes, pages, commands)
 * @c: the class
 * @n: how many
 *
 * Context: any thread.
 */
static inline void mcost_n(enum vtime_cost c, uint64_t n)
{
	if (__builtin_expect(vtime_cur != NULL, 0))
		vtime_charge_ps(vtime_cost_ps[c] * n);
}

/**
 * mclock_stamp() - a cheap timestamp for benchmarks
 *
 * The TSC read with rdtscp on x86 (about half the cost of clock_gettime
 * here), else mclock_now().  A stamp is in TSC ticks, not ns: convert a
 * difference of two stamps with mclock_stamp_ns(), and subtract
 * mclock_stamp_overhead() for the cost of taking them.
 *
 * In virtual time a stamp is the context's clock in picoseconds; convert
 * differences inside the same run.
 *
 * Context: any thread; no lock.
 * Return: the current stamp.
 */
static inline uint64_t mclock_stamp(void)
{
	if (__builtin_expect(vtime_cur != NULL, 0))
		return vtime_now_ps();
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
 * calls, and cached; benchmarks subtract it from every sample.  The lab's
 * only overhead calibration: time is measured in stamps, not with
 * mclock_now().  In virtual time a stamp costs nothing: 0, and nothing is
 * measured or cached there.
 *
 * Context: any thread; concurrent first calls may each measure.
 * Return: stamps (ticks, not ns) taken by one back-to-back pair; 0 in
 * virtual time.
 */
uint64_t mclock_stamp_overhead(void);

#endif
