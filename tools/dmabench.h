/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dmabench.h - shared helpers of dmabench's subcommands (tools/ only).
 */
#ifndef DMAREUSE_TOOLS_DMABENCH_H
#define DMAREUSE_TOOLS_DMABENCH_H

#include <dmareuse/profile.h>
#include <dmareuse/reuse.h>

#include <getopt.h>
#include <jansson.h>
#include <limits.h>
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

/** usage_error() - print "dmabench: MESSAGE" and exit with status 2. */
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
/** load_platform() - profile @name into @p; prints why and returns -1 on error. */
int load_platform(const char *name, struct platform_profile *p);
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

int cmd_map(int argc, char **argv);
int cmd_platforms(int argc, char **argv);
int cmd_run(int argc, char **argv, bool defaults_only);
int cmd_strategies(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_scale(int argc, char **argv);
int cmd_sweep(int argc, char **argv);

#endif
