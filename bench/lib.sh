# SPDX-License-Identifier: (GPL-2.0 OR MIT)
# lib.sh - what the recording scripts in bench/ share; sourced from the
# repository's top directory (`. bench/lib.sh`), never run on its own.

# bench_stamp: one comment line saying when, on what and on which code a
# result was measured -- UTC time, CPUs, architecture, CPU model, load
# average at that moment (these machines are shared) and the git commit.
bench_stamp() {
	model=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')
	echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -m), ${model:-unknown CPU}," \
		"load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)," \
		"git $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

# bench_program NAME: build build/bench/NAME (the plain variant) with the
# Makefile's rule, so a bench program gets the project's compiler flags.
bench_program() {
	make -s VARIANT=plain "build/bench/$1"
}
