// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * storm.c - reclaim/shrink storms for soaks (struct wl_soak, wl_int.h).
 *
 * A soak wants memory pressure to land at any moment of a run: while a
 * cache entry is being looked up, while a batch fills, while a lazy flush
 * queue's timer runs.  A shrinker in Linux runs on whatever CPU needs
 * memory, concurrently with the drivers it shrinks; here one thread plays
 * it, calling the driver's shrink (zip_drv_shrink(), nic_drv_shrink()) at
 * random intervals, uniform in 0..2 * mean, drawn from a seeded xorshift
 * so that a soak names the seed it ran.  The thread waits on a condition
 * with a deadline, so stopping it is immediate, not a sleep's length.
 */
#include "wl_int.h"

#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/os.h>

#include <errno.h>

static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void *storm_fn(void *arg)
{
	struct wl_storm *s = arg;

	os_set_cpu(s->cpu);
	mlock_lock(&s->lock);
	while (!s->stop) {
		uint64_t wait_ns = next_rand(&s->rng) % (2ull * s->mean_us * 1000 + 1);
		uint64_t deadline = mclock_now() + wait_ns;

		while (!s->stop && mcond_timedwait(&s->cond, &s->lock, deadline) != -ETIMEDOUT)
			;
		if (s->stop)
			break;
		mlock_unlock(&s->lock);
		s->released += s->fn(s->arg);
		s->storms++;
		mlock_lock(&s->lock);
	}
	mlock_unlock(&s->lock);
	return NULL;
}

int wl_storm_start(struct wl_storm *s, unsigned int mean_us, unsigned int cpu,
		   uint64_t seed, size_t (*fn)(void *arg), void *arg)
{
	int r;

	*s = (struct wl_storm){ .mean_us = mean_us, .cpu = cpu, .fn = fn, .arg = arg };
	if (!mean_us)
		return 0;
	s->rng = seed * 0x9e3779b97f4a7c15ull | 1;
	mlock_init(&s->lock, "storm", MLOCK_FREE);
	r = mcond_init(&s->cond, COST_WAKEUP);
	if (r) {
		mlock_destroy(&s->lock);
		return r;
	}
	/* A thread start is an allocation point of the lab (failinject.h). */
	r = failinject_should_fail() ? -EAGAIN : mthread_create(&s->tid, "storm", storm_fn, s);
	if (r) {
		mcond_destroy(&s->cond);
		mlock_destroy(&s->lock);
		s->mean_us = 0;
		return r;
	}
	s->running = true;
	return 0;
}

void wl_storm_stop(struct wl_storm *s, struct wl_result *r)
{
	if (!s->mean_us)
		return;
	mlock_lock(&s->lock);
	s->stop = true;
	mcond_signal(&s->cond);
	mlock_unlock(&s->lock);
	if (s->running)
		mthread_join(&s->tid, NULL);
	s->running = false;
	mcond_destroy(&s->cond);
	mlock_destroy(&s->lock);
	s->mean_us = 0;
	r->storms += s->storms;
	r->storm_released += s->released;
}
