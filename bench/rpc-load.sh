#!/usr/bin/env bash
# nodeInfo under load: the Mnigs daemon (NativeAOT) against bench/BareEndpoint (a minimal NativeAOT
# Kestrel app answering POST /jsonrpc with a fixed body of the same shape and size), both in one
# fresh network namespace with only loopback (no babeld: nodeInfo answers without it), loaded in
# turn by wrk from a second process in that namespace:
#   wrk -t2 -c32 -d10s --latency -s bench/post.lua http://127.0.0.1:PORT/jsonrpc
# Each server first gets a 3 s warm-up with the same load. Prints requests/s, p50/p99 latency and
# the ratio Mnigs/bare.
# Usage: sudo bench/rpc-load.sh [OUT]   (OUT: where Mnigs is published, default /tmp/mnigs-aot;
#        MNIGS_BIN=DIR uses an already published Mnigs instead of publishing it)
source "$(dirname "$0")/lib.sh"
bench_prereqs

out=${1:-/tmp/mnigs-aot}
prefix=$(bench_prefix rpc)
state=/run/mnigs-lab/$prefix
ns=$prefix-a
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$state"
}
trap cleanup EXIT

if [[ -n ${MNIGS_BIN:-} ]]; then out=$MNIGS_BIN; else publish_aot "$out"; fi
bare=$out-bare
publish_bare "$bare"

ip netns add "$ns"
ip -n "$ns" link set lo up
mkdir -p "$state"
node_config "$state/mnigs" bench
ip netns exec "$ns" "$out/mnigsd" -f "$state/mnigs/mnigs.conf" >"$state/mnigs.log" 2>&1 &
pids+=($!)
ip netns exec "$ns" "$bare/bare-endpoint" 65534 >"$state/bare.log" 2>&1 &
pids+=($!)
wait_rpc "$ns" "$out" "$state/mnigs/mnigs.conf"

call='{"jsonrpc":"2.0","method":"nodeInfo","id":1}'
for port in 65533 65534; do
    body=$(ip netns exec "$ns" curl -sS --retry 10 --retry-connrefused --retry-delay 0 \
        -H 'Content-Type: application/json' -d "$call" "http://127.0.0.1:$port/jsonrpc")
    echo "port $port answers ${#body} bytes: $body" >&2
done

# to_ms VALUE-WITH-UNIT (wrk prints us, ms or s)
to_ms() {
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000;
        printf "%.3f\n", n }'
}

# load NAME PORT: warm-up, then the measured wrk run; sets rps_NAME, p50_NAME, p99_NAME.
load() {
    local name=$1 port=$2 url="http://127.0.0.1:$2/jsonrpc" report
    wait_quiet
    printf -v "busy_$name" '%s' "$BENCH_BUSY"
    ip netns exec "$ns" wrk -t2 -c32 -d3s -s bench/post.lua "$url" >/dev/null
    report=$(ip netns exec "$ns" wrk -t2 -c32 -d10s --latency -s bench/post.lua "$url")
    echo "--- $name (port $port)" >&2
    echo "$report" >&2
    if grep -q 'Non-2xx' <<<"$report"; then echo "$name answered errors under load" >&2; exit 1; fi
    printf -v "rps_$name" '%s' "$(awk '/^Requests\/sec/ { print $2 }' <<<"$report")"
    printf -v "p50_$name" '%s' "$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$report")")"
    printf -v "p99_$name" '%s' "$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$report")")"
}

say "Loading Mnigs nodeInfo, then the bare endpoint (wrk -t2 -c32 -d10s)"
load mnigs 65533
load bare 65534

echo "| endpoint | requests/s | p50 latency (ms) | p99 latency (ms) | host CPU busy before (%) |"
echo "| --- | --- | --- | --- | --- |"
echo "| Mnigs nodeInfo (mnigsd, NativeAOT) | $rps_mnigs | $p50_mnigs | $p99_mnigs | $busy_mnigs |"
echo "| bare endpoint (NativeAOT Kestrel) | $rps_bare | $p50_bare | $p99_bare | $busy_bare |"
echo "| Mnigs / bare | $(awk -v a="$rps_mnigs" -v b="$rps_bare" 'BEGIN { printf "%.1f", 100 * a / b }') % | | | |"
echo
echo "$(date -u +%F) on $(machine)"
