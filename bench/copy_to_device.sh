#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# copy_to_device.sh - the bounce copy toward the device: memcpy against the
# lab binding's streaming osdep_copy_to_device(), per size, into a buffer a
# device thread on the other core read last (the case where bounce's chooser
# takes streaming; with no device between copies it takes memcpy).
#
# Usage: sh bench/copy_to_device.sh [--reps N] [--rounds N]
# Builds build/bench/copy_to_device (plain) with the Makefile's rule, runs it and
# writes bench/results/bounce-stream.txt: the command line first, then its output.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
out=bench/results/bounce-stream.txt
bin=build/bench/copy_to_device

bench_program copy_to_device
mkdir -p bench/results
{
	echo "\$ sh bench/copy_to_device.sh $*"
	bench_stamp
	echo "# CPU thread on core 0 copies a hot source into the buffer; a device thread"
	echo "# on core 1 then reads the whole buffer; only the copy is timed"
	echo
	"$bin" "$@"
} | tee "$out"
