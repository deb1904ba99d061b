#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# kver.sh - print the version of the installed Debian kernel to build and boot.
#
# The newest /lib/modules/<ver> that has a build/ directory (the headers)
# and a matching /boot/vmlinuz-<ver> (the image the guest boots).  The host's
# running kernel is deliberately not used: it is not Debian's and has no
# headers here.  KMOD_KVER in the environment overrides the choice.
set -eu

if [ -n "${KMOD_KVER:-}" ]; then
	echo "$KMOD_KVER"
	exit 0
fi
best=""
for d in /lib/modules/*/build; do
	[ -d "$d" ] || continue
	v=$(basename "$(dirname "$d")")
	[ -f "/boot/vmlinuz-$v" ] || continue
	best="$best$v
"
done
v=$(printf '%s' "$best" | sort -V | tail -n 1)
if [ -z "$v" ]; then
	echo "kver.sh: no /lib/modules/<ver>/build with a /boot/vmlinuz-<ver>;" \
	     "install linux-image-amd64 and linux-headers-amd64" >&2
	exit 1
fi
echo "$v"
