#!/bin/bash
# throughput.sh [RUNS] [MIB]: session stream throughput of `lxs --system -e` each way, against
# the raw virtio-serial port of the same VM configuration, measured in the same run.
#
# - raw: lxs-vm-serial boots the VM (same driver, argv, 2 GiB, 2 CPUs) with a bench-only /init
#   (lxs-serial-bench-guest) and moves MIB MiB over the control port with no protocol on it:
#   guest write() calls to the host, and host writes read by the guest with read().
# - lxs guest->host: `lxs --system -e cat FILE >/dev/null`, FILE a MIB MiB file in the guest's
#   own tmpfs (a source that costs the guest next to nothing: busybox cat sendfile()s it into
#   the pipe), and `lxs --system -e dd if=/dev/zero bs=1M count=MIB >/dev/null`.
# - lxs host->guest: `head -c MIB MiB /dev/zero | lxs --system -e sh -c 'cat >/dev/null'`.
# - distro (the issue's figures; when the cached Debian minbase tarball exists): the same two
#   in a Debian distro with its GNU cat: `lxs -d bench -e cat FILE` (FILE fallocate'd on the
#   distro's ext4, read once before) and `... | lxs -d bench -e sh -c 'cat >/dev/null'`.
# - guest-only ceiling (with the distro): the same GNU cat with no transport at all, timed inside
#   the guest by bench/pipe-probe.c: `cat FILE | pipe-probe drain` (the pipe spliced to
#   /dev/null as /init splices it to the port) and `pipe-probe fill N | cat >/dev/null` (zeroes
#   lent to the pipe by vmsplice). Under TCG these copies are emulated: no transport can beat them.
# Rounds alternate raw and lxs so both see the same machine load. Prints each sample, then the
# medians in MB/s (10^6 bytes/s) and lxs/raw. Defaults: 5 rounds of 1024 MiB.
set -euo pipefail
runs=${1:-5}
mib=${2:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${LXS_BUILD_DIR:-$repo/build}
lxs=$build/bin/lxs
raw=$build/bin/lxs-vm-serial
guest=$build/bin/lxs-serial-bench-guest
mkimage=$build/libexec/lxs/lxs-mkimage
kernel=$build/share/lxs/vmlinux
for f in "$lxs" "$raw" "$guest" "$mkimage" "$kernel"; do
        [ -e "$f" ] || { echo "$0: $f missing: build first, or set LXS_BUILD_DIR" >&2; exit 1; }
done
modules=$(sed -n 's/^LXS_GUEST_MODULES:INTERNAL=//p' "$build/CMakeCache.txt")

root=$(mktemp -d /tmp/lxs-throughput.XXXXXX)
export LXS_RUNTIME_DIR=$root/run LXS_STATE_DIR=$root/state LXS_CONFIG_DIR=$root/config LXS_DATA_DIR=$root/data
. "$repo/bench/distro-lib.sh"
trap '"$lxs" --shutdown >/dev/null 2>&1; distro_bench_remove "$root"' EXIT
"$mkimage" --kernel "$kernel" --modules "$modules" --init "$guest" --busybox /bin/busybox \
        --modules-list "$repo/utility-vm/image/modules.list" --out "$root/raw.img" >/dev/null

bytes=$((mib << 20))
tarball=${LXS_BENCH_TARBALL:-$(ls "$HOME"/.cache/lxs/rootfs/debian-*-minbase.tar.zst 2>/dev/null | head -1)}
distro=0
if [ -r "$tarball" ]; then
        mkdir -p "$LXS_CONFIG_DIR"
        printf '[distro]\ninstanceIdleTimeout = 0\n' >"$LXS_CONFIG_DIR/lxs.conf"
        "$lxs" --import bench "$root/distro" "$tarball" >/dev/null
        dsrc=/var/tmp/lxs-throughput-src
        "$lxs" -d bench -e sh -c "fallocate -l $bytes $dsrc && cat $dsrc >/dev/null" ||
                { echo "$0: cannot make the distro's source file" >&2; exit 1; }
        gcc -O2 -static -o "$root/pipe-probe" "$repo/bench/pipe-probe.c" ||
                { echo "$0: gcc -static failed (libc6-dev?)" >&2; exit 1; }
        "$lxs" -d bench -e sh -c 'cat >/var/tmp/pipe-probe && chmod +x /var/tmp/pipe-probe' <"$root/pipe-probe"
        distro=1
fi
# A tmpfs of its own: the guest's /tmp (half its memory) cannot hold 1 GiB.
src=/run/lxs-throughput/src
"$lxs" --system -e sh -c "mkdir -p /run/lxs-throughput && mount -t tmpfs -o size=$((mib + 64))M none /run/lxs-throughput &&
        dd if=/dev/zero of=$src bs=1M count=$mib 2>/dev/null" || { echo "$0: cannot make the source file" >&2; exit 1; }

now() { date +%s.%N; }
mbps() { python3 -c "import sys; print(f'{$bytes / (float(sys.argv[2]) - float(sys.argv[1])) / 1e6:.1f}')" "$1" "$2"; }

samples=$root/samples
for ((i = 1; i <= runs; i++)); do
        "$raw" --kernel "$kernel" --initrd "$root/raw.img" --runs 1 --modes wr --bytes "$bytes" |
                tee -a "$samples"
        t0=$(now); "$lxs" --system -e cat $src >/dev/null; t1=$(now)
        echo "lxs guest->host cat $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); "$lxs" --system -e dd if=/dev/zero bs=1M count="$mib" 2>/dev/null >/dev/null; t1=$(now)
        echo "lxs guest->host dd $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); head -c "$bytes" /dev/zero | "$lxs" --system -e sh -c 'cat >/dev/null'; t1=$(now)
        echo "lxs host->guest cat $(mbps "$t0" "$t1")" | tee -a "$samples"
        if ((distro)); then
                t0=$(now); "$lxs" -d bench -e cat $dsrc >/dev/null; t1=$(now)
                echo "lxs guest->host distro-cat $(mbps "$t0" "$t1")" | tee -a "$samples"
                t0=$(now); head -c "$bytes" /dev/zero | "$lxs" -d bench -e sh -c 'cat >/dev/null'; t1=$(now)
                echo "lxs host->guest distro-cat $(mbps "$t0" "$t1")" | tee -a "$samples"
                echo "ceiling guest->host distro-cat $("$lxs" -d bench -e sh -c "cat $dsrc | /var/tmp/pipe-probe drain")" |
                        tee -a "$samples"
                echo "ceiling host->guest distro-cat $("$lxs" -d bench -e sh -c "/var/tmp/pipe-probe fill $bytes 2>/tmp/pipe-probe.rate | cat >/dev/null; cat /tmp/pipe-probe.rate")" |
                        tee -a "$samples"
        fi
done

python3 - "$samples" "$runs" "$mib" <<'PY'
import statistics, sys
med = {}
for line in open(sys.argv[1]):
    kind, direction, how, v = line.split()
    med.setdefault((kind, direction, how), []).append(float(v))
med = {k: statistics.median(v) for k, v in med.items()}
print(f"\nmedians of {sys.argv[2]} rounds, {sys.argv[3]} MiB each (MB/s):")
raw = {"guest->host": med[("raw", "guest->host", "write")], "host->guest": med[("raw", "host->guest", "read")]}
for (kind, direction, how), v in med.items():
    ratio = f"  ({v / raw[direction]:.2f}x raw)" if kind == "lxs" else ""
    ceiling = med.get(("ceiling", direction, how))
    if kind == "lxs" and ceiling:
        ratio += f"  ({v / ceiling:.2f}x the guest-only ceiling)"
    print(f"  {kind:7} {direction:11} {how:10} {v:8.1f}{ratio}")
PY
