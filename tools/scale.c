// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * scale.c - `dmabench scale`: one workload under every strategy at many CPU
 * counts, in virtual time.
 *
 * Each cell (strategy x CPU count) is a run of its own on a fresh machine,
 * inside vtime_run() (vtime.h): N simulated CPUs run the lab's real code and
 * the profile's cost table prices it, so a cell is a function of the
 * profile, the seed and the counts alone -- the same bytes on any host, under
 * any load.  --ops N is the work per cell, shared out over its CPUs (each
 * gets ceil(N / CPUs)), so every cell of a column does the same work; each
 * CPU first does SCALE_WARMUP untimed operations, which no figure counts.
 *
 * The table has two blocks with one row per strategy and one column per CPU
 * count: DMA-layer ns per operation (map + unmap for the map workload; for
 * zswap and net the submitting thread's time inside the DMA layer), then
 * operations per second per CPU.  A strategy that does not apply to the
 * workload gets a row saying why.  What the host took (cells, operations
 * simulated, wall seconds) goes to stderr only: stdout holds nothing that
 * depends on the host.
 */
#include "dmabench.h"

#include <dmareuse/map_bench.h>
#include <dmareuse/net.h>
#include <dmareuse/zswap.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SCALE_MAX_CPUS 256
/*
 * Operations each CPU does first, untimed: its first lends grow the pools,
 * fill the caches and the magazines, and with few operations per CPU (a
 * fixed --ops shared by 128 CPUs) that warm-up would otherwise look like a
 * cost that grows with the CPUs.
 */
#define SCALE_WARMUP 32

/* enum scale_wl and struct scale_cfg: dmabench.h (scale_parse()). */
static const char *const sw_names[] = { "map", "zswap", "net" };
static const char *const sw_units[] = { "pair", "page", "packet" };
static const char *const scale_formats[] = { "table", "json", "csv" };

struct cell {
	int err;			/* 0, or the run's -errno */
	uint64_t ops;
	double dma_ns;			/* DMA-layer ns per operation */
	double ops_per_cpu_s;		/* operations per virtual second per CPU */
	double inv_per_op;		/* invalidation commands per operation */
	double unmap_ns;		/* map workload: unmap alone */
};

struct srow {
	enum reuse_strategy s;
	bool applies;
	char why[256];
	struct cell c[SCALE_MAX_COLS];
};

static uint64_t share(uint64_t ops, unsigned int cpus)
{
	return (ops + cpus - 1) / cpus;
}

/* One cell: @cfg's workload under @s on @cpus simulated CPUs. */
static int run_cell(const struct scale_cfg *cfg, enum reuse_strategy s, unsigned int cpus,
		    struct cell *out, char *why, size_t whylen)
{
	struct wl_result r;
	int ret;

	memset(out, 0, sizeof(*out));
	if (cfg->wl == SW_MAP) {
		struct map_bench_params p = {
			.threads = cpus, .seconds = 1, .iterations = share(cfg->ops, cpus),
			.warmup = SCALE_WARMUP,
			.dir = DMA_TO_DEVICE, .granule = (unsigned int)(cfg->size / PAGE_SIZE),
			.dma_bits = 32, .node = -1, .pair = reuse_strategy_pair(s), .virtual_time = true,
			.profile = &cfg->prof, .batch_size = cfg->batch_size,
		};
		struct map_bench_result mr;

		ret = map_bench_run(&p, &mr);
		if (ret) {
			snprintf(why, whylen, "%s", mr.why[0] ? mr.why : strerror(-ret));
			return ret;
		}
		out->ops = mr.ops;
		out->dma_ns = mr.map_avg_ns + mr.unmap_avg_ns;
		out->unmap_ns = mr.unmap_avg_ns;
		/* The command counts cover the warm-up pairs too, which mr.ops leaves out. */
		out->inv_per_op = mr.ops ? (double)mr.iommu.cmds /
			(double)(mr.ops + (uint64_t)cpus * SCALE_WARMUP) : 0;
		out->ops_per_cpu_s = mr.wall_ns ? (double)mr.ops * 1e9 / (double)mr.wall_ns / cpus : 0;
		return 0;
	}
	if (cfg->wl == SW_ZSWAP) {
		struct zswap_params p = {
			.pair = reuse_strategy_pair(s), .threads = cpus,
			.pages = share(cfg->ops, cpus) + SCALE_WARMUP, .warmup = SCALE_WARMUP,
			.seed = cfg->seed, .engine_threads = cpus < 64 ? cpus : 64,
			.profile = &cfg->prof, .virtual_time = true,
		};

		zswap_default_mix(p.mix);
		p.drv.poll = true;	/* every thread has a CPU of its own */
		p.drv.batch_size = cfg->batch_size;
		ret = zswap_run(&p, &r, why, whylen);
	} else {
		struct net_params p = {
			.pair = reuse_strategy_pair(s), .threads = cpus,
			.packets = cfg->ops + (uint64_t)cpus * SCALE_WARMUP, .warmup = SCALE_WARMUP,
			.size = (uint32_t)cfg->size, .seed = cfg->seed,
			.nic_threads = cpus < 64 ? cpus : 64, .profile = &cfg->prof,
			.virtual_time = true, .batch_size = cfg->batch_size,
		};
		struct net_stats ns;

		ret = net_run(&p, &r, &ns, why, whylen);
	}
	if (ret)
		return ret;
	if (r.failed) {
		snprintf(why, whylen, "%" PRIu64 " operation(s) failed verification", r.failed);
		return -EIO;
	}
	out->ops = r.ops;
	out->dma_ns = r.dma_ops ? (double)r.dma_cpu_ns / (double)r.dma_ops : 0;
	out->inv_per_op = r.ops ? (double)r.iommu.cmds / (double)r.ops : 0;
	out->ops_per_cpu_s = r.wall_ns ? (double)r.ops * 1e9 / (double)r.wall_ns / cpus : 0;
	return 0;
}

/* ---- output -------------------------------------------------------------- */

static void header(FILE *f, const struct scale_cfg *c)
{
	fprintf(f, "%s on %s, virtual time (%s command queue; every figure follows from the "
		"profile, the seed and the counts), %" PRIu64 " %ss per cell, seed %" PRIu64,
		sw_names[c->wl], c->prof.name,
		c->prof.cmdq_model == CMDQ_LOCK ? "lock" :
		c->prof.cmdq_model == CMDQ_ECMDQ ? "ecmdq" : "lockfree",
		c->ops, sw_units[c->wl], c->seed);
	if (c->batch_size)
		fprintf(f, ", batch size %u", c->batch_size);
	fputc('\n', f);
}

static void block(FILE *f, const struct scale_cfg *c, const struct srow *rows, int n,
		  const char *title, bool dma)
{
	fprintf(f, "%s\n%-12s", title, "strategy");
	for (unsigned int k = 0; k < c->ncols; k++)
		fprintf(f, " %9u", c->cpus[k]);
	fputc('\n', f);
	for (int i = 0; i < n; i++) {
		const struct srow *r = &rows[i];

		if (!r->applies) {
			fprintf(f, "%-12s n/a: %s\n", reuse_strategy_name(r->s), r->why);
			continue;
		}
		fprintf(f, "%-12s", reuse_strategy_name(r->s));
		for (unsigned int k = 0; k < c->ncols; k++) {
			if (r->c[k].err)
				fprintf(f, " %9s", "failed");
			else
				fprintf(f, " %9.0f", dma ? r->c[k].dma_ns : r->c[k].ops_per_cpu_s);
		}
		fputc('\n', f);
	}
}

static void print_table(FILE *f, const struct scale_cfg *c, const struct srow *rows, int n)
{
	char t[96];

	header(f, c);
	snprintf(t, sizeof(t), "DMA-layer ns per %s, by simulated CPUs", sw_units[c->wl]);
	block(f, c, rows, n, t, true);
	snprintf(t, sizeof(t), "%ss per second per CPU", sw_units[c->wl]);
	block(f, c, rows, n, t, false);
	for (int i = 0; i < n; i++)
		for (unsigned int k = 0; k < c->ncols; k++)
			if (rows[i].applies && rows[i].c[k].err)
				fprintf(f, "failed: %s at %u CPUs: %s\n", reuse_strategy_name(rows[i].s),
					c->cpus[k], rows[i].why);
}

static void print_csv(FILE *f, const struct scale_cfg *c, const struct srow *rows, int n)
{
	fprintf(f, "strategy,cpus,applies,ok,ops,dma_ns_per_op,ops_per_s_per_cpu,"
		"invalidations_per_op,unmap_ns,why\n");
	for (int i = 0; i < n; i++)
		for (unsigned int k = 0; k < c->ncols; k++) {
			const struct cell *e = &rows[i].c[k];

			csv_field(f, reuse_strategy_name(rows[i].s));
			if (!rows[i].applies || e->err) {
				fprintf(f, ",%u,%s,false,,,,,,", c->cpus[k],
					rows[i].applies ? "true" : "false");
				csv_field(f, rows[i].why);
				fputc('\n', f);
				continue;
			}
			fprintf(f, ",%u,true,true,%" PRIu64 ",%.1f,%.1f,%.3f,", c->cpus[k], e->ops,
				e->dma_ns, e->ops_per_cpu_s, e->inv_per_op);
			if (c->wl == SW_MAP)
				fprintf(f, "%.1f", e->unmap_ns);
			fputs(",\n", f);
		}
}

static json_t *row_json(const struct scale_cfg *c, const struct srow *r)
{
	json_t *cells, *o;
	int bad = 0;

	if (!r->applies)
		return json_pack("{s:s, s:b, s:o}", "strategy", reuse_strategy_name(r->s),
				 "applies", 0, "why", jsonio_text(r->why));
	cells = json_array();
	for (unsigned int k = 0; k < c->ncols && cells; k++) {
		const struct cell *e = &r->c[k];
		json_t *j;

		if (e->err)
			j = json_pack("{s:I, s:b, s:o}", "cpus", (json_int_t)c->cpus[k], "ok", 0,
				      "why", jsonio_text(r->why));
		else
			j = json_pack("{s:I, s:b, s:o, s:o, s:o, s:o}", "cpus", (json_int_t)c->cpus[k],
				      "ok", 1, "ops", jsonio_u64(e->ops),
				      "dma_ns_per_op", jsonio_round(e->dma_ns, 1),
				      "ops_per_s_per_cpu", jsonio_round(e->ops_per_cpu_s, 1),
				      "invalidations_per_op", jsonio_round(e->inv_per_op, 3));
		if (j && !e->err && c->wl == SW_MAP)
			bad |= json_object_set_new(j, "unmap_ns", jsonio_round(e->unmap_ns, 1));
		bad |= json_array_append_new(cells, j);
	}
	o = json_pack("{s:s, s:b, s:o}", "strategy", reuse_strategy_name(r->s), "applies", 1,
		      "cells", cells);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int print_json(FILE *f, const struct scale_cfg *c, const struct srow *rows, int n)
{
	json_t *doc, *cpus = json_array(), *results = json_array();
	json_error_t jerr;
	int bad = !cpus || !results, ret;

	for (unsigned int k = 0; k < c->ncols && !bad; k++)
		bad |= json_array_append_new(cpus, json_integer(c->cpus[k]));
	for (int i = 0; i < n && !bad; i++)
		bad |= json_array_append_new(results, row_json(c, &rows[i]));
	if (bad) {
		json_decref(cpus);
		json_decref(results);
		fprintf(stderr, "%s: scale: cannot build the JSON output: out of memory\n", prog);
		return -1;
	}
	doc = json_pack_ex(&jerr, 0, "{s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:I, s:o}",
			   "benchmark", "scale", "command", jsonio_text(cmdline),
			   "workload", sw_names[c->wl], "unit", sw_units[c->wl], "clock", "virtual",
			   "cmdq_model", c->prof.cmdq_model == CMDQ_LOCK ? "lock" :
			   c->prof.cmdq_model == CMDQ_ECMDQ ? "ecmdq" : "lockfree",
			   "platform", jsonio_text(c->prof.name), "ops_per_cell", jsonio_u64(c->ops),
			   "size", (json_int_t)c->size, "seed", jsonio_u64(c->seed),
			   "batch_size", (json_int_t)(c->batch_size ? c->batch_size :
						      c->prof.batch_size ? c->prof.batch_size :
						      RBATCH_DEFAULT_SIZE),
			   "cpus", cpus);
	if (!doc || json_object_set_new(doc, "results", results)) {
		fprintf(stderr, "%s: scale: cannot build the JSON output: %s\n", prog,
			doc ? "out of memory" : jerr.text);
		json_decref(doc);
		return -1;
	}
	ret = jsonio_write(f, doc);
	json_decref(doc);
	return ret;
}

/* ---- options ------------------------------------------------------------- */

static void scale_help(void)
{
	printf("usage: %s scale [options]\n"
	       "One workload under each strategy at many CPU counts, in virtual time: every\n"
	       "CPU simulated, the lab's real code priced by the profile's cost table, so\n"
	       "the table is the same on any host.\n\n"
	       "  --workload W     map | zswap | net (default map)\n"
	       "  --cpus LIST      simulated CPU counts, comma-separated, each 1-%d, at most\n"
	       "                   %d of them (default 1,2,4,8,16,32,64,96,128)\n"
	       "  --strategy LIST  comma-separated strategies, or all (default all)\n"
	       "  --platform P     profile name or path with a cost table\n"
	       "                   (default kunpeng920-smmuv3)\n"
	       "  --ops N          operations per cell, shared out over its CPUs\n"
	       "                   (default 100000 pairs, 20000 pages, 50000 packets)\n"
	       "  --size BYTES     map: buffer size, a multiple of 4096 (default 4096);\n"
	       "                   net: every packet this size (default the mixed sizes)\n"
	       "  --seed N         workload seed (default 1)\n"
	       "  --batch-size N   batch: unmaps per batch, 1-4096 (default: the profile's\n"
	       "                   batch_size, else 64); 1 invalidates at every unmap, as\n"
	       "                   strict; needs batch among the strategies\n"
	       "  --format F       table | json | csv (default table)\n"
	       "  --output FILE    write there instead of stdout (replaced at the end)\n\n"
	       "Cells: DMA-layer ns per operation (map: map + unmap), then operations per\n"
	       "second per CPU.  Wall time and operations simulated go to stderr.\n",
	       prog, SCALE_MAX_CPUS, SCALE_MAX_COLS);
}

/* --cpus LIST: "1,2,4" into @c->cpus, each 1..SCALE_MAX_CPUS, at most 16, no repeats. */
static void parse_cpus(struct scale_cfg *c, const char *list)
{
	const char *at = list;

	c->ncols = 0;
	if (!*list)
		usage_error("--cpus: empty value (expected CPU counts 1-%d, comma-separated)",
			    SCALE_MAX_CPUS);
	for (;;) {
		size_t len = strcspn(at, ",");
		char item[24];
		long long n;

		if (!len || len >= sizeof(item))
			usage_error("--cpus: '%s': %s (expected CPU counts 1-%d, comma-separated)",
				    list, len ? "an item is too long" : "an item is empty",
				    SCALE_MAX_CPUS);
		if (c->ncols == SCALE_MAX_COLS)
			usage_error("--cpus: '%s': more than %d counts (expected at most %d)", list,
				    SCALE_MAX_COLS, SCALE_MAX_COLS);
		snprintf(item, sizeof(item), "%.*s", (int)len, at);
		n = parse_int("--cpus", item, 1, SCALE_MAX_CPUS);
		for (unsigned int k = 0; k < c->ncols; k++)
			if (c->cpus[k] == n)
				usage_error("--cpus: '%s' names %lld twice (expected each count once)",
					    list, n);
		c->cpus[c->ncols++] = (unsigned int)n;
		if (!at[len])
			return;
		at += len + 1;
	}
}

enum {
	SC_WORKLOAD = OPT_LONG_ONLY, SC_CPUS, SC_STRATEGY, SC_PLATFORM, SC_OPS, SC_SIZE,
	SC_SEED, SC_FORMAT, SC_OUTPUT, SC_BATCH_SIZE,
};

int scale_parse(int argc, char **argv, struct scale_cfg *out)
{
	static const char shortopts[] = ":h";
	static const struct option opts[] = {
		{ "workload", required_argument, NULL, SC_WORKLOAD },
		{ "cpus", required_argument, NULL, SC_CPUS },
		{ "strategy", required_argument, NULL, SC_STRATEGY },
		{ "platform", required_argument, NULL, SC_PLATFORM },
		{ "ops", required_argument, NULL, SC_OPS },
		{ "size", required_argument, NULL, SC_SIZE },
		{ "seed", required_argument, NULL, SC_SEED },
		{ "format", required_argument, NULL, SC_FORMAT },
		{ "output", required_argument, NULL, SC_OUTPUT },
		{ "batch-size", required_argument, NULL, SC_BATCH_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static struct scale_cfg c;
	const char *platform = "kunpeng920-smmuv3";
	bool seen[OPT_MAX_VAL] = { false };
	int c_opt;

	memset(&c, 0, sizeof(c));
	c.seed = 1;
	parse_strategy_list("all", c.want);
	parse_cpus(&c, "1,2,4,8,16,32,64,96,128");
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc starts afresh (no state left from a refused call) */
	while ((c_opt = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c_opt != ':' && c_opt != '?' && c_opt != 'h')
			opt_once("scale", seen, c_opt, opts);
		switch (c_opt) {
		case SC_WORKLOAD:
			c.wl = (enum scale_wl)parse_choice("--workload", optarg, "a workload",
							   sw_names, (int)ARRAY_SIZE(sw_names));
			break;
		case SC_CPUS: parse_cpus(&c, optarg); break;
		case SC_STRATEGY: parse_strategy_list(optarg, c.want); break;
		case SC_PLATFORM: platform = optarg; break;
		case SC_OPS: c.ops = (uint64_t)parse_int("--ops", optarg, 1, 100000000); break;
		case SC_SIZE: c.size = (size_t)parse_int("--size", optarg, 1, 4u << 20); break;
		case SC_SEED: c.seed = (uint64_t)parse_int("--seed", optarg, 0, INT64_MAX); break;
		case SC_FORMAT:
			c.fmt = parse_choice("--format", optarg, "a format", scale_formats,
					     (int)ARRAY_SIZE(scale_formats));
			break;
		case SC_OUTPUT: c.output = optarg; break;
		case SC_BATCH_SIZE:
			c.batch_size = (unsigned int)parse_int("--batch-size", optarg, 1,
							       RBATCH_MAX_SIZE);
			break;
		case 'h': scale_help(); return 1;
		default: opt_error("scale", c_opt, argv, shortopts, opts);
		}
	}
	if (optind < argc)
		usage_error("scale: unexpected argument '%s' (see '%s scale --help')", argv[optind],
			    prog);
	if (!c.ops)
		c.ops = c.wl == SW_MAP ? 100000 : c.wl == SW_ZSWAP ? 20000 : 50000;
	if (c.batch_size && !c.want[RS_BATCH])
		usage_error("--batch-size: only the batch strategy batches unmaps (expected "
			    "--strategy all or a list naming batch)");
	if (c.wl == SW_MAP) {
		if (!c.size)
			c.size = PAGE_SIZE;
		if (c.size % PAGE_SIZE || c.size / PAGE_SIZE > 1024)
			usage_error("--size: %zu is not a map buffer size (expected a multiple of "
				    "4096 up to 4 MiB)", c.size);
	} else if (c.wl == SW_ZSWAP && c.size) {
		usage_error("--size: zswap stores pages (expected no --size with --workload zswap)");
	} else if (c.wl == SW_NET && c.size &&
		   (c.size < NET_MIN_PACKET || c.size > NIC_MAX_FRAME)) {
		usage_error("--size: %zu is not a packet size (expected %d-%d)", c.size,
			    NET_MIN_PACKET, NIC_MAX_FRAME);
	}
	load_platform(platform, &c.prof);
	if (!c.prof.has_costs)
		usage_error("--platform: %s has no cost table (cost_CLASS_ns keys), so it cannot "
			    "run in virtual time (expected a profile with one, e.g. "
			    "kunpeng920-smmuv3)", c.prof.name);
	*out = c;
	return 0;
}

int cmd_scale(int argc, char **argv)
{
	static struct scale_cfg c;
	static struct srow rows[RS_COUNT];
	struct timespec t0, t1;
	struct outfile out = { .f = stdout };
	uint64_t simulated = 0;
	unsigned int ncells = 0;
	int n = 0, failed = 0, ret;

	if (scale_parse(argc, argv, &c))
		return 0;	/* --help */
	if (c.output && outfile_open(&out, "--output", c.output))
		return EXIT_USAGE;
	clock_gettime(CLOCK_MONOTONIC, &t0);	/* for stderr only: nothing on stdout */
	for (int s = 0; s < RS_COUNT; s++) {
		struct srow *r = &rows[n];

		if (!c.want[s])
			continue;
		memset(r, 0, sizeof(*r));
		r->s = (enum reuse_strategy)s;
		r->applies = true;
		for (unsigned int k = 0; k < c.ncols; k++) {
			char why[256] = "";

			if (isatty(STDERR_FILENO))
				fprintf(stderr, "\r%s: scale: %-12s %4u CPUs   ", prog,
					reuse_strategy_name(r->s), c.cpus[k]);
			ret = run_cell(&c, r->s, c.cpus[k], &r->c[k], why, sizeof(why));
			ncells++;
			if (ret == -EOPNOTSUPP) {
				r->applies = false;
				snprintf(r->why, sizeof(r->why), "%s", why);
				break;
			}
			r->c[k].err = ret;
			if (ret) {
				failed++;
				if (!r->why[0])
					snprintf(r->why, sizeof(r->why), "%s", why);
			}
			simulated += r->c[k].ops;
		}
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	{
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		fprintf(stderr, "%s: scale: %u cells, %" PRIu64 " %ss simulated in %.1f s wall "
			"(%.0f per second)\n", prog, ncells, simulated, sw_units[c.wl], secs,
			secs > 0 ? (double)simulated / secs : 0);
	}
	if (c.fmt == 1)
		ret = print_json(out.f, &c, rows, n);
	else if (c.fmt == 2)
		print_csv(out.f, &c, rows, n), ret = 0;
	else
		print_table(out.f, &c, rows, n), ret = 0;
	if (ret || (c.output ? outfile_commit(&out) : fflush(stdout))) {
		if (c.output && ret)
			outfile_abort(&out);
		fprintf(stderr, "%s: scale: writing the output failed\n", prog);
		return 1;
	}
	return failed ? 1 : 0;
}
