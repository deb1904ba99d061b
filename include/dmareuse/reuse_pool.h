/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * rpool: a driver-level pool of mapped buffers that recycle (page_pool's
 * idea).
 */
#ifndef DMAREUSE_REUSE_POOL_H
#define DMAREUSE_REUSE_POOL_H

#include <dmareuse/reuse_core.h>

struct rpool;

struct rpool_buf {
	void *cpu;
	dma_addr_t dma;
	size_t size;
};

/**
 * rpool_create() - a pool of buffers mapped once
 * @dev: the device the buffers are mapped for
 * @buf_size: size of each buffer in bytes, rounded up to a power-of-two
 *            number of pages; at most the largest block the OS allocates
 *            (PAGE_SIZE << OSDEP_MAX_PAGE_ORDER: 4 MiB in the lab and in
 *            Linux 6.1)
 * @nbufs: number of buffers
 * @dir: direction every buffer is mapped for
 *
 * Return: the new pool, or NULL on failure and (logged) for a zero or too
 * large @buf_size, a zero @nbufs or an invalid @dir.
 */
struct rpool *rpool_create(osdep_dev_t *dev, size_t buf_size, unsigned int nbufs,
			   enum dma_data_direction dir);
/**
 * rpool_get() - take a free buffer from the pool
 * @p: the pool
 *
 * The buffer is owned by the device side: it is synced for the device.
 *
 * Return: the buffer, or NULL if none is free (or @p is being destroyed).
 */
struct rpool_buf *rpool_get(struct rpool *p);
/**
 * rpool_sync_for_cpu() - let the CPU read what the device wrote
 * @p: the pool
 * @b: a buffer taken from @p with rpool_get()
 * @len: how many bytes the device wrote at the start of @b
 *
 * Return: 0; -EINVAL (logged, counted) if @b is not a buffer of @p that is
 * lent out, if its dma or size were changed, or if @len is larger than @b.
 */
int rpool_sync_for_cpu(struct rpool *p, struct rpool_buf *b, size_t len);
/**
 * rpool_put() - recycle a buffer
 * @p: the pool
 * @b: a buffer taken from @p with rpool_get()
 * @used_len: how many bytes at the start of @b were touched
 *
 * Does a sync_for_device of the @used_len bytes touched.
 *
 * Return: 0; -EINVAL (logged, counted, nothing changed) for a buffer of
 * another pool, one already free, one whose dma or size were changed, or a
 * @used_len larger than the buffer.
 */
int rpool_put(struct rpool *p, struct rpool_buf *b, size_t used_len);
/**
 * rpool_destroy() - unmap and free every buffer exactly once
 * @p: the pool
 *
 * With buffers still out, the pool reports them and finishes the job when
 * the last one is put back.
 *
 * Return: 0 when freed at once; -EBUSY with buffers still out; -EINVAL if
 * called again while those buffers are still out.
 */
int rpool_destroy(struct rpool *p);
/**
 * rpool_stats() - read a pool's counters
 * @p: the pool
 * @out: receives a copy of @p's counters
 */
void rpool_stats(struct rpool *p, struct reuse_stats *out);

#endif
