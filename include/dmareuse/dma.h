/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dma.h - the lab's DMA API, shaped like Linux's.
 *
 * A struct os bundles the machine, the page allocator, the CPU count and the
 * swiotlb pool.  A struct dma_device is a device as a driver sees it: a
 * machine device (struct mdev), a DMA mask, a trust level and a domain of
 * one of three types:
 *   DMA_DOMAIN_PASSTHROUGH  identity: dma address = physical address;
 *   DMA_DOMAIN_STRICT       unmap clears PTEs, invalidates the range and
 *                           waits for CMD_SYNC before the IOVA is reused;
 *   DMA_DOMAIN_LAZY         unmap clears PTEs and queues the IOVA on this
 *                           CPU's flush queue (256 entries); the queue is
 *                           flushed (one domain invalidation + SYNC) when full
 *                           or 10 ms after its oldest entry, and only then
 *                           are its IOVAs freed.
 * Untrusted devices on a translating domain get swiotlb bouncing for
 * buffers that do not cover whole pages, so the device never sees the rest
 * of a shared page.
 *
 * Errors: map functions return DMA_MAPPING_ERROR (test with
 * dma_mapping_error()); other functions return 0 or -errno.  Misuse --
 * unmapping or syncing what is not mapped, double unmap, size or direction
 * mismatch, an address beyond the DMA mask, a buffer whose address
 * arithmetic wraps or leaves memory (map) or the DMA address space (unmap,
 * sync) -- returns -EINVAL (or the mapping-error sentinel), logs one line
 * with the caller's arguments, counts in misuse and changes nothing: no
 * mapping, record or page, and no event to the observer.  Every address
 * computation is checked without overflow: page, offset and size of a map
 * are compared with what is left of memory, never added first, so no
 * wrap can turn a buffer past the end into another owner's page.
 * Complete misuse detection needs dma_debug (on by default, as
 * CONFIG_DMA_API_DEBUG); without it a translating domain still refuses to
 * unmap an IOVA whose PTE is absent or an extent the page table and the
 * IOVA allocator prove wrong (see dma_unmap_page() and dma_unmap_sg())
 * and, for an untrusted device, to sync an unmapped IOVA or outside a
 * bounced buffer; dma_free_coherent() still checks its arguments against
 * the domain and the page allocator, while a sync on a trusted device is
 * free and checked only for a range that wraps or leaves the address
 * space -- memory is coherent, as in Linux.
 *
 * Size: over 800 lines, on purpose: the whole DMA API, as Linux keeps it
 * in one dma-mapping.h, with a doc comment on every call; the code behind
 * it is split by concern (os/dma*.c).
 */
#ifndef DMAREUSE_DMA_H
#define DMAREUSE_DMA_H

#include <dmareuse/os.h>
#include <dmareuse/scatterlist.h>

struct os;
struct dma_device;

enum dma_domain_type {
	DMA_DOMAIN_PASSTHROUGH,
	DMA_DOMAIN_STRICT,
	DMA_DOMAIN_LAZY,
};

struct os_config {
	struct machine *machine;
	unsigned int ncpus;		/* 1..OS_MAX_CPUS */
	size_t swiotlb_bytes;		/* 0 = 4 MiB */
};

/**
 * os_create() - boot the lab OS on a machine
 * @cfg: the machine (required), the CPU count (1..OS_MAX_CPUS) and the
 *       swiotlb pool size
 *
 * Creates the page allocator over the machine's arena and the swiotlb
 * pool: @cfg->swiotlb_bytes (0 = 4 MiB) rounded up to a power-of-two
 * number of pages, at most 4 MiB, taken from the page allocator.
 *
 * Context: any thread.
 * Return: the OS, or NULL for a NULL @cfg or machine, a CPU count out of
 * range, or on allocation failure.
 */
struct os *os_create(const struct os_config *cfg);
/**
 * os_destroy() - tear the lab OS down
 * @os: the OS; NULL is a no-op
 *
 * Every device must have been destroyed; devices still alive are reported
 * on stderr (not destroyed).  Frees the swiotlb pool, then the page
 * allocator, which reports frames still allocated.  The machine stays.
 *
 * Context: no thread may use @os any more.
 * Return: number of frames still allocated (leaks; the swiotlb pool, freed
 * first, is not among them); 0 for NULL.
 */
size_t os_destroy(struct os *os);
/*
 * What an OS holds now, and what device teardowns found left: the counters
 * a leak check compares with a baseline taken when nothing was lent.
 */
struct os_census {
	size_t frames;			/* frames allocated */
	size_t pt_pages;		/* ... of which I/O page-table pages */
	size_t pinned;			/* ... of which held by 2+ references */
	size_t slots;			/* swiotlb slots in use */
	unsigned int devices;		/* DMA devices alive */
	/* Found by dma_device_destroy() since os_create(), over all devices: */
	uint64_t torn_mappings;		/* dma_debug records and two-step IOVA
					 * ranges still live */
	uint64_t torn_ptes;		/* leaf PTEs still mapped in the domain */
	uint64_t torn_slots;		/* bounce buffers still mapped (freed then) */
	uint64_t torn_iovas;		/* IOVA ranges never freed */
};

/**
 * os_census() - take the census of an OS
 * @os: the OS
 * @out: receives what @os holds now and what teardowns found left
 *
 * Scans every frame once, without a lock: the numbers are exact only when
 * nothing runs.  A test takes one before and one after, and any count that
 * grew is a leak (the torn_* ones only ever grow).
 *
 * Context: any thread; meant for when no DMA is in flight.
 */
void os_census(struct os *os, struct os_census *out);
/**
 * os_page_alloc() - the page allocator of the OS
 * @os: the OS
 *
 * Context: any thread.
 * Return: @os's page allocator.
 */
struct page_alloc *os_page_alloc(const struct os *os);
/**
 * os_machine() - the machine the OS runs on
 * @os: the OS
 *
 * Context: any thread.
 * Return: the machine given to os_create().
 */
struct machine *os_machine(const struct os *os);
/**
 * os_ncpus() - the CPU count of the OS
 * @os: the OS
 *
 * Context: any thread.
 * Return: the CPU count given to os_create().
 */
unsigned int os_ncpus(const struct os *os);
/**
 * os_swiotlb_used_slots() - swiotlb slots in use now
 * @os: the OS
 *
 * A bounce buffer takes whole pages of the pool: two 2 KiB slots a page.
 *
 * Context: any thread; an atomic read.
 * Return: the number of 2 KiB slots in use.
 */
size_t os_swiotlb_used_slots(struct os *os);

struct dma_device_opts {
	enum dma_domain_type type;
	unsigned int dma_bits;		/* DMA mask width, 12..64; 0 = 64 */
	bool untrusted;			/* bounce sub-page buffers via swiotlb */
	bool no_debug;			/* disable misuse records (benchmarks) */
};

/**
 * dma_device_create() - a device with its own domain
 * @os: the OS
 * @name: the device's name for messages; copied, at most 31 characters
 * @opts: domain type, DMA mask width, trust and debug; NULL = strict,
 *        64-bit mask, trusted, dma_debug on
 *
 * Creates the machine device, a domain of @opts->type (an identity domain
 * for passthrough), for a translating domain an IOVA allocator with one
 * magazine set per CPU of @os, for a lazy one a flush queue per CPU and
 * the flush-queue timer thread; then attaches the device to its domain.
 *
 * Context: any thread.
 * Return: the device, or NULL for dma_bits outside 12..64 (0 = 64) or an
 * unknown type, or when a part cannot be had (memory, a domain id, the
 * timer thread).
 */
struct dma_device *dma_device_create(struct os *os, const char *name,
				     const struct dma_device_opts *opts);
/**
 * dma_device_destroy() - free a device and its domain
 * @dev: the device; NULL is a no-op
 *
 * Every mapping dma_debug still records is reported on stderr and torn
 * down, the observer told of each as its unmap would tell it (one unmap
 * event per record, a coherent one for its whole block): single and
 * coherent mappings and scatterlist entries mapped one by one are
 * unmapped, a scatterlist mapped as one IOVA range is unmapped whole once
 * all its entries' events have gone out; a bounced buffer's slots are
 * freed without copying back (nothing handed it back, and the original
 * may not be the caller's any more), and coherent pages are not freed
 * (they stay the caller's).  Every two-step IOVA range still reserved --
 * kept in a list whether or not dma_debug is on -- is reported, its linked
 * runs told to the observer and unlinked with one invalidation, and the
 * range freed.  Without dma_debug there is no record of the other
 * mappings: the pages still mapped go with the domain and are only
 * counted, and the observer is not told (the oracle keeps them lent).  A
 * lazy device's timer stops and its flush queues are flushed.  Then the
 * device is detached, the domain freed (pages still mapped are reported),
 * every swiotlb slot still bounced for the device freed -- dma_debug on or
 * off, so a leak cannot starve the other devices of the shared pool -- and
 * the IOVA allocator destroyed.
 *
 * Context: no thread may use @dev any more: no DMA API call may be in
 * flight on it.
 * Return: the number of live mappings found -- dma_debug's records, or
 * when there are none (dma_debug off) the pages still mapped in the
 * domain, plus the two-step IOVA ranges still reserved; 0 = clean.
 */
size_t dma_device_destroy(struct dma_device *dev);
/**
 * dma_device_mdev() - the machine device behind a DMA device
 * @dev: the device
 *
 * Context: any thread.
 * Return: the struct mdev whose accesses go through @dev's domain (give it
 * to an engine, a rogue device or the oracle).
 */
struct mdev *dma_device_mdev(const struct dma_device *dev);
/**
 * dma_device_os() - the OS a device belongs to
 * @dev: the device
 *
 * Context: any thread.
 * Return: the OS given to dma_device_create().
 */
struct os *dma_device_os(const struct dma_device *dev);
/**
 * dma_device_type() - the domain type of a device
 * @dev: the device
 *
 * Context: any thread.
 * Return: the type given at create; it never changes.
 */
enum dma_domain_type dma_device_type(const struct dma_device *dev);
/**
 * dma_domain_type_name() - the name of a domain type
 * @t: the type
 *
 * Context: any thread.
 * Return: "passthrough", "strict" or "lazy"; "?" for a value that is not
 * a type.
 */
const char *dma_domain_type_name(enum dma_domain_type t);
/**
 * dma_set_mask() - set a device's DMA mask
 * @dev: the device
 * @mask: 2^n - 1 with n in 12..64
 *
 * A translating domain allocates IOVAs at or below the mask; passthrough
 * refuses buffers beyond it.  Mappings made before keep their addresses.
 *
 * Context: not synchronised with maps on @dev: set it before the device
 * is used.
 * Return: 0; -EINVAL (logged) for a mask not of that form, which leaves
 * the mask unchanged.
 */
int dma_set_mask(struct dma_device *dev, uint64_t mask);
/**
 * dma_get_mask() - a device's DMA mask
 * @dev: the device
 *
 * Context: any thread.
 * Return: the mask in force.
 */
uint64_t dma_get_mask(const struct dma_device *dev);

/**
 * dma_map_page() - map a buffer for DMA
 * @dev: the device
 * @page: the first frame of the buffer
 * @offset: where the buffer starts, in bytes from @page (may exceed
 *          PAGE_SIZE)
 * @size: bytes, at least 1
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 *
 * Passthrough gives the device the physical address.  A translating domain
 * allocates an IOVA range below the DMA mask (sizes up to 32 pages from
 * this CPU's magazines) and installs PTEs with the permission @dir implies
 * (TO_DEVICE read, FROM_DEVICE write, BIDIRECTIONAL both).  For an
 * untrusted device, a buffer that does not start and end on page
 * boundaries is first bounced through swiotlb (the original is copied in,
 * whatever @dir) and the device is given the bounce slot.  With dma_debug
 * the mapping is recorded for the checks of unmap and sync.
 *
 * Context: any thread; os_set_cpu() picks the per-CPU caches it uses.
 * Return: the DMA address, or DMA_MAPPING_ERROR: for misuse -- a bad @dir,
 * @size 0, a buffer outside memory (@page beyond the arena, or @offset or
 * @size running past its end, which is checked without adding them, so a
 * sum that would wrap past 2^64 into low memory is refused too), or under
 * passthrough beyond the mask (logged with @page, @offset, @size and @dir,
 * counted in misuse) -- or when IOVA space below the mask, a table page,
 * swiotlb slots (at most 256 KiB per buffer) or a debug record cannot be
 * had (not logged).
 */
dma_addr_t dma_map_page(struct dma_device *dev, pfn_t page, size_t offset,
			size_t size, enum dma_data_direction dir);
/**
 * dma_unmap_page() - unmap what dma_map_page() or dma_map_single() mapped
 * @dev: the device
 * @addr: the address the map call returned
 * @size: the size given to the map call
 * @dir: the direction given to the map call
 *
 * Strict: the PTEs are cleared, the range is invalidated with a CMD_SYNC,
 * then the IOVA is freed -- when the call returns no translation reaches
 * the buffer.  Lazy: the PTEs are cleared and the IOVA is queued on this
 * CPU's flush queue, freed after the next flush (until then the IOTLB may
 * still translate it).  A bounced buffer is invalidated first, then copied
 * back (FROM_DEVICE, BIDIRECTIONAL) and its slots freed.  Passthrough only
 * checks.
 *
 * Misuse -- a bad @dir, @size 0, a range [@addr, @addr + @size) that wraps
 * or runs past the end of the DMA address space (memory under passthrough,
 * 2^IOVA_BITS otherwise); with dma_debug an address, size,
 * direction or map API that matches no live mapping (a second unmap
 * included); without it, on a translating domain, a first page that is not
 * mapped, an address inside a bounced buffer other than its start or a
 * size other than the bounced buffer's, and for a buffer not bounced an
 * address or size the page table and the IOVA allocator prove wrong -- is
 * logged, counted, unmaps nothing and sends no event.  The proofs: a
 * mapping of n pages sits at the start of an IOVA range of
 * iova_round_size(n) pages aligned to that size (when a power of two), its
 * pages map one physically contiguous run with one permission, and the
 * rest of its range is never mapped; so an address not aligned for the
 * size's class, a last page not mapped with the first, or a mapped page
 * past the size inside the same range is refused.  Without dma_debug some
 * misuse stays invisible and is carried out as asked: a smaller
 * power-of-two size (1 or 2 pages of a 4-page mapping), an address inside
 * a mapping aligned for the size given, a larger size whose extra pages
 * happen to map the next physical pages with the same permission, and
 * anything inside memory under passthrough.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse).
 */
int dma_unmap_page(struct dma_device *dev, dma_addr_t addr, size_t size,
		   enum dma_data_direction dir);
/**
 * struct dma_unmap_desc - one mapping for dma_unmap_batch()
 * @addr: the address dma_map_page() or dma_map_single() returned
 * @size: the size given to that map call
 * @dir: the direction given to that map call
 */
struct dma_unmap_desc {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
};
/**
 * dma_unmap_batch() - unmap several single mappings, paying one invalidation
 * @dev: the device
 * @v: the mappings
 * @n: number of entries in @v
 *
 * A lab extension: Linux's DMA API has no such call (inside one unmap,
 * iommu_iotlb_gather does the same for one range).  Each entry is checked
 * as dma_unmap_page() checks it; misuse is logged and the entry skipped.
 * On a strict domain the PTEs of the other entries are cleared, then the
 * IOTLB is invalidated for all of them with one CMD_SYNC -- a range
 * command per entry for up to 8 entries, one domain invalidation beyond --
 * and only then are their IOVAs freed; entries go in rounds of 256, one
 * invalidation per round.  Every such entry's translation is gone when the
 * call returns.  Bounced entries, and every entry of a lazy or passthrough
 * domain, are unmapped one by one as dma_unmap_page() does.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL if some entry was misuse (the others are unmapped).
 */
int dma_unmap_batch(struct dma_device *dev, const struct dma_unmap_desc *v, size_t n);
/**
 * dma_map_single() - map a buffer named by its CPU address
 * @dev: the device
 * @cpu_addr: the buffer's CPU address, inside the arena
 * @size: bytes, at least 1
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 *
 * As dma_map_page() for the physical address of @cpu_addr; a pointer
 * outside the arena, or a buffer running past its end, is refused as a
 * buffer outside memory (logged with @cpu_addr, @size and @dir).
 *
 * Context: any thread.
 * Return: as dma_map_page().
 */
dma_addr_t dma_map_single(struct dma_device *dev, void *cpu_addr, size_t size,
			  enum dma_data_direction dir);
/**
 * dma_unmap_single() - unmap what dma_map_single() mapped
 * @dev: the device
 * @addr: the address dma_map_single() returned
 * @size: the size given to it
 * @dir: the direction given to it
 *
 * Exactly dma_unmap_page(); the two accept each other's mappings.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse, nothing unmapped).
 */
int dma_unmap_single(struct dma_device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir);
/**
 * dma_map_sg() - map the entries of a scatterlist
 * @dev: the device
 * @sg: the list: each entry's page, offset (below PAGE_SIZE) and length
 *      (nonzero) are read, its dma_address and dma_length written
 * @nents: number of entries, at least 1
 * @dir: direction of every entry
 *
 * On a translating domain a trusted device gets one contiguous IOVA range
 * for the whole list, each entry on its own pages (entries are not
 * merged).  Under passthrough, and for an untrusted device when an entry
 * does not start and end on page boundaries, each entry is mapped on its
 * own as dma_map_page() would (bounced where needed).
 * With dma_debug each entry's record also keeps the list it belongs to
 * (its first entry's DMA address), its place in it and @nents, for
 * dma_unmap_sg().
 *
 * Context: any thread.
 * Return: the number of entries mapped (= @nents), or 0 with nothing left
 * mapped: for misuse (@nents below 1, a bad @dir, an empty entry, an
 * offset of PAGE_SIZE or more, an entry outside memory -- its page beyond
 * the arena, or its bytes running past the end, checked without adding
 * them -- logged with the entry's values, counted; no entry is mapped), or
 * when IOVA space, a table page, swiotlb slots or a debug record cannot be
 * had.
 */
int dma_map_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
	       enum dma_data_direction dir);
/**
 * dma_unmap_sg() - unmap a list dma_map_sg() mapped
 * @dev: the device
 * @sg: the list as dma_map_sg() left it, CPU side unchanged
 * @nents: as given to dma_map_sg()
 * @dir: as given to dma_map_sg()
 *
 * Every entry is checked before anything changes.  A contiguous mapping
 * is torn down as one range (one invalidation + SYNC on strict, one
 * flush-queue entry on lazy); entries mapped one by one are unmapped one by
 * one, as dma_unmap_page().
 *
 * The entry count must be the one given to dma_map_sg(): fewer entries
 * would leave the rest mapped (and its IOVA range freed short), more would
 * unmap what belongs to other mappings.  With dma_debug that is checked
 * exactly, as Linux's dma-debug checks it: entry i's record must be entry
 * i of the list that starts at @sg[0]'s DMA address, mapped with @nents
 * entries and the same way (contiguous or one by one).  Without dma_debug
 * there is no record, and the lab, like Linux, trusts the count -- but
 * checks what the page table proves, which costs one or two walks per
 * entry: a contiguous list's entries must sit where dma_map_sg() put them
 * (each right after the one before, mapping its own frames with @dir's
 * permission) and the range must be whole -- aligned to its size class,
 * the rest of it unmapped -- so more entries than were mapped, and fewer
 * ones that leave a page of the range mapped, are refused; an entry
 * mapped one by one must each be a mapping dma_unmap_page() would unmap.
 * What stays invisible without dma_debug and is carried out as asked: a
 * shorter count whose pages fill a power-of-two range (2 entries of a
 * 3-page list), any shorter count of a list mapped one by one (its other
 * entries stay mapped), more entries that happen to be live mappings of
 * their own, and anything inside memory under passthrough.
 *
 * Context: any thread.
 * Return: 0; -EINVAL, with nothing unmapped (logged with the entry at
 * fault, counted, no event), for @nents below 1, a bad @dir, an empty
 * entry, one whose range wraps or leaves the DMA address space, or one
 * the checks above refuse.
 */
int dma_unmap_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
		 enum dma_data_direction dir);
/**
 * dma_sync_single_for_cpu() - hand a mapped buffer to the CPU
 * @dev: the device
 * @addr: the address the map call returned (with dma_debug exactly that;
 *        a sync inside a mapping is refused); without dma_debug any address
 *        inside the mapping, to sync the sub-range [@addr, @addr + @size)
 * @size: bytes to sync; with dma_debug at most the size mapped
 * @dir: the mapping's direction (with dma_debug any direction is accepted
 *       for a BIDIRECTIONAL mapping)
 *
 * The mapping stays.  A bounced buffer's bytes [@addr, @addr + @size) are
 * copied back to the same bytes of the original (FROM_DEVICE and
 * BIDIRECTIONAL).  Memory is coherent otherwise, so on a trusted device or
 * under passthrough there is nothing to do -- and without dma_debug
 * nothing is checked but the range.
 *
 * Misuse -- a bad @dir, @size 0, a range [@addr, @addr + @size) that wraps
 * or runs past the end of the DMA address space (checked on every device,
 * with or without dma_debug); with dma_debug no matching single
 * mapping, a larger @size or another direction; on an untrusted
 * translating device an address that is not mapped, or a range that is
 * not inside the bounced buffer (the padding around it, past its end) --
 * is logged, counted, copies nothing and sends no event.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse).
 */
int dma_sync_single_for_cpu(struct dma_device *dev, dma_addr_t addr,
			    size_t size, enum dma_data_direction dir);
/**
 * dma_sync_single_for_device() - hand a mapped buffer back to the device
 * @dev: the device
 * @addr: as for dma_sync_single_for_cpu(): the address the map call
 *        returned, or without dma_debug any address inside the mapping
 * @size: bytes to sync; with dma_debug at most the size mapped
 * @dir: the mapping's direction (with dma_debug any direction is accepted
 *       for a BIDIRECTIONAL mapping)
 *
 * A bounced buffer gets the original's bytes [@addr, @addr + @size) copied
 * in again at the same offset (TO_DEVICE and BIDIRECTIONAL); otherwise as
 * dma_sync_single_for_cpu(): nothing to do on coherent memory, the same
 * checks and the same misuse.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse).
 */
int dma_sync_single_for_device(struct dma_device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir);
/**
 * dma_sync_sg_for_cpu() - hand a mapped scatterlist to the CPU
 * @dev: the device
 * @sg: the list as dma_map_sg() filled it
 * @nents: entries to sync; below 1 does nothing
 * @dir: as given to dma_map_sg()
 *
 * Each entry is synced as dma_sync_single_for_cpu() syncs a buffer (with
 * dma_debug its record must be a scatterlist one).  The first entry that
 * fails stops the call; the entries before it stay synced.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse) from the first entry that failed.
 */
int dma_sync_sg_for_cpu(struct dma_device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir);
/**
 * dma_sync_sg_for_device() - hand a mapped scatterlist back to the device
 * @dev: the device
 * @sg: the list as dma_map_sg() filled it
 * @nents: entries to sync; below 1 does nothing
 * @dir: as given to dma_map_sg()
 *
 * Each entry is synced as dma_sync_single_for_device() syncs a buffer;
 * the first entry that fails stops the call, the entries before it stay
 * synced.
 *
 * Context: any thread.
 * Return: 0, or -EINVAL (misuse) from the first entry that failed.
 */
int dma_sync_sg_for_device(struct dma_device *dev, struct scatterlist *sg,
			   int nents, enum dma_data_direction dir);
/**
 * dma_alloc_coherent() - allocate memory mapped for the device until freed
 * @dev: the device
 * @size: bytes, 1 byte to 4 MiB; rounded up to a power-of-two number of
 *        pages
 * @handle: receives the DMA address
 *
 * Zeroed pages from the page allocator, mapped BIDIRECTIONAL (under
 * passthrough: the physical address, which must lie below the mask).
 * Announced to the observer as a map; not counted in dma_stats maps (see
 * struct dma_stats), but a dma_debug record like any mapping.
 *
 * Context: any thread.
 * Return: the CPU address of the memory, with *@handle set; NULL for @size
 * 0 or above 4 MiB (logged misuse), or when pages, IOVA space or a debug
 * record cannot be had, or under passthrough the pages lie beyond the
 * mask (*@handle unchanged).
 */
void *dma_alloc_coherent(struct dma_device *dev, size_t size,
			 dma_addr_t *handle);
/**
 * dma_free_coherent() - free what dma_alloc_coherent() returned
 * @dev: the device
 * @size: the size given to dma_alloc_coherent()
 * @cpu_addr: the CPU address it returned
 * @handle: the DMA address it returned
 *
 * Unmaps (strict: invalidated before the call returns; lazy: through the
 * flush queue) and drops the pages.  Every argument is checked before
 * anything changes, on every domain and with or without dma_debug:
 * @handle must map @cpu_addr (under passthrough: equal its physical
 * address), and @cpu_addr must be the first page of a coherent block of
 * the size @size rounds to.
 *
 * Context: any thread.
 * Return: 0; -EINVAL (misuse: logged with the values and what was
 * expected, counted; nothing freed, unmapped or forgotten, no event) for
 * @size 0 or above 4 MiB, with dma_debug (@handle, @size) matching no
 * coherent allocation, a @handle that does not map @cpu_addr, or a
 * @cpu_addr / @size that is not a coherent allocation.
 */
int dma_free_coherent(struct dma_device *dev, size_t size, void *cpu_addr,
		      dma_addr_t handle);

/*
 * The two-step IOVA API (Linux 6.16, Documentation/core-api/dma-api.rst):
 * allocate an IOVA range once, link and unlink pages into it per use.  A
 * link installs PTEs; an unlink clears them and invalidates the range with
 * one command + SYNC whatever the domain type, so a batch unlinked in one
 * call costs one invalidation.  Not available under passthrough.
 */
struct dma_iova_state {
	dma_addr_t addr;	/* first byte of the range; 0 = none */
	size_t size;
};

/**
 * dma_iova_try_alloc() - reserve a range of IOVA space
 * @dev: the device
 * @state: receives the range; zeroed first, and left zero on failure
 * @size: bytes, a nonzero multiple of PAGE_SIZE
 *
 * The range lies below the DMA mask.  The device keeps a list of the
 * ranges it reserved (with or without dma_debug: they are few and
 * long-lived), so that dma_iova_free() takes back only those, and
 * dma_device_destroy() tears down those never freed.  A state is the
 * range's (address, size) pair: a copy of it names the same range.
 *
 * Context: any thread; takes the device's range-list lock.
 * Return: 0; -EOPNOTSUPP under passthrough; -EINVAL (logged) for a bad
 * @size; -ENOMEM when no range is free or the list entry cannot be had.
 */
int dma_iova_try_alloc(struct dma_device *dev, struct dma_iova_state *state,
		       size_t size);
/**
 * dma_iova_link() - map physical pages into a reserved range
 * @dev: the device
 * @state: a range from dma_iova_try_alloc()
 * @phys: physical address of the first page; page aligned
 * @offset: where in the range; page aligned
 * @size: bytes; a nonzero multiple of PAGE_SIZE, within the range
 *        (@offset + @size <= the range's size, checked without overflow)
 * @dir: the permission, as for dma_map_page()
 *
 * Installs the PTEs; the device may use them after dma_iova_sync().  No
 * dma_debug record is kept; an observer is told of a map.
 *
 * Context: any thread; with dma_debug takes the range-list lock.
 * Return: 0; -EINVAL (logged with every argument) for a @state that is
 * not a range (no address, misaligned, past the IOVA space) or, with
 * dma_debug, not one this device reserved and has not freed; a bad @dir;
 * a misaligned, empty or out-of-range part; or pages outside memory
 * (@phys + @size past its end, checked without adding them, so a sum that
 * would wrap to low memory is refused too); -EEXIST if a page is already
 * linked (nothing changes); -ENOMEM if a table page could not be had
 * (nothing stays linked).
 */
int dma_iova_link(struct dma_device *dev, struct dma_iova_state *state,
		  phys_addr_t phys, size_t offset, size_t size,
		  enum dma_data_direction dir);
/**
 * dma_iova_sync() - make links visible to the device
 * @dev: the device
 * @state: a range from dma_iova_try_alloc()
 * @offset: start of the linked part, in bytes from the range's start
 * @size: bytes
 *
 * Linux flushes the page-table writes here; the lab's table walker is
 * coherent, so the call only checks its arguments and counts a sync.
 *
 * Context: any thread; with dma_debug takes the range-list lock.
 * Return: 0; -EINVAL (logged, counted) for a @state refused as by
 * dma_iova_link() or a part beyond the range.
 */
int dma_iova_sync(struct dma_device *dev, struct dma_iova_state *state,
		  size_t offset, size_t size);
/**
 * dma_iova_unlink() - unlink a part of a reserved range
 * @dev: the device
 * @state: a range from dma_iova_try_alloc()
 * @offset: start of the part; page aligned
 * @size: bytes; page aligned, within the range (@offset + @size <= the
 *        range's size, checked without overflow); 0 does nothing but the
 *        invalidation
 * @dir: the direction it was linked for (told to the observer only)
 *
 * Clears the PTEs of [@offset, @offset + @size) -- pages not linked are
 * skipped -- and invalidates that range with one command + SYNC whatever
 * the domain type: when the call returns, no translation of it remains.
 * The observer is told once the invalidation has completed, one unmap
 * event per linked run in the part (as dma_iova_free() sends them), so
 * every link in it is taken back (a part of more than 16 runs is unlinked
 * and invalidated 16 runs at a time).
 * Misuse (a @state refused as by dma_iova_link(), a misaligned or
 * out-of-range part) is logged with the values and changes nothing; there
 * is no return value.
 *
 * Context: any thread; with dma_debug takes the range-list lock.
 */
void dma_iova_unlink(struct dma_device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir);
/**
 * dma_iova_free() - give a reserved range back
 * @dev: the device
 * @state: a range from dma_iova_try_alloc(); zeroed on return
 *
 * Everything should be unlinked first.  Pages still linked are misuse:
 * logged, then unlinked as dma_iova_unlink() would -- an unmap event and an
 * unmap counted for each linked run (pages that follow each other in IOVA
 * and physical memory with one permission: links that touch that way look
 * like one run), then one range invalidation + SYNC -- before the IOVA is
 * freed.  An unallocated @state does nothing.  A @state that is not a
 * range this device reserved and has not freed -- a copy of one freed
 * already, a forged one -- is misuse, with or without dma_debug: logged,
 * and nothing is unlinked or freed (the range may be someone else's now).
 *
 * Context: any thread; takes the range-list lock.
 */
void dma_iova_free(struct dma_device *dev, struct dma_iova_state *state);

/*
 * Deferred invalidation (a lab extension, for the reuse layer's batch
 * mechanism): an unmap that clears its PTEs now and leaves the IOTLB
 * invalidation to a flush its caller issues later, once for many unmaps.
 * Linux does this within a domain it owns with iommu_unmap_fast() into a
 * struct iommu_iotlb_gather and iommu_iotlb_sync().  Until the flush that
 * covers it, a deferred unmap's range may still be translated by the
 * IOTLB: its caller frees nothing the range reaches -- the page, the IOVA
 * -- before that flush.  See os/dma_gather.c.
 */
struct dma_gather {
	iova_t start, end;	/* the IOVA bytes gathered, [start, end); empty when equal */
	unsigned int n;		/* unmaps gathered since the last flush */
};

/**
 * dma_gather_init() - an empty gather
 * @g: the gather
 *
 * Context: any thread; @g is the caller's (no lock).
 */
void dma_gather_init(struct dma_gather *g);
/**
 * dma_unmap_page_deferred() - unmap, leaving the invalidation to a flush
 * @dev: the device
 * @addr: the address dma_map_page() or dma_map_single() returned
 * @size: the size given to the map call
 * @dir: the direction given to the map call
 * @g: the gather the range goes into
 *
 * Checked as dma_unmap_page() checks, refused where it refuses.  On a
 * translating domain (strict or lazy: the flush queue is not used) the
 * observer is told, the PTEs are cleared and the range joins @g; the
 * IOTLB may keep translating it until dma_gather_flush(@g), and its IOVA
 * stays allocated until dma_deferred_iova_free().  Under passthrough, and
 * for a bounced buffer, there is nothing to defer: the buffer is unmapped
 * as dma_unmap_page() unmaps it (a bounce invalidated, copied back, its
 * slots freed).
 *
 * Context: any thread; @g is the caller's to lock.
 * Return: 0 if the unmap was deferred into @g (free its IOVA after the
 * flush); 1 if it completed now (nothing to free later); -EINVAL for
 * misuse (logged, counted, nothing changed) or a NULL @g.
 */
int dma_unmap_page_deferred(struct dma_device *dev, dma_addr_t addr, size_t size,
			    enum dma_data_direction dir, struct dma_gather *g);
/**
 * dma_iova_unlink_deferred() - dma_iova_unlink(), leaving the invalidation to a flush
 * @dev: the device
 * @state: a range from dma_iova_try_alloc()
 * @offset: start of the part; page aligned
 * @size: bytes; nonzero, page aligned, within the range
 * @dir: the direction it was linked for (told to the observer only)
 * @g: the gather the part goes into
 *
 * As dma_iova_unlink() -- the observer told of each linked run, the PTEs
 * cleared -- but the part joins @g instead of being invalidated: the
 * IOTLB may keep translating it until dma_gather_flush(@g), and the
 * caller must not link that part again before.
 *
 * Context: any thread; @g is the caller's to lock.
 * Return: 0; -EINVAL for misuse (a @state or part dma_iova_unlink() would
 * refuse, an empty part, a NULL @g: logged, counted, nothing changed).
 */
int dma_iova_unlink_deferred(struct dma_device *dev, struct dma_iova_state *state,
			     size_t offset, size_t size, enum dma_data_direction dir,
			     struct dma_gather *g);
/**
 * dma_gather_flush() - invalidate everything a gather holds, then empty it
 * @dev: the device every unmap in @g was made on
 * @g: the gather
 *
 * One command and one CMD_SYNC: a range invalidation over @g's span when
 * the platform serves a range command of that many pages no slower than a
 * domain invalidation (inv_range_ns + inv_range_page_ns per page beyond
 * the first, against inv_domain_ns), else an invalidation of the whole
 * domain.  When the call returns, no IOTLB entry of the span remains.  An
 * empty gather issues nothing.
 *
 * Context: any thread; @g is the caller's to lock.  Waits for the SYNC.
 */
void dma_gather_flush(struct dma_device *dev, struct dma_gather *g);
/**
 * dma_deferred_iova_free() - give back the IOVA of a deferred unmap
 * @dev: the device
 * @addr: the address given to dma_unmap_page_deferred() (which returned 0)
 * @size: the size given to it
 *
 * Only after the dma_gather_flush() that covered the unmap: the caller
 * vouches for that.  An IOVA whose first or last page is mapped is
 * refused.
 *
 * Context: any thread.
 * Return: 0; -EINVAL for misuse (passthrough, @size 0, a range that leaves
 * the IOVA space, one still mapped: logged, counted, nothing freed).
 */
int dma_deferred_iova_free(struct dma_device *dev, dma_addr_t addr, size_t size);

/**
 * dma_need_sync() - whether syncs on a mapping do anything
 * @dev: the device
 * @addr: the mapping's address (unused: the answer is per device)
 *
 * As Linux's dma_need_sync(): true when the device is untrusted on a
 * translating domain (its sub-page buffers are bounced), when dma_debug
 * checks syncs, or when an observer (the oracle) follows ownership through
 * them.  Memory itself is coherent: when it says false, a caller that
 * keeps a mapping may skip its syncs.  The observer part changes when an
 * observer is set or cleared.
 *
 * Context: any thread.
 * Return: true if syncs on @dev's mappings must be made.
 */
bool dma_need_sync(struct dma_device *dev, dma_addr_t addr);

/**
 * dma_flush_lazy() - flush every flush queue of a lazy device now
 * @dev: the device; a device of another type is left alone
 *
 * Each non-empty CPU queue costs one domain invalidation + SYNC, after
 * which its IOVAs are freed.
 *
 * Context: any thread; takes each flush-queue lock in turn.
 */
void dma_flush_lazy(struct dma_device *dev);

/*
 * DMA events: what the DMA layer lends to a device and takes back.  The
 * isolation oracle follows them (with the machine's access path and the page
 * allocator) so that it needs no help from workloads.  @phys is the first
 * byte the device reaches through @addr (the bounce slot when bounced).
 *
 * A map is told once its PTEs are set.  An unmap is told where the lending
 * ends, which is when the call returns: a synchronous unmap (any unmap on
 * a strict domain -- single, scatterlist, batch, bounced, coherent free --
 * and dma_iova_unlink()) once its PTEs are cleared and its invalidation
 * has completed, before its IOVA, bounce slot or pages are freed; an unmap
 * that returns before its invalidation (lazy, the deferred ones) before
 * its PTEs are cleared.
 */
enum dma_event_kind {
	DMA_EV_MAP,		/* lent: map, map_sg entry, coherent alloc, iova link */
	DMA_EV_UNMAP,		/* taken back for good (when: above) */
	DMA_EV_SYNC_FOR_CPU,	/* ownership back to the CPU, mapping kept */
	DMA_EV_SYNC_FOR_DEVICE,	/* lent again */
};

struct dma_event {
	enum dma_event_kind kind;
	struct dma_device *dev;
	struct mdev *hw;
	dma_addr_t addr;
	phys_addr_t phys;	/* valid for DMA_EV_MAP */
	size_t size;
	enum dma_data_direction dir;
	bool coherent;
};

typedef void (*dma_observer_fn)(void *arg, const struct dma_event *ev);
/**
 * os_set_dma_observer() - send every DMA event of an OS to one observer
 * @os: the OS
 * @fn: the observer, replacing any other; NULL clears
 * @arg: passed to @fn
 *
 * @fn runs on the thread making the DMA call, inside it, and must not call
 * the DMA API.
 *
 * Context: not synchronised with DMA calls: set it before devices start
 * mapping and clear it when no DMA call is in flight (a call under way may
 * still use the old @fn and @arg).
 */
void os_set_dma_observer(struct os *os, dma_observer_fn fn, void *arg);

struct dma_stats {
	/*
	 * Streaming DMA, the per-transfer work: maps counts successful
	 * dma_map_page/single, dma_map_sg (one per list) and dma_iova_link
	 * calls; unmaps their teardowns -- dma_unmap_* (one per list or batch
	 * entry, deferred ones included), dma_iova_unlink and
	 * dma_iova_unlink_deferred, and each linked run dma_iova_free unlinks;
	 * syncs accepted sync calls (one per scatterlist entry) and
	 * dma_iova_sync.  Coherent allocations are not maps: they are set-up
	 * (rings, bounce pools growing on demand) and would make these counts
	 * depend on timing; their invalidations count in inv_cmds and, with
	 * dma_debug, they count in live.  Refused calls count in misuse only.
	 */
	uint64_t maps, unmaps, syncs;
	uint64_t inv_cmds;		/* invalidation commands issued */
	uint64_t fq_flushes;		/* lazy: flush-queue flushes */
	uint64_t bounce_maps, bounce_bytes; /* swiotlb */
	uint64_t misuse;		/* rejected calls */
	uint64_t live;			/* mappings live now (debug only) */
};
/**
 * dma_stats_read() - read a device's DMA counters
 * @dev: the device
 * @out: receives the counters; live is the number of dma_debug records
 *       (0 without dma_debug)
 *
 * Each counter is read atomically, one after the other.
 *
 * Context: any thread; no lock.
 */
void dma_stats_read(struct dma_device *dev, struct dma_stats *out);

#endif
