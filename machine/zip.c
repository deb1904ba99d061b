// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * zip.c - the compression engine (programming model in zip.h).
 *
 * Engine cores are threads.  They share one fetch index (head) under the
 * engine lock: a core claims request number head++, marks its slot in
 * flight, drops the lock and runs the request on its own scratch buffers
 * and zlib streams, then writes the completion entry, clears the slot and
 * raises the interrupt (the driver's callback) without any lock held, so a
 * callback may ring the doorbell again.
 *
 * A request, all of it through mdev_access() -- there is no phys_to_virt()
 * here, so the IOMMU sees every byte, as it would on real hardware:
 *   1. read the SQE at SQ + (i % depth) * 64;
 *   2. read the source SG table, then the source pieces in order until
 *      src_len bytes are gathered; read the destination SG table;
 *   3. deflate or inflate with zlib into scratch, at most dst_cap bytes
 *      (capped by the destination SG's total);
 *   4. write the output over the destination pieces in order;
 *   5. write the CQE at CQ + (i % depth) * 16.
 * The first fault ends the request with ZIP_ST_FAULT (nothing hangs); bytes
 * written before it stay written, as with a real DMA that faults mid-way.
 *
 * zlib: each core keeps one deflate and one inflate stream per format and
 * resets it per request (deflateInit allocates ~256 KiB; reset is cheap).
 * Raw deflate uses windowBits -15, zlib format 15; memLevel 8, default
 * strategy, the configured level (default 1, the fast setting zswap uses).
 *
 * Lock: eng->lock protects state, head, tail, inflight[], the queue
 * registers and drain.  Counters are relaxed atomics.
 */
#include "failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/rogue.h>
#include <dmareuse/zip.h>

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define ZIP_MAX_CORES 64
#define DEFAULT_MAX_LEN ((size_t)1 << 20)

enum eng_state { ENG_STOPPED, ENG_RUNNING, ENG_STOPPING };

struct core {
	struct zip_engine *eng;
	struct mthread tid;
	bool started;
	uint8_t *in, *out;		/* max_len bytes each */
	struct zip_sge src[ZIP_MAX_SGE], dst[ZIP_MAX_SGE];
	z_stream def[2], inf[2];	/* by enum zip_format */
	bool def_ok[2], inf_ok[2];
};

struct zip_stats_atomic {
	_Atomic uint64_t requests, ok, faults, overflows, bad_data, invalid, aborted,
		errors, bytes_in, bytes_out, cq_faults;
};

struct zip_engine {
	struct mdev *dev;
	struct zip_config cfg;
	struct mlock lock;		/* protects everything up to @cores */
	struct mcond work;		/* head != tail, or state changed */
	enum eng_state state;
	bool drain;
	dma_addr_t sq, cq;
	uint32_t depth;
	zip_complete_fn complete;
	void *complete_arg;
	uint32_t head, tail;		/* next to fetch, doorbell; free-running */
	uint8_t *inflight;		/* [depth]: fetched, not completed */
	struct core *cores;		/* [cfg.nthreads] while running */
	struct zip_stats_atomic st;
};

#define st_inc(e, f) atomic_fetch_add_explicit(&(e)->st.f, 1, memory_order_relaxed)
#define st_add(e, f, v) atomic_fetch_add_explicit(&(e)->st.f, (v), memory_order_relaxed)

const char *zip_status_name(enum zip_status st)
{
	switch (st) {
	case ZIP_ST_OK: return "ok";
	case ZIP_ST_FAULT: return "fault";
	case ZIP_ST_OVERFLOW: return "overflow";
	case ZIP_ST_BAD_DATA: return "bad-data";
	case ZIP_ST_INVALID: return "invalid";
	case ZIP_ST_ABORTED: return "aborted";
	case ZIP_ST_ERROR: return "error";
	}
	return "?";
}

/* ---- zlib ----------------------------------------------------------------- */

static enum zip_status zcompress(struct core *c, unsigned int fmt, size_t n,
				 size_t cap, size_t *produced)
{
	z_stream *s = &c->def[fmt];
	int r;

	if (!c->def_ok[fmt]) {
		memset(s, 0, sizeof(*s));
		if (deflateInit2(s, c->eng->cfg.level, Z_DEFLATED,
				 fmt == ZIP_FMT_ZLIB ? 15 : -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return ZIP_ST_ERROR;
		c->def_ok[fmt] = true;
	} else if (deflateReset(s) != Z_OK) {
		return ZIP_ST_ERROR;
	}
	s->next_in = c->in;
	s->avail_in = (uInt)n;
	s->next_out = c->out;
	s->avail_out = (uInt)cap;
	r = deflate(s, Z_FINISH);
	if (r == Z_STREAM_END) {
		*produced = s->total_out;
		return ZIP_ST_OK;
	}
	return r == Z_OK || r == Z_BUF_ERROR ? ZIP_ST_OVERFLOW : ZIP_ST_ERROR;
}

static enum zip_status zdecompress(struct core *c, unsigned int fmt, size_t n,
				   size_t cap, size_t *produced)
{
	z_stream *s = &c->inf[fmt];
	int r;

	if (!c->inf_ok[fmt]) {
		memset(s, 0, sizeof(*s));
		if (inflateInit2(s, fmt == ZIP_FMT_ZLIB ? 15 : -15) != Z_OK)
			return ZIP_ST_ERROR;
		c->inf_ok[fmt] = true;
	} else if (inflateReset(s) != Z_OK) {
		return ZIP_ST_ERROR;
	}
	s->next_in = c->in;
	s->avail_in = (uInt)n;
	s->next_out = c->out;
	s->avail_out = (uInt)cap;
	r = inflate(s, Z_FINISH);
	switch (r) {
	case Z_STREAM_END:
		*produced = s->total_out;
		return ZIP_ST_OK;
	case Z_OK:
	case Z_BUF_ERROR:
		/* No progress possible: out of room, or the input ended early. */
		return s->avail_out == 0 ? ZIP_ST_OVERFLOW : ZIP_ST_BAD_DATA;
	case Z_NEED_DICT:
	case Z_DATA_ERROR:
		return ZIP_ST_BAD_DATA;
	default:
		return ZIP_ST_ERROR;
	}
}

/* ---- one request ----------------------------------------------------------- */

static enum zip_status read_sgl(struct core *c, uint64_t addr, uint32_t nents,
				struct zip_sge *out, size_t *total)
{
	if (mdev_access(c->eng->dev, addr, out, nents * sizeof(*out), DEV_READ))
		return ZIP_ST_FAULT;
	*total = 0;
	for (uint32_t i = 0; i < nents; i++)
		*total += out[i].len;
	return ZIP_ST_OK;
}

/* Run the request in @sqe; *@produced and *@consumed are set on OK. */
static enum zip_status run_request(struct core *c, const struct zip_sqe *sqe,
				   size_t *produced, size_t *consumed)
{
	struct zip_engine *eng = c->eng;
	size_t src_total, dst_total, got, cap, put;
	enum zip_status st;

	if ((sqe->opcode != ZIP_OP_COMPRESS && sqe->opcode != ZIP_OP_DECOMPRESS) ||
	    sqe->format > ZIP_FMT_ZLIB || !sqe->src_nents || !sqe->dst_nents ||
	    sqe->src_nents > ZIP_MAX_SGE || sqe->dst_nents > ZIP_MAX_SGE ||
	    !sqe->src_len || !sqe->dst_cap || sqe->src_len > eng->cfg.max_len ||
	    sqe->dst_cap > eng->cfg.max_len)
		return ZIP_ST_INVALID;
	st = read_sgl(c, sqe->src_sgl, sqe->src_nents, c->src, &src_total);
	if (st)
		return st;
	if (src_total < sqe->src_len)
		return ZIP_ST_INVALID;
	got = 0;
	for (uint32_t i = 0; got < sqe->src_len; i++) {
		size_t n = c->src[i].len < sqe->src_len - got ? c->src[i].len :
			   sqe->src_len - got;

		if (n && mdev_access(eng->dev, c->src[i].addr, c->in + got, n, DEV_READ))
			return ZIP_ST_FAULT;
		got += n;
	}
	st = read_sgl(c, sqe->dst_sgl, sqe->dst_nents, c->dst, &dst_total);
	if (st)
		return st;
	cap = sqe->dst_cap < dst_total ? sqe->dst_cap : dst_total;
	if (!cap)
		return ZIP_ST_INVALID;
	/* Engine time in virtual time; the host's zlib time does not count. */
	mcost_n(COST_ZIP_BYTE, sqe->src_len);
	if (sqe->opcode == ZIP_OP_COMPRESS)
		st = zcompress(c, sqe->format, sqe->src_len, cap, produced);
	else
		st = zdecompress(c, sqe->format, sqe->src_len, cap, produced);
	if (st)
		return st;
	put = 0;
	for (uint32_t i = 0; put < *produced; i++) {
		size_t n = c->dst[i].len < *produced - put ? c->dst[i].len :
			   *produced - put;

		if (n && mdev_access(eng->dev, c->dst[i].addr, c->out + put, n, DEV_WRITE))
			return ZIP_ST_FAULT;
		put += n;
	}
	*consumed = sqe->src_len;
	return ZIP_ST_OK;
}

static void count_status(struct zip_engine *eng, enum zip_status st)
{
	st_inc(eng, requests);
	switch (st) {
	case ZIP_ST_OK: st_inc(eng, ok); break;
	case ZIP_ST_FAULT: st_inc(eng, faults); break;
	case ZIP_ST_OVERFLOW: st_inc(eng, overflows); break;
	case ZIP_ST_BAD_DATA: st_inc(eng, bad_data); break;
	case ZIP_ST_INVALID: st_inc(eng, invalid); break;
	case ZIP_ST_ABORTED: st_inc(eng, aborted); break;
	case ZIP_ST_ERROR: st_inc(eng, errors); break;
	}
}

/* Fetch, run (or abort) and complete request number @idx. */
static void do_request(struct core *c, uint32_t idx, dma_addr_t sq, dma_addr_t cq,
		       uint32_t depth, bool abort)
{
	struct zip_engine *eng = c->eng;
	uint32_t slot = idx % depth;
	struct zip_cqe cqe = { 0 };
	size_t produced = 0, consumed = 0;
	struct zip_sqe sqe;
	enum zip_status st;
	int err = 0;

	if (mdev_access(eng->dev, sq + (dma_addr_t)slot * sizeof(sqe), &sqe,
			sizeof(sqe), DEV_READ)) {
		st = ZIP_ST_FAULT;
	} else {
		cqe.tag = sqe.tag;
		st = abort ? ZIP_ST_ABORTED : run_request(c, &sqe, &produced, &consumed);
	}
	cqe.status = (uint16_t)st;
	cqe.produced = st == ZIP_ST_OK ? (uint32_t)produced : 0;
	if (mdev_access(eng->dev, cq + (dma_addr_t)slot * sizeof(cqe), &cqe,
			sizeof(cqe), DEV_WRITE)) {
		st_inc(eng, cq_faults);
		err = -EFAULT;
	}
	count_status(eng, st);
	if (st == ZIP_ST_OK) {
		st_add(eng, bytes_in, consumed);
		st_add(eng, bytes_out, produced);
	}
	if (eng->cfg.rogue && !abort)
		rogue_poke(eng->cfg.rogue, eng->cfg.rogue_pokes ? eng->cfg.rogue_pokes : 1);
	mlock_lock(&eng->lock);
	eng->inflight[slot] = 0;
	mlock_unlock(&eng->lock);
	eng->complete(eng->complete_arg, idx, err);
}

static void *core_fn(void *arg)
{
	struct core *c = arg;
	struct zip_engine *eng = c->eng;

	mlock_lock(&eng->lock);
	for (;;) {
		dma_addr_t sq, cq;
		uint32_t idx, depth;
		bool abort;

		while (eng->head == eng->tail && eng->state == ENG_RUNNING)
			mcond_wait(&eng->work, &eng->lock);
		if (eng->head == eng->tail)
			break;		/* stopping and nothing left */
		idx = eng->head++;
		depth = eng->depth;
		eng->inflight[idx % depth] = 1;
		abort = eng->state == ENG_STOPPING && !eng->drain;
		sq = eng->sq;
		cq = eng->cq;
		mlock_unlock(&eng->lock);
		do_request(c, idx, sq, cq, depth, abort);
		mlock_lock(&eng->lock);
	}
	mlock_unlock(&eng->lock);
	return NULL;
}

/* ---- lifetime and registers ------------------------------------------------ */

struct zip_engine *zip_create(struct mdev *dev, const struct zip_config *cfg)
{
	struct zip_config c = cfg ? *cfg : (struct zip_config){ 0 };
	struct zip_engine *eng;

	if (!dev) {
		fprintf(stderr, "zip: zip_create: no device\n");
		return NULL;
	}
	if (!c.nthreads)
		c.nthreads = 1;
	if (!c.level)
		c.level = 1;
	if (!c.max_len)
		c.max_len = DEFAULT_MAX_LEN;
	if (c.nthreads > ZIP_MAX_CORES) {
		fprintf(stderr, "zip: zip_create: nthreads %u: expected 1..%d\n",
			c.nthreads, ZIP_MAX_CORES);
		return NULL;
	}
	if (c.level < 1 || c.level > 9) {
		fprintf(stderr, "zip: zip_create: level %d: expected 1..9\n", c.level);
		return NULL;
	}
	if (c.max_len > UINT32_MAX) {
		fprintf(stderr, "zip: zip_create: max_len %zu: expected at most %" PRIu32 "\n",
			c.max_len, UINT32_MAX);
		return NULL;
	}
	eng = lab_calloc(1, sizeof(*eng));
	if (!eng)
		return NULL;
	eng->dev = dev;
	eng->cfg = c;
	mlock_init(&eng->lock, "zip engine", MLOCK_FREE);
	if (mcond_init(&eng->work, COST_MMIO)) {
		mlock_destroy(&eng->lock);
		free(eng);
		return NULL;
	}
	return eng;
}

static void cores_free(struct zip_engine *eng)
{
	for (unsigned int i = 0; eng->cores && i < eng->cfg.nthreads; i++) {
		struct core *c = &eng->cores[i];

		for (int f = 0; f < 2; f++) {
			if (c->def_ok[f])
				deflateEnd(&c->def[f]);
			if (c->inf_ok[f])
				inflateEnd(&c->inf[f]);
		}
		free(c->in);
		free(c->out);
	}
	free(eng->cores);
	eng->cores = NULL;
}

void zip_destroy(struct zip_engine *eng)
{
	if (!eng)
		return;
	zip_stop(eng, false);
	free(eng->inflight);
	mlock_destroy(&eng->lock);
	mcond_destroy(&eng->work);
	free(eng);
}

int zip_set_queues(struct zip_engine *eng, dma_addr_t sq, dma_addr_t cq,
		   uint32_t depth, zip_complete_fn fn, void *arg)
{
	uint8_t *inflight;

	if (!depth || depth > ZIP_MAX_DEPTH || !fn) {
		fprintf(stderr, "zip: %s: zip_set_queues(depth=%" PRIu32 ", fn=%s): expected "
			"depth 1..%d and a completion callback\n", mdev_name(eng->dev),
			depth, fn ? "set" : "NULL", ZIP_MAX_DEPTH);
		return -EINVAL;
	}
	inflight = lab_calloc(depth, 1);
	if (!inflight)
		return -ENOMEM;
	mlock_lock(&eng->lock);
	if (eng->state != ENG_STOPPED) {
		mlock_unlock(&eng->lock);
		free(inflight);
		fprintf(stderr, "zip: %s: zip_set_queues while the engine runs\n",
			mdev_name(eng->dev));
		return -EBUSY;
	}
	free(eng->inflight);
	eng->inflight = inflight;
	eng->sq = sq;
	eng->cq = cq;
	eng->depth = depth;
	eng->complete = fn;
	eng->complete_arg = arg;
	eng->head = eng->tail = 0;
	mlock_unlock(&eng->lock);
	return 0;
}

int zip_start(struct zip_engine *eng)
{
	unsigned int n = eng->cfg.nthreads;
	int ret = 0;

	mlock_lock(&eng->lock);
	if (eng->state != ENG_STOPPED || !eng->depth) {
		ret = eng->depth ? -EBUSY : -EINVAL;
		mlock_unlock(&eng->lock);
		fprintf(stderr, "zip: %s: zip_start: %s\n", mdev_name(eng->dev),
			ret == -EBUSY ? "already running" : "no queues set (zip_set_queues)");
		return ret;
	}
	eng->cores = lab_calloc(n, sizeof(*eng->cores));
	if (!eng->cores) {
		mlock_unlock(&eng->lock);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		eng->cores[i].eng = eng;
		eng->cores[i].in = lab_malloc(eng->cfg.max_len);
		eng->cores[i].out = lab_malloc(eng->cfg.max_len);
		if (!eng->cores[i].in || !eng->cores[i].out) {
			cores_free(eng);
			mlock_unlock(&eng->lock);
			return -ENOMEM;
		}
	}
	eng->state = ENG_RUNNING;
	eng->drain = false;
	for (unsigned int i = 0; i < n; i++) {
		if (failinject_should_fail() ||
		    mthread_create(&eng->cores[i].tid, "zip core", core_fn, &eng->cores[i])) {
			ret = -ENOMEM;
			break;
		}
		eng->cores[i].started = true;
	}
	mlock_unlock(&eng->lock);
	if (ret)
		zip_stop(eng, false);
	return ret;
}

int zip_doorbell(struct zip_engine *eng, uint32_t new_tail)
{
	const char *why = NULL;
	int ret = 0;

	mlock_lock(&eng->lock);
	if (eng->state != ENG_RUNNING) {
		ret = -ENODEV;
		if (eng->state == ENG_STOPPED)
			why = "engine is not running";
	} else if ((int32_t)(new_tail - eng->tail) < 0) {
		ret = -EINVAL;
		why = "tail moves backwards";
	} else if (new_tail - eng->head > eng->depth) {
		ret = -EINVAL;
		why = "more requests pending than the queue depth";
	} else {
		for (uint32_t i = eng->tail; i != new_tail; i++)
			if (eng->inflight[i % eng->depth]) {
				ret = -EBUSY;
				why = "a slot in the new range is still in the engine";
				break;
			}
	}
	if (!ret) {
		eng->tail = new_tail;
		mcond_broadcast(&eng->work);
	}
	if (why)
		fprintf(stderr, "zip: %s: zip_doorbell(tail=%" PRIu32 ") with head %" PRIu32
			", tail %" PRIu32 ", depth %" PRIu32 ": %s\n", mdev_name(eng->dev),
			new_tail, eng->head, eng->tail, eng->depth, why);
	mlock_unlock(&eng->lock);
	return ret;
}

void zip_stop(struct zip_engine *eng, bool drain)
{
	mlock_lock(&eng->lock);
	if (eng->state != ENG_RUNNING) {
		mlock_unlock(&eng->lock);
		return;
	}
	eng->state = ENG_STOPPING;
	eng->drain = drain;
	mcond_broadcast(&eng->work);
	mlock_unlock(&eng->lock);
	for (unsigned int i = 0; i < eng->cfg.nthreads; i++)
		if (eng->cores[i].started)
			mthread_join(&eng->cores[i].tid, NULL);
	mlock_lock(&eng->lock);
	cores_free(eng);
	eng->state = ENG_STOPPED;
	mlock_unlock(&eng->lock);
}

void zip_stats_read(struct zip_engine *eng, struct zip_stats *out)
{
	out->requests = atomic_load(&eng->st.requests);
	out->ok = atomic_load(&eng->st.ok);
	out->faults = atomic_load(&eng->st.faults);
	out->overflows = atomic_load(&eng->st.overflows);
	out->bad_data = atomic_load(&eng->st.bad_data);
	out->invalid = atomic_load(&eng->st.invalid);
	out->aborted = atomic_load(&eng->st.aborted);
	out->errors = atomic_load(&eng->st.errors);
	out->bytes_in = atomic_load(&eng->st.bytes_in);
	out->bytes_out = atomic_load(&eng->st.bytes_out);
	out->cq_faults = atomic_load(&eng->st.cq_faults);
}
