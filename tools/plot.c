// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * plot.c - `dmabench plot FILE.json -o FILE.svg`: a bar chart of DMA-layer
 * CPU ns per operation for each strategy of a run (log scale, since strict
 * and the reuse hit paths differ by orders of magnitude), each bar coloured
 * by the isolation the oracle measured, with breach counts written under
 * the bars.  Hand-written SVG: no dependency, and the file is plain text a
 * person can diff.
 *
 * The JSON reader is deliberately small: it reads the files `dmabench run
 * --format json` writes (one result object per line) and nothing else.
 */
#include "dmabench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bar {
	char name[32], iso[16];
	double ns;
	long long breach;
	bool applies;
};

static bool field_str(const char *line, const char *key, char *out, size_t len)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\": \"", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	p += strlen(pat);
	e = strchr(p, '"');
	if (!e || (size_t)(e - p) >= len)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

static bool field_num(const char *line, const char *key, double *out)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	*out = strtod(p + strlen(pat), NULL);
	return true;
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

int cmd_plot(int argc, char **argv)
{
	const char *in = NULL, *outp = NULL;
	char line[8192], title[256] = "dmabench", unit[16] = "op";
	struct bar bars[16];
	int n = 0;
	double maxv = 1;
	FILE *f, *o;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (++i == argc)
				usage_error("plot: %s: missing value", argv[i - 1]);
			outp = argv[i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: %s plot FILE.json -o FILE.svg\nDraws DMA-layer ns per operation "
			       "per strategy (log scale), coloured by measured isolation.\n", prog);
			return 0;
		} else if (argv[i][0] == '-') {
			usage_error("plot: unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			usage_error("plot: unexpected argument '%s'", argv[i]);
		}
	}
	if (!in || !outp)
		usage_error("plot: expected FILE.json and -o FILE.svg");
	f = fopen(in, "r");
	if (!f) {
		fprintf(stderr, "%s: plot: cannot read '%s': %s\n", prog, in, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		char w[32], p[64];
		struct bar *b = &bars[n];

		if (field_str(line, "workload", w, sizeof(w)))
			snprintf(title, sizeof(title), "%s", w);
		if (field_str(line, "unit", unit, sizeof(unit)))
			continue;
		if (strstr(line, "\"platform\": {") && field_str(line, "name", p, sizeof(p)))
			snprintf(title + strlen(title), sizeof(title) - strlen(title), " on %s", p);
		if (n == 16 || !field_str(line, "strategy", b->name, sizeof(b->name)))
			continue;
		b->applies = strstr(line, "\"applies\": true") != NULL;
		b->ns = 0;
		b->breach = 0;
		strcpy(b->iso, "n/a");
		if (b->applies) {
			double v = 0;

			field_num(line, "dma_ns_per_op", &b->ns);
			field_str(line, "isolation", b->iso, sizeof(b->iso));
			if (field_num(line, "breach", &v))
				b->breach = (long long)v;
			if (b->ns > maxv)
				maxv = b->ns;
		}
		n++;
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "%s: plot: '%s' holds no results (expected dmabench run --format json)\n",
			prog, in);
		return EXIT_USAGE;
	}
	o = fopen(outp, "w");
	if (!o) {
		fprintf(stderr, "%s: plot: cannot write '%s': %s\n", prog, outp, strerror(errno));
		return EXIT_USAGE;
	}
	{
		const int W = 120 + 90 * n, H = 460, top = 60, base = 360;
		double lmax = ceil(log10(maxv * 1.2)), lmin = 0;

		fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
			"font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
		fprintf(o, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
		fprintf(o, "<text x=\"%d\" y=\"24\" font-size=\"16\" text-anchor=\"middle\">%s: DMA-layer "
			"CPU ns per %s (log scale)</text>\n", W / 2, title, unit);
		for (int d = (int)lmin; d <= (int)lmax; d++) {
			double y = base - (d - lmin) / (lmax - lmin) * (base - top);

			fprintf(o, "<line x1=\"70\" x2=\"%d\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#ddd\"/>\n",
				W - 20, y, y);
			fprintf(o, "<text x=\"64\" y=\"%.0f\" text-anchor=\"end\">%g</text>\n", y + 4,
				pow(10, d));
		}
		for (int i = 0; i < n; i++) {
			struct bar *b = &bars[i];
			int x = 90 + 90 * i;

			if (b->applies && b->ns > 0) {
				double v = log10(b->ns < 1 ? 1 : b->ns);
				double y = base - (v - lmin) / (lmax - lmin) * (base - top);

				fprintf(o, "<rect x=\"%d\" y=\"%.0f\" width=\"60\" height=\"%.0f\" fill=\"%s\"/>\n",
					x, y, base - y, colour(b->iso));
				fprintf(o, "<text x=\"%d\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n",
					x + 30, y - 4, b->ns);
			}
			fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x + 30,
				base + 18, b->name);
			fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>\n",
				x + 30, base + 34, colour(b->iso), b->iso);
			if (b->applies)
				fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">breach %lld</text>\n",
					x + 30, base + 50, b->breach);
		}
		fprintf(o, "<text x=\"20\" y=\"%d\">isolation measured by the oracle: buffer/page = "
			"kept, window = stale reach, breached = use-after-free DMA, none = "
			"passthrough</text>\n", H - 16);
		fprintf(o, "</svg>\n");
	}
	if (fclose(o)) {
		fprintf(stderr, "%s: plot: writing '%s' failed: %s\n", prog, outp, strerror(errno));
		return 1;
	}
	return 0;
}
