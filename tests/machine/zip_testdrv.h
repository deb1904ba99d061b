/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * zip_testdrv.h - a tiny driver for the zip engine, shared by its tests.
 *
 * What a real driver does, in the fewest lines: the SQ, the CQ and a pool
 * of hardware SG tables (ZTD_SGE entries per direction per slot) live in
 * coherent DMA memory; a request takes the slot (request number % depth),
 * writes its SG tables and SQE, and rings the doorbell under the driver
 * lock (so doorbells stay in order when several CPUs submit); the
 * completion callback copies the CQE out of the CQ into a result kept by
 * request number, frees the slot and wakes the waiter.  A slot is thus
 * reused only after its completion was delivered, as zip.h requires -- but
 * not held until the submitter collects it: a submitter that holds slots
 * while it submits more would deadlock with another CPU doing the same.
 */
#ifndef TESTS_ZIP_TESTDRV_H
#define TESTS_ZIP_TESTDRV_H

#include "harness.h"

#include <dmareuse/zip.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define ZTD_SGE 8

struct ztd_slot {
	bool busy;		/* submitted, completion not yet delivered */
};

#define ZTD_RESULTS 65536	/* results kept by request number */

struct ztd_result {
	bool done;		/* completion delivered, not yet collected */
	int err;
	struct zip_cqe cqe;
};

struct ztd {
	struct dma_device *dev;
	struct zip_engine *eng;
	uint32_t depth;
	struct zip_sqe *sq;
	struct zip_cqe *cq;
	struct zip_sge *sgl;		/* [depth][2][ZTD_SGE] */
	dma_addr_t sq_dma, cq_dma, sgl_dma;
	pthread_mutex_t lock;		/* protects tail, slot[], completions */
	pthread_cond_t cond;
	uint32_t tail;
	uint64_t completions;
	uint64_t bad_index;		/* completions for a slot not submitted */
	struct ztd_slot *slot;
	struct ztd_result *res;		/* [ZTD_RESULTS] */
	bool hold_first;		/* request 0's interrupt waits for release */
	bool held, release;
};

static inline size_t ztd_sgl_bytes(uint32_t depth)
{
	return (size_t)depth * 2 * ZTD_SGE * sizeof(struct zip_sge);
}

static inline void ztd_complete(void *arg, uint32_t index, int err)
{
	struct ztd *d = arg;
	struct ztd_slot *s = &d->slot[index % d->depth];
	struct ztd_result *r = &d->res[index % ZTD_RESULTS];

	pthread_mutex_lock(&d->lock);
	if (d->hold_first && index == 0) {
		/* Keep this engine core busy until the test lets it go. */
		d->held = true;
		pthread_cond_broadcast(&d->cond);
		while (!d->release)
			pthread_cond_wait(&d->cond, &d->lock);
	}
	if (!s->busy || r->done)
		d->bad_index++;
	r->cqe = d->cq[index % d->depth];
	r->err = err;
	r->done = true;
	s->busy = false;
	d->completions++;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Bring up a driver on a new device of @type with an engine of @cfg. */
static inline struct ztd *ztd_create(struct lab *lab, enum dma_domain_type type,
				     uint32_t depth, const struct zip_config *cfg)
{
	struct dma_device_opts o = { .type = type };
	struct ztd *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->depth = depth;
	d->slot = calloc(depth, sizeof(*d->slot));
	d->res = calloc(ZTD_RESULTS, sizeof(*d->res));
	d->dev = dma_device_create(lab->os, "zip", &o);
	if (!d->slot || !d->res || !d->dev)
		goto fail;
	d->sq = dma_alloc_coherent(d->dev, depth * sizeof(struct zip_sqe), &d->sq_dma);
	d->cq = dma_alloc_coherent(d->dev, depth * sizeof(struct zip_cqe), &d->cq_dma);
	d->sgl = dma_alloc_coherent(d->dev, ztd_sgl_bytes(depth), &d->sgl_dma);
	if (!d->sq || !d->cq || !d->sgl)
		goto fail;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	d->eng = zip_create(dma_device_mdev(d->dev), cfg);
	if (!d->eng || zip_set_queues(d->eng, d->sq_dma, d->cq_dma, depth, ztd_complete, d) ||
	    zip_start(d->eng))
		goto fail;
	return d;
fail:
	fprintf(stderr, "ztd_create failed\n");
	abort();
}

/* Stop the engine (draining if asked), free the rings and the device. */
static inline size_t ztd_destroy(struct ztd *d, bool drain)
{
	size_t live;

	zip_stop(d->eng, drain);
	zip_destroy(d->eng);
	dma_free_coherent(d->dev, d->depth * sizeof(struct zip_sqe), d->sq, d->sq_dma);
	dma_free_coherent(d->dev, d->depth * sizeof(struct zip_cqe), d->cq, d->cq_dma);
	dma_free_coherent(d->dev, ztd_sgl_bytes(d->depth), d->sgl, d->sgl_dma);
	live = dma_device_destroy(d->dev);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d->slot);
	free(d->res);
	free(d);
	return live;
}

/*
 * Submit one request; waits for its slot to be free.  Returns the request
 * number, or ~0u if the doorbell refused.
 */
static inline uint32_t ztd_submit(struct ztd *d, enum zip_opcode op,
				  enum zip_format fmt, const struct zip_sge *src,
				  uint32_t nsrc, const struct zip_sge *dst,
				  uint32_t ndst, uint32_t src_len, uint32_t dst_cap,
				  uint64_t tag)
{
	uint32_t idx, s;
	struct zip_sge *tab;
	dma_addr_t tab_dma;

	pthread_mutex_lock(&d->lock);
	while (d->slot[d->tail % d->depth].busy)
		pthread_cond_wait(&d->cond, &d->lock);
	idx = d->tail;
	s = idx % d->depth;
	tab = d->sgl + (size_t)s * 2 * ZTD_SGE;
	tab_dma = d->sgl_dma + (dma_addr_t)s * 2 * ZTD_SGE * sizeof(struct zip_sge);
	memcpy(tab, src, nsrc * sizeof(*src));
	memcpy(tab + ZTD_SGE, dst, ndst * sizeof(*dst));
	d->sq[s] = (struct zip_sqe){
		.opcode = (uint8_t)op, .format = (uint8_t)fmt,
		.src_nents = nsrc, .src_sgl = tab_dma,
		.dst_nents = ndst, .dst_sgl = tab_dma + ZTD_SGE * sizeof(struct zip_sge),
		.src_len = src_len, .dst_cap = dst_cap, .tag = tag,
	};
	d->slot[s] = (struct ztd_slot){ .busy = true };
	d->res[idx % ZTD_RESULTS].done = false;
	if (zip_doorbell(d->eng, idx + 1)) {
		d->slot[s].busy = false;
		pthread_mutex_unlock(&d->lock);
		return ~0u;
	}
	d->tail = idx + 1;
	pthread_mutex_unlock(&d->lock);
	return idx;
}

/* Wait for request @idx, collect its CQE and free its slot. */
static inline struct zip_cqe ztd_wait(struct ztd *d, uint32_t idx, int *err)
{
	struct ztd_result *r = &d->res[idx % ZTD_RESULTS];
	struct zip_cqe c;

	pthread_mutex_lock(&d->lock);
	while (!r->done)
		pthread_cond_wait(&d->cond, &d->lock);
	c = r->cqe;
	if (err)
		*err = r->err;
	r->done = false;
	pthread_mutex_unlock(&d->lock);
	return c;
}

/* Submit one single-piece request and wait for it. */
static inline struct zip_cqe ztd_run(struct ztd *d, enum zip_opcode op,
				     enum zip_format fmt, dma_addr_t src,
				     uint32_t src_len, dma_addr_t dst,
				     uint32_t dst_cap, uint64_t tag)
{
	struct zip_sge s = { .addr = src, .len = src_len };
	struct zip_sge t = { .addr = dst, .len = dst_cap };
	uint32_t idx = ztd_submit(d, op, fmt, &s, 1, &t, 1, src_len, dst_cap, tag);

	if (idx == ~0u)
		return (struct zip_cqe){ .status = 0xffff };
	return ztd_wait(d, idx, NULL);
}

/* Page contents of three kinds: 0 zeros, 1 text-like, 2 random. */
static inline void ztd_fill(uint8_t *p, size_t n, int kind, uint64_t *rng)
{
	static const char *const words[] = {
		"the ", "iommu ", "maps ", "a ", "page ", "for ", "dma ", "and ",
		"unmaps ", "it ", "again; ", "zswap ", "compresses ", "every ",
		"swapped ", "page\n",
	};
	size_t i = 0;

	switch (kind) {
	case 0:
		memset(p, 0, n);
		break;
	case 1:
		while (i < n) {
			const char *w = words[test_rand(rng) % ARRAY_SIZE(words)];

			for (size_t k = 0; w[k] && i < n; k++)
				p[i++] = (uint8_t)w[k];
		}
		break;
	default:
		for (i = 0; i < n; i++)
			p[i] = (uint8_t)test_rand(rng);
		break;
	}
}

#endif
