// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * failinject.c - the allocation fault injector.
 *
 * A single global countdown, atomic so that concurrent allocation points see
 * exactly one failure.  Disarmed, the cost is one relaxed load.  The race
 * window widener lives here too: test-only injection, same shape.
 */
#include "failinject.h"

#include <dmareuse/clock.h>

#include <stdatomic.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>

static _Atomic uint64_t target;	/* 0 = disarmed */
static _Atomic uint64_t calls;
static _Atomic bool fired;

void failinject_arm(uint64_t n)
{
	atomic_store(&calls, 0);
	atomic_store(&fired, false);
	atomic_store(&target, n);
}

bool failinject_disarm(void)
{
	atomic_store(&target, 0);
	return atomic_load(&fired);
}

uint64_t failinject_count(void)
{
	return atomic_load(&calls);
}

bool failinject_should_fail(void)
{
	uint64_t t = atomic_load_explicit(&target, memory_order_relaxed);

	if (!t)
		return false;
	if (atomic_fetch_add(&calls, 1) + 1 != t)
		return false;
	atomic_store(&fired, true);
	return true;
}

void *lab_malloc(size_t size)
{
	return failinject_should_fail() ? NULL : malloc(size);
}

void *lab_calloc(size_t n, size_t size)
{
	return failinject_should_fail() ? NULL : calloc(n, size);
}

_Atomic unsigned int raceinject_permille;

void raceinject_set(unsigned int permille)
{
	atomic_store(&raceinject_permille, permille > 1000 ? 1000 : permille);
}

void raceinject_wait(unsigned int permille)
{
	static _Thread_local uint64_t rng;	/* shared by the contexts of a virtual run */

	if (!rng)
		rng = (uint64_t)(uintptr_t)&rng | 1;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	if (rng % 1000 < permille) {
		/* Stay in the window 0-50 us: long enough for another CPU's
		 * map, eviction and reuse to run through it. */
		struct timespec t0, t;
		long wait = (long)(rng >> 32) % 50000;

		if (vtime_active()) {
			mclock_spend((uint64_t)wait);	/* others run meanwhile */
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			sched_yield();
			clock_gettime(CLOCK_MONOTONIC, &t);
		} while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < wait);
	}
}
