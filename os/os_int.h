/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * os_int.h - private declarations shared by the files of os/.
 */
#ifndef DMAREUSE_OS_INT_H
#define DMAREUSE_OS_INT_H

#include <dmareuse/dma.h>
#include <dmareuse/mthread.h>

#include <stdatomic.h>

/* Owner tags the OS itself uses for frames it allocates. */
#define OWNER_PGTABLE 1u
#define OWNER_SWIOTLB 2u
#define OWNER_COHERENT 3u

struct swiotlb;

struct os {
	struct machine *m;
	struct page_alloc *pa;
	unsigned int ncpus;
	struct swiotlb *swiotlb;
	_Atomic unsigned int ndevices;
	/* What dma_device_destroy() found left, summed over devices (census). */
	_Atomic uint64_t torn_mappings, torn_ptes, torn_slots, torn_iovas;
	_Atomic(dma_observer_fn) obs;
	void *obs_arg;
};

/* swiotlb.c */
struct swiotlb *swiotlb_create(struct os *os, size_t bytes);
void swiotlb_destroy(struct os *os, struct swiotlb *s);
/* Bounce @size bytes of @orig at page offset @orig & ~PAGE_MASK for
 * @owner (the device, for swiotlb_release_owner()); return the bounce
 * physical address or 0 when full. */
phys_addr_t swiotlb_map(struct swiotlb *s, struct machine *m, phys_addr_t orig,
			size_t size, enum dma_data_direction dir, const void *owner);
bool swiotlb_owns(const struct swiotlb *s, phys_addr_t pa);
/* The live bounce buffer holding @tlb: true with its first byte and size. */
bool swiotlb_find(const struct swiotlb *s, phys_addr_t tlb, phys_addr_t *start,
		  size_t *size);
/*
 * Copy bounce bytes [@tlb, @tlb + @size) -- any part of one buffer -- to the
 * original's matching bytes (for cpu: FROM_DEVICE, BIDIRECTIONAL) or from
 * them (for device: TO_DEVICE, BIDIRECTIONAL).  A range outside the buffer
 * is cut to it; callers check it first with swiotlb_find().
 */
void swiotlb_sync_for_cpu(struct swiotlb *s, struct machine *m, phys_addr_t tlb,
			  size_t size, enum dma_data_direction dir);
void swiotlb_sync_for_device(struct swiotlb *s, struct machine *m,
			     phys_addr_t tlb, size_t size,
			     enum dma_data_direction dir);
/* Free the slots of the buffer holding @tlb (no copy). */
void swiotlb_unmap(struct swiotlb *s, phys_addr_t tlb);
/*
 * Free the slots of every buffer still bounced for @owner (no copy): a
 * device's teardown, once no translation reaches them.  Returns the number
 * of buffers freed.
 */
size_t swiotlb_release_owner(struct swiotlb *s, const void *owner);
size_t swiotlb_used(struct swiotlb *s);

/* dma_debug.c: per-device records of live mappings. */
enum dbg_kind { DBG_SINGLE, DBG_SG, DBG_COHERENT };

/*
 * Where a scatterlist entry sits in the list dma_map_sg() mapped: the list
 * is named by its first entry's DMA address, and the entry count is the
 * @nents given to the map (Linux's dma-debug keeps sg_call_ents so).
 * @pages is the IOVA pages of a list mapped as one contiguous range, 0 for
 * a list mapped entry by entry: it says how the list must be torn down.
 */
struct dbg_sg_pos {
	dma_addr_t first;
	int index, nents;
	size_t pages;
};

struct dma_debug_entry {
	struct dma_debug_entry *next;
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
	enum dbg_kind kind;
	phys_addr_t phys;
	struct dbg_sg_pos sg;		/* DBG_SG only */
};

#define DBG_BUCKETS 1024

struct dma_debug {
	struct {
		struct mlock lock;
		struct dma_debug_entry *head;
	} b[DBG_BUCKETS];
	_Atomic uint64_t live;
};

void dma_debug_init(struct dma_debug *d);
/* Remove every record; return how many there were. */
size_t dma_debug_destroy(struct dma_debug *d);
/* Add a record; @sg is the entry's place for DBG_SG, NULL otherwise. */
int dma_debug_add(struct dma_debug *d, dma_addr_t addr, size_t size,
		  enum dma_data_direction dir, enum dbg_kind kind,
		  phys_addr_t phys, const struct dbg_sg_pos *sg);
/*
 * Check a record matches; 0, or -EINVAL with *@why set (to @buf, @len
 * bytes, when it names values).  With @sg (DBG_SG) the entry must also sit
 * at that place of that list, mapped with that entry count and the same
 * way (@sg->pages).  Removes the record if @take.
 */
int dma_debug_check(struct dma_debug *d, dma_addr_t addr, size_t size,
		    enum dma_data_direction dir, enum dbg_kind kind,
		    const struct dbg_sg_pos *sg, bool take, bool sync,
		    const char **why, char *buf, size_t len);
/* Visit every live record (teardown). */
void dma_debug_for_each(struct dma_debug *d,
			void (*fn)(void *arg, const struct dma_debug_entry *e),
			void *arg);

#endif
