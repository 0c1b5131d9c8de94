#!/bin/bash
# forward-io.sh [MIB] [ROUNDS]: localhost forwarding. One TCP connection carries MIB MiB (default 1024)
# each way between the host and a server in the Debian minbase distro, reached through the
# host's 127.0.0.1:PORT, against the same transfer between two host processes over the host's
# loopback, measured in the same run, and against the same bytes through a command's stdio (the
# control channel that carries forwarded connections, without TCP in the guest). Also connection
# set-up: connect + a 1-byte round trip, median of 200. Goal (issue): >= 300 MB/s under TCG.
# Servers: perl (in the distro) and python (on the host), both moving 1 MiB per system call.
# Each figure is the median of ROUNDS (default 3) rounds, which alternate all the measurements.
set -euo pipefail
mib=${1:-1024}
rounds=${2:-3}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup
"$lxs" -d bench -e true

# SINK: read and count; SOURCE: write MIB MiB; ECHO1: answer each byte. One connection each.
"$lxs" -d bench -e sh -c 'cat >/var/tmp/fwd.pl' <<'PERL'
use IO::Socket::INET;
my ($mode, $port, $mib, $addr) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => $addr // "0.0.0.0", LocalPort => $port, Listen => 8, ReuseAddr => 1) or die;
while (my $c = $s->accept) {
        if ($mode eq "sink") { my $b; 1 while sysread($c, $b, 1 << 20); }
        elsif ($mode eq "source") { my $b = "x" x (1 << 20); for (1 .. $mib) { my $o = 0; while ($o < length $b) { $o += syswrite($c, $b, length($b) - $o, $o) } } }
        else { my $b; while (sysread($c, $b, 1)) { syswrite($c, $b) } }
        close $c;
}
PERL
cat >"$root/client.py" <<'PY'
import socket, sys, time
mode, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def connect():
    for _ in range(100):
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            time.sleep(0.05)
    raise SystemExit("port %d never came up" % port)
if mode == "latency":
    times = []
    for _ in range(200):
        t = time.perf_counter(); c = connect(); c.sendall(b"x"); c.recv(1); times.append(time.perf_counter() - t); c.close()
    times.sort(); print("%.2f" % (times[len(times) // 2] * 1000)); sys.exit()
c = connect(); buf = b"x" * (1 << 20); t = time.perf_counter()
if mode == "send":
    for _ in range(mib): c.sendall(buf)
    c.shutdown(socket.SHUT_WR); c.recv(1)
else:
    n = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        n += len(b)
    assert n == mib << 20, n
print("%.0f" % (mib * 1048576 / (time.perf_counter() - t) / 1e6))
PY
cat >"$root/server.py" <<'PY'
import socket, sys
mode, port, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", port)); s.listen(8)
while True:
    c, _ = s.accept()
    if mode == "sink":
        while c.recv(1 << 20): pass
    elif mode == "source":
        b = b"x" * (1 << 20)
        for _ in range(mib): c.sendall(b)
    else:
        while True:
            x = c.recv(1)
            if not x: break
            c.sendall(x)
    c.close()
PY
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

measure() { # WHERE MODE CLIENT-MODE [ADDR]: prints the client's figure
        local where=$1 mode=$2 cmode=$3 port pid
        port=$(free_port)
        if [ "$where" = host ]; then
                python3 "$root/server.py" "$mode" "$port" "$mib" & pid=$!
        else
                "$lxs" -d bench -e sh -c "nohup perl /var/tmp/fwd.pl $mode $port $mib ${4:-} >/dev/null 2>&1 & echo \$! >/tmp/fwd.pid"
        fi
        python3 "$root/client.py" "$cmode" "$port" "$mib"
        if [ "$where" = host ]; then kill "$pid"; else "$lxs" -d bench -e sh -c 'kill $(cat /tmp/fwd.pid)'; fi
}
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

# The channel's own ceiling: the same bytes through a command's stdio, no TCP in the guest.
stdio() { # DIRECTION: prints MB/s
        local t0 t1
        t0=$(date +%s.%N)
        if [ "$1" = in ]; then
                head -c "${mib}M" /dev/zero | "$lxs" -d bench -e sh -c 'cat >/dev/null'
        else
                "$lxs" -d bench -e head -c "${mib}M" /dev/zero >/dev/null
        fi
        t1=$(date +%s.%N)
        python3 -c "print('%.0f' % ($mib * 1048576 / ($t1 - $t0) / 1e6))"
}
median() { python3 -c 'import statistics,sys; print("%g" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
declare -A samples
for ((round = 1; round <= rounds; round++)); do
        samples[host_in]+=" $(measure host sink send)"; samples[host_out]+=" $(measure host source recv)"
        samples[host_lat]+=" $(measure host echo latency)"
        samples[fwd_in]+=" $(measure distro sink send)"; samples[fwd_out]+=" $(measure distro source recv)"
        samples[fwd_lat]+=" $(measure distro echo latency)"
        samples[lo_in]+=" $(measure distro sink send 127.0.0.1)"; samples[lo_out]+=" $(measure distro source recv 127.0.0.1)"
        samples[stdio_in]+=" $(stdio in)"; samples[stdio_out]+=" $(stdio out)"
done
for k in "${!samples[@]}"; do
        echo "samples $k:${samples[$k]}"
        # shellcheck disable=SC2086
        printf -v "$k" '%s' "$(median ${samples[$k]})"
done
echo "forwarded connection, $mib MiB each way (MB/s; ratios to the host's own loopback and to a command's stdio)"
echo "  host -> distro (0.0.0.0 server):   $fwd_in  (host loopback $host_in, $(ratio "$fwd_in" "$host_in")x; stdio $stdio_in, $(ratio "$fwd_in" "$stdio_in")x)"
echo "  distro -> host (0.0.0.0 server):   $fwd_out  (host loopback $host_out, $(ratio "$fwd_out" "$host_out")x; stdio $stdio_out, $(ratio "$fwd_out" "$stdio_out")x)"
echo "  host -> distro (127.0.0.1 server): $lo_in"
echo "  distro -> host (127.0.0.1 server): $lo_out"
echo "connect + 1-byte round trip, median of 200: $fwd_lat ms (host loopback $host_lat ms)"
