// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * run.c - `dmabench run` and the default scenario: workloads x strategies
 * on one platform, one row per strategy, one table (or JSON, or CSV).
 *
 * Every strategy runs on a fresh machine built from the profile, so rows
 * do not share IOTLB or allocator state.  A strategy that does not apply
 * to the workload gets a row that says `n/a` and why.  Under the table one
 * line names the cheapest strategy (DMA-layer CPU ns per operation) among
 * those that kept isolation -- a pair whose class isolates (not
 * passthrough's none, not lazy's window), no breach seen -- with its ratio
 * to strict and to passthrough from the same run.
 *
 * Each row is a pair (reuse.h): the named strategy's mechanism under its
 * own mode or, with --mode, under the mode given.  A pair named on the
 * command line that the strategy table refuses, or a mode-only strategy
 * (passthrough, strict, lazy) asked to move to another mode, is refused
 * (exit 2); under `--strategy all --mode M` the mode-only strategies of
 * other modes are left out and the refused pairs get an n/a row saying
 * why.
 *
 * Timed runs (--seconds S) of zswap and net go in S rounds of one second:
 * every strategy runs once per round, in alternating order, and a row sums
 * its rounds.  The rows being compared thus sample the same stretches of a
 * noisy machine instead of one stretch each.  The isolation runs follow
 * the last round.  --ops runs, the map workload and --clock virtual (no
 * noise to share out) run once.
 *
 * The isolation pass measures isolation for real: a rogue device (rogue.h)
 * probes every address the device has used and its neighbours, and the
 * oracle classifies each probe that gets through; the isolation column and
 * the best line are what it saw.  The cost rounds carry no probe and no
 * oracle: their bookkeeping would land inside the DMA calls being timed.
 * --no-rogue leaves the device honest, and the header says isolation was
 * not probed.  The pass runs in virtual time when the profile has a cost
 * table (every shipped one does): what a probe finds then depends on the
 * seed alone, not on how the host scheduled the rogue's thread against the
 * CPU and engine threads -- on a loaded 2-CPU host a real-time rogue gets
 * what CPU is left, and the same run classifies differently from one run to
 * the next.  Virtual time interleaves the rogue with the other CPUs at
 * their synchronisation points (locks, waits, the command queue) only, so a
 * race that needs preemption between two of them is not found there;
 * --isolation-clock real runs the pass on the host clock instead.
 *
 * zswap's completion wait (--completion): the driver either sleeps until
 * the engine's completion interrupt or polls the completion queue.  `auto`,
 * the default, polls when every thread of the run has a CPU of its own --
 * the CPU threads plus the engine's thread fit the CPUs this process may
 * run on -- and sleeps otherwise, where a spinning submitter would take the
 * core the engine needs.  Polling is what Linux's zswap offload driver for
 * Intel IAA does by default (iaa_crypto's sync modes other than async_irq
 * do not enable completion interrupts).  A sleeping submitter in a virtual
 * machine halts its vCPU, and the copies and unmaps after the wake-up run
 * on cold, sometimes borrowed, hardware: on this project's 2-CPU guests the
 * same code measured 260-425 ns per page for passthrough between sleeps
 * and 217-233 polled (bench/results/default.txt).
 *
 * While it runs, a progress line on stderr (only when stderr is a terminal)
 * shows percent done, elapsed time and the current strategy.
 *
 * Every argument is checked, and the profile loaded, before --output is
 * opened, and the output goes to a temporary file renamed over FILE once
 * written (output.c): bad input, an interrupted run or a failed write never
 * costs the user the file that was there.  This file measures; what is
 * printed from the rows -- table, JSON (jansson, laid out by jsonio.c),
 * CSV and the best line -- is run_report.c's.
 */
#include "dmabench.h"

#include <dmareuse/clock.h>
#include <dmareuse/map_bench.h>
#include <dmareuse/net.h>
#include <dmareuse/zswap.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* enum workload and struct run_cfg: dmabench.h (run_parse()). */
const char *const run_wl_names[3] = { "zswap", "net", "map" };
const char *const run_wl_units[3] = { "page", "packet", "pair" };

/* Indexed by the enums above: the names --workload, --completion, --format take. */
const char *const run_completion_names[3] = { "auto", "irq", "poll" };
static const char *const fmt_names[] = { "table", "json", "csv" };

#define ISO_PAGES 1500			/* pages per thread in the isolation run */
/*
 * The rogue's probes per second in the isolation pass.  In virtual time a
 * 1500-page zswap pass lasts about 10 ms of simulated time, so 200000 a
 * second (one probe per 5 us, about one per page) gives the 2000-6000 probes
 * per pass that the real-time rogue's 20000 a second manages over its
 * 0.2-0.3 s of host time -- enough for lazy to show 15-45 breaches on every
 * seed tried (1-8), where 20000 in virtual time left some seeds one breach.
 */
#define ISO_ROGUE_RATE_REAL 20000
#define ISO_ROGUE_RATE_VIRTUAL 200000

/* ---- progress ------------------------------------------------------------ */

static struct {
	pthread_t tid;
	_Atomic bool stop;
	_Atomic int done, total;
	_Atomic(const char *) current;
	uint64_t start, per_ns;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	_Atomic uint64_t cur_start;
} prog_line;

static void *progress_fn(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&prog_line.lock);
	while (!atomic_load(&prog_line.stop)) {
		struct timespec ts;
		uint64_t now = mclock_now(), el = now - prog_line.start;
		double frac = prog_line.per_ns ?
			(double)(now - atomic_load(&prog_line.cur_start)) / (double)prog_line.per_ns : 0;
		double pct;

		if (frac > 0.95)
			frac = 0.95;
		pct = 100.0 * (atomic_load(&prog_line.done) + frac) / atomic_load(&prog_line.total);
		fprintf(stderr, "\r[%3.0f%%] %5.1fs  %-12s", pct, (double)el / 1e9,
			atomic_load(&prog_line.current));
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&prog_line.cond, &prog_line.lock, &ts);
	}
	pthread_mutex_unlock(&prog_line.lock);
	fprintf(stderr, "\r%40s\r", "");
	return NULL;
}

/* ---- one strategy -------------------------------------------------------- */

/* Put the isolation run's findings into the row of the cost run. */
static void take_isolation(struct run_row *row, const struct wl_result *iso)
{
	row->r.watched = true;
	row->r.oracle = iso->oracle;
	memcpy(row->r.isolation, iso->isolation, sizeof(row->r.isolation));
	row->r.rogue_attempts = iso->rogue_attempts;
	row->r.rogue_successes = iso->rogue_successes;
	row->iso_ops = iso->ops;
	row->iso_verified = iso->ops && iso->failed == 0 && iso->verified == iso->ops;
}

/* @acc += @r: one more round of the same strategy. */
static void result_add(struct wl_result *acc, const struct wl_result *r)
{
	struct reuse_stats now = r->reuse;

	acc->ops += r->ops;
	acc->wall_ns += r->wall_ns;
	acc->dma_cpu_ns += r->dma_cpu_ns;
	acc->dma_ops += r->dma_ops;
	acc->verified += r->verified;
	acc->failed += r->failed;
	acc->bytes += r->bytes;
	wl_latency_merge(&acc->lat, &r->lat);
	acc->iommu.iotlb_hits += r->iommu.iotlb_hits;
	acc->iommu.iotlb_misses += r->iommu.iotlb_misses;
	acc->iommu.iotlb_evictions += r->iommu.iotlb_evictions;
	acc->iommu.iotlb_invalidated += r->iommu.iotlb_invalidated;
	acc->iommu.cmds += r->iommu.cmds;
	acc->iommu.syncs += r->iommu.syncs;
	acc->iommu.batches += r->iommu.batches;
	acc->iommu.cmdq_cpu_ns += r->iommu.cmdq_cpu_ns;
	acc->iommu.faults += r->iommu.faults;
	acc->iommu.walks += r->iommu.walks;
	acc->dma.maps += r->dma.maps;
	acc->dma.unmaps += r->dma.unmaps;
	acc->dma.syncs += r->dma.syncs;
	acc->dma.inv_cmds += r->dma.inv_cmds;
	acc->dma.fq_flushes += r->dma.fq_flushes;
	acc->dma.bounce_maps += r->dma.bounce_maps;
	acc->dma.bounce_bytes += r->dma.bounce_bytes;
	acc->dma.misuse += r->dma.misuse;
	acc->dma.live = r->dma.live;
	/* Counters add up; pages pinned and buffers lent are "now": the last round's. */
	now.pages_pinned = 0;
	now.in_use = 0;
	reuse_stats_add(&acc->reuse, &now);
	acc->reuse.pages_pinned = r->reuse.pages_pinned;
	acc->reuse.in_use = r->reuse.in_use;
}

/*
 * Run @row's strategy once on zswap or net into @out: a cost run (@secs
 * seconds, or c->ops operations, no oracle: its bookkeeping would land
 * inside the DMA calls being timed) or, with @iso, the shorter isolation
 * run with the oracle and the rogue if asked.  Return: 0 or -errno, with
 * @err saying why (-EOPNOTSUPP: the strategy does not apply).
 */
static int wl_run(const struct run_cfg *c, const struct run_row *row, bool iso,
		  unsigned int secs, struct wl_result *out, char *err, size_t errlen)
{
	if (c->wl == WL_ZSWAP) {
		struct zswap_params p = {
			.pair = row->pair, .threads = c->threads, .seed = c->seed,
			.profile = &c->prof, .oracle = iso, .rogue = iso && c->rogue,
			.virtual_time = iso ? c->virtual_iso : c->virtual_cost,
		};

		zswap_default_mix(p.mix);
		if (p.rogue)
			p.rogue_rate = p.virtual_time ? ISO_ROGUE_RATE_VIRTUAL : ISO_ROGUE_RATE_REAL;
		p.drv.poll = c->poll;
		p.drv.batch_size = c->batch_size;
		if (iso)
			p.pages = ISO_PAGES;
		else if (c->ops)
			p.pages = DIV_ROUND_UP(c->ops, c->threads);
		else
			p.seconds = secs;
		return zswap_run(&p, out, err, errlen);
	} else {
		struct net_params p = {
			.pair = row->pair, .threads = c->threads, .seed = c->seed,
			.profile = &c->prof, .size = (uint32_t)c->size,
			.batch_size = c->batch_size,
		};
		struct net_stats ns;
		char merr[160];

		if (net_why_not(row->pair)) {
			snprintf(err, errlen, "%s", net_why_not(row->pair));
			return -EOPNOTSUPP;
		}
		if (c->mix && net_parse_mix(c->mix, &p, merr, sizeof(merr))) {
			snprintf(err, errlen, "--mix: %s", merr);
			return -EINVAL;
		}
		p.oracle = iso;
		p.rogue = iso && c->rogue;
		p.virtual_time = iso ? c->virtual_iso : c->virtual_cost;
		if (p.rogue)
			p.rogue_rate = p.virtual_time ? ISO_ROGUE_RATE_VIRTUAL : ISO_ROGUE_RATE_REAL;
		if (iso)
			p.packets = ISO_PAGES;
		else if (c->ops)
			p.packets = c->ops;
		else
			p.seconds = secs;
		return net_run(&p, out, &ns, err, errlen);
	}
}

/* One cost round of @row's strategy; rounds after the first add to the row. */
static void cost_round(const struct run_cfg *c, struct run_row *row, unsigned int secs,
		       bool first)
{
	struct wl_result r;
	char err[200] = "";

	row->err = wl_run(c, row, false, secs, &r, err, sizeof(err));
	if (row->err == -EOPNOTSUPP) {
		row->applies = false;
		snprintf(row->why, sizeof(row->why), "%s", err);
		return;
	}
	if (row->err) {
		snprintf(row->why, sizeof(row->why), "failed: %s", err);
		return;
	}
	if (first)
		row->r = r;
	else
		result_add(&row->r, &r);
}

/* The isolation run of @row. */
static void isolation_run(const struct run_cfg *c, struct run_row *row)
{
	struct wl_result iso;
	char err[200] = "";

	row->err = wl_run(c, row, true, 0, &iso, err, sizeof(err));
	if (row->err) {
		snprintf(row->why, sizeof(row->why), "isolation run failed: %s", err);
		return;
	}
	take_isolation(row, &iso);
}

/* The map workload: one run, no oracle (it has no isolation run). */
static void map_run(const struct run_cfg *c, struct run_row *row)
{
	struct map_bench_params p = {
		.threads = c->threads, .seconds = c->seconds, .dir = DMA_TO_DEVICE,
		.granule = (unsigned int)DIV_ROUND_UP(c->size ? c->size : PAGE_SIZE, PAGE_SIZE),
		.dma_bits = 48,
		.node = -1, .pair = row->pair, .profile = &c->prof,
		.iterations = c->ops ? DIV_ROUND_UP(c->ops, c->threads) : 0,
		.virtual_time = c->virtual_cost,
		.batch_size = c->batch_size,
	};
	struct map_bench_result m;

	if (row->pair.mech == RMECH_BOUNCE && (size_t)p.granule * PAGE_SIZE > rbounce_max_len()) {
		row->applies = false;
		snprintf(row->why, sizeof(row->why), "--size %zu is above bounce's largest "
			 "buffer (%zu bytes)", c->size, rbounce_max_len());
		return;
	}
	row->err = map_bench_run(&p, &m);
	if (row->err) {
		snprintf(row->why, sizeof(row->why), "failed: %s (%s)",
			 m.why[0] ? m.why : "no detail", strerror(-row->err));
		return;
	}
	row->r.ops = m.ops;
	row->r.wall_ns = m.wall_ns;
	row->r.dma_cpu_ns = (uint64_t)((m.map_avg_ns + m.unmap_avg_ns) * (double)m.ops);
	row->r.verified = m.xfer_errors ? 0 : m.ops;
	row->r.failed = m.xfer_errors;
	row->r.iommu = m.iommu;
	row->r.dma = m.dma;
	row->r.reuse = m.reuse;
	/* per pair latency = map + unmap mean; no histogram in map */
	wl_latency_add(&row->r.lat, (uint64_t)(m.map_avg_ns + m.unmap_avg_ns));
	snprintf(row->r.note, sizeof(row->r.note), "no oracle in map");
}

/* ---- command line -------------------------------------------------------- */

/* Whether @a and @b name one file (an existing one, or the same path). */
static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (!stat(a, &sa) && !stat(b, &sb))
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return !strcmp(a, b);
}

/* CPUs this process may run on (its affinity mask); at least 1. */
static unsigned int usable_cpus(void)
{
	cpu_set_t set;
	long n;

	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (unsigned int)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned int)n : 1;
}

/*
 * Settle zswap's completion wait: auto polls when the CPU threads and the
 * engine's one thread fit the usable CPUs, so no spinning submitter takes
 * a core the engine or another submitter needs.
 */
static void resolve_completion(struct run_cfg *c)
{
	unsigned int cpus = usable_cpus(), want = c->threads + 1;

	if (c->completion != COMPL_AUTO) {
		c->poll = c->completion == COMPL_POLL;
		return;
	}
	if (c->virtual_cost) {
		c->poll = true;
		snprintf(c->completion_why, sizeof(c->completion_why),
			 "auto: in virtual time every thread has a simulated CPU of its own");
		return;
	}
	c->poll = want <= cpus;
	snprintf(c->completion_why, sizeof(c->completion_why),
		 "auto: %u CPU thread%s + 1 engine thread %s %u CPU%s", c->threads,
		 c->threads == 1 ? "" : "s", c->poll ? "fit" : "exceed", cpus, cpus == 1 ? "" : "s");
}

static void run_help(void)
{
	printf("usage: %s run [options]\n"
	       "Run a workload under strategies on a platform profile; one row per strategy.\n\n"
	       "  --workload W     zswap | net | map (default zswap)\n"
	       "  --strategy LIST  comma-separated strategies, or all (default all)\n"
	       "  --mode M         passthrough | strict | lazy: run each strategy's mechanism\n"
	       "                   under this IOMMU mode (default: each its own, strict but\n"
	       "                   for passthrough and lazy); with all, the mode-only\n"
	       "                   strategies of other modes are left out and pairs the\n"
	       "                   strategy table refuses get an n/a row; named, they exit 2\n"
	       "  --platform P     profile name or path (default kunpeng920-smmuv3)\n"
	       "  --threads N      CPU threads, 1-64 (default 1)\n"
	       "  --seconds S      run time per strategy, 1-300 (default 2)\n"
	       "  --ops N          fixed operations per strategy instead of --seconds,\n"
	       "                   1-100000000 (counts are then reproducible for a seed\n"
	       "                   on ideal); zswap keeps every page until it loads them\n"
	       "                   back: 1-%llu, with --threads T at most T x (%llu / T)\n"
	       "  --size BYTES     map: buffer size, 1-4194304 (default 4096; bounce takes\n"
	       "                   up to %zu, its row is n/a above);\n"
	       "                   net: every packet this size, 64-65536 (default: the mix)\n"
	       "  --mix SPEC       net: packet size mix, W:LO-HI,... (default\n"
	       "                   50:64-1500,30:1500-9000,20:9000-65536)\n"
	       "  --rogue          the isolation pass runs a rogue device: it probes every\n"
	       "                   address it has seen and their neighbours (and random\n"
	       "                   frames under passthrough); the oracle classifies what\n"
	       "                   gets through (the default for zswap and net)\n"
	       "  --no-rogue       the device touches only what it is lent: the isolation\n"
	       "                   column then only checks the driver (header: isolation\n"
	       "                   not probed)\n"
	       "  --clock C        real (default) or virtual: the cost rounds in virtual\n"
	       "                   time (simulated CPUs priced by the profile's cost table:\n"
	       "                   the same figures on any host; --seconds counts virtual\n"
	       "                   seconds, in one round)\n"
	       "  --isolation-clock C  real or virtual: the isolation pass's clock (default\n"
	       "                   virtual where the profile has a cost table: the same\n"
	       "                   findings for a seed on any host, under any load)\n"
	       "  --completion M   zswap: how the driver waits for each engine request:\n"
	       "                   irq (sleep until the completion interrupt), poll (spin\n"
	       "                   on the completion queue, up to 2 ms, then sleep) or\n"
	       "                   auto (default: poll when the CPU threads and the\n"
	       "                   engine's thread each have a CPU, else irq)\n"
	       "  --poll           the same as --completion poll\n"
	       "  --seed N         workload seed (default 1)\n"
	       "  --batch-size N   batch: unmaps per batch, 1-4096 (default: the profile's\n"
	       "                   batch_size, else 64); 1 invalidates at every unmap, as\n"
	       "                   strict does; needs batch among the strategies\n"
	       "  --format F       table | json | csv (default table)\n"
	       "  --output FILE    write there instead of stdout\n"
	       "  --json FILE      also write the JSON there (for 'dmabench plot'), whatever\n"
	       "                   --format is\n\n"
	       "Columns: ops/s; dma-ns/op, CPU time the submitting threads spent in map,\n"
	       "unmap, sync and copies per operation; p50/p99 latency of one engine request;\n"
	       "inv/op, IOTLB invalidation commands per operation; copy-B/op, bounce bytes\n"
	       "copied per operation; miss%%, IOTLB miss rate of device accesses; pinned,\n"
	       "pages the strategy holds at the end; isolation, what the oracle measured\n"
	       "(none/breached/window/page/buffer); ok/stale/subpage/breach, the oracle's\n"
	       "counts of device access chunks; verified, every byte checked end to end.\n",
	       prog, (unsigned long long)ZSWAP_MAX_PAGES, (unsigned long long)ZSWAP_MAX_PAGES,
	       rbounce_max_len());
}

/*
 * --strategy LIST: "all", or names separated by commas, each once; an
 * empty list or item (",", "strict,", "a,,b") is refused like a bad name.
 */
void parse_strategy_list(const char *list, bool want[RS_COUNT])
{
	const char *at = list;

	memset(want, 0, RS_COUNT * sizeof(want[0]));
	if (!strcmp(list, "all")) {
		for (int s = 0; s < RS_COUNT; s++)
			want[s] = true;
		return;
	}
	if (!*list)
		usage_error("--strategy: empty value (expected all or a comma-separated list "
			    "of: %s)", strategy_list());
	for (unsigned int item = 1;; item++) {
		size_t len = strcspn(at, ",");
		char name[32];
		int s;

		if (!len)
			usage_error("--strategy: '%s': item %u is empty (expected all or a "
				    "comma-separated list of: %s)", list, item, strategy_list());
		snprintf(name, sizeof(name), "%.*s", (int)len, at);
		s = len < sizeof(name) ? reuse_strategy_parse(name) : -1;
		if (s < 0)
			usage_error("--strategy: '%.*s' is not a strategy (expected all or a "
				    "comma-separated list of: %s)", (int)len, at, strategy_list());
		if (want[s])
			usage_error("--strategy: '%s' names %s twice (expected each strategy once)",
				    list, name);
		want[s] = true;
		if (!at[len])
			return;
		at += len + 1;
	}
}

enum {
	RUN_WORKLOAD = OPT_LONG_ONLY, RUN_STRATEGY, RUN_PLATFORM, RUN_THREADS, RUN_SECONDS,
	RUN_OPS, RUN_SIZE, RUN_MIX, RUN_ROGUE, RUN_POLL, RUN_COMPLETION, RUN_SEED, RUN_FORMAT,
	RUN_OUTPUT, RUN_MODE, RUN_NO_ROGUE, RUN_CLOCK, RUN_ISO_CLOCK, RUN_JSON,
	RUN_BATCH_SIZE,
};

static const char *const clock_names[] = { "real", "virtual" };

int run_parse(int argc, char **argv, bool defaults_only, struct run_cfg *out)
{
	static const char shortopts[] = ":h";
	static const struct option opts[] = {
		{ "workload", required_argument, NULL, RUN_WORKLOAD },
		{ "strategy", required_argument, NULL, RUN_STRATEGY },
		{ "platform", required_argument, NULL, RUN_PLATFORM },
		{ "threads", required_argument, NULL, RUN_THREADS },
		{ "seconds", required_argument, NULL, RUN_SECONDS },
		{ "ops", required_argument, NULL, RUN_OPS },
		{ "size", required_argument, NULL, RUN_SIZE },
		{ "mix", required_argument, NULL, RUN_MIX },
		{ "rogue", no_argument, NULL, RUN_ROGUE },
		{ "no-rogue", no_argument, NULL, RUN_NO_ROGUE },
		{ "clock", required_argument, NULL, RUN_CLOCK },
		{ "isolation-clock", required_argument, NULL, RUN_ISO_CLOCK },
		{ "json", required_argument, NULL, RUN_JSON },
		{ "poll", no_argument, NULL, RUN_POLL },
		{ "completion", required_argument, NULL, RUN_COMPLETION },
		{ "seed", required_argument, NULL, RUN_SEED },
		{ "format", required_argument, NULL, RUN_FORMAT },
		{ "output", required_argument, NULL, RUN_OUTPUT },
		{ "mode", required_argument, NULL, RUN_MODE },
		{ "batch-size", required_argument, NULL, RUN_BATCH_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_cfg c = { .wl = WL_ZSWAP, .threads = 1, .seconds = 2, .seed = 1, .mode = -1,
			     .rogue = true };
	int iso_clock = -1;		/* --isolation-clock; -1: virtual if the profile can */
	const char *platform = "kunpeng920-smmuv3";
	bool seen[OPT_MAX_VAL] = { false };
	int ch;

	parse_strategy_list("all", c.want);
	c.want_all = true;
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc starts afresh (no state left from a refused call) */
	while (!defaults_only &&
	       (ch = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if ((ch == RUN_POLL || ch == RUN_COMPLETION) && c.completion_set)
			usage_error("--poll, --completion: given twice (expected one of them, "
				    "once)");
		if (ch != ':' && ch != '?' && ch != 'h')
			opt_once("run", seen, ch, opts);
		switch (ch) {
		case RUN_WORKLOAD:
			c.wl = parse_choice("--workload", optarg, "a workload", run_wl_names,
					    (int)ARRAY_SIZE(run_wl_names));
			break;
		case RUN_STRATEGY:
			parse_strategy_list(optarg, c.want);
			c.want_all = !strcmp(optarg, "all");
			break;
		case RUN_PLATFORM: platform = optarg; break;
		case RUN_MODE: c.mode = parse_mode(optarg); break;
		case RUN_THREADS:
			c.threads = (unsigned int)parse_int("--threads", optarg, 1, 64);
			break;
		case RUN_SECONDS:
			c.seconds = (unsigned int)parse_int("--seconds", optarg, 1, 300);
			break;
		case RUN_OPS: c.ops = (uint64_t)parse_int("--ops", optarg, 1, 100000000); break;
		case RUN_SIZE: c.size = (size_t)parse_int("--size", optarg, 1, 4194304); break;
		case RUN_MIX: c.mix = optarg; break;
		case RUN_ROGUE:
		case RUN_NO_ROGUE:
			if (c.rogue_set)
				usage_error("--rogue, --no-rogue: both given (expected one of them)");
			c.rogue = ch == RUN_ROGUE;
			c.rogue_set = true;
			break;
		case RUN_CLOCK:
			c.virtual_cost = parse_choice("--clock", optarg, "a clock", clock_names,
						      (int)ARRAY_SIZE(clock_names)) == 1;
			break;
		case RUN_ISO_CLOCK:
			iso_clock = parse_choice("--isolation-clock", optarg, "a clock", clock_names,
						 (int)ARRAY_SIZE(clock_names));
			break;
		case RUN_JSON:
			if (!*optarg)
				usage_error("--json: empty value (expected a file to write)");
			c.json = optarg;
			break;
		case RUN_POLL:
			c.completion = COMPL_POLL;
			c.completion_set = true;
			break;
		case RUN_COMPLETION:
			c.completion = parse_choice("--completion", optarg, "a completion mode",
						    run_completion_names,
						    (int)ARRAY_SIZE(run_completion_names));
			c.completion_set = true;
			break;
		case RUN_SEED: c.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case RUN_BATCH_SIZE:
			c.batch_size = (unsigned int)parse_int("--batch-size", optarg, 1,
							       RBATCH_MAX_SIZE);
			break;
		case RUN_FORMAT:
			c.fmt = parse_choice("--format", optarg, "a format", fmt_names,
					     (int)ARRAY_SIZE(fmt_names));
			break;
		case RUN_OUTPUT:
			if (!*optarg)
				usage_error("--output: empty value (expected a file to write)");
			c.output = optarg;
			break;
		case 'h': run_help(); return 1;
		default: opt_error("run", ch, argv, shortopts, opts);
		}
	}
	if (!defaults_only && optind < argc)
		usage_error("run: unexpected argument '%s' (see '%s run --help')", argv[optind], prog);
	if (c.wl == WL_NET && c.size && (c.size < NET_MIN_PACKET || c.size > 65536))
		usage_error("--size: %zu is out of range for net (expected %d-65536)", c.size,
			    NET_MIN_PACKET);
	if (c.wl == WL_ZSWAP && c.ops > ZSWAP_MAX_PAGES / c.threads * c.threads)
		usage_error("--ops: %" PRIu64 " is too many pages for zswap with --threads %u "
			    "(a run holds every stored page until it loads them back, at most %llu "
			    "pages: expected 1-%llu with %u thread(s))", c.ops, c.threads,
			    (unsigned long long)ZSWAP_MAX_PAGES,
			    (unsigned long long)(ZSWAP_MAX_PAGES / c.threads * c.threads), c.threads);
	if (c.wl == WL_ZSWAP && c.size)
		usage_error("--size: zswap works on whole pages; --size is for net and map");
	if (c.completion_set && c.wl != WL_ZSWAP)
		usage_error("--poll, --completion: only zswap waits for completions (net polls "
			    "its rings already; map has no device requests)");
	if (c.rogue_set && c.wl == WL_MAP)
		usage_error("%s: the map workload has no isolation run to watch a rogue "
			    "device (expected --workload zswap or net)",
			    c.rogue ? "--rogue" : "--no-rogue");
	if (iso_clock >= 0 && c.wl == WL_MAP)
		usage_error("--isolation-clock: the map workload has no isolation run (expected "
			    "--workload zswap or net)");
	if (c.wl == WL_MAP)
		c.rogue = false;
	if (c.wl == WL_ZSWAP)
		resolve_completion(&c);
	if (c.mix && c.wl != WL_NET)
		usage_error("--mix: only the net workload has a packet size mix");
	if (c.batch_size && !c.want[RS_BATCH])
		usage_error("--batch-size: only the batch strategy batches unmaps (expected "
			    "--strategy all or a list naming batch)");
	if (c.mix) {
		struct net_params np = { 0 };
		char merr[200];

		/* net_parse_mix()'s message names --mix and its value already. */
		if (net_parse_mix(c.mix, &np, merr, sizeof(merr)))
			usage_error("%s", merr);
	}
	load_platform(platform, &c.prof);
	if (c.virtual_cost && !c.prof.has_costs)
		usage_error("--platform: %s has no cost table (cost_CLASS_ns keys), so it cannot "
			    "run in virtual time (expected a profile with one, or --clock real)",
			    c.prof.name);
	if (iso_clock == 1 && !c.prof.has_costs)
		usage_error("--platform: %s has no cost table (cost_CLASS_ns keys), so its "
			    "isolation pass cannot run in virtual time (expected a profile with "
			    "one, or --isolation-clock real)", c.prof.name);
	/* The isolation pass: virtual time where the profile has a cost table (see top). */
	c.virtual_iso = c.wl != WL_MAP && (iso_clock >= 0 ? iso_clock == 1 : c.prof.has_costs);
	/* A strategy named in a list must run under --mode; "all" skips what cannot. */
	for (int s = 0; s < RS_COUNT && !c.want_all; s++) {
		struct reuse_pair pair;
		const char *why;

		if (c.want[s] && (why = strategy_under((enum reuse_strategy)s, c.mode, &pair)))
			usage_error("%s", why);
	}
	if (c.output && c.json && same_file(c.output, c.json))
		usage_error("--json: '%s' is --output's file too (expected another file)", c.json);
	*out = c;
	return 0;
}

int cmd_run(int argc, char **argv, bool defaults_only)
{
	static struct run_cfg c;
	bool progress;
	struct outfile of = { .f = stdout }, jf = { .f = NULL };
	struct run_row rows[RS_COUNT];
	unsigned int rounds;
	int n = 0, ret = 0;

	if (run_parse(argc, argv, defaults_only, &c))
		return 0;	/* --help */
	for (int s = 0; s < RS_COUNT; s++) {
		struct run_row *row = &rows[n];
		const char *why;

		if (!c.want[s])
			continue;
		*row = (struct run_row){ .s = (enum reuse_strategy)s, .applies = true };
		why = strategy_under(row->s, c.mode, &row->pair);
		if (why && reuse_strategy_pair(row->s).mech == RMECH_NONE)
			continue;	/* all: a mode-only strategy of another mode */
		n++;
		if (why) {	/* all: the mechanism, refused under --mode */
			row->pair = (struct reuse_pair){ (enum reuse_mode)c.mode,
							 reuse_strategy_pair(row->s).mech };
			row->applies = false;
			snprintf(row->why, sizeof(row->why), "%s under %s is refused: %s",
				 reuse_mech_name(row->pair.mech), reuse_mode_name(row->pair.mode),
				 reuse_pair_why_not(row->pair));
		}
	}
	/* Every argument is valid: only now is the output (a temporary file) opened. */
	if (c.output && outfile_open(&of, "--output", c.output))
		return EXIT_USAGE;
	if (c.json && outfile_open(&jf, "--json", c.json)) {
		if (c.output)
			outfile_abort(&of);
		return EXIT_USAGE;
	}

	/* Rounds share out a noisy host's stretches; virtual time has no noise. */
	rounds = c.ops || c.wl == WL_MAP || c.virtual_cost ? 1 : c.seconds;
	progress = isatty(2);
	if (progress) {
		pthread_mutex_init(&prog_line.lock, NULL);
		pthread_cond_init(&prog_line.cond, NULL);
		prog_line.start = mclock_now();
		prog_line.per_ns = c.ops ? 0 : (uint64_t)(rounds > 1 ? 1 : c.seconds) * 2000000000ull;
		atomic_store(&prog_line.total, (int)(rounds + 1) * n);
		atomic_store(&prog_line.current, "starting");
		pthread_create(&prog_line.tid, NULL, progress_fn, NULL);
	}
	for (unsigned int k = 0; k < rounds; k++) {
		for (int j = 0; j < n; j++) {
			/* Alternate the order so no strategy always runs first. */
			struct run_row *row = &rows[k % 2 ? n - 1 - j : j];

			if (!row->applies || (k && row->err))
				continue;
			atomic_store(&prog_line.current, reuse_strategy_name(row->s));
			atomic_store(&prog_line.cur_start, mclock_now());
			if (c.wl == WL_MAP)
				map_run(&c, row);
			else
				cost_round(&c, row, rounds > 1 ? 1 : c.seconds, k == 0);
			atomic_fetch_add(&prog_line.done, 1);
		}
	}
	for (int i = 0; i < n; i++) {
		if (c.wl != WL_MAP && rows[i].applies && !rows[i].err) {
			atomic_store(&prog_line.current, "isolation");
			atomic_store(&prog_line.cur_start, mclock_now());
			isolation_run(&c, &rows[i]);
		}
		atomic_fetch_add(&prog_line.done, 1);
		if (rows[i].err && rows[i].applies)
			ret = 1;
		if (rows[i].applies && !rows[i].err && !run_row_verified(&rows[i]))
			ret = 1;
	}
	if (progress) {
		pthread_mutex_lock(&prog_line.lock);
		atomic_store(&prog_line.stop, true);
		pthread_cond_signal(&prog_line.cond);
		pthread_mutex_unlock(&prog_line.lock);
		pthread_join(prog_line.tid, NULL);
	}
	if (c.json && run_print_json(jf.f, &c, rows, n)) {
		outfile_abort(&jf);
		if (c.output)
			outfile_abort(&of);
		return 1;
	}
	if (c.fmt == FMT_JSON) {
		if (run_print_json(of.f, &c, rows, n)) {
			if (c.output)
				outfile_abort(&of);
			if (c.json)
				outfile_abort(&jf);
			return 1;
		}
	} else if (c.fmt == FMT_CSV) {
		run_print_csv(of.f, rows, n);
	} else {
		run_print_table(of.f, &c, rows, n);
	}
	if (c.json && outfile_commit(&jf))
		ret = 1;
	if (c.output)
		return outfile_commit(&of) ? 1 : ret;
	if (fflush(stdout)) {
		fprintf(stderr, "%s: run: writing the output failed: %s\n", prog, strerror(errno));
		return 1;
	}
	return ret;
}
