#!/bin/sh
# test_cli.sh - dmabench's command line: bad arguments, malformed
# profiles and malformed JSON for plot exit 2 with one message naming the
# flag (or file, line and key, or JSON place), the value and what is
# allowed, and write nothing; good arguments print Linux's three lines.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${DMABENCH:-build/dmabench}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# expect_usage NAME PATTERN ARGS... : exit status 2 and stderr matching PATTERN
expect_usage() {
	name=$1 pat=$2
	shift 2
	# a bound: a value that should be refused might otherwise run for long
	timeout 60 "$B" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q -- "$pat" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "$name"
	else
		bad "$name (exit $rc, stderr: $(cat "$tmp/err"))"
	fi
}

expect_usage threads-zero "-t/--threads: 0 is out of range (expected 1-1024)" map -t 0
expect_usage threads-big "-t/--threads: 1025 is out of range (expected 1-1024)" map -t 1025
expect_usage threads-text "-t/--threads: 'abc' is not an integer (expected 1-1024)" map -t abc
expect_usage seconds-zero "-s/--seconds: 0 is out of range (expected 1-300)" map -s 0
expect_usage seconds-big "-s/--seconds: 301 is out of range (expected 1-300)" map --seconds 301
expect_usage dir-3 "-d/--dir: 3 is out of range (expected 0-2)" map -d 3
expect_usage delay-big "-x/--delay: 10000001 is out of range (expected 0-10000000)" map -x 10000001
expect_usage granule-0 "-g/--granule: 0 is out of range (expected 1-1024)" map -g 0
expect_usage granule-big "-g/--granule: 1025 is out of range (expected 1-1024)" map -g 1025
expect_usage bits-small "-b/--bits: 8 is out of range (expected 20-64)" map -b 8
# Values in range that a strategy cannot run: refused, naming the limit.
expect_usage granule-bounce "-g/--granule: 65 is too large for --strategy bounce (its largest buffer is 262144 bytes: expected 1-64)" \
	map -g 65 --strategy bounce --iterations 10 --platform ideal
expect_usage bits-iova-link "-b/--bits: 22 is too narrow for --strategy iova-link with 1 thread(s) x 1 page(s) .*expected 23-64)" \
	map -b 22 --strategy iova-link --iterations 10 --platform ideal
expect_usage bits-iova-link-big "-b/--bits: 23 is too narrow for --strategy iova-link with 2 thread(s) x 1024 page(s) .*expected 24-64)" \
	map -b 23 -t 2 -g 1024 --strategy iova-link --iterations 10 --platform ideal
expect_usage unknown-flag "unknown option '--bogus'" map --bogus
expect_usage missing-value "missing value" map -t
expect_usage unknown-strategy "--strategy: 'fast' is not a strategy" map --strategy fast
expect_usage unknown-platform "unknown platform 'nosuch'.*expected one of:.*ideal" map --platform nosuch

# A run that fails part way exits 1 and says what failed first: a lazy
# domain on a 20-bit mask holds four 64-page buffers, and its flush queue
# keeps freed ranges until the flush, so the fourth map finds no IOVA.
timeout 60 "$B" map -t 1 -s 1 -b 20 -g 64 --strategy lazy >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q "map of a 64-page buffer failed after [0-9]* pair(s) (a 20-bit mask holds 4 such buffer(s); lazy frees ranges only at its flush)" "$tmp/err"; then
	ok map-run-failure-says-why
else
	bad "map-run-failure-says-why (exit $rc, stderr: $(cat "$tmp/err"))"
fi
expect_usage unknown-command "unknown command 'frobnicate'" frobnicate
expect_usage bad-format "--format: 'xml' is not a format (expected text, json or csv)" map --format xml

# Malformed profiles: file, line, key and expectation in the message.
good=$(dirname "$0")/../../profiles/ideal.profile
sed 's/^sync_ns = 0/sync_ns = fast/' "$good" >"$tmp/badval.profile"
expect_usage profile-bad-value "badval.profile:[0-9]*: key 'sync_ns': bad value 'fast' (expected a decimal integer" \
	map --platform "$tmp/badval.profile"
sed 's/^sync_ns/synch_ns/' "$good" >"$tmp/badkey.profile"
expect_usage profile-unknown-key "badkey.profile:[0-9]*: unknown key 'synch_ns'" map --platform "$tmp/badkey.profile"
grep -v '^iotlb_ways' "$good" >"$tmp/missing.profile"
expect_usage profile-missing-key "missing.profile: missing key 'iotlb_ways'" map --platform "$tmp/missing.profile"
printf 'name = x\nthis line has no equals sign\n' >"$tmp/noeq.profile"
expect_usage profile-no-equals "noeq.profile:2: expected 'key = value'" map --platform "$tmp/noeq.profile"
sed 's/^iotlb_sets = 512/iotlb_sets = 500/' "$good" >"$tmp/pow2.profile"
expect_usage profile-sets-pow2 "key 'iotlb_sets': bad value '500' (expected a power of two" map --platform "$tmp/pow2.profile"
printf 'name = a\nname = b\n' >"$tmp/dup.profile"
expect_usage profile-duplicate "dup.profile:2: key 'name' given twice" map --platform "$tmp/dup.profile"
sed 's/^cmdq_model = lockfree/cmdq_model = fifo/' "$good" >"$tmp/model.profile"
expect_usage profile-bad-model "key 'cmdq_model': bad value 'fifo' (expected 'lock', 'lockfree' or 'ecmdq')" map --platform "$tmp/model.profile"

# Source lines: the limit is 16 of them, not a value length.
cp "$good" "$tmp/src17.profile"
# ideal has one source: 15 more make 16.
for i in 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do echo "source = reference $i" >>"$tmp/src17.profile"; done
"$B" map --iterations 10 --platform "$tmp/src17.profile" >"$tmp/out" 2>"$tmp/err" && ok profile-16-sources ||
	bad "profile-16-sources: $(cat "$tmp/err")"
echo "source = one too many" >>"$tmp/src17.profile"
expect_usage profile-17-sources "src17.profile:[0-9]*: key 'source': more than 16 sources (expected at most 16 source lines)" \
	map --platform "$tmp/src17.profile"
# A NUL byte is named with its line and column, not taken for a long line.
{ head -n 6 "$good"; printf 'description = a\000b\n'; tail -n +8 "$good"; } >"$tmp/nul.profile"
expect_usage profile-nul-byte "nul.profile:7: NUL byte at column 16 (expected text)" map --platform "$tmp/nul.profile"
printf 'name = x\ndescription = \033[31mred\n' >"$tmp/esc.profile"
expect_usage profile-control-char "esc.profile:2: control character 0x1b at column 15" map --platform "$tmp/esc.profile"
sed 's/^sync_ns = 0/sync_ns =/' "$good" >"$tmp/empty.profile"
expect_usage profile-empty-value "empty.profile:[0-9]*: key 'sync_ns': empty value '' (expected a decimal integer in 0-10000000)" \
	map --platform "$tmp/empty.profile"
sed 's/^sync_ns = 0/sync_ns = 99999999999999999999999/' "$good" >"$tmp/huge.profile"
expect_usage profile-huge-number "key 'sync_ns': bad value '99999999999999999999999' (expected a decimal integer in 0-10000000)" \
	map --platform "$tmp/huge.profile"
sed 's/^sync_ns = 0/sync_ns = 0ns/' "$good" >"$tmp/junk.profile"
expect_usage profile-number-junk "key 'sync_ns': bad value '0ns'" map --platform "$tmp/junk.profile"
expect_usage profile-directory "cannot read profile: Is a directory" map --platform "$tmp/"
# A profile directory that does not exist is an error that names it.
DMAREUSE_PROFILE_DIR=/nonexistent expect_usage platforms-missing-dir \
	"platforms: cannot read the profile directory '/nonexistent' (DMAREUSE_PROFILE_DIR): No such file or directory" platforms
mkdir "$tmp/noprofiles"
DMAREUSE_PROFILE_DIR="$tmp/noprofiles" expect_usage platforms-empty-dir "platforms: no profiles in '$tmp/noprofiles'" platforms
DMAREUSE_PROFILE_DIR=/nonexistent expect_usage platform-missing-dir \
	"unknown platform 'ideal' (no /nonexistent/ideal.profile); cannot read the profile directory '/nonexistent'" \
	map --platform ideal

# Options are named as written: the letter inside a cluster, the long name
# of an ambiguous or valued flag; values are integers with nothing around them.
expect_usage map-unknown-short-cluster "^dmabench: map: unknown option '-Z' " map -Zx
expect_usage map-unknown-short-after-long "^dmabench: map: unknown option '-Z' " map --dma-debug -Zx
expect_usage map-unknown-short "^dmabench: map: unknown option '-Z' " map -t 1 -Z
expect_usage map-ambiguous "map: ambiguous option '--s' (could be --seconds, --strategy" map --s 3
expect_usage map-flag-takes-no-value "^dmabench: --dma-debug: takes no value (got '--dma-debug=1'" map --dma-debug=1
expect_usage map-missing-long-value "^dmabench: --strategy: missing value" map --strategy
expect_usage map-missing-short-value "^dmabench: -t/--threads: missing value" map -t
expect_usage map-threads-junk "-t/--threads: '5x' is not an integer (expected 1-1024)" map -t 5x
expect_usage map-threads-blank "-t/--threads: ' 5' is not an integer" map -t ' 5'
expect_usage map-threads-plus "-t/--threads: '+5' is not an integer" map -t +5
expect_usage map-threads-empty "-t/--threads: empty value (expected an integer in 1-1024)" map -t ''
expect_usage map-threads-huge "-t/--threads: 99999999999999999999 is out of range (expected 1-1024)" map -t 99999999999999999999
expect_usage map-node "-n/--node: 0 is out of range (expected -1)" map -n 0
expect_usage map-twice "map: -t/--threads given twice (expected once)" map -t 1 --threads 2
expect_usage map-strategy-empty "--strategy: empty value (expected one of: passthrough" map --strategy ''
expect_usage map-format-empty "--format: empty value (expected text, json or csv)" map --format ''
expect_usage run-unknown-short "^dmabench: run: unknown option '-Z' " run -Zx
expect_usage run-flag-takes-no-value "^dmabench: --rogue: takes no value" run --rogue=yes
expect_usage run-twice "run: --platform given twice (expected once)" run --platform ideal --platform ideal
expect_usage run-poll-and-completion "--poll, --completion: given twice" run --poll --completion irq
expect_usage run-strategy-empty "--strategy: empty value" run --strategy ''
expect_usage run-strategy-comma "--strategy: ',': item 1 is empty" run --strategy ,
expect_usage run-strategy-trailing "--strategy: 'strict,': item 2 is empty" run --strategy strict,
expect_usage run-strategy-double-comma "--strategy: 'strict,,bounce': item 2 is empty" run --strategy strict,,bounce
expect_usage run-strategy-dup "--strategy: 'strict,bounce,strict' names strict twice" run --strategy strict,bounce,strict
expect_usage run-seed-junk "--seed: '12abc' is not an integer" run --seed 12abc
expect_usage run-rogue-map "--rogue: the map workload has no isolation run" run --workload map --rogue
expect_usage run-no-rogue-map "--no-rogue: the map workload has no isolation run" run --workload map --no-rogue
expect_usage run-rogue-and-no-rogue "--rogue, --no-rogue: both given (expected one of them)" run --rogue --no-rogue
expect_usage run-clock-bad "--clock: 'wall' is not a clock (expected real or virtual)" run --clock wall
expect_usage run-iso-clock-map "--isolation-clock: the map workload has no isolation run" \
	run --workload map --isolation-clock real
expect_usage run-json-empty "--json: empty value" run --json ''
expect_usage run-output-empty "--output: empty value" run --output ''
expect_usage run-output-dir "--output: '$tmp' is a directory" run --ops 10 --platform ideal --output "$tmp"

# Bad input never touches --output's file: it is opened only after every
# argument is checked, as a temporary file renamed over it at the end.
keep() {	# keep NAME ARGS...: a refused run leaves the output file as it was
	name=$1
	shift
	echo "precious" >"$tmp/keep.out"
	timeout 60 "$B" "$@" --output "$tmp/keep.out" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 2 ] && [ "$(cat "$tmp/keep.out")" = precious ] && [ -s "$tmp/err" ]; then
		ok "$name"
	else
		bad "$name (exit $rc, file now '$(head -c 80 "$tmp/keep.out")', stderr: $(cat "$tmp/err"))"
	fi
}
keep output-kept-bad-strategy run --strategy ,
keep output-kept-empty-strategy run --strategy ''
keep output-kept-bad-platform run --platform nosuch
keep output-kept-bad-mix run --workload net --mix 1:2-3
keep output-kept-zswap-size run --size 100
# An interrupted run loses nothing either, and leaves no temporary file.
echo "precious" >"$tmp/int.out"
"$B" run --seconds 30 --platform ideal --strategy strict --output "$tmp/int.out" >/dev/null 2>&1 &
pid=$!
sleep 2
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ "$(cat "$tmp/int.out")" = precious ] && [ -z "$(ls -A "$tmp" | grep '^\.int\.out\.')" ]; then
	ok output-kept-interrupted-run
else
	bad "output-kept-interrupted-run: file now '$(head -c 80 "$tmp/int.out")', $(ls -A "$tmp")"
fi
# A run that finishes replaces the file, keeping its mode.
echo "old" >"$tmp/done.out"
chmod 640 "$tmp/done.out"
"$B" run --ops 20 --platform ideal --strategy strict --format csv --output "$tmp/done.out" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && head -1 "$tmp/done.out" | grep -q '^strategy,applies,' &&
	[ "$(stat -c %a "$tmp/done.out")" = 640 ] && [ -z "$(ls -A "$tmp" | grep '^\.done\.out\.')" ] &&
	[ ! -s "$tmp/out" ]; then
	ok output-replaced-when-done
else
	bad "output-replaced-when-done: $(cat "$tmp/done.out" "$tmp/err"; ls -la "$tmp")"
fi

# A good run prints exactly Linux's three lines.
"$B" map -t 2 -s 1 --iterations 2000 -d 1 -g 2 --strategy strict --platform ideal >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3 ] &&
	sed -n 1p "$tmp/out" | grep -q '^dma mapping benchmark: threads:2 seconds:1 node:-1 dir:TO_DEVICE granule: 2$' &&
	sed -n 2p "$tmp/out" | grep -q '^average map latency(us):[0-9]*\.[0-9] standard deviation:[0-9]*\.[0-9]$' &&
	sed -n 3p "$tmp/out" | grep -q '^average unmap latency(us):[0-9]*\.[0-9] standard deviation:[0-9]*\.[0-9]$'; then
	ok linux-three-lines
else
	bad "linux-three-lines: $(cat "$tmp/out" "$tmp/err")"
fi

# JSON carries ns figures, counters and the command line; ops are exact.
"$B" map -t 2 --iterations 500 --strategy lazy --platform ideal --format json >"$tmp/json" 2>&1
if grep -q '"ops": 1000,' "$tmp/json" && grep -q '"unmap_avg_ns": ' "$tmp/json" &&
	grep -q '"iotlb": { "hits": ' "$tmp/json" && grep -q '"cmdq": { "cmds": ' "$tmp/json" &&
	grep -q '"command": ".*map -t 2 --iterations 500' "$tmp/json" &&
	grep -q '"strategy": "lazy"' "$tmp/json"; then
	ok json-fields
else
	bad "json-fields: $(cat "$tmp/json")"
fi

# Strict invalidates once per unmap; passthrough never.
"$B" map --iterations 300 --strategy strict --platform ideal --format json >"$tmp/s" 2>&1
"$B" map --iterations 300 --strategy passthrough --platform ideal --format json >"$tmp/p" 2>&1
if grep -q '"cmds": 300, "syncs": 300' "$tmp/s" && grep -q '"cmds": 0, "syncs": 0' "$tmp/p"; then
	ok invalidations-counted
else
	bad "invalidations-counted: $(grep cmdq "$tmp/s" "$tmp/p")"
fi

# Every strategy runs under map; the reuse counters show what it did: reuse
# invalidates once (at stop), iova-link once per use, bounce copies both ways.
for s in passthrough strict lazy bounce reuse pool cache iova-link auto; do
	"$B" map --iterations 200 --strategy $s --platform ideal --format json >"$tmp/j.$s" 2>&1 &&
		grep -q '"ops": 200,' "$tmp/j.$s" && grep -q '"xfer_errors": 0,' "$tmp/j.$s" &&
		ok "map-strategy-$s" || bad "map-strategy-$s: $(cat "$tmp/j.$s")"
done
grep -q '"reuse": { "hits": 199, "misses": 1, "maps": 1,' "$tmp/j.cache" && ok cache-hits-counted ||
	bad "cache-hits-counted: $(grep '"reuse"' "$tmp/j.cache")"
grep -q '"reuse": { "hits": 200, "misses": 1, "maps": 1,' "$tmp/j.reuse" && ok reuse-hits-counted ||
	bad "reuse-hits-counted: $(grep '"reuse"' "$tmp/j.reuse")"
grep -q '"cmds": 1,' "$tmp/j.reuse" && grep -q '"cmds": 200,' "$tmp/j.iova-link" &&
	ok invalidations-by-strategy || bad "invalidations-by-strategy"
grep -q '"bytes_copied": 1638400,' "$tmp/j.bounce" && ok bounce-bytes-counted ||
	bad "bounce-bytes-counted: $(grep '"reuse"' "$tmp/j.bounce")"

"$B" platforms >"$tmp/pl" 2>&1
if [ $? -eq 0 ] && grep -q '^  ideal ' "$tmp/pl" && grep -q '^  kunpeng920-smmuv3 ' "$tmp/pl" &&
	grep -q 'source: ' "$tmp/pl"; then
	ok platforms-list
else
	bad "platforms-list: $(cat "$tmp/pl")"
fi

"$B" map --help >"$tmp/h" 2>&1 && grep -q -- '--granule' "$tmp/h" && ok map-help || bad map-help

# dmabench run: bad input exits 2 naming what was wrong and what is allowed.
expect_usage run-bad-workload "--workload: 'disk' is not a workload (expected zswap, net or map)" run --workload disk
expect_usage run-bad-strategy "--strategy: 'fastest' is not a strategy" run --strategy strict,fastest
expect_usage run-zero-ops "--ops: 0 is out of range" run --ops 0
expect_usage run-negative-threads "--threads: -1 is out of range (expected 1-64)" run --threads -1
expect_usage run-bad-platform "unknown platform 'vax'" run --platform vax
expect_usage run-bad-format "--format: 'xml' is not a format (expected table, json or csv)" run --format xml
expect_usage run-unwritable-output "--output: cannot write '/nonexistent/x.json'" run --ops 10 --output /nonexistent/x.json
expect_usage run-net-size "--size: 10 is out of range for net (expected 64-65536)" run --workload net --size 10
expect_usage run-bad-mix "^dmabench: --mix '50:64-100000': band 1 (50:64-100000): expected" run --workload net --mix 50:64-100000
# zswap holds every page until the load phase: the arena bounds --ops, by --threads.
expect_usage run-zswap-ops-big "--ops: 1032193 is too many pages for zswap with --threads 1 .*expected 1-1032192 with 1 thread(s))" \
	run --workload zswap --ops 1032193 --strategy passthrough --platform ideal
expect_usage run-zswap-ops-max "--ops: 100000000 is too many pages for zswap" run --ops 100000000
expect_usage run-zswap-ops-threads "--ops: 1032191 is too many pages for zswap with --threads 5 .*expected 1-1032190 with 5 thread(s))" \
	run --workload zswap --threads 5 --ops 1032191 --strategy passthrough --platform ideal
"$B" run --help >"$tmp/h" 2>&1 && grep -q '1-100000000' "$tmp/h" &&
	grep -q '1-1032192, with --threads T at most T x (1032192 / T)' "$tmp/h" &&
	ok run-help-ranges || bad "run-help-ranges: $(cat "$tmp/h")"
expect_usage run-poll-not-zswap "--poll, --completion: only zswap waits for completions" run --workload map --poll
expect_usage run-completion-not-zswap "--poll, --completion: only zswap waits for completions" run --workload net --completion irq
expect_usage run-bad-completion "--completion: 'spin' is not a completion mode (expected auto, irq or poll)" run --completion spin
# zswap's completion wait: auto polls only when the CPU threads and the
# engine's thread each have a CPU (the affinity mask counts, so taskset
# decides the case); an explicit mode is taken as given.
if command -v taskset >/dev/null 2>&1; then
	taskset -c 0 "$B" run --ops 20 --strategy passthrough --platform ideal >"$tmp/c1" 2>&1
	head -1 "$tmp/c1" | grep -q ', completions by interrupt (auto: 1 CPU thread + 1 engine thread exceed 1 CPU)$' &&
		ok run-completion-auto-1cpu || bad "run-completion-auto-1cpu: $(cat "$tmp/c1")"
	taskset -c 0 "$B" run --ops 20 --strategy passthrough --platform ideal --poll >"$tmp/c2" 2>&1
	head -1 "$tmp/c2" | grep -q ', completions polled$' &&
		ok run-completion-poll-given || bad "run-completion-poll-given: $(cat "$tmp/c2")"
	if [ "$(taskset -c 0,1 nproc 2>/dev/null)" = 2 ]; then
		taskset -c 0,1 "$B" run --ops 20 --strategy passthrough --platform ideal --format json >"$tmp/c3" 2>&1
		grep -q '"completion": "auto",' "$tmp/c3" && grep -q '"poll": true,' "$tmp/c3" &&
			ok run-completion-auto-2cpu || bad "run-completion-auto-2cpu: $(head -c 600 "$tmp/c3")"
		taskset -c 0,1 "$B" run --ops 20 --threads 2 --strategy passthrough --platform ideal >"$tmp/c4" 2>&1
		head -1 "$tmp/c4" | grep -q 'completions by interrupt (auto: 2 CPU threads + 1 engine thread exceed 2 CPUs)$' &&
			ok run-completion-auto-oversubscribed || bad "run-completion-auto-oversubscribed: $(cat "$tmp/c4")"
	fi
fi

# Strategies list: one line each with the isolation class.
"$B" strategies >"$tmp/st" 2>&1
if [ "$(wc -l <"$tmp/st")" -eq 10 ] && grep -q '^lazy  *window ' "$tmp/st" &&
	grep -q '^batch  *batched  *strict  *batch  *a window until the batch' "$tmp/st" &&
	grep -q '^passthrough  *none ' "$tmp/st"; then ok strategies-list; else bad "strategies-list: $(cat "$tmp/st")"; fi
# ... each with its pair; --all lists every mode x mechanism, --mode one mode's.
if grep -q '^cache  *pinned  *strict  *cache  *the device' "$tmp/st" &&
	grep -q '^lazy  *window  *lazy  *none  *window' "$tmp/st"; then
	ok strategies-pairs
else
	bad "strategies-pairs: $(cat "$tmp/st")"
fi
"$B" strategies --all >"$tmp/sa" 2>&1
"$B" strategies --mode lazy >"$tmp/sl" 2>&1
if [ "$(wc -l <"$tmp/sa")" -eq 24 ] && [ "$(grep -c ' refused: ' "$tmp/sa")" -eq 4 ] &&
	grep -q '^iova-link  *none  *passthrough  *iova-link  *refused: an identity domain' "$tmp/sa" &&
	[ "$(wc -l <"$tmp/sl")" -eq 8 ] && [ "$(grep -c ' lazy ' "$tmp/sl")" -eq 8 ] &&
	grep -q '^batch  *batched  *lazy  *batch  *as batch' "$tmp/sl" &&
	grep -q '^cache  *breach  *lazy  *cache  *refused: .*(the safety rule)' "$tmp/sl" &&
	grep -q '^bounce  *copy  *lazy  *bounce ' "$tmp/sl"; then
	ok strategies-all-and-mode
else
	bad "strategies-all-and-mode: $(cat "$tmp/sa" "$tmp/sl")"
fi
expect_usage strategies-bad-mode "--mode: 'fast' is not an IOMMU mode (expected passthrough, strict or lazy)" \
	strategies --mode fast
expect_usage strategies-bad-arg "strategies: unexpected argument '--pairs'" strategies --pairs

# --mode: a mechanism under another mode; bad pairs exit 2 naming the pair and why.
expect_usage map-mode-bad "--mode: 'fast' is not an IOMMU mode (expected passthrough, strict or lazy)" \
	map --mode fast
expect_usage map-mode-twice "map: --mode given twice" map --mode lazy --mode strict
expect_usage map-mode-refused "--strategy cache --mode lazy: cache under lazy is refused: .*(the safety rule)" \
	map --strategy cache --mode lazy --iterations 10 --platform ideal
expect_usage run-mode-refused "--strategy reuse --mode lazy: reuse under lazy is refused: .*(the safety rule)" \
	run --strategy bounce,reuse --mode lazy --ops 10 --platform ideal
expect_usage run-mode-no-iova "--strategy iova-link --mode passthrough: iova-link under passthrough is refused: an identity domain has no IOVA space" \
	run --workload net --strategy bounce,iova-link --mode passthrough --ops 10 --platform ideal
expect_usage run-mode-moves-mode "--strategy strict --mode lazy: strict is the strict mode with no mechanism, so --mode cannot move it (.*--strategy lazy)" \
	run --strategy strict --mode lazy --ops 10 --platform ideal
"$B" map --strategy bounce --mode lazy --iterations 200 --platform ideal --format json >"$tmp/ml" 2>&1
if [ $? -eq 0 ] && grep -q '"strategy": "bounce",' "$tmp/ml" && grep -q '"mode": "lazy",' "$tmp/ml" &&
	grep -q '"mechanism": "bounce",' "$tmp/ml" && grep -q '"ops": 200,' "$tmp/ml" &&
	grep -q '"xfer_errors": 0,' "$tmp/ml" &&
	grep -q '"mode": "lazy",' "$tmp/json" && grep -q '"mechanism": "none",' "$tmp/json" &&
	grep -q '"mode": "strict",' "$tmp/j.strict" && grep -q '"mechanism": "none",' "$tmp/j.strict"; then
	ok map-mode-pair
else
	bad "map-mode-pair: $(cat "$tmp/ml")"
fi
"$B" run --workload net --strategy lazy,bounce,pool,iova-link --mode lazy --ops 100 --platform ideal --format json >"$tmp/rl" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(grep -c '"applies": true, "mode": "lazy", "mechanism": ' "$tmp/rl")" -eq 4 ] &&
	grep -q '"strategy": "pool", "applies": true, "mode": "lazy", "mechanism": "pool"' "$tmp/rl" &&
	[ "$(grep -c '"verified": true' "$tmp/rl")" -eq 4 ]; then
	ok run-mode-pairs
else
	bad "run-mode-pairs: $(cat "$tmp/rl" "$tmp/err")"
fi
# all under --mode: the mode's own none row, every mechanism; refused pairs n/a saying why.
"$B" run --workload map --mode lazy --ops 20 --platform ideal --format csv >"$tmp/ra.csv" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(wc -l <"$tmp/ra.csv")" -eq 9 ] && ! grep -q '^strict,\|^passthrough,' "$tmp/ra.csv" &&
	grep -q '^lazy,true,.*,lazy,none,false,$' "$tmp/ra.csv" &&
	grep -q '^cache,false,.*,lazy,cache,false,"cache under lazy is refused: ' "$tmp/ra.csv" &&
	[ "$(grep -c '^[a-z-]*,false,' "$tmp/ra.csv")" -eq 3 ]; then
	ok run-all-mode-lazy
else
	bad "run-all-mode-lazy: $(cat "$tmp/ra.csv" "$tmp/err")"
fi
"$B" run --workload map --strategy all --mode lazy --ops 20 --platform ideal >"$tmp/ra.txt" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q '^map on ideal, .*, IOMMU mode lazy (--mode)$' "$tmp/ra.txt" &&
	grep -q '^auto  *n/a: auto under lazy is refused: .*(as cache and reuse under lazy: the safety rule)' "$tmp/ra.txt"; then
	ok run-all-mode-table
else
	bad "run-all-mode-table: $(cat "$tmp/ra.txt" "$tmp/err")"
fi

# run: every strategy of zswap verified; JSON has every figure; counts repeat on ideal.
"$B" run --workload zswap --ops 200 --platform ideal --format json --output "$tmp/z1.json" 2>"$tmp/err"
"$B" run --workload zswap --ops 200 --platform ideal --format json --output "$tmp/z2.json" 2>>"$tmp/err"
if [ "$(grep -c '"verified": true' "$tmp/z1.json")" -eq 9 ] && grep -q '"strategy": "pool", "applies": false' "$tmp/z1.json" &&
	grep -q '"dma_ns_per_op"' "$tmp/z1.json" && grep -q '"oracle": { "ok"' "$tmp/z1.json" &&
	grep -q '"platform": { "name": "ideal"' "$tmp/z1.json" && grep -q '"command": ".*run --workload zswap' "$tmp/z1.json"; then
	ok run-zswap-json
else
	bad "run-zswap-json: $(head -c 2000 "$tmp/z1.json") $(cat "$tmp/err")"
fi
counts() { sed -n 's/.*"strategy": "\([a-z-]*\)".*"ops": \([0-9]*\),.*"breach": \([0-9]*\),.*"maps": \([0-9]*\),.*/\1 \2 \3 \4/p' "$1"; }
if [ -n "$(counts "$tmp/z1.json")" ] && [ "$(counts "$tmp/z1.json")" = "$(counts "$tmp/z2.json")" ]; then
	ok run-reproducible
else
	bad "run-reproducible: $(counts "$tmp/z1.json") VS $(counts "$tmp/z2.json")"
fi
"$B" run --workload net --strategy strict,bounce,pool --ops 300 --platform ideal --format csv >"$tmp/n.csv" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(wc -l <"$tmp/n.csv")" -eq 4 ] && grep -q '^bounce,true,300,' "$tmp/n.csv"; then
	ok run-net-csv
else
	bad "run-net-csv: $(cat "$tmp/n.csv" "$tmp/err")"
fi
# Strategies that cannot lend buffers of --size: an n/a row that says why.
"$B" run --workload map --strategy strict,bounce --ops 20 --size 300000 --platform ideal >"$tmp/b.txt" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q '^bounce  *n/a: --size 300000 is above bounce.s largest buffer (262144 bytes)' "$tmp/b.txt" &&
	grep -q '^strict .* yes$' "$tmp/b.txt"; then
	ok run-map-bounce-size-na
else
	bad "run-map-bounce-size-na: $(cat "$tmp/b.txt" "$tmp/err")"
fi
# Every thread's buffer in flight at once fits the strategy objects.
for s in bounce iova-link; do
	"$B" map -t 64 -g 64 --iterations 20 --strategy $s --platform ideal >"$tmp/m.$s" 2>&1 &&
		ok "map-64-threads-$s" || bad "map-64-threads-$s: $(cat "$tmp/m.$s")"
done
# plot reads what run wrote, whatever its layout; gnuplot's chart names every
# strategy (the list dmabench strategies prints) and what the oracle saw.
names_every_strategy() {
	for s in $("$B" strategies | awk '{ print $1 }'); do
		grep -q "<text>$s</text>" "$1" || return 1
	done
}
if "$B" plot "$tmp/z1.json" -o "$tmp/z.svg" 2>"$tmp/err" && head -1 "$tmp/z.svg" | grep -q '^<?xml' &&
	grep -q '^<svg' "$tmp/z.svg" && sed '/^$/d' "$tmp/z.svg" | tail -1 | grep -q '^</svg>$' &&
	names_every_strategy "$tmp/z.svg" && grep -q '<text>breach 0</text>' "$tmp/z.svg"; then
	ok plot-svg-round-trip
else
	bad "plot-svg-round-trip: $(cat "$tmp/err")"
fi
tr -d '\n' <"$tmp/z1.json" >"$tmp/oneline.json"
sed 's/, "/,\n        "/g; s/{ /{\n   /g' "$tmp/z1.json" >"$tmp/reindented.json"
sed 's/"strategy": \("[^"]*"\), "applies": \([a-z]*\)/"applies": \2, "strategy": \1/' "$tmp/z1.json" >"$tmp/reordered.json"
for f in oneline reindented reordered; do
	if "$B" plot "$tmp/$f.json" -o "$tmp/$f.svg" 2>"$tmp/err" && cmp -s "$tmp/z.svg" "$tmp/$f.svg"; then
		ok "plot-$f-json"
	else
		bad "plot-$f-json: $(cat "$tmp/err"; diff "$tmp/z.svg" "$tmp/$f.svg" | head -5)"
	fi
done
# Strings from the file are escaped in the SVG: no element comes from the data.
sed '0,/"strategy": "strict"/s//"strategy": "<script>alert(1)<\/script> \&\\" '"'"'x"/' "$tmp/z1.json" >"$tmp/xss.json"
if "$B" plot "$tmp/xss.json" -o "$tmp/xss.svg" 2>"$tmp/err" && ! grep -q '<script' "$tmp/xss.svg" &&
	grep -q "<text>&lt;script>alert(1)&lt;/script> &amp;\" 'x</text>" "$tmp/xss.svg"; then
	ok plot-escapes-strings
else
	bad "plot-escapes-strings: $(cat "$tmp/err"; grep script "$tmp/xss.svg")"
fi
# Anything else exits 2 naming the file and the place; the SVG is not written.
plot_bad() {	# plot_bad NAME PATTERN: $tmp/NAME.json is refused, $tmp/keep.svg untouched
	echo "precious" >"$tmp/keep.svg"
	expect_usage "plot-$1" "$2" plot "$tmp/$1.json" -o "$tmp/keep.svg"
	[ "$(cat "$tmp/keep.svg")" = precious ] || bad "plot-$1: the SVG was written"
}
head -c 1000 "$tmp/z1.json" >"$tmp/truncated.json"
plot_bad truncated "plot: $tmp/truncated.json:[0-9]*:[0-9]*: .*(byte 1000; expected the JSON of"
: >"$tmp/empty.json"
plot_bad empty "plot: $tmp/empty.json:1:0: '\[' or '{' expected near end of file"
printf '{"workload": "zswap", }\n' >"$tmp/malformed.json"
plot_bad malformed "plot: $tmp/malformed.json:1:23: string or '}' expected near '}'"
sed '0,/"dma_ns_per_op": [0-9.]*/s//"dma_ns_per_op": 1e300/' "$tmp/z1.json" >"$tmp/huge.json"
plot_bad huge "plot: $tmp/huge.json: results\[0\].dma_ns_per_op: 1e+300 is out of range (expected 0-1e+12)"
sed '0,/"dma_ns_per_op": [0-9.]*/s//"dma_ns_per_op": inf/' "$tmp/z1.json" >"$tmp/inf.json"
plot_bad inf "plot: $tmp/inf.json:[0-9]*:[0-9]*: invalid token near 'inf'"
sed '0,/"dma_ns_per_op": [0-9.]*/s//"dma_ns_per_op": -5/' "$tmp/z1.json" >"$tmp/negative.json"
plot_bad negative "results\[0\].dma_ns_per_op: -5 is out of range (expected 0-1e+12)"
sed '0,/"dma_ns_per_op": [0-9.]*/s//"dma_ns_per_op": "fast"/' "$tmp/z1.json" >"$tmp/string.json"
plot_bad string "results\[0\].dma_ns_per_op: expected a number, got a string"
sed 's/"breach": 0,/"breach": 1.5,/' "$tmp/z1.json" >"$tmp/breach.json"
plot_bad breach "results\[[0-9]\].oracle.breach: expected an integer, got a real number"
sed 's/"unit": "page",//' "$tmp/z1.json" >"$tmp/nounit.json"
plot_bad nounit "plot: $tmp/nounit.json: unit: missing (expected a string)"
sed 's/"applies": true/"applies": "yes"/' "$tmp/z1.json" >"$tmp/applies.json"
plot_bad applies "results\[0\].applies: expected true or false, got a string"
sed 's/"unit": "page",/"unit": "page", "unit": "page",/' "$tmp/z1.json" >"$tmp/dupkey.json"
plot_bad dupkey "plot: $tmp/dupkey.json:[0-9]*:[0-9]*: duplicate object key"
printf '{"workload": "zswap", "unit": "page", "platform": {"name": "x"}, "results": []}\n' >"$tmp/noresults.json"
plot_bad noresults "plot: $tmp/noresults.json: results: expected 1-64 results, got 0"
printf '[1, 2]\n' >"$tmp/array.json"
plot_bad array "plot: $tmp/array.json: (top level): expected an object, got an array"
expect_usage plot-missing-file "plot: cannot read '/nonexistent.json'" plot /nonexistent.json -o "$tmp/x.svg"
expect_usage plot-output-twice "plot: -o/--output given twice" plot "$tmp/z1.json" -o "$tmp/a.svg" -o "$tmp/b.svg"

# ---- virtual time: scale, map --cpus, --clock --------------------------------
expect_usage scale-cpus-zero "--cpus: 0 is out of range (expected 1-256)" scale --cpus 0
expect_usage scale-cpus-big "--cpus: 300 is out of range (expected 1-256)" scale --cpus 1,300
expect_usage scale-cpus-empty-item "--cpus: '1,,4': an item is empty" scale --cpus 1,,4
expect_usage scale-cpus-twice "--cpus: '4,4' names 4 twice" scale --cpus 4,4
expect_usage scale-workload "--workload: 'disk' is not a workload (expected map, zswap or net)" \
	scale --workload disk
expect_usage scale-zswap-size "--size: zswap stores pages" scale --workload zswap --size 4096
expect_usage scale-map-size "--size: 1000 is not a map buffer size (expected a multiple of 4096" \
	scale --size 1000
expect_usage map-cpus-zero "--cpus: 0 is out of range (expected 1-256)" map --cpus 0
expect_usage map-cpus-big "--cpus: 300 is out of range (expected 1-256)" map --cpus 300
expect_usage map-cpus-and-threads "--cpus and -t/--threads both given" map --cpus 4 -t 4
expect_usage map-clock-bad "--clock: 'wall' is not a clock (expected real or virtual)" \
	map --clock wall
# A cost table with an entry missing, or negative: the profile is refused, naming it.
grep -v '^cost_hash_ns' "$top"/profiles/kunpeng920-smmuv3.profile >"$tmp/nohash.profile"
expect_usage cost-missing "missing key 'cost_hash_ns'" scale --platform "$tmp/nohash.profile"
sed 's/^cost_lock_ns = .*/cost_lock_ns = -3/' "$top"/profiles/kunpeng920-smmuv3.profile >"$tmp/neg.profile"
expect_usage cost-negative "key 'cost_lock_ns': bad value '-3' (expected a non-negative" \
	scale --platform "$tmp/neg.profile"
# A profile without a cost table runs in real time only.
grep -v '^cost_' "$top"/profiles/kunpeng920-smmuv3.profile >"$tmp/real.profile"
expect_usage scale-no-costs "has no cost table" scale --platform "$tmp/real.profile"
expect_usage map-virtual-no-costs "has no cost table" map --clock virtual --platform "$tmp/real.profile"

# scale: a table that says it is virtual time and names the profile; the same
# bytes twice; another seed, other numbers (zswap's pages follow the seed).
if "$B" scale --cpus 1,4 --strategy strict,bounce --ops 2000 >"$tmp/s1" 2>"$tmp/se" &&
	"$B" scale --cpus 1,4 --strategy strict,bounce --ops 2000 >"$tmp/s2" 2>/dev/null &&
	grep -q "^map on kunpeng920-smmuv3, virtual time" "$tmp/s1" &&
	grep -q "^strict " "$tmp/s1" && grep -q "^bounce " "$tmp/s1" &&
	grep -q "simulated in" "$tmp/se" && cmp -s "$tmp/s1" "$tmp/s2"; then
	ok scale-table-repeats
else
	bad "scale-table-repeats ($(head -3 "$tmp/s1"; cat "$tmp/se"))"
fi
if "$B" scale --workload zswap --cpus 2,8 --strategy strict --ops 64 --seed 1 >"$tmp/z1" 2>/dev/null &&
	"$B" scale --workload zswap --cpus 2,8 --strategy strict --ops 64 --seed 2 >"$tmp/z2" 2>/dev/null &&
	! cmp -s "$tmp/z1" "$tmp/z2"; then
	ok scale-seed-matters
else
	bad "scale-seed-matters"
fi
if "$B" scale --workload net --cpus 2 --ops 200 --format json >"$tmp/sj" 2>/dev/null &&
	grep -q '"clock": "virtual"' "$tmp/sj" && grep -q '"strategy": "pool"' "$tmp/sj" &&
	"$B" scale --workload net --cpus 2 --ops 200 --format csv >"$tmp/sc" 2>/dev/null &&
	head -1 "$tmp/sc" | grep -q '^strategy,cpus,applies,ok,ops,dma_ns_per_op' &&
	grep -q '^reuse,2,false' "$tmp/sc"; then
	ok scale-json-csv
else
	bad "scale-json-csv ($(head -2 "$tmp/sc"))"
fi
# map --cpus above the host's CPUs is virtual: Linux's three lines, the same twice.
if "$B" map --cpus 64 --iterations 200 >"$tmp/m1" 2>/dev/null &&
	"$B" map --cpus 64 --iterations 200 >"$tmp/m2" 2>/dev/null &&
	[ "$(wc -l <"$tmp/m1")" -eq 3 ] && cmp -s "$tmp/m1" "$tmp/m2" &&
	"$B" map --cpus 64 --iterations 200 --format json | grep -q '"clock": "virtual"'; then
	ok map-cpus-virtual
else
	bad "map-cpus-virtual ($(cat "$tmp/m1"))"
fi

# run --clock virtual: the cost rounds in virtual time too, so the whole table
# (costs, latencies, isolation) is the same twice; the header says so.
if "$B" run --clock virtual --ops 100 --strategy strict,bounce --platform ideal >"$tmp/v1" 2>/dev/null &&
	"$B" run --clock virtual --ops 100 --strategy strict,bounce --platform ideal >"$tmp/v2" 2>/dev/null &&
	cmp -s "$tmp/v1" "$tmp/v2" && head -1 "$tmp/v1" | grep -q '^zswap on ideal, 1 CPU thread, seed 1, virtual time, isolation probed by a rogue device in virtual time,' &&
	grep -q '^bounce .* yes$' "$tmp/v1"; then
	ok run-clock-virtual-repeats
else
	bad "run-clock-virtual-repeats ($(cat "$tmp/v1"))"
fi
# Without a cost table the isolation pass probes on the host clock.
"$B" run --ops 20 --strategy strict --platform "$tmp/real.profile" >"$tmp/rc" 2>&1
if [ $? -eq 0 ] && head -1 "$tmp/rc" | grep -q ', isolation probed by a rogue device, '; then
	ok run-iso-real-without-costs
else
	bad "run-iso-real-without-costs ($(cat "$tmp/rc"))"
fi
expect_usage run-clock-no-costs "has no cost table" run --clock virtual --platform "$tmp/real.profile"
expect_usage run-iso-clock-no-costs "its isolation pass cannot run in virtual time" \
	run --isolation-clock virtual --platform "$tmp/real.profile"

# ---- sweep: map's cost against buffer size --------------------------------------
expect_usage sweep-size-zero "--size: 0 is out of range (expected 4096-4194304)" sweep --size 0
expect_usage sweep-size-odd "--size: 5000 is not a multiple of 4096" sweep --size 4096,5000
expect_usage sweep-size-twice "--size: '4096,4096' names 4096 twice" sweep --size 4096,4096
expect_usage sweep-size-empty-item "--size: '4096,,8192': an item is empty" sweep --size 4096,,8192
expect_usage sweep-clock-bad "--clock: 'wall' is not a clock (expected real or virtual)" sweep --clock wall
expect_usage sweep-no-costs "has no cost table" sweep --platform "$tmp/real.profile"
# The same table twice (virtual time); bounce n/a above its largest buffer; the
# crossover named; JSON says what it is; CSV has a header and a line per cell.
if "$B" sweep --size 4096,65536,524288 --strategy strict,bounce --ops 200 >"$tmp/w1" 2>/dev/null &&
	"$B" sweep --size 4096,65536,524288 --strategy strict,bounce --ops 200 >"$tmp/w2" 2>/dev/null &&
	cmp -s "$tmp/w1" "$tmp/w2" && grep -q '^bounce .* n/a$' "$tmp/w1" &&
	grep -q '^crossover: bounce beats strict up to 4 KiB; strict is cheaper from 64 KiB$' "$tmp/w1"; then
	ok sweep-table-repeats
else
	bad "sweep-table-repeats ($(cat "$tmp/w1"))"
fi
if "$B" sweep --size 4096,8192 --strategy strict,pool --ops 100 --format json >"$tmp/wj" 2>/dev/null &&
	grep -q '"benchmark": "sweep"' "$tmp/wj" && grep -q '"sizes": \[4096, 8192\]' "$tmp/wj" &&
	"$B" sweep --size 4096,8192 --strategy strict,pool --ops 100 --format csv >"$tmp/wc" 2>/dev/null &&
	head -1 "$tmp/wc" | grep -q '^strategy,size,applies,ok,ops,dma_ns_per_op,' &&
	[ "$(wc -l <"$tmp/wc")" -eq 5 ] && grep -q '^pool,8192,true,true,100,' "$tmp/wc"; then
	ok sweep-json-csv
else
	bad "sweep-json-csv ($(cat "$tmp/wc"))"
fi

# ---- CSV: a header line, RFC 4180 quoting, loadable by gnuplot unchanged ----------
# A field with a comma or a quote is quoted with its quotes doubled: the n/a
# row's why (pool under zswap) is one field, and every line has the header's
# number of fields once quoted fields are taken whole.
fields() {	# fields FILE: the number of fields of each line, RFC 4180 quotes honoured
	awk '{ n = 1; q = 0; for (i = 1; i <= length($0); i++) { c = substr($0, i, 1);
		if (c == "\"") q = !q; else if (c == "," && !q) n++ } print n }' "$1" | sort -u
}
"$B" run --ops 20 --platform ideal --no-rogue --format csv >"$tmp/r.csv" 2>"$tmp/err"
if [ "$(fields "$tmp/r.csv")" = "$(head -1 "$tmp/r.csv" | awk -F, '{ print NF }')" ] &&
	grep -q '^pool,false,.*,"pool n/a: every zip buffer comes from the upper layer (zswap.s pages and per-CPU buffers); a driver pool would add a copy, which is bounce"$' "$tmp/r.csv"; then
	ok csv-quotes-fields
else
	bad "csv-quotes-fields ($(fields "$tmp/r.csv") $(grep ^pool "$tmp/r.csv"))"
fi
"$B" map --iterations 50 --platform ideal --format csv >"$tmp/m.csv" 2>"$tmp/err"
"$B" scale --cpus 1,2 --strategy strict,bounce --ops 100 --format csv >"$tmp/s.csv" 2>/dev/null
cp "$tmp/wc" "$tmp/w.csv"
# gnuplot reads each CSV as it is: the header names the columns, and stats over
# dma_ns_per_op (pair_avg_ns for map) counts one record per data line.
if command -v gnuplot >/dev/null 2>&1; then
	for f in r m s w; do
		col=dma_ns_per_op
		[ $f = m ] && col=pair_avg_ns
		want=$(awk -F, 'NR > 1 && $2 != "false" && $3 != "false"' "$tmp/$f.csv" | wc -l)
		[ $f = r ] && want=$(grep -c '^[a-z-]*,true,' "$tmp/$f.csv")
		got=$(gnuplot -e "set datafile separator comma; set datafile columnheaders; stats '$tmp/$f.csv' using '$col' nooutput; print STATS_records" 2>&1)
		if [ "$got" = "$want" ] && [ "$want" -gt 0 ]; then
			ok "csv-gnuplot-$f"
		else
			bad "csv-gnuplot-$f (gnuplot: $got, expected $want)"
		fi
	done
else
	bad "csv-gnuplot: gnuplot is not installed (tools/install-deps.sh installs gnuplot-nox)"
fi

# --batch-size: batch's unmaps per batch on run, map and scale; 1 is strict's
# invalidation count; out of range, or without batch among the strategies, refused.
expect_usage batch-size-zero "--batch-size: 0 is out of range (expected 1-4096)" \
	run --strategy batch --batch-size 0 --ops 10 --platform ideal
expect_usage batch-size-big "--batch-size: 4097 is out of range (expected 1-4096)" \
	map --strategy batch --batch-size 4097 --iterations 10 --platform ideal
expect_usage batch-size-no-batch "--batch-size: only the batch strategy batches unmaps (expected --strategy all or a list naming batch)" \
	run --strategy strict,lazy --batch-size 8 --ops 10 --platform ideal
expect_usage batch-size-map-strict "--batch-size: only the batch strategy batches unmaps (expected --strategy batch, not strict)" \
	map --strategy strict --batch-size 8 --iterations 10 --platform ideal
expect_usage batch-size-scale "--batch-size: only the batch strategy batches unmaps" \
	scale --strategy strict --batch-size 8 --ops 10
expect_usage batch-size-twice "run: --batch-size given twice" \
	run --strategy batch --batch-size 2 --batch-size 3 --ops 10 --platform ideal
"$B" map --strategy batch --batch-size 1 --iterations 300 --platform ideal --format json >"$tmp/b1" 2>&1 &&
	"$B" map --strategy strict --iterations 300 --platform ideal --format json >"$tmp/b0" 2>&1 &&
	"$B" map --strategy batch --batch-size 16 --iterations 300 --platform ideal --format json >"$tmp/b16" 2>&1
if [ $? -eq 0 ] && grep -q '"cmds": 300,' "$tmp/b1" && grep -q '"cmds": 300,' "$tmp/b0" &&
	grep -q '"cmds": 19,' "$tmp/b16" && grep -q '"batch_size": 16,' "$tmp/b16" &&
	grep -q '"deferred": 300, "pages_deferred": 300, "flushes": 19, "batch_max": 16' "$tmp/b16"; then
	ok batch-size-map
else
	bad "batch-size-map: $(cat "$tmp/b16")"
fi
"$B" run --workload net --strategy batch --batch-size 4 --ops 300 --platform ideal --format json >"$tmp/bn" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q '"batch_size": 4,' "$tmp/bn" && grep -q '"batch_max": [1-4] }' "$tmp/bn" &&
	grep -q '"verified": true' "$tmp/bn"; then
	ok batch-size-net
else
	bad "batch-size-net: $(cat "$tmp/bn" "$tmp/err")"
fi
if "$B" scale --workload map --cpus 1,2 --strategy strict,batch --batch-size 1 --ops 400 --format csv >"$tmp/bs" 2>/dev/null &&
	grep -q '^strict,1,true,true,400,.*,1.000,' "$tmp/bs" && grep -q '^batch,1,true,true,400,.*,1.000,' "$tmp/bs" &&
	grep -q '^batch,2,true,true,400,.*,1.000,' "$tmp/bs" &&
	"$B" scale --workload map --cpus 1 --strategy batch --batch-size 1 --ops 40 2>/dev/null | head -1 | grep -q ', batch size 1$'; then
	ok batch-size-scale
else
	bad "batch-size-scale ($(cat "$tmp/bs"))"
fi

# Found by tests/fuzz/fuzz_cli: a value holding a control byte (here a
# newline and an ESC) was echoed raw, so the "one-line" message broke over
# two lines or could drive the terminal.  Control bytes are written \xNN.
cli_control_byte_in_value_is_escaped() {
	nl='
'
	timeout 60 "$B" map "a${nl}b" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	timeout 60 "$B" run --workload "$(printf 'z\033[2J')" >"$tmp/out2" 2>"$tmp/err2"
	rc2=$?
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
		grep -q "unexpected argument 'a\\\\x0ab'" "$tmp/err" &&
		[ "$rc2" -eq 2 ] && grep -q "'z\\\\x1b\[2J' is not a workload" "$tmp/err2" &&
		! grep -q "$(printf '\033')" "$tmp/err2"; then
		ok cli-control-byte-in-value-is-escaped
	else
		bad "cli-control-byte-in-value-is-escaped (exit $rc/$rc2: $(cat "$tmp/err" "$tmp/err2"))"
	fi
}
cli_control_byte_in_value_is_escaped

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
