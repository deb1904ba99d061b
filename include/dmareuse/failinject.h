/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * failinject.h - make the Nth allocation fail.
 *
 * Every allocation point in the lab (heap objects, page frames, IOVA ranges,
 * page-table pages, swiotlb slots) asks failinject_should_fail() first.  A
 * test arms the injector with N; the Nth call from then on fails, and so do
 * none of the others.  This is SQLite's malloc fault loop applied to DMA.
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

#endif
