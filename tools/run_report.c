// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * run_report.c - what `dmabench run` prints once its rows are measured:
 * the table, the JSON document and the CSV, and the one line under the
 * table that names the best isolating strategy.
 *
 * Every figure is derived here from a row's raw counts (struct run_row,
 * dmabench.h) and nowhere else, so the three formats cannot disagree: the
 * DMA-layer ns per operation (over the operations the DMA time covers,
 * warm-up left out), operations per second of wall time, invalidations
 * and bytes copied per operation, the IOTLB miss rate, and the isolation
 * a row shows -- what the oracle saw where the rogue probed, else the
 * class its pair has in the strategy table.
 *
 * A row "kept isolation" when its pair's class isolates and, where the
 * oracle watched, it saw no breach and the domain translated.  The best
 * line picks the cheapest such row and gives its ratios to strict and
 * passthrough from the same run; the JSON carries that line as "best".
 * run.c measures, this file reports; neither reads the other's statics.
 */
#include "dmabench.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static double per_op(uint64_t v, const struct run_row *r)
{
	return r->r.ops ? (double)v / (double)r->r.ops : 0;
}

/* DMA-layer ns per operation, over the operations it covers (warm-up left out). */
static double dma_per_op(const struct run_row *r)
{
	uint64_t n = r->r.dma_ops ? r->r.dma_ops : r->r.ops;

	return n ? (double)r->r.dma_cpu_ns / (double)n : 0;
}

static double ops_per_s(const struct run_row *r)
{
	return r->r.wall_ns ? (double)r->r.ops * 1e9 / (double)r->r.wall_ns : 0;
}

static double miss_rate(const struct run_row *r)
{
	uint64_t t = r->r.iommu.iotlb_hits + r->r.iommu.iotlb_misses;

	return t ? 100.0 * (double)r->r.iommu.iotlb_misses / (double)t : 0;
}

bool run_row_verified(const struct run_row *r)
{
	return !r->err && r->r.ops && r->r.failed == 0 && r->r.verified == r->r.ops &&
	       (!r->r.watched || r->iso_verified);
}

static const char *isolation(const struct run_row *r)
{
	return r->r.watched ? r->r.isolation : reuse_pair_isolation_class(r->pair);
}

/*
 * Whether @r kept isolation: its pair's class isolates and, where the
 * oracle watched, it saw no breach and a translating domain (not `none`,
 * not `breached`).  Without the rogue (--no-rogue) the device touches only
 * what it was lent, so the class alone decides; the header says so.
 */
static bool kept_isolation(const struct run_row *r)
{
	if (!r->applies || r->err || !reuse_pair_isolating(r->pair))
		return false;
	if (!r->r.watched)
		return true;
	return r->r.oracle.breach == 0 && strcmp(r->r.isolation, "none") &&
	       strcmp(r->r.isolation, "breached");
}

static const struct run_row *find(const struct run_row *rows, int n, enum reuse_strategy s)
{
	for (int i = 0; i < n; i++)
		if (rows[i].s == s && rows[i].applies && !rows[i].err)
			return &rows[i];
	return NULL;
}

static void best_line(FILE *f, const struct run_cfg *c, const struct run_row *rows, int n)
{
	const struct run_row *best = NULL, *st = find(rows, n, RS_STRICT),
			 *pt = find(rows, n, RS_PASSTHROUGH);

	for (int i = 0; i < n; i++)
		if (kept_isolation(&rows[i]) &&
		    (!best || dma_per_op(&rows[i]) < dma_per_op(best)))
			best = &rows[i];
	if (!best) {
		fprintf(f, "no strategy kept isolation in this run\n");
		return;
	}
	fprintf(f, "best isolating strategy: %s, %.0f ns DMA-layer CPU per %s",
		reuse_strategy_name(best->s), dma_per_op(best), run_wl_units[c->wl]);
	if (st && dma_per_op(best) > 0)
		fprintf(f, "; %.1fx cheaper than strict", dma_per_op(st) /
			dma_per_op(best));
	if (pt)
		fprintf(f, "; %+.0f ns vs passthrough; %.2fx passthrough's %ss/s",
			dma_per_op(best) - dma_per_op(pt),
			ops_per_s(pt) > 0 ? ops_per_s(best) / ops_per_s(pt) : 0, run_wl_units[c->wl]);
	if (c->wl == WL_MAP || !c->rogue)
		fprintf(f, "; isolation by the strategy table, not probed");
	fprintf(f, "\n");
}

/* What the header says of the isolation pass. */
static const char *iso_header(const struct run_cfg *c)
{
	if (c->wl == WL_MAP)
		return ", isolation not measured (map has no oracle)";
	if (!c->rogue)
		return ", isolation not probed (--no-rogue: the device touches only what it is lent)";
	return c->virtual_iso ? ", isolation probed by a rogue device in virtual time" :
				", isolation probed by a rogue device";
}

void run_print_table(FILE *f, const struct run_cfg *c, const struct run_row *rows, int n)
{
	fprintf(f, "%s on %s, %u CPU thread%s, seed %" PRIu64 "%s%s%s", run_wl_names[c->wl],
		c->prof.name, c->threads, c->threads == 1 ? "" : "s", c->seed,
		c->virtual_cost ? ", virtual time" : "", iso_header(c),
		c->wl != WL_ZSWAP ? "" : c->poll ? ", completions polled" : ", completions by interrupt");
	if (c->mode >= 0)
		fprintf(f, ", IOMMU mode %s (--mode)", reuse_mode_name((enum reuse_mode)c->mode));
	if (c->wl == WL_ZSWAP && c->completion == COMPL_AUTO)
		fprintf(f, " (%s)", c->completion_why);
	fprintf(f, "\n");
	fprintf(f, "%-12s %10s %9s %8s %8s %7s %9s %6s %6s %-9s %9s %8s %8s %7s %s\n", "strategy",
		"ops/s", "dma-ns/op", "p50-us", "p99-us", "inv/op", "copy-B/op", "miss%", "pinned",
		"isolation", "ok", "stale", "subpage", "breach", "verified");
	for (int i = 0; i < n; i++) {
		const struct run_row *r = &rows[i];

		if (!r->applies || r->err) {
			fprintf(f, "%-12s n/a: %s\n", reuse_strategy_name(r->s), r->why);
			continue;
		}
		fprintf(f, "%-12s %10.0f %9.0f %8.1f %8.1f %7.2f %9.0f %6.2f %6" PRIu64 " %-9s",
			reuse_strategy_name(r->s), ops_per_s(r), dma_per_op(r),
			(double)wl_latency_quantile(&r->r.lat, 0.5) / 1000.0,
			(double)wl_latency_quantile(&r->r.lat, 0.99) / 1000.0,
			per_op(r->r.iommu.cmds, r),
			per_op(r->r.reuse.bytes_copied + r->r.dma.bounce_bytes, r), miss_rate(r),
			r->r.reuse.pages_pinned, isolation(r));
		if (r->r.watched)
			fprintf(f, " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %7" PRIu64, r->r.oracle.ok,
				r->r.oracle.stale, r->r.oracle.subpage, r->r.oracle.breach);
		else
			fprintf(f, " %9s %8s %8s %7s", "-", "-", "-", "-");
		fprintf(f, " %s\n", run_row_verified(r) ? "yes" : "NO");
	}
	best_line(f, c, rows, n);
	for (int i = 0; i < n; i++) {
		const struct reuse_stats *rs = &rows[i].r.reuse;

		if (!rows[i].applies || rows[i].err || !rows[i].r.note[0])
			continue;
		fprintf(f, "  %-12s %s", reuse_strategy_name(rows[i].s), rows[i].r.note);
		if (rs->flushes)
			fprintf(f, "; %.1f unmaps per flush (at most %" PRIu64 "), %" PRIu64
				" page references held until their flush", (double)rs->deferred /
				(double)rs->flushes, rs->batch_max, rs->pages_deferred);
		fprintf(f, "\n");
	}
}

/* One row of the JSON "results" array. */
static json_t *row_json(const struct run_row *r)
{
	json_t *o;
	int bad;

	if (!r->applies || r->err)
		return json_pack("{s:s, s:b, s:s, s:s, s:o}", "strategy", reuse_strategy_name(r->s),
				 "applies", 0, "mode", reuse_mode_name(r->pair.mode),
				 "mechanism", reuse_mech_name(r->pair.mech), "why",
				 jsonio_text(r->why));
	o = json_pack("{s:s, s:b, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
		      " s:s, s:s, s:b, s:b, s:o}",
		      "strategy", reuse_strategy_name(r->s), "applies", 1,
		      "mode", reuse_mode_name(r->pair.mode),
		      "mechanism", reuse_mech_name(r->pair.mech),
		      "ops", jsonio_u64(r->r.ops), "wall_ns", jsonio_u64(r->r.wall_ns),
		      "ops_per_s", jsonio_round(ops_per_s(r), 1),
		      "dma_ns_per_op", jsonio_round(dma_per_op(r), 1),
		      "p50_ns", jsonio_u64(wl_latency_quantile(&r->r.lat, 0.5)),
		      "p99_ns", jsonio_u64(wl_latency_quantile(&r->r.lat, 0.99)),
		      "invalidations_per_op", jsonio_round(per_op(r->r.iommu.cmds, r), 3),
		      "bytes_copied_per_op",
		      jsonio_round(per_op(r->r.reuse.bytes_copied + r->r.dma.bounce_bytes, r), 1),
		      "iotlb_miss_rate", jsonio_round(miss_rate(r) / 100, 4),
		      "pages_pinned", jsonio_u64(r->r.reuse.pages_pinned),
		      "isolation", isolation(r),
		      "isolation_class", reuse_pair_isolation_class(r->pair),
		      "isolating", (int)reuse_pair_isolating(r->pair), "verified", (int)run_row_verified(r), "failed", jsonio_u64(r->r.failed));
	if (!o)
		return NULL;
	bad = 0;
	if (r->r.watched) {
		bad |= json_object_set_new(o, "oracle", json_pack("{s:o, s:o, s:o, s:o, s:o}",
			"ok", jsonio_u64(r->r.oracle.ok), "stale", jsonio_u64(r->r.oracle.stale),
			"subpage", jsonio_u64(r->r.oracle.subpage),
			"breach", jsonio_u64(r->r.oracle.breach),
			"blocked", jsonio_u64(r->r.oracle.blocked)));
		bad |= json_object_set_new(o, "rogue", json_pack("{s:o, s:o}",
			"attempts", jsonio_u64(r->r.rogue_attempts),
			"successes", jsonio_u64(r->r.rogue_successes)));
	}
	bad |= json_object_set_new(o, "iotlb", json_pack("{s:o, s:o}",
		"hits", jsonio_u64(r->r.iommu.iotlb_hits),
		"misses", jsonio_u64(r->r.iommu.iotlb_misses)));
	bad |= json_object_set_new(o, "cmdq", json_pack("{s:o, s:o}",
		"cmds", jsonio_u64(r->r.iommu.cmds), "syncs", jsonio_u64(r->r.iommu.syncs)));
	bad |= json_object_set_new(o, "reuse", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
		" s:o, s:o, s:o, s:o}",
		"hits", jsonio_u64(r->r.reuse.hits), "misses", jsonio_u64(r->r.reuse.misses),
		"maps", jsonio_u64(r->r.reuse.maps), "unmaps", jsonio_u64(r->r.reuse.unmaps),
		"bytes_copied", jsonio_u64(r->r.reuse.bytes_copied),
		"reclaimed", jsonio_u64(r->r.reuse.reclaimed),
		"evicted", jsonio_u64(r->r.reuse.evicted),
		"deferred", jsonio_u64(r->r.reuse.deferred),
		"pages_deferred", jsonio_u64(r->r.reuse.pages_deferred),
		"flushes", jsonio_u64(r->r.reuse.flushes),
		"batch_max", jsonio_u64(r->r.reuse.batch_max)));
	bad |= json_object_set_new(o, "note", jsonio_text(r->r.note));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The run as JSON (layout: jsonio.c), built with jansson: the parameters,
 * the platform, one object per strategy and the best-strategy line.
 * Return: 0, or -1 after saying why.
 */
int run_print_json(FILE *f, const struct run_cfg *c, const struct run_row *rows, int n)
{
	const struct platform_profile *p = &c->prof;
	json_t *doc, *sources, *results;
	json_error_t jerr;
	char line[512];
	FILE *m;
	int bad = 0;

	m = fmemopen(line, sizeof(line), "w");
	if (!m) {
		fprintf(stderr, "%s: run: cannot build the JSON output: %s\n", prog,
			strerror(errno));
		return -1;
	}
	best_line(m, c, rows, n);
	fclose(m);
	line[strcspn(line, "\n")] = '\0';
	sources = json_array();
	for (unsigned int i = 0; i < p->nsources; i++)
		bad |= json_array_append_new(sources, jsonio_text(p->sources[i]));
	results = json_array();
	for (int i = 0; i < n; i++)
		bad |= json_array_append_new(results, row_json(&rows[i]));
	if (bad) {
		json_decref(sources);
		json_decref(results);
		fprintf(stderr, "%s: run: cannot build the JSON output: out of memory\n", prog);
		return -1;
	}
	doc = json_pack_ex(&jerr, 0,
		"{s:s, s:o, s:s, s:s, s:I, s:I, s:o, s:o, s:s, s:s, s:b, s:b, s:s, s:b, s:I,"
		" s:{s:o, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}, s:o, s:o}",
		"benchmark", "run", "command", jsonio_text(cmdline), "workload", run_wl_names[c->wl],
		"unit", run_wl_units[c->wl],
		"threads", (json_int_t)c->threads, "seconds", (json_int_t)c->seconds,
		"ops", jsonio_u64(c->ops), "seed", jsonio_u64(c->seed),
		"clock", c->virtual_cost ? "virtual" : "real",
		"isolation_clock", c->wl == WL_MAP ? "none" : c->virtual_iso ? "virtual" : "real",
		"rogue", (int)c->rogue, "isolation_probed", (int)(c->rogue && c->wl != WL_MAP),
		"completion", run_completion_names[c->completion], "poll", (int)c->poll,
		"batch_size", (json_int_t)(c->batch_size ? c->batch_size : p->batch_size ?
					   p->batch_size : RBATCH_DEFAULT_SIZE),
		"platform", "name", jsonio_text(p->name), "iotlb_sets", (json_int_t)p->iotlb_sets,
		"iotlb_ways", (json_int_t)p->iotlb_ways,
		"cmdq_model", p->cmdq_model == CMDQ_LOCK ? "lock" :
			      p->cmdq_model == CMDQ_ECMDQ ? "ecmdq" : "lockfree",
		"cmdq_issue_ns", jsonio_u64(p->cmdq_issue_ns),
		"cmdq_issue_per_cmd_ns", jsonio_u64(p->cmdq_issue_per_cmd_ns),
		"inv_range_ns", jsonio_u64(p->inv_range_ns),
		"inv_domain_ns", jsonio_u64(p->inv_domain_ns),
		"inv_all_ns", jsonio_u64(p->inv_all_ns), "sync_ns", jsonio_u64(p->sync_ns),
		"iotlb_miss_ns", jsonio_u64(p->iotlb_miss_ns), "sources", sources,
		"results", results, "best", jsonio_text(line));
	if (!doc) {
		fprintf(stderr, "%s: run: cannot build the JSON output: %s\n", prog, jerr.text);
		return -1;
	}
	bad = jsonio_write(f, doc);
	json_decref(doc);
	if (bad)
		fprintf(stderr, "%s: run: writing the JSON output failed: %s\n", prog,
			strerror(errno ? errno : EIO));
	return bad;
}

/*
 * The run as CSV: a header line, then one line per row; an n/a row leaves
 * its figures empty and says why in the last column.  Text fields go
 * through csv_field() (RFC 4180 quoting), so a why with commas or quotes
 * stays one field for a spreadsheet or gnuplot.
 */
void run_print_csv(FILE *f, const struct run_row *rows, int n)
{
	fprintf(f, "strategy,applies,ops,ops_per_s,dma_ns_per_op,p50_ns,p99_ns,invalidations_per_op,"
		"bytes_copied_per_op,iotlb_miss_rate,pages_pinned,isolation,ok,stale,subpage,breach,"
		"verified,mode,mechanism,isolating,why\n");
	for (int i = 0; i < n; i++) {
		const struct run_row *r = &rows[i];

		csv_field(f, reuse_strategy_name(r->s));
		if (!r->applies || r->err) {
			fprintf(f, ",false,,,,,,,,,,,,,,,,");
			csv_field(f, reuse_mode_name(r->pair.mode));
			fputc(',', f);
			csv_field(f, reuse_mech_name(r->pair.mech));
			fprintf(f, ",%s,", reuse_pair_isolating(r->pair) ? "true" : "false");
			csv_field(f, r->why);
			fputc('\n', f);
			continue;
		}
		fprintf(f, ",true,%" PRIu64 ",%.1f,%.1f,%" PRIu64 ",%" PRIu64 ",%.3f,%.1f,%.4f,%" PRIu64
			",", r->r.ops, ops_per_s(r), dma_per_op(r),
			wl_latency_quantile(&r->r.lat, 0.5), wl_latency_quantile(&r->r.lat, 0.99),
			per_op(r->r.iommu.cmds, r),
			per_op(r->r.reuse.bytes_copied + r->r.dma.bounce_bytes, r), miss_rate(r) / 100,
			r->r.reuse.pages_pinned);
		csv_field(f, isolation(r));
		if (r->r.watched)
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, r->r.oracle.ok,
				r->r.oracle.stale, r->r.oracle.subpage, r->r.oracle.breach);
		else
			fprintf(f, ",,,,");
		fprintf(f, ",%s,", run_row_verified(r) ? "true" : "false");
		csv_field(f, reuse_mode_name(r->pair.mode));
		fputc(',', f);
		csv_field(f, reuse_mech_name(r->pair.mech));
		fprintf(f, ",%s,\n", reuse_pair_isolating(r->pair) ? "true" : "false");
	}
}

