#!/bin/bash
# warm-distro.sh [RUNS]: latency of `lxs -d bench -e /bin/true` with the distro already running
# (CLI start, lxsd relay, spawn inside the distro's container, exit status back), against
# `systemd-nspawn -D rootfs /bin/true` on the same Debian rootfs extracted on the host, measured
# in the same run with hyperfine. Goal: median <= 15 ms under TCG. Default 200 runs.
set -euo pipefail
runs=${1:-200}
. "$(dirname "$0")/distro-lib.sh"
command -v hyperfine >/dev/null || distro_bench_die "hyperfine not installed (apt-get install hyperfine)"
command -v systemd-nspawn >/dev/null || distro_bench_die "systemd-nspawn not installed (apt-get install systemd-container)"
[ "$(id -u)" = 0 ] || distro_bench_die "systemd-nspawn needs root for the baseline"
distro_bench_setup
mkdir "$root/rootfs"
tar --zstd -xf "$tarball" -C "$root/rootfs"
"$lxs" -d bench -e /bin/true       # boot the VM and start the distro
# --register=no --keep-unit: run without systemd as PID 1 / D-Bus (like in CI containers).
nspawn="systemd-nspawn --register=no --keep-unit -q -D $root/rootfs /bin/true"
hyperfine -N --warmup 10 --runs "$runs" --export-json "$root/h.json" \
        "$lxs -d bench -e /bin/true" "$nspawn" >/dev/null 2>&1
python3 - "$root/h.json" "$runs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
lxs, nspawn = (x["median"] * 1000 for x in r)
p95 = sorted(r[0]["times"])[int(len(r[0]["times"]) * 0.95)] * 1000
print(f"warm lxs -d bench -e /bin/true: median {lxs:.1f} ms, p95 {p95:.1f} ms ({sys.argv[2]} runs); goal <= 15 ms")
print(f"systemd-nspawn -D rootfs /bin/true: median {nspawn:.1f} ms")
print(f"ratio lxs/nspawn: {lxs / nspawn:.2f}")
PY
