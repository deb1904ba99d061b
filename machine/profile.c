// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * profile.c - parse and validate platform profile files.
 *
 * Grammar: one `key = value` per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  Every key is known, numeric values
 * are decimal integers in a stated range, and every required key must be
 * present exactly once (`source` and `note` may repeat).  Anything else is an
 * error that names file, line, key and expectation -- a profile with a typo
 * must never silently become a machine with zero latency.
 */
#include <dmareuse/profile.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int profile_parse_file(const char *path, struct platform_profile *out,
		       char *err, size_t errlen)
{
	bool seen[sizeof(keys) / sizeof(keys[0])];
	char line[1024], exp[128];
	unsigned int lineno = 0;
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
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *val;
		const struct key_desc *k = NULL;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line longer than %zu characters",
				 path, lineno, sizeof(line) - 2);
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
			snprintf(err, errlen,
				 "%s:%u: unknown key '%s' (expected one of: name, description, iotlb_sets, iotlb_ways, cmdq_model, cmdq_issue_ns, cmdq_issue_per_cmd_ns, inv_range_ns, inv_domain_ns, inv_all_ns, sync_ns, iotlb_miss_ns, source, note)",
				 path, lineno, key);
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
		if (apply(out, k, val)) {
			expectation(k, exp, sizeof(exp));
			snprintf(err, errlen, "%s:%u: key '%s': bad value '%s' (expected %s)",
				 path, lineno, key, val, exp);
			ret = -EINVAL;
			goto out_close;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].kind == K_SOURCE || !strcmp(keys[i].key, "description"))
			continue;
		if (!seen[i]) {
			expectation(&keys[i], exp, sizeof(exp));
			snprintf(err, errlen, "%s:%u: missing key '%s' (expected %s)",
				 path, lineno, keys[i].key, exp);
			ret = -EINVAL;
			goto out_close;
		}
	}
out_close:
	fclose(f);
	return ret;
}

const char *profile_dir(void)
{
	const char *d = getenv("DMAREUSE_PROFILE_DIR");

	return d && *d ? d : DMAREUSE_PROFILE_DIR_DEFAULT;
}

int profile_load(const char *name, struct platform_profile *out, char *err,
		 size_t errlen)
{
	char path[1024];
	char names[64][64];
	size_t n;
	int ret;

	if (strchr(name, '/'))
		return profile_parse_file(name, out, err, errlen);
	if (!*name || !valid_name(name) || strlen(name) > 63) {
		snprintf(err, errlen, "platform '%s': expected a profile name of [A-Za-z0-9._-] or a path",
			 name);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s.profile", profile_dir(), name);
	ret = profile_parse_file(path, out, err, errlen);
	if (ret == -ENOENT) {
		size_t off;

		off = (size_t)snprintf(err, errlen,
				       "unknown platform '%s' (no %s); expected one of:",
				       name, path);
		n = profile_list(names, 64);
		for (size_t i = 0; i < n && off < errlen; i++)
			off += (size_t)snprintf(err + off, errlen - off, " %s", names[i]);
	}
	return ret;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

size_t profile_list(char names[][64], size_t max)
{
	DIR *d = opendir(profile_dir());
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);

		if (len > 8 && len - 8 < 64 &&
		    !strcmp(de->d_name + len - 8, ".profile")) {
			memcpy(names[n], de->d_name, len - 8);
			names[n][len - 8] = '\0';
			n++;
		}
	}
	closedir(d);
	qsort(names, n, 64, cmp_name);
	return n;
}
