/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * machine_int.h - private state of the machine model, shared by the files of
 * machine/ only.  Nothing outside machine/ includes this.
 *
 * Lock order (outermost first): machine->dom_lock, domain->lock,
 * iotlb stripe lock, cmdq owner_lock, cmdq prod_line / issue_lock,
 * machine->fault_lock.
 *
 * Locks are struct mlock (mthread.h).  In virtual time only the command
 * queue's are modelled (Linux takes them); the rest are the lab's own or
 * stand for structures Linux keeps lock-free (io-pgtable's tables) or in
 * hardware (the IOTLB), so they exclude but cost nothing (MLOCK_FREE).
 */
#ifndef DMAREUSE_MACHINE_INT_H
#define DMAREUSE_MACHINE_INT_H

#include <dmareuse/machine.h>
#include <dmareuse/mthread.h>

#include <stdatomic.h>

#define MAX_DOMAINS 256
#define FAULT_RING 256
#define IOTLB_STRIPES 64

/* PTE layout: bit 0 valid, bit 1 read, bit 2 write, bits 12-51 address. */
#define PTE_VALID 1ull
#define PTE_READ 2ull
#define PTE_WRITE 4ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PT_LEVELS 4
#define PT_ENTRIES 512
#define PT_RESERVE 8		/* emptied tables a domain keeps for reuse */

struct iommu_domain {
	struct machine *m;
	unsigned int id;
	bool identity;
	pfn_t root;			/* level-3 table frame; unused if identity */
	const struct pgtable_alloc_ops *ops;
	void *ops_ctx;
	struct mlock lock;		/* protects the table and both counts */
	size_t pt_pages;		/* tables in the tree, root included */
	size_t mapped;
	unsigned int nreserve;		/* emptied, zeroed tables kept for reuse */
	pfn_t reserve[PT_RESERVE];
};

struct tlb_entry {
	uint64_t tag;			/* 0 = invalid; else (dom+1) << 36 | iova pfn */
	pfn_t pfn;
	unsigned int prot;
	uint32_t lru;			/* larger = more recent */
};

struct iotlb {
	unsigned int sets, ways;
	struct tlb_entry *e;		/* sets * ways */
	struct mlock stripe[IOTLB_STRIPES]; /* set s is under stripe[s % N] */
	uint32_t *clock;		/* per stripe LRU clock, under its lock */
};

struct cmdq_sub;

/* One hardware queue: the machine's only one, or one ECMDQ. */
struct cmdq_hw {
	struct mlock issue_lock;	/* lock model: the queue lock */
	struct mlock prod_line;		/* lock-free: the producer index's cache line;
					 * protects gather_* */
	struct mlock owner_lock;	/* lock-free: one owner issues at a time;
					 * orders busy_until and inv_done */
	struct cmdq_sub *gather_head, **gather_tail;	/* claimed, not yet issued */
	bool gather_open;		/* an owner has claimed and not yet closed */
	uint64_t busy_until;		/* ns: the hardware server is free then */
	uint64_t inv_done;		/* ns: every invalidation issued is complete then */
};

struct cmdq {
	struct cmdq_hw hw[CMDQ_MAX_QUEUES];	/* [0] unless the model is ecmdq */
};

struct mdev {
	struct machine *m;
	unsigned int id;
	char name[32];
	_Atomic(struct iommu_domain *) domain;
};

struct machine_stats {
	_Atomic uint64_t iotlb_hits, iotlb_misses, iotlb_evictions,
		iotlb_invalidated;
	_Atomic uint64_t cmds, syncs, batches, cmdq_cpu_ns, cmdq_wait_ns, faults, walks;
};

struct machine {
	struct machine_mem mem;		/* must stay first: machine_mem() */
	struct platform_profile profile;
	_Atomic uint32_t *pte_refs;	/* per frame: leaf PTEs pointing at it */
	uint16_t *pt_used;		/* per table frame: valid entries; under
					 * the owning domain's lock */
	struct mlock dom_lock;		/* protects domains[] and ndev */
	struct iommu_domain *domains[MAX_DOMAINS];
	unsigned int ndev;
	struct iotlb tlb;
	struct cmdq cmdq;
	struct mlock fault_lock;	/* protects the fault ring */
	struct iommu_fault faults[FAULT_RING];
	uint64_t nfaults;
	/*
	 * Access observers: slot 0 belongs to machine_set_observer(), the rest
	 * to machine_add_observer().  obs_lock serialises changes; nobs counts
	 * slots in use so that mdev_access() skips all of this with one
	 * relaxed load when nobody watches; obs_busy counts accesses that may
	 * be calling observers, and removal waits for it to drain.
	 */
	struct mlock obs_lock;
	struct {
		_Atomic(access_observer_fn) fn;
		_Atomic(void *) arg;
	} obs[MACHINE_MAX_OBSERVERS];
	_Atomic unsigned int nobs;
	_Atomic unsigned int obs_busy;
	/*
	 * In-flight device accesses, in two epochs (SRCU's scheme): an access
	 * counts itself in acc_active[epoch & 1] before it translates and
	 * leaves after its copy.  A synced invalidation flips the epoch twice
	 * and waits for each old count to drain, so when it returns no access
	 * that could have used a translation it removed is still copying --
	 * CMD_SYNC's guarantee on real hardware.  drain_lock serialises drains.
	 */
	_Atomic unsigned int acc_epoch;
	_Atomic uint64_t acc_active[2];
	struct mlock drain_lock;
	struct machine_stats st;
};

static inline uint64_t *pt_table(struct machine *m, pfn_t pfn)
{
	return (uint64_t *)(m->mem.base + (pfn << PAGE_SHIFT));
}

#define stat_inc(m, field) \
	atomic_fetch_add_explicit(&(m)->st.field, 1, memory_order_relaxed)
#define stat_add(m, field, v) \
	atomic_fetch_add_explicit(&(m)->st.field, (v), memory_order_relaxed)

int iotlb_init(struct iotlb *t, unsigned int sets, unsigned int ways);
void iotlb_destroy(struct iotlb *t);
/* Lookup; on hit fills *pfn and *prot and returns true. */
bool iotlb_lookup(struct machine *m, unsigned int dom, iova_t iova_pfn,
		  pfn_t *pfn, unsigned int *prot);
void iotlb_fill(struct machine *m, unsigned int dom, iova_t iova_pfn, pfn_t pfn,
		unsigned int prot);
void iotlb_inv_range(struct machine *m, unsigned int dom, iova_t iova_pfn,
		     size_t npages);
void iotlb_inv_domain(struct machine *m, unsigned int dom);
void iotlb_inv_all(struct machine *m);
size_t iotlb_frame_entries(struct machine *m, pfn_t pfn,
			   void (*cb)(void *arg, unsigned int dom, iova_t iova,
				      bool in_iotlb),
			   void *arg);

void cmdq_init(struct cmdq *q);
void cmdq_destroy(struct cmdq *q);
/* Walk @d's table for @iova under d->lock; returns the leaf PTE or 0. */
uint64_t pt_lookup_locked(struct iommu_domain *d, iova_t iova);
/* Wait until no device access that started before now is still running. */
void machine_drain_accesses(struct machine *m);
void record_fault(struct machine *m, const struct mdev *dev, dma_addr_t addr,
		  enum dev_access acc, enum iommu_fault_reason why);

#endif
