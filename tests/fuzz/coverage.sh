#!/bin/sh
# coverage.sh - line coverage of os/ and reuse/ reached by the op-sequence
# fuzzers (fuzz_dma_ops, fuzz_reuse_ops), with clang's source-based coverage.
#
#   sh tests/fuzz/coverage.sh [CORPUS_DIR...]
#
# Builds the library and the two harnesses into build/cov/ with
# -fprofile-instr-generate -fcoverage-mapping (no sanitizers: coverage only),
# the whole library linked in (so files the harnesses never reach count,
# at 0%, rather than drop out of the total),
# runs every input of each harness's corpora once -- tests/fuzz/corpus/NAME/
# and, when present, what `make fuzz` grew in build/fuzz/corpus/NAME/ --
# plus any CORPUS_DIR given (an input a harness does not take is harmless:
# every byte string is a valid program), merges the profiles and prints
# llvm-cov's per-file report for os/ and reuse/, then one line per folder
# and in all: "lines: os/ N/M (P%), reuse/ ..., total ...".
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
out=build/cov
cc=${FUZZ_CC:-clang-14}
profdata=${LLVM_PROFDATA:-llvm-profdata}
cov=${LLVM_COV:-llvm-cov}
flags="-O1 -g -fprofile-instr-generate -fcoverage-mapping"

make --no-print-directory -s -j2 CC="$cc" BUILD="$out" OPT="$flags" "$out/libdmareuse.a"
mkdir -p "$out/fuzz" "$out/prof"
rm -f "$out"/prof/*.profraw
bins=""
for name in dma_ops reuse_ops; do
	bin="$out/fuzz/fuzz_$name"
	$cc -std=gnu11 -D_GNU_SOURCE -Iinclude -Itests/fuzz -pthread $flags \
		-fsanitize=fuzzer tests/fuzz/fuzz_$name.c tests/fuzz/fuzzlib.c \
		-Wl,--whole-archive "$out/libdmareuse.a" -Wl,--no-whole-archive \
		-lz -lm -ljansson -o "$bin"
	dirs="tests/fuzz/corpus/$name"
	[ -d "build/fuzz/corpus/$name" ] && dirs="$dirs build/fuzz/corpus/$name"
	# -runs=0: each input once; stderr (misuse lines) is not wanted here.
	LLVM_PROFILE_FILE="$out/prof/$name-%p.profraw" "$bin" -runs=0 -artifact_prefix="$out/" $dirs "$@" \
		>"$out/$name.log" 2>&1 || { echo "coverage: $bin failed (see $out/$name.log)"; exit 1; }
	if [ -z "$bins" ]; then bins=$bin; else bins="$bins -object $bin"; fi
done
$profdata merge -sparse "$out"/prof/*.profraw -o "$out/fuzz.profdata"
# shellcheck disable=SC2086
$cov report -instr-profile="$out/fuzz.profdata" $bins "$top/os" "$top/reuse" \
	>"$out/report.txt"
# Columns of a row: Filename, Regions (3), Functions (3), Lines (3: count,
# missed, cover), Branches (3).
sed "s|$top/||" "$out/report.txt" | awk '
	$1 ~ /^(os|reuse)\// && $8 > 0 {
		printf "%-24s lines %5d, missed %4d, %s\n", $1, $8, $9, $10
		d = $1; sub(/\/.*/, "", d)
		n[d] += $8; m[d] += $9
	}
	END {
		t = n["os"] + n["reuse"]; tm = m["os"] + m["reuse"]
		printf "lines: os/ %d/%d (%.1f%%), reuse/ %d/%d (%.1f%%), total %d/%d (%.1f%%)\n",
			n["os"] - m["os"], n["os"], 100 * (n["os"] - m["os"]) / n["os"],
			n["reuse"] - m["reuse"], n["reuse"], 100 * (n["reuse"] - m["reuse"]) / n["reuse"],
			t - tm, t, 100 * (t - tm) / t
	}'
