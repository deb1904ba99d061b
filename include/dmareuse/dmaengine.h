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
 * dmaengine_xfer() - run one transfer on @dev
 * @dev: the device doing the transfer; its DMA goes through its domain
 * @addr: DMA address of the buffer in memory
 * @buf: the engine's internal buffer (CPU memory the IOMMU does not see)
 * @len: bytes to move
 * @dir: DMA_TO_DEVICE reads @len bytes at @addr into @buf, DMA_FROM_DEVICE
 *       writes @buf to @addr, DMA_BIDIRECTIONAL does both (read, then write
 *       back)
 * @touch_stride: 0 moves all @len bytes; otherwise only @touch_len bytes
 *       every @touch_stride bytes move
 * @touch_len: bytes moved per stride; all of them go through the first
 *       @touch_len bytes of @buf
 *
 * A strided transfer touches every page without copying all of it.  Every
 * byte goes through mdev_access(): the first access that faults stops the
 * transfer, and bytes moved before it stay moved.
 *
 * Context: any thread; the calling thread stands for the engine.
 * Return: 0; -EINVAL for a @dir that is none of the three; -EFAULT if the
 * IOMMU refused an access.
 */
int dmaengine_xfer(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		   enum dma_data_direction dir, size_t touch_stride,
		   size_t touch_len);

#endif
