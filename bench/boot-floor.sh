#!/bin/bash
# boot-floor.sh [RUNS]: median time for the utility VM to boot the lxs kernel and initramfs
# content with a trivial init that powers off at once, through the same QEMU command line lxsd
# uses (lxs-vm-floor links the lxs-vm library). Other benchmarks compare against this floor.
# Default 10 boots. See bench/boot-lib.sh for the environment it reads.
set -euo pipefail
. "$(dirname "$0")/boot-lib.sh"
runs=${1:-10}
bench_setup
summary=$(bench_boots "$runs" 20)
median=$(sed -n 's/.*median: \([0-9.]*\) s.*/\1/p' <<<"$summary")
echo "$summary"
echo "floor: median ${median} s over ${runs} boots (machine ${LXS_BENCH_MACHINE:-microvm}, $(nproc) host cpus)"
