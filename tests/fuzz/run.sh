#!/bin/sh
# run.sh - run the libFuzzer harnesses built in build/fuzz/fuzz/.
#
#   run.sh fuzz N    each harness N seconds on a scratch copy of its corpus
#   run.sh check N   each harness over its corpus (regression: every input
#                    once, with FUZZ_REGRESS=1 set for checks too slow to
#                    fuzz), then N seconds of fuzzing split over them
#
# Harness fuzz_NAME's seed corpus is tests/fuzz/corpus/NAME/.  Fuzzing
# starts from a copy in build/fuzz/corpus/NAME/ (emptied first), so the
# tree's corpus never grows by accident; to keep what a run found, merge it
# (only inputs adding coverage are copied):
#   build/fuzz/fuzz/fuzz_NAME -merge=1 tests/fuzz/corpus/NAME build/fuzz/corpus/NAME
# A crash, leak, timeout (10 s per input) or failed FUZZ_CHECK leaves its
# input in build/fuzz/artifacts/NAME/ and this prints the path; replay it
# with `build/fuzz/fuzz/fuzz_NAME PATH`.  Each line says executions, exec/s
# and crashes; the last line is "N passed, N failed", one count per harness
# and mode.  FUZZ_NICE=N runs the harnesses under nice -n N; FUZZ_ONLY="a b"
# runs only harnesses fuzz_a and fuzz_b.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
secs=${2:-60}
bins="$top/build/fuzz/fuzz"
case "$mode" in
fuzz|check) ;;
*) echo "usage: $0 fuzz|check SECONDS" >&2; exit 2 ;;
esac
case "$secs" in
''|*[!0-9]*) echo "$0: '$secs' is not a number of seconds (expected an integer >= 1)" >&2
	exit 2 ;;
esac
[ "$secs" -ge 1 ] || { echo "$0: $secs seconds (expected at least 1)" >&2; exit 2; }

nice_cmd=""
[ -n "${FUZZ_NICE:-}" ] && nice_cmd="nice -n $FUZZ_NICE"
pass=0
fail=0
harnesses=""
for bin in "$bins"/fuzz_*; do
	[ -x "$bin" ] || continue
	if [ -n "${FUZZ_ONLY:-}" ]; then
		case " $FUZZ_ONLY " in *" ${bin##*/fuzz_} "*) ;; *) continue ;; esac
	fi
	harnesses="$harnesses $bin"
done
if [ -z "$harnesses" ]; then
	echo "fuzz: no harness in $bins (make VARIANT=fuzz fuzz-bins builds them)"
	echo "0 passed, 1 failed"
	exit 1
fi
count=$(echo $harnesses | wc -w)

# stat NAME LOG: a figure from libFuzzer's -print_final_stats lines.
stat() {
	sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1
}

# report NAME RC LOG ARTDIR: one line, and count it.
report() {
	art=$(ls "$4" 2>/dev/null | head -n 1)
	execs=$(stat number_of_executed_units "$3")
	rate=$(stat average_exec_per_sec "$3")
	crashes=$(ls "$4" 2>/dev/null | wc -l)
	if [ "$2" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $1: ${execs:-?} executions, ${rate:-?} exec/s, 0 crashes"
	else
		fail=$((fail + 1))
		echo "FAIL $1: ${execs:-?} executions, ${rate:-?} exec/s, $crashes crash(es)" \
			"(exit $2)"
		grep -E 'ERROR: |fuzz check failed|SUMMARY|runtime error' "$3" | head -n 8 |
			sed 's/^/    /'
		[ -n "$art" ] && echo "    reproducer: $4/$art (replay: $bin $4/$art)"
		[ -n "$art" ] || echo "    log: $3"
	fi
}

# regress BIN: every input of the seed corpus once.
regress() {
	bin=$1
	name=${bin##*/fuzz_}
	corpus="$top/tests/fuzz/corpus/$name"
	art="$top/build/fuzz/artifacts/$name"
	log="$top/build/fuzz/logs/$name-regress.log"
	rm -rf "$art" && mkdir -p "$art" "$(dirname "$log")"
	if [ ! -d "$corpus" ] || [ -z "$(ls "$corpus")" ]; then
		fail=$((fail + 1))
		echo "FAIL fuzz_$name: no seed corpus in tests/fuzz/corpus/$name/"
		return
	fi
	FUZZ_REGRESS=1 $nice_cmd "$bin" -artifact_prefix="$art/" -timeout=10 \
		-print_final_stats=1 -runs=0 "$corpus" </dev/null >"$log" 2>&1
	report "fuzz_$name (corpus)" $? "$log" "$art"
}

# fuzz BIN SECONDS: fuzz a scratch copy of the corpus.
fuzz() {
	bin=$1
	name=${bin##*/fuzz_}
	scratch="$top/build/fuzz/corpus/$name"
	art="$top/build/fuzz/artifacts/$name"
	log="$top/build/fuzz/logs/$name.log"
	rm -rf "$scratch" "$art" && mkdir -p "$scratch" "$art" "$(dirname "$log")"
	cp "$top/tests/fuzz/corpus/$name"/* "$scratch"/ 2>/dev/null
	$nice_cmd "$bin" -artifact_prefix="$art/" -timeout=10 -print_final_stats=1 \
		-max_total_time="$2" "$scratch" </dev/null >"$log" 2>&1
	report "fuzz_$name ($2 s)" $? "$log" "$art"
}

if [ "$mode" = check ]; then
	for bin in $harnesses; do
		regress "$bin"
	done
	each=$((secs / count))
	[ "$each" -ge 1 ] || each=1
	for bin in $harnesses; do
		fuzz "$bin" "$each"
	done
else
	for bin in $harnesses; do
		fuzz "$bin" "$secs"
	done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
