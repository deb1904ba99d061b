// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * map_bench.c - the `map` workload (dma_map_benchmark's equivalent).
 *
 * Each thread owns a buffer of `granule` pages and loops: map, engine touch
 * of every page (so the IOTLB really holds entries that unmap must kill),
 * `trans_ns` of transfer time, unmap.  Latencies are accumulated per
 * thread with Welford's method and merged at the end (Chan et al.), so the
 * standard deviation is exact over all samples without storing them.
 */
#include <dmareuse/clock.h>
#include <dmareuse/dmaengine.h>
#include <dmareuse/map_bench.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
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
	pthread_t tid;
	unsigned int cpu;
	const struct map_bench_params *p;
	struct dma_device *dev;
	struct os *os;
	uint64_t deadline, overhead;
	struct welford map, unmap;
	uint64_t errors, xfer_errors;
};

static unsigned int order_of(unsigned int pages)
{
	unsigned int o = 0;

	while ((1u << o) < pages)
		o++;
	return o;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	const struct map_bench_params *p = w->p;
	enum dma_data_direction dir = (enum dma_data_direction)p->dir;
	size_t size = (size_t)p->granule * PAGE_SIZE;
	uint8_t scratch[64 * 16];
	void *buf;
	pfn_t pfn;

	os_set_cpu(w->cpu);
	if (pages_alloc(os_page_alloc(w->os), order_of(p->granule), 100 + w->cpu,
			true, &pfn)) {
		w->errors++;
		return NULL;
	}
	buf = phys_to_virt(os_machine(w->os), pfn << PAGE_SHIFT);
	memset(scratch, 0x5a, sizeof(scratch));
	for (uint64_t i = 0;; i++) {
		uint64_t t0, t1, t2, t3;
		dma_addr_t addr;

		if (p->iterations ? i >= p->iterations : mclock_now() >= w->deadline)
			break;
		t0 = mclock_stamp();
		addr = dma_map_single(w->dev, buf, size, dir);
		t1 = mclock_stamp();
		if (dma_mapping_error(addr)) {
			w->errors++;
			break;
		}
		if (dmaengine_xfer(dma_device_mdev(w->dev), addr, scratch, size, dir,
				   PAGE_SIZE, 64))
			w->xfer_errors++;
		mclock_spend(p->trans_ns);
		t2 = mclock_stamp();
		if (dma_unmap_single(w->dev, addr, size, dir))
			w->errors++;
		t3 = mclock_stamp();
		welford_add(&w->map, mclock_stamp_ns(t1 - t0 > w->overhead ? t1 - t0 - w->overhead : 0));
		welford_add(&w->unmap, mclock_stamp_ns(t3 - t2 > w->overhead ? t3 - t2 - w->overhead : 0));
	}
	page_put(os_page_alloc(w->os), pfn);
	return NULL;
}

int map_bench_run(const struct map_bench_params *p, struct map_bench_result *r)
{
	struct machine_config mc = { .mem_bytes = 0, .profile = p->profile };
	struct dma_device_opts dopts = {
		.type = p->type, .dma_bits = p->dma_bits, .no_debug = !p->debug,
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
	/* Enough memory for every thread's buffer at the largest granule. */
	mc.mem_bytes = (256u << 20) + (size_t)p->threads * (4u << 20) * 2;
	m = machine_create(&mc);
	if (!m)
		return -ENOMEM;
	oc.machine = m;
	oc.ncpus = p->threads;
	os = os_create(&oc);
	if (!os) {
		ret = -ENOMEM;
		goto out_machine;
	}
	dev = dma_device_create(os, "dmaengine0", &dopts);
	w = calloc(p->threads, sizeof(*w));
	if (!dev || !w) {
		ret = -ENOMEM;
		goto out_dev;
	}
	r->clock_overhead_ns = (uint64_t)(mclock_stamp_ns(mclock_stamp_overhead()) + 0.5);
	start = mclock_now();
	for (unsigned int i = 0; i < p->threads; i++) {
		w[i] = (struct worker){
			.cpu = i, .p = p, .dev = dev, .os = os,
			.deadline = start + (uint64_t)p->seconds * 1000000000ull,
			.overhead = mclock_stamp_overhead(),
		};
		if (pthread_create(&w[i].tid, NULL, worker_fn, &w[i])) {
			ret = -EAGAIN;
			for (unsigned int k = 0; k < i; k++)
				pthread_join(w[k].tid, NULL);
			goto out_dev;
		}
	}
	for (unsigned int i = 0; i < p->threads; i++) {
		pthread_join(w[i].tid, NULL);
		welford_merge(&map, &w[i].map);
		welford_merge(&unmap, &w[i].unmap);
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
	if (errors)
		ret = -EIO;
out_dev:
	free(w);
	if (dev)
		dma_device_destroy(dev);
	os_destroy(os);
out_machine:
	machine_destroy(m);
	return ret;
}
