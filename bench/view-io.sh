#!/bin/bash
# view-io.sh [RUNS] [MIB]: a running distro's files on the host (the FUSE view at
# $LXS_RUNTIME_DIR/mnt/bench, served by lxs-9p-server in the distro), measured in the same run
# against the same work done inside the distro:
#   - sequential write of MIB MiB through the view (dd bs=1M conv=fsync) and read back (dd bs=1M);
#     inside the distro: the same dd on its own ext4;
#   - `find /usr | wc -l` through the view against the same find inside the distro, both after an
#     untimed find inside the distro (the data written before evicts /usr's metadata).
# Prints each round, then medians in MB/s (10^6 bytes/s) and seconds. Defaults: 3 rounds, 1024 MiB.
set -euo pipefail
runs=${1:-3}
mib=${2:-1024}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup
[ -c /dev/fuse ] || distro_bench_die "/dev/fuse is missing"

"$lxs" -d bench -e sleep 100000 &
holder=$!
view=$LXS_RUNTIME_DIR/mnt/bench
for _ in $(seq 300); do
        grep -qF " $view " /proc/self/mountinfo && break
        sleep 0.1
done
grep -qF " $view " /proc/self/mountinfo || distro_bench_die "no view mounted at $view"

now() { date +%s.%N; }
mbps() { awk -v b=$((mib << 20)) -v t0="$1" -v t1="$2" 'BEGIN { printf "%.1f", b / (t1 - t0) / 1e6 }'; }
secs() { awk -v t0="$1" -v t1="$2" 'BEGIN { printf "%.3f", t1 - t0 }'; }
samples=$root/samples
# Other work on the machine skews every figure: say how busy it was.
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((i = 1; i <= runs; i++)); do
        t0=$(now); dd if=/dev/zero of="$view/var/tmp/view-io" bs=1M count="$mib" conv=fsync status=none; t1=$(now)
        echo "view write $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); dd if="$view/var/tmp/view-io" of=/dev/null bs=1M status=none; t1=$(now)
        echo "view read $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); "$lxs" -d bench -e dd if=/dev/zero of=/var/tmp/view-io bs=1M count="$mib" conv=fsync status=none; t1=$(now)
        echo "distro write $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); "$lxs" -d bench -e dd if=/var/tmp/view-io of=/dev/null bs=1M status=none; t1=$(now)
        echo "distro read $(mbps "$t0" "$t1")" | tee -a "$samples"
        # Both finds on a warm guest: the files above push /usr's metadata out of its cache.
        "$lxs" -d bench -e sh -c 'find /usr >/dev/null'
        t0=$(now); find "$view/usr" | wc -l >/dev/null; t1=$(now)
        echo "view find_s $(secs "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); "$lxs" -d bench -e sh -c 'find /usr | wc -l' >/dev/null; t1=$(now)
        echo "distro find_s $(secs "$t0" "$t1")" | tee -a "$samples"
done
kill "$holder" 2>/dev/null || true
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$samples" "$runs" "$mib" <<'PY'
import statistics, sys
med = {}
for line in open(sys.argv[1]):
    side, name, value = line.split()
    med.setdefault((side, name), []).append(float(value))
med = {k: statistics.median(v) for k, v in med.items()}
print(f"\nmedians of {sys.argv[2]} rounds ({sys.argv[3]} MiB):")
for name, unit in (("write", "MB/s"), ("read", "MB/s"), ("find_s", "s")):
    v, d = med[("view", name)], med[("distro", name)]
    ratio = v / d if unit == "MB/s" else d / v
    print(f"  {name:7} view {v:9.2f} {unit}   inside the distro {d:9.2f} {unit}   view/distro {ratio:.3f}")
PY
