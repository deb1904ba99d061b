// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * sweep.c - `dmabench sweep`: the map workload (dma_map_benchmark) under
 * every strategy at many buffer sizes, to find where each one's cost per
 * map+unmap pair turns -- above all the crossover where bounce's copy, which
 * grows with the bytes, stops beating strict's invalidation, which grows far
 * more slowly.
 *
 * Each cell (strategy x size) is a run of its own on a fresh machine.  By
 * default it runs in virtual time (vtime.h), as `scale` does: the lab's real
 * code priced by the profile's cost table, so the table is a function of
 * the profile and the counts alone and the crossover it reports is the same
 * on any host.  --clock real times the host instead (noisy; the crossover
 * may move between runs).  --ops N pairs per cell, shared out over --cpus.
 *
 * Output: one row per strategy and one column per size (DMA-layer ns per
 * pair: map + unmap), a row that does not apply saying why and a cell a
 * strategy cannot run (bounce above its largest buffer) `n/a`; then one
 * line naming the crossover.  JSON ("benchmark": "sweep") and CSV (one line
 * per cell) carry the same figures, and `dmabench plot` draws the JSON as
 * cost against size, one line per strategy.  What the host took goes to
 * stderr only.
 */
#include "dmabench.h"

#include <dmareuse/map_bench.h>

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SWEEP_MAX_BYTES (4u << 20)	/* map's largest buffer: 1024 pages */

static const char *const sweep_formats[] = { "table", "json", "csv" };
static const char *const sweep_clocks[] = { "real", "virtual" };

/* struct sweep_cfg: dmabench.h (sweep_parse()). */
struct scell {
	int err;			/* 0; -EOPNOTSUPP: n/a at this size; else -errno */
	uint64_t ops;
	double dma_ns, map_ns, unmap_ns;
	double inv_per_op, copied_per_op;
};

struct sweep_row {
	enum reuse_strategy s;
	struct reuse_pair pair;
	bool applies;
	char why[256];			/* n/a, or the first failure */
	struct scell c[SWEEP_MAX_COLS];
};

/* The crossover of bounce and strict (see crossover()). */
struct cross {
	bool have;			/* both rows ran at two sizes or more */
	size_t below;			/* largest size bounce was cheaper, 0 = none */
	size_t from;			/* first size after it strict was cheaper, 0 = none */
	char text[160];
};

static int run_cell(const struct sweep_cfg *c, struct sweep_row *r, unsigned int k)
{
	struct map_bench_params p = {
		.threads = c->cpus, .seconds = 1, .dir = DMA_TO_DEVICE,
		.granule = (unsigned int)(c->sizes[k] / PAGE_SIZE), .dma_bits = 48, .node = -1,
		.pair = r->pair, .virtual_time = c->virtual_time, .profile = &c->prof,
		.iterations = (c->ops + c->cpus - 1) / c->cpus,
	};
	struct scell *e = &r->c[k];
	struct map_bench_result m;
	int ret;

	memset(e, 0, sizeof(*e));
	if (r->pair.mech == RMECH_BOUNCE && c->sizes[k] > rbounce_max_len())
		return e->err = -EOPNOTSUPP;
	ret = map_bench_run(&p, &m);
	if (ret == -EOPNOTSUPP) {
		r->applies = false;
		snprintf(r->why, sizeof(r->why), "%s", m.why[0] ? m.why : "the strategy table "
			 "refuses it");
		return ret;
	}
	if (ret) {
		if (!r->why[0])
			snprintf(r->why, sizeof(r->why), "at %zu bytes: %s (%s)", c->sizes[k],
				 m.why[0] ? m.why : "no detail", strerror(-ret));
		return e->err = ret;
	}
	e->ops = m.ops;
	e->map_ns = m.map_avg_ns;
	e->unmap_ns = m.unmap_avg_ns;
	e->dma_ns = m.map_avg_ns + m.unmap_avg_ns;
	e->inv_per_op = m.ops ? (double)m.iommu.cmds / (double)m.ops : 0;
	e->copied_per_op = m.ops ? (double)(m.reuse.bytes_copied + m.dma.bounce_bytes) /
				   (double)m.ops : 0;
	return 0;
}

/* "4 KiB", "1 MiB", "6000 B" */
static const char *size_name(char *buf, size_t len, size_t bytes)
{
	if (bytes >= (1u << 20) && !(bytes % (1u << 20)))
		snprintf(buf, len, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && !(bytes % 1024))
		snprintf(buf, len, "%zu KiB", bytes >> 10);
	else
		snprintf(buf, len, "%zu B", bytes);
	return buf;
}

static const struct sweep_row *find_row(const struct sweep_row *rows, int n, enum reuse_strategy s)
{
	for (int i = 0; i < n; i++)
		if (rows[i].s == s && rows[i].applies)
			return &rows[i];
	return NULL;
}

/*
 * Where bounce stops beating strict: the largest size at which bounce cost
 * less per pair (below) and the next size at which it ran and strict cost
 * less or the same (from).  Sizes are in the order given.
 */
static void crossover(const struct sweep_cfg *c, const struct sweep_row *rows, int n,
		      struct cross *x)
{
	const struct sweep_row *b = find_row(rows, n, RS_BOUNCE), *st = find_row(rows, n, RS_STRICT);
	char s1[32], s2[32];

	memset(x, 0, sizeof(*x));
	if (!b || !st) {
		snprintf(x->text, sizeof(x->text), "crossover: not measured (the sweep needs "
			 "both bounce and strict)");
		return;
	}
	x->have = true;
	for (unsigned int k = 0; k < c->ncols; k++) {
		const struct scell *cb = &b->c[k], *cs = &st->c[k];

		if (cb->err || cs->err)
			continue;
		if (cb->dma_ns < cs->dma_ns) {
			x->below = c->sizes[k];
			x->from = 0;
		} else if (!x->from) {
			x->from = c->sizes[k];
		}
	}
	if (x->below && x->from)
		snprintf(x->text, sizeof(x->text), "crossover: bounce beats strict up to %s; "
			 "strict is cheaper from %s", size_name(s1, sizeof(s1), x->below),
			 size_name(s2, sizeof(s2), x->from));
	else if (x->below)
		snprintf(x->text, sizeof(x->text), "crossover: bounce beats strict at every size "
			 "it ran, up to %s", size_name(s1, sizeof(s1), x->below));
	else if (x->from)
		snprintf(x->text, sizeof(x->text), "crossover: strict is cheaper than bounce at "
			 "every size, from %s", size_name(s2, sizeof(s2), x->from));
	else
		snprintf(x->text, sizeof(x->text), "crossover: bounce and strict never ran at the "
			 "same size");
}

/* ---- output -------------------------------------------------------------- */

static void print_table(FILE *f, const struct sweep_cfg *c, const struct sweep_row *rows,
			int n, const struct cross *x)
{
	char sz[32];

	fprintf(f, "map on %s, %s, %u CPU%s, %" PRIu64 " pairs per cell: DMA-layer ns per "
		"map+unmap pair, by buffer size\n", c->prof.name,
		c->virtual_time ? "virtual time (every figure follows from the profile and the "
		"counts)" : "real time", c->cpus, c->cpus == 1 ? "" : "s", c->ops);
	fprintf(f, "%-12s", "strategy");
	for (unsigned int k = 0; k < c->ncols; k++)
		fprintf(f, " %9s", size_name(sz, sizeof(sz), c->sizes[k]));
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		const struct sweep_row *r = &rows[i];

		if (!r->applies) {
			fprintf(f, "%-12s n/a: %s\n", reuse_strategy_name(r->s), r->why);
			continue;
		}
		fprintf(f, "%-12s", reuse_strategy_name(r->s));
		for (unsigned int k = 0; k < c->ncols; k++) {
			if (r->c[k].err == -EOPNOTSUPP)
				fprintf(f, " %9s", "n/a");
			else if (r->c[k].err)
				fprintf(f, " %9s", "failed");
			else
				fprintf(f, " %9.0f", r->c[k].dma_ns);
		}
		fputc('\n', f);
	}
	fprintf(f, "%s\n", x->text);
	for (int i = 0; i < n; i++)
		if (rows[i].applies && rows[i].why[0])
			fprintf(f, "failed: %s %s\n", reuse_strategy_name(rows[i].s), rows[i].why);
	for (unsigned int k = 0; k < c->ncols; k++)
		if (find_row(rows, n, RS_BOUNCE) && c->sizes[k] > rbounce_max_len()) {
			fprintf(f, "  bounce n/a above %zu bytes, its largest buffer\n",
				rbounce_max_len());
			break;
		}
}

static void print_csv(FILE *f, const struct sweep_cfg *c, const struct sweep_row *rows, int n)
{
	fprintf(f, "strategy,size,applies,ok,ops,dma_ns_per_op,map_ns,unmap_ns,"
		"invalidations_per_op,bytes_copied_per_op,mode,mechanism,why\n");
	for (int i = 0; i < n; i++)
		for (unsigned int k = 0; k < c->ncols; k++) {
			const struct sweep_row *r = &rows[i];
			const struct scell *e = &r->c[k];

			csv_field(f, reuse_strategy_name(r->s));
			if (!r->applies || e->err)
				fprintf(f, ",%zu,%s,false,,,,,,,", c->sizes[k],
					r->applies ? "true" : "false");
			else
				fprintf(f, ",%zu,true,true,%" PRIu64 ",%.1f,%.1f,%.1f,%.3f,%.1f,",
					c->sizes[k], e->ops, e->dma_ns, e->map_ns, e->unmap_ns,
					e->inv_per_op, e->copied_per_op);
			csv_field(f, reuse_mode_name(r->pair.mode));
			fputc(',', f);
			csv_field(f, reuse_mech_name(r->pair.mech));
			fputc(',', f);
			if (!r->applies)
				csv_field(f, r->why);
			else if (e->err == -EOPNOTSUPP)
				csv_field(f, "above bounce's largest buffer");
			else if (e->err)
				csv_field(f, r->why);
			fputc('\n', f);
		}
}

static json_t *cell_json(const struct sweep_cfg *c, const struct sweep_row *r, unsigned int k)
{
	const struct scell *e = &r->c[k];

	if (e->err)
		return json_pack("{s:I, s:b, s:o}", "size", (json_int_t)c->sizes[k], "ok", 0,
				 "why", e->err == -EOPNOTSUPP ?
				 json_string("above bounce's largest buffer") : jsonio_text(r->why));
	return json_pack("{s:I, s:b, s:o, s:o, s:o, s:o, s:o, s:o}", "size",
			 (json_int_t)c->sizes[k], "ok", 1, "ops", jsonio_u64(e->ops),
			 "dma_ns_per_op", jsonio_round(e->dma_ns, 1),
			 "map_ns", jsonio_round(e->map_ns, 1), "unmap_ns", jsonio_round(e->unmap_ns, 1),
			 "invalidations_per_op", jsonio_round(e->inv_per_op, 3),
			 "bytes_copied_per_op", jsonio_round(e->copied_per_op, 1));
}

static json_t *row_json(const struct sweep_cfg *c, const struct sweep_row *r)
{
	json_t *cells;

	if (!r->applies)
		return json_pack("{s:s, s:b, s:s, s:s, s:o}", "strategy", reuse_strategy_name(r->s),
				 "applies", 0, "mode", reuse_mode_name(r->pair.mode),
				 "mechanism", reuse_mech_name(r->pair.mech), "why", jsonio_text(r->why));
	cells = json_array();
	for (unsigned int k = 0; k < c->ncols && cells; k++)
		if (json_array_append_new(cells, cell_json(c, r, k))) {
			json_decref(cells);
			return NULL;
		}
	return json_pack("{s:s, s:b, s:s, s:s, s:o}", "strategy", reuse_strategy_name(r->s),
			 "applies", 1, "mode", reuse_mode_name(r->pair.mode),
			 "mechanism", reuse_mech_name(r->pair.mech), "cells", cells);
}

static int print_json(FILE *f, const struct sweep_cfg *c, const struct sweep_row *rows, int n,
		      const struct cross *x)
{
	json_t *doc, *sizes = json_array(), *results = json_array(), *cross;
	json_error_t jerr;
	int bad = !sizes || !results, ret;

	for (unsigned int k = 0; k < c->ncols && !bad; k++)
		bad |= json_array_append_new(sizes, json_integer((json_int_t)c->sizes[k]));
	for (int i = 0; i < n && !bad; i++)
		bad |= json_array_append_new(results, row_json(c, &rows[i]));
	cross = json_pack("{s:o, s:o, s:o}", "bounce_below_bytes",
			  x->below ? json_integer((json_int_t)x->below) : json_null(),
			  "strict_from_bytes", x->from ? json_integer((json_int_t)x->from) : json_null(),
			  "text", jsonio_text(x->text));
	if (bad || !cross) {
		json_decref(sizes);
		json_decref(results);
		json_decref(cross);
		fprintf(stderr, "%s: sweep: cannot build the JSON output: out of memory\n", prog);
		return -1;
	}
	doc = json_pack_ex(&jerr, 0, "{s:s, s:o, s:s, s:s, s:s, s:o, s:I, s:o, s:o}",
			   "benchmark", "sweep", "command", jsonio_text(cmdline), "workload", "map",
			   "unit", "pair", "clock", c->virtual_time ? "virtual" : "real",
			   "platform", jsonio_text(c->prof.name), "cpus", (json_int_t)c->cpus,
			   "ops_per_cell", jsonio_u64(c->ops), "sizes", sizes);
	if (!doc || json_object_set_new(doc, "results", results) ||
	    json_object_set_new(doc, "crossover", cross)) {
		fprintf(stderr, "%s: sweep: cannot build the JSON output: %s\n", prog,
			doc ? "out of memory" : jerr.text);
		json_decref(doc);
		return -1;
	}
	ret = jsonio_write(f, doc);
	json_decref(doc);
	return ret;
}

/* ---- options ------------------------------------------------------------- */

static void sweep_help(void)
{
	printf("usage: %s sweep [options]\n"
	       "The map workload (Linux's dma_map_benchmark) under each strategy at many\n"
	       "buffer sizes: DMA-layer ns per map+unmap pair, and the size where bounce\n"
	       "stops beating strict.\n\n"
	       "  --size LIST      buffer sizes in bytes, comma-separated, each a multiple\n"
	       "                   of 4096 up to %u, at most %d of them (default\n"
	       "                   4096,8192,16384,32768,65536,131072,262144,524288,1048576)\n"
	       "  --strategy LIST  comma-separated strategies, or all (default all)\n"
	       "  --platform P     profile name or path (default kunpeng920-smmuv3)\n"
	       "  --cpus N         CPUs (threads), 1-256 (default 1)\n"
	       "  --ops N          map+unmap pairs per cell, shared out over the CPUs,\n"
	       "                   1-10000000 (default 2000)\n"
	       "  --clock C        virtual (default: the profile's cost table prices the\n"
	       "                   lab's code, the same table on any host) or real\n"
	       "  --format F       table | json | csv (default table)\n"
	       "  --output FILE    write there instead of stdout (replaced at the end)\n\n"
	       "bounce is n/a above its largest buffer (%zu bytes).  'dmabench plot' draws\n"
	       "the JSON as cost against size, one line per strategy.\n",
	       prog, SWEEP_MAX_BYTES, SWEEP_MAX_COLS, rbounce_max_len());
}

/* --size LIST: byte counts, multiples of PAGE_SIZE up to SWEEP_MAX_BYTES, no repeats. */
static void parse_sizes(struct sweep_cfg *c, const char *list)
{
	const char *at = list;

	c->ncols = 0;
	if (!*list)
		usage_error("--size: empty value (expected buffer sizes in bytes, comma-separated)");
	for (;;) {
		size_t len = strcspn(at, ",");
		char item[24];
		long long v;

		if (!len || len >= sizeof(item))
			usage_error("--size: '%s': %s (expected buffer sizes in bytes, "
				    "comma-separated)", list, len ? "an item is too long" :
				    "an item is empty");
		if (c->ncols == SWEEP_MAX_COLS)
			usage_error("--size: '%s': more than %d sizes (expected at most %d)", list,
				    SWEEP_MAX_COLS, SWEEP_MAX_COLS);
		snprintf(item, sizeof(item), "%.*s", (int)len, at);
		v = parse_int("--size", item, PAGE_SIZE, SWEEP_MAX_BYTES);
		if (v % PAGE_SIZE)
			usage_error("--size: %lld is not a multiple of %lu (map lends whole pages)",
				    v, (unsigned long)PAGE_SIZE);
		for (unsigned int k = 0; k < c->ncols; k++)
			if (c->sizes[k] == (size_t)v)
				usage_error("--size: '%s' names %lld twice (expected each size once)",
					    list, v);
		c->sizes[c->ncols++] = (size_t)v;
		if (!at[len])
			return;
		at += len + 1;
	}
}

enum {
	SW_SIZE = OPT_LONG_ONLY, SW_STRATEGY, SW_PLATFORM, SW_CPUS, SW_OPS, SW_CLOCK, SW_FORMAT,
	SW_OUTPUT,
};

int sweep_parse(int argc, char **argv, struct sweep_cfg *out)
{
	static const char shortopts[] = ":h";
	static const struct option opts[] = {
		{ "size", required_argument, NULL, SW_SIZE },
		{ "strategy", required_argument, NULL, SW_STRATEGY },
		{ "platform", required_argument, NULL, SW_PLATFORM },
		{ "cpus", required_argument, NULL, SW_CPUS },
		{ "ops", required_argument, NULL, SW_OPS },
		{ "clock", required_argument, NULL, SW_CLOCK },
		{ "format", required_argument, NULL, SW_FORMAT },
		{ "output", required_argument, NULL, SW_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct sweep_cfg c;
	const char *platform = "kunpeng920-smmuv3";
	bool seen[OPT_MAX_VAL] = { false };
	int opt;

	memset(&c, 0, sizeof(c));
	c.cpus = 1;
	c.ops = 2000;
	c.virtual_time = true;
	parse_strategy_list("all", c.want);
	parse_sizes(&c, "4096,8192,16384,32768,65536,131072,262144,524288,1048576");
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc starts afresh (no state left from a refused call) */
	while ((opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (opt != ':' && opt != '?' && opt != 'h')
			opt_once("sweep", seen, opt, opts);
		switch (opt) {
		case SW_SIZE: parse_sizes(&c, optarg); break;
		case SW_STRATEGY: parse_strategy_list(optarg, c.want); break;
		case SW_PLATFORM: platform = optarg; break;
		case SW_CPUS: c.cpus = (unsigned int)parse_int("--cpus", optarg, 1, 256); break;
		case SW_OPS: c.ops = (uint64_t)parse_int("--ops", optarg, 1, 10000000); break;
		case SW_CLOCK:
			c.virtual_time = parse_choice("--clock", optarg, "a clock", sweep_clocks,
						      (int)ARRAY_SIZE(sweep_clocks)) == 1;
			break;
		case SW_FORMAT:
			c.fmt = parse_choice("--format", optarg, "a format", sweep_formats,
					     (int)ARRAY_SIZE(sweep_formats));
			break;
		case SW_OUTPUT:
			if (!*optarg)
				usage_error("--output: empty value (expected a file to write)");
			c.output = optarg;
			break;
		case 'h': sweep_help(); return 1;
		default: opt_error("sweep", opt, argv, shortopts, opts);
		}
	}
	if (optind < argc)
		usage_error("sweep: unexpected argument '%s' (see '%s sweep --help')", argv[optind],
			    prog);
	load_platform(platform, &c.prof);
	if (c.virtual_time && !c.prof.has_costs)
		usage_error("--platform: %s has no cost table (cost_CLASS_ns keys), so it cannot "
			    "run in virtual time (expected a profile with one, or --clock real)",
			    c.prof.name);
	*out = c;
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static struct sweep_cfg c;
	static struct sweep_row rows[RS_COUNT];
	struct outfile out = { .f = stdout };
	struct timespec t0, t1;
	struct cross x;
	unsigned int ncells = 0;
	int n = 0, failed = 0, ret;
	long host = sysconf(_SC_NPROCESSORS_ONLN);

	if (sweep_parse(argc, argv, &c))
		return 0;	/* --help */
	if (!c.virtual_time && host > 0 && c.cpus > (unsigned long)host)
		fprintf(stderr, "%s: sweep: note: %u CPUs on a %ld-CPU host measure its scheduler "
			"as much as the DMA layer (virtual time, the default, does not)\n", prog,
			c.cpus, host);
	if (c.output && outfile_open(&out, "--output", c.output))
		return EXIT_USAGE;
	clock_gettime(CLOCK_MONOTONIC, &t0);	/* for stderr only */
	for (int s = 0; s < RS_COUNT; s++) {
		struct sweep_row *r = &rows[n];

		if (!c.want[s])
			continue;
		memset(r, 0, sizeof(*r));
		r->s = (enum reuse_strategy)s;
		r->pair = reuse_strategy_pair(r->s);
		r->applies = true;
		for (unsigned int k = 0; k < c.ncols && r->applies; k++) {
			if (isatty(STDERR_FILENO))
				fprintf(stderr, "\r%s: sweep: %-12s %8zu bytes   ", prog,
					reuse_strategy_name(r->s), c.sizes[k]);
			ret = run_cell(&c, r, k);
			ncells++;
			if (ret && ret != -EOPNOTSUPP)
				failed++;
		}
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	fprintf(stderr, "%s: sweep: %u cells in %.1f s wall\n", prog, ncells,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	crossover(&c, rows, n, &x);
	if (c.fmt == 1)
		ret = print_json(out.f, &c, rows, n, &x);
	else if (c.fmt == 2)
		print_csv(out.f, &c, rows, n), ret = 0;
	else
		print_table(out.f, &c, rows, n, &x), ret = 0;
	if (ret || (c.output ? outfile_commit(&out) : fflush(stdout))) {
		if (c.output && ret)
			outfile_abort(&out);
		fprintf(stderr, "%s: sweep: writing the output failed\n", prog);
		return 1;
	}
	return failed ? 1 : 0;
}
