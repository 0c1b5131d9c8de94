#!/usr/bin/env bash
# lxsd serves its own user only: the socket lives in a 0700 dir, is 0600, and even when the
# file permissions are opened up, a peer of another uid is refused by its credentials.
. "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || skip "setpriv (util-linux) not installed"
[ "$(id -u)" = 0 ] || skip "needs root to act as a second user"
other=65534

lxs --status >/dev/null
expect_eq "$(stat -c %a "$LXS_RUNTIME_DIR")" 700 "runtime dir mode"
expect_eq "$(stat -c %a "$LXS_RUNTIME_DIR/lxsd.sock")" 600 "socket mode"

# Open the file permissions so only the peer check stands between the other user and lxsd.
chmod 0755 "$TEST_ROOT" "$LXS_RUNTIME_DIR"
chmod 0666 "$LXS_RUNTIME_DIR/lxsd.sock"
set +e
out=$(setpriv --reuid=$other --regid=$other --clear-groups env LXS_RUNTIME_DIR="$LXS_RUNTIME_DIR" \
        LXS_STATE_DIR=/nonexistent LXS_CONFIG_DIR=/nonexistent "$LXS_BIN/lxs" --status 2>&1)
rc=$?
set -e
[ $rc -ne 0 ] || fail "a second user's lxs was served: $out"
case "$out" in *"permission denied"*) ;; *) fail "refusal does not say why: $out" ;; esac
grep -q "refused connection from uid $other" "$LXS_STATE_DIR/lxsd.log" || fail "refusal not logged"
expect_eq "$(vm_state)" "Stopped" "a refused peer must not boot the VM"
echo "PASS: $TEST_NAME"
