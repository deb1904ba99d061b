/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * types.h - scalar types shared by every layer of the lab.
 *
 * Three address spaces never mix: a physical address (phys_addr_t) names a
 * byte of the machine's memory arena, an IOVA (iova_t) names a byte of one
 * I/O address space as the IOMMU translates it, and a DMA address
 * (dma_addr_t) is what a driver hands its device -- an IOVA behind a
 * translating domain, a physical address under passthrough.  Distinct
 * typedefs keep the intent readable even though C will not enforce it.
 */
#ifndef DMAREUSE_TYPES_H
#define DMAREUSE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t phys_addr_t;
typedef uint64_t iova_t;
typedef uint64_t dma_addr_t;
typedef uint64_t pfn_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE ((size_t)1 << PAGE_SHIFT)
#define PAGE_MASK (~((uint64_t)PAGE_SIZE - 1))

/* The value every map function returns on failure; test with dma_mapping_error(). */
#define DMA_MAPPING_ERROR (~(dma_addr_t)0)

/* Direction of a streaming transfer, as Linux's enum dma_data_direction. */
enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,
};

/* What a device access does to memory. */
enum dev_access {
	DEV_READ = 1,  /* device reads memory (memory -> device) */
	DEV_WRITE = 2, /* device writes memory (device -> memory) */
};

#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * dma_mapping_error() - whether a map call failed
 * @addr: what the map call returned
 *
 * Context: any thread.
 * Return: true if @addr is DMA_MAPPING_ERROR.
 */
static inline bool dma_mapping_error(dma_addr_t addr)
{
	return addr == DMA_MAPPING_ERROR;
}

/**
 * dma_dir_name() - the name of a direction, for messages
 * @dir: the direction
 *
 * Context: any thread.
 * Return: "BIDIRECTIONAL", "TO_DEVICE" or "FROM_DEVICE"; "NONE" for
 * DMA_NONE and any other value.
 */
static inline const char *dma_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL: return "BIDIRECTIONAL";
	case DMA_TO_DEVICE: return "TO_DEVICE";
	case DMA_FROM_DEVICE: return "FROM_DEVICE";
	default: return "NONE";
	}
}

#endif
