/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * machine.h - the lab's hardware: memory arena, IOMMU, devices.
 *
 * The machine owns one arena of 4 KiB frames.  CPUs reach it through
 * pointers (phys_to_virt); devices never do: every byte a device reads or
 * writes goes through mdev_access(), which translates the device's DMA
 * address through the IOMMU domain the device is attached to -- IOTLB first,
 * then a walk of a real 4-level I/O page table -- or through the identity
 * path under passthrough.  Invalidations are commands on a queue whose
 * latencies come from the platform profile; an IOTLB entry survives a PTE
 * clear until an invalidation removes it, so a lazy window is a real window.
 *
 * Concurrency: every function here may be called from any thread unless it
 * says otherwise.  Lock order (outermost first): domain->lock, iotlb stripe
 * lock, cmdq issue lock, fault lock.
 */
#ifndef DMAREUSE_MACHINE_H
#define DMAREUSE_MACHINE_H

#include <dmareuse/profile.h>
#include <dmareuse/types.h>

struct machine;
struct iommu_domain;
struct mdev;

struct machine_config {
	size_t mem_bytes;			/* arena size; 0 = 256 MiB */
	const struct platform_profile *profile;	/* NULL = zero latency */
	bool populate;				/* touch the arena now (benchmarks):
						 * real RAM takes no first-touch faults */
};

/* The public part of a machine: enough for inline address conversion. */
struct machine_mem {
	uint8_t *base;		/* CPU view of the arena */
	size_t nframes;
};

/** machine_create() - build a machine; NULL on allocation failure. */
struct machine *machine_create(const struct machine_config *cfg);
/**
 * machine_destroy() - free a machine.  Every domain must have been freed;
 * a leak is reported on stderr and returns false.
 */
bool machine_destroy(struct machine *m);
/**
 * machine_mem() - the arena of @m.  struct machine begins with its
 * struct machine_mem (machine_int.h keeps it first), so this is a cast.
 */
static inline const struct machine_mem *machine_mem(const struct machine *m)
{
	return (const struct machine_mem *)(const void *)m;
}
/** machine_profile() - the profile in force (a zero-latency one if none). */
const struct platform_profile *machine_profile(const struct machine *m);

static inline void *phys_to_virt(const struct machine *m, phys_addr_t pa)
{
	return machine_mem(m)->base + pa;
}

static inline phys_addr_t virt_to_phys(const struct machine *m, const void *va)
{
	return (phys_addr_t)((const uint8_t *)va - machine_mem(m)->base);
}

/* ---- I/O page tables and domains ---------------------------------------- */

#define IOMMU_READ 1u	/* the device may read memory through this PTE */
#define IOMMU_WRITE 2u	/* the device may write memory through this PTE */

#define IOVA_BITS 48

/*
 * Table pages come from the OS's page allocator (machine/ must not reach up
 * into os/), so a domain is created with a pair of callbacks, as Linux's
 * io-pgtable takes its allocator from the caller.
 */
struct pgtable_alloc_ops {
	int (*alloc)(void *ctx, pfn_t *pfn);	/* zeroed frame; 0 or -ENOMEM */
	void (*free)(void *ctx, pfn_t pfn);
};

/**
 * iommu_domain_alloc() - create a domain.
 * @identity: true for a passthrough (identity) domain with no page table.
 * @ops, @ctx: table-page allocator (unused for identity).
 *
 * Return: the domain, or NULL if its id space or the root table could not be
 * allocated.
 */
struct iommu_domain *iommu_domain_alloc(struct machine *m, bool identity,
					const struct pgtable_alloc_ops *ops,
					void *ctx);
/**
 * iommu_domain_free() - destroy a domain: remaining PTEs are cleared (and
 * counted as leaks in the return value), the IOTLB is invalidated for it and
 * every table page is returned.  Return: number of leaf PTEs still mapped.
 */
size_t iommu_domain_free(struct iommu_domain *d);
unsigned int iommu_domain_id(const struct iommu_domain *d);
bool iommu_domain_is_identity(const struct iommu_domain *d);
struct machine *iommu_domain_machine(const struct iommu_domain *d);

/**
 * iommu_map() - install leaf PTEs for [@iova, @iova + @size) -> @pa.
 * All three must be page aligned; @prot is IOMMU_READ|IOMMU_WRITE.
 * Return: 0; -EEXIST if a page is already mapped (nothing changes);
 * -ENOMEM if a table page could not be allocated (nothing stays mapped);
 * -EINVAL for misaligned or out-of-range arguments.
 */
int iommu_map(struct iommu_domain *d, iova_t iova, phys_addr_t pa, size_t size,
	      unsigned int prot);
/**
 * iommu_unmap() - clear leaf PTEs of [@iova, @iova + @size) and free table
 * pages that become empty.  No invalidation: the IOTLB may still hold them.
 * Return: bytes that were mapped and are now cleared.
 */
size_t iommu_unmap(struct iommu_domain *d, iova_t iova, size_t size);
/** iommu_iova_to_phys() - software walk; 0 and *pa, *prot; or -ENOENT. */
int iommu_iova_to_phys(struct iommu_domain *d, iova_t iova, phys_addr_t *pa,
		       unsigned int *prot);
/** iommu_domain_pt_pages() - table pages the domain holds now (root included). */
size_t iommu_domain_pt_pages(const struct iommu_domain *d);
/** iommu_domain_mapped_pages() - leaf PTEs the domain holds now. */
size_t iommu_domain_mapped_pages(const struct iommu_domain *d);

/* ---- command queue ------------------------------------------------------ */

enum iommu_cmd_op {
	CMD_INV_RANGE,		/* invalidate @npages from @iova in @domain */
	CMD_INV_DOMAIN,		/* invalidate every entry of @domain */
	CMD_INV_ALL,		/* invalidate everything */
};

struct iommu_cmd {
	enum iommu_cmd_op op;
	unsigned int domain;
	iova_t iova;
	size_t npages;
};

/**
 * iommu_cmdq_submit() - issue @n commands, then (if @sync) a CMD_SYNC and
 * wait for it.  The CPU pays the issue cost (serialised as the profile's
 * cmdq_model says); the hardware is one server: the batch starts at
 * max(now, busy_until).  Entries are gone from the IOTLB when a synced
 * submit returns.  Return: ns the caller spent inside.
 */
uint64_t iommu_cmdq_submit(struct machine *m, const struct iommu_cmd *cmds,
			   size_t n, bool sync);

/* ---- devices ------------------------------------------------------------ */

/** mdev_create() - a device with a name, not attached to any domain yet. */
struct mdev *mdev_create(struct machine *m, const char *name);
void mdev_destroy(struct mdev *dev);
/** mdev_attach() - route @dev's DMA through @d (NULL = blocked). */
void mdev_attach(struct mdev *dev, struct iommu_domain *d);
struct iommu_domain *mdev_domain(const struct mdev *dev);
unsigned int mdev_id(const struct mdev *dev);
const char *mdev_name(const struct mdev *dev);
struct machine *mdev_machine(const struct mdev *dev);

/**
 * mdev_access() - the device reads (@acc = DEV_READ: memory -> @buf) or
 * writes (DEV_WRITE: @buf -> memory) @len bytes at DMA address @addr.
 * Translation is page by page; the first page that faults stops the access,
 * records a fault and fails the whole call (bytes of earlier pages have
 * moved, as on real hardware).  Return: 0 or -EFAULT.
 */
int mdev_access(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		enum dev_access acc);

/**
 * mdev_probe() - an access that moves no data: translated, permission
 * checked, faults recorded and observers told, exactly as mdev_access()
 * with the same arguments -- but memory is neither read nor written.  A
 * rogue device uses it to find out what it *could* reach without
 * corrupting the workloads it spies on.  Return: 0 or -EFAULT.
 */
int mdev_probe(struct mdev *dev, dma_addr_t addr, size_t len, enum dev_access acc);

/* ---- faults ------------------------------------------------------------- */

enum iommu_fault_reason {
	FAULT_TRANSLATION,	/* no valid PTE */
	FAULT_PERMISSION,	/* PTE lacks the access right */
	FAULT_ADDRESS,		/* beyond the IOVA width or the arena */
	FAULT_BLOCKED,		/* device attached to no domain */
};

struct iommu_fault {
	unsigned int dev_id;
	dma_addr_t addr;
	enum dev_access access;
	enum iommu_fault_reason reason;
};

const char *iommu_fault_reason_name(enum iommu_fault_reason r);
/**
 * iommu_faults_read() - copy up to @max of the most recent fault records
 * (oldest first) and return the total number recorded since creation.
 */
uint64_t iommu_faults_read(struct machine *m, struct iommu_fault *out,
			   size_t max, size_t *copied);

/* ---- reverse query, observers, statistics ------------------------------- */

/**
 * iommu_frame_reach() - every translation that currently reaches frame @pfn:
 * leaf PTEs in any domain and IOTLB entries.  @cb is called once per PTE
 * (in_iotlb false) and once per IOTLB entry (in_iotlb true).  Slow: walks
 * every table.  Return: number of callbacks made.
 */
size_t iommu_frame_reach(struct machine *m, pfn_t pfn,
			 void (*cb)(void *arg, unsigned int domain, iova_t iova,
				    bool in_iotlb),
			 void *arg);
/** iommu_frame_reachable() - fast count of PTEs + IOTLB entries reaching @pfn. */
size_t iommu_frame_reachable(struct machine *m, pfn_t pfn);

/*
 * An observer sees every device access page chunk after translation:
 * the frame reached (or ~0 on fault) and the outcome.  The oracle uses it.
 */
typedef void (*access_observer_fn)(void *arg, const struct mdev *dev,
				   dma_addr_t addr, pfn_t pfn, size_t len,
				   enum dev_access acc, bool ok);
/**
 * machine_set_observer() - install (or clear with NULL) the primary access
 * observer (slot 0; machine_add_observer() fills the other slots).
 */
void machine_set_observer(struct machine *m, access_observer_fn fn, void *arg);

#define MACHINE_MAX_OBSERVERS 4	/* slot 0 + 3 added observers */

/**
 * machine_add_observer() - add one more access observer (the oracle and
 * rogue devices each add one).  An observer sees the accesses that start
 * after it was added; several observers run in slot order.
 * Return: 0; -EINVAL if @fn is NULL; -ENOSPC when every slot is taken.
 */
int machine_add_observer(struct machine *m, access_observer_fn fn, void *arg);
/**
 * machine_remove_observer() - remove the observer added with (@fn, @arg).
 * When it returns, @fn is not running on any thread and will not be called
 * again, so @arg may be freed.  Must not be called from an observer.
 * Return: 0, or -ENOENT if no such observer was added.
 */
int machine_remove_observer(struct machine *m, access_observer_fn fn, void *arg);

struct iommu_stats {
	uint64_t iotlb_hits, iotlb_misses, iotlb_evictions, iotlb_invalidated;
	uint64_t cmds, syncs, batches;
	uint64_t cmdq_cpu_ns;	/* CPU time spent in submit (issue + wait) */
	uint64_t faults;
	uint64_t walks;
};

/** iommu_stats_read() - a snapshot of the counters of @m. */
void iommu_stats_read(struct machine *m, struct iommu_stats *out);

#endif
