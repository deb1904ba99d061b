#!/bin/sh
# test_soak.sh - the soak (tests/soak/soak.c) in every `make check`: one
# short round per strategy with a fixed seed must pass (every page and
# packet verified, injected failures clean, no breach where protected, the
# census back to its baseline), and each check must be able to fail: each
# --leak kind, leaked on purpose, must fail the round naming the counter
# that grew, and the drivers' fault hooks and --all-protected fail the
# verification, clean-error and breach checks.  Bad input exits 2 with a message naming the value.
# A few seconds in the plain tree; longer under the sanitizers.
set -u
B=${DMABENCH:-build/dmabench}
S=$(dirname "$B")/soak
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

"$S" --seconds 0 --seed 1 --pages 300 --packets 600 --storm-us 500 --inject-every 400 \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^soak passed: 10 round(s), 0 failed' "$tmp/out"; then
	ok "short-soak-all-strategies"
else
	bad "short-soak-all-strategies: exit $rc"
	cat "$tmp/out"
	tail -20 "$tmp/err"
fi
# The checks saw work: storms ran and injections fired (a soak that did
# nothing would pass too).
if grep -q ' [1-9][0-9]* fired, [0-9]* clean errors; [1-9][0-9]* storms$' "$tmp/out"; then
	ok "short-soak-injected-and-stormed"
else
	bad "short-soak-injected-and-stormed: $(tail -1 "$tmp/out")"
fi

leak() {
	kind=$1
	want=$2
	"$S" --seconds 0 --strategy strict --pages 50 --packets 100 --leak "$kind" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "^round 0 strict: .*FAIL .*leak: $want" "$tmp/out"; then
		ok "leak-check-fails-on-$kind"
	else
		bad "leak-check-fails-on-$kind: exit $rc, wanted 'leak: $want'"
		cat "$tmp/out"
	fi
}
leak frame "frames [0-9]* at start, [0-9]* now"
leak pin "pinned pages 0 at start, 1 now"
leak iova "IOVA ranges found at device teardown 0 at start, 1 now"
leak slot "bounce buffers found at device teardown 0 at start, 1 now"
leak device "DMA devices 0 at start, 1 now"

# The other checks can fail too: a decompression the zip driver's fault
# hook breaks is a page not verified; a packet its NIC hook faults, with
# nothing injected, is not a clean error; passthrough's breaches fail a
# round once every strategy counts as protected.
check_fails() {
	name=$1
	want=$2
	shift 2
	"$S" --seconds 0 --pages 50 --packets 100 --inject-every 0 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q "^round 0 .*FAIL .*$want" "$tmp/out"; then
		ok "check-fails-on-$name"
	else
		bad "check-fails-on-$name: exit $rc, wanted '$want'"
		cat "$tmp/out"
	fi
}
check_fails wrong-page "zswap: 1 wrong (not verified) of 100" --strategy strict --fault-nth 150
check_fails unclean-packet "net: 2 packet(s) failed with no injected failure" \
	--strategy strict --fault-nth 20
check_fails breach "breach(es) under passthrough" --strategy passthrough --all-protected

bad_input() {
	name=$1
	want=$2
	shift 2
	"$S" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "$want" "$tmp/err" && [ "$(wc -l <"$tmp/err")" -eq 1 ]; then
		ok "bad-input-$name"
	else
		bad "bad-input-$name: exit $rc: $(cat "$tmp/err")"
	fi
}
bad_input strategy "soak: --strategy 'nope': expected all or names among" --strategy nope
bad_input seconds "soak: --seconds '-1': expected an integer 0-86400" --seconds -1
bad_input pages "soak: --pages '0': expected an integer 1-100000" --pages 0
bad_input leak "soak: --leak 'x': expected frame, pin, iova, slot or device" --leak x
bad_input option "soak: unknown option '--bogus'" --bogus

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
