#!/bin/sh
# test_portable.sh - the lab is not tied to one compiler or one architecture.
#
#   clang-build    every source of the lab library and of dmabench passes
#                  clang's front end with the Makefile's warnings and -Werror
#                  (docs/design.md section 12: both gcc and clang build it; the Makefile
#                  builds with gcc, so nothing else would notice);
#   aarch64-build  the same sources compile for aarch64 with the cross gcc.
#                  Architecture-specific code (a spin-wait hint, a
#                  timestamp) lives behind one guarded helper in
#                  include/dmareuse/clock.h; a bare x86 builtin anywhere else
#                  breaks this check.
#
# A check whose compiler is missing (Debian: clang, gcc-aarch64-linux-gnu)
# checks nothing and says so.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
CLANG=${CLANG:-clang}
CROSS=${CROSS_CC_AARCH64:-aarch64-linux-gnu-gcc}
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The lab's flags (Makefile WARN, BASE_CFLAGS); zlib.h may exist only for
# the host, and its declarations do not depend on the architecture.  As in
# the Makefile, only reuse/ gets the lab binding's folder (OBJ_CFLAGS).
flags="-std=gnu11 -D_GNU_SOURCE -I$top/include -pthread -O0 -Wall -Wextra
	-Wstrict-prototypes -Wmissing-prototypes -Wshadow -Wundef -Wno-unused-parameter -Werror
	-DDMAREUSE_PROFILE_DIR_DEFAULT=\"/\" -idirafter /usr/include"

# check NAME CC EXTRA-FLAGS: compile every source with CC, one result line.
check() {
	name=$1 cc=$2 extra=$3 bad=0
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "skip $name (no $cc)"
		return
	fi
	for src in "$top"/machine/*.c "$top"/os/*.c "$top"/reuse/*.c "$top"/reuse/lab/*.c \
		"$top"/drivers/*.c "$top"/workloads/*.c "$top"/oracle/*.c "$top"/tools/*.c; do
		[ -e "$src" ] || continue
		case $src in
		"$top"/reuse/*) binding="-I$top/reuse/lab" ;;
		*) binding= ;;
		esac
		# shellcheck disable=SC2086
		if ! $cc $flags $binding $extra "$src" >"$tmp/err" 2>&1; then
			bad=$((bad + 1))
			echo "FAIL $name ${src#"$top"/}"
			head -n 5 "$tmp/err"
		fi
	done
	if [ "$bad" -eq 0 ]; then
		pass=$((pass + 1))
		echo "ok   $name"
	else
		fail=$((fail + 1))
	fi
}

check clang-build "$CLANG" "-fsyntax-only"
check aarch64-build "$CROSS" "-c -o $tmp/o.o"

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
