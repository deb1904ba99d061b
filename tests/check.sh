#!/bin/sh
# check.sh - what `make check` runs after building: every lab test in the
# plain and the sanitizer trees, the fuzz harnesses over their corpora and
# FUZZ_CHECK_S seconds of fuzzing split over them (default 20;
# tests/fuzz/run.sh), then the kernel track (QEMU, unless SKIP_KERNEL=1),
# and one closing line adding them up: "N passed, N failed".  Exit status
# is non-zero if anything failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

sh "$top/tests/run.sh" "$top/build" "$top/build/san" | tee "$log"
lab=$(tail -n 1 "$log")
lab_pass=$(echo "$lab" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
lab_fail=$(echo "$lab" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$lab_pass" ] || { lab_pass=0; lab_fail=1; }

sh "$top/tests/fuzz/run.sh" check "${FUZZ_CHECK_S:-20}" | tee "$log"
fz=$(tail -n 1 "$log")
fz_pass=$(echo "$fz" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
fz_fail=$(echo "$fz" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
[ -n "$fz_pass" ] || { fz_pass=0; fz_fail=1; }
lab_pass=$((lab_pass + fz_pass))
lab_fail=$((lab_fail + fz_fail))

k_pass=0
k_fail=0
if [ "${SKIP_KERNEL:-0}" = 1 ]; then
	echo "kernel track skipped (SKIP_KERNEL=1)"
else
	make --no-print-directory -C "$top/kmod" check 2>&1 | tee "$log"
	kline=$(grep '^kmod: [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
	k_pass=$(echo "$kline" | sed -n 's/^kmod: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	k_fail=$(echo "$kline" | sed -n 's/^kmod: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	if [ -z "$k_pass" ]; then
		echo "kernel track: no result line (see above)"
		k_pass=0
		k_fail=1
	fi
fi
echo "$((lab_pass + k_pass)) passed, $((lab_fail + k_fail)) failed"
[ "$((lab_fail + k_fail))" -eq 0 ]
