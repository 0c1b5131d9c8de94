#!/usr/bin/env bash
# Two CLIs at once from a cold start share one lxsd and one VM; several commands at once do not
# mix their output; a command whose reader stopped holds up no other.
. "$(dirname "$0")/lib.sh"

lxs --system -e echo one >"$TEST_ROOT/a" 2>&1 &
a=$!
lxs --system -e echo two >"$TEST_ROOT/b" 2>&1 &
b=$!
wait $a || fail "first CLI failed: $(cat "$TEST_ROOT/a")"
wait $b || fail "second CLI failed: $(cat "$TEST_ROOT/b")"
expect_eq "$(cat "$TEST_ROOT/a")" "one" "first CLI output"
expect_eq "$(cat "$TEST_ROOT/b")" "two" "second CLI output"
[ "$(our_qemus | wc -l)" = 1 ] || fail "expected one QEMU, found: $(our_qemus)"
[ "$(pgrep -x lxsd | while read -r p; do tr '\0' '\n' <"/proc/$p/environ" | grep -x "LXS_RUNTIME_DIR=$LXS_RUNTIME_DIR"; done | wc -l)" = 1 ] ||
        fail "expected exactly one lxsd"

pids=()
for i in 1 2 3 4 5 6 7 8; do
        lxs --system -e sh -c "i=0; while [ \$i -lt 2000 ]; do echo $i-\$i; i=\$((i+1)); done" >"$TEST_ROOT/out$i" &
        pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent command failed"; done
for i in 1 2 3 4 5 6 7 8; do
        expect_eq "$(wc -l <"$TEST_ROOT/out$i")" 2000 "lines of command $i"
        [ -z "$(grep -v "^$i-" "$TEST_ROOT/out$i" | head -1)" ] || fail "command $i got another's output"
done
# A reader that stops stalls only its own command: `yes` writes into a host pipe nobody reads,
# while bulk transfers both ways still complete and lxsd holds no more than the credit window.
rss() { awk '/^VmRSS/ {print $2}' "/proc/$(lxsd_pid)/status"; }
(lxs --system -e yes & echo $! >"$TEST_ROOT/stuck.pid"; wait) | sleep 60 &
stuck_sleep=$!
sleep 1
rss_before=$(rss)
sleep 2
# Growth, not size: sanitizer builds carry a large, varying base.
rss_growth=$(($(rss) - rss_before))
[ "$rss_growth" -lt 16384 ] || fail "lxsd grew by $rss_growth kB behind a stalled reader"
expect_eq "$(timeout 60 lxs --system -e dd if=/dev/zero bs=1M count=32 2>/dev/null | wc -c)" 33554432 \
        "bytes out of the guest next to a stalled session"
expect_eq "$(head -c 33554432 /dev/zero | timeout 60 lxs --system -e wc -c | tr -d ' ')" 33554432 \
        "bytes into the guest next to a stalled session"
kill "$(cat "$TEST_ROOT/stuck.pid")" "$stuck_sleep" 2>/dev/null || true
wait "$stuck_sleep" 2>/dev/null || true
echo "PASS: $TEST_NAME"
