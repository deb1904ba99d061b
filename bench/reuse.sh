#!/bin/sh
# reuse.sh - record the reuse layer's figures (issue 3), all in one run.
#
# Usage: sh bench/reuse.sh [SECONDS]   (default 3 s per strategy)
# Writes bench/results/reuse.txt: the commands, per-strategy ns per
# map+unmap pair on ideal and kunpeng920-smmuv3, and the ratios the issue
# asks for, computed from figures measured in this same run.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build/dmabench
S=${1:-3}
out=bench/results/reuse.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
get() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$1" | head -n 1; }

for plat in ideal kunpeng920-smmuv3; do
	for s in passthrough strict lazy bounce reuse pool cache iova-link auto; do
		$B map -t 1 -s "$S" -g 1 --strategy $s --platform $plat --format json >"$tmp/$plat.$s"
	done
	$B map -t 1 -s "$S" -g 1 -d 1 --strategy bounce --platform $plat --format json >"$tmp/$plat.bounce-to"
done

{
	echo "# reuse layer figures"
	bench_stamp
	echo "# each row: $B map -t 1 -s $S -g 1 --strategy S --platform P --format json"
	echo "# (bounce-to adds -d 1: TO_DEVICE, one copy per use)"
	echo
	printf "%-12s %14s %14s %14s\n" strategy "ideal ns/pair" "kunpeng ns/pair" "kunpeng inval"
	for s in passthrough strict lazy bounce bounce-to reuse pool cache iova-link auto; do
		printf "%-12s %14s %14s %14s\n" $s "$(get "$tmp/ideal.$s" pair_avg_ns)" \
			"$(get "$tmp/kunpeng920-smmuv3.$s" pair_avg_ns)" \
			"$(sed -n 's/.*"cmdq": { "cmds": \([0-9]*\).*/\1/p' "$tmp/kunpeng920-smmuv3.$s")"
	done
	echo
	memcpy=$(get "$tmp/ideal.bounce-to" memcpy_ns)
	bto=$(get "$tmp/ideal.bounce-to" pair_avg_ns)
	ks=$(get "$tmp/kunpeng920-smmuv3.strict" pair_avg_ns)
	kr=$(get "$tmp/kunpeng920-smmuv3.reuse" pair_avg_ns)
	kc=$(get "$tmp/kunpeng920-smmuv3.cache" pair_avg_ns)
	echo "ideal: reuse hit path $(get "$tmp/ideal.reuse" pair_avg_ns) ns/pair, cache hit path $(get "$tmp/ideal.cache" pair_avg_ns) ns/pair (target <= 50)"
	echo "ideal: bounce 4 KiB TO_DEVICE $bto ns vs plain 4 KiB memcpy $memcpy ns in the same run: $(echo "$bto $memcpy" | awk '{printf "%.2fx", $1/$2}') (target <= 1.5x)"
	echo "kunpeng920-smmuv3: strict/reuse = $(echo "$ks $kr" | awk '{printf "%.0fx", $1/$2}'), strict/cache = $(echo "$ks $kc" | awk '{printf "%.0fx", $1/$2}') (target >= 20x)"
	echo "auto crossover: ideal $(get "$tmp/ideal.auto" auto_crossover_bytes) bytes, kunpeng920-smmuv3 $(get "$tmp/kunpeng920-smmuv3.auto" auto_crossover_bytes) bytes"
} | tee "$out"
