#!/bin/bash
# warm-exec.sh [--distro] [RUNS]: latency of a command with the VM already running (CLI start,
# lxsd relay, guest spawn, exit status back), measured with hyperfine against a baseline in the
# same run. Goal: median <= 15 ms under TCG. Default 200 runs.
#   (default)  `lxs --system -e true` against running `true` locally
#   --distro   `lxs -d bench -e /bin/true` in the running Debian minbase distro against
#              `systemd-nspawn -D rootfs /bin/true` on the same rootfs extracted on the host
set -euo pipefail
distro=0
if [ "${1:-}" = --distro ]; then
        distro=1
        shift
fi
runs=${1:-200}
. "$(dirname "$0")/distro-lib.sh"
command -v hyperfine >/dev/null || distro_bench_die "hyperfine not installed (apt-get install hyperfine)"
if ((distro)); then
        command -v systemd-nspawn >/dev/null || distro_bench_die "systemd-nspawn not installed (apt-get install systemd-container)"
        [ "$(id -u)" = 0 ] || distro_bench_die "systemd-nspawn needs root for the baseline"
        distro_bench_setup
        mkdir "$root/rootfs"
        tar --zstd -xf "$tarball" -C "$root/rootfs"
        measured="$lxs -d bench -e /bin/true"
        # --register=no --keep-unit: runs without systemd as PID 1 or D-Bus (CI containers).
        baseline="systemd-nspawn --register=no --keep-unit -q -D $root/rootfs /bin/true"
else
        distro_bench_setup_service
        measured="$lxs --system -e true"
        baseline="true"
fi
$measured                       # boot the VM (and start the distro)
hyperfine -N --warmup 10 --runs "$runs" --export-json "$root/h.json" "$measured" "$baseline" >/dev/null 2>&1
python3 - "$root/h.json" "$runs" "${measured#"$build/bin/"}" "$baseline" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
ours, base = (x["median"] * 1000 for x in r)
p95 = sorted(r[0]["times"])[int(len(r[0]["times"]) * 0.95)] * 1000
print(f"warm {sys.argv[3]}: median {ours:.1f} ms, p95 {p95:.1f} ms ({sys.argv[2]} runs); goal <= 15 ms")
print(f"baseline {sys.argv[4].split(' -D ')[0]}: median {base:.2f} ms")
print(f"ratio: {ours / base:.2f}x")
PY
