// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse_misuse.c - the reuse layer used as an attacker would use it
 * (issue 17): spans whose offset + length, or whose page address, wraps
 * onto another owner's page; handles of another object, stale copies of
 * handles, handles with changed fields; lengths beyond the buffer; create
 * sizes whose arithmetic overflows.
 *
 * Each must be refused by the layer itself: the error (-EINVAL or NULL),
 * nothing mapped -- the DMA layer sees no map and logs no misuse, so the
 * refusal did not rely on it (Linux's DMA API would not catch a wrapped
 * address) --, one line logged, one count in the object's errors, and the
 * object left as it was.  Each runs on strict, lazy and passthrough devices
 * where the object takes them, with dma_debug on and off.  Where a wrap
 * would have reached another owner's page, the device itself tries to read
 * that page through every translation the IOMMU holds for it.
 *
 * Size: over 800 lines, on purpose: one case per misuse, each a few lines
 * over the shared fixture; splitting by mechanism would copy the fixture
 * and hide that every object refuses the same misuse the same way.
 */
#include "harness.h"

#include <dmareuse/reuse.h>
#include <dmareuse/sg_reuse.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Which devices an object takes. */
enum { ON_STRICT = 1, ON_LAZY = 2, ON_PT = 4, ON_ALL = 7 };

static const struct variant {
	enum dma_domain_type type;
	unsigned int mask;	/* ON_* */
	bool debug;
} variants[] = {
	{ DMA_DOMAIN_STRICT, ON_STRICT, true },
	{ DMA_DOMAIN_STRICT, ON_STRICT, false },
	{ DMA_DOMAIN_LAZY, ON_LAZY, true },
	{ DMA_DOMAIN_LAZY, ON_LAZY, false },
	{ DMA_DOMAIN_PASSTHROUGH, ON_PT, true },
	{ DMA_DOMAIN_PASSTHROUGH, ON_PT, false },
};

struct rig {
	struct lab *lab;
	struct dma_device *dev;
	struct devthread *dt;
	const struct variant *v;
	char name[40];		/* "strict, dma_debug on": for messages */
	uint64_t viol0;
};

static bool rig_up(struct rig *g, const struct variant *v)
{
	struct dma_device_opts o = { .type = v->type, .no_debug = !v->debug };

	g->v = v;
	snprintf(g->name, sizeof(g->name), "%s, dma_debug %s", dma_domain_type_name(v->type),
		 v->debug ? "on" : "off");
	g->lab = lab_up(64, 2, "ideal");
	if (!g->lab)
		return false;
	g->viol0 = lab_safety_violations();
	if (v->type != DMA_DOMAIN_LAZY)
		lab_install_safety_check(g->lab);
	g->dev = dma_device_create(g->lab->os, "misuse", &o);
	g->dt = g->dev ? devthread_start(dma_device_mdev(g->dev)) : NULL;
	return g->dt != NULL;
}

static void rig_down(struct rig *g)
{
	devthread_stop(g->dt);
	CHECK(dma_device_destroy(g->dev) == 0, "%s: mappings left at teardown", g->name);
	CHECK(lab_safety_violations() == g->viol0, "%s: safety rule broken", g->name);
	lab_down(g->lab);
}

/* rig_up(), a failure if it fails. */
static bool rig_up_checked(struct rig *g, const struct variant *v)
{
	if (rig_up(g, v))
		return true;
	test_fail(__FILE__, __LINE__, "rig_up(%s) failed", g->name);
	return false;
}

/* The body once per variant whose device type is in @on, on a rig of its own. */
#define FOR_EACH_RIG(g, on)                                                       \
	for (size_t vi_ = 0; vi_ < ARRAY_SIZE(variants); vi_++)                 \
		if ((variants[vi_].mask & (on)) && rig_up_checked(&(g), &variants[vi_]))

static bool translating(const struct rig *g)
{
	return g->v->type != DMA_DOMAIN_PASSTHROUGH;
}

/*
 * @n consecutive frames, each allocated on its own (another owner tag for
 * each), the first in *@first; every other frame allocated on the way is
 * freed again.  False if no such run turned up.
 */
static bool consecutive_pages(struct rig *g, unsigned int n, pfn_t *first)
{
	enum { TRY = 64 };
	pfn_t p[TRY];
	unsigned int got, run = TRY;

	for (got = 0; got < TRY; got++)
		if (pages_alloc(g->lab->pa, 0, 300 + got, true, &p[got]))
			break;
	for (unsigned int i = 0; i < got && run == TRY; i++) {
		unsigned int k = 1;

		for (; k < n; k++) {
			unsigned int j = 0;

			while (j < got && p[j] != p[i] + k)
				j++;
			if (j == got)
				break;
		}
		if (k == n)
			run = i;
	}
	for (unsigned int i = 0; i < got; i++)
		if (run == TRY || p[i] < p[run] || p[i] >= p[run] + n)
			page_put(g->lab->pa, p[i]);
	if (run == TRY)
		return false;
	*first = p[run];
	return true;
}

static void put_pages(struct rig *g, pfn_t first, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		page_put(g->lab->pa, first + i);
}

static uint8_t *va_of(struct rig *g, pfn_t pfn)
{
	return phys_to_virt(g->lab->m, pfn << PAGE_SHIFT);
}

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8) + 1);
}

/* ---- what a refused call must leave behind ------------------------------- */

/* Lines the layer logs (osdep_warn's "dmareuse: " prefix) while captured. */
struct warn_cap {
	FILE *f;
	int saved;
};

static void cap_begin(struct warn_cap *c)
{
	fflush(stderr);
	c->f = tmpfile();
	c->saved = c->f ? dup(2) : -1;
	if (c->saved >= 0)
		dup2(fileno(c->f), 2);
}

/* The lines logged since cap_begin(); they are passed on to stderr too. */
static unsigned int cap_end(struct warn_cap *c)
{
	unsigned int n = 0;
	char line[512];

	fflush(stderr);
	if (c->saved < 0)
		return ~0u;
	dup2(c->saved, 2);
	close(c->saved);
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f)) {
		fputs(line, stderr);
		n += !strncmp(line, "dmareuse: ", 10);
	}
	fclose(c->f);
	return n;
}

/* The DMA layer's view before a call that must not reach it. */
struct dma_before {
	struct dma_stats st;
};

static void dma_before(struct rig *g, struct dma_before *b)
{
	dma_stats_read(g->dev, &b->st);
}

/* Nothing was mapped or synced, and the DMA layer had nothing to refuse. */
static void check_dma_untouched(struct rig *g, const struct dma_before *b, const char *what)
{
	struct dma_stats st;

	dma_stats_read(g->dev, &st);
	CHECK(st.maps == b->st.maps && st.syncs == b->st.syncs && st.unmaps == b->st.unmaps,
	      "%s, %s: the DMA layer saw maps %llu -> %llu, syncs %llu -> %llu, unmaps "
	      "%llu -> %llu", g->name, what, (unsigned long long)b->st.maps,
	      (unsigned long long)st.maps, (unsigned long long)b->st.syncs,
	      (unsigned long long)st.syncs, (unsigned long long)b->st.unmaps,
	      (unsigned long long)st.unmaps);
	CHECK(st.misuse == b->st.misuse, "%s, %s: left to the DMA layer to refuse (misuse "
	      "%llu -> %llu)", g->name, what, (unsigned long long)b->st.misuse,
	      (unsigned long long)st.misuse);
}

/* ---- the device's view ----------------------------------------------------- */

struct reach {
	iova_t iova[32];
	unsigned int n;
};

static void reach_cb(void *arg, unsigned int domain, iova_t iova, bool in_iotlb)
{
	struct reach *r = arg;

	(void)domain;
	(void)in_iotlb;
	if (r->n < ARRAY_SIZE(r->iova))
		r->iova[r->n++] = iova;
}

/*
 * Whether the device reads @want (@n bytes at byte @off of frame @pfn)
 * through any translation that reaches the frame -- a PTE or an IOTLB entry
 * of any domain -- or at any of the @nextra addresses in @extra.
 */
static bool device_reads(struct rig *g, pfn_t pfn, size_t off, const uint8_t *want,
			 size_t n, const dma_addr_t *extra, unsigned int nextra)
{
	struct reach r = { .n = 0 };
	uint8_t got[PAGE_SIZE];

	iommu_frame_reach(g->lab->m, pfn, reach_cb, &r);
	for (unsigned int i = 0; i < r.n + nextra; i++) {
		dma_addr_t a = i < r.n ? (r.iova[i] & ~(iova_t)(PAGE_SIZE - 1)) + off :
					 extra[i - r.n];

		if (devthread_read(g->dt, a, got, n) == 0 && !memcmp(got, want, n))
			return true;
	}
	return false;
}

/* ---- 1. spans that wrap ---------------------------------------------------- */

/*
 * Wrapped spans, as (page, offset, len) with the page named relative to
 * three consecutive pages V (another owner's: the victim), A, A + 1 (the
 * caller's).  Each would reach @vic_off.. of V (or of frame 0 for the
 * page ~0) if its arithmetic wrapped unchecked.
 */
static const struct wrap_case {
	const char *what;
	int page;		/* 1: A; -1: the page ~0 */
	size_t offset, len;
	bool frame0;		/* the victim is frame 0, not V */
	size_t vic_off, vic_len;
} wraps[] = {
	{ "offset SIZE_MAX - 10, len 20 (offset + len wraps)", 1, (size_t)-11, 20, false,
	  PAGE_SIZE - 11, 11 },
	{ "offset -PAGE_SIZE, len PAGE_SIZE (page + offset wraps to the page before)", 1,
	  (size_t)0 - PAGE_SIZE, PAGE_SIZE, false, 0, 64 },
	{ "offset -PAGE_SIZE, len 2 pages", 1, (size_t)0 - PAGE_SIZE, 2 * PAGE_SIZE, false, 0, 64 },
	{ "page ~0, offset PAGE_SIZE, len PAGE_SIZE (page << PAGE_SHIFT wraps to frame 0)", -1,
	  PAGE_SIZE, PAGE_SIZE, true, 0, 64 },
	{ "offset 0, len 2^40 (beyond memory)", 1, 0, (size_t)1 << 40, false, 0, 64 },
	{ "offset 0, len 0", 1, 0, 0, false, 0, 64 },
};

static pfn_t wrap_page(const struct wrap_case *w, pfn_t v)
{
	return w->page < 0 ? ~(pfn_t)0 : v + (pfn_t)w->page;
}

/*
 * The bytes a wrap would reach, as they are now (frame 0's unknown content
 * is taken as it is: reading it back is reaching it).
 */
static const uint8_t *victim_bytes(struct rig *g, const struct wrap_case *w, pfn_t v)
{
	return (w->frame0 ? va_of(g, 0) : va_of(g, v)) + w->vic_off;
}

static void check_victim_unreached(struct rig *g, const struct wrap_case *w, pfn_t v,
				   const dma_addr_t *extra, unsigned int nextra)
{
	pfn_t vic = w->frame0 ? 0 : v;

	if (!translating(g))
		return;		/* passthrough reaches every frame by design */
	CHECK(!device_reads(g, vic, w->vic_off, victim_bytes(g, w, v), w->vic_len, extra, nextra),
	      "%s, %s: the device read the victim's bytes", g->name, w->what);
}

/* Regression: rmo_register() mapped a segment whose span wraps (issue 17 item 1). */
static void test_rmo_register_wrapped_span_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_PT) {
		struct rreuse *r = rreuse_create(g.dev);
		pfn_t v;

		REQUIRE(r, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 3, &v), "%s", g.name);
		fill(va_of(&g, v), PAGE_SIZE, 1);
		fill(va_of(&g, v + 1), 2 * PAGE_SIZE, 2);
		for (size_t i = 0; i < ARRAY_SIZE(wraps); i++) {
			const struct wrap_case *w = &wraps[i];
			struct rseg seg = { wrap_page(w, v), w->offset, w->len };
			unsigned int ref = page_refcount(g.lab->pa, v + 1), logged;
			struct reuse_stats before, after;
			struct dma_before db;
			struct warn_cap cap;
			struct rmo *mo;

			rreuse_stats(r, &before);
			dma_before(&g, &db);
			cap_begin(&cap);
			mo = rmo_register(r, &seg, 1, DMA_BIDIRECTIONAL, NULL, NULL);
			logged = cap_end(&cap);
			CHECK(mo == NULL, "%s, %s: registered", g.name, w->what);
			rreuse_stats(r, &after);
			CHECK(after.errors == before.errors + 1 && after.maps == before.maps &&
			      after.pages_pinned == before.pages_pinned,
			      "%s, %s: errors %llu -> %llu, maps %llu -> %llu", g.name, w->what,
			      (unsigned long long)before.errors, (unsigned long long)after.errors,
			      (unsigned long long)before.maps, (unsigned long long)after.maps);
			CHECK(logged == 1, "%s, %s: %u lines logged", g.name, w->what, logged);
			CHECK(page_refcount(g.lab->pa, v + 1) == ref, "%s, %s: a page was pinned",
			      g.name, w->what);
			check_dma_untouched(&g, &db, w->what);
			check_victim_unreached(&g, w, v, NULL, 0);
			if (mo) {
				rmo_for_device(mo);
				rmo_for_cpu(mo);
				rmo_unregister(mo);
			}
		}
		CHECK(rreuse_destroy(r) == 0, "%s", g.name);
		put_pages(&g, v, 3);
		rig_down(&g);
	}
}

/* Regression: reuse_map_sg() registered a list whose entry wraps. */
static void test_reusable_sg_wrapped_entry_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_PT) {
		struct rreuse *r = rreuse_create(g.dev);
		struct reuse_stats before, after;
		struct scatterlist sg[2];
		struct dma_before db;
		pfn_t v;
		int ret;

		REQUIRE(r, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 3, &v), "%s", g.name);
		fill(va_of(&g, v), PAGE_SIZE, 3);
		/* Entry 1 names a frame whose address wraps (the top bit shifts out) onto V. */
		sg_init_table(sg, 2);
		sg_set_page(&sg[0], v + 2, 512, 0);
		sg[1].page = v | ((pfn_t)1 << (64 - PAGE_SHIFT));
		sg[1].offset = 0;
		sg[1].length = 64;
		REQUIRE(sg_mark_reusable(sg, 2, r, NULL, NULL) == 0, "%s", g.name);
		rreuse_stats(r, &before);
		dma_before(&g, &db);
		ret = reuse_map_sg(sg, 2, DMA_TO_DEVICE);
		CHECK(ret == -EINVAL, "%s: reuse_map_sg: %d", g.name, ret);
		rreuse_stats(r, &after);
		CHECK(after.errors == before.errors + 1 && after.maps == before.maps,
		      "%s: errors %llu -> %llu, maps %llu -> %llu", g.name,
		      (unsigned long long)before.errors, (unsigned long long)after.errors,
		      (unsigned long long)before.maps, (unsigned long long)after.maps);
		check_dma_untouched(&g, &db, "a wrapped entry");
		if (translating(&g))
			CHECK(!device_reads(&g, v, 0, va_of(&g, v), 64, NULL, 0),
			      "%s: the device read the victim's page", g.name);
		if (ret == 0)
			reuse_unmap_sg(sg, 2, DMA_TO_DEVICE);
		CHECK(sg_mark_stop_reuse(sg) == 0, "%s", g.name);
		CHECK(rreuse_destroy(r) == 0, "%s", g.name);
		put_pages(&g, v, 3);
		rig_down(&g);
	}
}

/* Regression: rcache_map() mapped a whole-page span whose address wraps. */
static void test_cache_map_wrapped_span_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_PT) {
		struct rcache *c = rcache_create(g.dev, 0, 0);
		pfn_t v;

		REQUIRE(c, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 3, &v), "%s", g.name);
		fill(va_of(&g, v), PAGE_SIZE, 4);
		for (size_t i = 0; i < ARRAY_SIZE(wraps); i++) {
			const struct wrap_case *w = &wraps[i];
			struct reuse_stats before, after;
			unsigned int ref = page_refcount(g.lab->pa, v + 1), logged;
			struct dma_before db;
			struct rmap_handle h = { 0 };
			struct warn_cap cap;
			int ret;

			if (((w->offset | w->len) & (PAGE_SIZE - 1)))
				continue;	/* sub-page: refused for that alone */
			rcache_stats(c, &before);
			dma_before(&g, &db);
			cap_begin(&cap);
			ret = rcache_map(c, wrap_page(w, v), w->offset, w->len, DMA_BIDIRECTIONAL, &h);
			logged = cap_end(&cap);
			CHECK(ret == -EINVAL, "%s, %s: rcache_map: %d", g.name, w->what, ret);
			rcache_stats(c, &after);
			CHECK(after.errors == before.errors + 1 && after.maps == before.maps &&
			      after.pages_pinned == before.pages_pinned,
			      "%s, %s: errors %llu -> %llu, maps %llu -> %llu", g.name, w->what,
			      (unsigned long long)before.errors, (unsigned long long)after.errors,
			      (unsigned long long)before.maps, (unsigned long long)after.maps);
			CHECK(logged == 1, "%s, %s: %u lines logged", g.name, w->what, logged);
			CHECK(page_refcount(g.lab->pa, v + 1) == ref, "%s, %s: a page was pinned",
			      g.name, w->what);
			check_dma_untouched(&g, &db, w->what);
			check_victim_unreached(&g, w, v, ret ? NULL : &h.dma, ret ? 0 : 1);
			if (!ret)
				rcache_unmap(c, &h);
		}
		rcache_shrink(c, (size_t)-1);
		CHECK(rcache_destroy(c) == 0, "%s", g.name);
		put_pages(&g, v, 3);
		rig_down(&g);
	}
}

/* Regression: rlink_map() linked a span whose address wraps (osdep_iova_link too). */
static void test_link_map_wrapped_span_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_LAZY) {
		struct rlink *l = rlink_create(g.dev, 4 * PAGE_SIZE);
		dma_addr_t range[4];
		struct rmap_handle h;
		pfn_t v;

		REQUIRE(l, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 3, &v), "%s", g.name);
		fill(va_of(&g, v), PAGE_SIZE, 5);
		/* The range's pages, for the device to try. */
		REQUIRE(rlink_map(l, v + 1, 0, 1, DMA_TO_DEVICE, &h) == 0, "%s", g.name);
		CHECK(rlink_unmap(l, &h) == 0, "%s", g.name);
		for (unsigned int k = 0; k < 4; k++)
			range[k] = (h.dma & ~(dma_addr_t)(PAGE_SIZE - 1)) + k * PAGE_SIZE;
		for (size_t i = 0; i < ARRAY_SIZE(wraps); i++) {
			const struct wrap_case *w = &wraps[i];
			struct reuse_stats before, after;
			dma_addr_t extra[4];
			struct dma_before db;
			struct warn_cap cap;
			unsigned int logged;
			int ret;

			rlink_stats(l, &before);
			dma_before(&g, &db);
			cap_begin(&cap);
			ret = rlink_map(l, wrap_page(w, v), w->offset, w->len, DMA_BIDIRECTIONAL, &h);
			logged = cap_end(&cap);
			CHECK(ret == -EINVAL, "%s, %s: rlink_map: %d", g.name, w->what, ret);
			rlink_stats(l, &after);
			CHECK(after.errors == before.errors + 1 && after.maps == before.maps &&
			      after.in_use == before.in_use,
			      "%s, %s: errors %llu -> %llu, maps %llu -> %llu", g.name, w->what,
			      (unsigned long long)before.errors, (unsigned long long)after.errors,
			      (unsigned long long)before.maps, (unsigned long long)after.maps);
			CHECK(logged == 1, "%s, %s: %u lines logged", g.name, w->what, logged);
			check_dma_untouched(&g, &db, w->what);
			for (unsigned int k = 0; k < 4; k++)
				extra[k] = range[k] + w->vic_off;
			check_victim_unreached(&g, w, v, extra, 4);
			if (!ret)
				rlink_unmap(l, &h);
		}
		CHECK(rlink_destroy(l) == 0, "%s", g.name);
		put_pages(&g, v, 3);
		rig_down(&g);
	}
}

/* The mechanisms an rmapper takes on a device of @type. */
static unsigned int mapper_strategies(enum dma_domain_type type, enum reuse_mech *out)
{
	unsigned int n = 0;

	switch (type) {
	case DMA_DOMAIN_STRICT:
		out[n++] = RMECH_NONE;
		out[n++] = RMECH_CACHE;
		out[n++] = RMECH_IOVA_LINK;
		out[n++] = RMECH_AUTO;
		break;
	case DMA_DOMAIN_LAZY:
		out[n++] = RMECH_NONE;
		out[n++] = RMECH_IOVA_LINK;
		break;
	default:
		out[n++] = RMECH_NONE;
		out[n++] = RMECH_CACHE;
		out[n++] = RMECH_AUTO;
		break;
	}
	out[n++] = RMECH_BOUNCE;
	return n;
}

static const struct rmapper_cfg mcfg = { .auto_crossover = 1024, .link_bytes = 16 * PAGE_SIZE };

/* Regression: rmapper_map() took a buffer whose cpu + len wraps, or that is no memory. */
static void test_mapper_wrapped_buffer_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		enum reuse_mech ss[6];
		unsigned int ns = mapper_strategies(g.v->type, ss);

		for (unsigned int si = 0; si < ns; si++) {
			const char *sname = reuse_mech_name(ss[si]);
			struct rmapper *m = rmapper_create(g.dev, ss[si], &mcfg);
			uint8_t *arena = va_of(&g, 0);
			const struct {
				const char *what;
				void *cpu;
				size_t len;
				bool bounce_too;	/* also for a path that copies */
			} cases[] = {
				{ "cpu + len wraps", (void *)(UINTPTR_MAX - 100), 200, true },
				{ "cpu + len wraps, whole pages",
				  (void *)(UINTPTR_MAX & ~(uintptr_t)(PAGE_SIZE - 1)), 2 * PAGE_SIZE,
				  true },
				{ "cpu NULL", NULL, 64, true },
				{ "two pages below the arena", arena - 2 * PAGE_SIZE, 2 * PAGE_SIZE,
				  false },
			};

			REQUIRE(m, "%s: %s", g.name, sname);
			for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
				struct reuse_stats before, after;
				struct rmap_handle h = { .kind = 0 };
				struct dma_before db;
				struct warn_cap cap;
				unsigned int logged;
				int ret;

				if (!cases[i].bounce_too && ss[si] == RMECH_BOUNCE)
					continue;	/* a CPU-side copy: the caller's memory */
				rmapper_stats(m, &before);
				dma_before(&g, &db);
				cap_begin(&cap);
				ret = rmapper_map(m, cases[i].cpu, cases[i].len, DMA_TO_DEVICE, &h);
				logged = cap_end(&cap);
				CHECK(ret == -EINVAL, "%s, %s, %s: rmapper_map: %d", g.name, sname,
				      cases[i].what, ret);
				rmapper_stats(m, &after);
				CHECK(after.errors == before.errors + 1 && after.in_use == before.in_use,
				      "%s, %s, %s: errors %llu -> %llu, in use %llu -> %llu", g.name,
				      sname, cases[i].what, (unsigned long long)before.errors,
				      (unsigned long long)after.errors,
				      (unsigned long long)before.in_use,
				      (unsigned long long)after.in_use);
				CHECK(logged == 1, "%s, %s, %s: %u lines logged", g.name, sname,
				      cases[i].what, logged);
				check_dma_untouched(&g, &db, cases[i].what);
				if (!ret)
					rmapper_unmap(m, &h);
			}
			CHECK(rmapper_destroy(m) == 0, "%s: %s", g.name, sname);
		}
		rig_down(&g);
	}
}

/* ---- 2. handles that are not the object's, or not as lent ------------------ */

/*
 * Regression (issue 17 item 3): rbounce_unmap() took a handle of another
 * pool, put pool A's buffer on pool B's free list (B then lent it out again
 * while A's user still had it) and underflowed B's lent count.
 */
static void test_bounce_unmap_foreign_handle_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		struct rbounce *a = rbounce_create(g.dev, 0), *b = rbounce_create(g.dev, 0);
		uint8_t mine[1000], want[1000], dev_bytes[1000];
		struct reuse_stats sa, sb;
		struct rmap_handle ha, hb;
		struct dma_before db;
		struct warn_cap cap;
		unsigned int logged;
		int r1, r2, r3;

		REQUIRE(a && b, "%s", g.name);
		fill(mine, sizeof(mine), 7);
		memcpy(want, mine, sizeof(want));
		REQUIRE(rbounce_map(a, mine, sizeof(mine), DMA_BIDIRECTIONAL, &ha) == 0, "%s", g.name);
		dma_before(&g, &db);
		cap_begin(&cap);
		r1 = rbounce_unmap(b, &ha);
		r2 = rbounce_sync_for_cpu(b, &ha);
		r3 = rbounce_sync_for_device(b, &ha);
		logged = cap_end(&cap);
		CHECK(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL,
		      "%s: pool B took pool A's handle: unmap %d, sync_for_cpu %d, "
		      "sync_for_device %d", g.name, r1, r2, r3);
		CHECK(logged == 3, "%s: %u lines logged for 3 refusals", g.name, logged);
		check_dma_untouched(&g, &db, "a foreign bounce handle");
		rbounce_stats(a, &sa);
		rbounce_stats(b, &sb);
		CHECK(sb.errors == 3 && sb.in_use == 0 && sa.errors == 0 && sa.in_use == 1,
		      "%s: B errors %llu in use %llu, A errors %llu in use %llu", g.name,
		      (unsigned long long)sb.errors, (unsigned long long)sb.in_use,
		      (unsigned long long)sa.errors, (unsigned long long)sa.in_use);
		/* B lends its own buffer, never A's, and the device writes into it. */
		REQUIRE(rbounce_map(b, mine, sizeof(mine), DMA_FROM_DEVICE, &hb) == 0, "%s", g.name);
		CHECK(hb.dma != ha.dma, "%s: B lent A's buffer (dma %#llx) again", g.name,
		      (unsigned long long)ha.dma);
		memset(dev_bytes, 0xee, sizeof(dev_bytes));
		CHECK(devthread_write(g.dt, hb.dma, dev_bytes, sizeof(dev_bytes)) == 0, "%s", g.name);
		CHECK(rbounce_unmap(b, &hb) == 0, "%s", g.name);
		/* A's user takes back its own bytes: B's device write did not land in them. */
		memset(mine, 0, sizeof(mine));
		CHECK(rbounce_unmap(a, &ha) == 0, "%s: A's buffer is still A's", g.name);
		CHECK(!memcmp(mine, want, sizeof(want)), "%s: A's bytes changed under it", g.name);
		CHECK(rbounce_destroy(a) == 0 && rbounce_destroy(b) == 0,
		      "%s: a pool reports buffers lent", g.name);
		rig_down(&g);
	}
}

/*
 * Regression: a copy of a bounce handle, kept after its unmap, was taken
 * back while its buffer was lent to the next user: that user's buffer went
 * back on the free list under it.
 */
static void test_bounce_stale_handle_copy_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		struct rbounce *b = rbounce_create(g.dev, 0);
		uint8_t buf[200], dev_bytes[200];
		struct rmap_handle h, copy, h2;
		struct reuse_stats st;
		struct warn_cap cap;
		unsigned int logged;
		int r1, r2;

		REQUIRE(b, "%s", g.name);
		memset(buf, 1, sizeof(buf));
		REQUIRE(rbounce_map(b, buf, sizeof(buf), DMA_BIDIRECTIONAL, &h) == 0, "%s", g.name);
		copy = h;
		CHECK(rbounce_unmap(b, &h) == 0, "%s", g.name);
		REQUIRE(rbounce_map(b, buf, sizeof(buf), DMA_FROM_DEVICE, &h2) == 0, "%s", g.name);
		CHECK(h2.dma == copy.dma, "%s: the free list is LIFO (the case under test)", g.name);
		cap_begin(&cap);
		r1 = rbounce_unmap(b, &copy);
		r2 = rbounce_sync_for_cpu(b, &copy);
		logged = cap_end(&cap);
		CHECK(r1 == -EINVAL && r2 == -EINVAL, "%s: stale copy: unmap %d, sync %d", g.name,
		      r1, r2);
		CHECK(logged == 2, "%s: %u lines logged", g.name, logged);
		rbounce_stats(b, &st);
		CHECK(st.in_use == 1 && st.errors == 2, "%s: in use %llu errors %llu", g.name,
		      (unsigned long long)st.in_use, (unsigned long long)st.errors);
		/* The buffer is still the second user's: the device's bytes reach it. */
		memset(dev_bytes, 0x77, sizeof(dev_bytes));
		CHECK(devthread_write(g.dt, h2.dma, dev_bytes, sizeof(dev_bytes)) == 0, "%s", g.name);
		CHECK(rbounce_unmap(b, &h2) == 0, "%s", g.name);
		CHECK(!memcmp(buf, dev_bytes, sizeof(buf)), "%s: the second user lost its data",
		      g.name);
		CHECK(rbounce_destroy(b) == 0, "%s", g.name);
		rig_down(&g);
	}
}

/*
 * Regression: a bounce handle whose len was raised made sync and unmap copy
 * beyond its buffer -- out of, and into, the next user's bounce buffer.
 */
static void test_bounce_longer_handle_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		struct rbounce *b = rbounce_create(g.dev, 0);
		uint8_t cpu[2 * 256], other[256], got[256];
		struct rmap_handle h[4], *x = &h[3];
		struct reuse_stats st;
		struct warn_cap cap;
		unsigned int logged;
		int r[3];

		REQUIRE(b, "%s", g.name);
		fill(other, sizeof(other), 9);
		/* Four 256-byte buffers of one chunk, each another user's. */
		for (int i = 0; i < 4; i++)
			REQUIRE(rbounce_map(b, other, 256, DMA_BIDIRECTIONAL, &h[i]) == 0, "%s",
				g.name);
		memset(cpu, 0xaa, sizeof(cpu));
		x->cpu = cpu;
		x->len = 512;
		cap_begin(&cap);
		r[0] = rbounce_sync_for_cpu(b, x);
		r[1] = rbounce_sync_for_device(b, x);
		r[2] = rbounce_unmap(b, x);
		logged = cap_end(&cap);
		CHECK(r[0] == -EINVAL && r[1] == -EINVAL && r[2] == -EINVAL,
		      "%s: len 512 on a 256-byte buffer: sync_for_cpu %d, sync_for_device %d, "
		      "unmap %d", g.name, r[0], r[1], r[2]);
		CHECK(logged == 3, "%s: %u lines logged", g.name, logged);
		for (size_t i = 0; i < sizeof(cpu); i++)
			if (cpu[i] != 0xaa) {
				CHECK(false, "%s: byte %zu of the caller's buffer written", g.name, i);
				break;
			}
		/* Every other user's bounce buffer still holds its bytes. */
		for (int i = 0; i < 3; i++) {
			CHECK(devthread_read(g.dt, h[i].dma, got, sizeof(got)) == 0, "%s", g.name);
			CHECK(!memcmp(got, other, sizeof(got)), "%s: buffer %d overwritten", g.name, i);
		}
		x->len = 256;
		x->cpu = other;
		rbounce_stats(b, &st);
		CHECK(st.in_use == 4 && st.errors == 3, "%s: in use %llu errors %llu", g.name,
		      (unsigned long long)st.in_use, (unsigned long long)st.errors);
		for (int i = 0; i < 4; i++)
			CHECK(rbounce_unmap(b, &h[i]) == 0, "%s: buffer %d", g.name, i);
		CHECK(rbounce_destroy(b) == 0, "%s", g.name);
		rig_down(&g);
	}
}

/* Regression: rbounce_unmap_partial() with @used beyond the buffer returned 0. */
static void test_bounce_unmap_partial_beyond_len_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		struct rbounce *b = rbounce_create(g.dev, 0);
		uint8_t buf[300];
		struct rmap_handle h;
		struct reuse_stats st;
		int ret;

		REQUIRE(b, "%s", g.name);
		REQUIRE(rbounce_map(b, buf, sizeof(buf), DMA_FROM_DEVICE, &h) == 0, "%s", g.name);
		ret = rbounce_unmap_partial(b, &h, sizeof(buf) + 1);
		CHECK(ret == -EINVAL, "%s: used %zu of %zu: %d", g.name, sizeof(buf) + 1,
		      sizeof(buf), ret);
		rbounce_stats(b, &st);
		CHECK(st.in_use == 1 && st.errors == 1, "%s: in use %llu errors %llu", g.name,
		      (unsigned long long)st.in_use, (unsigned long long)st.errors);
		CHECK(rbounce_unmap_partial(b, &h, sizeof(buf)) == 0, "%s", g.name);
		CHECK(rbounce_destroy(b) == 0, "%s", g.name);
		rig_down(&g);
	}
}

/*
 * Regression: rpool_put() with a length beyond the buffer returned 0 (and
 * synced a clamped length); a buffer whose dma the driver changed was put
 * back and unmapped at that address.
 */
static void test_pool_put_beyond_buffer_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		struct rpool *p = rpool_create(g.dev, PAGE_SIZE, 2, DMA_BIDIRECTIONAL);
		struct reuse_stats before, after;
		struct dma_before db;
		struct rpool_buf *b;
		struct warn_cap cap;
		unsigned int logged;
		dma_addr_t dma;
		int r1, r2, r3;
		uint8_t x;

		REQUIRE(p, "%s", g.name);
		b = rpool_get(p);
		REQUIRE(b, "%s", g.name);
		dma = b->dma;
		rpool_stats(p, &before);
		dma_before(&g, &db);
		cap_begin(&cap);
		r1 = rpool_put(p, b, b->size + 1);
		r2 = rpool_sync_for_cpu(p, b, b->size + 1);
		b->dma = dma + PAGE_SIZE;	/* the driver's view changed */
		r3 = rpool_put(p, b, 16);
		b->dma = dma;
		logged = cap_end(&cap);
		CHECK(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL,
		      "%s: put len %zu: %d, sync len %zu: %d, put of a changed dma: %d", g.name,
		      b->size + 1, r1, b->size + 1, r2, r3);
		CHECK(logged == 3, "%s: %u lines logged", g.name, logged);
		rpool_stats(p, &after);
		CHECK(after.errors == before.errors + 3 && after.in_use == 1 &&
		      after.syncs == before.syncs, "%s: errors %llu -> %llu, in use %llu", g.name,
		      (unsigned long long)before.errors, (unsigned long long)after.errors,
		      (unsigned long long)after.in_use);
		check_dma_untouched(&g, &db, "rpool_put beyond the buffer");
		CHECK(devthread_read(g.dt, dma, &x, 1) == 0, "%s: the lent buffer stays mapped",
		      g.name);
		CHECK(rpool_put(p, b, b->size) == 0, "%s", g.name);
		CHECK(rpool_destroy(p) == 0, "%s", g.name);
		if (g.v->type == DMA_DOMAIN_STRICT)	/* lazy: until the flush */
			CHECK(devthread_read(g.dt, dma, &x, 1) == -EFAULT,
			      "%s: the buffer is unmapped with the pool", g.name);
		rig_down(&g);
	}
}

/*
 * Regression: rcache_unmap() took a handle of another cache: the entry of
 * the first cache counted as taken back while its user still had it lent,
 * and a shrink then unmapped it under the transfer.  A stale copy of a
 * handle whose entry was released and refilled is refused too.
 */
static void test_cache_unmap_foreign_handle_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_PT) {
		struct rcache *c1 = rcache_create(g.dev, 0, 0), *c2 = rcache_create(g.dev, 0, 0);
		struct rmap_handle h, copy, h2;
		struct reuse_stats s1, s2;
		struct warn_cap cap;
		unsigned int logged;
		uint8_t got[64];
		pfn_t p;
		int r1, r2;

		REQUIRE(c1 && c2, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 2, &p), "%s", g.name);
		fill(va_of(&g, p), PAGE_SIZE, 11);
		REQUIRE(rcache_map(c1, p, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h) == 0, "%s", g.name);
		cap_begin(&cap);
		r1 = rcache_unmap(c2, &h);
		logged = cap_end(&cap);
		CHECK(r1 == -EINVAL, "%s: cache 2 took cache 1's handle: %d", g.name, r1);
		CHECK(logged == 1, "%s: %u lines logged", g.name, logged);
		rcache_stats(c1, &s1);
		rcache_stats(c2, &s2);
		CHECK(s2.errors == 1 && s1.errors == 0 && s1.in_use == 1,
		      "%s: cache 2 errors %llu, cache 1 errors %llu in use %llu", g.name,
		      (unsigned long long)s2.errors, (unsigned long long)s1.errors,
		      (unsigned long long)s1.in_use);
		/* The entry is still lent: pressure cannot unmap it under the device. */
		CHECK(rcache_shrink(c1, (size_t)-1) == 0, "%s: a lent entry was released", g.name);
		CHECK(devthread_read(g.dt, h.dma, got, sizeof(got)) == 0 &&
		      !memcmp(got, va_of(&g, p), sizeof(got)), "%s: the device lost its buffer",
		      g.name);
		/* A stale copy, once its entry is released and refilled for page p + 1. */
		copy = h;
		CHECK(rcache_unmap(c1, &h) == 0, "%s", g.name);
		CHECK(rcache_shrink(c1, (size_t)-1) == 1, "%s", g.name);
		REQUIRE(rcache_map(c1, p + 1, 0, PAGE_SIZE, DMA_BIDIRECTIONAL, &h2) == 0, "%s",
			g.name);
		CHECK(h2.priv == copy.priv, "%s: the entry was reused (the case under test)", g.name);
		copy.dma = h2.dma;	/* even with the new dma: IOVAs are reused too */
		cap_begin(&cap);
		r2 = rcache_unmap(c1, &copy);
		logged = cap_end(&cap);
		CHECK(r2 == -EINVAL, "%s: a stale copy of a refilled entry: %d", g.name, r2);
		CHECK(logged == 1, "%s: %u lines logged", g.name, logged);
		rcache_stats(c1, &s1);
		CHECK(s1.in_use == 1 && s1.errors == 1, "%s: in use %llu errors %llu", g.name,
		      (unsigned long long)s1.in_use, (unsigned long long)s1.errors);
		CHECK(rcache_unmap(c1, &h2) == 0, "%s", g.name);
		CHECK(rcache_destroy(c1) == 0 && rcache_destroy(c2) == 0, "%s", g.name);
		put_pages(&g, p, 2);
		rig_down(&g);
	}
}

/*
 * Regression: rlink_unmap() took a stale copy of a handle whose slot was
 * linked to the next user's buffer since -- unlinking that buffer under
 * its user, and freeing its slot for a third buffer -- and a handle whose
 * length was changed.
 */
static void test_link_unmap_stale_handle_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_LAZY) {
		struct rlink *l = rlink_create(g.dev, PAGE_SIZE);
		struct rmap_handle h1, copy, h2, bad;
		struct reuse_stats st;
		struct warn_cap cap;
		unsigned int logged;
		uint8_t got[64];
		pfn_t p;
		int r[3];

		REQUIRE(l, "%s", g.name);
		REQUIRE(consecutive_pages(&g, 2, &p), "%s", g.name);
		fill(va_of(&g, p), PAGE_SIZE, 12);
		fill(va_of(&g, p + 1), PAGE_SIZE, 13);
		REQUIRE(rlink_map(l, p, 0, 100, DMA_TO_DEVICE, &h1) == 0, "%s", g.name);
		copy = h1;
		CHECK(rlink_unmap(l, &h1) == 0, "%s", g.name);
		REQUIRE(rlink_map(l, p + 1, 0, 100, DMA_TO_DEVICE, &h2) == 0, "%s", g.name);
		CHECK(h2.dma == copy.dma, "%s: one slot, reused (the case under test)", g.name);
		bad = h2;
		bad.len = PAGE_SIZE;
		cap_begin(&cap);
		r[0] = rlink_unmap(l, &copy);
		r[1] = rlink_unmap(l, &bad);
		bad = h2;
		bad.dma += 8;
		r[2] = rlink_unmap(l, &bad);
		logged = cap_end(&cap);
		CHECK(r[0] == -EINVAL && r[1] == -EINVAL && r[2] == -EINVAL,
		      "%s: stale copy %d, changed len %d, changed dma %d", g.name, r[0], r[1], r[2]);
		CHECK(logged == 3, "%s: %u lines logged", g.name, logged);
		rlink_stats(l, &st);
		CHECK(st.in_use == 1 && st.errors == 3, "%s: in use %llu errors %llu", g.name,
		      (unsigned long long)st.in_use, (unsigned long long)st.errors);
		CHECK(devthread_read(g.dt, h2.dma, got, sizeof(got)) == 0 &&
		      !memcmp(got, va_of(&g, p + 1), sizeof(got)),
		      "%s: the second user's buffer was unlinked", g.name);
		CHECK(rlink_unmap(l, &h2) == 0, "%s", g.name);
		CHECK(rlink_destroy(l) == 0, "%s", g.name);
		put_pages(&g, p, 2);
		rig_down(&g);
	}
}

/* Buffer shapes that take each path of a mapper: small (bounce), whole pages, odd. */
static const struct { size_t off, len; } shapes[] = {
	{ 100, 100 }, { 0, 2 * PAGE_SIZE }, { 100, 3000 },
};

/*
 * Regression: a mapper took handles another mapper lent (bounced, cached,
 * direct), and handles whose dma or len changed: a cached one was synced
 * and counted as taken back, a direct one unmapped at whatever it named.
 */
static void test_mapper_foreign_or_changed_handle_refused(void)
{
	struct rig g;

	FOR_EACH_RIG(g, ON_ALL) {
		enum reuse_mech ss[6];
		unsigned int ns = mapper_strategies(g.v->type, ss);
		uint8_t *va;
		pfn_t p;

		REQUIRE(pages_alloc(g.lab->pa, 3, 300, true, &p) == 0, "%s", g.name);
		va = va_of(&g, p);
		for (unsigned int si = 0; si < ns; si++) {
			const char *sname = reuse_mech_name(ss[si]);
			struct rmapper *m1 = rmapper_create(g.dev, ss[si], &mcfg);
			struct rmapper *m2 = rmapper_create(g.dev, ss[si], &mcfg);

			REQUIRE(m1 && m2, "%s: %s", g.name, sname);
			for (size_t k = 0; k < ARRAY_SIZE(shapes); k++) {
				uint8_t *cpu = va + shapes[k].off;
				size_t len = shapes[k].len;
				struct rmap_handle h, h2, bad;
				struct reuse_stats a0, a1, b0, b1;
				struct dma_before db;
				struct warn_cap cap;
				unsigned int logged;
				int r[8], nr = 0;
				bool all = true;

				/* m2 has a buffer of its own lent: its counts are not all zero. */
				REQUIRE(rmapper_map(m2, va + 4 * PAGE_SIZE + shapes[k].off, len,
						    DMA_TO_DEVICE, &h2) == 0,
					"%s: %s shape %zu", g.name, sname, k);
				REQUIRE(rmapper_map(m1, cpu, len, DMA_TO_DEVICE, &h) == 0,
					"%s: %s shape %zu", g.name, sname, k);
				rmapper_stats(m1, &a0);
				rmapper_stats(m2, &b0);
				dma_before(&g, &db);
				cap_begin(&cap);
				r[nr++] = rmapper_sync_for_cpu(m2, &h);
				r[nr++] = rmapper_sync_for_device(m2, &h);
				r[nr++] = rmapper_unmap(m2, &h);
				bad = h;
				bad.len = len + PAGE_SIZE;
				r[nr++] = rmapper_sync_for_device(m1, &bad);
				r[nr++] = rmapper_unmap(m1, &bad);
				bad = h;
				bad.dma += PAGE_SIZE;
				r[nr++] = rmapper_sync_for_cpu(m1, &bad);
				r[nr++] = rmapper_unmap(m1, &bad);
				logged = cap_end(&cap);
				for (int i = 0; i < nr; i++)
					all &= r[i] == -EINVAL;
				CHECK(all, "%s, %s, shape %zu: foreign sync/sync/unmap %d %d %d, "
				      "longer sync/unmap %d %d, moved sync/unmap %d %d", g.name, sname, k,
				      r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
				CHECK(logged == (unsigned int)nr, "%s, %s, shape %zu: %u lines logged "
				      "for %d refusals", g.name, sname, k, logged, nr);
				check_dma_untouched(&g, &db, "foreign or changed mapper handles");
				rmapper_stats(m1, &a1);
				rmapper_stats(m2, &b1);
				CHECK(a1.in_use == a0.in_use && b1.in_use == b0.in_use &&
				      a1.errors + b1.errors == a0.errors + b0.errors + (uint64_t)nr,
				      "%s, %s, shape %zu: in use %llu -> %llu and %llu -> %llu, "
				      "errors %llu -> %llu", g.name, sname, k,
				      (unsigned long long)a0.in_use, (unsigned long long)a1.in_use,
				      (unsigned long long)b0.in_use, (unsigned long long)b1.in_use,
				      (unsigned long long)(a0.errors + b0.errors),
				      (unsigned long long)(a1.errors + b1.errors));
				if (translating(&g)) {
					uint8_t got[64];

					CHECK(devthread_read(g.dt, h.dma, got, sizeof(got)) == 0,
					      "%s, %s, shape %zu: the lent buffer was taken away",
					      g.name, sname, k);
				}
				CHECK(rmapper_unmap(m1, &h) == 0, "%s, %s, shape %zu", g.name, sname, k);
				CHECK(rmapper_unmap(m2, &h2) == 0, "%s, %s, shape %zu", g.name, sname, k);
			}
			CHECK(rmapper_destroy(m1) == 0 && rmapper_destroy(m2) == 0, "%s: %s", g.name,
			      sname);
		}
		page_put(g.lab->pa, p);
		rig_down(&g);
	}
}

/* ---- 3. create sizes that overflow ----------------------------------------- */

/*
 * Run @fn(@arg) in a child process with its own lab; true if it returned
 * true within @secs seconds.  A call that loops forever fails the test
 * instead of hanging the run.
 */
static bool child_within(bool (*fn)(const struct variant *v, size_t arg),
			 const struct variant *v, size_t arg, unsigned int secs)
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		test_failures = 0;	/* the child's own checks only */
		alarm(secs);
		_exit(fn(v, arg) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid)
		return false;
	if (WIFSIGNALED(status))
		fprintf(stderr, "  child: killed by signal %d%s\n", WTERMSIG(status),
			WTERMSIG(status) == SIGALRM ? " (timed out)" : "");
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* In a child: rpool_create() with @size refuses (NULL), or for a size that fits, works. */
static bool pool_create_child(const struct variant *v, size_t size)
{
	bool fits = size <= ((size_t)PAGE_SIZE << PAGE_MAX_ORDER);
	struct rpool *p;
	struct rig g;
	bool ok;

	if (!rig_up(&g, v))
		return false;
	p = rpool_create(g.dev, size, 1, DMA_TO_DEVICE);
	ok = fits ? p != NULL : p == NULL;
	if (p)
		ok &= rpool_destroy(p) == 0;
	rig_down(&g);
	return ok && !test_failures;
}

/*
 * Regression (issue 17 item 5): rpool_create() with a buffer size above
 * 2^63 looped forever (the shift computing its order passed 64 bits).
 */
static void test_pool_create_huge_size_refused(void)
{
	static const size_t sizes[] = {
		((size_t)1 << 63) + 1, (size_t)-1, ((size_t)PAGE_SIZE << PAGE_MAX_ORDER) + 1,
		(size_t)PAGE_SIZE << PAGE_MAX_ORDER,
	};

	for (size_t vi = 0; vi < ARRAY_SIZE(variants); vi++)
		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
			CHECK(child_within(pool_create_child, &variants[vi], sizes[i], 5),
			      "%s, dma_debug %s: rpool_create(size %#zx)",
			      dma_domain_type_name(variants[vi].type),
			      variants[vi].debug ? "on" : "off", sizes[i]);
}

/*
 * Regression: rlink_create() with a size near SIZE_MAX rounded it up past
 * zero and silently made a 1024-page context.
 */
static void test_link_create_huge_size_refused(void)
{
	static const size_t sizes[] = { (size_t)-1, (size_t)0 - PAGE_SIZE + 1, (size_t)1 << 60 };
	struct rig g;

	FOR_EACH_RIG(g, ON_STRICT | ON_LAZY) {
		struct rmapper_cfg cfg = { .link_bytes = (size_t)-1 };
		struct rmapper *m;

		for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
			struct rlink *l = rlink_create(g.dev, sizes[i]);

			CHECK(l == NULL, "%s: rlink_create(%#zx) made a context", g.name, sizes[i]);
			if (l)
				rlink_destroy(l);
		}
		m = rmapper_create(g.dev, RMECH_IOVA_LINK, &cfg);
		CHECK(m == NULL, "%s: an iova-link mapper of SIZE_MAX bytes", g.name);
		if (m)
			rmapper_destroy(m);
		rig_down(&g);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_rmo_register_wrapped_span_refused),
		TEST(test_reusable_sg_wrapped_entry_refused),
		TEST(test_cache_map_wrapped_span_refused),
		TEST(test_link_map_wrapped_span_refused),
		TEST(test_mapper_wrapped_buffer_refused),
		TEST(test_bounce_unmap_foreign_handle_refused),
		TEST(test_bounce_stale_handle_copy_refused),
		TEST(test_bounce_longer_handle_refused),
		TEST(test_bounce_unmap_partial_beyond_len_refused),
		TEST(test_pool_put_beyond_buffer_refused),
		TEST(test_cache_unmap_foreign_handle_refused),
		TEST(test_link_unmap_stale_handle_refused),
		TEST(test_mapper_foreign_or_changed_handle_refused),
		TEST(test_pool_create_huge_size_refused),
		TEST(test_link_create_huge_size_refused),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
