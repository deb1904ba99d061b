// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse_conc.c - two CPU threads share one strategy object while a
 * device thread performs every transfer and checks every byte.  Run under
 * ThreadSanitizer by `make check-tsan`.  Each CPU thread maps its own
 * buffers (whole pages and sub-page pieces), the device reads and checks
 * them and writes a reply, the CPU checks the reply and unmaps.  Cache
 * reclaim runs concurrently from the threads.
 */
#include "harness.h"

#include <dmareuse/reuse.h>
#include <dmareuse/sg_reuse.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 400

struct shared {
	struct lab *lab;
	struct dma_device *dev;
	struct devthread *dt;
	enum reuse_strategy s;
	struct rmapper *m;
	struct rreuse *r;
	struct rpool *pool;
	_Atomic unsigned long errors;
};

struct arg {
	struct shared *sh;
	unsigned int cpu;
};

static void fill(uint8_t *p, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 7 + i);
}

/* Device side of one transfer; returns false on any mismatch or fault. */
static bool exchange(struct shared *sh, dma_addr_t a, size_t len, unsigned int seed)
{
	uint8_t *got = malloc(len), *want = malloc(len);
	bool ok;

	fill(want, len, seed);
	ok = devthread_read(sh->dt, a, got, len) == 0 && !memcmp(got, want, len);
	fill(want, len, ~seed);
	ok = ok && devthread_write(sh->dt, a, want, len) == 0;
	free(got);
	free(want);
	return ok;
}

static bool reply_ok(const uint8_t *p, size_t len, unsigned int seed)
{
	uint8_t *want = malloc(len);
	bool ok;

	fill(want, len, ~seed);
	ok = !memcmp(p, want, len);
	free(want);
	return ok;
}

static void *cpu_fn(void *p)
{
	struct arg *a = p;
	struct shared *sh = a->sh;
	struct scatterlist sg[1];
	uint8_t *va;
	pfn_t pfn;

	os_set_cpu(a->cpu);
	if (pages_alloc(sh->lab->pa, 1, 500 + a->cpu, true, &pfn))
		return NULL;
	va = phys_to_virt(sh->lab->m, pfn << PAGE_SHIFT);
	if (sh->s == RS_REUSE) {
		sg_init_table(sg, 1);
		sg_set_page(sg, pfn, PAGE_SIZE, 0);
		if (sg_mark_reusable(sg, 1, sh->r, NULL, NULL))
			atomic_fetch_add(&sh->errors, 1);
	}
	for (unsigned int i = 0; i < ROUNDS; i++) {
		unsigned int seed = a->cpu << 20 | i;
		bool ok = true;

		if (sh->s == RS_REUSE) {
			fill(va, PAGE_SIZE, seed);
			ok = reuse_map_sg(sg, 1, DMA_BIDIRECTIONAL) == 0 &&
			     exchange(sh, sg->dma_address, PAGE_SIZE, seed) &&
			     reuse_unmap_sg(sg, 1, DMA_BIDIRECTIONAL) == 0 &&
			     reply_ok(va, PAGE_SIZE, seed);
		} else if (sh->s == RS_POOL) {
			struct rpool_buf *b = rpool_get(sh->pool);

			if (!b)
				continue;	/* all out: the other CPU has them */
			fill(b->cpu, 700, seed);
			ok = exchange(sh, b->dma, 700, seed) &&
			     rpool_sync_for_cpu(sh->pool, b, 700) == 0 && reply_ok(b->cpu, 700, seed) &&
			     rpool_put(sh->pool, b, 700) == 0;
		} else {
			size_t off = i % 2 ? 0 : 200, len = i % 2 ? PAGE_SIZE * (1 + i % 4 / 2) : 900;
			struct rmap_handle h;

			fill(va + off, len, seed);
			ok = rmapper_map(sh->m, va + off, len, DMA_BIDIRECTIONAL, &h) == 0 &&
			     exchange(sh, h.dma, len, seed) && rmapper_unmap(sh->m, &h) == 0 &&
			     reply_ok(va + off, len, seed);
			if (i % 50 == 0)
				rmapper_maintain(sh->m);
		}
		if (!ok)
			atomic_fetch_add(&sh->errors, 1);
	}
	if (sh->s == RS_REUSE && sg_mark_stop_reuse(sg))
		atomic_fetch_add(&sh->errors, 1);
	page_put(sh->lab->pa, pfn);
	return NULL;
}

static void run(enum reuse_strategy s)
{
	struct shared sh = { .s = s };
	struct arg args[2];
	pthread_t t[2];

	sh.lab = lab_up(64, 2, "ideal");
	REQUIRE(sh.lab);
	sh.dev = dma_device_create(sh.lab->os, "conc",
				   &(struct dma_device_opts){ .type = DMA_DOMAIN_STRICT });
	REQUIRE(sh.dev);
	sh.dt = devthread_start(dma_device_mdev(sh.dev));
	if (s == RS_REUSE)
		sh.r = rreuse_create(sh.dev);
	else if (s == RS_POOL)
		sh.pool = rpool_create(sh.dev, 1024, 3, DMA_BIDIRECTIONAL);
	else
		sh.m = rmapper_create(sh.dev, s, &(struct rmapper_cfg){ .cache_entries = 3 });
	REQUIRE(sh.m || sh.r || sh.pool);
	for (unsigned int i = 0; i < 2; i++) {
		args[i] = (struct arg){ &sh, i };
		pthread_create(&t[i], NULL, cpu_fn, &args[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&sh.errors) == 0, "%s: %lu failed transfers", reuse_strategy_name(s),
	      atomic_load(&sh.errors));
	if (sh.m)
		CHECK(rmapper_destroy(sh.m) == 0);
	if (sh.r)
		CHECK(rreuse_destroy(sh.r) == 0);
	if (sh.pool)
		CHECK(rpool_destroy(sh.pool) == 0);
	devthread_stop(sh.dt);
	CHECK(dma_device_destroy(sh.dev) == 0);
	lab_down(sh.lab);
}

static void test_conc_bounce(void) { run(RS_BOUNCE); }
static void test_conc_cache(void) { run(RS_CACHE); }
static void test_conc_iova_link(void) { run(RS_IOVA_LINK); }
static void test_conc_auto(void) { run(RS_AUTO); }
static void test_conc_reuse(void) { run(RS_REUSE); }
static void test_conc_pool(void) { run(RS_POOL); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_conc_bounce),
		TEST(test_conc_cache),
		TEST(test_conc_iova_link),
		TEST(test_conc_auto),
		TEST(test_conc_reuse),
		TEST(test_conc_pool),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
