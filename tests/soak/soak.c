// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * soak.c - the soak: every strategy under everything at once, round after
 * round, until the time is up (issue 16, item 2).
 *
 * A round is one strategy on a machine and OS of its own (kept by the soak,
 * not by the workloads, so that the soak can count what is left after them):
 *   1. the census of the fresh OS (os_census()): the baseline;
 *   2. zswap with 2 CPU threads, then net with 2 CPU threads, each with
 *      the oracle and a rogue device probing at 20000 probes/s (as the
 *      isolation pass of dmabench run arms it: zswap_params.rogue,
 *      net_params.rogue), a storm thread shrinking the driver at random
 *      intervals (struct wl_soak: cache reclaim and shrink, batch flush,
 *      lazy flush), and the fault injector (machine/failinject.h) armed
 *      every K operations to fail one of the next 1..64 allocations --
 *      whichever thread makes it: a worker, the engine, the NIC, the rogue
 *      or the storm; and the reuse layer's lock-free race windows widened
 *      (raceinject_set(), as the concurrency tests do);
 *   3. the checks, each naming what failed:
 *        - every page and packet verified end to end: no wrong byte (zswap
 *          failed, net corrupt), and with no error every operation verified;
 *        - an injected failure surfaces as a counted, clean error: a run
 *          may fail with -ENOMEM or -EAGAIN only if an injection fired, and
 *          a packet may fail at TX only then;
 *        - no breach in the oracle's counts for a protected strategy (all
 *          but passthrough and lazy);
 *        - the census back to its baseline: frames, of them table pages and
 *          pinned pages, swiotlb slots, devices, and nothing found left by
 *          any device teardown (mappings, PTEs, bounce slots, IOVA ranges);
 *          then os_destroy() must find no frame left.
 * Every 4th round runs without injection, so that whole runs complete and
 * every operation must be verified.  Rounds alternate dma_debug off (even)
 * and on (odd): with it, teardown
 * counts every mapping left by its record; without, by what the domain and
 * the IOVA allocator still hold.  A watchdog fails a round that has not
 * ended after HANG_S seconds (a hang) and exits.  One line per round, a
 * summary per strategy and overall; exit 1 when anything failed, 2 for
 * bad input.
 *
 * The time budget is wall-clock (a soak is about the host's real
 * interleavings, not virtual time); the seed fixes everything else: round
 * r runs with seed + r, the injection points are a function of the seed
 * and the operation count.  --leak KIND leaks on purpose in every round,
 * so that a test can show the leak check fails (tests/soak/test_soak.sh);
 * --fault-nth and --all-protected do the same for the verification, the
 * clean-error and the breach checks.
 *
 * It arms the fault injector, a test hook that is no part of include/, by
 * path (machine/failinject.h says why).
 */
#include "../../machine/failinject.h"
#include "../../workloads/wl_int.h"

#include <dmareuse/net.h>
#include <dmareuse/profile.h>
#include <dmareuse/reuse.h>
#include <dmareuse/zswap.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 2
#define ROGUE_RATE 20000
#define INJECT_SPAN 64		/* an armed failure hits one of the next 1..64 */
#define HANG_S 120		/* a round taking longer has hung */

enum leak_kind { LEAK_NONE, LEAK_FRAME, LEAK_PIN, LEAK_IOVA, LEAK_SLOT, LEAK_DEVICE };
static const char *const leak_names[] = { "none", "frame", "pin", "iova", "slot", "device" };

struct opts {
	unsigned int seconds;
	bool strat[RS_COUNT];
	uint64_t seed;
	uint64_t inject_every;		/* K; 0 = no injection */
	unsigned int storm_us;
	uint64_t pages;			/* zswap pages per thread per round */
	uint64_t packets;		/* net packets per round */
	const char *platform;
	unsigned int race_permille;	/* raceinject_set() for the whole soak */
	enum leak_kind leak;
	uint64_t fault_nth;		/* test: the drivers' fault_nth hook */
	bool all_protected;		/* test: a breach fails every strategy */
};

/* What the injector did during one workload run (the op hook's state). */
struct inject {
	_Atomic uint64_t ops;
	_Atomic uint64_t armed, fired;
	uint64_t every, seed;
};

/* Per strategy, over the soak. */
struct tally {
	uint64_t rounds, failed_rounds, pages, packets, armed, fired, clean_errors;
	uint64_t storms, released, rogue_ok, breach;
	bool skipped_zswap, skipped_net;
	char why_zswap[200], why_net[200];
};

/*
 * The watchdog: a round that has not ended HANG_S seconds after it began
 * has hung (a deadlock, a lost wake-up, a NIC that never completes).  The
 * soak names it and exits: nothing it could still check would be sound.
 */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned int round;		/* the round running */
	const char *strategy;		/* its strategy; NULL = between rounds */
	const char *phase;		/* what it is doing */
	uint64_t gen;			/* bumped at every round start */
} dog = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, "", 0 };

static void *watchdog_fn(void *arg)
{
	pthread_mutex_lock(&dog.mu);
	for (;;) {
		uint64_t gen = dog.gen;
		struct timespec ts;
		int r = 0;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += HANG_S;
		while (dog.gen == gen && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&dog.cv, &dog.mu, &ts);
		if (dog.gen == gen && dog.strategy) {
			printf("round %u %s: FAIL hang: %s has run %d s without ending\n", dog.round,
			       dog.strategy, dog.phase, HANG_S);
			printf("soak FAILED: hung in round %u\n", dog.round);
			fflush(stdout);
			_exit(1);
		}
	}
	return arg;
}

static void dog_set(unsigned int round, const char *strategy, const char *phase)
{
	pthread_mutex_lock(&dog.mu);
	dog.round = round;
	dog.strategy = strategy;
	dog.phase = phase;
	dog.gen++;
	pthread_cond_signal(&dog.cv);
	pthread_mutex_unlock(&dog.mu);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The op hook (struct wl_soak): every K-th operation arms the injector
 * for one of the next 1..INJECT_SPAN allocation points, after noting
 * whether the previous arming fired.
 */
static void on_op(void *arg)
{
	struct inject *in = arg;
	uint64_t n = atomic_fetch_add(&in->ops, 1) + 1;

	if (!in->every || n % in->every)
		return;
	if (failinject_disarm())
		atomic_fetch_add(&in->fired, 1);
	failinject_arm(1 + wl_fmix64(in->seed ^ n) % INJECT_SPAN);
	atomic_fetch_add(&in->armed, 1);
}

/* The run is over: count a last firing and clear the injector's fired flag. */
static void inject_end(struct inject *in)
{
	if (failinject_disarm())
		atomic_fetch_add(&in->fired, 1);
	failinject_arm(0);
}

/* One line of findings, appended to @buf. */
static void fail(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 3 >= len)
		return;
	if (used)
		used += (size_t)snprintf(buf + used, len - used, "; ");
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static bool all_protected;	/* --all-protected */

static bool protected_strategy(enum reuse_strategy s)
{
	return all_protected || (s != RS_PASSTHROUGH && s != RS_LAZY);
}

/* An error an injected allocation failure may give: clean when one fired. */
static bool clean_error(int rc)
{
	return rc == -ENOMEM || rc == -EAGAIN;
}

/* Check one workload's result; findings go to @why. */
static void check_run(const char *wl, enum reuse_strategy s, int rc, const char *err,
		      const struct wl_result *r, uint64_t wrong, uint64_t tx_failed,
		      bool unlimited_loss, const struct inject *in, struct tally *t, char *why,
		      size_t whylen)
{
	uint64_t fired = atomic_load(&in->fired);

	if (rc && !(clean_error(rc) && fired))
		fail(why, whylen, "%s: %s (%s)%s", wl, err, strerror(-rc),
		     fired ? "" : " with no injected failure");
	else if (rc)
		t->clean_errors++;
	if (wrong)
		fail(why, whylen, "%s: %" PRIu64 " wrong (not verified) of %" PRIu64, wl, wrong,
		     r->ops);
	if (tx_failed && !fired)
		fail(why, whylen, "%s: %" PRIu64 " packet(s) failed with no injected failure", wl,
		     tx_failed);
	/*
	 * Every operation ends verified or failed -- but a zswap page whose
	 * load found no memory was never asked for (zswap.h): at most one per
	 * injected failure.
	 */
	if (r->verified + r->failed > r->ops ||
	    r->ops - r->verified - r->failed > (unlimited_loss ? fired : 0))
		fail(why, whylen, "%s: %" PRIu64 " of %" PRIu64 " operations neither verified nor "
		     "failed, %" PRIu64 " injected failure(s)", wl,
		     r->ops - r->verified - r->failed, r->ops, fired);
	if (r->watched && protected_strategy(s) && r->oracle.breach)
		fail(why, whylen, "%s: %" PRIu64 " breach(es) under %s", wl, r->oracle.breach,
		     reuse_strategy_name(s));
	t->breach += r->oracle.breach;
	t->rogue_ok += r->rogue_successes;
	t->storms += r->storms;
	t->released += r->storm_released;
	t->armed += atomic_load(&in->armed);
	t->fired += fired;
}

/* Leak on purpose (--leak), after the workloads and before the census. */
static void leak_on_purpose(struct os *os, enum leak_kind k, pfn_t pinned, struct dma_device **dev)
{
	struct page_alloc *pa = os_page_alloc(os);
	struct dma_device_opts o = { DMA_DOMAIN_STRICT, 64, k == LEAK_SLOT, true };
	pfn_t pfn;

	switch (k) {
	case LEAK_NONE:
		return;
	case LEAK_FRAME:
		if (pages_alloc(pa, 0, 0x50414bu, false, &pfn) == 0)
			return;		/* never freed: os_destroy() reports it too */
		break;
	case LEAK_PIN:
		page_get(pa, pinned);	/* dropped after the census */
		return;
	case LEAK_IOVA:
	case LEAK_SLOT:
	case LEAK_DEVICE:
		*dev = dma_device_create(os, "leaker", &o);
		if (!*dev)
			break;
		if (k != LEAK_DEVICE) {
			/* Mapped and never unmapped: teardown finds it left. */
			if (dma_mapping_error(dma_map_page(*dev, pinned, 0, k == LEAK_SLOT ? 512 :
							   PAGE_SIZE, DMA_TO_DEVICE)))
				break;
			dma_device_destroy(*dev);
			*dev = NULL;
		} else if (dma_mapping_error(dma_map_page(*dev, pinned, 0, PAGE_SIZE,
							  DMA_TO_DEVICE))) {
			break;
		}
		return;
	}
	fprintf(stderr, "soak: --leak %s: could not set the leak up\n", leak_names[k]);
}

/* Compare the census with the baseline; findings go to @why. */
static void check_census(const struct os_census *a, const struct os_census *b, char *why,
			 size_t whylen)
{
#define CHECK(field, what) do {							\
		if (b->field != a->field)						\
			fail(why, whylen, "leak: %s %" PRIu64 " at start, %" PRIu64 " now",	\
			     what, (uint64_t)a->field, (uint64_t)b->field);		\
	} while (0)
	CHECK(frames, "frames");
	CHECK(pt_pages, "IOMMU table pages");
	CHECK(pinned, "pinned pages");
	CHECK(slots, "swiotlb slots");
	CHECK(devices, "DMA devices");
	CHECK(torn_mappings, "mappings found at device teardown");
	CHECK(torn_ptes, "PTEs found at device teardown");
	CHECK(torn_slots, "bounce buffers found at device teardown");
	CHECK(torn_iovas, "IOVA ranges found at device teardown");
#undef CHECK
}

/* One round of strategy @s; returns true if it passed. */
static bool round_run(const struct opts *o, const struct platform_profile *prof,
		      unsigned int round, enum reuse_strategy s, struct tally *t)
{
	struct reuse_pair pair = reuse_strategy_pair(s);
	uint64_t seed = o->seed + round;
	struct machine_config mc = {
		.profile = prof, .mem_bytes = ZSWAP_ARENA_SLACK + (size_t)(o->pages * THREADS) *
		PAGE_SIZE * 2 + (128u << 20),
	};
	struct os_config oc = { .ncpus = THREADS + 1 };
	struct os_census before, after;
	struct dma_device *leaker = NULL;
	struct wl_result zr, nr;
	struct net_stats ns = { 0 };
	/* Every 4th round runs without injection: whole runs, every operation verified. */
	uint64_t every = round % 4 == 3 ? 0 : o->inject_every;
	struct inject zin = { .every = every, .seed = seed };
	struct inject nin = { .every = every, .seed = seed ^ 0x6e6574u };
	char zerr[200] = "", nerr[200] = "", why[900] = "";
	const char *znote = "", *nnote = "";
	struct machine *m;
	struct os *os;
	size_t left;
	int zrc, nrc;
	pfn_t spare;
	double t0 = now_s();

	m = machine_create(&mc);
	oc.machine = m;
	os = m ? os_create(&oc) : NULL;
	if (!os || pages_alloc(os_page_alloc(os), 0, 0x534f414bu, false, &spare)) {
		printf("round %u %s: FAIL cannot build a machine of %zu MiB\n", round,
		       reuse_strategy_name(s), mc.mem_bytes >> 20);
		os_destroy(os);
		if (m)
			machine_destroy(m);
		t->rounds++;
		t->failed_rounds++;
		return false;
	}
	os_census(os, &before);

	dog_set(round, reuse_strategy_name(s), "zswap");
	{
		struct zswap_params zp = {
			.pair = pair, .threads = THREADS, .pages = o->pages, .seed = seed,
			.profile = prof, .oracle = true, .rogue = true, .rogue_rate = ROGUE_RATE,
			.os = os, .soak = { on_op, &zin, o->storm_us },
		};

		zswap_default_mix(zp.mix);
		zp.drv.dma_debug = round & 1;
		zp.drv.fault_nth = o->fault_nth;
		zrc = zswap_run(&zp, &zr, zerr, sizeof(zerr));
		inject_end(&zin);
	}
	if (zrc == -EOPNOTSUPP) {
		t->skipped_zswap = true;
		snprintf(t->why_zswap, sizeof(t->why_zswap), "%s", zerr);
		znote = " (n/a)";
	} else {
		check_run("zswap", s, zrc, zerr, &zr, zr.failed, 0, true, &zin, t, why,
			  sizeof(why));
		t->pages += zr.verified;
	}
	dog_set(round, reuse_strategy_name(s), "net");
	{
		struct net_params np = {
			.pair = pair, .threads = THREADS, .packets = o->packets, .seed = seed,
			.profile = prof, .os = os, .oracle = true, .rogue = true,
			.rogue_rate = ROGUE_RATE, .soak = { on_op, &nin, o->storm_us },
			.debug = round & 1, .fault_nth = o->fault_nth,
		};

		nrc = net_run(&np, &nr, &ns, nerr, sizeof(nerr));
		inject_end(&nin);
	}
	if (nrc == -EOPNOTSUPP) {
		t->skipped_net = true;
		snprintf(t->why_net, sizeof(t->why_net), "%s", nerr);
		nnote = " (n/a)";
	} else {
		check_run("net", s, nrc, nerr, &nr, ns.corrupt, ns.tx_failed + ns.lost, false, &nin,
			  t, why, sizeof(why));
		t->packets += nr.verified;
	}

	dog_set(round, reuse_strategy_name(s), "the teardown checks");
	leak_on_purpose(os, o->leak, spare, &leaker);
	os_census(os, &after);
	check_census(&before, &after, why, sizeof(why));
	if (o->leak == LEAK_PIN)
		page_put(os_page_alloc(os), spare);
	if (leaker)
		dma_device_destroy(leaker);
	page_put(os_page_alloc(os), spare);
	left = os_destroy(os);
	if (left && o->leak != LEAK_FRAME)
		fail(why, sizeof(why), "leak: %zu frame(s) left at os_destroy()", left);
	machine_destroy(m);
	dog_set(round, NULL, "");

	t->rounds++;
	if (*why)
		t->failed_rounds++;
	printf("round %u %s: zswap%s %" PRIu64 "/%" PRIu64 " verified%s%s, net%s %" PRIu64 "/%"
	       PRIu64 " verified%s%s, injected %" PRIu64 "/%" PRIu64 " fired, storms %" PRIu64
	       ", breach %" PRIu64 ", %.2f s: %s%s\n", round, reuse_strategy_name(s), znote,
	       zrc == -EOPNOTSUPP ? 0 : zr.verified, zrc == -EOPNOTSUPP ? 0 : zr.ops,
	       zrc && zrc != -EOPNOTSUPP ? " err " : "",
	       zrc && zrc != -EOPNOTSUPP ? strerror(-zrc) : "", nnote,
	       nrc == -EOPNOTSUPP ? 0 : nr.verified, nrc == -EOPNOTSUPP ? 0 : nr.ops,
	       nrc && nrc != -EOPNOTSUPP ? " err " : "",
	       nrc && nrc != -EOPNOTSUPP ? strerror(-nrc) : "",
	       atomic_load(&zin.fired) + atomic_load(&nin.fired),
	       atomic_load(&zin.armed) + atomic_load(&nin.armed),
	       (zrc == -EOPNOTSUPP ? 0 : zr.storms) + (nrc == -EOPNOTSUPP ? 0 : nr.storms),
	       (zrc == -EOPNOTSUPP ? 0 : zr.oracle.breach) +
	       (nrc == -EOPNOTSUPP ? 0 : nr.oracle.breach), now_s() - t0,
	       *why ? "FAIL " : "ok", why);
	fflush(stdout);
	return !*why;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: soak [options]\n"
		"  --seconds S        total time, 0-86400 (default 10); every chosen strategy\n"
		"                     runs at least one round\n"
		"  --strategy LIST    comma-separated strategies, or all (default all)\n"
		"  --seed N           seed (default 1); round r runs with seed + r\n"
		"  --inject-every K   arm the fault injector every K operations, 0 = never\n"
		"                     (default 1500)\n"
		"  --storm-us U       mean microseconds between reclaim/shrink storms, 0 = none\n"
		"                     (default 2000)\n"
		"  --pages N          zswap pages per thread per round, 1-100000 (default 1000)\n"
		"  --packets N        net packets per round, 1-1000000 (default 2000)\n"
		"  --platform P       profile name or path (default kunpeng920-smmuv3)\n"
		"  --race-permille P  widen the reuse layer's lock-free race windows: wait\n"
		"                     in P per mille of them, 0-1000 (default 20)\n"
		"  --leak KIND        test: leak a frame, pin, iova, slot or device on purpose\n"
		"                     in every round, to show the leak check fails\n"
		"  --fault-nth N      test: the Nth request of each driver gets an unmapped\n"
		"                     address (the drivers' fault_nth hook), to show the\n"
		"                     verification checks fail\n"
		"  --all-protected    test: a breach fails every strategy, passthrough too\n");
}

static int parse_u64(const char *opt, const char *v, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = v ? strtoull(v, &end, 10) : 0;
	if (!v || !*v || *end || errno || *v == '-' || x < lo || x > hi) {
		fprintf(stderr, "soak: %s '%s': expected an integer %" PRIu64 "-%" PRIu64 "\n",
			opt, v ? v : "", lo, hi);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static int parse_strategies(const char *list, bool *strat)
{
	char buf[256], *save = NULL;

	memset(strat, 0, sizeof(bool) * RS_COUNT);
	if (!strcmp(list, "all")) {
		for (int i = 0; i < RS_COUNT; i++)
			strat[i] = true;
		return 0;
	}
	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, "soak: --strategy: list too long (expected under 256 bytes)\n");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int s = reuse_strategy_parse(tok);

		if (s < 0) {
			fprintf(stderr, "soak: --strategy '%s': expected all or names among", tok);
			for (int i = 0; i < RS_COUNT; i++)
				fprintf(stderr, " %s", reuse_strategy_name(i));
			fprintf(stderr, "\n");
			return -EINVAL;
		}
		strat[s] = true;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;

	*o = (struct opts){ .seconds = 10, .seed = 1, .inject_every = 1500, .storm_us = 2000,
			    .pages = 1000, .packets = 2000, .platform = "kunpeng920-smmuv3",
			    .race_permille = 20 };
	parse_strategies("all", o->strat);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int r = 0;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--seconds")) {
			r = parse_u64(a, val, 0, 86400, &v);
			o->seconds = (unsigned int)v;
		} else if (!strcmp(a, "--strategy")) {
			r = val ? parse_strategies(val, o->strat) : parse_u64(a, val, 0, 0, &v);
		} else if (!strcmp(a, "--seed")) {
			r = parse_u64(a, val, 0, UINT64_MAX, &o->seed);
		} else if (!strcmp(a, "--inject-every")) {
			r = parse_u64(a, val, 0, 1000000000, &o->inject_every);
		} else if (!strcmp(a, "--storm-us")) {
			r = parse_u64(a, val, 0, 10000000, &v);
			o->storm_us = (unsigned int)v;
		} else if (!strcmp(a, "--pages")) {
			r = parse_u64(a, val, 1, 100000, &o->pages);
		} else if (!strcmp(a, "--packets")) {
			r = parse_u64(a, val, 1, 1000000, &o->packets);
		} else if (!strcmp(a, "--fault-nth")) {
			r = parse_u64(a, val, 1, UINT64_MAX, &o->fault_nth);
		} else if (!strcmp(a, "--all-protected")) {
			o->all_protected = true;
			continue;	/* takes no value */
		} else if (!strcmp(a, "--race-permille")) {
			r = parse_u64(a, val, 0, 1000, &v);
			o->race_permille = (unsigned int)v;
		} else if (!strcmp(a, "--platform")) {
			if (!val) {
				fprintf(stderr, "soak: --platform: expected a profile name or path\n");
				r = -EINVAL;
			}
			o->platform = val;
		} else if (!strcmp(a, "--leak")) {
			o->leak = LEAK_NONE;
			for (unsigned int k = 1; val && k < ARRAY_SIZE(leak_names); k++)
				if (!strcmp(val, leak_names[k]))
					o->leak = (enum leak_kind)k;
			if (o->leak == LEAK_NONE) {
				fprintf(stderr, "soak: --leak '%s': expected frame, pin, iova, slot or "
					"device\n", val ? val : "");
				r = -EINVAL;
			}
		} else {
			fprintf(stderr, "soak: unknown option '%s' (see --help)\n", a);
			return -EINVAL;
		}
		if (r)
			return r;
		i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct tally t[RS_COUNT];
	struct platform_profile prof;
	struct opts o;
	char perr[200];
	uint64_t rounds = 0, failed = 0, pages = 0, packets = 0, armed = 0, fired = 0;
	uint64_t clean = 0, storms = 0;
	unsigned int round = 0;
	double start;
	bool first_pass = true;
	pthread_t wd;

	if (parse_args(argc, argv, &o))
		return 2;
	all_protected = o.all_protected;
	if (profile_load(o.platform, &prof, perr, sizeof(perr))) {
		fprintf(stderr, "soak: --platform '%s': %s\n", o.platform, perr);
		return 2;
	}
	printf("soak: %u s, seed %" PRIu64 ", platform %s, %d threads, inject every %" PRIu64
	       " ops, storms every ~%u us, race windows %u/1000, %" PRIu64 " pages/thread + %"
	       PRIu64 " packets a round%s%s\n", o.seconds, o.seed, prof.name, THREADS,
	       o.inject_every, o.storm_us, o.race_permille, o.pages, o.packets,
	       o.leak ? ", leaking on purpose: " : "",
	       o.leak ? leak_names[o.leak] : "");
	if (pthread_create(&wd, NULL, watchdog_fn, NULL)) {
		fprintf(stderr, "soak: cannot start the watchdog thread\n");
		return 1;
	}
	pthread_detach(wd);
	raceinject_set(o.race_permille);
	start = now_s();
	while (first_pass || now_s() - start < o.seconds) {
		for (int s = 0; s < RS_COUNT; s++) {
			if (!o.strat[s])
				continue;
			if (!first_pass && now_s() - start >= o.seconds)
				break;
			round_run(&o, &prof, round++, (enum reuse_strategy)s, &t[s]);
		}
		first_pass = false;
	}
	printf("strategy      rounds  failed      pages    packets  injected  fired  clean-errors"
	       "  storms    breach\n");
	for (int s = 0; s < RS_COUNT; s++) {
		if (!o.strat[s])
			continue;
		printf("%-12s %7" PRIu64 " %7" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9" PRIu64
		       " %6" PRIu64 " %13" PRIu64 " %7" PRIu64 " %9" PRIu64 "%s\n",
		       reuse_strategy_name(s), t[s].rounds, t[s].failed_rounds, t[s].pages,
		       t[s].packets, t[s].armed, t[s].fired, t[s].clean_errors, t[s].storms,
		       t[s].breach, protected_strategy(s) ? "" : " (unprotected: breaches allowed)");
		if (t[s].skipped_zswap)
			printf("  %s: zswap n/a: %s\n", reuse_strategy_name(s), t[s].why_zswap);
		if (t[s].skipped_net)
			printf("  %s: net n/a: %s\n", reuse_strategy_name(s), t[s].why_net);
		rounds += t[s].rounds;
		failed += t[s].failed_rounds;
		pages += t[s].pages;
		packets += t[s].packets;
		armed += t[s].armed;
		fired += t[s].fired;
		clean += t[s].clean_errors;
		storms += t[s].storms;
	}
	printf("soak %s: %" PRIu64 " round(s), %" PRIu64 " failed, in %.1f s; %" PRIu64
	       " pages and %" PRIu64 " packets verified; %" PRIu64 " injections armed, %" PRIu64
	       " fired, %" PRIu64 " clean errors; %" PRIu64 " storms\n", failed ? "FAILED" : "passed",
	       rounds, failed, now_s() - start, pages, packets, armed, fired, clean, storms);
	return failed ? 1 : 0;
}
