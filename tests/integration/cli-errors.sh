#!/usr/bin/env bash
# Bad input gets one line naming what is wrong and a non-zero exit: unknown options, bad
# lxs.conf values (file, line and key named), unknown keys warn, a missing guest image.
. "$(dirname "$0")/lib.sh"

lxs --version | grep -q "^lxs version: " || fail "--version"
lxs --help | grep -q -- "--system" || fail "--help"
one_line_error "--bogus" lxs --bogus
one_line_error "--force" lxs --force
one_line_error "-e" lxs --system -e

printf '[vm]\nmemory = lots\n' >"$LXS_CONFIG_DIR/lxs.conf"
one_line_error "lxs.conf:2" lxs --system -e true
one_line_error "memory" lxs --system -e true
printf '[vm]\naccel = warp\n' >"$LXS_CONFIG_DIR/lxs.conf"
one_line_error "accel" lxs --system -e true
printf '[vm]\nprocessors = 0\n' >"$LXS_CONFIG_DIR/lxs.conf"
one_line_error "processors" lxs --system -e true
expect_eq "$(vm_state)" "Stopped" "no VM boots with a bad config"

printf '[vm]\nfrobnicate = 1\n' >"$LXS_CONFIG_DIR/lxs.conf"
out=$(lxs --system -e echo ok 2>"$TEST_ROOT/warn")
expect_eq "$out" "ok" "command with an unknown key"
grep -q "warning: .*frobnicate" "$TEST_ROOT/warn" || fail "no warning for an unknown key: $(cat "$TEST_ROOT/warn")"
lxs --shutdown
rm "$LXS_CONFIG_DIR/lxs.conf"

# A broken install: the guest image is missing. lxsd reads LXS_IMAGE_DIR when it starts.
p=$(lxsd_pid) && kill "$p" && wait_for 5 process_gone "$p"
LXS_IMAGE_DIR="$TEST_ROOT/no-image" one_line_error "initramfs.img" lxs --system -e true
echo "PASS: $TEST_NAME"
