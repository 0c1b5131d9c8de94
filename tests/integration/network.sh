#!/usr/bin/env bash
# The utility VM's network as a distro sees it: loopback up, a NAT interface, resolv.conf
# pointing at QEMU's DNS forwarder, names resolving through the host's resolver, the host's own
# loopback services reachable as host.lxs.internal, and the package mirror reachable:
# `apt-get update && apt-get install` works. Listeners in a distro appear on the host's
# 127.0.0.1 and go again ([vm] localhostForwarding). [vm] hostAlias renames or drops the host's name;
# [vm] networkingMode = none leaves the VM without a NIC. The only address outside this machine
# contacted is the apt mirror the host itself uses.
. "$(dirname "$0")/lib.sh"

mirror_host=$({ sed -n 's|^URIs: *https\?://\([^/ ]*\).*|\1|p; s|^deb \[*[^]]*\]* *https\?://\([^/ ]*\).*|\1|p' \
        /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } | head -1)
[ -n "$mirror_host" ] || skip "the host has no http(s) apt mirror configured"
getent hosts "$mirror_host" >/dev/null || skip "the host cannot resolve its apt mirror $mirror_host"

import_debian deb

# -- interfaces, resolver and hosts as generated
expect_eq "$(lxs -d deb -e cat /sys/class/net/lo/flags)" "0x9" "lo is up"
expect_eq "$(lxs -d deb -e sh -c 'ls /sys/class/net | grep -vx lo | wc -l')" "1" "one NAT interface"
lxs -d deb -e grep -qx "nameserver 10.0.2.3" /etc/resolv.conf || fail "resolv.conf does not use the NAT's DNS"
expect_eq "$(lxs -d deb -e getent hosts host.lxs.internal | awk '{print $1}')" "10.0.2.2" "host.lxs.internal"

# -- DNS and the host's loopback services
lxs -d deb -e getent hosts "$mirror_host" >/dev/null || fail "DNS: $mirror_host does not resolve in the distro"
port_file="$TEST_ROOT/port"
python3 - "$port_file" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(60)
c, _ = s.accept()
c.sendall(b"hello from the host\n")
c.close()
PY
server=$!
wait_for 10 test -s "$port_file" || fail "the host test server did not start"
port=$(cat "$port_file")
got=$(lxs -d deb -e timeout 20 bash -c "exec 3<>/dev/tcp/host.lxs.internal/$port && cat <&3")
expect_eq "$got" "hello from the host" "a service on the host's 127.0.0.1 through host.lxs.internal"
wait "$server" || fail "the host test server saw no connection"

# -- the package mirror: update and install a small package
lxs -d deb -u root -e sh -c 'apt-get update -q >/tmp/apt.log 2>&1 || { tail -5 /tmp/apt.log; exit 1; }' ||
        fail "apt-get update in the distro"
lxs -d deb -u root -e sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q hello >/tmp/apt.log 2>&1 ||
        { tail -5 /tmp/apt.log; exit 1; }' || fail "apt-get install in the distro"
expect_eq "$(lxs -d deb -e hello)" "Hello, world!" "the installed program"

# -- localhost forwarding: a listener in the distro is on the host's 127.0.0.1 within 2 s and
# gone within 2 s after it closes; many connections with checksums, half-close, a connection
# that never reads stalls nobody; a port the host already uses is skipped with a log line.
tcp_check() { python3 "$(dirname "$0")/tcp-check.py" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
lxs -d deb -e sh -c 'cat >/var/tmp/echo.pl' <<'PERL'
use IO::Socket::IP;
my $s = IO::Socket::IP->new(LocalHost => $ARGV[1] // "0.0.0.0", LocalPort => $ARGV[0], Listen => 64, ReuseAddr => 1)
        or die "listen: $!";
open(my $f, ">", "/tmp/echo-$ARGV[0].pid") or die; print $f "$$\n"; close $f;
$SIG{CHLD} = "IGNORE";
while (my $c = $s->accept) {
        if (fork == 0) { my $b; while (sysread($c, $b, 65536)) { syswrite($c, $b) or last } shutdown($c, 1); exit 0 }
        close $c;
}
PERL
start_echo() { # PORT [ADDRESS]: starts the echo server in the distro and waits until it listens there
        lxs -d deb -e sh -c "rm -f /tmp/echo-$1.pid; nohup perl /var/tmp/echo.pl $1 ${2:-} >/tmp/echo-$1.log 2>&1 &"
        local hex
        hex=$(printf '%04X' "$1")
        listening() { lxs -d deb -e grep -qE ":$hex 0+:0000 0A" /proc/net/tcp /proc/net/tcp6; }
        wait_for 20 listening || fail "the echo server did not listen on $1 in the distro"
}
stop_echo() { lxs -d deb -e sh -c "kill \$(cat /tmp/echo-$1.pid)"; }

port=$(free_port)
start_echo "$port"
secs=$(tcp_check up "$port" 2) || fail "a distro listener on $port was not on the host's 127.0.0.1 within 2 s"
echo "forward of $port up after $secs s"
tcp_check echo "$port" 8 $((4 << 20)) || fail "concurrent forwarded connections lost or mixed data"
# Loopback only: the host's other addresses must not answer on the forwarded port.
for address in $(hostname -I 2>/dev/null); do
        case $address in 127.* | ::1) continue ;; esac
        python3 -c 'import socket,sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except (ConnectionRefusedError, OSError):
    sys.exit(0)
sys.exit(1)' "$address" "$port" || fail "forwarded port $port answers on the host's public address $address"
        checked_public=1
done
[ -n "${checked_public:-}" ] || echo "the host has no address besides loopback: loopback-only binding not checked"
if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
        tcp_check up6 "$port" 2 >/dev/null || fail "a distro listener on $port was not on the host's [::1] within 2 s"
else
        echo "the host has no [::1]: its side of forwarding not checked"
fi
stop_echo "$port"
secs=$(tcp_check down "$port" 2) || fail "port $port still forwarded 2 s after its listener closed"
echo "forward of $port gone after $secs s"

# Servers on the distro's loopback only: 127.0.0.1, and ::1 (reached when 127.0.0.1 refuses).
for address in 127.0.0.1 ::1; do
        port=$(free_port)
        start_echo "$port" "$address"
        secs=$(tcp_check up "$port" 2) || fail "a listener on $address:$port was not on the host's 127.0.0.1 within 2 s"
        echo "forward of $address:$port up after $secs s"
        tcp_check echo "$port" 4 $((2 << 20)) || fail "connections to $address:$port lost or mixed data"
        stop_echo "$port"
        tcp_check down "$port" 2 >/dev/null || fail "port $port ($address) still forwarded 2 s after its listener closed"
done

taken=$(free_port)
# Not through the function: $! must be python itself, or the kill below would leave it holding
# the test's output open.
python3 "$(dirname "$0")/tcp-check.py" listen "$taken" "the host's own" >"$TEST_ROOT/listen.out" &
host_server=$!
wait_for 10 grep -q listening "$TEST_ROOT/listen.out" || fail "the host's server on $taken did not start"
start_echo "$taken"
wait_for 5 grep -q "port $taken: skipped" "$LXS_STATE_DIR/lxsd.log" || fail "no log line for the taken port $taken"
expect_eq "$(python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); print(s.recv(99).decode().strip())' "$taken")" \
        "the host's own" "the host's server on a port a distro also listens on"
kill "$host_server"
stop_echo "$taken"

# -- [vm] localhostForwarding = false
lxs --shutdown || fail "shutdown"
printf '[vm]\nlocalhostForwarding = false\n' >"$LXS_CONFIG_DIR/lxs.conf"
port=$(free_port)
start_echo "$port"
sleep 2
tcp_check down "$port" 1 >/dev/null || fail "forwarded with localhostForwarding = false"

# -- [vm] hostAlias renames the host; [vm] networkingMode = none removes the NIC
lxs --shutdown || fail "shutdown"
printf '[vm]\nhostAlias = gateway.example\n' >"$LXS_CONFIG_DIR/lxs.conf"
expect_eq "$(lxs -d deb -e getent hosts gateway.example | awk '{print $1}')" "10.0.2.2" "[vm] hostAlias"
lxs -d deb -e getent hosts host.lxs.internal >/dev/null && fail "the default host name is still there after hostAlias"
lxs --shutdown || fail "shutdown"
printf '[vm]\nnetworkingMode = none\n' >"$LXS_CONFIG_DIR/lxs.conf"
expect_eq "$(lxs -d deb -e ls /sys/class/net)" "lo" "interfaces with networkingMode = none"
lxs -d deb -e grep -q "host.lxs.internal" /etc/hosts && fail "a host name without a network"
expect_eq "$(lxs -d deb -e cat /sys/class/net/lo/flags)" "0x9" "lo without a network"
printf '[vm]\nnetworkingMode = bridged\n' >"$LXS_CONFIG_DIR/lxs.conf"
lxs --shutdown || fail "shutdown"
one_line_error "networkingMode: invalid networking mode 'bridged'" lxs -d deb -e true
echo "PASS: $TEST_NAME"
