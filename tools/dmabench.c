// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * dmabench.c - the command-line front door.
 *
 * Subcommands: `map` (Linux's dma_map_benchmark, same flags and output),
 * `platforms` (profiles and their parameters).  Every flag is validated: a
 * bad value exits with status 2 and one message naming the flag, the value
 * and what is allowed; nothing runs.
 */
#include <dmareuse/map_bench.h>
#include <dmareuse/reuse.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabench.h"

const char *prog = "dmabench";
char cmdline[4096];

static void record_cmdline(int argc, char **argv)
{
	size_t off = 0;

	for (int i = 0; i < argc && off < sizeof(cmdline) - 1; i++)
		off += (size_t)snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s",
					i ? " " : "", argv[i]);
}

void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(EXIT_USAGE);
}

/* Parse a decimal integer in [lo, hi] for flag @flag or exit 2. */
long long parse_int(const char *flag, const char *v, long long lo, long long hi)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	if (!*v || *end || errno)
		usage_error("%s: '%s' is not an integer (expected %lld-%lld)", flag, v, lo, hi);
	if (x < lo || x > hi)
		usage_error("%s: %s is out of range (expected %lld-%lld)", flag, v, lo, hi);
	return x;
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
	usage_error("%s: '%s' is not %s (expected %s)", flag, v, what, list);
}

int load_platform(const char *name, struct platform_profile *p)
{
	char err[1024];

	if (profile_load(name, p, err, sizeof(err))) {
		fprintf(stderr, "%s: --platform: %s\n", prog, err);
		return -1;
	}
	return 0;
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
	       "                       cache | iova-link | auto (default strict)\n"
	       "      --platform P     profile name or path (default kunpeng920-smmuv3)\n"
	       "      --iterations N   fixed map+unmap pairs per thread instead of --seconds\n"
	       "      --dma-debug      keep DMA-API debug records (slower, like\n"
	       "                       CONFIG_DMA_API_DEBUG)\n"
	       "      --format F       text (Linux's three lines) or json\n\n"
	       "Latencies are per call, with the measured cost of reading the clock\n"
	       "subtracted.  JSON adds ns figures and IOTLB/command-queue counters.\n",
	       prog);
}

static const char *const map_formats[] = { "text", "json" };

static int cmd_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "node", required_argument, NULL, 'n' },
		{ "bits", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ "delay", required_argument, NULL, 'x' },
		{ "granule", required_argument, NULL, 'g' },
		{ "strategy", required_argument, NULL, 'S' },
		{ "platform", required_argument, NULL, 'P' },
		{ "iterations", required_argument, NULL, 'I' },
		{ "dma-debug", no_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct map_bench_params p = {
		.threads = 1, .seconds = 20, .dir = 0, .granule = 1, .dma_bits = 32,
		.node = -1, .strategy = RS_STRICT,
	};
	const char *platform = "kunpeng920-smmuv3", *strategy = "strict";
	struct platform_profile prof;
	struct map_bench_result r;
	bool json = false;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":t:s:n:b:d:x:g:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': p.threads = (unsigned int)parse_int("-t/--threads", optarg, 1, 1024); break;
		case 's': p.seconds = (unsigned int)parse_int("-s/--seconds", optarg, 1, 300); break;
		case 'n': p.node = (int)parse_int("-n/--node", optarg, -1, -1); break;
		case 'b': p.dma_bits = (unsigned int)parse_int("-b/--bits", optarg, 20, 64); break;
		case 'd': p.dir = (unsigned int)parse_int("-d/--dir", optarg, 0, 2); break;
		case 'x': p.trans_ns = (unsigned int)parse_int("-x/--delay", optarg, 0, 10000000); break;
		case 'g': p.granule = (unsigned int)parse_int("-g/--granule", optarg, 1, 1024); break;
		case 'I': p.iterations = (uint64_t)parse_int("--iterations", optarg, 1, 1000000000); break;
		case 'D': p.debug = true; break;
		case 'S': strategy = optarg; break;
		case 'P': platform = optarg; break;
		case 'F':
			json = parse_choice("--format", optarg, "a format", map_formats,
					    (int)ARRAY_SIZE(map_formats)) == 1;
			break;
		case 'h': map_help(); return 0;
		case ':': usage_error("%s: missing value (see '%s map --help')", argv[optind - 1], prog);
		default:
			usage_error("map: unknown option '%s' (see '%s map --help')", argv[optind - 1], prog);
		}
	}
	if (optind < argc)
		usage_error("map: unexpected argument '%s' (see '%s map --help')", argv[optind], prog);
	if (reuse_strategy_parse(strategy) < 0)
		usage_error("--strategy: '%s' is not a strategy (expected one of: %s)", strategy,
			    strategy_list());
	p.strategy = (enum reuse_strategy)reuse_strategy_parse(strategy);
	if (p.strategy == RS_BOUNCE && (size_t)p.granule * PAGE_SIZE > rbounce_max_len())
		usage_error("-g/--granule: %u is too large for --strategy bounce (its largest "
			    "buffer is %zu bytes: expected 1-%zu)", p.granule, rbounce_max_len(),
			    rbounce_max_len() / PAGE_SIZE);
	if (p.strategy == RS_IOVA_LINK && p.dma_bits < link_min_bits(&p))
		usage_error("-b/--bits: %u is too narrow for --strategy iova-link with %u "
			    "thread(s) x %u page(s) (its %zu KiB IOVA range must fit below the "
			    "mask: expected %u-64)", p.dma_bits, p.threads, p.granule,
			    map_bench_link_bytes(&p) >> 10, link_min_bits(&p));
	if (load_platform(platform, &prof))
		return EXIT_USAGE;
	p.profile = &prof;
	ret = map_bench_run(&p, &r);
	if (ret) {
		fprintf(stderr, "%s: map: benchmark failed: %s (%s)\n", prog,
			r.why[0] ? r.why : "no detail", strerror(-ret));
		return 1;
	}
	if (!json) {
		printf("dma mapping benchmark: threads:%u seconds:%u node:%d dir:%s granule: %u\n",
		       p.threads, p.seconds, p.node, map_dirs[p.dir], p.granule);
		printf("average map latency(us):%.1f standard deviation:%.1f\n",
		       r.map_avg_ns / 1000.0, r.map_stddev_ns / 1000.0);
		printf("average unmap latency(us):%.1f standard deviation:%.1f\n",
		       r.unmap_avg_ns / 1000.0, r.unmap_stddev_ns / 1000.0);
		return 0;
	}
	printf("{\n  \"benchmark\": \"map\",\n  \"command\": ");
	json_str(stdout, cmdline);
	printf(",\n  \"strategy\": \"%s\",\n  \"platform\": ", strategy);
	json_str(stdout, prof.name);
	printf(",\n  \"threads\": %u,\n  \"seconds\": %u,\n  \"iterations_per_thread\": %" PRIu64
	       ",\n  \"dir\": \"%s\",\n  \"granule\": %u,\n  \"trans_ns\": %u,\n  \"dma_bits\": %u,\n"
	       "  \"dma_debug\": %s,\n",
	       p.threads, p.seconds, p.iterations, map_dirs[p.dir], p.granule, p.trans_ns,
	       p.dma_bits, p.debug ? "true" : "false");
	printf("  \"ops\": %" PRIu64 ",\n  \"wall_ns\": %" PRIu64 ",\n"
	       "  \"map_avg_ns\": %.1f,\n  \"map_stddev_ns\": %.1f,\n"
	       "  \"unmap_avg_ns\": %.1f,\n  \"unmap_stddev_ns\": %.1f,\n"
	       "  \"pair_avg_ns\": %.1f,\n  \"clock_overhead_ns\": %" PRIu64 ",\n"
	       "  \"xfer_errors\": %" PRIu64 ",\n  \"memcpy_ns\": %.1f,\n"
	       "  \"auto_crossover_bytes\": %zu,\n",
	       r.ops, r.wall_ns, r.map_avg_ns, r.map_stddev_ns, r.unmap_avg_ns,
	       r.unmap_stddev_ns, r.map_avg_ns + r.unmap_avg_ns, r.clock_overhead_ns,
	       r.xfer_errors, r.memcpy_ns, r.crossover);
	printf("  \"reuse\": { \"hits\": %" PRIu64 ", \"misses\": %" PRIu64 ", \"maps\": %" PRIu64
	       ", \"unmaps\": %" PRIu64 ", \"syncs\": %" PRIu64 ", \"invalidations\": %" PRIu64
	       ", \"bytes_copied\": %" PRIu64 ", \"pages_pinned\": %" PRIu64
	       ", \"reclaimed\": %" PRIu64 ", \"evicted\": %" PRIu64 ", \"errors\": %" PRIu64 " },\n",
	       r.reuse.hits, r.reuse.misses, r.reuse.maps, r.reuse.unmaps, r.reuse.syncs,
	       r.reuse.invalidations, r.reuse.bytes_copied, r.reuse.pages_pinned,
	       r.reuse.reclaimed, r.reuse.evicted, r.reuse.errors);
	printf("  \"iotlb\": { \"hits\": %" PRIu64 ", \"misses\": %" PRIu64
	       ", \"evictions\": %" PRIu64 ", \"invalidated\": %" PRIu64 " },\n",
	       r.iommu.iotlb_hits, r.iommu.iotlb_misses, r.iommu.iotlb_evictions,
	       r.iommu.iotlb_invalidated);
	printf("  \"cmdq\": { \"cmds\": %" PRIu64 ", \"syncs\": %" PRIu64 ", \"batches\": %" PRIu64
	       ", \"cpu_ns\": %" PRIu64 " },\n",
	       r.iommu.cmds, r.iommu.syncs, r.iommu.batches, r.iommu.cmdq_cpu_ns);
	printf("  \"dma\": { \"maps\": %" PRIu64 ", \"unmaps\": %" PRIu64 ", \"inv_cmds\": %" PRIu64
	       ", \"fq_flushes\": %" PRIu64 ", \"bounce_bytes\": %" PRIu64 " }\n}\n",
	       r.dma.maps, r.dma.unmaps, r.dma.inv_cmds, r.dma.fq_flushes, r.dma.bounce_bytes);
	return 0;
}

/* ---- platforms ---------------------------------------------------------- */

static int cmd_platforms(int argc, char **argv)
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
		usage_error("platforms: cannot read the profile directory '%s'%s: %s", profile_dir(),
			    env && *env ? " (DMAREUSE_PROFILE_DIR)" : "", strerror((int)-n));
	if (!n)
		usage_error("platforms: no profiles in '%s'%s (expected NAME.profile files)",
			    profile_dir(), env && *env ? " (DMAREUSE_PROFILE_DIR)" : "");
	if (n > (ssize_t)ARRAY_SIZE(names)) {
		fprintf(stderr, "%s: platforms: %zd profiles in '%s'; listing the first %zu\n", prog,
			n, profile_dir(), ARRAY_SIZE(names));
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
		       p.cmdq_model == CMDQ_LOCK ? "lock" : "batch", p.cmdq_issue_ns,
		       p.cmdq_issue_per_cmd_ns, p.inv_range_ns, p.inv_domain_ns, p.inv_all_ns,
		       p.sync_ns, p.iotlb_miss_ns);
		for (unsigned int s = 0; s < p.nsources; s++)
			printf("  %-20s source: %s\n", "", p.sources[s]);
	}
	return bad;
}

static void main_help(void)
{
	printf("usage: %s COMMAND [options]\n\n"
	       "dmareuse's benchmark front door: workloads under DMA strategies on a\n"
	       "platform profile of the lab machine.\n\n"
	       "With no command, runs the default scenario: zswap on kunpeng920-smmuv3,\n"
	       "1 CPU thread, every strategy, completions polled when each thread has a\n"
	       "CPU (run --completion auto), one table (about 30 s).\n\n"
	       "commands:\n"
	       "  run        workloads x strategies on a platform, one table (see run --help)\n"
	       "  map        Linux's dma_map_benchmark in the lab (same flags and output)\n"
	       "  platforms  list platform profiles with their parameters and sources\n"
	       "  strategies list the strategies with the isolation each keeps\n"
	       "  plot       draw a run's JSON as an SVG chart\n\n"
	       "'%s COMMAND --help' explains each command's flags.\n", prog, prog);
}

int main(int argc, char **argv)
{
	record_cmdline(argc, argv);
	if (argc < 2)
		return cmd_run(argc, argv, true);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		main_help();
		return 0;
	}
	if (!strcmp(argv[1], "map"))
		return cmd_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "platforms"))
		return cmd_platforms(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "strategies"))
		return cmd_strategies(argc - 1, argv + 1);
	if (!strcmp(argv[1], "plot"))
		return cmd_plot(argc - 1, argv + 1);
	usage_error("unknown command '%s' (expected run, map, platforms, strategies or plot; "
		    "see '%s --help')", argv[1], prog);
}
