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
 * rogue_create() - make @dev rogue: learning starts at once (a machine
 * access observer is added).  @cfg may be NULL.  The thread, if
 * @cfg->rate is set, starts with rogue_start().  @dev must outlive the rogue.
 * Return: the rogue, or NULL (bad configuration -- a message names the
 * value -- no observer slot left, or out of memory).
 */
struct rogue *rogue_create(struct mdev *dev, const struct rogue_config *cfg);
/** rogue_destroy() - stop the thread, stop learning, free.  NULL is a no-op. */
void rogue_destroy(struct rogue *r);
/**
 * rogue_start() - start the rogue thread (needs a nonzero rate).
 * Return: 0; -EINVAL if the rate is 0; -EBUSY if it runs; -ENOMEM.
 */
int rogue_start(struct rogue *r);
/** rogue_stop() - stop and join the rogue thread (no-op if not running). */
void rogue_stop(struct rogue *r);
/**
 * rogue_poke() - make @n probes now, on the calling thread (a test, or an
 * engine after each request).  A probe picks a learned page (or, under
 * passthrough, sometimes a random frame), a neighbour of it and an offset,
 * reads probe_len bytes there and, if that worked, writes them back.
 * Thread safe.  Return: accesses that succeeded.
 */
unsigned int rogue_poke(struct rogue *r, unsigned int n);
/** rogue_stats_read() - a snapshot of the counters. */
void rogue_stats_read(struct rogue *r, struct rogue_stats *out);
/** rogue_known_pages() - distinct pages it knows now (at most max_pages). */
size_t rogue_known_pages(struct rogue *r);

#endif
