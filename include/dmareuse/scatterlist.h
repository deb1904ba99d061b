/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * scatterlist.h - the lab's scatterlist.
 *
 * One entry per physically contiguous piece of a buffer, as in Linux: the
 * CPU side (page, offset, length) is set by the owner, the device side
 * (dma_address, dma_length) by dma_map_sg().  The lab owns this type, so the
 * reuse marking proposed in the seed thread (sg_mark_reusable /
 * sg_mark_stop_reuse) can live in it: `reuse_flags` and `reuse_ctx` belong
 * to reuse/ and are zero for an ordinary list.
 */
#ifndef DMAREUSE_SCATTERLIST_H
#define DMAREUSE_SCATTERLIST_H

#include <dmareuse/types.h>

struct scatterlist {
	pfn_t page;		/* first frame of the piece */
	unsigned int offset;	/* byte offset into that frame */
	unsigned int length;	/* bytes */
	dma_addr_t dma_address;
	unsigned int dma_length;
	unsigned int reuse_flags;	/* owned by reuse/ */
	void *reuse_ctx;		/* owned by reuse/ */
};

/**
 * sg_init_table() - zero the entries of a scatterlist
 * @sg: the list
 * @nents: number of entries
 *
 * Every field is zeroed, reuse_flags and reuse_ctx included: do not
 * re-initialise a list still marked reusable (end reuse with
 * sg_mark_stop_reuse() first).
 *
 * Context: the list's owner; it is not locked.
 */
static inline void sg_init_table(struct scatterlist *sg, unsigned int nents)
{
	for (unsigned int i = 0; i < nents; i++)
		sg[i] = (struct scatterlist){ 0 };
}

/**
 * sg_set_page() - describe a piece of a buffer in one entry
 * @sg: the entry
 * @page: the first frame of the piece
 * @len: bytes
 * @offset: where the piece starts, in bytes from @page; may exceed
 *          PAGE_SIZE
 *
 * An @offset of PAGE_SIZE or more advances the entry's page, so the stored
 * offset is always below PAGE_SIZE, as dma_map_sg() requires.  The device
 * side and the reuse fields are left alone.
 *
 * Context: the list's owner; it is not locked.
 */
static inline void sg_set_page(struct scatterlist *sg, pfn_t page,
			       unsigned int len, unsigned int offset)
{
	sg->page = page + offset / PAGE_SIZE;
	sg->offset = offset % PAGE_SIZE;
	sg->length = len;
}

#endif
