#!/bin/sh
# zswap.sh - record the workload figures (issues 4 and 5), all from runs of
# build/dmabench, each result file starting with the command that made it.
#
#   bench/results/default.txt     dmabench with no arguments (the default
#                                 scenario), three runs, each with its wall
#                                 time and peak RSS
#   bench/results/default-irq.txt the default scenario with
#                                 --completion irq (the driver sleeps until
#                                 each completion interrupt; the default,
#                                 auto, polls on a 2-CPU machine), three runs
#   bench/results/zswap-2cpu.txt  zswap, 2 CPU threads, every strategy
#   bench/results/net.txt         net, default size mix, 1 CPU thread
#   bench/results/rogue.txt       zswap and net with the rogue device
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
B=build/dmabench
mkdir -p bench/results
err=$(mktemp)
trap 'rm -f "$err"' EXIT
record() {
	out=$1
	shift
	{
		bench_stamp
		echo "\$ $*"
		"$@"
	} >"$out" 2>"$err" || { cat "$err" >&2; exit 1; }
	cat "$out"
}

# Three runs of the default scenario, back to back: the spread between them
# is part of the result on a noisy machine.
{
	for run in 1 2 3; do
		bench_stamp
		echo "\$ $B    (run $run of 3)"
		/usr/bin/time -v $B 2>"$err"
		grep -E 'Elapsed|Maximum resident' "$err"
		echo
	done
} >bench/results/default.txt
{
	for run in 1 2 3; do
		bench_stamp
		echo "\$ $B run --completion irq    (run $run of 3)"
		$B run --completion irq 2>"$err"
		echo
	done
} >bench/results/default-irq.txt
cat bench/results/default.txt
record bench/results/zswap-2cpu.txt $B run --workload zswap --threads 2 --seconds 3
record bench/results/net.txt $B run --workload net --seconds 2
{
	bench_stamp
	echo "\$ $B run --workload zswap --rogue --ops 4000"
	$B run --workload zswap --rogue --ops 4000
	echo
	echo "\$ $B run --workload net --rogue --ops 8000"
	$B run --workload net --rogue --ops 8000
} >bench/results/rogue.txt 2>"$err"
cat bench/results/rogue.txt
