// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_nic.c - the loopback NIC and its driver.
 *
 * Device: a minimal driver written here (rings in coherent memory, buffers
 * mapped with the plain DMA API) checks that every TX packet lands byte for
 * byte in the next posted RX buffer, that each fault ends one packet with
 * the right status and the ring goes on, that a missing RX buffer is a
 * counted drop, that stop without drain aborts what is queued and raises
 * exactly one interrupt per packet, and that misuse is refused.
 * Driver: xmit/poll/release by hand, ring-full and RX-credit refusals, the
 * teardown report of buffers left in flight, an RX buffer allocation that
 * fails counted (and the ring refilled later); and the whole stack (net
 * workload) under every strategy that applies, 1 and 2 CPU threads, every
 * payload byte verified, the safety rule checked on every page free, and
 * lab_down's leak checks.
 *
 * Size: over 800 lines, on purpose: the device cases and the driver cases
 * share one fixture (machine, NIC, DMA devices) and one packet checker;
 * they are independent and grouped as above.
 */
#include "harness.h"
#include "../../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/net.h>
#include <dmareuse/nic_drv.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a minimal driver for device tests ------------------------------------------ */

#define MD_DEPTH 64

struct mini {
	struct lab *lab;
	struct dma_device *dev;
	struct nic *nic;
	struct nic_tx_desc *txr;
	struct nic_rx_desc *rxr;
	dma_addr_t txr_dma, rxr_dma;
	pthread_mutex_t lock;		/* protects the counters below */
	pthread_cond_t cond;
	unsigned int ntx, nrx;		/* interrupts seen */
	unsigned int tx_irqs[MD_DEPTH], rx_irqs[MD_DEPTH];
	unsigned int queue;		/* the queue pair it drives */
	unsigned int bad_irq;		/* wrong queue, or a write-back error */
	uint32_t tx_tail, rx_tail;
};

static void md_tx(void *arg, unsigned int queue, uint32_t index, int err)
{
	struct mini *md = arg;

	pthread_mutex_lock(&md->lock);
	md->bad_irq += queue != md->queue || err;
	md->tx_irqs[index % MD_DEPTH]++;
	md->ntx++;
	pthread_cond_broadcast(&md->cond);
	pthread_mutex_unlock(&md->lock);
}

static void md_rx(void *arg, unsigned int queue, uint32_t index, int err)
{
	struct mini *md = arg;

	pthread_mutex_lock(&md->lock);
	md->bad_irq += queue != md->queue || err;
	md->rx_irqs[index % MD_DEPTH]++;
	md->nrx++;
	pthread_cond_broadcast(&md->cond);
	pthread_mutex_unlock(&md->lock);
}

static bool md_up(struct mini *md, unsigned int nic_threads)
{
	struct dma_device_opts o = { .type = DMA_DOMAIN_STRICT };
	struct nic_config nc = { .nthreads = nic_threads };
	struct nic_queue_regs regs = {
		.tx_depth = MD_DEPTH, .rx_depth = MD_DEPTH, .tx_done = md_tx, .rx = md_rx,
		.arg = md,
	};

	memset(md, 0, sizeof(*md));
	pthread_mutex_init(&md->lock, NULL);
	pthread_cond_init(&md->cond, NULL);
	md->lab = lab_up(64, 2, "ideal");
	if (!md->lab)
		return false;
	md->dev = dma_device_create(md->lab->os, "nic-test", &o);
	if (!md->dev)
		return false;
	md->nic = nic_create(dma_device_mdev(md->dev), &nc);
	md->txr = dma_alloc_coherent(md->dev, MD_DEPTH * sizeof(*md->txr), &md->txr_dma);
	md->rxr = dma_alloc_coherent(md->dev, MD_DEPTH * sizeof(*md->rxr), &md->rxr_dma);
	if (!md->nic || !md->txr || !md->rxr)
		return false;
	regs.tx_ring = md->txr_dma;
	regs.rx_ring = md->rxr_dma;
	return nic_set_queues(md->nic, 0, &regs) == 0 && nic_start(md->nic) == 0;
}

static void md_down(struct mini *md)
{
	nic_destroy(md->nic);
	dma_free_coherent(md->dev, MD_DEPTH * sizeof(*md->txr), md->txr, md->txr_dma);
	dma_free_coherent(md->dev, MD_DEPTH * sizeof(*md->rxr), md->rxr, md->rxr_dma);
	CHECK(dma_device_destroy(md->dev) == 0, "mappings left at teardown");
	lab_down(md->lab);
	pthread_mutex_destroy(&md->lock);
	pthread_cond_destroy(&md->cond);
}

/* Wait until @n TX interrupts have been seen in all (5 s at most). */
static bool md_wait_tx(struct mini *md, unsigned int n)
{
	uint64_t end = mclock_now() + 5000000000ull;
	bool ok;

	pthread_mutex_lock(&md->lock);
	while (md->ntx < n && mclock_now() < end) {
		pthread_mutex_unlock(&md->lock);
		mclock_spend(20000);
		pthread_mutex_lock(&md->lock);
	}
	ok = md->ntx >= n;
	pthread_mutex_unlock(&md->lock);
	return ok;
}

/* A buffer of pages with a CPU address and a mapping for @dir. */
struct mbuf {
	pfn_t pfn;
	uint8_t *va;
	size_t len;
	dma_addr_t dma;
	enum dma_data_direction dir;
};

static void mbuf_get(struct mini *md, struct mbuf *b, size_t len, enum dma_data_direction dir)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < len)
		order++;
	b->len = len;
	b->dir = dir;
	b->va = NULL;
	if (pages_alloc(md->lab->pa, order, 500, true, &b->pfn))
		return;
	b->va = phys_to_virt(md->lab->m, b->pfn << PAGE_SHIFT);
	b->dma = dma_map_single(md->dev, b->va, len, dir);
}

static void mbuf_put(struct mini *md, struct mbuf *b, bool mapped)
{
	if (mapped)
		CHECK(dma_unmap_single(md->dev, b->dma, b->len, b->dir) == 0);
	page_put(md->lab->pa, b->pfn);
}

static void md_post(struct mini *md, dma_addr_t addr, uint32_t cap)
{
	md->rxr[md->rx_tail % MD_DEPTH] = (struct nic_rx_desc){ .addr = addr, .cap = cap };
	md->rx_tail++;
	CHECK(nic_rx_doorbell(md->nic, 0, md->rx_tail) == 0);
}

static void md_send(struct mini *md, dma_addr_t addr, uint32_t len)
{
	md->txr[md->tx_tail % MD_DEPTH] = (struct nic_tx_desc){
		.addr = addr, .len = len, .flags = NIC_TXF_EOP,
	};
	md->tx_tail++;
	CHECK(nic_tx_doorbell(md->nic, 0, md->tx_tail) == 0);
}

static void pattern(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 37 + i * 13 + (i >> 9));
}

/* Every TX packet lands, byte for byte, in the next posted RX buffer. */
static void test_device_loopback(void)
{
	static const size_t sizes[] = { 64, 1000, 4096, 5000, 9000, 65536, 1, 30000 };
	struct mbuf tx[ARRAY_SIZE(sizes)], rx[ARRAY_SIZE(sizes)];
	struct nic_stats st;
	struct mini md;
	uint64_t bytes = 0;

	REQUIRE(md_up(&md, 1));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		mbuf_get(&md, &rx[i], NIC_MAX_FRAME, DMA_FROM_DEVICE);
		REQUIRE(rx[i].va);
		md_post(&md, rx[i].dma, NIC_MAX_FRAME);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		mbuf_get(&md, &tx[i], sizes[i], DMA_TO_DEVICE);
		REQUIRE(tx[i].va);
		pattern(tx[i].va, sizes[i], (unsigned int)i);
		md_send(&md, tx[i].dma, (uint32_t)sizes[i]);
		bytes += sizes[i];
	}
	REQUIRE(md_wait_tx(&md, ARRAY_SIZE(sizes)), "every packet completes");
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *want = malloc(sizes[i]);

		pattern(want, sizes[i], (unsigned int)i);
		CHECK(md.txr[i].status == NIC_ST_OK, "packet %zu: TX status %s", i,
		      nic_status_name(md.txr[i].status));
		CHECK(md.rxr[i].status == NIC_ST_OK && md.rxr[i].len == sizes[i],
		      "packet %zu: RX status %u len %u", i, md.rxr[i].status, md.rxr[i].len);
		CHECK(md.tx_irqs[i] == 1 && md.rx_irqs[i] == 1, "one interrupt each");
		CHECK(!memcmp(rx[i].va, want, sizes[i]), "packet %zu: payload differs", i);
		free(want);
	}
	CHECK(md.bad_irq == 0);
	nic_stats_read(md.nic, &st);
	CHECK(st.packets == ARRAY_SIZE(sizes) && st.ok == ARRAY_SIZE(sizes) && st.bytes == bytes);
	CHECK(st.drops == 0 && st.tx_faults == 0 && st.rx_faults == 0);
	nic_stop(md.nic, true);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		mbuf_put(&md, &tx[i], true);
		mbuf_put(&md, &rx[i], true);
	}
	md_down(&md);
}

/* No RX buffer posted: the packet is dropped and counted; the ring goes on. */
static void test_device_no_rxbuf_drop(void)
{
	struct mbuf tx, rx;
	struct nic_stats st;
	struct mini md;

	REQUIRE(md_up(&md, 1));
	mbuf_get(&md, &tx, 512, DMA_TO_DEVICE);
	mbuf_get(&md, &rx, PAGE_SIZE, DMA_FROM_DEVICE);
	REQUIRE(tx.va && rx.va);
	pattern(tx.va, 512, 7);
	for (int i = 0; i < 3; i++)
		md_send(&md, tx.dma, 512);
	REQUIRE(md_wait_tx(&md, 3));
	for (int i = 0; i < 3; i++)
		CHECK(md.txr[i].status == NIC_ST_NO_RXBUF, "packet %d: %s", i,
		      nic_status_name(md.txr[i].status));
	CHECK(md.nrx == 0, "no RX interrupt for a dropped packet");
	md_post(&md, rx.dma, PAGE_SIZE);
	md_send(&md, tx.dma, 512);
	REQUIRE(md_wait_tx(&md, 4));
	CHECK(md.txr[3].status == NIC_ST_OK && md.rxr[0].status == NIC_ST_OK);
	CHECK(!memcmp(rx.va, tx.va, 512));
	nic_stats_read(md.nic, &st);
	CHECK(st.drops == 3 && st.ok == 1 && st.packets == 4, "drops %llu ok %llu",
	      (unsigned long long)st.drops, (unsigned long long)st.ok);
	nic_stop(md.nic, true);
	mbuf_put(&md, &tx, true);
	mbuf_put(&md, &rx, true);
	md_down(&md);
}

/*
 * Each fault fails its own packet with the right status and nothing else:
 * an unmapped TX buffer, an RX buffer too small, an unmapped RX buffer, a
 * descriptor of length 0; the packets around them are delivered.
 */
static void test_device_faults(void)
{
	struct mbuf tx, rx[4];
	struct nic_stats st;
	struct mini md;
	dma_addr_t gone_tx, gone_rx;
	uint64_t faults0, faults1;

	REQUIRE(md_up(&md, 1));
	faults0 = iommu_faults_read(md.lab->m, NULL, 0, NULL);
	mbuf_get(&md, &tx, 2000, DMA_TO_DEVICE);
	for (int i = 0; i < 4; i++)
		mbuf_get(&md, &rx[i], PAGE_SIZE, DMA_FROM_DEVICE);
	REQUIRE(tx.va && rx[0].va && rx[1].va && rx[2].va && rx[3].va);
	pattern(tx.va, 2000, 3);
	/* A TX buffer and an RX buffer that are no longer mapped. */
	gone_rx = rx[2].dma;
	CHECK(dma_unmap_single(md.dev, rx[2].dma, PAGE_SIZE, DMA_FROM_DEVICE) == 0);
	{
		struct mbuf t2;

		mbuf_get(&md, &t2, 2000, DMA_TO_DEVICE);
		REQUIRE(t2.va);
		gone_tx = t2.dma;
		mbuf_put(&md, &t2, true);
	}
	md_post(&md, rx[0].dma, PAGE_SIZE);
	md_post(&md, rx[1].dma, 100);
	md_post(&md, gone_rx, PAGE_SIZE);
	md_post(&md, rx[3].dma, PAGE_SIZE);
	md_send(&md, gone_tx, 2000);	/* 0: TX fault, uses no RX buffer */
	md_send(&md, tx.dma, 2000);	/* 1: -> rx[0] */
	md_send(&md, tx.dma, 2000);	/* 2: -> rx[1], too big */
	md_send(&md, tx.dma, 2000);	/* 3: -> rx[2], RX fault */
	md_send(&md, tx.dma, 0);	/* 4: invalid */
	md_send(&md, tx.dma, 2000);	/* 5: -> rx[3] */
	REQUIRE(md_wait_tx(&md, 6));
	CHECK(md.txr[0].status == NIC_ST_FAULT, "%s", nic_status_name(md.txr[0].status));
	CHECK(md.txr[1].status == NIC_ST_OK, "%s", nic_status_name(md.txr[1].status));
	CHECK(md.txr[2].status == NIC_ST_TOO_BIG, "%s", nic_status_name(md.txr[2].status));
	CHECK(md.txr[3].status == NIC_ST_RX_FAULT, "%s", nic_status_name(md.txr[3].status));
	CHECK(md.txr[4].status == NIC_ST_INVALID, "%s", nic_status_name(md.txr[4].status));
	CHECK(md.txr[5].status == NIC_ST_OK, "%s", nic_status_name(md.txr[5].status));
	CHECK(md.rxr[0].status == NIC_ST_OK && md.rxr[0].len == 2000);
	CHECK(md.rxr[1].status == NIC_ST_TOO_BIG && md.rxr[1].len == 0);
	CHECK(md.rxr[2].status == NIC_ST_RX_FAULT && md.rxr[2].len == 0);
	CHECK(md.rxr[3].status == NIC_ST_OK && md.rxr[3].len == 2000);
	CHECK(!memcmp(rx[0].va, tx.va, 2000) && !memcmp(rx[3].va, tx.va, 2000));
	CHECK(md.nrx == 4 && md.ntx == 6 && md.bad_irq == 0, "nrx %u ntx %u", md.nrx, md.ntx);
	nic_stats_read(md.nic, &st);
	CHECK(st.tx_faults == 1 && st.oversize == 1 && st.rx_faults == 1 && st.invalid == 1 &&
	      st.ok == 2 && st.drops == 0 && st.packets == 6);
	faults1 = iommu_faults_read(md.lab->m, NULL, 0, NULL);
	CHECK(faults1 - faults0 == 2, "two IOMMU faults recorded, got %llu",
	      (unsigned long long)(faults1 - faults0));
	nic_stop(md.nic, true);
	mbuf_put(&md, &tx, true);
	for (int i = 0; i < 4; i++)
		mbuf_put(&md, &rx[i], i != 2);
	md_down(&md);
}

/* Stop without drain: every packet rung in gets exactly one TX interrupt. */
static void test_device_stop_aborts(void)
{
	struct mbuf tx, rx;
	struct nic_stats st;
	struct mini md;

	REQUIRE(md_up(&md, 2));
	mbuf_get(&md, &tx, 4096, DMA_TO_DEVICE);
	mbuf_get(&md, &rx, 4096, DMA_FROM_DEVICE);
	REQUIRE(tx.va && rx.va);
	for (int i = 0; i < MD_DEPTH; i++)
		md_post(&md, rx.dma, PAGE_SIZE);
	for (int i = 0; i < MD_DEPTH; i++)
		md.txr[i] = (struct nic_tx_desc){ .addr = tx.dma, .len = 4096, .flags = NIC_TXF_EOP };
	CHECK(nic_tx_doorbell(md.nic, 0, MD_DEPTH) == 0);
	nic_stop(md.nic, false);
	CHECK(md.ntx == MD_DEPTH, "all %d packets completed, got %u", MD_DEPTH, md.ntx);
	for (int i = 0; i < MD_DEPTH; i++) {
		CHECK(md.tx_irqs[i] == 1, "slot %d: %u interrupts", i, md.tx_irqs[i]);
		CHECK(md.txr[i].status == NIC_ST_OK || md.txr[i].status == NIC_ST_ABORTED);
	}
	nic_stats_read(md.nic, &st);
	CHECK(st.ok + st.aborted == MD_DEPTH && st.ok == md.nrx);
	CHECK(nic_tx_doorbell(md.nic, 0, MD_DEPTH + 1) == -ENODEV, "stopped NIC refuses");
	mbuf_put(&md, &tx, true);
	mbuf_put(&md, &rx, true);
	md_down(&md);
}

/* Two queue pairs on two NIC threads: each keeps its order and its own RX ring. */
static void test_device_two_queues(void)
{
	struct lab *lab = lab_up(64, 2, "ideal");
	struct dma_device_opts o = { .type = DMA_DOMAIN_STRICT };
	struct nic_config nc = { .nqueues = 2, .nthreads = 2 };
	struct mini md[2];
	struct dma_device *dev;
	struct nic *nic;
	struct mbuf tx[2][16], rx[2][16];

	REQUIRE(lab);
	dev = dma_device_create(lab->os, "nic-2q", &o);
	REQUIRE(dev);
	nic = nic_create(dma_device_mdev(dev), &nc);
	REQUIRE(nic);
	CHECK(nic_start(nic) == -EINVAL, "start refused before queues are programmed");
	for (int q = 0; q < 2; q++) {
		struct nic_queue_regs regs = {
			.tx_depth = MD_DEPTH, .rx_depth = MD_DEPTH, .tx_done = md_tx, .rx = md_rx,
			.arg = &md[q],
		};

		memset(&md[q], 0, sizeof(md[q]));
		pthread_mutex_init(&md[q].lock, NULL);
		pthread_cond_init(&md[q].cond, NULL);
		md[q].lab = lab;
		md[q].queue = (unsigned int)q;
		md[q].dev = dev;
		md[q].nic = nic;
		md[q].txr = dma_alloc_coherent(dev, MD_DEPTH * sizeof(*md[q].txr), &md[q].txr_dma);
		md[q].rxr = dma_alloc_coherent(dev, MD_DEPTH * sizeof(*md[q].rxr), &md[q].rxr_dma);
		REQUIRE(md[q].txr && md[q].rxr);
		regs.tx_ring = md[q].txr_dma;
		regs.rx_ring = md[q].rxr_dma;
		CHECK(nic_set_queues(nic, (unsigned int)q, &regs) == 0);
	}
	REQUIRE(nic_start(nic) == 0);
	for (int q = 0; q < 2; q++)
		for (int i = 0; i < 16; i++) {
			mbuf_get(&md[q], &rx[q][i], PAGE_SIZE, DMA_FROM_DEVICE);
			mbuf_get(&md[q], &tx[q][i], 100 + 10 * i, DMA_TO_DEVICE);
			REQUIRE(rx[q][i].va && tx[q][i].va);
			pattern(tx[q][i].va, tx[q][i].len, (unsigned int)(q * 100 + i));
			md[q].rxr[i] = (struct nic_rx_desc){ .addr = rx[q][i].dma, .cap = PAGE_SIZE };
			md[q].txr[i] = (struct nic_tx_desc){
				.addr = tx[q][i].dma, .len = (uint32_t)tx[q][i].len, .flags = NIC_TXF_EOP,
			};
		}
	for (unsigned int q = 0; q < 2; q++) {
		CHECK(nic_rx_doorbell(nic, q, 16) == 0);
		CHECK(nic_tx_doorbell(nic, q, 16) == 0);
	}
	for (int q = 0; q < 2; q++)
		CHECK(md_wait_tx(&md[q], 16));
	nic_stop(nic, true);
	for (int q = 0; q < 2; q++)
		for (int i = 0; i < 16; i++) {
			CHECK(md[q].rxr[i].status == NIC_ST_OK && md[q].rxr[i].len == tx[q][i].len,
			      "queue %d packet %d lands in its own slot, in order", q, i);
			CHECK(!memcmp(rx[q][i].va, tx[q][i].va, tx[q][i].len));
			CHECK(md[q].bad_irq == 0, "interrupts name their queue");
			mbuf_put(&md[q], &rx[q][i], true);
			mbuf_put(&md[q], &tx[q][i], true);
		}
	nic_destroy(nic);
	for (int q = 0; q < 2; q++) {
		dma_free_coherent(dev, MD_DEPTH * sizeof(*md[q].txr), md[q].txr, md[q].txr_dma);
		dma_free_coherent(dev, MD_DEPTH * sizeof(*md[q].rxr), md[q].rxr, md[q].rxr_dma);
		pthread_mutex_destroy(&md[q].lock);
		pthread_cond_destroy(&md[q].cond);
	}
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(lab);
}

/* Misuse gets an error and changes nothing. */
static void test_device_misuse(void)
{
	struct nic_config bad = { .nqueues = NIC_MAX_QUEUES + 1 };
	struct nic_queue_regs regs = { .tx_depth = 8, .rx_depth = 8, .tx_done = md_tx, .rx = md_rx };
	struct mini md;

	REQUIRE(md_up(&md, 1));
	CHECK(nic_create(dma_device_mdev(md.dev), &bad) == NULL);
	CHECK(nic_create(NULL, NULL) == NULL);
	CHECK(nic_set_queues(md.nic, 0, &regs) == -EBUSY, "not while running");
	CHECK(nic_set_queues(md.nic, 1, &regs) == -EINVAL, "queue out of range");
	CHECK(nic_tx_doorbell(md.nic, 1, 1) == -EINVAL);
	CHECK(nic_tx_doorbell(md.nic, 0, MD_DEPTH + 1) == -EINVAL, "beyond the ring");
	CHECK(nic_rx_doorbell(md.nic, 0, MD_DEPTH + 1) == -EINVAL, "beyond the ring");
	CHECK(nic_rx_doorbell(md.nic, 0, 2) == 0);
	CHECK(nic_rx_doorbell(md.nic, 0, 1) == -EINVAL, "tail moves backwards");
	CHECK(nic_start(md.nic) == -EBUSY);
	nic_stop(md.nic, true);
	regs.tx_depth = 0;
	CHECK(nic_set_queues(md.nic, 0, &regs) == -EINVAL, "depth 0");
	md_down(&md);
}

/* ---- the driver --------------------------------------------------------------------- */

static struct nic_drv *drv_up(struct lab *lab, enum reuse_strategy s, unsigned int depth)
{
	struct nic_drv_config c = {
		.pair = reuse_strategy_pair(s),
		.tx_depth = depth, .rx_depth = depth, .rx_buf_size = 8192,
		.dma_debug = true,
	};
	char why[256] = "";
	struct nic_drv *drv = nic_drv_create(lab->os, &c, why, sizeof(why));

	if (!drv)
		fprintf(stderr, "  nic_drv_create: %s\n", why);
	return drv;
}

/* Collect events until @n TX completions came back; RX buffers are checked and released. */
static unsigned int drv_collect(struct nic_drv *drv, uint8_t **want, uint32_t *len,
				unsigned int n, unsigned int *rx_ok)
{
	unsigned int tx = 0, waits = 0;

	while (tx < n && waits < 50) {
		struct nic_drv_event ev[16];
		unsigned int k = nic_drv_poll(drv, 0, ev, 16, NULL);

		if (!k) {
			nic_drv_wait(drv, 0, 100000000ull);
			waits++;
			continue;
		}
		for (unsigned int i = 0; i < k; i++) {
			if (ev[i].kind == NIC_EV_TX_DONE) {
				CHECK(ev[i].cookie == tx, "TX completions in order");
				CHECK(ev[i].buf == want[tx] && ev[i].len == len[tx]);
				tx++;
				continue;
			}
			if (ev[i].status != NIC_ST_OK) {
				CHECK(0, "RX status %s", nic_status_name(ev[i].status));
				continue;
			}
			CHECK(ev[i].len == len[*rx_ok] && !memcmp(ev[i].buf, want[*rx_ok], ev[i].len),
			      "RX packet %u", *rx_ok);
			(*rx_ok)++;
			nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
		}
	}
	return tx;
}

/* xmit, poll, release by hand; every event in order; the counters add up. */
static void test_driver_by_hand(void)
{
	static const enum reuse_strategy ss[] = { RS_STRICT, RS_BOUNCE, RS_POOL, RS_PASSTHROUGH,
						  RS_BATCH };

	for (size_t si = 0; si < ARRAY_SIZE(ss); si++) {
		struct lab *lab = lab_up(64, 1, "ideal");
		struct nic_drv *drv;
		struct nic_drv_stats st;
		uint8_t *bufs[12];
		uint32_t len[12];
		pfn_t pfn[12];
		unsigned int rx_ok = 0;
		uint64_t ns = 0;

		REQUIRE(lab);
		if (ss[si] != RS_PASSTHROUGH)
			lab_install_safety_check(lab);
		drv = drv_up(lab, ss[si], 16);
		REQUIRE(drv, "%s", reuse_strategy_name(ss[si]));
		for (unsigned int i = 0; i < 12; i++) {
			len[i] = 64 + i * 600;
			REQUIRE(pages_alloc(lab->pa, 1, 501, false, &pfn[i]) == 0);
			bufs[i] = phys_to_virt(lab->m, pfn[i] << PAGE_SHIFT) + (i % 3) * 100;
			pattern(bufs[i], len[i], i);
			CHECK(nic_drv_xmit(drv, 0, bufs[i], len[i], i, &ns) == 0, "%s packet %u",
			      reuse_strategy_name(ss[si]), i);
		}
		CHECK(nic_drv_inflight(drv, 0) <= 12);
		CHECK(drv_collect(drv, bufs, len, 12, &rx_ok) == 12);
		CHECK(rx_ok == 12, "%s: %u packets received", reuse_strategy_name(ss[si]), rx_ok);
		CHECK(nic_drv_inflight(drv, 0) == 0);
		nic_drv_stats(drv, &st);
		CHECK(st.tx_sent == 12 && st.tx_ok == 12 && st.rx_packets == 12 && st.drops == 0);
		CHECK(ss[si] == RS_PASSTHROUGH || st.dma_ns > 0, "DMA-layer time measured");
		CHECK(st.dma_ns >= ns, "the caller's share is part of the total");
		CHECK(nic_drv_destroy(drv) == 0);
		for (unsigned int i = 0; i < 12; i++)
			page_put(lab->pa, pfn[i]);
		lab_down(lab);
	}
}

/* The ring full and the lack of RX credit are refused, not dropped; misuse too. */
static void test_driver_refusals(void)
{
	struct lab *lab = lab_up(64, 1, "ideal");
	struct nic_drv_config c = { .pair = reuse_strategy_pair(RS_STRICT), .tx_depth = 4,
				    .rx_depth = 2, .rx_buf_size = 4096 };
	struct nic_drv *drv;
	char why[256];
	uint8_t *va;
	pfn_t pfn;
	int r;

	REQUIRE(lab);
	REQUIRE(pages_alloc(lab->pa, 0, 502, true, &pfn) == 0);
	va = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	c.pair = reuse_strategy_pair(RS_REUSE);
	CHECK(nic_drv_create(lab->os, &c, why, sizeof(why)) == NULL, "reuse applies to no role");
	CHECK(strstr(why, "reuse n/a") != NULL, "%s", why);
	c.pair = reuse_strategy_pair(RS_STRICT);
	c.rx_buf_size = 10;
	CHECK(nic_drv_create(lab->os, &c, why, sizeof(why)) == NULL);
	CHECK(strstr(why, "rx_buf_size 10") != NULL, "names the value: %s", why);
	c.rx_buf_size = 4096;
	drv = nic_drv_create(lab->os, &c, why, sizeof(why));
	REQUIRE(drv, "%s", why);
	CHECK(nic_drv_xmit(drv, 1, va, 100, 0, NULL) == -EINVAL, "queue out of range");
	CHECK(nic_drv_xmit(drv, 0, va, 0, 0, NULL) == -EINVAL, "empty packet");
	CHECK(nic_drv_xmit(drv, 0, va, NIC_MAX_FRAME + 1, 0, NULL) == -EINVAL, "too long");
	/* Two RX buffers posted: the third packet has no credit. */
	CHECK(nic_drv_xmit(drv, 0, va, 100, 0, NULL) == 0);
	CHECK(nic_drv_xmit(drv, 0, va, 100, 1, NULL) == 0);
	r = nic_drv_xmit(drv, 0, va, 100, 2, NULL);
	CHECK(r == -ENOSPC, "no RX credit: %d", r);
	nic_drv_stop(drv);
	{
		struct nic_drv_event ev[8];
		unsigned int n = 0, k;

		while ((k = nic_drv_poll(drv, 0, ev, 8, NULL)))
			for (unsigned int i = 0; i < k; i++, n++)
				if (ev[i].kind == NIC_EV_RX && ev[i].status == NIC_ST_OK)
					nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
		CHECK(nic_drv_inflight(drv, 0) == 0, "stopped: everything collected");
	}
	CHECK(nic_drv_destroy(drv) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/*
 * A packet longer than the RX buffers: TX and RX both end TOO_BIG, the RX
 * buffer is recycled and reported without a buffer; the next packet fits.
 */
static void test_driver_rx_error_event(void)
{
	struct lab *lab = lab_up(64, 1, "ideal");
	struct nic_drv_config c = { .pair = reuse_strategy_pair(RS_STRICT), .rx_buf_size = 4096,
				    .dma_debug = true };
	struct nic_drv_event ev[8];
	struct nic_drv_stats st;
	struct nic_drv *drv;
	unsigned int got = 0, n, waits = 0;
	bool tx_big = false, rx_big = false, rx_ok = false;
	char why[256];
	uint8_t *va;
	pfn_t pfn;

	REQUIRE(lab);
	lab_install_safety_check(lab);
	REQUIRE(pages_alloc(lab->pa, 1, 504, true, &pfn) == 0);
	va = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	pattern(va, 8192, 1);
	drv = nic_drv_create(lab->os, &c, why, sizeof(why));
	REQUIRE(drv, "%s", why);
	CHECK(nic_drv_xmit(drv, 0, va, 5000, 0, NULL) == 0);
	CHECK(nic_drv_xmit(drv, 0, va, 3000, 1, NULL) == 0);
	while (got < 4 && waits < 50) {
		n = nic_drv_poll(drv, 0, ev, 8, NULL);
		if (!n) {
			nic_drv_wait(drv, 0, 100000000ull);
			waits++;
		}
		for (unsigned int i = 0; i < n; i++, got++) {
			if (ev[i].kind == NIC_EV_TX_DONE) {
				tx_big |= ev[i].cookie == 0 && ev[i].status == NIC_ST_TOO_BIG;
				continue;
			}
			if (ev[i].status == NIC_ST_TOO_BIG) {
				rx_big = !ev[i].buf && !ev[i].rx.pfn;
				/* Misuse: the event has no buffer; refused, nothing changes. */
				nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
				continue;
			}
			rx_ok = ev[i].status == NIC_ST_OK && ev[i].len == 3000 &&
				!memcmp(ev[i].buf, va, 3000);
			nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
		}
	}
	CHECK(got == 4, "two TX and two RX events, got %u", got);
	CHECK(tx_big && rx_big && rx_ok, "too-big reported on both sides, next packet fine");
	nic_drv_stats(drv, &st);
	CHECK(st.rx_errors == 1 && st.rx_packets == 1 && st.tx_failed == 1 && st.tx_ok == 1);
	CHECK(nic_drv_destroy(drv) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* Destroy with packets in flight: reported, unmapped, the buffers left to their owner. */
static void test_driver_destroy_in_flight(void)
{
	struct lab *lab = lab_up(64, 1, "ideal");
	struct nic_drv *drv;
	uint8_t *va;
	pfn_t pfn;

	REQUIRE(lab);
	lab_install_safety_check(lab);
	REQUIRE(pages_alloc(lab->pa, 0, 503, true, &pfn) == 0);
	va = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	drv = drv_up(lab, RS_STRICT, 8);
	REQUIRE(drv);
	CHECK(nic_drv_xmit(drv, 0, va, 300, 0, NULL) == 0);
	CHECK(nic_drv_xmit(drv, 0, va + 512, 300, 1, NULL) == 0);
	CHECK(nic_drv_destroy(drv) == -EBUSY, "two TX buffers reported");
	CHECK(iommu_frame_reachable(lab->m, pfn) == 0, "nothing maps the buffer any more");
	page_put(lab->pa, pfn);
	lab_down(lab);
}

/* ---- the whole stack ------------------------------------------------------------------ */

static const enum reuse_strategy applicable[] = {
	RS_PASSTHROUGH, RS_STRICT, RS_LAZY, RS_BOUNCE, RS_POOL, RS_CACHE, RS_IOVA_LINK, RS_AUTO,
	RS_BATCH,
};

static bool run_on_lab(struct lab *lab, struct net_params *p, struct wl_result *r,
		       struct net_stats *st)
{
	char err[256] = "";
	int ret;

	p->os = lab->os;
	p->debug = true;
	ret = net_run(p, r, st, err, sizeof(err));
	CHECK(ret == 0, "%s, %u threads: net_run: %d %s",
	      reuse_use_name(p->pair.mode, p->pair.mech), p->threads, ret, err);
	return ret == 0;
}

/* Every strategy that applies: every packet verified, 1 and 2 CPU threads. */
static void test_every_strategy_end_to_end(void)
{
	for (unsigned int threads = 1; threads <= 2; threads++)
		for (size_t si = 0; si < ARRAY_SIZE(applicable); si++) {
			enum reuse_strategy s = applicable[si];
			struct lab *lab = lab_up(256, 2, "ideal");
			struct net_params p = {
				.pair = reuse_strategy_pair(s),
				.threads = threads, .packets = 400, .seed = 11 + si,
			};
			struct wl_result r;
			struct net_stats st;
			uint64_t viol0 = lab_safety_violations();

			REQUIRE(lab);
			if (s != RS_LAZY && s != RS_PASSTHROUGH)
				lab_install_safety_check(lab);
			if (run_on_lab(lab, &p, &r, &st)) {
				CHECK(r.ops == 400 && r.verified == 400 && r.failed == 0,
				      "%s/%u: ops %llu verified %llu failed %llu", reuse_strategy_name(s),
				      threads, (unsigned long long)r.ops, (unsigned long long)r.verified,
				      (unsigned long long)r.failed);
				CHECK(st.nic.drops == 0 && st.drv.map_errors == 0 && st.corrupt == 0);
				CHECK(r.lat.n == 400, "a latency per packet");
				CHECK(r.bytes > 400 * 64, "bytes counted");
				CHECK(s == RS_PASSTHROUGH || r.dma_cpu_ns > 0);
				CHECK(r.note[0], "the note says what each role uses");
				if (s == RS_POOL)
					CHECK(strstr(r.note, "pool n/a") && strstr(r.note, "rx: pool"),
					      "%s", r.note);
				if (s == RS_BOUNCE) {
					CHECK(r.reuse.bytes_copied >= 2 * r.bytes && r.reuse.maps == 0,
					      "bounce copies both ways and maps nothing per packet");
					CHECK(strstr(r.note, "; bounce copies in: 1 KiB "),
					      "the note says how TX copies: %s", r.note);
				}
				if (s == RS_STRICT)
					CHECK(r.reuse.maps >= 800 && r.reuse.invalidations >= 800,
					      "strict maps and invalidates TX and RX per packet");
				CHECK(st.slab_pages_max > 0, "small packets came from the slab");
			}
			CHECK(lab_safety_violations() == viol0, "%s: safety rule broken",
			      reuse_strategy_name(s));
			lab_down(lab);
		}
}

/*
 * A TX buffer unmapped before the NIC reads it: an IOMMU fault under the
 * strategies that unmap for real, one packet failed and nothing else lost;
 * under passthrough the NIC reads it anyway (no isolation).
 */
static void test_unmapped_tx_buffer_faults(void)
{
	static const enum reuse_strategy ss[] = { RS_STRICT, RS_LAZY, RS_IOVA_LINK,
						  RS_PASSTHROUGH, RS_BATCH };

	for (unsigned int threads = 1; threads <= 2; threads++)
		for (size_t si = 0; si < ARRAY_SIZE(ss); si++) {
			struct lab *lab = lab_up(256, 2, "ideal");
			struct net_params p = {
				.pair = reuse_strategy_pair(ss[si]),
				.threads = threads, .packets = 100, .seed = 5,
				.size = 1500, .fault_nth = 7,
			};
			bool isolating = ss[si] != RS_PASSTHROUGH;
			struct wl_result r;
			struct net_stats st;

			REQUIRE(lab);
			if (run_on_lab(lab, &p, &r, &st)) {
				CHECK(r.ops == 100, "every packet accounted for");
				CHECK(r.failed == (isolating ? threads : 0) &&
				      r.verified == 100 - r.failed,
				      "%s/%u: failed %llu verified %llu", reuse_strategy_name(ss[si]),
				      threads, (unsigned long long)r.failed,
				      (unsigned long long)r.verified);
				/*
				 * One CPU: the device's read of the unmapped
				 * IOVA faults.  Two CPUs on the host clock: the
				 * other CPU may be handed the freed IOVA (batch
				 * frees it at a flush that a CPU sharing the
				 * batch can run) before the NIC reads it, so
				 * the read lands in that CPU's lent buffer --
				 * not a breach, a wrong payload.  Either way the
				 * packet fails and nothing else does.
				 */
				uint64_t bad = st.drv.tx_faults + (threads > 1 ? st.corrupt : 0);

				CHECK(bad == (isolating ? threads : 0) &&
				      st.nic.tx_faults == st.drv.tx_faults,
				      "%s/%u: the NIC saw the fault: tx_faults %llu corrupt %llu",
				      reuse_strategy_name(ss[si]), threads,
				      (unsigned long long)st.drv.tx_faults,
				      (unsigned long long)st.corrupt);
				CHECK(st.nic.drops == 0 && (threads > 1 || st.corrupt == 0),
				      "nothing else lost: drops %llu corrupt %llu",
				      (unsigned long long)st.nic.drops, (unsigned long long)st.corrupt);
				CHECK(!isolating || r.iommu.faults == st.drv.tx_faults,
				      "IOMMU faults %llu", (unsigned long long)r.iommu.faults);
			}
			lab_down(lab);
		}
}

/*
 * batch: a poll is a completion pass.  What it returns comes after the
 * pass's one flush -- no translation reaches a TX buffer whose completion
 * tells the owner it may free it, nor an RX buffer handed up -- and after
 * it the batch holds nothing; the one flush per pass covers TX and RX
 * unmaps alike.  RX buffers sit in the queue's ring block unless
 * rx_scattered asks for an IOVA each.
 */
static void test_batch_poll_flushes_before_completions(void)
{
	for (int scattered = 0; scattered <= 1; scattered++) {
		struct lab *lab = lab_up(64, 1, "ideal");
		struct nic_drv_config c = {
			.pair = reuse_strategy_pair(RS_BATCH), .tx_depth = 16, .rx_depth = 16,
			.rx_buf_size = 8192, .dma_debug = true, .rx_scattered = scattered,
		};
		struct reuse_stats rs;
		unsigned int tx = 0, rx = 0, polls = 0, passes = 0;
		struct nic_drv *drv;
		uint8_t *bufs[12];
		pfn_t pfn[12];
		char why[256] = "";

		REQUIRE(lab);
		lab_install_safety_check(lab);
		drv = nic_drv_create(lab->os, &c, why, sizeof(why));
		REQUIRE(drv, "%s", why);
		CHECK(strstr(nic_drv_note(drv), scattered ? "an IOVA per buffer" :
			     "a ring: one IOVA block per queue") &&
		      strstr(nic_drv_note(drv), "64 unmaps per batch, a flush per poll"), "%s",
		      nic_drv_note(drv));
		for (unsigned int i = 0; i < 12; i++) {
			REQUIRE(pages_alloc(lab->pa, 1, 501, false, &pfn[i]) == 0);
			bufs[i] = phys_to_virt(lab->m, pfn[i] << PAGE_SHIFT);
			pattern(bufs[i], 5000, i);
			REQUIRE(nic_drv_xmit(drv, 0, bufs[i], 5000, i, NULL) == 0);
		}
		while ((tx < 12 || rx < 12) && polls++ < 200) {
			struct nic_drv_event ev[16];
			unsigned int k = nic_drv_poll(drv, 0, ev, 16, NULL);

			if (!k) {
				nic_drv_wait(drv, 0, 100000000ull);
				continue;
			}
			passes++;
			nic_drv_reuse_stats(drv, &rs);
			CHECK(rs.pages_pinned == 0, "the batch holds %llu pages after a pass",
			      (unsigned long long)rs.pages_pinned);
			for (unsigned int i = 0; i < k; i++) {
				pfn_t f = virt_to_phys(lab->m, ev[i].buf) >> PAGE_SHIFT;

				CHECK(iommu_frame_reachable(lab->m, f) == 0 &&
				      iommu_frame_reachable(lab->m, f + 1) == 0,
				      "%s %u returned while still reachable",
				      ev[i].kind == NIC_EV_TX_DONE ? "TX buffer" : "RX buffer", i);
				if (ev[i].kind == NIC_EV_TX_DONE) {
					tx++;
					page_put(lab->pa, pfn[ev[i].cookie]);	/* freed at once */
				} else {
					CHECK(ev[i].status == NIC_ST_OK &&
					      !memcmp(ev[i].buf, bufs[rx], 5000),
					      "RX packet %u", rx);
					rx++;
					nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
				}
			}
		}
		CHECK(tx == 12 && rx == 12, "tx %u rx %u", tx, rx);
		nic_drv_reuse_stats(drv, &rs);
		CHECK(rs.flushes == passes && rs.deferred == 24,
		      "one flush per pass: %llu flushes, %u passes, %llu unmaps deferred",
		      (unsigned long long)rs.flushes, passes, (unsigned long long)rs.deferred);
		CHECK(nic_drv_destroy(drv) == 0);
		CHECK(lab_safety_violations() == 0);
		lab_down(lab);
	}
}

/* batch's size: the driver's, else the profile's batch_size, else 64. */
static void test_batch_size_from_profile(void)
{
	char dir[] = "/tmp/test_nic.XXXXXX", path[64];
	struct nic_drv_config c = { .pair = reuse_strategy_pair(RS_BATCH), .tx_depth = 8,
				    .rx_depth = 8, .rx_buf_size = 4096 };
	struct nic_drv *drv;
	struct lab *lab;
	char why[256] = "";
	FILE *f;

	REQUIRE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b4.profile", dir);
	f = fopen(path, "w");
	REQUIRE(f);
	fprintf(f, "based_on = ideal\nname = ideal-b4\nbatch_size = 4\n");
	fclose(f);
	lab = lab_up(64, 1, path);
	REQUIRE(lab);
	drv = nic_drv_create(lab->os, &c, why, sizeof(why));
	REQUIRE(drv, "%s", why);
	CHECK(strstr(nic_drv_note(drv), " 4 unmaps per batch"), "%s", nic_drv_note(drv));
	CHECK(nic_drv_destroy(drv) == 0);
	c.batch_size = 16;
	drv = nic_drv_create(lab->os, &c, why, sizeof(why));
	REQUIRE(drv, "%s", why);
	CHECK(strstr(nic_drv_note(drv), " 16 unmaps per batch"), "the driver's size wins: %s",
	      nic_drv_note(drv));
	CHECK(nic_drv_destroy(drv) == 0);
	c.batch_size = 4097;
	CHECK(nic_drv_create(lab->os, &c, why, sizeof(why)) == NULL &&
	      strstr(why, "batch_size 4097: expected 1..4096"), "%s", why);
	lab_down(lab);
	remove(path);
	rmdir(dir);
}

/* No RX buffer posted: every packet is a counted drop and the run still ends. */
static void test_no_rx_buffer_drops(void)
{
	struct lab *lab = lab_up(128, 1, "ideal");
	struct net_params p = {
		.pair = reuse_strategy_pair(RS_STRICT),
		.threads = 1, .packets = 10, .seed = 9, .size = 256,
		.no_rx_post = true,
	};
	struct wl_result r;
	struct net_stats st;

	REQUIRE(lab);
	if (run_on_lab(lab, &p, &r, &st)) {
		CHECK(r.ops == 10 && r.failed == 10 && r.verified == 0);
		CHECK(st.nic.drops == 10 && st.drv.drops == 10, "drops %llu/%llu",
		      (unsigned long long)st.nic.drops, (unsigned long long)st.drv.drops);
		CHECK(st.drv.rx_posted == 0 && st.tx_failed == 10);
	}
	lab_down(lab);
}

/*
 * Regression (found by the soak's fault injection): an RX buffer the
 * driver could not allocate when it refilled the ring was counted nowhere
 * -- the ring just ran one short until a later poll.  It is counted now,
 * and the next poll posts the buffer after all.
 */
static void test_rx_buffer_alloc_failure_is_counted(void)
{
	struct lab *lab = lab_up(64, 1, "ideal");
	struct nic_drv_config c = { .pair = reuse_strategy_pair(RS_STRICT), .tx_depth = 4,
				    .rx_depth = 4, .rx_buf_size = 4096 };
	struct nic_drv_event ev[8];
	struct nic_drv_stats st0, st;
	struct nic_drv *drv;
	unsigned int got = 0, waits = 0;
	bool fired;
	char why[256];
	uint8_t *va;
	pfn_t pfn;

	REQUIRE(lab);
	REQUIRE(pages_alloc(lab->pa, 0, 505, true, &pfn) == 0);
	va = phys_to_virt(lab->m, pfn << PAGE_SHIFT);
	pattern(va, 1000, 3);
	drv = nic_drv_create(lab->os, &c, why, sizeof(why));
	REQUIRE(drv, "%s", why);
	nic_drv_stats(drv, &st0);
	CHECK(st0.rx_alloc_failed == 0);
	CHECK(nic_drv_xmit(drv, 0, va, 1000, 0, NULL) == 0);
	/* Both completions in; then the poll that collects them refills -- and fails. */
	while (nic_drv_inflight(drv, 0) && waits++ < 50)
		nic_drv_wait(drv, 0, 100000000ull);
	failinject_arm(1);
	while (got < 2 && waits++ < 100) {
		unsigned int n = nic_drv_poll(drv, 0, ev, 8, NULL);

		for (unsigned int i = 0; i < n; i++, got++)
			if (ev[i].kind == NIC_EV_RX)
				nic_drv_rx_release(drv, 0, &ev[i].rx, NULL);
		if (!n)
			nic_drv_wait(drv, 0, 100000000ull);
	}
	fired = failinject_disarm();
	nic_drv_stats(drv, &st);
	CHECK(got == 2 && fired, "got %u events, injected failure %s", got,
	      fired ? "fired" : "did not fire");
	CHECK(st.rx_alloc_failed == 1, "rx_alloc_failed %llu (want 1)",
	      (unsigned long long)st.rx_alloc_failed);
	/* A later poll posts the buffer after all: the ring is full again (4 + 1). */
	for (waits = 0; st.rx_posted < 5 && waits < 10; waits++) {
		nic_drv_poll(drv, 0, ev, 8, NULL);
		nic_drv_stats(drv, &st);
	}
	CHECK(st.rx_posted == 5 && st.rx_alloc_failed == 1, "the next poll refills: posted %llu",
	      (unsigned long long)st.rx_posted);
	CHECK(nic_drv_destroy(drv) == 0);
	page_put(lab->pa, pfn);
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_device_loopback),
		TEST(test_rx_buffer_alloc_failure_is_counted),
		TEST(test_device_no_rxbuf_drop),
		TEST(test_device_faults),
		TEST(test_device_stop_aborts),
		TEST(test_device_two_queues),
		TEST(test_device_misuse),
		TEST(test_driver_by_hand),
		TEST(test_driver_refusals),
		TEST(test_driver_rx_error_event),
		TEST(test_driver_destroy_in_flight),
		TEST(test_every_strategy_end_to_end),
		TEST(test_unmapped_tx_buffer_faults),
		TEST(test_no_rx_buffer_drops),
		TEST(test_batch_poll_flushes_before_completions),
		TEST(test_batch_size_from_profile),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
