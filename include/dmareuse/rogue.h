/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rogue.h - rogue device mode: a device that uses what it has seen.
 *
 * Any mdev can be made rogue.  From then on it remembers the pages of every
 * DMA address it used successfully (learned from its own accesses through
 * a machine access observer; a bounded set) and later -- on its own thread
 * at a random rate, or whenever someone calls rogue_poke() -- tries to read
 * and write those pages and their neighbours (+-1..neighbours pages).  On a
 * passthrough (identity) domain it also tries random frames of the whole
 * arena.  Its accesses go through mdev_access() like any other, so the
 * IOMMU refuses what it should and the isolation oracle classifies what
 * succeeds.
 *
 * The rogue's reads and writes are probes (mdev_probe()): the IOMMU
 * translates and checks them and the oracle classifies them exactly as real
 * accesses, but no byte moves.  What the rogue measures is what a device
 * *could* read and write; the workloads it spies on keep verifying their
 * data end to end, and its probes race with nothing.
 */
#ifndef DMAREUSE_ROGUE_H
#define DMAREUSE_ROGUE_H

#include <dmareuse/machine.h>

struct rogue;

struct rogue_config {
	uint64_t seed;			/* probe RNG seed; 0 = 1 */
	unsigned int max_pages;		/* learned pages kept; 0 = 256 */
	unsigned int neighbours;	/* probe +-1..n pages around one; 0 = 2 */
	unsigned int probe_len;		/* bytes per probe, 1..PAGE_SIZE; 0 = 64 */
	unsigned int rate;		/* probes per second of the rogue thread;
					 * 0 = no thread (rogue_poke() only) */
	bool no_random_frames;		/* passthrough: do not probe random frames */
};

struct rogue_stats {
	uint64_t attempts;		/* accesses tried (reads + writes) */
	uint64_t successes;		/* accesses the IOMMU let through */
	uint64_t faults;		/* accesses the IOMMU refused */
	uint64_t reads, reads_ok;
	uint64_t writes, writes_ok;	/* write-backs after a successful read */
	uint64_t writes_skipped;	/* IOVA remapped since the read: no write */
	uint64_t random_frames;		/* probes of random frames (passthrough) */
	uint64_t learned;		/* pages recorded (with repeats) */
};

/**
 * rogue_create() - make a device rogue
 * @dev: the device; it must outlive the rogue
 * @cfg: the configuration; NULL or a zero field takes the default
 *
 * Learning starts at once (a machine access observer is added).  The
 * thread, if @cfg->rate is set, starts with rogue_start().
 *
 * Context: any thread.
 * Return: the rogue, or NULL for a NULL @dev or a value out of range (a
 * message names it: neighbours 1..64, probe_len 1..PAGE_SIZE, max_pages
 * 1..2^20), when no observer slot is left, or on allocation failure.
 */
struct rogue *rogue_create(struct mdev *dev, const struct rogue_config *cfg);
/**
 * rogue_destroy() - stop the thread, stop learning, free
 * @r: the rogue; NULL is a no-op
 *
 * When it returns, the learning observer runs no more.  A NIC or engine
 * that pokes @r must have been told to stop first.
 *
 * Context: not from an access observer (removing the observer waits for
 * them).
 */
void rogue_destroy(struct rogue *r);
/**
 * rogue_start() - start the rogue thread
 * @r: the rogue; its rate must be nonzero
 *
 * The thread probes at random intervals of mean 1/rate (in batches above
 * about 20000 probes per second) until rogue_stop().
 *
 * Context: any thread; takes the rogue's lock.
 * Return: 0; -EINVAL (logged) if the rate is 0; -EBUSY if the thread runs;
 * -ENOMEM if it could not be started.
 */
int rogue_start(struct rogue *r);
/**
 * rogue_stop() - stop and join the rogue thread
 * @r: the rogue; a rogue whose thread is not running is left as it is
 *
 * Learning and rogue_poke() go on.
 *
 * Context: any thread but the rogue's own; wakes the thread at once.
 */
void rogue_stop(struct rogue *r);
/**
 * rogue_poke() - make probes now, on the calling thread
 * @r: the rogue
 * @n: number of probes
 *
 * For a test, or an engine after each request.  A probe picks a learned
 * page (or, under passthrough, sometimes a random frame), a neighbour of it
 * and an offset, probes a read of probe_len bytes there and, if that went
 * through, a write at the same place -- unless the IOVA now maps another
 * frame than the read reached.  Probes move no data (mdev_probe()).  With
 * nothing learned yet (and no random frames to try) a probe does nothing.
 *
 * Context: any thread; lock-free, several threads may poke at once.
 * Return: the number of accesses that went through (0..2 per probe).
 */
unsigned int rogue_poke(struct rogue *r, unsigned int n);
/**
 * rogue_stats_read() - read the rogue's counters
 * @r: the rogue
 * @out: receives the counters
 *
 * Each counter is read atomically, one after the other.
 *
 * Context: any thread.
 */
void rogue_stats_read(struct rogue *r, struct rogue_stats *out);
/**
 * rogue_known_pages() - pages the rogue knows now
 * @r: the rogue
 *
 * Context: any thread; the set may change while it is counted.
 * Return: the occupied slots of the learned set, at most max_pages.  Two
 * threads learning the same page at once may store it twice, so a page
 * may count twice.
 */
size_t rogue_known_pages(struct rogue *r);

#endif
