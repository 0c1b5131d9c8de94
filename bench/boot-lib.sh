# Shared by bench/boot-*.sh (sourced): finds the build tree, builds a trivial static init that
# powers the VM off, and an initramfs with the real image's content (busybox, modules) but that
# init, so boots measure the kernel + initramfs, not lxs's /init.
# Environment: LXS_BUILD_DIR (default: <repo>/build), LXS_BENCH_MACHINE, LXS_BENCH_MEMORY,
# LXS_BENCH_CPUS, LXS_BENCH_APPEND (extra kernel command line).

bench_die() { echo "$(basename "$0"): $*" >&2; exit 1; }

bench_setup() {
        repo=$(cd "$(dirname "$0")/.." && pwd)
        build=${LXS_BUILD_DIR:-$repo/build}
        floor=$build/bin/lxs-vm-floor
        mkimage=$build/libexec/lxs/lxs-mkimage
        kernel=$build/share/lxs/vmlinux
        for f in "$floor" "$mkimage" "$kernel"; do
                [ -e "$f" ] || bench_die "$f missing: build first (cmake --build $build), or set LXS_BUILD_DIR"
        done
        modules=$(sed -n 's/^LXS_GUEST_MODULES:INTERNAL=//p' "$build/CMakeCache.txt")
        [ -f "$modules/modules.dep" ] || bench_die "no module tree recorded in $build/CMakeCache.txt"
        command -v gcc >/dev/null || bench_die "gcc is needed to build the trivial init"

        tmp=$(mktemp -d /tmp/lxs-bench.XXXXXX)
        trap 'rm -rf "$tmp"' EXIT INT TERM
        cat > "$tmp/init.c" <<'C'
#include <sys/reboot.h>
#include <unistd.h>
int main(void) { reboot(RB_POWER_OFF); for (;;) pause(); }
C
        gcc -static -O2 -o "$tmp/init" "$tmp/init.c" || bench_die "gcc -static failed (libc6-dev?)"
        "$mkimage" --kernel "$kernel" --modules "$modules" --init "$tmp/init" --busybox /bin/busybox \
                --modules-list "$repo/utility-vm/image/modules.list" --out "$tmp/initramfs.img" ||
                bench_die "lxs-mkimage failed"
}

# bench_boots N TIMEOUT [--verbose]: prints lxs-vm-floor's summary line.
bench_boots() {
        set -- --runs "$1" --timeout "$2" ${3:+"$3"}
        [ -n "${LXS_BENCH_MACHINE:-}" ] && set -- "$@" --machine "$LXS_BENCH_MACHINE"
        [ -n "${LXS_BENCH_APPEND:-}" ] && set -- "$@" --append "$LXS_BENCH_APPEND"
        "$floor" --kernel "$kernel" --initrd "$tmp/initramfs.img" \
                --memory "${LXS_BENCH_MEMORY:-1024}" --cpus "${LXS_BENCH_CPUS:-2}" "$@"
}
