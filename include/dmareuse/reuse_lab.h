/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse_lab.h - the lab's side of a strategy's IOMMU mode.
 *
 * A strategy is a pair of an IOMMU mode and a mechanism (reuse.h).  The
 * mechanism is the driver's to use; the mode is the device's domain, which
 * in Linux the boot chooses and in the lab the driver gives to
 * dma_device_create().  This is the one place that turns a mode into the
 * lab's domain type: drivers and workloads call it rather than each
 * spelling the mapping out.
 */
#ifndef DMAREUSE_REUSE_LAB_H
#define DMAREUSE_REUSE_LAB_H

#include <dmareuse/dma.h>
#include <dmareuse/reuse.h>

/**
 * reuse_mode_domain() - the lab's domain type for an IOMMU mode
 * @mode: the mode (strict, lazy or passthrough)
 * @type: receives DMA_DOMAIN_STRICT, DMA_DOMAIN_LAZY or
 *        DMA_DOMAIN_PASSTHROUGH
 *
 * Context: any thread.
 * Return: 0; -EINVAL, @type untouched, for a value that is not a mode.
 */
int reuse_mode_domain(enum reuse_mode mode, enum dma_domain_type *type);

#endif
