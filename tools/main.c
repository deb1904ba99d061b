// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * main.c - dmabench's main(): the command word picks the subcommand.
 *
 * Apart from the rest of tools/ so that the fuzz harnesses (tests/fuzz/)
 * can link every subcommand's parser with libFuzzer's own main().
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dmabench.h"

static void record_cmdline(int argc, char **argv)
{
	size_t off = 0;

	for (int i = 0; i < argc && off < sizeof(cmdline) - 1; i++)
		off += (size_t)snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s",
					i ? " " : "", argv[i]);
}

static void main_help(void)
{
	printf("usage: %s COMMAND [options]\n\n"
	       "dmareuse's benchmark front door: workloads under DMA strategies on a\n"
	       "platform profile of the lab machine.\n\n"
	       "With no command, runs the default scenario: zswap on kunpeng920-smmuv3,\n"
	       "1 CPU thread, every strategy, completions polled when each thread has a\n"
	       "CPU (run --completion auto), isolation probed by a rogue device, one\n"
	       "table (about 30 s).\n\n"
	       "commands:\n"
	       "  run        workloads x strategies on a platform, one table (see run --help)\n"
	       "  map        Linux's dma_map_benchmark in the lab (same flags and output)\n"
	       "  platforms  list platform profiles with their parameters and sources\n"
	       "  strategies list the strategies with the isolation each keeps\n"
	       "  scale      every strategy at many simulated CPU counts, in virtual time\n"
	       "  sweep      map's cost per pair against buffer size, every strategy: the\n"
	       "             size where bounce stops beating strict\n"
	       "  plot       draw the JSON of run, scale or sweep as an SVG or PNG chart\n"
	       "             (with gnuplot)\n\n"
	       "'%s COMMAND --help' explains each command's flags.\n", prog, prog);
}

int main(int argc, char **argv)
{
	record_cmdline(argc, argv);
	if (argc < 2)
		return cmd_run(argc, argv, true);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		main_help();
		return 0;
	}
	if (!strcmp(argv[1], "map"))
		return cmd_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "platforms"))
		return cmd_platforms(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(argv[1], "strategies"))
		return cmd_strategies(argc - 1, argv + 1);
	if (!strcmp(argv[1], "plot"))
		return cmd_plot(argc - 1, argv + 1);
	if (!strcmp(argv[1], "scale"))
		return cmd_scale(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return cmd_sweep(argc - 1, argv + 1);
	usage_error("unknown command '%s' (expected run, map, scale, sweep, platforms, "
		    "strategies or plot; see '%s --help')", argv[1], prog);
}
