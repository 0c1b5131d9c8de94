#!/bin/bash
# boot-reliability.sh [N]: boots the utility VM N times (default 100) with the real kernel, the
# real initramfs content and a trivial init, counting hangs (a boot not finished after 20 s is
# killed and counted). Prints `boots: N, hangs: H, median: X s`; exits 1 if any boot hung.
# LXS_BENCH_APPEND adds kernel parameters (e.g. to test a change of command line).
set -euo pipefail
. "$(dirname "$0")/boot-lib.sh"
runs=${1:-100}
bench_setup
summary=$(bench_boots "$runs" 20 ${LXS_BENCH_VERBOSE:+--verbose})
echo "$summary"
hangs=$(sed -n 's/.*hangs: \([0-9]*\),.*/\1/p' <<<"$summary")
[ "$hangs" = 0 ]
