/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * iova_int.h - the IOVA allocator's sizes (os/iova.c), private to it.
 *
 * Users of the allocator (os/dma*.c, through <dmareuse/os.h>) need none of
 * them; tests/os/test_iova.c sizes its runs by IOVA_MAG_SIZE, so that they
 * fill magazines and reach the depot, and includes this header for it.
 */
#ifndef DMAREUSE_IOVA_INT_H
#define DMAREUSE_IOVA_INT_H

#define IOVA_MAG_SIZE 127		/* entries per magazine, as Linux */
#define IOVA_RANGE_CACHE_MAX 6		/* cached sizes 1,2,4,...,32 pages */
#define IOVA_DEPOT_MAX 32		/* full magazines kept per size */

#endif
