#!/usr/bin/env bash
# The Yggdrasil lab mesh: four network namespaces in a line, yggdrasil on the mesh links.
#
#   PREFIX-ysub ──ygg── PREFIX-yrel ──ygg── PREFIX-ygw ──uplink── PREFIX-yinet
#
# Used by the Yggdrasil lab tests and to record the adapter's fixtures. Needs root, iproute2,
# yggdrasil (0.4.7), ping, python3.
#
#   lab/ygg-mesh.sh up PREFIX                  build the mesh (idempotent)
#   lab/ygg-mesh.sh wait PREFIX [TIMEOUT]      wait until ysub reaches ygw's Yggdrasil address; prints seconds
#   lab/ygg-mesh.sh serve PREFIX               HTTP on 203.0.113.10:80 in yinet, serving /big.bin (8 MiB)
#   lab/ygg-mesh.sh addr PREFIX NODE           print NODE's Yggdrasil address (NODE: ysub, yrel or ygw)
#   lab/ygg-mesh.sh down PREFIX                stop everything of PREFIX, delete its namespaces and state
#   lab/ygg-mesh.sh sweep PATTERN              `down` every namespace/state dir whose name starts with PATTERN
#
# What `up` builds (PREFIX: 1-12 of [A-Za-z0-9_], e.g. ylab1234):
#   node   namespace      links (interface names are host-unique)               yggdrasil TUN
#   ysub   PREFIX-ysub    PREFIX-sr ── PREFIX-rs (yrel)                          PREFIX-ts
#   yrel   PREFIX-yrel    PREFIX-rg ── PREFIX-gr (ygw)                           PREFIX-tr
#   ygw    PREFIX-ygw     PREFIX-gi 198.51.100.1/24 ── PREFIX-ig 198.51.100.2/24  PREFIX-tg
#   yinet  PREFIX-yinet   203.0.113.10/32 on lo; no yggdrasil, no route to the mesh (replies need ygw's NAT)
# ygw's default route goes via 198.51.100.2 (its uplink). The mesh links carry only IPv6 link-local
# addresses; the yggdrasil nodes find each other there by link-local multicast (MulticastInterfaces
# names exactly the node's mesh veths) and peer over TCP. Each node's address (200::/7) is derived
# from its key; `addr` prints it.
# yggdrasil in each mesh node: its own config (yggdrasil -genconf -json, edited), admin socket
# unix:///run/mnigs-lab/PREFIX/NODE.sock, log NODE.log, pid NODE.pid.
#
# All state (configs, pid files, sockets, logs, the web root) is under /run/mnigs-lab/PREFIX/.
set -euo pipefail

readonly STATE_ROOT=/run/mnigs-lab
readonly MESH_NODES=(ysub yrel ygw)
readonly ALL_NODES=(ysub yrel ygw yinet)

die() { echo "ygg-mesh.sh: $*" >&2; exit 1; }

usage() {
    sed -n '9,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

check_prefix() {
    [[ "$1" =~ ^[A-Za-z0-9_]{1,12}$ ]] ||
        die "bad prefix '$1': use 1-12 letters, digits or '_' (interface names are PREFIX-xx, at most 15 characters)"
}

check_node() {
    [[ " ${MESH_NODES[*]} " == *" $1 "* ]] || die "bad node '$1': one of ${MESH_NODES[*]}"
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"; }

ns() { echo "$1-$2"; }                # ns PREFIX NODE
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
ns_exists() { [[ -e "/run/netns/$1" ]]; }

# The veths yggdrasil peers over, per mesh node.
mesh_ifaces() {
    local p=$1
    case $2 in
        ysub) echo "$p-sr" ;;
        yrel) echo "$p-rs $p-rg" ;;
        ygw) echo "$p-gr" ;;
    esac
}

tun_name() {
    case $2 in ysub) echo "$1-ts" ;; yrel) echo "$1-tr" ;; ygw) echo "$1-tg" ;; esac
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

# Stop the processes in the given pid files together: TERM first, KILL what is left after 3 s.
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

down() {
    local p=$1 dir="$STATE_ROOT/$1" node n
    stop_pidfiles "$dir"/*.pid
    for node in "${ALL_NODES[@]}"; do
        n=$(ns "$p" "$node")
        stop_ns_processes "$n"
        if ns_exists "$n"; then
            ip netns del "$n" || die "could not delete namespace $n"
        fi
    done
    rm -rf "$dir"
}

# A fresh config for NODE: new keys from yggdrasil itself, then our admin socket, TUN name and
# multicast peering on exactly this node's mesh veths (never any other interface of the host).
ygg_config() {
    local p=$1 node=$2 dir=$3 regex
    regex="^($(mesh_ifaces "$p" "$node" | tr ' ' '|'))\$"
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
' "$dir/$node.sock" "$(tun_name "$p" "$node")" "$regex" "$node"
}

is_up() {
    local p=$1 node pid
    for node in "${ALL_NODES[@]}"; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for node in "${MESH_NODES[@]}"; do
        pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/$node.pid") || return 1
        pid_is_ours "$pid" || return 1
    done
}

up() {
    local p=$1 dir="$STATE_ROOT/$1" node n
    if is_up "$p"; then
        echo "ygg mesh $p is already up"
        return 0
    fi
    down "$p"
    command -v yggdrasil >/dev/null || die "yggdrasil is not installed"
    command -v python3 >/dev/null || die "python3 is not installed (needed to edit yggdrasil's config)"
    mkdir -p "$dir"
    # Any failure from here on (set -e or die) leaves nothing half-built behind.
    BUILDING=$p
    trap 'echo "ygg-mesh.sh: up $BUILDING failed; removed what was built" >&2; down "$BUILDING"' EXIT

    for node in "${ALL_NODES[@]}"; do
        n=$(ns "$p" "$node")
        ip netns add "$n"
        # Before any link exists: no DAD, so the link-local addresses yggdrasil beacons from are usable at once.
        in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
        in_ns "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
        in_ns "$n" ip link set lo up
    done
    for node in "${MESH_NODES[@]}"; do
        in_ns "$(ns "$p" "$node")" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    done

    # veth pairs are created inside the namespaces: nothing ever appears in the host's namespace.
    ip -n "$(ns "$p" ysub)" link add "$p-sr" mtu 1500 type veth peer name "$p-rs" mtu 1500 netns "$(ns "$p" yrel)"
    ip -n "$(ns "$p" yrel)" link add "$p-rg" mtu 1500 type veth peer name "$p-gr" mtu 1500 netns "$(ns "$p" ygw)"
    ip -n "$(ns "$p" ygw)" link add "$p-gi" mtu 1500 type veth peer name "$p-ig" mtu 1500 netns "$(ns "$p" yinet)"
    ip -n "$(ns "$p" ysub)" link set "$p-sr" up
    ip -n "$(ns "$p" yrel)" link set "$p-rs" up
    ip -n "$(ns "$p" yrel)" link set "$p-rg" up
    ip -n "$(ns "$p" ygw)" link set "$p-gr" up

    # ygw's uplink to the "internet".
    local gw inet
    gw=$(ns "$p" ygw)
    inet=$(ns "$p" yinet)
    ip -n "$gw" addr add 198.51.100.1/24 dev "$p-gi"
    ip -n "$gw" link set "$p-gi" up
    ip -n "$inet" addr add 198.51.100.2/24 dev "$p-ig"
    ip -n "$inet" link set "$p-ig" up
    ip -n "$inet" addr add 203.0.113.10/32 dev lo
    ip -n "$gw" route add default via 198.51.100.2 dev "$p-gi"

    for node in "${MESH_NODES[@]}"; do
        ygg_config "$p" "$node" "$dir" >"$dir/$node.conf"
        chmod 600 "$dir/$node.conf"
        yggdrasil -useconffile "$dir/$node.conf" -address >"$dir/$node.addr"
    done
    for node in "${MESH_NODES[@]}"; do
        n=$(ns "$p" "$node")
        setsid ip netns exec "$n" yggdrasil -useconffile "$dir/$node.conf" -logto "$dir/$node.log" \
            </dev/null >/dev/null 2>&1 &
        echo $! >"$dir/$node.pid"
    done
    # Up means each admin socket answers (then the TUN exists and multicast runs).
    for node in "${MESH_NODES[@]}"; do
        local ok=""
        for _ in $(seq 100); do
            pid_is_ours "$(cat "$dir/$node.pid")" ||
                die "yggdrasil did not start in $(ns "$p" "$node"): $(tail -n 5 "$dir/$node.log" 2>/dev/null)"
            if [[ -S "$dir/$node.sock" ]] && python3 - "$dir/$node.sock" <<'PY' 2>/dev/null; then
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
                ok=yes
                break
            fi
            sleep 0.1
        done
        [[ -n "$ok" ]] || die "yggdrasil's admin socket in $(ns "$p" "$node") did not answer: $(tail -n 5 "$dir/$node.log" 2>/dev/null)"
    done
    trap - EXIT

    echo "ygg mesh $p is up: $p-ysub $(cat "$dir/ysub.addr") — $p-yrel $(cat "$dir/yrel.addr") — $p-ygw $(cat "$dir/ygw.addr") (uplink 198.51.100.1) — $p-yinet 203.0.113.10"
    echo "admin sockets: unix://$dir/NODE.sock; state in $dir"
}

address_of() {
    local p=$1 node=$2 f="$STATE_ROOT/$1/$2.addr"
    [[ -s "$f" ]] || die "ygg mesh $p is not up (no $f)"
    cat "$f"
}

wait_converged() {
    local p=$1 timeout=${2:-30} start now elapsed node pid sub target
    [[ "$timeout" =~ ^[0-9]+$ ]] || die "bad timeout '$timeout': seconds expected"
    sub=$(ns "$p" ysub)
    ns_exists "$sub" || die "ygg mesh $p is not up (no namespace $sub)"
    target=$(address_of "$p" ygw)
    start=$(date +%s.%N)
    while :; do
        if in_ns "$sub" ping -6 -c1 -W 0.5 -q "$target" >/dev/null 2>&1; then
            now=$(date +%s.%N)
            elapsed=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
            echo "$elapsed"
            return 0
        fi
        for node in "${MESH_NODES[@]}"; do
            pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/$node.pid" || true)
            pid_is_ours "$pid" || die "yggdrasil of $(ns "$p" "$node") is not running; see $STATE_ROOT/$p/$node.log"
        done
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
            die "ygg mesh $p did not converge in ${timeout} s: $sub cannot ping $target (ygw)"
        fi
        sleep 0.1
    done
}

serve() {
    local p=$1 dir="$STATE_ROOT/$1" inet pidf www
    inet=$(ns "$p" yinet)
    ns_exists "$inet" || die "ygg mesh $p is not up (no namespace $inet)"
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
        up) check_prefix "$arg"; up "$arg" ;;
        wait) check_prefix "$arg"; wait_converged "$arg" "${3:-30}" ;;
        serve) check_prefix "$arg"; serve "$arg" ;;
        addr)
            check_prefix "$arg"
            [[ $# -eq 3 ]] || usage
            check_node "$3"
            address_of "$arg" "$3"
            ;;
        down) check_prefix "$arg"; down "$arg" ;;
        sweep) sweep "$arg" ;;
        *) usage ;;
    esac
}

main "$@"
