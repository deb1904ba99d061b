/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * net.h - the net workload: per-CPU threads stream packets through the
 * loopback NIC and check every payload byte end to end.
 *
 * Each CPU thread owns one queue pair of the NIC.  For every packet it
 * takes a NEW buffer from the upper layer's allocator -- packets up to
 * SLAB_MAX_SIZE (2 KiB) from its own kmalloc-like slab (slab.h), which packs
 * several buffers into one page (so a device that can reach one buffer's
 * page reaches its neighbours: sub-page exposure is real), larger ones from
 * the page allocator -- fills it with a payload that is a function of (seed, cpu,
 * sequence number), and transmits it.  The buffer is freed at its TX
 * completion, as a socket buffer is.  The receive side regenerates the
 * payload from the packet's header and compares every byte, checks that
 * packets of a CPU arrive in order, and releases the RX buffer.
 *
 * Packet sizes are drawn per packet from a mix of bands (weight, lo..hi
 * bytes, uniform inside a band), a function of (seed, cpu, sequence) too;
 * the default mix is 50% 64-1500 B, 30% 1500-9000 B, 20% 9000-65536 B.
 * A fixed size replaces the mix.
 *
 * With a packet count the run is deterministic for a seed on a profile
 * without latency noise (`ideal`): packets, verified, failed, bytes and
 * the strategy's map/unmap/copy counts are equal run to run (IOTLB
 * counts depend on how the NIC thread interleaves and are not).
 *
 * Reported (struct wl_result): ops = packets sent (every one ends
 * verified or failed), dma_cpu_ns = the CPU threads' time inside the DMA
 * layer (driver map/unmap/sync/copy on TX and RX, pool get/put), latency =
 * transmit to delivery of each packet, bytes = payload bytes verified.
 */
#ifndef DMAREUSE_NET_H
#define DMAREUSE_NET_H

#include <dmareuse/nic_drv.h>
#include <dmareuse/workload.h>

#define NET_MIN_PACKET 64	/* every packet carries a 16-byte header */
#define NET_MAX_BANDS 8

struct net_band {
	uint32_t lo, hi;	/* bytes, NET_MIN_PACKET..NIC_MAX_FRAME, lo <= hi */
	unsigned int weight;	/* relative share of packets */
};

struct net_params {
	struct reuse_pair pair;		/* the strategy: mode and mechanism */
	unsigned int threads;		/* CPU threads = queue pairs, 1..256 */
	uint64_t packets;		/* total over all threads; 0 = run @seconds */
	unsigned int seconds;		/* 1..300 when @packets is 0 */
	uint32_t size;			/* nonzero: every packet this many bytes */
	struct net_band mix[NET_MAX_BANDS]; /* used when @size is 0 ... */
	unsigned int nbands;		/* ... and this is nonzero; 0 = default mix */
	uint64_t seed;
	const struct platform_profile *profile;	/* own machine; NULL = zero latency */
	struct os *os;			/* run on this OS (>= @threads CPUs) instead
					 * of building a machine; NULL = build one */
	unsigned int nic_threads;	/* 0 = 1; at most NIC_MAX_THREADS */
	unsigned int tx_depth, rx_depth; /* 0 = 64 each; at most NIC_MAX_DEPTH */
	uint32_t rx_buf_size;		/* 0 = the largest packet the mix can send;
					 * else that size up to NIC_MAX_FRAME */
	size_t auto_crossover;		/* 0 = measure at start */
	bool debug;			/* keep DMA-API debug records (tests) */
	bool oracle;			/* classify every device access */
	bool rogue;			/* make the NIC rogue (implies oracle) */
	unsigned int rogue_rate;	/* rogue thread probes/s; 0 = 20000 */
	unsigned int rogue_pokes;	/* also probe this many times per packet */
	uint64_t fault_nth;		/* test hook, see nic_drv_config */
	bool no_rx_post;		/* test hook, see nic_drv_config */
	uint64_t warmup;		/* the first packets each thread sends (of
					 * @packets), whose DMA time is left out */
	unsigned int batch_size;	/* batch: unmaps per batch (nic_drv_config) */
	bool rx_scattered;		/* batch: RX buffers in IOVAs of their own
					 * (nic_drv_config) */
	bool virtual_time;		/* run in virtual time (vtime.h); needs
					 * @os NULL: the run builds its machine */
	struct wl_soak soak;		/* a soak's hooks (workload.h) */
};

/* What net_run() saw beyond struct wl_result. */
struct net_stats {
	struct nic_stats nic;
	struct nic_drv_stats drv;
	uint64_t tx_failed;		/* packets whose TX completion was an error */
	uint64_t corrupt;		/* received with a wrong byte, or out of order */
	uint64_t lost;			/* sent (TX ok) but their RX descriptor came
					 * back with an error */
	uint64_t slab_pages_max;	/* most slab pages held at once, all CPUs */
	size_t crossover;		/* auto: the bounce/map crossover used */
	unsigned int dev_id;		/* mdev_id() of the NIC (oracle reports) */
};

/**
 * net_default_mix() - write the default mix into the parameters
 * @p: receives mix[0..2] and nbands = 3: 50% 64-1500 B, 30% 1500-9000 B,
 *     20% 9000-65536 B
 *
 * Context: any thread.
 */
void net_default_mix(struct net_params *p);
/**
 * net_parse_mix() - parse a packet size mix
 * @s: "W:LO-HI[,W:LO-HI...]", e.g. "50:64-1500,30:1500-9000,20:9000-65536":
 *     1..NET_MAX_BANDS bands, NET_MIN_PACKET <= LO <= HI <= NIC_MAX_FRAME,
 *     weights up to 1000000, at least one nonzero
 * @p: receives the bands in @p->mix and their count in @p->nbands
 * @err: on failure, a message naming the bad part and what is allowed
 * @errlen: size of @err
 *
 * Context: any thread.
 * Return: 0; -EINVAL with @err set.  On error @p->nbands is unchanged but
 * @p->mix may be partly overwritten.
 */
int net_parse_mix(const char *s, struct net_params *p, char *err, size_t errlen);
/**
 * net_packet_size() - the size of one packet
 * @p: the parameters: @p->size, else @p->mix with @p->nbands >= 1 and a
 *     nonzero total weight (as net_run() makes sure)
 * @cpu: the sending CPU
 * @seq: the packet's sequence number on @cpu
 *
 * A function of (seed, @cpu, @seq): a band is drawn by weight, then a size
 * uniformly inside it.
 *
 * Context: any thread.
 * Return: the size in bytes: @p->size if nonzero, else the drawn size.
 */
uint32_t net_packet_size(const struct net_params *p, unsigned int cpu, uint64_t seq);
/**
 * net_fill_payload() - write one packet
 * @buf: receives @len bytes
 * @len: packet length, at least NET_MIN_PACKET (the 16-byte header must fit)
 * @seed: the run's seed
 * @cpu: the sending CPU
 * @seq: the packet's sequence number on @cpu
 *
 * A 16-byte header {magic, @cpu, @len, @seq}, then bytes that are a
 * function of (@seed, @cpu, @seq).
 *
 * Context: any thread.
 */
void net_fill_payload(uint8_t *buf, uint32_t len, uint64_t seed, unsigned int cpu,
		      uint64_t seq);
/**
 * net_check_payload() - verify one received packet
 * @buf: the packet
 * @len: its length in bytes
 * @seed: the run's seed
 * @cpu: receives the CPU the header names
 * @seq: receives the sequence number the header names
 *
 * Regenerates the packet the header names and compares every byte.
 *
 * Context: any thread.
 * Return: true if the magic and length in the header are right and every
 * byte matches.  *@cpu and *@seq are set whenever @len holds a header
 * (16 bytes), even when the result is false.
 */
bool net_check_payload(const uint8_t *buf, uint32_t len, uint64_t seed,
		       unsigned int *cpu, uint64_t *seq);
/**
 * net_why_not() - why a strategy cannot run this workload
 * @p: the strategy: mode and mechanism
 *
 * As nic_drv_why_not(): the workload runs on the NIC driver.
 *
 * Context: any thread.
 * Return: a sentence saying why, or NULL if @p can run it.
 */
const char *net_why_not(struct reuse_pair p);

/**
 * net_run() - run the workload and verify every packet
 * @p: the parameters; checked here (ranges in struct net_params)
 * @r: zeroed, then the results (see above); @r->note says what each buffer
 *     role used
 * @st: receives extra counters (also on failure); may be NULL
 * @err: on failure, one line naming what was wrong
 * @errlen: size of @err
 *
 * Builds its own machine and OS unless @p->os is given (then it uses that
 * OS, whose CPUs must cover the threads, and leaves it alive), creates the
 * NIC driver, runs one thread per queue pair until the packet count or the
 * time is used, and tears the driver down.
 *
 * Context: any thread; blocks for the whole run.  When a worker failed the
 * calling thread collects what is in flight, standing for each CPU in turn,
 * and is left with os_set_cpu(0).
 * Return: 0; -EINVAL (a parameter out of range: the caller's input),
 * -EOPNOTSUPP (the strategy is refused or applies to no buffer role),
 * -ENOMEM (the machine, the OS, the NIC driver -- every setting it checks
 * was checked here first, so only memory is left --, the oracle, the rogue
 * or a worker's memory), -EAGAIN or another -errno of a thread start that
 * failed, -ETIMEDOUT (the NIC stalled), another -errno of nic_drv_xmit(),
 * -EIO (something leaked at teardown); @err says which on every error.
 * Packets that fail verification are counted in @r->failed, not returned
 * as an error; @r is filled even when a worker failed.
 */
int net_run(const struct net_params *p, struct wl_result *r, struct net_stats *st,
	    char *err, size_t errlen);

#endif
