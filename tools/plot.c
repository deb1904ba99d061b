// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * plot.c - `dmabench plot FILE.json -o FILE.svg|FILE.png`: the chart of
 * what `dmabench run`, `scale` or `sweep` wrote, drawn by gnuplot.
 *
 * The chart follows the file's "benchmark" field (a run's JSON written
 * before that field existed has none and is a run):
 *   run    one bar per strategy, DMA-layer CPU ns per operation on a log
 *          scale (strict and a reuse hit differ by orders of magnitude),
 *          each bar coloured by the isolation the oracle measured, and the
 *          isolation and breach count under its name;
 *   sweep  map's ns per map+unmap pair against the buffer size, log-log,
 *          one line per strategy, the bounce/strict crossover marked;
 *   scale  ns per operation against simulated CPUs, log-log, one line per
 *          strategy.
 * Each has axis titles with units, a legend, and the workload, platform
 * and command line in its title.
 *
 * Nothing in the file is trusted.  jansson parses it (so any layout, key
 * order or indentation reads the same; duplicate keys are refused), and
 * every field a chart uses is checked for type and range before anything
 * is drawn: the first problem exits 2 with one message naming the file and
 * the place -- line:column for a syntax error, the JSON path
 * (`results[3].dma_ns_per_op`) for a field.  The output is written only
 * after the whole file has been accepted, through a temporary file renamed
 * into place (output.c).
 *
 * gnuplot reads a script this file writes, on a pipe, as the file
 * /dev/stdin (so its first error ends it, non-zero).  Numbers reach the
 * script as numbers printed here, in data blocks holding nothing else.
 * Every string from the JSON (strategy, isolation, workload, unit and
 * platform names, the command line, the crossover text) was checked free
 * of control characters -- so none can end a command line or a data block
 * -- and lands in the script only inside single-quoted gnuplot strings,
 * each of its quotes a "'" of its own (gp_str()): inside single quotes
 * gnuplot expands neither backslash escapes, nor `backquote` commands, nor
 * @macros, so a string stays a string.  Enhanced text is off (noenhanced), so ^ _ @ & { } in a
 * name are drawn as they are; the svg terminal escapes < and & itself.
 * GNUPLOT in the environment names another gnuplot binary;
 * DMABENCH_PLOT_SCRIPT set prints the script on stderr (diagnosis).
 *
 * Size: over 800 lines, on purpose: one command with three chart kinds
 * (run, scale, sweep) over one JSON reader and one gnuplot driver; each
 * kind is a section of its own and shares the reader's checks.
 */
#include "dmabench.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SERIES 64		/* results a chart holds (a run has one per strategy) */
#define MAX_POINTS 64		/* cells per result (scale, sweep) */
#define MAX_NS 1e12		/* ns per op the axis goes up to: 1000 s */
#define MAX_TEXT 63		/* characters of a name, an isolation or a unit */
#define MAX_LINE 4095		/* characters of the command line, the crossover text */
#define TITLE_CMD 110		/* characters of the command line shown in the title */

enum kind { K_RUN, K_SCALE, K_SWEEP };
enum fmt { F_SVG, F_PNG };

struct series {
	const char *name, *iso;	/* into the parsed document */
	bool applies;
	double ns;		/* run: the bar */
	long long breach;	/* run: -1 when no oracle watched the row */
	int npts;		/* scale, sweep: the points that ran */
	double x[MAX_POINTS], y[MAX_POINTS];
};

struct chart {
	const char *file;	/* for messages */
	enum kind kind;
	const char *workload, *unit, *platform, *command;	/* command may be NULL */
	const char *note;	/* run: what the isolation pass did; scale: the queue */
	bool probed;		/* run: isolation probed by the rogue */
	struct series s[MAX_SERIES];
	int n;
	double maxv;
	long long below, from;	/* sweep: the crossover (0 = none) */
	const char *cross_text;	/* sweep; may be NULL */
};

__attribute__((format(printf, 3, 4)))
static int bad_field(const struct chart *c, const char *path, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	msg_error("plot: %s: %s: %s", c->file, path, text);
	return -1;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE: return "true";
	case JSON_FALSE: return "false";
	case JSON_NULL: return "null";
	}
	return "something else";
}

/* "results[3].dma_ns_per_op" from @at ("" for the top) and @key. */
static const char *path_of(char *buf, size_t len, const char *at, const char *key)
{
	snprintf(buf, len, "%s%s%s", at, *at ? "." : "", key);
	return buf;
}

/* @obj's member @key: a string of 1-@max characters, no control character. */
static int get_text_max(const struct chart *c, const json_t *obj, const char *at,
			const char *key, size_t max, const char **out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];
	const char *s;
	size_t len;

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected a string)");
	if (!json_is_string(v))
		return bad_field(c, path, "expected a string, got %s", type_name(v));
	s = json_string_value(v);
	len = json_string_length(v);
	if (!len || len > max)
		return bad_field(c, path, "expected a string of 1-%zu characters, got %zu", max,
				 len);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad_field(c, path, "control character 0x%02x in the string "
					 "(expected printable text)", (unsigned char)s[i]);
	*out = s;
	return 0;
}

static int get_text(const struct chart *c, const json_t *obj, const char *at, const char *key,
		    const char **out)
{
	return get_text_max(c, obj, at, key, MAX_TEXT, out);
}

/* @obj's member @key: a finite number in [0, @max]. */
static int get_number(const struct chart *c, const json_t *obj, const char *at,
		      const char *key, double max, double *out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];
	double x;

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected a number)");
	if (!json_is_number(v))
		return bad_field(c, path, "expected a number, got %s", type_name(v));
	x = json_number_value(v);
	if (!isfinite(x) || x < 0 || x > max)
		return bad_field(c, path, "%g is out of range (expected 0-%g)", x, max);
	*out = x;
	return 0;
}

/* @obj's member @key: an integer in [@lo, @hi]. */
static int get_int(const struct chart *c, const json_t *obj, const char *at, const char *key,
		   long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected an integer)");
	if (!json_is_integer(v))
		return bad_field(c, path, "expected an integer, got %s", type_name(v));
	if (json_integer_value(v) < lo || json_integer_value(v) > hi)
		return bad_field(c, path, "%lld is out of range (expected %lld-%lld)",
				 (long long)json_integer_value(v), lo, hi);
	*out = json_integer_value(v);
	return 0;
}

/* @obj's member @key: an integer in [0, INT64_MAX]. */
static int get_count(const struct chart *c, const json_t *obj, const char *at,
		     const char *key, long long *out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (v && json_is_integer(v) && json_integer_value(v) < 0)
		return bad_field(c, path, "%lld is out of range (expected 0 or more)",
				 (long long)json_integer_value(v));
	return get_int(c, obj, at, key, 0, INT64_MAX, out);
}

/* @obj's member @key: true or false. */
static int get_bool(const struct chart *c, const json_t *obj, const char *at, const char *key,
		    bool *out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected true or false)");
	if (!json_is_boolean(v))
		return bad_field(c, path, "expected true or false, got %s", type_name(v));
	*out = json_is_true(v);
	return 0;
}

/* @obj's member @key: an object (into @out). */
static int get_object(const struct chart *c, const json_t *obj, const char *at,
		      const char *key, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected an object)");
	if (!json_is_object(v))
		return bad_field(c, path, "expected an object, got %s", type_name(v));
	*out = v;
	return 0;
}

/* @obj's member @key: an array of 1-@max elements (into @out). */
static int get_array(const struct chart *c, const json_t *obj, const char *at,
		     const char *key, size_t max, const json_t **out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected an array)");
	if (!json_is_array(v))
		return bad_field(c, path, "expected an array, got %s", type_name(v));
	if (!json_array_size(v) || json_array_size(v) > max)
		return bad_field(c, path, "expected 1-%zu elements, got %zu", max,
				 json_array_size(v));
	*out = v;
	return 0;
}

/* results[@i]: an object with a strategy name and applies. */
static int read_head(struct chart *c, const json_t *row, int i, char *at, size_t atlen)
{
	struct series *s = &c->s[i];

	snprintf(at, atlen, "results[%d]", i);
	if (!json_is_object(row))
		return bad_field(c, at, "expected an object, got %s", type_name(row));
	if (get_text(c, row, at, "strategy", &s->name) ||
	    get_bool(c, row, at, "applies", &s->applies))
		return -1;
	s->iso = "n/a";
	s->breach = -1;
	return 0;
}

static int read_bar(struct chart *c, const json_t *row, int i)
{
	struct series *b = &c->s[i];
	const json_t *oracle;
	char at[32];

	if (read_head(c, row, i, at, sizeof(at)))
		return -1;
	if (!b->applies)
		return 0;
	if (get_number(c, row, at, "dma_ns_per_op", MAX_NS, &b->ns) ||
	    get_text(c, row, at, "isolation", &b->iso))
		return -1;
	/* Rows without an isolation run (the map workload) have no oracle. */
	oracle = json_object_get(row, "oracle");
	if (oracle) {
		char opath[48];

		snprintf(opath, sizeof(opath), "%s.oracle", at);
		if (get_object(c, row, at, "oracle", &oracle) ||
		    get_count(c, oracle, opath, "breach", &b->breach))
			return -1;
	}
	if (b->ns > c->maxv)
		c->maxv = b->ns;
	return 0;
}

/*
 * The cells of results[@i] (scale, sweep): each an object with @xkey, an
 * integer in [1, @xmax], and ok; those ok have dma_ns_per_op.
 */
static int read_line(struct chart *c, const json_t *row, int i, const char *xkey,
		     long long xmax)
{
	struct series *s = &c->s[i];
	const json_t *cells, *cell;
	char at[32], cat[64];
	size_t k;

	if (read_head(c, row, i, at, sizeof(at)))
		return -1;
	if (!s->applies)
		return 0;
	if (get_array(c, row, at, "cells", MAX_POINTS, &cells))
		return -1;
	json_array_foreach(cells, k, cell) {
		long long x;
		bool ok;

		snprintf(cat, sizeof(cat), "%s.cells[%zu]", at, k);
		if (!json_is_object(cell))
			return bad_field(c, cat, "expected an object, got %s", type_name(cell));
		if (get_int(c, cell, cat, xkey, 1, xmax, &x) || get_bool(c, cell, cat, "ok", &ok))
			return -1;
		if (!ok)
			continue;
		if (get_number(c, cell, cat, "dma_ns_per_op", MAX_NS, &s->y[s->npts]))
			return -1;
		s->x[s->npts++] = (double)x;
		if (s->y[s->npts - 1] > c->maxv)
			c->maxv = s->y[s->npts - 1];
	}
	return 0;
}

/* An optional member: absent is fine, present must be a valid string. */
static int opt_text(const struct chart *c, const json_t *obj, const char *key, size_t max,
		    const char **out)
{
	*out = NULL;
	if (!json_object_get(obj, key))
		return 0;
	return get_text_max(c, obj, "", key, max, out);
}

/* The crossover of a sweep: absent, or its two sizes (each null or an integer). */
static int read_crossover(struct chart *c, const json_t *root)
{
	const json_t *x = json_object_get(root, "crossover");
	static const char *const keys[] = { "bounce_below_bytes", "strict_from_bytes" };
	long long *dst[] = { &c->below, &c->from };

	if (!x)
		return 0;
	if (get_object(c, root, "", "crossover", &x))
		return -1;
	for (int i = 0; i < 2; i++) {
		const json_t *v = json_object_get(x, keys[i]);

		*dst[i] = 0;
		if (v && json_is_null(v))
			continue;
		if (get_int(c, x, "crossover", keys[i], 1, 1ll << 40, dst[i]))
			return -1;
	}
	return opt_text(c, x, "text", MAX_LINE, &c->cross_text);
}

/* Check @root and fill @c; every string stays inside @root. */
static int read_chart(struct chart *c, const json_t *root)
{
	const json_t *bench, *platform, *results, *row;
	const char *kind = "run";
	size_t i;

	if (!json_is_object(root))
		return bad_field(c, "(top level)", "expected an object, got %s", type_name(root));
	bench = json_object_get(root, "benchmark");
	if (bench && get_text(c, root, "", "benchmark", &kind))
		return -1;
	if (!strcmp(kind, "run"))
		c->kind = K_RUN;
	else if (!strcmp(kind, "scale"))
		c->kind = K_SCALE;
	else if (!strcmp(kind, "sweep"))
		c->kind = K_SWEEP;
	else if (!strcmp(kind, "map"))
		return bad_field(c, "benchmark", "'map' holds one run of one strategy: nothing "
				 "to chart (expected the JSON of %s run, scale or sweep; sweep "
				 "charts map's cost against buffer size)", prog);
	else
		return bad_field(c, "benchmark", "'%s' is not a kind plot draws (expected run, "
				 "scale or sweep)", kind);
	if (get_text(c, root, "", "workload", &c->workload) ||
	    get_text(c, root, "", "unit", &c->unit) ||
	    opt_text(c, root, "command", MAX_LINE, &c->command))
		return -1;
	if (c->kind == K_RUN) {
		const json_t *probed = json_object_get(root, "isolation_probed");
		const char *iclock = NULL;

		if (get_object(c, root, "", "platform", &platform) ||
		    get_text(c, platform, "platform", "name", &c->platform))
			return -1;
		/* Files from before the rogue was the default say "rogue". */
		c->probed = false;
		if (probed ? get_bool(c, root, "", "isolation_probed", &c->probed) :
		    json_object_get(root, "rogue") ? get_bool(c, root, "", "rogue", &c->probed) : 0)
			return -1;
		if (opt_text(c, root, "isolation_clock", MAX_TEXT, &iclock))
			return -1;
		c->note = !c->probed ? "isolation not probed: the device touched only what it "
				       "was lent" :
			  iclock && !strcmp(iclock, "virtual") ?
				"isolation probed by a rogue device, in virtual time" :
				"isolation probed by a rogue device";
	} else {
		if (get_text(c, root, "", "platform", &c->platform) ||
		    opt_text(c, root, "cmdq_model", MAX_TEXT, &c->note))
			return -1;
		if (c->kind == K_SWEEP && read_crossover(c, root))
			return -1;
	}
	results = json_object_get(root, "results");
	if (!results)
		return bad_field(c, "results", "missing (expected an array of results)");
	if (!json_is_array(results))
		return bad_field(c, "results", "expected an array, got %s", type_name(results));
	if (!json_array_size(results) || json_array_size(results) > MAX_SERIES)
		return bad_field(c, "results", "expected 1-%d results, got %zu", MAX_SERIES,
				 json_array_size(results));
	c->maxv = 1;
	json_array_foreach(results, i, row) {
		int ret = c->kind == K_RUN ? read_bar(c, row, (int)i) :
			  c->kind == K_SCALE ? read_line(c, row, (int)i, "cpus", 1 << 20) :
			  read_line(c, row, (int)i, "size", 1ll << 40);

		if (ret)
			return -1;
		c->n++;
	}
	return 0;
}

/* ---- the gnuplot script -------------------------------------------------- */

/*
 * @s as a gnuplot string expression, cut at @max bytes (on a UTF-8
 * character boundary, "..." added).  The text goes in single quotes, where
 * gnuplot expands nothing.  A quote of @s cannot always be written there as
 * a doubled quote: gnuplot 5.4 reads the pair only after another character
 * of the string, so a string opening with a quote, or two quotes in a row,
 * is a syntax error (found by tests/fuzz/fuzz_plot).  So each quote is a
 * piece of its own, "'" (no backslash, backquote or @ in it: nothing to
 * expand), and a string with quotes is its pieces joined by '.' in
 * parentheses.  @s holds no control character (read_chart() checked), so
 * it cannot end the line.
 */
static void gp_str(FILE *o, const char *s, size_t max)
{
	size_t len = strlen(s);
	bool cut = len > max, open = false, first = true;

	if (cut) {
		len = max;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	if (!memchr(s, '\'', len)) {
		fprintf(o, "'%.*s%s'", (int)len, s, cut ? "..." : "");
		return;
	}
	fputc('(', o);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\'') {
			fputs(open ? "' . \"'\"" : first ? "\"'\"" : " . \"'\"", o);
			open = false;
		} else {
			if (!open)
				fputs(first ? "'" : " . '", o);
			open = true;
			fputc(s[i], o);
		}
		first = false;
	}
	if (cut)
		fputs(open ? "...'" : " . '...'", o);
	else if (open)
		fputc('\'', o);
	fputc(')', o);
}

static const char *colour(const char *iso)
{
	if (!strcmp(iso, "buffer") || !strcmp(iso, "copy"))
		return "#2e7d32";
	if (!strcmp(iso, "page"))
		return "#7cb342";
	if (!strcmp(iso, "window"))
		return "#f9a825";
	if (!strcmp(iso, "breached"))
		return "#c62828";
	if (!strcmp(iso, "none"))
		return "#6d4c41";
	return "#546e7a";
}

/* The legend of the run chart: each class once, in this order, if present. */
static const struct {
	const char *iso, *text;
} iso_legend[] = {
	{ "buffer", "buffer: only lent bytes reached" },
	{ "copy", "copy: only bounce buffers reached" },
	{ "page", "page: sub-page neighbours of lent bytes" },
	{ "window", "window: buffers reached outside their lending" },
	{ "breached", "breached: a freed page reached" },
	{ "none", "none: passthrough, all memory" },
};

/* Line colours and point types of the line charts, cycled. */
static const char *const line_colours[] = {
	"#6d4c41", "#c62828", "#f9a825", "#1565c0", "#2e7d32", "#6a1b9a", "#00838f",
	"#ef6c00", "#37474f", "#ad1457", "#558b2f", "#4e342e",
};

static void terminal(FILE *o, enum fmt fmt)
{
	if (fmt == F_SVG)
		fputs("set terminal svg size 1000,580 dynamic noenhanced font 'sans,11' "
		      "background '#ffffff'\n", o);
	else
		fputs("set terminal pngcairo size 1200,700 noenhanced font 'sans,10' "
		      "background '#ffffff'\n", o);
	fputs("set termoption noenhanced\nset encoding utf8\n", o);
}

/* The title: what is drawn, on what; @extra; the command that made the file. */
static void title(FILE *o, const struct chart *c, const char *what, const char *extra)
{
	fputs("set title ", o);
	gp_str(o, c->workload, MAX_TEXT);
	fputs(" . ' on ' . ", o);
	gp_str(o, c->platform, MAX_TEXT);
	fprintf(o, " . ': %s' . ", what);
	gp_str(o, c->unit, MAX_TEXT);
	if (extra) {
		fputs(" . \"\\n\" . ", o);
		gp_str(o, extra, MAX_LINE);
	}
	if (c->command) {
		fputs(" . \"\\n\" . '$ ' . ", o);
		gp_str(o, c->command, TITLE_CMD);
	}
	fputc('\n', o);
}

/* 10^k just above @v: the top of a log axis. */
static double log_top(double v)
{
	return pow(10, ceil(log10(v * 2)));
}

static void script_run(FILE *o, const struct chart *c)
{
	bool seen[ARRAY_SIZE(iso_legend)] = { false };
	bool first = true;

	title(o, c, "DMA-layer CPU time per ", c->note);
	/* A decade of headroom above the tallest bar holds the legend. */
	fprintf(o, "set logscale y 10\nset yrange [1:%g]\nset xrange [-0.6:%g]\n",
		log_top(c->maxv) * 10, c->n - 0.4);
	fputs("set style fill solid 0.9 border lc rgb '#333333'\nset boxwidth 0.6\n"
	      "set grid ytics\nset format y '%.0f'\nset bmargin 8\nset key inside top left Left reverse "
	      "box opaque\n", o);
	fputs("set ylabel 'DMA-layer CPU time per ' . ", o);
	gp_str(o, c->unit, MAX_TEXT);
	fputs(" . ' (ns, log scale)'\n", o);
	fputs("set xlabel 'strategy: under each, the isolation the oracle measured and the "
	      "breaches it saw' offset 0,-2\n", o);
	fputs("set xtics (", o);
	for (int i = 0; i < c->n; i++) {
		const struct series *b = &c->s[i];
		char under[48];

		if (!b->applies)
			snprintf(under, sizeof(under), " ");
		else if (b->breach < 0)
			snprintf(under, sizeof(under), "no oracle");
		else if (!c->probed)
			snprintf(under, sizeof(under), "breach %lld (not probed)", b->breach);
		else
			snprintf(under, sizeof(under), "breach %lld", b->breach);
		fputs(i ? ", " : "", o);
		gp_str(o, b->name, MAX_TEXT);
		fputs(" . \"\\n\" . ", o);
		gp_str(o, b->iso, MAX_TEXT);
		fprintf(o, " . \"\\n\" . '%s' %d", under, i);
	}
	fputs(")\n$bars << EOD\n", o);
	for (int i = 0; i < c->n; i++) {
		const struct series *b = &c->s[i];

		if (b->applies)
			fprintf(o, "%d %.6g %ld\n", i, b->ns < 1 ? 1 : b->ns,
				strtol(colour(b->iso) + 1, NULL, 16));
	}
	fputs("EOD\n", o);
	/* A chart whose rows all failed or do not apply still draws its axes. */
	fputs("plot $bars using 1:2:3 with boxes lc rgb variable notitle, "
	      "$bars using 1:2:(sprintf('%.0f', $2)) with labels offset 0,0.8 notitle", o);
	for (int i = 0; i < c->n; i++)
		for (size_t k = 0; k < ARRAY_SIZE(iso_legend); k++)
			if (c->s[i].applies && !strcmp(c->s[i].iso, iso_legend[k].iso))
				seen[k] = true;
	for (size_t k = 0; k < ARRAY_SIZE(iso_legend); k++)
		if (seen[k]) {
			fprintf(o, ", keyentry with boxes lc rgb '%s' title '%s'",
				colour(iso_legend[k].iso), iso_legend[k].text);
			first = false;
		}
	if (first)
		fputs(", keyentry with boxes lc rgb '#546e7a' title 'no row ran'", o);
	fputc('\n', o);
}

/* "4 KiB" of @bytes, for the sweep's tics. */
static void size_label(char *buf, size_t len, double bytes)
{
	if (bytes >= 1048576 && !fmod(bytes, 1048576))
		snprintf(buf, len, "%.0f MiB", bytes / 1048576);
	else if (bytes >= 1024 && !fmod(bytes, 1024))
		snprintf(buf, len, "%.0f KiB", bytes / 1024);
	else
		snprintf(buf, len, "%.0f B", bytes);
}

static void script_lines(FILE *o, const struct chart *c)
{
	double xs[MAX_SERIES * MAX_POINTS];
	int nx = 0, drawn = 0;
	bool na = false;

	if (c->kind == K_SCALE) {
		char extra[96];

		snprintf(extra, sizeof(extra), "virtual time%s%s%s", c->note ? ", " : "",
			 c->note ? c->note : "", c->note ? " command queue" : "");
		title(o, c, "DMA-layer CPU time per ", extra);
		fputs("set xlabel 'simulated CPUs (log scale)'\nset logscale x 2\n", o);
	} else {
		title(o, c, "DMA-layer CPU time per map+unmap ", c->cross_text);
		fputs("set xlabel 'buffer size (bytes, log scale)'\nset logscale x 2\n", o);
	}
	fputs("set ylabel 'DMA-layer CPU time per ' . ", o);
	gp_str(o, c->unit, MAX_TEXT);
	fputs(" . ' (ns, log scale)'\n", o);
	fprintf(o, "set logscale y 10\nset yrange [*:%g]\nset grid xtics ytics\n"
		"set format y '%%.0f'\n"
		"set key outside right top\nset offsets graph 0.03, graph 0.03, 0, 0\n",
		log_top(c->maxv));
	/* One tic per x any line has, labelled as a count or a size. */
	for (int i = 0; i < c->n; i++)
		for (int k = 0; k < c->s[i].npts; k++) {
			bool dup = false;

			for (int j = 0; j < nx && !dup; j++)
				dup = xs[j] == c->s[i].x[k];
			if (!dup)
				xs[nx++] = c->s[i].x[k];
		}
	fputs("set xtics (", o);
	for (int j = 0; j < nx; j++) {
		char lab[32];

		if (c->kind == K_SWEEP)
			size_label(lab, sizeof(lab), xs[j]);
		else
			snprintf(lab, sizeof(lab), "%.0f", xs[j]);
		fprintf(o, "%s'%s' %.0f", j ? ", " : "", lab, xs[j]);
	}
	fputs(nx ? ")\n" : "1)\n", o);
	if (c->kind == K_SWEEP && c->below && c->from && c->from > c->below) {
		double at = sqrt((double)c->below * (double)c->from);

		fprintf(o, "set arrow from %.0f, graph 0 to %.0f, graph 1 nohead dt 2 lw 2 "
			"lc rgb '#555555'\n", at, at);
		fprintf(o, "set label 'bounce stops beating strict' at %.0f, graph 0.96 "
			"right offset -0.5,0 textcolor rgb '#555555'\n", at);
	}
	for (int i = 0; i < c->n; i++) {
		const struct series *s = &c->s[i];

		if (!s->npts)
			continue;
		fprintf(o, "$s%d << EOD\n", i);
		for (int k = 0; k < s->npts; k++)
			fprintf(o, "%.0f %.6g\n", s->x[k], s->y[k] < 1 ? 1 : s->y[k]);
		fputs("EOD\n", o);
	}
	fputs("plot ", o);
	for (int i = 0; i < c->n; i++) {
		const struct series *s = &c->s[i];
		size_t k = (size_t)i % ARRAY_SIZE(line_colours);

		if (!s->npts) {
			na = true;
			continue;
		}
		fprintf(o, "%s$s%d using 1:2 with linespoints lw 2 pt %d ps 1.2 lc rgb '%s' "
			"title ", drawn ? ", " : "", i, 1 + i % 13, line_colours[k]);
		gp_str(o, s->name, MAX_TEXT);
		drawn++;
	}
	if (na)
		for (int i = 0; i < c->n; i++)
			if (!c->s[i].npts) {
				fputs(drawn ? ", keyentry with lines lc rgb '#bbbbbb' title " :
				      "keyentry with lines lc rgb '#bbbbbb' title ", o);
				gp_str(o, c->s[i].name, MAX_TEXT);
				fputs(" . (': n/a')", o);
				drawn++;
			}
	fputc('\n', o);
}

/* ---- running gnuplot ----------------------------------------------------- */

/*
 * Feed @script to gnuplot, its output into @out.  Return: 0, or -1 after
 * saying why (gnuplot missing, failed, or wrote nothing).
 */
int plot_render(const char *script, size_t len, FILE *out)
{
	const char *gp = getenv("GNUPLOT");
	void (*old)(int);
	int in[2], st, fail = 0;
	struct stat sb;
	pid_t pid;

	if (!gp || !*gp)
		gp = "gnuplot";
	if (fflush(out) || pipe(in)) {
		fprintf(stderr, "%s: plot: cannot start gnuplot: %s\n", prog, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: plot: cannot start gnuplot: %s\n", prog, strerror(errno));
		close(in[0]);
		close(in[1]);
		return -1;
	}
	if (!pid) {
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(fileno(out), STDOUT_FILENO) < 0)
			_exit(126);
		close(in[0]);
		close(in[1]);
		execlp(gp, gp, "/dev/stdin", (char *)NULL);
		fprintf(stderr, "%s: plot: cannot run '%s': %s (install gnuplot: Debian's "
			"gnuplot-nox, as tools/install-deps.sh does)\n", prog, gp, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	old = signal(SIGPIPE, SIG_IGN);	/* a gnuplot that died early: EPIPE, not death */
	for (size_t off = 0; off < len && !fail;) {
		ssize_t w = write(in[1], script + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail = 1;
		else
			off += (size_t)w;
	}
	close(in[1]);
	signal(SIGPIPE, old);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "%s: plot: waiting for gnuplot: %s\n", prog, strerror(errno));
			return -1;
		}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return -1;	/* the child said why */
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "%s: plot: gnuplot failed (%s %d)\n", prog,
			WIFEXITED(st) ? "exit status" : "signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
		return -1;
	}
	if (fail || fstat(fileno(out), &sb) || (S_ISREG(sb.st_mode) && !sb.st_size)) {
		fprintf(stderr, "%s: plot: gnuplot wrote no chart\n", prog);
		return -1;
	}
	return 0;
}

static void plot_help(void)
{
	printf("usage: %s plot FILE.json -o FILE.svg|FILE.png [--format svg|png]\n"
	       "Draws the JSON that '%s run', 'scale' or 'sweep' wrote (--format json or\n"
	       "run --json), with gnuplot, the chart picked by the file's \"benchmark\":\n"
	       "  run    DMA-layer ns per operation per strategy (log scale), each bar\n"
	       "         coloured by the isolation the oracle measured, breaches under it\n"
	       "  sweep  ns per map+unmap pair against buffer size, one line per strategy\n"
	       "         (log-log), the bounce/strict crossover marked\n"
	       "  scale  ns per operation against simulated CPUs, one line per strategy\n"
	       "         (log-log)\n"
	       "The output's format follows its name (.svg or .png) unless --format says.\n"
	       "A file that is not such JSON (a syntax error, a missing field, a field of\n"
	       "the wrong type or out of range) is refused naming the place, exit 2, and\n"
	       "nothing is written.  Needs gnuplot (Debian: gnuplot-nox; GNUPLOT names\n"
	       "another binary).\n", prog, prog);
}

/* The format -o's name asks for: its extension, case-insensitively; -1 if none. */
static int fmt_of(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (dot && !strcasecmp(dot, ".svg"))
		return F_SVG;
	if (dot && !strcasecmp(dot, ".png"))
		return F_PNG;
	return -1;
}

int plot_parse(int argc, char **argv, struct plot_args *a)
{
	static const char *const formats[] = { "svg", "png" };
	const char *in = NULL, *outp = NULL;
	int fmt = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i == argc)
				usage_error("plot: %s: missing value", argv[i - 1]);
			if (outp)
				usage_error("plot: -o/--output given twice (expected once)");
			if (!*argv[i])
				usage_error("plot: %s: empty value (expected a file to write)",
					    argv[i - 1]);
			outp = argv[i];
		} else if (!strcmp(argv[i], "--format")) {
			if (++i == argc)
				usage_error("plot: --format: missing value");
			if (fmt >= 0)
				usage_error("plot: --format given twice (expected once)");
			fmt = parse_choice("--format", argv[i], "a chart format", formats,
					   (int)ARRAY_SIZE(formats));
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			plot_help();
			return 1;
		} else if (argv[i][0] == '-') {
			usage_error("plot: unknown option '%s' (see '%s plot --help')", argv[i],
				    prog);
		} else if (!in) {
			in = argv[i];
		} else {
			usage_error("plot: unexpected argument '%s' (expected one FILE.json)",
				    argv[i]);
		}
	}
	if (!in || !outp)
		usage_error("plot: expected FILE.json and -o FILE.svg or FILE.png (see '%s plot "
			    "--help')", prog);
	if (fmt < 0)
		fmt = fmt_of(outp);
	if (fmt < 0)
		usage_error("plot: -o: '%s' ends in neither .svg nor .png (expected one of them, "
			    "or --format svg|png)", outp);
	*a = (struct plot_args){ .in = in, .out = outp, .fmt = fmt };
	return 0;
}

int plot_script(const char *in, int fmt, char **script, size_t *slen)
{
	static struct chart c;
	json_error_t jerr;
	json_t *root;
	FILE *f, *s;
	int ret;

	*script = NULL;
	*slen = 0;
	memset(&c, 0, sizeof(c));
	c.file = in;
	f = fopen(in, "r");
	if (!f) {
		msg_error("plot: cannot read '%s': %s", in, strerror(errno));
		return EXIT_USAGE;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		/* jansson numbers lines and columns from 1 (-1 when it has no position). */
		msg_error("plot: %s:%d:%d: %s (byte %d; expected the JSON of %s run, scale or "
			  "sweep --format json)", in, jerr.line, jerr.column, jerr.text,
			  jerr.position, prog);
		return EXIT_USAGE;
	}
	if (read_chart(&c, root)) {
		json_decref(root);
		return EXIT_USAGE;
	}
	s = open_memstream(script, slen);
	if (!s) {
		fprintf(stderr, "%s: plot: out of memory\n", prog);
		json_decref(root);
		return 1;
	}
	terminal(s, (enum fmt)fmt);
	if (c.kind == K_RUN)
		script_run(s, &c);
	else
		script_lines(s, &c);
	ret = fclose(s);
	json_decref(root);	/* the script holds copies of every string */
	if (ret || !*script) {
		fprintf(stderr, "%s: plot: out of memory\n", prog);
		free(*script);
		*script = NULL;
		return 1;
	}
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_args a;
	struct outfile of;
	char *script;
	size_t slen;
	int ret;

	if (plot_parse(argc, argv, &a))
		return 0;	/* --help */
	ret = plot_script(a.in, a.fmt, &script, &slen);
	if (ret)
		return ret;
	if (outfile_open(&of, "plot: -o", a.out)) {
		free(script);
		return EXIT_USAGE;
	}
	if (getenv("DMABENCH_PLOT_SCRIPT"))	/* diagnosis: the script on stderr */
		fputs(script, stderr);
	if (plot_render(script, slen, of.f)) {
		outfile_abort(&of);
		free(script);
		return 1;
	}
	free(script);
	return outfile_commit(&of) ? 1 : 0;
}
