#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# run.sh - `make bench`: every recording script in turn, each writing its own
# file under bench/results/ with the commands that made it.
#
#   map.sh             map.txt          dma_map_benchmark figures of the lab
#   reuse.sh           reuse.txt        the reuse layer, ns per map+unmap pair
#   zswap.sh           default*.txt, zswap-2cpu.txt, net.txt, rogue.txt
#   net_crossover.sh   net-crossover.txt  where bounce stops beating strict
#   copy_to_device.sh  bounce-stream.txt  the bounce copy, cached vs streaming
#   batch.sh           batch.txt        the batch strategy, in virtual time
#
# lib.sh holds what they share (the stamp line of every result, the build
# of a bench program).  The kernel track records its own figures: `make kernel-run`.
# Run it on a quiet machine: each script times real work.
set -eu
cd "$(dirname "$0")/.."
for s in map reuse zswap net_crossover copy_to_device batch; do
	echo "== sh bench/$s.sh"
	sh "bench/$s.sh"
done
