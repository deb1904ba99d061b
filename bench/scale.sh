#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# scale.sh - every strategy at 1-128 simulated CPUs, in virtual time, on map,
# zswap and net, under each command-queue model of the Kunpeng 920 hardware.
#
# Usage: sh bench/scale.sh   (virtual time: the same bytes on any host;
# zswap runs real zlib for every page, so it takes a few minutes)
# Writes bench/results/scale-map.txt, scale-zswap.txt and scale-net.txt.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build/dmabench
CPUS=1,2,4,8,16,32,64,96,128
mkdir -p bench/results

# cell FILE ARGS...: the command, its table, and what the host took (stderr).
cell() {
	out=$1
	shift
	{
		echo "\$ $B scale $*"
		"$B" scale "$@" 2>"$out.err"
		sed 's/^/# host: /' "$out.err"
		rm -f "$out.err"
		echo
	} >>"$out"
}

f=bench/results/scale-map.txt
{
	echo "# dmabench scale, map workload (Linux's dma_map_benchmark: 4 KiB, TO_DEVICE)"
	bench_stamp
	echo "# Virtual time: each cell a fresh machine with N simulated CPUs; 100000 timed"
	echo "# pairs per cell shared out over its CPUs, after 32 untimed pairs per CPU."
	echo
} >"$f"
for p in kunpeng920-smmuv3 kunpeng920-smmuv3-lockfree kunpeng920-smmuv3-ecmdq xeon-vtd; do
	cell "$f" --workload map --cpus "$CPUS" --strategy all --platform "$p" --ops 100000
done

f=bench/results/scale-zswap.txt
{
	echo "# dmabench scale, zswap workload (store and load back every page, real zlib)"
	bench_stamp
	echo "# 20000 timed pages per cell after 32 untimed pages per CPU; one engine"
	echo "# thread per CPU up to 64 (an engine with enough queues)."
	echo
} >"$f"
for p in kunpeng920-smmuv3 kunpeng920-smmuv3-lockfree; do
	cell "$f" --workload zswap --cpus "$CPUS" --strategy all --platform "$p" --ops 20000
done

f=bench/results/scale-net.txt
{
	echo "# dmabench scale, net workload (loopback NIC, the default packet-size mix)"
	bench_stamp
	echo "# 50000 timed packets per cell after 32 untimed packets per CPU; one NIC"
	echo "# thread per CPU up to 64."
	echo
} >"$f"
for p in kunpeng920-smmuv3 kunpeng920-smmuv3-lockfree; do
	cell "$f" --workload net --cpus "$CPUS" --strategy all --platform "$p" --ops 50000
done
cat bench/results/scale-map.txt bench/results/scale-zswap.txt bench/results/scale-net.txt
