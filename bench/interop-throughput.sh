#!/bin/bash
# interop-throughput.sh [RUNS] [MIB]: stream throughput of lxs-host from inside the running
# Debian minbase distro, each way and through, against the host -> guest sessions of `lxs` in
# the same run (bench/throughput.sh measures the raw virtio-serial port: 430 MB/s guest->host,
# 279 MB/s host->guest on the reference machine).
#   host->distro  `lxs-host cat FILE >/dev/null`, FILE a MIB MiB file on the host (page-cached)
#   distro->host  `head -c MIB MiB /dev/zero | lxs-host sh -c 'cat >/dev/null'`
#   through       `head -c MIB MiB /dev/zero | lxs-host cat >/dev/null` (every byte both ways)
#   baselines     `lxs -d bench -e cat DFILE >/dev/null` (DFILE on the distro's ext4) and
#                 `head -c MIB MiB /dev/zero | lxs -d bench -e sh -c 'cat >/dev/null'` from the host
# The lxs-host figures are timed inside the distro (EPOCHREALTIME around the pipeline), the
# baselines on the host. Prints each sample, then medians in MB/s (10^6 bytes/s). Goal: lxs-host
# cat >= 300 MB/s. Defaults: 3 rounds of 1024 MiB.
set -euo pipefail
runs=${1:-3}
mib=${2:-1024}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup
bytes=$((mib << 20))
# The host file lives where lxsd can read it; the distro reaches it through lxs-host only.
hfile=$root/host-src
head -c "$bytes" /dev/zero >"$hfile"
cat "$hfile" >/dev/null
dfile=/var/tmp/interop-src
"$lxs" -d bench -e sh -c "fallocate -l $bytes $dfile && cat $dfile >/dev/null"

now() { date +%s.%N; }
mbps() { python3 -c "import sys; print(f'{$bytes / (float(sys.argv[2]) - float(sys.argv[1])) / 1e6:.1f}')" "$1" "$2"; }
# Runs a pipeline in the distro and prints its MB/s, timed there.
in_distro() {
        "$lxs" -d bench -e bash -c "t0=\$EPOCHREALTIME; $1; t1=\$EPOCHREALTIME; echo \${t0/./} \${t1/./}" |
                python3 -c "import sys; a, b = map(int, sys.stdin.read().split()); print(f'{$bytes / ((b - a) / 1e6) / 1e6:.1f}')"
}
samples=$root/samples
for ((i = 1; i <= runs; i++)); do
        echo "lxs-host host->distro $(in_distro "lxs-host cat $hfile >/dev/null")" | tee -a "$samples"
        echo "lxs-host distro->host $(in_distro "head -c $bytes /dev/zero | lxs-host sh -c 'cat >/dev/null'")" | tee -a "$samples"
        echo "lxs-host through $(in_distro "head -c $bytes /dev/zero | lxs-host cat >/dev/null")" | tee -a "$samples"
        t0=$(now); "$lxs" -d bench -e cat $dfile >/dev/null; t1=$(now)
        echo "lxs distro->host $(mbps "$t0" "$t1")" | tee -a "$samples"
        t0=$(now); head -c "$bytes" /dev/zero | "$lxs" -d bench -e sh -c 'cat >/dev/null'; t1=$(now)
        echo "lxs host->distro $(mbps "$t0" "$t1")" | tee -a "$samples"
done
python3 - "$samples" "$runs" "$mib" <<'PY'
import statistics, sys
med = {}
for line in open(sys.argv[1]):
    kind, direction, v = line.split()
    med.setdefault((kind, direction), []).append(float(v))
med = {k: statistics.median(v) for k, v in med.items()}
print(f"\nmedians of {sys.argv[2]} rounds, {sys.argv[3]} MiB each (MB/s); goal lxs-host cat >= 300:")
for (kind, direction), v in med.items():
    base = med.get(("lxs", direction))
    ratio = f"  ({v / base:.2f}x lxs -e the same way)" if kind == "lxs-host" and base else ""
    print(f"  {kind:8} {direction:13} {v:8.1f}{ratio}")
PY
