/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * zip.h - a compression engine, modelled on HiSilicon's ZIP engine (the
 * device of the seed thread, fed by zswap).
 *
 * Programming model (what a driver sees; the structs below are the
 * hardware's memory formats):
 *   - The driver allocates a submission queue (SQ) of `depth` zip_sqe and a
 *     completion queue (CQ) of `depth` zip_cqe in coherent DMA memory and
 *     writes their DMA addresses and the depth into the engine
 *     (zip_set_queues(), the queue base registers), then starts it.
 *   - A request is one zip_sqe: opcode, format, the DMA address and entry
 *     count of a source and of a destination hardware SG table (arrays of
 *     zip_sge, also in DMA memory the driver owns), the source length, the
 *     destination capacity and a tag.
 *   - The driver writes descriptors at SQ index (tail % depth) and rings the
 *     doorbell with its new free-running 32-bit tail (zip_doorbell()).
 *   - Engine cores (threads) fetch descriptors, gather the source, run zlib,
 *     scatter the output and write the completion entry for the request
 *     submitted as number i at CQ index (i % depth); then they raise the
 *     completion interrupt: the driver's callback runs, on the engine core's
 *     thread, with that request number.  The CQ entry is complete when the
 *     callback runs.
 *   - A driver may reuse SQ/CQ slot (i % depth) only after the completion of
 *     request i was delivered; the doorbell refuses a tail that would
 *     overwrite a request still in the engine.
 * Every byte the engine reads or writes -- descriptors, SG tables, data,
 * completion entries -- goes through the IOMMU (mdev_access()), so a fault
 * fails the request with ZIP_ST_FAULT instead of touching memory.
 *
 * Data is little-endian host order (the lab runs on one host).
 */
#ifndef DMAREUSE_ZIP_H
#define DMAREUSE_ZIP_H

#include <dmareuse/machine.h>

struct zip_engine;
struct rogue;

enum zip_opcode {
	ZIP_OP_COMPRESS = 1,
	ZIP_OP_DECOMPRESS = 2,
};

enum zip_format {
	ZIP_FMT_DEFLATE = 0,	/* raw deflate (RFC 1951), as zswap's "deflate" */
	ZIP_FMT_ZLIB = 1,	/* zlib wrapper (RFC 1950): header + adler32 */
};

enum zip_status {
	ZIP_ST_OK = 0,
	ZIP_ST_FAULT = 1,	/* an IOMMU fault while reading or writing */
	ZIP_ST_OVERFLOW = 2,	/* the destination was too small */
	ZIP_ST_BAD_DATA = 3,	/* decompress: input is not valid for the format */
	ZIP_ST_INVALID = 4,	/* bad descriptor: opcode, format, lengths, SG counts */
	ZIP_ST_ABORTED = 5,	/* engine stopped (without drain) before running it */
	ZIP_ST_ERROR = 6,	/* engine-internal failure (zlib out of memory) */
};

#define ZIP_MAX_SGE 256		/* entries per hardware SG table */
#define ZIP_MAX_DEPTH 4096	/* queue entries */

/* A hardware SG table entry. */
struct zip_sge {
	uint64_t addr;		/* DMA address of the piece */
	uint32_t len;		/* bytes */
	uint32_t pad;
};

/* A submission queue entry (64 bytes). */
struct zip_sqe {
	uint8_t opcode;		/* enum zip_opcode */
	uint8_t format;		/* enum zip_format */
	uint16_t rsvd0;
	uint32_t src_nents;	/* entries in the source SG table, 1..ZIP_MAX_SGE */
	uint64_t src_sgl;	/* DMA address of the source SG table */
	uint64_t dst_sgl;	/* DMA address of the destination SG table */
	uint32_t dst_nents;	/* entries in the destination SG table */
	uint32_t src_len;	/* input bytes (taken from the source SG in order) */
	uint32_t dst_cap;	/* output capacity (at most the SG's total) */
	uint32_t rsvd1;
	uint64_t tag;		/* returned unchanged in the completion */
	uint64_t rsvd2[2];
};

/* A completion queue entry (16 bytes). */
struct zip_cqe {
	uint64_t tag;		/* the request's tag (0 if the SQE itself faulted) */
	uint32_t produced;	/* output bytes written (ZIP_ST_OK only) */
	uint16_t status;	/* enum zip_status */
	uint16_t rsvd;
};

_Static_assert(sizeof(struct zip_sge) == 16, "zip_sge is 16 bytes");
_Static_assert(sizeof(struct zip_sqe) == 64, "zip_sqe is 64 bytes");
_Static_assert(sizeof(struct zip_cqe) == 16, "zip_cqe is 16 bytes");

/*
 * The completion interrupt.  @index is the free-running number of the
 * request (its SQ and CQ slot is @index % depth).  @err is 0, or -EFAULT
 * when the engine could not write the CQ entry itself (the driver must then
 * treat the request as failed: the entry holds stale data).
 */
typedef void (*zip_complete_fn)(void *arg, uint32_t index, int err);

struct zip_config {
	unsigned int nthreads;	/* engine cores; 0 = 1 */
	int level;		/* deflate level 1..9; 0 = 1 (fast, like zswap's) */
	size_t max_len;		/* largest src_len / dst_cap; 0 = 1 MiB */
	struct rogue *rogue;	/* optional: poked after every request */
	unsigned int rogue_pokes; /* probes per request when @rogue is set; 0 = 1 */
};

struct zip_stats {
	uint64_t requests;	/* completed, any status */
	uint64_t ok, faults, overflows, bad_data, invalid, aborted, errors;
	uint64_t bytes_in;	/* source bytes consumed by OK requests */
	uint64_t bytes_out;	/* bytes produced by OK requests */
	uint64_t cq_faults;	/* completion entries that could not be written */
};

/**
 * zip_create() - a compression engine on a machine device
 * @dev: the device; every byte the engine moves goes through @dev's domain
 * @cfg: cores, deflate level, largest length and rogue; NULL or a zero
 *       field takes the default (1 core, level 1, 1 MiB, no rogue)
 *
 * The engine is created stopped, with no queues.
 *
 * Context: any thread.
 * Return: the engine, or NULL for a NULL @dev or a value out of range
 * (a message on stderr names it: nthreads 1..64, level 1..9, max_len up to
 * 2^32 - 1), or on allocation failure.
 */
struct zip_engine *zip_create(struct mdev *dev, const struct zip_config *cfg);
/**
 * zip_destroy() - stop the engine and free it
 * @eng: the engine; NULL is a no-op
 *
 * Stops as zip_stop(@eng, false): requests still queued complete with
 * ZIP_ST_ABORTED and their callbacks run before the engine is freed.  The
 * device and the rogue are not freed.
 *
 * Context: not from the completion callback (it joins the engine threads).
 */
void zip_destroy(struct zip_engine *eng);

/**
 * zip_set_queues() - program the queue registers
 * @eng: the engine
 * @sq: DMA address of the submission queue (@depth struct zip_sqe)
 * @cq: DMA address of the completion queue (@depth struct zip_cqe)
 * @depth: entries per queue, 1..ZIP_MAX_DEPTH
 * @fn: the completion interrupt; required
 * @arg: passed to @fn
 *
 * Resets the ring indices to 0.
 *
 * Context: only while the engine is stopped; takes the engine lock.
 * Return: 0; -EINVAL (logged) for a bad @depth or a NULL @fn; -ENOMEM;
 * -EBUSY (logged) if the engine runs.  Errors change nothing.
 */
int zip_set_queues(struct zip_engine *eng, dma_addr_t sq, dma_addr_t cq,
		   uint32_t depth, zip_complete_fn fn, void *arg);
/**
 * zip_start() - start the engine cores
 * @eng: the engine; its queues must be set
 *
 * Context: any thread; takes the engine lock.
 * Return: 0; -EINVAL (logged) if no queues were set; -EBUSY (logged) if
 * running; -ENOMEM if the cores or their buffers could not be had (the
 * engine is left stopped).
 */
int zip_start(struct zip_engine *eng);
/**
 * zip_doorbell() - tell the engine descriptors were written
 * @eng: the engine
 * @new_tail: the free-running index after the last descriptor written
 *
 * Context: any thread, the completion callback included; takes the engine
 * lock.
 * Return: 0; -ENODEV if the engine is not running (logged when stopped,
 * not while it stops); -EINVAL (logged) if @new_tail moves backwards or
 * more than depth requests would be pending; -EBUSY (logged) if a slot in
 * the new range still holds a request the engine has not completed.
 * Errors change nothing.
 */
int zip_doorbell(struct zip_engine *eng, uint32_t new_tail);
/**
 * zip_stop() - stop the engine
 * @eng: the engine; an engine not running is left alone
 * @drain: run every request rung in before stopping
 *
 * Without @drain, requests not yet started complete with ZIP_ST_ABORTED
 * (the CQ entry is written and the callback runs).  Requests already
 * running finish either way.  Joins every engine thread: no callback runs
 * after it returns.
 *
 * Context: not from the completion callback (it would join its own
 * thread).
 */
void zip_stop(struct zip_engine *eng, bool drain);

/**
 * zip_stats_read() - read the engine's counters
 * @eng: the engine
 * @out: receives the counters
 *
 * Each counter is read atomically, one after the other.
 *
 * Context: any thread; no lock.
 */
void zip_stats_read(struct zip_engine *eng, struct zip_stats *out);
/**
 * zip_status_name() - the name of a completion status
 * @st: the status
 *
 * Context: any thread.
 * Return: "ok", "fault", "overflow", "bad-data", "invalid", "aborted" or
 * "error"; "?" for any other value.
 */
const char *zip_status_name(enum zip_status st);

#endif
