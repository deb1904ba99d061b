// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_reuse_conc.c - two CPU threads share one strategy object while a
 * device thread performs every transfer and checks every byte.  Run under
 * ThreadSanitizer by `make check-tsan`.  Each CPU thread maps its own
 * buffers (whole pages and sub-page pieces), the device reads and checks
 * them and writes a reply, the CPU checks the reply and unmaps.  Cache
 * reclaim -- and under batch the flush of every CPU's batch -- runs
 * concurrently from the threads; a churn test races the
 * cache's lock-free hits against evictions and entry reuse.
 *
 * Pokes internals: widens the lab's race windows (raceinject_set()) through
 * the fault injector's private header (machine/failinject.h), included
 * explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

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
		sh.m = rmapper_create(sh.dev, reuse_strategy_pair(s).mech,
				      &(struct rmapper_cfg){ .cache_entries = 3, .batch_size = 3 });
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

/*
 * Cache churn: two CPU threads map their own pages through one small cache
 * (4 entries, 12 pages), so lock-free hits race evictions, shrinks and the
 * reuse of released entries for other pages.  Every lent DMA address is read
 * by the device and compared with the page it must map: a hit that lent an
 * entry released or reused under it reads the wrong bytes or faults.
 */
#define CHURN_PAGES 6
#define CHURN_ROUNDS 3000

struct churn {
	struct lab *lab;
	struct devthread *dt;
	struct rcache *c;
	_Atomic unsigned long errors, maps;
};

struct churn_arg {
	struct churn *ch;
	unsigned int cpu;
	pfn_t pfn[CHURN_PAGES];
};

static void *churn_fn(void *p)
{
	struct churn_arg *a = p;
	struct churn *ch = a->ch;
	uint8_t *got = malloc(PAGE_SIZE), *want = malloc(PAGE_SIZE);
	uint64_t rng = 0x9e3779b97f4a7c15ull * (a->cpu + 1);

	os_set_cpu(a->cpu);
	for (unsigned int i = 0; i < CHURN_ROUNDS; i++) {
		unsigned int k = (unsigned int)(test_rand(&rng) % CHURN_PAGES);
		struct rmap_handle h;

		if (rcache_map(ch->c, a->pfn[k], 0, PAGE_SIZE, DMA_TO_DEVICE, &h)) {
			atomic_fetch_add(&ch->errors, 1);
			continue;
		}
		atomic_fetch_add(&ch->maps, 1);
		fill(want, PAGE_SIZE, a->cpu * CHURN_PAGES + k);
		if (devthread_read(ch->dt, h.dma, got, PAGE_SIZE) || memcmp(got, want, PAGE_SIZE))
			atomic_fetch_add(&ch->errors, 1);
		if (rcache_unmap(ch->c, &h))
			atomic_fetch_add(&ch->errors, 1);
		if (i % 16 == 15)
			rcache_shrink(ch->c, 2);
	}
	free(got);
	free(want);
	return NULL;
}

static void test_conc_cache_churn(void)
{
	struct churn ch = { 0 };
	struct churn_arg args[2];
	struct dma_device *dev;
	struct reuse_stats st;
	pthread_t t[2];

	ch.lab = lab_up(64, 2, "ideal");
	REQUIRE(ch.lab);
	dev = dma_device_create(ch.lab->os, "churn",
				&(struct dma_device_opts){ .type = DMA_DOMAIN_STRICT });
	REQUIRE(dev);
	ch.dt = devthread_start(dma_device_mdev(dev));
	ch.c = rcache_create(dev, 4, 0);
	REQUIRE(ch.dt && ch.c);
	for (unsigned int i = 0; i < 2; i++) {
		args[i] = (struct churn_arg){ .ch = &ch, .cpu = i };
		for (unsigned int k = 0; k < CHURN_PAGES; k++) {
			REQUIRE(pages_alloc(ch.lab->pa, 0, 600 + i, true, &args[i].pfn[k]) == 0);
			fill(phys_to_virt(ch.lab->m, args[i].pfn[k] << PAGE_SHIFT), PAGE_SIZE,
			     i * CHURN_PAGES + k);
		}
	}
	raceinject_set(300);	/* yield in 30% of the lock-free windows */
	for (unsigned int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, churn_fn, &args[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	raceinject_set(0);
	rcache_stats(ch.c, &st);
	CHECK(atomic_load(&ch.errors) == 0, "%lu bad transfers", atomic_load(&ch.errors));
	CHECK(st.hits + st.misses == atomic_load(&ch.maps), "hits %llu + misses %llu != maps %lu",
	      (unsigned long long)st.hits, (unsigned long long)st.misses, atomic_load(&ch.maps));
	CHECK(st.hits > 0 && st.evicted + st.reclaimed > 0, "hits %llu evicted %llu shrunk %llu",
	      (unsigned long long)st.hits, (unsigned long long)st.evicted,
	      (unsigned long long)st.reclaimed);
	CHECK(st.pages_pinned <= 4 + 2, "pinned %llu", (unsigned long long)st.pages_pinned);
	CHECK(rcache_destroy(ch.c) == 0);
	for (unsigned int i = 0; i < 2; i++)
		for (unsigned int k = 0; k < CHURN_PAGES; k++) {
			CHECK(iommu_frame_reachable(ch.lab->m, args[i].pfn[k]) == 0);
			CHECK(page_refcount(ch.lab->pa, args[i].pfn[k]) == 1, "pin left behind");
			page_put(ch.lab->pa, args[i].pfn[k]);
		}
	devthread_stop(ch.dt);
	CHECK(dma_device_destroy(dev) == 0);
	lab_down(ch.lab);
}

/*
 * A batch's ring shared by two CPU threads: each maps a slot the other may
 * have unmapped last (its unmap waiting in the other CPU's batch, which the
 * map then flushes), the device writes through it and the CPU checks the
 * bytes, while both flush every batch now and then.  A slot is claimed
 * before use so the two never lend the same one at once.
 */
#define RING_SLOTS 8
#define RING_ROUNDS 1500

struct ring_share {
	struct lab *lab;
	struct devthread *dt;
	struct rbatch *b;
	struct rbatch_ring *ring;
	_Atomic int claimed[RING_SLOTS];
	_Atomic unsigned long errors, used;
};

struct ring_arg {
	struct ring_share *rs;
	unsigned int cpu;
};

static void *ring_fn(void *p)
{
	struct ring_arg *a = p;
	struct ring_share *rs = a->rs;
	uint8_t *want = malloc(512);

	os_set_cpu(a->cpu);
	for (unsigned int i = 0; i < RING_ROUNDS; i++) {
		unsigned int slot = (i + 4 * a->cpu) % RING_SLOTS, seed = a->cpu << 20 | i;
		struct rmap_handle h;
		int free_slot = 0;
		pfn_t pfn;

		if (!atomic_compare_exchange_strong(&rs->claimed[slot], &free_slot, 1))
			continue;
		if (pages_alloc(rs->lab->pa, 0, 600 + a->cpu, false, &pfn)) {
			atomic_store(&rs->claimed[slot], 0);
			continue;
		}
		fill(want, 512, seed);
		if (rbatch_ring_map(rs->ring, slot, pfn, 512, DMA_FROM_DEVICE, &h) ||
		    devthread_write(rs->dt, h.dma, want, 512) ||
		    memcmp(phys_to_virt(rs->lab->m, pfn << PAGE_SHIFT), want, 512) ||
		    rbatch_ring_unmap(rs->ring, &h))
			atomic_fetch_add(&rs->errors, 1);
		page_put(rs->lab->pa, pfn);	/* held by the batch until its flush */
		atomic_fetch_add(&rs->used, 1);
		atomic_store(&rs->claimed[slot], 0);
		if (i % 64 == 63)
			rbatch_flush_all(rs->b);
		else if (i % 16 == 15)
			rbatch_flush(rs->b);	/* reads this CPU's count unlocked */
	}
	free(want);
	return NULL;
}

static void test_conc_batch_ring(void)
{
	struct ring_share rs = { 0 };
	struct ring_arg args[2];
	struct dma_device *dev;
	pthread_t t[2];

	rs.lab = lab_up(64, 2, "ideal");
	REQUIRE(rs.lab);
	lab_install_safety_check(rs.lab);
	dev = dma_device_create(rs.lab->os, "ring",
				&(struct dma_device_opts){ .type = DMA_DOMAIN_STRICT });
	REQUIRE(dev);
	rs.dt = devthread_start(dma_device_mdev(dev));
	rs.b = rbatch_create(dev, 5);
	REQUIRE(rs.b);
	rs.ring = rbatch_ring_create(rs.b, RING_SLOTS, PAGE_SIZE);
	REQUIRE(rs.ring);
	for (unsigned int i = 0; i < 2; i++) {
		args[i] = (struct ring_arg){ &rs, i };
		pthread_create(&t[i], NULL, ring_fn, &args[i]);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(atomic_load(&rs.errors) == 0, "%lu failed transfers", atomic_load(&rs.errors));
	CHECK(atomic_load(&rs.used) > RING_ROUNDS, "only %lu uses", atomic_load(&rs.used));
	CHECK(rbatch_ring_destroy(rs.ring) == 0);
	CHECK(rbatch_destroy(rs.b) == 0);
	devthread_stop(rs.dt);
	CHECK(dma_device_destroy(dev) == 0);
	CHECK(lab_safety_violations() == 0);
	lab_down(rs.lab);
}

static void test_conc_bounce(void) { run(RS_BOUNCE); }
static void test_conc_cache(void) { run(RS_CACHE); }
static void test_conc_iova_link(void) { run(RS_IOVA_LINK); }
static void test_conc_auto(void) { run(RS_AUTO); }
static void test_conc_reuse(void) { run(RS_REUSE); }
static void test_conc_pool(void) { run(RS_POOL); }
/* batch: each CPU's unmaps fill its own batch while the other's maintain flushes all. */
static void test_conc_batch(void) { run(RS_BATCH); }

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_conc_bounce),
		TEST(test_conc_cache),
		TEST(test_conc_cache_churn),
		TEST(test_conc_iova_link),
		TEST(test_conc_auto),
		TEST(test_conc_reuse),
		TEST(test_conc_pool),
		TEST(test_conc_batch),
		TEST(test_conc_batch_ring),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
