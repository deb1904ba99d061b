// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * net.c - the net workload (what it does and reports: net.h).
 *
 * A CPU thread is a NAPI loop on its queue pair: transmit while the driver
 * takes packets (-ENOSPC: ring full or no RX buffer posted for it), then
 * poll; TX completions free their buffers, received packets are verified
 * and released.  It sleeps on the queue (nic_drv_wait) only when a round
 * made no progress.  A packet it could not hand over is kept and offered
 * again, so its sequence number and content do not depend on timing.
 *
 * The upper layer's allocator: packets of up to SLAB_MAX_SIZE bytes come
 * from a per-CPU slab (os/slab.c: kmalloc's power-of-two classes, several
 * packets to a page); larger packets get a block of pages of their own.
 *
 * Payload: a 16-byte header {magic, cpu, len, seq} and then splitmix64
 * output seeded from (seed, cpu, seq).  The receiver regenerates the whole
 * packet from the header and compares it 8 bytes at a time.
 *
 * Every thread owns its slab, its queue pair and its counters; the only
 * shared state is the driver (per-queue objects) and the machine.
 *
 * Size: just over 800 lines: the NAPI loop, the packet checker and the
 * result folding share the per-thread state; the allocator the stack uses
 * is in os/ (slab.c).
 */
#include "wl_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/net.h>
#include <dmareuse/oracle.h>
#include <dmareuse/rogue.h>
#include <dmareuse/slab.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_MAGIC 0x4e54u		/* "NT" */
#define NET_OWNER_SLAB 0x4e4554u	/* page owner tags: slab pages ... */
#define NET_OWNER_PAGES 0x4e4550u	/* ... and page-allocated packets */
#define EV_BATCH 64
#define MAINTAIN_EVERY 32		/* packets between cache reclaim passes */
#define WAIT_NS 1000000000ull		/* one nic_drv_wait() */
#define STALL_WAITS 10			/* empty waits in a row that mean a stall */

struct net_hdr {
	uint16_t magic;
	uint16_t cpu;
	uint32_t len;
	uint64_t seq;
};

_Static_assert(sizeof(struct net_hdr) == 16, "net_hdr is 16 bytes");

/* ---- payload -------------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t packet_key(uint64_t seed, unsigned int cpu, uint64_t seq)
{
	return mix64(seed ^ mix64(((uint64_t)cpu << 48) ^ seq ^ 0x6e6574ull));
}

void net_fill_payload(uint8_t *buf, uint32_t len, uint64_t seed, unsigned int cpu,
		      uint64_t seq)
{
	struct net_hdr h = { NET_MAGIC, (uint16_t)cpu, len, seq };
	uint64_t s = packet_key(seed, cpu, seq), v;
	uint32_t i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i + 8 <= len; i += 8) {
		s += 0x9e3779b97f4a7c15ull;
		v = mix64(s);
		memcpy(buf + i, &v, 8);
	}
	s += 0x9e3779b97f4a7c15ull;
	v = mix64(s);
	memcpy(buf + i, &v, len - i);
}

bool net_check_payload(const uint8_t *buf, uint32_t len, uint64_t seed,
		       unsigned int *cpu, uint64_t *seq)
{
	struct net_hdr h;
	uint64_t s, v;
	uint32_t i;

	if (len < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	*cpu = h.cpu;
	*seq = h.seq;
	if (h.magic != NET_MAGIC || h.len != len)
		return false;
	s = packet_key(seed, h.cpu, h.seq);
	for (i = sizeof(h); i + 8 <= len; i += 8) {
		s += 0x9e3779b97f4a7c15ull;
		v = mix64(s);
		if (memcmp(buf + i, &v, 8))
			return false;
	}
	s += 0x9e3779b97f4a7c15ull;
	v = mix64(s);
	return !memcmp(buf + i, &v, len - i);
}

/* ---- sizes ------------------------------------------------------------------------ */

void net_default_mix(struct net_params *p)
{
	static const struct net_band def[] = {
		{ 64, 1500, 50 }, { 1500, 9000, 30 }, { 9000, NIC_MAX_FRAME, 20 },
	};

	memcpy(p->mix, def, sizeof(def));
	p->nbands = ARRAY_SIZE(def);
}

uint32_t net_packet_size(const struct net_params *p, unsigned int cpu, uint64_t seq)
{
	uint64_t h = mix64(packet_key(p->seed, cpu, seq) ^ 0x73697a65ull);
	unsigned int total = 0, pick;

	if (p->size)
		return p->size;
	for (unsigned int b = 0; b < p->nbands; b++)
		total += p->mix[b].weight;
	pick = (unsigned int)(h % total);
	for (unsigned int b = 0; b < p->nbands; b++) {
		const struct net_band *bd = &p->mix[b];

		if (pick < bd->weight)
			return bd->lo + (uint32_t)((h >> 32) % (bd->hi - bd->lo + 1));
		pick -= bd->weight;
	}
	return p->mix[p->nbands - 1].hi;
}

/* Largest packet @p can send. */
static uint32_t max_packet(const struct net_params *p)
{
	uint32_t mx = 0;

	if (p->size)
		return p->size;
	for (unsigned int b = 0; b < p->nbands; b++)
		if (p->mix[b].weight && p->mix[b].hi > mx)
			mx = p->mix[b].hi;
	return mx;
}

static bool band_ok(const struct net_band *b)
{
	return b->lo >= NET_MIN_PACKET && b->hi <= NIC_MAX_FRAME && b->lo <= b->hi;
}

int net_parse_mix(const char *s, struct net_params *p, char *err, size_t errlen)
{
	const char *at = s;
	unsigned int n = 0, total = 0;

	while (*at) {
		struct net_band b;
		unsigned long w, lo, hi;
		char *end;

		if (n == NET_MAX_BANDS) {
			snprintf(err, errlen, "--mix '%s': at most %d bands", s, NET_MAX_BANDS);
			return -EINVAL;
		}
		w = strtoul(at, &end, 10);
		if (end == at || *end != ':')
			goto bad;
		at = end + 1;
		lo = strtoul(at, &end, 10);
		if (end == at || *end != '-')
			goto bad;
		at = end + 1;
		hi = strtoul(at, &end, 10);
		if (end == at || (*end && *end != ','))
			goto bad;
		b = (struct net_band){ (uint32_t)lo, (uint32_t)hi, (unsigned int)w };
		if (lo > NIC_MAX_FRAME || hi > NIC_MAX_FRAME || w > 1000000 || !band_ok(&b)) {
			snprintf(err, errlen, "--mix '%s': band %u (%lu:%lu-%lu): expected "
				 "%d <= LO <= HI <= %d and a weight up to 1000000", s, n + 1, w, lo,
				 hi, NET_MIN_PACKET, NIC_MAX_FRAME);
			return -EINVAL;
		}
		p->mix[n++] = b;
		total += (unsigned int)w;
		at = *end ? end + 1 : end;
	}
	if (!n || !total) {
		snprintf(err, errlen, "--mix '%s': expected at least one band with a nonzero "
			 "weight", s);
		return -EINVAL;
	}
	p->nbands = n;
	return 0;
bad:
	snprintf(err, errlen, "--mix '%s': expected WEIGHT:LO-HI[,WEIGHT:LO-HI...], e.g. "
		 "50:64-1500,30:1500-9000,20:9000-65536", s);
	return -EINVAL;
}

const char *net_why_not(struct reuse_pair p)
{
	return nic_drv_why_not(p);
}

/* ---- a CPU thread -------------------------------------------------------------------- */

struct worker {
	struct mthread tid;
	bool started;
	unsigned int cpu;
	const struct net_params *p;
	struct nic_drv *drv;
	uint64_t quota;			/* packets to send; 0 = until deadline */
	uint64_t deadline;
	struct slab *slab;		/* this CPU's: packets up to SLAB_MAX_SIZE */
	struct page_alloc *pa;		/* larger packets */
	struct machine *m;
	uint64_t *sub_t, *sub_seq;	/* transmit stamps by seq % win */
	size_t win;
	/* results */
	uint64_t sent, verified, failed, bytes, dma_ns, tx_failed, corrupt;
	uint64_t warm_ns;		/* dma_ns when the warm-up packets were sent */
	bool warm;			/* ... and they have been */
	uint64_t tx_ok, rx_ok, next_rx, lost;
	uint64_t rx_used;		/* TX completions whose packet used an RX descriptor */
	uint64_t rx_reaped;		/* RX completions collected, good or not */
	struct wl_latency lat;
	int err;
	char why[160];
};

/* The upper layer's allocator: the CPU's slab, or a block of pages. */
static void *buf_alloc(struct worker *w, uint32_t len)
{
	unsigned int order = 0;
	pfn_t pfn;

	if (len <= SLAB_MAX_SIZE)
		return slab_alloc(w->slab, len);
	while ((PAGE_SIZE << order) < len)
		order++;
	if (pages_alloc(w->pa, order, NET_OWNER_PAGES, false, &pfn))
		return NULL;
	return phys_to_virt(w->m, pfn << PAGE_SHIFT);
}

static void buf_free(struct worker *w, void *p, uint32_t len)
{
	if (len <= SLAB_MAX_SIZE)
		slab_free(w->slab, p);
	else
		page_put(w->pa, virt_to_phys(w->m, p) >> PAGE_SHIFT);
}

static void on_rx(struct worker *w, const struct nic_drv_event *ev, uint64_t now)
{
	unsigned int cpu;
	uint64_t seq;
	bool good;

	w->rx_reaped++;
	if (ev->status != NIC_ST_OK)
		return;		/* its packet is accounted for at the end (lost) */
	w->rx_ok++;
	good = net_check_payload(ev->buf, ev->len, w->p->seed, &cpu, &seq);
	/* Per queue pair the NIC keeps order: packets arrive by rising seq. */
	if (good && (cpu != w->cpu || seq < w->next_rx))
		good = false;
	if (good) {
		size_t k = seq & (w->win - 1);

		w->next_rx = seq + 1;
		w->verified++;
		w->bytes += ev->len;
		if (w->sub_seq[k] == seq)
			wl_latency_add(&w->lat, (uint64_t)mclock_stamp_ns(now - w->sub_t[k]));
	} else {
		w->failed++;
		w->corrupt++;
	}
	nic_drv_rx_release(w->drv, w->cpu, &ev->rx, &w->dma_ns);
}

static void on_tx_done(struct worker *w, const struct nic_drv_event *ev)
{
	buf_free(w, ev->buf, ev->len);
	if (ev->status == NIC_ST_OK || ev->status == NIC_ST_TOO_BIG ||
	    ev->status == NIC_ST_RX_FAULT)
		w->rx_used++;
	if (ev->status == NIC_ST_OK) {
		w->tx_ok++;
	} else {
		w->failed++;
		w->tx_failed++;
	}
}

/* Poll once; returns events handled. */
static unsigned int poll_once(struct worker *w)
{
	struct nic_drv_event ev[EV_BATCH];
	unsigned int n = nic_drv_poll(w->drv, w->cpu, ev, EV_BATCH, &w->dma_ns);
	uint64_t now = mclock_stamp();

	for (unsigned int i = 0; i < n; i++) {
		if (ev[i].kind == NIC_EV_RX)
			on_rx(w, &ev[i], now);
		else
			on_tx_done(w, &ev[i]);
	}
	return n;
}

/*
 * Packets the NIC reported sent whose RX descriptor came back without them
 * (an error status, e.g. a write-back a rogue device undid): lost.
 */
static void account_lost(struct worker *w)
{
	if (w->tx_ok > w->rx_ok) {
		w->lost += w->tx_ok - w->rx_ok;
		w->failed += w->tx_ok - w->rx_ok;
		w->rx_ok = w->tx_ok;
	}
}

static bool more_to_send(struct worker *w, uint64_t seq)
{
	return w->quota ? seq < w->quota : mclock_now() < w->deadline;
}

static void run_queue(struct worker *w)
{
	const struct net_params *p = w->p;
	unsigned int stalls = 0;
	uint64_t seq = 0;
	void *pend = NULL;		/* filled, not yet taken by the driver */
	uint32_t pend_len = 0;
	bool sending = true;

	for (;;) {
		unsigned int progress = 0;

		while (sending) {
			int r;

			if (!pend) {
				if (!more_to_send(w, seq)) {
					sending = false;
					break;
				}
				pend_len = net_packet_size(p, w->cpu, seq);
				pend = buf_alloc(w, pend_len);
				if (!pend) {
					w->err = -ENOMEM;
					snprintf(w->why, sizeof(w->why), "cpu %u: out of memory for "
						 "a %" PRIu32 "-byte packet", w->cpu, pend_len);
					sending = false;
					break;
				}
				net_fill_payload(pend, pend_len, p->seed, w->cpu, seq);
			}
			w->sub_t[seq & (w->win - 1)] = mclock_stamp();
			w->sub_seq[seq & (w->win - 1)] = seq;
			r = nic_drv_xmit(w->drv, w->cpu, pend, pend_len, seq, &w->dma_ns);
			if (r == -ENOSPC || (r == -ENOMEM && nic_drv_inflight(w->drv, w->cpu)))
				break;	/* poll, then offer it again */
			if (r == -ENOMEM) {
				/* Nothing in flight to wait for: this packet fails. */
				buf_free(w, pend, pend_len);
				w->failed++;
				w->tx_failed++;
			} else if (r) {
				w->err = r;
				snprintf(w->why, sizeof(w->why), "cpu %u: nic_drv_xmit: %s", w->cpu,
					 strerror(-r));
				buf_free(w, pend, pend_len);
				pend = NULL;
				sending = false;
				break;
			}
			pend = NULL;
			w->sent++;
			seq++;
			if (p->soak.op)
				p->soak.op(p->soak.arg);
			if (p->warmup && !w->warm && w->sent >= p->warmup) {
				w->warm = true;
				w->warm_ns = w->dma_ns;
			}
			progress++;
			if (seq % MAINTAIN_EVERY == 0)
				nic_drv_maintain(w->drv, w->cpu, &w->dma_ns);
		}
		progress += poll_once(w);
		if (!sending && !pend && !nic_drv_inflight(w->drv, w->cpu) &&
		    w->rx_reaped >= w->rx_used)
			break;
		if (progress) {
			stalls = 0;
			continue;
		}
		if (nic_drv_wait(w->drv, w->cpu, WAIT_NS) && ++stalls >= STALL_WAITS) {
			w->err = -ETIMEDOUT;
			snprintf(w->why, sizeof(w->why), "cpu %u: the NIC stalled with %u packet(s) "
				 "in flight and %" PRIu64 " awaited on RX", w->cpu,
				 nic_drv_inflight(w->drv, w->cpu), w->rx_used - w->rx_reaped);
			break;
		}
	}
	if (pend)
		buf_free(w, pend, pend_len);
	if (!w->err)
		account_lost(w);	/* after a failure, drain_all() does it */
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;

	os_set_cpu(w->cpu);
	run_queue(w);
	return NULL;
}

/* ---- the run --------------------------------------------------------------------------- */
static size_t shrink_cb(void *drv)
{
	return nic_drv_shrink(drv);
}


static bool params_ok(const struct net_params *p, char *err, size_t errlen)
{
	uint32_t mx;

	if (!p->threads || p->threads > (p->virtual_time ? NIC_MAX_QUEUES : 64)) {
		snprintf(err, errlen, "threads %u: expected 1-%d%s", p->threads,
			 p->virtual_time ? NIC_MAX_QUEUES : 64,
			 p->virtual_time ? " in virtual time" : " (1-256 in virtual time)");
		return false;
	}
	if (!p->packets && (!p->seconds || p->seconds > 300)) {
		snprintf(err, errlen, "seconds %u: expected 1-300 (or a packet count)",
			 p->seconds);
		return false;
	}
	if (p->size && (p->size < NET_MIN_PACKET || p->size > NIC_MAX_FRAME)) {
		snprintf(err, errlen, "size %" PRIu32 ": expected %d-%d bytes", p->size,
			 NET_MIN_PACKET, NIC_MAX_FRAME);
		return false;
	}
	if (!p->size) {
		unsigned int total = 0;

		if (p->nbands > NET_MAX_BANDS) {
			snprintf(err, errlen, "nbands %u: expected 1-%d", p->nbands, NET_MAX_BANDS);
			return false;
		}
		for (unsigned int b = 0; b < p->nbands; b++) {
			if (!band_ok(&p->mix[b])) {
				snprintf(err, errlen, "mix band %u (%" PRIu32 "-%" PRIu32 "): expected "
					 "%d <= lo <= hi <= %d", b + 1, p->mix[b].lo, p->mix[b].hi,
					 NET_MIN_PACKET, NIC_MAX_FRAME);
				return false;
			}
			total += p->mix[b].weight;
		}
		if (p->nbands && !total) {
			snprintf(err, errlen, "mix: every weight is 0: expected at least one "
				 "band with a nonzero weight");
			return false;
		}
	}
	if (p->tx_depth > NIC_MAX_DEPTH || p->rx_depth > NIC_MAX_DEPTH) {
		snprintf(err, errlen, "tx_depth %u, rx_depth %u: expected 0-%d each (0 = 64)",
			 p->tx_depth, p->rx_depth, NIC_MAX_DEPTH);
		return false;
	}
	if (p->nic_threads > NIC_MAX_THREADS) {
		snprintf(err, errlen, "nic_threads %u: expected 0-%d (0 = 1)", p->nic_threads,
			 NIC_MAX_THREADS);
		return false;
	}
	mx = max_packet(p);
	if (p->rx_buf_size > NIC_MAX_FRAME) {
		snprintf(err, errlen, "rx_buf_size %" PRIu32 ": above the largest frame; "
			 "expected %" PRIu32 "-%d", p->rx_buf_size, mx, NIC_MAX_FRAME);
		return false;
	}
	if (p->rx_buf_size && mx && p->rx_buf_size < mx) {
		snprintf(err, errlen, "rx_buf_size %" PRIu32 ": below the largest packet (%"
			 PRIu32 " bytes); expected %" PRIu32 "-%d", p->rx_buf_size, mx, mx,
			 NIC_MAX_FRAME);
		return false;
	}
	if (p->os && os_ncpus(p->os) < p->threads) {
		snprintf(err, errlen, "threads %u: the OS given has only %u CPUs", p->threads,
			 os_ncpus(p->os));
		return false;
	}
	if (net_why_not(p->pair)) {
		snprintf(err, errlen, "%s", net_why_not(p->pair));
		return false;
	}
	return true;
}

static size_t win_for(const struct nic_drv_config *dc)
{
	size_t need = 2 * ((size_t)dc->tx_depth + dc->rx_depth) + 64, win = 1;

	while (win < need)
		win <<= 1;
	return win;
}

static void iommu_delta(struct iommu_stats *d, const struct iommu_stats *a)
{
	d->iotlb_hits -= a->iotlb_hits;
	d->iotlb_misses -= a->iotlb_misses;
	d->iotlb_evictions -= a->iotlb_evictions;
	d->iotlb_invalidated -= a->iotlb_invalidated;
	d->cmds -= a->cmds;
	d->syncs -= a->syncs;
	d->batches -= a->batches;
	d->cmdq_cpu_ns -= a->cmdq_cpu_ns;
	d->faults -= a->faults;
	d->walks -= a->walks;
}

/*
 * After a worker failed: stop the NIC and collect what is still in flight
 * on every queue, on the main thread (the workers are gone), so that every
 * buffer goes back to its owner before teardown.
 */
static void drain_all(struct nic_drv *drv, struct worker *w, unsigned int n)
{
	nic_drv_stop(drv);
	for (unsigned int i = 0; i < n; i++) {
		os_set_cpu(i);
		while (nic_drv_inflight(drv, i) && poll_once(&w[i]))
			;
		while (poll_once(&w[i]))
			;	/* RX completions that came with the last TX ones */
		account_lost(&w[i]);
	}
	os_set_cpu(0);
}

static int run(const struct net_params *p, struct wl_result *r, struct net_stats *st,
	       char *err, size_t errlen)
{
	struct net_params pp = *p;
	struct machine_config mc = { .profile = p->profile };
	struct nic_drv_config dc = { 0 };
	struct os_config oc = { 0 };
	struct iommu_stats before = { 0 };
	struct net_stats ns = { 0 };
	struct machine *m = NULL;
	struct os *os = p->os;
	struct nic_drv *drv = NULL;
	struct worker *w = NULL;
	struct oracle *orc = NULL;
	struct rogue *rogue = NULL;
	struct wl_storm storm = { 0 };
	uint64_t start, per, extra;
	bool failed_worker = false;
	char copies[96];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!pp.size && !pp.nbands)
		net_default_mix(&pp);
	if (!params_ok(&pp, err, errlen))
		return net_why_not(pp.pair) ? -EOPNOTSUPP : -EINVAL;
	if (!os) {
		/* Per queue pair, at worst: 64 TX + 64..128 RX buffers of 64 KiB, bounce
		 * and cache working sets of the same order: 64 MiB is ample. */
		mc.mem_bytes = (128u << 20) + (size_t)pp.threads * (64u << 20);
		mc.populate = !p->virtual_time && mc.mem_bytes <= (512u << 20);
		m = machine_create(&mc);
		if (!m) {
			snprintf(err, errlen, "cannot create a machine of %zu MiB", mc.mem_bytes >> 20);
			return -ENOMEM;
		}
		oc.machine = m;
		oc.ncpus = pp.threads;
		os = os_create(&oc);
		if (!os) {
			machine_destroy(m);
			snprintf(err, errlen, "cannot boot the lab OS");
			return -ENOMEM;
		}
	}
	iommu_stats_read(os_machine(os), &before);
	if (pp.oracle || pp.rogue) {
		orc = oracle_attach(os);
		if (!orc) {
			snprintf(err, errlen, "cannot attach the isolation oracle");
			ret = -ENOMEM;
			goto out;
		}
	}
	dc = (struct nic_drv_config){
		.pair = pp.pair, .nqueues = pp.threads, .tx_depth = pp.tx_depth,
		.rx_depth = pp.rx_depth, .rx_buf_size = pp.rx_buf_size ? pp.rx_buf_size :
		max_packet(&pp), .nic_threads = pp.nic_threads,
		.auto_crossover = pp.auto_crossover, .dma_debug = pp.debug,
		.fault_nth = pp.fault_nth, .no_rx_post = pp.no_rx_post,
		.batch_size = pp.batch_size, .rx_scattered = pp.rx_scattered,
	};
	if (!dc.tx_depth)
		dc.tx_depth = 64;
	if (!dc.rx_depth)
		dc.rx_depth = 64;
	/*
	 * params_ok() checked all that nic_drv_create() checks: it can fail
	 * only for want of memory now, and @err says so.
	 */
	drv = nic_drv_create(os, &dc, err, errlen);
	if (!drv) {
		ret = -ENOMEM;
		goto out;
	}
	w = calloc(pp.threads, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory for %u worker(s)", pp.threads);
		ret = -ENOMEM;
		goto out;
	}
	if (pp.rogue) {
		struct rogue_config rc = {
			.seed = pp.seed, .rate = pp.rogue_pokes && !pp.rogue_rate ? 0 :
			pp.rogue_rate ? pp.rogue_rate : 20000,
		};

		rogue = rogue_create(dma_device_mdev(nic_drv_dev(drv)), &rc);
		if (!rogue || (rc.rate && rogue_start(rogue))) {
			snprintf(err, errlen, "cannot make the NIC rogue");
			ret = -ENOMEM;
			goto out;
		}
		if (pp.rogue_pokes)
			nic_drv_set_rogue(drv, rogue, pp.rogue_pokes);
	}
	ret = wl_storm_start(&storm, pp.soak.storm_us, 0, pp.seed, shrink_cb, drv);
	if (ret) {
		snprintf(err, errlen, "cannot start the storm thread: %s", strerror(-ret));
		goto out;
	}
	per = pp.packets / pp.threads;
	extra = pp.packets % pp.threads;
	start = mclock_now();
	for (unsigned int i = 0; i < pp.threads; i++) {
		int rc;

		w[i].cpu = i;
		w[i].p = &pp;
		w[i].drv = drv;
		w[i].quota = pp.packets ? per + (i < extra) : 0;
		w[i].deadline = start + (uint64_t)pp.seconds * 1000000000ull;
		w[i].pa = os_page_alloc(os);
		w[i].m = os_machine(os);
		w[i].slab = slab_create(w[i].pa, NET_OWNER_SLAB);
		if (!w[i].slab) {
			w[i].err = -ENOMEM;
			snprintf(w[i].why, sizeof(w[i].why), "cpu %u: out of memory for its "
				 "packet slab", i);
			continue;
		}
		w[i].win = win_for(&dc);
		w[i].sub_t = calloc(w[i].win, sizeof(uint64_t));
		w[i].sub_seq = malloc(w[i].win * sizeof(uint64_t));
		if (!w[i].sub_t || !w[i].sub_seq) {
			w[i].err = -ENOMEM;
			snprintf(w[i].why, sizeof(w[i].why), "cpu %u: out of memory for its "
				 "latency window", i);
			continue;
		}
		memset(w[i].sub_seq, 0xff, w[i].win * sizeof(uint64_t));
		/* A thread start is an allocation point of the lab (failinject.h). */
		rc = failinject_should_fail() ? -EAGAIN :
		     mthread_create(&w[i].tid, "net cpu", worker_fn, &w[i]);
		if (rc) {
			w[i].err = rc;
			snprintf(w[i].why, sizeof(w[i].why), "cpu %u: cannot start its thread: %s",
				 i, strerror(-rc));
			continue;
		}
		w[i].started = true;
	}
	for (unsigned int i = 0; i < pp.threads; i++) {
		if (w[i].started)
			mthread_join(&w[i].tid, NULL);
		if (w[i].err)
			failed_worker = true;
	}
	r->wall_ns = mclock_now() - start;
	wl_storm_stop(&storm, r);
	if (failed_worker)
		drain_all(drv, w, pp.threads);
	for (unsigned int i = 0; i < pp.threads; i++) {
		r->ops += w[i].sent;
		r->dma_cpu_ns += w[i].dma_ns - w[i].warm_ns;
		r->dma_ops += w[i].sent > pp.warmup ? w[i].sent - pp.warmup : 0;
		r->verified += w[i].verified;
		r->failed += w[i].failed;
		r->bytes += w[i].bytes;
		ns.tx_failed += w[i].tx_failed;
		ns.corrupt += w[i].corrupt;
		ns.lost += w[i].lost;
		ns.slab_pages_max += w[i].slab ? slab_pages_max(w[i].slab) : 0;
		wl_latency_merge(&r->lat, &w[i].lat);
		if (w[i].err && !ret) {
			ret = w[i].err;
			snprintf(err, errlen, "%s", w[i].why[0] ? w[i].why : strerror(-w[i].err));
		}
	}
	if (rogue) {
		struct rogue_stats rs;

		nic_drv_set_rogue(drv, NULL, 0);
		rogue_stop(rogue);
		rogue_stats_read(rogue, &rs);
		r->rogue_attempts = rs.attempts;
		r->rogue_successes = rs.successes;
	}
	if (orc) {
		const struct mdev *hw = dma_device_mdev(nic_drv_dev(drv));

		r->watched = true;
		oracle_read(orc, hw, &r->oracle);
		snprintf(r->isolation, sizeof(r->isolation), "%s", oracle_isolation(orc, hw));
	}
	iommu_stats_read(os_machine(os), &r->iommu);
	iommu_delta(&r->iommu, &before);
	dma_stats_read(nic_drv_dev(drv), &r->dma);
	nic_drv_reuse_stats(drv, &r->reuse);
	nic_stats_read(nic_drv_nic(drv), &ns.nic);
	nic_drv_stats(drv, &ns.drv);
	ns.crossover = nic_drv_crossover(drv);
	ns.dev_id = mdev_id(dma_device_mdev(nic_drv_dev(drv)));
	nic_drv_copy_note(drv, copies, sizeof(copies));
	snprintf(r->note, sizeof(r->note), "%s%s%s", nic_drv_note(drv), *copies ? "; " : "",
		 copies);
out:
	rogue_destroy(rogue);
	if (drv && nic_drv_destroy(drv) && !ret) {
		ret = -EIO;
		snprintf(err, errlen, "the NIC driver left buffers mapped at teardown");
	}
	for (unsigned int i = 0; w && i < pp.threads; i++) {
		size_t live = slab_destroy(w[i].slab);

		if (live && !ret) {
			ret = -EIO;
			snprintf(err, errlen, "cpu %u: %zu packet buffer(s) never came back", i, live);
		}
		free(w[i].sub_t);
		free(w[i].sub_seq);
	}
	free(w);
	if (orc)
		oracle_detach(orc);
	if (m) {
		if (os_destroy(os) && !ret) {
			ret = -EIO;
			snprintf(err, errlen, "frames leaked at teardown");
		}
		machine_destroy(m);
	}
	if (st)
		*st = ns;
	return ret;
}

struct virtual_run {
	const struct net_params *p;
	struct wl_result *r;
	struct net_stats *st;
	char *err;
	size_t errlen;
	int ret;
};

static void virtual_body(void *arg)
{
	struct virtual_run *v = arg;

	v->ret = run(v->p, v->r, v->st, v->err, v->errlen);
}

int net_run(const struct net_params *p, struct wl_result *r, struct net_stats *st,
	    char *err, size_t errlen)
{
	struct virtual_run v = { p, r, st, err, errlen, 0 };
	int ret;

	if (!p->virtual_time)
		return run(p, r, st, err, errlen);
	memset(r, 0, sizeof(*r));
	ret = wl_run_virtual(p->profile, p->os != NULL, virtual_body, &v, err, errlen);
	return ret ? ret : v.ret;
}
