/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rbounce: coherent, permanently mapped bounce buffers in size classes; the
 * device never sees caller memory, and each class picks how it copies in.
 */
#ifndef DMAREUSE_REUSE_BOUNCE_H
#define DMAREUSE_REUSE_BOUNCE_H

#include <dmareuse/reuse_core.h>

#define RBOUNCE_NCLASSES 6	/* 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB */

struct rbounce;


/**
 * rbounce_create() - a bounce pool for a device
 * @dev: the device the buffers are mapped for
 * @max_bytes: the most coherent buffer memory, in bytes, the pool may hold
 *
 * Buffers are allocated on demand and kept for reuse.
 *
 * Return: the new pool, or NULL on failure.
 */
struct rbounce *rbounce_create(osdep_dev_t *dev, size_t max_bytes);
/**
 * rbounce_destroy() - free the pool
 * @b: the pool
 *
 * Return: 0, or -EBUSY (nothing freed) if buffers are still lent out; they
 * are reported.
 */
int rbounce_destroy(struct rbounce *b);
/**
 * rbounce_map() - lend a copy of @cpu[0..@len) to the device
 * @b: the pool
 * @cpu: the caller's buffer
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @h: the handle to fill; it is given back to the unmap call
 *
 * TO_DEVICE and BIDIRECTIONAL copy in.
 *
 * Return: 0 and @h filled; -EINVAL (logged, counted) for a zero @len, a
 * NULL @cpu, @cpu + @len wrapping the address space, or an invalid @dir;
 * -E2BIG above the largest class; -ENOMEM when the pool is at its limit or
 * memory for it cannot be allocated.
 */
int rbounce_map(struct rbounce *b, void *cpu, size_t len,
		enum dma_data_direction dir, struct rmap_handle *h);


/**
 * rbounce_map_flags() - rbounce_map() taking flags
 * @b: the pool
 * @cpu: the caller's buffer
 * @len: its length in bytes
 * @dir: direction of the transfer
 * @flags: RMAP_* flags (RMAP_LEN_KNOWN)
 * @h: the handle to fill; it is given back to the unmap call
 *
 * Return: as rbounce_map().
 */
int rbounce_map_flags(struct rbounce *b, void *cpu, size_t len,
		      enum dma_data_direction dir, unsigned int flags,
		      struct rmap_handle *h);
/**
 * rbounce_unmap() - take a lent buffer back
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * FROM_DEVICE and BIDIRECTIONAL copy out.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) if @h does not hold
 * a buffer that @b lent out and has not taken back -- a handle of another
 * pool, a copy of one already taken back, one never filled -- or if its
 * dma, len or dir are not those of the lend.
 */
int rbounce_unmap(struct rbounce *b, struct rmap_handle *h);
/**
 * rbounce_unmap_partial() - as rbounce_unmap(), copying out only a prefix
 * @b: the pool
 * @h: the handle filled by the map call
 * @used: how many bytes the device wrote at the start of the buffer
 *
 * Only the first @used bytes are copied out: the device wrote no more (a
 * driver that knows the length the device produced saves the rest of the
 * copy).
 *
 * Return: 0; -EINVAL as rbounce_unmap(), and for @used above @h->len.
 */
int rbounce_unmap_partial(struct rbounce *b, struct rmap_handle *h, size_t used);
/**
 * rbounce_sync_for_cpu() - copy out without giving the buffer back
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * Only FROM_DEVICE and BIDIRECTIONAL buffers are copied; the buffer stays
 * lent.
 *
 * Return: 0; -EINVAL for a handle rbounce_unmap() would refuse.
 */
int rbounce_sync_for_cpu(struct rbounce *b, struct rmap_handle *h);
/**
 * rbounce_sync_for_device() - copy the caller's bytes in again
 * @b: the pool
 * @h: the handle filled by the map call
 *
 * Only TO_DEVICE and BIDIRECTIONAL buffers are copied.
 *
 * Return: 0; -EINVAL for a handle rbounce_unmap() would refuse.
 */
int rbounce_sync_for_device(struct rbounce *b, struct rmap_handle *h);
/*
 * How a bounce pool copies the caller's bytes toward the device (the lend,
 * sync_for_device).  A cached copy (memcpy) must own each line before it
 * writes it: cheap when the lines are still in this CPU's cache, dear when
 * the device's last read left them elsewhere (the lab's engines are threads
 * on another core).  A streaming copy writes whole lines around the cache
 * (osdep_copy_to_device()), at memory's pace.  Which is cheaper depends on
 * the machine and the device, so by default (RCOPY_AUTO) each size class
 * from 1 KiB up, in each area (CPU) of the pool, measures both on its own
 * copies and takes the cheaper;
 * the 256-byte class always copies cached.  Copies back to the CPU are
 * always cached: the caller reads those bytes next.
 */
enum rcopy_method { RCOPY_CACHED, RCOPY_STREAM, RCOPY_AUTO };

/*
 * The chooser behind RCOPY_AUTO, one per area and size class; its caller
 * serialises the calls (bounce holds the area's lock).  A copy's cost depends on the
 * copy before it into the same buffer (a streaming copy leaves no line in
 * any cache, so a cached copy after it fetches every line from memory), so
 * the caller records a timed copy only when the buffer's previous copy
 * took the same method: each mean is the method's cost in steady use.
 *
 * Warm-up: runs of RCOPY_WARMUP_RUN copies, cached and streaming in turn,
 * every copy timed, until each method has RCOPY_WARMUP samples.  Then one
 * copy in RCOPY_SAMPLE_EVERY is timed, and in one such period in
 * RCOPY_EXPLORE_EVERY the first RCOPY_EXPLORE_RUN copies, the timed one
 * last, take the method not in use, so that both means stay current.  A
 * sample above twice its method's mean counts as twice the mean (a
 * preemption, an interrupt): one outlier moves the mean by at most 1/8, a
 * lasting change still moves it 1/8 per sample.  The choice changes only
 * when the other method's mean is lower by more than 1/2^RCOPY_MARGIN_SHIFT
 * of the one in use, so near-equal methods do not flap.
 */
#define RCOPY_WARMUP 8
#define RCOPY_WARMUP_RUN 4
#define RCOPY_SAMPLE_EVERY 64
#define RCOPY_EXPLORE_EVERY 16
#define RCOPY_EXPLORE_RUN 2
#define RCOPY_MARGIN_SHIFT 3

struct rcopy_est {
	uint32_t n;			/* picks so far */
	uint32_t samples[2];		/* timed copies recorded, per method */
	uint64_t mean16[2];		/* running mean of those, in 1/16 ns */
	enum rcopy_method use;		/* what untimed copies take */
	bool warm;			/* both methods have RCOPY_WARMUP samples */
};

/**
 * rcopy_est_pick() - the method for the next copy of a class
 * @e: the class's chooser, zeroed before first use
 * @timed: set to whether the caller must time this copy and hand the time
 *         to rcopy_est_record()
 *
 * Context: the caller serialises calls on @e.
 * Return: RCOPY_CACHED or RCOPY_STREAM.
 */
enum rcopy_method rcopy_est_pick(struct rcopy_est *e, bool *timed);
/**
 * rcopy_est_record() - one timed copy's cost
 * @e: the class's chooser
 * @m: the method the copy took (as rcopy_est_pick() returned it)
 * @ns: how long it took
 *
 * Updates @m's mean and the method in use: the one with the lower mean,
 * once both have warmed up.
 *
 * Context: the caller serialises calls on @e.
 */
void rcopy_est_record(struct rcopy_est *e, enum rcopy_method m, uint64_t ns);

/**
 * rbounce_set_copy() - choose how @b copies toward the device
 * @b: the pool
 * @m: RCOPY_AUTO (the default), or RCOPY_CACHED / RCOPY_STREAM for every
 *     class (to compare the two, or where one is known to be right)
 *
 * Return: 0, or -EINVAL for a value that is none of the three.
 */
int rbounce_set_copy(struct rbounce *b, enum rcopy_method m);
/**
 * rbounce_copy_streams() - whether copies of @len bytes now stream
 * @b: the pool
 * @len: a copy length (its size class decides)
 *
 * Return: true if the calling CPU's next untimed copy of @len bytes toward
 * the device streams; false if it is cached, or if @len fits no class.
 */
bool rbounce_copy_streams(struct rbounce *b, size_t len);
/**
 * rbounce_nareas() - how many areas a pool has
 * @b: the pool
 *
 * A pool keeps its free lists, counters and copy choosers per area, one
 * per CPU up to 64, the count rounded up to a power of two (CPUs beyond
 * share them, cpu modulo the count).
 *
 * Return: the count, 1 or more.
 */
unsigned int rbounce_nareas(const struct rbounce *b);
/**
 * rbounce_copy_state() - one size class's copy chooser in one area, for reports
 * @b: the pool
 * @area: the area, 0 .. rbounce_nareas() - 1 (a CPU lends from cpu % count)
 * @cls: the class, 0 .. RBOUNCE_NCLASSES - 1 (smallest first)
 * @bytes: set to the class's buffer size
 * @out: receives a copy of the chooser (all zero for one that never chose:
 *       the 256-byte class, an area no CPU lent from, or any while a
 *       method is forced)
 *
 * Return: the method the class's untimed copies toward the device take now
 * in @area (RCOPY_CACHED or RCOPY_STREAM); -EINVAL if @area or @cls is out
 * of range.
 */
int rbounce_copy_state(struct rbounce *b, unsigned int area, unsigned int cls,
		       size_t *bytes, struct rcopy_est *out);

/* What the areas of one or more pools chose, per size class (reports). */
struct rbounce_copy_tally {
	size_t bytes[RBOUNCE_NCLASSES];		/* the class's buffer size */
	unsigned int chose[RBOUNCE_NCLASSES];	/* areas whose chooser measured */
	unsigned int streams[RBOUNCE_NCLASSES];	/* ... and of those, how many stream */
};
/**
 * rbounce_copy_tally() - add up a pool's copy choices
 * @b: the pool, or NULL (adds nothing)
 * @t: zeroed by the caller once, then added to by each call, so one tally
 *     can cover every pool of a driver
 *
 * Context: as rbounce_copy_state(), once per area.
 */
void rbounce_copy_tally(struct rbounce *b, struct rbounce_copy_tally *t);
/**
 * rbounce_copy_note() - one line saying how the tallied pools copy in
 * @t: the tally
 * @buf: receives e.g. "bounce copies in: 1 KiB cached, 4 KiB stream", a
 *       class split between areas as "4 KiB stream on 3 of 4 CPUs"; "" if
 *       no class measured (nothing bounced toward the device)
 * @len: the size of @buf, 1 or more
 */
void rbounce_copy_note(const struct rbounce_copy_tally *t, char *buf, size_t len);
/**
 * rbounce_stats() - read a bounce pool's counters
 * @b: the pool
 * @out: receives a copy of @b's counters
 */
void rbounce_stats(struct rbounce *b, struct reuse_stats *out);
/**
 * rbounce_max_len() - the largest buffer a bounce pool can take
 *
 * Return: the size of the largest class in bytes (256 KiB); a longer buffer
 * is refused with -E2BIG.
 */
size_t rbounce_max_len(void);

#endif
