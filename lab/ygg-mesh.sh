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

readonly LAB_SCRIPT=ygg-mesh.sh USAGE_LINES=9,14
readonly MESH_NODES=(ysub yrel ygw)
readonly ALL_NODES=(ysub yrel ygw yinet)
# shellcheck source=lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ygg_tun() {
    case $2 in ysub) echo "$1-ts" ;; yrel) echo "$1-tr" ;; ygw) echo "$1-tg" ;; esac
}

down() {
    local p=$1 node names=()
    for node in "${ALL_NODES[@]}"; do names+=("$(ns "$p" "$node")"); done
    remove_mesh "$p" "${names[@]}"
}

is_up() {
    local p=$1 node
    for node in "${ALL_NODES[@]}"; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for node in "${MESH_NODES[@]}"; do pidfile_is_ours "$STATE_ROOT/$p/$node.pid" || return 1; done
}

up() {
    local p=$1 dir="$STATE_ROOT/$1"
    if is_up "$p"; then
        echo "ygg mesh $p is already up"
        return 0
    fi
    down "$p"
    command -v yggdrasil >/dev/null || die "yggdrasil is not installed"
    command -v python3 >/dev/null || die "python3 is not installed (needed to edit yggdrasil's config)"
    mkdir -p "$dir"
    guard_build up "$p"
    build_line "$p" no
    start_yggdrasil "$p" ""
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
    local p=$1 timeout=${2:-30} sub target
    check_timeout "$timeout"
    sub=$(ns "$p" ysub)
    ns_exists "$sub" || die "ygg mesh $p is not up (no namespace $sub)"
    target=$(address_of "$p" ygw)
    poll "$timeout" 0.1 converged yggdrasil_running not_converged
}

# wait_converged's steps for poll (they use its p, timeout, sub and target).
converged() { in_ns "$sub" ping -6 -c1 -W 0.5 -q "$target" >/dev/null 2>&1; }
yggdrasil_running() {
    local node
    for node in "${MESH_NODES[@]}"; do require_running yggdrasil "$(ns "$p" "$node")" "$STATE_ROOT/$p/$node"; done
}
not_converged() { die "ygg mesh $p did not converge in ${timeout} s: $sub cannot ping $target (ygw)"; }

main() {
    [[ $# -ge 2 ]] || usage
    local cmd=$1 arg=$2
    need_root
    case $cmd in
        up) check_prefix "$arg"; up "$arg" ;;
        wait) check_prefix "$arg"; wait_converged "$arg" "${3:-30}" ;;
        serve) check_prefix "$arg"; serve_line "$arg" "ygg mesh" ;;
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
