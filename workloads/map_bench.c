// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * map_bench.c - the `map` workload (dma_map_benchmark's equivalent).
 *
 * Each thread owns a buffer of `granule` pages and loops: map, engine touch
 * of every page (so the IOTLB really holds entries that unmap must kill),
 * `trans_ns` of transfer time, unmap.  Latencies are accumulated per
 * thread with Welford's method and merged at the end (Chan et al.), so the
 * standard deviation is exact over all samples without storing them.
 *
 * pool gives each thread a pool of its own, as Linux's page_pool is one per
 * RX queue and its NAPI context runs on one CPU: the threads share none of
 * its state.  Every thread holds one buffer at a time, so the other
 * strategy objects are sized for @threads buffers in flight (map_bench_link_bytes(), and a
 * bounce pool of a largest buffer per thread): the run cannot fail for
 * want of a slot the threads would share.
 *
 * The strategy is a pair: its mode is the device's domain (given to the
 * device's creation through reuse_mode_domain()), its mechanism what lend()
 * and take_back() do -- chosen by a switch on the mechanism, never on the
 * order of the enums.
 */
#include <dmareuse/clock.h>
#include <dmareuse/dmaengine.h>
#include <dmareuse/map_bench.h>
#include <dmareuse/mthread.h>
#include <dmareuse/reuse_lab.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct welford {
	uint64_t n;
	double mean, m2;
};

static void welford_add(struct welford *w, double x)
{
	double d = x - w->mean;

	w->n++;
	w->mean += d / (double)w->n;
	w->m2 += d * (x - w->mean);
}

static void welford_merge(struct welford *a, const struct welford *b)
{
	uint64_t n = a->n + b->n;
	double d;

	if (!b->n)
		return;
	if (!a->n) {
		*a = *b;
		return;
	}
	d = b->mean - a->mean;
	a->mean += d * (double)b->n / (double)n;
	a->m2 += b->m2 + d * d * (double)a->n * (double)b->n / (double)n;
	a->n = n;
}

static double welford_stddev(const struct welford *w)
{
	return w->n > 1 ? sqrt(w->m2 / (double)w->n) : 0.0;
}

struct worker {
	struct mthread tid;
	unsigned int cpu;
	const struct map_bench_params *p;
	struct dma_device *dev;
	struct os *os;
	struct rmapper *m;		/* per-buffer mechanisms */
	struct rreuse *r;		/* reuse */
	struct rpool *pool;		/* pool */
	uint64_t deadline, overhead;
	struct welford map, unmap;
	uint64_t errors, xfer_errors;
	char why[160];			/* the first failure */
};

/* Count a failure of @w; the first one is described in w->why. */
__attribute__((format(printf, 2, 3)))
static void fail(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->errors++) {
		va_start(ap, fmt);
		vsnprintf(w->why, sizeof(w->why), fmt, ap);
		va_end(ap);
	}
}

static unsigned int order_of(unsigned int pages)
{
	unsigned int o = 0;

	while ((1u << o) < pages)
		o++;
	return o;
}

/* Lend / take back one buffer the way the mechanism does it. */
struct lend {
	dma_addr_t addr;
	struct rmap_handle h;
	struct rpool_buf *pb;
};

static int lend(struct worker *w, struct rmo *mo, void *buf, size_t size,
		enum dma_data_direction dir, struct lend *l)
{
	switch (w->p->pair.mech) {
	case RMECH_NONE:
		l->addr = dma_map_single(w->dev, buf, size, dir);
		return dma_mapping_error(l->addr) ? -ENOMEM : 0;
	case RMECH_REUSE:
		l->addr = rmo_dma_addr(mo, 0);
		return rmo_for_device(mo);
	case RMECH_POOL:
		l->pb = rpool_get(w->pool);
		if (!l->pb)
			return -ENOMEM;
		l->addr = l->pb->dma;
		return 0;
	default:
		if (rmapper_map(w->m, buf, size, dir, &l->h))
			return -ENOMEM;
		l->addr = l->h.dma;
		return 0;
	}
}

static int take_back(struct worker *w, struct rmo *mo, size_t size,
		     enum dma_data_direction dir, struct lend *l)
{
	switch (w->p->pair.mech) {
	case RMECH_NONE:
		return dma_unmap_single(w->dev, l->addr, size, dir);
	case RMECH_REUSE:
		return rmo_for_cpu(mo);
	case RMECH_POOL:
		return rpool_put(w->pool, l->pb, size);
	default:
		return rmapper_unmap(w->m, &l->h);
	}
}

/*
 * Why a map may fail on a run that started well: a narrow DMA mask holds
 * few buffers of the granule, and a lazy domain keeps freed ranges in its
 * flush queue until the flush (Linux's does too).
 */
static const char *map_hint(const struct map_bench_params *p)
{
	static __thread char hint[96];
	uint64_t room = p->dma_bits >= 63 ? UINT64_MAX :
			((1ull << p->dma_bits) >> PAGE_SHIFT) / p->granule;

	if (room >= 1024)
		return "";
	snprintf(hint, sizeof(hint), " (a %u-bit mask holds %llu such buffer(s)%s)", p->dma_bits,
		 (unsigned long long)room,
		 p->pair.mode == RMODE_LAZY ? "; lazy frees ranges only at its flush" : "");
	return hint;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	const struct map_bench_params *p = w->p;
	enum dma_data_direction dir = (enum dma_data_direction)p->dir;
	size_t size = (size_t)p->granule * PAGE_SIZE;
	uint8_t scratch[64 * 16];
	struct rmo *mo = NULL;
	void *buf;
	pfn_t pfn;

	os_set_cpu(w->cpu);
	if (pages_alloc(os_page_alloc(w->os), order_of(p->granule), 100 + w->cpu,
			true, &pfn)) {
		fail(w, "thread %u: no memory for its %u-page buffer", w->cpu, p->granule);
		return NULL;
	}
	buf = phys_to_virt(os_machine(w->os), pfn << PAGE_SHIFT);
	if (p->pair.mech == RMECH_REUSE) {
		struct rseg seg = { pfn, 0, size };

		mo = rmo_register(w->r, &seg, 1, dir, NULL, NULL);
		if (!mo) {
			fail(w, "thread %u: registering its %u-page buffer failed", w->cpu,
			     p->granule);
			goto out_put;
		}
	}
	memset(scratch, 0x5a, sizeof(scratch));
	for (uint64_t i = 0;; i++) {
		uint64_t t0, t1, t2, t3;
		struct lend l;
		int r;

		if (p->iterations ? i >= p->iterations + p->warmup :
				    i >= p->warmup && mclock_now() >= w->deadline)
			break;
		t0 = mclock_stamp();
		r = lend(w, mo, buf, size, dir, &l);
		t1 = mclock_stamp();
		if (r) {
			fail(w, "thread %u: %s of a %u-page buffer failed after %llu pair(s)%s",
			     w->cpu, p->pair.mech == RMECH_REUSE ? "rmo_for_device" :
			     p->pair.mech == RMECH_POOL ? "rpool_get" : "map", p->granule,
			     (unsigned long long)i, map_hint(p));
			break;
		}
		if (dmaengine_xfer(dma_device_mdev(w->dev), l.addr, scratch, size, dir,
				   PAGE_SIZE, 64))
			w->xfer_errors++;
		mclock_spend(p->trans_ns);
		t2 = mclock_stamp();
		if (take_back(w, mo, size, dir, &l))
			fail(w, "thread %u: taking back a %u-page buffer failed after %llu pair(s)",
			     w->cpu, p->granule, (unsigned long long)i);
		t3 = mclock_stamp();
		if (i < p->warmup)
			continue;
		welford_add(&w->map, mclock_stamp_ns(t1 - t0 > w->overhead ? t1 - t0 - w->overhead : 0));
		welford_add(&w->unmap, mclock_stamp_ns(t3 - t2 > w->overhead ? t3 - t2 - w->overhead : 0));
	}
	if (mo && rmo_unregister(mo))
		fail(w, "thread %u: rmo_unregister failed", w->cpu);
	/* batch: this CPU's last unmaps are the run's too (a driver's last pass). */
	if (w->m)
		rmapper_flush(w->m);
out_put:
	page_put(os_page_alloc(w->os), pfn);
	return NULL;
}

size_t map_bench_link_bytes(const struct map_bench_params *p)
{
	size_t need = (size_t)p->threads * p->granule * PAGE_SIZE;

	return need > MAP_BENCH_LINK_MIN ? need : MAP_BENCH_LINK_MIN;
}

/* Median ns of one plain copy of @size bytes (the bounce yardstick). */
static double measure_memcpy(struct os *os, size_t size)
{
	unsigned int order = order_of((unsigned int)DIV_ROUND_UP(size, PAGE_SIZE));
	double best[9];
	pfn_t a, b;
	uint8_t *s, *d;

	if (pages_alloc(os_page_alloc(os), order, 90, true, &a))
		return 0;
	if (pages_alloc(os_page_alloc(os), order, 90, true, &b)) {
		page_put(os_page_alloc(os), a);
		return 0;
	}
	s = phys_to_virt(os_machine(os), a << PAGE_SHIFT);
	d = phys_to_virt(os_machine(os), b << PAGE_SHIFT);
	for (int r = 0; r < 9; r++) {
		uint64_t t0 = mclock_stamp();

		for (int i = 0; i < 256; i++) {
			memcpy(d, s, size);
			__asm__ volatile("" : : "r"(d) : "memory");
		}
		best[r] = mclock_stamp_ns(mclock_stamp() - t0) / 256;
	}
	for (int i = 1; i < 9; i++)
		for (int k = i; k && best[k - 1] > best[k]; k--) {
			double t = best[k];

			best[k] = best[k - 1];
			best[k - 1] = t;
		}
	page_put(os_page_alloc(os), a);
	page_put(os_page_alloc(os), b);
	return best[4];
}

/* Say in r->why what failed, unless something before it already did. */
__attribute__((format(printf, 2, 3)))
static void run_why(struct map_bench_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static int run(const struct map_bench_params *p, struct map_bench_result *r)
{
	struct machine_config mc = { .mem_bytes = 0, .profile = p->profile,
				     .populate = !p->virtual_time };
	struct dma_device_opts dopts = { .dma_bits = p->dma_bits, .no_debug = !p->debug };
	enum reuse_mech mech = p->pair.mech;
	struct rmapper *mapper = NULL;
	struct rreuse *reg = NULL;
	struct rpool **pools = NULL;	/* pool: one per thread, as page_pool is per queue */
	struct rmapper_cfg cfg = {
		/* a largest bounce buffer per thread; iova-link: see its helper */
		.bounce_bytes = (size_t)p->threads * rbounce_max_len(),
		.link_bytes = map_bench_link_bytes(p),
		.batch_size = p->batch_size ? p->batch_size :
			      p->profile ? p->profile->batch_size : 0,
	};
	struct welford map = { 0 }, unmap = { 0 };
	struct os_config oc = { 0 };
	struct worker *w;
	struct machine *m;
	struct dma_device *dev;
	struct os *os;
	uint64_t start, errors = 0;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	if (reuse_pair_why_not(p->pair) || reuse_mode_domain(p->pair.mode, &dopts.type)) {
		run_why(r, "%s under %s: %s", reuse_mech_name(mech), reuse_mode_name(p->pair.mode),
			reuse_pair_why_not(p->pair));
		return -EOPNOTSUPP;
	}
	if (cfg.bounce_bytes < MAP_BENCH_BOUNCE_MIN)
		cfg.bounce_bytes = MAP_BENCH_BOUNCE_MIN;
	/* Enough memory for every thread's buffer at the largest granule. */
	mc.mem_bytes = (256u << 20) + (size_t)p->threads * (4u << 20) * 2;
	if (p->virtual_time)	/* what the threads hold: a buffer, a bounce share */
		mc.mem_bytes = (128u << 20) + (size_t)p->threads *
			       ((size_t)p->granule * PAGE_SIZE * 2 + (512u << 10));
	m = machine_create(&mc);
	if (!m) {
		run_why(r, "no memory for a %zu MiB machine", mc.mem_bytes >> 20);
		return -ENOMEM;
	}
	oc.machine = m;
	oc.ncpus = p->threads;
	os = os_create(&oc);
	if (!os) {
		run_why(r, "no memory for an OS with %u CPU(s)", p->threads);
		ret = -ENOMEM;
		goto out_machine;
	}
	dev = dma_device_create(os, "dmaengine0", &dopts);
	w = calloc(p->threads, sizeof(*w));
	if (!dev || !w) {
		run_why(r, "no memory for the device or %u worker(s)", p->threads);
		ret = -ENOMEM;
		goto out_dev;
	}
	r->memcpy_ns = measure_memcpy(os, (size_t)p->granule * PAGE_SIZE);
	if (mech == RMECH_REUSE)
		reg = rreuse_create(dev);
	else if (mech == RMECH_POOL) {
		pools = calloc(p->threads, sizeof(*pools));
		for (unsigned int i = 0; pools && i < p->threads; i++) {
			pools[i] = rpool_create(dev, (size_t)p->granule * PAGE_SIZE, 2,
						(enum dma_data_direction)p->dir);
			if (!pools[i])
				break;
		}
		if (pools && !pools[p->threads - 1]) {
			for (unsigned int i = 0; i < p->threads; i++)
				rpool_destroy(pools[i]);
			free(pools);
			pools = NULL;
		}
	} else if (mech != RMECH_NONE) {
		mapper = rmapper_create(dev, mech, &cfg);
	}
	if (mech != RMECH_NONE && !reg && !pools && !mapper) {
		run_why(r, "creating the %s object failed (no memory)", reuse_mech_name(mech));
		ret = -ENOMEM;
		goto out_dev;
	}
	if (mapper)
		r->crossover = rmapper_crossover(mapper);
	r->clock_overhead_ns = (uint64_t)(mclock_stamp_ns(mclock_stamp_overhead()) + 0.5);
	start = mclock_now();
	for (unsigned int i = 0; i < p->threads; i++) {
		w[i] = (struct worker){
			.cpu = i, .p = p, .dev = dev, .os = os, .m = mapper, .r = reg,
			.pool = pools ? pools[i] : NULL,
			.deadline = start + (uint64_t)p->seconds * 1000000000ull,
			.overhead = mclock_stamp_overhead(),
		};
		if (mthread_create(&w[i].tid, "map cpu", worker_fn, &w[i])) {
			run_why(r, "thread %u of %u could not be started", i, p->threads);
			ret = -EAGAIN;
			for (unsigned int k = 0; k < i; k++)
				mthread_join(&w[k].tid, NULL);
			goto out_dev;
		}
	}
	for (unsigned int i = 0; i < p->threads; i++) {
		mthread_join(&w[i].tid, NULL);
		welford_merge(&map, &w[i].map);
		welford_merge(&unmap, &w[i].unmap);
		if (!errors && w[i].errors)
			snprintf(r->why, sizeof(r->why), "%s", w[i].why);
		errors += w[i].errors;
		r->xfer_errors += w[i].xfer_errors;
	}
	r->wall_ns = mclock_now() - start;
	r->ops = map.n;
	r->map_avg_ns = map.mean;
	r->map_stddev_ns = welford_stddev(&map);
	r->unmap_avg_ns = unmap.mean;
	r->unmap_stddev_ns = welford_stddev(&unmap);
	iommu_stats_read(m, &r->iommu);
	dma_stats_read(dev, &r->dma);
	if (mapper)
		rmapper_stats(mapper, &r->reuse);
	if (reg)
		rreuse_stats(reg, &r->reuse);
	for (unsigned int i = 0; pools && i < p->threads; i++) {
		struct reuse_stats ps;

		rpool_stats(pools[i], &ps);
		reuse_stats_add(&r->reuse, &ps);
	}
	if (errors)
		ret = -EIO;
out_dev:
	free(w);
	{
		bool busy = (mapper && rmapper_destroy(mapper)) || (reg && rreuse_destroy(reg));

		for (unsigned int i = 0; pools && i < p->threads; i++)
			busy |= rpool_destroy(pools[i]) != 0;
		free(pools);
		if (busy) {
			run_why(r, "the %s object still had buffers lent at teardown",
				reuse_mech_name(mech));
			ret = -EBUSY;
		}
	}
	if (dev)
		dma_device_destroy(dev);
	os_destroy(os);
out_machine:
	machine_destroy(m);
	return ret;
}

struct virtual_run {
	const struct map_bench_params *p;
	struct map_bench_result *r;
	int ret;
};

static void virtual_body(void *arg)
{
	struct virtual_run *v = arg;

	v->ret = run(v->p, v->r);
}

int map_bench_run(const struct map_bench_params *p, struct map_bench_result *r)
{
	struct virtual_run v = { p, r, 0 };
	struct vtime_cfg vc;
	int ret;

	if (!p->virtual_time)
		return run(p, r);
	memset(r, 0, sizeof(*r));
	if (profile_vtime_cfg(p->profile, &vc)) {
		run_why(r, "profile %s has no cost table: it cannot run in virtual time",
			p->profile ? p->profile->name : "(none)");
		return -ENOENT;
	}
	ret = vtime_run(&vc, virtual_body, &v, NULL);
	if (ret) {
		run_why(r, "the virtual-time run failed (%s)", strerror(-ret));
		return ret;
	}
	return v.ret;
}
