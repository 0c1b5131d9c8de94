#!/usr/bin/env python3
"""guest-profile.py QMP_SOCKET SECONDS KALLSYMS [NM_OUTPUT...]: a sampling profile of the guest.

perf cannot see into a TCG guest (its code runs as QEMU's JIT output), so this asks QEMU for
every vCPU's registers over QMP (`info registers -a`, about 200 times a second) and names each
RIP from the guest's /proc/kallsyms and the `nm` output of static guest programs (e.g.
build/bin/lxs-init; prefixed U:). Halted vCPUs count as "(halted)". Prints the top 40.

  lxs --system -e cat /proc/kallsyms >kallsyms; nm build/bin/lxs-init >init.nm
  (the workload) & bench/guest-profile.py $LXS_RUNTIME_DIR/qmp.sock 5 kallsyms init.nm

Sampling stops the vCPUs briefly, so figures taken while it runs are not throughput figures.
"""
import bisect
import collections
import json
import re
import socket
import sys
import time

KERNEL_BASE = 0xFFFF000000000000


def load_symbols(kallsyms, nm_files):
    syms = []
    for line in open(kallsyms):
        parts = line.split()
        if len(parts) >= 3 and parts[1].lower() in "tw":
            syms.append((int(parts[0], 16), parts[2]))
    for path in nm_files:
        for line in open(path):
            parts = line.split()
            if len(parts) >= 3 and parts[1].lower() in "tw":
                syms.append((int(parts[0], 16), "U:" + parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sock_path, seconds, kallsyms = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    addrs, names = load_symbols(kallsyms, sys.argv[4:])
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(sock_path)
    f = sock.makefile("rw")

    def command(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args} if args else {"execute": name}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                return reply

    f.readline()  # greeting
    command("qmp_capabilities")
    counts = collections.Counter()
    total = 0
    end = time.time() + seconds
    while time.time() < end:
        out = command("human-monitor-command", **{"command-line": "info registers -a"}).get("return", "")
        for cpu in out.split("CPU#")[1:]:
            m = re.search(r"RIP=([0-9a-f]+)", cpu)
            if not m:
                continue
            rip = int(m.group(1), 16)
            if "HLT=1" in cpu:
                name = "(halted)"
            else:
                i = bisect.bisect_right(addrs, rip) - 1
                kernel = rip >= KERNEL_BASE
                if i >= 0 and (kernel or names[i].startswith("U:")):
                    name = names[i]
                else:
                    name = ("kernel@%x" if kernel else "user@%x") % rip
            counts[name] += 1
            total += 1
        time.sleep(0.002)
    for name, n in counts.most_common(40):
        print(f"{n * 100.0 / total:5.1f}% {name}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
