#!/usr/bin/env bash
# The Mnigs demo: builds a mesh of network namespaces (subscriber — relay — gateway — internet) with
# real babeld on the mesh links, starts an Mnigs daemon on each mesh node, and lets the subscriber
# find the gateway, connect over WireGuard and reach the internet host through it. Removes
# everything it made at the end. Usage: sudo scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prereqs.sh
mnigs_prereqs

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
prefix="demo$((RANDOM % 10000))"
state=/run/mnigs-lab/$prefix
bin=out/mnigs
pids=()

cleanup() {
    say "Cleaning up: stopping daemons, removing namespaces"
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    bash lab/mesh.sh down "$prefix" >/dev/null 2>&1 || true
    echo "Namespaces left with prefix $prefix: $(ip netns list | grep -c "^$prefix-" || true)"
}
trap cleanup EXIT

say "Building Mnigs"
scripts/publish.sh "$bin"

say "Building the mesh: $prefix-sub — $prefix-relay — $prefix-gw — $prefix-inet (babeld on the mesh links)"
bash lab/mesh.sh up "$prefix"
echo "Waiting for babel to converge..."
secs=$(bash lab/mesh.sh wait "$prefix" 60)
echo "Babel converged in ${secs} s: sub reaches the gateway's mesh address 10.77.0.3"
bash lab/mesh.sh serve "$prefix" >/dev/null
echo "The internet host 203.0.113.10 serves an 8 MiB file over HTTP"

node() { # node ROLE EXTRA-CONFIG
    mkdir -p "$state/mnigs-$1"
    printf '[main]\nname = %s\n[daemon]\nstateDir = %s\n[subscriber]\nresolvConf = %s\n%b' \
        "$1" "$state/mnigs-$1" "$state/mnigs-$1/resolv.conf" "$2" > "$state/mnigs-$1/mnigs.conf"
    echo "nameserver 192.0.2.53" > "$state/mnigs-$1/resolv.conf"
    ip netns exec "$prefix-$1" "$bin/mnigsd" -f "$state/mnigs-$1/mnigs.conf" > "$state/mnigs-$1/daemon.log" 2>&1 &
    pids+=($!)
}
cli() { local role=$1; shift; ip netns exec "$prefix-$role" "$bin/mnigs-cli" -f "$state/mnigs-$role/mnigs.conf" "$@"; }

say "Starting mnigsd on gw (gateway, uplink to the internet), relay and sub"
node gw '[gateway]\nenabled = yes\ndns = 198.51.100.2\n'
node relay ''
node sub ''
for role in gw relay sub; do
    for _ in $(seq 50); do cli "$role" status >/dev/null 2>&1 && break; sleep 0.2; done
done
cli gw status

say "sub: scanning the mesh (mnigs-cli -s)"
cli sub -s
say "sub: known gateways (mnigs-cli -l)"
cli sub -l

say "sub: without a gateway the internet is unreachable"
ip netns exec "$prefix-sub" ping -c 1 -W 1 203.0.113.10 || true

say "sub: connecting through gw (mnigs-cli -c 10.77.0.3)"
start=$(date +%s.%N)
cli sub -c 10.77.0.3
ip netns exec "$prefix-sub" ping -c 1 -W 2 203.0.113.10 >/dev/null
echo "First reply from 203.0.113.10 through the tunnel $(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')") s after mnigs-cli -c was started (including the CLI's own start-up)"

say "sub: ping and a 1400-byte ping to 203.0.113.10 through the tunnel"
ip netns exec "$prefix-sub" ping -c 3 -i 0.2 203.0.113.10
ip netns exec "$prefix-sub" ping -c 2 -i 0.2 -s 1400 203.0.113.10
say "sub: IPv6 through the tunnel too (2001:db8:203::10 on the internet host)"
ip netns exec "$prefix-sub" ping -6 -c 2 -i 0.2 2001:db8:203::10

say "sub: HTTP download of 8 MiB from 203.0.113.10 through the tunnel"
ip netns exec "$prefix-sub" curl -sS -o /dev/null -w 'HTTP %{http_code}, %{size_download} bytes at %{speed_download} bytes/s\n' http://203.0.113.10/big.bin

say "gw: its subscribers (mnigs-cli sessions)"
cli gw sessions
say "sub: status"
cli sub status

say "sub: disconnecting (mnigs-cli -d)"
cli sub -d
for role in sub gw; do
    left=$(ip netns exec "$prefix-$role" ip -o link show | grep -cE ': mn[0-9a-f]{4}[gs][0-9]' || true)
    rules=$(ip netns exec "$prefix-$role" ip rule show | grep -cE '^530[01]:' || true)
    nft=$(ip netns exec "$prefix-$role" nft list table inet mnigs >/dev/null 2>&1 && echo yes || echo no)
    echo "$role after disconnect: Mnigs interfaces $left, policy rules $rules, nftables table: $nft"
done
ip netns exec "$prefix-sub" ping -c 1 -W 1 203.0.113.10 >/dev/null 2>&1 && echo "still reachable?!" || echo "sub no longer reaches the internet: everything was removed"
say "Demo complete"
