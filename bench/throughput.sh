#!/usr/bin/env bash
# Throughput: TCP from sub to the internet host 203.0.113.10 (iperf3 server in inet) in the lab
# mesh (lab/mesh.sh: sub — relay — gw — inet, babeld), through
#   mnigs: the tunnel Mnigs makes after `mnigs-cli -c 10.77.0.3` (wireguard-go, MTU 1420, NAT on gw);
#   wg:    after `mnigs-cli -d`, a WireGuard tunnel made by hand with the same tools: wireguard-go
#          and wg on sub and gw, MTU 1420, the same path sub -> gw over babel (endpoint 10.77.0.3),
#          NAT on gw's uplink with an nftables masquerade rule.
# `iperf3 -c 203.0.113.10 -t 10` for each, REPS times alternating (default 3); prints every run,
# the medians (receiver's Mbit/s) and the ratio. Removes everything at the end.
# Usage: sudo bench/throughput.sh [REPS]   (MNIGS_BIN=DIR uses an already published Mnigs;
#        otherwise it is published with NativeAOT into /tmp/mnigs-aot)
source "$(dirname "$0")/lib.sh"
bench_prereqs

reps=${1:-3}
bin=${MNIGS_BIN:-/tmp/mnigs-aot}
prefix=$(bench_prefix tp)
p=$prefix
sub=$p-sub gw=$p-gw inet=$p-inet
work=/run/mnigs-lab/$p/bench
mnigs_runs=$(mktemp)
wg_runs=$(mktemp)
iperf_pid=""

manual_down() {
    ip -n "$sub" link del "$p-ws" 2>/dev/null || true
    ip -n "$gw" link del "$p-wg" 2>/dev/null || true
    ip netns exec "$gw" nft delete table ip benchnat 2>/dev/null || true
}
cleanup() {
    if [[ -n $iperf_pid ]]; then kill -TERM "$iperf_pid" 2>/dev/null || true; wait "$iperf_pid" 2>/dev/null || true; fi
    manual_down
    mesh_stop "$p"
    rm -f "$mnigs_runs" "$wg_runs"
}
trap cleanup EXIT

[[ -n ${MNIGS_BIN:-} ]] || publish_aot "$bin"
mesh_start "$p" "$bin"
mkdir -p "$work"
ip netns exec "$inet" iperf3 -s -B 203.0.113.10 >"$work/iperf3-server.log" 2>&1 &
iperf_pid=$!
sleep 0.5

# The hand-made tunnel: keys, wireguard-go on both ends, addresses 10.202.0.1 (gw) / .2 (sub).
(umask 077 && wg genkey >"$work/gw.key" && wg genkey >"$work/sub.key")
manual_up() {
    ip netns exec "$gw" wireguard-go "$p-wg" 2>/dev/null
    ip netns exec "$gw" wg set "$p-wg" listen-port 51821 private-key "$work/gw.key" \
        peer "$(wg pubkey <"$work/sub.key")" allowed-ips 10.202.0.2/32
    ip -n "$gw" addr add 10.202.0.1/30 dev "$p-wg"
    ip -n "$gw" link set "$p-wg" mtu 1420 up
    ip netns exec "$gw" nft -f - <<NFT
table ip benchnat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$p-gi" ip saddr 10.202.0.0/30 masquerade
    }
}
NFT
    ip netns exec "$sub" wireguard-go "$p-ws" 2>/dev/null
    ip netns exec "$sub" wg set "$p-ws" private-key "$work/sub.key" \
        peer "$(wg pubkey <"$work/gw.key")" endpoint 10.77.0.3:51821 allowed-ips 0.0.0.0/0
    ip -n "$sub" addr add 10.202.0.2/30 dev "$p-ws"
    ip -n "$sub" link set "$p-ws" mtu 1420 up
    ip -n "$sub" route add default dev "$p-ws"
}

# iperf NAME: one 10 s run from sub; appends the receiver's Mbit/s to NAME's list.
iperf() {
    local json mbit
    wait_quiet
    json=$(ip netns exec "$sub" iperf3 -c 203.0.113.10 -t 10 -J)
    mbit=$(python3 -c 'import json, sys; r = json.load(sys.stdin)["end"]; print("%.1f %d" % (r["sum_received"]["bits_per_second"] / 1e6, r["sum_sent"].get("retransmits", 0)))' <<<"$json")
    echo "| $rep | $1 | ${mbit% *} | ${mbit#* } | $(ip netns exec "$sub" ip route get 203.0.113.10 | grep -o 'dev [^ ]*') | $BENCH_BUSY |"
    echo "${mbit% *}" >>"$([[ $1 == mnigs ]] && echo "$mnigs_runs" || echo "$wg_runs")"
}

say "iperf3 -c 203.0.113.10 -t 10 from sub: Mnigs tunnel, then the hand-made one, $reps times"
echo "| rep | tunnel | Mbit/s (received) | TCP retransmits | sub's route to 203.0.113.10 | host CPU busy before (%) |"
echo "| --- | --- | --- | --- | --- | --- |"
for rep in $(seq "$reps"); do
    mesh_cli "$p" "$bin" sub -c 10.77.0.3 >/dev/null
    iperf mnigs
    mesh_cli "$p" "$bin" sub -d >/dev/null
    manual_up
    iperf wg
    manual_down
done
m=$(median <"$mnigs_runs")
w=$(median <"$wg_runs")
echo
echo "| tunnel | median Mbit/s | runs |"
echo "| --- | --- | --- |"
echo "| Mnigs (mnigs-cli -c) | $m | $(paste -sd, "$mnigs_runs") |"
echo "| WireGuard by hand | $w | $(paste -sd, "$wg_runs") |"
echo "| Mnigs / by hand | $(awk -v a="$m" -v b="$w" 'BEGIN { printf "%.1f", 100 * a / b }') % | |"
echo
echo "$(date -u +%F) on $(machine)"
