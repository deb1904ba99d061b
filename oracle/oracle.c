// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * oracle.c - the isolation oracle (docs/design.md section 8; classes in oracle.h).
 *
 * What it keeps.  A record per buffer lent to a device: DMA address, size,
 * the physical bytes the device reaches (the bounce slot when bounced),
 * direction, state (LENT, CPU = synced for the CPU, DEAD = unmapped) and,
 * per frame, the owner and generation the frame had when it was lent.
 * Records are found two ways:
 *   - by frame: frame[pfn] is a chain of frame references (one per record
 *     and frame), under stripe[pfn % STRIPES].  An access chunk reaches one
 *     frame, so classification takes one stripe lock and walks one chain;
 *   - by DMA address: each device's live[] hash holds its LENT and CPU
 *     records, under odev->lock, for the unmap and sync events.  An unmap
 *     event on a translating domain retires every record that tiles its
 *     range from its address on (one event per run of touching iova
 *     links; see on_unmap()).
 * Unmapped records leave live[] for a FIFO of dead records; beyond
 * max_dead the oldest is retired (unlinked from its chains and freed), so
 * memory is bounded by live mappings + max_dead.
 *
 * How a chunk is classified (classify()): a free frame is a breach.  Else
 * the device's records on the frame whose owner and generation still match
 * ("same life") decide, current state first: bytes covered by LENT records
 * of the access's direction are ok; bytes covered by those and by mapped
 * records the CPU owns now (synced for the CPU) are stale (between uses);
 * otherwise a page holding any LENT record is subpage (the page is exposed
 * because part of it is lent now); otherwise the page was lent earlier in
 * this life -- unmapped, reached through a stale IOTLB entry -- and it is
 * stale.  Current state goes first so that a strict domain, where nothing
 * unmapped is reachable, never shows stale except between uses.  Without a
 * record of the current life the hardware decides: a present PTE mapping
 * the address to the frame = stale (a map in flight: the MAP event follows
 * the PTE; or a lazy or deferred unmap in flight whose record was retired:
 * their UNMAP precedes the clear); otherwise records of an earlier life
 * only (the frame was freed since) = breach; no record at all = breach
 * (passthrough, or a retired record).
 *
 * Races with an unmap.  An access is translated first and classified
 * after, inside the access (the machine calls its observers there).  The
 * DMA layer tells an unmap where the lending ends (os/dma.c): a
 * synchronous one -- strict, bounce, coherent free, iova unlink -- only
 * once its PTEs are cleared and its synced invalidation has returned, and
 * that CMD_SYNC waits for every access already translating
 * (machine_drain_accesses(), cmdq.c), classification included.  So an
 * access that used a translation of a buffer is classified before the
 * buffer's UNMAP is heard: inside the unmap call it is ok (or blocked),
 * never stale; after the return it is blocked.  In virtual time the drain
 * is a wait like any other, so this holds there too and the outcome
 * follows from the clocks alone.  A lazy or deferred unmap returns before
 * its invalidation and is told before its PTEs are cleared: an access
 * after that event through the IOTLB is stale (its window) or, once the
 * frame is freed, a breach.
 *
 * Device table: devs[] is a hash of singly linked chains that only grow;
 * a new odev is fully built before it is published with an atomic store
 * (release), so the access path looks devices up without a lock.
 *
 * Lifetime.  The page allocator cannot remove a free hook and os/ does not
 * synchronise its DMA observer, so both are registered with a hook_cell
 * that, once registered, is never freed (attach fails, freeing it, if the
 * allocator has no hook slot left): detach empties the cell and waits
 * until no caller is inside (cell->busy, Dekker-style with seq_cst
 * atomics, as machine_remove_observer() does).  The access observer is removed with
 * machine_remove_observer(), which waits by itself.
 *
 * Locks: stripe[] (frame chains), odev->lock (live[]), dead_lock (dead
 * FIFO), devs_lock (device insertion and the order list), log_lock
 * (findings).  None of them nests inside another: each path takes one at a
 * time, and classify() drops its stripe before it asks the IOMMU (whose
 * domain lock it then takes).  A record is freed only after it was
 * unlinked from every chain under that chain's stripe, so a reader holding
 * a stripe never sees a freed record.
 *
 * Size: over 800 lines, one file on purpose.  The records, the events that
 * change them, the classification that reads them and the reports share
 * struct rec, the stripes and the lock rules above; split, each part would
 * need them through a private header, and the rule that makes a reader
 * safe (unlink under every stripe before the free) would no longer be
 * checked by reading one file.
 */
#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/oracle.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 1024
#define DEV_BUCKETS 64
#define REC_BUCKETS 256
#define FINDINGS 64
#define DEFAULT_MAX_DEAD 16384

enum rec_state { REC_LENT, REC_CPU, REC_DEAD };

struct rec;
struct odev;

struct fref {
	struct fref *next;		/* frame[pfn] chain, under its stripe */
	struct rec *rec;
	uint32_t gen, owner;		/* of the frame when it was lent */
};

struct rec {
	struct rec *hnext;		/* odev->live[] chain, under odev->lock */
	struct rec *dnext;		/* dead FIFO, under dead_lock */
	struct odev *dev;
	dma_addr_t addr;
	size_t size;
	phys_addr_t phys;
	enum dma_data_direction dir;
	bool coherent;
	_Atomic int state;		/* enum rec_state */
	pfn_t first;			/* frame of @phys */
	size_t nframes;
	struct fref fr[];		/* [nframes] */
};

struct odev {
	struct odev *next;		/* devs[] chain; immutable once published */
	struct odev *order_next;	/* appearance order, under devs_lock */
	unsigned int id;
	char name[32];
	_Atomic bool passthrough;
	struct mlock lock;		/* protects live[] */
	struct rec *live[REC_BUCKETS];
	_Atomic uint64_t n[ORACLE_NCLASS];
	_Atomic uint64_t blocked, freed_mapped;
};

/* Registered with os/ and the page allocator; never freed (see top). */
struct hook_cell {
	struct hook_cell *next;		/* all cells, under cells_lock */
	_Atomic(struct oracle *) o;
	_Atomic unsigned int busy;	/* callers inside; detach waits for 0 */
};

struct oracle {
	struct os *os;
	struct machine *m;
	struct page_alloc *pa;
	size_t nframes;
	size_t max_dead;
	struct hook_cell *cell;
	struct fref **frame;		/* [nframes] chain heads */
	struct mlock stripe[STRIPES];	/* stripe[p % STRIPES] protects frame[p] */
	struct mlock devs_lock;	/* protects insertion, order list, ndevs */
	_Atomic(struct odev *) devs[DEV_BUCKETS];
	struct odev *order_head, **order_tail;
	unsigned int ndevs;
	struct mlock dead_lock;	/* protects the dead FIFO and ndead */
	struct rec *dead_head, *dead_tail;
	size_t ndead;
	_Atomic uint64_t nlive, retired, unknown;
	struct mlock log_lock;	/* protects log[] and nlog */
	struct oracle_finding log[FINDINGS];
	uint64_t nlog;
};

static struct mlock cells_lock = MLOCK_INITIALIZER("oracle cells", MLOCK_FREE);
static struct hook_cell *cells;		/* keeps every cell reachable */

#define cnt_inc(p) atomic_fetch_add_explicit((p), 1, memory_order_relaxed)

const char *oracle_class_name(enum oracle_class c)
{
	switch (c) {
	case ORACLE_OK: return "ok";
	case ORACLE_STALE: return "stale";
	case ORACLE_SUBPAGE: return "subpage";
	case ORACLE_BREACH: return "breach";
	default: return "?";
	}
}

static struct mlock *stripe_of(struct oracle *o, pfn_t pfn)
{
	return &o->stripe[pfn % STRIPES];
}

/* ---- devices -------------------------------------------------------------- */

static struct odev *find_dev(struct oracle *o, unsigned int id)
{
	/* Pairs with the release store that publishes a new odev below. */
	struct odev *od = atomic_load_explicit(&o->devs[id % DEV_BUCKETS],
					       memory_order_acquire);

	for (; od; od = od->next)
		if (od->id == id)
			return od;
	return NULL;
}

/* The record of @hw, created on first sight; NULL only if out of memory. */
static struct odev *get_dev(struct oracle *o, const struct mdev *hw)
{
	unsigned int id = mdev_id(hw);
	struct odev *od = find_dev(o, id);
	struct iommu_domain *d;

	if (od)
		return od;
	mlock_lock(&o->devs_lock);
	od = find_dev(o, id);
	if (od || !(od = calloc(1, sizeof(*od))))
		goto out;
	od->id = id;
	snprintf(od->name, sizeof(od->name), "%s", mdev_name(hw));
	d = mdev_domain(hw);
	atomic_init(&od->passthrough, d && iommu_domain_is_identity(d));
	mlock_init(&od->lock, "oracle device", MLOCK_FREE);
	od->next = atomic_load(&o->devs[id % DEV_BUCKETS]);
	*o->order_tail = od;
	o->order_tail = &od->order_next;
	o->ndevs++;
	/* Publish a fully built odev; pairs with find_dev()'s acquire. */
	atomic_store_explicit(&o->devs[id % DEV_BUCKETS], od, memory_order_release);
out:
	mlock_unlock(&o->devs_lock);
	return od;
}

/* ---- records ---------------------------------------------------------------- */

static size_t rec_bucket(dma_addr_t addr)
{
	return (size_t)((addr >> PAGE_SHIFT) ^ (addr >> 21)) % REC_BUCKETS;
}

/*
 * The live record of @od for an event at @addr: exact address and size
 * first, then exact address, then (no dma_debug: any address inside) the
 * record containing @addr.  Unlinks it from live[] if @take.  Under od->lock.
 */
static struct rec *find_live_locked(struct odev *od, dma_addr_t addr, size_t size,
				    bool take)
{
	struct rec **best = NULL, **pp;
	size_t b = rec_bucket(addr);

	mlock_assert_held(&od->lock);

	for (pp = &od->live[b]; *pp; pp = &(*pp)->hnext) {
		if ((*pp)->addr != addr)
			continue;
		if ((*pp)->size == size) {
			best = pp;
			break;
		}
		if (!best)
			best = pp;
	}
	for (size_t i = 0; !best && i < REC_BUCKETS; i++)
		for (pp = &od->live[i]; *pp; pp = &(*pp)->hnext)
			if (addr >= (*pp)->addr && addr - (*pp)->addr < (*pp)->size) {
				best = pp;
				break;
			}
	if (!best)
		return NULL;
	{
		struct rec *r = *best;

		if (take)
			*best = r->hnext;
		return r;
	}
}

static void rec_link_frames(struct oracle *o, struct rec *r)
{
	for (size_t i = 0; i < r->nframes; i++) {
		pfn_t pfn = r->first + i;
		struct mlock *l = stripe_of(o, pfn);

		mlock_lock(l);
		r->fr[i].next = o->frame[pfn];
		o->frame[pfn] = &r->fr[i];
		mlock_unlock(l);
	}
}

static void rec_unlink_frames(struct oracle *o, struct rec *r)
{
	for (size_t i = 0; i < r->nframes; i++) {
		pfn_t pfn = r->first + i;
		struct mlock *l = stripe_of(o, pfn);
		struct fref **pp;

		mlock_lock(l);
		for (pp = &o->frame[pfn]; *pp; pp = &(*pp)->next)
			if (*pp == &r->fr[i]) {
				*pp = r->fr[i].next;
				break;
			}
		mlock_unlock(l);
	}
}

static void on_map(struct oracle *o, const struct dma_event *ev)
{
	bool pt = dma_device_type(ev->dev) == DMA_DOMAIN_PASSTHROUGH;
	struct odev *od = get_dev(o, ev->hw);
	size_t nframes;
	struct rec *r;
	pfn_t first;

	if (!od)
		return;
	atomic_store(&od->passthrough, pt);
	first = ev->phys >> PAGE_SHIFT;
	nframes = DIV_ROUND_UP((ev->phys & ~PAGE_MASK) + ev->size, PAGE_SIZE);
	if ((!ev->phys && !pt) || !ev->size || first + nframes > o->nframes ||
	    !(r = calloc(1, sizeof(*r) + nframes * sizeof(r->fr[0])))) {
		cnt_inc(&o->unknown);
		return;
	}
	*r = (struct rec){
		.dev = od, .addr = ev->addr, .size = ev->size, .phys = ev->phys,
		.dir = ev->dir, .coherent = ev->coherent, .first = first,
		.nframes = nframes,
	};
	atomic_init(&r->state, REC_LENT);
	for (size_t i = 0; i < nframes; i++) {
		r->fr[i].rec = r;
		r->fr[i].gen = page_generation(o->pa, first + i);
		r->fr[i].owner = page_owner(o->pa, first + i);
	}
	rec_link_frames(o, r);
	mlock_lock(&od->lock);
	r->hnext = od->live[rec_bucket(r->addr)];
	od->live[rec_bucket(r->addr)] = r;
	mlock_unlock(&od->lock);
	cnt_inc(&o->nlive);
}

/*
 * The live record of @od at exactly @addr that ends at or before @end, or
 * NULL; unlinked from live[].  Under od->lock.
 */
static struct rec *take_tile_locked(struct odev *od, dma_addr_t addr, dma_addr_t end)
{
	mlock_assert_held(&od->lock);

	for (struct rec **pp = &od->live[rec_bucket(addr)]; *pp; pp = &(*pp)->hnext) {
		struct rec *r = *pp;

		if (r->addr == addr && r->size <= end - addr) {
			*pp = r->hnext;
			return r;
		}
	}
	return NULL;
}

/* Move an unmapped record, already out of live[], to the dead FIFO. */
static void retire_live(struct oracle *o, struct rec *r)
{
	struct rec *old = NULL;

	atomic_store(&r->state, REC_DEAD);
	atomic_fetch_sub(&o->nlive, 1);
	mlock_lock(&o->dead_lock);
	r->dnext = NULL;
	if (o->dead_tail)
		o->dead_tail->dnext = r;
	else
		o->dead_head = r;
	o->dead_tail = r;
	if (++o->ndead > o->max_dead) {
		old = o->dead_head;
		o->dead_head = old->dnext;
		if (!o->dead_head)
			o->dead_tail = NULL;
		o->ndead--;
	}
	mlock_unlock(&o->dead_lock);
	if (old) {
		rec_unlink_frames(o, old);
		free(old);
		cnt_inc(&o->retired);
	}
}

/*
 * An unmap event retires the record find_live_locked() picks.  When that
 * record starts at the event's address but is shorter, and the device
 * translates, the event may cover several records that tile its range:
 * dma_iova_unlink() and dma_iova_free() send one event per run of linked
 * pages, and links that touch (contiguous in IOVA and physical memory, one
 * permission) form one run.  Those records are retired too, each starting
 * where the one before ends and ending inside the range.  IOVAs of live
 * mappings never overlap on a translating domain, so a record found so is
 * one the event took back; under passthrough, where buffers may share
 * addresses, only the first record is retired.
 */
static void on_unmap(struct oracle *o, const struct dma_event *ev)
{
	struct odev *od = find_dev(o, mdev_id(ev->hw));
	struct rec *r = NULL, *tiles = NULL, **tail = &tiles;

	if (od) {
		mlock_lock(&od->lock);
		r = find_live_locked(od, ev->addr, ev->size, true);
		if (r && r->addr == ev->addr && r->size < ev->size &&
		    !atomic_load(&od->passthrough)) {
			dma_addr_t end = ev->addr + ev->size, cur = r->addr + r->size;
			struct rec *t;

			while (cur < end && (t = take_tile_locked(od, cur, end))) {
				cur += t->size;
				*tail = t;
				tail = &t->hnext;
			}
			*tail = NULL;
		}
		mlock_unlock(&od->lock);
	}
	if (!r) {
		cnt_inc(&o->unknown);
		return;
	}
	retire_live(o, r);
	while (tiles) {
		struct rec *t = tiles;

		tiles = t->hnext;
		retire_live(o, t);
	}
}

static void on_sync(struct oracle *o, const struct dma_event *ev, enum rec_state st)
{
	struct odev *od = find_dev(o, mdev_id(ev->hw));
	struct rec *r = NULL;

	if (od) {
		mlock_lock(&od->lock);
		r = find_live_locked(od, ev->addr, ev->size, false);
		if (r)
			atomic_store(&r->state, st);
		mlock_unlock(&od->lock);
	}
	if (!r)
		cnt_inc(&o->unknown);
}

/* ---- classification --------------------------------------------------------- */

/*
 * Which same-life records count for covered(): WANT_OK the ones lent for
 * this access's direction; WANT_MAPPED those plus the mapped ones the CPU
 * owns now (synced for the CPU).
 */
enum want { WANT_OK, WANT_MAPPED };

static bool dir_allows(enum dma_data_direction dir, enum dev_access acc)
{
	if (dir == DMA_BIDIRECTIONAL)
		return true;
	return acc == DEV_READ ? dir == DMA_TO_DEVICE : dir == DMA_FROM_DEVICE;
}

/* Bytes [*lo, *hi) of frame @pfn that record @r covers. */
static void rec_span(const struct rec *r, pfn_t pfn, size_t *lo, size_t *hi)
{
	phys_addr_t base = (phys_addr_t)pfn << PAGE_SHIFT;
	phys_addr_t s = r->phys > base ? r->phys : base;
	phys_addr_t e = r->phys + r->size < base + PAGE_SIZE ? r->phys + r->size :
			base + PAGE_SIZE;

	*lo = s - base;
	*hi = e > s ? e - base : *lo;
}

/*
 * Are bytes [off, end) of @pfn covered by the union of @od's same-life
 * records that pass @want?  Walks the chain once per gap closed: chains are
 * short (one record per buffer on this page).  Under the stripe lock.
 */
static bool covered(struct oracle *o, struct odev *od, pfn_t pfn, uint32_t gen,
		    uint32_t owner, size_t off, size_t end, enum want want,
		    enum dev_access acc)
{
	size_t cur = off;

	while (cur < end) {
		size_t next = cur;

		for (struct fref *f = o->frame[pfn]; f; f = f->next) {
			struct rec *r = f->rec;
			size_t lo, hi;
			int st;

			if (r->dev != od || f->gen != gen || f->owner != owner)
				continue;
			st = atomic_load(&r->state);
			if (st == REC_DEAD || (st == REC_LENT && !dir_allows(r->dir, acc)) ||
			    (st == REC_CPU && want == WANT_OK))
				continue;
			rec_span(r, pfn, &lo, &hi);
			if (lo <= cur && hi > next)
				next = hi;
		}
		if (next == cur)
			return false;
		cur = next;
	}
	return true;
}

static enum oracle_class classify(struct oracle *o, struct odev *od,
				  const struct mdev *hw, dma_addr_t addr, pfn_t pfn,
				  size_t len, enum dev_access acc, const char **why)
{
	size_t off = addr & ~PAGE_MASK, end = off + len;
	bool same = false, lent = false, older = false;
	struct mlock *l = stripe_of(o, pfn);
	struct iommu_domain *d;
	uint32_t gen, owner;
	enum oracle_class c;
	phys_addr_t pa;
	unsigned int prot;

	mlock_lock(l);
	owner = page_owner(o->pa, pfn);
	gen = page_generation(o->pa, pfn);
	if (!owner) {
		mlock_unlock(l);
		*why = "frame is free";
		return ORACLE_BREACH;
	}
	for (struct fref *f = o->frame[pfn]; f; f = f->next) {
		if (f->rec->dev != od)
			continue;
		if (f->gen == gen && f->owner == owner) {
			same = true;
			lent |= atomic_load(&f->rec->state) == REC_LENT;
		} else {
			older = true;
		}
	}
	if (same) {
		if (covered(o, od, pfn, gen, owner, off, end, WANT_OK, acc)) {
			c = ORACLE_OK;
			*why = "lent";
		} else if (covered(o, od, pfn, gen, owner, off, end, WANT_MAPPED, acc)) {
			c = ORACLE_STALE;
			*why = "mapped but synced for the CPU (between uses)";
		} else if (lent) {
			c = ORACLE_SUBPAGE;
			*why = "page lent now, bytes outside what is lent for this direction";
		} else {
			c = ORACLE_STALE;
			*why = "page lent earlier in this life, not now (after unmap or sync)";
		}
		mlock_unlock(l);
		return c;
	}
	mlock_unlock(l);
	d = mdev_domain(hw);
	/*
	 * A present PTE that maps this address to this frame is the OS lending
	 * it right now (the MAP event follows the PTE) or taking it back
	 * lazily (a lazy or deferred UNMAP precedes the clear; a synchronous
	 * one follows the invalidation, so never gets here): not a
	 * use-after-free, whatever older records say.  Without one, the
	 * device used a translation the OS no longer has -- a stale IOTLB
	 * entry.
	 */
	if (d && !iommu_domain_is_identity(d) && !iommu_iova_to_phys(d, addr, &pa, &prot) &&
	    (pa >> PAGE_SHIFT) == pfn) {
		*why = older ? "present PTE, new lending not yet announced (map in flight)" :
			       "present PTE without a record: map or lazy unmap in flight";
		return ORACLE_STALE;
	}
	if (older) {
		*why = "frame freed and reallocated since it was lent";
		return ORACLE_BREACH;
	}
	if (!d || iommu_domain_is_identity(d)) {
		*why = "never lent to this device (passthrough)";
		return ORACLE_BREACH;
	}
	*why = "translation without a record (retired, or mapped before attach)";
	return ORACLE_BREACH;
}

static void log_finding(struct oracle *o, const struct oracle_finding *f)
{
	mlock_lock(&o->log_lock);
	o->log[o->nlog % FINDINGS] = *f;
	o->nlog++;
	mlock_unlock(&o->log_lock);
}

/* The machine access observer: one call per page chunk of every access. */
static void access_cb(void *arg, const struct mdev *hw, dma_addr_t addr, pfn_t pfn,
		      size_t len, enum dev_access acc, bool ok)
{
	struct oracle *o = arg;
	struct odev *od = get_dev(o, hw);
	const char *why = "";
	enum oracle_class c;

	if (!od)
		return;
	if (!ok) {
		cnt_inc(&od->blocked);
		return;
	}
	if (pfn >= o->nframes) {
		c = ORACLE_BREACH;
		why = "outside memory";
	} else {
		c = classify(o, od, hw, addr, pfn, len, acc, &why);
	}
	cnt_inc(&od->n[c]);
	if (c != ORACLE_OK) {
		struct oracle_finding f = {
			.dev_id = od->id, .addr = addr, .pfn = pfn, .len = len,
			.acc = acc, .cls = c, .why = why,
		};

		log_finding(o, &f);
	}
}

/* ---- os hooks (through the cell) ------------------------------------------- */

static struct oracle *cell_enter(struct hook_cell *c)
{
	struct oracle *o;

	atomic_fetch_add(&c->busy, 1);
	o = atomic_load(&c->o);
	if (!o)
		atomic_fetch_sub(&c->busy, 1);
	return o;
}

static void cell_exit(struct hook_cell *c)
{
	atomic_fetch_sub(&c->busy, 1);
}

static void dma_cb(void *arg, const struct dma_event *ev)
{
	struct hook_cell *c = arg;
	struct oracle *o = cell_enter(c);

	if (!o)
		return;
	switch (ev->kind) {
	case DMA_EV_MAP:
		on_map(o, ev);
		break;
	case DMA_EV_UNMAP:
		on_unmap(o, ev);
		break;
	case DMA_EV_SYNC_FOR_CPU:
		on_sync(o, ev, REC_CPU);
		break;
	case DMA_EV_SYNC_FOR_DEVICE:
		on_sync(o, ev, REC_LENT);
		break;
	}
	cell_exit(c);
}

/*
 * The page free hook: the generation is already bumped, so a record still
 * mapped whose frame generation is exactly one behind lost its frame now.
 */
static void free_cb(void *arg, pfn_t pfn, unsigned int order)
{
	struct hook_cell *c = arg;
	struct oracle *o = cell_enter(c);

	if (!o)
		return;
	for (pfn_t p = pfn; p < pfn + ((pfn_t)1 << order) && p < o->nframes; p++) {
		struct mlock *l = stripe_of(o, p);
		uint32_t gen = page_generation(o->pa, p);

		mlock_lock(l);
		for (struct fref *f = o->frame[p]; f; f = f->next)
			if (f->gen + 1 == gen && atomic_load(&f->rec->state) != REC_DEAD)
				cnt_inc(&f->rec->dev->freed_mapped);
		mlock_unlock(l);
	}
	cell_exit(c);
}

/* ---- attach / detach ------------------------------------------------------- */

static void oracle_free(struct oracle *o)
{
	struct odev *od, *next;
	struct rec *r, *rn;

	for (od = o->order_head; od; od = next) {
		next = od->order_next;
		for (size_t b = 0; b < REC_BUCKETS; b++)
			for (r = od->live[b]; r; r = rn) {
				rn = r->hnext;
				free(r);
			}
		mlock_destroy(&od->lock);
		free(od);
	}
	for (r = o->dead_head; r; r = rn) {
		rn = r->dnext;
		free(r);
	}
	for (size_t i = 0; i < STRIPES; i++)
		mlock_destroy(&o->stripe[i]);
	mlock_destroy(&o->devs_lock);
	mlock_destroy(&o->dead_lock);
	mlock_destroy(&o->log_lock);
	free(o->frame);
	free(o);
}

struct oracle *oracle_attach_opts(struct os *os, const struct oracle_opts *opts)
{
	struct oracle *o;
	struct hook_cell *c;

	if (!os)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->os = os;
	o->m = os_machine(os);
	o->pa = os_page_alloc(os);
	o->nframes = machine_mem(o->m)->nframes;
	o->max_dead = opts && opts->max_dead ? opts->max_dead : DEFAULT_MAX_DEAD;
	o->order_tail = &o->order_head;
	for (size_t i = 0; i < STRIPES; i++)
		mlock_init(&o->stripe[i], "oracle stripe", MLOCK_FREE);
	mlock_init(&o->devs_lock, "oracle devices", MLOCK_FREE);
	mlock_init(&o->dead_lock, "oracle dead", MLOCK_FREE);
	mlock_init(&o->log_lock, "oracle log", MLOCK_FREE);
	o->frame = calloc(o->nframes, sizeof(*o->frame));
	c = calloc(1, sizeof(*c));
	if (!o->frame || !c) {
		free(c);
		oracle_free(o);
		return NULL;
	}
	if (machine_add_observer(o->m, access_cb, o)) {
		fprintf(stderr, "oracle: oracle_attach: no machine observer slot left\n");
		goto out_free;
	}
	atomic_init(&c->o, o);
	/*
	 * Without its free hook the oracle would never see a frame freed while
	 * mapped: refuse.  The cell is not registered anywhere yet, so it can
	 * still be freed; once the hook holds it, it must live forever.
	 */
	if (page_alloc_add_free_hook(o->pa, free_cb, c)) {
		fprintf(stderr, "oracle: oracle_attach: no page free hook slot left "
			"(an allocator takes 4; each attach keeps one)\n");
		machine_remove_observer(o->m, access_cb, o);
		goto out_free;
	}
	mlock_lock(&cells_lock);
	c->next = cells;
	cells = c;
	mlock_unlock(&cells_lock);
	o->cell = c;
	os_set_dma_observer(os, dma_cb, c);
	return o;

out_free:
	free(c);
	oracle_free(o);
	return NULL;
}

struct oracle *oracle_attach(struct os *os)
{
	return oracle_attach_opts(os, NULL);
}

void oracle_detach(struct oracle *o)
{
	if (!o)
		return;
	machine_remove_observer(o->m, access_cb, o);
	os_set_dma_observer(o->os, NULL, NULL);
	/* Pairs with cell_enter(): either it sees NULL or we see it busy. */
	atomic_store(&o->cell->o, NULL);
	while (atomic_load(&o->cell->busy))
		mclock_relax();
	oracle_free(o);
}

/* ---- reading ----------------------------------------------------------------- */

static void dev_counts(struct odev *od, struct oracle_counts *out)
{
	out->ok = atomic_load(&od->n[ORACLE_OK]);
	out->stale = atomic_load(&od->n[ORACLE_STALE]);
	out->subpage = atomic_load(&od->n[ORACLE_SUBPAGE]);
	out->breach = atomic_load(&od->n[ORACLE_BREACH]);
	out->blocked = atomic_load(&od->blocked);
	out->freed_mapped = atomic_load(&od->freed_mapped);
}

static const char *dev_isolation(struct odev *od)
{
	struct oracle_counts c;

	if (atomic_load(&od->passthrough))
		return "none";
	dev_counts(od, &c);
	if (c.breach)
		return "breached";
	if (c.stale)
		return "window";
	if (c.subpage)
		return "page";
	return "buffer";
}

int oracle_read(struct oracle *o, const struct mdev *dev, struct oracle_counts *out)
{
	struct odev *od;

	memset(out, 0, sizeof(*out));
	if (dev) {
		od = find_dev(o, mdev_id(dev));
		if (!od)
			return -ENOENT;
		dev_counts(od, out);
		return 0;
	}
	mlock_lock(&o->devs_lock);
	for (od = o->order_head; od; od = od->order_next) {
		struct oracle_counts c;

		dev_counts(od, &c);
		out->ok += c.ok;
		out->stale += c.stale;
		out->subpage += c.subpage;
		out->breach += c.breach;
		out->blocked += c.blocked;
		out->freed_mapped += c.freed_mapped;
	}
	mlock_unlock(&o->devs_lock);
	return 0;
}

const char *oracle_isolation(struct oracle *o, const struct mdev *dev)
{
	struct odev *od = find_dev(o, mdev_id(dev));

	return od ? dev_isolation(od) : "unknown";
}

size_t oracle_read_all(struct oracle *o, struct oracle_dev_report *out, size_t max)
{
	size_t n = 0;

	mlock_lock(&o->devs_lock);
	for (struct odev *od = o->order_head; od; od = od->order_next, n++) {
		if (n >= max)
			continue;
		out[n].dev_id = od->id;
		memcpy(out[n].name, od->name, sizeof(out[n].name));
		out[n].passthrough = atomic_load(&od->passthrough);
		out[n].isolation = dev_isolation(od);
		dev_counts(od, &out[n].counts);
	}
	mlock_unlock(&o->devs_lock);
	return n;
}

uint64_t oracle_findings_read(struct oracle *o, struct oracle_finding *out,
			      size_t max)
{
	uint64_t total;
	size_t n;

	mlock_lock(&o->log_lock);
	total = o->nlog;
	n = total < FINDINGS ? (size_t)total : FINDINGS;
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		out[i] = o->log[(total - n + i) % FINDINGS];
	mlock_unlock(&o->log_lock);
	return total;
}

void oracle_stats_read(struct oracle *o, struct oracle_stats *out)
{
	out->records_live = atomic_load(&o->nlive);
	mlock_lock(&o->dead_lock);
	out->records_dead = o->ndead;
	mlock_unlock(&o->dead_lock);
	out->retired = atomic_load(&o->retired);
	out->unknown_events = atomic_load(&o->unknown);
	mlock_lock(&o->devs_lock);
	out->devices = o->ndevs;
	mlock_unlock(&o->devs_lock);
}

void oracle_dump(struct oracle *o, FILE *f)
{
	struct oracle_finding log[FINDINGS];
	struct oracle_dev_report rep[16];
	size_t n = oracle_read_all(o, rep, ARRAY_SIZE(rep));
	uint64_t total = oracle_findings_read(o, log, ARRAY_SIZE(log));

	for (size_t i = 0; i < n && i < ARRAY_SIZE(rep); i++)
		fprintf(f, "oracle: dev %u %-12s isolation %-8s ok %llu stale %llu subpage %llu"
			" breach %llu blocked %llu freed_mapped %llu\n",
			rep[i].dev_id, rep[i].name, rep[i].isolation,
			(unsigned long long)rep[i].counts.ok,
			(unsigned long long)rep[i].counts.stale,
			(unsigned long long)rep[i].counts.subpage,
			(unsigned long long)rep[i].counts.breach,
			(unsigned long long)rep[i].counts.blocked,
			(unsigned long long)rep[i].counts.freed_mapped);
	for (size_t i = 0; i < total && i < FINDINGS; i++) {
		const struct oracle_finding *x = &log[i];

		fprintf(f, "oracle:   dev %u %s %zu B at %#llx (pfn %#llx): %s -- %s\n",
			x->dev_id, x->acc == DEV_READ ? "read" : "write", x->len,
			(unsigned long long)x->addr, (unsigned long long)x->pfn,
			oracle_class_name(x->cls), x->why);
	}
}
