/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * edu_int.h - private declarations of dmareuse_edu.ko.
 *
 * The module is split by concern:
 *
 *   edu_main.c           module parameters, the PCI driver, probe runs the tests
 *   edu_hw.c             QEMU's edu device: registers and one polled DMA transfer
 *   edu_strategy.c       the table of DMA strategies and the lookup by name
 *   strategy_strict.c    the "strict" strategy: plain streaming DMA API
 *   edu_tests.c          round trips, stale DMA after unmap, map+unmap benchmark
 *   edu_map_benchmark.c  /sys/kernel/debug/dma_map_benchmark (upstream tool's ABI)
 *
 * Nothing here is exported to other modules; the shared reuse layer will
 * live in dmareuse.ko (see Kbuild) and reach the kernel through its own
 * osdep binding.
 *
 * Every test prints exactly one line per outcome on the kernel log, of the
 * form "RESULT <test-name> PASS|FAIL <details>", and benchmarks print
 * "RESULT bench <strategy> ns_per_pair=<N> ...".  The QEMU harness
 * (scripts/check.sh) reads these lines from the serial console.
 */
#ifndef DMAREUSE_EDU_INT_H
#define DMAREUSE_EDU_INT_H

#include <linux/dma-mapping.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

/*
 * QEMU's edu device has a 4 KiB internal buffer at device address 0x40000.
 * QEMU 7.2 requires a transfer to end strictly inside it (offset + len <
 * 4096, len >= 1) and aborts the whole emulator otherwise, so every transfer
 * is checked against EDU_XFER_MAX_END before the doorbell is rung.
 */
#define EDU_BUF_SIZE		4096u
#define EDU_XFER_MAX_END	(EDU_BUF_SIZE - 1)

/* Printed in front of every result line; the harness greps for it. */
#define EDU_RESULT		"RESULT "

/**
 * struct edu_dev - one bound edu PCI function.
 * @pdev:	the PCI device.
 * @dev:	&pdev->dev, the device every DMA mapping is made for.
 * @bar:	BAR0, the register window.
 * @xfer_lock:	serialises use of the device's single DMA engine and of its
 *		internal buffer (edu ignores a doorbell while busy).
 * @debugfs:	the dma_map_benchmark file, or NULL when it was not created.
 * @bench:	private state of the dma_map_benchmark interface.
 */
struct edu_dev {
	struct pci_dev *pdev;
	struct device *dev;
	void __iomem *bar;
	struct mutex xfer_lock;
	struct dentry *debugfs;
	struct edu_map_bench *bench;
};

/* edu_hw.c */
int edu_hw_check_ident(struct edu_dev *edu);
int edu_dma_start(struct edu_dev *edu, dma_addr_t ram, u32 dev_off, u32 len,
		  bool to_ram);
int edu_dma_wait(struct edu_dev *edu, u64 timeout_ns, bool may_sleep);
int edu_dma_xfer(struct edu_dev *edu, dma_addr_t ram, u32 dev_off, u32 len,
		 bool to_ram);

/*
 * A DMA strategy: how a driver makes a CPU buffer reachable by its device.
 * DESIGN.md section 6 names them (strict, bounce, reuse, pool, cache,
 * iova-link, ...).  The ownership protocol is the DMA API's:
 *
 *   map()             CPU -> device: the device may access the buffer
 *   sync_for_cpu()    device -> CPU while the mapping is kept
 *   sync_for_device() CPU -> device again, same mapping
 *   unmap()           device -> CPU, the mapping ends
 *
 * Every call passes the CPU buffer as well as the DMA address so that a
 * strategy which copies (bounce) or caches (cache, reuse) can find its state
 * without a lookup.  map() returns DMA_MAPPING_ERROR on failure.
 *
 * An instance (struct edu_strategy) is used by one thread at a time; the
 * benchmark creates one instance per thread, as a driver keeps per-CPU or
 * per-queue DMA contexts.
 */
struct edu_strategy;

/**
 * struct edu_strategy_ops - one DMA strategy.
 * @name:		the strategy name of DESIGN.md section 6.
 * @init:		optional; set up per-instance state in @s->priv.
 * @destroy:		optional; undo @init.  Every mapping is gone by then.
 * @map:		make @len bytes at @buf reachable for @dir.
 * @unmap:		end a mapping made by @map.
 * @sync_for_device:	hand a kept mapping back to the device.
 * @sync_for_cpu:	hand a kept mapping to the CPU.
 */
struct edu_strategy_ops {
	const char *name;
	int (*init)(struct edu_strategy *s);
	void (*destroy)(struct edu_strategy *s);
	dma_addr_t (*map)(struct edu_strategy *s, void *buf, size_t len,
			  enum dma_data_direction dir);
	void (*unmap)(struct edu_strategy *s, dma_addr_t addr, void *buf,
		      size_t len, enum dma_data_direction dir);
	void (*sync_for_device)(struct edu_strategy *s, dma_addr_t addr,
				void *buf, size_t len,
				enum dma_data_direction dir);
	void (*sync_for_cpu)(struct edu_strategy *s, dma_addr_t addr,
			     void *buf, size_t len,
			     enum dma_data_direction dir);
};

/**
 * struct edu_strategy - an instance of a strategy bound to one device.
 * @ops:	the strategy.
 * @dev:	the device its mappings are for.
 * @priv:	the strategy's own per-instance state.
 */
struct edu_strategy {
	const struct edu_strategy_ops *ops;
	struct device *dev;
	void *priv;
};

/* edu_strategy.c */
const struct edu_strategy_ops *edu_strategy_find(const char *name);
const struct edu_strategy_ops *edu_strategy_get(unsigned int i);
void edu_strategy_names(char *buf, size_t size);
struct edu_strategy *edu_strategy_create(const struct edu_strategy_ops *ops,
					 struct device *dev);
void edu_strategy_destroy(struct edu_strategy *s);

/* One file per strategy; each defines its ops. */
extern const struct edu_strategy_ops edu_strategy_strict;

static inline dma_addr_t edu_map(struct edu_strategy *s, void *buf,
				 size_t len, enum dma_data_direction dir)
{
	return s->ops->map(s, buf, len, dir);
}

static inline void edu_unmap(struct edu_strategy *s, dma_addr_t addr,
			     void *buf, size_t len,
			     enum dma_data_direction dir)
{
	s->ops->unmap(s, addr, buf, len, dir);
}

static inline void edu_sync_for_device(struct edu_strategy *s,
				       dma_addr_t addr, void *buf, size_t len,
				       enum dma_data_direction dir)
{
	if (s->ops->sync_for_device)
		s->ops->sync_for_device(s, addr, buf, len, dir);
}

static inline void edu_sync_for_cpu(struct edu_strategy *s, dma_addr_t addr,
				    void *buf, size_t len,
				    enum dma_data_direction dir)
{
	if (s->ops->sync_for_cpu)
		s->ops->sync_for_cpu(s, addr, buf, len, dir);
}

/* edu_tests.c */
const char *edu_iommu_mode(struct device *dev, const char **domain_type);
void edu_run_tests(struct edu_dev *edu, unsigned int bench_pairs);

/* edu_map_benchmark.c */
int edu_map_bench_create(struct edu_dev *edu,
			 const struct edu_strategy_ops *ops);
void edu_map_bench_destroy(struct edu_dev *edu);

#endif /* DMAREUSE_EDU_INT_H */
