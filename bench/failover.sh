#!/usr/bin/env bash
# Failover time: on a babel mesh sub — rel — gwa and rel — gwb (lab/mesh.sh graph, each gateway
# with its own internet namespace holding 203.0.113.10), the subscriber's daemon connects by itself
# (subscriber.autoconnect) and pings 203.0.113.10 every 5 ms (bench/outage.py). Then every process of
# the active gateway's node (its daemon, wireguard-go, babeld) is frozen with SIGSTOP: the gateway is
# gone without a word, as a node that lost power. The figure is the time from the last echo reply
# before the freeze to the first one after it, through the other gateway: detection (3 missed probes
# at 200 ms) plus the move. The frozen node is thawed, and the next trial fails the other gateway.
# RUNS trials (default 12) without and with subscriber.standby. Removes everything at the end.
# Usage: sudo bench/failover.sh [RUNS]   (MNIGS_BIN=DIR uses an already published Mnigs;
#        otherwise it is published with NativeAOT into /tmp/mnigs-aot)
source "$(dirname "$0")/lib.sh"
bench_prereqs

runs=${1:-12}
bin=${MNIGS_BIN:-/tmp/mnigs-aot}
prefix=bfo$((RANDOM % 10000))  # graph prefixes are at most 8 characters
state=/run/mnigs-lab/$prefix
spec="nodes=sub,rel,gwa,gwb links=sub-rel,rel-gwa,rel-gwb gateways=gwa,gwb"
results=$(mktemp)
PIDS=()
FROZEN=()

stop_daemons() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}
cleanup() {
    ((${#FROZEN[@]})) && kill -CONT "${FROZEN[@]}" 2>/dev/null
    stop_daemons
    bash lab/mesh.sh down "$prefix" >/dev/null 2>&1 || true
    rm -f "$results"
}
trap cleanup EXIT

cli() { local node=$1; shift; ip netns exec "$prefix-$node" "$bin/mnigs-cli" -f "$state/mnigs-$node/mnigs.conf" "$@"; }

# start_daemons STANDBY: a daemon on every node; gateways serve, sub connects by itself.
start_daemons() {
    local node extra
    for node in sub rel gwa gwb; do
        case $node in
            sub) extra="[subscriber]\nautoconnect = yes\nstandby = $1\n" ;;
            gwa) extra="[gateway]\nenabled = yes\nsubscriberTimeout = 30\ndns = 198.51.100.2\n" ;;
            gwb) extra="[gateway]\nenabled = yes\nsubscriberTimeout = 30\ndns = 198.51.100.6\n" ;;
            *) extra='' ;;
        esac
        node_config "$state/mnigs-$node" "$node" "[daemon]\nscanInterval = 0\n[directory]\nsyncInterval = 2\n$extra"
        ip netns exec "$prefix-$node" "$bin/mnigsd" -f "$state/mnigs-$node/mnigs.conf" >>"$state/mnigs-$node/daemon.log" 2>&1 &
        PIDS+=($!)
    done
    for node in sub rel gwa gwb; do wait_rpc "$prefix-$node" "$bin" "$state/mnigs-$node/mnigs.conf"; done
}

# ready STANDBY: sub online, and with standby a second tunnel up; prints the active gateway's node.
ready() {
    local _ status
    for _ in $(seq 120); do
        status=$(cli sub status --json 2>/dev/null || true)
        if python3 - "$1" "$status" <<'PY'
import json, sys
want_standby, text = sys.argv[1] == "yes", sys.argv[2]
try:
    s = json.loads(text)["subscriber"]
except Exception:
    sys.exit(1)
ok = s.get("online") and (not want_standby or len([c for c in s["connections"] if not c["test"]]) == 2)
if ok:
    print({"10.78.0.3": "gwa", "10.78.0.4": "gwb"}[s["connection"]["gateway"]])
sys.exit(0 if ok else 1)
PY
        then return 0; fi
        sleep 0.5
    done
    echo "sub did not come online (standby=$1) within 60 s: $status" >&2
    return 1
}

[[ -n ${MNIGS_BIN:-} ]] || publish_aot "$bin"
say "Building the mesh $prefix: $spec"
bash lab/mesh.sh graph "$prefix" "$spec" >&2
echo "babel settled in $(bash lab/mesh.sh wait-graph "$prefix" 120) s" >&2
bash lab/mesh.sh serve-graph "$prefix" >&2

for standby in no yes; do
    start_daemons "$standby"
    wait_quiet
    say "$runs failovers with subscriber.standby = $standby"
    echo "| trial | standby | failed gateway | last reply before -> first after (ms) | requests lost |"
    echo "| --- | --- | --- | --- | --- |"
    : >"$results"
    for i in $(seq "$runs"); do
        active=$(ready "$standby")
        mapfile -t FROZEN < <(ip netns pids "$prefix-$active")
        line=$(ip netns exec "$prefix-sub" python3 bench/outage.py 203.0.113.10 10 -- kill -STOP "${FROZEN[@]}")
        kill -CONT "${FROZEN[@]}"
        FROZEN=()
        gap=$(sed -n 's/.*gap_ms=\([0-9.]*\).*/\1/p' <<<"$line")
        lost=$(sed -n 's/.*lost=\([0-9]*\).*/\1/p' <<<"$line")
        if [[ -z $gap ]]; then
            echo "trial $i: replies did not resume: $line" >&2
            cli sub status >&2 || true
            exit 1
        fi
        if [[ $lost == 0 ]]; then
            # Freezing the active gateway should cost replies; say what the path was when it did not.
            echo "trial $i: no reply lost; sub's path and tunnels:" >&2
            ip netns exec "$prefix-sub" ip route get 203.0.113.10 >&2 || true
            ip netns exec "$prefix-sub" wg show all endpoints >&2 || true
            cli sub status >&2 || true
        fi
        echo "| $i | $standby | $active | $gap | $lost |"
        echo "$gap" >>"$results"
        # The thawed gateway rejoins babel and the directory before the next trial fails the other one.
        sleep 12
    done
    echo
    echo "standby=$standby: $(stats <"$results") (ms)"
    echo
    stop_daemons
done
echo "$(date -u +%F) on $(machine)"
