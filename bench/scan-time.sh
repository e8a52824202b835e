#!/usr/bin/env bash
# Full-scan time against mesh size. For each size N, a graph mesh (lab/mesh.sh graph) of N nodes:
# a random spanning tree (each node links to one of the four before it, so the mesh is long rather
# than bushy) plus N/4 extra links between nearby nodes (cycles), seeded so every run builds the same
# graphs; gateways: the node in the middle and the last one. babeld and one Mnigs daemon on every
# node (framework-dependent build, as shipped: server GC; periodic scans off). Once babel has settled
# and every daemon answers, node 1 runs `mnigs-cli -s` once to warm up and then three times more;
# the table gives the median of those three, both as the daemon measured the scan (lastScan's
# finishedAt - startedAt) and as the operator waits for it (mnigs-cli wall time: .NET start-up and
# 200 ms progress polling included). Memory: RSS and PSS of every mnigsd and babeld once idle, and
# the CPU the idle daemons use. Before each size it waits for a quiet host (lib.sh's wait_quiet).
# A size where the daemons do not all start within 180 s, or a scan misses a node, ends the run.
#
# Usage: sudo bench/scan-time.sh [SIZE...]     (default: 4 8 16 24 32 48 64 96; lab/mesh.sh takes up to 99 nodes)
#   BIN=DIR        where Mnigs is published (default /tmp/mnigs-scan; built with scripts/publish.sh)
#   SEED=N         graph seed (default 7)
#   APPEND=0       print the section only; by default it is also appended to docs/BENCHMARKS.md
source "$(dirname "$0")/lib.sh"
mnigs_prereqs

bin=${BIN:-/tmp/mnigs-scan}
seed=${SEED:-7}
sizes=("$@")
((${#sizes[@]})) || sizes=(4 8 16 24 32 48 64 96)
prefix="scan$((RANDOM % 10000))"
state=/run/mnigs-lab/$prefix
pids=()

cleanup() {
    stop_daemons
    bash lab/mesh.sh down "$prefix" >/dev/null 2>&1 || true
}
trap cleanup EXIT

stop_daemons() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}

# spec N: the graph of size N (nodes=, links=, gateways=) for this seed.
spec() {
    local n=$1 i j k links=() extra tries
    declare -A have=()
    RANDOM=$((seed * 1000 + n))
    for i in $(seq 2 "$n"); do
        j=$((i - 1 - RANDOM % (i - 1 < 4 ? i - 1 : 4)))
        links+=("n$j-n$i")
        have["$j $i"]=1
    done
    extra=$((n / 4 > 0 ? n / 4 : 1))
    tries=0
    while ((extra > 0 && tries < 1000)); do
        tries=$((tries + 1))
        i=$((1 + RANDOM % n))
        k=$((i + 2 + RANDOM % 5))
        ((k <= n)) || continue
        [[ -z "${have["$i $k"]:-}" ]] || continue
        have["$i $k"]=1
        links+=("n$i-n$k")
        extra=$((extra - 1))
    done
    local nodes=()
    for i in $(seq "$n"); do nodes+=("n$i"); done
    local IFS=,
    echo "nodes=${nodes[*]} links=${links[*]} gateways=n$((n / 2 + 1)),n$n"
}

# depth SPEC: hops from n1 to the farthest node.
depth() {
    python3 - "$1" <<'PY'
import sys, collections
words = dict(w.split("=", 1) for w in sys.argv[1].split())
adj = collections.defaultdict(set)
for l in words["links"].split(","):
    a, b = l.split("-"); adj[a].add(b); adj[b].add(a)
dist = {"n1": 0}; q = collections.deque(["n1"])
while q:
    x = q.popleft()
    for y in adj[x]:
        if y not in dist: dist[y] = dist[x] + 1; q.append(y)
print(max(dist.values()))
PY
}

rpc() { # rpc NS METHOD: the result object of a JSON-RPC call to the daemon in NS, as JSON
    ip netns exec "$1" curl -sS --max-time 10 -H 'Content-Type: application/json' \
        --data-binary "{\"jsonrpc\":\"2.0\",\"method\":\"$2\",\"id\":1}" http://127.0.0.1:65533/jsonrpc
}

# babel_ready NS: the daemon answers status and sees babel.
babel_ready() {
    rpc "$1" status 2>/dev/null | python3 -c 'import json, sys
r = json.load(sys.stdin)["result"]
sys.exit(0 if any(n["name"] == "babel" and n["available"] for n in r["networks"]) else 1)' 2>/dev/null
}

# scan_facts NS: "scanId milliseconds probed answered-nodes gateways links" of the last scan.
scan_facts() {
    rpc "$1" lastScan | python3 -c 'import json, sys
r = json.load(sys.stdin)["result"]
names = {h["name"] for h in r["hosts"] if h["answered"] and h["kind"] != "self"}
print(r["scanId"], r["finishedAt"] - r["startedAt"], r["probed"], len(names), len(r["gateways"]), len(r["links"]))'
}

# daemons_cpu SECONDS: CPU time all mnigsd used over the next SECONDS, in % of one core.
daemons_cpu() {
    local a b
    a=$(for pid in "${pids[@]}"; do cat "/proc/$pid/stat"; done | awk '{ s += $14 + $15 } END { print s }')
    sleep "$1"
    b=$(for pid in "${pids[@]}"; do cat "/proc/$pid/stat"; done | awk '{ s += $14 + $15 } END { print s }')
    awk -v a="$a" -v b="$b" -v t="$1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f\n", 100 * (b - a) / hz / t }'
}

two() { printf '%.2f' "$1"; }
range() { echo "$(two "$(printf '%s\n' "$@" | sort -g | head -n 1)") – $(two "$(printf '%s\n' "$@" | sort -g | tail -n 1)")"; }

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

say "Publishing Mnigs (framework-dependent) into $bin"
scripts/publish.sh "$bin" >&2

timing_rows=() memory_rows=() notes=()
for n in "${sizes[@]}"; do
    if declare -F wait_quiet >/dev/null; then wait_quiet; fi
    s=$(spec "$n")
    links=${s#*links=}
    nlinks=$(tr ',' '\n' <<<"${links%% *}" | grep -c -- -)
    hops=$(depth "$s")
    say "$n nodes, $nlinks links ($((nlinks - n + 1)) cycles), n1 to the farthest node: $hops hops"
    echo "$s" >&2
    bash lab/mesh.sh graph "$prefix" "$s" >/dev/null
    settled=$(bash lab/mesh.sh wait-graph "$prefix" 180)
    echo "babel settled in $settled s" >&2

    gateways=",${s##*gateways=},"
    t0=$(now)
    for i in $(seq "$n"); do
        extra='[daemon]\nscanInterval = 0\n'
        if [[ $gateways == *",n$i,"* ]]; then
            gn=1
            [[ $gateways == *",n$i," ]] && gn=2
            extra+="[gateway]\\nenabled = yes\\ndns = 198.51.100.$((4 * gn - 2))\\n"
        fi
        node_config "$state/mnigs-n$i" "n$i" "$extra"
        ip netns exec "$prefix-n$i" "$bin/mnigsd" -f "$state/mnigs-n$i/mnigs.conf" >"$state/mnigs-n$i/daemon.log" 2>&1 &
        pids+=($!)
    done
    ready=yes
    for i in $(seq "$n"); do
        until babel_ready "$prefix-n$i"; do
            if awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 180) }' || ! kill -0 "${pids[i - 1]}" 2>/dev/null; then
                ready=no
                break 2
            fi
            sleep 0.5
        done
    done
    started=$(since "$t0")
    if [[ $ready == no ]]; then
        notes+=("At $n nodes the daemons did not all start and see babel within 180 s (n$i: $(tail -n 3 "$state/mnigs-n$i/daemon.log" | tr '\n' ' ')); the run stopped there.")
        say "${notes[-1]}"
        stop_daemons
        bash lab/mesh.sh down "$prefix" >/dev/null
        break
    fi
    echo "all $n daemons answer and see babel after $started s" >&2
    sleep 15
    idle=$(daemons_cpu 10)

    rss=0 pss=0 brss=0
    for pid in "${pids[@]}"; do
        rss=$((rss + $(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")))
        pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")))
    done
    for i in $(seq "$n"); do
        bpid=$(tr -dc '0-9' <"$state/babeld-n$i.pid")
        brss=$((brss + $(awk '/^VmRSS/ { print $2 }' "/proc/$bpid/status")))
    done

    conf=$state/mnigs-n1/mnigs.conf
    walls=() scans=() first="" problem=""
    for run in 0 1 2 3; do
        before=$(scan_facts "$prefix-n1" 2>/dev/null | cut -d' ' -f1 || true)
        t1=$(now)
        if ! out=$(ip netns exec "$prefix-n1" "$bin/mnigs-cli" -f "$conf" -s 2>&1); then
            problem="mnigs-cli -s failed: $out"
            break
        fi
        wall=$(since "$t1")
        read -r id ms probed answered gws nlinks_seen <<<"$(scan_facts "$prefix-n1")"
        echo "run $run: $wall s wall, scan $id took $ms ms, probed $probed, $answered nodes answered, $gws gateways, $nlinks_seen links" >&2
        if [[ "$id" == "$before" ]]; then problem="mnigs-cli -s printed the previous scan ($id), not a new one"; fi
        if ((answered != n - 1 || gws != 2)); then problem="scan $id found $answered of $((n - 1)) nodes and $gws of 2 gateways"; fi
        [[ -z "$problem" ]] || break
        if ((run == 0)); then
            first=$(div "$ms" 1000 2)
        else
            walls+=("$wall")
            scans+=("$(div "$ms" 1000 3)")
        fi
    done
    if [[ -n "$problem" ]]; then
        notes+=("At $n nodes: $problem.")
        say "${notes[-1]}"
    fi
    if ((${#scans[@]} == 3)); then
        timing_rows+=("| $n | $nlinks ($((nlinks - n + 1))) | $hops | $settled | $started | $first | $(two "$(printf '%s\n' "${scans[@]}" | median)") ($(range "${scans[@]}")) | $(two "$(printf '%s\n' "${walls[@]}" | median)") | $probed |")
        memory_rows+=("| $n | $(div "$rss" $((1024 * n)) 0) | $(div "$pss" $((1024 * n)) 0) | $(div "$pss" 1024 0) | $(div "$brss" $((1024 * n)) 1) | $idle |")
    fi
    stop_daemons
    bash lab/mesh.sh down "$prefix" >/dev/null
    [[ -z "$problem" ]] || break
done

section=$(
    echo
    echo "## Full-scan time against mesh size"
    echo
    echo "How long a full breadth-first scan (\`mnigs-cli -s\` on node 1) takes as the mesh grows, with babeld"
    echo "and a real Mnigs daemon on every node. Graphs: a seeded random spanning tree (each node linked to"
    echo "one of the four before it) plus N/4 extra links between nearby nodes; gateways in the middle and"
    echo "at the far end. Framework-dependent build, server GC; scan settings at their defaults"
    echo "(scanConcurrency 32, scanTimeout 1500 ms). Scan times: one warm-up scan (\"first\", JIT included),"
    echo "then the median (and range) of three; \"daemon\" is lastScan's finishedAt - startedAt, \"mnigs-cli\""
    echo "is the operator's wall time (.NET start-up of the CLI and its 200 ms progress polling included)."
    echo
    echo "    sudo bench/scan-time.sh ${sizes[*]}      # SEED=$seed"
    echo
    echo "| nodes | links (cycles) | hops n1 → farthest | babel settled (s) | daemons ready (s) | first scan (s) | scan, daemon (s) | mnigs-cli -s (s) | addresses probed |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${timing_rows[@]}"
    echo
    echo "Memory and CPU of the idle mesh (15 s after every daemon answered, before the scans; CPU over 10 s):"
    echo
    echo "| nodes | mnigsd RSS each (MiB, mean) | mnigsd PSS each (MiB, mean) | mnigsd PSS total (MiB) | babeld RSS each (MiB) | all mnigsd CPU, idle (% of one core) |"
    echo "| --- | --- | --- | --- | --- | --- |"
    printf '%s\n' "${memory_rows[@]}"
    for note in "${notes[@]}"; do
        echo
        echo "$note"
    done
    echo
    echo "$(date -u +%F) on $(machine)"
)
echo "$section"
if [[ ${APPEND:-1} == 1 ]]; then
    echo "$section" >>docs/BENCHMARKS.md
    say "Appended to docs/BENCHMARKS.md"
fi
