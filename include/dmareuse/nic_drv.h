/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * nic_drv.h - the driver of the loopback NIC: transmit the upper layer's
 * buffers, receive into buffers the driver posts, NAPI style.
 *
 * One queue pair per CPU (the lab's XPS/RSS): a queue pair is used by one
 * thread at a time -- the CPU that owns it calls xmit, poll, rx_release,
 * wait and maintain on it -- and different queue pairs run in parallel.
 * Interrupts only mark descriptors done and wake the owner; every DMA-layer
 * call (map, unmap, sync, bounce copy) happens in xmit, poll and
 * rx_release on the owning CPU, where it is timed: each of them adds the
 * ns it spent inside the DMA layer to *@dma_ns (measured with
 * mclock_stamp() around those calls, less the cost of the stamps).
 *
 * Buffer roles and strategies.  One strategy -- an IOMMU mode and a
 * mechanism (reuse.h) -- is configured; the mode is the device's domain,
 * each role takes the mechanism that applies to it, and nic_drv_note() says
 * what each uses:
 *   TX  a new buffer every packet, from the upper layer: mapped per packet
 *       through an rmapper (none, bounce, cache, iova-link, auto).  pool
 *       does not apply -- the buffers are not the driver's -- so under pool
 *       TX is mapped directly (none), and the note says so.
 *   RX  the driver's own buffers: under pool (and auto) they come from a
 *       page_pool-style rpool, recycled with a sync of the used length;
 *       otherwise the driver allocates pages per buffer, maps them with the
 *       per-buffer strategy when it posts them and unmaps them when a
 *       packet lands (bounce copies out only the received length).
 *   reuse applies to no role -- TX buffers are new every packet (nothing to
 *   map once) and nothing of the upper layer's is received into -- so the
 *   driver refuses it (nic_drv_why_not()), as it refuses every pair the
 *   strategy table refuses (reuse_pair_why_not()).
 *   batch: both roles defer their unmaps' invalidations into the device's
 *   per-CPU batches (one rbatch for the device: a queue's TX and RX unmaps
 *   share one flush).  RX buffers are mapped at their slot of a ring --
 *   one IOVA block per queue, so a pass's RX unmaps gather into one short
 *   span and no IOVA is allocated per buffer -- unless rx_scattered asks
 *   for an IOVA of their own each (to measure the block).  Each poll is a
 *   completion pass: it flushes its CPU's batch once, after collecting, so
 *   the TX completions it returns -- which tell the upper layer it may
 *   free its buffers -- and the RX buffers it hands up come after their
 *   invalidation; the batch also holds a reference on every page it
 *   unmapped until its flush (the upper layer frees TX buffers at once).
 *
 * Flow control: xmit refuses (-ENOSPC) a packet for which no RX buffer is
 * posted, so a well-behaved run drops nothing; a drop means the RX side
 * really had no buffer (see the no_rx_post test hook).
 *
 * Errors: 0 or -errno.  Misuse (a queue out of range, a packet longer than
 * the NIC takes) returns -EINVAL and logs one line.
 */
#ifndef DMAREUSE_NIC_DRV_H
#define DMAREUSE_NIC_DRV_H

#include <dmareuse/dma.h>
#include <dmareuse/nic.h>
#include <dmareuse/reuse.h>

struct nic_drv;

#define NIC_DRV_OWNER 0x4e4943u	/* page owner tag of RX pages ("NIC") */

struct nic_drv_config {
	struct reuse_pair pair;		/* the strategy: mode and mechanism */
	unsigned int nqueues;		/* queue pairs, one per CPU; 0 = 1 */
	unsigned int tx_depth;		/* TX ring entries; 0 = 64 */
	unsigned int rx_depth;		/* RX ring entries; 0 = 64 */
	uint32_t rx_buf_size;		/* bytes per RX buffer, 64..NIC_MAX_FRAME;
					 * 0 = NIC_MAX_FRAME */
	unsigned int rx_pool_extra;	/* pool: buffers per queue beyond rx_depth,
					 * for those the stack holds; 0 = rx_depth */
	unsigned int nic_threads;	/* 0 = 1 */
	size_t auto_crossover;		/* auto: bounce up to this; 0 = measure */
	bool dma_debug;			/* keep DMA-API debug records (tests) */
	uint64_t fault_nth;		/* test hook: the Nth packet sent on each
					 * queue (1-based) is unmapped before the
					 * doorbell, as a buggy driver would; xmit
					 * then waits for its completion so that no
					 * new mapping reuses the IOVA first */
	bool no_rx_post;		/* test hook: post no RX buffer and send
					 * without RX credit, so the NIC drops */
	unsigned int batch_size;	/* batch: unmaps per batch, 1..4096; 0 = the
					 * profile's batch_size, else 64 */
	bool rx_scattered;		/* batch: RX buffers in IOVAs of their own
					 * instead of the queue's ring block */
};

enum nic_drv_event_kind {
	NIC_EV_TX_DONE = 1,	/* a packet left: its buffer is the caller's again */
	NIC_EV_RX = 2,		/* a packet arrived */
};

/* An RX buffer lent to the upper layer; give it back with nic_drv_rx_release(). */
struct nic_rx_token {
	pfn_t pfn;			/* page block (per-buffer strategies) */
	struct rpool_buf *pb;		/* pool buffer (pool, auto) */
	uint32_t used;			/* bytes the NIC wrote */
};

struct nic_drv_event {
	enum nic_drv_event_kind kind;
	enum nic_status status;		/* how the packet or RX descriptor ended */
	uint64_t cookie;		/* TX: as given to nic_drv_xmit() */
	void *buf;			/* TX: the caller's buffer; RX: the packet
					 * (NULL when status is not NIC_ST_OK) */
	uint32_t len;
	struct nic_rx_token rx;		/* RX with NIC_ST_OK only */
};

struct nic_drv_stats {
	uint64_t tx_sent;		/* packets handed to the NIC */
	uint64_t tx_ok;			/* TX completions NIC_ST_OK */
	uint64_t tx_failed;		/* TX completions with another status */
	uint64_t tx_faults;		/*   of which NIC_ST_FAULT */
	uint64_t drops;			/*   of which NIC_ST_NO_RXBUF */
	uint64_t rx_packets;		/* packets delivered to the upper layer */
	uint64_t rx_errors;		/* RX buffers completed with an error */
	uint64_t rx_posted;		/* RX buffers posted */
	uint64_t map_errors;		/* mappings the strategy could not make */
	uint64_t rx_alloc_failed;	/* RX buffers the driver could not allocate
					 * (the ring is refilled at a later poll) */
	uint64_t dma_ns;		/* DMA-layer time measured, all queues */
};

/**
 * nic_drv_why_not() - why a strategy cannot drive this NIC
 * @p: the strategy: mode and mechanism
 *
 * Context: any thread.
 * Return: a sentence saying why (a pair the strategy table refuses; the
 * reuse mechanism, which applies to no buffer role; a value that is not a
 * pair), or NULL if @p can drive it.
 */
const char *nic_drv_why_not(struct reuse_pair p);

/**
 * nic_drv_create() - a NIC and its driver
 * @os: the OS to run on
 * @cfg: the configuration (required); a zero field takes its default
 * @why: on failure, receives why; may be NULL
 * @whylen: size of @why
 *
 * Creates a device with its own IOMMU domain (of the pair's mode), the NIC,
 * per queue pair the rings and the strategy objects, and starts the NIC.
 * Under auto with no crossover given the crossover is measured first,
 * which takes a moment.  RX buffers are posted by each queue's first xmit
 * or poll, on the CPU that owns the queue.
 *
 * Context: any thread.
 * Return: the driver, or NULL with @why saying why: a strategy that does
 * not apply, a value out of range, or -- for any failure after the checks
 * -- "out of memory setting up the NIC".
 */
struct nic_drv *nic_drv_create(struct os *os, const struct nic_drv_config *cfg,
			       char *why, size_t whylen);
/**
 * nic_drv_stop() - stop the NIC
 * @drv: the driver
 *
 * Packets not yet sent complete with NIC_ST_ABORTED.  Afterwards poll each
 * queue to collect every TX buffer (their NIC_EV_TX_DONE events are
 * ready); polls no longer post RX buffers, and xmit fails (-ENODEV).
 * Idempotent.
 *
 * Context: any thread; it joins the NIC threads.  The flag that stops RX
 * refills is not synchronised: call it while no CPU polls.
 */
void nic_drv_stop(struct nic_drv *drv);
/**
 * nic_drv_destroy() - stop and free the NIC and its driver
 * @drv: the driver; NULL is a no-op
 *
 * Stops the NIC, takes back every RX buffer, frees rings, strategy objects
 * and the device.  TX buffers still in flight are unmapped but not freed
 * (they are the upper layer's): each is reported on stderr.
 *
 * Context: no other thread may use @drv any more.
 * Return: 0, or -EBUSY if anything was left in flight or mapped (a TX
 * buffer, a strategy object still lending, a live mapping of the device);
 * @drv is freed either way.
 */
int nic_drv_destroy(struct nic_drv *drv);

/**
 * nic_drv_xmit() - send a packet
 * @drv: the driver
 * @queue: the queue pair, owned by the calling CPU
 * @buf: the packet, in arena memory, one page-contiguous block; not NULL
 * @len: bytes, 1..NIC_MAX_FRAME
 * @cookie: given back in the packet's NIC_EV_TX_DONE event
 * @dma_ns: the ns spent in the DMA layer (map, bounce copy, RX refill) are
 *          added here; may be NULL
 *
 * The buffer is the driver's until its NIC_EV_TX_DONE event.  When no RX
 * buffer is posted for the packet the call first tries to post some.
 *
 * Context: the CPU that owns @queue; does not wait for the NIC (except
 * under the fault_nth test hook, which waits for the packet's completion).
 * Return: 0; -ENOSPC if the TX ring is full or no RX buffer is posted for
 * the packet (poll, then retry); -ENOMEM if the strategy could not map it,
 * whatever its error; -EINVAL (logged) for a bad queue, a NULL @buf or a
 * bad length; -ENODEV once the NIC is stopped.
 */
int nic_drv_xmit(struct nic_drv *drv, unsigned int queue, void *buf, uint32_t len,
		 uint64_t cookie, uint64_t *dma_ns);
/**
 * nic_drv_poll() - NAPI poll of one queue pair
 * @drv: the driver
 * @queue: the queue pair, owned by the calling CPU
 * @ev: receives the events; room for @max
 * @max: the most events to collect
 * @dma_ns: DMA-layer ns (unmap, sync, bounce copy, RX refill) are added
 *          here; may be NULL
 *
 * Collects RX completions first, then TX completions, each ring in order,
 * up to @max in all: TX buffers are unmapped and given back, received
 * buffers taken back from the device.  Under batch this CPU's batch is then
 * flushed, once, before anything is returned.  Then it posts fresh RX
 * buffers (unless the NIC was stopped).  An RX descriptor that completed with an
 * error -- or whose write-back faulted (NIC_ST_RX_FAULT) -- has its buffer
 * recycled at once and comes back as an NIC_EV_RX event with that status
 * and no buffer, so the upper layer can account for every RX descriptor
 * used.  A TX completion whose write-back faulted reports NIC_ST_FAULT.
 *
 * Context: the CPU that owns @queue; does not wait for the NIC.
 * Return: events written to @ev; 0 (logged) for a bad queue.
 */
unsigned int nic_drv_poll(struct nic_drv *drv, unsigned int queue,
			  struct nic_drv_event *ev, unsigned int max,
			  uint64_t *dma_ns);
/**
 * nic_drv_rx_release() - the upper layer is done with a received buffer
 * @drv: the driver
 * @queue: the queue pair the buffer was received on
 * @tok: the token of its NIC_EV_RX event
 * @dma_ns: DMA-layer ns (a pool put) are added here; may be NULL
 *
 * The buffer goes back to the queue's pool, or its pages to the page
 * allocator.  A bad queue, or a token naming no buffer (that of an RX
 * error event), is logged and ignored.
 *
 * Context: the CPU that owns @queue.
 */
void nic_drv_rx_release(struct nic_drv *drv, unsigned int queue,
			const struct nic_rx_token *tok, uint64_t *dma_ns);
/**
 * nic_drv_wait() - sleep until a queue has a completion to poll
 * @drv: the driver
 * @queue: the queue pair
 * @timeout_ns: the longest wait, in ns
 *
 * Wakes when the next descriptor of either ring, in the order poll
 * collects them, is done.  With nothing in flight it sleeps the whole
 * timeout.
 *
 * Context: the CPU that owns @queue; sleeps on the queue's condition.
 * Return: 0; -ETIMEDOUT; -EINVAL (logged) for a bad queue.
 */
int nic_drv_wait(struct nic_drv *drv, unsigned int queue, uint64_t timeout_ns);
/**
 * nic_drv_inflight() - packets of a queue sent and not yet collected
 * @drv: the driver
 * @queue: the queue pair
 *
 * Context: the CPU that owns @queue (the indices are its own).
 * Return: packets handed to the NIC that poll has not collected yet; 0
 * (logged) for a bad queue.
 */
unsigned int nic_drv_inflight(struct nic_drv *drv, unsigned int queue);
/**
 * nic_drv_maintain() - periodic work of one queue pair
 * @drv: the driver
 * @queue: the queue pair
 * @dma_ns: the CPU time it took is DMA-layer time and is added here; may
 *          be NULL
 *
 * Cache reclaim of the queue's TX and RX mappers (rmapper_maintain()), and
 * under batch a flush of every CPU's batch; nothing for a pool.  A bad
 * queue is logged and ignored.
 *
 * Context: the CPU that owns @queue.
 */
void nic_drv_maintain(struct nic_drv *drv, unsigned int queue, uint64_t *dma_ns);
/**
 * nic_drv_shrink() - memory pressure: give back every idle mapping now
 * @drv: the driver
 *
 * What a shrinker does, over every queue pair: the TX and RX mappers'
 * periodic work (rmapper_maintain(); under batch a flush of every CPU's
 * batch), then every idle cache entry released (rmapper_shrink()), and a
 * lazy device's flush queues flushed.  Buffers lent out stay; the pool's
 * buffers are the driver's own and stay too.
 *
 * Context: any thread, concurrently with the queues' CPUs (soaks run it
 * from a thread of their own); it touches only the mappers, which lock
 * themselves, never a queue's own fields.
 * Return: the cache entries released by the shrinks.
 */
size_t nic_drv_shrink(struct nic_drv *drv);

/**
 * nic_drv_set_rogue() - let the NIC poke a rogue device after every packet
 * @drv: the driver
 * @r: the rogue, or NULL to stop
 * @pokes: probes per packet; 0 = 1
 *
 * Context: only while no packet is in flight (see nic_set_rogue()).
 */
void nic_drv_set_rogue(struct nic_drv *drv, struct rogue *r, unsigned int pokes);

/**
 * nic_drv_note() - what each buffer role uses
 * @drv: the driver
 *
 * Context: any thread.
 * Return: a line such as "tx: strict (pool n/a: ...), rx: pool", owned by
 * @drv.
 */
const char *nic_drv_note(const struct nic_drv *drv);
/**
 * nic_drv_copy_note() - how the driver's bounce pools copy toward the NIC
 * @drv: the driver
 * @buf: receives a line such as "bounce copies in: 1 KiB cached, 4 KiB
 *       stream" over every queue's TX and RX pools (a class whose queues
 *       differ: "4 KiB stream on 1 of 2 CPUs"), or "" if nothing was
 *       bounced toward the device
 * @len: the size of @buf
 *
 * Context: no packet in flight (the choice moves while copies run).
 */
void nic_drv_copy_note(const struct nic_drv *drv, char *buf, size_t len);
/**
 * nic_drv_dev() - the DMA device of the NIC
 * @drv: the driver
 *
 * For its counters, and its mdev for a rogue device or the oracle.
 *
 * Context: any thread.
 * Return: the device, owned by @drv.
 */
struct dma_device *nic_drv_dev(struct nic_drv *drv);
/**
 * nic_drv_nic() - the NIC hardware
 * @drv: the driver
 *
 * Context: any thread.
 * Return: the NIC (for its counters), owned by @drv.
 */
struct nic *nic_drv_nic(struct nic_drv *drv);
/**
 * nic_drv_crossover() - the bounce/map crossover in use
 * @drv: the driver
 *
 * Context: any thread.
 * Return: under auto, the largest buffer in bytes that is bounced; 0 for
 * any other strategy.
 */
size_t nic_drv_crossover(const struct nic_drv *drv);
/**
 * nic_drv_reuse_stats() - the strategy objects' counters
 * @drv: the driver
 * @out: receives the counters of every queue's TX mapper, RX mapper and
 *       pool, and of the device's batches, summed
 *
 * Context: any thread; each object's lock is taken while it is read.
 */
void nic_drv_reuse_stats(struct nic_drv *drv, struct reuse_stats *out);
/**
 * nic_drv_stats() - the driver's counters, summed over queues
 * @drv: the driver
 * @out: receives the sums
 *
 * Context: the counters are kept, unlocked, by the CPUs owning the queues:
 * read them when those are idle.
 */
void nic_drv_stats(struct nic_drv *drv, struct nic_drv_stats *out);

#endif
