// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * mode.c - an IOMMU mode as the lab's domain type (reuse_lab.h).
 *
 * A switch, not a cast: the two enums need not share an order.
 */
#include <dmareuse/reuse_lab.h>

#include <errno.h>

int reuse_mode_domain(enum reuse_mode mode, enum dma_domain_type *type)
{
	switch (mode) {
	case RMODE_STRICT:
		*type = DMA_DOMAIN_STRICT;
		return 0;
	case RMODE_LAZY:
		*type = DMA_DOMAIN_LAZY;
		return 0;
	case RMODE_PASSTHROUGH:
		*type = DMA_DOMAIN_PASSTHROUGH;
		return 0;
	default:
		return -EINVAL;
	}
}
