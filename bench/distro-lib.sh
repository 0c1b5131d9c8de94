# Shared by the distro benchmarks (sourced): an isolated lxs (own runtime/state/config/data
# dirs) with the cached Debian minbase rootfs imported as distro "bench".
# Environment: LXS_BUILD_DIR (default <repo>/build), LXS_BENCH_TARBALL (default: the tarball
# `lxs --install` caches, ~/.cache/lxs/rootfs/debian-*-minbase.tar.zst).

distro_bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# distro_bench_setup_service: sets repo, build, lxs, root; an isolated lxs whose distros never
# stop for idleness; the EXIT trap stops it and removes everything.
distro_bench_setup_service() {
        repo=$(cd "$(dirname "$0")/.." && pwd)
        build=${LXS_BUILD_DIR:-$repo/build}
        lxs=$build/bin/lxs
        [ -x "$lxs" ] || distro_bench_die "$lxs missing: build first"
        root=$(mktemp -d /tmp/lxs-bench-distro.XXXXXX)
        export LXS_RUNTIME_DIR=$root/run LXS_STATE_DIR=$root/state LXS_CONFIG_DIR=$root/config \
                LXS_DATA_DIR=$root/data
        mkdir -p "$LXS_CONFIG_DIR"
        printf '[distro]\ninstanceIdleTimeout = 0\n' >"$LXS_CONFIG_DIR/lxs.conf"
        trap distro_bench_cleanup EXIT
}

# distro_bench_setup: the same, plus tarball and the Debian minbase imported as "bench".
distro_bench_setup() {
        distro_bench_setup_service
        tarball=${LXS_BENCH_TARBALL:-$(ls "$HOME"/.cache/lxs/rootfs/debian-*-minbase.tar.zst 2>/dev/null | head -1)}
        [ -r "$tarball" ] || distro_bench_die "no Debian rootfs tarball: run lxs --install once, or set LXS_BENCH_TARBALL"
        "$lxs" --import bench "$root/distro" "$tarball" >/dev/null || distro_bench_die "import failed"
}

# distro_bench_stop: no lxsd, no VM of this benchmark left.
distro_bench_stop() {
        "$lxs" --shutdown >/dev/null 2>&1 || true
        local p
        for p in $(pgrep -x lxsd); do
                { tr "\0" "\n" <"/proc/$p/environ" | grep -qx "LXS_RUNTIME_DIR=$LXS_RUNTIME_DIR" && kill "$p"; } 2>/dev/null || true
        done
        sleep 0.3
}

# distro_bench_remove DIR: removes an lxs runtime tree once its VM is stopped. A distro's file
# view may still be mounted, or its process about to remove its mount point, for a moment.
distro_bench_remove() {
        local root=$1 m i
        for m in "$root"/run/mnt/*; do
                mountpoint -q "$m" 2>/dev/null && { fusermount3 -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; }
        done
        for i in 1 2 3 4 5 6 7 8 9 10; do
                rm -rf "$root" 2>/dev/null && return 0
                sleep 0.2
        done
        rm -rf "$root"
}

distro_bench_cleanup() {
        distro_bench_stop
        distro_bench_remove "$root"
}
