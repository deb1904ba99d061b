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
 * releases and reuses land inside it (as KCSAN's delays do).  Linux's binding compiles the
 * point to nothing.
 */
#ifndef DMAREUSE_FAILINJECT_H
#define DMAREUSE_FAILINJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** failinject_arm() - fail the @n-th allocation from now on (1-based); 0 disarms. */
void failinject_arm(uint64_t n);
/** failinject_disarm() - stop injecting; returns true if the armed failure fired. */
bool failinject_disarm(void);
/** failinject_count() - allocation points passed since the last arm. */
uint64_t failinject_count(void);
/** failinject_should_fail() - called by every allocation point; true = fail now. */
bool failinject_should_fail(void);

/** lab_malloc() / lab_calloc() - heap allocation that honours the injector. */
void *lab_malloc(size_t size);
void *lab_calloc(size_t n, size_t size);

/** raceinject_set() - yield at @permille of race windows (0 = never, the default). */
void raceinject_set(unsigned int permille);
/* The rate raceinject_set() stored; read inline, so a disarmed window costs one load. */
extern _Atomic unsigned int raceinject_permille;
/** raceinject_wait() - the armed slow path of raceinject_window(). */
void raceinject_wait(unsigned int permille);

/** raceinject_window() - a race window: waits in it when a test has asked for it. */
static inline void raceinject_window(void)
{
	unsigned int p = __atomic_load_n(&raceinject_permille, __ATOMIC_RELAXED);

	if (__builtin_expect(p != 0, 0))
		raceinject_wait(p);
}

#endif
