// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * osdep_linux.c - the out-of-line part of the Linux binding (osdep_os.h).
 *
 * Only what needs <linux/iommu.h> lives here, so that the shared sources of
 * reuse/ are compiled without the IOMMU headers.
 */
#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/pci.h>

#include "osdep_os.h"

/**
 * osdep_dma_unmap_is_strict() - whether an unmap on @d is complete on return.
 * @d: the device.
 *
 * The reuse layer keeps mappings of pages it pins and must know that its
 * unmap removes every translation -- PTE and IOTLB entry -- before it drops
 * the page reference (docs/design.md section 6, the safety rule).  A DMA domain
 * with a flush queue (IOMMU_DOMAIN_DMA_FQ, iommu.strict=0, Debian's default)
 * defers the IOTLB invalidation, so it is not strict.  A DMA domain without
 * one (iommu.strict=1) invalidates and waits inside dma_unmap_page().  An
 * identity domain (iommu.passthrough=1) and a device without an IOMMU have
 * no IOTLB for a stale entry to stay in: strict enough.
 *
 * Context: any; reads the domain pointer and its type.
 * Return: false for a flush-queue domain, true otherwise.
 */
bool osdep_dma_unmap_is_strict(struct device *d)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(d);

	return !domain || domain->type != IOMMU_DOMAIN_DMA_FQ;
}

/**
 * osdep_dma_unmap_invalidates() - whether an unmap on @d has a translation
 * to invalidate.
 * @d: the device.
 *
 * For the reuse layer's counters: a DMA domain (strict or flush queue)
 * translates, so each unmap removes an IOTLB entry, at once or at the next
 * flush.  An identity domain and a device without an IOMMU translate
 * nothing.
 *
 * Context: any; reads the domain pointer and its type.
 * Return: true for a domain the DMA API translates through.
 */
bool osdep_dma_unmap_invalidates(struct device *d)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(d);

	return domain && (domain->type & __IOMMU_DOMAIN_DMA_API);
}

/**
 * osdep_dma_need_sync() - whether syncs on the mapping at @a do anything.
 * @d: the device.
 * @a: a DMA address it mapped.
 *
 * dma_need_sync() answers for dma-direct exactly (swiotlb, non-coherent
 * devices), but in Linux 6.1 it says yes for every device behind the
 * IOMMU's DMA ops, because those ops have sync callbacks -- which return at
 * once for a cache-coherent device that is not forced through swiotlb (an
 * untrusted PCI device is).  The reuse layer asks once per mapping and then
 * skips the calls, which on the hit path are most of the cost.
 *
 * Context: any.
 * Return: false when every sync on the mapping would be a no-op.
 */
bool osdep_dma_need_sync(struct device *d, dma_addr_t a)
{
	struct iommu_domain *domain;

	if (!dma_need_sync(d, a))
		return false;
	domain = iommu_get_domain_for_dev(d);
	if (domain && (domain->type & __IOMMU_DOMAIN_DMA_API) && dev_is_dma_coherent(d) &&
	    !(dev_is_pci(d) && to_pci_dev(d)->untrusted))
		return false;
	return true;
}
