#!/bin/sh
# map.sh - record the dma_map_benchmark figures of the lab.
#
# Usage: sh bench/map.sh [SECONDS]   (default 5 s per run)
# Writes bench/results/map.txt: each command, then its output, so every
# number can be reproduced by running the line above it.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build/dmabench
S=${1:-5}
out=bench/results/map.txt
mkdir -p bench/results
run() {
	echo "\$ $*"
	"$@"
	echo
}
{
	echo "# dmabench map figures"
	bench_stamp
	echo
	echo "## kunpeng920-smmuv3, 1 thread, 4 KiB: strict unmap vs the published 1.96 us"
	run $B map -t 1 -s "$S" -g 1 --platform kunpeng920-smmuv3 --strategy strict
	run $B map -t 1 -s "$S" -g 1 --platform kunpeng920-smmuv3 --strategy lazy
	run $B map -t 1 -s "$S" -g 1 --platform kunpeng920-smmuv3 --strategy passthrough
	echo "## kunpeng920-smmuv3, 2 threads (both cores): contention on the command queue"
	run $B map -t 2 -s "$S" -g 1 --platform kunpeng920-smmuv3 --strategy strict
	echo "## kunpeng920-smmuv3, 1 thread, 16 pages (64 KiB)"
	run $B map -t 1 -s "$S" -g 16 --platform kunpeng920-smmuv3 --strategy strict
	echo "## ideal (software path only), 1 thread, 4 KiB: ns per map+unmap pair"
	for s in passthrough lazy strict; do
		echo "\$ $B map -t 1 -s $S -g 1 --platform ideal --strategy $s --format json | grep pair_avg_ns"
		$B map -t 1 -s "$S" -g 1 --platform ideal --strategy $s --format json | grep -E 'pair_avg_ns|clock_overhead'
		echo
	done
} | tee "$out"
