#!/bin/sh
# run.sh - run every test binary of the given build trees and add up.
#
# Each binary prints "# N passed, M failed" last; a binary that crashes,
# times out or prints no such line counts as one failure.  Shell tests
# (tests/*/test_*.sh) run once per tree with DMABENCH pointing at that tree's
# dmabench.  With TSAN_ONLY=1 only tests named *conc* run.  The last line is
# "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
total_pass=0
total_fail=0
timeout_s=${TEST_TIMEOUT:-300}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for tree in "$@"; do
	for bin in "$tree"/tests/*/test_* "$top"/tests/*/test_*.sh; do
		[ -e "$bin" ] || continue
		case "$bin" in
		*.sh) ;;
		*) [ -x "$bin" ] || continue ;;
		esac
		name=${bin#"$top"/}
		if [ "${TSAN_ONLY:-0}" = 1 ]; then
			case "$bin" in *conc*) ;; *) continue ;; esac
		fi
		case "$bin" in
		*.sh) DMABENCH="$tree/dmabench" timeout "$timeout_s" sh "$bin" >"$log" 2>&1 ;;
		*) timeout "$timeout_s" "$bin" >"$log" 2>&1 ;;
		esac
		rc=$?
		line=$(grep '^# [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
		if [ -n "$line" ]; then
			p=$(echo "$line" | sed 's/^# \([0-9]*\) passed, \([0-9]*\) failed.*/\1/')
			f=$(echo "$line" | sed 's/^# \([0-9]*\) passed, \([0-9]*\) failed.*/\2/')
		else
			p=0
			f=0
		fi
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
		if [ "$f" -ne 0 ]; then
			echo "FAIL $tree: $name (exit $rc)"
			sed 's/^/    /' "$log" | tail -n 40
		else
			echo "ok   $tree: $name ($p)"
		fi
	done
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
