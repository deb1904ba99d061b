// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * test_profile.c - the platform profile parser (machine/profile.c).
 *
 * Each test writes a profile that differs from a valid one in one way and
 * checks that profile_parse_file() refuses it with -EINVAL (or -EIO) and
 * one message naming the file, the line (or column) and what was
 * expected -- and that the output struct is left all zero, so no half-read
 * profile can be used by mistake.  The profile directory tests point
 * DMAREUSE_PROFILE_DIR at a directory that does not exist or is empty.
 */
#include "harness.h"

#include <dmareuse/profile.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/test_profile.XXXXXX";

static const char good[] =
	"# a valid profile\n"
	"name = t\n"
	"description = a test machine\n"
	"iotlb_sets = 64\n"
	"iotlb_ways = 4\n"
	"cmdq_model = lock\n"
	"cmdq_issue_ns = 1\n"
	"cmdq_issue_per_cmd_ns = 2\n"
	"inv_range_ns = 3\n"
	"inv_domain_ns = 4\n"
	"inv_all_ns = 5\n"
	"sync_ns = 6\n"
	"iotlb_miss_ns = 7\n";

/* Write @len bytes of @text to DIR/@name; return the path (static). */
static const char *put_file(const char *name, const char *text, size_t len)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fwrite(text, 1, len, f);
	fclose(f);
	return path;
}

static bool all_zero(const struct platform_profile *p)
{
	const unsigned char *b = (const unsigned char *)p;

	for (size_t i = 0; i < sizeof(*p); i++)
		if (b[i])
			return false;
	return true;
}

/* The pieces a message must contain, for expect_refused(). */
#define PARTS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/*
 * Parse @text (@len bytes) as DIR/@name; CHECK it fails with @want_ret and
 * a message containing every one of @parts (NULL-terminated).
 */
static void expect_refused(const char *name, const char *text, size_t len, int want_ret,
			   const char *const *parts)
{
	struct platform_profile p;
	char err[1024] = "";
	const char *path = put_file(name, text, len);
	int ret;

	REQUIRE(path, "cannot write %s in %s", name, dir);
	memset(&p, 0xa5, sizeof(p));
	ret = profile_parse_file(path, &p, err, sizeof(err));
	CHECK(ret == want_ret, "%s: returned %d, expected %d (%s)", name, ret, want_ret, err);
	for (; *parts; parts++)
		CHECK(strstr(err, *parts), "%s: message '%s' lacks '%s'", name, err, *parts);
	CHECK(all_zero(&p), "%s: a refused profile left fields set", name);
}

/* A valid profile parses, every field as written. */
static void test_valid_profile_parses(void)
{
	struct platform_profile p;
	char err[1024] = "";
	const char *path = put_file("good.profile", good, strlen(good));

	REQUIRE(path);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(p.name, "t") && p.iotlb_sets == 64 && p.iotlb_ways == 4 &&
	      p.cmdq_model == CMDQ_LOCK && p.cmdq_issue_ns == 1 && p.iotlb_miss_ns == 7);
	CHECK(p.nsources == 0);
}

/* 16 sources are the limit; the 17th is refused as such, not as a long value. */
static void test_seventeen_sources_name_the_limit(void)
{
	char text[4096], *at = text;
	struct platform_profile p;
	char err[1024] = "";
	const char *path;

	at += sprintf(at, "%s", good);
	for (int i = 0; i < PROFILE_MAX_SOURCES; i++)
		at += sprintf(at, "source = reference %d\n", i);
	path = put_file("sixteen.profile", text, (size_t)(at - text));
	REQUIRE(path);
	CHECK(profile_parse_file(path, &p, err, sizeof(err)) == 0, "16 sources: %s", err);
	CHECK(p.nsources == PROFILE_MAX_SOURCES);

	at += sprintf(at, "source = one too many\n");
	expect_refused("seventeen.profile", text, (size_t)(at - text), -EINVAL,
		       PARTS("seventeen.profile:30:", "more than 16 sources", "at most 16"));
	/* and the message does not blame the value's length */
	{
		char err2[1024] = "";

		path = put_file("seventeen.profile", text, (size_t)(at - text));
		profile_parse_file(path, &p, err2, sizeof(err2));
		CHECK(!strstr(err2, "255"), "message '%s' speaks of a 255-character limit", err2);
	}
}

/* A NUL byte is named, with its line and column, not taken for a long line. */
static void test_nul_byte_named(void)
{
	static const char text[] = "name = t\ndescription = a\0b\n";

	expect_refused("nul.profile", text, sizeof(text) - 1, -EINVAL,
		       PARTS("nul.profile:2:", "NUL byte at column 16"));
}

/* Other control characters too; tab and a CRLF line end are fine. */
static void test_control_characters(void)
{
	static const char esc[] = "name = t\ndescription = \x1b[31mred\n";
	struct platform_profile p;
	char crlf[1024], err[1024] = "";
	const char *path;
	size_t n = 0;

	expect_refused("esc.profile", esc, sizeof(esc) - 1, -EINVAL,
		       PARTS("esc.profile:2:", "control character 0x1b at column 15"));
	for (const char *s = good; *s; s++) {
		if (*s == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *s == ' ' && s[1] == '=' ? '\t' : *s;
	}
	path = put_file("crlf.profile", crlf, n);
	REQUIRE(path);
	CHECK(profile_parse_file(path, &p, err, sizeof(err)) == 0, "CRLF and tabs: %s", err);
}

/* A line over the limit is refused with its number. */
static void test_long_line(void)
{
	char text[2048];

	memset(text, '#', sizeof(text));
	memcpy(text, "name = t\n", 9);
	text[sizeof(text) - 1] = '\n';
	expect_refused("long.profile", text, sizeof(text), -EINVAL,
		       PARTS("long.profile:2:", "longer than 1022"));
}

/* Numbers: trailing junk, signs, blanks inside, overflow, range, empty. */
static void test_bad_numbers(void)
{
	static const struct { const char *value, *want; } cases[] = {
		{ "5ns", "bad value '5ns' (expected a decimal integer in 0-10000000)" },
		{ "+5", "bad value '+5'" },
		{ "-5", "bad value '-5'" },
		{ "0x10", "bad value '0x10'" },
		{ "5 6", "bad value '5 6'" },
		{ "10000001", "bad value '10000001' (expected a decimal integer in 0-10000000)" },
		{ "99999999999999999999999", "bad value '99999999999999999999999'" },
		{ "", "empty value '' (expected a decimal integer in 0-10000000)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[1024];
		int n;

		n = snprintf(text, sizeof(text), "%.*ssync_ns = %s\niotlb_miss_ns = 7\n",
			     (int)(strstr(good, "sync_ns") - good), good, cases[i].value);
		expect_refused("num.profile", text, (size_t)n, -EINVAL,
			       PARTS("num.profile:12: key 'sync_ns': ", cases[i].want));
	}
}

/* Keys: unknown, empty, twice, missing (no line number for a missing key). */
static void test_bad_keys(void)
{
	char text[1024];
	int n;

	n = snprintf(text, sizeof(text), "%ssynch_ns = 1\n", good);
	expect_refused("unknown.profile", text, (size_t)n, -EINVAL,
		       PARTS("unknown.profile:14: unknown key 'synch_ns' "
			     "(expected one of: based_on, name, ",
			     "iotlb_miss_ns, batch_size, source, note, cost_CLASS_ns)"));
	n = snprintf(text, sizeof(text), "%s = 1\n", good);
	expect_refused("nokey.profile", text, (size_t)n, -EINVAL,
		       PARTS("nokey.profile:14: no key before '='"));
	n = snprintf(text, sizeof(text), "%ssync_ns = 6\n", good);
	expect_refused("twice.profile", text, (size_t)n, -EINVAL,
		       PARTS("twice.profile:14: key 'sync_ns' given twice"));
	n = snprintf(text, sizeof(text), "%.*s", (int)(strstr(good, "iotlb_miss_ns") - good), good);
	expect_refused("missing.profile", text, (size_t)n, -EINVAL,
		       PARTS("missing.profile: missing key 'iotlb_miss_ns' "
			     "(expected a decimal integer in 0-10000000)"));
	expect_refused("noeq.profile", "name = t\nsync_ns 5\n", 19, -EINVAL,
		       PARTS("noeq.profile:2: expected 'key = value', got 'sync_ns 5'"));
	expect_refused("name.profile", "name = a b\n", 11, -EINVAL,
		       PARTS("name.profile:1: key 'name': bad value 'a b' "
			     "(expected a name of 1-63 characters"));
}

/* A directory is not a profile: a read error, not "missing key 'name'". */
static void test_directory_is_not_a_profile(void)
{
	struct platform_profile p;
	char err[1024] = "";
	int ret;

	ret = profile_parse_file(dir, &p, err, sizeof(err));
	CHECK(ret == -EIO || ret == -ENOENT, "returned %d (%s)", ret, err);
	CHECK(strstr(err, "cannot read profile") && !strstr(err, "missing key"), "'%s'", err);
}

/* A profile directory that does not exist is an error naming it, not an empty list. */
static void test_missing_profile_dir(void)
{
	char names[4][64], err[1024] = "", empty[300];
	struct platform_profile p;
	const char *old = getenv("DMAREUSE_PROFILE_DIR");
	char *saved = old ? strdup(old) : NULL;
	ssize_t n;

	setenv("DMAREUSE_PROFILE_DIR", "/nonexistent/profiles", 1);
	n = profile_list(names, 4);
	CHECK(n == -ENOENT, "profile_list() of a missing directory returned %zd", n);
	CHECK(profile_load("ideal", &p, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "cannot read the profile directory '/nonexistent/profiles' "
		      "(DMAREUSE_PROFILE_DIR): No such file or directory"), "'%s'", err);

	snprintf(empty, sizeof(empty), "%s/empty", dir);
	mkdir(empty, 0755);
	setenv("DMAREUSE_PROFILE_DIR", empty, 1);
	CHECK(profile_list(names, 4) == 0);
	CHECK(profile_load("ideal", &p, err, sizeof(err)) == -ENOENT);
	CHECK(strstr(err, "no profiles in '") && strstr(err, "/empty'"), "'%s'", err);
	rmdir(empty);

	/* More profiles than room: all counted, the first @max written. */
	setenv("DMAREUSE_PROFILE_DIR", dir, 1);
	put_file("a.profile", good, strlen(good));
	put_file("b.profile", good, strlen(good));
	put_file("c.profile", good, strlen(good));
	n = profile_list(names, 1);
	CHECK(n >= 3, "profile_list() counted %zd", n);

	if (saved)
		setenv("DMAREUSE_PROFILE_DIR", saved, 1);
	else
		unsetenv("DMAREUSE_PROFILE_DIR");
	free(saved);
}

static void cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "could not remove %s\n", dir);
}

/* A full cost table as profile lines: class c costs c + 0.25 ns (c + 250 ps). */
static size_t cost_lines(char *buf, size_t cap, int skip)
{
	size_t off = 0;

	for (int c = 0; c < COST_COUNT; c++)
		if (c != skip)
			off += (size_t)snprintf(buf + off, cap - off, "cost_%s_ns = %d.25\n",
						vtime_cost_name((enum vtime_cost)c), c);
	return off;
}

/* The cost table: parsed to the picosecond, all or nothing, never negative. */
static void test_cost_table(void)
{
	static char text[8192];
	struct platform_profile p;
	char err[1024];
	const char *path;
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "%s", good);
	n += cost_lines(text + n, sizeof(text) - n, -1);
	path = put_file("costs.profile", text, n);
	REQUIRE(path);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.has_costs);
	for (int c = 0; c < COST_COUNT; c++)
		CHECK(p.cost_ps[c] == (uint64_t)c * 1000 + 250, "class %s: %llu ps",
		      vtime_cost_name((enum vtime_cost)c), (unsigned long long)p.cost_ps[c]);
	/* Without any cost key the profile is valid, for real time only. */
	path = put_file("nocosts.profile", good, strlen(good));
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(!p.has_costs);
	/* One class missing: named, with how many were given. */
	n = (size_t)snprintf(text, sizeof(text), "%s", good);
	n += cost_lines(text + n, sizeof(text) - n, COST_HASH);
	expect_refused("partial.profile", text, n, -EINVAL,
		       PARTS("partial.profile: missing key 'cost_hash_ns'", "all or nothing"));
	/* Negative, too many decimals, junk, unknown class: each named. */
	n = (size_t)snprintf(text, sizeof(text), "%scost_lock_ns = -1\n", good);
	expect_refused("negative.profile", text, n, -EINVAL,
		       PARTS("negative.profile:14: key 'cost_lock_ns': bad value '-1'",
			     "non-negative"));
	n = (size_t)snprintf(text, sizeof(text), "%scost_lock_ns = 1.0001\n", good);
	expect_refused("decimals.profile", text, n, -EINVAL,
		       PARTS("decimals.profile:14: key 'cost_lock_ns': bad value '1.0001'"));
	n = (size_t)snprintf(text, sizeof(text), "%scost_lock_ns = 1e3\n", good);
	expect_refused("junk.profile", text, n, -EINVAL,
		       PARTS("junk.profile:14: key 'cost_lock_ns': bad value '1e3'"));
	n = (size_t)snprintf(text, sizeof(text), "%scost_lock_ns =\n", good);
	expect_refused("emptycost.profile", text, n, -EINVAL,
		       PARTS("emptycost.profile:14: key 'cost_lock_ns': empty value"));
	n = (size_t)snprintf(text, sizeof(text), "%scost_nosuch_ns = 1\n", good);
	expect_refused("class.profile", text, n, -EINVAL,
		       PARTS("class.profile:14: unknown cost key 'cost_nosuch_ns'"));
	n = (size_t)snprintf(text, sizeof(text), "%scost_lock_ns = 1\ncost_lock_ns = 2\n", good);
	expect_refused("twice.profile", text, n, -EINVAL,
		       PARTS("twice.profile:15: key 'cost_lock_ns' given twice"));
}

/* Queue-model keys: values named, and keys of another model refused. */
static void test_cmdq_model_keys(void)
{
	char text[2048];
	struct platform_profile p;
	char err[1024];
	const char *path;
	int n;

	n = snprintf(text, sizeof(text), "%scmdq_lock_hold = command\ncmdq_sync_poll = unlocked\n"
		     "inv_latency_ns = 9\ninv_range_page_ns = 8\n", good);
	path = put_file("lock.profile", text, (size_t)n);
	REQUIRE(path);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.cmdq_model == CMDQ_LOCK && p.cmdq_lock_hold == CMDQ_HOLD_COMMAND &&
	      p.cmdq_sync_poll == CMDQ_POLL_UNLOCKED && p.inv_latency_ns == 9 &&
	      p.inv_range_page_ns == 8);
	/* Left out: one acquisition per batch, SYNC polled holding the lock. */
	path = put_file("default.profile", good, strlen(good));
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.cmdq_lock_hold == CMDQ_HOLD_BATCH && p.cmdq_sync_poll == CMDQ_POLL_LOCKED &&
	      p.ecmdq_cpus == 1);
	n = snprintf(text, sizeof(text), "%scmdq_lock_hold = sometimes\n", good);
	expect_refused("hold.profile", text, (size_t)n, -EINVAL,
		       PARTS("hold.profile:14: key 'cmdq_lock_hold': bad value 'sometimes' "
			     "(expected 'command' or 'batch')"));
	/* ecmdq with its group size; a lock-only key under it is refused. */
	{
		const char *at = strstr(good, "cmdq_model = lock\n");

		n = snprintf(text, sizeof(text), "%.*scmdq_model = ecmdq\n%secmdq_cpus = 4\n",
			     (int)(at - good), good, at + strlen("cmdq_model = lock\n"));
	}
	path = put_file("ecmdq.profile", text, (size_t)n);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.cmdq_model == CMDQ_ECMDQ && p.ecmdq_cpus == 4);
	n += snprintf(text + n, sizeof(text) - (size_t)n, "cmdq_sync_poll = locked\n");
	expect_refused("ecmdqlock.profile", text, (size_t)n, -EINVAL,
		       PARTS("key 'cmdq_sync_poll' applies to cmdq_model = lock only"));
	n = snprintf(text, sizeof(text), "%secmdq_cpus = 2\n", good);
	expect_refused("ecmdqcpus.profile", text, (size_t)n, -EINVAL,
		       PARTS("key 'ecmdq_cpus' applies to cmdq_model = ecmdq only"));
}

/* batch_size: optional (0 when left out), 1-4096 when given. */
static void test_batch_size_key(void)
{
	char text[2048];
	struct platform_profile p;
	char err[1024];
	const char *path;
	int n;

	path = put_file("nobatch.profile", good, strlen(good));
	REQUIRE(path);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.batch_size == 0, "left out: the driver's default");
	n = snprintf(text, sizeof(text), "%sbatch_size = 4096\n", good);
	path = put_file("batch.profile", text, (size_t)n);
	REQUIRE(path);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.batch_size == 4096);
	n = snprintf(text, sizeof(text), "%sbatch_size = 0\n", good);
	expect_refused("batch0.profile", text, (size_t)n, -EINVAL,
		       PARTS("batch0.profile:14: key 'batch_size'", "1", "4096"));
	n = snprintf(text, sizeof(text), "%sbatch_size = 4097\n", good);
	expect_refused("batch4097.profile", text, (size_t)n, -EINVAL,
		       PARTS("batch4097.profile:14: key 'batch_size'", "4096"));
}

/* based_on: the base's keys are given, may be set again once, and chain at most 4 deep. */
static void test_based_on(void)
{
	char text[2048];
	struct platform_profile p;
	char err[1024];
	const char *path;
	int n;

	REQUIRE(put_file("base.profile", good, strlen(good)));
	n = snprintf(text, sizeof(text), "based_on = ./base.profile\nname = derived\n"
		     "sync_ns = 60\nsource = the derived one\n");
	path = put_file("derived.profile", text, (size_t)n);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(p.name, "derived") && p.sync_ns == 60 && p.inv_all_ns == 5 &&
	      p.iotlb_sets == 64 && p.nsources == 1, "name %s sync %llu", p.name,
	      (unsigned long long)p.sync_ns);
	/* The base's name is not inherited. */
	n = snprintf(text, sizeof(text), "based_on = ./base.profile\nsync_ns = 60\n");
	expect_refused("noname.profile", text, (size_t)n, -EINVAL,
		       PARTS("noname.profile: missing key 'name'"));
	/* An override once; twice is refused. */
	n = snprintf(text, sizeof(text), "based_on = ./base.profile\nname = d\nsync_ns = 1\n"
		     "sync_ns = 2\n");
	expect_refused("twice.profile", text, (size_t)n, -EINVAL,
		       PARTS("twice.profile:4: key 'sync_ns' given twice"));
	/* First or not at all. */
	n = snprintf(text, sizeof(text), "name = d\nbased_on = ./base.profile\n");
	expect_refused("late.profile", text, (size_t)n, -EINVAL,
		       PARTS("late.profile:2: key 'based_on' after other keys"));
	/* A missing base is named; so is a loop. */
	n = snprintf(text, sizeof(text), "based_on = nosuch.profile/x\nname = d\n");
	expect_refused("missing.profile", text, (size_t)n, -ENOENT,
		       PARTS("nosuch.profile/x", "the base of"));
	n = snprintf(text, sizeof(text), "based_on = ./loop.profile\nname = l\n");
	expect_refused("loop.profile", text, (size_t)n, -EINVAL,
		       PARTS("more than 4 profiles deep"));
}

/*
 * Found by tests/fuzz/fuzz_profile: a profile based on a lock-model one
 * (cmdq_lock_hold = command) that moves to lockfree or ecmdq kept the base's
 * lock-only fields, and one based on an ecmdq profile moved to another model
 * kept its ecmdq_cpus -- so the same machine written out in full parsed to
 * another struct.  Keys of another model take their defaults.
 */
static void test_profile_based_on_model_change_resets_model_keys(void)
{
	struct platform_profile p, full;
	char text[2048], err[1024];
	const char *path;
	int head = (int)(strstr(good, "cmdq_model") - good), n;
	const char *tail = strstr(good, "cmdq_issue_ns");

	n = snprintf(text, sizeof(text), "%scmdq_lock_hold = command\ncmdq_sync_poll = unlocked\n",
		     good);
	REQUIRE(put_file("lockbase.profile", text, (size_t)n));
	n = snprintf(text, sizeof(text), "based_on = ./lockbase.profile\nname = lf\n"
		     "cmdq_model = lockfree\n");
	path = put_file("lf.profile", text, (size_t)n);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.cmdq_model == CMDQ_LOCKFREE && p.cmdq_lock_hold == CMDQ_HOLD_BATCH &&
	      p.cmdq_sync_poll == CMDQ_POLL_LOCKED, "lock-only fields kept: hold %d poll %d",
	      p.cmdq_lock_hold, p.cmdq_sync_poll);
	/* The same machine in full is the same struct, but for what based_on does not pass on. */
	n = snprintf(text, sizeof(text), "%.*scmdq_model = lockfree\n%s", head, good, tail);
	path = put_file("lffull.profile", text, (size_t)n);
	REQUIRE(profile_parse_file(path, &full, err, sizeof(err)) == 0, "%s", err);
	memcpy(full.name, p.name, sizeof(full.name));
	memcpy(full.file, p.file, sizeof(full.file));
	memcpy(full.description, p.description, sizeof(full.description));
	CHECK(!memcmp(&p, &full, sizeof(p)), "based_on and in full differ");

	n = snprintf(text, sizeof(text), "%.*scmdq_model = ecmdq\necmdq_cpus = 4\n%s", head, good,
		     tail);
	REQUIRE(put_file("ecmdqbase.profile", text, (size_t)n));
	n = snprintf(text, sizeof(text), "based_on = ./ecmdqbase.profile\nname = e\n"
		     "cmdq_model = lockfree\n");
	path = put_file("e.profile", text, (size_t)n);
	REQUIRE(profile_parse_file(path, &p, err, sizeof(err)) == 0, "%s", err);
	CHECK(p.cmdq_model == CMDQ_LOCKFREE && p.ecmdq_cpus == 1, "ecmdq_cpus %u kept",
	      p.ecmdq_cpus);
}

/*
 * Found by tests/fuzz/fuzz_profile: a CR was let through anywhere in the
 * last two bytes of a line, so a last line without a newline such as
 * "ecmdq_a<CR>x" passed the text check, and the CR reached the message
 * (and could reach a value).  A CR passes only as a CRLF's, or as the
 * file's last byte.
 */
static void test_profile_lone_cr_in_last_line(void)
{
	char text[1024];
	struct platform_profile p;
	char err[1024];
	const char *path;
	int n;

	expect_refused("cr.profile", "name = a\rx", 10, -EINVAL,
		       PARTS("cr.profile:1: control character 0x0d at column 9"));
	n = snprintf(text, sizeof(text), "%snote = x\ry", good);
	expect_refused("crdesc.profile", text, (size_t)n, -EINVAL,
		       PARTS("crdesc.profile:14: control character 0x0d"));
	/* A CRLF file, its last line with or without the LF, still parses. */
	n = snprintf(text, sizeof(text), "name = crlf\r\niotlb_sets = 64\r\niotlb_ways = 4\r\n"
		     "cmdq_model = lock\r\ncmdq_issue_ns = 1\r\ncmdq_issue_per_cmd_ns = 2\r\n"
		     "inv_range_ns = 3\r\ninv_domain_ns = 4\r\ninv_all_ns = 5\r\nsync_ns = 6\r\n"
		     "iotlb_miss_ns = 7\r");
	path = put_file("crlf.profile", text, (size_t)n);
	REQUIRE(path);
	CHECK(profile_parse_file(path, &p, err, sizeof(err)) == 0 && !strcmp(p.name, "crlf") &&
	      p.iotlb_miss_ns == 7, "%s", err);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		TEST(test_valid_profile_parses),
		TEST(test_seventeen_sources_name_the_limit),
		TEST(test_nul_byte_named),
		TEST(test_control_characters),
		TEST(test_long_line),
		TEST(test_bad_numbers),
		TEST(test_bad_keys),
		TEST(test_directory_is_not_a_profile),
		TEST(test_missing_profile_dir),
		TEST(test_cost_table),
		TEST(test_cmdq_model_keys),
		TEST(test_batch_size_key),
		TEST(test_based_on),
		TEST(test_profile_based_on_model_change_resets_model_keys),
		TEST(test_profile_lone_cr_in_last_line),
	};
	int ret;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = test_main(argc, argv, cases, ARRAY_SIZE(cases));
	cleanup();
	return ret;
}
