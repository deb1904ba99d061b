#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# harness.sh - boot the kernel track's initramfs in QEMU and judge the console.
#
#   harness.sh check        boot every mode of $MODES, then verify
#   harness.sh verify       judge the consoles of the last check again
#   harness.sh run          boot every mode, then print the table
#   harness.sh table        the table from the consoles of the last run
#   harness.sh boot MODE    one boot, consoles in $BUILD/boot/
#
# Consoles go to $BUILD/<check|run|boot>/console-MODE.log, with
# qemu-MODE.err (QEMU's own messages) and status-MODE beside them.
#
# Environment (set by kmod/Makefile): BUILD, KMOD_KVER, MODES,
# BOOT_TIMEOUT, BENCH_PAIRS, MB_SECONDS, KMOD_STRATEGIES.
#
# The guest: QEMU under TCG (no usable KVM here), q35 with an emulated
# Intel VT-d (intremap=on needs kernel-irqchip=split; caching-mode stays off
# because it forces Linux into strict mode), one CPU (the stale-DMA test
# relies on it, see kmod/edu_tests.c), and QEMU's edu device with a 64-bit
# DMA mask.  The IOMMU mode is chosen on the kernel command line.  QEMU's
# exit status is always 0, so everything is read from the serial console:
# the module's and /init's "RESULT <name> PASS|FAIL ..." lines, the kernel's
# DMAR fault records, and any oops or warning.  A guest that hangs is killed
# by `timeout` and reported as a failed boot of its mode.
set -euf

: "${BUILD:?BUILD must be set (run through kmod/Makefile)}"
: "${KMOD_KVER:?KMOD_KVER must be set (run through kmod/Makefile)}"
MODES=${MODES:-strict lazy passthrough}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
BENCH_PAIRS=${BENCH_PAIRS:-100000}
MB_SECONDS=${MB_SECONDS:-1}
KMOD_STRATEGIES=${KMOD_STRATEGIES:-strict}
QEMU=${QEMU:-qemu-system-x86_64}

kernel=/boot/vmlinuz-$KMOD_KVER
initrd=$BUILD/initramfs.cpio.gz

cmd=${1:-}
case "$cmd" in
check|verify) LOGS=$BUILD/check ;;
run|table)    LOGS=$BUILD/run ;;
*)            LOGS=$BUILD/boot ;;
esac

mode_cmdline() {
	case "$1" in
	strict)      echo "intel_iommu=on iommu.strict=1" ;;
	lazy)        echo "intel_iommu=on iommu.strict=0" ;;
	passthrough) echo "intel_iommu=on iommu.passthrough=1" ;;
	*) echo "harness: unknown mode '$1' (expected strict, lazy or passthrough)" >&2
	   return 1 ;;
	esac
}

# boot MODE: one guest run.  Writes console-MODE.log, qemu-MODE.err and
# status-MODE ("ok", "timeout after Ns" or "qemu exit N").
boot() {
	mode=$1
	iommu_args=$(mode_cmdline "$mode")
	log=$LOGS/console-$mode.log
	mkdir -p "$LOGS"
	[ -f "$kernel" ] || { echo "harness: $kernel missing" >&2; return 1; }
	[ -f "$initrd" ] || { echo "harness: $initrd missing" >&2; return 1; }
	rm -f "$log"
	start=$(date +%s)
	rc=0
	timeout -k 5 "$BOOT_TIMEOUT" "$QEMU" \
		-accel tcg -machine q35,kernel-irqchip=split -smp 1 -m 512M \
		-nodefaults -nographic -monitor none -serial "file:$log" \
		-device intel-iommu,intremap=on \
		-device edu,dma_mask=0xffffffffffffffff \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 $iommu_args dmareuse_edu.bench_pairs=$BENCH_PAIRS dmareuse.mb_seconds=$MB_SECONDS" \
		-no-reboot </dev/null >"$LOGS/qemu-$mode.err" 2>&1 || rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) echo ok >"$LOGS/status-$mode" ;;
	124|137) echo "timeout after ${BOOT_TIMEOUT}s" >"$LOGS/status-$mode" ;;
	*) echo "qemu exit $rc" >"$LOGS/status-$mode" ;;
	esac
	echo "  BOOT    $mode: $(cat "$LOGS/status-$mode"), ${secs}s" >&2
}

boot_all() {
	for m in $MODES; do
		boot "$m"
	done
}

# The RESULT lines of a console, without printk timestamps or CRs.
results() {
	[ -f "$1" ] || return 0
	tr -d '\r' <"$1" | grep -a 'RESULT ' | sed 's/^.*RESULT /RESULT /' || true
}

# Verification.  Every RESULT PASS/FAIL line counts as one test; so does
# every check the harness adds (expected result missing, mode mismatch,
# DMAR fault record, kernel oops).
npass=0
nfail=0
pass() { npass=$((npass + 1)); echo "[$cur_mode] PASS $*"; }
fail() { nfail=$((nfail + 1)); echo "[$cur_mode] FAIL $*"; }

# expect NAME: a RESULT line whose name (second word) is NAME must exist.
expect() {
	if ! printf '%s\n' "$res" | awk -v n="$1" '$2 == n { f = 1 } END { exit !f }'; then
		fail "$1: missing (expected a RESULT line)"
	fi
}

verify_mode() {
	cur_mode=$1
	log=$LOGS/console-$cur_mode.log
	status=$(cat "$LOGS/status-$cur_mode" 2>/dev/null || echo "not booted")
	if [ "$status" != ok ]; then
		fail "boot: $status (console: $log)"
		if [ -s "$LOGS/qemu-$cur_mode.err" ]; then
			sed 's/^/    qemu: /' "$LOGS/qemu-$cur_mode.err" | tail -n 5
		fi
	fi
	res=$(results "$log")

	# Each module or /init result, as reported.  Round-trip cases that
	# pass are counted, not printed.
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		set -- $line
		name=$2
		verdict=${3:-}
		shift 3 2>/dev/null || shift $#
		case "$name" in
		bench) continue ;;
		esac
		case "$verdict" in
		PASS)
			case "$name" in
			roundtrip_*_summary|roundtrip_sync_*) pass "$name $*" ;;
			roundtrip_*) npass=$((npass + 1)) ;;
			*) pass "$name $*" ;;
			esac ;;
		FAIL) fail "$name $*" ;;
		*) fail "unparsable result line: $line" ;;
		esac
	done <<EOF
$res
EOF

	# The module must see the mode the command line asked for.
	got=$(printf '%s\n' "$res" | awk '$2 == "iommu_mode" { for (i = 4; i <= NF; i++) if ($i ~ /^mode=/) print substr($i, 6) }')
	if [ -n "$got" ] && [ "$got" != "$cur_mode" ]; then
		fail "iommu_mode: module saw mode=$got, booted as $cur_mode"
	fi

	for name in iommu_mode strategy_param_reject insmod \
		    map_benchmark_debugfs map_benchmark_ioctl rmmod \
		    stale_unmap init_done; do
		expect "$name"
	done
	for s in $KMOD_STRATEGIES; do
		expect "roundtrip_${s}_summary"
		expect "roundtrip_sync_${s}"
		if printf '%s\n' "$res" | grep -q "^RESULT bench $s ns_per_pair=[0-9][0-9]* "; then
			pass "bench $s $(printf '%s\n' "$res" | sed -n "s/^RESULT bench $s \(ns_per_pair=[0-9]*\).*/\1/p")"
		else
			fail "bench $s: missing"
		fi
		# Every case the summary counted must have its own line.
		want=$(printf '%s\n' "$res" | sed -n "s/^RESULT roundtrip_${s}_summary .*cases=\([0-9]*\).*/\1/p")
		have=$(printf '%s\n' "$res" | grep -c "^RESULT roundtrip_${s} " || true)
		if [ -n "$want" ] && [ "$want" != "$have" ]; then
			fail "roundtrip_$s: summary counts $want cases, console has $have"
		fi
	done

	# The IOMMU's own record of the stale DMA.  Strict: the fault must be
	# logged, at the stale IOVA's page.  Passthrough: no fault at all.
	# Lazy: a fault exactly when the module saw the DMA blocked.
	outcome=$(printf '%s\n' "$res" | awk '$2 == "stale_unmap" { print $4 }')
	iova=$(printf '%s\n' "$res" | awk '$2 == "stale_unmap" { for (i = 5; i <= NF; i++) if ($i ~ /^iova=/) print substr($i, 6) }')
	fault=$(tr -d '\r' <"$log" 2>/dev/null | grep -a 'DMAR: \[DMA \(Read\|Write\)' | grep -a 'fault addr' | head -n 1 || true)
	faddr=$(printf '%s\n' "$fault" | sed -n 's/.*fault addr \(0x[0-9a-fA-F]*\).*/\1/p')
	same_page=no
	if [ -n "$iova" ] && [ -n "$faddr" ] &&
	   [ $(( iova >> 12 )) -eq $(( faddr >> 12 )) ]; then
		same_page=yes
	fi
	fault_msg=$(printf '%s' "$fault" | sed 's/^.*DMAR: //')
	case "$cur_mode:$outcome" in
	strict:*|lazy:blocked)
		if [ "$same_page" = yes ]; then
			pass "dmar_fault logged at the stale IOVA: $fault_msg"
		elif [ -n "$fault" ]; then
			fail "dmar_fault at $faddr, stale IOVA was ${iova:-unknown}: $fault_msg"
		else
			fail "dmar_fault: no DMAR fault record in the console (stale DMA outcome ${outcome:-unknown})"
		fi ;;
	*)
		if [ -z "$fault" ]; then
			pass "dmar_fault none, as expected for a ${outcome:-unknown} stale DMA"
		else
			fail "dmar_fault unexpected: $fault_msg"
		fi ;;
	esac

	# A test that passes while the kernel complains does not pass.
	oops=$(tr -d '\r' <"$log" 2>/dev/null | grep -a -E 'BUG:|Oops|WARNING:|Call Trace|Kernel panic|hung_task' | head -n 3 || true)
	if [ -n "$oops" ]; then
		fail "kernel log shows a problem:"
		printf '%s\n' "$oops" | sed 's/^/    /'
	fi
}

verify() {
	for m in $MODES; do
		verify_mode "$m"
	done
	echo "kmod: $npass passed, $nfail failed"
	[ "$nfail" -eq 0 ]
}

# The table: one column per mode, rows = strategies (ns per map+unmap pair
# of a 4 KiB buffer), the stale-DMA outcome, and the dma_map_benchmark
# client's averages.
table() {
	qver=$("$QEMU" --version | head -n 1 | sed 's/^QEMU emulator version //')
	echo "dmareuse kernel track: ns per dma map+unmap pair of one 4 KiB buffer (TO_DEVICE, $BENCH_PAIRS pairs)"
	echo "guest: Linux $KMOD_KVER under QEMU $qver (TCG, 1 vCPU, q35 + intel-iommu, edu device)"
	echo "TCG emulates the CPU: compare columns and rows with each other, not with hardware."
	echo
	printf '%-28s' "strategy \\ IOMMU mode"
	for m in $MODES; do printf ' %12s' "$m"; done
	echo
	missing=0
	for s in $KMOD_STRATEGIES; do
		printf '%-28s' "$s"
		for m in $MODES; do
			v=$(results "$LOGS/console-$m.log" | sed -n "s/^RESULT bench $s ns_per_pair=\([0-9]*\).*/\1/p" | head -n 1)
			[ -n "$v" ] || { v="-"; missing=1; }
			printf ' %12s' "$v"
		done
		echo
	done
	printf '%-28s' "stale DMA after unmap"
	for m in $MODES; do
		v=$(results "$LOGS/console-$m.log" | awk '$2 == "stale_unmap" { print $4; exit }')
		[ -n "$v" ] || { v="-"; missing=1; }
		printf ' %12s' "$v"
	done
	echo
	for what in map unmap; do
		printf '%-28s' "dma_map_benchmark $what us"
		for m in $MODES; do
			v=$(tr -d '\r' <"$LOGS/console-$m.log" 2>/dev/null |
			    sed -n "s/^average $what latency(us):\([0-9.]*\) standard deviation:\([0-9.]*\).*/\1 (sd \2)/p" | head -n 1)
			[ -n "$v" ] || v="-"
			printf ' %12s' "$v"
		done
		echo
	done
	echo
	echo "strict = plain streaming DMA (dma_map_single/dma_unmap_single per transfer); its cost and"
	echo "isolation are the boot's IOMMU mode.  dma_map_benchmark: 1 thread, ${MB_SECONDS}s, TO_DEVICE, 1 page,"
	echo "via /sys/kernel/debug/dma_map_benchmark.  Other strategies arrive with the reuse/ layer."
	[ "$missing" -eq 0 ]
}

case "$cmd" in
boot)   boot "${2:?usage: harness.sh boot MODE}" ;;
check)  boot_all; verify ;;
verify) verify ;;
run)    boot_all; table ;;
table)  table ;;
*) echo "usage: harness.sh boot MODE | check | verify | run | table" >&2; exit 2 ;;
esac
