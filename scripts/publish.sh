#!/usr/bin/env bash
# Publishes Mnigs into a folder (default: out/mnigs) with its three names: mnigs, mnigsd, mnigs-cli.
#   scripts/publish.sh [DIR]           framework-dependent build (needs the .NET runtime)
#   AOT=1 scripts/publish.sh [DIR]     one NativeAOT binary (needs clang/zlib1g-dev)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-out/mnigs}
args=(-c Release -o "$dir" -nologo -v quiet)
if [[ ${AOT:-0} == 1 ]]; then
    args+=(-r linux-x64 -p:PublishAot=true)
fi
dotnet publish src/Mnigs "${args[@]}"
ln -sf mnigs "$dir/mnigsd"
ln -sf mnigs "$dir/mnigs-cli"
echo "$dir: mnigsd, mnigs-cli ($(du -sh "$dir/mnigs" | cut -f1) binary)"
