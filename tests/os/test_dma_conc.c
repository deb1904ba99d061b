// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_dma_conc.c - concurrency: two CPU threads map and unmap while a
 * device thread performs the DMA and verifies every byte.
 *
 * Each CPU thread (CPU 0 and 1) loops: fill a buffer with a pattern that
 * names the thread and the round, map it (BIDIRECTIONAL, sometimes
 * sub-page so untrusted devices bounce), hand the DMA address to the
 * device thread through a small queue, wait for completion, sync for the
 * CPU, check the device's reply, unmap.  The device thread reads the
 * buffer through the IOMMU, checks the pattern, and writes the reply.
 * Run under ThreadSanitizer by `make check-tsan`.
 */
#include "harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define ROUNDS 1500

struct req {
	dma_addr_t addr;
	size_t len;
	uint32_t tag;
	bool done;
	bool ok;
};

struct shared {
	struct lab *lab;
	struct dma_device *dev;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct req *queue[2];		/* one slot per CPU thread */
	bool stop;
	unsigned long dev_errors;
	_Atomic unsigned long cpu_errors;
};

struct cpu_arg {
	struct shared *sh;
	unsigned int cpu;
};

static void fill(uint8_t *p, size_t n, uint32_t tag)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(tag * 31 + i);
}

static void *device_fn(void *arg)
{
	struct shared *sh = arg;
	struct mdev *hw = dma_device_mdev(sh->dev);
	uint8_t buf[PAGE_SIZE], want[PAGE_SIZE];

	pthread_mutex_lock(&sh->lock);
	for (;;) {
		struct req *r = NULL;

		for (int i = 0; i < 2 && !r; i++)
			if (sh->queue[i])
				r = sh->queue[i], sh->queue[i] = NULL;
		if (!r) {
			if (sh->stop)
				break;
			pthread_cond_wait(&sh->cond, &sh->lock);
			continue;
		}
		pthread_mutex_unlock(&sh->lock);
		r->ok = mdev_access(hw, r->addr, buf, r->len, DEV_READ) == 0;
		fill(want, r->len, r->tag);
		if (r->ok && memcmp(buf, want, r->len))
			r->ok = false;
		fill(buf, r->len, ~r->tag);
		if (r->ok)
			r->ok = mdev_access(hw, r->addr, buf, r->len, DEV_WRITE) == 0;
		pthread_mutex_lock(&sh->lock);
		if (!r->ok)
			sh->dev_errors++;
		r->done = true;
		pthread_cond_broadcast(&sh->cond);
	}
	pthread_mutex_unlock(&sh->lock);
	return NULL;
}

static void *cpu_fn(void *arg)
{
	struct cpu_arg *ca = arg;
	struct shared *sh = ca->sh;
	uint8_t want[PAGE_SIZE];
	pfn_t pfn;
	uint8_t *v;

	os_set_cpu(ca->cpu);
	if (pages_alloc(sh->lab->pa, 0, 20 + ca->cpu, false, &pfn))
		return NULL;
	v = phys_to_virt(sh->lab->m, pfn << PAGE_SHIFT);
	for (uint32_t round = 0; round < ROUNDS; round++) {
		struct req r = { .tag = ca->cpu << 24 | round };
		size_t off = round % 3 ? 0 : 64 * (round % 7);

		r.len = round % 3 ? PAGE_SIZE : 200 + round % 1000;
		fill(v + off, r.len, r.tag);
		r.addr = dma_map_single(sh->dev, v + off, r.len, DMA_BIDIRECTIONAL);
		if (dma_mapping_error(r.addr)) {
			sh->cpu_errors++;
			break;
		}
		pthread_mutex_lock(&sh->lock);
		sh->queue[ca->cpu] = &r;
		pthread_cond_broadcast(&sh->cond);
		while (!r.done)
			pthread_cond_wait(&sh->cond, &sh->lock);
		pthread_mutex_unlock(&sh->lock);
		dma_sync_single_for_cpu(sh->dev, r.addr, r.len, DMA_BIDIRECTIONAL);
		fill(want, r.len, ~r.tag);
		if (r.ok && memcmp(v + off, want, r.len))
			sh->cpu_errors++;
		if (dma_unmap_single(sh->dev, r.addr, r.len, DMA_BIDIRECTIONAL))
			sh->cpu_errors++;
	}
	page_put(sh->lab->pa, pfn);
	return NULL;
}

static void run(enum dma_domain_type t, bool untrusted)
{
	struct dma_device_opts o = { .type = t, .untrusted = untrusted };
	struct shared sh = { 0 };
	struct cpu_arg ca[2];
	pthread_t dt, ct[2];

	sh.lab = lab_up(32, 2, "ideal");
	REQUIRE(sh.lab);
	sh.dev = dma_device_create(sh.lab->os, "conc", &o);
	REQUIRE(sh.dev);
	pthread_mutex_init(&sh.lock, NULL);
	pthread_cond_init(&sh.cond, NULL);
	pthread_create(&dt, NULL, device_fn, &sh);
	for (unsigned int i = 0; i < 2; i++) {
		ca[i] = (struct cpu_arg){ &sh, i };
		pthread_create(&ct[i], NULL, cpu_fn, &ca[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(ct[i], NULL);
	pthread_mutex_lock(&sh.lock);
	sh.stop = true;
	pthread_cond_broadcast(&sh.cond);
	pthread_mutex_unlock(&sh.lock);
	pthread_join(dt, NULL);
	CHECK(sh.dev_errors == 0, "%lu device-side errors (%s)", sh.dev_errors,
	      dma_domain_type_name(t));
	CHECK(sh.cpu_errors == 0, "%lu CPU-side errors (%s)", atomic_load(&sh.cpu_errors),
	      dma_domain_type_name(t));
	CHECK(dma_device_destroy(sh.dev) == 0);
	pthread_mutex_destroy(&sh.lock);
	pthread_cond_destroy(&sh.cond);
	lab_down(sh.lab);
}

static void test_conc_strict(void) { run(DMA_DOMAIN_STRICT, false); }
static void test_conc_strict_untrusted(void) { run(DMA_DOMAIN_STRICT, true); }
static void test_conc_lazy(void) { run(DMA_DOMAIN_LAZY, false); }
static void test_conc_lazy_untrusted(void) { run(DMA_DOMAIN_LAZY, true); }
static void test_conc_passthrough(void) { run(DMA_DOMAIN_PASSTHROUGH, false); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_conc_strict),
		TEST(test_conc_strict_untrusted),
		TEST(test_conc_lazy),
		TEST(test_conc_lazy_untrusted),
		TEST(test_conc_passthrough),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
