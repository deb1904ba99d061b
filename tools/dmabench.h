/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * dmabench.h - shared helpers of dmabench's subcommands (tools/ only).
 */
#ifndef DMAREUSE_TOOLS_DMABENCH_H
#define DMAREUSE_TOOLS_DMABENCH_H

#include <dmareuse/profile.h>

#include <stdbool.h>
#include <stdio.h>

#define EXIT_USAGE 2

extern const char *prog;
extern char cmdline[4096];

/** usage_error() - print "dmabench: MESSAGE" and exit with status 2. */
__attribute__((format(printf, 1, 2), noreturn))
void usage_error(const char *fmt, ...);
/** parse_int() - a decimal integer for @flag within [@lo, @hi], or exit 2. */
long long parse_int(const char *flag, const char *v, long long lo, long long hi);
/**
 * parse_choice() - the index of @v among @names[0..@n-1], or exit 2 with
 * "FLAG: 'V' is not WHAT (expected a, b or c)"; @what reads "a format".
 */
int parse_choice(const char *flag, const char *v, const char *what,
		 const char *const *names, int n);
/** load_platform() - profile @name into @p; prints why and returns -1 on error. */
int load_platform(const char *name, struct platform_profile *p);
/** json_str() - @s as a JSON string literal. */
void json_str(FILE *f, const char *s);
/** strategy_list() - "passthrough, strict, ..." */
const char *strategy_list(void);

int cmd_run(int argc, char **argv, bool defaults_only);
int cmd_strategies(int argc, char **argv);
int cmd_plot(int argc, char **argv);

#endif
