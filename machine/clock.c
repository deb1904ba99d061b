// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * clock.c - the one place where modelled latency is paid.
 *
 * Waiting is a busy spin on CLOCK_MONOTONIC (mclock_relax() between reads):
 * the waiting CPU is really busy, as a CPU polling a CMD_SYNC completion is,
 * so a benchmark sees the cost.  In virtual time (vtime.h) every function
 * here works on the running context's clock and reads no host clock.
 */
#include <dmareuse/clock.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

uint64_t mclock_wait_until(uint64_t deadline)
{
	uint64_t start, now;

	if (vtime_cur)
		return vtime_wait_until_ps(deadline * 1000) / 1000;
	start = mclock_now();
	now = start;

	while (now < deadline) {
		mclock_relax();
		now = mclock_now();
	}
	return now - start;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Stamps per ns, measured over 20 ms against CLOCK_MONOTONIC, cached. */
static double stamp_rate(void)
{
	static _Atomic uint64_t rate_bits;
	uint64_t bits = atomic_load(&rate_bits);
	uint64_t n0, s0, n1, s1;
	double rate;

	if (bits) {
		memcpy(&rate, &bits, sizeof(rate));
		return rate;
	}
	n0 = mclock_now();
	s0 = mclock_stamp();
	mclock_wait_until(n0 + 20000000);
	n1 = mclock_now();
	s1 = mclock_stamp();
	rate = (double)(s1 - s0) / (double)(n1 - n0);
	if (rate <= 0)
		rate = 1;
	memcpy(&bits, &rate, sizeof(bits));
	atomic_store(&rate_bits, bits);
	return rate;
}

double mclock_stamp_ns(uint64_t delta)
{
	if (vtime_cur)
		return (double)delta / 1000.0;	/* virtual stamps are picoseconds */
	return (double)delta / stamp_rate();
}

/*
 * The lab's one overhead calibration: every benchmark stamps with
 * mclock_stamp() and subtracts this.  Virtual time is tested first, so a
 * call there never measures, and never leaves its 0 in the cache for real
 * time.
 */
uint64_t mclock_stamp_overhead(void)
{
	static _Atomic uint64_t cached = UINT64_MAX;
	uint64_t v = atomic_load_explicit(&cached, memory_order_relaxed);
	uint64_t samples[257];

	if (vtime_cur)
		return 0;	/* reading a virtual clock costs nothing */
	if (v != UINT64_MAX)
		return v;
	for (size_t i = 0; i < 257; i++) {
		uint64_t t0 = mclock_stamp();

		samples[i] = mclock_stamp() - t0;
	}
	qsort(samples, 257, sizeof(samples[0]), cmp_u64);
	v = samples[128];
	atomic_store_explicit(&cached, v, memory_order_relaxed);
	return v;
}
