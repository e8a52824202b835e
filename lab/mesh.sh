#!/usr/bin/env bash
# The standard Mnigs lab mesh: four network namespaces in a line, babeld on the mesh links.
#
#   PREFIX-sub ──babel── PREFIX-relay ──babel── PREFIX-gw ──uplink── PREFIX-inet
#
# Used by the README demo and by the C# lab tests. Needs root, iproute2, babeld (1.12), ping,
# python3 (for `serve` only).
#
#   lab/mesh.sh up PREFIX [--announce-default]   build the mesh (idempotent)
#   lab/mesh.sh wait PREFIX [TIMEOUT]            wait until sub reaches gw's mesh address; prints seconds
#   lab/mesh.sh serve PREFIX                     HTTP on 203.0.113.10:80 in inet, serving /big.bin (8 MiB)
#   lab/mesh.sh down PREFIX                      stop everything of PREFIX, delete its namespaces and state
#   lab/mesh.sh sweep PATTERN                    `down` every namespace/state dir whose name starts with PATTERN
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
# All state (pid files, babeld state files and logs, the web root) is under /run/mnigs-lab/PREFIX/.
set -euo pipefail

readonly STATE_ROOT=/run/mnigs-lab
readonly BABEL_PORT=33123
readonly MESH_NODES=(sub relay gw)
readonly ALL_NODES=(sub relay gw inet)

die() { echo "mesh.sh: $*" >&2; exit 1; }

usage() {
    sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//' >&2
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

is_up() {
    local p=$1 announce_default=$2 node pid
    [[ "$(cat "$STATE_ROOT/$p/announce-default" 2>/dev/null)" == "$announce_default" ]] || return 1
    for node in "${ALL_NODES[@]}"; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for node in "${MESH_NODES[@]}"; do
        pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/babeld-$node.pid") || return 1
        pid_is_ours "$pid" || return 1
    done
}

up() {
    local p=$1 announce_default=$2 dir="$STATE_ROOT/$1" node n i
    if is_up "$p" "$announce_default"; then
        echo "mesh $p is already up"
        return 0
    fi
    down "$p"
    command -v babeld >/dev/null || die "babeld is not installed"
    mkdir -p "$dir"
    echo "$announce_default" >"$dir/announce-default"
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
    trap - EXIT

    echo "mesh $p is up: $p-sub 10.77.0.1 — $p-relay 10.77.0.2 — $p-gw 10.77.0.3 (uplink 198.51.100.1) — $p-inet 203.0.113.10"
    echo "babeld local interface: [::1]:$BABEL_PORT in each mesh namespace; state in $dir"
}

wait_converged() {
    local p=$1 timeout=${2:-30} start now elapsed node pid sub
    [[ "$timeout" =~ ^[0-9]+$ ]] || die "bad timeout '$timeout': seconds expected"
    sub=$(ns "$p" sub)
    ns_exists "$sub" || die "mesh $p is not up (no namespace $sub)"
    start=$(date +%s.%N)
    while :; do
        if in_ns "$sub" ping -c1 -W 0.2 -q 10.77.0.3 >/dev/null 2>&1; then
            now=$(date +%s.%N)
            elapsed=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
            echo "$elapsed"
            return 0
        fi
        for node in "${MESH_NODES[@]}"; do
            pid=$(tr -dc '0-9' 2>/dev/null <"$STATE_ROOT/$p/babeld-$node.pid" || true)
            pid_is_ours "$pid" || die "babeld of $(ns "$p" "$node") is not running; see $STATE_ROOT/$p/babeld-$node.log"
        done
        now=$(date +%s.%N)
        if awk -v a="$start" -v b="$now" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
            die "mesh $p did not converge in ${timeout} s: $sub cannot ping 10.77.0.3"
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
            local announce=no
            case ${3:-} in
                "") ;;
                --announce-default) announce=yes ;;
                *) die "unknown option '${3}' for up" ;;
            esac
            up "$arg" "$announce"
            ;;
        wait) check_prefix "$arg"; wait_converged "$arg" "${3:-30}" ;;
        serve) check_prefix "$arg"; serve "$arg" ;;
        down) check_prefix "$arg"; down "$arg" ;;
        sweep) sweep "$arg" ;;
        *) usage ;;
    esac
}

main "$@"
