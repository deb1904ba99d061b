// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * plot.c - `dmabench plot FILE.json -o FILE.svg`: a bar chart of DMA-layer
 * CPU ns per operation for each strategy of a run (log scale, since strict
 * and the reuse hit paths differ by orders of magnitude), each bar coloured
 * by the isolation the oracle measured, with breach counts written under
 * the bars.  Hand-written SVG: no dependency, and the file is plain text a
 * person can diff.
 *
 * The input is parsed by jansson, so any JSON `dmabench run --format json`
 * wrote reads the same whatever its indentation, line breaks or key order.
 * Nothing is trusted: every field the chart uses is checked for type and
 * range before anything is drawn (a number must be finite and within what
 * the chart can place), duplicate keys are refused, and the first problem
 * exits 2 with one message naming the file and the place -- line:column
 * for a syntax error, the JSON path (`results[3].dma_ns_per_op`) for a
 * field.  The SVG is written only after the whole file has been accepted,
 * through a temporary file renamed into place (output.c).  Every string
 * from the file is XML-escaped where it lands in the SVG.
 */
#include "dmabench.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BARS 64		/* results a chart holds (a run has one per strategy) */
#define MAX_NS 1e12		/* ns per op the axis goes up to: 1000 s */
#define MAX_TEXT 63		/* characters of a name, an isolation or a unit */

struct bar {
	const char *name, *iso;	/* into the parsed document */
	double ns;
	long long breach;	/* -1: no oracle watched this row */
	bool applies;
};

struct chart {
	const char *file;	/* for messages */
	const char *workload, *unit, *platform;
	struct bar bars[MAX_BARS];
	int n;
	double maxv;
};

__attribute__((format(printf, 3, 4)))
static int bad_field(const struct chart *c, const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: plot: %s: %s: ", prog, c->file, path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

/* @obj's member @key: a string of 1-MAX_TEXT characters, no control character. */
static int get_text(const struct chart *c, const json_t *obj, const char *at,
		    const char *key, const char **out)
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
	if (!len || len > MAX_TEXT)
		return bad_field(c, path, "expected a string of 1-%d characters, got %zu", MAX_TEXT,
				 len);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return bad_field(c, path, "control character 0x%02x in the string "
					 "(expected printable text)", (unsigned char)s[i]);
	*out = s;
	return 0;
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

/* @obj's member @key: an integer in [0, INT64_MAX]. */
static int get_count(const struct chart *c, const json_t *obj, const char *at,
		     const char *key, long long *out)
{
	const json_t *v = json_object_get(obj, key);
	char path[96];

	path_of(path, sizeof(path), at, key);
	if (!v)
		return bad_field(c, path, "missing (expected an integer)");
	if (!json_is_integer(v))
		return bad_field(c, path, "expected an integer, got %s", type_name(v));
	if (json_integer_value(v) < 0)
		return bad_field(c, path, "%lld is out of range (expected 0 or more)",
				 (long long)json_integer_value(v));
	*out = json_integer_value(v);
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

static int read_bar(struct chart *c, const json_t *row, int i)
{
	struct bar *b = &c->bars[i];
	const json_t *applies, *oracle;
	char at[32];

	snprintf(at, sizeof(at), "results[%d]", i);
	if (!json_is_object(row))
		return bad_field(c, at, "expected an object, got %s", type_name(row));
	if (get_text(c, row, at, "strategy", &b->name))
		return -1;
	applies = json_object_get(row, "applies");
	if (!applies || !json_is_boolean(applies)) {
		char path[96];

		path_of(path, sizeof(path), at, "applies");
		if (!applies)
			return bad_field(c, path, "missing (expected true or false)");
		return bad_field(c, path, "expected true or false, got %s", type_name(applies));
	}
	b->applies = json_is_true(applies);
	b->iso = "n/a";
	b->ns = 0;
	b->breach = -1;
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

/* Check @root and fill @c; every string stays inside @root. */
static int read_chart(struct chart *c, const json_t *root)
{
	const json_t *platform, *results, *row;
	size_t i;

	if (!json_is_object(root))
		return bad_field(c, "(top level)", "expected an object, got %s", type_name(root));
	if (get_text(c, root, "", "workload", &c->workload) ||
	    get_text(c, root, "", "unit", &c->unit) ||
	    get_object(c, root, "", "platform", &platform) ||
	    get_text(c, platform, "platform", "name", &c->platform))
		return -1;
	results = json_object_get(root, "results");
	if (!results)
		return bad_field(c, "results", "missing (expected an array of results)");
	if (!json_is_array(results))
		return bad_field(c, "results", "expected an array, got %s", type_name(results));
	if (!json_array_size(results) || json_array_size(results) > MAX_BARS)
		return bad_field(c, "results", "expected 1-%d results, got %zu", MAX_BARS,
				 json_array_size(results));
	c->maxv = 1;
	json_array_foreach(results, i, row) {
		if (read_bar(c, row, (int)i))
			return -1;
		c->n++;
	}
	return 0;
}

/* @s as SVG text: the five XML special characters escaped (checked printable). */
static void svg_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", o); break;
		case '<': fputs("&lt;", o); break;
		case '>': fputs("&gt;", o); break;
		case '"': fputs("&quot;", o); break;
		case '\'': fputs("&apos;", o); break;
		default: fputc(*s, o);
		}
	}
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

static void draw(FILE *o, const struct chart *c)
{
	const int W = 120 + 90 * c->n, H = 460, top = 60, base = 360;
	double lmax = ceil(log10(c->maxv * 1.2)), lmin = 0;

	fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
	fprintf(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(o, "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">", W / 2);
	svg_text(o, c->workload);
	fputs(" on ", o);
	svg_text(o, c->platform);
	fputs(": DMA-layer CPU ns per ", o);
	svg_text(o, c->unit);
	fputs(" (log scale)</text>\n", o);
	for (int d = (int)lmin; d <= (int)lmax; d++) {
		double y = base - (d - lmin) / (lmax - lmin) * (base - top);

		fprintf(o, "<line x1=\"70\" x2=\"%d\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
			W - 20, y, y);
		fprintf(o, "<text x=\"64\" y=\"%.0f\" text-anchor=\"end\">%g</text>\n", y + 4,
			pow(10, d));
	}
	for (int i = 0; i < c->n; i++) {
		const struct bar *b = &c->bars[i];
		int x = 90 + 90 * i;

		if (b->applies && b->ns > 0) {
			double v = log10(b->ns < 1 ? 1 : b->ns);
			double y = base - (v - lmin) / (lmax - lmin) * (base - top);

			fprintf(o,
				"<rect x=\"%d\" y=\"%.0f\" width=\"60\" height=\"%.0f\" "
				"fill=\"%s\"/>\n",
				x, y, base - y, colour(b->iso));
			fprintf(o, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n",
				x + 30, y - 4, b->ns);
		}
		fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x + 30, base + 18);
		svg_text(o, b->name);
		fprintf(o, "</text>\n<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">",
			x + 30, base + 34, colour(b->iso));
		svg_text(o, b->iso);
		fputs("</text>\n", o);
		if (b->applies && b->breach >= 0)
			fprintf(o,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">breach "
				"%lld</text>\n",
				x + 30, base + 50, b->breach);
		else if (b->applies)
			fprintf(o,
				"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no oracle</text>\n",
				x + 30, base + 50);
	}
	fprintf(o, "<text x=\"20\" y=\"%d\">isolation measured by the oracle: buffer/page = "
		"kept, window = stale reach, breached = use-after-free DMA, none = "
		"passthrough</text>\n", H - 16);
	fprintf(o, "</svg>\n");
}

static void plot_help(void)
{
	printf("usage: %s plot FILE.json -o FILE.svg\n"
	       "Draws DMA-layer ns per operation per strategy (log scale), coloured by\n"
	       "measured isolation, from the JSON of '%s run --format json'.  A file that\n"
	       "is not such JSON (a syntax error, a missing field, a field of the wrong\n"
	       "type or out of range) is refused naming the place, and nothing is written.\n",
	       prog, prog);
}

int cmd_plot(int argc, char **argv)
{
	const char *in = NULL, *outp = NULL;
	struct chart c = { 0 };
	struct outfile of;
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int ret;

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
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			plot_help();
			return 0;
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
		usage_error("plot: expected FILE.json and -o FILE.svg (see '%s plot --help')",
			    prog);
	c.file = in;
	f = fopen(in, "r");
	if (!f) {
		fprintf(stderr, "%s: plot: cannot read '%s': %s\n", prog, in, strerror(errno));
		return EXIT_USAGE;
	}
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		/* jansson numbers lines and columns from 1 (-1 when it has no position). */
		fprintf(stderr, "%s: plot: %s:%d:%d: %s (byte %d; expected the JSON of %s run "
			"--format json)\n", prog, in, jerr.line, jerr.column, jerr.text,
			jerr.position, prog);
		return EXIT_USAGE;
	}
	if (read_chart(&c, root)) {
		json_decref(root);
		return EXIT_USAGE;
	}
	if (outfile_open(&of, "plot: -o", outp)) {
		json_decref(root);
		return EXIT_USAGE;
	}
	draw(of.f, &c);
	ret = outfile_commit(&of) ? 1 : 0;
	json_decref(root);
	return ret;
}
