#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# mkinitramfs.sh BUILD_DIR - pack the test initramfs.
#
# Contents: the static busybox of busybox-static, scripts/init as /init,
# BUILD_DIR/mod/dmareuse.ko and dmareuse_edu.ko in /lib/modules and the
# static map_bench client in /bin.  Nothing from the host's or Debian's own
# initrd: the modules need nothing but the built-in PCI, IOMMU and debugfs
# code.
# Writes BUILD_DIR/initramfs.cpio.gz; needs no root (see init's /dev note).
set -eu

build=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$build/initramfs

rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/dev" "$root/proc" \
	 "$root/sys" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
if ! "$root/bin/busybox" --help 2>&1 | grep -q 'static\|BusyBox'; then
	echo "mkinitramfs: /bin/busybox does not run" >&2
	exit 1
fi
if ldd /bin/busybox >/dev/null 2>&1; then
	echo "mkinitramfs: /bin/busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi
cp "$here/init" "$root/init"
chmod 755 "$root/init"
cp "$build/mod/dmareuse_edu.ko" "$root/lib/modules/"
cp "$build/mod/dmareuse.ko" "$root/lib/modules/"
cp "$build/map_bench" "$root/bin/map_bench"

(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 > "$build/initramfs.cpio.gz.tmp"
mv "$build/initramfs.cpio.gz.tmp" "$build/initramfs.cpio.gz"
