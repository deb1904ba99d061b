/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dmaengine.h - a memory-to-device DMA engine, the device behind `map`.
 *
 * The engine moves data between a buffer in memory (named by a DMA address)
 * and its own internal buffer, through the IOMMU like any device.  It is
 * synchronous: the calling thread stands for the engine while it runs, as
 * the map benchmark needs no queueing.  Devices with rings (zip, nic) live
 * beside it.
 */
#ifndef DMAREUSE_DMAENGINE_H
#define DMAREUSE_DMAENGINE_H

#include <dmareuse/machine.h>

/**
 * dmaengine_xfer() - run one transfer on @dev: TO_DEVICE reads @len bytes
 * at @addr into @buf, FROM_DEVICE writes @buf to @addr, BIDIRECTIONAL does
 * both (read, then write back).  With @touch_stride > 0 only @touch_len
 * bytes every @touch_stride bytes move, all through the first @touch_len
 * bytes of @buf (a transfer that touches every page without copying all of
 * it).  Return: 0, or -EFAULT if the IOMMU refused.
 */
int dmaengine_xfer(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		   enum dma_data_direction dir, size_t touch_stride,
		   size_t touch_len);

#endif
