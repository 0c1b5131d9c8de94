#!/bin/bash
# warm-exec.sh [RUNS]: latency of `lxs --system -e true` with the VM already running (CLI start,
# lxsd relay, guest fork/exec, exit status back), against running `true` locally, measured in
# the same run with hyperfine. Goal: median <= 15 ms under TCG. Default 200 runs.
set -euo pipefail
runs=${1:-200}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${LXS_BUILD_DIR:-$repo/build}
lxs=$build/bin/lxs
[ -x "$lxs" ] || { echo "$0: $lxs missing: build first" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "$0: hyperfine not installed (apt-get install hyperfine)" >&2; exit 1; }

root=$(mktemp -d /tmp/lxs-warm.XXXXXX)
export LXS_RUNTIME_DIR=$root/run LXS_STATE_DIR=$root/state LXS_CONFIG_DIR=$root/config
trap '"$lxs" --shutdown >/dev/null 2>&1; rm -rf "$root"' EXIT
"$lxs" --system -e true        # boot

hyperfine -N --warmup 10 --runs "$runs" --export-json "$root/h.json" \
        "$lxs --system -e true" "true" >/dev/null
python3 - "$root/h.json" "$runs" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
lxs, local = (x["median"] * 1000 for x in r)
p95 = sorted(r[0]["times"])[int(len(r[0]["times"]) * 0.95)] * 1000
print(f"warm lxs --system -e true: median {lxs:.1f} ms, p95 {p95:.1f} ms ({sys.argv[2]} runs); goal <= 15 ms")
print(f"local true:                median {local:.2f} ms")
print(f"ratio lxs/local: {lxs / local:.1f}x (the cost of crossing into the VM)")
PY
