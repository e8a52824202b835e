#!/usr/bin/env bash
# The standard Mnigs lab mesh: four network namespaces in a line, babeld on the mesh links.
#
#   PREFIX-sub ──babel── PREFIX-relay ──babel── PREFIX-gw ──uplink── PREFIX-inet
#
# Used by the README demo and by the C# lab tests. Needs root, iproute2, babeld (1.12), ping,
# python3 (for `serve` and --yggdrasil), yggdrasil (0.4.7, for --yggdrasil only).
#
#   lab/mesh.sh up PREFIX [--announce-default] [--yggdrasil]  build the mesh (idempotent)
#   lab/mesh.sh wait PREFIX [TIMEOUT]            wait until sub reaches gw's mesh address (and, with
#                                                --yggdrasil, gw's Yggdrasil address); prints seconds
#   lab/mesh.sh ygg-addr PREFIX NODE             print NODE's Yggdrasil address (NODE: sub, relay or gw; --yggdrasil)
#   lab/mesh.sh serve PREFIX                     HTTP on 203.0.113.10:80 in inet, serving /big.bin (8 MiB)
#   lab/mesh.sh down PREFIX                      stop everything of PREFIX, delete its namespaces and state
#   lab/mesh.sh sweep PATTERN                    `down` every namespace/state dir whose name starts with PATTERN
#   lab/mesh.sh graph PREFIX SPEC [--announce-default]  build a mesh of any shape (below; idempotent)
#   lab/mesh.sh wait-graph PREFIX [TIMEOUT]      wait until babel settled (every node routes to every other, to its
#                                                neighbours directly) and node 1 pings all; prints seconds
#   lab/mesh.sh serve-graph PREFIX               HTTP on 203.0.113.10:80 in every internet namespace of a graph
#
# What `up` builds (PREFIX: 1-12 of [A-Za-z0-9_], e.g. mnl1234):
#   node   namespace      mesh address (lo)        links (interface names are host-unique)
#   sub    PREFIX-sub     10.77.0.1/32 fd77::1/128 PREFIX-sr ── PREFIX-rs (relay)
#   relay  PREFIX-relay   10.77.0.2/32 fd77::2/128 PREFIX-rg ── PREFIX-gr (gw)
#   gw     PREFIX-gw      10.77.0.3/32 fd77::3/128 PREFIX-gi 198.51.100.1/24 ── PREFIX-ig 198.51.100.2/24 (inet)
#   inet   PREFIX-inet    203.0.113.10/32 on lo;   no babeld, no route to the mesh (replies need gw's NAT)
# gw's main-table default route goes via 198.51.100.2 (its uplink). It is not announced into babel,
# unless --announce-default (then babel carries 0.0.0.0/0 from gw, metric 128: an exit hint).
# The mesh links carry only IPv6 link-local addresses; babeld routes IPv4 over them (v4-via-v6).
# babeld in each mesh node: read-write local interface on [::1]:33123 inside its namespace,
# hello intervals 0.5 s (-h for wireless, -H for wired: babeld treats veths as wired).
#
# With --yggdrasil, yggdrasil (0.4.7) runs in sub, relay and gw as well, beside babeld (the node is on
# both networks at once). Each has its own config (yggdrasil -genconf -json, edited): admin socket
# unix:///run/mnigs-lab/PREFIX/NODE-ygg.sock, TUN PREFIX-yN (N: 1 sub, 2 relay, 3 gw), peering by
# link-local multicast on exactly the node's mesh veths (as lab/ygg-mesh.sh does), files
# NODE-ygg.{conf,pid,log,addr}. Its address (200::/7, from its key) is what `ygg-addr` prints.
#
# All state (pid files, babeld state files and logs, the web root) is under /run/mnigs-lab/PREFIX/.
#
# `graph` builds any topology from SPEC: the text itself or the name of a file holding it
# ('#' starts a comment there). Words separated by spaces or new lines:
#   nodes=n1,n2,n3,n4,n5,n6,n7,n8 links=n1-n2,n2-n3,n3-n4,n4-n5,n5-n6,n6-n7,n7-n8,n8-n1,n2-n6 gateways=n3,n7
# Node names: 1-5 of [a-z0-9], starting with a letter; at most 99 nodes; the links must connect them
# all. PREFIX: 1-8 of [A-Za-z0-9_], not starting with "mn" (Mnigs removes interfaces named mn* at start).
#   node K (K = place in nodes=, from 1)  namespace PREFIX-NAME, 10.78.0.K/32 and fd78::K/128 on lo
#                                         (K in decimal digits in both), babeld on all its links
#   link between nodes I and J            veth PREFIXxIyJ (in node I) ── PREFIXxJyI (in node J), link-local only
#   gateway G (node K), Nth in gateways=  namespace PREFIX-Gi (its "internet"): 203.0.113.10/32 on lo;
#                                         uplink PREFIXxKu 198.51.100.(4N-3)/30 (in G) ── PREFIXuKx 198.51.100.(4N-2)/30;
#                                         G's default route goes via 198.51.100.(4N-2) (announced into
#                                         babel, metric 128, only with --announce-default)
# babeld runs as in the line mesh (-G 33123, -h 0.5 -H 0.5, v4-via-v6), announcing 10.78.0.0/16 and
# fd78::/64 host routes, with smoothing-half-life 0 (BABEL_SMOOTHING=SECONDS in the environment of
# `graph` sets another; babeld's default, 4, makes an 8-node ring settle in ~27 s instead of ~4 s).
# Its files are babeld-NAME.{conf,pid,state,log}. The normalized spec is kept in graph.spec;
# `down` and `sweep` remove graphs like lines.
set -euo pipefail

readonly LAB_SCRIPT=mesh.sh USAGE_LINES=9,20
readonly BABEL_PORT=33123
readonly MESH_NODES=(sub relay gw)
readonly ALL_NODES=(sub relay gw inet)
# shellcheck source=lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

node_number() {
    case $1 in sub) echo 1 ;; relay) echo 2 ;; gw) echo 3 ;; *) die "no mesh address for $1" ;; esac
}

# The namespaces of PREFIX: the line mesh's, and every PREFIX-NAME (NAME letters and digits: graph
# nodes and their internet namespaces; other users of the prefix put a '-' in NAME, e.g. mnl-xxxxxx-1).
prefix_namespaces() {
    local p=$1 node n
    for node in "${ALL_NODES[@]}"; do ns "$p" "$node"; done
    ip netns list 2>/dev/null | awk -v p="$p-" '{ n = $1 }
        substr(n, 1, length(p)) == p && substr(n, length(p) + 1) ~ /^[A-Za-z0-9]+$/ { print n }' |
        grep -vxF -e "$p-sub" -e "$p-relay" -e "$p-gw" -e "$p-inet" || true
}

down() {
    local p=$1 names
    mapfile -t names < <(prefix_namespaces "$p")
    remove_mesh "$p" "${names[@]}"
}

# start_babeld NAMESPACE FILES IFACE...: babeld on the given interfaces, config FILES.conf (written
# already), files FILES.{pid,state,log}; read-write local interface on [::1]:BABEL_PORT.
start_babeld() {
    local n=$1 f=$2
    shift 2
    in_ns "$n" babeld -D -I "$f.pid" -S "$f.state" -L "$f.log" -c "$f.conf" -G "$BABEL_PORT" -h 0.5 -H 0.5 "$@" ||
        die "babeld failed to start in $n: $(tail -n 5 "$f.log" 2>/dev/null)"
}

# await_babeld NAMESPACE FILES: babeld writes its pid file after daemonizing: make sure it is running.
await_babeld() {
    local n=$1 f=$2 pid=""
    for _ in $(seq 50); do
        [[ -s "$f.pid" ]] && pid=$(tr -dc '0-9' <"$f.pid") && pid_alive "$pid" && break
        pid=""
        sleep 0.1
    done
    [[ -n "$pid" ]] || die "babeld did not start in $n: $(tail -n 5 "$f.log" 2>/dev/null)"
}

babeld_config() {
    local announce_default=$1
    if [[ $announce_default == yes ]]; then
        # Only routes of a protocol other than "boot" are redistributable: `up` adds gw's default
        # route as "proto static" in this mode.
        echo "redistribute ip 0.0.0.0/0 eq 0 metric 128"
    fi
    redistribute_local 10.77.0.0/16 fd77::/64
}

# redistribute_local V4NET V6NET: the end of a babeld config: announce the host routes of the
# nodes' own addresses in the two networks, and nothing else.
redistribute_local() {
    echo "redistribute local ip $1 ge 32"
    echo "redistribute local ip $2 ge 128"
    echo "redistribute local deny"
    echo "redistribute deny"
}

# --yggdrasil: the TUN of NODE's yggdrasil (host-unique, at most 15 characters).
ygg_tun() { echo "$1-y$(node_number "$2")"; }

# Whether the mesh PREFIX runs yggdrasil too (a state dir from before --yggdrasil existed: no).
ygg_enabled() { [[ "$(cat "$STATE_ROOT/$1/yggdrasil" 2>/dev/null)" == yes ]]; }

ygg_address_of() {
    local p=$1 node=$2 f="$STATE_ROOT/$1/$2-ygg.addr"
    check_node "$node"
    ygg_enabled "$p" && [[ -s "$f" ]] || die "mesh $p does not run yggdrasil (no $f); build it with: lab/mesh.sh up $p --yggdrasil"
    cat "$f"
}

is_up() {
    local p=$1 announce_default=$2 yggdrasil=${3:-no} node
    [[ "$(cat "$STATE_ROOT/$p/announce-default" 2>/dev/null)" == "$announce_default" ]] || return 1
    if ygg_enabled "$p"; then [[ $yggdrasil == yes ]] || return 1; else [[ $yggdrasil == no ]] || return 1; fi
    for node in "${ALL_NODES[@]}"; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for node in "${MESH_NODES[@]}"; do
        pidfile_is_ours "$STATE_ROOT/$p/babeld-$node.pid" || return 1
        if [[ $yggdrasil == yes ]]; then
            pidfile_is_ours "$STATE_ROOT/$p/$node-ygg.pid" || return 1
        fi
    done
}

up() {
    local p=$1 announce_default=$2 yggdrasil=${3:-no} dir="$STATE_ROOT/$1" node n i
    if is_up "$p" "$announce_default" "$yggdrasil"; then
        echo "mesh $p is already up"
        return 0
    fi
    down "$p"
    command -v babeld >/dev/null || die "babeld is not installed"
    if [[ $yggdrasil == yes ]]; then
        command -v yggdrasil >/dev/null || die "yggdrasil is not installed (needed by --yggdrasil)"
        command -v python3 >/dev/null || die "python3 is not installed (needed by --yggdrasil to edit yggdrasil's config)"
    fi
    mkdir -p "$dir"
    echo "$announce_default" >"$dir/announce-default"
    echo "$yggdrasil" >"$dir/yggdrasil"
    guard_build up "$p"

    build_line "$p" "$announce_default"
    for node in "${MESH_NODES[@]}"; do
        n=$(ns "$p" "$node")
        i=$(node_number "$node")
        ip -n "$n" addr add "10.77.0.$i/32" dev lo
        ip -n "$n" addr add "fd77::$i/128" dev lo
    done

    for node in "${MESH_NODES[@]}"; do
        babeld_config "$announce_default" >"$dir/babeld-$node.conf"
        # shellcheck disable=SC2046
        start_babeld "$(ns "$p" "$node")" "$dir/babeld-$node" $(mesh_ifaces "$p" "$node")
    done
    for node in "${MESH_NODES[@]}"; do await_babeld "$(ns "$p" "$node")" "$dir/babeld-$node"; done
    if [[ $yggdrasil == yes ]]; then start_yggdrasil "$p" -ygg; fi
    trap - EXIT

    echo "mesh $p is up: $p-sub 10.77.0.1 — $p-relay 10.77.0.2 — $p-gw 10.77.0.3 (uplink 198.51.100.1) — $p-inet 203.0.113.10"
    echo "babeld local interface: [::1]:$BABEL_PORT in each mesh namespace; state in $dir"
    if [[ $yggdrasil == yes ]]; then
        echo "yggdrasil: $p-sub $(cat "$dir/sub-ygg.addr") — $p-relay $(cat "$dir/relay-ygg.addr") — $p-gw $(cat "$dir/gw-ygg.addr"); admin sockets unix://$dir/NODE-ygg.sock"
    fi
}

wait_converged() {
    local p=$1 timeout=${2:-30} sub babel_ok=no ygg_ok=yes ygg_target=""
    check_timeout "$timeout"
    sub=$(ns "$p" sub)
    ns_exists "$sub" || die "mesh $p is not up (no namespace $sub)"
    if ygg_enabled "$p"; then
        ygg_ok=no
        ygg_target=$(ygg_address_of "$p" gw)
    fi
    poll "$timeout" 0.1 converged daemons_running not_converged
}

# wait_converged's steps for poll (they use its p, timeout, sub, babel_ok, ygg_ok and ygg_target).
converged() {
    if [[ $babel_ok == no ]] && in_ns "$sub" ping -c1 -W 0.2 -q 10.77.0.3 >/dev/null 2>&1; then babel_ok=yes; fi
    if [[ $ygg_ok == no ]] && in_ns "$sub" ping -6 -c1 -W 0.5 -q "$ygg_target" >/dev/null 2>&1; then ygg_ok=yes; fi
    [[ $babel_ok == yes && $ygg_ok == yes ]]
}
daemons_running() {
    local node
    for node in "${MESH_NODES[@]}"; do
        require_running babeld "$(ns "$p" "$node")" "$STATE_ROOT/$p/babeld-$node"
        if [[ -n "$ygg_target" ]]; then
            require_running yggdrasil "$(ns "$p" "$node")" "$STATE_ROOT/$p/$node-ygg"
        fi
    done
}
not_converged() {
    if [[ $babel_ok == no ]]; then die "mesh $p did not converge in ${timeout} s: $sub cannot ping 10.77.0.3"; fi
    die "mesh $p did not converge in ${timeout} s: $sub cannot ping $ygg_target (gw's Yggdrasil address)"
}

# ---- graph meshes -------------------------------------------------------------------------------

readonly GRAPH_V4=10.78.0
readonly GRAPH_V6=fd78:
readonly GRAPH_MAX_NODES=99

check_graph_prefix() {
    [[ "$1" =~ ^[A-Za-z0-9_]{1,8}$ ]] ||
        die "bad graph prefix '$1': use 1-8 letters, digits or '_' (interface names are PREFIXx12y34, at most 15 characters)"
    [[ "$1" != mn* ]] || die "bad graph prefix '$1': it must not start with 'mn' (Mnigs removes interfaces named mn* when it starts)"
}

# parse_spec SPEC: fills G_NODES (names; node K is G_NODES[K-1]), G_LINKS ("I J", node numbers, I < J)
# and G_GATEWAYS (names), or dies saying what is wrong. SPEC is the text or a file holding it.
parse_spec() {
    local text=$1 words=() word key value list=() raw_links=() link a b i j name
    if [[ -f "$text" ]]; then text=$(sed 's/#.*//' "$text"); fi
    read -r -d '' -a words <<<"$text" || true
    G_NODES=() G_LINKS=() G_GATEWAYS=()
    local seen_nodes=no
    for word in "${words[@]}"; do
        [[ "$word" == *=* ]] || die "bad spec word '$word': nodes=..., links=... or gateways=... expected"
        key=${word%%=*} value=${word#*=}
        list=()
        [[ -n "$value" ]] && IFS=, read -r -a list <<<"$value"
        case $key in
            nodes) seen_nodes=yes; G_NODES+=("${list[@]}") ;;
            links) raw_links+=("${list[@]}") ;;
            gateways) G_GATEWAYS+=("${list[@]}") ;;
            *) die "unknown spec key '$key': nodes, links or gateways expected" ;;
        esac
    done
    [[ $seen_nodes == yes && ${#G_NODES[@]} -gt 0 ]] || die "the spec names no nodes (nodes=n1,n2,...)"
    [[ ${#G_NODES[@]} -ge 2 ]] || die "one node makes no mesh: name two or more"
    [[ ${#G_NODES[@]} -le $GRAPH_MAX_NODES ]] || die "${#G_NODES[@]} nodes: at most $GRAPH_MAX_NODES"
    declare -gA G_INDEX=()
    i=0
    for name in "${G_NODES[@]}"; do
        i=$((i + 1))
        [[ "$name" =~ ^[a-z][a-z0-9]{0,4}$ ]] || die "bad node name '$name': 1-5 of a-z and 0-9, starting with a letter"
        [[ -z "${G_INDEX[$name]:-}" ]] || die "node $name is named twice"
        G_INDEX[$name]=$i
    done
    declare -A have=()
    for link in "${raw_links[@]}"; do
        [[ "$link" =~ ^([a-z0-9]+)-([a-z0-9]+)$ ]] || die "bad link '$link': NODE-NODE expected"
        a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
        i=${G_INDEX[$a]:-} j=${G_INDEX[$b]:-}
        [[ -n "$i" ]] || die "link $link: no node $a in nodes="
        [[ -n "$j" ]] || die "link $link: no node $b in nodes="
        [[ $i -ne $j ]] || die "link $link joins a node to itself"
        if [[ $i -gt $j ]]; then local t=$i; i=$j; j=$t; fi
        [[ -z "${have["$i $j"]:-}" ]] || die "link $link is given twice"
        have["$i $j"]=1
        G_LINKS+=("$i $j")
    done
    declare -A gw=()
    for name in "${G_GATEWAYS[@]}"; do
        [[ -n "${G_INDEX[$name]:-}" ]] || die "gateway $name is not in nodes="
        [[ -z "${gw[$name]:-}" ]] || die "gateway $name is named twice"
        [[ -z "${G_INDEX[${name}i]:-}" ]] || die "gateway $name's internet namespace would be named like node ${name}i: rename one"
        gw[$name]=1
    done
    # Every node must be reachable from node 1, or wait-graph could never succeed.
    declare -A reached=([1]=1)
    local grew=yes
    while [[ $grew == yes ]]; do
        grew=no
        for link in "${G_LINKS[@]}"; do
            read -r i j <<<"$link"
            if [[ -n "${reached[$i]:-}" && -z "${reached[$j]:-}" ]]; then reached[$j]=1; grew=yes; fi
            if [[ -n "${reached[$j]:-}" && -z "${reached[$i]:-}" ]]; then reached[$i]=1; grew=yes; fi
        done
    done
    if [[ ${#reached[@]} -ne ${#G_NODES[@]} ]]; then
        local cut=()
        for i in $(seq "${#G_NODES[@]}"); do [[ -n "${reached[$i]:-}" ]] || cut+=("${G_NODES[i - 1]}"); done
        die "the links do not connect ${cut[*]} to ${G_NODES[0]}"
    fi
}

# The parsed spec written back in one line (what graph.spec holds).
spec_text() {
    local links=() link i j
    for link in "${G_LINKS[@]}"; do
        read -r i j <<<"$link"
        links+=("${G_NODES[i - 1]}-${G_NODES[j - 1]}")
    done
    local IFS=,
    echo "nodes=${G_NODES[*]} links=${links[*]} gateways=${G_GATEWAYS[*]}"
}

# load_graph PREFIX: parse the spec of the graph PREFIX that `graph` built.
load_graph() {
    local f="$STATE_ROOT/$1/graph.spec"
    [[ -f "$f" ]] || die "no graph mesh $1 (no $f); build it with: lab/mesh.sh graph $1 SPEC"
    parse_spec "$(cat "$f")"
}

# gateway_number NAME: N, its place in gateways= (from 1).
gateway_number() {
    local n=0 g
    for g in "${G_GATEWAYS[@]}"; do
        n=$((n + 1))
        if [[ "$g" == "$1" ]]; then echo "$n"; return 0; fi
    done
    return 1
}

graph_babeld_config() {
    local gateway=$1 announce_default=$2
    if [[ $gateway == yes && $announce_default == yes ]]; then
        echo "redistribute ip 0.0.0.0/0 eq 0 metric 128"
    fi
    # babeld switches to a better route only once its smoothed metric is better (half-life 4 s by
    # default): an 8-node ring then routes some neighbours the long way round for ~25 s after every
    # node is reachable. The lab wants settled shortest routes in seconds.
    echo "smoothing-half-life ${BABEL_SMOOTHING:-0}"
    redistribute_local 10.78.0.0/16 fd78::/64
}

graph_is_up() {
    local p=$1 spec=$2 announce_default=$3 dir="$STATE_ROOT/$1" name g
    [[ "$(cat "$dir/graph.spec" 2>/dev/null)" == "$spec" ]] || return 1
    [[ "$(cat "$dir/announce-default" 2>/dev/null)" == "$announce_default" ]] || return 1
    for name in "${G_NODES[@]}"; do
        ns_exists "$(ns "$p" "$name")" || return 1
        pidfile_is_ours "$dir/babeld-$name.pid" || return 1
    done
    for g in "${G_GATEWAYS[@]}"; do ns_exists "$(ns "$p" "${g}i")" || return 1; done
}

graph_up() {
    local p=$1 announce_default=$3 dir="$STATE_ROOT/$1" spec name n k g gn link i j ifs
    parse_spec "$2"
    spec=$(spec_text)
    if graph_is_up "$p" "$spec" "$announce_default"; then
        echo "graph mesh $p is already up"
        return 0
    fi
    down "$p"
    command -v babeld >/dev/null || die "babeld is not installed"
    mkdir -p "$dir"
    echo "$spec" >"$dir/graph.spec"
    echo "$announce_default" >"$dir/announce-default"
    guard_build graph "$p"

    k=0
    for name in "${G_NODES[@]}"; do
        k=$((k + 1))
        n=$(ns "$p" "$name")
        add_ns "$n" "${FORWARDING[@]}"
        ip -n "$n" addr add "$GRAPH_V4.$k/32" dev lo
        ip -n "$n" addr add "$GRAPH_V6:$k/128" dev lo
    done
    for g in "${G_GATEWAYS[@]}"; do add_ns "$(ns "$p" "${g}i")"; done

    declare -A ifaces=()
    for link in "${G_LINKS[@]}"; do
        read -r i j <<<"$link"
        add_veth "$(ns "$p" "${G_NODES[i - 1]}")" "${p}x${i}y${j}" "$(ns "$p" "${G_NODES[j - 1]}")" "${p}x${j}y${i}"
        ifaces[$i]+=" ${p}x${i}y${j}"
        ifaces[$j]+=" ${p}x${j}y${i}"
    done

    for g in "${G_GATEWAYS[@]}"; do
        k=${G_INDEX[$g]}
        gn=$(gateway_number "$g")
        add_uplink "$(ns "$p" "$g")" "${p}x${k}u" "198.51.100.$((4 * gn - 3))" \
            "$(ns "$p" "${g}i")" "${p}u${k}x" "198.51.100.$((4 * gn - 2))" 30 "$announce_default"
    done

    k=0
    for name in "${G_NODES[@]}"; do
        k=$((k + 1))
        n=$(ns "$p" "$name")
        ifs=${ifaces[$k]:-}
        [[ -n "$ifs" ]] || die "node $name has no links"
        local is_gw=no
        if gateway_number "$name" >/dev/null; then is_gw=yes; fi
        graph_babeld_config "$is_gw" "$announce_default" >"$dir/babeld-$name.conf"
        # shellcheck disable=SC2086
        start_babeld "$n" "$dir/babeld-$name" $ifs
    done
    for name in "${G_NODES[@]}"; do await_babeld "$(ns "$p" "$name")" "$dir/babeld-$name"; done
    trap - EXIT

    echo "graph mesh $p is up: ${#G_NODES[@]} nodes, ${#G_LINKS[@]} links, gateways ${G_GATEWAYS[*]:-none}"
    k=0
    for name in "${G_NODES[@]}"; do
        k=$((k + 1))
        local line="  $p-$name  $GRAPH_V4.$k $GRAPH_V6:$k"
        if gn=$(gateway_number "$name"); then
            line+="  gateway: uplink 198.51.100.$((4 * gn - 3)) — $p-${name}i 198.51.100.$((4 * gn - 2)), 203.0.113.10"
        fi
        echo "$line"
    done
    echo "babeld local interface: [::1]:$BABEL_PORT in each node's namespace; state in $dir"
}

# Every node has babel routes to every other node's two mesh addresses, and routes to its one-hop
# neighbours over the link between them. The second part takes babeld longer (it switches to a
# better route only once its smoothed metric is better, half-life 4 s): until then a neighbour's own
# host route may be installed through a longer way round, and tools that take neighbours from the
# installed routes would miss that link.
graph_routes_complete() {
    local p=$1 k
    for k in $(seq "${#G_NODES[@]}"); do graph_node_settled "$p" "$k" || return 1; done
}

# graph_node_settled PREFIX K: node K's part of graph_routes_complete.
graph_node_settled() {
    local p=$1 k=$2 want=$((${#G_NODES[@]} - 1)) n routes v4 v6 link i j
    n=$(ns "$p" "${G_NODES[k - 1]}")
    routes=$(ip -n "$n" route show proto babel 2>/dev/null || true)
    routes+=$'\n'$(ip -n "$n" -6 route show proto babel 2>/dev/null || true)
    v4=$(grep -c "^${GRAPH_V4//./\\.}\.[0-9]* " <<<"$routes" || true)
    v6=$(grep -c "^$GRAPH_V6:[0-9a-f]* " <<<"$routes" || true)
    [[ $v4 -ge $want && $v6 -ge $want ]] || return 1
    for link in "${G_LINKS[@]}"; do
        read -r i j <<<"$link"
        if [[ $j -eq $k ]]; then j=$i; elif [[ $i -ne $k ]]; then continue; fi
        grep -q "^${GRAPH_V4//./\\.}\.$j .* dev ${p}x${k}y${j} " <<<"$routes" || return 1
        grep -q "^$GRAPH_V6:$j .* dev ${p}x${k}y${j} " <<<"$routes" || return 1
    done
}

# Node 1 pings every other node's IPv4 and IPv6 mesh address (all at once).
graph_first_reaches_all() {
    local p=$1 first k pids=() pid ok=0
    first=$(ns "$p" "${G_NODES[0]}")
    for k in $(seq 2 "${#G_NODES[@]}"); do
        in_ns "$first" ping -c1 -W 1 -q "$GRAPH_V4.$k" >/dev/null 2>&1 &
        pids+=($!)
        in_ns "$first" ping -6 -c1 -W 1 -q "$GRAPH_V6:$k" >/dev/null 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || ok=1; done
    return $ok
}

wait_graph() {
    local p=$1 timeout=${2:-60}
    check_timeout "$timeout"
    load_graph "$p"
    poll "$timeout" 0.2 graph_settled graph_babelds_running graph_not_settled
}

# wait_graph's steps for poll (they use its p and timeout).
graph_settled() { graph_routes_complete "$p" && graph_first_reaches_all "$p"; }
graph_babelds_running() {
    local name
    for name in "${G_NODES[@]}"; do
        require_running babeld "$(ns "$p" "$name")" "$STATE_ROOT/$p/babeld-$name"
    done
}
graph_not_settled() {
    local unsettled=() k
    for k in $(seq "${#G_NODES[@]}"); do
        graph_node_settled "$p" "$k" || unsettled+=("${G_NODES[k - 1]}")
    done
    die "graph mesh $p did not converge in ${timeout} s: $(if ((${#unsettled[@]})); then
        echo "${unsettled[*]} still miss routes to some node or route a neighbour the long way round"
    else echo "${G_NODES[0]} cannot ping every other node's mesh addresses"; fi)"
}

serve_graph() {
    local p=$1 dir="$STATE_ROOT/$1" g inet started=()
    load_graph "$p"
    [[ ${#G_GATEWAYS[@]} -gt 0 ]] || die "graph mesh $p has no gateways, so no internet namespaces to serve from"
    command -v python3 >/dev/null || die "python3 is not installed (needed by serve-graph)"
    web_root "$dir"
    for g in "${G_GATEWAYS[@]}"; do
        inet=$(ns "$p" "${g}i")
        ns_exists "$inet" || die "graph mesh $p is not up (no namespace $inet)"
        if pidfile_is_ours "$dir/http-$g.pid"; then
            echo "http://203.0.113.10/big.bin is already served from $inet"
            continue
        fi
        start_http "$inet" "$dir" "http-$g"
        started+=("$g")
    done
    for g in "${started[@]}"; do await_http "$(ns "$p" "${g}i")" "$dir" "http-$g"; done
}

main() {
    [[ $# -ge 2 ]] || usage
    local cmd=$1 arg=$2
    need_root
    case $cmd in
        up)
            check_prefix "$arg"
            local announce=no ygg=no opt
            for opt in "${@:3}"; do
                case $opt in
                    --announce-default) announce=yes ;;
                    --yggdrasil) ygg=yes ;;
                    "") ;;
                    *) die "unknown option '$opt' for up" ;;
                esac
            done
            up "$arg" "$announce" "$ygg"
            ;;
        wait) check_prefix "$arg"; wait_converged "$arg" "${3:-30}" ;;
        ygg-addr)
            check_prefix "$arg"
            [[ $# -eq 3 ]] || usage
            ygg_address_of "$arg" "$3"
            ;;
        serve) check_prefix "$arg"; serve_line "$arg" mesh ;;
        down) check_prefix "$arg"; down "$arg" ;;
        sweep) sweep "$arg" ;;
        graph)
            check_graph_prefix "$arg"
            [[ $# -ge 3 ]] || die "graph needs a SPEC: lab/mesh.sh graph PREFIX 'nodes=... links=... gateways=...'"
            local graph_announce=no
            case ${4:-} in
                "") ;;
                --announce-default) graph_announce=yes ;;
                *) die "unknown option '${4}' for graph" ;;
            esac
            graph_up "$arg" "$3" "$graph_announce"
            ;;
        wait-graph) check_graph_prefix "$arg"; wait_graph "$arg" "${3:-60}" ;;
        serve-graph) check_graph_prefix "$arg"; serve_graph "$arg" ;;
        *) usage ;;
    esac
}

main "$@"
