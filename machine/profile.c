// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * profile.c - parse and validate platform profile files.
 *
 * Grammar: one `key = value` per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  Every key is known, numeric values
 * are decimal integers in a stated range, and every required key must be
 * present exactly once (`source` and `note` may repeat; at most
 * PROFILE_MAX_SOURCES sources).  A profile is text: a NUL or another control
 * byte (tab and a CRLF's CR aside) is refused with its line and column, as is
 * a line longer than PROFILE_MAX_LINE.  Anything else is an error that names
 * file, line, key and expectation -- a profile with a typo must never
 * silently become a machine with zero latency.
 */
#include <dmareuse/profile.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <dmareuse/types.h>

#ifndef DMAREUSE_PROFILE_DIR_DEFAULT
#define DMAREUSE_PROFILE_DIR_DEFAULT "profiles"
#endif

enum key_kind { K_STR, K_U64, K_MODEL, K_SOURCE };

struct key_desc {
	const char *key;
	enum key_kind kind;
	size_t off;
	uint64_t min, max;
	const char *expect;
};

#define U64KEY(k, lo, hi) \
	{ #k, K_U64, offsetof(struct platform_profile, k), lo, hi, NULL }

static const struct key_desc keys[] = {
	{ "name", K_STR, offsetof(struct platform_profile, name), 1, 63,
	  "a name of 1-63 characters [A-Za-z0-9._-]" },
	{ "description", K_STR, offsetof(struct platform_profile, description),
	  0, 255, "text of at most 255 characters" },
	U64KEY(iotlb_sets, 1, 65536),
	U64KEY(iotlb_ways, 1, 64),
	{ "cmdq_model", K_MODEL, 0, 0, 0, "'lock' or 'lockfree'" },
	U64KEY(cmdq_issue_ns, 0, 10000000),
	U64KEY(cmdq_issue_per_cmd_ns, 0, 10000000),
	U64KEY(inv_range_ns, 0, 10000000),
	U64KEY(inv_domain_ns, 0, 10000000),
	U64KEY(inv_all_ns, 0, 10000000),
	U64KEY(sync_ns, 0, 10000000),
	U64KEY(iotlb_miss_ns, 0, 10000000),
	{ "source", K_SOURCE, 0, 0, 255, "text of at most 255 characters" },
	{ "note", K_SOURCE, 0, 0, 255, "text of at most 255 characters" },
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool valid_name(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s))
			return false;
	return true;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end)
		return -1;
	*out = x;
	return 0;
}

static int apply(struct platform_profile *p, const struct key_desc *k,
		 const char *v)
{
	uint64_t x;

	switch (k->kind) {
	case K_STR:
		if (strlen(v) < k->min || strlen(v) > k->max)
			return -1;
		if (!strcmp(k->key, "name") && !valid_name(v))
			return -1;
		strcpy((char *)p + k->off, v);
		return 0;
	case K_U64:
		if (parse_u64(v, &x) || x < k->min || x > k->max)
			return -1;
		if (!strcmp(k->key, "iotlb_sets") && (x & (x - 1)))
			return -1;
		if (!strcmp(k->key, "iotlb_sets") || !strcmp(k->key, "iotlb_ways"))
			*(unsigned int *)((char *)p + k->off) = (unsigned int)x;
		else
			*(uint64_t *)((char *)p + k->off) = x;
		return 0;
	case K_MODEL:
		if (!strcmp(v, "lock"))
			p->cmdq_model = CMDQ_LOCK;
		else if (!strcmp(v, "lockfree"))
			p->cmdq_model = CMDQ_LOCKFREE;
		else
			return -1;
		return 0;
	case K_SOURCE:
		if (strlen(v) > k->max)
			return -1;
		if (!strcmp(k->key, "source")) {
			if (p->nsources == PROFILE_MAX_SOURCES)
				return -1;
			strcpy(p->sources[p->nsources++], v);
		}
		return 0;
	}
	return -1;
}

/* "name, description, ...": every key, for the unknown-key message. */
static const char *key_list(void)
{
	static char buf[256];
	size_t off = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(keys) && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "",
					keys[i].key);
	return buf;
}

static void expectation(const struct key_desc *k, char *buf, size_t len)
{
	if (k->expect)
		snprintf(buf, len, "%s", k->expect);
	else if (!strcmp(k->key, "iotlb_sets"))
		snprintf(buf, len, "a power of two in %" PRIu64 "-%" PRIu64,
			 k->min, k->max);
	else
		snprintf(buf, len, "a decimal integer in %" PRIu64 "-%" PRIu64,
			 k->min, k->max);
}

/*
 * The longest line a profile may have, newline excluded: values are at most
 * 255 characters, so this leaves room for any key, blanks and a comment,
 * and bounds what a stray binary file makes getline() allocate.
 */
#define PROFILE_MAX_LINE 1022

/*
 * Check one line of @len bytes for bytes a text profile never holds: a NUL
 * (which would silently cut the line short) and other control characters
 * but tab (and the CR of a CRLF file, which trim() removes).  Return: the
 * 1-based column of the first such byte, or 0.
 */
static size_t bad_byte(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\t' || ch == '\n' || (ch == '\r' && i + 2 >= len))
			continue;
		if (ch < 0x20 || ch == 0x7f)
			return i + 1;
	}
	return 0;
}

int profile_parse_file(const char *path, struct platform_profile *out,
		       char *err, size_t errlen)
{
	bool seen[sizeof(keys) / sizeof(keys[0])];
	unsigned int lineno = 0;
	char exp[128], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	memset(seen, 0, sizeof(seen));
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read profile: %s", path,
			 strerror(errno));
		return -ENOENT;
	}
	snprintf(out->file, sizeof(out->file), "%s", path);
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *s, *eq, *key, *val;
		const struct key_desc *k = NULL;
		size_t col;

		lineno++;
		if ((size_t)len - (len && line[len - 1] == '\n') > PROFILE_MAX_LINE) {
			snprintf(err, errlen, "%s:%u: line longer than %d characters",
				 path, lineno, PROFILE_MAX_LINE);
			ret = -EINVAL;
			goto out_close;
		}
		col = bad_byte(line, (size_t)len);
		if (col) {
			if (!line[col - 1])
				snprintf(err, errlen,
					 "%s:%u: NUL byte at column %zu (expected text)", path,
					 lineno, col);
			else
				snprintf(err, errlen,
					 "%s:%u: control character 0x%02x at column %zu "
					 "(expected printable text)",
					 path, lineno, (unsigned char)line[col - 1], col);
			ret = -EINVAL;
			goto out_close;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value', got '%s'",
				 path, lineno, s);
			ret = -EINVAL;
			goto out_close;
		}
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strcmp(keys[i].key, key))
				k = &keys[i];
		if (!k) {
			snprintf(err, errlen, "%s:%u: %s%s%s (expected one of: %s)", path, lineno,
				 *key ? "unknown key '" : "no key before '='", key,
				 *key ? "'" : "", key_list());
			ret = -EINVAL;
			goto out_close;
		}
		if (k->kind != K_SOURCE && seen[k - keys]) {
			snprintf(err, errlen, "%s:%u: key '%s' given twice (expected once)",
				 path, lineno, key);
			ret = -EINVAL;
			goto out_close;
		}
		seen[k - keys] = true;
		if (k->kind == K_SOURCE && !strcmp(k->key, "source") &&
		    out->nsources == PROFILE_MAX_SOURCES) {
			snprintf(err, errlen, "%s:%u: key 'source': more than %d sources "
				 "(expected at most %d source lines)", path, lineno,
				 PROFILE_MAX_SOURCES, PROFILE_MAX_SOURCES);
			ret = -EINVAL;
			goto out_close;
		}
		if (apply(out, k, val)) {
			expectation(k, exp, sizeof(exp));
			snprintf(err, errlen, "%s:%u: key '%s': %s '%s' (expected %s)",
				 path, lineno, key, *val ? "bad value" : "empty value", val, exp);
			ret = -EINVAL;
			goto out_close;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read profile: %s", path,
			 strerror(errno ? errno : EIO));
		ret = -EIO;
		goto out_close;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].kind == K_SOURCE || !strcmp(keys[i].key, "description"))
			continue;
		if (!seen[i]) {
			expectation(&keys[i], exp, sizeof(exp));
			snprintf(err, errlen, "%s: missing key '%s' (expected %s)",
				 path, keys[i].key, exp);
			ret = -EINVAL;
			goto out_close;
		}
	}
out_close:
	free(line);
	fclose(f);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

const char *profile_dir(void)
{
	const char *d = getenv("DMAREUSE_PROFILE_DIR");

	return d && *d ? d : DMAREUSE_PROFILE_DIR_DEFAULT;
}

/* Say why profile_dir() cannot be listed, or that it holds no profile. */
static void dir_problem(int n, char *err, size_t errlen)
{
	const char *env = getenv("DMAREUSE_PROFILE_DIR");

	if (n < 0)
		snprintf(err, errlen, "cannot read the profile directory '%s'%s: %s", profile_dir(),
			 env && *env ? " (DMAREUSE_PROFILE_DIR)" : "", strerror(-n));
	else
		snprintf(err, errlen, "no profiles in '%s'%s (expected NAME.profile files)",
			 profile_dir(), env && *env ? " (DMAREUSE_PROFILE_DIR)" : "");
}

int profile_load(const char *name, struct platform_profile *out, char *err,
		 size_t errlen)
{
	char path[1024];
	char names[64][64];
	ssize_t n;
	int ret;

	if (strchr(name, '/'))
		return profile_parse_file(name, out, err, errlen);
	if (!*name || !valid_name(name) || strlen(name) > 63) {
		snprintf(err, errlen, "platform '%s': expected a profile name of 1-63 characters "
			 "[A-Za-z0-9._-] or a path", name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.profile", profile_dir(), name);
	ret = profile_parse_file(path, out, err, errlen);
	if (ret == -ENOENT) {
		size_t off;

		off = (size_t)snprintf(err, errlen, "unknown platform '%s' (no %s); ", name, path);
		n = profile_list(names, 64);
		if (n <= 0) {
			if (off < errlen)
				dir_problem((int)n, err + off, errlen - off);
			return ret;
		}
		if (off < errlen)
			off += (size_t)snprintf(err + off, errlen - off, "expected one of:");
		for (ssize_t i = 0; i < n && i < 64 && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, " %s", names[i]);
	}
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

ssize_t profile_list(char names[][64], size_t max)
{
	DIR *d = opendir(profile_dir());
	struct dirent *de;
	ssize_t found = 0;
	size_t n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 8 || len - 8 >= 64 || strcmp(de->d_name + len - 8, ".profile"))
			continue;
		found++;
		if (n < max) {
			memcpy(names[n], de->d_name, len - 8);
			names[n][len - 8] = '\0';
			n++;
		}
	}
	closedir(d);
	qsort(names, n, 64, cmp_name);
	return found;
}
