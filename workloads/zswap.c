// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * zswap.c - the zswap workload (see zswap.h).
 *
 * The store is a per-CPU zpool: objects bump-allocated in pages from the
 * page allocator, 8-byte aligned, never straddling a page -- so a load's
 * source is a sub-page buffer inside a page shared with other objects, as
 * zsmalloc's are; a load copies it into the per-CPU buffer first (see
 * load_one()).  A compressed result larger than a page is stored raw
 * (the whole original page).  Entries remember kind, length and location;
 * the original bytes are regenerated from (seed, cpu, index) at load.
 *
 * Timing: each thread sums the DMA-layer ns the driver reports, and the
 * latency of every engine request (submit to completion) goes into a
 * histogram.  The store phase is followed by the load phase on the same
 * threads; ops = pages that went through both.
 *
 * Memory: the store holds every page until the load phase, so the arena
 * is sized for the pages to store (ZSWAP_MAX_PAGES at most, zswap.h).  A
 * count beyond that is refused up front; a timed run gives each thread a
 * budget, its share of the arena, and ends the store phase there.
 *
 * Errors: an entry exists only for a page that was stored (a store that
 * fails half way takes its entry back and frees its page), so the load
 * phase never reads a half-made entry.  A page counts as failed only when
 * its bytes did not come back; a load that finds no memory (no page to
 * load into, no memory to map the decompression) is the worker's error,
 * and the loads after it still run, so that rejected pages go back to
 * their owner.  A worker thread that cannot be started fails the run; the
 * workers that did start run to their end and are joined.  Every failure
 * leaves one line in the caller's @err.
 */
#include "wl_int.h"
#include "../machine/failinject.h"

#include <dmareuse/clock.h>
#include <dmareuse/mthread.h>
#include <dmareuse/rogue.h>
#include <dmareuse/sg_reuse.h>
#include <dmareuse/zswap.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OWNER_ZSWAP_SRC 600u
#define OWNER_ZPOOL 601u
#define MAX_THREADS 64		/* real threads; more would measure the host scheduler */
#define MAX_VTHREADS 256	/* simulated CPUs */
#define MAX_ENGINE_THREADS 64		/* zip_create()'s limit on cores (zip.h) */

enum entry_how { E_SAME, E_COMP, E_RAW, E_REJECTED };

struct entry {
	uint64_t idx;
	enum entry_how how;
	uint8_t fill;			/* E_SAME */
	pfn_t pfn;			/* E_COMP / E_RAW: object location */
	unsigned int off, len;
	pfn_t kept;			/* E_REJECTED: the page stays with its owner */
};

struct zpool {
	pfn_t *pages;
	size_t npages, cap;
	pfn_t cur;
	unsigned int used;		/* bytes used in cur */
};

struct worker {
	struct mthread tid;
	bool started;			/* tid is a thread to join */
	unsigned int cpu;
	const struct zswap_params *p;
	struct os *os;
	struct zip_drv *drv;
	uint64_t deadline;
	uint64_t budget;		/* most pages to store (its arena share) */
	struct entry *e;
	size_t n, cap;
	struct zpool zp;
	pfn_t dst;			/* the per-CPU 2-page destination */
	struct scatterlist dsg[1];
	bool dst_marked;
	uint64_t dma_ns, verified, failed, rejected, engine_ops;
	uint64_t warm_ns;		/* dma_ns of the warm-up pages, left out */
	struct wl_latency lat;
	int err;
	char why[96];			/* what @err was doing */
};

void zswap_default_mix(unsigned int mix[ZK_COUNT])
{
	mix[ZK_ZERO] = 10;
	mix[ZK_TEXT] = 40;
	mix[ZK_BINARY] = 35;
	mix[ZK_RANDOM] = 15;
}

enum zswap_kind zswap_fill_page(uint8_t *page, uint64_t seed, unsigned int cpu,
				uint64_t idx, const unsigned int mix[ZK_COUNT])
{
	static const char *const words[] = {
		"the ", "page ", "of ", "memory ", "device ", "iommu ", "map ", "and ",
		"unmap ", "zswap ", "compress ", "kernel ", "buffer ", "a ", "to ", "\n",
	};
	uint64_t s = wl_fmix64(seed ^ wl_fmix64(((uint64_t)cpu << 40) ^ idx));
	unsigned int pick = (unsigned int)(s % 100), acc = 0;
	enum zswap_kind k = ZK_RANDOM;

	for (int i = 0; i < ZK_COUNT; i++) {
		acc += mix[i];
		if (pick < acc) {
			k = (enum zswap_kind)i;
			break;
		}
	}
	switch (k) {
	case ZK_ZERO:
		memset(page, 0, PAGE_SIZE);
		break;
	case ZK_TEXT:
		for (size_t o = 0; o < PAGE_SIZE;) {
			const char *w;
			size_t l;

			s = wl_fmix64(s + o);
			w = words[s % 16];
			l = strlen(w);
			if (o + l > PAGE_SIZE)
				l = PAGE_SIZE - o;
			memcpy(page + o, w, l);
			o += l;
		}
		break;
	case ZK_BINARY:
		/* records: a counter, a small flags word, some noise */
		for (size_t o = 0; o < PAGE_SIZE; o += 16) {
			uint64_t rec[2] = { idx * 256 + o / 16, (wl_fmix64(s + o) & 0xff) | 0x1000 };

			memcpy(page + o, rec, 16);
		}
		break;
	default:
		for (size_t o = 0; o < PAGE_SIZE; o += 8) {
			uint64_t v = wl_fmix64(s + o);

			memcpy(page + o, &v, 8);
		}
		break;
	}
	return k;
}

static bool same_filled(const uint8_t *p, uint8_t *val)
{
	for (size_t i = 1; i < PAGE_SIZE; i++)
		if (p[i] != p[0])
			return false;
	*val = p[0];
	return true;
}

static int zpool_alloc(struct worker *w, unsigned int len, pfn_t *pfn, unsigned int *off)
{
	struct zpool *z = &w->zp;
	unsigned int need = (len + 7) & ~7u;

	if (!z->npages || z->used + need > PAGE_SIZE) {
		if (z->npages == z->cap) {
			size_t nc = z->cap ? z->cap * 2 : 64;
			pfn_t *np = realloc(z->pages, nc * sizeof(*np));

			if (!np)
				return -ENOMEM;
			z->pages = np;
			z->cap = nc;
		}
		if (pages_alloc(os_page_alloc(w->os), 0, OWNER_ZPOOL, false, &z->cur))
			return -ENOMEM;
		z->pages[z->npages++] = z->cur;
		z->used = 0;
	}
	*pfn = z->cur;
	*off = z->used;
	z->used += need;
	return 0;
}

static uint8_t *va(struct worker *w, pfn_t pfn)
{
	return phys_to_virt(os_machine(w->os), pfn << PAGE_SHIFT);
}

static struct entry *new_entry(struct worker *w)
{
	if (w->n == w->cap) {
		size_t nc = w->cap ? w->cap * 2 : 1024;
		struct entry *ne = realloc(w->e, nc * sizeof(*ne));

		if (!ne)
			return NULL;
		w->e = ne;
		w->cap = nc;
	}
	return &w->e[w->n++];
}

/* Store page @idx: compress it into the per-CPU buffer, copy to the zpool. */
static int store_one(struct worker *w, uint64_t idx)
{
	struct page_alloc *pa = os_page_alloc(w->os);
	struct scatterlist ssg[1];
	struct entry *e = new_entry(w);
	unsigned int produced = 0;
	uint64_t t0;
	pfn_t src;
	uint8_t fill;
	int r;

	if (!e)
		return -ENOMEM;
	e->idx = idx;
	if (pages_alloc(pa, 0, OWNER_ZSWAP_SRC, false, &src))
		goto out_drop;
	zswap_fill_page(va(w, src), w->p->seed, w->cpu, idx, w->p->mix);
	if (same_filled(va(w, src), &fill)) {
		e->how = E_SAME;
		e->fill = fill;
		page_put(pa, src);
		return 0;
	}
	sg_init_table(ssg, 1);
	sg_set_page(ssg, src, PAGE_SIZE, 0);
	t0 = mclock_now();
	r = zip_drv_run(w->drv, ZIP_OP_COMPRESS, ZIP_FMT_DEFLATE, ssg, 1, PAGE_SIZE,
			w->dsg, 1, 2 * PAGE_SIZE, &produced, &w->dma_ns);
	wl_latency_add(&w->lat, mclock_now() - t0);
	w->engine_ops++;
	if (r) {
		/* zswap rejects the page; it stays with its owner (the swap device). */
		e->how = E_REJECTED;
		e->kept = src;
		w->rejected++;
		return 0;
	}
	if (produced >= PAGE_SIZE) {
		e->how = E_RAW;
		e->len = PAGE_SIZE;
		if (zpool_alloc(w, PAGE_SIZE, &e->pfn, &e->off))
			goto out_put;
		memcpy(va(w, e->pfn) + e->off, va(w, src), PAGE_SIZE);
	} else {
		e->how = E_COMP;
		e->len = produced;
		if (zpool_alloc(w, produced, &e->pfn, &e->off))
			goto out_put;
		memcpy(va(w, e->pfn) + e->off, va(w, w->dst), produced);
	}
	page_put(pa, src);
	return 0;

out_put:
	page_put(pa, src);
out_drop:
	w->n--;		/* the page was not stored: its entry was never made */
	return -ENOMEM;
}

/*
 * Load entry @e into a fresh page and compare with the original.  Return:
 * 0 (the page counted verified or failed); -ENOMEM if no memory was left
 * to load it (counted neither: its bytes were never asked for).
 */
static int load_one(struct worker *w, struct entry *e, uint8_t *want)
{
	struct page_alloc *pa = os_page_alloc(w->os);
	struct scatterlist ssg[1], dsg[1];
	unsigned int produced = 0;
	uint8_t *got;
	uint64_t t0;
	pfn_t page;
	int r = 0;

	zswap_fill_page(want, w->p->seed, w->cpu, e->idx, w->p->mix);
	if (e->how == E_REJECTED) {
		if (memcmp(va(w, e->kept), want, PAGE_SIZE))
			w->failed++;
		else
			w->verified++;
		page_put(pa, e->kept);
		return 0;
	}
	if (pages_alloc(pa, 0, OWNER_ZSWAP_SRC, false, &page))
		return -ENOMEM;
	got = va(w, page);
	if (e->how == E_SAME) {
		memset(got, e->fill, PAGE_SIZE);
	} else if (e->how == E_RAW) {
		memcpy(got, va(w, e->pfn) + e->off, PAGE_SIZE);
	} else {
		/*
		 * The zpool maps an object only atomically (zsmalloc does), and
		 * the engine may sleep: as Linux's zswap does for an asynchronous
		 * compressor, copy the object into the per-CPU buffer and
		 * decompress from there -- under every strategy.  Marked
		 * reusable, the buffer is then a hit as source too.
		 */
		memcpy(va(w, w->dst), va(w, e->pfn) + e->off, e->len);
		sg_init_table(ssg, 1);
		sg_set_page(ssg, w->dst, e->len, 0);
		sg_init_table(dsg, 1);
		sg_set_page(dsg, page, PAGE_SIZE, 0);
		t0 = mclock_now();
		r = zip_drv_run(w->drv, ZIP_OP_DECOMPRESS, ZIP_FMT_DEFLATE,
				w->dst_marked ? w->dsg : ssg, 1, e->len,
				dsg, 1, PAGE_SIZE, &produced, &w->dma_ns);
		wl_latency_add(&w->lat, mclock_now() - t0);
		w->engine_ops++;
		if (r == -ENOMEM) {
			/* The mapping found no memory: the engine never ran. */
			page_put(pa, page);
			return r;
		}
		if (!r && produced != PAGE_SIZE)
			r = -EIO;
	}
	if (r || memcmp(got, want, PAGE_SIZE))
		w->failed++;
	else
		w->verified++;
	page_put(pa, page);
	return 0;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct page_alloc *pa = os_page_alloc(w->os);
	struct rreuse *reg = zip_drv_registry(w->drv);
	uint8_t *want = malloc(PAGE_SIZE);

	os_set_cpu(w->cpu);
	if (!want || pages_alloc(pa, 1, OWNER_ZSWAP_SRC + 10, false, &w->dst)) {
		w->err = -ENOMEM;
		free(want);
		return NULL;
	}
	sg_init_table(w->dsg, 1);
	sg_set_page(w->dsg, w->dst, 2 * PAGE_SIZE, 0);
	if (reg) {
		w->err = sg_mark_reusable(w->dsg, 1, reg, NULL, NULL);
		w->dst_marked = !w->err;
	}
	for (uint64_t i = 0; !w->err && i < w->budget; i++) {
		if (i == w->p->warmup)
			w->warm_ns = w->dma_ns;
		if (!w->p->pages && i >= w->p->warmup && mclock_now() >= w->deadline)
			break;
		w->err = store_one(w, i);
		if (w->err)
			snprintf(w->why, sizeof(w->why), "storing page %llu",
				 (unsigned long long)i);
		if (w->p->soak.op)
			w->p->soak.op(w->p->soak.arg);
		if (i % 256 == 255)
			zip_drv_maintain(w->drv, &w->dma_ns);
	}
	if (w->n <= w->p->warmup)
		w->warm_ns = w->dma_ns;
	for (size_t i = 0; i < w->n; i++) {
		uint64_t before = w->dma_ns;
		int r = load_one(w, &w->e[i], want);

		if (i < w->p->warmup)
			w->warm_ns += w->dma_ns - before;

		if (r && !w->err) {
			w->err = r;
			snprintf(w->why, sizeof(w->why), "loading page %llu",
				 (unsigned long long)w->e[i].idx);
		}
		if (w->p->soak.op)
			w->p->soak.op(w->p->soak.arg);
		if (i % 256 == 255)
			zip_drv_maintain(w->drv, &w->dma_ns);
	}
	if (w->dst_marked && sg_mark_stop_reuse(w->dsg))
		w->err = -EBUSY;
	for (size_t i = 0; i < w->zp.npages; i++)
		page_put(pa, w->zp.pages[i]);
	page_put(pa, w->dst);
	free(w->zp.pages);
	free(w->e);
	free(want);
	return NULL;
}

/*
 * The parameters zswap_run() and zip_drv_create() would refuse, checked
 * here so that bad input is -EINVAL with a message naming it and any later
 * failure to set up is the machine's (-ENOMEM), not the caller's.
 */
static bool params_ok(const struct zswap_params *p, char *err, size_t errlen)
{
	if (!p->threads || p->threads > (p->virtual_time ? MAX_VTHREADS : MAX_THREADS)) {
		snprintf(err, errlen, "threads %u: expected 1-%d%s", p->threads,
			 p->virtual_time ? MAX_VTHREADS : MAX_THREADS,
			 p->virtual_time ? " in virtual time" : " (1-256 in virtual time)");
		return false;
	}
	if (p->pages > ZSWAP_MAX_PAGES / p->threads) {
		snprintf(err, errlen, "pages %llu per thread x %u thread(s): expected at most "
			 "%llu per thread (one run stores at most %llu pages)",
			 (unsigned long long)p->pages, p->threads,
			 (unsigned long long)(ZSWAP_MAX_PAGES / p->threads),
			 (unsigned long long)ZSWAP_MAX_PAGES);
		return false;
	}
	if (p->engine_threads > MAX_ENGINE_THREADS) {
		snprintf(err, errlen, "engine_threads %u: expected 0-%d (0 = 1)",
			 p->engine_threads, MAX_ENGINE_THREADS);
		return false;
	}
	if (p->drv.depth > ZIP_MAX_DEPTH) {
		snprintf(err, errlen, "drv.depth %u: expected 0-%d (0 = 64)", p->drv.depth,
			 ZIP_MAX_DEPTH);
		return false;
	}
	if (p->drv.level < 0 || p->drv.level > 9) {
		snprintf(err, errlen, "drv.level %d: expected 0-9 (0 = 1)", p->drv.level);
		return false;
	}
	if (p->os && os_ncpus(p->os) < p->threads + (p->engine_threads ? p->engine_threads : 1)) {
		snprintf(err, errlen, "os with %u CPU(s): expected at least %u (threads + engine "
			 "threads)", os_ncpus(p->os),
			 p->threads + (p->engine_threads ? p->engine_threads : 1));
		return false;
	}
	if (p->drv.batch_size > RBATCH_MAX_SIZE) {
		snprintf(err, errlen, "drv.batch_size %u: expected 0-%d unmaps per batch (0 = the "
			 "profile's, else %d)", p->drv.batch_size, RBATCH_MAX_SIZE,
			 RBATCH_DEFAULT_SIZE);
		return false;
	}
	return true;
}

static size_t shrink_cb(void *drv)
{
	return zip_drv_shrink(drv);
}

static int run(const struct zswap_params *p, struct wl_result *r, char *err,
	       size_t errlen)
{
	struct machine_config mc = { .profile = p->profile };
	struct zip_drv_config dc = p->drv;
	struct os_config oc = { 0 };
	struct machine *m = NULL;
	struct os *os = p->os;
	struct wl_storm storm = { 0 };
	struct zip_drv *drv = NULL;
	struct worker *w = NULL;
	struct oracle *orc = NULL;
	struct rogue *rogue = NULL;
	uint64_t start, budget, rejected = 0;
	char copies[96];
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (!params_ok(p, err, errlen))
		return -EINVAL;
	if (zip_drv_why_not(p->pair)) {
		snprintf(err, errlen, "%s", zip_drv_why_not(p->pair));
		return -EOPNOTSUPP;
	}
	/*
	 * Memory: the store keeps every page until the load phase; a stored
	 * page takes at most a page of zpool.  Timed runs store about 16k
	 * pages per thread-second here; allow for 24k, and no more than the
	 * arena can hold: that is each thread's budget (params_ok() checked
	 * that a page count fits).  Populated (touched up front, as real RAM
	 * is) when small enough to do so cheaply.
	 */
	budget = p->pages;
	if (!budget) {
		budget = (uint64_t)p->seconds * 24000;
		if (budget > ZSWAP_MAX_PAGES / p->threads)
			budget = ZSWAP_MAX_PAGES / p->threads;
	}
	if (!os) {
		mc.mem_bytes = ZSWAP_ARENA_SLACK + budget * p->threads * PAGE_SIZE;
		if (p->threads > 16)	/* the driver's bounce areas grow with the CPUs */
			mc.mem_bytes += (size_t)p->threads * (256u << 10);
		mc.populate = !p->no_populate && !p->virtual_time && mc.mem_bytes <= (512u << 20);
		m = machine_create(&mc);
		if (!m) {
			snprintf(err, errlen, "cannot create a machine of %llu MiB",
				 (unsigned long long)(mc.mem_bytes >> 20));
			return -ENOMEM;
		}
		oc.machine = m;
		oc.ncpus = p->threads + (p->engine_threads ? p->engine_threads : 1);
		os = os_create(&oc);
		if (!os) {
			machine_destroy(m);
			snprintf(err, errlen, "cannot boot the lab OS");
			return -ENOMEM;
		}
	}
	if (p->oracle || p->rogue) {
		orc = oracle_attach(os);
		if (!orc) {
			snprintf(err, errlen, "cannot attach the isolation oracle");
			ret = -ENOMEM;
			goto out;
		}
	}
	dc.pair = p->pair;
	dc.engine_threads = p->engine_threads;
	drv = zip_drv_create(os, &dc, err, errlen);
	if (!drv) {
		/* Strategy and settings were checked above: what is left is memory. */
		snprintf(err, errlen, "cannot create the zip driver: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	w = calloc(p->threads, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "out of memory for %u worker(s)", p->threads);
		ret = -ENOMEM;
		goto out;
	}
	if (p->rogue) {
		struct rogue_config rc = {
			.seed = p->seed, .rate = p->rogue_rate ? p->rogue_rate : 20000,
		};

		rogue = rogue_create(dma_device_mdev(zip_drv_dev(drv)), &rc);
		if (!rogue || rogue_start(rogue)) {
			snprintf(err, errlen, "cannot make the zip device rogue");
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = wl_storm_start(&storm, p->soak.storm_us, 0, p->seed, shrink_cb, drv);
	if (ret) {
		snprintf(err, errlen, "cannot start the storm thread: %s", strerror(-ret));
		goto out;
	}
	start = mclock_now();
	for (unsigned int i = 0; i < p->threads; i++) {
		int rc;

		w[i] = (struct worker){
			.cpu = i, .p = p, .os = os, .drv = drv,
			.deadline = start + (uint64_t)p->seconds * 1000000000ull,
			.budget = budget,
		};
		/* A thread start is an allocation point of the lab (failinject.h). */
		rc = failinject_should_fail() ? -EAGAIN :
		     mthread_create(&w[i].tid, "zswap cpu", worker_fn, &w[i]);
		if (rc) {
			/* The run has failed: start no more; join those that run. */
			w[i].err = rc;
			break;
		}
		w[i].started = true;
	}
	for (unsigned int i = 0; i < p->threads; i++) {
		if (w[i].started)
			mthread_join(&w[i].tid, NULL);
		r->ops += w[i].n;
		r->dma_cpu_ns += w[i].dma_ns - w[i].warm_ns;
		r->dma_ops += w[i].n > p->warmup ? w[i].n - p->warmup : 0;
		r->verified += w[i].verified;
		r->failed += w[i].failed;
		rejected += w[i].rejected;
		wl_latency_merge(&r->lat, &w[i].lat);
		if (w[i].err && !ret) {
			ret = w[i].err;
			snprintf(err, errlen, "worker %u: %s%s%s%s", i, w[i].started ? "" :
				 "cannot start its thread: ", w[i].why[0] ? w[i].why : "",
				 w[i].why[0] ? ": " : "", strerror(-w[i].err));
		}
	}
	r->wall_ns = mclock_now() - start;
	wl_storm_stop(&storm, r);
	r->bytes = r->ops * PAGE_SIZE;
	if (rogue) {
		struct rogue_stats rs;

		rogue_stop(rogue);
		rogue_stats_read(rogue, &rs);
		r->rogue_attempts = rs.attempts;
		r->rogue_successes = rs.successes;
	}
	if (orc) {
		const struct mdev *hw = dma_device_mdev(zip_drv_dev(drv));

		r->watched = true;
		oracle_read(orc, hw, &r->oracle);
		/* Diagnosis: DMAREUSE_ORACLE_DUMP=1 prints counts and recent findings. */
		if (getenv("DMAREUSE_ORACLE_DUMP") && r->oracle.breach)
			oracle_dump(orc, stderr);
		snprintf(r->isolation, sizeof(r->isolation), "%s", oracle_isolation(orc, hw));
	}
	iommu_stats_read(os_machine(os), &r->iommu);
	dma_stats_read(zip_drv_dev(drv), &r->dma);
	zip_drv_reuse_stats(drv, &r->reuse);
	zip_drv_copy_note(drv, copies, sizeof(copies));
	snprintf(r->note, sizeof(r->note), "%s; %s%s%llu rejected", zip_drv_note(drv),
		 copies, *copies ? "; " : "", (unsigned long long)rejected);
out:
	free(w);
	rogue_destroy(rogue);
	zip_drv_destroy(drv);
	if (orc)
		oracle_detach(orc);
	if (m) {
		if (os_destroy(os) && !ret) {
			ret = -EIO;
			snprintf(err, errlen, "frames leaked at teardown");
		}
		machine_destroy(m);
	}
	return ret;
}

struct virtual_run {
	const struct zswap_params *p;
	struct wl_result *r;
	char *err;
	size_t errlen;
	int ret;
};

static void virtual_body(void *arg)
{
	struct virtual_run *v = arg;

	v->ret = run(v->p, v->r, v->err, v->errlen);
}

int zswap_run(const struct zswap_params *p, struct wl_result *r, char *err,
	      size_t errlen)
{
	struct virtual_run v = { p, r, err, errlen, 0 };
	int ret;

	if (!p->virtual_time)
		return run(p, r, err, errlen);
	memset(r, 0, sizeof(*r));
	ret = wl_run_virtual(p->profile, p->os != NULL, virtual_body, &v, err, errlen);
	return ret ? ret : v.ret;
}
