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
	size_t nframes;		/* 4 KiB frames in the arena */
};

/**
 * machine_create() - build a machine
 * @cfg: arena size, profile and populate flag; NULL takes every default
 *       (256 MiB, zero latency, not populated)
 *
 * The arena is one anonymous mapping, touched lazily unless
 * @cfg->populate.  The profile is copied: it need not outlive the call.
 *
 * Context: any thread.
 * Return: the machine, or NULL if the arena size is not a multiple of
 * PAGE_SIZE or is below 16 pages, or on allocation failure.
 */
struct machine *machine_create(const struct machine_config *cfg);
/**
 * machine_destroy() - free a machine
 * @m: the machine; NULL is a no-op
 *
 * Every domain must have been freed and every device destroyed first.
 * Domains and devices still there are reported on stderr (and not freed);
 * the machine is freed anyway.
 *
 * Context: no thread may use @m, its domains or its devices any more.
 * Return: true if no domain was left (and for NULL); false if one was.
 * Devices left are reported but do not change the result.
 */
bool machine_destroy(struct machine *m);
/**
 * machine_mem() - the arena of a machine
 * @m: the machine
 *
 * struct machine begins with its struct machine_mem (machine_int.h keeps
 * it first), so this is a cast.
 *
 * Context: any thread.
 * Return: the public part of @m: the arena's CPU base and frame count.
 */
static inline const struct machine_mem *machine_mem(const struct machine *m)
{
	return (const struct machine_mem *)(const void *)m;
}
/**
 * machine_profile() - the profile in force
 * @m: the machine
 *
 * Context: any thread.
 * Return: @m's copy of the profile given at create, or the built-in
 * zero-latency one (64 sets x 8 ways, CMDQ_BATCH, every latency 0).
 */
const struct platform_profile *machine_profile(const struct machine *m);

/**
 * phys_to_virt() - the CPU address of a physical address
 * @m: the machine
 * @pa: a physical address inside the arena
 *
 * Not checked: an address beyond the arena gives a pointer beyond it.
 *
 * Context: any thread.
 * Return: a CPU pointer to byte @pa of the arena.
 */
static inline void *phys_to_virt(const struct machine *m, phys_addr_t pa)
{
	return machine_mem(m)->base + pa;
}

/**
 * virt_to_phys() - the physical address of a CPU address in the arena
 * @m: the machine
 * @va: a pointer into the arena
 *
 * Not checked: a pointer outside the arena gives a meaningless address
 * (a pointer below the arena wraps to a huge one).
 *
 * Context: any thread.
 * Return: the offset of @va from the start of the arena.
 */
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
 * iommu_domain_alloc() - create a domain
 * @m: the machine
 * @identity: true for a passthrough (identity) domain with no page table
 * @ops: table-page allocator, which must hand out zeroed frames; required
 *       for a translating domain, unused for identity
 * @ctx: passed to @ops
 *
 * A translating domain gets its root table now.  The domain takes the
 * lowest free id (at most 256 domains per machine), and the IOTLB is
 * invalidated for that id so that a recycled id inherits no entry.
 *
 * Context: any thread; takes the machine's domain-table lock.
 * Return: the domain, or NULL if @ops is NULL for a translating domain,
 * the domain or its root table could not be allocated, or all 256 ids are
 * taken.
 */
struct iommu_domain *iommu_domain_alloc(struct machine *m, bool identity,
					const struct pgtable_alloc_ops *ops,
					void *ctx);
/**
 * iommu_domain_free() - destroy a domain
 * @d: the domain; NULL is a no-op
 *
 * Remaining leaf PTEs are cleared (and counted as leaks), every table page
 * -- root and reserve of emptied tables included -- goes back through the
 * domain's ops, the domain's IOTLB entries are dropped at once (no command
 * is issued, no latency charged) and its id becomes free.
 *
 * Context: detach every device from @d first (mdev_attach(dev, NULL)): an
 * attached device would go on using the freed domain.  Takes @d's lock,
 * then the machine's domain-table lock.
 * Return: number of leaf PTEs that were still mapped (0 = clean, and 0
 * for NULL).
 */
size_t iommu_domain_free(struct iommu_domain *d);
/**
 * iommu_domain_id() - the id of a domain
 * @d: the domain
 *
 * The id tags the domain's IOTLB entries and names it in commands
 * (struct iommu_cmd) and reach callbacks.
 *
 * Context: any thread.
 * Return: the id, 0..255, unique among the machine's live domains.
 */
unsigned int iommu_domain_id(const struct iommu_domain *d);
/**
 * iommu_domain_is_identity() - whether a domain is passthrough
 * @d: the domain
 *
 * Context: any thread.
 * Return: true for an identity domain (no page table, DMA address =
 * physical address).
 */
bool iommu_domain_is_identity(const struct iommu_domain *d);
/**
 * iommu_domain_machine() - the machine a domain belongs to
 * @d: the domain
 *
 * Context: any thread.
 * Return: the machine @d was allocated on.
 */
struct machine *iommu_domain_machine(const struct iommu_domain *d);

/**
 * iommu_map() - install leaf PTEs for [@iova, @iova + @size) -> @pa
 * @d: a translating domain
 * @iova: first IOVA; page aligned, the range below 2^IOVA_BITS
 * @pa: first physical address; page aligned, the range inside the arena
 * @size: bytes; a nonzero multiple of PAGE_SIZE
 * @prot: IOMMU_READ, IOMMU_WRITE or both, nothing else
 *
 * Missing intermediate tables are taken from the domain's reserve of
 * emptied tables, else from its ops.  Nothing is invalidated: the pages
 * were not mapped, so the IOTLB holds nothing for them.
 *
 * Context: any thread; takes @d's lock for the whole range.
 * Return: 0; -EEXIST if a page is already mapped (nothing changes);
 * -ENOMEM if a table page could not be allocated (nothing stays mapped);
 * -EINVAL for an identity domain, misaligned, empty or out-of-range
 * arguments, or a bad @prot.
 */
int iommu_map(struct iommu_domain *d, iova_t iova, phys_addr_t pa, size_t size,
	      unsigned int prot);
/**
 * iommu_unmap() - clear the leaf PTEs of [@iova, @iova + @size)
 * @d: the domain
 * @iova: first IOVA; page aligned
 * @size: bytes; a nonzero multiple of PAGE_SIZE
 *
 * Pages not mapped are skipped.  Table pages that become empty are freed
 * (or kept in the domain's reserve).  No invalidation: the IOTLB may still
 * translate the range until a command removes it (iommu_cmdq_submit()).
 *
 * Context: any thread; takes @d's lock.
 * Return: bytes that were mapped and are now cleared; 0 for an identity
 * domain or misaligned, empty or out-of-range arguments.
 */
size_t iommu_unmap(struct iommu_domain *d, iova_t iova, size_t size);
/**
 * iommu_iova_to_phys() - translate one IOVA by a software walk
 * @d: the domain
 * @iova: any IOVA; need not be aligned
 * @pa: receives the physical address of @iova (frame plus page offset)
 * @prot: receives the page's IOMMU_READ / IOMMU_WRITE bits
 *
 * Reads the page table only: the IOTLB is neither consulted nor filled,
 * and no latency is charged.  An identity domain translates every address
 * to itself with both permissions.
 *
 * Context: any thread; takes @d's lock (not for identity).
 * Return: 0 with *@pa and *@prot set; -ENOENT if @iova is not mapped or is
 * beyond IOVA_BITS (*@pa and *@prot unchanged).
 */
int iommu_iova_to_phys(struct iommu_domain *d, iova_t iova, phys_addr_t *pa,
		       unsigned int *prot);
/**
 * iommu_domain_pt_pages() - table pages a domain holds now
 * @d: the domain
 *
 * Context: any thread; takes @d's lock.
 * Return: table pages in @d's tree, root included (emptied tables kept in
 * its reserve are not counted); 0 for identity.
 */
size_t iommu_domain_pt_pages(const struct iommu_domain *d);
/**
 * iommu_domain_mapped_pages() - leaf PTEs a domain holds now
 * @d: the domain
 *
 * Context: any thread; takes @d's lock.
 * Return: valid leaf PTEs in @d (pages mapped); 0 for identity.
 */
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
 * iommu_cmdq_submit() - issue a batch of commands on the command queue
 * @m: the machine
 * @cpu: the submitting CPU (picks the queue under the ecmdq model)
 * @cmds: the commands; not validated (an unknown op costs and does nothing)
 * @n: number of entries in @cmds; 0 with @sync is a bare CMD_SYNC
 * @sync: append a CMD_SYNC and wait for the batch to complete
 *
 * The CPU pays the issue costs of the profile's submission model (lock,
 * lockfree or ecmdq; machine/cmdq.c) and the hardware serves the commands
 * in order on one server per queue.  The entries are removed from the
 * IOTLB when they reach the hardware, so they are gone when a synced
 * submit returns; a synced submit with commands also waits until the
 * device accesses that were already translating have finished, as
 * CMD_SYNC completes only after them.  Without @sync the call returns once
 * the batch is issued.
 *
 * Context: any thread, an access observer included (the drain does not
 * wait for the caller's own access); spins, never sleeps.  Takes the queue
 * locks, IOTLB stripe locks and the drain lock.
 * Return: ns the caller spent inside (issue and wait).
 */
uint64_t iommu_cmdq_submit(struct machine *m, unsigned int cpu,
			   const struct iommu_cmd *cmds, size_t n, bool sync);

/* ---- devices ------------------------------------------------------------ */

/**
 * mdev_create() - a device with a name, not attached to any domain yet
 * @m: the machine
 * @name: the device's name; copied, truncated to 31 characters
 *
 * Until mdev_attach() the device is blocked: every access faults with
 * FAULT_BLOCKED.  Ids come from one process-wide counter, so they are
 * unique across machines too.
 *
 * Context: any thread; takes the machine's domain-table lock.
 * Return: the device, or NULL on allocation failure.
 */
struct mdev *mdev_create(struct machine *m, const char *name);
/**
 * mdev_destroy() - free a device
 * @dev: the device; NULL is a no-op
 *
 * Context: no thread may use @dev any more: no access may be in flight.
 */
void mdev_destroy(struct mdev *dev);
/**
 * mdev_attach() - route a device's DMA through a domain
 * @dev: the device
 * @d: the domain, or NULL to block the device (every access faults)
 *
 * One atomic store: an access already under way finishes with the domain
 * it started with.
 *
 * Context: any thread.
 */
void mdev_attach(struct mdev *dev, struct iommu_domain *d);
/**
 * mdev_domain() - the domain a device is attached to
 * @dev: the device
 *
 * Context: any thread.
 * Return: the domain, or NULL if the device is blocked.
 */
struct iommu_domain *mdev_domain(const struct mdev *dev);
/**
 * mdev_id() - the id of a device
 * @dev: the device
 *
 * Context: any thread.
 * Return: the id given at create, unique in the process; fault records,
 * the oracle and reports name devices by it.
 */
unsigned int mdev_id(const struct mdev *dev);
/**
 * mdev_name() - the name of a device
 * @dev: the device
 *
 * Context: any thread.
 * Return: the name given at create (at most 31 characters), owned by @dev.
 */
const char *mdev_name(const struct mdev *dev);
/**
 * mdev_machine() - the machine a device belongs to
 * @dev: the device
 *
 * Context: any thread.
 * Return: the machine @dev was created on.
 */
struct machine *mdev_machine(const struct mdev *dev);

/**
 * mdev_access() - a device reads or writes memory through the IOMMU
 * @dev: the device
 * @addr: DMA address of the first byte
 * @buf: the device's side of the copy, @len bytes
 * @len: bytes to move; 0 does nothing
 * @acc: DEV_READ copies memory to @buf, DEV_WRITE copies @buf to memory
 *
 * Translation is page by page: an identity domain takes @addr as a
 * physical address (checked against the arena only); a translating domain
 * looks the page up in the IOTLB and, on a miss, walks the table (charging
 * the profile's iotlb_miss_ns to this thread) and fills the IOTLB.  The
 * first page that faults -- no valid PTE, a missing permission, an address
 * beyond IOVA_BITS or the arena, no domain -- stops the access, records a
 * fault and fails the whole call; bytes of earlier pages have moved, as on
 * real hardware.  Every page chunk, good or faulting, is reported to the
 * access observers.
 *
 * Context: any thread (it stands for the device); the observers run on it,
 * inside the call.
 * Return: 0, or -EFAULT if a page faulted.
 */
int mdev_access(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		enum dev_access acc);

/**
 * mdev_probe() - an access that moves no data
 * @dev: the device
 * @addr: DMA address of the first byte
 * @len: bytes the access covers
 * @acc: DEV_READ or DEV_WRITE: the permission checked
 *
 * Translated, permission checked, faults recorded and observers told,
 * exactly as mdev_access() with the same arguments -- but memory is neither
 * read nor written.  A rogue device uses it to find out what it *could*
 * reach without corrupting the workloads it spies on.
 *
 * Context: any thread; the observers run inside the call.
 * Return: 0, or -EFAULT if a page faulted.
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

/**
 * iommu_fault_reason_name() - the name of a fault reason
 * @r: the reason
 *
 * Context: any thread.
 * Return: "translation", "permission", "address-size" or "blocked"; "?"
 * for a value that is not a reason.
 */
const char *iommu_fault_reason_name(enum iommu_fault_reason r);
/**
 * iommu_faults_read() - the most recent fault records
 * @m: the machine
 * @out: receives up to @max records, oldest first
 * @max: room in @out; the machine keeps only the last 256 faults
 * @copied: receives the number of records copied; may be NULL
 *
 * Context: any thread; takes the fault lock.
 * Return: the total number of faults recorded since the machine was
 * created (may exceed what was copied).
 */
uint64_t iommu_faults_read(struct machine *m, struct iommu_fault *out,
			   size_t max, size_t *copied);

/* ---- reverse query, observers, statistics ------------------------------- */

/**
 * iommu_frame_reach() - every translation that currently reaches a frame
 * @m: the machine
 * @pfn: the frame
 * @cb: called with @arg, the domain id and the IOVA, once per leaf PTE
 *      (in_iotlb false) and once per IOTLB entry (in_iotlb true) that maps
 *      to @pfn; NULL only counts
 * @arg: passed to @cb
 *
 * Slow: walks every table of every translating domain, then the whole
 * IOTLB; the two are not one snapshot.  Identity domains are skipped,
 * although they reach every frame.
 *
 * Context: any thread; @cb runs with the machine's domain-table lock and
 * a domain lock held (PTEs) or an IOTLB stripe lock held (IOTLB entries),
 * so it must not call into the machine.
 * Return: the number of PTEs and IOTLB entries found (= callbacks made when
 * @cb is set).
 */
size_t iommu_frame_reach(struct machine *m, pfn_t pfn,
			 void (*cb)(void *arg, unsigned int domain, iova_t iova,
				    bool in_iotlb),
			 void *arg);
/**
 * iommu_frame_reachable() - count the translations that reach a frame
 * @m: the machine
 * @pfn: the frame
 *
 * Fast: reads the per-frame count of leaf PTEs kept by iommu_map() and
 * iommu_unmap() (all domains) and scans the IOTLB; no table walk.
 *
 * Context: any thread; takes IOTLB stripe locks one at a time.
 * Return: leaf PTEs plus IOTLB entries mapping to @pfn; 0 for a frame
 * outside the arena.
 */
size_t iommu_frame_reachable(struct machine *m, pfn_t pfn);

/*
 * An observer sees every device access page chunk after translation:
 * the frame reached (or ~0 on fault) and the outcome.  The oracle uses it.
 */
typedef void (*access_observer_fn)(void *arg, const struct mdev *dev,
				   dma_addr_t addr, pfn_t pfn, size_t len,
				   enum dev_access acc, bool ok);
/**
 * machine_set_observer() - install or clear the primary access observer
 * @m: the machine
 * @fn: the observer, or NULL to clear the slot
 * @arg: passed to @fn
 *
 * Slot 0; machine_add_observer() fills the other slots.  An observer
 * already in slot 0 is removed first, and the call then waits until no
 * access is calling any observer, so the old @arg may be freed when it
 * returns.
 *
 * Context: any thread but an observer (replacing one from inside an
 * access would wait for itself forever); takes the observer lock.
 */
void machine_set_observer(struct machine *m, access_observer_fn fn, void *arg);

#define MACHINE_MAX_OBSERVERS 4	/* slot 0 + 3 added observers */

/**
 * machine_add_observer() - add one more access observer
 * @m: the machine
 * @fn: the observer; called on the accessing thread for every page chunk
 * @arg: passed to @fn
 *
 * The oracle and rogue devices each add one.  An observer sees every
 * access that starts after it was added (and may see later chunks of one
 * already under way); several observers run in slot order.
 *
 * Context: any thread; takes the observer lock.
 * Return: 0; -EINVAL if @fn is NULL; -ENOSPC (logged) when the
 * MACHINE_MAX_OBSERVERS - 1 slots are taken.
 */
int machine_add_observer(struct machine *m, access_observer_fn fn, void *arg);
/**
 * machine_remove_observer() - remove an observer added with
 * machine_add_observer()
 * @m: the machine
 * @fn: the observer as it was added
 * @arg: its argument as it was added
 *
 * When it returns, @fn is not running on any thread and will not be called
 * again, so @arg may be freed.  Slot 0 (machine_set_observer()) is not
 * searched.
 *
 * Context: any thread but an observer (it waits for every access calling
 * observers, which would include its own); takes the observer lock.
 * Return: 0, or -ENOENT if no such observer was added.
 */
int machine_remove_observer(struct machine *m, access_observer_fn fn, void *arg);

struct iommu_stats {
	uint64_t iotlb_hits, iotlb_misses, iotlb_evictions, iotlb_invalidated;
	uint64_t cmds, syncs, batches;
	uint64_t cmdq_cpu_ns;	/* CPU time spent in submit (issue + wait) */
	uint64_t cmdq_wait_ns;	/* ... of which waiting for CMD_SYNC to complete */
	uint64_t faults;
	uint64_t walks;
};

/**
 * iommu_stats_read() - read a machine's IOMMU counters
 * @m: the machine
 * @out: receives the counters
 *
 * Each counter is read atomically, one after the other: under load the set
 * is not one instant.
 *
 * Context: any thread; no lock.
 */
void iommu_stats_read(struct machine *m, struct iommu_stats *out);

#endif
