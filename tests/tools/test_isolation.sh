#!/bin/sh
# test_isolation.sh - the default table measures isolation for real: its
# isolation pass runs the rogue device, so over several seeds lazy shows
# breaches (or a window), passthrough `none`, and no strategy whose pair
# isolates (the JSON's "isolating", from the strategy table) a breach; the
# best line names only such a strategy.  --no-rogue says in the header that
# isolation was not probed.
#
# `run --ops 50` is the default run with short cost rounds: the isolation
# pass does not depend on them (checked below), so it is the default
# table's isolation pass, seed by seed.  It runs in virtual time, so each
# seed gives the same findings on any host; the same seed twice is checked
# to give the same columns.
set -u
B=${DMABENCH:-build/dmabench}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }

# iso FILE.json: "strategy isolation breach stale isolating" per row that ran
iso() {
	sed -n 's/.*"strategy": "\([a-z-]*\)", "applies": true,.*"isolation": "\([a-z]*\)",.*"isolating": \([a-z]*\),.*"oracle": { "ok": [0-9]*, "stale": \([0-9]*\), "subpage": [0-9]*, "breach": \([0-9]*\),.*/\1 \2 \5 \4 \3/p' "$1"
}

for seed in 1 2 3 4; do
	"$B" run --ops 50 --seed "$seed" --json "$tmp/$seed.json" >"$tmp/$seed.txt" 2>"$tmp/err"
	rc=$?
	t="default-isolation-seed-$seed"
	if [ "$rc" -ne 0 ] || [ "$(iso "$tmp/$seed.json" | wc -l)" -lt 3 ]; then
		bad "$t: exit $rc, $(cat "$tmp/err" "$tmp/$seed.txt")"
		continue
	fi
	head -1 "$tmp/$seed.txt" | grep -q ', isolation probed by a rogue device in virtual time' &&
		ok "$t-header" || bad "$t-header: $(head -1 "$tmp/$seed.txt")"
	# The table itself: lazy's isolation column and breach count.
	lazy=$(awk '$1 == "lazy" && NF > 10 { print $10, $14 }' "$tmp/$seed.txt")
	case "$lazy" in
	"breached "[1-9]*|"window "*) ok "$t-lazy-shows-its-window ($lazy)" ;;
	*) bad "$t-lazy-shows-its-window: lazy row '$lazy' (expected breached with breaches, or window)" ;;
	esac
	pt=$(awk '$1 == "passthrough" && NF > 10 { print $10 }' "$tmp/$seed.txt")
	[ "$pt" = none ] && ok "$t-passthrough-none" || bad "$t-passthrough-none: '$pt'"
	leaks=$(iso "$tmp/$seed.json" | awk '$5 == "true" && ($3 != 0 || $2 == "breached" || $2 == "none")')
	[ -z "$leaks" ] && ok "$t-no-isolating-breach" || bad "$t-no-isolating-breach: $leaks"
	# The best line names a strategy whose pair isolates and that the oracle saw keep it.
	best=$(sed -n 's/^best isolating strategy: \([a-z-]*\),.*/\1/p' "$tmp/$seed.txt")
	if [ -n "$best" ] && iso "$tmp/$seed.json" | grep -q "^$best [a-z]* 0 [0-9]* true$"; then
		ok "$t-best-kept-isolation ($best)"
	else
		bad "$t-best-kept-isolation: '$best' in $(iso "$tmp/$seed.json" | tr '\n' ';')"
	fi
done

# The isolation pass is the default run's whatever the cost rounds did, and
# the same for a seed every time (virtual time).
"$B" run --ops 400 --seed 1 --json "$tmp/1b.json" >/dev/null 2>"$tmp/err"
"$B" run --ops 50 --seed 1 --json "$tmp/1c.json" >/dev/null 2>>"$tmp/err"
if [ -n "$(iso "$tmp/1.json")" ] && [ "$(iso "$tmp/1.json")" = "$(iso "$tmp/1b.json")" ] &&
	[ "$(iso "$tmp/1.json")" = "$(iso "$tmp/1c.json")" ]; then
	ok isolation-pass-repeats
else
	bad "isolation-pass-repeats: $(iso "$tmp/1.json" | tr '\n' ';') VS $(iso "$tmp/1b.json" | tr '\n' ';') VS $(iso "$tmp/1c.json" | tr '\n' ';') $(cat "$tmp/err")"
fi

# net's isolation pass probes too: lazy breaches, no isolating pair does.
"$B" run --workload net --ops 50 --json "$tmp/net.json" >"$tmp/net.txt" 2>"$tmp/err"
if [ $? -eq 0 ] && iso "$tmp/net.json" | grep -q '^lazy breached [1-9]' &&
	[ -z "$(iso "$tmp/net.json" | awk '$5 == "true" && $3 != 0')" ]; then
	ok net-isolation-probed
else
	bad "net-isolation-probed: $(iso "$tmp/net.json" | tr '\n' ';') $(cat "$tmp/err")"
fi

# --no-rogue: the header says isolation was not probed, and so does the JSON.
"$B" run --ops 20 --strategy strict,lazy --no-rogue --json "$tmp/nr.json" >"$tmp/nr.txt" 2>"$tmp/err"
if [ $? -eq 0 ] && head -1 "$tmp/nr.txt" | grep -q ', isolation not probed' &&
	! head -1 "$tmp/nr.txt" | grep -q 'rogue device' &&
	grep -q '^best isolating strategy: .*; isolation by the strategy table, not probed$' "$tmp/nr.txt" &&
	grep -q '"isolation_probed": false' "$tmp/nr.json" && grep -q '"rogue": false' "$tmp/nr.json"; then
	ok no-rogue-says-not-probed
else
	bad "no-rogue-says-not-probed: $(cat "$tmp/nr.txt" "$tmp/err")"
fi
# The isolation pass on the host clock still probes (what it finds is the host's race).
"$B" run --ops 20 --strategy passthrough,strict --isolation-clock real >"$tmp/rt.txt" 2>"$tmp/err"
if [ $? -eq 0 ] && head -1 "$tmp/rt.txt" | grep -q ', isolation probed by a rogue device,' &&
	[ "$(awk '$1 == "passthrough" && NF > 10 { print $10 }' "$tmp/rt.txt")" = none ]; then
	ok isolation-clock-real
else
	bad "isolation-clock-real: $(cat "$tmp/rt.txt" "$tmp/err")"
fi

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
