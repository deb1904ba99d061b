#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# net_crossover.sh - the net figure: the packet size at which bounce stops
# beating strict, per platform (DMA-layer CPU ns per packet, TX + RX).
#
# Usage: sh bench/net_crossover.sh [ARGS for net_crossover...]
#   e.g. sh bench/net_crossover.sh --packets 4000 --reps 5 ideal kunpeng920-smmuv3
# Builds build/bench/net_crossover (plain) with the Makefile's rule, runs it and
# writes bench/results/net-crossover.txt: the command line first, then its output.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
out=bench/results/net-crossover.txt
bin=build/bench/net_crossover

bench_program net_crossover
mkdir -p bench/results
{
	echo "\$ sh bench/net_crossover.sh $*"
	bench_stamp
	echo "# (a shared machine: medians absorb bursts)"
	echo "# each run: net workload, 1 CPU thread + 1 NIC thread, fixed packet size,"
	echo "# every payload byte verified; ns = time the CPU thread spent in the DMA layer"
	echo
	"$bin" "$@"
} | tee "$out"
