// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * fuzz_cli.c - dmabench's argument parsing: map, run, scale, sweep, plot.
 *
 * The first byte picks the command; the rest, split at NUL bytes, is its
 * arguments.  The command's parse step (tools/dmabench.h, "parse steps")
 * runs with usage_catch set, so a refusal returns here instead of exiting;
 * nothing is run.  Checked, beyond "no crash":
 *
 *  - refused: the message is one line, "dmabench: ..." of printable text;
 *  - whatever the answer, the parse step wrote no file (it runs in an
 *    empty directory of the harness's own, where a relative --output
 *    would land);
 *  - accepted: the values are within the ranges the help states, and the
 *    accepted options written back as one canonical argv (every value
 *    explicit, the profile by its path) parse to the same values -- what
 *    was accepted was understood, not merely survived.
 */
#include <dmareuse/reuse.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmabench.h"
#include "fuzzlib.h"

#define MAX_ARGS 64

/* An argv built word by word: the canonical form of an accepted parse. */
struct args {
	int argc;
	char *argv[MAX_ARGS + 1];
	char store[16384];
	size_t used;
};

__attribute__((format(printf, 2, 3)))
static void add(struct args *a, const char *fmt, ...)
{
	size_t room = sizeof(a->store) - a->used;
	va_list ap;
	int n;

	FUZZ_CHECK(a->argc < MAX_ARGS, "canonical argv: too many words");
	va_start(ap, fmt);
	n = vsnprintf(a->store + a->used, room, fmt, ap);
	va_end(ap);
	FUZZ_CHECK(n >= 0 && (size_t)n < room, "canonical argv: out of room");
	a->argv[a->argc++] = a->store + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
}

static void add_strategies(struct args *a, const bool *want, bool all)
{
	char list[256] = "";
	size_t at = 0;

	for (int s = 0; s < RS_COUNT && !all; s++)
		if (want[s])
			at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", at ? "," : "",
					       reuse_strategy_name((enum reuse_strategy)s));
	add(a, "--strategy");
	add(a, "%s", all ? "all" : list);
}

static char msg[8192];
static FILE *msg_f;

/* Parse with usage_catch armed.  Return: -1 refused, else the parse step's value. */
static int try_parse(int cmd, int argc, char **argv, void *out)
{
	static struct usage_catch uc;
	volatile int ret = -1;

	memset(msg, 0, sizeof(msg));
	msg_f = fmemopen(msg, sizeof(msg) - 1, "w");
	FUZZ_CHECK(msg_f, "fmemopen");
	uc.out = msg_f;
	usage_catch = &uc;
	if (!setjmp(uc.env)) {
		switch (cmd) {
		case 0: ret = map_parse(argc, argv, out); break;
		case 1: ret = run_parse(argc, argv, false, out); break;
		case 2: ret = scale_parse(argc, argv, out); break;
		case 3: ret = sweep_parse(argc, argv, out); break;
		default: ret = plot_parse(argc, argv, out); break;
		}
	}
	usage_catch = NULL;
	fclose(msg_f);
	return ret;
}

static void check_refusal(void)
{
	size_t n = strlen(msg);

	FUZZ_CHECK(n > 11 && !strncmp(msg, "dmabench: ", 10), "refusal starts 'dmabench: '");
	FUZZ_CHECK(msg[n - 1] == '\n', "refusal ends its line");
	for (size_t i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)msg[i];

		/* Bytes >= 0x80 may come from the argument itself; control bytes never. */
		FUZZ_CHECK(c >= 0x20 && c != 0x7f, "refusal is one line of text");
	}
}

/* The parse step never creates a file: the working directory stays empty. */
static void check_nothing_written(void)
{
	DIR *d = opendir(".");
	struct dirent *e;

	FUZZ_CHECK(d, "opendir .");
	while ((e = readdir(d)))
		FUZZ_CHECK(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."),
			   "a parse step wrote a file");
	closedir(d);
}

static const char *const formats3[] = { "table", "json", "csv" };
static const char *const map_formats[] = { "text", "json", "csv" };
static const char *const clocks[] = { "real", "virtual" };

static void map_round_trip(const struct map_opts *o)
{
	static struct map_opts again;
	const struct map_bench_params *p = &o->p, *q = &again.p;
	struct args a = { 0 };

	FUZZ_CHECK(p->threads >= 1 && p->threads <= (p->virtual_time ? 256u : 1024u),
		   "map: threads in range");
	FUZZ_CHECK(p->seconds >= 1 && p->seconds <= 300 && p->dir <= 2 && p->node == -1 &&
		   p->granule >= 1 && p->granule <= 1024 && p->dma_bits >= 20 &&
		   p->dma_bits <= 64 && p->trans_ns <= 10000000 &&
		   p->iterations <= 1000000000, "map: values in range");
	FUZZ_CHECK(!reuse_pair_why_not(p->pair), "map: the pair is one the table allows");
	FUZZ_CHECK(!p->batch_size || p->pair.mech == RMECH_BATCH, "map: batch-size only batch");
	FUZZ_CHECK(!p->virtual_time || o->prof.has_costs, "map: virtual time has costs");
	FUZZ_CHECK(o->prof.name[0] && !p->profile, "map: a profile loaded, not yet linked");

	add(&a, "map");
	add(&a, "-t");
	add(&a, "%u", p->threads);
	add(&a, "-s");
	add(&a, "%u", p->seconds);
	add(&a, "-n");
	add(&a, "%d", p->node);
	add(&a, "-b");
	add(&a, "%u", p->dma_bits);
	add(&a, "-d");
	add(&a, "%u", p->dir);
	add(&a, "-x");
	add(&a, "%u", p->trans_ns);
	add(&a, "-g");
	add(&a, "%u", p->granule);
	add(&a, "--strategy");
	add(&a, "%s", o->strategy);
	add(&a, "--mode");
	add(&a, "%s", reuse_mode_name(p->pair.mode));
	add(&a, "--platform");
	add(&a, "%s", o->prof.file);
	if (p->iterations) {
		add(&a, "--iterations");
		add(&a, "%llu", (unsigned long long)p->iterations);
	}
	if (p->debug)
		add(&a, "--dma-debug");
	if (p->batch_size) {
		add(&a, "--batch-size");
		add(&a, "%u", p->batch_size);
	}
	add(&a, "--format");
	add(&a, "%s", map_formats[o->fmt]);
	add(&a, "--clock");
	add(&a, "%s", clocks[p->virtual_time]);
	if (try_parse(0, a.argc, a.argv, &again))
		fprintf(stderr, "canonical map argv refused: %s", msg);
	FUZZ_CHECK(!strcmp(msg, ""), "map: the canonical argv is accepted");
	FUZZ_CHECK(q->threads == p->threads && q->seconds == p->seconds &&
		   q->iterations == p->iterations && q->dir == p->dir &&
		   q->trans_ns == p->trans_ns && q->granule == p->granule &&
		   q->dma_bits == p->dma_bits && q->node == p->node &&
		   q->pair.mode == p->pair.mode && q->pair.mech == p->pair.mech &&
		   q->batch_size == p->batch_size && q->debug == p->debug &&
		   q->virtual_time == p->virtual_time && again.fmt == o->fmt &&
		   !strcmp(again.strategy, o->strategy) &&
		   !memcmp(&again.prof, &o->prof, sizeof(o->prof)), "map: round trip");
}

static void run_round_trip(const struct run_cfg *c)
{
	static const char *const wl[] = { "zswap", "net", "map" };
	static const char *const compl[] = { "auto", "irq", "poll" };
	static struct run_cfg d;
	struct args a = { 0 };

	FUZZ_CHECK(c->threads >= 1 && c->threads <= 64 && c->seconds >= 1 &&
		   c->seconds <= 300 && c->ops <= 100000000 && c->size <= 4194304,
		   "run: values in range");
	FUZZ_CHECK(c->wl != WL_MAP || !c->rogue, "run: no rogue for map");
	FUZZ_CHECK(!c->virtual_cost || c->prof.has_costs, "run: virtual time has costs");
	FUZZ_CHECK(!c->batch_size || c->want[RS_BATCH], "run: batch-size only with batch");

	add(&a, "run");
	add(&a, "--workload");
	add(&a, "%s", wl[c->wl]);
	add_strategies(&a, c->want, c->want_all);
	add(&a, "--platform");
	add(&a, "%s", c->prof.file);
	add(&a, "--threads");
	add(&a, "%u", c->threads);
	add(&a, "--seconds");
	add(&a, "%u", c->seconds);
	if (c->ops) {
		add(&a, "--ops");
		add(&a, "%llu", (unsigned long long)c->ops);
	}
	if (c->size) {
		add(&a, "--size");
		add(&a, "%zu", c->size);
	}
	if (c->mix) {
		add(&a, "--mix");
		add(&a, "%s", c->mix);
	}
	if (c->wl != WL_MAP) {
		add(&a, c->rogue ? "--rogue" : "--no-rogue");
		add(&a, "--isolation-clock");
		add(&a, "%s", clocks[c->virtual_iso]);
	}
	add(&a, "--clock");
	add(&a, "%s", clocks[c->virtual_cost]);
	if (c->wl == WL_ZSWAP) {
		add(&a, "--completion");
		add(&a, "%s", compl[c->completion]);
	}
	add(&a, "--seed");
	add(&a, "%llu", (unsigned long long)c->seed);
	if (c->batch_size) {
		add(&a, "--batch-size");
		add(&a, "%u", c->batch_size);
	}
	add(&a, "--format");
	add(&a, "%s", formats3[c->fmt]);
	if (c->output) {
		add(&a, "--output");
		add(&a, "%s", c->output);
	}
	if (c->json) {
		add(&a, "--json");
		add(&a, "%s", c->json);
	}
	if (c->mode >= 0) {
		add(&a, "--mode");
		add(&a, "%s", reuse_mode_name((enum reuse_mode)c->mode));
	}
	if (try_parse(1, a.argc, a.argv, &d))
		fprintf(stderr, "canonical run argv refused: %s", msg);
	FUZZ_CHECK(!strcmp(msg, ""), "run: the canonical argv is accepted");
	FUZZ_CHECK(d.wl == c->wl && !memcmp(d.want, c->want, sizeof(d.want)) &&
		   d.want_all == c->want_all && d.mode == c->mode && d.threads == c->threads &&
		   d.seconds == c->seconds && d.ops == c->ops && d.size == c->size &&
		   !d.mix == !c->mix && (!c->mix || !strcmp(d.mix, c->mix)) &&
		   d.rogue == c->rogue && d.virtual_cost == c->virtual_cost &&
		   d.virtual_iso == c->virtual_iso && d.completion == c->completion &&
		   d.poll == c->poll && !strcmp(d.completion_why, c->completion_why) &&
		   d.seed == c->seed && d.batch_size == c->batch_size && d.fmt == c->fmt &&
		   !d.output == !c->output && (!c->output || !strcmp(d.output, c->output)) &&
		   !d.json == !c->json && (!c->json || !strcmp(d.json, c->json)) &&
		   !memcmp(&d.prof, &c->prof, sizeof(c->prof)), "run: round trip");
}

static void scale_round_trip(const struct scale_cfg *c)
{
	static const char *const wl[] = { "map", "zswap", "net" };
	static struct scale_cfg d;
	struct args a = { 0 };
	char list[256] = "";
	size_t at = 0;

	FUZZ_CHECK(c->ncols >= 1 && c->ncols <= SCALE_MAX_COLS && c->ops >= 1 &&
		   c->prof.has_costs, "scale: values in range");
	FUZZ_CHECK(!c->batch_size || c->want[RS_BATCH], "scale: batch-size only with batch");
	add(&a, "scale");
	add(&a, "--workload");
	add(&a, "%s", wl[c->wl]);
	for (unsigned int k = 0; k < c->ncols; k++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%u", k ? "," : "",
				       c->cpus[k]);
	add(&a, "--cpus");
	add(&a, "%s", list);
	add_strategies(&a, c->want, false);
	add(&a, "--platform");
	add(&a, "%s", c->prof.file);
	add(&a, "--ops");
	add(&a, "%llu", (unsigned long long)c->ops);
	if (c->size) {
		add(&a, "--size");
		add(&a, "%zu", c->size);
	}
	add(&a, "--seed");
	add(&a, "%llu", (unsigned long long)c->seed);
	add(&a, "--format");
	add(&a, "%s", formats3[c->fmt]);
	if (c->output) {
		add(&a, "--output");
		add(&a, "%s", c->output);
	}
	if (c->batch_size) {
		add(&a, "--batch-size");
		add(&a, "%u", c->batch_size);
	}
	if (try_parse(2, a.argc, a.argv, &d))
		fprintf(stderr, "canonical scale argv refused: %s", msg);
	FUZZ_CHECK(!strcmp(msg, ""), "scale: the canonical argv is accepted");
	FUZZ_CHECK(d.wl == c->wl && !memcmp(d.want, c->want, sizeof(d.want)) &&
		   d.ncols == c->ncols && !memcmp(d.cpus, c->cpus, sizeof(d.cpus)) &&
		   d.ops == c->ops && d.size == c->size && d.seed == c->seed &&
		   d.batch_size == c->batch_size && d.fmt == c->fmt &&
		   !d.output == !c->output && (!c->output || !strcmp(d.output, c->output)) &&
		   !memcmp(&d.prof, &c->prof, sizeof(c->prof)), "scale: round trip");
}

static void sweep_round_trip(const struct sweep_cfg *c)
{
	static struct sweep_cfg d;
	struct args a = { 0 };
	char list[512] = "";
	size_t at = 0;

	FUZZ_CHECK(c->ncols >= 1 && c->ncols <= SWEEP_MAX_COLS && c->cpus >= 1 &&
		   c->cpus <= 256 && c->ops >= 1 && (!c->virtual_time || c->prof.has_costs),
		   "sweep: values in range");
	for (unsigned int k = 0; k < c->ncols; k++)
		FUZZ_CHECK(c->sizes[k] && !(c->sizes[k] % 4096), "sweep: sizes whole pages");
	add(&a, "sweep");
	for (unsigned int k = 0; k < c->ncols; k++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%zu", k ? "," : "",
				       c->sizes[k]);
	add(&a, "--size");
	add(&a, "%s", list);
	add_strategies(&a, c->want, false);
	add(&a, "--platform");
	add(&a, "%s", c->prof.file);
	add(&a, "--cpus");
	add(&a, "%u", c->cpus);
	add(&a, "--ops");
	add(&a, "%llu", (unsigned long long)c->ops);
	add(&a, "--clock");
	add(&a, "%s", clocks[c->virtual_time]);
	add(&a, "--format");
	add(&a, "%s", formats3[c->fmt]);
	if (c->output) {
		add(&a, "--output");
		add(&a, "%s", c->output);
	}
	if (try_parse(3, a.argc, a.argv, &d))
		fprintf(stderr, "canonical sweep argv refused: %s", msg);
	FUZZ_CHECK(!strcmp(msg, ""), "sweep: the canonical argv is accepted");
	FUZZ_CHECK(!memcmp(d.want, c->want, sizeof(d.want)) && d.ncols == c->ncols &&
		   !memcmp(d.sizes, c->sizes, sizeof(d.sizes)) && d.cpus == c->cpus &&
		   d.ops == c->ops && d.virtual_time == c->virtual_time && d.fmt == c->fmt &&
		   !d.output == !c->output && (!c->output || !strcmp(d.output, c->output)) &&
		   !memcmp(&d.prof, &c->prof, sizeof(c->prof)), "sweep: round trip");
}

static void plot_round_trip(const struct plot_args *p)
{
	static const char *const fmts[] = { "svg", "png" };
	struct plot_args q;
	struct args a = { 0 };

	FUZZ_CHECK(p->in && p->out && *p->out && p->in[0] != '-' && p->fmt >= 0 && p->fmt <= 1,
		   "plot: values in range");
	add(&a, "plot");
	add(&a, "%s", p->in);
	add(&a, "-o");
	add(&a, "%s", p->out);
	add(&a, "--format");
	add(&a, "%s", fmts[p->fmt]);
	if (try_parse(4, a.argc, a.argv, &q))
		fprintf(stderr, "canonical plot argv refused: %s", msg);
	FUZZ_CHECK(!strcmp(msg, ""), "plot: the canonical argv is accepted");
	FUZZ_CHECK(!strcmp(q.in, p->in) && !strcmp(q.out, p->out) && q.fmt == p->fmt,
		   "plot: round trip");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

static int home_fd, scratch_fd;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	unsetenv("DMAREUSE_PROFILE_DIR");	/* the tree's profiles/ */
	home_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	scratch_fd = open(fuzz_scratch_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FUZZ_CHECK(home_fd >= 0 && scratch_fd >= 0, "open the working directories");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "map", "run", "scale", "sweep", "plot" };
	static union {
		struct map_opts map;
		struct run_cfg run;
		struct scale_cfg scale;
		struct sweep_cfg sweep;
		struct plot_args plot;
	} out;
	char *argv[MAX_ARGS + 1], *mem;
	int cmd, argc, ret;

	if (!size)
		return 0;
	cmd = data[0] % 5;
	argv[0] = (char *)names[cmd];
	argc = fuzz_argv(data + 1, size - 1, argv + 1, MAX_ARGS, &mem);
	FUZZ_CHECK(argc >= 0, "no memory");
	argc++;
	/* In the empty directory while parsing, where a relative path would land. */
	FUZZ_CHECK(!fchdir(scratch_fd), "fchdir scratch");
	ret = try_parse(cmd, argc, argv, &out);
	check_nothing_written();
	if (ret < 0) {
		check_refusal();
	} else if (ret == 0) {
		FUZZ_CHECK(!msg[0], "accepted without a word on the error stream");
		switch (cmd) {
		case 0: map_round_trip(&out.map); break;
		case 1: run_round_trip(&out.run); break;
		case 2: scale_round_trip(&out.scale); break;
		case 3: sweep_round_trip(&out.sweep); break;
		default: plot_round_trip(&out.plot); break;
		}
		check_nothing_written();
	}
	FUZZ_CHECK(!fchdir(home_fd), "fchdir back");
	free(mem);
	return 0;
}
