# Shared set-up for integration tests: each test gets its own runtime/state/config dirs, so it
# runs its own lxsd and its own VM, and everything it started is stopped on exit.
# Tests drive the real binaries from the build tree against the real VM (QEMU, kernel, /init).
#
# Environment from ctest: LXS_BIN (build bin dir), LXS_IMAGE (share/lxs dir),
# LXS_REQUIRE_ALL=1 turns every skip into a failure.
set -euo pipefail

: "${LXS_BIN:?LXS_BIN must point to the build tree's bin/}"
: "${LXS_IMAGE:?LXS_IMAGE must point to the build tree's share/lxs/}"
TEST_NAME=$(basename "$0" .sh)
SKIP_CODE=77

fail() {
        echo "FAIL: $TEST_NAME: $*" >&2
        exit 1
}

skip() {
        if [ "${LXS_REQUIRE_ALL:-0}" = 1 ]; then
                fail "required but unavailable: $*"
        fi
        echo "SKIP: $TEST_NAME: $*" >&2
        exit $SKIP_CODE
}

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed"
[ -r "$LXS_IMAGE/initramfs.img" ] || skip "no guest image at $LXS_IMAGE (build the guest-image target)"
[ -r "$LXS_IMAGE/vmlinux" ] || skip "no guest kernel at $LXS_IMAGE"

TEST_ROOT=$(mktemp -d "/tmp/lxs-it.XXXXXX")
export LXS_RUNTIME_DIR="$TEST_ROOT/run"
export LXS_STATE_DIR="$TEST_ROOT/state"
export LXS_CONFIG_DIR="$TEST_ROOT/config"
export PATH="$LXS_BIN:$PATH"
mkdir -p "$LXS_CONFIG_DIR"

lxsd_pid() {
        # The lock file is held by the live lxsd; fuser is not always there, so ask /proc.
        local sock="$LXS_RUNTIME_DIR/lxsd.sock"
        for p in $(pgrep -x lxsd || true); do
                if tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qx "LXS_RUNTIME_DIR=$LXS_RUNTIME_DIR"; then
                        echo "$p"
                        return 0
                fi
        done
        return 1
}

qemu_pid() {
        [ -r "$LXS_RUNTIME_DIR/qemu.pid" ] && cat "$LXS_RUNTIME_DIR/qemu.pid"
}

# QEMU processes whose command line names this test's state dir.
our_qemus() {
        pgrep -f "qemu-system-x86_64.*$LXS_STATE_DIR" || true
}

cleanup() {
        local rc=$?
        "$LXS_BIN/lxs" --shutdown --force >/dev/null 2>&1 || true
        local p
        p=$(lxsd_pid) && kill "$p" 2>/dev/null || true
        for q in $(our_qemus); do kill -9 "$q" 2>/dev/null || true; done
        # Distro views end with their sessions; rm -rf must never walk into one still mounted.
        local mnt
        mnt=$(realpath -m "$LXS_RUNTIME_DIR/mnt")
        for _ in $(seq 50); do grep -qF " $mnt/" /proc/self/mountinfo || break; sleep 0.2; done
        for m in $(awk -v p="$mnt/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo); do
                umount -l "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null || true
        done
        if [ $rc -ne 0 ] && [ $rc -ne $SKIP_CODE ]; then
                echo "--- lxsd.log" >&2
                tail -n 30 "$LXS_STATE_DIR/lxsd.log" >&2 2>/dev/null || true
                echo "--- console.log" >&2
                tail -n 30 "$LXS_STATE_DIR/console.log" >&2 2>/dev/null || true
        fi
        rm -rf "$TEST_ROOT"
        exit $rc
}
trap cleanup EXIT

# Waits up to $1 seconds for a command to succeed.
wait_for() {
        local secs=$1
        shift
        local deadline=$((SECONDS + secs))
        until "$@"; do
                [ $SECONDS -lt $deadline ] || return 1
                sleep 0.2
        done
}

# True once the process is gone or only a zombie waiting for its reaper.
process_gone() {
        [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

no_qemu() {
        [ -z "$(our_qemus)" ]
}

vm_state() {
        lxs --status | awk -F': *' '/^Utility VM:/{print $2}' | awk '{print $1}'
}

# one_line_error EXPECTED COMMAND...: COMMAND must fail with exactly one stderr line that
# starts with "lxs: " and mentions EXPECTED.
one_line_error() {
        local want=$1
        shift
        set +e
        local err
        err=$("$@" 2>&1 >/dev/null)
        local rc=$?
        set -e
        [ $rc -ne 0 ] || fail "'$*' exited 0"
        [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "'$*' error is not one line: $err"
        case "$err" in "lxs: "*"$want"*) ;; *) fail "'$*' error '$err' does not mention '$want'" ;; esac
}

expect_eq() {
        [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

# The Debian minbase rootfs tarball the distro tests import: the one `lxs --install` caches
# (built once per machine with mmdebstrap by the distro-debian test or a real install).
debian_tarball() {
        local cache="${LXS_TEST_CACHE_DIR:-$HOME/.cache/lxs}"
        # No cache yet is not an error: the caller builds one.
        { ls "$cache"/rootfs/debian-*-minbase.tar.zst 2>/dev/null || true; } | head -1
}

# import_debian NAME: registers a real Debian distro NAME (data dir under TEST_ROOT).
import_debian() {
        export LXS_DATA_DIR="$TEST_ROOT/data"
        mkdir -p "$TEST_ROOT/distros"
        local tarball
        tarball=$(debian_tarball)
        if [ -n "$tarball" ]; then
                lxs --import "$1" "$TEST_ROOT/distros/$1" "$tarball" || fail "import of $1"
        else
                command -v mmdebstrap >/dev/null || skip "no cached Debian rootfs and no mmdebstrap to build one"
                LXS_CACHE_DIR="${LXS_TEST_CACHE_DIR:-$HOME/.cache/lxs}" \
                        lxs --install debian --name "$1" --location "$TEST_ROOT/distros/$1" --no-launch ||
                        fail "install of $1"
        fi
}

# distro_image NAME: the image file of a registered distro.
distro_image() {
        lxs --list --json | python3 -c 'import json,sys; print([d["image"] for d in json.load(sys.stdin) if d["name"]==sys.argv[1]][0])' "$1"
}

# clone_distro FROM TO: a second distro from a stopped one's image (faster than importing again).
clone_distro() {
        local img
        img=$(distro_image "$1")
        cp --sparse=always "$img" "$TEST_ROOT/$2.img"
        lxs --import "$2" "$TEST_ROOT/distros/$2" "$TEST_ROOT/$2.img" --vhd || fail "import of $2 from $1's image"
        rm -f "$TEST_ROOT/$2.img"
}

running_distros() {
        lxs --list --running --quiet 2>/dev/null || true
}

distro_stopped() {
        ! running_distros | grep -qx "$1"
}
