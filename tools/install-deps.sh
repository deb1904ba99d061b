#!/bin/sh
# install-deps.sh - install the Debian packages the lab needs, if missing.
#
# Needs: a C compiler, make, zlib headers (the zip engine uses the real
# zlib) and jansson's (dmabench reads and writes JSON with it); clang 14 and
# its sanitizer runtimes (libFuzzer among them) for the fuzz harnesses.  Installs
# only what dpkg says is absent, so on a prepared machine it does nothing
# and needs no network.
set -eu
need=""
for pkg in gcc make zlib1g-dev libjansson-dev gnuplot-nox clang-14 libclang-rt-14-dev; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$need (run as root, or: sudo apt-get install$need)" >&2
	exit 1
fi
echo "install-deps: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need >/dev/null
