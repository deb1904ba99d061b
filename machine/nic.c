// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * nic.c - the loopback NIC (programming model in nic.h).
 *
 * NIC threads serve every queue pair.  A thread claims a queue pair that
 * has a packet rung in and is not being served (busy), takes its next TX
 * index, drops the lock and runs the packet on its own scratch buffer; a
 * queue pair is served by one thread at a time, which keeps its packets in
 * order and its RX buffers filled in order, while different pairs run in
 * parallel.  Queue pairs are picked round-robin so that none starves.
 *
 * A packet, all of it through mdev_access() -- there is no phys_to_virt()
 * here, so the IOMMU sees every byte, as it would on real hardware:
 *   1. read the TX descriptor at TX ring + (i % depth) * 16;
 *   2. read the packet from its buffer into scratch;
 *   3. take the next posted RX descriptor (under the lock; none: drop),
 *      read it, and write the packet into its buffer if it fits;
 *   4. write back the RX descriptor's length and status, then the TX
 *      descriptor's status;
 *   5. advance the TX head, poke the rogue (if any), raise the RX
 *      interrupt and then the TX-done interrupt -- without any lock held,
 *      so a handler may ring a doorbell.
 * The first fault ends the packet with a status (NIC_ST_FAULT on the TX
 * side, NIC_ST_RX_FAULT on the RX side); nothing waits, so a fault never
 * hangs a ring.  Bytes written before a fault stay written, as with a real
 * DMA that faults mid-way.
 *
 * Lock: nic->lock protects state, drain, rr and every queue pair's
 * registers, indices and busy flag.  Counters are relaxed atomics; the
 * rogue pointer is an atomic the threads load once per packet.
 */
#include "failinject.h"

#include <dmareuse/nic.h>
#include <dmareuse/rogue.h>

#include <errno.h>
#include <inttypes.h>
#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum nic_state { NIC_STOPPED, NIC_RUNNING, NIC_STOPPING };

struct nicq {
	bool set;			/* registers programmed */
	bool busy;			/* a thread is running one of its packets */
	struct nic_queue_regs regs;
	uint32_t tx_head, tx_tail;	/* next to send, doorbell; free-running */
	uint32_t rx_head, rx_tail;	/* next to fill, doorbell; free-running */
};

struct nic_thread {
	struct nic *nic;
	struct mthread tid;
	bool started;
	uint8_t *buf;			/* max_frame bytes of scratch */
};

struct nic_stats_atomic {
	_Atomic uint64_t packets, ok, bytes, tx_faults, rx_faults, invalid, aborted,
		drops, oversize, wb_faults;
};

struct nic {
	struct mdev *dev;
	struct nic_config cfg;
	struct mlock lock;		/* protects everything up to @th */
	struct mcond work;		/* a packet was rung in, or state changed */
	enum nic_state state;
	bool drain;
	unsigned int rr;		/* next queue pair to look at */
	struct nicq *q;			/* [cfg.nqueues] */
	struct nic_thread *th;		/* [cfg.nthreads] while running */
	_Atomic(struct rogue *) rogue;
	_Atomic unsigned int rogue_pokes;
	struct nic_stats_atomic st;
};

#define st_inc(n, f) atomic_fetch_add_explicit(&(n)->st.f, 1, memory_order_relaxed)
#define st_add(n, f, v) atomic_fetch_add_explicit(&(n)->st.f, (v), memory_order_relaxed)

const char *nic_status_name(enum nic_status st)
{
	switch (st) {
	case NIC_ST_OK: return "ok";
	case NIC_ST_FAULT: return "fault";
	case NIC_ST_NO_RXBUF: return "no-rxbuf";
	case NIC_ST_TOO_BIG: return "too-big";
	case NIC_ST_RX_FAULT: return "rx-fault";
	case NIC_ST_INVALID: return "invalid";
	case NIC_ST_ABORTED: return "aborted";
	}
	return "?";
}

static void count_status(struct nic *nic, enum nic_status st, size_t len)
{
	st_inc(nic, packets);
	switch (st) {
	case NIC_ST_OK:
		st_inc(nic, ok);
		st_add(nic, bytes, len);
		break;
	case NIC_ST_FAULT: st_inc(nic, tx_faults); break;
	case NIC_ST_NO_RXBUF: st_inc(nic, drops); break;
	case NIC_ST_TOO_BIG: st_inc(nic, oversize); break;
	case NIC_ST_RX_FAULT: st_inc(nic, rx_faults); break;
	case NIC_ST_INVALID: st_inc(nic, invalid); break;
	case NIC_ST_ABORTED: st_inc(nic, aborted); break;
	}
}

/*
 * Deliver the packet in @t->buf (@len bytes) into the next posted RX
 * descriptor of @qi.  Sets *@rx_idx (or leaves it ~0 when none was used)
 * and *@rx_err; returns the packet's status.
 */
static enum nic_status deliver(struct nic_thread *t, unsigned int qi,
			       const struct nic_queue_regs *regs, size_t len,
			       uint32_t *rx_idx, int *rx_err)
{
	struct nic *nic = t->nic;
	struct nicq *q = &nic->q[qi];
	struct nic_rx_desc rxd;
	enum nic_status st;
	dma_addr_t at;
	uint8_t wb[6];
	uint32_t wlen = 0;
	uint16_t wst;
	bool have;

	mlock_lock(&nic->lock);
	have = q->rx_head != q->rx_tail;
	if (have)
		*rx_idx = q->rx_head++;
	mlock_unlock(&nic->lock);
	if (!have)
		return NIC_ST_NO_RXBUF;
	at = regs->rx_ring + (dma_addr_t)(*rx_idx % regs->rx_depth) * sizeof(rxd);
	if (mdev_access(nic->dev, at, &rxd, sizeof(rxd), DEV_READ)) {
		st = NIC_ST_RX_FAULT;
	} else if (len > rxd.cap) {
		st = NIC_ST_TOO_BIG;
	} else if (mdev_access(nic->dev, rxd.addr, t->buf, len, DEV_WRITE)) {
		st = NIC_ST_RX_FAULT;
	} else {
		st = NIC_ST_OK;
		wlen = (uint32_t)len;
	}
	/* Write back len and status (adjacent fields) in one access. */
	wst = (uint16_t)st;
	memcpy(wb, &wlen, sizeof(wlen));
	memcpy(wb + sizeof(wlen), &wst, sizeof(wst));
	if (mdev_access(nic->dev, at + offsetof(struct nic_rx_desc, len), wb, sizeof(wb),
			DEV_WRITE)) {
		st_inc(nic, wb_faults);
		*rx_err = -EFAULT;
	}
	return st;
}

/* Send (or abort) TX index @idx of queue pair @qi and raise its interrupts. */
static void do_packet(struct nic_thread *t, unsigned int qi, uint32_t idx,
		      const struct nic_queue_regs *regs, bool abort)
{
	struct nic *nic = t->nic;
	dma_addr_t at = regs->tx_ring + (dma_addr_t)(idx % regs->tx_depth) *
			sizeof(struct nic_tx_desc);
	uint32_t rx_idx = ~0u;
	int rx_err = 0, tx_err = 0;
	struct nic_tx_desc txd;
	enum nic_status st;
	struct rogue *r;
	uint16_t wst;

	txd.len = 0;
	if (abort)
		st = NIC_ST_ABORTED;
	else if (mdev_access(nic->dev, at, &txd, sizeof(txd), DEV_READ))
		st = NIC_ST_FAULT;
	else if (!txd.len || txd.len > nic->cfg.max_frame || !(txd.flags & NIC_TXF_EOP))
		st = NIC_ST_INVALID;
	else if (mdev_access(nic->dev, txd.addr, t->buf, txd.len, DEV_READ))
		st = NIC_ST_FAULT;
	else {
		mcost_n(COST_NIC_BYTE, txd.len);	/* wire time, in virtual time */
		st = deliver(t, qi, regs, txd.len, &rx_idx, &rx_err);
	}
	wst = (uint16_t)st;
	if (mdev_access(nic->dev, at + offsetof(struct nic_tx_desc, status), &wst,
			sizeof(wst), DEV_WRITE)) {
		st_inc(nic, wb_faults);
		tx_err = -EFAULT;
	}
	count_status(nic, st, txd.len);
	mlock_lock(&nic->lock);
	nic->q[qi].tx_head++;
	mlock_unlock(&nic->lock);
	r = atomic_load(&nic->rogue);
	if (r && !abort)
		rogue_poke(r, atomic_load(&nic->rogue_pokes));
	if (rx_idx != ~0u)
		regs->rx(regs->arg, qi, rx_idx, rx_err);
	regs->tx_done(regs->arg, qi, idx, tx_err);
}

/* A queue pair with a packet rung in and nobody serving it, or -1.  Locked. */
static int pick_locked(struct nic *nic)
{
	mlock_assert_held(&nic->lock);

	for (unsigned int k = 0; k < nic->cfg.nqueues; k++) {
		unsigned int qi = (nic->rr + k) % nic->cfg.nqueues;
		struct nicq *q = &nic->q[qi];

		if (!q->busy && q->tx_head != q->tx_tail) {
			nic->rr = qi + 1;
			return (int)qi;
		}
	}
	return -1;
}

static void *nic_thread_fn(void *arg)
{
	struct nic_thread *t = arg;
	struct nic *nic = t->nic;

	mlock_lock(&nic->lock);
	for (;;) {
		struct nic_queue_regs regs;
		struct nicq *q;
		uint32_t idx;
		bool abort;
		int qi = pick_locked(nic);

		if (qi < 0) {
			if (nic->state != NIC_RUNNING)
				break;	/* stopping and nothing left for this thread */
			mcond_wait(&nic->work, &nic->lock);
			continue;
		}
		q = &nic->q[qi];
		q->busy = true;
		idx = q->tx_head;
		regs = q->regs;
		abort = nic->state == NIC_STOPPING && !nic->drain;
		mlock_unlock(&nic->lock);
		do_packet(t, (unsigned int)qi, idx, &regs, abort);
		mlock_lock(&nic->lock);
		q->busy = false;
	}
	mlock_unlock(&nic->lock);
	return NULL;
}

/* ---- lifetime and registers ------------------------------------------------ */

struct nic *nic_create(struct mdev *dev, const struct nic_config *cfg)
{
	struct nic_config c = cfg ? *cfg : (struct nic_config){ 0 };
	struct nic *nic;

	if (!dev) {
		fprintf(stderr, "nic: nic_create: no device\n");
		return NULL;
	}
	if (!c.nqueues)
		c.nqueues = 1;
	if (!c.nthreads)
		c.nthreads = 1;
	if (!c.max_frame)
		c.max_frame = NIC_MAX_FRAME;
	if (!c.rogue_pokes)
		c.rogue_pokes = 1;
	if (c.nqueues > NIC_MAX_QUEUES) {
		fprintf(stderr, "nic: nic_create: nqueues %u: expected 1..%d\n", c.nqueues,
			NIC_MAX_QUEUES);
		return NULL;
	}
	if (c.nthreads > NIC_MAX_THREADS) {
		fprintf(stderr, "nic: nic_create: nthreads %u: expected 1..%d\n", c.nthreads,
			NIC_MAX_THREADS);
		return NULL;
	}
	if (c.max_frame > NIC_MAX_FRAME) {
		fprintf(stderr, "nic: nic_create: max_frame %" PRIu32 ": expected 1..%d\n",
			c.max_frame, NIC_MAX_FRAME);
		return NULL;
	}
	nic = lab_calloc(1, sizeof(*nic));
	if (!nic)
		return NULL;
	nic->q = lab_calloc(c.nqueues, sizeof(*nic->q));
	if (!nic->q) {
		free(nic);
		return NULL;
	}
	nic->dev = dev;
	nic->cfg = c;
	atomic_init(&nic->rogue, c.rogue);
	atomic_init(&nic->rogue_pokes, c.rogue_pokes);
	mlock_init(&nic->lock, "nic", MLOCK_FREE);
	if (mcond_init(&nic->work, COST_MMIO)) {
		mlock_destroy(&nic->lock);
		free(nic->q);
		free(nic);
		return NULL;
	}
	return nic;
}

static void threads_free(struct nic *nic)
{
	for (unsigned int i = 0; nic->th && i < nic->cfg.nthreads; i++)
		free(nic->th[i].buf);
	free(nic->th);
	nic->th = NULL;
}

void nic_destroy(struct nic *nic)
{
	if (!nic)
		return;
	nic_stop(nic, false);
	mlock_destroy(&nic->lock);
	mcond_destroy(&nic->work);
	free(nic->q);
	free(nic);
}

int nic_set_queues(struct nic *nic, unsigned int queue,
		   const struct nic_queue_regs *regs)
{
	if (queue >= nic->cfg.nqueues || !regs || !regs->tx_depth ||
	    regs->tx_depth > NIC_MAX_DEPTH || !regs->rx_depth ||
	    regs->rx_depth > NIC_MAX_DEPTH || !regs->tx_done || !regs->rx) {
		fprintf(stderr, "nic: %s: nic_set_queues(queue=%u, tx_depth=%" PRIu32
			", rx_depth=%" PRIu32 "): expected queue 0..%u, depths 1..%d and both "
			"interrupt handlers\n", mdev_name(nic->dev), queue,
			regs ? regs->tx_depth : 0, regs ? regs->rx_depth : 0,
			nic->cfg.nqueues - 1, NIC_MAX_DEPTH);
		return -EINVAL;
	}
	mlock_lock(&nic->lock);
	if (nic->state != NIC_STOPPED) {
		mlock_unlock(&nic->lock);
		fprintf(stderr, "nic: %s: nic_set_queues while the NIC runs\n",
			mdev_name(nic->dev));
		return -EBUSY;
	}
	nic->q[queue] = (struct nicq){ .set = true, .regs = *regs };
	mlock_unlock(&nic->lock);
	return 0;
}

int nic_start(struct nic *nic)
{
	unsigned int n = nic->cfg.nthreads;
	int ret = 0;

	mlock_lock(&nic->lock);
	for (unsigned int i = 0; i < nic->cfg.nqueues; i++)
		if (!nic->q[i].set) {
			mlock_unlock(&nic->lock);
			fprintf(stderr, "nic: %s: nic_start: queue pair %u is not programmed "
				"(nic_set_queues)\n", mdev_name(nic->dev), i);
			return -EINVAL;
		}
	if (nic->state != NIC_STOPPED) {
		mlock_unlock(&nic->lock);
		fprintf(stderr, "nic: %s: nic_start: already running\n", mdev_name(nic->dev));
		return -EBUSY;
	}
	nic->th = lab_calloc(n, sizeof(*nic->th));
	if (!nic->th) {
		mlock_unlock(&nic->lock);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		nic->th[i].nic = nic;
		nic->th[i].buf = lab_malloc(nic->cfg.max_frame);
		if (!nic->th[i].buf) {
			threads_free(nic);
			mlock_unlock(&nic->lock);
			return -ENOMEM;
		}
	}
	nic->state = NIC_RUNNING;
	nic->drain = false;
	for (unsigned int i = 0; i < n; i++) {
		if (failinject_should_fail() ||
		    mthread_create(&nic->th[i].tid, "nic", nic_thread_fn, &nic->th[i])) {
			ret = -ENOMEM;
			break;
		}
		nic->th[i].started = true;
	}
	mlock_unlock(&nic->lock);
	if (ret)
		nic_stop(nic, false);
	return ret;
}

void nic_stop(struct nic *nic, bool drain)
{
	mlock_lock(&nic->lock);
	if (nic->state != NIC_RUNNING) {
		mlock_unlock(&nic->lock);
		return;
	}
	nic->state = NIC_STOPPING;
	nic->drain = drain;
	mcond_broadcast(&nic->work);
	mlock_unlock(&nic->lock);
	for (unsigned int i = 0; i < nic->cfg.nthreads; i++)
		if (nic->th[i].started)
			mthread_join(&nic->th[i].tid, NULL);
	mlock_lock(&nic->lock);
	threads_free(nic);
	nic->state = NIC_STOPPED;
	mlock_unlock(&nic->lock);
}

/*
 * Move a ring tail: @tail, @head of a ring of @depth.  Returns NULL or
 * why the new tail is refused.  Locked.
 */
static const char *tail_why_not(uint32_t head, uint32_t tail, uint32_t depth,
				uint32_t new_tail)
{
	if ((int32_t)(new_tail - tail) < 0)
		return "tail moves backwards";
	if (new_tail - head > depth)
		return "more descriptors pending than the ring depth";
	return NULL;
}

int nic_tx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail)
{
	const char *why = NULL;
	struct nicq *q;
	int ret = 0;

	if (queue >= nic->cfg.nqueues) {
		fprintf(stderr, "nic: %s: nic_tx_doorbell(queue=%u): expected queue 0..%u\n",
			mdev_name(nic->dev), queue, nic->cfg.nqueues - 1);
		return -EINVAL;
	}
	q = &nic->q[queue];
	mlock_lock(&nic->lock);
	if (nic->state != NIC_RUNNING) {
		ret = -ENODEV;
		if (nic->state == NIC_STOPPED)
			why = "the NIC is not running";
	} else {
		why = tail_why_not(q->tx_head, q->tx_tail, q->regs.tx_depth, new_tail);
		if (why)
			ret = -EINVAL;
	}
	if (!ret) {
		q->tx_tail = new_tail;
		mcond_broadcast(&nic->work);
	}
	if (why)
		fprintf(stderr, "nic: %s: nic_tx_doorbell(queue=%u, tail=%" PRIu32 ") with head %"
			PRIu32 ", tail %" PRIu32 ", depth %" PRIu32 ": %s\n", mdev_name(nic->dev),
			queue, new_tail, q->tx_head, q->tx_tail, q->regs.tx_depth, why);
	mlock_unlock(&nic->lock);
	return ret;
}

int nic_rx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail)
{
	const char *why = NULL;
	struct nicq *q;

	if (queue >= nic->cfg.nqueues) {
		fprintf(stderr, "nic: %s: nic_rx_doorbell(queue=%u): expected queue 0..%u\n",
			mdev_name(nic->dev), queue, nic->cfg.nqueues - 1);
		return -EINVAL;
	}
	q = &nic->q[queue];
	mlock_lock(&nic->lock);
	if (!q->set)
		why = "the queue pair is not programmed";
	else
		why = tail_why_not(q->rx_head, q->rx_tail, q->regs.rx_depth, new_tail);
	if (!why)
		q->rx_tail = new_tail;
	else
		fprintf(stderr, "nic: %s: nic_rx_doorbell(queue=%u, tail=%" PRIu32 ") with head %"
			PRIu32 ", tail %" PRIu32 ", depth %" PRIu32 ": %s\n", mdev_name(nic->dev),
			queue, new_tail, q->rx_head, q->rx_tail, q->regs.rx_depth, why);
	mlock_unlock(&nic->lock);
	return why ? -EINVAL : 0;
}

void nic_set_rogue(struct nic *nic, struct rogue *r, unsigned int pokes)
{
	atomic_store(&nic->rogue_pokes, pokes ? pokes : 1);
	atomic_store(&nic->rogue, r);
}

void nic_stats_read(struct nic *nic, struct nic_stats *out)
{
	out->packets = atomic_load(&nic->st.packets);
	out->ok = atomic_load(&nic->st.ok);
	out->bytes = atomic_load(&nic->st.bytes);
	out->tx_faults = atomic_load(&nic->st.tx_faults);
	out->rx_faults = atomic_load(&nic->st.rx_faults);
	out->invalid = atomic_load(&nic->st.invalid);
	out->aborted = atomic_load(&nic->st.aborted);
	out->drops = atomic_load(&nic->st.drops);
	out->oversize = atomic_load(&nic->st.oversize);
	out->wb_faults = atomic_load(&nic->st.wb_faults);
}

struct mdev *nic_mdev(const struct nic *nic)
{
	return nic->dev;
}
