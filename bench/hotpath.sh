#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# hotpath.sh - a hot-path regression check between two builds: the pair
# cost of `dmabench map -t 1 --platform ideal` for every strategy both have,
# and the default scenario's best line, measured in one alternating run (the
# builds take turns, first one then the other, so both sample the same
# stretches of a noisy host).  Each cell is the median of ROUNDS runs.
#
# Usage: sh bench/hotpath.sh BEFORE_DMABENCH AFTER_DMABENCH [ROUNDS] [RUNS]
#   ROUNDS (default 9): map runs per strategy and build, 200000 pairs each
#   RUNS (default 3): default-scenario runs per build (about 30 s each)
# Prints one table (strategy, before ns, after ns, after/before) and the
# best lines; bench/results/hotpath.txt holds a recorded run.
set -eu
before=$1
after=$2
rounds=${3:-9}
runs=${4:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pair_ns() {
	"$1" map -t 1 --platform ideal --strategy "$2" --iterations 200000 --format json |
		sed -n 's/^ *"pair_avg_ns": \([0-9.]*\),*$/\1/p'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
		else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

strategies="passthrough strict lazy bounce reuse pool cache iova-link auto"
for s in $strategies; do
	: >"$tmp/$s.b"
	: >"$tmp/$s.a"
done
r=0
while [ "$r" -lt "$rounds" ]; do
	for s in $strategies; do
		if [ $((r % 2)) = 0 ]; then
			pair_ns "$before" "$s" >>"$tmp/$s.b"
			pair_ns "$after" "$s" >>"$tmp/$s.a"
		else
			pair_ns "$after" "$s" >>"$tmp/$s.a"
			pair_ns "$before" "$s" >>"$tmp/$s.b"
		fi
	done
	r=$((r + 1))
done

echo "dmabench map -t 1 --platform ideal --iterations 200000, median of $rounds alternating runs"
printf '%-12s %10s %10s %8s\n' strategy "before ns" "after ns" ratio
for s in $strategies; do
	b=$(median <"$tmp/$s.b")
	a=$(median <"$tmp/$s.a")
	printf '%-12s %10s %10s %8s\n' "$s" "$b" "$a" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
done

echo
echo "default scenario (dmabench run), best line, $runs alternating runs per build"
k=0
while [ "$k" -lt "$runs" ]; do
	for which in before after; do
		eval bin=\$$which
		"$bin" run 2>/dev/null | grep -i '^best' | sed "s/^/$which: /" || true
	done
	k=$((k + 1))
done
