#!/bin/bash
# boot-reliability.sh [N] [--lxs]: boots the utility VM N times (default 100), counting hangs.
#   default  the real kernel and initramfs content with a trivial init (a boot not finished after
#            20 s is killed and counted)
#   --lxs    the whole product path: `lxs --system -e uname -r` from a stopped VM, then
#            `lxs --shutdown`; a cycle not done in 30 s, or a wrong answer, counts as a hang
# Prints `boots: N, hangs: H, median: X s`; exits 1 if any boot hung.
# LXS_BENCH_APPEND adds kernel parameters (e.g. to test a change of command line).
set -euo pipefail
. "$(dirname "$0")/boot-lib.sh"
runs=100 mode=floor
for a in "$@"; do
        case $a in
        --lxs) mode=lxs ;;
        *) runs=$a ;;
        esac
done
bench_setup

if [ $mode = floor ]; then
        summary=$(bench_boots "$runs" 20 ${LXS_BENCH_VERBOSE:+--verbose})
        echo "$summary"
        hangs=$(sed -n 's/.*hangs: \([0-9]*\),.*/\1/p' <<<"$summary")
        [ "$hangs" = 0 ]
        exit
fi

lxs=$build/bin/lxs
root=$(mktemp -d /tmp/lxs-rel.XXXXXX)
export LXS_RUNTIME_DIR=$root/run LXS_STATE_DIR=$root/state LXS_CONFIG_DIR=$root/config
trap '"$lxs" --shutdown --force >/dev/null 2>&1; rm -rf "$root" "$tmp"' EXIT
want=$(cat "$build/share/lxs/kernel.release")
hangs=0 times=()
for i in $(seq "$runs"); do
        t0=$(date +%s%N)
        got=$(timeout 30 "$lxs" --system -e uname -r 2>&1) || true
        t1=$(date +%s%N)
        if [ "$got" != "$want" ]; then
                hangs=$((hangs + 1))
                echo "boot $i: no answer in 30 s or wrong answer: $got" >&2
                cp "$LXS_STATE_DIR/console.log" "/tmp/lxs-hang-$i.console.log" 2>/dev/null || true
                "$lxs" --shutdown --force >/dev/null 2>&1 || true
        else
                times+=($(((t1 - t0) / 1000000)))
                timeout 30 "$lxs" --shutdown || { hangs=$((hangs + 1)); echo "shutdown $i hung" >&2; }
        fi
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)] / 1000}')
echo "boots: $runs, hangs: $hangs, median: $median s (through lxs, cold start to answer)"
[ "$hangs" = 0 ]
