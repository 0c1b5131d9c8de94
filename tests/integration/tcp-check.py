#!/usr/bin/env python3
"""Host-side TCP probes for the localhost-forwarding tests (only ever 127.0.0.1).

  up PORT SECS        wait until an echo round trip works on PORT; print the seconds it took
  up6 PORT SECS       the same on [::1]
  down PORT SECS      wait until connecting to PORT is refused; print the seconds it took
  echo PORT N BYTES   N concurrent connections, each sends BYTES random bytes, half-closes and
                      must get exactly those bytes back; one more connection sends without ever
                      reading, and must not stall the others
  listen PORT TEXT    hold PORT on 127.0.0.1 and answer TEXT to each connection (until killed)
Exit status 0 on success, 1 with a message otherwise."""
import hashlib
import os
import socket
import sys
import threading
import time


HOST = "127.0.0.1"


def echo_once(port, payload, timeout=10):
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = bytearray()
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got += chunk
    return bytes(got)


def wait(port, secs, want_up):
    start = time.monotonic()
    while time.monotonic() - start < secs:
        try:
            ok = echo_once(port, b"ping", timeout=1) == b"ping"
        except ConnectionRefusedError:
            ok = False
            if not want_up:
                print(f"{time.monotonic() - start:.2f}")
                return 0
        except OSError:
            ok = False
        if want_up and ok:
            print(f"{time.monotonic() - start:.2f}")
            return 0
        time.sleep(0.05)
    print(f"port {port} still {'down' if want_up else 'up'} after {secs} s", file=sys.stderr)
    return 1


def echo_many(port, n, size):
    errors = []
    stall = socket.create_connection(("127.0.0.1", port), timeout=30)
    stall.setblocking(False)
    sent = 0
    try:  # fill every buffer on the way; never read
        while sent < (32 << 20):
            sent += stall.send(os.urandom(1 << 16))
    except BlockingIOError:
        pass

    def one(i):
        data = os.urandom(size)
        try:
            back = echo_once(port, data, timeout=60)
            if hashlib.sha256(back).digest() != hashlib.sha256(data).digest():
                errors.append(f"connection {i}: {len(back)} bytes back of {len(data)}, or different")
        except OSError as e:
            errors.append(f"connection {i}: {e}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stall.close()
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


def listen(port, text):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    print("listening", flush=True)
    while True:
        c, _ = s.accept()
        c.sendall(text.encode() + b"\n")
        c.close()


def main(argv):
    cmd, port = argv[1], int(argv[2])
    global HOST
    if cmd == "up":
        return wait(port, float(argv[3]), True)
    if cmd == "up6":
        HOST = "::1"
        return wait(port, float(argv[3]), True)
    if cmd == "down":
        return wait(port, float(argv[3]), False)
    if cmd == "echo":
        return echo_many(port, int(argv[3]), int(argv[4]))
    if cmd == "listen":
        return listen(port, argv[3])
    print(f"unknown command {cmd}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
