// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * mthread.c - the lab's threads, locks and conditions in both clocks
 * (mthread.h).  Real time goes to pthreads; inside virtual time every call
 * goes to the scheduler (vtime.c).  The choice is made per call, on
 * vtime_cur, so one process can run both (a test comparing them does).
 */
#include "vtime_int.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <string.h>
#include <time.h>

_Thread_local char mthread_token;

int mthread_create(struct mthread *t, const char *name, void *(*fn)(void *),
		   void *arg)
{
	memset(t, 0, sizeof(*t));
	if (vtime_cur) {
		t->v = vt_spawn(name, fn, arg);
		return t->v ? 0 : -ENOMEM;
	}
	return pthread_create(&t->tid, NULL, fn, arg) ? -EAGAIN : 0;
}

void mthread_join(struct mthread *t, void **ret)
{
	if (t->v) {
		vt_join(t->v, ret);
		t->v = NULL;
		return;
	}
	pthread_join(t->tid, ret);
}

void mlock_init(struct mlock *l, const char *name, unsigned int flags)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->mu, NULL);
	l->name = name;
	l->flags = flags;
}

void mlock_destroy(struct mlock *l)
{
	pthread_mutex_destroy(&l->mu);
}

int mcond_init(struct mcond *c, enum vtime_cost wake)
{
	pthread_condattr_t a;
	int r;

	memset(c, 0, sizeof(*c));
	c->wake = wake;
	if (pthread_condattr_init(&a))
		return -ENOMEM;
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	r = pthread_cond_init(&c->cv, &a);
	pthread_condattr_destroy(&a);
	return r ? -ENOMEM : 0;
}

void mcond_destroy(struct mcond *c)
{
	pthread_cond_destroy(&c->cv);
}

void mcond_wait(struct mcond *c, struct mlock *l)
{
	if (vtime_cur) {
		vcond_wait(c, l);
		return;
	}
	l->holder = NULL;
	pthread_cond_wait(&c->cv, &l->mu);
	l->holder = mthread_self_token();
}

int mcond_timedwait(struct mcond *c, struct mlock *l, uint64_t deadline_ns)
{
	struct timespec ts;
	int r;

	if (vtime_cur)
		return vcond_timedwait(c, l, deadline_ns * 1000);
	ts.tv_sec = (time_t)(deadline_ns / 1000000000ull);
	ts.tv_nsec = (long)(deadline_ns % 1000000000ull);
	l->holder = NULL;
	r = pthread_cond_timedwait(&c->cv, &l->mu, &ts);
	l->holder = mthread_self_token();
	return r == ETIMEDOUT ? -ETIMEDOUT : 0;
}

void mcond_signal(struct mcond *c)
{
	if (vtime_cur) {
		vcond_signal(c);
		return;
	}
	pthread_cond_signal(&c->cv);
}

void mcond_broadcast(struct mcond *c)
{
	if (vtime_cur) {
		vcond_broadcast(c);
		return;
	}
	pthread_cond_broadcast(&c->cv);
}
