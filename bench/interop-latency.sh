#!/bin/bash
# interop-latency.sh [RUNS]: round trip of `lxs-host /bin/true` from inside the running Debian
# minbase distro (lxs-host connects to /init, which asks lxsd, which forks /bin/true on the
# host; the exit status comes back), against baselines measured in the same run:
#   - /bin/true run inside the distro (what a local fork+exec costs in the TCG guest);
#   - `lxs -d bench -e /bin/true` from the host (the other direction's warm round trip).
# Each sample is timed in the distro by bash's EPOCHREALTIME around one call (no fork for the
# clock), so the session that runs the loop is not counted. Goal: median <= 15 ms under TCG.
# Default 200 runs.
set -euo pipefail
runs=${1:-200}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup
"$lxs" -d bench -e lxs-host /bin/true || distro_bench_die "lxs-host does not work in the distro"
loop='for ((i = 0; i < '"$runs"' + 10; i++)); do t0=$EPOCHREALTIME; CMD; t1=$EPOCHREALTIME; echo "${t0/./} ${t1/./}"; done'
"$lxs" -d bench -e bash -c "${loop//CMD/lxs-host /bin/true}" >"$root/host"
"$lxs" -d bench -e bash -c "${loop//CMD//bin/true}" >"$root/local"
python3 - "$root" "$runs" "$lxs" <<'PY'
import statistics, subprocess, sys, time
root, runs, lxs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def samples(name):
    rows = [line.split() for line in open(f"{root}/{name}")]
    return [(int(b) - int(a)) / 1000 for a, b in rows][10:]  # 10 warm-up calls
host, local = samples("host"), samples("local")
reverse = []
for i in range(runs // 2 + 5):
    t0 = time.monotonic()
    subprocess.run([lxs, "-d", "bench", "-e", "/bin/true"], check=True)
    reverse.append((time.monotonic() - t0) * 1000)
reverse = reverse[5:]
def p95(v):
    return sorted(v)[int(len(v) * 0.95)]
h = statistics.median(host)
print(f"lxs-host /bin/true in the distro: median {h:.1f} ms, p95 {p95(host):.1f} ms ({runs} runs); goal <= 15 ms")
print(f"baseline /bin/true in the distro: median {statistics.median(local):.2f} ms  (ratio {h / statistics.median(local):.1f}x)")
print(f"baseline lxs -d bench -e /bin/true from the host: median {statistics.median(reverse):.1f} ms "
      f"({len(reverse)} runs)  (ratio {h / statistics.median(reverse):.2f}x)")
PY
