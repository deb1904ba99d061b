// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_strategy.c - the table of strategies (reuse/strategy.c): every
 * named strategy maps to its pair and back, every pair of mode and
 * mechanism has an isolation class, the refused pairs are exactly those
 * the safety rule forbids or the mode cannot give, and the table agrees
 * with the objects -- a pair it allows can be built on a device of that
 * mode, a pair it refuses cannot; and the lab's mode helper gives each
 * mode its domain.
 */
#include "harness.h"

#include <dmareuse/reuse.h>
#include <dmareuse/reuse_lab.h>

#include <errno.h>
#include <string.h>

static const enum reuse_mode modes[] = { RMODE_PASSTHROUGH, RMODE_STRICT, RMODE_LAZY };

static struct reuse_pair pair(enum reuse_mode mode, enum reuse_mech mech)
{
	return (struct reuse_pair){ mode, mech };
}

/* Every name maps to its pair and the pair back to the name. */
static void test_names_map_to_pairs_and_back(void)
{
	static const struct {
		enum reuse_strategy s;
		const char *name;
		enum reuse_mode mode;
		enum reuse_mech mech;
	} want[] = {
		{ RS_PASSTHROUGH, "passthrough", RMODE_PASSTHROUGH, RMECH_NONE },
		{ RS_STRICT, "strict", RMODE_STRICT, RMECH_NONE },
		{ RS_LAZY, "lazy", RMODE_LAZY, RMECH_NONE },
		{ RS_BOUNCE, "bounce", RMODE_STRICT, RMECH_BOUNCE },
		{ RS_REUSE, "reuse", RMODE_STRICT, RMECH_REUSE },
		{ RS_POOL, "pool", RMODE_STRICT, RMECH_POOL },
		{ RS_CACHE, "cache", RMODE_STRICT, RMECH_CACHE },
		{ RS_IOVA_LINK, "iova-link", RMODE_STRICT, RMECH_IOVA_LINK },
		{ RS_AUTO, "auto", RMODE_STRICT, RMECH_AUTO },
		{ RS_BATCH, "batch", RMODE_STRICT, RMECH_BATCH },
	};

	CHECK(ARRAY_SIZE(want) == RS_COUNT, "every named strategy is listed here");
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct reuse_pair p = reuse_strategy_pair(want[i].s);

		CHECK(!strcmp(reuse_strategy_name(want[i].s), want[i].name), "%s: named %s",
		      want[i].name, reuse_strategy_name(want[i].s));
		CHECK(reuse_strategy_parse(want[i].name) == (int)want[i].s, "%s", want[i].name);
		CHECK(p.mode == want[i].mode && p.mech == want[i].mech, "%s: pair %s + %s",
		      want[i].name, reuse_mode_name(p.mode), reuse_mech_name(p.mech));
		CHECK(reuse_pair_strategy(p) == (int)want[i].s, "%s: the pair names it back",
		      want[i].name);
		CHECK(reuse_pair_why_not(p) == NULL, "%s: a named pair is usable: %s",
		      want[i].name, reuse_pair_why_not(p));
		/* A mode-only strategy goes by its mode's name, any other by its mechanism's. */
		CHECK(!strcmp(reuse_use_name(p.mode, p.mech), want[i].name), "%s: goes by %s",
		      want[i].name, reuse_use_name(p.mode, p.mech));
	}
	/* Without --mode every mechanism runs under strict: each has its name there. */
	for (int m = 0; m < RMECH_COUNT; m++) {
		int s = reuse_pair_strategy(pair(RMODE_STRICT, (enum reuse_mech)m));

		CHECK(s >= 0, "%s under strict has a name", reuse_mech_name((enum reuse_mech)m));
	}
	/* Pairs without a name, and values out of range. */
	CHECK(reuse_pair_strategy(pair(RMODE_LAZY, RMECH_BOUNCE)) == -1);
	CHECK(reuse_pair_strategy(pair(RMODE_PASSTHROUGH, RMECH_CACHE)) == -1);
	CHECK(reuse_pair_strategy(pair(RMODE_COUNT, RMECH_NONE)) == -1);
	CHECK(reuse_pair_why_not(reuse_strategy_pair(RS_COUNT)) != NULL,
	      "a value that is not a strategy gives a refused pair");
	CHECK(!strcmp(reuse_strategy_name(RS_COUNT), "?"));
	CHECK(reuse_strategy_parse("none") == -1, "none is a mechanism, not a strategy");
	/* Mode and mechanism names. */
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		CHECK(reuse_mode_parse(reuse_mode_name(modes[i])) == (int)modes[i], "%s",
		      reuse_mode_name(modes[i]));
	CHECK(!strcmp(reuse_mode_name(RMODE_PASSTHROUGH), "passthrough") &&
	      !strcmp(reuse_mode_name(RMODE_STRICT), "strict") &&
	      !strcmp(reuse_mode_name(RMODE_LAZY), "lazy"));
	CHECK(reuse_mode_parse("Lazy") == -1 && reuse_mode_parse("") == -1 &&
	      reuse_mode_parse("lazyx") == -1);
	CHECK(!strcmp(reuse_mode_name(RMODE_COUNT), "?") &&
	      !strcmp(reuse_mech_name(RMECH_COUNT), "?") &&
	      !strcmp(reuse_use_name(RMODE_COUNT, RMECH_NONE), "?"));
	for (int a = 0; a < RMECH_COUNT; a++)
		for (int b = a + 1; b < RMECH_COUNT; b++)
			CHECK(strcmp(reuse_mech_name((enum reuse_mech)a),
				     reuse_mech_name((enum reuse_mech)b)), "mechanism names unique");
	CHECK(!strcmp(reuse_mech_name(RMECH_NONE), "none"));
	/* A zeroed pair is the strict strategy. */
	CHECK(reuse_pair_strategy((struct reuse_pair){ 0 }) == RS_STRICT);
}

static bool is_class(const char *c)
{
	static const char *const classes[] = {
		"none", "window", "breach", "strict", "copy", "registered", "pool", "pinned",
		"mixed", "batched",
	};

	for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
		if (!strcmp(c, classes[i]))
			return true;
	return false;
}

/* Every pair has an isolation class, a description, and isolates as its class says. */
static void test_every_pair_has_isolation_class(void)
{
	static const char *const named_class[RS_COUNT] = {
		[RS_PASSTHROUGH] = "none", [RS_STRICT] = "strict", [RS_LAZY] = "window",
		[RS_BOUNCE] = "copy", [RS_REUSE] = "registered", [RS_POOL] = "pool",
		[RS_CACHE] = "pinned", [RS_IOVA_LINK] = "strict", [RS_AUTO] = "mixed",
		[RS_BATCH] = "batched",
	};
	unsigned int pairs = 0;

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		for (int m = 0; m < RMECH_COUNT; m++) {
			struct reuse_pair p = pair(modes[i], (enum reuse_mech)m);
			const char *cls = reuse_pair_isolation_class(p);
			bool leaky = !strcmp(cls, "none") || !strcmp(cls, "window") ||
				     !strcmp(cls, "breach");

			pairs++;
			CHECK(is_class(cls), "%s under %s: class '%s'",
			      reuse_mech_name(p.mech), reuse_mode_name(p.mode), cls);
			CHECK(strlen(reuse_pair_isolation(p)) > 10, "%s under %s: isolation '%s'",
			      reuse_mech_name(p.mech), reuse_mode_name(p.mode),
			      reuse_pair_isolation(p));
			CHECK(reuse_pair_isolating(p) == !leaky, "%s under %s: class %s, isolating %d",
			      reuse_mech_name(p.mech), reuse_mode_name(p.mode), cls,
			      reuse_pair_isolating(p));
			if (modes[i] == RMODE_PASSTHROUGH)
				CHECK(!strcmp(cls, "none"), "%s under passthrough keeps none, not %s",
				      reuse_mech_name(p.mech), cls);
		}
	CHECK(pairs == 3 * RMECH_COUNT);
	for (int s = 0; s < RS_COUNT; s++) {
		struct reuse_pair p = reuse_strategy_pair((enum reuse_strategy)s);

		CHECK(!strcmp(reuse_strategy_isolation_class((enum reuse_strategy)s), named_class[s]),
		      "%s: class %s", reuse_strategy_name((enum reuse_strategy)s),
		      reuse_strategy_isolation_class((enum reuse_strategy)s));
		CHECK(!strcmp(reuse_pair_isolation_class(p), named_class[s]));
		CHECK(!strcmp(reuse_strategy_isolation((enum reuse_strategy)s),
			      reuse_pair_isolation(p)));
	}
	/*
	 * batch isolates in every translating mode -- under lazy too: it
	 * invalidates its own unmaps before releasing anything -- while lazy
	 * itself (window) does not.
	 */
	CHECK(!strcmp(reuse_pair_isolation_class(pair(RMODE_LAZY, RMECH_BATCH)), "batched") &&
	      reuse_pair_isolating(pair(RMODE_LAZY, RMECH_BATCH)) &&
	      reuse_pair_isolating(pair(RMODE_STRICT, RMECH_BATCH)) &&
	      !reuse_pair_isolating(pair(RMODE_PASSTHROUGH, RMECH_BATCH)) &&
	      !reuse_pair_isolating(pair(RMODE_LAZY, RMECH_NONE)));
	CHECK(!strcmp(reuse_mech_name(RMECH_BATCH), "batch"));
	CHECK(!strcmp(reuse_pair_isolation_class(pair(RMODE_COUNT, RMECH_NONE)), "?") &&
	      !strcmp(reuse_pair_isolation(pair(RMODE_STRICT, RMECH_COUNT)), "?") &&
	      !reuse_pair_isolating(pair(RMODE_STRICT, RMECH_COUNT)));
}

/* The refused pairs are exactly these; the safety rule's keep `breach`. */
static void test_forbidden_pairs_refused(void)
{
	static const struct {
		enum reuse_mode mode;
		enum reuse_mech mech;
		const char *why;	/* a word the reason must hold */
	} refused[] = {
		{ RMODE_LAZY, RMECH_REUSE, "safety rule" },
		{ RMODE_LAZY, RMECH_CACHE, "safety rule" },
		{ RMODE_LAZY, RMECH_AUTO, "safety rule" },
		{ RMODE_PASSTHROUGH, RMECH_IOVA_LINK, "IOVA space" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		for (int m = 0; m < RMECH_COUNT; m++) {
			struct reuse_pair p = pair(modes[i], (enum reuse_mech)m);
			const char *why = reuse_pair_why_not(p), *want = NULL;

			for (size_t k = 0; k < ARRAY_SIZE(refused); k++)
				if (refused[k].mode == p.mode && refused[k].mech == p.mech)
					want = refused[k].why;
			if (!want) {
				CHECK(why == NULL, "%s under %s is allowed, not refused: %s",
				      reuse_mech_name(p.mech), reuse_mode_name(p.mode), why);
				continue;
			}
			CHECK(why && strstr(why, want), "%s under %s refused for '%s': %s",
			      reuse_mech_name(p.mech), reuse_mode_name(p.mode), want, why);
			if (!strcmp(want, "safety rule"))
				CHECK(!strcmp(reuse_pair_isolation_class(p), "breach"),
				      "%s under %s would breach", reuse_mech_name(p.mech),
				      reuse_mode_name(p.mode));
		}
	CHECK(reuse_pair_why_not(pair(RMODE_COUNT, RMECH_NONE)) != NULL);
	CHECK(reuse_pair_why_not(pair(RMODE_STRICT, RMECH_COUNT)) != NULL);
	CHECK(reuse_pair_why_not(pair((enum reuse_mode)-1, RMECH_NONE)) != NULL);
}

/* Whether the object of @mech can be built on @dev (then torn down). */
static bool object_builds(struct dma_device *dev, enum reuse_mech mech)
{
	struct rmapper_cfg cfg = { .auto_crossover = 1024, .link_bytes = 16 * PAGE_SIZE };
	struct rreuse *r;
	struct rpool *pl;
	struct rmapper *m;

	switch (mech) {
	case RMECH_REUSE:
		r = rreuse_create(dev);
		if (r)
			CHECK(rreuse_destroy(r) == 0);
		return r != NULL;
	case RMECH_POOL:
		pl = rpool_create(dev, 4096, 2, DMA_TO_DEVICE);
		if (pl)
			CHECK(rpool_destroy(pl) == 0);
		return pl != NULL;
	default:
		m = rmapper_create(dev, mech, &cfg);
		if (m) {
			CHECK(rmapper_mech(m) == mech);
			CHECK(rmapper_destroy(m) == 0);
		}
		return m != NULL;
	}
}

/*
 * The table and the objects agree: on a device of each mode, the object of
 * each mechanism can be built exactly when the table allows the pair.
 */
static void test_pair_table_agrees_with_objects(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		struct dma_device_opts o = { 0 };
		struct dma_device *dev;
		struct lab *lab;

		REQUIRE(reuse_mode_domain(modes[i], &o.type) == 0);
		lab = lab_up(64, 2, "ideal");
		REQUIRE(lab);
		dev = dma_device_create(lab->os, "pairs", &o);
		REQUIRE(dev, "%s", reuse_mode_name(modes[i]));
		for (int m = 0; m < RMECH_COUNT; m++) {
			struct reuse_pair p = pair(modes[i], (enum reuse_mech)m);
			bool allowed = reuse_pair_why_not(p) == NULL;

			CHECK(object_builds(dev, p.mech) == allowed, "%s under %s: table says %s",
			      reuse_mech_name(p.mech), reuse_mode_name(p.mode),
			      allowed ? "allowed" : reuse_pair_why_not(p));
		}
		CHECK(dma_device_destroy(dev) == 0);
		lab_down(lab);
	}
}

/* The lab's helper gives each mode its domain type, and nothing for a non-mode. */
static void test_mode_domain(void)
{
	static const struct {
		enum reuse_mode mode;
		enum dma_domain_type type;
	} want[] = {
		{ RMODE_PASSTHROUGH, DMA_DOMAIN_PASSTHROUGH },
		{ RMODE_STRICT, DMA_DOMAIN_STRICT },
		{ RMODE_LAZY, DMA_DOMAIN_LAZY },
	};
	enum dma_domain_type t = DMA_DOMAIN_LAZY;
	struct lab *lab = lab_up(64, 2, "ideal");

	REQUIRE(lab);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		struct dma_device_opts o = { .type = want[i].type == DMA_DOMAIN_STRICT ?
						     DMA_DOMAIN_LAZY : DMA_DOMAIN_STRICT };
		struct dma_device *dev;

		CHECK(reuse_mode_domain(want[i].mode, &o.type) == 0);
		CHECK(o.type == want[i].type, "%s: domain %s", reuse_mode_name(want[i].mode),
		      dma_domain_type_name(o.type));
		dev = dma_device_create(lab->os, "mode", &o);
		REQUIRE(dev);
		CHECK(dma_device_type(dev) == want[i].type);
		CHECK(dma_device_destroy(dev) == 0);
	}
	CHECK(reuse_mode_domain(RMODE_COUNT, &t) == -EINVAL && t == DMA_DOMAIN_LAZY,
	      "a value that is not a mode is refused, the type untouched");
	lab_down(lab);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_names_map_to_pairs_and_back),
		TEST(test_every_pair_has_isolation_class),
		TEST(test_forbidden_pairs_refused),
		TEST(test_pair_table_agrees_with_objects),
		TEST(test_mode_domain),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
