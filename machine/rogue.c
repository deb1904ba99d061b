// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * rogue.c - rogue device mode (behaviour and caveats in rogue.h).
 *
 * Learning: a machine access observer keeps, for successful accesses of the
 * rogue's own device, the DMA page number in a table of max_pages slots,
 * open addressing over LEARN_PROBES slots from hash(page); when all of them
 * hold other pages the newest page evicts the one at its home slot, so the
 * table never grows.  Slots are atomics (a compare-and-swap claims an empty
 * one), so learning needs no lock on the device's access path.  Two threads
 * learning the same page at once may store it twice; probing does not
 * care.  The
 * rogue's own probes are not learned (a thread-local marks them), or the
 * set would fill with the neighbours it probed.
 *
 * Probing: the RNG is a splitmix64 over an atomic counter, so concurrent
 * pokes need no lock and a single-threaded run is reproducible from the
 * seed.  A probe tries a read of probe_len bytes at a random offset of the
 * chosen page (one page chunk) and, if that went through, a write at the
 * same place.  Both are mdev_probe() calls: translated, permission-checked,
 * faulted and observed exactly like real accesses, but moving no data -- the
 * rogue learns what it could reach and the oracle classifies it, while the
 * workloads it spies on keep their bytes (and ThreadSanitizer sees no race
 * between the rogue and the CPUs).  The write is still skipped when the
 * IOVA's PTE now maps another frame than the read reached (same_frame()),
 * so that one probe never counts two different frames.  On an identity
 * (passthrough) domain one probe in four goes to a random frame of the
 * arena instead -- what a device there can reach.
 *
 * The thread sleeps a random interval of mean 1/rate between probes (in
 * batches when the rate is above ~20k/s so that sleeping does not dominate)
 * on a monotonic-clock condition variable, so rogue_stop() wakes it at once.
 *
 * Lock: r->lock protects running and stop; the rest is atomics.
 */
#include "failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/rogue.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DEFAULT_PAGES 256
#define DEFAULT_NEIGHBOURS 2
#define DEFAULT_LEN 64
#define MAX_NEIGHBOURS 64
#define BATCH_NS 50000ull	/* shortest sleep of the rogue thread */
#define LEARN_PROBES 4		/* slots tried before a learned page evicts one */

struct rogue_stats_atomic {
	_Atomic uint64_t attempts, successes, faults, reads, reads_ok, writes,
		writes_ok, writes_skipped, random_frames, learned;
};

struct rogue {
	struct mdev *dev;
	struct machine *m;		/* dev's machine, kept for teardown */
	size_t nframes;
	struct rogue_config cfg;
	_Atomic uint64_t *pages;	/* [max_pages]: DMA page number + 1; 0 = empty */
	_Atomic uint64_t rng;
	struct mlock lock;		/* protects running, stop */
	struct mcond cond;		/* signals stop */
	bool running, stop;
	struct mthread tid;
	struct rogue_stats_atomic st;
};

#define st_inc(r, f) atomic_fetch_add_explicit(&(r)->st.f, 1, memory_order_relaxed)

/* The rogue whose probe this thread is running, if any. */
static _Thread_local const struct rogue *probing;
/* The frame the running probe's read reached (set by learn_cb()). */
static _Thread_local pfn_t probe_pfn;
VTIME_TLS(probing)
VTIME_TLS(probe_pfn)

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct rogue *r)
{
	return mix64(atomic_fetch_add_explicit(&r->rng, 0x9e3779b97f4a7c15ull,
					       memory_order_relaxed));
}

static void learn_cb(void *arg, const struct mdev *dev, dma_addr_t addr, pfn_t pfn,
		     size_t len, enum dev_access acc, bool ok)
{
	struct rogue *r = arg;
	uint64_t page = addr >> PAGE_SHIFT;

	size_t max = r->cfg.max_pages, h;

	if (dev != r->dev || !ok)
		return;
	if (probing == r) {
		if (acc == DEV_READ)
			probe_pfn = pfn;
		return;
	}
	st_inc(r, learned);
	h = (size_t)(mix64(page) % max);
	for (size_t i = 0; i < LEARN_PROBES && i < max; i++) {
		_Atomic uint64_t *slot = &r->pages[(h + i) % max];
		uint64_t v = atomic_load_explicit(slot, memory_order_relaxed);

		if (v == page + 1)
			return;
		if (!v && atomic_compare_exchange_strong_explicit(slot, &v, page + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
			return;
		if (v == page + 1)
			return;
	}
	/* Every probed slot holds another page: the newest evicts one. */
	atomic_store_explicit(&r->pages[h], page + 1, memory_order_relaxed);
}

/* One access of the probe; counts it.  True if the IOMMU let it through. */
static bool try_access(struct rogue *r, dma_addr_t addr, void *buf, enum dev_access acc)
{
	bool ok;

	st_inc(r, attempts);
	if (acc == DEV_READ)
		st_inc(r, reads);
	else
		st_inc(r, writes);
	(void)buf;
	ok = mdev_probe(r->dev, addr, r->cfg.probe_len, acc) == 0;
	if (!ok) {
		st_inc(r, faults);
		return false;
	}
	st_inc(r, successes);
	if (acc == DEV_READ)
		st_inc(r, reads_ok);
	else
		st_inc(r, writes_ok);
	return true;
}

/*
 * Would a write at @addr now reach frame @pfn, the one the probe's read
 * reached?  A strict domain hands a freed IOVA out again at once, so the
 * IOVA may map another frame by now, and writing the bytes back there
 * would overwrite someone's data.  With a present PTE the IOTLB can only
 * hold that PTE's frame (an IOVA is remapped only after its invalidation);
 * with none, only a stale IOTLB entry for the frame read, or a fault.
 */
static bool same_frame(struct iommu_domain *d, dma_addr_t addr, pfn_t pfn)
{
	phys_addr_t pa;
	unsigned int prot;

	if (!d || iommu_domain_is_identity(d))
		return true;
	if (iommu_iova_to_phys(d, addr, &pa, &prot))
		return true;
	return pa >> PAGE_SHIFT == pfn;
}

/* One probe; returns the number of accesses that went through (0..2). */
static unsigned int probe(struct rogue *r)
{
	struct iommu_domain *d = mdev_domain(r->dev);
	bool identity = d && iommu_domain_is_identity(d);
	bool random_frame = identity && !r->cfg.no_random_frames && rnd(r) % 4 == 0;
	unsigned char buf[PAGE_SIZE];
	unsigned int got = 0;
	uint64_t page = 0;
	dma_addr_t addr;

	if (!random_frame) {
		unsigned int max = r->cfg.max_pages, start = (unsigned int)(rnd(r) % max);
		uint64_t v = 0;
		int64_t delta;

		for (unsigned int i = 0; i < max && !v; i++)
			v = atomic_load_explicit(&r->pages[(start + i) % max],
						 memory_order_relaxed);
		if (!v && !(identity && !r->cfg.no_random_frames))
			return 0;	/* nothing learned yet: nothing to try */
		if (v) {
			delta = (int64_t)(rnd(r) % (2 * r->cfg.neighbours + 1)) -
				(int64_t)r->cfg.neighbours;
			if (delta < 0 && (uint64_t)-delta > v - 1)
				delta = 0;
			page = v - 1 + (uint64_t)delta;
		} else {
			random_frame = true;
		}
	}
	if (random_frame) {
		page = rnd(r) % r->nframes;
		st_inc(r, random_frames);
	}
	addr = (page << PAGE_SHIFT) + rnd(r) % (PAGE_SIZE - r->cfg.probe_len + 1);
	probing = r;
	probe_pfn = ~(pfn_t)0;
	if (try_access(r, addr, buf, DEV_READ)) {
		got++;
		if (same_frame(d, addr, probe_pfn))
			got += try_access(r, addr, buf, DEV_WRITE);
		else
			st_inc(r, writes_skipped);
	}
	probing = NULL;
	return got;
}

unsigned int rogue_poke(struct rogue *r, unsigned int n)
{
	unsigned int got = 0;

	for (unsigned int i = 0; i < n; i++)
		got += probe(r);
	return got;
}

static void *rogue_fn(void *arg)
{
	struct rogue *r = arg;
	uint64_t interval = 1000000000ull / r->cfg.rate;
	unsigned int batch = 1;

	if (interval < BATCH_NS) {
		batch = (unsigned int)(BATCH_NS / (interval ? interval : 1));
		interval = BATCH_NS;
	}
	mlock_lock(&r->lock);
	while (!r->stop) {
		uint64_t deadline = mclock_now() + rnd(r) % (2 * interval + 1);

		while (!r->stop && mcond_timedwait(&r->cond, &r->lock, deadline) != -ETIMEDOUT)
			;
		if (r->stop)
			break;
		mlock_unlock(&r->lock);
		rogue_poke(r, batch);
		mlock_lock(&r->lock);
	}
	mlock_unlock(&r->lock);
	return NULL;
}

struct rogue *rogue_create(struct mdev *dev, const struct rogue_config *cfg)
{
	struct rogue_config c = cfg ? *cfg : (struct rogue_config){ 0 };
	struct rogue *r;

	if (!dev) {
		fprintf(stderr, "rogue: rogue_create: no device\n");
		return NULL;
	}
	if (!c.seed)
		c.seed = 1;
	if (!c.max_pages)
		c.max_pages = DEFAULT_PAGES;
	if (!c.neighbours)
		c.neighbours = DEFAULT_NEIGHBOURS;
	if (!c.probe_len)
		c.probe_len = DEFAULT_LEN;
	if (c.neighbours > MAX_NEIGHBOURS || c.probe_len > PAGE_SIZE ||
	    c.max_pages > (1u << 20)) {
		fprintf(stderr, "rogue: %s: rogue_create(neighbours=%u, probe_len=%u, "
			"max_pages=%u): expected neighbours 1..%d, probe_len 1..%zu, "
			"max_pages 1..%u\n", mdev_name(dev), c.neighbours, c.probe_len,
			c.max_pages, MAX_NEIGHBOURS, PAGE_SIZE, 1u << 20);
		return NULL;
	}
	r = lab_calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->pages = lab_calloc(c.max_pages, sizeof(*r->pages));
	if (!r->pages)
		goto out_free;
	r->dev = dev;
	r->m = mdev_machine(dev);
	r->nframes = machine_mem(mdev_machine(dev))->nframes;
	r->cfg = c;
	atomic_init(&r->rng, c.seed);
	mlock_init(&r->lock, "rogue", MLOCK_FREE);
	if (mcond_init(&r->cond, COST_WAKEUP))
		goto out_lock;
	if (machine_add_observer(r->m, learn_cb, r))
		goto out_sync;
	return r;

out_sync:
	mcond_destroy(&r->cond);
out_lock:
	mlock_destroy(&r->lock);
	free(r->pages);
out_free:
	free(r);
	return NULL;
}

int rogue_start(struct rogue *r)
{
	int ret = 0;

	if (!r->cfg.rate) {
		fprintf(stderr, "rogue: %s: rogue_start: rate is 0 (use rogue_poke())\n",
			mdev_name(r->dev));
		return -EINVAL;
	}
	mlock_lock(&r->lock);
	if (r->running) {
		ret = -EBUSY;
	} else {
		r->stop = false;
		if (failinject_should_fail() || mthread_create(&r->tid, "rogue", rogue_fn, r))
			ret = -ENOMEM;
		else
			r->running = true;
	}
	mlock_unlock(&r->lock);
	return ret;
}

void rogue_stop(struct rogue *r)
{
	bool running;

	mlock_lock(&r->lock);
	running = r->running;
	r->stop = true;
	mcond_signal(&r->cond);
	mlock_unlock(&r->lock);
	if (!running)
		return;
	mthread_join(&r->tid, NULL);
	mlock_lock(&r->lock);
	r->running = false;
	mlock_unlock(&r->lock);
}

void rogue_destroy(struct rogue *r)
{
	if (!r)
		return;
	rogue_stop(r);
	machine_remove_observer(r->m, learn_cb, r);
	mlock_destroy(&r->lock);
	mcond_destroy(&r->cond);
	free(r->pages);
	free(r);
}

void rogue_stats_read(struct rogue *r, struct rogue_stats *out)
{
	out->attempts = atomic_load(&r->st.attempts);
	out->successes = atomic_load(&r->st.successes);
	out->faults = atomic_load(&r->st.faults);
	out->reads = atomic_load(&r->st.reads);
	out->reads_ok = atomic_load(&r->st.reads_ok);
	out->writes = atomic_load(&r->st.writes);
	out->writes_ok = atomic_load(&r->st.writes_ok);
	out->writes_skipped = atomic_load(&r->st.writes_skipped);
	out->random_frames = atomic_load(&r->st.random_frames);
	out->learned = atomic_load(&r->st.learned);
}

size_t rogue_known_pages(struct rogue *r)
{
	size_t n = 0;

	for (unsigned int i = 0; i < r->cfg.max_pages; i++)
		n += atomic_load_explicit(&r->pages[i], memory_order_relaxed) != 0;
	return n;
}
