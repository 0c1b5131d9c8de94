#!/bin/bash
# share-io.sh [RUNS] [MIB]: host folders inside a distro (virtio-9p, /mnt/host/...) against
# native access to the same data on the host, measured in the same run:
#   - sequential read of a MIB MiB file (dd bs=1M; page-cached on the host, as a file being worked
#     on is) and sequential write of MIB MiB (dd bs=1M, no fsync on either side);
#     for context also the distro's own ext4 inside the VM;
#   - metadata on a 20,000-file tree (200 folders of 100 files): `find | wc -l` and a stat of
#     every file (`find -type f -exec stat -c %s {} +`), as operations per second;
#   - `git status` in a clone of this repository, when the host has git (its binary is copied
#     into the distro with the libraries it needs, which bookworm minbase lacks).
# Linux side timed inside the guest (bash's EPOCHREALTIME), host side the same way on the host.
# Prints each round, then medians and the ratio Linux/native. Defaults: 3 rounds, 1024 MiB.
set -euo pipefail
runs=${1:-3}
mib=${2:-1024}
. "$(dirname "$0")/distro-lib.sh"
distro_bench_setup_service
data=$root/shared
mkdir -p "$data/tree"
printf '[distro]\ninstanceIdleTimeout = 0\n[shares]\nhome = false\nfolders = %s\n' "$data" >"$LXS_CONFIG_DIR/lxs.conf"
tarball=${LXS_BENCH_TARBALL:-$(ls "$HOME"/.cache/lxs/rootfs/debian-*-minbase.tar.zst 2>/dev/null | head -1)}
[ -r "$tarball" ] || distro_bench_die "no Debian rootfs tarball: run lxs --install once, or set LXS_BENCH_TARBALL"
"$lxs" --import bench "$root/distro" "$tarball" >/dev/null || distro_bench_die "import failed"

head -c "$((mib << 20))" /dev/urandom >"$data/big"
python3 - "$data/tree" <<'PY'
import os, sys
for d in range(200):
    p = os.path.join(sys.argv[1], f"d{d:03}")
    os.makedirs(p, exist_ok=True)
    for f in range(100):
        with open(os.path.join(p, f"f{f:03}.txt"), "w") as fh:
            fh.write("x" * (f * 10))
PY
git=0
if command -v git >/dev/null; then
        git clone -q "$repo" "$data/repo" && git=1
        # git and the shared libraries it links that the distro may lack, under /opt/hostgit.
        mkdir -p "$data/hostgit/lib"
        cp "$(command -v git)" "$data/hostgit/git"
        ldd "$(command -v git)" | awk '/=> \//{print $3}' | xargs -I{} cp {} "$data/hostgit/lib/"
fi

# The same measuring script runs on the host and in the distro: TARGET is the shared folder's
# path on that side; prints "name value" lines (MB/s or operations/s).
cat >"$data/measure.sh" <<'SH'
#!/bin/bash
set -eu
dir=$1 mib=$2 what=$3
now() { echo "${EPOCHREALTIME/./}"; }   # microseconds
rate() { awk -v n="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", n / ((t1 - t0) / 1e6) }'; }
case $what in
read)
        cat "$dir/big" >/dev/null   # warm: the host side reads from its page cache
        t0=$(now); dd if="$dir/big" of=/dev/null bs=1M status=none; t1=$(now)
        echo "read_MBps $(rate $((mib * 1048576 / 1000000)) "$t0" "$t1")" ;;
write)
        t0=$(now); dd if=/dev/zero of="$dir/written" bs=1M count="$mib" status=none; t1=$(now)
        rm -f "$dir/written"
        echo "write_MBps $(rate "$mib" "$t0" "$t1" | awk -v m="$mib" '{printf "%.1f", $1 * 1.048576}')" ;;
meta)
        t0=$(now); n=$(find "$dir/tree" | wc -l); t1=$(now)
        echo "find_ops $(rate "$n" "$t0" "$t1")"
        t0=$(now); n=$(find "$dir/tree" -type f -exec stat -c %s {} + | wc -l); t1=$(now)
        echo "stat_ops $(rate "$n" "$t0" "$t1")" ;;
git)
        cd "$dir/repo"
        "$GIT" status --porcelain >/dev/null    # warm, and the index refreshed once
        t0=$(now); "$GIT" status --porcelain >/dev/null; t1=$(now)
        echo "git_status_ms $(( (t1 - t0) / 1000 ))" ;;
esac
SH
chmod +x "$data/measure.sh"
in_guest=/mnt/host$data
if ((git)); then
        "$lxs" -d bench -e sh -c "mkdir -p /opt/hostgit && cp -r '$in_guest/hostgit/.' /opt/hostgit/" ||
                distro_bench_die "cannot copy git into the distro"
fi
"$lxs" -d bench -e sh -c "dd if=/dev/urandom of=/var/tmp/big bs=1M count=$mib status=none"

samples=$root/samples
for ((i = 1; i <= runs; i++)); do
        for what in read write meta; do
                "$data/measure.sh" "$data" "$mib" $what | sed 's/^/native /' | tee -a "$samples"
                "$lxs" -d bench -e bash "$in_guest/measure.sh" "$in_guest" "$mib" $what | sed 's/^/linux /' | tee -a "$samples"
        done
        "$lxs" -d bench -e bash -c "cat /var/tmp/big >/dev/null; t0=\${EPOCHREALTIME/./}; dd if=/var/tmp/big of=/dev/null bs=1M status=none; t1=\${EPOCHREALTIME/./};
                awk -v n=$((mib * 1048576)) -v t0=\$t0 -v t1=\$t1 'BEGIN { printf \"distro-ext4 read_MBps %.1f\\n\", n / (t1 - t0) }'" | tee -a "$samples"
        if ((git)); then
                GIT=git "$data/measure.sh" "$data" "$mib" git | sed 's/^/native /' | tee -a "$samples"
                "$lxs" -d bench -e env GIT=/opt/hostgit/git LD_LIBRARY_PATH=/opt/hostgit/lib \
                        bash "$in_guest/measure.sh" "$in_guest" "$mib" git | sed 's/^/linux /' | tee -a "$samples" || true
        fi
done

python3 - "$samples" "$runs" "$mib" <<'PY'
import statistics, sys
med = {}
for line in open(sys.argv[1]):
    side, name, value = line.split()
    med.setdefault((side, name), []).append(float(value))
med = {k: statistics.median(v) for k, v in med.items()}
print(f"\nmedians of {sys.argv[2]} rounds ({sys.argv[3]} MiB files, 20,000-file tree):")
for name in ("read_MBps", "write_MBps", "find_ops", "stat_ops", "git_status_ms"):
    if ("native", name) not in med or ("linux", name) not in med:
        continue
    n, l = med[("native", name)], med[("linux", name)]
    ratio = n / l if name.endswith("_ms") else l / n
    print(f"  {name:14} native {n:10.1f}  /mnt/host {l:10.1f}  ratio {ratio:.3f}")
if ("distro-ext4", "read_MBps") in med:
    print(f"  {'read_MBps':14} distro's own ext4 in the VM: {med[('distro-ext4', 'read_MBps')]:.1f}")
PY
