// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dmabench.c - the helpers every subcommand shares, and `map` and `platforms`.
 *
 * Subcommands (main.c picks one): `run` (run.c; the default scenario with
 * no command), `map` (Linux's dma_map_benchmark, same flags and output),
 * `scale` (scale.c), `sweep` (sweep.c), `plot` (plot.c), `strategies`,
 * `platforms` (profiles and their parameters).  Every flag is validated: a
 * bad value exits with status 2 and one message naming the flag, the value
 * and what is allowed; nothing runs and nothing is written.  getopt_long()
 * runs with opterr 0 and its refusals go through opt_error(), which names
 * the option as the user wrote it (the letter inside a cluster such as
 * -Zx, the long name for a prefix of several or a flag given a value); an
 * option given twice is refused too (opt_once()), since which of the two
 * was meant is a guess.
 *
 * A strategy is a pair of an IOMMU mode and a mechanism (reuse.h): --mode
 * moves a named strategy's mechanism to another mode (strategy_under()),
 * and a pair the strategy table refuses is refused here, exit 2, naming the
 * pair and why.
 */
#include <dmareuse/map_bench.h>
#include <dmareuse/reuse.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabench.h"

const char *prog = "dmabench";
char cmdline[4096];

struct usage_catch *usage_catch;

FILE *msg_stream(void)
{
	return usage_catch ? usage_catch->out : stderr;
}

/*
 * "dmabench: MESSAGE\n" on msg_stream().  The message names values as the
 * user gave them, and a value may hold any byte: a control byte (a newline,
 * an escape sequence) is written as \xNN so that the message stays one line
 * of text and cannot drive the terminal.
 */
static void vmsg(const char *fmt, va_list ap)
{
	FILE *out = msg_stream();
	char *text;

	if (vasprintf(&text, fmt, ap) < 0) {
		fprintf(out, "%s: %s (out of memory formatting the message)\n", prog, fmt);
		return;
	}
	fprintf(out, "%s: ", prog);
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\x%02x", *c);
		else
			fputc(*c, out);
	}
	fputc('\n', out);
	free(text);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	if (usage_catch)
		longjmp(usage_catch->env, 1);
	exit(EXIT_USAGE);
}

/* "1-1024", or "-1" for a range of one value. */
static const char *range(long long lo, long long hi)
{
	static char buf[48];

	if (lo == hi)
		snprintf(buf, sizeof(buf), "%lld", lo);
	else
		snprintf(buf, sizeof(buf), "%lld-%lld", lo, hi);
	return buf;
}

long long parse_int(const char *flag, const char *v, long long lo, long long hi)
{
	const char *digits = v + (*v == '-');
	char *end;
	long long x;

	if (!*v)
		usage_error("%s: empty value (expected an integer in %s)", flag, range(lo, hi));
	errno = 0;
	x = strtoll(v, &end, 10);
	if (!isdigit((unsigned char)*digits) || *end)
		usage_error("%s: '%s' is not an integer (expected %s)", flag, v, range(lo, hi));
	if (errno == ERANGE || x < lo || x > hi)
		usage_error("%s: %s is out of range (expected %s)", flag, v, range(lo, hi));
	return x;
}

/* How messages name option @val: "-t/--threads", or "--strategy". */
static const char *opt_label(const struct option *opts, int val)
{
	static char buf[96];

	for (const struct option *o = opts; o->name; o++) {
		if (o->val != val)
			continue;
		if (val < OPT_LONG_ONLY)
			snprintf(buf, sizeof(buf), "-%c/--%s", val, o->name);
		else
			snprintf(buf, sizeof(buf), "--%s", o->name);
		return buf;
	}
	snprintf(buf, sizeof(buf), "-%c", val);
	return buf;
}

void opt_error(const char *cmd, int c, char **argv, const char *shortopts,
	       const struct option *opts)
{
	const char *arg = argv[optind - 1];
	char cands[256];
	size_t len, at = 0;
	int matches = 0;

	if (c == ':')
		usage_error("%s: missing value (see '%s %s --help')", opt_label(opts, optopt), prog,
			    cmd);
	if (optopt > 0 && optopt < OPT_LONG_ONLY &&
	    (optopt == ':' || !strchr(shortopts, optopt)))
		usage_error("%s: unknown option '-%c' (see '%s %s --help')", cmd, optopt, prog,
			    cmd);
	if (optopt)
		usage_error("%s: takes no value (got '%s'; see '%s %s --help')",
			    opt_label(opts, optopt), arg, prog, cmd);
	/* An unknown long option, or a prefix of several (getopt_long() says neither). */
	len = strcspn(arg + 2, "=");
	cands[0] = '\0';
	for (const struct option *o = opts; o->name; o++)
		if (!strncmp(o->name, arg + 2, len) && at < sizeof(cands)) {
			at += (size_t)snprintf(cands + at, sizeof(cands) - at, "%s--%s",
					       matches ? ", " : "", o->name);
			matches++;
		}
	if (matches > 1)
		usage_error("%s: ambiguous option '%.*s' (could be %s; see '%s %s --help')", cmd,
			    (int)len + 2, arg, cands, prog, cmd);
	usage_error("%s: unknown option '%.*s' (see '%s %s --help')", cmd, (int)len + 2, arg, prog,
		    cmd);
}

void opt_once(const char *cmd, bool *seen, int val, const struct option *opts)
{
	if (val >= 0 && val < OPT_MAX_VAL) {
		if (seen[val])
			usage_error("%s: %s given twice (expected once)", cmd,
				    opt_label(opts, val));
		seen[val] = true;
	}
}

int parse_choice(const char *flag, const char *v, const char *what,
		 const char *const *names, int n)
{
	char list[256];
	size_t at = 0;

	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	list[0] = '\0';
	for (int i = 0; i < n && at < sizeof(list); i++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s",
				       !i ? "" : i == n - 1 ? " or " : ", ", names[i]);
	if (!*v)
		usage_error("%s: empty value (expected %s)", flag, list);
	usage_error("%s: '%s' is not %s (expected %s)", flag, v, what, list);
}

void load_platform(const char *name, struct platform_profile *p)
{
	char err[1024];

	if (profile_load(name, p, err, sizeof(err)))
		usage_error("--platform: %s", err);
}

/* "passthrough, strict, ..." for messages. */
const char *strategy_list(void)
{
	static char buf[256];
	size_t off = 0;

	if (buf[0])
		return buf;
	for (int s = 0; s < RS_COUNT; s++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", s ? ", " : "",
					reuse_strategy_name((enum reuse_strategy)s));
	return buf;
}

/* --mode's values, in the order the help lists them. */
static const char *const mode_choices[] = { "passthrough", "strict", "lazy" };

int parse_mode(const char *v)
{
	parse_choice("--mode", v, "an IOMMU mode", mode_choices, (int)ARRAY_SIZE(mode_choices));
	return reuse_mode_parse(v);
}

const char *strategy_under(enum reuse_strategy s, int mode, struct reuse_pair *out)
{
	static char why[512];
	struct reuse_pair own = reuse_strategy_pair(s), p = own;

	if (mode >= 0)
		p.mode = (enum reuse_mode)mode;
	if (own.mech == RMECH_NONE && p.mode != own.mode) {
		int other = reuse_pair_strategy(p);

		snprintf(why, sizeof(why), "--strategy %s --mode %s: %s is the %s mode with no "
			 "mechanism, so --mode cannot move it (with no mechanism under %s, that "
			 "is --strategy %s)", reuse_strategy_name(s), reuse_mode_name(p.mode),
			 reuse_strategy_name(s), reuse_mode_name(own.mode), reuse_mode_name(p.mode),
			 reuse_strategy_name((enum reuse_strategy)other));
		return why;
	}
	if (reuse_pair_why_not(p)) {
		snprintf(why, sizeof(why), "--strategy %s --mode %s: %s under %s is refused: %s",
			 reuse_strategy_name(s), reuse_mode_name(p.mode), reuse_mech_name(p.mech),
			 reuse_mode_name(p.mode), reuse_pair_why_not(p));
		return why;
	}
	*out = p;
	return NULL;
}

/* ---- map ---------------------------------------------------------------- */

static const char *const map_dirs[] = { "BIDIRECTIONAL", "TO_DEVICE", "FROM_DEVICE" };

/*
 * The narrowest DMA mask under which iova-link's range fits: one
 * size-aligned IOVA allocation of map_bench_link_bytes(), rounded up to a
 * power of two, above IOVA page 0 -- so twice that.
 */
static unsigned int link_min_bits(const struct map_bench_params *p)
{
	size_t pages = map_bench_link_bytes(p) / PAGE_SIZE;
	unsigned int bits = PAGE_SHIFT + 1;

	while (((size_t)1 << (bits - PAGE_SHIFT - 1)) < pages)
		bits++;
	return bits;
}

static void map_help(void)
{
	printf("usage: %s map [options]\n"
	       "Linux's dma_map_benchmark in the lab: each thread (a CPU) maps a buffer,\n"
	       "lets the DMA engine touch it, waits the transfer time, and unmaps it.\n\n"
	       "  -t, --threads N      threads (CPUs), 1-1024 (default 1)\n"
	       "  -s, --seconds N      run time, 1-300 (default 20)\n"
	       "  -n, --node N         NUMA node, accepted for compatibility: -1 only\n"
	       "  -b, --bits N         DMA mask width, 20-64 (default 32); iova-link\n"
	       "                       needs 23-64, more with threads x granule above\n"
	       "                       1024 pages (its range must fit below the mask)\n"
	       "  -d, --dir N          0 BIDIRECTIONAL, 1 TO_DEVICE, 2 FROM_DEVICE (default 0)\n"
	       "  -x, --delay NS       transfer time in ns, 0-10000000 (default 0)\n"
	       "  -g, --granule N      buffer size in pages, 1-1024 (default 1); bounce\n"
	       "                       takes 1-64 (its largest buffer, 256 KiB)\n"
	       "      --strategy S     passthrough | strict | lazy | bounce | reuse | pool |\n"
	       "                       cache | iova-link | auto | batch (default strict)\n"
	       "      --mode M         passthrough | strict | lazy: the IOMMU mode under the\n"
	       "                       strategy's mechanism (default: the strategy's own,\n"
	       "                       strict but for passthrough and lazy); a pair the\n"
	       "                       strategy table refuses exits 2 saying why\n"
	       "      --platform P     profile name or path (default kunpeng920-smmuv3)\n"
	       "      --batch-size N   batch: unmaps per batch, 1-4096 (default: the\n"
	       "                       profile's batch_size, else 64); 1 invalidates at\n"
	       "                       every unmap, as strict\n"
	       "      --iterations N   fixed map+unmap pairs per thread instead of --seconds\n"
	       "      --dma-debug      keep DMA-API debug records (slower, like\n"
	       "                       CONFIG_DMA_API_DEBUG)\n"
	       "      --format F       text (Linux's three lines), json or csv (a header\n"
	       "                       line and one line of figures)\n"
	       "      --clock C        real (the host's clock) or virtual (simulated CPUs,\n"
	       "                       costs from the profile's cost table; the same numbers\n"
	       "                       on any host); default real, or virtual with --cpus\n"
	       "                       above the host's CPUs\n"
	       "      --cpus N         N simulated CPUs, 1-256: the same as -t N, in virtual\n"
	       "                       time when N is above this host's CPUs\n\n"
	       "Latencies are per call, with the measured cost of reading the clock\n"
	       "subtracted (nothing to subtract in virtual time, where -s counts virtual\n"
	       "seconds, default 1).  JSON adds ns figures and IOTLB/command-queue counters.\n",
	       prog);
}

static const char *const map_formats[] = { "text", "json", "csv" };

enum {
	MAP_STRATEGY = OPT_LONG_ONLY, MAP_PLATFORM, MAP_ITERATIONS, MAP_DMA_DEBUG, MAP_FORMAT,
	MAP_CLOCK, MAP_CPUS, MAP_MODE, MAP_BATCH_SIZE,
};

static const char *const clock_names[] = { "real", "virtual" };

/* `map --format json`: the parameters, the figures and every counter. */
static int map_json(const struct map_bench_params *p, const struct map_bench_result *r,
		    const char *strategy, const struct platform_profile *prof)
{
	json_error_t jerr;
	json_t *doc;
	int ret;

	doc = json_pack_ex(&jerr, 0,
		"{s:o, s:o, s:o, s:s, s:s, s:s, s:o, s:I, s:I, s:o, s:s, s:I, s:I, s:I, s:b, s:I,"
		" s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
		" s:{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o},"
		" s:{s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o, s:o}}",
		"benchmark", json_string("map"), "command", jsonio_text(cmdline),
		"clock", json_string(p->virtual_time ? "virtual" : "real"),
		"strategy", strategy, "mode", reuse_mode_name(p->pair.mode),
		"mechanism", reuse_mech_name(p->pair.mech), "platform", jsonio_text(prof->name),
		"threads", (json_int_t)p->threads, "seconds", (json_int_t)p->seconds,
		"iterations_per_thread", jsonio_u64(p->iterations), "dir", map_dirs[p->dir],
		"granule", (json_int_t)p->granule, "trans_ns", (json_int_t)p->trans_ns,
		"dma_bits", (json_int_t)p->dma_bits, "dma_debug", (int)p->debug,
		"batch_size", (json_int_t)(p->batch_size ? p->batch_size : prof->batch_size ?
					   prof->batch_size : RBATCH_DEFAULT_SIZE),
		"ops", jsonio_u64(r->ops), "wall_ns", jsonio_u64(r->wall_ns),
		"map_avg_ns", jsonio_round(r->map_avg_ns, 1),
		"map_stddev_ns", jsonio_round(r->map_stddev_ns, 1),
		"unmap_avg_ns", jsonio_round(r->unmap_avg_ns, 1),
		"unmap_stddev_ns", jsonio_round(r->unmap_stddev_ns, 1),
		"pair_avg_ns", jsonio_round(r->map_avg_ns + r->unmap_avg_ns, 1),
		"clock_overhead_ns", jsonio_u64(r->clock_overhead_ns),
		"xfer_errors", jsonio_u64(r->xfer_errors),
		"memcpy_ns", jsonio_round(r->memcpy_ns, 1),
		"auto_crossover_bytes", jsonio_u64(r->crossover),
		"reuse", "hits", jsonio_u64(r->reuse.hits), "misses", jsonio_u64(r->reuse.misses),
		"maps", jsonio_u64(r->reuse.maps), "unmaps", jsonio_u64(r->reuse.unmaps),
		"syncs", jsonio_u64(r->reuse.syncs),
		"invalidations", jsonio_u64(r->reuse.invalidations),
		"bytes_copied", jsonio_u64(r->reuse.bytes_copied),
		"pages_pinned", jsonio_u64(r->reuse.pages_pinned),
		"reclaimed", jsonio_u64(r->reuse.reclaimed),
		"evicted", jsonio_u64(r->reuse.evicted),
		"errors", jsonio_u64(r->reuse.errors),
		"deferred", jsonio_u64(r->reuse.deferred),
		"pages_deferred", jsonio_u64(r->reuse.pages_deferred),
		"flushes", jsonio_u64(r->reuse.flushes),
		"batch_max", jsonio_u64(r->reuse.batch_max),
		"iotlb", "hits", jsonio_u64(r->iommu.iotlb_hits),
		"misses", jsonio_u64(r->iommu.iotlb_misses),
		"evictions", jsonio_u64(r->iommu.iotlb_evictions),
		"invalidated", jsonio_u64(r->iommu.iotlb_invalidated),
		"cmdq", "cmds", jsonio_u64(r->iommu.cmds), "syncs", jsonio_u64(r->iommu.syncs),
		"batches", jsonio_u64(r->iommu.batches),
		"cpu_ns", jsonio_u64(r->iommu.cmdq_cpu_ns),
		"sync_wait_ns", jsonio_u64(r->iommu.cmdq_wait_ns),
		"dma", "maps", jsonio_u64(r->dma.maps), "unmaps", jsonio_u64(r->dma.unmaps),
		"inv_cmds", jsonio_u64(r->dma.inv_cmds),
		"fq_flushes", jsonio_u64(r->dma.fq_flushes),
		"bounce_bytes", jsonio_u64(r->dma.bounce_bytes));
	if (!doc) {
		fprintf(stderr, "%s: map: cannot build the JSON output: %s\n", prog, jerr.text);
		return 1;
	}
	ret = jsonio_write(stdout, doc);
	json_decref(doc);
	if (ret || fflush(stdout)) {
		fprintf(stderr, "%s: map: writing the JSON output failed\n", prog);
		return 1;
	}
	return 0;
}

/* `map --format csv`: a header line and one line of the main figures. */
static int map_csv(const struct map_bench_params *p, const struct map_bench_result *r,
		   const char *strategy, const struct platform_profile *prof)
{
	printf("strategy,mode,mechanism,platform,clock,threads,granule,dir,ops,map_avg_ns,"
	       "map_stddev_ns,unmap_avg_ns,unmap_stddev_ns,pair_avg_ns,invalidations_per_op,"
	       "bytes_copied_per_op,xfer_errors\n");
	csv_field(stdout, strategy);
	putchar(',');
	csv_field(stdout, reuse_mode_name(p->pair.mode));
	putchar(',');
	csv_field(stdout, reuse_mech_name(p->pair.mech));
	putchar(',');
	csv_field(stdout, prof->name);
	printf(",%s,%u,%u,%s,%" PRIu64 ",%.1f,%.1f,%.1f,%.1f,%.1f,%.3f,%.1f,%" PRIu64 "\n",
	       p->virtual_time ? "virtual" : "real", p->threads, p->granule, map_dirs[p->dir],
	       r->ops, r->map_avg_ns, r->map_stddev_ns, r->unmap_avg_ns, r->unmap_stddev_ns,
	       r->map_avg_ns + r->unmap_avg_ns,
	       r->ops ? (double)r->iommu.cmds / (double)r->ops : 0,
	       r->ops ? (double)(r->reuse.bytes_copied + r->dma.bounce_bytes) / (double)r->ops : 0,
	       r->xfer_errors);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: map: writing the CSV output failed\n", prog);
		return 1;
	}
	return 0;
}

int map_parse(int argc, char **argv, struct map_opts *o)
{
	static const char shortopts[] = ":t:s:n:b:d:x:g:h";
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "bits", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ "delay", required_argument, NULL, 'x' },
		{ "granule", required_argument, NULL, 'g' },
		{ "strategy", required_argument, NULL, MAP_STRATEGY },
		{ "platform", required_argument, NULL, MAP_PLATFORM },
		{ "iterations", required_argument, NULL, MAP_ITERATIONS },
		{ "dma-debug", no_argument, NULL, MAP_DMA_DEBUG },
		{ "format", required_argument, NULL, MAP_FORMAT },
		{ "clock", required_argument, NULL, MAP_CLOCK },
		{ "cpus", required_argument, NULL, MAP_CPUS },
		{ "mode", required_argument, NULL, MAP_MODE },
		{ "batch-size", required_argument, NULL, MAP_BATCH_SIZE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct map_bench_params *p = &o->p;
	bool seen[OPT_MAX_VAL] = { false };
	const char *why;
	int c;
	long host = sysconf(_SC_NPROCESSORS_ONLN);

	*o = (struct map_opts){
		.p = { .threads = 1, .seconds = 20, .dir = 0, .granule = 1, .dma_bits = 32,
		       .node = -1 },
		.platform = "kunpeng920-smmuv3", .strategy = "strict", .clock = -1, .mode = -1,
	};
	opterr = 0;
	optind = 0;	/* 0, not 1: glibc starts afresh (no state left from a refused call) */
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (c != ':' && c != '?' && c != 'h')
			opt_once("map", seen, c, opts);
		switch (c) {
		case 't':
			p->threads = (unsigned int)parse_int("-t/--threads", optarg, 1, 1024);
			break;
		case 's':
			p->seconds = (unsigned int)parse_int("-s/--seconds", optarg, 1, 300);
			break;
		case 'n': p->node = (int)parse_int("-n/--node", optarg, -1, -1); break;
		case 'b': p->dma_bits = (unsigned int)parse_int("-b/--bits", optarg, 20, 64); break;
		case 'd': p->dir = (unsigned int)parse_int("-d/--dir", optarg, 0, 2); break;
		case 'x':
			p->trans_ns = (unsigned int)parse_int("-x/--delay", optarg, 0, 10000000);
			break;
		case 'g':
			p->granule = (unsigned int)parse_int("-g/--granule", optarg, 1, 1024);
			break;
		case MAP_ITERATIONS:
			p->iterations = (uint64_t)parse_int("--iterations", optarg, 1, 1000000000);
			break;
		case MAP_DMA_DEBUG: p->debug = true; break;
		case MAP_STRATEGY:
			if (reuse_strategy_parse(optarg) < 0)
				usage_error("--strategy: %s%s%s (expected one of: %s)",
					    *optarg ? "'" : "empty value", optarg,
					    *optarg ? "' is not a strategy" : "", strategy_list());
			o->strategy = optarg;
			break;
		case MAP_PLATFORM: o->platform = optarg; break;
		case MAP_MODE: o->mode = parse_mode(optarg); break;
		case MAP_BATCH_SIZE:
			p->batch_size = (unsigned int)parse_int("--batch-size", optarg, 1,
								RBATCH_MAX_SIZE);
			break;
		case MAP_FORMAT:
			o->fmt = parse_choice("--format", optarg, "a format", map_formats,
					      (int)ARRAY_SIZE(map_formats));
			break;
		case MAP_CLOCK:
			o->clock = parse_choice("--clock", optarg, "a clock", clock_names,
						(int)ARRAY_SIZE(clock_names));
			break;
		case MAP_CPUS:
			p->threads = (unsigned int)parse_int("--cpus", optarg, 1, 256);
			break;
		case 'h': map_help(); return 1;
		default: opt_error("map", c, argv, shortopts, opts);
		}
	}
	if (optind < argc)
		usage_error("map: unexpected argument '%s' (see '%s map --help')", argv[optind], prog);
	if (seen['t'] && seen[MAP_CPUS])
		usage_error("--cpus and -t/--threads both given (expected one: --cpus N is -t N)");
	/* More CPUs than the host has can only be simulated. */
	p->virtual_time = o->clock == 1 ||
			  (o->clock < 0 && seen[MAP_CPUS] && host > 0 &&
			   p->threads > (unsigned long)host);
	if (p->virtual_time && p->threads > 256)
		usage_error("-t/--threads: %u is out of range for virtual time (expected 1-256)",
			    p->threads);
	if (p->virtual_time && !seen['s'])
		p->seconds = 1;	/* virtual seconds: 20 of them are slow to simulate */
	why = strategy_under((enum reuse_strategy)reuse_strategy_parse(o->strategy), o->mode,
			     &p->pair);
	if (why)
		usage_error("%s", why);
	if (p->batch_size && p->pair.mech != RMECH_BATCH)
		usage_error("--batch-size: only the batch strategy batches unmaps (expected "
			    "--strategy batch, not %s)", o->strategy);
	if (p->pair.mech == RMECH_BOUNCE && (size_t)p->granule * PAGE_SIZE > rbounce_max_len())
		usage_error("-g/--granule: %u is too large for --strategy bounce (its largest "
			    "buffer is %zu bytes: expected 1-%zu)", p->granule, rbounce_max_len(),
			    rbounce_max_len() / PAGE_SIZE);
	if (p->pair.mech == RMECH_IOVA_LINK && p->dma_bits < link_min_bits(p))
		usage_error("-b/--bits: %u is too narrow for --strategy iova-link with %u "
			    "thread(s) x %u page(s) (its %zu KiB IOVA range must fit below the "
			    "mask: expected %u-64)", p->dma_bits, p->threads, p->granule,
			    map_bench_link_bytes(p) >> 10, link_min_bits(p));
	load_platform(o->platform, &o->prof);
	if (p->virtual_time && !o->prof.has_costs)
		usage_error("--platform: %s has no cost table (cost_CLASS_ns keys), so it cannot "
			    "run in virtual time (expected a profile with one, or --clock real)",
			    o->prof.name);
	return 0;
}

int cmd_map(int argc, char **argv)
{
	static struct map_opts o;
	struct map_bench_params *p = &o.p;
	struct map_bench_result r;
	long host = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	if (map_parse(argc, argv, &o))
		return 0;	/* --help */
	if (!p->virtual_time && host > 0 && p->threads > (unsigned long)host)
		fprintf(stderr, "%s: map: note: %u threads on %ld CPUs measure the host's "
			"scheduler as much as the DMA layer; --cpus %u runs them as simulated "
			"CPUs in virtual time\n", prog, p->threads, host, p->threads);
	p->profile = &o.prof;
	ret = map_bench_run(p, &r);
	if (ret) {
		fprintf(stderr, "%s: map: benchmark failed: %s (%s)\n", prog,
			r.why[0] ? r.why : "no detail", strerror(-ret));
		return 1;
	}
	if (o.fmt == 1)
		return map_json(p, &r, o.strategy, &o.prof);
	if (o.fmt == 2)
		return map_csv(p, &r, o.strategy, &o.prof);
	printf("dma mapping benchmark: threads:%u seconds:%u node:%d dir:%s granule: %u\n",
	       p->threads, p->seconds, p->node, map_dirs[p->dir], p->granule);
	printf("average map latency(us):%.1f standard deviation:%.1f\n",
	       r.map_avg_ns / 1000.0, r.map_stddev_ns / 1000.0);
	printf("average unmap latency(us):%.1f standard deviation:%.1f\n",
	       r.unmap_avg_ns / 1000.0, r.unmap_stddev_ns / 1000.0);
	return 0;
}

/* ---- platforms ---------------------------------------------------------- */

int cmd_platforms(int argc, char **argv)
{
	const char *env = getenv("DMAREUSE_PROFILE_DIR");
	char names[64][64];
	ssize_t n;
	int bad = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s platforms\nLists the profiles in %s with their parameters\n"
		       "and sources.  Add a platform by adding NAME.profile there (or set\n"
		       "DMAREUSE_PROFILE_DIR); no rebuild is needed.\n", prog, profile_dir());
		return 0;
	}
	if (argc > 1)
		usage_error("platforms: unexpected argument '%s'", argv[1]);
	n = profile_list(names, ARRAY_SIZE(names));
	if (n < 0)
		usage_error("platforms: cannot read the profile directory '%s'%s: %s",
			    profile_dir(), env && *env ? " (DMAREUSE_PROFILE_DIR)" : "",
			    strerror((int)-n));
	if (!n)
		usage_error("platforms: no profiles in '%s'%s (expected NAME.profile files)",
			    profile_dir(), env && *env ? " (DMAREUSE_PROFILE_DIR)" : "");
	if (n > (ssize_t)ARRAY_SIZE(names)) {
		fprintf(stderr, "%s: platforms: %zd profiles in '%s'; listing the first %zu\n",
			prog, n, profile_dir(), ARRAY_SIZE(names));
		n = (ssize_t)ARRAY_SIZE(names);
	}
	printf("profiles in %s:\n", profile_dir());
	for (ssize_t i = 0; i < n; i++) {
		struct platform_profile p;
		char err[1024];

		if (profile_load(names[i], &p, err, sizeof(err))) {
			printf("  %-20s INVALID: %s\n", names[i], err);
			bad = 1;
			continue;
		}
		printf("  %-20s %s\n", p.name, p.description);
		printf("  %-20s iotlb %ux%u, cmdq %s, issue %" PRIu64 "+%" PRIu64 "/cmd ns, "
		       "inv range/domain/all %" PRIu64 "/%" PRIu64 "/%" PRIu64 " ns, sync %" PRIu64
		       " ns, walk %" PRIu64 " ns\n", "", p.iotlb_sets, p.iotlb_ways,
		       p.cmdq_model == CMDQ_LOCK ? "lock" : "lockfree", p.cmdq_issue_ns,
		       p.cmdq_issue_per_cmd_ns, p.inv_range_ns, p.inv_domain_ns, p.inv_all_ns,
		       p.sync_ns, p.iotlb_miss_ns);
		if (p.batch_size)
			printf("  %-20s batch strategy: %u unmaps per batch\n", "", p.batch_size);
		for (unsigned int s = 0; s < p.nsources; s++)
			printf("  %-20s source: %s\n", "", p.sources[s]);
	}
	return bad;
}
