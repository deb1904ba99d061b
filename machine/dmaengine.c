// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dmaengine.c - the synchronous DMA engine: every byte through mdev_access().
 */
#include <dmareuse/dmaengine.h>

#include <errno.h>

static int xfer_one(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		    enum dma_data_direction dir)
{
	int r = 0;

	if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
		r = mdev_access(dev, addr, buf, len, DEV_READ);
	if (!r && (dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL))
		r = mdev_access(dev, addr, buf, len, DEV_WRITE);
	return r;
}

int dmaengine_xfer(struct mdev *dev, dma_addr_t addr, void *buf, size_t len,
		   enum dma_data_direction dir, size_t touch_stride,
		   size_t touch_len)
{
	if (dir != DMA_TO_DEVICE && dir != DMA_FROM_DEVICE && dir != DMA_BIDIRECTIONAL)
		return -EINVAL;
	if (!touch_stride)
		return xfer_one(dev, addr, buf, len, dir);
	for (size_t off = 0; off < len; off += touch_stride) {
		size_t n = len - off < touch_len ? len - off : touch_len;
		int r = xfer_one(dev, addr + off, buf, n, dir);

		if (r)
			return r;
	}
	return 0;
}
