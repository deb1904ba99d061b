// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzz_reuse_ops.c - libFuzzer harness: bytes -> sequences over the reuse
 * layer's objects, the safety rule checked at every page free.
 *
 * Input: byte 0 picks the device (strict, lazy or passthrough; one or two
 * CPUs), the mechanism of an rmapper and the pool's direction; byte 1 the
 * batch size and whether the device is untrusted.  Then ops, each an
 * opcode byte and the parameter bytes it reads (missing bytes read 0).
 * One device carries one object of each kind the mode allows: rbounce,
 * rreuse, rpool, rcache, rlink, rbatch (with a ring) and the rmapper; the
 * objects a mode refuses must be refused at create (rreuse and rcache on
 * lazy, rlink under passthrough).
 *
 * The model: owners hold blocks of two frames and may free a block
 * whenever no handle lent from it is out -- also while the cache maps it,
 * a registration pins it or a batch has not flushed its unmap, which is
 * what the safety rule is about: a free hook aborts if a frame returns to
 * the allocator while a PTE or an IOTLB entry reaches it (on lazy, where a
 * plain unmap leaves the IOTLB warm by design, only the owners' frames are
 * checked, and no object there unmaps the owners' pages lazily).  For
 * every handle the model keeps which object lent it, what the device must
 * read and whether the device wrote; it checks:
 *   - every lend the model calls valid succeeds (or fails with -ENOMEM
 *     when an injected allocation failure fired, changing nothing);
 *   - the device reads what the CPU put there, and after sync_for_cpu or
 *     the unmap the CPU sees what the device wrote;
 *   - misuse is refused with nothing changed: a handle taken back twice,
 *     passed to another object, or with its dma, len or dir changed; a
 *     pool buffer put twice; a registration handed over twice, unregistered
 *     in flight or used after unregister; a sub-page buffer forced into the
 *     cache; zero lengths; destroy while lent (-EBUSY, object still usable).
 *     "Nothing changed": the object's counters but errors, and the DMA
 *     layer's maps, unmaps, live records, frames and swiotlb slots;
 *   - each object's in_use agrees with the handles the model holds;
 *   - at the end everything is returned and destroyed, and no frame,
 *     swiotlb slot, mapping or IOVA range is left.
 *
 * Pokes internals: the fault injector through machine/failinject.h,
 * included by path.
 *
 * Size: over 800 lines, on purpose: one model over every object, so the
 * objects' calls interleave on one device and every check sees them all.
 */
#include "fuzzlib.h"

#include "../../machine/failinject.h"

#include <dmareuse/dma.h>
#include <dmareuse/machine.h>
#include <dmareuse/os.h>
#include <dmareuse/reuse.h>
#include <dmareuse/reuse_lab.h>
#include <dmareuse/sg_reuse.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBLK 10
#define BLK_BYTES (2 * PAGE_SIZE)
#define NH 12			/* handles the model holds */
#define NPB 4			/* pool buffers */
#define NMO 3			/* registrations */
#define RING_SLOTS 4
#define MAXOPS 256

enum obj { O_BOUNCE, O_CACHE, O_LINK, O_BATCH, O_RING, O_MAPPER, O_COUNT };

static const char *const obj_name[O_COUNT] = {
	"bounce", "cache", "iova-link", "batch", "ring", "mapper",
};

struct blk {
	pfn_t pfn;
	bool owned;		/* the owner's reference is held */
};

struct hnd {
	bool live;
	enum obj o;
	int b;
	size_t off, len;
	struct rmap_handle h;
	unsigned int slot;		/* ring */
	uint8_t view[BLK_BYTES];	/* what the device must read */
	bool dev_wrote;
	bool notify;			/* batch: taken back with unmap_notify */
};

struct pbuf {
	bool live;
	struct rpool_buf *b;
};

struct reg {
	bool live, in_flight;
	struct rmo *mo;
	int b;
	size_t off, len;
	enum dma_data_direction dir;
	uint8_t view[BLK_BYTES];	/* what the device wrote, until for_cpu */
	bool wrote;
	bool orphan;			/* the owner freed the block: only stop-reuse now */
};

/* A reusable scatterlist (sg_reuse.h): marked, mapped through the registry. */
struct sgr {
	bool marked, mapped_once, in_flight, stopped, orphan;
	int nents;
	enum dma_data_direction dir;
	struct scatterlist sg[2];
	int blk[2];
	size_t off[2];
};

struct fz {
	struct fuzz_in in;
	struct machine *m;
	struct os *os;
	struct page_alloc *pa;
	struct dma_device *dev;
	enum dma_domain_type type;
	bool untrusted, armed_hook;
	unsigned int ncpus;
	enum reuse_mech mech;
	struct rbounce *bounce;
	struct rreuse *reuse;
	struct rpool *pool;
	enum dma_data_direction pool_dir;
	struct rcache *cache;
	struct rlink *link;
	struct rbatch *batch;
	struct rbatch_ring *ring;
	struct rmapper *mapper;
	struct blk blk[NBLK];
	struct hnd h[NH];
	struct pbuf pb[NPB];
	struct reg mo[NMO];
	struct sgr sl[2];
	struct rmo *stale[NMO];
	unsigned int nstale;
	unsigned int pend[NBLK];	/* notify unmaps whose flush has not come */
	bool injected;
	size_t used0;
	int step;
};

static struct fz *g_fz;

static void fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
static void fail_at(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "step %d, %s%s, mapper %s: ", g_fz->step,
		     dma_domain_type_name(g_fz->type), g_fz->untrusted ? " untrusted" : "",
		     reuse_mech_name(g_fz->mech));
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

static enum dma_data_direction get_dir(struct fz *f)
{
	return (enum dma_data_direction)(get8(f) % 3);
}

static bool can_read(enum dma_data_direction d)
{
	return d == DMA_TO_DEVICE || d == DMA_BIDIRECTIONAL;
}

static bool can_write(enum dma_data_direction d)
{
	return d == DMA_FROM_DEVICE || d == DMA_BIDIRECTIONAL;
}

static uint8_t *blk_va(struct fz *f, int b)
{
	return phys_to_virt(f->m, f->blk[b].pfn << PAGE_SHIFT);
}

/* ---- counters: the model's view and "nothing changed" ------------------- */

static bool have(struct fz *f, enum obj o)
{
	switch (o) {
	case O_BOUNCE: return f->bounce;
	case O_CACHE: return f->cache;
	case O_LINK: return f->link;
	case O_BATCH: return f->batch;
	case O_RING: return f->ring;
	case O_MAPPER: return f->mapper;
	default: return false;
	}
}

static void obj_stats(struct fz *f, enum obj o, struct reuse_stats *s)
{
	memset(s, 0, sizeof(*s));
	switch (o) {
	case O_BOUNCE: rbounce_stats(f->bounce, s); break;
	case O_CACHE: rcache_stats(f->cache, s); break;
	case O_LINK: rlink_stats(f->link, s); break;
	case O_BATCH: case O_RING: rbatch_stats(f->batch, s); break;
	case O_MAPPER: rmapper_stats(f->mapper, s); break;
	default: break;
	}
}

struct snap {
	struct reuse_stats s;
	struct dma_stats d;
	size_t used, slots;
};

static void take(struct fz *f, enum obj o, struct snap *s)
{
	obj_stats(f, o, &s->s);
	dma_stats_read(f->dev, &s->d);
	s->used = page_alloc_used_frames(f->pa);
	s->slots = os_swiotlb_used_slots(f->os);
}

static void unchanged(struct fz *f, enum obj o, const struct snap *a, const char *what)
{
	struct snap b;

	take(f, o, &b);
	EXPECT(b.s.errors > a->s.errors, "%s on %s: misuse not counted", what, obj_name[o]);
	EXPECT(b.s.in_use == a->s.in_use && b.s.maps == a->s.maps &&
	       b.s.unmaps == a->s.unmaps && b.s.hits == a->s.hits &&
	       b.s.pages_pinned == a->s.pages_pinned,
	       "%s on %s: refused call changed the object (in_use %llu->%llu, maps %llu->%llu)",
	       what, obj_name[o], (unsigned long long)a->s.in_use,
	       (unsigned long long)b.s.in_use, (unsigned long long)a->s.maps,
	       (unsigned long long)b.s.maps);
	EXPECT(b.d.maps == a->d.maps && b.d.unmaps == a->d.unmaps && b.d.live == a->d.live,
	       "%s on %s: refused call reached the DMA layer", what, obj_name[o]);
	EXPECT(b.used == a->used && b.slots == a->slots, "%s on %s: frames or slots changed",
	       what, obj_name[o]);
}

/* Each object's in_use against the handles the model holds. */
static void check_in_use(struct fz *f)
{
	unsigned int n[O_COUNT] = { 0 }, pool = 0, dev = 0;
	struct reuse_stats s;

	for (int i = 0; i < NH; i++)
		if (f->h[i].live)
			n[f->h[i].o == O_RING ? O_BATCH : f->h[i].o]++;
	for (int o = 0; o < O_COUNT; o++) {
		if (!have(f, (enum obj)o) || o == O_RING)
			continue;
		obj_stats(f, (enum obj)o, &s);
		if (o == O_CACHE)	/* entries lent, not lenders: a hit may share one */
			EXPECT(s.in_use <= n[o] && (s.in_use != 0) == (n[o] != 0),
			       "cache in_use %llu, model %u", (unsigned long long)s.in_use, n[o]);
		else if (o != O_MAPPER || f->mech != RMECH_CACHE)
			EXPECT(s.in_use == n[o], "%s in_use %llu, model %u", obj_name[o],
			       (unsigned long long)s.in_use, n[o]);
	}
	if (f->pool) {
		for (int i = 0; i < NPB; i++)
			pool += f->pb[i].live;
		rpool_stats(f->pool, &s);
		EXPECT(s.in_use == pool, "pool in_use %llu, model %u",
		       (unsigned long long)s.in_use, pool);
	}
	if (f->reuse) {
		for (int i = 0; i < NMO; i++)
			dev += f->mo[i].live && f->mo[i].in_flight;
		for (int i = 0; i < 2; i++)	/* a reusable list is a registration too */
			dev += f->sl[i].marked && f->sl[i].in_flight;
		rreuse_stats(f->reuse, &s);
		EXPECT(s.in_use == dev, "reuse in_use %llu, model %u",
		       (unsigned long long)s.in_use, dev);
	}
}

/* ---- owners' blocks ------------------------------------------------------ */

static bool blk_busy(struct fz *f, int b)
{
	for (int i = 0; i < NH; i++)
		if (f->h[i].live && f->h[i].b == b)
			return true;
	/* A registration pins its pages: the owner may let go unless in flight. */
	for (int i = 0; i < NMO; i++)
		if (f->mo[i].live && !f->mo[i].orphan && f->mo[i].b == b && f->mo[i].in_flight)
			return true;
	for (int i = 0; i < 2; i++)
		for (int e = 0; f->sl[i].marked && !f->sl[i].orphan && e < f->sl[i].nents; e++)
			if (f->sl[i].blk[e] == b && f->sl[i].in_flight)
				return true;
	return f->pend[b] != 0;	/* told, not pinned: wait for the flush */
}

/* Do [off, off + len) of @b overlap a live handle's bytes? */
static bool overlaps(struct fz *f, int b, size_t off, size_t len)
{
	for (int i = 0; i < NH; i++) {
		struct hnd *h = &f->h[i];

		if (h->live && h->b == b && h->off < off + len && off < h->off + h->len)
			return true;
	}
	for (int i = 0; i < NMO; i++) {
		struct reg *r = &f->mo[i];

		if (r->live && !r->orphan && r->b == b && r->off < off + len &&
		    off < r->off + r->len)
			return true;
	}
	for (int i = 0; i < 2; i++)
		for (int e = 0; f->sl[i].marked && !f->sl[i].orphan && e < f->sl[i].nents; e++)
			if (f->sl[i].blk[e] == b && f->sl[i].off[e] < off + len &&
			    off < f->sl[i].off[e] + f->sl[i].sg[e].length)
				return true;
	return false;
}

/* The owner lets go: allowed while the cache, a registration or a batch holds it. */
static void op_owner(struct fz *f)
{
	int b = (int)(get8(f) % NBLK);

	if (f->blk[b].owned) {
		if (blk_busy(f, b))
			return;
		page_put(f->pa, f->blk[b].pfn);	/* a pin keeps the frame */
		f->blk[b].owned = false;
		for (int i = 0; i < NMO; i++)
			f->mo[i].orphan |= f->mo[i].live && f->mo[i].b == b;
		for (int i = 0; i < 2; i++)
			for (int e = 0; f->sl[i].marked && e < f->sl[i].nents; e++)
				f->sl[i].orphan |= f->sl[i].blk[e] == b;
	} else if (pages_alloc(f->pa, 1, 91, true, &f->blk[b].pfn) == 0) {
		f->blk[b].owned = true;
	}
}

/* ---- device accesses ---------------------------------------------------- */

static void dev_io(struct fz *f, dma_addr_t a, uint8_t *view, size_t len,
		   enum dma_data_direction dir, bool write, bool *wrote, const char *what)
{
	uint8_t buf[BLK_BYTES];
	int r;

	if (write ? !can_write(dir) : !can_read(dir))
		return;
	if (write)
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(f->step * 29 + i * 7);
	r = mdev_access(dma_device_mdev(f->dev), a, buf, len, write ? DEV_WRITE : DEV_READ);
	EXPECT(r == 0, "%s: device %s of %zu bytes at %#llx faulted", what,
	       write ? "write" : "read", len, (unsigned long long)a);
	if (write) {
		memcpy(view, buf, len);
		*wrote = true;
	} else {
		EXPECT(!memcmp(buf, view, len), "%s: device read wrong bytes at %#llx", what,
		       (unsigned long long)a);
	}
}

static void cpu_sees(struct fz *f, struct hnd *h, size_t len, const char *what)
{
	if (h->dev_wrote && can_write(h->h.dir))
		EXPECT(!memcmp(blk_va(f, h->b) + h->off, h->view, len),
		       "%s (%s): CPU does not see the device's write", what, obj_name[h->o]);
}

/* ---- lending through the per-buffer objects ----------------------------- */

static int lend(struct fz *f, struct hnd *h, unsigned int flags)
{
	pfn_t page = f->blk[h->b].pfn;
	void *cpu = blk_va(f, h->b) + h->off;

	switch (h->o) {
	case O_BOUNCE: return rbounce_map_flags(f->bounce, cpu, h->len, h->h.dir, flags, &h->h);
	case O_CACHE: return rcache_map(f->cache, page, h->off, h->len, h->h.dir, &h->h);
	case O_LINK: return rlink_map(f->link, page, h->off, h->len, h->h.dir, &h->h);
	case O_BATCH: return rbatch_map(f->batch, page, h->off, h->len, h->h.dir, &h->h);
	case O_RING:
		return rbatch_ring_map(f->ring, h->slot, page, h->len, h->h.dir, &h->h);
	default: return rmapper_map_flags(f->mapper, cpu, h->len, h->h.dir, flags, &h->h);
	}
}

static int give_back(struct fz *f, enum obj o, struct rmap_handle *rh, size_t used,
		     bool partial)
{
	switch (o) {
	case O_BOUNCE:
		return partial ? rbounce_unmap_partial(f->bounce, rh, used) :
				 rbounce_unmap(f->bounce, rh);
	case O_CACHE: return rcache_unmap(f->cache, rh);
	case O_LINK: return rlink_unmap(f->link, rh);
	case O_BATCH: return rbatch_unmap(f->batch, rh);
	case O_RING: return rbatch_ring_unmap(f->ring, rh);
	default:
		return partial ? rmapper_unmap_partial(f->mapper, rh, used) :
				 rmapper_unmap(f->mapper, rh);
	}
}

static int sync_h(struct fz *f, enum obj o, struct rmap_handle *rh, bool for_cpu)
{
	switch (o) {
	case O_BOUNCE: return for_cpu ? rbounce_sync_for_cpu(f->bounce, rh) :
					rbounce_sync_for_device(f->bounce, rh);
	case O_CACHE: return for_cpu ? rcache_sync_for_cpu(f->cache, rh) :
				       rcache_sync_for_device(f->cache, rh);
	case O_LINK: return for_cpu ? rlink_sync_for_cpu(f->link, rh) :
				      rlink_sync_for_device(f->link, rh);
	case O_BATCH: case O_RING:
		return for_cpu ? rbatch_sync_for_cpu(f->batch, rh) :
				 rbatch_sync_for_device(f->batch, rh);
	default: return for_cpu ? rmapper_sync_for_cpu(f->mapper, rh) :
				  rmapper_sync_for_device(f->mapper, rh);
	}
}

static int free_h(struct fz *f)
{
	for (int i = 0; i < NH; i++)
		if (!f->h[i].live)
			return i;
	return -1;
}

static int pick_h(struct fz *f)
{
	int start = (int)(get8(f) % NH);

	for (int k = 0; k < NH; k++)
		if (f->h[(start + k) % NH].live)
			return (start + k) % NH;
	return -1;
}

static void op_map(struct fz *f)
{
	int i = free_h(f);
	enum obj o = (enum obj)(get8(f) % O_COUNT);
	int b = (int)(get8(f) % NBLK);
	unsigned int shape = get8(f), flags = get8(f) & 1 ? RMAP_LEN_KNOWN : 0;
	size_t off = get16(f) % BLK_BYTES, len = 1 + get16(f) % (BLK_BYTES - off);
	enum dma_data_direction dir = get_dir(f);
	struct hnd *h;
	struct snap before;
	int r;

	if (shape & 1) {	/* whole pages: what cache, link, batch and rings take */
		off = shape & 2 ? PAGE_SIZE : 0;
		len = shape & 4 || off ? PAGE_SIZE : BLK_BYTES;
	}
	if (o == O_RING) {	/* a slot takes whole pages from the page: one here */
		off = 0;
		if (len > PAGE_SIZE)
			len = PAGE_SIZE;
	}
	if (i < 0 || !have(f, o) || !f->blk[b].owned || overlaps(f, b, off, len))
		return;
	if (o == O_CACHE && (off % PAGE_SIZE || len % PAGE_SIZE))
		return;		/* sub-page: op_misuse() tries that */
	if ((o == O_BOUNCE || o == O_MAPPER) && (flags & RMAP_LEN_KNOWN) && dir != DMA_TO_DEVICE)
		flags = 0;	/* LEN_KNOWN then asks for a partial unmap: kept simple */
	h = &f->h[i];
	memset(h, 0, sizeof(*h));
	h->o = o;
	h->b = b;
	h->off = off;
	h->len = len;
	h->h.dir = dir;
	if (o == O_RING) {
		h->slot = get8(f) % RING_SLOTS;
		for (int k = 0; k < NH; k++)
			if (f->h[k].live && f->h[k].o == O_RING && f->h[k].slot == h->slot)
				return;
	}
	for (size_t k = 0; k < len; k++)
		blk_va(f, b)[off + k] = (uint8_t)(f->step * 3 + k + (size_t)b);
	memcpy(h->view, blk_va(f, b) + off, len);
	take(f, o, &before);
	r = lend(f, h, flags);
	if (r) {
		/* A bounce class or the link range may run out; else only injected. */
		EXPECT(f->injected || r == -ENOSPC || (r == -ENOMEM && o == O_BOUNCE) ||
		       (r == -ENOMEM && o == O_MAPPER),
		       "%s map of block %d [%zu, +%zu) %s: %d", obj_name[o], b, off, len,
		       dma_dir_name(dir), r);
		return;
	}
	EXPECT(h->h.len == len && h->h.dir == dir, "%s map: handle len/dir wrong", obj_name[o]);
	h->live = true;
}

/* A batch's flush tells the owner its buffer is free (rbatch_unmap_notify()). */
static void notify_done(void *arg)
{
	unsigned int *pend = arg;

	EXPECT(*pend > 0, "a completion nobody waited for");
	(*pend)--;
}

static void retire(struct fz *f, struct hnd *h)
{
	h->live = false;
}

static void op_unmap(struct fz *f)
{
	int i = pick_h(f);
	unsigned int how = get8(f);
	struct hnd *h;
	struct rmap_handle copy;
	size_t used;
	bool partial;
	int r;

	if (i < 0)
		return;
	h = &f->h[i];
	partial = (how & 1) && (h->o == O_BOUNCE || h->o == O_MAPPER);
	used = partial ? get16(f) % (h->len + 1) : h->len;
	copy = h->h;
	if (h->o == O_BATCH && (how & 2)) {	/* the owner is told instead of pinned */
		f->pend[h->b]++;	/* first: with nothing to defer it completes inside */
		r = rbatch_unmap_notify(f->batch, &h->h, notify_done, &f->pend[h->b]);
		EXPECT(r == 0, "batch unmap_notify of a lent handle: %d", r);
		cpu_sees(f, h, h->len, "unmap_notify");
		retire(f, h);
		return;
	}
	r = give_back(f, h->o, &h->h, used, partial);
	EXPECT(r == 0, "%s unmap of a lent handle: %d", obj_name[h->o], r);
	if (partial) {
		if (h->dev_wrote && can_write(h->h.dir) && used)
			EXPECT(!memcmp(blk_va(f, h->b) + h->off, h->view, used),
			       "partial unmap: CPU misses the device's bytes");
	} else {
		cpu_sees(f, h, h->len, "unmap");
	}
	retire(f, h);
	/*
	 * A stale copy of a direct mapper handle is caught by the mapper only
	 * while it has no other direct one lent (rmapper_unmap()): not tried
	 * then.
	 */
	for (int k = 0; k < NH && h->o == O_MAPPER; k++)
		if (f->h[k].live && f->h[k].o == O_MAPPER)
			how &= ~4u;
	/* rbatch, likewise, promises to catch one only while nothing is lent. */
	for (int k = 0; k < NH && (h->o == O_BATCH || h->o == O_RING); k++)
		if (f->h[k].live && (f->h[k].o == O_BATCH || f->h[k].o == O_RING))
			how &= ~4u;
	if (how & 4) {		/* the same handle again: refused, nothing changed */
		struct snap before;

		take(f, h->o, &before);
		r = give_back(f, h->o, &copy, copy.len, false);
		EXPECT(r == -EINVAL, "%s: second unmap of a handle returned %d", obj_name[h->o], r);
		unchanged(f, h->o, &before, "second unmap");
	}
}

static void op_sync(struct fz *f)
{
	int i = pick_h(f);
	unsigned int how = get8(f);
	struct hnd *h;
	int r;

	if (i < 0)
		return;
	h = &f->h[i];
	if (h->o == O_RING)
		return;		/* a ring slot has no sync: rbatch_sync_*() take rbatch_map()'s */
	r = sync_h(f, h->o, &h->h, true);
	EXPECT(r == 0, "%s sync_for_cpu: %d", obj_name[h->o], r);
	cpu_sees(f, h, h->len, "sync_for_cpu");
	if ((how & 1) && can_read(h->h.dir)) {	/* the CPU writes, the device must see it */
		uint8_t *cpu = blk_va(f, h->b) + h->off;

		for (size_t k = 0; k < h->len; k += 1 + (how >> 1))
			cpu[k] ^= 0x5a;
		memcpy(h->view, cpu, h->len);
		h->dev_wrote = false;
	}
	r = sync_h(f, h->o, &h->h, false);
	EXPECT(r == 0, "%s sync_for_device: %d", obj_name[h->o], r);
}

static void op_dev(struct fz *f, bool write)
{
	int i = pick_h(f);
	struct hnd *h;
	size_t off, len;

	if (i < 0)
		return;
	h = &f->h[i];
	off = get16(f) % h->len;
	len = 1 + get16(f) % (h->len - off);
	dev_io(f, h->h.dma + off, h->view + off, len, h->h.dir, write, &h->dev_wrote,
	       obj_name[h->o]);
}

/* Handles misused: another object's, fields changed, sub-page into the cache. */
static void op_misuse(struct fz *f)
{
	int i = pick_h(f);
	unsigned int how = get8(f) % 6;
	enum obj other = (enum obj)(get8(f) % O_COUNT);
	struct rmap_handle bad;
	struct snap before;
	struct hnd *h;
	int r;

	if (how == 4 && (get8(f) & 1)) {	/* bad lends: refused, the handle unusable */
		enum obj o = get8(f) & 1 ? O_MAPPER : O_BOUNCE;
		int b = (int)(get8(f) % NBLK);
		unsigned int k = get8(f) % 3;
		void *cpu = k == 0 ? NULL : blk_va(f, b);
		size_t len = k == 1 ? 0 : 64;
		enum dma_data_direction dir = k == 2 ? DMA_NONE : DMA_TO_DEVICE;

		if (!have(f, o) || !f->blk[b].owned)
			return;
		take(f, o, &before);
		r = o == O_MAPPER ? rmapper_map(f->mapper, cpu, len, dir, &bad) :
				    rbounce_map(f->bounce, cpu, len, dir, &bad);
		EXPECT(r == -EINVAL, "bad %s lend %u returned %d", obj_name[o], k, r);
		unchanged(f, o, &before, "bad lend");
		if (o == O_MAPPER) {
			take(f, o, &before);
			EXPECT(rmapper_unmap(f->mapper, &bad) == -EINVAL,
			       "a handle of a refused map taken back");
			unchanged(f, o, &before, "unmap of a refused map");
		}
		return;
	}
	if (how == 5) {		/* a sub-page buffer forced into the cache */
		int b = (int)(get8(f) % NBLK);

		if (!f->cache || !f->blk[b].owned)
			return;
		take(f, O_CACHE, &before);
		r = rcache_map(f->cache, f->blk[b].pfn, 1 + get8(f) % 64, PAGE_SIZE,
			       DMA_TO_DEVICE, &bad);
		EXPECT(r == -EINVAL, "sub-page cache map returned %d", r);
		unchanged(f, O_CACHE, &before, "sub-page cache map");
		return;
	}
	if (i < 0)
		return;
	h = &f->h[i];
	bad = h->h;
	switch (how) {
	case 0:		/* another object's handle */
		if (!have(f, other) || other == h->o ||
		    (other == O_RING && h->o == O_BATCH) || (other == O_BATCH && h->o == O_RING))
			return;
		/* A mapper lends through objects of its own, never these. */
		break;
	case 1: bad.dma += PAGE_SIZE; other = h->o; break;
	case 2: bad.len += 1 + get8(f); other = h->o; break;
	case 3: bad.dir = (enum dma_data_direction)((bad.dir + 1) % 3); other = h->o; break;
	default:
		if ((h->o == O_BOUNCE || h->o == O_MAPPER) && (get8(f) & 1)) {
			/* a partial unmap claiming more than was lent */
			take(f, h->o, &before);
			r = give_back(f, h->o, &bad, bad.len + 1 + get8(f), true);
			EXPECT(r == -EINVAL, "partial unmap beyond the buffer: %d", r);
			unchanged(f, h->o, &before, "partial unmap beyond the buffer");
			return;
		}
		bad.len = 0;
		other = h->o;
		break;
	}
	take(f, other, &before);
	r = get8(f) & 1 ? give_back(f, other, &bad, bad.len, false) :
			  sync_h(f, other, &bad, get8(f) & 1);
	EXPECT(r == -EINVAL, "misuse %u of a %s handle on %s returned %d", how, obj_name[h->o],
	       obj_name[other], r);
	unchanged(f, other, &before, "misuse");
}

/* ---- the pool ------------------------------------------------------------ */

static void op_pool(struct fz *f)
{
	unsigned int how = get8(f) % 5;
	int i = (int)(get8(f) % NPB);
	struct pbuf *p = &f->pb[i];
	struct snap before;
	int r;

	if (!f->pool)
		return;
	switch (how) {
	case 0:		/* get */
		if (p->live)
			return;
		p->b = rpool_get(f->pool);
		if (!p->b) {
			for (int k = 0; k < NPB; k++)
				EXPECT(f->pb[k].live || f->injected, "pool empty with buffers free");
			return;
		}
		p->live = true;
		break;
	case 1: {	/* the device writes, the CPU reads it after the sync */
		uint8_t buf[PAGE_SIZE];
		size_t len = 1 + get16(f) % PAGE_SIZE;

		if (!p->live || !can_write(f->pool_dir))
			return;
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)(k * 5 + f->step);
		EXPECT(mdev_access(dma_device_mdev(f->dev), p->b->dma, buf, len, DEV_WRITE) == 0,
		       "pool buffer write faulted");
		EXPECT(rpool_sync_for_cpu(f->pool, p->b, len) == 0, "pool sync_for_cpu");
		EXPECT(!memcmp(p->b->cpu, buf, len), "pool: CPU misses the device's write");
		break;
	}
	case 2:		/* put */
		if (!p->live)
			return;
		EXPECT(rpool_put(f->pool, p->b, get16(f) % (p->b->size + 1)) == 0, "pool put");
		p->live = false;
		if (get8(f) & 1) {	/* put twice: refused */
			take(f, O_COUNT, &before);
			rpool_stats(f->pool, &before.s);
			r = rpool_put(f->pool, p->b, 0);
			EXPECT(r == -EINVAL, "second pool put returned %d", r);
			{
				struct reuse_stats s;

				rpool_stats(f->pool, &s);
				EXPECT(s.errors > before.s.errors && s.in_use == before.s.in_use,
				       "second pool put changed the pool");
			}
		}
		break;
	case 3: {	/* a length beyond the buffer, or its size changed: refused */
		struct reuse_stats a, b;

		if (!p->live)
			return;
		rpool_stats(f->pool, &a);
		r = rpool_sync_for_cpu(f->pool, p->b, p->b->size + 1 + get8(f));
		EXPECT(r == -EINVAL, "pool sync beyond the buffer returned %d", r);
		r = rpool_put(f->pool, p->b, p->b->size + 1);
		EXPECT(r == -EINVAL, "pool put beyond the buffer returned %d", r);
		rpool_stats(f->pool, &b);
		EXPECT(b.errors >= a.errors + 2 && b.in_use == a.in_use, "pool misuse changed it");
		break;
	}
	default: {	/* the device reads a buffer it owns */
		uint8_t buf[PAGE_SIZE];
		size_t len = 1 + get16(f) % PAGE_SIZE;

		if (!p->live || !can_read(f->pool_dir))
			return;
		EXPECT(mdev_access(dma_device_mdev(f->dev), p->b->dma, buf, len, DEV_READ) == 0,
		       "pool buffer read faulted");
		break;
	}
	}
}

/* ---- map once ------------------------------------------------------------ */

static void mo_unmapped(void *arg, struct rmo *mo)
{
	struct fz *f = arg;

	/* Runs after the mapping is gone: nothing translates its address now. */
	dma_addr_t a = rmo_dma_addr(mo, 0);

	EXPECT(!a || f->type == DMA_DOMAIN_PASSTHROUGH ||
	       mdev_probe(dma_device_mdev(f->dev), a, 1, DEV_READ) == -EFAULT,
	       "registration still reachable in its unmap callback");
}

static void op_reuse(struct fz *f)
{
	unsigned int how = get8(f) % 6;
	int i = (int)(get8(f) % NMO);
	struct reg *r = &f->mo[i];
	struct reuse_stats a, b;
	int ret;

	if (!f->reuse)
		return;
	switch (how) {
	case 0: {	/* register */
		struct rseg seg;
		int bk = (int)(get8(f) % NBLK);
		size_t off = get16(f) % BLK_BYTES, len = 1 + get16(f) % (BLK_BYTES - off);

		if (r->live || !f->blk[bk].owned || overlaps(f, bk, off, len))
			return;
		seg = (struct rseg){ f->blk[bk].pfn, off, len };
		r->dir = get_dir(f);
		r->mo = rmo_register(f->reuse, &seg, 1, r->dir, mo_unmapped, f);
		if (!r->mo) {
			EXPECT(f->injected, "rmo_register of block %d [%zu, +%zu) failed", bk, off,
			       len);
			return;
		}
		r->live = true;
		r->in_flight = false;
		r->wrote = false;
		r->orphan = false;
		r->b = bk;
		r->off = off;
		r->len = len;
		break;
	}
	case 1:		/* for_device; twice is refused */
		if (!r->live || r->orphan)
			return;
		ret = rmo_for_device(r->mo);
		EXPECT(ret == (r->in_flight ? -EINVAL : 0), "rmo_for_device: %d (in flight %d)",
		       ret, r->in_flight);
		r->in_flight = true;
		break;
	case 2:		/* for_cpu; without a transfer refused */
		if (!r->live)
			return;
		ret = rmo_for_cpu(r->mo);
		EXPECT(ret == (r->in_flight ? 0 : -EINVAL), "rmo_for_cpu: %d (in flight %d)", ret,
		       r->in_flight);
		EXPECT(!r->wrote || !memcmp(r->view, blk_va(f, r->b) + r->off, r->len),
		       "CPU misses the device's write to a registered buffer after for_cpu");
		r->wrote = false;
		r->in_flight = false;
		break;
	case 3:		/* unregister: -EBUSY in flight */
		if (!r->live)
			return;
		rreuse_stats(f->reuse, &a);
		ret = rmo_unregister(r->mo);
		if (r->in_flight) {
			EXPECT(ret == -EBUSY, "unregister in flight: %d", ret);
			rreuse_stats(f->reuse, &b);
			EXPECT(b.in_use == a.in_use && b.unmaps == a.unmaps,
			       "refused unregister changed the registry");
			return;
		}
		EXPECT(ret == 0, "unregister: %d", ret);
		EXPECT(!rmo_is_live(r->mo), "registration live after unregister");
		f->stale[f->nstale++ % NMO] = r->mo;
		r->live = false;
		break;
	case 4: {	/* the device reads or writes the registered bytes */
		uint8_t buf[BLK_BYTES];
		dma_addr_t a0;

		if (!r->live || !r->in_flight)
			return;
		a0 = rmo_dma_addr(r->mo, 0);
		if (can_read(r->dir)) {
			EXPECT(mdev_access(dma_device_mdev(f->dev), a0, buf, r->len, DEV_READ) == 0,
			       "registered buffer read faulted");
			/* A bounced one keeps the device's write until for_cpu. */
			EXPECT(!memcmp(buf, r->wrote ? r->view : blk_va(f, r->b) + r->off, r->len),
			       "registered buffer read wrong bytes");
		}
		if (can_write(r->dir)) {
			memset(buf, 0xa5 ^ (f->step & 0xff), r->len);
			EXPECT(mdev_access(dma_device_mdev(f->dev), a0, buf, r->len, DEV_WRITE) == 0,
			       "registered buffer write faulted");
			/* A bounced one (sub-page, untrusted) reaches the CPU at for_cpu. */
			memcpy(r->view, buf, r->len);
			r->wrote = true;
		}
		break;
	}
	default:	/* use after unregister: -ESTALE */
		if (!f->nstale)
			return;
		{
			struct rmo *mo = f->stale[get8(f) % (f->nstale < NMO ? f->nstale : NMO)];

			EXPECT(rmo_for_device(mo) == -ESTALE && rmo_for_cpu(mo) == -ESTALE &&
			       rmo_unregister(mo) == -ESTALE, "stale registration not refused");
		}
		break;
	}
}

/* ---- reusable scatterlists (the seed's, sg_reuse.h) -------------------- */

static void sgr_unmapped(void *arg, struct rmo *mo)
{
	(void)arg;
	(void)mo;
}

static void op_sg_reuse(struct fz *f)
{
	unsigned int how = get8(f) % 6;
	struct sgr *l = &f->sl[get8(f) % 2];
	int r;

	if (!f->reuse)
		return;
	switch (how) {
	case 0:		/* mark a new list; marking it twice is refused */
		if (l->marked) {
			r = sg_mark_reusable(l->sg, l->nents, f->reuse, sgr_unmapped, f);
			EXPECT(r == -EINVAL, "second mark: %d", r);
			return;
		}
		memset(l, 0, sizeof(*l));
		l->nents = 1 + (int)(get8(f) % 2);
		l->dir = get_dir(f);
		sg_init_table(l->sg, 2);
		for (int e = 0; e < l->nents; e++) {
			int b = (int)(get8(f) % NBLK);
			size_t off = get16(f) % PAGE_SIZE, len = 1 + get16(f) % (BLK_BYTES - off);

			if (!f->blk[b].owned || overlaps(f, b, off, len) ||
			    (e && l->blk[0] == b))
				return;
			l->blk[e] = b;
			l->off[e] = off;
			sg_set_page(&l->sg[e], f->blk[b].pfn, (unsigned int)len, (unsigned int)off);
		}
		r = reuse_map_sg(l->sg, l->nents, l->dir);
		EXPECT(r == -ENOENT, "an unmarked list mapped by reuse: %d", r);
		r = sg_mark_reusable(l->sg, l->nents, f->reuse, sgr_unmapped, f);
		if (r) {
			EXPECT(f->injected && r == -ENOMEM, "sg_mark_reusable: %d", r);
			return;
		}
		EXPECT(sg_is_reusable(l->sg), "marked list not reusable");
		l->marked = true;
		break;
	case 1:		/* hand it to the device; a second time is refused */
		if (!l->marked || l->orphan)
			return;
		r = reuse_map_sg(l->sg, l->nents, l->dir);
		if (l->in_flight) {
			EXPECT(r == -EINVAL, "list mapped twice: %d", r);
			return;
		}
		if (r == -ENOMEM && f->injected)
			return;
		EXPECT(r == 0, "reuse_map_sg of a marked list: %d", r);
		l->in_flight = true;
		l->mapped_once = true;
		break;
	case 2:		/* take it back; without a transfer refused */
		if (!l->marked)
			return;
		r = reuse_unmap_sg(l->sg, l->nents, l->dir);
		EXPECT(r == (l->in_flight ? 0 : l->mapped_once ? -EINVAL : -ENOENT),
		       "reuse_unmap_sg: %d (in flight %d)", r, l->in_flight);
		l->in_flight = false;
		break;
	case 3:		/* the wrong count or direction: refused */
		if (!l->marked || !l->in_flight)
			return;
		r = reuse_unmap_sg(l->sg, l->nents, (enum dma_data_direction)((l->dir + 1) % 3));
		EXPECT(r == -EINVAL, "reuse_unmap_sg with another direction: %d", r);
		break;
	case 4: {	/* the device reads entry 0 */
		uint8_t buf[BLK_BYTES];
		size_t len = l->sg[0].length;

		if (!l->marked || !l->in_flight || !can_read(l->dir))
			return;
		EXPECT(mdev_access(dma_device_mdev(f->dev), l->sg[0].dma_address, buf, len,
				   DEV_READ) == 0, "reusable list read faulted");
		EXPECT(!memcmp(buf, blk_va(f, l->blk[0]) + l->off[0], len),
		       "reusable list read wrong bytes");
		break;
	}
	default:	/* stop reuse: -EBUSY in flight; after it -ESTALE */
		if (!l->marked)
			return;
		r = sg_mark_stop_reuse(l->sg);
		if (l->in_flight) {
			EXPECT(r == -EBUSY, "stop-reuse in flight: %d", r);
			return;
		}
		EXPECT(r == 0, "stop-reuse: %d", r);
		EXPECT(!sg_is_reusable(l->sg), "stopped list still reusable");
		if (l->mapped_once)
			EXPECT(reuse_map_sg(l->sg, l->nents, l->dir) == -ESTALE,
			       "a stopped list mapped");
		l->marked = false;
		break;
	}
}

/* ---- the strategy table ---------------------------------------------- */

/* Names and pairs agree both ways; refused pairs say why and isolate nothing. */
static void op_names(struct fz *f)
{
	int s = (int)(get8(f) % (RS_COUNT + 2)) - 1;
	struct reuse_pair p = { (enum reuse_mode)(get8(f) % (RMODE_COUNT + 1)),
				(enum reuse_mech)(get8(f) % (RMECH_COUNT + 1)) };
	enum dma_domain_type t;
	const char *why = reuse_pair_why_not(p);
	char name[16];
	size_t n = get8(f) % sizeof(name);

	if (s >= 0 && s < RS_COUNT) {
		struct reuse_pair q = reuse_strategy_pair((enum reuse_strategy)s);

		EXPECT(reuse_strategy_parse(reuse_strategy_name((enum reuse_strategy)s)) == s,
		       "strategy %d: name does not parse back", s);
		EXPECT(reuse_pair_strategy(q) == s, "strategy %d: pair does not name it", s);
		EXPECT(!reuse_pair_why_not(q), "named strategy %d refused", s);
		EXPECT(strcmp(reuse_strategy_isolation((enum reuse_strategy)s), "?") &&
		       strcmp(reuse_strategy_isolation_class((enum reuse_strategy)s), "?"),
		       "strategy %d has no isolation", s);
		EXPECT(reuse_mode_parse(reuse_mode_name(q.mode)) == (int)q.mode,
		       "mode name does not parse back");
	} else {
		EXPECT(!strcmp(reuse_strategy_name((enum reuse_strategy)s), "?"),
		       "strategy %d has a name", s);
	}
	if (p.mode < RMODE_COUNT && p.mech < RMECH_COUNT) {
		EXPECT(strcmp(reuse_pair_isolation_class(p), "?") &&
		       strcmp(reuse_pair_isolation(p), "?"), "pair has no isolation");
		EXPECT(strcmp(reuse_pair_isolation_class(p), "breach") || why,
		       "a breach pair allowed");
		EXPECT(strcmp(reuse_mech_name(p.mech), "?") &&
		       strcmp(reuse_use_name(p.mode, p.mech), "?"), "mech or use unnamed");
		EXPECT(reuse_mode_domain(p.mode, &t) == 0, "mode %d has no domain", p.mode);
		if (reuse_pair_strategy(p) >= 0)
			EXPECT(!why, "a named pair refused");
	} else {
		EXPECT(why && !reuse_pair_isolating(p), "a value out of range accepted");
		EXPECT(p.mode < RMODE_COUNT || reuse_mode_domain(p.mode, &t) == -EINVAL,
		       "mode %d out of range given a domain", p.mode);
	}
	/* Any string: parses to a strategy only if it is one's name. */
	for (size_t i = 0; i < n; i++)
		name[i] = (char)(get8(f) % 128);
	name[n] = 0;
	s = reuse_strategy_parse(name);
	EXPECT(s < 0 || !strcmp(reuse_strategy_name((enum reuse_strategy)s), name),
	       "\"%s\" parsed to strategy %d", name, s);
	EXPECT(reuse_mode_parse(name) < 0 ||
	       !strcmp(reuse_mode_name((enum reuse_mode)reuse_mode_parse(name)), name),
	       "\"%s\" parsed to a mode", name);
}

/* ---- how a bounce pool copies ------------------------------------------ */

static void op_bounce_copy(struct fz *f)
{
	unsigned int how = get8(f) % 4;
	struct rbounce_copy_tally t;
	struct rcopy_est e;
	char note[128];
	size_t bytes;
	int r;

	switch (how) {
	case 0:		/* force a method, or AUTO; anything else refused */
	{
		unsigned int m = get8(f) % 4;

		r = rbounce_set_copy(f->bounce, (enum rcopy_method)m);
		EXPECT(r == (m <= RCOPY_AUTO ? 0 : -EINVAL), "set_copy(%u): %d", m, r);
		if (m == RCOPY_STREAM)
			EXPECT(rbounce_copy_streams(f->bounce, PAGE_SIZE), "forced stream not used");
		if (m == RCOPY_CACHED)
			EXPECT(!rbounce_copy_streams(f->bounce, PAGE_SIZE), "forced cached streams");
	}
		break;
	case 1: {	/* each area's chooser; out of range refused */
		unsigned int area = get8(f) % (rbounce_nareas(f->bounce) + 1);
		unsigned int cls = get8(f) % (RBOUNCE_NCLASSES + 1);

		r = rbounce_copy_state(f->bounce, area, cls, &bytes, &e);
		EXPECT((r < 0) == (area >= rbounce_nareas(f->bounce) || cls >= RBOUNCE_NCLASSES),
		       "copy_state(%u, %u): %d", area, cls, r);
		EXPECT(r < 0 || r == RCOPY_CACHED || r == RCOPY_STREAM, "copy_state method %d", r);
		break;
	}
	case 2:
		memset(&t, 0, sizeof(t));
		rbounce_copy_tally(f->bounce, &t);
		rbounce_copy_tally(NULL, &t);
		rbounce_copy_note(&t, note, 1 + get8(f) % sizeof(note));
		for (int c = 0; c < RBOUNCE_NCLASSES; c++)
			EXPECT(t.streams[c] <= t.chose[c], "more areas stream than chose");
		break;
	default: {	/* a chooser fed a fuzzed history settles on a method */
		bool timed;

		memset(&e, 0, sizeof(e));
		for (unsigned int k = 0, n = get8(f); k < n; k++) {
			enum rcopy_method m = rcopy_est_pick(&e, &timed);

			EXPECT(m == RCOPY_CACHED || m == RCOPY_STREAM, "pick %d", m);
			if (timed)
				rcopy_est_record(&e, m, get8(f) << (get8(f) % 16));
		}
		break;
	}
	}
}

/* ---- cache, batch, mapper upkeep ---------------------------------------- */

static void op_upkeep(struct fz *f)
{
	unsigned int how = get8(f) % 7;

	switch (how) {
	case 0:
		if (f->cache)
			rcache_reclaim(f->cache);
		break;
	case 1:
		if (f->cache)
			EXPECT(rcache_shrink(f->cache, get8(f) % 8) <= 8, "shrink released too many");
		break;
	case 2:
		if (f->batch)
			rbatch_flush(f->batch);
		break;
	case 3:
		if (f->batch)
			rbatch_flush_all(f->batch);
		break;
	case 4:
		if (f->mapper) {
			rmapper_maintain(f->mapper);
			EXPECT(rmapper_mech(f->mapper) == f->mech, "mapper mechanism");
			EXPECT((rmapper_crossover(f->mapper) != 0) == (f->mech == RMECH_AUTO),
			       "crossover %zu", rmapper_crossover(f->mapper));
			EXPECT(!rmapper_bounce(f->mapper) ==
			       (f->mech == RMECH_NONE || f->mech == RMECH_IOVA_LINK ||
				f->mech == RMECH_BATCH), "mapper bounce pool");
		}
		break;
	case 5:
		if (f->mapper) {
			size_t nr = get8(f) % 8;

			EXPECT(rmapper_shrink(f->mapper, nr) <= nr, "mapper shrink released too many");
			rmapper_flush(f->mapper);
		}
		break;
	default:
		os_set_cpu(get8(f) % f->ncpus);
		break;
	}
}

/* Destroy while lent: -EBUSY, and the object still works. */
static void op_destroy_busy(struct fz *f)
{
	unsigned int n[O_COUNT] = { 0 };
	int r;

	for (int i = 0; i < NH; i++)
		if (f->h[i].live)
			n[f->h[i].o]++;
	switch (get8(f) % 5) {
	case 0:
		if (f->bounce && n[O_BOUNCE])
			EXPECT((r = rbounce_destroy(f->bounce)) == -EBUSY, "bounce destroy: %d", r);
		break;
	case 1:
		if (f->cache && n[O_CACHE])
			EXPECT((r = rcache_destroy(f->cache)) == -EBUSY, "cache destroy: %d", r);
		break;
	case 2:
		if (f->link && n[O_LINK])
			EXPECT((r = rlink_destroy(f->link)) == -EBUSY, "link destroy: %d", r);
		break;
	case 3:
		if (f->batch && (n[O_BATCH] || n[O_RING] || f->ring))
			EXPECT((r = rbatch_destroy(f->batch)) == -EBUSY, "batch destroy: %d", r);
		if (f->ring && n[O_RING])
			EXPECT((r = rbatch_ring_destroy(f->ring)) == -EBUSY, "ring destroy: %d", r);
		break;
	default:
		if (f->mapper && n[O_MAPPER])
			EXPECT((r = rmapper_destroy(f->mapper)) == -EBUSY, "mapper destroy: %d", r);
		break;
	}
}

/* ---- setup and teardown -------------------------------------------------- */

static void safety_hook(void *arg, pfn_t pfn, unsigned int order)
{
	struct fz *f = arg;

	if (!f->armed_hook)
		return;
	for (pfn_t i = 0; i < ((pfn_t)1 << order); i++) {
		bool owners = false;

		if (f->type == DMA_DOMAIN_LAZY) {
			for (int b = 0; b < NBLK; b++)
				owners |= pfn + i >= f->blk[b].pfn && pfn + i < f->blk[b].pfn + 2;
			if (!owners)
				continue;
		}
		if (iommu_frame_reachable(f->m, pfn + i))
			fail("frame %#llx freed while a translation reaches it",
			     (unsigned long long)(pfn + i));
	}
}

static void create_objects(struct fz *f, unsigned int cfg, unsigned int bsize)
{
	static const enum reuse_mech mechs[] = {
		RMECH_NONE, RMECH_BOUNCE, RMECH_CACHE, RMECH_IOVA_LINK, RMECH_AUTO, RMECH_BATCH,
		RMECH_REUSE, RMECH_POOL,
	};
	struct rmapper_cfg mc = { .bounce_bytes = 1u << 20, .cache_entries = 8,
				  .cache_bytes = 16 * PAGE_SIZE, .link_bytes = 16 * PAGE_SIZE,
				  .auto_crossover = 2048 };
	bool lazy = f->type == DMA_DOMAIN_LAZY, pt = f->type == DMA_DOMAIN_PASSTHROUGH;

	f->bounce = rbounce_create(f->dev, 512u << 10);
	f->reuse = rreuse_create(f->dev);
	EXPECT(!f->reuse == lazy, "rreuse_create on %s", dma_domain_type_name(f->type));
	f->pool_dir = (enum dma_data_direction)(cfg >> 6 & 3) % 3;
	f->pool = rpool_create(f->dev, PAGE_SIZE, NPB, f->pool_dir);
	f->cache = rcache_create(f->dev, 6, 12 * PAGE_SIZE);
	EXPECT(!f->cache == lazy, "rcache_create on %s", dma_domain_type_name(f->type));
	f->link = rlink_create(f->dev, 8 * PAGE_SIZE);
	EXPECT(!f->link == pt, "rlink_create on %s", dma_domain_type_name(f->type));
	f->batch = rbatch_create(f->dev, bsize % 9);
	EXPECT(f->batch, "rbatch_create(%u)", bsize % 9);
	f->ring = rbatch_ring_create(f->batch, RING_SLOTS, PAGE_SIZE);
	EXPECT(!f->ring == pt, "rbatch_ring_create on %s", dma_domain_type_name(f->type));
	f->mech = mechs[(cfg >> 3) % ARRAY_SIZE(mechs)];
	if (lazy && f->mech == RMECH_NONE)
		f->mech = RMECH_BATCH;	/* a plain lazy unmap breaks the rule by design */
	f->mapper = rmapper_create(f->dev, f->mech, &mc);
	if (f->mech == RMECH_REUSE || f->mech == RMECH_POOL)
		EXPECT(!f->mapper && rmapper_why_not(f->mech), "mapper over %s",
		       reuse_mech_name(f->mech));
	else if (lazy && (f->mech == RMECH_CACHE || f->mech == RMECH_AUTO))
		EXPECT(!f->mapper, "mapper %s on lazy", reuse_mech_name(f->mech));
	else if (pt && f->mech == RMECH_IOVA_LINK)
		EXPECT(!f->mapper, "iova-link mapper under passthrough");
	else
		EXPECT(f->mapper, "mapper %s not created", reuse_mech_name(f->mech));
	EXPECT(f->bounce && f->pool, "bounce or pool not created");
}

static void destroy_objects(struct fz *f)
{
	for (int i = 0; i < NH; i++)
		if (f->h[i].live) {
			EXPECT(give_back(f, f->h[i].o, &f->h[i].h, 0, false) == 0, "final unmap");
			retire(f, &f->h[i]);
		}
	for (int i = 0; i < NPB; i++)
		if (f->pb[i].live)
			EXPECT(rpool_put(f->pool, f->pb[i].b, 0) == 0, "final pool put");
	for (int i = 0; i < NMO; i++)
		if (f->mo[i].live) {
			if (f->mo[i].in_flight)
				EXPECT(rmo_for_cpu(f->mo[i].mo) == 0, "final for_cpu");
			EXPECT(rmo_unregister(f->mo[i].mo) == 0, "final unregister");
		}
	for (int i = 0; i < 2; i++)
		if (f->sl[i].marked) {
			if (f->sl[i].in_flight)
				EXPECT(reuse_unmap_sg(f->sl[i].sg, f->sl[i].nents, f->sl[i].dir) == 0,
				       "final reuse_unmap_sg");
			EXPECT(sg_mark_stop_reuse(f->sl[i].sg) == 0, "final stop-reuse");
		}
	EXPECT(rmapper_destroy(f->mapper) == 0 || !f->mapper, "mapper destroy");
	EXPECT(!f->ring || rbatch_ring_destroy(f->ring) == 0, "ring destroy");
	EXPECT(rbatch_destroy(f->batch) == 0, "batch destroy");
	EXPECT(!f->link || rlink_destroy(f->link) == 0, "link destroy");
	EXPECT(!f->cache || rcache_destroy(f->cache) == 0, "cache destroy");
	EXPECT(rpool_destroy(f->pool) == 0, "pool destroy");
	EXPECT(!f->reuse || rreuse_destroy(f->reuse) == 0, "reuse destroy: live registrations");
	EXPECT(rbounce_destroy(f->bounce) == 0, "bounce destroy");
	for (int b = 0; b < NBLK; b++)
		EXPECT(!f->pend[b], "block %d: a notify unmap never completed", b);
}

static void run(struct fz *f)
{
	static struct machine *machine;
	struct machine_config mcfg = { .mem_bytes = 16u << 20 };
	unsigned int cfg = get8(f), bsize = get8(f);
	struct os_config oc = { .ncpus = 1 + (cfg >> 2 & 1), .swiotlb_bytes = 256u << 10 };
	struct dma_device_opts o;
	bool trace = getenv("FUZZ_TRACE") != NULL;	/* print each op (replaying) */

	f->type = (enum dma_domain_type)(cfg % 3);
	f->untrusted = bsize & 128;
	f->ncpus = oc.ncpus;
	o = (struct dma_device_opts){ .type = f->type, .untrusted = f->untrusted };
	/* One machine for every input (see fuzz_dma_ops.c). */
	if (!machine)
		machine = machine_create(&mcfg);
	f->m = machine;
	oc.machine = machine;
	f->os = machine ? os_create(&oc) : NULL;
	if (!f->os)
		fail("lab setup failed");
	f->pa = os_page_alloc(f->os);
	f->used0 = page_alloc_used_frames(f->pa);
	page_alloc_add_free_hook(f->pa, safety_hook, f);
	os_set_cpu(0);
	f->dev = dma_device_create(f->os, "fuzz", &o);
	if (!f->dev)
		fail("device creation failed");
	create_objects(f, cfg, bsize);
	for (int b = 0; b < NBLK; b++)
		f->blk[b].owned = pages_alloc(f->pa, 1, 91, true, &f->blk[b].pfn) == 0;
	f->armed_hook = true;
	for (f->step = 0; !fuzz_done(&f->in) && f->step < MAXOPS; f->step++) {
		unsigned int op = get8(f), arm = 0;

		if (op >= 0xf0) {
			arm = 1 + (op & 15);
			op = get8(f);
		}
		if (trace)
			fprintf(stderr, "step %d: op %u (case %u), inject at %u\n", f->step, op,
				op % 16, arm);
		f->injected = arm != 0;
		if (arm)
			failinject_arm(arm);
		switch (op % 16) {
		case 0: case 1: case 2: op_map(f); break;
		case 3: op_unmap(f); break;
		case 4: op_sync(f); break;
		case 5: case 6: op_dev(f, op & 1); break;
		case 7: op_misuse(f); break;
		case 8: op_pool(f); break;
		case 9: op_reuse(f); break;
		case 10: op_owner(f); break;
		case 12: op_sg_reuse(f); break;
		case 13: op_names(f); break;
		case 14: op_bounce_copy(f); break;
		case 15: op_map(f); break;
		default:
			if (op & 16)
				op_destroy_busy(f);
			else
				op_upkeep(f);
			break;
		}
		if (arm)
			failinject_disarm();
		f->injected = false;
		check_in_use(f);
	}
	destroy_objects(f);
	for (int b = 0; b < NBLK; b++)
		if (f->blk[b].owned)
			page_put(f->pa, f->blk[b].pfn);
	dma_flush_lazy(f->dev);
	EXPECT(dma_device_destroy(f->dev) == 0, "teardown found mappings left");
	f->armed_hook = false;
	EXPECT(os_swiotlb_used_slots(f->os) == 0, "swiotlb slots leaked");
	EXPECT(page_alloc_used_frames(f->pa) == f->used0, "frames leaked: %zu",
	       page_alloc_used_frames(f->pa) - f->used0);
	EXPECT(os_destroy(f->os) == 0, "os_destroy found leaked frames");
}

/**
 * LLVMFuzzerTestOneInput() - run one input as a program over the reuse layer
 * @data: the program
 * @size: its length
 *
 * Return: 0; a mismatch with the model or a broken safety rule aborts.
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
