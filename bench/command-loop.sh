#!/bin/bash
# command-loop.sh [N]: total time of N commands in a row, `for i in $(seq N); do lxs -d bench -e
# uname; done`, with the distro running, against the same loop of a local `uname` in the same
# run. The issue's reference points: WSL's console relay 5.2 s, ssh 0.08 s (for N = 100).
set -euo pipefail
n=${1:-100}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup
"$lxs" -d bench -e uname >/dev/null
now_ns() { date +%s%N; }
t0=$(now_ns)
for _ in $(seq "$n"); do "$lxs" -d bench -e uname >/dev/null; done
t1=$(now_ns)
for _ in $(seq "$n"); do uname >/dev/null; done
t2=$(now_ns)
awk -v a=$((t1 - t0)) -v b=$((t2 - t1)) -v n="$n" 'BEGIN {
        printf "%d x lxs -d bench -e uname: %.2f s total, %.1f ms each\n", n, a / 1e9, a / n / 1e6
        printf "%d x local uname:           %.2f s total (ratio %.0fx)\n", n, b / 1e9, a / b }'
