#!/usr/bin/env bash
# Footprint of the NativeAOT build: size of the published binary, and the memory of the idle daemon
# 10 s after it started with a default config (only its state dir and resolver file set, like
# scripts/demo.sh) in a fresh network namespace with nothing but loopback (no babeld: the daemon
# reports babel as down and idles). For reference, the same figures for bench/BareEndpoint (the
# smallest NativeAOT Kestrel app), and for Mnigs with workstation GC (DOTNET_gcServer=0, an
# environment variable only: the shipped binary uses server GC, the Sdk.Web default).
# Usage: sudo bench/footprint.sh [OUT]     (OUT: where Mnigs is published, default /tmp/mnigs-aot;
#        MNIGS_BIN=DIR measures an already published NativeAOT Mnigs instead of publishing it)
source "$(dirname "$0")/lib.sh"
bench_prereqs

out=${1:-/tmp/mnigs-aot}
bare=$out-bare
prefix=$(bench_prefix fp)
state=/run/mnigs-lab/$prefix
ns=$prefix-a
pid=""

cleanup() {
    if [[ -n "$pid" ]]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$state"
}
trap cleanup EXIT

if [[ -n ${MNIGS_BIN:-} ]]; then out=$MNIGS_BIN; bare=$out-bare; else publish_aot "$out"; fi
publish_bare "$bare"

ip netns add "$ns"
ip -n "$ns" link set lo up

# measure LABEL ENV... -- PROGRAM ARGS...: start it in $ns, wait 10 s, print one table row.
measure() {
    local label=$1 envs=() kb
    shift
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done
    shift
    env "${envs[@]}" ip netns exec "$ns" "$@" >"$state/$label.log" 2>&1 &
    pid=$!
    sleep 10
    kill -0 "$pid" || { echo "$label exited early:" >&2; cat "$state/$label.log" >&2; exit 1; }
    local rss hwm threads pss anon
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
    hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
    threads=$(awk '/^Threads/ { print $2 }' "/proc/$pid/status")
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
    anon=$(awk '/^Anonymous:/ { print $2 }' "/proc/$pid/smaps_rollup")
    echo "| $label | $(div "$rss" 1024 1) | $(div "$hwm" 1024 1) | $(div "$pss" 1024 1) | $(div "$anon" 1024 1) | $threads |"
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
}

say "Sizes"
bytes=$(stat -c %s "$out/mnigs")
folder=$(find "$out" -maxdepth 1 -type f ! -name '*.dbg' ! -name '*.pdb' ! -name '*.json' -printf '%s\n' | awk '{ s += $1 } END { print s }')
bare_bytes=$(stat -c %s "$bare/bare-endpoint")
echo "| build | bytes | MiB | MB |"
echo "| --- | --- | --- | --- |"
size_row() { echo "| $1 | $2 | $(div "$2" 1048576 2) | $(div "$2" 1000000 2) |"; }
size_row "mnigs (the NativeAOT binary)" "$bytes"
size_row "mnigs + libe_sqlite3.so + libsodium.so (all that runs)" "$folder"
size_row "bare-endpoint (reference)" "$bare_bytes"

wait_quiet
say "Idle memory 10 s after start, in namespace $ns (MiB)"
mkdir -p "$state"
node_config "$state/mnigs" bench
echo "| process | VmRSS | VmHWM (peak) | PSS | anonymous | threads |"
echo "| --- | --- | --- | --- | --- | --- |"
measure "mnigsd (as shipped: server GC)" -- "$out/mnigsd" -f "$state/mnigs/mnigs.conf"
measure "mnigsd, DOTNET_gcServer=0" DOTNET_gcServer=0 -- "$out/mnigsd" -f "$state/mnigs/mnigs.conf"
measure "bare-endpoint (server GC)" -- "$bare/bare-endpoint" 65534
measure "bare-endpoint, DOTNET_gcServer=0" DOTNET_gcServer=0 -- "$bare/bare-endpoint" 65534
echo
echo "$(date -u +%F) on $(machine)"
