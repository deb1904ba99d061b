#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
#
# check-exports.sh MOD_BUILD - every function of the shared layer is
# reachable from other modules.
#
# Each global function defined by the reuse/ objects of dmareuse.ko must be
# in Module.symvers (exported by dmareuse_main.c), or be one the module
# deliberately keeps to itself:
#   WRAPPED      the layer's _create/_destroy calls; other modules use the
#                dmareuse_*_create/_destroy wrappers, which register the
#                object for debugfs and the shrinker;
#   UNAVAILABLE  the iova-link context: Linux 6.1 has no two-step IOVA API,
#                so reuse/iova_link.c builds stubs that refuse.
# A function added to reuse/ thus fails the build here until it is exported
# or listed, instead of silently staying unreachable.
set -eu

build=$1
WRAPPED="rbounce_create rbounce_destroy rreuse_create rreuse_destroy
	rpool_create rpool_destroy rcache_create rcache_destroy
	rmapper_create rmapper_destroy rbatch_create rbatch_destroy"
UNAVAILABLE="rlink_create rlink_map rlink_unmap rlink_destroy rlink_stats
	rlink_sync_for_cpu rlink_sync_for_device"

exported=$(awk '{ print $2 }' "$build/Module.symvers")
missing=""
for f in $(nm -g --defined-only "$build"/reuse/*.o | awk '$2 == "T" { print $3 }' | sort -u); do
	case " $(echo $exported $WRAPPED $UNAVAILABLE) " in
	*" $f "*) ;;
	*) missing="$missing $f" ;;
	esac
done
if [ -n "$missing" ]; then
	echo "kmod: reuse/ defines functions dmareuse.ko neither exports nor wraps:$missing" >&2
	echo "kmod: add EXPORT_SYMBOL_GPL() lines to kmod/dmareuse_main.c (or list them in $0)" >&2
	exit 1
fi
