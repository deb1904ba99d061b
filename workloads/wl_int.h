/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * wl_int.h - what the workloads share and users of the library do not
 * call: the reclaim/shrink storm thread of a soak (struct wl_storm), the
 * one way a workload runs its body in virtual time (wl_run_virtual()),
 * and the hash that makes a seed's page contents.
 */
#ifndef DMAREUSE_WL_INT_H
#define DMAREUSE_WL_INT_H

#include <dmareuse/mthread.h>
#include <dmareuse/profile.h>
#include <dmareuse/workload.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One storm thread: at random intervals it calls @fn(@arg) until stopped. */
struct wl_storm {
	struct mthread tid;
	struct mlock lock;		/* protects stop */
	struct mcond cond;		/* stop was set */
	bool stop;
	bool running;			/* tid is a thread to join */
	unsigned int mean_us;
	unsigned int cpu;		/* the CPU the thread stands for */
	uint64_t rng;
	size_t (*fn)(void *arg);	/* one storm; returns what it released */
	void *arg;
	uint64_t storms, released;	/* the thread's; read after the join */
};

/*
 * Start @s's thread when @mean_us is nonzero (otherwise do nothing and
 * return 0): it stands for @cpu and sleeps a uniformly random 0..2 *
 * @mean_us (from @seed) between calls of @fn.  Return: 0 or -errno (the
 * thread start is an allocation point of the lab, failinject.h).
 */
int wl_storm_start(struct wl_storm *s, unsigned int mean_us, unsigned int cpu,
		   uint64_t seed, size_t (*fn)(void *arg), void *arg);
/*
 * Stop and join @s's thread (nothing if it was not started) and add its
 * counts to @r->storms and @r->storm_released.
 */
void wl_storm_stop(struct wl_storm *s, struct wl_result *r);

/*
 * wl_fmix64() - a 64-bit finaliser (MurmurHash3's fmix64): every output
 * bit depends on every input bit.  What a seed's generated data is made
 * of, so changing it changes every recorded zswap figure.
 */
static inline uint64_t wl_fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/*
 * wl_run_virtual() - run @body(@arg) as the first CPU of a virtual-time
 * run configured by @prof's cost table, and return once every simulated
 * CPU it started has ended.  @has_os: the caller was given an OS to run
 * on, which a virtual-time run cannot use (it builds its own machine).
 * Return: 0 (what @body did is in @arg), or -errno with why in @err:
 * -EINVAL for @has_os, -ENOENT for a profile without a cost table, or the
 * scheduler's error.
 */
int wl_run_virtual(const struct platform_profile *prof, bool has_os, void (*body)(void *arg),
		   void *arg, char *err, size_t errlen);

#endif
