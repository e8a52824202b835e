#!/usr/bin/env bash
# Publishes Mnigs into a folder (default: out/mnigs) with its three names: mnigs, mnigsd, mnigs-cli.
#   scripts/publish.sh [DIR]                       framework-dependent build (needs the .NET runtime)
#   AOT=1 scripts/publish.sh [DIR]                 one NativeAOT binary (needs clang/zlib1g-dev)
#   AOT=1 RID=linux-arm64 scripts/publish.sh [DIR] the same for 64-bit ARM, cross-compiled (Debian's
#                                                  cross toolchain: scripts/release.sh installs it)
#   SELF_CONTAINED=1 RID=linux-musl-x64 scripts/publish.sh [DIR]
#                                                  the .NET runtime included, trimmed, one file (OpenWrt)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-out/mnigs}
args=(-c Release -o "$dir" -nologo -v quiet)
if [[ ${AOT:-0} == 1 ]]; then
    args+=(-r "${RID:-linux-x64}" -p:PublishAot=true)
elif [[ ${SELF_CONTAINED:-0} == 1 ]]; then
    args+=(-r "${RID:?SELF_CONTAINED=1 needs RID, such as linux-musl-x64}" --self-contained -p:PublishTrimmed=true -p:PublishSingleFile=true)
fi
dotnet publish src/Mnigs "${args[@]}"
ln -sf mnigs "$dir/mnigsd"
ln -sf mnigs "$dir/mnigs-cli"
echo "$dir: mnigsd, mnigs-cli ($(du -sh "$dir/mnigs" | cut -f1) binary)"
