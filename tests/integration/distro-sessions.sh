#!/usr/bin/env bash
# Commands in a real Debian distro, without a terminal: the distro starts on demand as a
# container in the VM; argv, command lines, stdin EOF, binary-safe separate streams, exit
# statuses, signals from the host, users, working directory, environment, hostname and the
# generated /etc files behave as if the distro were local; a bad user or directory is a one-line
# error; terminate kills everything and leaves an image that passes e2fsck -fn.
. "$(dirname "$0")/lib.sh"

import_debian deb
export LANG=C.UTF-8 TERM=xterm-256color

# -- argv and command lines
expect_eq "$(echo hi | lxs -d deb -e tr a-z A-Z)" "HI" "stdin EOF reaches the command"
expect_eq "$(lxs -e cat /etc/debian_version | cut -c1-2)" "12" "the default distro is the Debian image"
running_distros | grep -qx deb || fail "deb is not listed as running: $(lxs --list -v)"
lxs --list -v | grep -Eq '^\* +deb +Running' || fail "lxs --list -v does not show deb Running: $(lxs --list -v)"
expect_eq "$(lxs -d deb -- 'echo $((6 * 7)) | cat')" "42" "a command line runs in the user's shell"
expect_eq "$(lxs -d deb -e echo '$HOME' 'a  b')" '$HOME a  b' "-e passes argv untouched"
expect_eq "$(lxs -d deb --shell-type none -- echo '$HOME')" '$HOME' "--shell-type none runs without a shell"
expect_eq "$(lxs -d deb --shell-type login -- 'echo $0')" "-bash" "--shell-type login runs a login shell"
expect_eq "$(lxs -d deb -- echo '$0')" "bash" "a command line uses the user's shell, bash"

# -- streams: separate, binary-safe, large
out=$(lxs -d deb -e sh -c 'echo out; echo err >&2' 2>"$TEST_ROOT/err")
expect_eq "$out" "out" "stdout alone on stdout"
expect_eq "$(cat "$TEST_ROOT/err")" "err" "stderr alone on stderr"
head -c 8M /dev/urandom >"$TEST_ROOT/blob"
lxs -d deb -e cat <"$TEST_ROOT/blob" | cmp -s - "$TEST_ROOT/blob" || fail "8 MiB of binary data did not come back intact"
expect_eq "$(lxs -d deb -e sh -c 'head -c 3000000 /dev/zero | tr "\0" x' | wc -c)" 3000000 "guest to host byte count"

# -- exit statuses and signals
set +e
lxs -d deb -e sh -c 'exit 7'
expect_eq $? 7 "exit status"
lxs -d deb -- 'kill -KILL $$'
expect_eq $? 137 "killed by SIGKILL: 128+9"
lxs -d deb -e /nonexistent/cmd 2>"$TEST_ROOT/err"
expect_eq $? 127 "missing command"
grep -q nonexistent "$TEST_ROOT/err" || fail "missing command error does not name it: $(cat "$TEST_ROOT/err")"
set -e
for sig in INT TERM HUP; do
        lxs -d deb -e sh -c "trap 'echo got-$sig; exit 5' $sig; echo ready; while :; do sleep 0.1; done" >"$TEST_ROOT/sig-$sig" &
        pid=$!
        wait_for 30 grep -qs ready "$TEST_ROOT/sig-$sig" || fail "the $sig test command did not start"
        kill -"$sig" "$pid"
        set +e
        wait "$pid"
        rc=$?
        set -e
        expect_eq "$rc" 5 "exit status after SIG$sig reached the command's trap"
        grep -q "got-$sig" "$TEST_ROOT/sig-$sig" || fail "SIG$sig did not reach the command"
done

# -- users, directories, environment
expect_eq "$(lxs -d deb -e id -un)" "root" "the default user before one is set"
lxs -d deb -e useradd -m -s /bin/bash ann || fail "useradd"
expect_eq "$(lxs -d deb -u ann -e id -un)" "ann" "-u by name"
ann_uid=$(lxs -d deb -e id -u ann)
expect_eq "$(lxs -d deb -u "$ann_uid" -e id -un)" "ann" "-u by uid"
expect_eq "$(lxs -d deb -u ann -e pwd)" "/home/ann" "sessions start in the user's home"
expect_eq "$(lxs -d deb -u ann --cd /tmp -e pwd)" "/tmp" "--cd a Linux path"
expect_eq "$(lxs -d deb -u ann --cd '~' -e pwd)" "/home/ann" "--cd ~"
env_out=$(lxs -d deb -u ann -e env)
for kv in HOME=/home/ann USER=ann LOGNAME=ann SHELL=/bin/bash LANG=C.UTF-8; do
        printf '%s\n' "$env_out" | grep -qx "$kv" || fail "environment lacks $kv: $env_out"
done
printf '%s\n' "$env_out" | grep -q '^PATH=.*/usr/bin' || fail "no usable PATH: $env_out"
expect_eq "$(lxs -d deb -e printenv TERM)" "xterm-256color" "TERM comes from the host"
one_line_error "nosuchuser" lxs -d deb -u nosuchuser -e true
one_line_error "/does/not/exist" lxs -d deb --cd /does/not/exist -e true
one_line_error "nosuchdistro" lxs -d nosuchdistro -e true
lxs --manage deb --set-default-user ann 2>"$TEST_ROOT/err" || fail "--set-default-user"
grep -q "next start" "$TEST_ROOT/err" || fail "--set-default-user of a running distro does not say when it applies"
expect_eq "$(lxs -d deb -e id -un)" "root" "the default user of the running distro"
lxs -t deb
expect_eq "$(lxs -d deb -e id -un)" "ann" "the registered default user after a restart"

# -- the container
expect_eq "$(lxs -d deb -e hostname)" "deb" "hostname is the distro name"
lxs -d deb -e grep -q 'deb' /etc/hosts || fail "/etc/hosts does not name the host"
[ "$(lxs -d deb -e sh -c 'ls /proc | grep -c "^[0-9]"')" -lt 10 ] || fail "the distro sees processes outside its PID namespace"
lxs -d deb -e test -c /dev/null || fail "no /dev/null"
lxs -d deb -e sh -c 'mount | grep -q " /tmp type tmpfs"' || fail "/tmp is not a tmpfs"
lxs -d deb -e sh -c 'mount | grep -q "devpts on /dev/pts"' || fail "no devpts in the distro"

# -- terminate
lxs -d deb -u root -e sh -c 'nohup sleep 1000 >/dev/null 2>&1 &'
count_sleeps() { lxs -d deb -e sh -c 'cat /proc/[0-9]*/comm 2>/dev/null | grep -cx sleep || true'; }
# Polled: until `nohup` has exec'd `sleep`, the process is still called sh or nohup.
one_sleep() { [ "$(count_sleeps)" = 1 ]; }
wait_for 10 one_sleep || fail "a background process of a session outlives the session: $(count_sleeps) sleeps"
lxs -t deb || fail "terminate"
wait_for 20 distro_stopped deb || fail "deb still running after terminate"
img=$(distro_image deb)
e2fsck -fn "$img" >"$TEST_ROOT/fsck" 2>&1 || fail "e2fsck -fn after terminate: $(tail -5 "$TEST_ROOT/fsck")"
# It starts again on demand, without the old processes.
expect_eq "$(count_sleeps)" 0 "terminate killed the background process"
lxs --shutdown || fail "shutdown"
wait_for 30 no_qemu || fail "QEMU still running after shutdown"
e2fsck -fn "$img" >"$TEST_ROOT/fsck" 2>&1 || fail "e2fsck -fn after shutdown: $(tail -5 "$TEST_ROOT/fsck")"
echo "PASS: $TEST_NAME"
