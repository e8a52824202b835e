#!/usr/bin/env bash
# Connect latency: in the lab mesh (lab/mesh.sh, babel converged, a Mnigs daemon on each mesh node),
# the time from `mnigs-cli -c 10.77.0.3` issued on sub to the first echo reply from the internet host
# 203.0.113.10 through the tunnel, then `mnigs-cli -d`; RUNS times (default 15). bench/first-reply.py
# pings every 2 ms from just before the command starts, so the figure includes the CLI's own start,
# the gateway's session set-up, both WireGuard interfaces, routes, and the first handshake.
# Removes everything at the end.
# Usage: sudo bench/connect-latency.sh [RUNS]   (MNIGS_BIN=DIR uses an already published Mnigs;
#        otherwise it is published with NativeAOT into /tmp/mnigs-aot)
source "$(dirname "$0")/lib.sh"
bench_prereqs

runs=${1:-15}
bin=${MNIGS_BIN:-/tmp/mnigs-aot}
prefix=$(bench_prefix cl)
results=$(mktemp)
trap 'mesh_stop "$prefix"; rm -f "$results"' EXIT

[[ -n ${MNIGS_BIN:-} ]] || publish_aot "$bin"
mesh_start "$prefix" "$bin"
conf=/run/mnigs-lab/$prefix/mnigs-sub/mnigs.conf

if ip netns exec "$prefix-sub" ping -c1 -W1 203.0.113.10 >/dev/null 2>&1; then
    echo "sub reaches 203.0.113.10 before connecting: the mesh is not as expected" >&2
    exit 1
fi

wait_quiet
say "Connecting and disconnecting $runs times (sub -> gw 10.77.0.3)"
echo "| run | -c issued -> first reply (s) | mnigs-cli -c returned after (s) |"
echo "| --- | --- | --- |"
for i in $(seq "$runs"); do
    line=$(ip netns exec "$prefix-sub" python3 bench/first-reply.py 203.0.113.10 10 -- \
        "$bin/mnigs-cli" -f "$conf" -c 10.77.0.3)
    reply=$(sed -n 's/.*reply_s=\([0-9.]*\).*/\1/p' <<<"$line")
    command=$(sed -n 's/.*command_s=\([0-9.]*\).*/\1/p' <<<"$line")
    rc=$(sed -n 's/.*rc=\([0-9-]*\).*/\1/p' <<<"$line")
    if [[ $rc != 0 || -z $reply ]]; then
        echo "run $i failed: $line" >&2
        mesh_cli "$prefix" "$bin" sub status >&2 || true
        exit 1
    fi
    echo "| $i | $reply | $command |"
    # Evidence that the replies come through the tunnel: the route sub uses to reach the host.
    [[ $i == 1 ]] && echo "sub while connected: $(ip netns exec "$prefix-sub" ip route get 203.0.113.10 | head -1)" >&2
    echo "$reply" >>"$results"
    mesh_cli "$prefix" "$bin" sub -d >/dev/null
    # -d must leave sub without the internet again before the next run.
    if ip netns exec "$prefix-sub" ping -c1 -W0.5 203.0.113.10 >/dev/null 2>&1; then
        echo "run $i: 203.0.113.10 still reachable after -d" >&2
        exit 1
    fi
    sleep 0.5
done
echo
echo "First reply after -c: $(stats <"$results") (seconds)"
echo "$(date -u +%F) on $(machine)"
