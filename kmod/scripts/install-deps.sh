#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# install-deps.sh - make sure the kernel track's host tools are present.
#
# The kernel track needs QEMU (TCG is enough), a Debian kernel image with its
# headers (the module is built against /lib/modules/<ver>/build of *that*
# image, never against the host's running kernel), a static busybox for the
# initramfs, cpio to pack it, and a compiler.  When every package is already
# installed (dpkg -s) nothing is done, so a second `make check` costs nothing.
# Installing needs root; as any other user we only say what is missing.
set -eu

PKGS="qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio gcc libc6-dev make"

missing=""
for p in $PKGS; do
	if ! dpkg -s "$p" >/dev/null 2>&1; then
		missing="$missing $p"
	elif ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# --no-install-recommends keeps the install near a minute: QEMU's
# recommends pull in a desktop's worth of packages we never use.
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
