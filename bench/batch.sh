#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# batch.sh - the batch strategy's figures (issue 15), all in virtual time:
# every number follows from the profile, the seed and the counts, so the
# file is the same on any host, loaded or not.
#
# Usage: sh bench/batch.sh
# Writes bench/results/batch.txt: for each command its line, then its output:
#   - dmabench scale on net and zswap, kunpeng920-smmuv3, 1-128 CPUs, every
#     strategy (DMA-layer ns per operation, operations per second per CPU);
#   - the issue's ratios at 1 CPU, computed from those tables (awk below):
#     the best isolating strategy (by class: not passthrough, not lazy)
#     against passthrough and strict, and batch against lazy on zswap;
#   - build/bench/batch (bench/batch.c): RX ring block against an IOVA per
#     buffer, the batch size swept, and the rogue device's oracle counts.
# Real-time figures of batch (dmabench run) are not recorded here.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
out=bench/results/batch.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s VARIANT=plain all
bench_program batch
mkdir -p bench/results

# ratios FILE UNIT: the 1-CPU column of a `dmabench scale` table.
ratios() {
	awk -v unit="$2" '
	/^DMA-layer ns per/ { blk = 1; next }
	/per second per CPU$/ { blk = 2; next }
	blk && NF >= 2 && $2 != "n/a:" && $1 != "strategy" {
		if (blk == 1) ns[$1] = $2; else ops[$1] = $2
	}
	END {
		best = ""
		for (s in ns)
			if (s != "passthrough" && s != "lazy" && (best == "" || ns[s] + 0 < ns[best] + 0))
				best = s
		pt = ns["passthrough"]; st = ns["strict"]
		printf "best isolating strategy at 1 CPU: %s, %d ns DMA-layer CPU per %s: %.2fx passthrough (%d ns), %.1fx cheaper than strict (%d ns), %.2fx passthrough'\''s %ss/s\n", \
			best, ns[best], unit, ns[best] / pt, pt, st / ns[best], st, ops[best] / ops["passthrough"], unit
		printf "batch at 1 CPU: %d ns per %s: %.2fx passthrough, %.1fx cheaper than strict, %.2fx passthrough'\''s %ss/s; %.2fx lazy'\''s cost (%d ns)\n", \
			ns["batch"], unit, ns["batch"] / pt, st / ns["batch"], ops["batch"] / ops["passthrough"], unit, ns["batch"] / ns["lazy"], ns["lazy"]
	}' "$1"
}

{
	echo "# batch: the strategy of issue 15, in virtual time (dmabench scale and"
	echo "# build/bench/batch, bench/batch.c); the same output on any host"
	bench_stamp
	echo
	echo '$ build/dmabench scale --workload net --strategy all --platform kunpeng920-smmuv3'
	build/dmabench scale --workload net --strategy all --platform kunpeng920-smmuv3 \
		2>/dev/null | tee "$tmp/net"
	ratios "$tmp/net" packet
	echo
	echo '$ build/dmabench scale --workload zswap --strategy all --platform kunpeng920-smmuv3'
	build/dmabench scale --workload zswap --strategy all --platform kunpeng920-smmuv3 \
		2>/dev/null | tee "$tmp/zswap"
	ratios "$tmp/zswap" page
	echo
	echo '$ build/bench/batch rx size rogue'
	build/bench/batch rx size rogue
} >"$out.tmp"
mv "$out.tmp" "$out"
cat "$out"
