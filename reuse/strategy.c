// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategy.c - the table of strategies: every pair of an IOMMU mode and a
 * mechanism, the isolation it keeps and whether it is refused; the names
 * that stand for pairs; and counter arithmetic.
 *
 * This is the one place in reuse/ that names modes.  The modes are the
 * OS's (see reuse.h), and a mechanism never asks which one it runs under:
 * the table says, for people and for drivers choosing a pair, what each
 * combination keeps, and the objects themselves ask the OS binding what an
 * unmap guarantees when they are created.  The table and the objects must
 * agree: a pair refused here for the safety rule is one whose object
 * refuses the device (tests/reuse/test_strategy.c checks both ways).
 *
 * How the classes were reached, per mode:
 *   strict       each mechanism keeps its own class.
 *   lazy         an unmap leaves the IOTLB warm until the flush.  Plain
 *                map/unmap gets lazy's window.  bounce and pool keep their
 *                buffers mapped for their lifetime, so the lazy unmap is
 *                off the transfer path; only their own pages, unmapped at
 *                teardown, wait for the flush after the device has
 *                stopped.  iova-link unlinks with an invalidation that
 *                completes before the call returns in every mode, so it
 *                stays strict.  reuse and cache keep mappings of pages the
 *                upper layer owns and drop their page references right
 *                after unmapping: under lazy a freed page would stay
 *                reachable -- the safety rule forbids it, and rreuse and
 *                rcache refuse such a device (osdep_dma_unmap_is_strict());
 *                auto holds both, so it is refused too.
 *                batch invalidates its own unmaps with its own flush, not
 *                through the flush queue, and releases pages and IOVAs
 *                only after it: it keeps its class.
 *   passthrough  the identity domain lets the device reach all memory
 *                whatever the driver does: every mechanism keeps `none`.
 *                iova-link is refused: there is no IOVA space to reserve.
 *
 * batch's class, `batched`, isolates: a device may reach a buffer it was
 * lent after its unmap, until its batch's flush, but never a frame that
 * went back to the allocator -- the oracle counts those accesses `stale`
 * (shown as `window`), never `breach`.  lazy's `window` does not isolate:
 * it frees pages before their invalidation.
 *
 * Adding a mechanism appends an enum value, a name in mech_names[], one
 * entry per mode in pairs[] and, if it has one, its named strategy;
 * nothing else moves.  An entry left out is caught by the test that every
 * pair has a class.
 */
#include "reuse_int.h"

enum iso_class {
	ISO_UNSET,		/* an entry the table forgot: never a class */
	ISO_NONE,
	ISO_WINDOW,
	ISO_BREACH,
	ISO_STRICT,
	ISO_COPY,
	ISO_REGISTERED,
	ISO_POOL,
	ISO_PINNED,
	ISO_MIXED,
	ISO_BATCHED,
	ISO_COUNT
};

static const char *const class_names[ISO_COUNT] = {
	[ISO_UNSET] = "?",
	[ISO_NONE] = "none",
	[ISO_WINDOW] = "window",
	[ISO_BREACH] = "breach",
	[ISO_STRICT] = "strict",
	[ISO_COPY] = "copy",
	[ISO_REGISTERED] = "registered",
	[ISO_POOL] = "pool",
	[ISO_PINNED] = "pinned",
	[ISO_MIXED] = "mixed",
	[ISO_BATCHED] = "batched",
};

static const char *const mode_names[RMODE_COUNT] = {
	[RMODE_STRICT] = "strict",
	[RMODE_LAZY] = "lazy",
	[RMODE_PASSTHROUGH] = "passthrough",
};

static const char *const mech_names[RMECH_COUNT] = {
	[RMECH_NONE] = "none",
	[RMECH_BOUNCE] = "bounce",
	[RMECH_REUSE] = "reuse",
	[RMECH_POOL] = "pool",
	[RMECH_CACHE] = "cache",
	[RMECH_IOVA_LINK] = "iova-link",
	[RMECH_AUTO] = "auto",
	[RMECH_BATCH] = "batch",
};

/* One pair: its isolation, and why it is refused (NULL: it is not). */
struct pair_info {
	enum iso_class cls;
	const char *isolation;
	const char *why_not;
};

#define PT_ALL "none: the identity domain lets the device reach all memory"

/* An entry of pairs[]: allowed, or refused and why. */
#define ALLOW(c, iso) { .cls = (c), .isolation = (iso), .why_not = NULL }
#define REFUSE(c, iso, why) { .cls = (c), .isolation = (iso), .why_not = (why) }

static const char batch_keeps[] =
	"a window until the batch's flush: an unmapped buffer stays reachable until its "
	"batch is invalidated (when full, or at the driver's completion pass); never a freed "
	"frame";

static const char lazy_breach[] =
	"would breach: a page released after a lazy unmap stays reachable until the flush";

static const struct pair_info pairs[RMODE_COUNT][RMECH_COUNT] = {
	[RMODE_STRICT] = {
		[RMECH_NONE] = ALLOW(ISO_STRICT,
			"the device reaches a buffer only while it is lent"),
		[RMECH_BOUNCE] = ALLOW(ISO_COPY,
			"the device never reaches caller memory, only its own bounce buffers"),
		[RMECH_REUSE] = ALLOW(ISO_REGISTERED,
			"the device reaches a registered buffer between uses; never after "
			"stop-reuse"),
		[RMECH_POOL] = ALLOW(ISO_POOL,
			"the device reaches the driver's pool buffers only"),
		[RMECH_CACHE] = ALLOW(ISO_PINNED,
			"the device reaches cached pages between uses; never a freed page"),
		[RMECH_IOVA_LINK] = ALLOW(ISO_STRICT,
			"as strict at unlink; no IOVA allocation per use"),
		[RMECH_AUTO] = ALLOW(ISO_MIXED,
			"per buffer: bounce below the crossover, cache for whole pages, strict "
			"otherwise"),
		[RMECH_BATCH] = ALLOW(ISO_BATCHED, batch_keeps),
	},
	[RMODE_LAZY] = {
		[RMECH_NONE] = ALLOW(ISO_WINDOW,
			"window: unmapped (even freed) pages reachable until the flush (<= 10 ms)"),
		[RMECH_BOUNCE] = ALLOW(ISO_COPY,
			"as bounce: its buffers stay mapped, so no lazy unmap is on the transfer "
			"path; only its own pages wait for the flush at teardown"),
		[RMECH_REUSE] = REFUSE(ISO_BREACH, lazy_breach,
			"the map-once registry unmaps at stop-reuse and then drops its page "
			"references; a lazy unmap leaves the IOTLB warm, so a freed page could "
			"stay reachable (the safety rule)"),
		[RMECH_POOL] = ALLOW(ISO_POOL,
			"as pool while the pool lives; its own pages wait for the flush at "
			"teardown"),
		[RMECH_CACHE] = REFUSE(ISO_BREACH, lazy_breach,
			"the mapping cache unmaps an entry and then releases its page; a lazy "
			"unmap leaves the IOTLB warm, so a freed page could stay reachable "
			"(the safety rule)"),
		[RMECH_IOVA_LINK] = ALLOW(ISO_STRICT,
			"as strict: an unlink invalidates before it returns in every mode"),
		[RMECH_AUTO] = REFUSE(ISO_BREACH, lazy_breach,
			"auto caches whole pages and registers marked buffers, which a lazy "
			"unmap makes unsafe (as cache and reuse under lazy: the safety rule)"),
		[RMECH_BATCH] = ALLOW(ISO_BATCHED,
			"as batch: the batch invalidates its own unmaps, not through the flush "
			"queue, before it releases a page or an IOVA"),
	},
	[RMODE_PASSTHROUGH] = {
		[RMECH_NONE] = ALLOW(ISO_NONE, "none: the device reaches all memory"),
		[RMECH_BOUNCE] = ALLOW(ISO_NONE, PT_ALL "; the copies protect nothing"),
		[RMECH_REUSE] = ALLOW(ISO_NONE, PT_ALL ", registered or not"),
		[RMECH_POOL] = ALLOW(ISO_NONE, PT_ALL ", pool buffers or not"),
		[RMECH_CACHE] = ALLOW(ISO_NONE, PT_ALL ", cached or not"),
		[RMECH_IOVA_LINK] = REFUSE(ISO_NONE, PT_ALL,
			"an identity domain has no IOVA space: the two-step API cannot "
			"reserve a range there"),
		[RMECH_AUTO] = ALLOW(ISO_NONE, PT_ALL "; auto's copies and cache protect nothing"),
		[RMECH_BATCH] = ALLOW(ISO_NONE, PT_ALL "; there is nothing to invalidate"),
	},
};

/* The named strategies: the names everything outside uses. */
static const struct {
	const char *name;
	struct reuse_pair pair;
} named[RS_COUNT] = {
	[RS_PASSTHROUGH] = { "passthrough", { RMODE_PASSTHROUGH, RMECH_NONE } },
	[RS_STRICT] = { "strict", { RMODE_STRICT, RMECH_NONE } },
	[RS_LAZY] = { "lazy", { RMODE_LAZY, RMECH_NONE } },
	[RS_BOUNCE] = { "bounce", { RMODE_STRICT, RMECH_BOUNCE } },
	[RS_REUSE] = { "reuse", { RMODE_STRICT, RMECH_REUSE } },
	[RS_POOL] = { "pool", { RMODE_STRICT, RMECH_POOL } },
	[RS_CACHE] = { "cache", { RMODE_STRICT, RMECH_CACHE } },
	[RS_IOVA_LINK] = { "iova-link", { RMODE_STRICT, RMECH_IOVA_LINK } },
	[RS_AUTO] = { "auto", { RMODE_STRICT, RMECH_AUTO } },
	[RS_BATCH] = { "batch", { RMODE_STRICT, RMECH_BATCH } },
};

/* reuse/ has no strcmp (osdep.h): exact equality of two strings. */
static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return !*a && !*b;
}

static bool strategy_ok(enum reuse_strategy s)
{
	return (unsigned int)s < RS_COUNT;
}

/* The entry of @p, or NULL for a value out of range. */
static const struct pair_info *info(struct reuse_pair p)
{
	if ((unsigned int)p.mode >= RMODE_COUNT || (unsigned int)p.mech >= RMECH_COUNT)
		return NULL;
	return &pairs[p.mode][p.mech];
}

const char *reuse_strategy_name(enum reuse_strategy s)
{
	return strategy_ok(s) ? named[s].name : "?";
}

int reuse_strategy_parse(const char *name)
{
	for (int i = 0; i < RS_COUNT; i++)
		if (same(named[i].name, name))
			return i;
	return -1;
}

struct reuse_pair reuse_strategy_pair(enum reuse_strategy s)
{
	if (!strategy_ok(s))
		return (struct reuse_pair){ RMODE_COUNT, RMECH_NONE };
	return named[s].pair;
}

int reuse_pair_strategy(struct reuse_pair p)
{
	for (int i = 0; i < RS_COUNT; i++)
		if (named[i].pair.mode == p.mode && named[i].pair.mech == p.mech)
			return i;
	return -1;
}

const char *reuse_strategy_isolation(enum reuse_strategy s)
{
	return strategy_ok(s) ? reuse_pair_isolation(named[s].pair) : "?";
}

const char *reuse_strategy_isolation_class(enum reuse_strategy s)
{
	return strategy_ok(s) ? reuse_pair_isolation_class(named[s].pair) : "?";
}

const char *reuse_mode_name(enum reuse_mode m)
{
	return (unsigned int)m < RMODE_COUNT ? mode_names[m] : "?";
}

int reuse_mode_parse(const char *name)
{
	for (int i = 0; i < RMODE_COUNT; i++)
		if (same(mode_names[i], name))
			return i;
	return -1;
}

const char *reuse_mech_name(enum reuse_mech m)
{
	return (unsigned int)m < RMECH_COUNT ? mech_names[m] : "?";
}

const char *reuse_use_name(enum reuse_mode mode, enum reuse_mech mech)
{
	return mech == RMECH_NONE ? reuse_mode_name(mode) : reuse_mech_name(mech);
}

const char *reuse_pair_why_not(struct reuse_pair p)
{
	const struct pair_info *pi = info(p);

	if (!pi)
		return "not a pair: the mode or the mechanism is out of range";
	return pi->why_not;
}

const char *reuse_pair_isolation_class(struct reuse_pair p)
{
	const struct pair_info *pi = info(p);

	return pi ? class_names[pi->cls] : "?";
}

const char *reuse_pair_isolation(struct reuse_pair p)
{
	const struct pair_info *pi = info(p);

	return pi && pi->isolation ? pi->isolation : "?";
}

bool reuse_pair_isolating(struct reuse_pair p)
{
	const struct pair_info *pi = info(p);

	return pi && pi->cls != ISO_UNSET && pi->cls != ISO_NONE && pi->cls != ISO_WINDOW &&
	       pi->cls != ISO_BREACH;
}

void reuse_stats_add(struct reuse_stats *acc, const struct reuse_stats *s)
{
	acc->hits += s->hits;
	acc->misses += s->misses;
	acc->maps += s->maps;
	acc->unmaps += s->unmaps;
	acc->syncs += s->syncs;
	acc->invalidations += s->invalidations;
	acc->bytes_copied += s->bytes_copied;
	acc->pages_pinned += s->pages_pinned;
	acc->reclaimed += s->reclaimed;
	acc->evicted += s->evicted;
	acc->in_use += s->in_use;
	acc->errors += s->errors;
	acc->deferred += s->deferred;
	acc->pages_deferred += s->pages_deferred;
	acc->flushes += s->flushes;
	if (s->batch_max > acc->batch_max)
		acc->batch_max = s->batch_max;
}
