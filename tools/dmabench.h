/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dmabench.h - shared helpers of dmabench's subcommands (tools/ only).
 */
#ifndef DMAREUSE_TOOLS_DMABENCH_H
#define DMAREUSE_TOOLS_DMABENCH_H

#include <dmareuse/map_bench.h>
#include <dmareuse/profile.h>
#include <dmareuse/reuse.h>
#include <dmareuse/workload.h>

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_USAGE 2

/* getopt_long() values of options that have no one-letter form: above any char. */
#define OPT_LONG_ONLY 256
/* Room for "seen" flags indexed by option value (opt_once()). */
#define OPT_MAX_VAL 320

extern const char *prog;
extern char cmdline[4096];

/*
 * A test seam (tests/fuzz/): while usage_catch is set, usage_error() writes
 * to @out instead of stderr and longjmp()s to @env instead of exiting, so a
 * harness can call a parse step (map_parse(), ...) on input after input.
 */
struct usage_catch {
	jmp_buf env;
	FILE *out;
};
extern struct usage_catch *usage_catch;

/** msg_stream() - where messages about bad input go: stderr, or usage_catch->out. */
FILE *msg_stream(void);
/**
 * msg_error() - print "dmabench: MESSAGE" on msg_stream(), a control byte
 * of MESSAGE (one from a value the user gave) written as \xNN: one line.
 */
__attribute__((format(printf, 1, 2)))
void msg_error(const char *fmt, ...);
/** usage_error() - msg_error(), then exit with status 2 (see usage_catch). */
__attribute__((format(printf, 1, 2), noreturn))
void usage_error(const char *fmt, ...);
/**
 * parse_int() - a decimal integer for @flag within [@lo, @hi], or exit 2
 * naming the value: empty, not an integer (sign and digits only: no blanks,
 * no '+', no trailing characters) or out of range.
 */
long long parse_int(const char *flag, const char *v, long long lo, long long hi);
/**
 * parse_choice() - the index of @v among @names[0..@n-1], or exit 2 with
 * "FLAG: 'V' is not WHAT (expected a, b or c)"; @what reads "a format".
 */
int parse_choice(const char *flag, const char *v, const char *what,
		 const char *const *names, int n);
/**
 * opt_error() - exit 2 for what getopt_long() refused (it returned @c, ':'
 * or '?', with opterr 0 and @shortopts starting with ':'): the option with
 * no value, the unknown or ambiguous option, or the option given a value
 * it does not take, each named as the user wrote it.  Options without a
 * one-letter form must have values from OPT_LONG_ONLY up.
 */
__attribute__((noreturn))
void opt_error(const char *cmd, int c, char **argv, const char *shortopts,
	       const struct option *opts);
/**
 * opt_once() - exit 2 if the option of value @val was already given
 * (@seen[@val] set; @seen holds OPT_MAX_VAL flags), else mark it.
 */
void opt_once(const char *cmd, bool *seen, int val, const struct option *opts);
/** load_platform() - profile @name into @p, or exit 2 saying why (usage_error()). */
void load_platform(const char *name, struct platform_profile *p);
/** strategy_list() - "passthrough, strict, ..." */
const char *strategy_list(void);
/**
 * parse_strategy_list() - --strategy LIST: "all", or names separated by
 * commas, each once, into @want; an empty list or item is refused (exit 2)
 * like a bad name.
 */
void parse_strategy_list(const char *list, bool want[RS_COUNT]);
/**
 * parse_mode() - the IOMMU mode --mode names (enum reuse_mode), or exit 2
 * naming the value and the modes.
 */
int parse_mode(const char *v);
/**
 * strategy_under() - the pair strategy @s stands for under --mode @mode
 * @s: the strategy
 * @mode: an enum reuse_mode, or -1 for none given (@s keeps its own mode)
 * @out: receives the pair
 *
 * Return: NULL; or why the pair cannot be had, naming it: @s names a mode
 * with no mechanism and @mode is another one, or the strategy table refuses
 * the pair.  The message is valid until the next call.
 */
const char *strategy_under(enum reuse_strategy s, int mode, struct reuse_pair *out);

/* ---- JSON (jsonio.c) ----------------------------------------------------- */

/** jsonio_text() - @s as a JSON string; bytes of non-UTF-8 text become '?'. NULL: no memory. */
json_t *jsonio_text(const char *s);
/** jsonio_round() - @v rounded to @decimals as a JSON real; NULL if @v is not finite. */
json_t *jsonio_round(double v, int decimals);
/** jsonio_u64() - @v as a JSON integer (a real above INT64_MAX). */
json_t *jsonio_u64(uint64_t v);
/**
 * jsonio_write() - @doc in dmabench's layout (see jsonio.c), then a newline.
 * Return: 0, or -1 if encoding or writing failed.
 */
int jsonio_write(FILE *f, const json_t *doc);

/* ---- output files (output.c) --------------------------------------------- */

struct outfile {
	FILE *f;			/* write here */
	const char *flag, *path;	/* for messages: "--output", as given */
	char dest[PATH_MAX];		/* the file to replace (a link followed) */
	char tmp[PATH_MAX];		/* the temporary file; "" when writing directly */
};

/**
 * outfile_open() - start writing @path for option @flag: into a temporary
 * file beside it, renamed over it by outfile_commit().
 * Return: 0, or -1 after printing why (nothing created).
 */
int outfile_open(struct outfile *o, const char *flag, const char *path);
/**
 * outfile_commit() - close and rename into place.
 * Return: 0, or -1 after printing why (the temporary file removed, @path
 * untouched).
 */
int outfile_commit(struct outfile *o);
/** outfile_abort() - close and remove the temporary file; @path untouched. */
void outfile_abort(struct outfile *o);

/**
 * csv_field() - write @s as one CSV field (RFC 4180): as it is, or, if it
 * holds a comma, a double quote, a CR or a LF, or starts or ends with a
 * blank, in double quotes with each double quote doubled.
 */
void csv_field(FILE *f, const char *s);

/* ---- parse steps ---------------------------------------------------------
 *
 * Each subcommand reads and checks all of its arguments in a parse step that
 * runs nothing and writes nothing, then runs.  The parse step exits 2 through
 * usage_error() for anything refused, so what it returns was accepted:
 * 0, run; 1, --help was printed (exit 0).  The fuzz harness
 * tests/fuzz/fuzz_cli.c calls them with usage_catch set.
 */

/* `map`'s options, parsed and checked. */
struct map_opts {
	struct map_bench_params p;	/* .profile left NULL: &prof before running */
	const char *strategy;		/* as given (the output names it so) */
	const char *platform;		/* as given */
	int fmt;			/* 0 text, 1 json, 2 csv */
	int clock;			/* --clock: 0 real, 1 virtual; -1 not given */
	int mode;			/* --mode: an enum reuse_mode; -1 not given */
	struct platform_profile prof;	/* --platform's */
};

/** map_parse() - `map`'s arguments into @o (see "parse steps"); @argv[0] is "map". */
int map_parse(int argc, char **argv, struct map_opts *o);

enum workload { WL_ZSWAP, WL_NET, WL_MAP };

/* `run`'s options, parsed and checked; the rest is filled as it runs. */
struct run_cfg {
	enum workload wl;
	bool want[RS_COUNT];
	bool want_all;			/* --strategy all (the default) */
	int mode;			/* --mode: an enum reuse_mode; -1 = none given */
	struct platform_profile prof;
	unsigned int threads;
	unsigned int seconds;		/* per strategy */
	uint64_t ops;			/* per strategy, instead of seconds */
	size_t size;			/* map/net: buffer or packet size; 0 = default */
	const char *mix;		/* net: packet size mix */
	bool rogue;			/* the isolation pass runs the rogue device */
	bool rogue_set;			/* --rogue or --no-rogue given */
	bool virtual_cost;		/* --clock virtual: the cost rounds in virtual time */
	bool virtual_iso;		/* the isolation pass in virtual time */
	enum { COMPL_AUTO, COMPL_IRQ, COMPL_POLL } completion;	/* as asked */
	bool completion_set;		/* --completion or --poll given */
	bool poll;			/* zswap: the driver polls (resolved) */
	char completion_why[96];	/* auto: why it polls or sleeps */
	uint64_t seed;
	unsigned int batch_size;	/* --batch-size; 0 = the profile's, else 64 */
	enum { FMT_TABLE, FMT_JSON, FMT_CSV } fmt;
	const char *output;
	const char *json;		/* --json FILE: the JSON too, beside --format's output */
};

/**
 * run_parse() - `run`'s arguments into @c (see "parse steps"); @argv[0] is
 * "run".  With @defaults_only (no command given) @argv is not read.
 */
int run_parse(int argc, char **argv, bool defaults_only, struct run_cfg *c);

/* Indexed by enum workload and by run_cfg's completion: the names run takes and prints. */
extern const char *const run_wl_names[3];
extern const char *const run_wl_units[3];	/* what one operation is */
extern const char *const run_completion_names[3];

/* One strategy's row of `run`: what it ran and what it measured (run.c fills it). */
struct run_row {
	enum reuse_strategy s;		/* the name the row goes by */
	struct reuse_pair pair;		/* what it runs: s's mechanism, under --mode */
	bool applies;
	char why[256];			/* !applies or err: why, for the n/a row */
	int err;
	uint64_t iso_ops;		/* ops of the isolation run */
	bool iso_verified;		/* ... every byte of which was verified */
	struct wl_result r;		/* the cost run */
};

/* ---- run's report (run_report.c) ---------------------------------------- */

/**
 * run_row_verified() - whether @r ran without error and every operation of
 * its cost run, and of its isolation pass where the oracle watched, was
 * verified byte for byte.
 */
bool run_row_verified(const struct run_row *r);
/**
 * run_print_table() - @n rows as the table: a header naming the run, one
 * line per row, the best isolating strategy, then each row's note.
 */
void run_print_table(FILE *f, const struct run_cfg *c, const struct run_row *rows, int n);
/**
 * run_print_json() - the run as one JSON document (layout: jsonio.c).
 * Return: 0, or -1 after saying why on stderr.
 */
int run_print_json(FILE *f, const struct run_cfg *c, const struct run_row *rows, int n);
/** run_print_csv() - the rows as CSV: a header line, one line per row. */
void run_print_csv(FILE *f, const struct run_row *rows, int n);

#define SCALE_MAX_COLS 16	/* --cpus counts */

enum scale_wl { SW_MAP, SW_ZSWAP, SW_NET };

/* `scale`'s options, parsed and checked. */
struct scale_cfg {
	enum scale_wl wl;
	bool want[RS_COUNT];
	unsigned int cpus[SCALE_MAX_COLS], ncols;
	struct platform_profile prof;
	uint64_t ops;			/* per cell */
	size_t size;			/* map: buffer bytes; net: packet bytes (0 = mix) */
	uint64_t seed;
	unsigned int batch_size;	/* --batch-size; 0 = the profile's, else 64 */
	int fmt;			/* 0 table, 1 json, 2 csv */
	const char *output;
};

/** scale_parse() - `scale`'s arguments into @c (see "parse steps"); @argv[0] is "scale". */
int scale_parse(int argc, char **argv, struct scale_cfg *c);

#define SWEEP_MAX_COLS 16	/* --size sizes */

/* `sweep`'s options, parsed and checked. */
struct sweep_cfg {
	bool want[RS_COUNT];
	size_t sizes[SWEEP_MAX_COLS];
	unsigned int ncols;
	unsigned int cpus;
	struct platform_profile prof;
	uint64_t ops;			/* pairs per cell */
	bool virtual_time;
	int fmt;			/* 0 table, 1 json, 2 csv */
	const char *output;
};

/** sweep_parse() - `sweep`'s arguments into @c (see "parse steps"); @argv[0] is "sweep". */
int sweep_parse(int argc, char **argv, struct sweep_cfg *c);

/* `plot`'s arguments, parsed and checked. */
struct plot_args {
	const char *in, *out;		/* FILE.json, -o's file */
	int fmt;			/* 0 svg, 1 png (--format, else -o's suffix) */
};

/** plot_parse() - `plot`'s arguments into @a (see "parse steps"); @argv[0] is "plot". */
int plot_parse(int argc, char **argv, struct plot_args *a);
/**
 * plot_script() - the gnuplot script of the chart of file @in
 * @in: the JSON of `run`, `scale` or `sweep` (nothing in it is trusted)
 * @fmt: as plot_args.fmt
 * @script: receives the script (free() it), NULL on failure
 * @len: receives its length
 *
 * Return: 0; EXIT_USAGE after one line on msg_stream() naming @in and the
 * place of the first problem (unreadable, not JSON, a field missing or of
 * the wrong type or range); 1 if out of memory.
 */
int plot_script(const char *in, int fmt, char **script, size_t *len);
/**
 * plot_render() - run gnuplot on @script (@len bytes), the chart to @out
 * Return: 0, or -1 after saying why on stderr (no gnuplot, gnuplot failed
 * or wrote nothing).
 */
int plot_render(const char *script, size_t len, FILE *out);

int cmd_map(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_run(int argc, char **argv, bool defaults_only);
int cmd_strategies(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_scale(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

#endif
