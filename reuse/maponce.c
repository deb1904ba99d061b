// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * maponce.c - the stateful mid-layer API: map once, hand ownership back and
 * forth with syncs, tear down explicitly.  This is the shape the iommu list
 * maintainers preferred in May 2020, and the engine under the seed's
 * reusable scatterlists (sg_mark_reusable / sg_mark_stop_reuse).
 *
 * A registration (struct rmo) moves through three states:
 *
 *   register      for_device          for_cpu            unregister
 *   -------> CPU ----------> DEVICE ---------> CPU ... ------------> DEAD
 *
 * register pins every page (a page reference per segment) and maps it once;
 * for_device / for_cpu are syncs; unregister unmaps -- the device's unmap
 * invalidates the IOTLB before it returns -- runs the owner's callback and
 * only then drops the page references.  So a registered page cannot return
 * to the allocator while any translation reaches it (the safety rule).
 *
 * register checks every segment before it pins or maps anything: nonempty,
 * and offset + len, and the page's address plus both, computed without
 * wrapping and inside memory (rspan_ok(): a wrapped sum would map another
 * owner's page, and the OS's map call need not catch it).
 *
 * Misuse changes nothing: for_device on a buffer the device already owns or
 * for_cpu on one the CPU owns (-EINVAL), unregister with a transfer in flight
 * (-EBUSY), any use after unregister (-ESTALE).  To recognise a use after
 * unregister, dead registrations are kept on a list until the registry is
 * destroyed (their mappings and pages are long gone; only the small struct
 * stays).
 *
 * The hit path takes no lock and no locked instruction: for_device and
 * for_cpu move the state with a plain read and write (the owner serialises
 * its calls on one registration) and count in the registration itself,
 * with plain increments (osdep_owner_add); stats sum the registrations,
 * dead ones included.  Syncs are skipped when
 * the OS says they do nothing for these mappings (coherent, not bounced:
 * osdep_dma_need_sync(), decided once at register).
 *
 * Lock: r->lock protects the lists and the slow-path counters.  Maps, syncs
 * and unmaps run outside it; an rmo being torn down is BUSY.
 */
#include "reuse_int.h"

enum rmo_state { RMO_CPU, RMO_DEVICE, RMO_BUSY, RMO_DEAD };

struct rmo_seg {
	osdep_page_t page;
	size_t offset, len;
	dma_addr_t dma;
};

struct rmo {
	struct rlist node;
	struct rreuse *r;
	osdep_atomic_t state;		/* enum rmo_state; moves by compare-and-swap */
	bool need_sync;			/* some segment's syncs do something */
	enum dma_data_direction dir;
	unsigned int n;
	uint64_t hits, syncs;		/* written by the owner only (osdep_owner_add) */
	rmo_unmap_cb cb;
	void *arg;
	struct rmo_seg seg[RMO_MAX_SEGS];
};

struct rreuse {
	osdep_dev_t *dev;
	osdep_lock_t lock;		/* protects the lists and st */
	struct rlist live, dead;
	struct reuse_stats st;		/* slow-path counters */
};

static const char *const state_name[] = { "cpu-owned", "device-owned", "busy", "dead" };

struct rreuse *rreuse_create(osdep_dev_t *dev)
{
	struct rreuse *r;

	if (!osdep_dma_unmap_is_strict(dev)) {
		osdep_warn("rreuse_create: the device's unmap is lazy; stop-reuse could "
			   "not guarantee the mapping is gone before pages are freed");
		return NULL;
	}
	r = osdep_zalloc(sizeof(*r));
	if (!r)
		return NULL;
	r->dev = dev;
	osdep_lock_init(&r->lock);
	rlist_init(&r->live);
	rlist_init(&r->dead);
	return r;
}

static void unmap_segs(struct rreuse *r, struct rmo *mo, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		osdep_dma_unmap_page(r->dev, mo->seg[i].dma, mo->seg[i].len, mo->dir);
}

static void unpin_segs(struct rreuse *r, struct rmo *mo, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		osdep_page_put(r->dev, mo->seg[i].page);
}

static RSLOWPATH struct rmo *register_refused(struct rreuse *r)
{
	osdep_lock(&r->lock);
	r->st.errors++;
	osdep_unlock(&r->lock);
	return NULL;
}

struct rmo *rmo_register(struct rreuse *r, const struct rseg *segs,
			 unsigned int n, enum dma_data_direction dir,
			 rmo_unmap_cb cb, void *arg)
{
	struct rmo *mo;
	unsigned int i;

	if (!segs || !n || n > RMO_MAX_SEGS || !dir_ok(dir)) {
		osdep_warn("rmo_register: %u segments at %p, dir %d: expected 1-%d segments "
			   "and a valid direction", n, (const void *)segs, (int)dir, RMO_MAX_SEGS);
		return register_refused(r);
	}
	for (i = 0; i < n; i++)
		if (!rspan_ok(r->dev, segs[i].page, segs[i].offset, segs[i].len)) {
			osdep_warn("rmo_register: segment %u (page %#llx, offset %#zx, len %#zx): "
				   "expected 1 or more bytes of memory, offset + len not wrapping",
				   i, (unsigned long long)osdep_page_key(segs[i].page),
				   segs[i].offset, segs[i].len);
			return register_refused(r);
		}
	mo = osdep_zalloc(sizeof(*mo));
	if (!mo)
		return NULL;
	mo->r = r;
	mo->dir = dir;
	mo->n = n;
	mo->cb = cb;
	mo->arg = arg;
	for (i = 0; i < n; i++) {
		mo->seg[i] = (struct rmo_seg){
			.page = segs[i].page, .offset = segs[i].offset, .len = segs[i].len,
		};
		osdep_page_get(r->dev, segs[i].page);
		mo->seg[i].dma = osdep_dma_map_page(r->dev, segs[i].page, segs[i].offset,
						    segs[i].len, dir);
		if (osdep_dma_mapping_error(r->dev, mo->seg[i].dma)) {
			osdep_page_put(r->dev, segs[i].page);
			goto out_unwind;
		}
	}
	rlist_init(&mo->node);
	for (i = 0; i < n; i++)
		mo->need_sync |= osdep_dma_need_sync(r->dev, mo->seg[i].dma);
	osdep_atomic_set(&mo->state, RMO_CPU);
	osdep_lock(&r->lock);
	rlist_add(&r->live, &mo->node);
	r->st.maps += n;
	r->st.misses++;
	r->st.pages_pinned += n;
	osdep_unlock(&r->lock);
	return mo;

out_unwind:
	unmap_segs(r, mo, i);
	unpin_segs(r, mo, i);
	osdep_free(mo);
	return NULL;
}

dma_addr_t rmo_dma_addr(const struct rmo *mo, unsigned int i)
{
	return i < mo->n ? mo->seg[i].dma : 0;
}

bool rmo_is_live(const struct rmo *mo)
{
	return osdep_atomic_read((osdep_atomic_t *)&mo->state) != RMO_DEAD;
}

/* A transition asked from the wrong state: count, say so, refuse. */
static RSLOWPATH int state_refused(struct rmo *mo, int old, enum rmo_state from,
				   const char *fn)
{
	osdep_lock(&mo->r->lock);
	mo->r->st.errors++;
	osdep_unlock(&mo->r->lock);
	osdep_warn("%s(%p): registration is %s, expected %s", fn, (void *)mo,
		   state_name[old], state_name[from]);
	return old == RMO_DEAD ? -ESTALE : -EINVAL;
}

/*
 * Move @mo from @from to @to, or count and explain why not.  The owner
 * serialises its own calls on one registration (as it does dma_map/unmap
 * of one buffer), so the hit path reads and writes the state without a
 * locked instruction; only unregister, which may meet a racing misuse,
 * claims it with a compare-and-swap (@claim).
 */
static int move_state(struct rmo *mo, enum rmo_state from, enum rmo_state to,
		      bool claim, const char *fn)
{
	int old = from;

	/* The unclaimed read is an acquire: pairs with the release set of the
	 * state by the previous move (or by rmo_register(), RMO_CPU). */
	if (claim ? osdep_atomic_try_cmpxchg(&mo->state, &old, to) :
		    (old = osdep_atomic_read(&mo->state)) == (int)from) {
		if (!claim)
			osdep_atomic_set(&mo->state, to);
		return 0;
	}
	return state_refused(mo, old, from, fn);
}

int rmo_for_device(struct rmo *mo)
{
	int ret = move_state(mo, RMO_CPU, RMO_DEVICE, false, "rmo_for_device");

	osdep_cost_call();

	if (ret)
		return ret;
	osdep_owner_add(&mo->hits, 1);
	if (!mo->need_sync)
		return 0;
	osdep_owner_add(&mo->syncs, mo->n);
	for (unsigned int i = 0; i < mo->n; i++)
		osdep_dma_sync_for_device(mo->r->dev, mo->seg[i].dma, mo->seg[i].len,
					  mo->dir);
	return 0;
}

int rmo_for_cpu(struct rmo *mo)
{
	int ret = move_state(mo, RMO_DEVICE, RMO_CPU, false, "rmo_for_cpu");

	osdep_cost_call();

	if (ret)
		return ret;
	if (!mo->need_sync)
		return 0;
	osdep_owner_add(&mo->syncs, mo->n);
	for (unsigned int i = 0; i < mo->n; i++)
		osdep_dma_sync_for_cpu(mo->r->dev, mo->seg[i].dma, mo->seg[i].len, mo->dir);
	return 0;
}

int rmo_unregister(struct rmo *mo)
{
	struct rreuse *r = mo->r;
	int ret;

	if (osdep_atomic_read(&mo->state) == RMO_DEVICE) {
		osdep_lock(&r->lock);
		r->st.errors++;
		osdep_unlock(&r->lock);
		osdep_warn("rmo_unregister(%p): a transfer is in flight (device-owned); "
			   "call rmo_for_cpu first", (void *)mo);
		return -EBUSY;
	}
	ret = move_state(mo, RMO_CPU, RMO_BUSY, true, "rmo_unregister");
	if (ret)
		return ret;
	/* Unmap (invalidation complete on return), tell the owner, then unpin. */
	unmap_segs(r, mo, mo->n);
	if (mo->cb)
		mo->cb(mo->arg, mo);
	unpin_segs(r, mo, mo->n);
	osdep_atomic_set(&mo->state, RMO_DEAD);
	osdep_lock(&r->lock);
	rlist_del(&mo->node);
	rlist_add(&r->dead, &mo->node);
	r->st.unmaps += mo->n;
	r->st.invalidations += mo->n;
	r->st.pages_pinned -= mo->n;
	osdep_unlock(&r->lock);
	return 0;
}

void rreuse_stats(struct rreuse *r, struct reuse_stats *out)
{
	osdep_lock(&r->lock);
	*out = r->st;
	/* in_use is counted here, not on the hit path: registrations the device owns. */
	out->in_use = 0;
	for (struct rlist *p = r->live.next; p != &r->live; p = p->next) {
		struct rmo *mo = rlist_entry(p, struct rmo, node);

		out->in_use += osdep_atomic_read(&mo->state) == RMO_DEVICE;
		out->hits += osdep_owner_read(&mo->hits);
		out->syncs += osdep_owner_read(&mo->syncs);
	}
	for (struct rlist *p = r->dead.next; p != &r->dead; p = p->next) {
		struct rmo *mo = rlist_entry(p, struct rmo, node);

		out->hits += osdep_owner_read(&mo->hits);
		out->syncs += osdep_owner_read(&mo->syncs);
	}
	osdep_unlock(&r->lock);
}

size_t rreuse_destroy(struct rreuse *r)
{
	size_t live = 0;

	if (!r)
		return 0;
	for (;;) {
		struct rmo *mo;

		osdep_lock(&r->lock);
		if (rlist_empty(&r->live)) {
			osdep_unlock(&r->lock);
			break;
		}
		mo = rlist_entry(r->live.next, struct rmo, node);
		osdep_unlock(&r->lock);
		live++;
		osdep_warn("rreuse_destroy: registration %p still live (%s); unregistering",
			   (void *)mo, state_name[osdep_atomic_read(&mo->state)]);
		if (osdep_atomic_read(&mo->state) == RMO_DEVICE)
			rmo_for_cpu(mo);
		if (rmo_unregister(mo)) {
			/* Cannot happen single-threaded; do not loop forever. */
			osdep_lock(&r->lock);
			rlist_del(&mo->node);
			osdep_unlock(&r->lock);
		}
	}
	while (!rlist_empty(&r->dead)) {
		struct rmo *mo = rlist_entry(r->dead.next, struct rmo, node);

		rlist_del(&mo->node);
		osdep_free(mo);
	}
	osdep_lock_destroy(&r->lock);
	osdep_free(r);
	return live;
}
