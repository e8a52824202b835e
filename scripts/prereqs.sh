#!/usr/bin/env bash
# Installs what the demo, the tests and the benchmarks need on a fresh Debian machine (as root).
# Sourced by demo.sh, test.sh and bench scripts; quick when everything is already there.
set -euo pipefail

mnigs_prereqs() {
    [[ $EUID -eq 0 ]] || { echo "Run this as root: it builds network namespaces" >&2; exit 1; }
    local need=()
    local cmd pkg
    while read -r cmd pkg; do
        command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
    done <<'LIST'
ip iproute2
babeld babeld
wireguard-go wireguard-go
wg wireguard-tools
nft nftables
ping iputils-ping
curl curl
python3 python3
iperf3 iperf3
wrk wrk
sqlite3 sqlite3
systemd-analyze systemd
man man-db
yggdrasil yggdrasil
batctl batctl
chromium chromium
openvpn openvpn
danted dante-server
redsocks redsocks
vpncmd softether-vpncmd
vpnserver softether-vpnserver
vpnclient softether-vpnclient
LIST
    if ((${#need[@]})); then
        echo "==> Installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    fi
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "The .NET 10 SDK (dotnet) is not installed; install it first (https://dot.net)" >&2
        exit 1
    fi
}
