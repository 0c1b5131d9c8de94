#!/usr/bin/env bash
# Sets up lxs from a fresh clone on Debian 12: installs the Debian packages the build, the tests
# and the guest image need, configures, builds and installs to ~/.local. Safe to run again: it
# installs only missing packages and rebuilds incrementally.
#
#   ./setup.sh                  install packages, build, install to ~/.local
#   ./setup.sh --test           also run the tests, then build and test with ASan/UBSan
#   ./setup.sh --no-install     stop after building
#   ./setup.sh --build-dir DIR  build in DIR (default: build; the sanitizer build uses DIR-asan)
#
# Runs as root (CI) or as a user who may use sudo. With --test, the exit status is ctest's.
set -euo pipefail

# Everything lxs needs on a Debian 12 host, to build (compilers, protobuf-c, libraries), to make
# the guest image (busybox, cpio, kmod, e2fsprogs, xz/zstd), to run (QEMU, FUSE) and to test and
# measure (clang's libFuzzer runtime, hyperfine, mmdebstrap for test root filesystems,
# systemd-nspawn as the container baseline).
packages=(
        build-essential cmake pkg-config clang libclang-rt-14-dev
        qemu-system-x86 busybox-static
        liburing-dev libfuse3-dev fuse3 libprotobuf-c-dev protobuf-c-compiler
        libarchive-dev libarchive-tools libext2fs-dev e2fsprogs liblzma-dev libzstd-dev
        xz-utils zstd cpio kmod hyperfine mmdebstrap systemd-container
)

usage() {
        sed -n '2,11s/^# \{0,1\}//p' "$0"
}

run_tests=0
install=1
build_dir=build
while (($#)); do
        case "$1" in
        --test) run_tests=1 ;;
        --no-install) install=0 ;;
        --build-dir)
                [[ $# -ge 2 && -n $2 ]] || { echo "setup.sh: --build-dir needs a directory" >&2; exit 2; }
                build_dir=$(realpath -m -- "$2") # relative to where we were called from
                shift
                ;;
        --build-dir=*) build_dir=$(realpath -m -- "${1#--build-dir=}") ;;
        -h | --help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
        esac
        shift
done

cd "$(dirname "$(readlink -f "$0")")"

# A failing step ends the script through set -e; still finish with the one-line summary.
step="installing packages"
finished=0
trap 'rc=$?; ((finished || rc == 0)) || echo "setup.sh: FAILED while $step (exit status $rc)" >&2' EXIT

as_root() {
        if ((EUID == 0)); then
                "$@"
        elif command -v sudo >/dev/null; then
                sudo "$@"
        else
                echo "setup.sh: need root to install packages and sudo is not installed" >&2
                exit 1
        fi
}

missing=()
for p in "${packages[@]}"; do
        dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
        echo "setup.sh: installing ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends \
                "${missing[@]}"
fi

# CI must not pass by skipping: tests whose dependencies are missing fail instead.
require_all=OFF
if [[ ${CI:-} == true || ${LXS_REQUIRE_ALL:-0} == 1 ]]; then
        require_all=ON
        export LXS_REQUIRE_ALL=1
fi

jobs=$(nproc)
# Written with && rather than relying on set -e, which does not apply inside `f || ...`.
configure_and_build() { # DIR [CMAKE ARGS...]
        local dir=$1
        shift
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                -DCMAKE_INSTALL_PREFIX="${HOME:?}/.local" -DLXS_REQUIRE_ALL="$require_all" "$@" &&
                cmake --build "$dir" -j"$jobs"
}
outcome() { (($1)) && echo FAILED || echo passed; }

step="building in $build_dir"
configure_and_build "$build_dir" -DLXS_SANITIZE=OFF
summary="built $build_dir"

if ((install)); then
        step="installing to $HOME/.local"
        cmake --install "$build_dir"
        summary+=", installed to $HOME/.local"
fi

status=0
if ((run_tests)); then
        rc=0
        ctest --test-dir "$build_dir" --output-on-failure --no-tests=error || rc=$?
        status=$rc
        summary+=", tests $(outcome $rc)"

        # Host code again with ASan/UBSan (the guest's static /init is built without them).
        asan_dir=${build_dir%/}-asan
        rc=0
        { configure_and_build "$asan_dir" -DLXS_SANITIZE=ON &&
                ctest --test-dir "$asan_dir" --output-on-failure --no-tests=error; } || rc=$?
        ((status)) || status=$rc
        summary+=", sanitizer tests in $asan_dir $(outcome $rc)"
fi

# shellcheck disable=SC2034 # read by the EXIT trap
finished=1
echo "setup.sh: $( ((status)) && echo FAILED || echo OK): $summary"
exit "$status"
