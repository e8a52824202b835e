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

readonly STATE_ROOT=/run/mnigs-lab
readonly BABEL_PORT=33123
readonly MESH_NODES=(sub relay gw)
readonly ALL_NODES=(sub relay gw inet)

die() { echo "mesh.sh: $*" >&2; exit 1; }

usage() {
    sed -n '9,20p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

check_prefix() {
    [[ "$1" =~ ^[A-Za-z0-9_]{1,12}$ ]] ||
        die "bad prefix '$1': use 1-12 letters, digits or '_' (interface names are PREFIX-xx, at most 15 characters)"
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"; }

ns() { echo "$1-$2"; }                # ns PREFIX NODE
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
ns_exists() { [[ -e "/run/netns/$1" ]]; }

node_number() {
    case $1 in sub) echo 1 ;; relay) echo 2 ;; gw) echo 3 ;; *) die "no mesh address for $1" ;; esac
}

# Babel interfaces per mesh node.
babel_ifaces() {
    local p=$1
    case $2 in
        sub) echo "$p-sr" ;;
        relay) echo "$p-rs $p-rg" ;;
        gw) echo "$p-gr" ;;
    esac
}

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# A pid from our pid files is ours only while its command line names our state directory
# (pids get reused; a stale pid file must never stop a stranger).
pid_is_ours() {
    local cmdline
    pid_alive "$1" || return 1
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
    [[ "$cmdline" == *"$STATE_ROOT/"* ]]
}

# Stop the processes in the given pid files together (babeld takes over a second to say goodbye):
# TERM first, KILL what is left after 3 s.
stop_pidfiles() {
    local f pid pids=()
    for f in "$@"; do
        [[ -f "$f" ]] || continue
        pid=$(tr -dc '0-9' <"$f")
        if pid_is_ours "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    for _ in $(seq 30); do
        local alive=()
        for pid in "${pids[@]}"; do
            if pid_alive "$pid"; then alive+=("$pid"); fi
        done
        pids=("${alive[@]}")
        if [[ ${#pids[@]} -eq 0 ]]; then break; fi
        sleep 0.1
    done
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    rm -f "$@"
}

# A namespace with processes still inside would outlive `ip netns del`: stop them too.
stop_ns_processes() {
    local n=$1 pids
    ns_exists "$n" || return 0
    pids=$(ip netns pids "$n" 2>/dev/null || true)
    [[ -z "$pids" ]] && return 0
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 20); do
        pids=$(ip netns pids "$n" 2>/dev/null || true)
        [[ -z "$pids" ]] && return 0
        sleep 0.1
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
}

# A namespace with processes still inside would outlive `ip netns del`: stop them, in all the given
# namespaces together (TERM, then KILL what is left after 2 s).
stop_processes_in() {
    local n pids=()
    for n in "$@"; do
        ns_exists "$n" || continue
        # shellcheck disable=SC2207
        pids+=($(ip netns pids "$n" 2>/dev/null || true))
    done
    [[ ${#pids[@]} -eq 0 ]] && return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 20); do
        local alive=() pid
        for pid in "${pids[@]}"; do
            if pid_alive "$pid"; then alive+=("$pid"); fi
        done
        pids=("${alive[@]}")
        [[ ${#pids[@]} -eq 0 ]] && return 0
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
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
    local p=$1 dir="$STATE_ROOT/$1" n names
    stop_pidfiles "$dir"/*.pid
    mapfile -t names < <(prefix_namespaces "$p")
    stop_processes_in "${names[@]}"
    for n in "${names[@]}"; do
        if ns_exists "$n"; then
            ip netns del "$n" || die "could not delete namespace $n"
        fi
    done
    rm -rf "$dir"
}

babeld_config() {
    local announce_default=$1
    if [[ $announce_default == yes ]]; then
        # Only routes of a protocol other than "boot" are redistributable: `up` adds gw's default
        # route as "proto static" in this mode.
        echo "redistribute ip 0.0.0.0/0 eq 0 metric 128"
    fi
    cat <<'EOF'
redistribute local ip 10.77.0.0/16 ge 32
redistribute local ip fd77::/64 ge 128
redistribute local deny
redistribute deny
EOF
}

# --yggdrasil: the TUN of NODE's yggdrasil (host-unique, at most 15 characters).
ygg_tun() { echo "$1-y$(node_number "$2")"; }

# Whether the mesh PREFIX runs yggdrasil too (a state dir from before --yggdrasil existed: no).
ygg_enabled() { [[ "$(cat "$STATE_ROOT/$1/yggdrasil" 2>/dev/null)" == yes ]]; }

# A fresh yggdrasil config for NODE: new keys from yggdrasil itself, then our admin socket, TUN name
# and multicast peering on exactly this node's mesh veths (never any other interface of the host).
ygg_config() {
    local p=$1 node=$2 dir=$3 regex
    regex="^($(babel_ifaces "$p" "$node" | tr ' ' '|'))\$"
    yggdrasil -genconf -json | python3 -c '
import json, sys
sock, tun, regex, name = sys.argv[1:5]
c = json.load(sys.stdin)
c["AdminListen"] = "unix://" + sock
c["IfName"] = tun
c["Peers"] = []
c["InterfacePeers"] = {}
c["Listen"] = []
c["MulticastInterfaces"] = [{"Regex": regex, "Beacon": True, "Listen": True, "Port": 0, "Priority": 0}]
c["NodeInfo"] = {"name": name}
json.dump(c, sys.stdout, indent=2)
' "$dir/$node-ygg.sock" "$(ygg_tun "$p" "$node")" "$regex" "$node"
}

# True when yggdrasil's admin socket at $1 answers getSelf successfully.
ygg_answers() {
    [[ -S "$1" ]] && python3 - "$1" <<'PY' 2>/dev/null
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(1)
s.connect(sys.argv[1])
s.sendall(b'{"request":"getSelf"}')
buf = b""
while chunk := s.recv(65536):
    buf += chunk
sys.exit(0 if json.loads(buf).get("status") == "success" else 1)
PY
}

# Starts yggdrasil in sub, relay and gw; returns once each admin socket answers (then the TUN exists
# and multicast runs).
start_yggdrasil() {
    local p=$1 dir="$STATE_ROOT/$1" node n
    for node in "${MESH_NODES[@]}"; do
        ygg_config "$p" "$node" "$dir" >"$dir/$node-ygg.conf"
        chmod 600 "$dir/$node-ygg.conf"
        yggdrasil -useconffile "$dir/$node-ygg.conf" -address >"$dir/$node-ygg.addr"
    done
    for node in "${MESH_NODES[@]}"; do
        n=$(ns "$p" "$node")
        setsid ip netns exec "$n" yggdrasil -useconffile "$dir/$node-ygg.conf" -logto "$dir/$node-ygg.log" \
            </dev/null >/dev/null 2>&1 &
        echo $! >"$dir/$node-ygg.pid"
    done
    for node in "${MESH_NODES[@]}"; do
        local ok=""
        for _ in $(seq 100); do
            pid_is_ours "$(cat "$dir/$node-ygg.pid")" ||
                die "yggdrasil did not start in $(ns "$p" "$node"): $(tail -n 5 "$dir/$node-ygg.log" 2>/dev/null)"
            if ygg_answers "$dir/$node-ygg.sock"; then
                ok=yes
                break
            fi
            sleep 0.1
        done
        [[ -n "$ok" ]] || die "yggdrasil's admin socket in $(ns "$p" "$node") did not answer: $(tail -n 5 "$dir/$node-ygg.log" 2>/dev/null)"
    done
}

ygg_address_of() {
    local p=$1 node=$2 f="$STATE_ROOT/$1/$2-ygg.addr"
    [[ " ${MESH_NODES[*]} " == *" $node "* ]] || die "bad node '$node': one of ${MESH_NODES[*]}"
    ygg_enabled "$p" && [[ -s "$f" ]] || die "mesh $p does not run yggdrasil (no $f); build it with: lab/mesh.sh up $p --yggdrasil"
    cat "$f"
}

is_up() {
    local p=$1 announce_default=$2 yggdrasil=${3:-no} node pid
    [[ "$(cat "$STATE_ROOT/$p/announce-default" 2>/dev/null)" == "$announce_default" ]] || return 1
    if ygg_enabled "$p"; then [[ $yggdrasil == yes ]] || return 1; else [[ $yggdrasil == no ]] || return 1; fi
    for node in "${ALL_NODES[@]}"; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for node in "${MESH_NODES[@]}"; do
        pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/babeld-$node.pid") || return 1
        pid_is_ours "$pid" || return 1
        if [[ $yggdrasil == yes ]]; then
            pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/$node-ygg.pid") || return 1
            pid_is_ours "$pid" || return 1
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
    # Any failure from here on (set -e or die) leaves nothing half-built behind.
    BUILDING=$p
    trap 'echo "mesh.sh: up $BUILDING failed; removed what was built" >&2; down "$BUILDING"' EXIT

    for node in "${ALL_NODES[@]}"; do
        n=$(ns "$p" "$node")
        ip netns add "$n"
        # Before any link exists: no DAD, so babeld can send at once on fresh veths.
        in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
        in_ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        in_ns "$n" ip link set lo up
    done
    for node in "${MESH_NODES[@]}"; do
        n=$(ns "$p" "$node")
        i=$(node_number "$node")
        in_ns "$n" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
        in_ns "$n" ip addr add "10.77.0.$i/32" dev lo
        in_ns "$n" ip addr add "fd77::$i/128" dev lo
    done

    # veth pairs are created inside the namespaces: nothing ever appears in the host's namespace.
    ip -n "$(ns "$p" sub)" link add "$p-sr" mtu 1500 type veth peer name "$p-rs" mtu 1500 netns "$(ns "$p" relay)"
    ip -n "$(ns "$p" relay)" link add "$p-rg" mtu 1500 type veth peer name "$p-gr" mtu 1500 netns "$(ns "$p" gw)"
    ip -n "$(ns "$p" gw)" link add "$p-gi" mtu 1500 type veth peer name "$p-ig" mtu 1500 netns "$(ns "$p" inet)"
    ip -n "$(ns "$p" sub)" link set "$p-sr" up
    ip -n "$(ns "$p" relay)" link set "$p-rs" up
    ip -n "$(ns "$p" relay)" link set "$p-rg" up
    ip -n "$(ns "$p" gw)" link set "$p-gr" up

    # gw's uplink to the "internet".
    local gw inet
    gw=$(ns "$p" gw)
    inet=$(ns "$p" inet)
    ip -n "$gw" addr add 198.51.100.1/24 dev "$p-gi"
    ip -n "$gw" link set "$p-gi" up
    ip -n "$inet" addr add 198.51.100.2/24 dev "$p-ig"
    ip -n "$inet" link set "$p-ig" up
    ip -n "$inet" addr add 203.0.113.10/32 dev lo
    if [[ $announce_default == yes ]]; then
        ip -n "$gw" route add default via 198.51.100.2 dev "$p-gi" proto static
    else
        ip -n "$gw" route add default via 198.51.100.2 dev "$p-gi"
    fi

    for node in "${MESH_NODES[@]}"; do
        n=$(ns "$p" "$node")
        babeld_config "$announce_default" >"$dir/babeld-$node.conf"
        # shellcheck disable=SC2046
        in_ns "$n" babeld -D \
            -I "$dir/babeld-$node.pid" -S "$dir/babeld-$node.state" -L "$dir/babeld-$node.log" \
            -c "$dir/babeld-$node.conf" -G "$BABEL_PORT" -h 0.5 -H 0.5 \
            $(babel_ifaces "$p" "$node") ||
            die "babeld failed to start in $n: $(tail -n 5 "$dir/babeld-$node.log" 2>/dev/null)"
    done
    # babeld writes its pid file after daemonizing: make sure all three are running.
    for node in "${MESH_NODES[@]}"; do
        local pid="" f="$dir/babeld-$node.pid"
        for _ in $(seq 50); do
            [[ -s "$f" ]] && pid=$(tr -dc '0-9' <"$f") && pid_alive "$pid" && break
            pid=""
            sleep 0.1
        done
        [[ -n "$pid" ]] || die "babeld did not start in $(ns "$p" "$node"): $(tail -n 5 "$dir/babeld-$node.log" 2>/dev/null)"
    done
    if [[ $yggdrasil == yes ]]; then start_yggdrasil "$p"; fi
    trap - EXIT

    echo "mesh $p is up: $p-sub 10.77.0.1 — $p-relay 10.77.0.2 — $p-gw 10.77.0.3 (uplink 198.51.100.1) — $p-inet 203.0.113.10"
    echo "babeld local interface: [::1]:$BABEL_PORT in each mesh namespace; state in $dir"
    if [[ $yggdrasil == yes ]]; then
        echo "yggdrasil: $p-sub $(cat "$dir/sub-ygg.addr") — $p-relay $(cat "$dir/relay-ygg.addr") — $p-gw $(cat "$dir/gw-ygg.addr"); admin sockets unix://$dir/NODE-ygg.sock"
    fi
}

wait_converged() {
    local p=$1 timeout=${2:-30} start now elapsed node pid sub babel_ok=no ygg_ok=yes ygg_target=""
    [[ "$timeout" =~ ^[0-9]+$ ]] || die "bad timeout '$timeout': seconds expected"
    sub=$(ns "$p" sub)
    ns_exists "$sub" || die "mesh $p is not up (no namespace $sub)"
    if ygg_enabled "$p"; then
        ygg_ok=no
        ygg_target=$(ygg_address_of "$p" gw)
    fi
    start=$(date +%s.%N)
    while :; do
        if [[ $babel_ok == no ]] && in_ns "$sub" ping -c1 -W 0.2 -q 10.77.0.3 >/dev/null 2>&1; then babel_ok=yes; fi
        if [[ $ygg_ok == no ]] && in_ns "$sub" ping -6 -c1 -W 0.5 -q "$ygg_target" >/dev/null 2>&1; then ygg_ok=yes; fi
        if [[ $babel_ok == yes && $ygg_ok == yes ]]; then
            now=$(date +%s.%N)
            elapsed=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
            echo "$elapsed"
            return 0
        fi
        for node in "${MESH_NODES[@]}"; do
            pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/babeld-$node.pid" || true)
            pid_is_ours "$pid" || die "babeld of $(ns "$p" "$node") is not running; see $STATE_ROOT/$p/babeld-$node.log"
            if [[ -n "$ygg_target" ]]; then
                pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/$node-ygg.pid" || true)
                pid_is_ours "$pid" || die "yggdrasil of $(ns "$p" "$node") is not running; see $STATE_ROOT/$p/$node-ygg.log"
            fi
        done
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
            if [[ $babel_ok == no ]]; then die "mesh $p did not converge in ${timeout} s: $sub cannot ping 10.77.0.3"; fi
            die "mesh $p did not converge in ${timeout} s: $sub cannot ping $ygg_target (gw's Yggdrasil address)"
        fi
        sleep 0.1
    done
}

serve() {
    local p=$1 dir="$STATE_ROOT/$1" inet pidf www
    inet=$(ns "$p" inet)
    ns_exists "$inet" || die "mesh $p is not up (no namespace $inet)"
    pidf="$dir/http.pid"
    if [[ -f "$pidf" ]] && pid_is_ours "$(tr -dc '0-9' <"$pidf")"; then
        echo "http://203.0.113.10/big.bin is already served"
        return 0
    fi
    command -v python3 >/dev/null || die "python3 is not installed (needed by serve)"
    www="$dir/www"
    mkdir -p "$www"
    [[ -f "$www/big.bin" ]] || head -c $((8 * 1024 * 1024)) /dev/urandom >"$www/big.bin"
    setsid ip netns exec "$inet" python3 -m http.server 80 --bind 203.0.113.10 --directory "$www" \
        </dev/null >"$dir/http.log" 2>&1 &
    echo $! >"$pidf"
    for _ in $(seq 50); do
        if in_ns "$inet" python3 -c 'import socket; socket.create_connection(("203.0.113.10", 80), 0.2).close()' 2>/dev/null; then
            echo "http://203.0.113.10/big.bin (8 MiB) served from $inet"
            return 0
        fi
        pid_alive "$(cat "$pidf")" || break
        sleep 0.1
    done
    stop_pidfiles "$pidf"
    die "HTTP server did not start in $inet: $(tail -n 5 "$dir/http.log")"
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
    cat <<'CONF'
redistribute local ip 10.78.0.0/16 ge 32
redistribute local ip fd78::/64 ge 128
redistribute local deny
redistribute deny
CONF
}

graph_is_up() {
    local p=$1 spec=$2 announce_default=$3 dir="$STATE_ROOT/$1" name g pid
    [[ "$(cat "$dir/graph.spec" 2>/dev/null)" == "$spec" ]] || return 1
    [[ "$(cat "$dir/announce-default" 2>/dev/null)" == "$announce_default" ]] || return 1
    for name in "${G_NODES[@]}"; do
        ns_exists "$(ns "$p" "$name")" || return 1
        pid=$(tr -dc '0-9' 2>/dev/null <"$dir/babeld-$name.pid") || return 1
        pid_is_ours "$pid" || return 1
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
    BUILDING=$p
    trap 'echo "mesh.sh: graph $BUILDING failed; removed what was built" >&2; down "$BUILDING"' EXIT

    k=0
    for name in "${G_NODES[@]}"; do
        k=$((k + 1))
        n=$(ns "$p" "$name")
        ip netns add "$n"
        # Before any link exists: no DAD, so babeld can send at once on fresh veths.
        in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
            net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
        ip -n "$n" link set lo up
        ip -n "$n" addr add "$GRAPH_V4.$k/32" dev lo
        ip -n "$n" addr add "$GRAPH_V6:$k/128" dev lo
    done
    for g in "${G_GATEWAYS[@]}"; do
        n=$(ns "$p" "${g}i")
        ip netns add "$n"
        in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
            net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        ip -n "$n" link set lo up
        ip -n "$n" addr add 203.0.113.10/32 dev lo
    done

    # veth pairs are created inside the namespaces: nothing ever appears in the host's namespace.
    declare -A ifaces=()
    for link in "${G_LINKS[@]}"; do
        read -r i j <<<"$link"
        local a b
        a=$(ns "$p" "${G_NODES[i - 1]}") b=$(ns "$p" "${G_NODES[j - 1]}")
        ip -n "$a" link add "${p}x${i}y${j}" mtu 1500 type veth peer name "${p}x${j}y${i}" mtu 1500 netns "$b"
        ip -n "$a" link set "${p}x${i}y${j}" up
        ip -n "$b" link set "${p}x${j}y${i}" up
        ifaces[$i]+=" ${p}x${i}y${j}"
        ifaces[$j]+=" ${p}x${j}y${i}"
    done

    for g in "${G_GATEWAYS[@]}"; do
        k=${G_INDEX[$g]}
        gn=$(gateway_number "$g")
        local gwns inet up peer
        gwns=$(ns "$p" "$g") inet=$(ns "$p" "${g}i")
        up=198.51.100.$((4 * gn - 3)) peer=198.51.100.$((4 * gn - 2))
        ip -n "$gwns" link add "${p}x${k}u" mtu 1500 type veth peer name "${p}u${k}x" mtu 1500 netns "$inet"
        ip -n "$gwns" addr add "$up/30" dev "${p}x${k}u"
        ip -n "$gwns" link set "${p}x${k}u" up
        ip -n "$inet" addr add "$peer/30" dev "${p}u${k}x"
        ip -n "$inet" link set "${p}u${k}x" up
        if [[ $announce_default == yes ]]; then
            ip -n "$gwns" route add default via "$peer" dev "${p}x${k}u" proto static
        else
            ip -n "$gwns" route add default via "$peer" dev "${p}x${k}u"
        fi
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
        in_ns "$n" babeld -D \
            -I "$dir/babeld-$name.pid" -S "$dir/babeld-$name.state" -L "$dir/babeld-$name.log" \
            -c "$dir/babeld-$name.conf" -G "$BABEL_PORT" -h 0.5 -H 0.5 $ifs ||
            die "babeld failed to start in $n: $(tail -n 5 "$dir/babeld-$name.log" 2>/dev/null)"
    done
    # babeld writes its pid file after daemonizing: make sure all of them are running.
    for name in "${G_NODES[@]}"; do
        local pid="" f="$dir/babeld-$name.pid"
        for _ in $(seq 50); do
            [[ -s "$f" ]] && pid=$(tr -dc '0-9' <"$f") && pid_alive "$pid" && break
            pid=""
            sleep 0.1
        done
        [[ -n "$pid" ]] || die "babeld did not start in $(ns "$p" "$name"): $(tail -n 5 "$dir/babeld-$name.log" 2>/dev/null)"
    done
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
    local p=$1 timeout=${2:-60} start now elapsed name pid
    [[ "$timeout" =~ ^[0-9]+$ ]] || die "bad timeout '$timeout': seconds expected"
    load_graph "$p"
    start=$(date +%s.%N)
    while :; do
        if graph_routes_complete "$p" && graph_first_reaches_all "$p"; then
            now=$(date +%s.%N)
            elapsed=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
            echo "$elapsed"
            return 0
        fi
        for name in "${G_NODES[@]}"; do
            pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/babeld-$name.pid" || true)
            pid_is_ours "$pid" || die "babeld of $(ns "$p" "$name") is not running; see $STATE_ROOT/$p/babeld-$name.log"
        done
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
            local unsettled=() k
            for k in $(seq "${#G_NODES[@]}"); do
                graph_node_settled "$p" "$k" || unsettled+=("${G_NODES[k - 1]}")
            done
            die "graph mesh $p did not converge in ${timeout} s: $(if ((${#unsettled[@]})); then
                echo "${unsettled[*]} still miss routes to some node or route a neighbour the long way round"
            else echo "${G_NODES[0]} cannot ping every other node's mesh addresses"; fi)"
        fi
        sleep 0.2
    done
}

serve_graph() {
    local p=$1 dir="$STATE_ROOT/$1" g inet pidf www started=()
    load_graph "$p"
    [[ ${#G_GATEWAYS[@]} -gt 0 ]] || die "graph mesh $p has no gateways, so no internet namespaces to serve from"
    command -v python3 >/dev/null || die "python3 is not installed (needed by serve-graph)"
    www="$dir/www"
    mkdir -p "$www"
    [[ -f "$www/big.bin" ]] || head -c $((8 * 1024 * 1024)) /dev/urandom >"$www/big.bin"
    for g in "${G_GATEWAYS[@]}"; do
        inet=$(ns "$p" "${g}i")
        ns_exists "$inet" || die "graph mesh $p is not up (no namespace $inet)"
        pidf="$dir/http-$g.pid"
        if [[ -f "$pidf" ]] && pid_is_ours "$(tr -dc '0-9' <"$pidf")"; then
            echo "http://203.0.113.10/big.bin is already served from $inet"
            continue
        fi
        setsid ip netns exec "$inet" python3 -m http.server 80 --bind 203.0.113.10 --directory "$www" \
            </dev/null >"$dir/http-$g.log" 2>&1 &
        echo $! >"$pidf"
        started+=("$g")
    done
    for g in "${started[@]}"; do
        inet=$(ns "$p" "${g}i") pidf="$dir/http-$g.pid"
        local ok=no
        for _ in $(seq 50); do
            if in_ns "$inet" python3 -c 'import socket; socket.create_connection(("203.0.113.10", 80), 0.2).close()' 2>/dev/null; then
                ok=yes
                break
            fi
            pid_alive "$(cat "$pidf")" || break
            sleep 0.1
        done
        [[ $ok == yes ]] || { stop_pidfiles "$pidf"; die "HTTP server did not start in $inet: $(tail -n 5 "$dir/http-$g.log")"; }
        echo "http://203.0.113.10/big.bin (8 MiB) served from $inet"
    done
}

sweep() {
    local pattern=$1 n p
    [[ "$pattern" =~ ^[A-Za-z0-9_-]+$ ]] || die "bad pattern '$pattern': letters, digits, '_' or '-' expected"
    for n in $(ip netns list | awk '{ print $1 }'); do
        [[ "$n" == "$pattern"* ]] || continue
        p=${n%-*}
        if [[ -d "$STATE_ROOT/$p" ]]; then down "$p"; fi
        if ns_exists "$n"; then
            stop_ns_processes "$n"
            ip netns del "$n" || die "could not delete namespace $n"
        fi
    done
    for d in "$STATE_ROOT/$pattern"*; do
        if [[ -d "$d" ]]; then down "$(basename "$d")"; fi
    done
    return 0
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
        serve) check_prefix "$arg"; serve "$arg" ;;
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
