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

#define NIC_MAX_QUEUES 256	/* queue pairs */
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
 * nic_create() - a NIC on a machine device
 * @dev: the device; every byte the NIC moves goes through @dev's domain
 * @cfg: queue pairs, threads, largest frame and rogue; NULL or a zero field
 *       takes the default (1 queue pair, 1 thread, NIC_MAX_FRAME, no rogue,
 *       1 poke)
 *
 * The NIC is created stopped, with no queue pair programmed.
 *
 * Context: any thread.
 * Return: the NIC, or NULL for a NULL @dev or a value out of range (a
 * message on stderr names it), or on allocation failure.
 */
struct nic *nic_create(struct mdev *dev, const struct nic_config *cfg);
/**
 * nic_destroy() - stop the NIC and free it
 * @nic: the NIC; NULL is a no-op
 *
 * Stops as nic_stop(@nic, false): packets still queued complete with
 * NIC_ST_ABORTED and their interrupts run before the NIC is freed.  The
 * device and the rogue are not freed.
 *
 * Context: not from an interrupt handler (it joins the NIC threads).
 */
void nic_destroy(struct nic *nic);

/**
 * nic_set_queues() - program one queue pair's registers
 * @nic: the NIC
 * @queue: the queue pair, 0..nqueues - 1
 * @regs: ring addresses, depths (1..NIC_MAX_DEPTH each), both interrupt
 *        handlers (required) and their argument; copied
 *
 * Resets the pair's ring indices to 0.
 *
 * Context: only while the NIC is stopped; takes the NIC lock.
 * Return: 0; -EINVAL (logged) for a queue out of range, a bad depth or a
 * NULL handler; -EBUSY (logged) if the NIC runs.
 */
int nic_set_queues(struct nic *nic, unsigned int queue,
		   const struct nic_queue_regs *regs);
/**
 * nic_start() - start the NIC threads
 * @nic: the NIC; every queue pair must be programmed
 *
 * Context: any thread; takes the NIC lock.
 * Return: 0; -EINVAL (logged) if a queue pair is not programmed; -EBUSY
 * (logged) if running; -ENOMEM if the threads or their buffers could not
 * be had (the NIC is left stopped).
 */
int nic_start(struct nic *nic);
/**
 * nic_stop() - stop the NIC
 * @nic: the NIC; a NIC not running is left alone
 * @drain: send every packet rung in before stopping
 *
 * Without @drain, packets not yet started complete with NIC_ST_ABORTED (TX
 * descriptor written back, TX-done interrupt raised, no RX buffer used);
 * a packet already under way finishes either way.  Joins every NIC thread:
 * no interrupt runs after it returns.
 *
 * Context: not from an interrupt handler (it would join its own thread).
 */
void nic_stop(struct nic *nic, bool drain);

/**
 * nic_tx_doorbell() - tell the NIC TX descriptors were written
 * @nic: the NIC
 * @queue: the queue pair
 * @new_tail: the free-running index after the last descriptor written
 *
 * Context: any thread, an interrupt handler included; takes the NIC lock.
 * Return: 0; -ENODEV if the NIC is not running (logged when stopped, not
 * while it stops); -EINVAL (logged) if @queue is out of range, @new_tail
 * moves backwards, or more than tx_depth packets would be pending.  Errors
 * change nothing.
 */
int nic_tx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail);
/**
 * nic_rx_doorbell() - tell the NIC RX descriptors were posted
 * @nic: the NIC
 * @queue: the queue pair
 * @new_tail: the free-running index after the last descriptor posted
 *
 * Allowed while stopped once the queue pair is programmed.
 *
 * Context: any thread, an interrupt handler included; takes the NIC lock.
 * Return: 0; -EINVAL (logged) if @queue is out of range, the queue pair is
 * not programmed, @new_tail moves backwards, or more than rx_depth buffers
 * would be posted.  Errors change nothing.
 */
int nic_rx_doorbell(struct nic *nic, unsigned int queue, uint32_t new_tail);

/**
 * nic_set_rogue() - poke a rogue device after every packet
 * @nic: the NIC
 * @r: the rogue, or NULL to stop poking
 * @pokes: probes per packet; 0 = 1
 *
 * Aborted packets poke nothing.
 *
 * Context: change it only when no packet is in flight (after the last
 * interrupt of every queue was delivered, or while stopped): a NIC thread
 * loads @r once per packet and holds no reference to it.
 */
void nic_set_rogue(struct nic *nic, struct rogue *r, unsigned int pokes);

/**
 * nic_stats_read() - read the NIC's counters
 * @nic: the NIC
 * @out: receives the counters
 *
 * Each counter is read atomically, one after the other.
 *
 * Context: any thread; no lock.
 */
void nic_stats_read(struct nic *nic, struct nic_stats *out);
/**
 * nic_status_name() - the name of a descriptor status
 * @st: the status
 *
 * Context: any thread.
 * Return: "ok", "fault", "no-rxbuf", "too-big", "rx-fault", "invalid" or
 * "aborted"; "?" for any other value (0 included).
 */
const char *nic_status_name(enum nic_status st);
/**
 * nic_mdev() - the device a NIC drives
 * @nic: the NIC
 *
 * Context: any thread.
 * Return: the device given to nic_create().
 */
struct mdev *nic_mdev(const struct nic *nic);

#endif
