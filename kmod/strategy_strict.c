// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy_strict.c - the "strict" strategy: plain streaming DMA.
 *
 * dma_map_single() before each transfer, dma_unmap_single() after it, and
 * dma_sync_single_for_{cpu,device}() when a mapping is kept across
 * transfers.  This is what an unmodified Linux driver does; the name is the
 * one docs/design.md section 6 gives it.  The cost and the isolation are those
 * of the boot's IOMMU mode: under iommu.strict=1 every unmap invalidates the
 * IOTLB and waits for it; under iommu.strict=0 (lazy) the invalidation is
 * deferred to a flush queue; under passthrough the DMA address is the
 * physical address and nothing is mapped at all.  As a pair of the reuse
 * layer's table it is mechanism none under the boot's mode.
 *
 * No per-instance state, so any number of threads may share an instance.
 */
#include "edu_int.h"

static dma_addr_t strict_map(struct edu_strategy *s, void *buf, size_t len,
			     enum dma_data_direction dir)
{
	dma_addr_t addr = dma_map_single(s->dev, buf, len, dir);

	if (dma_mapping_error(s->dev, addr))
		return DMA_MAPPING_ERROR;
	return addr;
}

static void strict_unmap(struct edu_strategy *s, dma_addr_t addr, void *buf,
			 size_t len, enum dma_data_direction dir)
{
	dma_unmap_single(s->dev, addr, len, dir);
}

static void strict_sync_for_device(struct edu_strategy *s, dma_addr_t addr,
				   void *buf, size_t len,
				   enum dma_data_direction dir)
{
	dma_sync_single_for_device(s->dev, addr, len, dir);
}

static void strict_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
				void *buf, size_t len,
				enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(s->dev, addr, len, dir);
}

const struct edu_strategy_ops edu_strategy_strict = {
	.name		 = "strict",
	.mech		 = RMECH_NONE,
	.rt_modes	 = EDU_RT_EXACT,
	.map		 = strict_map,
	.unmap		 = strict_unmap,
	.sync_for_device = strict_sync_for_device,
	.sync_for_cpu	 = strict_sync_for_cpu,
};
