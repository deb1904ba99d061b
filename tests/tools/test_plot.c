// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_plot.c - `dmabench plot` draws a readable chart of each JSON kind.
 *
 * Properties:
 *   - the JSON of run, sweep and scale each renders, through gnuplot, to a
 *     valid PNG: the signature, an IHDR first with a non-zero size, every
 *     chunk's CRC right, IDAT data that inflates to exactly the rows the
 *     header promises, an IEND last -- and a picture, not a blank page:
 *     enough pixels differ from the background and enough colours are used
 *     for the bars or lines of the strategies;
 *   - the same file renders to an SVG too;
 *   - a string in the JSON stays a string: a strategy name or command line
 *     built to break out of gnuplot's quoting (a quote, a backquoted
 *     command, a @macro, a system() call) is drawn as text and runs
 *     nothing;
 *   - a map JSON (one figure, nothing to chart) and a truncated scale or
 *     sweep JSON exit 2 with a message; without gnuplot plot exits 1
 *     saying what to install, and the output file is left as it was.
 *
 * dmabench is the one beside this test's tree (build/dmabench for
 * build/tests/tools/test_plot), or $DMABENCH.
 */
#include "harness.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

static char bench[1024];
static char dir[32];		/* /tmp/test_plot.XXXXXX */

/* dmabench: $DMABENCH, else three levels up from this binary. */
static void find_bench(void)
{
	const char *env = getenv("DMABENCH");
	char self[1000];
	ssize_t n;

	if (bench[0])
		return;
	if (env && *env) {
		snprintf(bench, sizeof(bench), "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(bench, sizeof(bench), "build/dmabench");
		return;
	}
	self[n] = '\0';
	for (int up = 0; up < 3; up++) {
		char *slash = strrchr(self, '/');

		if (slash)
			*slash = '\0';
	}
	snprintf(bench, sizeof(bench), "%s/dmabench", self);
}

static void make_dir(void)
{
	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "/tmp/test_plot.XXXXXX");
	if (!mkdtemp(dir))
		dir[0] = '\0';
}

/* Run "dmabench ARGS" through sh with stdout and stderr to files; its exit status. */
__attribute__((format(printf, 1, 2)))
static int bench_run(const char *fmt, ...)
{
	char args[2048], cmd[4096 + 1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "'%s' %s >'%s/out' 2>'%s/err'", bench, args, dir, dir);
	st = system(cmd);
	return st < 0 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET)) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
			buf[n] = '\0';
			*len = (size_t)n;
		} else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static const char *err_text(void)
{
	static char buf[1024];
	char path[PATH_MAX + 8];
	size_t len;
	char *s;

	snprintf(path, sizeof(path), "%s/err", dir);
	s = slurp(path, &len);
	snprintf(buf, sizeof(buf), "%s", s ? s : "(no stderr)");
	free(s);
	return buf;
}

/* ---- PNG ----------------------------------------------------------------- */

struct png_info {
	uint32_t w, h;
	unsigned int depth, ctype;
	uint64_t pixels, non_bg;	/* all pixels; those unlike the top-left one */
	unsigned int colours;		/* distinct colours seen, up to MAX_COLOURS */
};

#define MAX_COLOURS 256

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/*
 * Check @path is a PNG a viewer would show and fill @pi; 0, or -1 with
 * @why saying what is wrong.  8-bit grey, RGB, palette, grey+alpha and
 * RGBA, not interlaced: what gnuplot's png terminals write.
 */
static int png_check(const char *path, struct png_info *pi, char *why, size_t whylen)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char *f, *idat = NULL, *raw = NULL, *prev;
	uint32_t colours[MAX_COLOURS];
	size_t len, at = 8, nidat = 0, bpp, stride, rawlen;
	bool ihdr = false, iend = false;
	int ret = -1;
	uLongf got;

	memset(pi, 0, sizeof(*pi));
	f = (unsigned char *)slurp(path, &len);
	if (!f) {
		snprintf(why, whylen, "cannot read %s", path);
		return -1;
	}
	if (len < 8 || memcmp(f, sig, 8)) {
		snprintf(why, whylen, "no PNG signature (%zu bytes)", len);
		goto out;
	}
	while (at + 12 <= len && !iend) {
		uint32_t n = be32(f + at);
		const unsigned char *type = f + at + 4, *data = f + at + 8;

		if (n > len - at - 12) {
			snprintf(why, whylen, "chunk at byte %zu runs past the end", at);
			goto out;
		}
		if (be32(data + n) != (uint32_t)crc32(0, type, n + 4)) {
			snprintf(why, whylen, "bad CRC on chunk %.4s", (const char *)type);
			goto out;
		}
		if (!ihdr && memcmp(type, "IHDR", 4)) {
			snprintf(why, whylen, "first chunk is %.4s, not IHDR", (const char *)type);
			goto out;
		}
		if (!memcmp(type, "IHDR", 4)) {
			if (n != 13) {
				snprintf(why, whylen, "IHDR of %u bytes", n);
				goto out;
			}
			pi->w = be32(data);
			pi->h = be32(data + 4);
			pi->depth = data[8];
			pi->ctype = data[9];
			if (data[12]) {
				snprintf(why, whylen, "interlaced: not what gnuplot writes");
				goto out;
			}
			ihdr = true;
		} else if (!memcmp(type, "IDAT", 4)) {
			unsigned char *grown = realloc(idat, nidat + n + 1);

			if (!grown)
				goto out;
			idat = grown;
			memcpy(idat + nidat, data, n);
			nidat += n;
		} else if (!memcmp(type, "IEND", 4)) {
			iend = true;
		}
		at += 12 + n;
	}
	if (!iend || !nidat || !pi->w || !pi->h || pi->w > 20000 || pi->h > 20000) {
		snprintf(why, whylen, "IEND %d, %zu IDAT bytes, size %ux%u", iend, nidat, pi->w,
			 pi->h);
		goto out;
	}
	switch (pi->ctype) {
	case 0: case 3: bpp = 1; break;
	case 4: bpp = 2; break;
	case 2: bpp = 3; break;
	case 6: bpp = 4; break;
	default:
		snprintf(why, whylen, "colour type %u", pi->ctype);
		goto out;
	}
	if (pi->depth != 8) {
		snprintf(why, whylen, "bit depth %u (expected 8)", pi->depth);
		goto out;
	}
	stride = bpp * pi->w;
	rawlen = (stride + 1) * pi->h;
	raw = malloc(rawlen + 1);
	got = rawlen + 1;
	if (!raw || uncompress(raw, &got, idat, nidat) != Z_OK || got != rawlen) {
		snprintf(why, whylen, "IDAT does not inflate to %zu bytes (got %lu)", rawlen,
			 (unsigned long)got);
		goto out;
	}
	/* Unfilter in place, row by row; row y's bytes start at raw + y*(stride+1) + 1. */
	prev = NULL;
	for (uint32_t y = 0; y < pi->h; y++) {
		unsigned char *row = raw + (size_t)y * (stride + 1), *px = row + 1;
		unsigned int filter = row[0];

		if (filter > 4) {
			snprintf(why, whylen, "row %u has filter %u", y, filter);
			goto out;
		}
		for (size_t i = 0; i < stride; i++) {
			int a = i >= bpp ? px[i - bpp] : 0, b = prev ? prev[i] : 0;
			int c = prev && i >= bpp ? prev[i - bpp] : 0;

			switch (filter) {
			case 1: px[i] = (unsigned char)(px[i] + a); break;
			case 2: px[i] = (unsigned char)(px[i] + b); break;
			case 3: px[i] = (unsigned char)(px[i] + (a + b) / 2); break;
			case 4: px[i] = (unsigned char)(px[i] + paeth(a, b, c)); break;
			}
		}
		prev = px;
	}
	{
		const unsigned char *bg = raw + 1;

		for (uint32_t y = 0; y < pi->h; y++) {
			const unsigned char *px = raw + (size_t)y * (stride + 1) + 1;

			for (uint32_t x = 0; x < pi->w; x++, px += bpp) {
				uint32_t v = 0;
				unsigned int k;

				for (size_t i = 0; i < bpp; i++)
					v = v << 8 | px[i];
				pi->pixels++;
				pi->non_bg += memcmp(px, bg, bpp) != 0;
				for (k = 0; k < pi->colours && colours[k] != v; k++)
					;
				if (k == pi->colours && pi->colours < MAX_COLOURS)
					colours[pi->colours++] = v;
			}
		}
	}
	ret = 0;
out:
	free(raw);
	free(idat);
	free(f);
	return ret;
}

/*
 * Render @json to @name.png and @name.svg and check both: a valid PNG of at
 * least @min_colours colours with 2% or more of its pixels drawn, and an
 * SVG from <?xml to </svg>.
 */
static void check_renders(const char *json, const char *name, unsigned int min_colours)
{
	struct png_info pi;
	char png[PATH_MAX], svg[PATH_MAX], why[PATH_MAX + 64];
	size_t len;
	char *s;
	int rc;

	snprintf(png, sizeof(png), "%s/%s.png", dir, name);
	snprintf(svg, sizeof(svg), "%s/%s.svg", dir, name);
	rc = bench_run("plot '%s' -o '%s'", json, png);
	REQUIRE(rc == 0, "%s: plot to PNG exited %d: %s", name, rc, err_text());
	REQUIRE(png_check(png, &pi, why, sizeof(why)) == 0, "%s: %s", name, why);
	CHECK(pi.w >= 400 && pi.h >= 300, "%s: %ux%u", name, pi.w, pi.h);
	CHECK(pi.non_bg * 50 >= pi.pixels, "%s: only %llu of %llu pixels drawn", name,
	      (unsigned long long)pi.non_bg, (unsigned long long)pi.pixels);
	CHECK(pi.colours >= min_colours, "%s: %u colours (expected %u or more)", name,
	      pi.colours, min_colours);
	rc = bench_run("plot '%s' -o '%s'", json, svg);
	REQUIRE(rc == 0, "%s: plot to SVG exited %d: %s", name, rc, err_text());
	s = slurp(svg, &len);
	REQUIRE(s, "%s: no SVG", name);
	CHECK(!strncmp(s, "<?xml", 5) && strstr(s, "<svg") && strstr(s, "</svg>"),
	      "%s: not an SVG: %.60s", name, s);
	free(s);
}

/* A JSON file of @what ("run ...", "sweep ...") at @dir/@name.json; its path. */
static const char *make_json(const char *name, const char *what)
{
	static char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	rc = bench_run("%s --format json --output '%s'", what, path);
	if (rc) {
		CHECK(0, "%s exited %d: %s", what, rc, err_text());
		return NULL;
	}
	return path;
}

static bool setup(void)
{
	find_bench();
	make_dir();
	return dir[0] && !access(bench, X_OK);
}

/* A run's chart: bars coloured by isolation, four classes or more, axes, text. */
static void test_run_chart_renders(void)
{
	const char *j;

	REQUIRE(setup(), "no dmabench at %s or no temporary directory", bench);
	j = make_json("run", "run --ops 30 --platform ideal");
	REQUIRE(j);
	check_renders(j, "run", 6);
}

/* sweep: a line per strategy; their colours and the background and text. */
static void test_sweep_chart_renders(void)
{
	const char *j;

	REQUIRE(setup(), "no dmabench at %s", bench);
	j = make_json("sweep", "sweep --size 4096,16384,65536,524288 --ops 100");
	REQUIRE(j);
	check_renders(j, "sweep", 8);
}

/* scale: log-log lines, one per strategy. */
static void test_scale_chart_renders(void)
{
	const char *j;

	REQUIRE(setup(), "no dmabench at %s", bench);
	j = make_json("scale", "scale --cpus 1,2,4 --ops 200");
	REQUIRE(j);
	check_renders(j, "scale", 8);
}

/* A string built to escape gnuplot's quoting is drawn as text and runs nothing. */
static void test_strings_stay_strings(void)
{
	static const char *const evil[] = {
		"x'; system('touch %s/pwned1'); print '",
		"`touch %s/pwned2`",
		"@x'.system(\"touch %s/pwned3\").'",
		"a\\'; print 1; \\'",
	};
	char name[256], path[PATH_MAX], out[PATH_MAX], cmd[512];
	json_t *root, *results;
	const char *j;
	size_t len;
	char *svg;
	int rc;

	REQUIRE(setup(), "no dmabench at %s", bench);
	j = make_json("plain", "run --ops 20 --platform ideal --strategy strict,lazy,bounce");
	REQUIRE(j);
	root = json_load_file(j, 0, NULL);
	REQUIRE(root, "cannot reload %s", j);
	results = json_object_get(root, "results");
	REQUIRE(json_array_size(results) == 3);
	for (size_t i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), evil[i], dir);
		json_object_set_new(json_array_get(results, i), "strategy", json_string(name));
	}
	snprintf(cmd, sizeof(cmd), "%s", evil[3]);
	json_object_set_new(root, "command", json_string(cmd));
	json_object_set_new(root, "workload", json_string("zs{w}a^p_@x"));
	snprintf(path, sizeof(path), "%s/evil.json", dir);
	REQUIRE(json_dump_file(root, path, 0) == 0);
	json_decref(root);
	snprintf(out, sizeof(out), "%s/evil.svg", dir);
	rc = bench_run("plot '%s' -o '%s'", path, out);
	CHECK(rc == 0, "plot exited %d: %s", rc, err_text());
	for (int k = 1; k <= 3; k++) {
		snprintf(path, sizeof(path), "%s/pwned%d", dir, k);
		CHECK(access(path, F_OK) != 0, "gnuplot ran a command from the JSON: %s exists",
		      path);
	}
	svg = slurp(out, &len);
	REQUIRE(svg, "no SVG");
	snprintf(name, sizeof(name), "<text>x'; system('touch %s/pwned1'); print '</text>", dir);
	CHECK(strstr(svg, name), "the name is not drawn as it is: %s", name);
	snprintf(name, sizeof(name), "<text>`touch %s/pwned2`</text>", dir);
	CHECK(strstr(svg, name), "the name is not drawn as it is: %s", name);
	CHECK(strstr(svg, "zs{w}a^p_@x on "), "enhanced text or a macro changed the workload");
	CHECK(strstr(svg, "$ a\\'; print 1; \\'"), "the command line is not drawn as it is");
	free(svg);
}

/*
 * Found by tests/fuzz/fuzz_plot: a name opening with a quote or holding two
 * in a row ("''") was written with each quote doubled, which gnuplot 5.4
 * misreads there -- the script broke and an accepted file failed to render
 * (exit 1).  Such names now render, drawn as they are.
 */
static void test_plot_quote_runs_in_names_render(void)
{
	static const char *const names[] = { "'lead", "a''b", "end''" };
	char path[PATH_MAX], out[PATH_MAX], want[128];
	json_t *root, *results;
	const char *j;
	size_t len;
	char *svg;
	int rc;

	REQUIRE(setup(), "no dmabench at %s", bench);
	j = make_json("quotes", "run --ops 20 --platform ideal --strategy strict,lazy,bounce");
	REQUIRE(j);
	root = json_load_file(j, 0, NULL);
	REQUIRE(root, "cannot reload %s", j);
	results = json_object_get(root, "results");
	REQUIRE(json_array_size(results) == 3);
	for (size_t i = 0; i < 3; i++)
		json_object_set_new(json_array_get(results, i), "strategy", json_string(names[i]));
	json_object_set_new(root, "workload", json_string("''"));
	snprintf(path, sizeof(path), "%s/quotes2.json", dir);
	REQUIRE(json_dump_file(root, path, 0) == 0);
	json_decref(root);
	snprintf(out, sizeof(out), "%s/quotes.svg", dir);
	rc = bench_run("plot '%s' -o '%s'", path, out);
	CHECK(rc == 0, "plot exited %d: %s", rc, err_text());
	svg = slurp(out, &len);
	REQUIRE(svg, "no SVG");
	for (size_t i = 0; i < 3; i++) {
		snprintf(want, sizeof(want), "<text>%s</text>", names[i]);
		CHECK(strstr(svg, want), "the name is not drawn as it is: %s", names[i]);
	}
	CHECK(strstr(svg, "'' on ideal"), "the workload is not drawn as it is");
	free(svg);
}

/* Not a chart: a map JSON, a truncated scale or sweep, gnuplot missing. */
static void test_refusals(void)
{
	char path[PATH_MAX], out[PATH_MAX], cut[PATH_MAX], cmd[PATH_MAX * 3 + 1024];
	const char *j;
	size_t len;
	char *s;
	int rc;

	REQUIRE(setup(), "no dmabench at %s", bench);
	/* map has no --output: its stdout is the JSON. */
	rc = bench_run("map --iterations 20 --platform ideal --format json");
	REQUIRE(rc == 0, "map exited %d: %s", rc, err_text());
	snprintf(path, sizeof(path), "%s/map.json", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	REQUIRE(rename(out, path) == 0);
	snprintf(out, sizeof(out), "%s/keep.png", dir);
	rc = bench_run("plot '%s' -o '%s'", path, out);
	CHECK(rc == 2 && strstr(err_text(), "benchmark: 'map' holds one run of one strategy"),
	      "map JSON: exit %d, %s", rc, err_text());
	CHECK(access(out, F_OK) != 0, "a refused plot wrote %s", out);
	j = make_json("scale2", "scale --cpus 1,2 --strategy strict --ops 50");
	REQUIRE(j);
	snprintf(cut, sizeof(cut), "%s/cut.json", dir);
	snprintf(cmd, sizeof(cmd), "head -c 300 '%s' >'%s'", j, cut);
	REQUIRE(system(cmd) == 0);
	rc = bench_run("plot '%s' -o '%s'", cut, out);
	CHECK(rc == 2 && strstr(err_text(), "cut.json:") && strstr(err_text(), "(byte 300;"),
	      "truncated scale: exit %d, %s", rc, err_text());
	j = make_json("sweep2", "sweep --size 4096 --strategy strict --ops 50");
	REQUIRE(j);
	snprintf(cmd, sizeof(cmd), "sed 's/\"dma_ns_per_op\": [0-9.]*/\"dma_ns_per_op\": \"x\"/' "
		 "'%s' >'%s'", j, cut);
	REQUIRE(system(cmd) == 0);
	rc = bench_run("plot '%s' -o '%s'", cut, out);
	CHECK(rc == 2 && strstr(err_text(), "results[0].cells[0].dma_ns_per_op: expected a "
				"number, got a string"), "bad sweep cell: exit %d, %s", rc, err_text());
	/* No gnuplot: exit 1 naming the package; an existing output stays. */
	rc = bench_run("plot '%s' -o '%s'", j, out);
	REQUIRE(rc == 0, "plot exited %d: %s", rc, err_text());
	snprintf(cmd, sizeof(cmd), "GNUPLOT=/nonexistent/gnuplot '%s' plot '%s' -o '%s' "
		 "2>'%s/err'", bench, j, out, dir);
	rc = system(cmd);
	rc = rc < 0 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
	CHECK(rc == 1 && strstr(err_text(), "cannot run '/nonexistent/gnuplot'") &&
	      strstr(err_text(), "gnuplot-nox"), "no gnuplot: exit %d, %s", rc, err_text());
	s = slurp(out, &len);
	CHECK(s && !strncmp(s, "\x89PNG", 4), "the chart before the failed plot was lost");
	free(s);
}

static void test_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (dir[0] && !strncmp(dir, "/tmp/test_plot.", 15)) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		CHECK(system(cmd) == 0);
	}
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_run_chart_renders),
		TEST(test_sweep_chart_renders),
		TEST(test_scale_chart_renders),
		TEST(test_strings_stay_strings),
		TEST(test_plot_quote_runs_in_names_render),
		TEST(test_refusals),
		TEST(test_cleanup),
	};

	return test_main(argc, argv, cases, ARRAY_SIZE(cases));
}
