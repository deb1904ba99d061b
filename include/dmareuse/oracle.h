/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * oracle.h - the isolation oracle: what did each device really reach?
 *
 * Attached to a lab OS, the oracle watches three things and needs no help
 * from drivers or workloads: the DMA events of os/ (what is lent to which
 * device, and when it is taken back), every device access chunk of machine/
 * (which frame a device really reached, after the IOMMU), and the page
 * allocator's frees.  Every successful access chunk gets one class
 * (docs/design.md section 8):
 *
 *   ok       inside a buffer currently lent to this device for this
 *            direction (a read of a TO_DEVICE/BIDIRECTIONAL buffer, a write
 *            of a FROM_DEVICE/BIDIRECTIONAL one);
 *   stale    the frame still has the owner and generation it had when it
 *            was lent to this device, but the bytes are outside a lending
 *            window: after sync_for_cpu and before sync_for_device (reuse,
 *            cache, pool: the buffer is mapped but the CPU owns it), or
 *            after unmap (lazy, batch: through a stale IOTLB entry before
 *            the flush);
 *   subpage  the same page as a buffer lent to this device now, but
 *            outside the bytes lent to it for this direction (a sub-page
 *            buffer exposes its whole page; a write into a TO_DEVICE buffer
 *            that another mapping of the page makes writable);
 *   breach   the frame is free, or its generation changed since it was lent
 *            to this device (use-after-free DMA), or the device reached a
 *            frame that was never lent to it (passthrough; or a stale
 *            translation whose record the oracle retired -- see below).
 *
 * The current state of the page decides before its history: bytes of a
 * buffer mapped now (lent, or synced for the CPU) are ok or stale, other
 * bytes of a page lent now are subpage, and only a page not lent now is
 * stale because of an earlier lending.  So a strict domain shows no stale
 * access except between uses.
 *
 * Lending ends when the unmap returns.  The DMA layer tells a synchronous
 * unmap (strict, bounce, coherent free, iova unlink) once its invalidation
 * has completed, and that invalidation waits for every device access
 * already translating through the buffer, its classification included: an
 * access racing the unmap call is ok (or blocked), one after the return
 * blocked, none stale.  A lazy or deferred unmap returns before its
 * invalidation and is told before its PTEs go, so its window is seen.
 *
 * Classification is by physical bytes: an access through an old IOVA that
 * reaches bytes lent to the same device again is ok.  A refused access
 * (IOMMU fault) gets no class; it is counted as `blocked`.
 *
 * Records of unmapped buffers are kept so that a later access through a
 * stale IOTLB entry is still recognised (stale or breach); they are retired
 * oldest first beyond a bound (oracle_opts.max_dead, default 16384: more
 * than a lazy domain's flush queues hold, 256 per CPU, for up to 64
 * CPUs).  An access that reaches an allocated frame for which the device has
 * no record at all is classified from the hardware: if a present PTE of the
 * device's domain maps the accessed address to that frame the mapping is
 * being made, or torn down by a lazy or deferred unmap, right now (the DMA
 * event is in flight), and the access is `stale`; otherwise the access
 * went through a translation the OS no longer has (its record was
 * retired, or it predates the oracle) and is conservatively a `breach`.
 * Attach the oracle before devices map anything, so that every lending is
 * seen.
 *
 * Coherent memory (dma_alloc_coherent) is lent for its whole life.  A sync
 * applies to the whole buffer its address starts (a partial sync for the
 * CPU takes the whole buffer back, a partial sync for the device lends the
 * whole buffer again).
 *
 * Concurrency: observers fire on CPU threads (DMA events, page frees) and
 * device threads (accesses) at once; every entry point is thread safe.
 */
#ifndef DMAREUSE_ORACLE_H
#define DMAREUSE_ORACLE_H

#include <dmareuse/dma.h>

#include <stdio.h>

struct oracle;

enum oracle_class {
	ORACLE_OK,
	ORACLE_STALE,
	ORACLE_SUBPAGE,
	ORACLE_BREACH,
	ORACLE_NCLASS,
};

/* Counts of access chunks (one chunk = the part of an access in one page). */
struct oracle_counts {
	uint64_t ok, stale, subpage, breach;
	uint64_t blocked;	/* accesses the IOMMU refused (no class) */
	uint64_t freed_mapped;	/* frames freed while still mapped for the device */
};

struct oracle_opts {
	size_t max_dead;	/* unmapped-buffer records kept; 0 = 16384 */
};

/**
 * oracle_attach() - start watching an OS and its machine
 * @os: the OS
 *
 * Installs the DMA observer of @os (replacing any other), adds a machine
 * access observer and a page free hook.  Attach before devices map
 * anything, so that every lending is seen.
 *
 * Context: any thread, before devices of @os map anything.
 * Return: the oracle, or NULL for a NULL @os, on allocation failure, or
 * (a message says so) when no machine observer slot is left or the page
 * allocator already holds its 4 free hooks; a failed attach leaves no
 * observer and no hook behind.
 */
struct oracle *oracle_attach(struct os *os);
/**
 * oracle_attach_opts() - oracle_attach() with options
 * @os: the OS
 * @opts: options; NULL or a zero field takes the default
 *
 * Context: as oracle_attach().
 * Return: as oracle_attach().
 */
struct oracle *oracle_attach_opts(struct os *os, const struct oracle_opts *opts);
/**
 * oracle_detach() - stop watching and free the oracle
 * @o: the oracle; NULL is a no-op
 *
 * Removes the access observer and clears the OS's DMA observer (whoever
 * set it last).  The page allocator cannot forget a free hook, so a small
 * inert cell stays registered per attach (an allocator takes at most 4
 * free hooks: once they are used up -- 4 attaches, or 3 when the harness's
 * safety check is installed too -- a further oracle_attach() on the OS
 * fails).
 *
 * Context: call it when no DMA API call is in flight (os/ does not
 * synchronise its DMA observer); device accesses and page frees may still
 * run: it waits for the ones inside the oracle.  Not from an observer.
 */
void oracle_detach(struct oracle *o);

/**
 * oracle_read() - the counts of one device, or of all
 * @o: the oracle
 * @dev: the device, or NULL for the sum over every device seen
 * @out: zeroed, then receives the counts
 *
 * Each count is read atomically, one after the other.
 *
 * Context: any thread.
 * Return: 0, or -ENOENT if @dev never appeared (counts left zero).
 */
int oracle_read(struct oracle *o, const struct mdev *dev, struct oracle_counts *out);

/**
 * oracle_isolation() - the isolation class measured for a device
 * @o: the oracle
 * @dev: the device; not NULL
 *
 * The classes, first match wins:
 *   "none"      passthrough: the device reaches all memory;
 *   "breached"  translated, but at least one breach was seen;
 *   "window"    no breach, but stale accesses (outside lending windows);
 *   "page"      only subpage and ok accesses (page-granular isolation);
 *   "buffer"    only ok accesses (or none): the device reached only lent
 *               buffers.
 *
 * Context: any thread.
 * Return: one of those static strings, or "unknown" for a device never
 * seen.
 */
const char *oracle_isolation(struct oracle *o, const struct mdev *dev);

/**
 * oracle_class_name() - the name of an access class
 * @c: the class
 *
 * Context: any thread.
 * Return: "ok", "stale", "subpage" or "breach"; "?" for any other value.
 */
const char *oracle_class_name(enum oracle_class c);

/* One device as oracle_read_all() reports it. */
struct oracle_dev_report {
	unsigned int dev_id;	/* mdev_id() */
	char name[32];
	bool passthrough;
	const char *isolation;	/* as oracle_isolation() */
	struct oracle_counts counts;
};

/**
 * oracle_read_all() - a report per device seen
 * @o: the oracle
 * @out: receives up to @max reports, in the order devices first appeared
 * @max: room in @out
 *
 * Context: any thread; takes the oracle's device lock.
 * Return: the number of devices seen (may exceed @max).
 */
size_t oracle_read_all(struct oracle *o, struct oracle_dev_report *out, size_t max);

/**
 * struct oracle_finding - a non-ok access kept for diagnosis
 * @dev_id: mdev_id() of the device that made it
 * @addr: DMA address of the access chunk
 * @pfn: the frame it reached, after the IOMMU
 * @len: bytes of the chunk (at most the rest of the page)
 * @acc: DEV_READ or DEV_WRITE
 * @cls: ORACLE_STALE, ORACLE_SUBPAGE or ORACLE_BREACH
 * @why: static string: which rule decided
 *
 * The oracle keeps the 64 most recent.
 */
struct oracle_finding {
	unsigned int dev_id;
	dma_addr_t addr;
	pfn_t pfn;
	size_t len;
	enum dev_access acc;
	enum oracle_class cls;
	const char *why;	/* static string: which rule decided */
};

/**
 * oracle_findings_read() - the most recent findings
 * @o: the oracle
 * @out: receives up to @max stale, subpage and breach findings, oldest
 *       first
 * @max: room in @out; only the last 64 findings are kept
 *
 * Context: any thread; takes the oracle's log lock.
 * Return: the total number of findings since attach (may exceed what was
 * copied).
 */
uint64_t oracle_findings_read(struct oracle *o, struct oracle_finding *out,
			      size_t max);

/* Bookkeeping, to check that memory stays bounded. */
struct oracle_stats {
	uint64_t records_live;		/* buffers lent or synced for the CPU */
	uint64_t records_dead;		/* unmapped, still kept */
	uint64_t retired;		/* unmapped records dropped at the bound */
	uint64_t unknown_events;	/* unmap/sync of a buffer never seen mapped */
	unsigned int devices;
};

/**
 * oracle_stats_read() - read the oracle's own bookkeeping
 * @o: the oracle
 * @out: receives the counts; each is read on its own, not one instant
 *
 * Context: any thread; takes the dead-record and device locks in turn.
 */
void oracle_stats_read(struct oracle *o, struct oracle_stats *out);

/**
 * oracle_dump() - print per-device counts and recent findings
 * @o: the oracle
 * @f: where to print
 *
 * At most the first 16 devices and the last 64 findings are printed.
 *
 * Context: any thread.
 */
void oracle_dump(struct oracle *o, FILE *f);

#endif
