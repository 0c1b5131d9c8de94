#!/bin/bash
# import-export.sh [RUNS]: distro import/export speed against the tools a user would otherwise
# chain, measured in the same run on a real Debian bookworm minbase root file system.
#
#   import:  lxs-image-tool import  vs  tar -x into a directory + mkfs.ext4 -d of it
#   export:  lxs-image-tool export  vs  tar -c of the extracted directory | same compressor
#
# for tar, tar.zst and tar.gz (BENCH_FORMATS to change). Prints MB/s (MB = 10^6 bytes of
# uncompressed tar), entries/s and the time ratio ours/theirs (goal < 1.0); medians of RUNS
# (default 3). Both sides run with warm caches; both images are 256 GiB sparse with the same
# mke2fs options and are synced (mke2fs and lxs both fsync). Also checks that the export lists
# the same as the original (tar --numeric-owner -tvf, sorted).
#
# The rootfs tarball is built once with mmdebstrap (--mode=root as root, else unshare) from the
# mirror apt uses, and cached in ~/.cache/lxs/bench/. The baseline extracts device nodes and
# owners, so it needs root. Scratch space (~0.2 GB per run and format, kept to the end) in
# BENCH_TMP (default /var/tmp).
set -euo pipefail
runs=${1:-3}
formats=${BENCH_FORMATS:-"tar tar.zst tar.gz"}
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${LXS_BUILD_DIR:-$repo/build}
tool=$build/distro-tools/lxs-image-tool
[ -x "$tool" ] || { echo "$0: $tool missing: build first (cmake --build $build --target lxs-image-tool)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0: the baseline (tar -x of device nodes, mkfs.ext4 -d) needs root" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"
for t in mmdebstrap mke2fs zstd gzip python3; do
        command -v $t >/dev/null || { echo "$0: $t not installed" >&2; exit 1; }
done

cache=${XDG_CACHE_HOME:-$HOME/.cache}/lxs/bench
rootfs=$cache/debian-bookworm-minbase.tar

mirror() {
        # The first Debian mirror apt is configured with (deb822 .sources or one-line lists).
        local m
        m=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
        [ -n "$m" ] || m=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' \
                /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
        echo "${m:-http://deb.debian.org/debian}"
}

if [ ! -s "$rootfs" ]; then
        mkdir -p "$cache"
        echo "building $rootfs with mmdebstrap (once)..." >&2
        mmdebstrap --quiet --variant=minbase --mode=root --format=tar bookworm "$rootfs.tmp" "$(mirror)"
        mv "$rootfs.tmp" "$rootfs"
fi

work=$(mktemp -d "${BENCH_TMP:-/var/tmp}/lxs-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar_bytes=$(stat -c %s "$rootfs")
entries=$(tar -tf "$rootfs" | wc -l)
mke2fs_opts=(-q -F -t ext4 -b 4096 -I 256 -i 16384 -J size=64
             -O none,has_journal,ext_attr,resize_inode,dir_index,filetype,extent,64bit,flex_bg,sparse_super,large_file,huge_file,dir_nlink,extra_isize,metadata_csum
             -E lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0)

compress_cmd() {
        case $1 in
        tar) echo cat ;;
        tar.zst) echo "zstd -q -c" ;;
        tar.gz) echo "gzip -c" ;;
        tar.xz) echo "xz -c" ;;
        esac
}

now() { echo "$EPOCHREALTIME"; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "rootfs: $rootfs: $(python3 -c "print(f'{$tar_bytes / 1e6:.1f}')") MB tar, $entries entries; $runs runs, medians"
printf '%-8s %-7s %9s %9s %10s %9s %10s %7s\n' format op "lxs s" "MB/s" "entries/s" "base s" "base MB/s" ratio

for fmt in $formats; do
        input=$work/rootfs.$fmt
        $(compress_cmd "$fmt") < "$rootfs" > "$input"
        ours_imp=() base_imp=() ours_exp=() base_exp=() base_tar=() base_mkfs=()
        for ((i = 0; i < runs; i++)); do
                rm -f "$work/img" "$work/base.img" "$work/out.$fmt" "$work/base-out.$fmt"
                sync
                t0=$(now); "$tool" import "$work/img" "$input"; t1=$(now)
                ours_imp+=("$(elapsed "$t0" "$t1")")

                # A new directory per run, removed only at the end: ext4 skips inodes freed in
                # the last 30 s when allocating, which makes tar -x into a just-emptied tree
                # several times slower and would flatter lxs.
                ex=$work/ex.$fmt.$i
                mkdir "$ex"
                sync
                t0=$(now)
                tar --numeric-owner -xpf "$input" -C "$ex"
                tm=$(now)
                truncate -s 256G "$work/base.img"
                mke2fs "${mke2fs_opts[@]}" -d "$ex" "$work/base.img"
                t1=$(now)
                base_imp+=("$(elapsed "$t0" "$t1")")
                base_tar+=("$(elapsed "$t0" "$tm")")
                base_mkfs+=("$(elapsed "$tm" "$t1")")

                sync
                t0=$(now); "$tool" export --format "$fmt" "$work/img" "$work/out.$fmt"; t1=$(now)
                ours_exp+=("$(elapsed "$t0" "$t1")")

                sync
                t0=$(now)
                tar --numeric-owner -C "$ex" -cf - . | $(compress_cmd "$fmt") > "$work/base-out.$fmt"
                sync "$work/base-out.$fmt"      # lxs-image-tool fsyncs its output too
                t1=$(now)
                base_exp+=("$(elapsed "$t0" "$t1")")
        done
        for op in import export; do
                if [ $op = import ]; then o=$(median "${ours_imp[@]}"); b=$(median "${base_imp[@]}");
                        parts="tar -x $(median "${base_tar[@]}") s + mkfs.ext4 -d $(median "${base_mkfs[@]}") s"
                else o=$(median "${ours_exp[@]}"); b=$(median "${base_exp[@]}"); parts=""; fi
                python3 -c "
o, b, n, e = $o, $b, $tar_bytes, $entries
print(f'%-8s %-7s %9.3f %9.1f %10.0f %9.3f %10.1f %7.2f  %s' % ('$fmt', '$op', o, n / 1e6 / o, e / o, b, n / 1e6 / b, o / b, '$parts'))"
        done
        if ! diff <(tar --numeric-owner -tvf "$rootfs" | LC_ALL=C sort) \
                  <(tar --numeric-owner -tvf "$work/out.$fmt" 2>/dev/null | LC_ALL=C sort) >/dev/null; then
                echo "$fmt: export listing DIFFERS from the original" >&2
                exit 1
        fi
done
echo "export listings equal the original (tar --numeric-owner -tvf, sorted)"
e2fsck -fn "$work/img" >/dev/null 2>&1 && echo "e2fsck -fn: clean" || { echo "e2fsck -fn: FAILED" >&2; exit 1; }
