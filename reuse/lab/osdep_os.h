/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * osdep_os.h - the lab's binding of the reuse layer (see reuse/osdep.h).
 *
 * Pages are frame numbers of the lab's arena; references go to the head of
 * the allocated block, as Linux's get_page() on a tail page does.  Locks
 * are the lab's (mthread.h): pthread mutexes in real time, which
 * ThreadSanitizer understands, modelled locks in virtual time.  Everything is
 * inline so the reuse layer's hit paths cost no extra calls.
 */
#ifndef DMAREUSE_OSDEP_OS_H
#define DMAREUSE_OSDEP_OS_H

#include "../../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/dma.h>
#include <dmareuse/mthread.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define OSDEP_OWNER_REUSE 4u	/* owner tag of frames the reuse layer allocates */
#define OSDEP_MAX_PAGE_ORDER PAGE_MAX_ORDER
#define OSDEP_HAS_IOVA_LINK 1
#define OSDEP_HAS_BATCH 1

typedef struct dma_device osdep_dev_t;
typedef pfn_t osdep_page_t;
typedef struct mlock osdep_lock_t;
typedef struct dma_iova_state osdep_iova_state_t;
typedef struct dma_gather osdep_gather_t;
typedef struct dma_iova_state osdep_batch_block_t;
typedef struct dma_unmap_desc osdep_unmap_t;	/* addr, size, dir */
typedef _Atomic int osdep_atomic_t;		/* a small state word */
typedef _Atomic uint64_t osdep_counter_t;	/* a statistics counter */

#define OSDEP_NO_PAGE (~(osdep_page_t)0)

/* A macro, so that a virtual-time report names the lock as the code does ("&b->lock"). */
#define osdep_lock_init(l) mlock_init((l), "reuse " #l, MLOCK_MODELLED)
static inline void osdep_lock_destroy(osdep_lock_t *l) { mlock_destroy(l); }
static inline void osdep_lock(osdep_lock_t *l) { mlock_lock(l); }
static inline void osdep_unlock(osdep_lock_t *l) { mlock_unlock(l); }
/* A macro, so that a failed check names the lock as the code does. */
#define osdep_assert_held(l) mlock_assert_held(l)

/* Acquire/release: as Linux's atomic_read/atomic_set on x86, no locked instruction. */
static inline int osdep_atomic_read(osdep_atomic_t *a)
{
	return atomic_load_explicit(a, memory_order_acquire);
}
static inline void osdep_atomic_set(osdep_atomic_t *a, int v)
{
	atomic_store_explicit(a, v, memory_order_release);
}
/* A race window of a lock-free path: tests widen it (failinject.h). */
static inline void osdep_race_window(void)
{
	raceinject_window();
}

/* Relaxed atomic accesses to a plain variable (ThreadSanitizer sees them). */
#define OSDEP_READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define OSDEP_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define OSDEP_LOAD_ACQUIRE(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define OSDEP_STORE_RELEASE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static inline int osdep_atomic_add_return(osdep_atomic_t *a, int v)
{
	return atomic_fetch_add(a, v) + v;
}
static inline bool osdep_atomic_try_cmpxchg(osdep_atomic_t *a, int *old, int new)
{
	return atomic_compare_exchange_strong(a, old, new);
}
static inline int osdep_counter_init(osdep_counter_t *c)
{
	atomic_store(c, 0);
	return 0;
}
static inline void osdep_counter_destroy(osdep_counter_t *c) { (void)c; }
static inline void osdep_counter_add(osdep_counter_t *c, int64_t v)
{
	atomic_fetch_add_explicit(c, (uint64_t)v, memory_order_relaxed);
}
static inline uint64_t osdep_counter_read(osdep_counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}
static inline void osdep_owner_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}
static inline uint64_t osdep_owner_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static inline void *osdep_zalloc(size_t n) { return lab_calloc(1, n); }
static inline void osdep_free(void *p) { free(p); }

static inline struct page_alloc *osdep_pa(osdep_dev_t *d)
{
	return os_page_alloc(dma_device_os(d));
}

static inline int osdep_alloc_pages(osdep_dev_t *d, unsigned int order,
				    osdep_page_t *p)
{
	return pages_alloc(osdep_pa(d), order, OSDEP_OWNER_REUSE, true, p);
}

static inline void osdep_free_pages(osdep_dev_t *d, osdep_page_t p,
				    unsigned int order)
{
	(void)order;
	page_put(osdep_pa(d), p);
}

static inline osdep_page_t osdep_head(osdep_dev_t *d, osdep_page_t p)
{
	return page_head(osdep_pa(d), p);
}

static inline void osdep_page_get(osdep_dev_t *d, osdep_page_t p)
{
	page_get(osdep_pa(d), osdep_head(d, p));
}

static inline void osdep_page_put(osdep_dev_t *d, osdep_page_t p)
{
	page_put(osdep_pa(d), osdep_head(d, p));
}

static inline unsigned int osdep_page_refcount(osdep_dev_t *d, osdep_page_t p)
{
	osdep_page_t h = osdep_head(d, p);

	return h == OSDEP_NO_PAGE ? 0 : page_refcount(osdep_pa(d), h);
}

static inline void *osdep_page_address(osdep_dev_t *d, osdep_page_t p)
{
	return phys_to_virt(os_machine(dma_device_os(d)), p << PAGE_SHIFT);
}

static inline osdep_page_t osdep_virt_to_page(osdep_dev_t *d, const void *va)
{
	return virt_to_phys(os_machine(dma_device_os(d)), va) >> PAGE_SHIFT;
}

static inline uintptr_t osdep_page_key(osdep_page_t p) { return (uintptr_t)p; }

/*
 * Inside the arena, with no sum wrapping: a frame number shifted, or an
 * offset added, past 2^64 would come back as another owner's frame.
 */
static inline bool osdep_page_span_ok(osdep_dev_t *d, osdep_page_t p, size_t off,
				      size_t len)
{
	const struct machine_mem *mem = machine_mem(os_machine(dma_device_os(d)));
	size_t start, end;

	if (!len || p >= mem->nframes)	/* OSDEP_NO_PAGE included */
		return false;
	if (__builtin_add_overflow((size_t)p << PAGE_SHIFT, off, &start) ||
	    __builtin_add_overflow(start, len, &end))
		return false;
	return end <= mem->nframes * PAGE_SIZE;
}

static inline dma_addr_t osdep_dma_map_page(osdep_dev_t *d, osdep_page_t p,
					    size_t off, size_t size,
					    enum dma_data_direction dir)
{
	return dma_map_page(d, p, off, size, dir);
}

static inline bool osdep_dma_mapping_error(osdep_dev_t *d, dma_addr_t a)
{
	(void)d;
	return dma_mapping_error(a);
}

static inline void osdep_dma_unmap_page(osdep_dev_t *d, dma_addr_t a, size_t size,
					enum dma_data_direction dir)
{
	dma_unmap_page(d, a, size, dir);
}

/* The lab's DMA layer invalidates a whole batch with one CMD_SYNC. */
static inline void osdep_dma_unmap_batch(osdep_dev_t *d, const osdep_unmap_t *v, size_t n)
{
	dma_unmap_batch(d, v, n);
}

static inline void osdep_dma_sync_for_cpu(osdep_dev_t *d, dma_addr_t a,
					  size_t size, enum dma_data_direction dir)
{
	dma_sync_single_for_cpu(d, a, size, dir);
}

static inline void osdep_dma_sync_for_device(osdep_dev_t *d, dma_addr_t a,
					     size_t size, enum dma_data_direction dir)
{
	dma_sync_single_for_device(d, a, size, dir);
}

static inline void *osdep_dma_alloc_coherent(osdep_dev_t *d, size_t size,
					     dma_addr_t *h)
{
	return dma_alloc_coherent(d, size, h);
}

static inline void osdep_dma_free_coherent(osdep_dev_t *d, size_t size, void *cpu,
					   dma_addr_t h)
{
	dma_free_coherent(d, size, cpu, h);
}

static inline bool osdep_dma_need_sync(osdep_dev_t *d, dma_addr_t a)
{
	return dma_need_sync(d, a);
}

static inline bool osdep_dma_unmap_is_strict(osdep_dev_t *d)
{
	return dma_device_type(d) != DMA_DOMAIN_LAZY;
}

static inline bool osdep_dma_unmap_invalidates(osdep_dev_t *d)
{
	return dma_device_type(d) != DMA_DOMAIN_PASSTHROUGH;
}

/*
 * Streaming stores write whole lines to memory without reading them first.
 * A bounce buffer that the device (the engine thread on the other core)
 * read last time sits in that core's cache; a cached copy into it must take
 * every line back from there: on this machine a 4 KiB copy costs about 2x
 * a streaming one, 16-64 KiB 3.5-4x, 1 KiB the same
 * (bench/results/bounce-stream.txt).  The fence orders the streaming stores
 * before the doorbell that follows.
 * Elsewhere (aarch64) a plain copy: its coherence makes no such promise.
 */
static inline void osdep_copy_to_device(void *dst, const void *src, size_t n)
{
	size_t o = 0;

#if defined(__SSE2__)
	char *d = dst;
	const char *s = src;

	if (((uintptr_t)d & 15) == 0 && n >= 64) {
		for (; o + 64 <= n; o += 64) {
			__m128i a = _mm_loadu_si128((const __m128i *)(s + o));
			__m128i b = _mm_loadu_si128((const __m128i *)(s + o + 16));
			__m128i c = _mm_loadu_si128((const __m128i *)(s + o + 32));
			__m128i e = _mm_loadu_si128((const __m128i *)(s + o + 48));

			_mm_stream_si128((__m128i *)(d + o), a);
			_mm_stream_si128((__m128i *)(d + o + 16), b);
			_mm_stream_si128((__m128i *)(d + o + 32), c);
			_mm_stream_si128((__m128i *)(d + o + 48), e);
		}
		_mm_sfence();
	}
#endif
	memcpy((char *)dst + o, (const char *)src + o, n - o);
}

static inline uint64_t osdep_now_ns(void) { return mclock_now(); }

/* Virtual time charges these from the profile's cost table; real time pays itself. */
static inline void osdep_cost_copy(size_t n) { mcost_n(COST_COPY_BYTE, n); }
static inline void osdep_cost_lookup(void) { mcost(COST_HASH); }
static inline void osdep_cost_call(void) { mcost(COST_REUSE_CALL); }

static inline unsigned int osdep_cpu_id(void) { return os_this_cpu(); }

static inline unsigned int osdep_ncpus(osdep_dev_t *d)
{
	return os_ncpus(dma_device_os(d));
}

__attribute__((format(printf, 1, 2)))
static inline void osdep_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("dmareuse: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static inline int osdep_iova_alloc(osdep_dev_t *d, osdep_iova_state_t *s, size_t size)
{
	return dma_iova_try_alloc(d, s, size);
}

static inline int osdep_iova_link(osdep_dev_t *d, osdep_iova_state_t *s,
				  osdep_page_t p, size_t pgoff, size_t offset,
				  size_t size, enum dma_data_direction dir)
{
	/* The frame's address is computed here: refuse what would wrap. */
	if (!osdep_page_span_ok(d, p, pgoff, size))
		return -EINVAL;
	return dma_iova_link(d, s, (p << PAGE_SHIFT) + pgoff, offset, size, dir);
}

static inline int osdep_iova_sync(osdep_dev_t *d, osdep_iova_state_t *s,
				  size_t offset, size_t size)
{
	return dma_iova_sync(d, s, offset, size);
}

static inline void osdep_iova_unlink(osdep_dev_t *d, osdep_iova_state_t *s,
				     size_t offset, size_t size,
				     enum dma_data_direction dir)
{
	dma_iova_unlink(d, s, offset, size, dir);
}

static inline void osdep_iova_free(osdep_dev_t *d, osdep_iova_state_t *s)
{
	dma_iova_free(d, s);
}

static inline dma_addr_t osdep_iova_addr(const osdep_iova_state_t *s)
{
	return s->addr;
}

/*
 * The batch mechanism: the device's own domain, whatever its mode; the DMA
 * layer's deferred unmaps (os/dma_gather.c) and, for rings, the two-step
 * API with its deferred unlink.
 */
static inline int osdep_batch_attach(osdep_dev_t *d) { (void)d; return 0; }
static inline void osdep_batch_detach(osdep_dev_t *d) { (void)d; }
static inline void osdep_gather_init(osdep_gather_t *g) { dma_gather_init(g); }

static inline dma_addr_t osdep_batch_map(osdep_dev_t *d, osdep_page_t p, size_t off,
					 size_t size, enum dma_data_direction dir)
{
	return dma_map_page(d, p, off, size, dir);
}

static inline int osdep_batch_unmap(osdep_dev_t *d, dma_addr_t a, size_t size,
				    enum dma_data_direction dir, osdep_gather_t *g)
{
	return dma_unmap_page_deferred(d, a, size, dir, g);
}

static inline void osdep_batch_flush(osdep_dev_t *d, osdep_gather_t *g)
{
	dma_gather_flush(d, g);
}

static inline void osdep_batch_iova_free(osdep_dev_t *d, dma_addr_t a, size_t size)
{
	dma_deferred_iova_free(d, a, size);
}

static inline int osdep_batch_block_alloc(osdep_dev_t *d, osdep_batch_block_t *b, size_t size)
{
	return dma_iova_try_alloc(d, b, size);
}

static inline dma_addr_t osdep_batch_block_addr(const osdep_batch_block_t *b)
{
	return b->addr;
}

static inline int osdep_batch_block_map(osdep_dev_t *d, osdep_batch_block_t *b, size_t offset,
					osdep_page_t p, size_t size, enum dma_data_direction dir)
{
	int r;

	/* The frame's address is computed here: refuse what would wrap. */
	if (!osdep_page_span_ok(d, p, 0, size))
		return -EINVAL;
	r = dma_iova_link(d, b, p << PAGE_SHIFT, offset, size, dir);
	return r ? r : dma_iova_sync(d, b, offset, size);
}

static inline int osdep_batch_block_unmap(osdep_dev_t *d, osdep_batch_block_t *b,
					  size_t offset, size_t size,
					  enum dma_data_direction dir, osdep_gather_t *g)
{
	return dma_iova_unlink_deferred(d, b, offset, size, dir, g);
}

static inline void osdep_batch_block_free(osdep_dev_t *d, osdep_batch_block_t *b)
{
	dma_iova_free(d, b);
}

#endif
