/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * nic.h - a loopback NIC: every packet transmitted on a queue pair is
 * delivered into a receive buffer of the same queue pair.
 *
 * Programming model (what a driver sees; the structs below are the
 * hardware's memory formats):
 *   - A NIC has 1..NIC_MAX_QUEUES queue pairs.  For each, the driver
 *     allocates a TX ring of nic_tx_desc and an RX ring of nic_rx_desc in
 *     coherent DMA memory and programs their DMA addresses, depths and two
 *     interrupt handlers with nic_set_queues() (the queue base registers),
 *     then starts the NIC.
 *   - Transmit: the driver writes a TX descriptor {buffer DMA address,
 *     length, NIC_TXF_EOP} at TX index (tail % depth) and rings the TX
 *     doorbell with its new free-running 32-bit tail.
 *   - Receive: the driver posts empty buffers by writing RX descriptors
 *     {buffer DMA address, capacity} at RX index (tail % depth) and ringing
 *     the RX doorbell.  The NIC fills posted buffers in order.
 *   - For TX descriptor i the NIC (one of its threads) reads the descriptor,
 *     reads the packet from the TX buffer, takes the next posted RX
 *     descriptor, writes the packet into that RX buffer, writes back the RX
 *     descriptor (length, status) and the TX descriptor (status), and raises
 *     the RX interrupt (with the RX index) and then the TX-done interrupt
 *     (with i): the driver's handlers run on the NIC thread.  Both
 *     descriptors are written back when their handler runs.
 *   - Packets of one queue pair are handled one at a time, in order: the
 *     packet of TX index i lands in the first RX descriptor not yet used,
 *     and its interrupts come before those of i + 1.  Different queue pairs
 *     run in parallel on different NIC threads.
 *   - A TX slot may be rewritten once its TX-done interrupt was delivered;
 *     an RX slot once its RX interrupt was.  The doorbells refuse a tail
 *     that would overwrite a descriptor the NIC has not finished with.
 * Every byte the NIC reads or writes -- descriptors and packets -- goes
 * through the IOMMU (mdev_access()); there is no CPU pointer in the device.
 * A fault fails that packet with a status (NIC_ST_FAULT when the TX side
 * faulted, NIC_ST_RX_FAULT when the RX side did), never hangs the ring.
 * With no RX descriptor posted the packet is dropped: TX status
 * NIC_ST_NO_RXBUF, counted in nic_stats.drops.
 *
 * Data is little-endian host order (the lab runs on one host).
 */
#ifndef DMAREUSE_NIC_H
#define DMAREUSE_NIC_H

#include <dmareuse/machine.h>

struct nic;
struct rogue;

#define NIC_MAX_QUEUES 64	/* queue pairs */
#define NIC_MAX_DEPTH 4096	/* descriptors per ring */
#define NIC_MAX_FRAME 65536	/* largest packet, bytes (loopback MTU) */
#define NIC_MAX_THREADS 64

/* TX descriptor flags (driver -> NIC). */
#define NIC_TXF_EOP 0x1u	/* end of packet: every descriptor is a whole packet */

/* Status written back into both descriptors (0: not written back yet). */
enum nic_status {
	NIC_ST_OK = 1,		/* delivered */
	NIC_ST_FAULT = 2,	/* IOMMU fault reading the TX descriptor or buffer */
	NIC_ST_NO_RXBUF = 3,	/* no RX descriptor posted: dropped */
	NIC_ST_TOO_BIG = 4,	/* longer than the RX buffer: dropped (RX desc used) */
	NIC_ST_RX_FAULT = 5,	/* IOMMU fault reading the RX descriptor or writing the buffer */
	NIC_ST_INVALID = 6,	/* bad TX descriptor: length 0 or > max, no EOP */
	NIC_ST_ABORTED = 7,	/* NIC stopped (without drain) before sending it */
};

/* A TX descriptor (16 bytes). */
struct nic_tx_desc {
	uint64_t addr;		/* DMA address of the packet */
	uint32_t len;		/* bytes, 1..max_frame */
	uint16_t flags;		/* NIC_TXF_EOP */
	uint16_t status;	/* written back: enum nic_status */
};

/* An RX descriptor (24 bytes). */
struct nic_rx_desc {
	uint64_t addr;		/* DMA address of the empty buffer */
	uint32_t cap;		/* its capacity, bytes */
	uint32_t len;		/* written back: packet length (0 unless OK) */
	uint16_t status;	/* written back: enum nic_status */
	uint16_t rsvd0;
	uint32_t rsvd1;
};

_Static_assert(sizeof(struct nic_tx_desc) == 16, "nic_tx_desc is 16 bytes");
_Static_assert(sizeof(struct nic_rx_desc) == 24, "nic_rx_desc is 24 bytes");

/*
 * An interrupt: @queue is the queue pair, @index the free-running ring
 * index of the descriptor (its slot is @index % depth).  @err is 0, or
 * -EFAULT when the NIC could not write the descriptor back (the driver
 * must then treat the packet or buffer as failed: the descriptor holds
 * stale data).
 */
typedef void (*nic_irq_fn)(void *arg, unsigned int queue, uint32_t index, int err);

/* The queue base registers of one queue pair. */
struct nic_queue_regs {
	dma_addr_t tx_ring, rx_ring;	/* DMA addresses of the rings */
	uint32_t tx_depth, rx_depth;	/* 1..NIC_MAX_DEPTH each */
	nic_irq_fn tx_done;		/* TX-done interrupt */
	nic_irq_fn rx;			/* RX interrupt */
	void *arg;			/* passed to both */
};

struct nic_config {
	unsigned int nqueues;	/* queue pairs; 0 = 1 */
	unsigned int nthreads;	/* NIC threads; 0 = 1 */
	uint32_t max_frame;	/* largest packet; 0 = NIC_MAX_FRAME */
	struct rogue *rogue;	/* optional: poked after every packet */
	unsigned int rogue_pokes; /* probes per packet when @rogue is set; 0 = 1 */
};

struct nic_stats {
	uint64_t packets;	/* TX descriptors completed, any status */
	uint64_t ok;		/* delivered */
	uint64_t bytes;		/* bytes delivered */
	uint64_t tx_faults, rx_faults, invalid, aborted;
	uint64_t drops;		/* no RX buffer posted */
	uint64_t oversize;	/* longer than the RX buffer */
	uint64_t wb_faults;	/* descriptor write-backs that faulted */
};

/**
 * nic_create() - a NIC driving device @dev (its DMA goes through @dev's
 * IOMMU domain).  @cfg may be NULL for defaults.  The NIC is stopped.
 * Return: the NIC, or NULL (bad configuration -- a message says which
 * value -- or out of memory).
 */
struct nic *nic_create(struct mdev *dev, const struct nic_config *cfg);
/**
 * nic_destroy() - stop the NIC (failing what is still queued, as
 * nic_stop(nic, false)) and free it.  NULL is a no-op.
 */
void nic_destroy(struct nic *nic);

/**
 * nic_set_queues() - program queue pair @queue: ring addresses, depths and
 * interrupt handlers.  Only while stopped; resets the pair's ring indices
 * to 0.  Return: 0; -EINVAL (queue out of range, bad depth, NULL handler);
 * -EBUSY if the NIC runs.
 */
int nic_set_queues(struct nic *nic, unsigned int queue,
		   const struct nic_queue_regs *regs);
/**
 * nic_start() - start the NIC threads.  Every queue pair must be programmed.
 * Return: 0; -EINVAL if a queue pair is not; -EBUSY if running; -ENOMEM.
 */
int nic_start(struct nic *nic);
/**
 * nic_stop() - stop the NIC.  With @drain every packet rung in is sent;
 * without, packets not yet started complete with NIC_ST_ABORTED (TX
 * descriptor written back, TX-done interrupt raised, no RX buffer used).
 * Joins every NIC thread; no interrupt runs after it returns.  Must not be
 * called from an interrupt handler.
 */
void nic_stop(struct nic *nic, bool drain);

/**
 * nic_tx_doorbell() - the driver wrote TX descriptors of @queue up to (not
 * including) @new_tail (free-running).  Return: 0; -ENODEV if the NIC is
 * not running; -EINVAL if @queue is out of range, @new_tail moves
 * backwards, or more than tx_depth packets would be pending.  Errors
 * change nothing and are logged.
 */
int nic_tx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail);
/**
 * nic_rx_doorbell() - the driver posted RX descriptors of @queue up to (not
 * including) @new_tail.  Allowed while stopped once the queue pair is
 * programmed.  Return: 0; -EINVAL as nic_tx_doorbell() (with rx_depth, or
 * the queue pair not programmed).  Errors change nothing and are logged.
 */
int nic_rx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail);

/**
 * nic_set_rogue() - poke @r (@pokes probes; 0 = 1) after every packet from
 * now on, or stop with NULL.  Change it only when no packet is in flight
 * (after the last interrupt of every queue was delivered, or stopped): the
 * NIC thread does not hold a reference to @r between packets.
 */
void nic_set_rogue(struct nic *nic, struct rogue *r, unsigned int pokes);

/** nic_stats_read() - a snapshot of the NIC's counters. */
void nic_stats_read(struct nic *nic, struct nic_stats *out);
/** nic_status_name() - "ok", "fault", "no-rxbuf", "too-big", ... */
const char *nic_status_name(enum nic_status st);
/** nic_mdev() - the device the NIC drives. */
struct mdev *nic_mdev(const struct nic *nic);

#endif
