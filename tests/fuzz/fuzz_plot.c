// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzz_plot.c - the JSON reader of `dmabench plot` (tools/plot.c).
 *
 * The input is the whole of the FILE.json plot is given.  plot_script()
 * must either accept it and write a gnuplot script, or refuse it the way
 * `dmabench plot` exits 2: one message, nothing else.  Checked, beyond
 * "no crash":
 *
 *  - the answer is 0 or EXIT_USAGE, never "out of memory" for a small file;
 *  - refused: one line of printable text, "dmabench: plot: " and the file's
 *    name first, no script;
 *  - accepted: no message, and the script is safe to hand to gnuplot
 *    whatever the JSON held: printable text in lines, every string closed
 *    on its line and holding no quote (so a name cannot end its string
 *    early and become commands), no backquote (command substitution) or
 *    @ (macro) outside a string (check_script());
 *  - the same bytes give the same script (nothing but the file is read).
 *
 * Rendering takes gnuplot tens of milliseconds, too slow to fuzz; when
 * FUZZ_REGRESS is set (tests/fuzz/run.sh does, running the corpus) every
 * accepted input is rendered too and must give a chart: render or refuse,
 * never fail half-way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmabench.h"
#include "fuzzlib.h"

static char msg[8192];

/* plot_script() on @path, messages into msg[]. */
static int script_of(const char *path, char **script, size_t *len)
{
	static struct usage_catch uc;
	volatile int ret = -1;

	memset(msg, 0, sizeof(msg));
	uc.out = fmemopen(msg, sizeof(msg) - 1, "w");
	FUZZ_CHECK(uc.out, "fmemopen");
	usage_catch = &uc;
	if (!setjmp(uc.env))
		ret = plot_script(path, 0, script, len);
	usage_catch = NULL;
	fclose(uc.out);
	return ret;
}

/*
 * Strings in the script: single-quoted ones hold no quote at all (gnuplot
 * reads a doubled quote only in some places, see gp_str()), and the only
 * double-quoted ones are plot.c's own "\n" and "'" -- text from the JSON is
 * never where gnuplot expands escapes, backquotes or macros.
 */
static void check_script(const char *s, size_t len)
{
	FUZZ_CHECK(len && strlen(s) == len, "the script is text of its length");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK((c >= 0x20 || c == '\t' || c == '\n') && c != 0x7f,
			   "a control byte in the script");
		if (c == '\'') {
			const char *end = memchr(s + i + 1, '\'', len - i - 1);
			const char *nl = memchr(s + i + 1, '\n', len - i - 1);

			FUZZ_CHECK(end && (!nl || end < nl), "a string open at its line's end");
			i = (size_t)(end - s);
			FUZZ_CHECK(s[i + 1] != '\'', "a doubled quote gnuplot may misread");
		} else if (c == '"') {
			FUZZ_CHECK(!strncmp(s + i, "\"\\n\"", 4) || !strncmp(s + i, "\"'\"", 3),
				   "a double-quoted string other than plot.c's own");
			i += s[i + 1] == '\\' ? 3 : 2;
		} else {
			FUZZ_CHECK(c != '`' && c != '@', "a backquote or @ outside a string");
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *script = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	const char *path = fuzz_write_file("in.json", data, size);
	int ret, ret2;

	ret = script_of(path, &script, &len);
	FUZZ_CHECK(ret == 0 || ret == EXIT_USAGE, "plot answers 0 or 2");
	if (ret) {
		size_t n = strlen(msg);

		FUZZ_CHECK(!script, "refused: no script");
		FUZZ_CHECK(!strncmp(msg, "dmabench: plot: ", 16) &&
			   !strncmp(msg + 16, path, strlen(path)), "refused: names the file first");
		FUZZ_CHECK(n && msg[n - 1] == '\n' && strchr(msg, '\n') == msg + n - 1,
			   "refused: one line");
		for (size_t i = 0; i + 1 < n; i++)
			FUZZ_CHECK((unsigned char)msg[i] >= 0x20 && msg[i] != 0x7f,
				   "refused: printable text");
		return 0;
	}
	FUZZ_CHECK(!msg[0], "accepted without a message");
	check_script(script, len);
	ret2 = script_of(path, &again, &len2);
	FUZZ_CHECK(!ret2 && len2 == len && !memcmp(again, script, len), "the same script again");
	free(again);
	if (getenv("FUZZ_REGRESS")) {
		FILE *out = tmpfile();

		FUZZ_CHECK(out, "tmpfile");
		FUZZ_CHECK(!plot_render(script, len, out), "an accepted file renders");
		FUZZ_CHECK(ftell(out) > 0, "the chart is not empty");
		fclose(out);
	}
	free(script);
	return 0;
}
