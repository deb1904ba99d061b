// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * strategies.c - `dmabench strategies`: the strategy table (reuse/strategy.c)
 * as a user asks for it.  One line per named strategy by default; with
 * --mode M every mechanism under M, and with --all every pair of every
 * mode, each with the name that asks for it (an unnamed pair goes by its
 * mechanism's name plus --mode), the class of isolation it keeps, and what
 * the device can reach -- or, for a pair the table refuses, why.
 */
#include "dmabench.h"

#include <string.h>

/* One line of `strategies`: how to ask for @p, its class, mode, mechanism, isolation. */
static void print_pair(struct reuse_pair p)
{
	struct reuse_pair under_strict = { RMODE_STRICT, p.mech };
	int named = reuse_pair_strategy(p);
	/* An unnamed pair is asked for by its mechanism's name and --mode. */
	int by = named >= 0 ? named : reuse_pair_strategy(under_strict);
	const char *why = reuse_pair_why_not(p);

	printf("%-12s %-11s %-11s %-10s %s%s\n", reuse_strategy_name((enum reuse_strategy)by),
	       reuse_pair_isolation_class(p), reuse_mode_name(p.mode), reuse_mech_name(p.mech),
	       why ? "refused: " : "", why ? why : reuse_pair_isolation(p));
}

int cmd_strategies(int argc, char **argv)
{
	static const enum reuse_mode modes[] = { RMODE_PASSTHROUGH, RMODE_STRICT, RMODE_LAZY };
	int mode = -1;
	bool all = false;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s strategies [--mode M | --all]\n"
		       "One line per strategy: its name, the class of isolation it keeps, its\n"
		       "pair (IOMMU mode and mechanism), and what the device can reach.\n\n"
		       "  --mode M   every mechanism under M (passthrough, strict or lazy): the\n"
		       "             pairs 'run --mode M' and 'map --mode M' take; an unnamed\n"
		       "             pair goes by its mechanism's name.  A pair the strategy\n"
		       "             table refuses says 'refused:' and why; its class is what it\n"
		       "             would keep (breach: a freed page reachable)\n"
		       "  --all      every pair of every mode\n", prog);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "--mode"))
		mode = parse_mode(argv[2]);
	else if (argc == 2 && !strcmp(argv[1], "--all"))
		all = true;
	else if (argc == 2 && !strcmp(argv[1], "--mode"))
		usage_error("--mode: missing value (see '%s strategies --help')", prog);
	else if (argc > 1)
		usage_error("strategies: unexpected argument '%s' (expected --mode M or --all; "
			    "see '%s strategies --help')", argv[argc > 3 ? 3 : 1], prog);
	if (mode < 0 && !all) {
		for (int s = 0; s < RS_COUNT; s++)
			print_pair(reuse_strategy_pair((enum reuse_strategy)s));
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (mode >= 0 && modes[i] != (enum reuse_mode)mode)
			continue;
		for (int m = 0; m < RMECH_COUNT; m++)
			print_pair((struct reuse_pair){ modes[i], (enum reuse_mech)m });
	}
	return 0;
}
