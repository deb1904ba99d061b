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
 * mismatch, an address beyond the DMA mask -- returns -EINVAL (-EIO for the
 * mask), logs one line with the arguments and changes nothing.  Complete
 * misuse detection needs dma_debug (on by default, as CONFIG_DMA_API_DEBUG);
 * without it a translating domain still refuses to unmap an IOVA whose PTE
 * is absent (and, for an untrusted device, to sync one), while a sync on a
 * trusted device is free and unchecked -- memory is coherent, as in Linux.
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

#define FQ_SIZE 256			/* flush queue entries per CPU */
#define FQ_TIMEOUT_NS 10000000ull	/* 10 ms */
#define SWIOTLB_SLOT_SIZE 2048
#define SWIOTLB_SEGSIZE 128		/* slots: largest contiguous bounce */

struct os_config {
	struct machine *machine;
	unsigned int ncpus;		/* 1..OS_MAX_CPUS */
	size_t swiotlb_bytes;		/* 0 = 4 MiB */
};

/** os_create() - boot the lab OS on a machine; NULL on failure. */
struct os *os_create(const struct os_config *cfg);
/**
 * os_destroy() - tear down; every device must have been destroyed.
 * Return: number of leaked frames (the swiotlb pool itself excluded).
 */
size_t os_destroy(struct os *os);
struct page_alloc *os_page_alloc(const struct os *os);
struct machine *os_machine(const struct os *os);
unsigned int os_ncpus(const struct os *os);
/** os_swiotlb_used_slots() - swiotlb slots currently in use. */
size_t os_swiotlb_used_slots(struct os *os);

struct dma_device_opts {
	enum dma_domain_type type;
	unsigned int dma_bits;		/* DMA mask width, 12..64; 0 = 64 */
	bool untrusted;			/* bounce sub-page buffers via swiotlb */
	bool no_debug;			/* disable misuse records (benchmarks) */
};

/** dma_device_create() - a device named @name with its own domain. */
struct dma_device *dma_device_create(struct os *os, const char *name,
				     const struct dma_device_opts *opts);
/**
 * dma_device_destroy() - flush and free the domain and the device.  Mappings
 * still live are reported and torn down.  Return: number of live mappings
 * found (0 = clean).
 */
size_t dma_device_destroy(struct dma_device *dev);
struct mdev *dma_device_mdev(const struct dma_device *dev);
struct os *dma_device_os(const struct dma_device *dev);
enum dma_domain_type dma_device_type(const struct dma_device *dev);
const char *dma_domain_type_name(enum dma_domain_type t);
/** dma_set_mask() - set the DMA mask to @mask (bits 12..64 of ones). */
int dma_set_mask(struct dma_device *dev, uint64_t mask);
uint64_t dma_get_mask(const struct dma_device *dev);

/**
 * dma_map_page() - map @size bytes at @offset of frame @page for @dir.
 * Return: the DMA address, or DMA_MAPPING_ERROR.
 */
dma_addr_t dma_map_page(struct dma_device *dev, pfn_t page, size_t offset,
			size_t size, enum dma_data_direction dir);
/** dma_unmap_page() - unmap what dma_map_page() mapped; 0 or -EINVAL (misuse). */
int dma_unmap_page(struct dma_device *dev, dma_addr_t addr, size_t size,
		   enum dma_data_direction dir);
/** struct dma_unmap_desc - one mapping for dma_unmap_batch(). */
struct dma_unmap_desc {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
};
/**
 * dma_unmap_batch() - unmap @n single mappings, paying one invalidation.
 *
 * A lab extension: Linux's DMA API has no such call (inside one unmap,
 * iommu_iotlb_gather does the same for one range).  Each entry is checked
 * as dma_unmap_page() checks it and its PTEs are cleared; on a strict
 * domain the IOTLB is then invalidated for all of them at once -- range by
 * range when there are few, the whole domain when there are many -- with
 * one CMD_SYNC, and only then are their IOVAs freed.  Every entry's
 * translation is gone when the call returns.  Lazy and passthrough
 * domains treat each entry as dma_unmap_page() does.
 * Return: 0, or -EINVAL if some entry was misuse (the others are unmapped).
 */
int dma_unmap_batch(struct dma_device *dev, const struct dma_unmap_desc *v, size_t n);
/** dma_map_single() - map @size bytes at CPU address @cpu_addr (in the arena). */
dma_addr_t dma_map_single(struct dma_device *dev, void *cpu_addr, size_t size,
			  enum dma_data_direction dir);
/** dma_unmap_single() - unmap what dma_map_single() mapped; 0 or -EINVAL. */
int dma_unmap_single(struct dma_device *dev, dma_addr_t addr, size_t size,
		     enum dma_data_direction dir);
/**
 * dma_map_sg() - map @nents entries; on a translating domain a trusted
 * device gets one contiguous IOVA range for the whole list.
 * Return: entries mapped (= @nents) or 0 on failure (nothing stays mapped).
 */
int dma_map_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
	       enum dma_data_direction dir);
/** dma_unmap_sg() - unmap a list dma_map_sg() mapped; 0 or -EINVAL (nothing changes). */
int dma_unmap_sg(struct dma_device *dev, struct scatterlist *sg, int nents,
		 enum dma_data_direction dir);
/**
 * dma_sync_single_for_cpu() / dma_sync_single_for_device() - hand a mapped
 * buffer to the CPU or back to the device (copies when bounced).  The _sg
 * forms do the same per entry.  Return: 0 or -EINVAL (misuse).
 */
int dma_sync_single_for_cpu(struct dma_device *dev, dma_addr_t addr,
			    size_t size, enum dma_data_direction dir);
int dma_sync_single_for_device(struct dma_device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir);
int dma_sync_sg_for_cpu(struct dma_device *dev, struct scatterlist *sg,
			int nents, enum dma_data_direction dir);
int dma_sync_sg_for_device(struct dma_device *dev, struct scatterlist *sg,
			   int nents, enum dma_data_direction dir);
/**
 * dma_alloc_coherent() - allocate @size bytes (page granular) of memory
 * mapped for the device in both directions until freed.
 * Return: CPU address and *@handle, or NULL.
 */
void *dma_alloc_coherent(struct dma_device *dev, size_t size,
			 dma_addr_t *handle);
/** dma_free_coherent() - free what dma_alloc_coherent() returned; 0 or -EINVAL. */
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

/** dma_iova_try_alloc() - reserve @size bytes (page multiple) of IOVA space. */
int dma_iova_try_alloc(struct dma_device *dev, struct dma_iova_state *state,
		       size_t size);
/**
 * dma_iova_link() - map @size bytes at physical @phys (page aligned) at
 * @offset (page aligned) into the range.  Return: 0, -EINVAL, -EEXIST, -ENOMEM.
 */
int dma_iova_link(struct dma_device *dev, struct dma_iova_state *state,
		  phys_addr_t phys, size_t offset, size_t size,
		  enum dma_data_direction dir);
/** dma_iova_sync() - make links visible to the device (page-table write flush). */
int dma_iova_sync(struct dma_device *dev, struct dma_iova_state *state,
		  size_t offset, size_t size);
/** dma_iova_unlink() - clear [@offset, +@size) and invalidate it (one SYNC). */
void dma_iova_unlink(struct dma_device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir);
/** dma_iova_free() - give the range back; everything must be unlinked. */
void dma_iova_free(struct dma_device *dev, struct dma_iova_state *state);

/**
 * dma_need_sync() - whether syncs on the mapping at @addr do anything, as
 * Linux's dma_need_sync(): true when it is bounced (untrusted device), when
 * dma_debug checks syncs, or when an observer (the oracle) follows
 * ownership through them.  Memory itself is coherent: otherwise a caller
 * that keeps a mapping may skip its syncs.
 */
bool dma_need_sync(struct dma_device *dev, dma_addr_t addr);

/** dma_flush_lazy() - flush every flush queue of a lazy device now. */
void dma_flush_lazy(struct dma_device *dev);

/*
 * DMA events: what the DMA layer lends to a device and takes back.  The
 * isolation oracle follows them (with the machine's access path and the page
 * allocator) so that it needs no help from workloads.  @phys is the first
 * byte the device reaches through @addr (the bounce slot when bounced).
 */
enum dma_event_kind {
	DMA_EV_MAP,		/* lent: map, map_sg entry, coherent alloc, iova link */
	DMA_EV_UNMAP,		/* taken back for good */
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
 * os_set_dma_observer() - send every DMA event of @os to @fn (NULL clears).
 * Set it before devices start; @fn runs on the calling CPU's thread, inside
 * the DMA call, and must not call the DMA API.
 */
void os_set_dma_observer(struct os *os, dma_observer_fn fn, void *arg);

struct dma_stats {
	uint64_t maps, unmaps, syncs;
	uint64_t inv_cmds;		/* invalidation commands issued */
	uint64_t fq_flushes;		/* lazy: flush-queue flushes */
	uint64_t bounce_maps, bounce_bytes; /* swiotlb */
	uint64_t misuse;		/* rejected calls */
	uint64_t live;			/* mappings live now (debug only) */
};
/** dma_stats_read() - a snapshot of @dev's counters. */
void dma_stats_read(struct dma_device *dev, struct dma_stats *out);

#endif
