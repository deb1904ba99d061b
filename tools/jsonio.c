// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * jsonio.c - dmabench's JSON, through jansson.
 *
 * Every JSON document dmabench writes is built as a jansson tree and every
 * key, string and number in it is encoded by jansson (escaping, UTF-8,
 * number syntax); nothing is printed by hand.  What jsonio_write() decides
 * is only where the whitespace goes, so that the layout stays the one
 * dmabench has always written and scripts grep: the top-level object one
 * member per line, an array of objects (run's "results") one object per
 * line, everything deeper on one line as `{ "a": 1, "b": [2, 3] }`.
 * jansson's own JSON_INDENT would put every member of every nested object
 * on a line of its own, which breaks those one-line-per-result greps.
 *
 * Reals are rounded to the decimals each figure is meant to carry and
 * encoded with JSON_REAL_PRECISION(15): DBL_DIG, so a value rounded to a
 * few decimals comes out as exactly those digits (8036.4, never
 * 8036.3999999999996), and a whole number as 209.0.
 */
#include "dmabench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCALAR_FLAGS (JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

json_t *jsonio_text(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j)
		return j;
	/* Not UTF-8 (a command line or profile in another charset): keep ASCII. */
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

json_t *jsonio_round(double v, int decimals)
{
	double scale = pow(10, decimals);

	if (!isfinite(v))
		return NULL;
	if (fabs(v) < 1e15 / scale)
		v = round(v * scale) / scale;
	return json_real(v);
}

json_t *jsonio_u64(uint64_t v)
{
	if (v > INT64_MAX)
		return json_real((double)v);
	return json_integer((json_int_t)v);
}

static int write_scalar(FILE *f, const json_t *v)
{
	char *s = json_dumps(v, SCALAR_FLAGS);

	if (!s)
		return -1;
	fputs(s, f);
	free(s);
	return 0;
}

static int write_key(FILE *f, const char *key)
{
	json_t *k = json_string(key);
	int ret;

	if (!k)
		return -1;
	ret = write_scalar(f, k);
	json_decref(k);
	fputs(": ", f);
	return ret;
}

/* An array whose elements are all objects: laid out one per line at the top. */
static bool array_of_objects(const json_t *a)
{
	size_t i;
	json_t *e;

	if (!json_array_size(a))
		return false;
	json_array_foreach(a, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

static int write_value(FILE *f, const json_t *v, int depth)
{
	const char *key;
	json_t *e;
	size_t i;
	int ret = 0;

	if (json_is_object(v)) {
		bool first = true;

		if (!json_object_size(v)) {
			fputs("{}", f);
			return 0;
		}
		fputs(depth ? "{ " : "{\n", f);
		json_object_foreach((json_t *)v, key, e) {
			fputs(first ? "" : depth ? ", " : ",\n", f);
			fputs(depth ? "" : "  ", f);
			ret |= write_key(f, key);
			ret |= write_value(f, e, depth + 1);
			first = false;
		}
		fputs(depth ? " }" : "\n}", f);
		return ret;
	}
	if (json_is_array(v)) {
		bool lines = depth == 1 && array_of_objects(v);

		fputs(lines ? "[\n" : "[", f);
		json_array_foreach(v, i, e) {
			fputs(!i ? "" : lines ? ",\n" : ", ", f);
			fputs(lines ? "    " : "", f);
			ret |= write_value(f, e, depth + 1);
		}
		fputs(lines ? "\n  ]" : "]", f);
		return ret;
	}
	return write_scalar(f, v);
}

int jsonio_write(FILE *f, const json_t *doc)
{
	int ret = write_value(f, doc, 0);

	fputc('\n', f);
	return ret || ferror(f) ? -1 : 0;
}
