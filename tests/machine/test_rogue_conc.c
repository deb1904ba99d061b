// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_rogue_conc.c - the rogue thread probing while a CPU thread maps and
 * unmaps, with the isolation oracle classifying from both threads at once;
 * strict, lazy and passthrough.  Strict and lazy must show no breach (no
 * page is freed during the run); passthrough must (random frames).
 *
 * The rogue's write-backs race by design with anyone writing the same bytes
 * (rogue.h), so the run is arranged so that no such pair exists and
 * ThreadSanitizer reports only real bugs: the rogue device maps only pages
 * of set A, TO_DEVICE, and the legitimate accesses only read them; a second
 * device maps set B FROM_DEVICE and writes it.  Behind an IOMMU the rogue
 * reaches A read-only (its write-backs are refused) and never B.  Under
 * passthrough the CPU thread touches no memory at all -- it only maps and
 * unmaps -- and the rogue learned its addresses before the threads start.
 * Run under ThreadSanitizer by `make check-tsan`.
 *
 * The two threads must really overlap: the rogue must make MIN_ATTEMPTS
 * accesses while the CPU thread still maps and unmaps.  No number of
 * rounds guarantees that -- the rogue thread sleeps up to 2/rate * batch
 * between batches and may not be scheduled at all for milliseconds on a
 * loaded machine, while ROUNDS passthrough rounds take well under a
 * millisecond -- so the CPU thread runs ROUNDS rounds and then goes on
 * until the rogue has made them.  That is an "eventually" property, waited
 * for on the rogue's own counter with a generous deadline (OVERLAP_DEADLINE_S)
 * that only a rogue thread which does not probe at all can miss.
 * Passthrough breaches are counted from after the single-threaded learning
 * (whose own reads of never-lent pages are breaches too), so they are the
 * rogue's.
 */
#include "harness.h"

#include <dmareuse/oracle.h>
#include <dmareuse/rogue.h>

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define NPAGES 4
#define ROUNDS 1500
/*
 * Rogue accesses that must happen during the CPU thread's rounds.  Under
 * passthrough a probe is 2 accesses and one probe in 4 goes to a random
 * frame, so 100 probes all miss random frames with probability (3/4)^100.
 */
#define MIN_ATTEMPTS 200
#define OVERLAP_DEADLINE_S 30

struct run {
	struct lab *lab;
	struct dma_device *dev;		/* the rogue one: set A */
	struct dma_device *other;	/* a well-behaved one: set B */
	pfn_t a[NPAGES], b[NPAGES];
	struct rogue *rogue;
	bool touch;			/* legitimate device accesses on the CPU thread */
	_Atomic unsigned long errors;
	/* Set by the CPU thread when it is done (read after the join): */
	uint64_t attempts_seen;		/* rogue accesses made by then */
	int rounds;			/* rounds it ran */
};

static uint64_t rogue_attempts(struct rogue *r)
{
	struct rogue_stats st;

	rogue_stats_read(r, &st);
	return st.attempts;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *cpu_fn(void *arg)
{
	struct run *x = arg;
	struct mdev *hw = dma_device_mdev(x->dev), *hw2 = dma_device_mdev(x->other);
	uint8_t buf[256];
	double deadline = now_s() + OVERLAP_DEADLINE_S;
	int round;

	os_set_cpu(0);
	memset(buf, 0x3c, sizeof(buf));
	/* ROUNDS rounds, then on until the rogue has probed (file comment). */
	for (round = 0; round < ROUNDS || (rogue_attempts(x->rogue) < MIN_ATTEMPTS &&
					   now_s() < deadline); round++) {
		int i = round % NPAGES;
		dma_addr_t da, db;

		da = dma_map_page(x->dev, x->a[i], 0, PAGE_SIZE, DMA_TO_DEVICE);
		db = dma_map_page(x->other, x->b[i], 0, PAGE_SIZE, DMA_FROM_DEVICE);
		if (dma_mapping_error(da) || dma_mapping_error(db)) {
			atomic_fetch_add(&x->errors, 1);
			break;
		}
		if (x->touch && (mdev_access(hw, da + 512, buf, sizeof(buf), DEV_READ) ||
				 mdev_access(hw2, db + 1024, buf, sizeof(buf), DEV_WRITE)))
			atomic_fetch_add(&x->errors, 1);
		if (dma_unmap_page(x->dev, da, PAGE_SIZE, DMA_TO_DEVICE) ||
		    dma_unmap_page(x->other, db, PAGE_SIZE, DMA_FROM_DEVICE))
			atomic_fetch_add(&x->errors, 1);
	}
	x->attempts_seen = rogue_attempts(x->rogue);
	x->rounds = round;
	return NULL;
}

static void run_one(enum dma_domain_type type)
{
	struct lab *lab = lab_up(32, 1, "ideal");
	struct oracle *o = oracle_attach(lab->os);
	struct dma_device_opts opts = { .type = type };
	struct rogue_config rc = { .seed = test_seed(), .rate = 200000 };
	struct run x = { .lab = lab, .touch = type != DMA_DOMAIN_PASSTHROUGH };
	struct rogue *r;
	struct rogue_stats st;
	struct oracle_counts c, before;
	pthread_t tid;

	REQUIRE(o);
	x.dev = dma_device_create(lab->os, "rogue", &opts);
	x.other = dma_device_create(lab->os, "other", &opts);
	REQUIRE(x.dev && x.other);
	r = rogue_create(dma_device_mdev(x.dev), &rc);
	REQUIRE(r);
	x.rogue = r;
	for (int i = 0; i < NPAGES; i++) {
		REQUIRE(pages_alloc(lab->pa, 0, 60, true, &x.a[i]) == 0);
		REQUIRE(pages_alloc(lab->pa, 0, 61, true, &x.b[i]) == 0);
	}
	if (!x.touch) {
		/* Passthrough: learn the addresses now, single-threaded. */
		uint8_t b[8];

		for (int i = 0; i < NPAGES; i++)
			mdev_access(dma_device_mdev(x.dev), x.a[i] << PAGE_SHIFT, b, 8, DEV_READ);
	}
	/* -ENOENT (a device not seen yet) leaves @before zero, as it should. */
	(void)oracle_read(o, dma_device_mdev(x.dev), &before);
	REQUIRE(rogue_start(r) == 0);
	REQUIRE(pthread_create(&tid, NULL, cpu_fn, &x) == 0);
	pthread_join(tid, NULL);
	rogue_stop(r);
	rogue_stats_read(r, &st);
	oracle_read(o, dma_device_mdev(x.dev), &c);
	CHECK(atomic_load(&x.errors) == 0, "%s: %lu CPU-side errors",
	      dma_domain_type_name(type), atomic_load(&x.errors));
	CHECK(x.attempts_seen >= MIN_ATTEMPTS,
	      "%s: the rogue probed during the map/unmap rounds: %llu of %d accesses "
	      "after %d rounds (deadline %d s)", dma_domain_type_name(type),
	      (unsigned long long)x.attempts_seen, MIN_ATTEMPTS, x.rounds,
	      OVERLAP_DEADLINE_S);
	if (type == DMA_DOMAIN_PASSTHROUGH)
		CHECK(c.breach > before.breach,
		      "passthrough: random frames are breaches (%llu before the rogue ran, %llu after)",
		      (unsigned long long)before.breach, (unsigned long long)c.breach);
	else
		CHECK(c.breach == 0, "%s: breach %llu", dma_domain_type_name(type),
		      (unsigned long long)c.breach);
	if (type != DMA_DOMAIN_PASSTHROUGH)
		CHECK(st.writes_ok == 0, "%s: A is read-only, B out of reach",
		      dma_domain_type_name(type));
	oracle_read(o, dma_device_mdev(x.other), &c);
	CHECK(c.stale == 0 && c.subpage == 0 && c.breach == 0 && c.blocked == 0,
	      "%s: the other device stays in its buffers", dma_domain_type_name(type));
	rogue_destroy(r);
	CHECK(dma_device_destroy(x.dev) == 0 && dma_device_destroy(x.other) == 0);
	for (int i = 0; i < NPAGES; i++) {
		page_put(lab->pa, x.a[i]);
		page_put(lab->pa, x.b[i]);
	}
	oracle_detach(o);
	lab_down(lab);
}

static void test_rogue_thread_vs_map_unmap_strict(void)
{
	run_one(DMA_DOMAIN_STRICT);
}

static void test_rogue_thread_vs_map_unmap_lazy(void)
{
	run_one(DMA_DOMAIN_LAZY);
}

static void test_rogue_thread_vs_map_unmap_passthrough(void)
{
	run_one(DMA_DOMAIN_PASSTHROUGH);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_rogue_thread_vs_map_unmap_strict),
		TEST(test_rogue_thread_vs_map_unmap_lazy),
		TEST(test_rogue_thread_vs_map_unmap_passthrough),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
