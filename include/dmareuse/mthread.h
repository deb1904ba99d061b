/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * mthread.h - the lab's threads, locks and condition variables.
 *
 * Every layer of the lab takes its locks and starts its threads through
 * these, never through pthreads directly, so that the same code runs in
 * two clocks:
 *   real time     a thread is a pthread, a lock a pthread mutex, a
 *                 condition a pthread condition on CLOCK_MONOTONIC;
 *   virtual time  (inside vtime_run(), see vtime.h) a thread is a context
 *                 of the simulation, a lock a resource with a "free at"
 *                 time, a FIFO of waiters and a hand-off cost, a condition
 *                 a queue whose waiters wake at the signaller's time plus
 *                 a cost.
 * Which one applies is decided per call: by whether the caller runs inside
 * virtual time.  An object is used in the clock it was created in.
 *
 * A lock also remembers its holder, so mlock_held() can back the
 * `_locked` convention with an assertion in both clocks (mlock_assert_held()).
 */
#ifndef DMAREUSE_MTHREAD_H
#define DMAREUSE_MTHREAD_H

#include <dmareuse/vtime.h>

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Virtual-time state of a lock (vtime.c owns it). */
struct vlock {
	struct vctx *owner;
	struct vctx *head, *tail;	/* FIFO of waiters */
	unsigned int nwait;
	unsigned int last;		/* id + 1 of the context that held it last */
	uint64_t free_at;		/* ps: when it was last released */
};

#define MLOCK_MODELLED 0u	/* a lock on a path Linux takes too: costs, hand-off */
#define MLOCK_FREE 1u		/* the lab's own plumbing, or a structure Linux keeps
				 * lock-free: mutual exclusion only, no virtual cost */

struct mlock {
	pthread_mutex_t mu;
	void *holder;			/* mthread_self_token() of the holder, or NULL */
	unsigned int flags;		/* MLOCK_* */
	const char *name;		/* for deadlock reports */
	struct vlock v;
};

/* A lock defined statically: MLOCK_INITIALIZER("name", MLOCK_FREE). */
#define MLOCK_INITIALIZER(nm, fl) \
	{ .mu = PTHREAD_MUTEX_INITIALIZER, .holder = NULL, .flags = (fl), .name = (nm) }

/* Virtual-time state of a condition variable. */
struct vcond {
	struct vctx *head, *tail;	/* waiters, oldest first */
};

struct mcond {
	pthread_cond_t cv;
	enum vtime_cost wake;		/* what waking a waiter costs in virtual time */
	struct vcond v;
};

struct mthread {
	pthread_t tid;
	struct vctx *v;			/* non-NULL: a virtual-time context */
};

extern _Thread_local char mthread_token;

/**
 * mthread_self_token() - a value unique to the calling thread or context
 *
 * Context: any thread.
 * Return: an address that no other live thread or context shares: the
 * running context inside virtual time, else a thread-local's address.
 */
static inline void *mthread_self_token(void)
{
	return vtime_cur ? (void *)vtime_cur : (void *)&mthread_token;
}

/**
 * mthread_create() - start a thread
 * @t: receives the handle
 * @name: a short name for reports (kept by pointer: a string literal)
 * @fn: the thread function
 * @arg: passed to @fn
 *
 * Inside virtual time the thread is a new context whose clock starts at
 * the caller's, scheduled like every other.
 *
 * Context: any thread.
 * Return: 0, or -EAGAIN / -ENOMEM if the thread cannot be started.
 */
int mthread_create(struct mthread *t, const char *name, void *(*fn)(void *),
		   void *arg);
/**
 * mthread_join() - wait for a thread to end
 * @t: a thread from mthread_create(), joined at most once
 * @ret: if not NULL, receives what its function returned
 *
 * Inside virtual time the caller's clock advances to at least the end of
 * the thread (plus COST_WAKEUP if it had to wait).
 *
 * Context: any thread but @t itself, in the clock @t was started in.
 */
void mthread_join(struct mthread *t, void **ret);

/**
 * mlock_init() - initialise a lock
 * @l: the lock
 * @name: a short name for reports (kept by pointer)
 * @flags: MLOCK_MODELLED or MLOCK_FREE
 */
void mlock_init(struct mlock *l, const char *name, unsigned int flags);
/** mlock_destroy() - release what mlock_init() set up; @l must be free. */
void mlock_destroy(struct mlock *l);

void vlock_lock(struct mlock *l);
void vlock_unlock(struct mlock *l);

/**
 * mlock_lock() - take a lock, waiting as long as it takes
 * @l: the lock; not held by the caller (not recursive)
 *
 * Context: any thread.
 */
static inline void mlock_lock(struct mlock *l)
{
	if (__builtin_expect(vtime_cur != NULL, 0)) {
		vlock_lock(l);
		return;
	}
	pthread_mutex_lock(&l->mu);
	l->holder = mthread_self_token();
}

/**
 * mlock_unlock() - release a lock the caller holds
 * @l: the lock
 *
 * Context: the holder.
 */
static inline void mlock_unlock(struct mlock *l)
{
	if (__builtin_expect(vtime_cur != NULL, 0)) {
		vlock_unlock(l);
		return;
	}
	l->holder = NULL;
	pthread_mutex_unlock(&l->mu);
}

/**
 * mlock_held() - whether the caller holds a lock
 * @l: the lock
 *
 * Context: any thread.
 * Return: true if the calling thread or context holds @l.
 */
static inline bool mlock_held(const struct mlock *l)
{
	return __atomic_load_n(&l->holder, __ATOMIC_RELAXED) == mthread_self_token();
}

/*
 * mlock_assert_held(): the check behind every `_locked` function; a real
 * check in debug builds (assert()), nothing with NDEBUG.
 */
#define mlock_assert_held(l) assert(mlock_held(l))

/**
 * mcond_init() - initialise a condition variable
 * @c: the condition
 * @wake: the cost class a wake-up takes in virtual time (COST_IRQ for an
 *        interrupt, COST_MMIO for a doorbell, COST_WAKEUP for a thread
 *        woken by another)
 *
 * Return: 0, or -ENOMEM.
 */
int mcond_init(struct mcond *c, enum vtime_cost wake);
/** mcond_destroy() - release what mcond_init() set up; no waiter may remain. */
void mcond_destroy(struct mcond *c);
/**
 * mcond_wait() - release @l, wait for a signal, take @l again
 * @c: the condition
 * @l: a lock the caller holds
 *
 * As pthread_cond_wait(): a wake-up may be spurious in real time; callers
 * loop on their predicate.
 *
 * Context: the holder of @l.
 */
void mcond_wait(struct mcond *c, struct mlock *l);
/**
 * mcond_timedwait() - mcond_wait() with a deadline
 * @c: the condition
 * @l: a lock the caller holds
 * @deadline_ns: on the mclock_now() clock (virtual inside virtual time)
 *
 * Context: the holder of @l.
 * Return: 0 if signalled (or spuriously woken), -ETIMEDOUT at the deadline.
 */
int mcond_timedwait(struct mcond *c, struct mlock *l, uint64_t deadline_ns);
/** mcond_signal() - wake the oldest waiter of @c, if any. */
void mcond_signal(struct mcond *c);
/** mcond_broadcast() - wake every waiter of @c. */
void mcond_broadcast(struct mcond *c);

#endif
