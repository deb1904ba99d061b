/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * reuse_types.h - the handle types of the reuse layer's API (reuse.h).
 *
 * The layer has two homes, and each names a device and a page its own way:
 *   the lab    osdep_dev_t = struct dma_device, osdep_page_t = a frame
 *              number (pfn_t); dma_addr_t and the directions from types.h;
 *   Linux      osdep_dev_t = struct device, osdep_page_t = struct page *;
 *              dma_addr_t and the directions from the kernel's headers.
 * These are all a user of reuse.h needs: the devices and pages are only
 * pointed at or passed along, never looked into.  So reuse.h includes this
 * header rather than the OS binding (reuse/osdep.h), which brings the whole
 * of the OS's DMA layer, its locks and, in the lab, pthread and SSE headers
 * with it -- and resolves only through a private folder on the include
 * path.
 *
 * Each binding defines the same two typedefs itself (reuse/lab/osdep_os.h,
 * kmod/osdep_os.h), as reuse/osdep.h asks; a repeated typedef is allowed
 * when it names the same type (C11), so every file of reuse/, which sees
 * both, fails to compile if the two ever disagree.
 */
#ifndef DMAREUSE_REUSE_TYPES_H
#define DMAREUSE_REUSE_TYPES_H

#ifdef __KERNEL__
#include <linux/dma-direction.h>
#include <linux/types.h>

struct device;
struct page;

typedef struct device osdep_dev_t;
typedef struct page *osdep_page_t;
#else
#include <dmareuse/types.h>

struct dma_device;

typedef struct dma_device osdep_dev_t;
typedef pfn_t osdep_page_t;
#endif

#endif
