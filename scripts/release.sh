#!/usr/bin/env bash
# Makes every release build of Mnigs into out/release/ (as root on Debian 12, like the other scripts):
#   linux-x64, linux-arm64   NativeAOT single binaries (arm64 cross-compiled with Debian's cross toolchain),
#                            each also as a Debian package: mnigs_VERSION_amd64.deb, mnigs_VERSION_arm64.deb
#   linux-musl-x64, linux-musl-arm64
#                            self-contained, trimmed single-file builds for OpenWrt's x86_64 and aarch64
#                            targets: mnigs-VERSION-RID.tar.gz, what packaging/openwrt/mnigs/Makefile packages
# and prints their sizes (docs/BENCHMARKS.md, "Release builds"). Installs the toolchains it needs with apt-get.
#   scripts/release.sh [RID...]     only these (default: all four)
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/release
rids=("$@")
((${#rids[@]})) || rids=(linux-x64 linux-arm64 linux-musl-x64 linux-musl-arm64)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)

need=()
command -v clang >/dev/null || need+=(clang)
command -v objcopy >/dev/null || need+=(binutils)
[[ -e /usr/include/zlib.h ]] || need+=(zlib1g-dev)
if [[ " ${rids[*]} " == *" linux-arm64 "* && $(uname -m) != aarch64 ]]; then
    # NativeAOT links with clang --target=aarch64-linux-gnu against the arm64 C library and zlib
    # (learn.microsoft.com/dotnet/core/deploying/native-aot/cross-compile).
    dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64 && apt-get update -q >/dev/null; }
    command -v aarch64-linux-gnu-objcopy >/dev/null || need+=(binutils-aarch64-linux-gnu)
    command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
    [[ -e /usr/aarch64-linux-gnu/lib/libc.so ]] || need+=(libc6-dev-arm64-cross)
    [[ -e /usr/include/aarch64-linux-gnu/zlib.h || -e /usr/lib/aarch64-linux-gnu/libz.a ]] || need+=(zlib1g-dev:arm64)
    command -v ld.lld >/dev/null || need+=(lld)
fi
if ((${#need[@]})); then
    echo "==> Installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$out"
sizes=() failed=()
for rid in "${rids[@]}"; do
    dir=$out/$rid
    rm -rf "$dir"
    echo "==> $rid"
    # One failed build (a runtime pack the NuGet source lacks, say) is reported, and the others still made.
    case $rid in
        linux-x64 | linux-arm64) build=(env AOT=1 RID=$rid) ;;
        linux-musl-x64 | linux-musl-arm64) build=(env SELF_CONTAINED=1 RID=$rid) ;;
        *) echo "Unknown RID $rid (linux-x64, linux-arm64, linux-musl-x64, linux-musl-arm64)" >&2; exit 2 ;;
    esac
    if ! "${build[@]}" nice -n 10 scripts/publish.sh "$dir" >"$out/$rid.log" 2>&1; then
        grep -E 'error|Error' "$out/$rid.log" | sort -u | head -n 5 >&2 || tail -n 5 "$out/$rid.log" >&2
        failed+=("$rid (log: $out/$rid.log)")
        continue
    fi
    case $rid in
        linux-x64 | linux-arm64)
            deb=$(packaging/debian/build-deb.sh "$dir" "$([[ $rid == linux-x64 ]] && echo amd64 || echo arm64)" "$out")
            sizes+=("$rid NativeAOT: binary $(du -b "$dir/mnigs" | cut -f1) bytes, with libraries $(du -cb "$dir/mnigs" "$dir"/*.so | tail -n 1 | cut -f1) bytes; $(basename "$deb") $(du -b "$deb" | cut -f1) bytes")
            ;;
        linux-musl-x64 | linux-musl-arm64)
            # The archive's top folder is what the OpenWrt SDK unpacks into (PKG_BUILD_DIR).
            stage=$(mktemp -d)
            mkdir "$stage/mnigs-$version"
            cp "$dir/mnigs" "$dir"/*.so "$stage/mnigs-$version/"
            tarball=$out/mnigs-$version-$rid.tar.gz
            tar -C "$stage" --owner=0 --group=0 -czf "$tarball" "mnigs-$version"
            rm -rf "$stage"
            sizes+=("$rid self-contained: binary $(du -b "$dir/mnigs" | cut -f1) bytes, with libraries $(du -cb "$dir/mnigs" "$dir"/*.so | tail -n 1 | cut -f1) bytes; $(basename "$tarball") $(du -b "$tarball" | cut -f1) bytes, sha256 $(sha256sum "$tarball" | cut -d' ' -f1)")
            ;;
    esac
done
echo "==> Release builds of Mnigs $version in $out"
((${#sizes[@]} == 0)) || printf '  %s\n' "${sizes[@]}"
if ((${#failed[@]})); then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
