/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * vtime_int.h - what mthread.c needs of the virtual-time scheduler.
 * Private to machine/.
 */
#ifndef DMAREUSE_VTIME_INT_H
#define DMAREUSE_VTIME_INT_H

#include <dmareuse/vtime.h>

struct mcond;
struct mlock;

/* A new context running @fn(@arg), its clock the caller's; NULL: no memory. */
struct vctx *vt_spawn(const char *name, void *(*fn)(void *), void *arg);
/* Wait for @c to end, take what it returned, free it. */
void vt_join(struct vctx *c, void **ret);
void vcond_wait(struct mcond *c, struct mlock *l);
int vcond_timedwait(struct mcond *c, struct mlock *l, uint64_t deadline_ps);
void vcond_signal(struct mcond *c);
void vcond_broadcast(struct mcond *c);

#endif
