// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzz_dma_ops.c - libFuzzer harness: bytes -> a sequence of DMA API calls,
 * each result checked against a reference model.
 *
 * Input: byte 0 picks the device (domain type, trusted or untrusted,
 * dma_debug on or off, one or two CPUs); every following op is one opcode
 * byte and the parameter bytes it reads (missing bytes read as 0, so every
 * input is a valid program).  The calls: map/unmap single and page, batch
 * unmap, deferred unmap + gather flush, sg map/unmap/sync, sync single for
 * CPU and device, coherent alloc/free, the two-step IOVA API (alloc, link,
 * sync, unlink, free), device reads and writes through the IOMMU, probes of
 * IOVAs nothing maps, CPU switches, lazy flushes, an injected allocation
 * failure before the next call, and an early device teardown.
 *
 * The model is what a driver knows: its buffers (in 8 blocks of two frames,
 * never overlapping), the handle of each mapping, its direction and what
 * the device must read there ("view").  Checked at every step:
 *   - a call the model says is valid succeeds (unless an injected failure
 *     fired: then it may fail, and must change nothing);
 *   - misuse (double unmap, wrong size, direction or nents, wrapping or
 *     out-of-memory ranges, bad frees) is refused and changes nothing:
 *     counters, live records, frames, swiotlb slots, mapped PTEs and IOVA
 *     ranges are compared before and after; only misuse that dma.h says is
 *     caught in the device's configuration is tried;
 *   - a device access inside a mapping succeeds with the direction's
 *     permission and reads exactly the view (a bounce buffer's padding
 *     reads as zero), without it faults (translating domains); an access
 *     to an IOVA no live mapping covers faults on strict, and on lazy after
 *     a flush;
 *   - after sync_for_cpu or unmap the CPU sees what the device wrote;
 *   - at the end every mapping is unmapped and the teardown leaves no
 *     frame, swiotlb slot, table page, PTE or IOVA range behind.
 * A mismatch prints one line and aborts (libFuzzer records the input).
 *
 * Pokes internals: the device's domain and IOVA allocator through
 * os/dma_int.h, the domain's reserve of table pages through
 * machine/machine_int.h, and the fault injector through
 * machine/failinject.h, all included by path.
 *
 * Size: over 800 lines, on purpose: one model for the whole DMA API, so
 * that the calls interleave freely and each check sees every mapping.
 */
#include "fuzzlib.h"

#include "../../machine/failinject.h"
#include "../../machine/machine_int.h"
#include "../../os/dma_int.h"

#include <dmareuse/dma.h>
#include <dmareuse/machine.h>
#include <dmareuse/os.h>
#include <dmareuse/slab.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLK 8			/* caller buffers: blocks of 2 frames */
#define BLK_BYTES (2 * PAGE_SIZE)
#define NSINGLE 16
#define NSG 4
#define SG_MAX 4
#define NCOH 4
#define NRANGE 2
#define RANGE_PAGES 8
#define NDEAD 16
#define MAXOPS 256
#define NSLOB 8			/* slab objects */
#define SLAB_OWNER 78

struct single {
	bool live;
	int blk;
	size_t off, size;
	enum dma_data_direction dir;
	dma_addr_t addr;
	bool bounced;
	uint8_t view[BLK_BYTES];	/* what the device must read */
	bool dev_wrote;
};

struct sgl {
	bool live;
	int nents;
	enum dma_data_direction dir;
	struct scatterlist sg[SG_MAX];
	int blk[SG_MAX];
	bool bounced[SG_MAX];
	uint8_t view[SG_MAX][BLK_BYTES];
	bool dev_wrote[SG_MAX];
};

struct coh {
	bool live;
	void *cpu;
	dma_addr_t handle;
	size_t size;
};

struct range {
	bool live;
	struct dma_iova_state st;
	int blk[RANGE_PAGES];		/* linked: block index, else -1 */
	int page[RANGE_PAGES];		/* which frame of the block */
	enum dma_data_direction dir[RANGE_PAGES];
};

struct dead {
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
};

struct fz {
	struct fuzz_in in;
	struct machine *m;
	struct os *os;
	struct page_alloc *pa;
	struct dma_device *dev;
	enum dma_domain_type type;
	bool untrusted, debug;
	unsigned int ncpus;
	pfn_t blk[NBLK];
	struct single s[NSINGLE];
	struct sgl l[NSG];
	struct coh c[NCOH];
	struct range r[NRANGE];
	struct dead dead[NDEAD];
	unsigned int ndead;
	struct slab *slab;
	struct {
		bool live;
		uint8_t *p;
		size_t size;
	} slob[NSLOB];
	uint8_t *freed_slob;		/* an object freed, for a second free */
	bool injected;			/* an injected failure may have fired */
	size_t used0;			/* frames in use before the blocks (swiotlb) */
	int step;
};

/* The snapshot "changes nothing" compares. */
struct snap {
	struct dma_stats st;
	size_t used, slots, mapped, iovas;
};

static struct fz *g_fz;

static void fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
static void fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "step %d, %s%s%s: ", g_fz->step,
		     dma_domain_type_name(g_fz->type), g_fz->untrusted ? " untrusted" : "",
		     g_fz->debug ? "" : " no_debug");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	fuzz_fail(file, line, msg);
}

#define fail(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define EXPECT(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static unsigned int get8(struct fz *f)
{
	return fuzz_u8(&f->in);
}

static unsigned int get16(struct fz *f)
{
	unsigned int lo = get8(f);

	return lo | get8(f) << 8;
}

static uint8_t *blk_va(struct fz *f, int b)
{
	return phys_to_virt(f->m, f->blk[b] << PAGE_SHIFT);
}

static bool can_read(enum dma_data_direction d)
{
	return d == DMA_TO_DEVICE || d == DMA_BIDIRECTIONAL;
}

static bool can_write(enum dma_data_direction d)
{
	return d == DMA_FROM_DEVICE || d == DMA_BIDIRECTIONAL;
}

static enum dma_data_direction get_dir(struct fz *f)
{
	return (enum dma_data_direction)(get8(f) % 3);
}

static bool translating(struct fz *f)
{
	return f->type != DMA_DOMAIN_PASSTHROUGH;
}

static bool bounces(struct fz *f, int b, size_t off, size_t size)
{
	return translating(f) && f->untrusted &&
	       (((f->blk[b] << PAGE_SHIFT) + off) | size) & (PAGE_SIZE - 1);
}

static void take(struct fz *f, struct snap *s)
{
	dma_stats_read(f->dev, &s->st);
	/*
	 * Table pages in use or in the domain's reserve of emptied tables
	 * (machine/pgtable.c) are the domain's until it is freed: a map that
	 * fails after taking one from the allocator may leave it in the
	 * reserve.  Not compared.
	 */
	s->used = page_alloc_used_frames(f->pa) -
		  (translating(f) ? iommu_domain_pt_pages(f->dev->dom) +
				    f->dev->dom->nreserve : 0);
	s->slots = os_swiotlb_used_slots(f->os);
	s->mapped = translating(f) ? iommu_domain_mapped_pages(f->dev->dom) : 0;
	/* A lazy device's timer frees IOVAs on its own: not compared there. */
	s->iovas = translating(f) && f->type != DMA_DOMAIN_LAZY ?
		   iovad_outstanding(f->dev->iovad) : 0;
}

/* A refused call: misuse counted (if @counted), nothing else changed. */
static void unchanged(struct fz *f, const struct snap *a, const char *what, bool counted)
{
	struct snap b;

	take(f, &b);
	EXPECT(b.st.maps == a->st.maps && b.st.unmaps == a->st.unmaps &&
	       b.st.syncs == a->st.syncs && b.st.live == a->st.live,
	       "%s: refused call changed the counters (maps %llu->%llu unmaps %llu->%llu "
	       "syncs %llu->%llu live %llu->%llu)", what,
	       (unsigned long long)a->st.maps, (unsigned long long)b.st.maps,
	       (unsigned long long)a->st.unmaps, (unsigned long long)b.st.unmaps,
	       (unsigned long long)a->st.syncs, (unsigned long long)b.st.syncs,
	       (unsigned long long)a->st.live, (unsigned long long)b.st.live);
	EXPECT(!counted || b.st.misuse > a->st.misuse, "%s: misuse not counted", what);
	EXPECT(b.used == a->used, "%s: frames %zu -> %zu", what, a->used, b.used);
	EXPECT(b.slots == a->slots, "%s: swiotlb slots %zu -> %zu", what, a->slots, b.slots);
	EXPECT(b.mapped == a->mapped, "%s: mapped pages %zu -> %zu", what, a->mapped, b.mapped);
	EXPECT(b.iovas == a->iovas, "%s: IOVA ranges %zu -> %zu", what, a->iovas, b.iovas);
}

/* ---- what the model says is live --------------------------------------- */

/* Does a live buffer own a byte of block @b's [@off, @off + @len)? */
static bool claimed(struct fz *f, int b, size_t off, size_t len)
{
	for (int i = 0; i < NSINGLE; i++) {
		struct single *s = &f->s[i];

		if (s->live && s->blk == b && s->off < off + len && off < s->off + s->size)
			return true;
	}
	for (int i = 0; i < NSG; i++) {
		for (int e = 0; f->l[i].live && e < f->l[i].nents; e++) {
			struct scatterlist *sg = &f->l[i].sg[e];
			size_t so = ((sg->page - f->blk[f->l[i].blk[e]]) << PAGE_SHIFT) + sg->offset;

			if (f->l[i].blk[e] == b && so < off + len && off < so + sg->length)
				return true;
		}
	}
	for (int i = 0; i < NRANGE; i++) {
		for (int k = 0; f->r[i].live && k < RANGE_PAGES; k++) {
			size_t po = (size_t)f->r[i].page[k] * PAGE_SIZE;

			if (f->r[i].blk[k] == b && po < off + len && off < po + PAGE_SIZE)
				return true;
		}
	}
	return false;
}

static bool page_in(dma_addr_t a, dma_addr_t start, size_t size)
{
	dma_addr_t lo = start & PAGE_MASK, hi = (start + size + PAGE_SIZE - 1) & PAGE_MASK;

	return a >= lo && a < hi;
}

/* Does a live mapping of the model cover the IOVA page of @a? */
static bool covered(struct fz *f, dma_addr_t a)
{
	for (int i = 0; i < NSINGLE; i++)
		if (f->s[i].live && page_in(a, f->s[i].addr, f->s[i].size))
			return true;
	for (int i = 0; i < NSG; i++)
		for (int e = 0; f->l[i].live && e < f->l[i].nents; e++)
			if (page_in(a, f->l[i].sg[e].dma_address, f->l[i].sg[e].dma_length))
				return true;
	for (int i = 0; i < NCOH; i++)
		if (f->c[i].live && page_in(a, f->c[i].handle, f->c[i].size))
			return true;
	for (int i = 0; i < NRANGE; i++)
		for (int k = 0; f->r[i].live && k < RANGE_PAGES; k++)
			if (f->r[i].blk[k] >= 0 &&
			    page_in(a, f->r[i].st.addr + (dma_addr_t)k * PAGE_SIZE, PAGE_SIZE))
				return true;
	return false;
}

static void note_dead(struct fz *f, dma_addr_t a, size_t size, enum dma_data_direction dir)
{
	f->dead[f->ndead++ % NDEAD] = (struct dead){ a, size, dir };
}

static int free_slot(bool *live, size_t stride, int n)
{
	for (int i = 0; i < n; i++)
		if (!*(bool *)((char *)live + (size_t)i * stride))
			return i;
	return -1;
}

static int pick(struct fz *f, const bool *live, size_t stride, int n)
{
	int start = (int)(get8(f) % n);

	for (int k = 0; k < n; k++) {
		int i = (start + k) % n;

		if (*(const bool *)((const char *)live + (size_t)i * stride))
			return i;
	}
	return -1;
}

#define PICK(f, arr, n) pick(f, &(arr)[0].live, sizeof((arr)[0]), n)
#define FREE_SLOT(arr, n) free_slot(&(arr)[0].live, sizeof((arr)[0]), n)

/* ---- device accesses ---------------------------------------------------- */

/*
 * The device reads [@off, @off + @len) of a buffer mapped at @a whose device
 * view is @view; expect success with @dir's read permission.
 */
static void dev_read(struct fz *f, dma_addr_t a, const uint8_t *view, size_t len,
		     enum dma_data_direction dir, const char *what)
{
	uint8_t buf[BLK_BYTES];
	int r = mdev_access(dma_device_mdev(f->dev), a, buf, len, DEV_READ);

	if (can_read(dir) || !translating(f)) {
		EXPECT(r == 0, "%s: device read of %zu bytes at %#llx faulted", what, len,
		       (unsigned long long)a);
		EXPECT(!can_read(dir) || !memcmp(buf, view, len),
		       "%s: device read wrong bytes at %#llx (%zu)", what,
		       (unsigned long long)a, len);
	} else {
		EXPECT(r == -EFAULT, "%s: device read a %s mapping", what, dma_dir_name(dir));
	}
}

static void dev_write(struct fz *f, dma_addr_t a, uint8_t *view, size_t len,
		      enum dma_data_direction dir, bool *wrote, const char *what)
{
	uint8_t buf[BLK_BYTES];
	int r;

	if (!can_write(dir) && !translating(f))
		return;		/* would scribble on a TO_DEVICE buffer */
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(f->step * 37 + i * 11);
	r = mdev_access(dma_device_mdev(f->dev), a, buf, len, DEV_WRITE);
	if (can_write(dir)) {
		EXPECT(r == 0, "%s: device write at %#llx faulted", what, (unsigned long long)a);
		memcpy(view, buf, len);
		*wrote = true;
	} else {
		EXPECT(r == -EFAULT, "%s: device wrote a TO_DEVICE mapping", what);
	}
}

/* A bounced buffer's pages hold nothing but the buffer: padding reads zero. */
static void check_padding(struct fz *f, dma_addr_t a, size_t size, enum dma_data_direction dir)
{
	dma_addr_t lo = a & PAGE_MASK, hi = (a + size + PAGE_SIZE - 1) & PAGE_MASK;
	uint8_t buf[PAGE_SIZE];

	if (!can_read(dir))
		return;
	for (dma_addr_t p = lo; p < hi; p += PAGE_SIZE) {
		EXPECT(mdev_access(dma_device_mdev(f->dev), p, buf, PAGE_SIZE, DEV_READ) == 0,
		       "bounce page %#llx not readable", (unsigned long long)p);
		for (size_t i = 0; i < PAGE_SIZE; i++)
			if (p + i < a || p + i >= a + size)
				EXPECT(!buf[i], "bounce padding at %#llx is %#x, not zero",
				       (unsigned long long)(p + i), buf[i]);
	}
}

static void cpu_sees(struct fz *f, const uint8_t *cpu, const uint8_t *view, size_t len,
		     enum dma_data_direction dir, bool wrote, const char *what)
{
	if (wrote && can_write(dir))
		EXPECT(!memcmp(cpu, view, len), "%s: CPU does not see the device's write", what);
}

/* ---- single mappings ---------------------------------------------------- */

static void op_map(struct fz *f, bool page_api)
{
	int i = FREE_SLOT(f->s, NSINGLE), b = (int)(get8(f) % NBLK);
	size_t off = get16(f) % BLK_BYTES, size;
	unsigned int shape = get8(f);
	enum dma_data_direction dir = get_dir(f);
	struct single *s;
	struct snap before;
	dma_addr_t a;

	size = 1 + get16(f) % (BLK_BYTES - off);
	if (shape & 1) {	/* whole pages */
		off = (shape & 2) ? PAGE_SIZE : 0;
		size = (shape & 4) || off ? PAGE_SIZE : BLK_BYTES;
	}
	if (i < 0 || claimed(f, b, off, size))
		return;
	s = &f->s[i];
	for (size_t k = 0; k < size; k++)
		blk_va(f, b)[off + k] = (uint8_t)(f->step + k * 3 + b);
	take(f, &before);
	if (page_api)
		a = dma_map_page(f->dev, f->blk[b], off, size, dir);
	else
		a = dma_map_single(f->dev, blk_va(f, b) + off, size, dir);
	if (dma_mapping_error(a)) {
		EXPECT(f->injected, "map of block %d [%zu, +%zu) %s failed", b, off, size,
		       dma_dir_name(dir));
		unchanged(f, &before, "failed map", false);
		return;
	}
	*s = (struct single){ .live = true, .blk = b, .off = off, .size = size, .dir = dir,
			      .addr = a, .bounced = bounces(f, b, off, size) };
	memcpy(s->view, blk_va(f, b) + off, size);
	if (!translating(f))
		EXPECT(a == (f->blk[b] << PAGE_SHIFT) + off, "passthrough address %#llx",
		       (unsigned long long)a);
	else if (!s->bounced)
		EXPECT((a & (PAGE_SIZE - 1)) == (off & (PAGE_SIZE - 1)), "page offset lost");
	if (s->bounced)
		check_padding(f, a, size, dir);
}

/* Maps that must be refused: outside memory, wrapping, empty, bad dir. */
static void op_map_bad(struct fz *f)
{
	unsigned int how = get8(f) % 5;
	size_t nframes = machine_mem(f->m)->nframes;
	struct snap before;
	dma_addr_t a;

	take(f, &before);
	switch (how) {
	case 0:		/* frame beyond the arena */
		a = dma_map_page(f->dev, nframes + get8(f), 0, 1 + get8(f), DMA_TO_DEVICE);
		break;
	case 1:		/* offset + size wrapping 2^64 */
		a = dma_map_page(f->dev, f->blk[0], SIZE_MAX - get8(f), PAGE_SIZE,
				 DMA_BIDIRECTIONAL);
		break;
	case 2:		/* size running past the arena */
		a = dma_map_page(f->dev, nframes - 1, get8(f), PAGE_SIZE * (1 + get8(f)) + 1,
				 DMA_FROM_DEVICE);
		break;
	case 3:
		a = dma_map_single(f->dev, blk_va(f, 0), 0, DMA_TO_DEVICE);
		break;
	default:
		a = dma_map_single(f->dev, blk_va(f, 0), 64, (enum dma_data_direction)(3 + get8(f)));
		break;
	}
	EXPECT(dma_mapping_error(a), "bad map %u accepted: %#llx", how, (unsigned long long)a);
	unchanged(f, &before, "bad map", true);
}

static void unmap_done(struct fz *f, struct single *s)
{
	cpu_sees(f, blk_va(f, s->blk) + s->off, s->view, s->size, s->dir, s->dev_wrote,
		 "unmap");
	note_dead(f, s->addr, s->size, s->dir);
	s->live = false;
}

static void op_unmap(struct fz *f)
{
	int i = PICK(f, f->s, NSINGLE);
	struct single *s;
	int r;

	if (i < 0)
		return;
	s = &f->s[i];
	r = (get8(f) & 1) ? dma_unmap_page(f->dev, s->addr, s->size, s->dir) :
			    dma_unmap_single(f->dev, s->addr, s->size, s->dir);
	EXPECT(r == 0, "unmap of a live mapping: %d", r);
	unmap_done(f, s);
}

/* Is (addr, size, dir) exactly a live single mapping? */
static bool is_live_single(struct fz *f, dma_addr_t a, size_t size, enum dma_data_direction d)
{
	for (int i = 0; i < NSINGLE; i++)
		if (f->s[i].live && f->s[i].addr == a && f->s[i].size == size && f->s[i].dir == d)
			return true;
	return false;
}

/* Unmap misuse, only where dma.h says the device's configuration catches it. */
static void op_unmap_bad(struct fz *f)
{
	unsigned int how = get8(f) % 5;
	struct snap before;
	dma_addr_t a;
	size_t size;
	enum dma_data_direction dir;
	int r, i;

	switch (how) {
	case 0:		/* double unmap */
		if (!f->ndead)
			return;
		i = (int)(get8(f) % (f->ndead < NDEAD ? f->ndead : NDEAD));
		a = f->dead[i].addr;
		size = f->dead[i].size;
		dir = f->dead[i].dir;
		if (f->debug ? is_live_single(f, a, size, dir) :
			       !translating(f) || covered(f, a) || covered(f, a + size - 1))
			return;
		break;
	case 1:		/* wrong size or direction of a live one (dma_debug only) */
	case 2:
		i = PICK(f, f->s, NSINGLE);
		if (i < 0 || !f->debug)
			return;
		a = f->s[i].addr;
		size = f->s[i].size;
		dir = f->s[i].dir;
		if (how == 1)
			size += 1 + get8(f);
		else
			dir = (enum dma_data_direction)((dir + 1 + get8(f) % 2) % 3);
		if (is_live_single(f, a, size, dir))
			return;
		break;
	case 3:		/* range wrapping the address space */
		a = ~(dma_addr_t)0 - get8(f) * PAGE_SIZE;
		size = PAGE_SIZE * 2;
		dir = DMA_TO_DEVICE;
		break;
	default:	/* size 0, or a bad direction */
		i = PICK(f, f->s, NSINGLE);
		if (i < 0)
			return;
		a = f->s[i].addr;
		size = get8(f) & 1 ? 0 : f->s[i].size;
		dir = size ? DMA_NONE : f->s[i].dir;
		break;
	}
	take(f, &before);
	r = dma_unmap_page(f->dev, a, size, dir);
	EXPECT(r == -EINVAL, "bad unmap %u (%#llx, %zu, %s) returned %d", how,
	       (unsigned long long)a, size, dma_dir_name(dir), r);
	unchanged(f, &before, "bad unmap", true);
}

static void op_unmap_batch(struct fz *f)
{
	struct dma_unmap_desc v[NSINGLE];
	int idx[NSINGLE];
	size_t n = 0, want = 1 + get8(f) % 6;

	for (int i = 0; i < NSINGLE && n < want; i++) {
		if (!f->s[i].live)
			continue;
		v[n] = (struct dma_unmap_desc){ f->s[i].addr, f->s[i].size, f->s[i].dir };
		idx[n++] = i;
	}
	if (!n)
		return;
	EXPECT(dma_unmap_batch(f->dev, v, n) == 0, "batch unmap of %zu live mappings", n);
	for (size_t k = 0; k < n; k++)
		unmap_done(f, &f->s[idx[k]]);
}

static void op_unmap_deferred(struct fz *f)
{
	struct dma_gather g;
	struct dead later[4];
	size_t n = 0, want = 1 + get8(f) % 4;

	dma_gather_init(&g);
	for (int i = 0; i < NSINGLE && n < want; i++) {
		struct single *s = &f->s[i];
		int r;

		if (!s->live)
			continue;
		r = dma_unmap_page_deferred(f->dev, s->addr, s->size, s->dir, &g);
		EXPECT(r == 0 || r == 1, "deferred unmap: %d", r);
		EXPECT(r == 1 || (translating(f) && !s->bounced),
		       "deferred unmap deferred a mapping with nothing to defer");
		if (r == 0)
			later[n++] = (struct dead){ s->addr, s->size, s->dir };
		unmap_done(f, s);
	}
	dma_gather_flush(f->dev, &g);
	for (size_t k = 0; k < n; k++) {
		uint8_t b;

		EXPECT(mdev_access(dma_device_mdev(f->dev), later[k].addr, &b, 1, DEV_READ) ==
		       -EFAULT, "deferred unmap reachable after its flush");
		EXPECT(dma_deferred_iova_free(f->dev, later[k].addr, later[k].size) == 0,
		       "deferred IOVA free refused");
	}
}

static void op_sync(struct fz *f)
{
	int i = PICK(f, f->s, NSINGLE);
	struct single *s;
	unsigned int how = get8(f);
	int r;

	if (i < 0)
		return;
	s = &f->s[i];
	r = dma_sync_single_for_cpu(f->dev, s->addr, s->size, s->dir);
	EXPECT(r == 0, "sync_for_cpu of a live mapping: %d", r);
	cpu_sees(f, blk_va(f, s->blk) + s->off, s->view, s->size, s->dir, s->dev_wrote,
		 "sync_for_cpu");
	if (how & 1) {	/* the CPU writes while it owns the buffer */
		uint8_t *cpu = blk_va(f, s->blk) + s->off;

		for (size_t k = 0; k < s->size; k += 1 + (how >> 1))
			cpu[k] = (uint8_t)(cpu[k] + 1);
		/*
		 * A bounced FROM_DEVICE buffer is not copied in again: the
		 * device keeps its slot (the view), and the unmap copies the
		 * slot back over what the CPU wrote.
		 */
		if (can_read(s->dir) || !s->bounced) {
			memcpy(s->view, cpu, s->size);
			s->dev_wrote = false;
		} else {
			s->dev_wrote = true;
		}
	}
	r = dma_sync_single_for_device(f->dev, s->addr, s->size, s->dir);
	EXPECT(r == 0, "sync_for_device of a live mapping: %d", r);
}

static void op_sync_bad(struct fz *f)
{
	int i = PICK(f, f->s, NSINGLE);
	unsigned int how = get8(f) % 4;
	struct snap before;
	dma_addr_t a;
	size_t size;
	enum dma_data_direction dir;
	int r;

	if (how == 0) {		/* wrapping: refused on every device */
		a = ~(dma_addr_t)0 - get8(f);
		size = PAGE_SIZE;
		dir = DMA_BIDIRECTIONAL;
	} else if (how == 1) {	/* not mapped (debug, or untrusted translating) */
		if (!f->ndead || !(f->debug || (f->untrusted && translating(f))))
			return;
		a = f->dead[get8(f) % (f->ndead < NDEAD ? f->ndead : NDEAD)].addr;
		size = 1;
		dir = DMA_BIDIRECTIONAL;
		if (covered(f, a))
			return;
	} else {		/* larger than mapped / other direction: dma_debug */
		if (i < 0 || !f->debug)
			return;
		a = f->s[i].addr;
		size = f->s[i].size + (how == 2 ? 1 + get8(f) : 0);
		dir = f->s[i].dir;
		if (how == 3) {
			if (dir == DMA_BIDIRECTIONAL)
				return;
			dir = dir == DMA_TO_DEVICE ? DMA_FROM_DEVICE : DMA_TO_DEVICE;
		}
		for (int k = 0; k < NSINGLE; k++)
			if (f->s[k].live && f->s[k].addr == a && k != i)
				return;
	}
	take(f, &before);
	r = get8(f) & 1 ? dma_sync_single_for_cpu(f->dev, a, size, dir) :
			  dma_sync_single_for_device(f->dev, a, size, dir);
	EXPECT(r == -EINVAL, "bad sync %u (%#llx, %zu, %s) returned %d", how,
	       (unsigned long long)a, size, dma_dir_name(dir), r);
	unchanged(f, &before, "bad sync", true);
}

static void op_dev_single(struct fz *f, bool write)
{
	int i = PICK(f, f->s, NSINGLE);
	struct single *s;
	size_t off, len;

	if (i < 0)
		return;
	s = &f->s[i];
	off = get16(f) % s->size;
	len = 1 + get16(f) % (s->size - off);
	if (write)
		dev_write(f, s->addr + off, s->view + off, len, s->dir, &s->dev_wrote, "single");
	else
		dev_read(f, s->addr + off, s->view + off, len, s->dir, "single");
}

/* ---- scatterlists ------------------------------------------------------- */

static void op_map_sg(struct fz *f)
{
	int i = FREE_SLOT(f->l, NSG);
	struct sgl *l;
	struct snap before;
	int n;

	if (i < 0)
		return;
	l = &f->l[i];
	memset(l, 0, sizeof(*l));
	l->nents = 1 + (int)(get8(f) % SG_MAX);
	l->dir = get_dir(f);
	sg_init_table(l->sg, SG_MAX);
	for (int e = 0; e < l->nents; e++) {
		int b = (int)(get8(f) % NBLK);
		unsigned int shape = get8(f);
		size_t off = (shape & 1) ? 0 : get16(f) % PAGE_SIZE;
		size_t len = (shape & 2) ? PAGE_SIZE - off : 1 + get16(f) % (BLK_BYTES - off);

		/* Entries own their bytes: not one another's, not a live buffer's. */
		if (claimed(f, b, off, len))
			return;
		for (int k = 0; k < e; k++) {
			size_t ko = (l->sg[k].page - f->blk[l->blk[k]]) * PAGE_SIZE + l->sg[k].offset;

			if (l->blk[k] == b && ko < off + len && off < ko + l->sg[k].length)
				return;
		}
		l->blk[e] = b;
		sg_set_page(&l->sg[e], f->blk[b], (unsigned int)len, (unsigned int)off);
		l->bounced[e] = bounces(f, b, off, len);
		for (size_t k = 0; k < len; k++)
			blk_va(f, b)[off + k] = (uint8_t)(f->step * 5 + k + e);
		memcpy(l->view[e], blk_va(f, b) + off, len);
	}
	take(f, &before);
	n = dma_map_sg(f->dev, l->sg, l->nents, l->dir);
	if (n == 0) {
		EXPECT(f->injected, "map_sg of %d entries failed", l->nents);
		unchanged(f, &before, "failed map_sg", false);
		return;
	}
	EXPECT(n == l->nents, "map_sg mapped %d of %d", n, l->nents);
	l->live = true;
	for (int e = 0; e < n; e++) {
		EXPECT(l->sg[e].dma_length == l->sg[e].length, "entry %d: dma_length %u", e,
		       l->sg[e].dma_length);
		if (l->bounced[e])
			check_padding(f, l->sg[e].dma_address, l->sg[e].length, l->dir);
	}
}

static void op_unmap_sg(struct fz *f)
{
	int i = PICK(f, f->l, NSG);
	struct sgl *l;

	if (i < 0)
		return;
	l = &f->l[i];
	EXPECT(dma_unmap_sg(f->dev, l->sg, l->nents, l->dir) == 0, "unmap_sg of a live list");
	for (int e = 0; e < l->nents; e++) {
		size_t off = (l->sg[e].page - f->blk[l->blk[e]]) * PAGE_SIZE + l->sg[e].offset;

		cpu_sees(f, blk_va(f, l->blk[e]) + off, l->view[e], l->sg[e].length, l->dir,
			 l->dev_wrote[e], "unmap_sg");
		note_dead(f, l->sg[e].dma_address, l->sg[e].length, l->dir);
	}
	l->live = false;
}

static void op_unmap_sg_bad(struct fz *f)
{
	int i = PICK(f, f->l, NSG);
	unsigned int how = get8(f) % 3;
	struct snap before;
	struct sgl *l;
	int nents, r;
	enum dma_data_direction dir;

	if (i < 0)
		return;
	l = &f->l[i];
	nents = l->nents;
	dir = l->dir;
	if (how == 0) {		/* wrong count: dma_debug checks it exactly */
		if (!f->debug)
			return;
		nents = l->nents > 1 && (get8(f) & 1) ? l->nents - 1 : l->nents + 1;
		if (nents > SG_MAX)
			return;
	} else if (how == 1) {	/* wrong direction: dma_debug */
		if (!f->debug)
			return;
		dir = (enum dma_data_direction)((dir + 1) % 3);
	} else {
		nents = get8(f) & 1 ? 0 : -1;
	}
	take(f, &before);
	r = dma_unmap_sg(f->dev, l->sg, nents, dir);
	EXPECT(r == -EINVAL, "bad unmap_sg %u (nents %d of %d) returned %d", how, nents,
	       l->nents, r);
	unchanged(f, &before, "bad unmap_sg", true);
}

static void op_sync_sg(struct fz *f)
{
	int i = PICK(f, f->l, NSG);
	struct sgl *l;

	if (i < 0)
		return;
	l = &f->l[i];
	EXPECT(dma_sync_sg_for_cpu(f->dev, l->sg, l->nents, l->dir) == 0, "sync_sg_for_cpu");
	for (int e = 0; e < l->nents; e++) {
		size_t off = (l->sg[e].page - f->blk[l->blk[e]]) * PAGE_SIZE + l->sg[e].offset;

		cpu_sees(f, blk_va(f, l->blk[e]) + off, l->view[e], l->sg[e].length, l->dir,
			 l->dev_wrote[e], "sync_sg_for_cpu");
	}
	EXPECT(dma_sync_sg_for_device(f->dev, l->sg, l->nents, l->dir) == 0,
	       "sync_sg_for_device");
}

static void op_dev_sg(struct fz *f, bool write)
{
	int i = PICK(f, f->l, NSG);
	struct sgl *l;
	int e;
	size_t off, len;

	if (i < 0)
		return;
	l = &f->l[i];
	e = (int)(get8(f) % l->nents);
	off = get16(f) % l->sg[e].length;
	len = 1 + get16(f) % (l->sg[e].length - off);
	if (write)
		dev_write(f, l->sg[e].dma_address + off, l->view[e] + off, len, l->dir,
			  &l->dev_wrote[e], "sg");
	else
		dev_read(f, l->sg[e].dma_address + off, l->view[e] + off, len, l->dir, "sg");
}

/* ---- coherent memory ---------------------------------------------------- */

static void op_alloc_coherent(struct fz *f)
{
	int i = FREE_SLOT(f->c, NCOH);
	size_t size = 1 + get16(f) % (4 * PAGE_SIZE);
	struct snap before;
	struct coh *c;

	if (i < 0)
		return;
	c = &f->c[i];
	take(f, &before);
	c->cpu = dma_alloc_coherent(f->dev, size, &c->handle);
	if (!c->cpu) {
		EXPECT(f->injected, "alloc_coherent(%zu) failed", size);
		unchanged(f, &before, "failed alloc_coherent", false);
		return;
	}
	c->live = true;
	c->size = size;
	for (size_t k = 0; k < size; k++)
		EXPECT(!((uint8_t *)c->cpu)[k], "coherent memory not zeroed");
}

static void op_free_coherent(struct fz *f)
{
	int i = PICK(f, f->c, NCOH);
	struct coh *c;

	if (i < 0)
		return;
	c = &f->c[i];
	EXPECT(dma_free_coherent(f->dev, c->size, c->cpu, c->handle) == 0, "free_coherent");
	note_dead(f, c->handle, c->size, DMA_BIDIRECTIONAL);
	c->live = false;
}

static void op_free_coherent_bad(struct fz *f)
{
	int i = PICK(f, f->c, NCOH);
	unsigned int how = get8(f) % 4;
	struct snap before;
	struct coh *c;
	size_t size;
	void *cpu;
	dma_addr_t h;
	int r;

	if (i < 0)
		return;
	c = &f->c[i];
	size = c->size;
	cpu = c->cpu;
	h = c->handle;
	if (how == 0)
		size = 0;
	else if (how == 1)
		size = (PAGE_SIZE << order_for(size)) + 1;	/* another block order */
	else if (how == 2)
		h += PAGE_SIZE * (1 + get8(f) % 4);
	else
		cpu = (uint8_t *)cpu + PAGE_SIZE;
	take(f, &before);
	r = dma_free_coherent(f->dev, size, cpu, h);
	EXPECT(r == -EINVAL, "bad free_coherent %u returned %d", how, r);
	unchanged(f, &before, "bad free_coherent", true);
}

static void op_dev_coherent(struct fz *f, bool write)
{
	int i = PICK(f, f->c, NCOH);
	struct coh *c;
	size_t off, len;
	uint8_t buf[4 * PAGE_SIZE];

	if (i < 0)
		return;
	c = &f->c[i];
	off = get16(f) % c->size;
	len = 1 + get16(f) % (c->size - off);
	if (write) {
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)(k ^ f->step);
		EXPECT(mdev_access(dma_device_mdev(f->dev), c->handle + off, buf, len,
				   DEV_WRITE) == 0, "coherent write faulted");
		EXPECT(!memcmp((uint8_t *)c->cpu + off, buf, len), "CPU misses a coherent write");
	} else {
		EXPECT(mdev_access(dma_device_mdev(f->dev), c->handle + off, buf, len,
				   DEV_READ) == 0, "coherent read faulted");
		EXPECT(!memcmp((uint8_t *)c->cpu + off, buf, len), "coherent read wrong bytes");
	}
}

/* ---- the two-step IOVA API ---------------------------------------------- */

static void op_iova_alloc(struct fz *f)
{
	int i = FREE_SLOT(f->r, NRANGE);
	size_t npages = 1 + get8(f) % RANGE_PAGES;
	struct range *rg;
	struct snap before;
	int r;

	if (i < 0)
		return;
	rg = &f->r[i];
	take(f, &before);
	r = dma_iova_try_alloc(f->dev, &rg->st, npages * PAGE_SIZE);
	if (!translating(f)) {
		EXPECT(r == -EOPNOTSUPP, "iova alloc under passthrough: %d", r);
		return;
	}
	if (r) {
		EXPECT(f->injected && r == -ENOMEM, "iova alloc of %zu pages: %d", npages, r);
		EXPECT(!rg->st.addr, "failed alloc left a state");
		unchanged(f, &before, "failed iova alloc", false);
		return;
	}
	rg->live = true;
	for (int k = 0; k < RANGE_PAGES; k++)
		rg->blk[k] = -1;
}

static void op_iova_link(struct fz *f)
{
	int i = PICK(f, f->r, NRANGE);
	struct range *rg;
	int b = (int)(get8(f) % NBLK), pg = (int)(get8(f) % 2);
	size_t k, npages;
	enum dma_data_direction dir = get_dir(f);
	struct snap before;
	int r;

	if (i < 0)
		return;
	rg = &f->r[i];
	npages = rg->st.size / PAGE_SIZE;
	k = get8(f) % npages;
	take(f, &before);
	if (rg->blk[k] >= 0) {		/* linked already: -EEXIST, nothing changes */
		r = dma_iova_link(f->dev, &rg->st, f->blk[b] << PAGE_SHIFT, k * PAGE_SIZE,
				  PAGE_SIZE, dir);
		EXPECT(r == -EEXIST, "link over a linked page: %d", r);
		unchanged(f, &before, "link over a linked page", false);
		return;
	}
	if (claimed(f, b, (size_t)pg * PAGE_SIZE, PAGE_SIZE))
		return;
	r = dma_iova_link(f->dev, &rg->st, (f->blk[b] + pg) << PAGE_SHIFT, k * PAGE_SIZE,
			  PAGE_SIZE, dir);
	if (r) {
		EXPECT(f->injected && r == -ENOMEM, "link: %d", r);
		unchanged(f, &before, "failed link", false);
		return;
	}
	EXPECT(dma_iova_sync(f->dev, &rg->st, k * PAGE_SIZE, PAGE_SIZE) == 0, "iova sync");
	rg->blk[k] = b;
	rg->page[k] = pg;
	rg->dir[k] = dir;
}

static void op_iova_bad(struct fz *f)
{
	int i = PICK(f, f->r, NRANGE);
	unsigned int how = get8(f) % 4;
	struct snap before;
	struct range *rg;
	struct dma_iova_state st;
	int r = -EINVAL;

	if (i < 0)
		return;
	rg = &f->r[i];
	st = rg->st;
	take(f, &before);
	switch (how) {
	case 0:		/* past the range */
		r = dma_iova_link(f->dev, &st, f->blk[0] << PAGE_SHIFT, st.size, PAGE_SIZE,
				  DMA_TO_DEVICE);
		break;
	case 1:		/* misaligned */
		r = dma_iova_link(f->dev, &st, (f->blk[0] << PAGE_SHIFT) + 1 + get8(f), 0,
				  PAGE_SIZE, DMA_TO_DEVICE);
		break;
	case 2:		/* pages past the end of memory, wrapping */
		r = dma_iova_link(f->dev, &st, ~(phys_addr_t)0 & PAGE_MASK, 0, PAGE_SIZE,
				  DMA_TO_DEVICE);
		break;
	default:	/* a part beyond the range: unlink refuses, sync says so */
		dma_iova_unlink(f->dev, &st, st.size, PAGE_SIZE * (1 + get8(f) % 4),
				DMA_TO_DEVICE);
		r = dma_iova_sync(f->dev, &st, st.size, PAGE_SIZE);
		break;
	}
	EXPECT(r == -EINVAL, "bad iova call %u returned %d", how, r);
	unchanged(f, &before, "bad iova call", true);
}

static void op_iova_unlink(struct fz *f)
{
	int i = PICK(f, f->r, NRANGE);
	struct range *rg;
	size_t npages, k, n;

	if (i < 0)
		return;
	rg = &f->r[i];
	npages = rg->st.size / PAGE_SIZE;
	k = get8(f) % npages;
	n = 1 + get8(f) % (npages - k);
	dma_iova_unlink(f->dev, &rg->st, k * PAGE_SIZE, n * PAGE_SIZE, DMA_BIDIRECTIONAL);
	for (size_t j = k; j < k + n; j++) {
		uint8_t b;

		rg->blk[j] = -1;
		if (!covered(f, rg->st.addr + j * PAGE_SIZE))
			EXPECT(mdev_access(dma_device_mdev(f->dev), rg->st.addr + j * PAGE_SIZE,
					   &b, 1, DEV_READ) == -EFAULT,
			       "unlinked page still reachable");
	}
}

static void op_iova_free(struct fz *f)
{
	int i = PICK(f, f->r, NRANGE);
	struct range *rg;
	struct dma_iova_state copy;
	struct snap before;

	if (i < 0)
		return;
	rg = &f->r[i];
	copy = rg->st;
	dma_iova_free(f->dev, &rg->st);	/* links left are misuse, unlinked first */
	EXPECT(!rg->st.addr, "free left the state set");
	rg->live = false;
	for (size_t k = 0; k < copy.size / PAGE_SIZE; k++) {
		uint8_t b;

		if (!covered(f, copy.addr + k * PAGE_SIZE))
			EXPECT(mdev_access(dma_device_mdev(f->dev), copy.addr + k * PAGE_SIZE,
					   &b, 1, DEV_READ) == -EFAULT,
			       "page of a freed range still reachable");
	}
	if (get8(f) & 1) {	/* a copy freed again: refused, nothing freed */
		take(f, &before);
		dma_iova_free(f->dev, &copy);
		unchanged(f, &before, "second iova free", true);
	}
}

static void op_dev_iova(struct fz *f, bool write)
{
	int i = PICK(f, f->r, NRANGE);
	struct range *rg;
	size_t k, off, len;
	uint8_t buf[PAGE_SIZE];
	int r;

	if (i < 0)
		return;
	rg = &f->r[i];
	k = get8(f) % (rg->st.size / PAGE_SIZE);
	off = get16(f) % PAGE_SIZE;
	len = 1 + get16(f) % (PAGE_SIZE - off);
	if (write)
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)(j + f->step);
	r = mdev_access(dma_device_mdev(f->dev), rg->st.addr + k * PAGE_SIZE + off, buf, len,
			write ? DEV_WRITE : DEV_READ);
	if (rg->blk[k] < 0) {
		EXPECT(r == -EFAULT, "unlinked IOVA page reachable");
		return;
	}
	if (write ? !can_write(rg->dir[k]) : !can_read(rg->dir[k])) {
		EXPECT(r == -EFAULT, "linked page accessed against its direction");
		return;
	}
	EXPECT(r == 0, "linked page access faulted");
	EXPECT(!memcmp(blk_va(f, rg->blk[k]) + (size_t)rg->page[k] * PAGE_SIZE + off, buf, len),
	       "linked page: device and CPU disagree");
}

/* ---- slab objects: sub-page buffers that share pages --------------------- */

static void op_slab(struct fz *f)
{
	unsigned int how = get8(f) % 4;
	int i = (int)(get8(f) % NSLOB);
	uint8_t *p;
	size_t size, used;

	switch (how) {
	case 0:		/* allocate: inside a page of the slab's, overlapping no live object */
		if (f->slob[i].live)
			return;
		size = 1 + get16(f) % SLAB_MAX_SIZE;
		p = slab_alloc(f->slab, size);
		if (!p) {
			EXPECT(f->injected, "slab_alloc(%zu) failed", size);
			return;
		}
		EXPECT(page_owner(f->pa, virt_to_phys(f->m, p) >> PAGE_SHIFT) == SLAB_OWNER,
		       "slab object not on a slab page");
		EXPECT((virt_to_phys(f->m, p) & (PAGE_SIZE - 1)) + size <= PAGE_SIZE,
		       "slab object crosses its page");
		for (int k = 0; k < NSLOB; k++)
			EXPECT(!f->slob[k].live || p + size <= f->slob[k].p ||
			       f->slob[k].p + f->slob[k].size <= p, "slab objects overlap");
		f->slob[i].live = true;
		f->slob[i].p = p;
		f->slob[i].size = size;
		if (p == f->freed_slob)
			f->freed_slob = NULL;
		break;
	case 1: {	/* one transfer: map, the device reads and writes, unmap */
		enum dma_data_direction dir = get_dir(f);
		uint8_t buf[SLAB_MAX_SIZE];
		dma_addr_t a;

		if (!f->slob[i].live)
			return;
		p = f->slob[i].p;
		size = f->slob[i].size;
		for (size_t k = 0; k < size; k++)
			p[k] = (uint8_t)(k * 13 + f->step);
		a = dma_map_single(f->dev, p, size, dir);
		if (dma_mapping_error(a)) {
			EXPECT(f->injected, "map of a slab object failed");
			return;
		}
		if (translating(f) && f->untrusted && ((virt_to_phys(f->m, p) | size) & (PAGE_SIZE - 1)))
			check_padding(f, a, size, dir);
		if (can_read(dir)) {
			EXPECT(mdev_access(dma_device_mdev(f->dev), a, buf, size, DEV_READ) == 0 &&
			       !memcmp(buf, p, size), "slab object: device read wrong bytes");
		}
		used = 1 + get16(f) % size;
		if (can_write(dir)) {
			memset(buf, 0x6b ^ (f->step & 0xff), used);
			EXPECT(mdev_access(dma_device_mdev(f->dev), a, buf, used, DEV_WRITE) == 0,
			       "slab object: device write faulted");
		}
		EXPECT(dma_unmap_single(f->dev, a, size, dir) == 0, "slab object unmap");
		if (can_write(dir))
			EXPECT(!memcmp(buf, p, used), "slab object: CPU misses the device's write");
		note_dead(f, a, size, dir);
		break;
	}
	case 2:
		if (!f->slob[i].live)
			return;
		slab_free(f->slab, f->slob[i].p);
		f->freed_slob = f->slob[i].p;
		f->slob[i].live = false;
		break;
	default: {	/* frees that are not objects: ignored, nothing freed */
		size_t used0 = page_alloc_used_frames(f->pa);

		if (f->slob[i].live && f->slob[i].size > 1)
			slab_free(f->slab, f->slob[i].p + 1);
		else if (f->freed_slob)
			slab_free(f->slab, f->freed_slob);
		EXPECT(page_alloc_used_frames(f->pa) == used0, "a bad slab_free freed a page");
		break;
	}
	}
}

/* The DMA mask: a value not 2^n - 1 (n 12..64) is refused, the mask unchanged. */
static void op_mask(struct fz *f)
{
	uint64_t old = dma_get_mask(f->dev), m;
	unsigned int bits = get8(f) % 70;

	m = bits >= 64 ? ~0ull : (1ull << bits) - 1;
	if (get8(f) & 1)
		m ^= 1ull << (get8(f) % 64);	/* not of the form, mostly */
	if (dma_set_mask(f->dev, m) == 0) {
		EXPECT(m && !(m & (m + 1)) && m >= 0xfff, "mask %#llx accepted",
		       (unsigned long long)m);
		EXPECT(dma_get_mask(f->dev) == m, "mask not set");
		/* Mappings made from now on are below it; keep the test's room. */
		EXPECT(dma_set_mask(f->dev, old) == 0, "old mask refused");
	} else {
		EXPECT(!m || (m & (m + 1)) || m < 0xfff, "mask %#llx refused",
		       (unsigned long long)m);
		EXPECT(dma_get_mask(f->dev) == old, "refused mask changed the mask");
	}
}

/* ---- probes, flushes, CPUs ---------------------------------------------- */

static void op_probe(struct fz *f, bool flush)
{
	dma_addr_t a;
	uint8_t b;
	int r;

	if (!translating(f))
		return;
	if (flush)
		dma_flush_lazy(f->dev);
	if (f->ndead && (get8(f) & 1))
		a = f->dead[get8(f) % (f->ndead < NDEAD ? f->ndead : NDEAD)].addr;
	else
		a = (dma_addr_t)get16(f) << (PAGE_SHIFT + (get8(f) % 24));
	if (covered(f, a))
		return;
	r = mdev_access(dma_device_mdev(f->dev), a, &b, 1, get8(f) & 1 ? DEV_WRITE : DEV_READ);
	if (f->type == DMA_DOMAIN_STRICT || flush)
		EXPECT(r == -EFAULT, "IOVA %#llx reachable with nothing mapped there%s",
		       (unsigned long long)a, flush ? " after a flush" : "");
}

/* Everything the model holds is taken back; must leave nothing behind. */
static void unmap_all(struct fz *f)
{
	for (int i = 0; i < NSINGLE; i++)
		if (f->s[i].live) {
			EXPECT(dma_unmap_single(f->dev, f->s[i].addr, f->s[i].size,
						f->s[i].dir) == 0, "final unmap");
			unmap_done(f, &f->s[i]);
		}
	for (int i = 0; i < NSG; i++)
		if (f->l[i].live) {
			EXPECT(dma_unmap_sg(f->dev, f->l[i].sg, f->l[i].nents, f->l[i].dir) == 0,
			       "final unmap_sg");
			f->l[i].live = false;
		}
	for (int i = 0; i < NCOH; i++)
		if (f->c[i].live) {
			EXPECT(dma_free_coherent(f->dev, f->c[i].size, f->c[i].cpu,
						 f->c[i].handle) == 0, "final free_coherent");
			f->c[i].live = false;
		}
	for (int i = 0; i < NRANGE; i++)
		if (f->r[i].live) {
			dma_iova_unlink(f->dev, &f->r[i].st, 0, f->r[i].st.size,
					DMA_BIDIRECTIONAL);
			dma_iova_free(f->dev, &f->r[i].st);
			f->r[i].live = false;
		}
}

/* What a device teardown must find live: dma_debug's records + IOVA ranges. */
static size_t model_live(struct fz *f)
{
	size_t n = 0;

	for (int i = 0; i < NSINGLE; i++)
		n += f->s[i].live;
	for (int i = 0; i < NSG; i++)
		n += f->l[i].live ? (size_t)f->l[i].nents : 0;
	for (int i = 0; i < NCOH; i++)
		n += f->c[i].live;
	return n;
}

static size_t model_ranges(struct fz *f)
{
	size_t n = 0;

	for (int i = 0; i < NRANGE; i++)
		n += f->r[i].live;
	return n;
}

/*
 * Tear the device down with whatever is live: it must count what dma_debug
 * recorded (or, without it, find something mapped if anything is), tear it
 * down and leave only the caller's pages: coherent blocks stay the
 * caller's, to free with page_put().
 */
static void teardown_early(struct fz *f)
{
	size_t want = model_live(f), ranges = model_ranges(f), got;
	size_t base = f->used0 + NBLK * 2;

	for (int i = 0; i < NCOH; i++)
		if (f->c[i].live)
			base += (size_t)1 << order_for(f->c[i].size);
	for (pfn_t p = 0; p < machine_mem(f->m)->nframes; p++)
		base += page_owner(f->pa, p) == SLAB_OWNER;
	got = dma_device_destroy(f->dev);
	f->dev = NULL;
	if (f->debug)
		EXPECT(got == want + ranges, "teardown found %zu live, the model %zu + %zu ranges",
		       got, want, ranges);
	else if (f->type == DMA_DOMAIN_PASSTHROUGH)
		EXPECT(got == 0, "passthrough teardown without dma_debug found %zu", got);
	else
		EXPECT((got != 0) == (want + ranges != 0), "teardown found %zu, model %zu + %zu",
		       got, want, ranges);
	EXPECT(page_alloc_used_frames(f->pa) == base, "after teardown %zu frames used, want %zu",
	       page_alloc_used_frames(f->pa), base);
	EXPECT(os_swiotlb_used_slots(f->os) == 0, "teardown left swiotlb slots");
	for (int i = 0; i < NCOH; i++)
		if (f->c[i].live) {
			page_put(f->pa, virt_to_phys(f->m, f->c[i].cpu) >> PAGE_SHIFT);
			f->c[i].live = false;
		}
	memset(f->s, 0, sizeof(f->s));
	memset(f->l, 0, sizeof(f->l));
	memset(f->r, 0, sizeof(f->r));
}

static void safety_hook(void *arg, pfn_t pfn, unsigned int order)
{
	struct fz *f = arg;

	/*
	 * Only while the strict device lives: after its teardown no domain is
	 * left, and the final check in run() covers the IOTLB once.
	 */
	if (f->type != DMA_DOMAIN_STRICT || !f->dev)
		return;
	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++)
		if (iommu_frame_reachable(f->m, pfn + i))
			fail("frame %#llx freed while a translation reaches it",
			     (unsigned long long)(pfn + i));
}

static void run(struct fz *f)
{
	static struct machine *machine;
	unsigned int cfg = get8(f);
	struct machine_config mc = { .mem_bytes = 8u << 20 };
	struct os_config oc = { .ncpus = 1 + ((cfg >> 4) & 1), .swiotlb_bytes = 256u << 10 };
	struct dma_device_opts o;
	bool trace = getenv("FUZZ_TRACE") != NULL;	/* print each op (replaying) */

	f->type = (enum dma_domain_type)(cfg % 3);
	f->untrusted = cfg & 4;
	f->debug = !(cfg & 8);
	f->ncpus = oc.ncpus;
	o = (struct dma_device_opts){ .type = f->type, .untrusted = f->untrusted,
				      .no_debug = !f->debug };
	/*
	 * One machine for every input: its arena stays faulted in.  Nothing
	 * of an input survives in it -- every domain is freed, and a domain
	 * id handed out again starts with its IOTLB entries invalidated.
	 */
	if (!machine)
		machine = machine_create(&mc);
	f->m = machine;
	oc.machine = f->m;
	f->os = f->m ? os_create(&oc) : NULL;
	if (!f->os)
		fail("lab setup failed");
	f->pa = os_page_alloc(f->os);
	f->used0 = page_alloc_used_frames(f->pa);
	page_alloc_add_free_hook(f->pa, safety_hook, f);
	for (int b = 0; b < NBLK; b++)
		if (pages_alloc(f->pa, 1, 77, true, &f->blk[b]))
			fail("block allocation failed");
	f->slab = slab_create(f->pa, SLAB_OWNER);
	if (!f->slab)
		fail("slab creation failed");
	os_set_cpu(0);
	f->dev = dma_device_create(f->os, "fuzz", &o);
	if (!f->dev)
		fail("device creation failed");
	for (f->step = 0; !fuzz_done(&f->in) && f->step < MAXOPS && f->dev; f->step++) {
		unsigned int op = get8(f), arm = 0;

		if (op >= 0xf0) {	/* fail the (op & 15)-th allocation of the next call */
			arm = 1 + (op & 15);
			op = get8(f);
		}
		if (trace)
			fprintf(stderr, "step %d: op %u (case %u), inject at %u\n", f->step, op,
				op % 32, arm);
		f->injected = arm != 0;
		if (arm)
			failinject_arm(arm);
		switch (op % 32) {
		case 0: case 1: op_map(f, op & 1); break;
		case 2: op_map_bad(f); break;
		case 3: op_unmap(f); break;
		case 4: op_unmap_bad(f); break;
		case 5: op_unmap_batch(f); break;
		case 6: op_unmap_deferred(f); break;
		case 7: op_sync(f); break;
		case 8: op_sync_bad(f); break;
		case 9: case 10: op_dev_single(f, op & 1); break;
		case 11: op_map_sg(f); break;
		case 12: op_unmap_sg(f); break;
		case 13: op_unmap_sg_bad(f); break;
		case 14: op_sync_sg(f); break;
		case 15: case 16: op_dev_sg(f, op & 1); break;
		case 17: op_alloc_coherent(f); break;
		case 18: op_free_coherent(f); break;
		case 19: op_free_coherent_bad(f); break;
		case 20: case 21: op_dev_coherent(f, op & 1); break;
		case 22: op_iova_alloc(f); break;
		case 23: op_iova_link(f); break;
		case 24: op_iova_bad(f); break;
		case 25: op_iova_unlink(f); break;
		case 26: op_iova_free(f); break;
		case 27: case 28: op_dev_iova(f, op & 1); break;
		case 29: op_probe(f, op & 32); break;
		case 30:
			if (op & 32)
				op_slab(f);
			else if (op & 64)
				op_mask(f);
			else
				os_set_cpu(get8(f) % f->ncpus);
			break;
		default:
			if (op & 32)
				teardown_early(f);
			else
				dma_flush_lazy(f->dev);
			break;
		}
		if (arm)
			failinject_disarm();
		f->injected = false;
	}
	if (f->dev) {
		struct dma_device *dev = f->dev;

		unmap_all(f);
		dma_flush_lazy(f->dev);
		EXPECT(!translating(f) || iommu_domain_mapped_pages(f->dev->dom) == 0,
		       "pages still mapped after every unmap");
		EXPECT(!translating(f) || iovad_outstanding(f->dev->iovad) == 0,
		       "%zu IOVA ranges outstanding after every unmap",
		       iovad_outstanding(f->dev->iovad));
		f->dev = NULL;	/* the hook skips the table pages the teardown frees */
		EXPECT(dma_device_destroy(dev) == 0, "teardown found mappings left");
	}
	EXPECT(os_swiotlb_used_slots(f->os) == 0, "swiotlb slots leaked");
	{
		size_t live = 0;

		for (int i = 0; i < NSLOB; i++)
			live += f->slob[i].live;
		EXPECT(slab_destroy(f->slab) == live, "slab_destroy: objects left differ from %zu",
		       live);
	}
	for (int b = 0; b < NBLK; b++) {
		EXPECT(!iommu_frame_reachable(f->m, f->blk[b]) &&
		       !iommu_frame_reachable(f->m, f->blk[b] + 1),
		       "block %d reachable after teardown", b);
		page_put(f->pa, f->blk[b]);
	}
	EXPECT(page_alloc_used_frames(f->pa) == f->used0, "frames leaked: %zu",
	       page_alloc_used_frames(f->pa) - f->used0);
	EXPECT(os_destroy(f->os) == 0, "os_destroy found leaked frames");
}

/**
 * LLVMFuzzerTestOneInput() - run one input as a DMA API program
 * @data: the program
 * @size: its length
 *
 * Return: 0; a mismatch with the model aborts.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;

	memset(&f, 0, sizeof(f));
	fuzz_in_init(&f.in, data, size);
	g_fz = &f;
	run(&f);
	return 0;
}
