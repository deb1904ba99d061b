#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# soak.sh - record soaks (issue 16): one soak of S seconds per strategy, one
# after the other, at nice 19 (the machine is shared), in real time.
#
# Usage: sh bench/soak.sh [SECONDS [STRATEGY...]]
#   default: 600 s each, in the order batch auto strict cache bounce
#   iova-link reuse pool lazy passthrough.
# Writes bench/results/soak.txt: per strategy a stamp line, the command
# (what `make soak SOAK_S=S SOAK_STRATEGY=X` runs), the soak's header, any
# round that failed, its summary table and its last line.  The round lines
# themselves (one per round, about 0.5 s each) are left out.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
secs=${1:-600}
[ $# -gt 0 ] && shift
list=${*:-batch auto strict cache bounce iova-link reuse pool lazy passthrough}
out=bench/results/soak.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s VARIANT=plain build/soak
mkdir -p bench/results
{
	echo "# soak: issue 16 item 2, one soak per strategy (bench/soak.sh), real time, nice 19"
	for s in $list; do
		echo
		bench_stamp
		echo "\$ nice -n 19 build/soak --seconds $secs --strategy $s --seed 1"
		rc=0
		nice -n 19 build/soak --seconds "$secs" --strategy "$s" --seed 1 \
			>"$tmp/out" 2>"$tmp/err" || rc=$?
		head -n 1 "$tmp/out"
		grep '^round .*FAIL' "$tmp/out" || true
		sed -n '/^strategy /,$p' "$tmp/out"
		echo "exit $rc; $(wc -l <"$tmp/err") line(s) on stderr"
	done
} >"$out"
echo "wrote $out"
