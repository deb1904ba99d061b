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

/** sg_init_table() - zero @nents entries. */
static inline void sg_init_table(struct scatterlist *sg, unsigned int nents)
{
	for (unsigned int i = 0; i < nents; i++)
		sg[i] = (struct scatterlist){ 0 };
}

/** sg_set_page() - describe @len bytes at @offset of frame @page. */
static inline void sg_set_page(struct scatterlist *sg, pfn_t page,
			       unsigned int len, unsigned int offset)
{
	sg->page = page + offset / PAGE_SIZE;
	sg->offset = offset % PAGE_SIZE;
	sg->length = len;
}

#endif
