// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * profile.c - parse and validate platform profile files.
 *
 * Grammar: one `key = value` per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  Every key is known, numeric values
 * are decimal integers in a stated range, and every required key must be
 * present exactly once (`source` and `note` may repeat; at most
 * PROFILE_MAX_SOURCES sources).  `based_on = NAME`, first, starts from
 * another profile: its keys count as given and may each be set once more
 * (the same hardware under another queue model is one line, not a copy).
 * The cost table (`cost_CLASS_ns`, vtime.h) is all or nothing.  A profile is text: a NUL or another control
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

enum key_kind { K_STR, K_U64, K_ENUM, K_SOURCE, K_BASE };

/* The words an enumerated key takes, indexed by the enum's value. */
static const char *const model_words[] = { "lock", "lockfree", "ecmdq", NULL };
static const char *const hold_words[] = { "command", "batch", NULL };
static const char *const poll_words[] = { "unlocked", "locked", NULL };

struct key_desc {
	const char *key;
	enum key_kind kind;
	size_t off;
	uint64_t min, max;
	const char *expect;
	const char *const *words;	/* K_ENUM */
	bool optional;			/* may be left out (its default is 0 but for
					 * the ones finish() sets) */
	size_t size;			/* K_U64: the field's size, 4 or 8 (else 0) */
};

#define FIELD_SIZE(k) sizeof(((struct platform_profile *)0)->k)
#define U64KEY(k, lo, hi) \
	{ #k, K_U64, offsetof(struct platform_profile, k), lo, hi, NULL, NULL, false, FIELD_SIZE(k) }
#define OPTKEY(k, lo, hi) \
	{ #k, K_U64, offsetof(struct platform_profile, k), lo, hi, NULL, NULL, true, FIELD_SIZE(k) }
#define ENUMKEY(k, w, what, opt) \
	{ #k, K_ENUM, offsetof(struct platform_profile, k), 0, 0, what, w, opt, 0 }

static const struct key_desc keys[] = {
	{ "based_on", K_BASE, 0, 0, 0, "the name of a profile in the profile directory, "
	  "or a path", NULL, true, 0 },
	{ "name", K_STR, offsetof(struct platform_profile, name), 1, 63,
	  "a name of 1-63 characters [A-Za-z0-9._-]", NULL, false, 0 },
	{ "description", K_STR, offsetof(struct platform_profile, description),
	  0, 255, "text of at most 255 characters", NULL, true, 0 },
	U64KEY(iotlb_sets, 1, 65536),
	U64KEY(iotlb_ways, 1, 64),
	ENUMKEY(cmdq_model, model_words, "'lock', 'lockfree' or 'ecmdq'", false),
	ENUMKEY(cmdq_lock_hold, hold_words, "'command' or 'batch'", true),
	ENUMKEY(cmdq_sync_poll, poll_words, "'unlocked' or 'locked'", true),
	OPTKEY(ecmdq_cpus, 1, 1024),
	U64KEY(cmdq_issue_ns, 0, 10000000),
	U64KEY(cmdq_issue_per_cmd_ns, 0, 10000000),
	U64KEY(inv_range_ns, 0, 10000000),
	OPTKEY(inv_range_page_ns, 0, 10000000),
	U64KEY(inv_domain_ns, 0, 10000000),
	U64KEY(inv_all_ns, 0, 10000000),
	OPTKEY(inv_latency_ns, 0, 10000000),
	U64KEY(sync_ns, 0, 10000000),
	U64KEY(iotlb_miss_ns, 0, 10000000),
	OPTKEY(batch_size, 1, 4096),	/* RBATCH_MAX_SIZE (reuse.h) */
	{ "source", K_SOURCE, 0, 0, 255, "text of at most 255 characters", NULL, true, 0 },
	{ "note", K_SOURCE, 0, 0, 255, "text of at most 255 characters", NULL, true, 0 },
};

/*
 * The cost table (vtime.h): `cost_NAME_ns = N` for every class, N a
 * non-negative decimal with at most three decimals (picosecond
 * resolution), up to 10 ms.  All or nothing: a profile without any runs in
 * real time only; one with some must give all.
 */
#define COST_MAX_PS 10000000000ull

static int cost_of_key(const char *key)
{
	char name[64];
	size_t n = strlen(key);

	if (n < 9 || strncmp(key, "cost_", 5) || strcmp(key + n - 3, "_ns") || n - 8 >= sizeof(name))
		return -1;
	memcpy(name, key + 5, n - 8);
	name[n - 8] = '\0';
	for (int c = 0; c < COST_COUNT; c++)
		if (!strcmp(vtime_cost_name((enum vtime_cost)c), name))
			return c;
	return -1;
}

/* "12", "0.05", "1.5": ns with up to 3 decimals, as picoseconds. */
static int parse_cost_ps(const char *v, uint64_t *ps)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;

	if (!isdigit((unsigned char)*v))
		return -1;
	for (; isdigit((unsigned char)*v); v++) {
		whole = whole * 10 + (uint64_t)(*v - '0');
		if (whole > COST_MAX_PS / 1000)
			return -1;
	}
	if (*v == '.') {
		v++;
		if (!isdigit((unsigned char)*v))
			return -1;
		for (; isdigit((unsigned char)*v); v++) {
			if (++digits > 3)
				return -1;
			frac = frac * 10 + (uint64_t)(*v - '0');
		}
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*v)
		return -1;
	*ps = whole * 1000 + frac;
	return *ps <= COST_MAX_PS ? 0 : -1;
}

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
		if (k->size == sizeof(unsigned int))
			*(unsigned int *)(void *)((char *)p + k->off) = (unsigned int)x;
		else
			*(uint64_t *)(void *)((char *)p + k->off) = x;
		return 0;
	case K_ENUM:
		for (int i = 0; k->words[i]; i++)
			if (!strcmp(v, k->words[i])) {
				*(int *)(void *)((char *)p + k->off) = i;
				return 0;
			}
		return -1;
	case K_BASE:
		return -1;	/* handled by the parser: load_base() */
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
	static char buf[512];
	size_t off = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; i < ARRAY_SIZE(keys) && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "",
					keys[i].key);
	if (off < sizeof(buf))
		snprintf(buf + off, sizeof(buf) - off, ", cost_CLASS_ns");
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

		/* A CR ends the line, before its LF (CRLF) or the end of the file. */
		if (ch == '\t' || ch == '\n' ||
		    (ch == '\r' && (i + 1 == len || (i + 2 == len && line[i + 1] == '\n'))))
			continue;
		if (ch < 0x20 || ch == 0x7f)
			return i + 1;
	}
	return 0;
}

static bool key_seen(const bool *seen, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!strcmp(keys[i].key, name))
			return seen[i];
	return false;
}

#define BASE_DEPTH_MAX 4	/* based_on chains: deeper is a loop or a mistake */

static int parse_file(const char *path, struct platform_profile *out, char *err,
		      size_t errlen, unsigned int depth);

/*
 * After the last line: defaults for optional keys, keys that do not fit the
 * model, and the cost table's all-or-nothing rule.
 */
static int finish(struct platform_profile *p, const bool *seen, const bool *present,
		  const bool *cost_seen, unsigned int ncost, const char *path, char *err,
		  size_t errlen)
{
	static const char *const lock_only[] = { "cmdq_lock_hold", "cmdq_sync_poll" };

	for (size_t i = 0; i < ARRAY_SIZE(lock_only); i++)
		if (key_seen(seen, lock_only[i]) && p->cmdq_model != CMDQ_LOCK) {
			snprintf(err, errlen, "%s: key '%s' applies to cmdq_model = lock only "
				 "(expected no %s with cmdq_model = %s)", path, lock_only[i],
				 lock_only[i], model_words[p->cmdq_model]);
			return -EINVAL;
		}
	if (key_seen(seen, "ecmdq_cpus") && p->cmdq_model != CMDQ_ECMDQ) {
		snprintf(err, errlen, "%s: key 'ecmdq_cpus' applies to cmdq_model = ecmdq only "
			 "(expected no ecmdq_cpus with cmdq_model = %s)", path,
			 model_words[p->cmdq_model]);
		return -EINVAL;
	}
	/*
	 * The simplest lock: one acquisition per batch, polled holding it.  A
	 * key of another model than this one's -- a base's, under based_on --
	 * takes its default too, so that one machine is one struct.
	 */
	if (!key_seen(present, "cmdq_lock_hold") || p->cmdq_model != CMDQ_LOCK)
		p->cmdq_lock_hold = CMDQ_HOLD_BATCH;
	if (!key_seen(present, "cmdq_sync_poll") || p->cmdq_model != CMDQ_LOCK)
		p->cmdq_sync_poll = CMDQ_POLL_LOCKED;
	if (!key_seen(present, "ecmdq_cpus") || p->cmdq_model != CMDQ_ECMDQ)
		p->ecmdq_cpus = 1;
	if (ncost && ncost < COST_COUNT) {
		for (int c = 0; c < COST_COUNT; c++)
			if (!cost_seen[c]) {
				snprintf(err, errlen, "%s: missing key 'cost_%s_ns' (%s; the cost "
					 "table is all or nothing: %u of %d classes given)", path,
					 vtime_cost_name((enum vtime_cost)c),
					 vtime_cost_help((enum vtime_cost)c), ncost, COST_COUNT);
				return -EINVAL;
			}
	}
	p->has_costs = ncost == COST_COUNT;
	return 0;
}

/*
 * based_on = NAME: start from that profile (found as profile_load() finds
 * one; a path is taken relative to this file's directory).  Every key of
 * the base counts as present and may be set again here, once; sources and
 * notes add to the base's.
 */
static int load_base(const char *path, const char *base, struct platform_profile *out,
		     bool *present, bool *cost_seen, unsigned int *ncost, char *err,
		     size_t errlen, unsigned int depth)
{
	char where[1024], name[64], description[256], file[512];
	int ret;

	if (depth >= BASE_DEPTH_MAX) {
		snprintf(err, errlen, "%s: based_on '%s': more than %d profiles deep (expected a "
			 "chain of at most %d; a loop?)", path, base, BASE_DEPTH_MAX,
			 BASE_DEPTH_MAX);
		return -EINVAL;
	}
	if (strchr(base, '/') && base[0] != '/') {
		const char *slash = strrchr(path, '/');

		snprintf(where, sizeof(where), "%.*s%s", slash ? (int)(slash - path + 1) : 0,
			 path, base);
	} else if (strchr(base, '/')) {
		snprintf(where, sizeof(where), "%s", base);
	} else if (!valid_name(base) || strlen(base) > 63) {
		snprintf(err, errlen, "%s: based_on '%s': expected a profile name of 1-63 "
			 "characters [A-Za-z0-9._-] or a path", path, base);
		return -EINVAL;
	} else {
		snprintf(where, sizeof(where), "%s/%s.profile", profile_dir(), base);
	}
	memcpy(name, out->name, sizeof(name));
	memcpy(description, out->description, sizeof(description));
	memcpy(file, out->file, sizeof(file));
	ret = parse_file(where, out, err, errlen, depth + 1);
	if (ret) {
		size_t n = strlen(err);

		if (n + 40 < errlen)
			snprintf(err + n, errlen - n, " (the base of %s)", path);
		return ret;
	}
	/* The base's name is not this profile's: name is required here. */
	memcpy(out->name, name, sizeof(name));
	memcpy(out->description, description, sizeof(description));
	memcpy(out->file, file, sizeof(file));
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].kind != K_SOURCE && keys[i].kind != K_BASE &&
		    strcmp(keys[i].key, "name") && strcmp(keys[i].key, "description"))
			present[i] = true;
	if (out->has_costs) {
		for (int c = 0; c < COST_COUNT; c++)
			cost_seen[c] = true;
		*ncost = COST_COUNT;
	}
	return 0;
}

int profile_parse_file(const char *path, struct platform_profile *out,
		       char *err, size_t errlen)
{
	return parse_file(path, out, err, errlen, 0);
}

static int parse_file(const char *path, struct platform_profile *out, char *err,
		      size_t errlen, unsigned int depth)
{
	bool seen[sizeof(keys) / sizeof(keys[0])], cost_seen[COST_COUNT] = { false };
	bool present[sizeof(keys) / sizeof(keys[0])], given_cost[COST_COUNT] = { false };
	unsigned int ncost = 0, nkeys = 0;
	unsigned int lineno = 0;
	char exp[128], *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	memset(seen, 0, sizeof(seen));
	memset(present, 0, sizeof(present));
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
		if (!k && !strncmp(key, "cost_", 5)) {
			int c = cost_of_key(key);

			if (c < 0) {
				snprintf(err, errlen, "%s:%u: unknown cost key '%s' (expected "
					 "cost_CLASS_ns; dmabench platforms --costs lists the classes)",
					 path, lineno, key);
				ret = -EINVAL;
				goto out_close;
			}
			if (given_cost[c]) {
				snprintf(err, errlen, "%s:%u: key '%s' given twice (expected once)",
					 path, lineno, key);
				ret = -EINVAL;
				goto out_close;
			}
			if (parse_cost_ps(val, &out->cost_ps[c])) {
				snprintf(err, errlen, "%s:%u: key '%s': %s '%s' (expected a "
					 "non-negative number of ns, at most 3 decimals, up to "
					 "10000000)", path, lineno, key,
					 *val ? "bad value" : "empty value", val);
				ret = -EINVAL;
				goto out_close;
			}
			given_cost[c] = true;
			if (!cost_seen[c]) {
				cost_seen[c] = true;
				ncost++;
			}
			nkeys++;
			continue;
		}
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
		present[k - keys] = true;
		if (k->kind == K_BASE) {
			if (nkeys) {
				snprintf(err, errlen, "%s:%u: key 'based_on' after other keys "
					 "(expected it first, so that every later key overrides "
					 "the base)", path, lineno);
				ret = -EINVAL;
				goto out_close;
			}
			ret = load_base(path, val, out, present, cost_seen, &ncost, err, errlen,
					depth);
			if (ret)
				goto out_close;
			nkeys++;
			continue;
		}
		nkeys++;
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
		if (keys[i].optional)
			continue;
		if (!present[i]) {
			expectation(&keys[i], exp, sizeof(exp));
			snprintf(err, errlen, "%s: missing key '%s' (expected %s)",
				 path, keys[i].key, exp);
			ret = -EINVAL;
			goto out_close;
		}
	}
	if (!ret)
		ret = finish(out, seen, present, cost_seen, ncost, path, err, errlen);
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
