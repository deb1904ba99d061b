/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * edu_int.h - private declarations of dmareuse_edu.ko.
 *
 * The module is split by concern:
 *
 *   edu_main.c           module parameters, the PCI driver, probe runs the tests
 *   edu_hw.c             QEMU's edu device: registers and one polled DMA transfer
 *   edu_strategy.c       the table of DMA strategies, lookup by name,
 *                        instances (refused where the boot's IOMMU mode and
 *                        the strategy's mechanism make a refused pair)
 *   strategy_strict.c    the plain streaming DMA API
 *   strategy_mapper.c    bounce, cache and auto: dmareuse's per-buffer mapper,
 *                        one mechanism each
 *   strategy_reuse.c     the map-once API of dmareuse
 *   strategy_pool.c      dmareuse's mapped pool (the strategy's own buffers)
 *   strategy_batch.c     dmareuse's batch of deferred invalidations
 *   edu_tests.c          round trips, map+unmap benchmark, mode detection
 *   edu_isolation.c      stale DMA (after unmap, stop-reuse, cache release),
 *                        pinning of cached pages, the shrinker's test cache
 *   edu_batch.c          batch: the window before a flush, none after it,
 *                        pages held until the flush, invalidations counted
 *   edu_map_benchmark.c  /sys/kernel/debug/dma_map_benchmark (upstream tool's ABI)
 *
 * Nothing here is exported to other modules.
 *
 * Every test prints exactly one line per outcome on the kernel log, of the
 * form "RESULT <test-name> PASS|FAIL <details>", and benchmarks print
 * "RESULT bench <strategy> ns_per_pair=<N> ...".  The QEMU harness
 * (scripts/harness.sh) reads these lines from the serial console.  A test
 * that cannot apply in this boot (the cache and the map-once API refuse a
 * lazy device by design) prints "PASS n/a ... reason=..." and the harness
 * checks that n/a is expected for that mode.
 */
#ifndef DMAREUSE_EDU_INT_H
#define DMAREUSE_EDU_INT_H

#include <linux/bitops.h>
#include <linux/dma-mapping.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/types.h>

#include "dmareuse_linux.h"

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
 * @shrink_cache: a mapping cache left holding idle entries of pages the
 *		driver has freed, for /init to check the module's shrinker
 *		(see edu_isolation.c); NULL when the device is lazy.
 */
struct edu_dev {
	struct pci_dev *pdev;
	struct device *dev;
	void __iomem *bar;
	struct mutex xfer_lock;
	struct dentry *debugfs;
	struct edu_map_bench *bench;
	struct rcache *shrink_cache;
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
 * docs/design.md section 6 names them (strict, bounce, reuse, pool, cache,
 * iova-link, ...).  The ownership protocol is the DMA API's:
 *
 *   map()             CPU -> device: the device may access the buffer
 *   sync_for_cpu()    device -> CPU while the mapping is kept
 *   sync_for_device() CPU -> device again, same mapping
 *   unmap()           device -> CPU, the mapping ends
 *
 * Every call passes the CPU buffer as well as the DMA address so that a
 * strategy which copies (bounce) or caches (cache, reuse) can find its state
 * by either.  map() returns DMA_MAPPING_ERROR on failure.
 *
 * A strategy that lends its own buffers (pool) has get() and put() instead
 * of map() and unmap(): get() hands out a buffer already mapped for the
 * device, put() takes it back; the syncs work as for a kept mapping.
 *
 * Each strategy is a mechanism of the reuse layer (enum reuse_mech: strict
 * is RMECH_NONE, the plain DMA API) under the boot's IOMMU mode; the pair's
 * refusal, if any, is the layer's table's (reuse_pair_why_not()).
 *
 * An instance (struct edu_strategy) is used by one thread at a time; the
 * benchmark creates one instance per thread, as a driver keeps per-CPU or
 * per-queue DMA contexts.
 */
struct edu_strategy;

/* How the round-trip test lends buffers to a strategy (edu_tests.c). */
#define EDU_RT_EXACT	BIT(0)	/* map exactly the bytes transferred */
#define EDU_RT_PAGES	BIT(1)	/* map the whole pages around them */

/**
 * struct edu_strategy_ops - one DMA strategy.
 * @name:		the strategy name of docs/design.md section 6.
 * @mech:		its mechanism in the reuse layer; with the boot's IOMMU
 *			mode, the pair edu_strategy_create() checks.
 * @rt_modes:		EDU_RT_* ways the round-trip test maps buffers; 0 for
 *			a strategy with @get (it lends its own buffers).
 * @init:		optional; set up per-instance state in @s->priv.  Runs
 *			only when the pair is allowed (a refused pair makes
 *			edu_strategy_create() fail with -EOPNOTSUPP, which the
 *			tests report as n/a).
 * @destroy:		optional; undo @init.  Every mapping is gone by then.
 * @map:		make @len bytes at @buf reachable for @dir.
 * @unmap:		end a mapping made by @map.
 * @get:		instead of @map: lend a buffer of the strategy's own of
 *			at least @len bytes, mapped for @dir; its DMA address
 *			goes to *@addr.  NULL when none is free.
 * @put:		instead of @unmap: take back a buffer from @get, of
 *			which @len bytes were used.
 * @sync_for_device:	hand a kept mapping back to the device.
 * @sync_for_cpu:	hand a kept mapping to the CPU.
 */
struct edu_strategy_ops {
	const char *name;
	enum reuse_mech mech;
	unsigned int rt_modes;
	int (*init)(struct edu_strategy *s);
	void (*destroy)(struct edu_strategy *s);
	dma_addr_t (*map)(struct edu_strategy *s, void *buf, size_t len,
			  enum dma_data_direction dir);
	void (*unmap)(struct edu_strategy *s, dma_addr_t addr, void *buf,
		      size_t len, enum dma_data_direction dir);
	void *(*get)(struct edu_strategy *s, size_t len,
		     enum dma_data_direction dir, dma_addr_t *addr);
	void (*put)(struct edu_strategy *s, void *buf, dma_addr_t addr,
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

/*
 * Most buffers one instance lends at once: the tests hold two, a
 * benchmark thread one.  Strategies that keep a slot per lent buffer
 * (strategy_mapper.c, strategy_pool.c) size their tables with it.
 */
#define EDU_LIVE_MAX	4

/*
 * The handles an instance of a layer strategy (strategy_mapper.c,
 * strategy_batch.c) lends now, found again by DMA address and CPU buffer.
 * Inline: they sit on the benchmark's hit path, where under TCG every call
 * and return costs.
 */
/**
 * struct edu_live - the buffers a strategy instance lends now.
 * @h:		their handles.
 * @buf:	the CPU buffer each was mapped for (with @h.dma, the key).
 * @used:	bitmap of the slots in use.
 */
struct edu_live {
	struct rmap_handle h[EDU_LIVE_MAX];
	void *buf[EDU_LIVE_MAX];
	unsigned long used;
};

/*
 * A free slot for a mapping about to be made, or NULL when all
 * EDU_LIVE_MAX are in use.  The handle is not cleared: the mapper fills
 * the whole handle when a map succeeds, and a failed map gives the slot
 * back.  (A memset here was a `rep stos`, which TCG runs one iteration per
 * block: tens of ns per pair in the guest.)
 */
static inline struct rmap_handle *edu_live_add(struct edu_live *l, void *buf)
{
	unsigned int i = ffz(l->used);

	if (i >= EDU_LIVE_MAX)
		return NULL;
	__set_bit(i, &l->used);
	l->buf[i] = buf;
	return &l->h[i];
}

/* The handle lent at @addr for @buf, or NULL. */
static inline struct rmap_handle *edu_live_find(struct edu_live *l, dma_addr_t addr,
						void *buf)
{
	unsigned int i;

	for (i = 0; i < EDU_LIVE_MAX; i++)
		if (test_bit(i, &l->used) && l->h[i].dma == addr &&
		    l->buf[i] == buf)
			return &l->h[i];
	return NULL;
}

/* Free the slot of @h, from edu_live_add(). */
static inline void edu_live_del(struct edu_live *l, struct rmap_handle *h)
{
	__clear_bit(h - l->h, &l->used);
}

/* The strategies' ops, in docs/design.md section 6 order. */
extern const struct edu_strategy_ops edu_strategy_strict;	/* strategy_strict.c */
extern const struct edu_strategy_ops edu_strategy_bounce;	/* strategy_mapper.c */
extern const struct edu_strategy_ops edu_strategy_reuse;	/* strategy_reuse.c */
extern const struct edu_strategy_ops edu_strategy_pool;		/* strategy_pool.c */
extern const struct edu_strategy_ops edu_strategy_cache;	/* strategy_mapper.c */
extern const struct edu_strategy_ops edu_strategy_batch;	/* strategy_batch.c */
extern const struct edu_strategy_ops edu_strategy_auto;		/* strategy_mapper.c */

/* strategy_mapper.c: for auto, the bounce/map crossover; 0 otherwise. */
size_t edu_strategy_crossover(struct edu_strategy *s);

static inline bool edu_own_buffers(const struct edu_strategy *s)
{
	return s->ops->get != NULL;
}

static inline dma_addr_t edu_map(struct edu_strategy *s, void *buf,
				 size_t len, enum dma_data_direction dir)
{
	return s->ops->map(s, buf, len, dir);
}

static inline void *edu_get(struct edu_strategy *s, size_t len,
			    enum dma_data_direction dir, dma_addr_t *addr)
{
	return s->ops->get(s, len, dir, addr);
}

static inline void edu_put(struct edu_strategy *s, void *buf, dma_addr_t addr,
			   size_t len, enum dma_data_direction dir)
{
	s->ops->put(s, buf, addr, len, dir);
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
void edu_fill_pattern(u8 *p, size_t len, u32 seed);
size_t edu_first_not(const u8 *p, size_t len, u8 c);
size_t edu_first_diff(const u8 *a, const u8 *b, size_t len);

/* Reason printed by tests that a lazy (flush-queue) device makes n/a. */
#define EDU_NA_LAZY	"reason=lazy-unmap:cache-and-map-once-refuse-a-flush-queue-domain"

/* edu_isolation.c; callers hold edu->xfer_lock. */
void edu_run_isolation_tests(struct edu_dev *edu, const char *mode,
			     const char *after);

/*
 * The stale-DMA tests' common ground (edu_isolation.c), also used by
 * edu_batch.c.  The device buffer holds the pattern at [0,
 * EDU_STALE_LEN); stale writes are aimed at EDU_STALE_TGT_OFF of a target
 * page filled with EDU_STALE_FILL.
 */
#define EDU_STALE_LEN		1024u
#define EDU_STALE_TGT_OFF	1024u
#define EDU_STALE_FILL		0x5a

/**
 * struct edu_stale_env - what every isolation test shares.
 * @edu:	the device; its xfer_lock is held.
 * @mode:	the boot's IOMMU mode.
 * @pattern:	EDU_STALE_LEN bytes the device buffer holds at offset 0.
 * @snap:	a page of scratch for the snapshot.
 */
struct edu_stale_env {
	struct edu_dev *edu;
	const char *mode;
	u8 *pattern;
	u8 *snap;
};

/* Releases the mapping under test; runs with local interrupts off. */
typedef int (*edu_stale_release_fn)(void *arg);

int edu_stale_warm(struct edu_stale_env *env, dma_addr_t iova);
int edu_stale_fire(struct edu_stale_env *env, dma_addr_t iova, u8 *tgt,
		   edu_stale_release_fn release, void *arg,
		   const char **outcome, ssize_t *first_changed);
void edu_stale_report(const struct edu_stale_env *env, const char *name,
		      bool pass, const char *outcome, dma_addr_t iova,
		      ssize_t first_changed, const char *extra);
void edu_stale_fail(const struct edu_stale_env *env, const char *name,
		    const char *why, int err);
struct page *edu_stale_target(void);

/* edu_batch.c: the batch strategy's isolation tests (after its round trips). */
void edu_batch_tests(struct edu_stale_env *env);
void edu_shrink_setup(struct edu_dev *edu, const char *mode);
void edu_shrink_teardown(struct edu_dev *edu);

/* edu_main.c: the strategy dma_map_benchmark measures (strategy=), and
 * the batch strategy's unmaps per batch (batch_size=).
 */
const struct edu_strategy_ops *edu_bench_strategy(void);
unsigned int edu_batch_size(void);

/* edu_map_benchmark.c */
int edu_map_bench_create(struct edu_dev *edu);
void edu_map_bench_destroy(struct edu_dev *edu);

#endif /* DMAREUSE_EDU_INT_H */
