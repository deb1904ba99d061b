// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzz_profile.c - the profile parser (machine/profile.c) on arbitrary text.
 *
 * The input is the whole text of a profile file.  profile_parse_file() must
 * either accept it or refuse it, and each answer has a contract
 * (include/dmareuse/profile.h) checked here, beyond "no crash":
 *
 *  - refused: -EINVAL, -ENOENT or -EIO; the output struct all zero whatever
 *    it held before; the message one line of printable text naming a file;
 *  - accepted: every field within the range the grammar states (a name of
 *    [A-Za-z0-9._-], iotlb_sets a power of two, strings terminated and free
 *    of control characters, enums valid, the cost table all or nothing);
 *  - an accepted profile written back out as key = value lines parses to
 *    the same struct (nothing the parser keeps depends on layout, comments
 *    or blanks), and parsing is a function of the bytes (twice, same
 *    struct; for a refusal, the same message -- checked over the corpus
 *    only, FUZZ_REGRESS set, as it would halve the fuzzing speed).
 *
 * based_on lines name profiles of the tree's profiles/ (the build's
 * default directory) or paths; both are fair game.
 */
#include <dmareuse/profile.h>
#include <dmareuse/vtime.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzzlib.h"

/* Printable text: no control byte but tab (a message or value is one line). */
static bool one_line(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == max)
		return false;	/* not terminated within its field */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void check_accepted(const struct platform_profile *p)
{
	size_t n = strnlen(p->name, sizeof(p->name));

	FUZZ_CHECK(n >= 1 && n < sizeof(p->name), "name of 1-63 characters");
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(isalnum((unsigned char)p->name[i]) || strchr("._-", p->name[i]),
			   "name characters [A-Za-z0-9._-]");
	FUZZ_CHECK(one_line(p->description, sizeof(p->description)), "description is text");
	FUZZ_CHECK(one_line(p->file, sizeof(p->file)), "file is text");
	FUZZ_CHECK(p->iotlb_sets >= 1 && p->iotlb_sets <= 65536 &&
		   !(p->iotlb_sets & (p->iotlb_sets - 1)), "iotlb_sets a power of two <= 65536");
	FUZZ_CHECK(p->iotlb_ways >= 1 && p->iotlb_ways <= 64, "iotlb_ways in 1-64");
	FUZZ_CHECK(p->cmdq_model <= CMDQ_ECMDQ, "cmdq_model valid");
	FUZZ_CHECK(p->cmdq_lock_hold <= CMDQ_HOLD_BATCH, "cmdq_lock_hold valid");
	FUZZ_CHECK(p->cmdq_sync_poll <= CMDQ_POLL_LOCKED, "cmdq_sync_poll valid");
	FUZZ_CHECK(p->ecmdq_cpus >= 1 && p->ecmdq_cpus <= 1024, "ecmdq_cpus in 1-1024");
	FUZZ_CHECK(p->cmdq_model == CMDQ_ECMDQ || p->ecmdq_cpus == 1,
		   "ecmdq_cpus only with the ecmdq model");
	FUZZ_CHECK(p->cmdq_issue_ns <= 10000000 && p->cmdq_issue_per_cmd_ns <= 10000000 &&
		   p->inv_range_ns <= 10000000 && p->inv_range_page_ns <= 10000000 &&
		   p->inv_domain_ns <= 10000000 && p->inv_all_ns <= 10000000 &&
		   p->inv_latency_ns <= 10000000 && p->sync_ns <= 10000000 &&
		   p->iotlb_miss_ns <= 10000000, "latencies within 10 ms");
	FUZZ_CHECK(p->batch_size <= 4096, "batch_size in 0-4096");
	FUZZ_CHECK(p->nsources <= PROFILE_MAX_SOURCES, "at most PROFILE_MAX_SOURCES sources");
	for (unsigned int i = 0; i < p->nsources; i++)
		FUZZ_CHECK(one_line(p->sources[i], sizeof(p->sources[i])), "source is text");
	for (unsigned int i = p->nsources; i < PROFILE_MAX_SOURCES; i++)
		FUZZ_CHECK(is_zero(p->sources[i], sizeof(p->sources[i])), "unused source zero");
	for (int c = 0; c < COST_COUNT; c++) {
		FUZZ_CHECK(p->cost_ps[c] <= 10000000000ull, "cost within 10 ms");
		FUZZ_CHECK(p->has_costs || !p->cost_ps[c], "no cost without the cost table");
	}
}

/* @p as profile text: every key it has, in the parser's own words. */
static size_t write_profile(const struct platform_profile *p, char *buf, size_t len)
{
	static const char *const model[] = { "lock", "lockfree", "ecmdq" };
	static const char *const hold[] = { "command", "batch" };
	static const char *const poll[] = { "unlocked", "locked" };
	FILE *f = fmemopen(buf, len, "w");
	size_t n;

	FUZZ_CHECK(f, "fmemopen");
	fprintf(f, "name = %s\n", p->name);
	if (p->description[0])
		fprintf(f, "description = %s\n", p->description);
	fprintf(f, "iotlb_sets = %u\niotlb_ways = %u\ncmdq_model = %s\n", p->iotlb_sets,
		p->iotlb_ways, model[p->cmdq_model]);
	if (p->cmdq_model == CMDQ_LOCK)
		fprintf(f, "cmdq_lock_hold = %s\ncmdq_sync_poll = %s\n",
			hold[p->cmdq_lock_hold], poll[p->cmdq_sync_poll]);
	if (p->cmdq_model == CMDQ_ECMDQ)
		fprintf(f, "ecmdq_cpus = %u\n", p->ecmdq_cpus);
	fprintf(f, "cmdq_issue_ns = %" PRIu64 "\ncmdq_issue_per_cmd_ns = %" PRIu64 "\n"
		"inv_range_ns = %" PRIu64 "\ninv_range_page_ns = %" PRIu64 "\n"
		"inv_domain_ns = %" PRIu64 "\ninv_all_ns = %" PRIu64 "\n"
		"inv_latency_ns = %" PRIu64 "\nsync_ns = %" PRIu64 "\niotlb_miss_ns = %" PRIu64
		"\n", p->cmdq_issue_ns, p->cmdq_issue_per_cmd_ns, p->inv_range_ns,
		p->inv_range_page_ns, p->inv_domain_ns, p->inv_all_ns, p->inv_latency_ns,
		p->sync_ns, p->iotlb_miss_ns);
	if (p->batch_size)
		fprintf(f, "batch_size = %u\n", p->batch_size);
	for (unsigned int i = 0; i < p->nsources; i++)
		fprintf(f, "source = %s\n", p->sources[i]);
	for (int c = 0; p->has_costs && c < COST_COUNT; c++)
		fprintf(f, "cost_%s_ns = %" PRIu64 ".%03" PRIu64 "\n",
			vtime_cost_name((enum vtime_cost)c), p->cost_ps[c] / 1000,
			p->cost_ps[c] % 1000);
	FUZZ_CHECK(!ferror(f), "writing the profile back");
	n = (size_t)ftell(f);
	fclose(f);
	FUZZ_CHECK(n < len, "the profile written back fits");
	return n;
}

/* Equal but for .file, which names where each copy was read from. */
static bool same_profile(const struct platform_profile *a, const struct platform_profile *b)
{
	struct platform_profile x = *a, y = *b;

	memset(x.file, 0, sizeof(x.file));
	memset(y.file, 0, sizeof(y.file));
	return !memcmp(&x, &y, sizeof(x));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct platform_profile out, again;
	static char text[64 * 1024];
	char err[1024], err2[1024];
	const char *path;
	int ret, ret2;

	path = fuzz_write_file("fuzz.profile", data, size);
	memset(&out, 0xa5, sizeof(out));
	memset(err, 'x', sizeof(err));
	ret = profile_parse_file(path, &out, err, sizeof(err));
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL || ret == -ENOENT || ret == -EIO, "refusal is -errno");
		FUZZ_CHECK(is_zero(&out, sizeof(out)), "refused: output all zero");
		FUZZ_CHECK(err[0] && one_line(err, sizeof(err)), "refused: one line of text");
		FUZZ_CHECK(strstr(err, "profile"), "refused: the message names a profile file");
		if (getenv("FUZZ_REGRESS")) {	/* a third of the time of a refusal: corpus only */
			ret2 = profile_parse_file(path, &again, err2, sizeof(err2));
			FUZZ_CHECK(ret2 == ret && !strcmp(err, err2), "refusal is deterministic");
		}
		return 0;
	}
	check_accepted(&out);
	FUZZ_CHECK(!strcmp(out.file, path), "file names what was read");
	ret2 = profile_parse_file(path, &again, err2, sizeof(err2));
	FUZZ_CHECK(!ret2 && same_profile(&out, &again), "parsing is deterministic");

	/* Round trip: the accepted values, written plainly, mean the same profile. */
	size = write_profile(&out, text, sizeof(text));
	path = fuzz_write_file("again.profile", (const uint8_t *)text, size);
	ret2 = profile_parse_file(path, &again, err2, sizeof(err2));
	if (ret2)
		fprintf(stderr, "round trip refused: %s\n", err2);
	FUZZ_CHECK(!ret2, "an accepted profile written back is accepted");
	FUZZ_CHECK(same_profile(&out, &again), "an accepted profile written back is the same");
	return 0;
}
