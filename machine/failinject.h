/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * failinject.h - make the Nth allocation fail.
 *
 * Every allocation point in the lab (heap objects, page frames, IOVA ranges,
 * page-table pages, swiotlb slots) asks failinject_should_fail() first.  A
 * test arms the injector with N; the Nth call from then on fails, and so do
 * none of the others.  This is SQLite's malloc fault loop applied to DMA.
 *
 * It also widens race windows: a lock-free path of the reuse layer calls
 * osdep_race_window() between reading shared state and validating it; in the
 * lab that is raceinject_window(), which, when a test has set a rate, stays
 * in the window (0-50 us, yielding) at that rate, so that other threads'
 * releases and reuses land inside it (as KCSAN's delays do).  Linux's
 * binding compiles the point to nothing.
 *
 * Where it lives: a test hook is no part of what users of the library
 * call, so it is not in include/.  It sits here, next to its code
 * (failinject.c), because every allocation point of the lab must reach it
 * -- machine/, os/, workloads/ and the lab's binding of the reuse layer
 * (reuse/lab/osdep_os.h) -- and the machine is the layer all of them point
 * down to, so including it never points up.  They include it by path
 * ("../machine/failinject.h"), which names the dependency where it is
 * made; so do the tests that arm it, each saying so at its top.  The reuse
 * layer itself never sees it: it reaches the hook only through its
 * binding's osdep_race_window() and osdep_zalloc().
 */
#ifndef DMAREUSE_FAILINJECT_H
#define DMAREUSE_FAILINJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * failinject_arm() - make the @n-th allocation point from now on fail
 * @n: 1-based index, counted from this call, of the failinject_should_fail()
 *     call that fails; 0 disarms
 *
 * Resets the call count and the fired flag, then arms.  Exactly one call
 * fails, whichever thread makes it.
 *
 * Context: any thread; the injector is one process-wide state (atomics),
 * shared by every machine and OS of the process.
 */
void failinject_arm(uint64_t n);
/**
 * failinject_disarm() - stop injecting
 *
 * The count is left as it was, for failinject_count().
 *
 * Context: any thread.
 * Return: true if the armed failure fired since the last failinject_arm().
 */
bool failinject_disarm(void);
/**
 * failinject_count() - allocation points passed since the last arm
 *
 * Only calls made while armed are counted.
 *
 * Context: any thread.
 * Return: the number of failinject_should_fail() calls made while armed
 * since the last failinject_arm().
 */
uint64_t failinject_count(void);
/**
 * failinject_should_fail() - ask whether this allocation must fail
 *
 * Called by every allocation point before it allocates; disarmed, it costs
 * one relaxed load.
 *
 * Context: any thread.
 * Return: true if this is the armed call (the caller fails as if out of
 * memory); false otherwise, and always when disarmed.
 */
bool failinject_should_fail(void);

/**
 * lab_malloc() - malloc() that honours the injector
 * @size: bytes
 *
 * Context: any thread.
 * Return: as malloc(), or NULL when failinject_should_fail() says so.
 */
void *lab_malloc(size_t size);
/**
 * lab_calloc() - calloc() that honours the injector
 * @n: number of elements
 * @size: bytes per element
 *
 * Context: any thread.
 * Return: as calloc(), or NULL when failinject_should_fail() says so.
 */
void *lab_calloc(size_t n, size_t size);

/**
 * raceinject_set() - set how often race windows wait
 * @permille: share of windows that wait, 0..1000 (larger values count as
 *            1000); 0 = never, the default
 *
 * Context: any thread; process-wide, read by every window.
 */
void raceinject_set(unsigned int permille);
/* The rate raceinject_set() stored; read inline, so a disarmed window costs one load. */
extern _Atomic unsigned int raceinject_permille;
/**
 * raceinject_wait() - the armed slow path of raceinject_window()
 * @permille: the rate raceinject_window() read
 *
 * With probability @permille / 1000 (a per-thread xorshift generator) it
 * stays in the window for 0-50 us, yielding the CPU meanwhile; otherwise it
 * returns at once.
 *
 * Context: any thread; may yield, never holds a lock.
 */
void raceinject_wait(unsigned int permille);

/**
 * raceinject_window() - a race window: waits in it when a test asked for it
 *
 * One relaxed load when raceinject_set() was not called (or set 0);
 * otherwise raceinject_wait().
 *
 * Context: any thread; may yield when armed.
 */
static inline void raceinject_window(void)
{
	unsigned int p = atomic_load_explicit(&raceinject_permille, memory_order_relaxed);

	if (__builtin_expect(p != 0, 0))
		raceinject_wait(p);
}

#endif
