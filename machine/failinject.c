// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * failinject.c - the allocation fault injector.
 *
 * A single global countdown, atomic so that concurrent allocation points see
 * exactly one failure.  Disarmed, the cost is one relaxed load.
 */
#include <dmareuse/failinject.h>

#include <stdatomic.h>
#include <stdlib.h>

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
