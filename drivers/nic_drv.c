// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * nic_drv.c - the loopback NIC's driver (model and rules in nic_drv.h).
 *
 * Per queue pair: a TX ring and an RX ring in coherent memory, a slot
 * array beside each ring (what the driver lent for that descriptor), a TX
 * mapper and an RX buffer source -- an rpool under pool and auto, a ring
 * of slots in one IOVA block under batch, else an RX mapper over pages
 * allocated per buffer.  Objects are per queue so CPUs never share a
 * strategy lock; under batch the device's one rbatch is shared, but its
 * batches are per CPU (each queue's CPU uses its own), and each poll ends
 * its pass with one flush of that batch.  The strategy's mode is the
 * device's domain (given to its creation through reuse_mode_domain());
 * each role's mechanism is picked from the strategy's at create (tx_mech,
 * rx_mech).
 *
 * Indices: tx_tail/rx_tail are the next descriptors to write, tx_clean/
 * rx_clean the next to collect; all four are free-running and belong to
 * the owning CPU.  The interrupt handlers only set a slot's done flag (and
 * the write-back error) under q->lock and wake the owner; the owner reads
 * done flags under the same lock, which also orders its reads of the
 * descriptors the NIC wrote back before raising the interrupt.  Slots are
 * collected strictly in ring order.
 *
 * RX credit: every packet sent may use one RX descriptor, and the NIC uses
 * them in order, so if packets sent (less those already known to have used
 * none) never exceed RX descriptors posted, the NIC always finds one:
 * xmit refuses with -ENOSPC rather than let the NIC drop.
 *
 * Timing: each DMA-layer call (map, unmap, sync, pool get/put, bounce copy)
 * is bracketed by mclock_stamp() and the difference, less the stamps' own
 * cost, is added to the caller's *dma_ns and to the queue's total.
 *
 * Lock order: q->lock is a leaf (held only around flag updates); the NIC's
 * lock is never taken under it (doorbells are rung without q->lock).
 *
 * Size: over 800 lines, on purpose: one driver -- rings, TX, RX, the
 * completion pass and the mechanism each buffer takes -- whose parts share
 * the queue state and its lock; the mechanisms themselves live in reuse/.
 */
#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/nic_drv.h>
#include <dmareuse/reuse_lab.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DEPTH 64

struct tx_slot {
	void *buf;			/* the caller's buffer */
	uint32_t len;
	uint64_t cookie;
	struct rmap_handle h;
	bool mapped;			/* h must be unmapped at collection */
	bool done;			/* TX-done interrupt seen; under q->lock */
	int err;			/* its write-back error; under q->lock */
};

struct rx_slot {
	struct nic_rx_token tok;
	void *cpu;
	struct rmap_handle h;
	bool done;			/* RX interrupt seen; under q->lock */
	int err;			/* under q->lock */
};

struct nq {
	struct nic_drv *drv;
	unsigned int idx;
	struct nic_tx_desc *txr;
	struct nic_rx_desc *rxr;
	dma_addr_t txr_dma, rxr_dma;
	struct rmapper *txm;		/* TX per-buffer mechanism */
	struct rmapper *rxm;		/* RX per-buffer mechanism (no pool) */
	struct rpool *pool;		/* RX pool (pool, auto) */
	struct rbatch_ring *ring;	/* RX slots in one IOVA block (batch) */
	struct tx_slot *tx;		/* [tx_depth] */
	struct rx_slot *rx;		/* [rx_depth] */
	struct mlock lock;		/* protects done/err of every slot */
	struct mcond cond;		/* a slot became done */
	/* The owning CPU's: */
	uint32_t tx_tail, tx_clean, rx_tail, rx_clean;
	uint64_t noconsume;		/* collected packets that used no RX buffer */
	uint64_t nxmit;			/* for the fault_nth hook */
	uint64_t stamp_ovh;
	struct nic_drv_stats st;
};

struct nic_drv {
	struct os *os;
	struct page_alloc *pa;
	struct machine *m;
	struct dma_device *dev;
	struct nic *nic;
	struct nic_drv_config cfg;	/* defaults filled in */
	enum reuse_mech tx_mech, rx_mech; /* per role; rx_mech RMECH_POOL = rpool */
	struct rbatch *batch;		/* batch: the device's per-CPU batches */
	unsigned int rx_order;		/* page order of a per-buffer RX buffer */
	size_t crossover;
	bool stopped;
	struct nq *q;			/* [cfg.nqueues] */
	char note[256];
};

const char *nic_drv_why_not(struct reuse_pair p)
{
	if (reuse_pair_why_not(p))
		return reuse_pair_why_not(p);
	if (p.mech == RMECH_REUSE)
		return "reuse n/a: TX buffers are new every packet (nothing to map once) and RX "
		       "buffers are the driver's own (nothing the upper layer marks; pool is "
		       "their reuse)";
	return NULL;
}

static unsigned int order_of(size_t bytes)
{
	unsigned int o = 0;

	while ((PAGE_SIZE << o) < bytes)
		o++;
	return o;
}

/* ns between two stamps, less the cost of taking them; added to the queue. */
static uint64_t timed(struct nq *q, uint64_t t0, uint64_t t1, uint64_t *dma_ns)
{
	uint64_t d = t1 - t0, ns;

	ns = (uint64_t)mclock_stamp_ns(d > q->stamp_ovh ? d - q->stamp_ovh : 0);
	q->st.dma_ns += ns;
	if (dma_ns)
		*dma_ns += ns;
	return ns;
}

/* ---- interrupts (NIC threads) ------------------------------------------------ */

static void tx_irq(void *arg, unsigned int queue, uint32_t index, int err)
{
	struct nic_drv *drv = arg;
	struct nq *q = &drv->q[queue];
	struct tx_slot *s = &q->tx[index % drv->cfg.tx_depth];

	mlock_lock(&q->lock);
	s->done = true;
	s->err = err;
	mcond_broadcast(&q->cond);
	mlock_unlock(&q->lock);
}

static void rx_irq(void *arg, unsigned int queue, uint32_t index, int err)
{
	struct nic_drv *drv = arg;
	struct nq *q = &drv->q[queue];
	struct rx_slot *s = &q->rx[index % drv->cfg.rx_depth];

	mlock_lock(&q->lock);
	s->done = true;
	s->err = err;
	mcond_broadcast(&q->cond);
	mlock_unlock(&q->lock);
}

/* ---- RX buffers ------------------------------------------------------------------- */

/* Get one RX buffer and lend it to the device; fills @s, returns its DMA address. */
static int rx_get(struct nq *q, struct rx_slot *s, dma_addr_t *addr, uint64_t *dma_ns)
{
	struct nic_drv *drv = q->drv;
	uint64_t t0;
	int r;

	memset(&s->tok, 0, sizeof(s->tok));
	if (q->pool) {
		t0 = mclock_stamp();
		s->tok.pb = rpool_get(q->pool);
		timed(q, t0, mclock_stamp(), dma_ns);
		if (!s->tok.pb)
			return -ENOMEM;
		s->cpu = s->tok.pb->cpu;
		*addr = s->tok.pb->dma;
		return 0;
	}
	if (pages_alloc(drv->pa, drv->rx_order, NIC_DRV_OWNER, false, &s->tok.pfn)) {
		q->st.rx_alloc_failed++;	/* a refill cut short must leave a trace */
		return -ENOMEM;
	}
	s->cpu = phys_to_virt(drv->m, s->tok.pfn << PAGE_SHIFT);
	t0 = mclock_stamp();
	if (q->ring)	/* the descriptor's own slot of the queue's IOVA block */
		r = rbatch_ring_map(q->ring, (unsigned int)(s - q->rx), s->tok.pfn,
				    drv->cfg.rx_buf_size, DMA_FROM_DEVICE, &s->h);
	else
		r = rmapper_map(q->rxm, s->cpu, drv->cfg.rx_buf_size, DMA_FROM_DEVICE, &s->h);
	timed(q, t0, mclock_stamp(), dma_ns);
	if (r) {
		page_put(drv->pa, s->tok.pfn);
		q->st.map_errors++;
		return r;
	}
	*addr = s->h.dma;
	return 0;
}

/* Take an RX buffer back from the device: the NIC wrote @used bytes. */
static void rx_take_back(struct nq *q, struct rx_slot *s, uint32_t used, uint64_t *dma_ns)
{
	uint64_t t0 = mclock_stamp();

	if (q->pool) {
		if (used)
			rpool_sync_for_cpu(q->pool, s->tok.pb, used);
	} else if (q->ring) {
		rbatch_ring_unmap(q->ring, &s->h);
	} else {
		rmapper_unmap_partial(q->rxm, &s->h, used);
	}
	timed(q, t0, mclock_stamp(), dma_ns);
	s->tok.used = used;
}

/* Free or recycle an RX buffer the device no longer has. */
static void rx_put(struct nq *q, const struct nic_rx_token *tok, uint64_t *dma_ns)
{
	if (q->pool) {
		uint64_t t0 = mclock_stamp();

		rpool_put(q->pool, tok->pb, tok->used);
		timed(q, t0, mclock_stamp(), dma_ns);
	} else {
		page_put(q->drv->pa, tok->pfn);
	}
}

/* Post RX buffers until the ring is full (or buffers run out). */
static void refill(struct nq *q, uint64_t *dma_ns)
{
	struct nic_drv *drv = q->drv;
	uint32_t tail0 = q->rx_tail;

	if (drv->cfg.no_rx_post)
		return;
	while (q->rx_tail - q->rx_clean < drv->cfg.rx_depth) {
		uint32_t i = q->rx_tail % drv->cfg.rx_depth;
		dma_addr_t addr;

		if (rx_get(q, &q->rx[i], &addr, dma_ns))
			break;
		q->rxr[i] = (struct nic_rx_desc){ .addr = addr, .cap = drv->cfg.rx_buf_size };
		q->rx_tail++;
		q->st.rx_posted++;
	}
	if (q->rx_tail != tail0)
		mcost(COST_MMIO);	/* the RX doorbell write (virtual time) */
	if (q->rx_tail != tail0 && nic_rx_doorbell(drv->nic, q->idx, q->rx_tail))
		fprintf(stderr, "nic_drv: queue %u: the RX doorbell refused tail %" PRIu32 "\n",
			q->idx, q->rx_tail);
}

/* ---- transmit ---------------------------------------------------------------------- */

static bool bad_queue(struct nic_drv *drv, const char *fn, unsigned int queue)
{
	if (queue < drv->cfg.nqueues)
		return false;
	fprintf(stderr, "nic_drv: %s(queue=%u): expected queue 0..%u\n", fn, queue,
		drv->cfg.nqueues - 1);
	return true;
}

/*
 * Test hook: wait until the NIC is done with slot @s, so that nothing maps
 * again -- and recycles the IOVA just freed -- before the NIC reads it.
 * Without this wait, strict's per-CPU IOVA cache hands the same address to
 * the next packet and the NIC may read that one instead of faulting.
 */
static void wait_slot_done(struct nq *q, struct tx_slot *s)
{
	uint64_t end = mclock_now() + 5000000000ull;

	mlock_lock(&q->lock);
	while (!s->done && mclock_now() < end)
		mcond_timedwait(&q->cond, &q->lock, mclock_now() + 1000000);
	mlock_unlock(&q->lock);
}

/* Packets sent that may still use an RX descriptor, against those posted. */
static bool rx_credit(struct nq *q)
{
	return q->st.tx_sent - q->noconsume < q->st.rx_posted;
}

int nic_drv_xmit(struct nic_drv *drv, unsigned int queue, void *buf, uint32_t len,
		 uint64_t cookie, uint64_t *dma_ns)
{
	struct tx_slot *s;
	struct nq *q;
	uint32_t i;
	uint64_t t0;
	int r;

	if (bad_queue(drv, "nic_drv_xmit", queue))
		return -EINVAL;
	if (!len || len > NIC_MAX_FRAME || !buf) {
		fprintf(stderr, "nic_drv: nic_drv_xmit(queue=%u, buf=%p, len=%" PRIu32
			"): expected a buffer of 1..%d bytes\n", queue, buf, len, NIC_MAX_FRAME);
		return -EINVAL;
	}
	q = &drv->q[queue];
	if (q->tx_tail - q->tx_clean >= drv->cfg.tx_depth)
		return -ENOSPC;
	if (!drv->cfg.no_rx_post && !rx_credit(q)) {
		refill(q, dma_ns);
		if (!rx_credit(q))
			return -ENOSPC;
	}
	i = q->tx_tail % drv->cfg.tx_depth;
	s = &q->tx[i];
	t0 = mclock_stamp();
	r = rmapper_map(q->txm, buf, len, DMA_TO_DEVICE, &s->h);
	timed(q, t0, mclock_stamp(), dma_ns);
	if (r) {
		q->st.map_errors++;
		return -ENOMEM;
	}
	s->buf = buf;
	s->len = len;
	s->cookie = cookie;
	s->mapped = true;
	if (drv->cfg.fault_nth && ++q->nxmit == drv->cfg.fault_nth) {
		/* Test hook: the bug of a driver that unmaps before the device read. */
		rmapper_unmap(q->txm, &s->h);
		s->mapped = false;
	}
	q->txr[i] = (struct nic_tx_desc){ .addr = s->h.dma, .len = len, .flags = NIC_TXF_EOP };
	mcost(COST_RING);	/* the TX descriptor (virtual time) */
	mcost(COST_MMIO);	/* and the doorbell write */
	r = nic_tx_doorbell(drv->nic, q->idx, q->tx_tail + 1);
	if (r) {
		if (s->mapped) {
			t0 = mclock_stamp();
			rmapper_unmap(q->txm, &s->h);
			/* The caller frees the buffer on an error: its flush first. */
			rmapper_flush(q->txm);
			timed(q, t0, mclock_stamp(), dma_ns);
		}
		return r;
	}
	q->tx_tail++;
	q->st.tx_sent++;
	if (!s->mapped)
		wait_slot_done(q, s);
	return 0;
}

/* ---- completions --------------------------------------------------------------------- */

static bool status_used_rx(enum nic_status st)
{
	return st == NIC_ST_OK || st == NIC_ST_TOO_BIG || st == NIC_ST_RX_FAULT;
}

unsigned int nic_drv_poll(struct nic_drv *drv, unsigned int queue,
			  struct nic_drv_event *ev, unsigned int max,
			  uint64_t *dma_ns)
{
	uint32_t ntx = 0, nrx = 0, rx_budget;
	unsigned int n = 0;
	struct nq *q;

	if (bad_queue(drv, "nic_drv_poll", queue))
		return 0;
	q = &drv->q[queue];
	rx_budget = max;
	mlock_lock(&q->lock);
	while (q->rx_clean + nrx != q->rx_tail && nrx < rx_budget) {
		struct rx_slot *s = &q->rx[(q->rx_clean + nrx) % drv->cfg.rx_depth];

		if (!s->done)
			break;
		s->done = false;
		nrx++;
	}
	while (q->tx_clean + ntx != q->tx_tail && nrx + ntx < max) {
		struct tx_slot *s = &q->tx[(q->tx_clean + ntx) % drv->cfg.tx_depth];

		if (!s->done)
			break;
		s->done = false;
		ntx++;
	}
	mlock_unlock(&q->lock);

	for (uint32_t k = 0; k < nrx; k++) {
		uint32_t i = q->rx_clean++ % drv->cfg.rx_depth;
		struct rx_slot *s = &q->rx[i];
		const struct nic_rx_desc *d = &q->rxr[i];
		bool ok = !s->err && d->status == NIC_ST_OK && d->len <= drv->cfg.rx_buf_size;

		rx_take_back(q, s, ok ? d->len : 0, dma_ns);
		if (!ok) {
			q->st.rx_errors++;
			rx_put(q, &s->tok, dma_ns);
			ev[n++] = (struct nic_drv_event){
				.kind = NIC_EV_RX,
				.status = s->err ? NIC_ST_RX_FAULT : (enum nic_status)d->status,
			};
			continue;
		}
		q->st.rx_packets++;
		ev[n++] = (struct nic_drv_event){
			.kind = NIC_EV_RX, .status = NIC_ST_OK, .buf = s->cpu, .len = d->len,
			.rx = s->tok,
		};
	}
	for (uint32_t k = 0; k < ntx; k++) {
		uint32_t i = q->tx_clean++ % drv->cfg.tx_depth;
		struct tx_slot *s = &q->tx[i];
		enum nic_status st = s->err ? NIC_ST_FAULT : (enum nic_status)q->txr[i].status;

		if (s->mapped) {
			uint64_t t0 = mclock_stamp();

			rmapper_unmap(q->txm, &s->h);
			timed(q, t0, mclock_stamp(), dma_ns);
			s->mapped = false;
		}
		/* A lost write-back leaves it open whether an RX buffer was used: assume so. */
		if (!s->err && !status_used_rx(st))
			q->noconsume++;
		if (st == NIC_ST_OK) {
			q->st.tx_ok++;
		} else {
			q->st.tx_failed++;
			q->st.tx_faults += st == NIC_ST_FAULT;
			q->st.drops += st == NIC_ST_NO_RXBUF;
		}
		ev[n++] = (struct nic_drv_event){
			.kind = NIC_EV_TX_DONE, .status = st, .cookie = s->cookie, .buf = s->buf,
			.len = s->len,
		};
	}
	/*
	 * The completion pass is over: one flush for its unmaps (batch), before
	 * the TX completions reach the upper layer -- which frees those buffers
	 * at once -- and before refill maps RX slots again.
	 */
	if (drv->batch && (nrx || ntx)) {
		uint64_t t0 = mclock_stamp();

		rbatch_flush(drv->batch);
		timed(q, t0, mclock_stamp(), dma_ns);
	}
	if (!drv->stopped)
		refill(q, dma_ns);
	return n;
}

void nic_drv_rx_release(struct nic_drv *drv, unsigned int queue,
			const struct nic_rx_token *tok, uint64_t *dma_ns)
{
	if (bad_queue(drv, "nic_drv_rx_release", queue))
		return;
	if (!tok->pb && !tok->pfn) {
		/* frame 0 is never allocated, so this token names no buffer */
		fprintf(stderr, "nic_drv: nic_drv_rx_release(queue=%u): the token names no "
			"buffer (an RX error event carries none)\n", queue);
		return;
	}
	rx_put(&drv->q[queue], tok, dma_ns);
}

/* Is the next slot of either ring done?  Under q->lock. */
static bool ready_locked(struct nic_drv *drv, struct nq *q)
{
	mlock_assert_held(&q->lock);

	return (q->tx_clean != q->tx_tail && q->tx[q->tx_clean % drv->cfg.tx_depth].done) ||
	       (q->rx_clean != q->rx_tail && q->rx[q->rx_clean % drv->cfg.rx_depth].done);
}

int nic_drv_wait(struct nic_drv *drv, unsigned int queue, uint64_t timeout_ns)
{
	uint64_t deadline = mclock_now() + timeout_ns;
	struct nq *q;
	int r = 0;

	if (bad_queue(drv, "nic_drv_wait", queue))
		return -EINVAL;
	q = &drv->q[queue];
	mlock_lock(&q->lock);
	while (!ready_locked(drv, q))
		if (mcond_timedwait(&q->cond, &q->lock, deadline) == -ETIMEDOUT) {
			r = ready_locked(drv, q) ? 0 : -ETIMEDOUT;
			break;
		}
	mlock_unlock(&q->lock);
	return r;
}

unsigned int nic_drv_inflight(struct nic_drv *drv, unsigned int queue)
{
	if (bad_queue(drv, "nic_drv_inflight", queue))
		return 0;
	return drv->q[queue].tx_tail - drv->q[queue].tx_clean;
}

void nic_drv_maintain(struct nic_drv *drv, unsigned int queue, uint64_t *dma_ns)
{
	uint64_t t0;
	struct nq *q;

	if (bad_queue(drv, "nic_drv_maintain", queue))
		return;
	q = &drv->q[queue];
	t0 = mclock_stamp();
	rmapper_maintain(q->txm);
	if (q->rxm)
		rmapper_maintain(q->rxm);
	timed(q, t0, mclock_stamp(), dma_ns);
}

size_t nic_drv_shrink(struct nic_drv *drv)
{
	size_t n = 0;

	/* Only the mappers, which lock themselves: the queues' own fields stay their CPU's. */
	for (unsigned int i = 0; i < drv->cfg.nqueues; i++) {
		struct nq *q = &drv->q[i];

		rmapper_maintain(q->txm);
		n += rmapper_shrink(q->txm, SIZE_MAX);
		if (q->rxm) {
			rmapper_maintain(q->rxm);
			n += rmapper_shrink(q->rxm, SIZE_MAX);
		}
	}
	dma_flush_lazy(drv->dev);
	return n;
}

/* ---- lifetime ---------------------------------------------------------------------- */

/* Bytes of bounce memory a ring of @depth buffers of up to @len bytes may take. */
static size_t bounce_budget(unsigned int depth, size_t len)
{
	size_t cls = 256;

	while (cls < len)
		cls *= 4;	/* rbounce classes: 256 B, 1, 4, 16, 64, 256 KiB */
	return (size_t)depth * cls + (2u << 20);
}

static int queue_init(struct nic_drv *drv, unsigned int qi)
{
	const struct nic_drv_config *c = &drv->cfg;
	struct nq *q = &drv->q[qi];
	size_t rx_pages = DIV_ROUND_UP(c->rx_buf_size, PAGE_SIZE);
	struct rmapper_cfg txc = {
		.bounce_bytes = bounce_budget(c->tx_depth, NIC_MAX_FRAME),
		.cache_bytes = 16u << 20,
		/* a buffer of up to 64 KiB at any offset spans 17 pages; room to spare */
		.link_bytes = (size_t)c->tx_depth * 17 * PAGE_SIZE * 2,
		.auto_crossover = drv->crossover,
		.batch = drv->batch,
	};
	struct rmapper_cfg rxc = {
		.bounce_bytes = bounce_budget(c->rx_depth, c->rx_buf_size),
		.cache_bytes = (size_t)c->rx_depth * rx_pages * PAGE_SIZE * 2 + (4u << 20),
		.link_bytes = (size_t)c->rx_depth * rx_pages * PAGE_SIZE * 2,
		.auto_crossover = drv->crossover,
		.batch = drv->batch,
	};
	struct nic_queue_regs regs = {
		.tx_depth = c->tx_depth, .rx_depth = c->rx_depth,
		.tx_done = tx_irq, .rx = rx_irq, .arg = drv,
	};

	q->drv = drv;
	q->idx = qi;
	q->stamp_ovh = mclock_stamp_overhead();
	mlock_init(&q->lock, "nic queue", MLOCK_MODELLED);
	if (mcond_init(&q->cond, COST_IRQ))
		return -ENOMEM;
	q->tx = calloc(c->tx_depth, sizeof(*q->tx));
	q->rx = calloc(c->rx_depth, sizeof(*q->rx));
	q->txr = dma_alloc_coherent(drv->dev, c->tx_depth * sizeof(*q->txr), &q->txr_dma);
	q->rxr = dma_alloc_coherent(drv->dev, c->rx_depth * sizeof(*q->rxr), &q->rxr_dma);
	if (!q->tx || !q->rx || !q->txr || !q->rxr)
		return -ENOMEM;
	q->txm = rmapper_create(drv->dev, drv->tx_mech, &txc);
	if (!q->txm)
		return -ENOMEM;
	if (drv->rx_mech == RMECH_POOL) {
		unsigned int extra = c->rx_pool_extra ? c->rx_pool_extra : c->rx_depth;

		q->pool = rpool_create(drv->dev, c->rx_buf_size, c->rx_depth + extra,
				       DMA_FROM_DEVICE);
		if (!q->pool)
			return -ENOMEM;
	} else if (drv->rx_mech == RMECH_BATCH && !c->rx_scattered &&
		   dma_device_type(drv->dev) != DMA_DOMAIN_PASSTHROUGH) {
		/* A slot per RX descriptor, in one IOVA block (none under passthrough). */
		q->ring = rbatch_ring_create(drv->batch, c->rx_depth, c->rx_buf_size);
		if (!q->ring)
			return -ENOMEM;
	} else {
		q->rxm = rmapper_create(drv->dev, drv->rx_mech, &rxc);
		if (!q->rxm)
			return -ENOMEM;
	}
	regs.tx_ring = q->txr_dma;
	regs.rx_ring = q->rxr_dma;
	return nic_set_queues(drv->nic, qi, &regs);
}

static void make_note(struct nic_drv *drv)
{
	enum reuse_mode mode = drv->cfg.pair.mode;
	const char *name = reuse_use_name(mode, drv->cfg.pair.mech);

	switch (drv->cfg.pair.mech) {
	case RMECH_POOL:
		snprintf(drv->note, sizeof(drv->note),
			 "tx: %s (pool n/a: TX buffers come from the upper layer), rx: pool",
			 reuse_use_name(mode, drv->tx_mech));
		break;
	case RMECH_AUTO:
		snprintf(drv->note, sizeof(drv->note),
			 "tx: auto (bounce <= %zu B, whole pages cache, else strict), rx: pool "
			 "(auto: RX buffers are the driver's own)", drv->crossover);
		break;
	case RMECH_CACHE:
		snprintf(drv->note, sizeof(drv->note),
			 "tx: cache (buffers that are not whole pages take bounce), rx: cache%s",
			 drv->cfg.rx_buf_size % PAGE_SIZE ? " (buffers not whole pages: bounce)" : "");
		break;
	case RMECH_BOUNCE:
		snprintf(drv->note, sizeof(drv->note),
			 "tx: bounce, rx: bounce (copies out the received length only)");
		break;
	case RMECH_BATCH:
		snprintf(drv->note, sizeof(drv->note),
			 "tx: batch, rx: batch (%s); %u unmaps per batch, a flush per poll",
			 drv->q[0].ring ? "a ring: one IOVA block per queue" :
			 "an IOVA per buffer", rbatch_size(drv->batch));
		break;
	default:
		snprintf(drv->note, sizeof(drv->note), "tx: %s, rx: %s", name, name);
	}
}

/* Fill in defaults; false and a message in @why if a value is out of range. */
static bool config_ok(struct nic_drv_config *c, char *why, size_t whylen)
{
	char msg[160] = "";

	if (!c->nqueues)
		c->nqueues = 1;
	if (!c->tx_depth)
		c->tx_depth = DEFAULT_DEPTH;
	if (!c->rx_depth)
		c->rx_depth = DEFAULT_DEPTH;
	if (!c->rx_buf_size)
		c->rx_buf_size = NIC_MAX_FRAME;
	if (c->nqueues > NIC_MAX_QUEUES)
		snprintf(msg, sizeof(msg), "nqueues %u: expected 1..%d", c->nqueues,
			 NIC_MAX_QUEUES);
	else if (c->tx_depth > NIC_MAX_DEPTH || c->rx_depth > NIC_MAX_DEPTH)
		snprintf(msg, sizeof(msg), "tx_depth %u, rx_depth %u: expected 1..%d each",
			 c->tx_depth, c->rx_depth, NIC_MAX_DEPTH);
	else if (c->rx_buf_size < 64 || c->rx_buf_size > NIC_MAX_FRAME)
		snprintf(msg, sizeof(msg), "rx_buf_size %" PRIu32 ": expected 64..%d bytes",
			 c->rx_buf_size, NIC_MAX_FRAME);
	else if (c->batch_size > RBATCH_MAX_SIZE)
		snprintf(msg, sizeof(msg), "batch_size %u: expected 1..%d unmaps per batch "
			 "(0 = the profile's, else %d)", c->batch_size, RBATCH_MAX_SIZE,
			 RBATCH_DEFAULT_SIZE);
	if (!msg[0])
		return true;
	if (why)
		snprintf(why, whylen, "nic_drv: %s", msg);
	return false;
}

struct nic_drv *nic_drv_create(struct os *os, const struct nic_drv_config *cfg,
			       char *why, size_t whylen)
{
	struct dma_device_opts o = { 0 };
	struct nic_config nc = { 0 };
	struct nic_drv *drv;

	if (nic_drv_why_not(cfg->pair) || reuse_mode_domain(cfg->pair.mode, &o.type)) {
		if (why)
			snprintf(why, whylen, "%s", nic_drv_why_not(cfg->pair));
		return NULL;
	}
	drv = calloc(1, sizeof(*drv));
	if (!drv)
		goto out_nomem;
	drv->cfg = *cfg;
	if (!config_ok(&drv->cfg, why, whylen)) {
		free(drv);
		return NULL;
	}
	drv->os = os;
	drv->pa = os_page_alloc(os);
	drv->m = os_machine(os);
	drv->rx_order = order_of(drv->cfg.rx_buf_size);
	/* TX buffers are never the driver's: no pool there.  RX buffers always are. */
	drv->tx_mech = cfg->pair.mech == RMECH_POOL ? RMECH_NONE : cfg->pair.mech;
	drv->rx_mech = cfg->pair.mech == RMECH_AUTO ? RMECH_POOL : cfg->pair.mech;
	o.no_debug = !cfg->dma_debug;
	drv->dev = dma_device_create(os, "nic0", &o);
	drv->q = calloc(drv->cfg.nqueues, sizeof(*drv->q));
	if (!drv->dev || !drv->q)
		goto out_destroy;
	nc.nqueues = drv->cfg.nqueues;
	nc.nthreads = drv->cfg.nic_threads;
	drv->nic = nic_create(dma_device_mdev(drv->dev), &nc);
	if (!drv->nic)
		goto out_destroy;
	if (cfg->pair.mech == RMECH_BATCH) {
		drv->batch = rbatch_create(drv->dev, drv->cfg.batch_size ? drv->cfg.batch_size :
					   machine_profile(drv->m)->batch_size);
		if (!drv->batch)
			goto out_destroy;
	}
	if (cfg->pair.mech == RMECH_AUTO)
		drv->crossover = cfg->auto_crossover ? cfg->auto_crossover :
				 reuse_measure_crossover(drv->dev, NULL, NULL);
	for (unsigned int i = 0; i < drv->cfg.nqueues; i++)
		if (queue_init(drv, i))
			goto out_destroy;
	if (drv->tx_mech == RMECH_AUTO)
		drv->crossover = rmapper_crossover(drv->q[0].txm);
	if (nic_start(drv->nic))
		goto out_destroy;
	make_note(drv);
	return drv;

out_destroy:
	nic_drv_destroy(drv);
out_nomem:
	if (why)
		snprintf(why, whylen, "nic_drv: out of memory setting up the NIC");
	return NULL;
}

void nic_drv_stop(struct nic_drv *drv)
{
	if (drv->nic)
		nic_stop(drv->nic, false);
	drv->stopped = true;
}

/* Tear down one queue pair; returns what was found left behind. */
static unsigned int queue_fini(struct nic_drv *drv, struct nq *q)
{
	const struct nic_drv_config *c = &drv->cfg;
	unsigned int left = 0;

	if (!q->drv)
		return 0;
	/* The NIC is stopped: take every RX buffer back, used or not. */
	for (; q->rx && q->rx_clean != q->rx_tail; q->rx_clean++) {
		struct rx_slot *s = &q->rx[q->rx_clean % c->rx_depth];

		rx_take_back(q, s, 0, NULL);
		rx_put(q, &s->tok, NULL);
	}
	for (; q->tx && q->tx_clean != q->tx_tail; q->tx_clean++) {
		struct tx_slot *s = &q->tx[q->tx_clean % c->tx_depth];

		if (s->mapped)
			rmapper_unmap(q->txm, &s->h);
		fprintf(stderr, "nic_drv: queue %u: TX buffer %p (%" PRIu32 " bytes) still in "
			"flight at destroy; not freed (it is the upper layer's)\n", q->idx,
			s->buf, s->len);
		left++;
	}
	if (q->txm && rmapper_destroy(q->txm))
		left++;
	if (q->rxm && rmapper_destroy(q->rxm))
		left++;
	if (q->ring && rbatch_ring_destroy(q->ring))
		left++;
	if (q->pool && rpool_destroy(q->pool))
		left++;
	if (q->txr)
		dma_free_coherent(drv->dev, c->tx_depth * sizeof(*q->txr), q->txr, q->txr_dma);
	if (q->rxr)
		dma_free_coherent(drv->dev, c->rx_depth * sizeof(*q->rxr), q->rxr, q->rxr_dma);
	free(q->tx);
	free(q->rx);
	mlock_destroy(&q->lock);
	mcond_destroy(&q->cond);
	return left;
}

int nic_drv_destroy(struct nic_drv *drv)
{
	unsigned int left = 0;

	if (!drv)
		return 0;
	if (drv->nic)
		nic_stop(drv->nic, false);
	for (unsigned int i = 0; drv->q && i < drv->cfg.nqueues; i++)
		left += queue_fini(drv, &drv->q[i]);
	/* Every batch flushed: the pages it held go back now. */
	if (drv->batch && rbatch_destroy(drv->batch))
		left++;
	nic_destroy(drv->nic);
	if (drv->dev) {
		size_t live = dma_device_destroy(drv->dev);

		if (live)
			left++;
	}
	free(drv->q);
	free(drv);
	return left ? -EBUSY : 0;
}

void nic_drv_set_rogue(struct nic_drv *drv, struct rogue *r, unsigned int pokes)
{
	nic_set_rogue(drv->nic, r, pokes);
}

const char *nic_drv_note(const struct nic_drv *drv)
{
	return drv->note;
}

void nic_drv_copy_note(const struct nic_drv *drv, char *buf, size_t len)
{
	struct rbounce_copy_tally t = { 0 };

	if (!len)
		return;
	for (unsigned int i = 0; i < drv->cfg.nqueues; i++) {
		const struct nq *q = &drv->q[i];

		rbounce_copy_tally(q->txm ? rmapper_bounce(q->txm) : NULL, &t);
		rbounce_copy_tally(q->rxm ? rmapper_bounce(q->rxm) : NULL, &t);
	}
	rbounce_copy_note(&t, buf, len);
}

struct dma_device *nic_drv_dev(struct nic_drv *drv)
{
	return drv->dev;
}

struct nic *nic_drv_nic(struct nic_drv *drv)
{
	return drv->nic;
}

size_t nic_drv_crossover(const struct nic_drv *drv)
{
	return drv->crossover;
}

void nic_drv_reuse_stats(struct nic_drv *drv, struct reuse_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < drv->cfg.nqueues; i++) {
		struct nq *q = &drv->q[i];
		struct reuse_stats s;

		rmapper_stats(q->txm, &s);
		reuse_stats_add(out, &s);
		if (q->rxm) {
			rmapper_stats(q->rxm, &s);
			reuse_stats_add(out, &s);
		}
		if (q->pool) {
			rpool_stats(q->pool, &s);
			reuse_stats_add(out, &s);
		}
	}
	if (drv->batch) {
		struct reuse_stats s;

		rbatch_stats(drv->batch, &s);
		reuse_stats_add(out, &s);
	}
}

void nic_drv_stats(struct nic_drv *drv, struct nic_drv_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < drv->cfg.nqueues; i++) {
		const struct nic_drv_stats *s = &drv->q[i].st;

		out->tx_sent += s->tx_sent;
		out->tx_ok += s->tx_ok;
		out->tx_failed += s->tx_failed;
		out->tx_faults += s->tx_faults;
		out->drops += s->drops;
		out->rx_packets += s->rx_packets;
		out->rx_errors += s->rx_errors;
		out->rx_posted += s->rx_posted;
		out->map_errors += s->map_errors;
		out->rx_alloc_failed += s->rx_alloc_failed;
		out->dma_ns += s->dma_ns;
	}
}
