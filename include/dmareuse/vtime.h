/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * vtime.h - virtual time: many simulated CPUs running the lab's real code.
 *
 * vtime_run() turns the calling thread into a small discrete-event machine.
 * Every lab thread started from inside it (mthread_create(): a workload's
 * CPU threads, a device's engine, the lazy flush timer) becomes a context
 * with its own clock and its own stack, and exactly one context runs at a
 * time: the one whose clock is lowest (ties go to the older context).  The
 * code that runs is the lab's real code -- page tables, IOTLB, allocators,
 * devices moving real bytes, zlib, the oracle -- only time is simulated:
 *
 *   - a software cost is charged explicitly, mcost(COST_x) from the cost
 *     table of the platform profile, and advances the running context's
 *     clock without giving up the CPU;
 *   - a hardware latency (mclock_spend(), mclock_wait_until()) advances the
 *     clock and then lets any context that is now behind run first;
 *   - a lab lock (struct mlock) is a resource in virtual time: taking it is
 *     a synchronisation point (everything earlier in virtual time happens
 *     first), a free lock costs COST_LOCK plus COST_LINE when another
 *     context held it last, and a waiter queues FIFO and resumes at the
 *     release time plus COST_LINE plus COST_LINE_CONTEND per context still
 *     spinning behind it;
 *   - a condition variable wakes its waiter at the signaller's time plus the
 *     cost class it was created with (an interrupt, a doorbell, a wake-up);
 *   - a busy-wait (mclock_relax()) skips ahead to the next context's clock,
 *     so a CPU polling a completion costs one switch per event, not one per
 *     nanosecond.
 * The schedule depends only on the virtual clocks and the creation order,
 * so a run prints the same bytes on any host under any load.  This is
 * direct-execution simulation with conservative (lowest-clock-first)
 * scheduling, in the style of the Wisconsin Wind Tunnel and Graphite.
 *
 * Clocks count picoseconds, so a cost of a fraction of a nanosecond per
 * byte adds up exactly; mclock_now() still speaks nanoseconds.
 *
 * Thread-local variables that stand for "this CPU" (os_set_cpu(), a
 * device's accesses in flight, ...) are registered with vtime_tls_register()
 * and saved and restored at every switch, so each context has its own.
 *
 * Not modelled: caches beyond the listed line transfers, NUMA, preemption
 * and interrupts stealing time from a context, and memory bandwidth.
 */
#ifndef DMAREUSE_VTIME_H
#define DMAREUSE_VTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The cost table: what virtual time charges for each class of software
 * work.  Each platform profile that supports virtual time gives every
 * entry as `cost_NAME_ns` (see vtime_cost_name()); DESIGN's calibration set
 * fixes some, the profile's sources the rest.
 */
enum vtime_cost {
	COST_DMA_CALL,		/* entry, argument checks and return of a DMA API call */
	COST_DMA_SYNC,		/* a sync call on a mapping that needs no cache work */
	COST_REUSE_CALL,	/* a reuse-layer call's own bookkeeping: state, lists, counters */
	COST_IOVA_FAST,		/* IOVA alloc or free served by this CPU's magazines */
	COST_IOVA_DEPOT,	/* a magazine exchanged with the depot (under its lock) */
	COST_IOVA_SLOW,		/* IOVA alloc or free in the range tree (under its lock) */
	COST_PTE_WRITE,		/* write or clear one leaf PTE */
	COST_TLB_GATHER,	/* an invalidating unmap's bookkeeping: gather the range,
				 * build the commands, check ATS (once per flush) */
	COST_PT_WALK,		/* software walk from the root to a leaf table */
	COST_PAGE_ALLOC,	/* one buddy allocation */
	COST_PAGE_FREE,		/* one buddy free */
	COST_PAGE_REF,		/* one page reference taken or dropped (an atomic) */
	COST_LOCK,		/* acquire and release of a free, cache-hot lock */
	COST_LINE,		/* one cache line moved from another CPU */
	COST_LINE_CONTEND,	/* extra per CPU also spinning on that line */
	COST_COPY_BYTE,		/* memcpy, per byte (bounce copies, swiotlb) */
	COST_HASH,		/* one hash-table lookup (mapping cache, dma_debug) */
	COST_SLOT,		/* one swiotlb slot search or release */
	COST_CMD_BUILD,		/* build one IOMMU command (CPU) */
	COST_MMIO,		/* one register write across the interconnect (doorbell, prod) */
	COST_POLL,		/* one poll of a completion word */
	COST_IRQ,		/* interrupt delivery to a sleeping driver, handler to wake-up */
	COST_WAKEUP,		/* waking a sleeping thread (a timer, a join) */
	COST_RING,		/* write or read one descriptor of a device ring */
	COST_DEV_BYTE,		/* device time per byte moved through the IOMMU */
	COST_ZIP_BYTE,		/* compression engine time per input byte */
	COST_NIC_BYTE,		/* NIC wire time per byte */
	COST_COUNT
};

/**
 * vtime_cost_name() - the profile key of a cost class, without "cost_"/"_ns"
 * @c: the class
 *
 * Return: e.g. "iova_fast" for COST_IOVA_FAST; "?" for a value that is not
 * a class.
 */
const char *vtime_cost_name(enum vtime_cost c);
/**
 * vtime_cost_help() - one line saying what a cost class charges
 * @c: the class
 *
 * Return: the description; "?" for a value that is not a class.
 */
const char *vtime_cost_help(enum vtime_cost c);

struct vctx;

/* The context running on this host thread; NULL outside virtual time. */
extern _Thread_local struct vctx *vtime_cur;
/* The picosecond cost table of the run in progress (valid when vtime_cur). */
extern const uint64_t *vtime_cost_ps;

/* The part of a context the inline helpers need. */
struct vctx_clock {
	uint64_t now;		/* ps; must stay first in struct vctx */
};

struct vtime_cfg {
	uint64_t cost_ps[COST_COUNT];	/* the cost table, in picoseconds */
	size_t stack_bytes;		/* per context; 0 = 256 KiB */
};

struct vtime_stats {
	uint64_t contexts;	/* contexts created, the first included */
	uint64_t switches;	/* context switches */
	uint64_t lock_waits;	/* lock acquisitions that had to queue */
	uint64_t end_ps;	/* the first context's clock when it returned */
};

/**
 * vtime_run() - run @fn in virtual time
 * @cfg: the cost table and stack size
 * @fn: the first context's function; every context it starts must have
 *      been joined by the time it returns
 * @arg: passed to @fn
 * @stats: if not NULL, filled with what the run did
 *
 * The calling host thread runs every context, one at a time, until @fn
 * returns.  Nothing here reads a host clock.  A run in which every
 * context blocks for good (a deadlock in the simulated program) is a bug:
 * it prints every context and what it waits for on stderr and aborts.
 *
 * Context: not from inside virtual time; one run per process at a time.
 * Return: 0; -EBUSY if a run is already in progress, or (after printing
 * their names) if contexts were still alive when @fn returned; -ENOMEM if
 * the first context cannot be created.
 */
int vtime_run(const struct vtime_cfg *cfg, void (*fn)(void *), void *arg,
	      struct vtime_stats *stats);

/**
 * vtime_active() - whether the caller runs in virtual time
 *
 * Return: true inside a context of vtime_run().
 */
static inline bool vtime_active(void)
{
	return vtime_cur != NULL;
}

/**
 * vtime_now_ps() - the running context's clock
 *
 * Context: inside virtual time only.
 * Return: picoseconds since the run began.
 */
static inline uint64_t vtime_now_ps(void)
{
	return ((struct vctx_clock *)vtime_cur)->now;
}

/**
 * vtime_charge_ps() - advance the running context's clock, keep the CPU
 * @ps: picoseconds of work
 *
 * Context: inside virtual time only.
 */
static inline void vtime_charge_ps(uint64_t ps)
{
	((struct vctx_clock *)vtime_cur)->now += ps;
}

/**
 * vtime_sync() - let every context that is behind the caller run first
 *
 * A synchronisation point: after it returns, no runnable context has a
 * lower clock than the caller (with ties broken by age).
 *
 * Context: inside virtual time only.
 */
void vtime_sync(void);
/**
 * vtime_wait_until_ps() - advance the caller's clock to @t, then vtime_sync()
 * @t: picoseconds; a time already passed only syncs
 *
 * Context: inside virtual time only.
 * Return: the picoseconds the clock advanced.
 */
uint64_t vtime_wait_until_ps(uint64_t t);
/**
 * vtime_relax() - one iteration of a busy-wait
 *
 * Charges COST_POLL, skips ahead to the earliest other runnable context's
 * clock if that is later (nothing can change before it), and syncs.
 *
 * Context: inside virtual time only.
 */
void vtime_relax(void);
/**
 * vtime_ctx_id() - the running context's number
 *
 * Context: inside virtual time only.
 * Return: 0 for the first context, then one more per context created.
 */
unsigned int vtime_ctx_id(void);

/**
 * vtime_tls_register() - give each context its own copy of a thread-local
 * @where: returns the address of a _Thread_local variable on the calling
 *         thread (called on the thread that runs vtime_run(), at its start)
 * @size: the variable's size in bytes, 1 to 128
 *
 * At every switch the variable is saved for the context leaving and
 * restored for the one arriving; a new context starts with it zeroed, and
 * the host's value is back when vtime_run() returns.  Registering the same
 * @where twice is a no-op.  Up to 16 variables.
 *
 * Context: not during a run; normally from a constructor.
 * Return: 0; -EINVAL for a size of 0 or above 128; -ENOSPC when 16
 * variables are registered already.
 */
int vtime_tls_register(void *(*where)(void), size_t size);

/*
 * VTIME_TLS(var): register the _Thread_local @var of this file, from a
 * constructor, so that every context of a run has its own copy.
 */
#define VTIME_TLS(var)                                                     \
	static void *var##_vtime_where(void) { return &var; }              \
	__attribute__((constructor)) static void var##_vtime_register(void) \
	{                                                                  \
		(void)vtime_tls_register(var##_vtime_where, sizeof(var));  \
	}

#endif
