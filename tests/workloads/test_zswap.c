// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_zswap.c - zswap on the zip engine, end to end: every page stored is
 * loaded back and compared, under every strategy that applies, with 1 and
 * 2 CPU threads; a request that faults is rejected and nothing else is
 * lost; pool says it does not apply; counts repeat for a seed.
 */
#include "harness.h"

#include <dmareuse/zswap.h>

#include <errno.h>
#include <string.h>

static struct platform_profile ideal;

static int run(enum reuse_strategy s, unsigned int threads, uint64_t pages,
	       uint64_t fault_nth, struct wl_result *r, char *err, size_t errlen)
{
	struct zswap_params p = {
		.strategy = s, .threads = threads, .pages = pages, .seed = 42,
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
				.strategy = ss[i], .threads = t, .pages = 150, .seed = 42,
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

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_zswap_every_strategy),
		TEST(test_zswap_polled),
		TEST(test_zswap_pool_na),
		TEST(test_zswap_fault_rejects_one_page),
		TEST(test_zswap_deterministic),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
