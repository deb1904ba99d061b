#!/bin/sh
# run-default.sh - what `make run` shows: Linux's dma_map_benchmark lines
# for passthrough, strict and lazy on the kunpeng920-smmuv3 profile.
set -eu
bench=${1:-build/dmabench}
platform=${PLATFORM:-kunpeng920-smmuv3}
seconds=${SECONDS_PER_RUN:-3}
for s in passthrough strict lazy; do
	echo "== strategy $s on $platform =="
	"$bench" map -t 1 -s "$seconds" -g 1 --strategy "$s" --platform "$platform"
	echo
done
