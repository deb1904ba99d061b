// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * zip_drv.c - the zip engine's driver.
 *
 * Queues: one SQ and one CQ of `depth` entries and, per slot, a source and
 * a destination hardware SG table (ZIP_DRV_SGE entries each), all in
 * coherent memory allocated at create.  Request number i lives in slot
 * i % depth; the engine completes request i into CQ slot i % depth and
 * calls zip_done(), which marks the slot done and wakes its submitter.
 *
 * Submission: under q_lock the submitter takes the next request number,
 * waits while that slot still holds an uncompleted older request, writes
 * the SG tables and the descriptor, and rings the doorbell with the new
 * tail.  Taking the number and ringing happen under one lock, so tails
 * reach the engine in order.  The submitter then sleeps on the slot's
 * condition until the completion interrupt -- or, with cfg->poll, spins on
 * the slot's done mark without the lock (as a driver polls its completion
 * queue: Intel IAA's synchronous mode, blk-mq's polled queues) for up to
 * POLL_MAX_NS, then sleeps.  Polling keeps the submitting CPU awake, so its
 * caches stay warm; it suits a CPU given to the submitting thread.
 *
 * Mapping: the strategy's mode is the device's domain (given to its
 * creation through reuse_mode_domain()); each list is mapped entry by entry
 * through the mechanism (see zip_drv.h); reusable lists go through reuse_map_sg(), always
 * bidirectional: an upper layer's reusable buffer may be the destination of
 * one request and the source of the next (zswap's per-CPU buffer is).  The time spent in
 * mapping, unmapping, syncing and copying is measured around those calls
 * and returned to the caller as DMA-layer CPU time.
 */
#include <dmareuse/clock.h>
#include <dmareuse/dma.h>
#include <dmareuse/mthread.h>
#include <dmareuse/reuse_lab.h>
#include <dmareuse/sg_reuse.h>
#include <dmareuse/zip_drv.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZIP_DRV_SGE 16
#define POLL_MAX_NS 2000000ull	/* then sleep: the engine may be slow or starved */

struct slot {
	struct mcond cond;
	bool busy;
	_Atomic bool done;		/* set under q_lock; polled without it */
	int err;
	uint32_t index;
};

struct zip_drv {
	struct os *os;
	struct dma_device *dev;
	struct zip_engine *eng;
	struct rmapper *m;		/* per-buffer mechanism (unmarked lists) */
	struct rreuse *r;		/* reuse / auto: marked lists */
	uint32_t depth;
	struct zip_sqe *sq;
	struct zip_cqe *cq;
	struct zip_sge *sgt;		/* [depth][2][ZIP_DRV_SGE] */
	dma_addr_t sq_dma, cq_dma, sgt_dma;
	size_t sgt_bytes;
	struct mlock q_lock;		/* protects tail, slots, nreq */
	uint32_t tail;
	uint64_t nreq;
	uint64_t fault_nth;
	bool poll;
	struct slot *slot;
	char note[256];
};

size_t zip_drv_shrink(struct zip_drv *drv)
{
	size_t n;

	rmapper_maintain(drv->m);
	n = rmapper_shrink(drv->m, SIZE_MAX);
	dma_flush_lazy(drv->dev);
	return n;
}

const char *zip_drv_why_not(struct reuse_pair p)
{
	if (reuse_pair_why_not(p))
		return reuse_pair_why_not(p);
	if (p.mech == RMECH_POOL)
		return "pool n/a: every zip buffer comes from the upper layer (zswap's pages "
		       "and per-CPU buffers); a driver pool would add a copy, which is bounce";
	return NULL;
}

/* Completion interrupt: runs on an engine thread. */
static void zip_done(void *arg, uint32_t index, int err)
{
	struct zip_drv *drv = arg;
	struct slot *sl = &drv->slot[index % drv->depth];

	mlock_lock(&drv->q_lock);
	sl->done = true;
	sl->err = err;
	mcond_broadcast(&sl->cond);
	mlock_unlock(&drv->q_lock);
}

struct zip_drv *zip_drv_create(struct os *os, const struct zip_drv_config *cfg,
			       char *why, size_t whylen)
{
	struct dma_device_opts o = { 0 };
	struct zip_config zc = { 0 };
	struct reuse_pair p = cfg->pair;
	enum reuse_mech per_buffer;
	unsigned int batch_size;
	struct zip_drv *drv;

	if (zip_drv_why_not(p) || reuse_mode_domain(p.mode, &o.type)) {
		if (why)
			snprintf(why, whylen, "%s", zip_drv_why_not(p));
		return NULL;
	}
	/* batch: the driver's size, else the profile's, else the default (0) */
	batch_size = cfg->batch_size ? cfg->batch_size :
		     machine_profile(os_machine(os))->batch_size;
	if (batch_size > RBATCH_MAX_SIZE)
		return NULL;
	drv = calloc(1, sizeof(*drv));
	if (!drv)
		return NULL;
	drv->os = os;
	drv->depth = cfg->depth ? cfg->depth : 64;
	drv->fault_nth = cfg->fault_nth;
	drv->poll = cfg->poll;
	mlock_init(&drv->q_lock, "zip queue", MLOCK_MODELLED);
	o.no_debug = !cfg->dma_debug;
	drv->dev = dma_device_create(os, "zip0", &o);
	if (!drv->dev)
		goto out_free;
	drv->sq = dma_alloc_coherent(drv->dev, drv->depth * sizeof(*drv->sq), &drv->sq_dma);
	drv->cq = dma_alloc_coherent(drv->dev, drv->depth * sizeof(*drv->cq), &drv->cq_dma);
	drv->sgt_bytes = (size_t)drv->depth * 2 * ZIP_DRV_SGE * sizeof(struct zip_sge);
	drv->sgt = dma_alloc_coherent(drv->dev, drv->sgt_bytes, &drv->sgt_dma);
	drv->slot = calloc(drv->depth, sizeof(*drv->slot));
	if (!drv->sq || !drv->cq || !drv->sgt || !drv->slot)
		goto out_destroy;
	for (uint32_t i = 0; i < drv->depth; i++)
		if (mcond_init(&drv->slot[i].cond, COST_IRQ))
			goto out_destroy;
	/* Lists not marked reusable are mapped directly under reuse. */
	per_buffer = p.mech == RMECH_REUSE ? RMECH_NONE : p.mech;
	/*
	 * Every CPU may have a request in flight: a bounce area per CPU, each
	 * room for a chunk of each class a request uses (64 KiB apiece), so
	 * that 64 CPUs lending at once do not run the pool dry.
	 */
	drv->m = rmapper_create(drv->dev, per_buffer, &(struct rmapper_cfg){
		.auto_crossover = cfg->auto_crossover,
		.bounce_bytes = os_ncpus(os) > 16 ? (size_t)os_ncpus(os) * (256u << 10) : 0,
		.batch_size = batch_size });
	if (!drv->m)
		goto out_destroy;
	if (p.mech == RMECH_REUSE || p.mech == RMECH_AUTO) {
		drv->r = rreuse_create(drv->dev);
		if (!drv->r)
			goto out_destroy;
	}
	zc.nthreads = cfg->engine_threads;
	zc.level = cfg->level;
	zc.rogue = cfg->rogue;
	zc.rogue_pokes = cfg->rogue_pokes;
	drv->eng = zip_create(dma_device_mdev(drv->dev), &zc);
	if (!drv->eng ||
	    zip_set_queues(drv->eng, drv->sq_dma, drv->cq_dma, drv->depth, zip_done, drv) ||
	    zip_start(drv->eng))
		goto out_destroy;
	if (p.mech == RMECH_REUSE)
		snprintf(drv->note, sizeof(drv->note),
			 "pages: %s (reuse n/a: a new page every call), per-CPU buffer: reuse",
			 reuse_use_name(p.mode, per_buffer));
	else if (p.mech == RMECH_AUTO)
		snprintf(drv->note, sizeof(drv->note),
			 "pages: auto (crossover %zu B), per-CPU buffer: reuse (marked reusable)",
			 rmapper_crossover(drv->m));
	else if (p.mech == RMECH_BATCH)
		snprintf(drv->note, sizeof(drv->note),
			 "src: batch, dst: batch; %u unmaps per batch, pages held until the flush",
			 batch_size ? batch_size : RBATCH_DEFAULT_SIZE);
	else
		snprintf(drv->note, sizeof(drv->note), "src: %s, dst: %s",
			 reuse_use_name(p.mode, p.mech), reuse_use_name(p.mode, p.mech));
	return drv;

out_destroy:
	zip_drv_destroy(drv);
	return NULL;
out_free:
	mlock_destroy(&drv->q_lock);
	free(drv);
	return NULL;
}

void zip_drv_destroy(struct zip_drv *drv)
{
	if (!drv)
		return;
	if (drv->eng)
		zip_destroy(drv->eng);
	if (drv->m)
		rmapper_destroy(drv->m);
	if (drv->r)
		rreuse_destroy(drv->r);
	if (drv->sgt)
		dma_free_coherent(drv->dev, drv->sgt_bytes, drv->sgt, drv->sgt_dma);
	if (drv->cq)
		dma_free_coherent(drv->dev, drv->depth * sizeof(*drv->cq), drv->cq, drv->cq_dma);
	if (drv->sq)
		dma_free_coherent(drv->dev, drv->depth * sizeof(*drv->sq), drv->sq, drv->sq_dma);
	if (drv->slot) {
		for (uint32_t i = 0; i < drv->depth; i++)
			mcond_destroy(&drv->slot[i].cond);
		free(drv->slot);
	}
	if (drv->dev)
		dma_device_destroy(drv->dev);
	mlock_destroy(&drv->q_lock);
	free(drv);
}

/* One mapped list: either a reusable registration or per-entry handles. */
struct mapped {
	bool reused;
	int n;
	struct rmap_handle h[ZIP_DRV_SGE];
};

/*
 * Unmap a list of which the device wrote (or read) only the first @used
 * bytes: bounced entries copy back just those, as a driver syncs only the
 * produced length.
 */
static void unmap_list(struct zip_drv *drv, struct scatterlist *sg, int n,
		       enum dma_data_direction dir, struct mapped *mp, size_t used)
{
	if (mp->reused) {
		reuse_unmap_sg(sg, n, DMA_BIDIRECTIONAL);
		return;
	}
	for (int i = 0; i < mp->n; i++) {
		size_t len = mp->h[i].len;

		rmapper_unmap_partial(drv->m, &mp->h[i], used < len ? used : len);
		used = used < len ? 0 : used - len;
	}
}

static int map_list(struct zip_drv *drv, struct scatterlist *sg, int n,
		    enum dma_data_direction dir, struct mapped *mp)
{
	struct machine *m = os_machine(drv->os);
	int r;

	mp->n = 0;
	mp->reused = false;
	if (n <= 0 || n > ZIP_DRV_SGE)
		return -EINVAL;
	if (drv->r && sg_is_reusable(sg)) {
		r = reuse_map_sg(sg, n, DMA_BIDIRECTIONAL);
		if (r)
			return r;
		mp->reused = true;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		void *cpu = phys_to_virt(m, (sg[i].page << PAGE_SHIFT) + sg[i].offset);

		/* The engine reports what it produced: no need to fill dst bounces. */
		r = rmapper_map_flags(drv->m, cpu, sg[i].length, dir,
				      dir == DMA_FROM_DEVICE ? RMAP_LEN_KNOWN : 0, &mp->h[i]);
		if (r) {
			unmap_list(drv, sg, n, dir, mp, 0);
			return r;
		}
		mp->n++;
		sg[i].dma_address = mp->h[i].dma;
		sg[i].dma_length = sg[i].length;
	}
	return 0;
}

/* ns between two stamps, less the cost of taking them. */
static uint64_t stamp_ns(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0, o = mclock_stamp_overhead();

	return (uint64_t)mclock_stamp_ns(d > o ? d - o : 0);
}

static int status_errno(uint16_t st)
{
	switch (st) {
	case ZIP_ST_OK: return 0;
	case ZIP_ST_FAULT: return -EFAULT;
	case ZIP_ST_OVERFLOW: return -EOVERFLOW;
	case ZIP_ST_BAD_DATA: return -EBADMSG;
	case ZIP_ST_INVALID: return -EINVAL;
	default: return -EIO;
	}
}

int zip_drv_run(struct zip_drv *drv, enum zip_opcode op, enum zip_format fmt,
		struct scatterlist *src, int src_nents, unsigned int src_len,
		struct scatterlist *dst, int dst_nents, unsigned int dst_cap,
		unsigned int *produced, uint64_t *dma_ns)
{
	struct mapped ms, md;
	struct zip_sge *st, *dt;
	struct zip_sqe *sqe;
	struct zip_cqe cqe = { 0 };
	struct slot *sl;
	uint64_t t0, t1;
	uint32_t idx;
	int r;

	t0 = mclock_stamp();
	r = map_list(drv, src, src_nents, DMA_TO_DEVICE, &ms);
	if (!r) {
		r = map_list(drv, dst, dst_nents, DMA_FROM_DEVICE, &md);
		if (r)
			unmap_list(drv, src, src_nents, DMA_TO_DEVICE, &ms, 0);
	}
	t1 = mclock_stamp();
	if (dma_ns)
		*dma_ns += stamp_ns(t0, t1);
	if (r)
		return r;

	mlock_lock(&drv->q_lock);
	/* The tail may move while we wait for a slot: read it again each time. */
	for (;;) {
		idx = drv->tail;
		sl = &drv->slot[idx % drv->depth];
		if (!sl->busy)
			break;
		mcond_wait(&sl->cond, &drv->q_lock);
	}
	sl->busy = true;
	sl->done = false;
	sl->index = idx;
	st = &drv->sgt[(size_t)(idx % drv->depth) * 2 * ZIP_DRV_SGE];
	dt = st + ZIP_DRV_SGE;
	for (int i = 0; i < src_nents; i++)
		st[i] = (struct zip_sge){ src[i].dma_address, src[i].length, 0 };
	for (int i = 0; i < dst_nents; i++)
		dt[i] = (struct zip_sge){ dst[i].dma_address, dst[i].length, 0 };
	if (drv->fault_nth && ++drv->nreq == drv->fault_nth)
		st[0].addr ^= 1ull << 40;	/* test hook: an address nothing maps */
	sqe = &drv->sq[idx % drv->depth];
	*sqe = (struct zip_sqe){
		.opcode = (uint8_t)op, .format = (uint8_t)fmt,
		.src_nents = (uint32_t)src_nents,
		.src_sgl = drv->sgt_dma + (dma_addr_t)((char *)st - (char *)drv->sgt),
		.dst_sgl = drv->sgt_dma + (dma_addr_t)((char *)dt - (char *)drv->sgt),
		.dst_nents = (uint32_t)dst_nents, .src_len = src_len, .dst_cap = dst_cap,
		.tag = idx + 1,
	};
	drv->tail = idx + 1;
	mcost(COST_RING);	/* the SQE written (virtual time) */
	mcost(COST_MMIO);	/* the doorbell register write */
	r = zip_doorbell(drv->eng, drv->tail);
	if (r) {
		drv->tail = idx;
		sl->busy = false;
		mcond_broadcast(&sl->cond);
		mlock_unlock(&drv->q_lock);
		goto out_unmap;
	}
	if (drv->poll) {
		uint64_t until = mclock_now() + POLL_MAX_NS;

		mlock_unlock(&drv->q_lock);
		/* Pairs with zip_done()'s store of done (seq_cst): err is set before it. */
		while (!atomic_load_explicit(&sl->done, memory_order_acquire) &&
		       mclock_now() < until)
			mclock_relax();
		mlock_lock(&drv->q_lock);
	}
	while (!sl->done)
		mcond_wait(&sl->cond, &drv->q_lock);
	cqe = drv->cq[idx % drv->depth];
	r = sl->err ? sl->err : status_errno(cqe.status);
	if (!r && cqe.tag != idx + 1)
		r = -EIO;
	sl->busy = false;
	mcond_broadcast(&sl->cond);
	mlock_unlock(&drv->q_lock);
	if (!r && produced)
		*produced = cqe.produced;

out_unmap:
	t0 = mclock_stamp();
	unmap_list(drv, dst, dst_nents, DMA_FROM_DEVICE, &md, r ? 0 : cqe.produced);
	unmap_list(drv, src, src_nents, DMA_TO_DEVICE, &ms, 0);
	if (dma_ns)
		*dma_ns += stamp_ns(t0, mclock_stamp());
	return r;
}

struct rreuse *zip_drv_registry(struct zip_drv *drv)
{
	return drv->r;
}

struct dma_device *zip_drv_dev(struct zip_drv *drv)
{
	return drv->dev;
}

struct zip_engine *zip_drv_engine(struct zip_drv *drv)
{
	return drv->eng;
}

const char *zip_drv_note(const struct zip_drv *drv)
{
	return drv->note;
}

void zip_drv_copy_note(const struct zip_drv *drv, char *buf, size_t len)
{
	struct rbounce_copy_tally t = { 0 };

	if (!len)
		return;
	rbounce_copy_tally(drv->m ? rmapper_bounce(drv->m) : NULL, &t);
	rbounce_copy_note(&t, buf, len);
}

void zip_drv_reuse_stats(struct zip_drv *drv, struct reuse_stats *out)
{
	struct reuse_stats s;

	rmapper_stats(drv->m, out);
	if (drv->r) {
		rreuse_stats(drv->r, &s);
		reuse_stats_add(out, &s);
	}
}

void zip_drv_maintain(struct zip_drv *drv, uint64_t *dma_ns)
{
	uint64_t t0 = mclock_stamp();

	rmapper_maintain(drv->m);
	if (dma_ns)
		*dma_ns += stamp_ns(t0, mclock_stamp());
}
