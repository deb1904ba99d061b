// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_zswap_conc.c - zswap with 2 CPU threads, the engine thread and a
 * rogue zip device probing everything it has seen, under every strategy
 * that applies (run under ThreadSanitizer by `make check-tsan`).  Every
 * page must come back intact, and every strategy that claims isolation --
 * all but passthrough and lazy -- must show zero breach.  Every other
 * strategy runs with polled completions, so the driver's lock-free poll of
 * a slot races the engine's completion under the sanitizer too.
 */
#include "harness.h"

#include <dmareuse/zswap.h>

#include <string.h>

static void test_zswap_rogue_every_strategy(void)
{
	struct platform_profile ideal;
	char err[256];

	REQUIRE(profile_load("ideal", &ideal, err, sizeof(err)) == 0, "%s", err);
	for (int s = 0; s < RS_COUNT; s++) {
		struct zswap_params p = {
			.pair = reuse_strategy_pair((enum reuse_strategy)s), .threads = 2,
			.pages = 120, .seed = 7, .profile = &ideal, .rogue = true, .rogue_rate = 50000,
		};
		struct wl_result r;
		int ret;

		if (s == RS_POOL)
			continue;
		zswap_default_mix(p.mix);
		p.drv.poll = s & 1;
		ret = zswap_run(&p, &r, err, sizeof(err));
		CHECK(ret == 0, "%s: %s", reuse_strategy_name((enum reuse_strategy)s), err);
		CHECK(r.verified == r.ops && r.failed == 0, "%s: %llu of %llu verified",
		      reuse_strategy_name((enum reuse_strategy)s), (unsigned long long)r.verified,
		      (unsigned long long)r.ops);
		CHECK(r.watched && r.rogue_attempts > 0, "%s: the rogue never tried",
		      reuse_strategy_name((enum reuse_strategy)s));
		if (s != RS_PASSTHROUGH && s != RS_LAZY)
			CHECK(r.oracle.breach == 0, "%s: %llu breach",
			      reuse_strategy_name((enum reuse_strategy)s),
			      (unsigned long long)r.oracle.breach);
		if (s == RS_PASSTHROUGH)
			CHECK(!strcmp(r.isolation, "none"), "passthrough isolation %s", r.isolation);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_zswap_rogue_every_strategy),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
