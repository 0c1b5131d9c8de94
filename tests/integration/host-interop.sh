#!/usr/bin/env bash
# Command interop, Linux -> host: lxs-host in a real Debian distro runs host programs as the
# user running lxs: argv untouched, exit statuses (128+N for a signal, 127 for a missing
# program), stdin EOF, binary-safe separate streams both ways, pipelines, the working directory
# (a shared folder's host path, else the home directory), LXSENV, NAME.host for programs on the
# host's PATH, signals, a terminal when the caller has one (host-interop-pty.py), calls from a
# daemon whose session ended and from a new PID namespace, and both [interop] switches.
. "$(dirname "$0")/lib.sh"

export LXS_TEST_CACHE_DIR="${LXS_TEST_CACHE_DIR:-$HOME/.cache/lxs}"
share="$TEST_ROOT/share"
mkdir -p "$share/sub dir" "$TEST_ROOT/home"
export HOME="$TEST_ROOT/home"                # lxsd shares the home folder it was started with
printf '[shares]\nfolders = %s\n' "$share" >"$LXS_CONFIG_DIR/lxs.conf"
import_debian deb
export LANG=C.UTF-8 TERM=xterm-256color

# -- argv, user, exit statuses
expect_eq "$(lxs -d deb -e lxs-host uname -r)" "$(uname -r)" "the program runs on the host"
expect_eq "$(lxs -d deb -e lxs-host id -u)" "$(id -u)" "as the user running lxs"
expect_eq "$(lxs -d deb -e lxs-host echo '$HOME' 'a  b' '')" '$HOME a  b ' "argv crosses untouched"
set +e
lxs -d deb -e lxs-host sh -c 'exit 7'
expect_eq $? 7 "exit status"
lxs -d deb -e lxs-host sh -c 'kill -TERM $$'
expect_eq $? 143 "killed by SIGTERM: 128+15"
lxs -d deb -e lxs-host /nonexistent/program 2>"$TEST_ROOT/err"
expect_eq $? 127 "missing program"
grep -q '^lxs-host: /nonexistent/program: No such file or directory$' "$TEST_ROOT/err" ||
        fail "missing program error: $(cat "$TEST_ROOT/err")"
lxs -d deb -e lxs-host 2>"$TEST_ROOT/err"
expect_eq $? 1 "no program is a usage error"
grep -q '^lxs-host: usage' "$TEST_ROOT/err" || fail "usage error: $(cat "$TEST_ROOT/err")"
set -e

# -- streams
expect_eq "$(echo hi | lxs -d deb -e lxs-host tr a-z A-Z)" "HI" "stdin reaches the host program, then EOF"
expect_eq "$(lxs -d deb -e lxs-host cat </dev/null | wc -c)" 0 "empty stdin is EOF at once"
out=$(lxs -d deb -e lxs-host sh -c 'echo out; echo err >&2' 2>"$TEST_ROOT/err")
expect_eq "$out" "out" "stdout alone on stdout"
expect_eq "$(cat "$TEST_ROOT/err")" "err" "stderr alone on stderr"
head -c 8M /dev/urandom >"$TEST_ROOT/blob"
lxs -d deb -e lxs-host cat <"$TEST_ROOT/blob" | cmp -s - "$TEST_ROOT/blob" ||
        fail "8 MiB of binary data did not come back intact through lxs-host cat"
expect_eq "$(lxs -d deb -- 'lxs-host head -c 3000000 /dev/zero | wc -c')" 3000000 "host to distro byte count"
expect_eq "$(lxs -d deb -- 'head -c 3000000 /dev/zero | lxs-host wc -c')" 3000000 "distro to host byte count"
expect_eq "$(lxs -d deb -- 'lxs-host cat /etc/hostname | wc -c')" "$(wc -c </etc/hostname)" "a pipeline in the distro"
expect_eq "$(lxs -d deb -- 'lxs-host sh -c "exit 3" | cat; echo ${PIPESTATUS[0]}')" 3 "a pipeline keeps the exit status"
expect_eq "$(lxs -d deb -- 'lxs-host yes | head -2 | tr "\n" " "')" "y y " "a reader that stops ends the host program"

# -- working directory
expect_eq "$(lxs -d deb --cd "/mnt/host$share/sub dir" -e lxs-host pwd)" "$share/sub dir" \
        "a shared folder's host path"
expect_eq "$(lxs -d deb --cd /tmp -e lxs-host pwd)" "$HOME" "elsewhere: the host user's home"
expect_eq "$(lxs -d deb --cd "/mnt/host$share" -e lxs-host ls)" "sub dir" "relative paths work there"

# -- environment: only what LXSENV names crosses
out=$(lxs -d deb -e env LXSENV="FOO:P/p:L/l:ONLYIN/u" FOO=bar P="/mnt/host$share/x" \
        L="/mnt/host$share:/mnt/host$share/sub dir" ONLYIN=no SECRET=leak \
        lxs-host sh -c 'echo "$FOO|$P|$L|${ONLYIN-unset}|${SECRET-unset}|$LXSENV"')
expect_eq "$out" "bar|$share/x|$share:$share/sub dir|unset|unset|FOO:P/p:L/l:ONLYIN/u" "LXSENV selects and translates"
expect_eq "$(lxs -d deb -e env LXSENV=HOME HOME=/guest lxs-host sh -c 'echo $HOME')" "/guest" \
        "a listed variable wins over the host's"

# -- LXSENV from the host into a distro (lxs), and across both ways
out=$(LXSENV="FOO:P/p:OUTONLY/w:NOPE" FOO=bar P="$share/x" OUTONLY=no \
        lxs -d deb -e sh -c 'echo "$FOO|$P|${OUTONLY-unset}|${NOPE-unset}"')
expect_eq "$out" "bar|/mnt/host$share/x|unset|unset" "LXSENV into a distro translates /p to the share's place"
expect_eq "$(LXSENV=P/p P="$share/sub dir" lxs -d deb -e lxs-host sh -c 'echo "$P"')" "$share/sub dir" \
        "a path crosses host -> distro -> host unchanged"

# -- NAME.host for the host's PATH
expect_eq "$(lxs -d deb -e uname.host -r)" "$(uname -r)" "uname.host is the host's uname"
expect_eq "$(lxs -d deb -- 'command -v uname.host')" "/run/lxs/host-bin/uname.host" "the .host names are on PATH"
expect_eq "$(lxs -d deb -e sh -c 'test -e /usr/bin/uname.host || echo none')" "none" "nothing is copied into the image"

# -- signals from the caller reach the host program
for sig in INT TERM HUP; do
        lxs -d deb -e lxs-host sh -c "trap 'echo got-$sig; exit 5' $sig; echo ready; while :; do sleep 0.1; done" \
                >"$TEST_ROOT/sig-$sig" &
        pid=$!
        wait_for 30 grep -qs ready "$TEST_ROOT/sig-$sig" || fail "the $sig test program did not start"
        kill -"$sig" "$pid"
        set +e
        wait "$pid" 2>/dev/null
        rc=$?
        set -e
        expect_eq "$rc" 5 "exit status after SIG$sig reached the host program's trap"
        grep -q "got-$sig" "$TEST_ROOT/sig-$sig" || fail "SIG$sig did not reach the host program"
done

# -- from a daemon whose session has ended, and from a new PID namespace
lxs -d deb -e sh -c 'setsid sh -c "sleep 2; lxs-host echo from-daemon >/tmp/daemon.out 2>&1" </dev/null >/dev/null 2>&1 &'
wait_for 60 lxs -d deb -e grep -qs from-daemon /tmp/daemon.out || fail "lxs-host from a daemon: $(lxs -d deb -e cat /tmp/daemon.out)"
expect_eq "$(lxs -d deb -e unshare -pf --mount-proc lxs-host echo from-pidns)" "from-pidns" "lxs-host under unshare -pf"

# -- at a terminal
if command -v python3 >/dev/null; then
        python3 "$(dirname "$0")/host-interop-pty.py" "$LXS_BIN/lxs" deb || fail "lxs-host at a terminal"
fi

# -- the distro's switch
lxs -d deb -e sh -c 'printf "[interop]\nenabled = false\n" >/etc/lxs.conf'
lxs -t deb
set +e
err=$(lxs -d deb -e lxs-host true 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "interop off in the distro"
expect_eq "$err" "lxs-host: interop is disabled in this distro ([interop] enabled = false in /etc/lxs.conf)" \
        "the distro's switch gives one clear line"
lxs -d deb -e sh -c 'command -v uname.host || echo no-shims' | grep -qx no-shims || fail ".host names with interop off"

# -- the host's switch, which the distro cannot override
lxs -d deb -e sh -c 'printf "[interop]\nenabled = true\n" >/etc/lxs.conf'
printf '[interop]\nenabled = false\n' >>"$LXS_CONFIG_DIR/lxs.conf"
lxs --shutdown
set +e
err=$(lxs -d deb -e lxs-host true 2>&1)
rc=$?
set -e
expect_eq "$rc" 1 "interop off on the host"
expect_eq "$err" "lxs-host: interop is disabled on the host ([interop] enabled = false in lxs.conf)" \
        "the host's switch gives one clear line"
lxs -d deb -e sh -c 'command -v uname.host || echo no-shims' | grep -qx no-shims || fail ".host names with the host's interop off"
grep -q "host exec from distro deb refused" "$LXS_STATE_DIR/lxsd.log" || fail "lxsd did not log the refusal"
echo "PASS: $TEST_NAME"
