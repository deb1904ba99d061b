// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_zswap.c - zswap on the zip engine, end to end: every page stored is
 * loaded back and compared, under every strategy that applies, with 1 and
 * 2 CPU threads; a request that faults is rejected and nothing else is
 * lost; pool says it does not apply; counts repeat for a seed; bad settings
 * are refused by name; an allocation that fails anywhere in a run (thread
 * starts included) ends in a result or an error that says what failed,
 * never in a page counted lost.
 *
 * Pokes internals: arms the lab's fault injector through its private header
 * (machine/failinject.h), included explicitly.
 */
#include "harness.h"

#include "../../machine/failinject.h"

#include <dmareuse/zswap.h>

#include <errno.h>
#include <string.h>

static struct platform_profile ideal;

static int run(enum reuse_strategy s, unsigned int threads, uint64_t pages,
	       uint64_t fault_nth, struct wl_result *r, char *err, size_t errlen)
{
	struct zswap_params p = {
		.pair = reuse_strategy_pair(s), .threads = threads, .pages = pages, .seed = 42,
		.profile = &ideal,
	};

	zswap_default_mix(p.mix);
	p.drv.fault_nth = fault_nth;
	p.drv.dma_debug = true;
	return zswap_run(&p, r, err, errlen);
}

static void load_ideal(void)
{
	char err[256];

	if (!ideal.name[0] && profile_load("ideal", &ideal, err, sizeof(err)))
		CHECK(0, "%s", err);
}

/* Every applicable strategy, 1 and 2 CPU threads: nothing lost. */
static void test_zswap_every_strategy(void)
{
	load_ideal();
	for (int s = 0; s < RS_COUNT; s++) {
		if (s == RS_POOL)
			continue;
		for (unsigned int t = 1; t <= 2; t++) {
			struct wl_result r;
			char err[256] = "";
			int ret = run((enum reuse_strategy)s, t, 150, 0, &r, err, sizeof(err));

			CHECK(ret == 0, "%s x%u: %s", reuse_strategy_name((enum reuse_strategy)s), t,
			      err);
			CHECK(r.ops == 150u * t && r.verified == r.ops && r.failed == 0,
			      "%s x%u: ops %llu verified %llu failed %llu",
			      reuse_strategy_name((enum reuse_strategy)s), t,
			      (unsigned long long)r.ops, (unsigned long long)r.verified,
			      (unsigned long long)r.failed);
			CHECK(r.lat.n > 0 && r.dma_cpu_ns > 0);
			if (s == RS_REUSE)
				CHECK(strstr(r.note, "per-CPU buffer: reuse") && r.reuse.hits > 0,
				      "reuse: %s", r.note);
			/*
			 * The per-CPU buffer is in every request -- destination of a
			 * compression, source of a decompression -- so under reuse
			 * and auto each request but a thread's first finds it mapped.
			 */
			if (s == RS_REUSE || s == RS_AUTO)
				CHECK(r.reuse.hits + t >= r.lat.n,
				      "%s x%u: %llu hits for %llu requests",
				      reuse_strategy_name((enum reuse_strategy)s), t,
				      (unsigned long long)r.reuse.hits, (unsigned long long)r.lat.n);
			/*
			 * batch: every unmap deferred, full batches of 64 flushed with
			 * one command each -- the rest by the periodic flush and the
			 * teardown -- and each page held until its flush.
			 */
			if (s == RS_BATCH)
				CHECK(r.reuse.deferred == r.reuse.unmaps &&
				      r.reuse.deferred > 400 && r.reuse.batch_max == 64 &&
				      r.reuse.pages_deferred == r.reuse.deferred &&
				      r.reuse.flushes >= r.reuse.deferred / 64 &&
				      r.iommu.cmds <= r.reuse.flushes &&
				      strstr(r.note, "src: batch"),
				      "batch x%u: %llu unmaps, %llu deferred, %llu flushes "
				      "(max %llu), %llu commands: %s", t,
				      (unsigned long long)r.reuse.unmaps,
				      (unsigned long long)r.reuse.deferred,
				      (unsigned long long)r.reuse.flushes,
				      (unsigned long long)r.reuse.batch_max,
				      (unsigned long long)r.iommu.cmds, r.note);
		}
	}
}

/*
 * Polled completions: the same pages, the same engine requests and every
 * byte back, with 1 and 2 submitting threads.
 */
static void test_zswap_polled(void)
{
	static const enum reuse_strategy ss[] = { RS_STRICT, RS_BOUNCE, RS_REUSE, RS_AUTO };
	char err[256] = "";

	load_ideal();
	for (size_t i = 0; i < ARRAY_SIZE(ss); i++) {
		for (unsigned int t = 1; t <= 2; t++) {
			struct zswap_params p = {
				.pair = reuse_strategy_pair(ss[i]),
				.threads = t, .pages = 150, .seed = 42,
				.profile = &ideal,
			};
			struct wl_result irq, polled;

			zswap_default_mix(p.mix);
			CHECK(zswap_run(&p, &irq, err, sizeof(err)) == 0, "%s", err);
			p.drv.poll = true;
			CHECK(zswap_run(&p, &polled, err, sizeof(err)) == 0, "%s", err);
			CHECK(polled.ops == irq.ops && polled.verified == polled.ops &&
			      polled.failed == 0 && polled.lat.n == irq.lat.n,
			      "%s x%u polled: ops %llu/%llu verified %llu requests %llu/%llu",
			      reuse_strategy_name(ss[i]), t, (unsigned long long)polled.ops,
			      (unsigned long long)irq.ops, (unsigned long long)polled.verified,
			      (unsigned long long)polled.lat.n, (unsigned long long)irq.lat.n);
		}
	}
}

/* pool does not apply to zip: it says so. */
static void test_zswap_pool_na(void)
{
	struct wl_result r;
	char err[256] = "";

	load_ideal();
	CHECK(run(RS_POOL, 1, 10, 0, &r, err, sizeof(err)) == -EOPNOTSUPP);
	CHECK(strstr(err, "pool n/a") != NULL, "%s", err);
}

/*
 * A strategy is a pair: a mechanism runs under another mode than its
 * default (the device gets that mode's domain), and a pair the strategy
 * table refuses is refused with its reason.
 */
static void test_zswap_mode_pairs(void)
{
	static const struct {
		struct reuse_pair pair;
		const char *note;	/* in the driver's note */
	} good[] = {
		{ { RMODE_LAZY, RMECH_BOUNCE }, "src: bounce, dst: bounce" },
		{ { RMODE_PASSTHROUGH, RMECH_CACHE }, "src: cache, dst: cache" },
		{ { RMODE_PASSTHROUGH, RMECH_REUSE }, "pages: passthrough (reuse n/a" },
		{ { RMODE_LAZY, RMECH_IOVA_LINK }, "src: iova-link, dst: iova-link" },
	};
	static const struct reuse_pair bad[] = {
		{ RMODE_LAZY, RMECH_CACHE }, { RMODE_LAZY, RMECH_REUSE },
		{ RMODE_LAZY, RMECH_AUTO }, { RMODE_PASSTHROUGH, RMECH_IOVA_LINK },
	};

	load_ideal();
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct zswap_params p = { .pair = good[i].pair, .threads = 1, .pages = 100,
					  .seed = 42, .profile = &ideal };
		const char *name = reuse_mech_name(good[i].pair.mech);
		const char *mode = reuse_mode_name(good[i].pair.mode);
		struct wl_result r;
		char err[256] = "";
		int ret;

		zswap_default_mix(p.mix);
		ret = zswap_run(&p, &r, err, sizeof(err));
		CHECK(ret == 0, "%s under %s: %d %s", name, mode, ret, err);
		CHECK(r.ops == 100 && r.verified == r.ops && r.failed == 0,
		      "%s under %s: verified %llu of %llu", name, mode,
		      (unsigned long long)r.verified, (unsigned long long)r.ops);
		CHECK(strstr(r.note, good[i].note) != NULL, "%s under %s: note '%s'", name, mode,
		      r.note);
		/*
		 * The device got the mode's domain: an identity one sends no
		 * invalidation; iova-link's unlinks invalidate in every other.
		 */
		if (good[i].pair.mode == RMODE_PASSTHROUGH)
			CHECK(r.iommu.cmds == 0, "%s under passthrough: %llu commands", name,
			      (unsigned long long)r.iommu.cmds);
		if (good[i].pair.mech == RMECH_IOVA_LINK)
			CHECK(r.iommu.cmds >= r.ops, "%s under %s: %llu commands for %llu pages",
			      name, mode, (unsigned long long)r.iommu.cmds,
			      (unsigned long long)r.ops);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct zswap_params p = { .pair = bad[i], .threads = 1, .pages = 10, .seed = 42,
					  .profile = &ideal };
		struct wl_result r;
		char err[256] = "";

		zswap_default_mix(p.mix);
		CHECK(zswap_run(&p, &r, err, sizeof(err)) == -EOPNOTSUPP, "%s under %s",
		      reuse_mech_name(bad[i].mech), reuse_mode_name(bad[i].mode));
		CHECK(!strcmp(err, reuse_pair_why_not(bad[i])), "%s under %s: '%s'",
		      reuse_mech_name(bad[i].mech), reuse_mode_name(bad[i].mode), err);
	}
}

/* A faulting request fails with an error status; nothing else is lost. */
static void test_zswap_fault_rejects_one_page(void)
{
	struct wl_result r;
	char err[256] = "";

	load_ideal();
	CHECK(run(RS_STRICT, 1, 100, 7, &r, err, sizeof(err)) == 0, "%s", err);
	CHECK(strstr(r.note, "; 1 rejected") != NULL, "note: %s", r.note);
	CHECK(r.verified == r.ops && r.failed == 0, "verified %llu of %llu",
	      (unsigned long long)r.verified, (unsigned long long)r.ops);
	CHECK(r.iommu.faults >= 1, "the fault was recorded by the IOMMU");
}

/* On ideal, the counts repeat for a seed. */
static void test_zswap_deterministic(void)
{
	struct wl_result a, b;
	char err[256];

	load_ideal();
	REQUIRE(run(RS_CACHE, 1, 200, 0, &a, err, sizeof(err)) == 0);
	REQUIRE(run(RS_CACHE, 1, 200, 0, &b, err, sizeof(err)) == 0);
	CHECK(a.ops == b.ops && a.lat.n == b.lat.n && a.reuse.hits == b.reuse.hits &&
	      a.reuse.misses == b.reuse.misses && a.dma.maps == b.dma.maps &&
	      a.reuse.bytes_copied == b.reuse.bytes_copied,
	      "hits %llu/%llu maps %llu/%llu", (unsigned long long)a.reuse.hits,
	      (unsigned long long)b.reuse.hits, (unsigned long long)a.dma.maps,
	      (unsigned long long)b.dma.maps);
}

/* Settings out of range are the caller's: -EINVAL and a message naming them. */
static void test_zswap_bad_params(void)
{
	static const struct {
		unsigned int threads, engine_threads, depth;
		int level;
		const char *says;
	} bad[] = {
		{ 0, 0, 0, 0, "threads 0: expected 1-64" },
		{ 65, 0, 0, 0, "threads 65: expected 1-64" },
		{ 1, 65, 0, 0, "engine_threads 65: expected 0-64" },
		{ 1, 0, ZIP_MAX_DEPTH + 1, 0, "drv.depth 4097: expected 0-4096" },
		{ 1, 0, 0, 10, "drv.level 10: expected 0-9" },
		{ 1, 0, 0, -1, "drv.level -1: expected 0-9" },
		/* pages (below) beyond the arena: ZSWAP_MAX_PAGES in all */
		{ 1, 0, 0, 0, "pages 1032193 per thread x 1 thread(s): expected at most 1032192" },
		{ 5, 0, 0, 0, "pages 206439 per thread x 5 thread(s): expected at most 206438" },
	};

	load_ideal();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct zswap_params p = {
			.pair = reuse_strategy_pair(RS_STRICT),
			.threads = bad[i].threads, .pages = 4, .seed = 1,
			.engine_threads = bad[i].engine_threads, .profile = &ideal,
			.no_populate = true,
		};

		if (strstr(bad[i].says, "pages "))
			p.pages = ZSWAP_MAX_PAGES / bad[i].threads + 1;
		struct wl_result r;
		char err[256] = "";

		zswap_default_mix(p.mix);
		p.drv.depth = bad[i].depth;
		p.drv.level = bad[i].level;
		CHECK(zswap_run(&p, &r, err, sizeof(err)) == -EINVAL, "%s", bad[i].says);
		CHECK(strstr(err, bad[i].says) != NULL, "expected '%s', got '%s'", bad[i].says, err);
	}
}

/*
 * The Nth allocation fails, for every N, through a whole run with two
 * worker threads: machine, OS, driver, the workers' thread starts, pages
 * and mappings.  Whatever fails, the run either succeeds with every page
 * accounted for or returns an error that is not -EINVAL (the input was
 * good) with a message naming what failed -- and nothing leaks (-EIO).
 * (A failed store once left a half-made entry for the load phase to read.)
 * One of the failures is a worker thread that cannot be started:
 * the other is joined, and the run says which thread failed.
 */
static void test_zswap_any_failure_says_why(void)
{
	bool thread_failed = false;
	uint64_t n;

	load_ideal();
	for (n = 1; n < 100000; n++) {
		struct zswap_params p = {
			.pair = reuse_strategy_pair(RS_STRICT), .threads = 2, .pages = 6, .seed = 3,
			.profile = &ideal, .no_populate = true,
		};
		struct wl_result r;
		char err[256] = "";
		bool fired;
		int ret;

		zswap_default_mix(p.mix);
		failinject_arm(n);
		ret = zswap_run(&p, &r, err, sizeof(err));
		fired = failinject_disarm();
		if (ret) {
			check_run_error(n, ret, err);
			if (ret == -EAGAIN && strstr(err, "cannot start its thread"))
				thread_failed = true;
		} else {
			/* No data is lost to a shortage: it would have been an error. */
			CHECK(r.ops == 12 && r.verified == r.ops && r.failed == 0,
			      "n=%llu: %llu + %llu failed of %llu", (unsigned long long)n,
			      (unsigned long long)r.verified, (unsigned long long)r.failed,
			      (unsigned long long)r.ops);
		}
		if (!fired || test_failures)
			break;
	}
	CHECK(n > 10, "only %llu allocation points", (unsigned long long)n);
	CHECK(thread_failed, "no run failed at a worker's thread start");
}

/*
 * A load that cannot get a page to load into (or memory to map its
 * decompression) is the machine's shortage, not lost data: the run fails
 * with an error naming the load, and no page is counted failed.  (Such a
 * load was once counted as a lost page, and the run succeeded.)  Half the
 * pages are zero-filled (a load is just a fresh page), half text (a load
 * also maps a decompression); every allocation point fails in turn.
 */
static void test_zswap_load_shortage_is_an_error(void)
{
	unsigned int load_errors = 0;
	uint64_t n;

	load_ideal();
	for (n = 1; n < 100000; n++) {
		struct zswap_params p = {
			.pair = reuse_strategy_pair(RS_STRICT), .threads = 1, .pages = 4, .seed = 5,
			.mix = { [ZK_ZERO] = 50, [ZK_TEXT] = 50 }, .profile = &ideal,
			.no_populate = true,
		};
		struct wl_result r;
		char err[256] = "";
		bool fired;
		int ret;

		failinject_arm(n);
		ret = zswap_run(&p, &r, err, sizeof(err));
		fired = failinject_disarm();
		CHECK(r.failed == 0, "n=%llu: %llu page(s) counted lost (ret %d: %s)",
		      (unsigned long long)n, (unsigned long long)r.failed, ret, err);
		if (ret && strstr(err, "loading page")) {
			CHECK(ret == -ENOMEM && strstr(err, strerror(ENOMEM)), "n=%llu: %d: %s",
			      (unsigned long long)n, ret, err);
			load_errors++;
		}
		if (!fired || test_failures)
			break;
	}
	CHECK(load_errors >= 4, "%u load(s) failed for want of memory in %llu runs",
	      load_errors, (unsigned long long)n);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_zswap_every_strategy),
		TEST(test_zswap_polled),
		TEST(test_zswap_pool_na),
		TEST(test_zswap_mode_pairs),
		TEST(test_zswap_fault_rejects_one_page),
		TEST(test_zswap_deterministic),
		TEST(test_zswap_bad_params),
		TEST(test_zswap_any_failure_says_why),
		TEST(test_zswap_load_shortage_is_an_error),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
