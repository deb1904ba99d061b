#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# calibrate.sh - the virtual-time calibration of kunpeng920-smmuv3 against
# the only figures it is fitted to (docs/design.md section 10: the 2020
# per-thread 4 KiB unmap curve and its 1-thread split), and the same
# command on the other profiles for comparison.
#
# Usage: sh bench/calibrate.sh   (virtual time: seconds on any host, and the
# same bytes every time)
# Writes bench/results/calibration.txt.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build/dmabench
out=bench/results/calibration.txt
mkdir -p bench/results

# unmap_ns PROFILE CPUS: mean unmap ns, and per unmap the time inside the
# command queue and the part of it waiting for CMD_SYNC.
row() {
	$B map --clock virtual --cpus "$2" -g 1 -d 1 --strategy strict --platform "$1" \
		--iterations "$3" --format json | awk -v n="$2" -v want="$4" '
		/"unmap_avg_ns"/ { gsub(/[^0-9.]/, "", $2); u = $2 }
		/"ops"/ && !ops { gsub(/[^0-9]/, "", $2); ops = $2 }
		/"cmdq"/ {
			match($0, /"cpu_ns": [0-9]+/); c = substr($0, RSTART + 10, RLENGTH - 10)
			match($0, /"sync_wait_ns": [0-9]+/); w = substr($0, RSTART + 16, RLENGTH - 16)
		}
		END {
			if (want > 0)
				printf "%5d %10.0f %10d %+7.1f%% %10.0f %10.0f\n", n, u, want,
					(u / want - 1) * 100, c / ops, w / ops
			else
				printf "%5d %10.0f %10s %8s %10.0f %10.0f\n", n, u, "-", "-", c / ops, w / ops
		}'
}

# table PROFILE [noref]: the curve; "noref" leaves out the published column
# (for a profile of other hardware, where it means nothing).
table() {
	echo "## $1: \$ $B map --clock virtual --cpus N -g 1 -d 1 --strategy strict --platform $1 --iterations I --format json"
	echo " cpus   unmap-ns  published    error   queue-ns   sync-wait"
	for p in "1 20000 1956" "16 4000 8891" "32 2000 22043" "64 1000 60842" "96 1000 101880" \
		"128 1000 0"; do
		set -- "$1" $p
		if [ "${NOREF:-}" = 1 ]; then
			row "$1" "$2" "$3" 0
		else
			row "$1" "$2" "$3" "$4"
		fi
	done
	echo
}

{
	echo "# virtual-time calibration: 4 KiB dma_unmap_single, TO_DEVICE, N CPUs"
	bench_stamp
	echo "# published: Song Bao Hua, iommu list, 25 May 2020 (docs/design.md section 10):"
	echo "#   unmap 1956 / 8891 / 22043 / 60842 / 101880 ns at 1 / 16 / 32 / 64 / 96 threads;"
	echo "#   1 thread: queue issue 1328 ns, of which CMD_SYNC wait 883 ns."
	echo "# Targets (issue 13): every point within +-25%, the 1-thread split within +-35%."
	echo "# queue-ns: time inside the command queue per unmap (the 'issue' of the"
	echo "# published split); sync-wait: the part waiting for CMD_SYNC to complete."
	echo
	table kunpeng920-smmuv3
	echo "# The same hardware under Linux 5.4+'s lock-free submission (a prediction, not fitted):"
	table kunpeng920-smmuv3-lockfree
	echo "# VT-d with queued invalidation (estimates, not calibrated; other hardware: no reference):"
	NOREF=1 table xeon-vtd
	echo "# Fitted parameters (profiles/kunpeng920-smmuv3.profile says which figure fixed which):"
	grep -E '^(cmdq_model|cmdq_lock_hold|cmdq_sync_poll|cmdq_issue_ns|inv_range_ns|inv_latency_ns|sync_ns|cost_line_ns|cost_line_contend_ns|cost_tlb_gather_ns) ' \
		profiles/kunpeng920-smmuv3.profile | sed 's/^/#   /'
	echo "# Found by a grid search over cmdq_issue_ns 170-210, inv_range_ns 200-260,"
	echo "# inv_latency_ns 750-950, cost_line_ns 20-40, cost_line_contend_ns 2.5-4,"
	echo "# cost_tlb_gather_ns 450-550 (972 points, each the curve above at 300"
	echo "# pairs per CPU), minimising the worst relative error over the five unmap"
	echo "# points and the split (weighted 25/35); worst point of the fit: 5.5%."
	echo "# The issue's 'one spinlock around build, issue and wait' (cmdq_sync_poll ="
	echo "# locked) cannot be fitted: with the lock held through every TLBI + SYNC"
	echo "# (>= the 883 ns wait), the curve comes out 36-122% above the published one:"
	sed 's/^cmdq_sync_poll = unlocked/cmdq_sync_poll = locked/; s/^name = .*/name = kunpeng-locked-poll/' \
		profiles/kunpeng920-smmuv3.profile >"${TMPDIR:-/tmp}/kunpeng-locked-poll.profile"
	table "${TMPDIR:-/tmp}/kunpeng-locked-poll.profile"
	rm -f "${TMPDIR:-/tmp}/kunpeng-locked-poll.profile"
} | tee "$out"
