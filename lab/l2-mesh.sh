#!/usr/bin/env bash
# The layer-2 lab: nodes on one switched segment (a Linux bridge as the switch), no routing protocol.
#
#   PREFIX-s1 ──┐
#   PREFIX-s2 ──┼── br0 in PREFIX-sw ──── PREFIX-gw ──uplink── PREFIX-inet
#   PREFIX-sN ──┘
#
# Used by the layer-2 lab tests (tests/Mnigs.Lab.Tests/Layer2Tests.cs). Needs root, iproute2, ping and
# python3 (for `serve`).
#
#   lab/l2-mesh.sh up PREFIX [SUBSCRIBERS]   build the switch, gw, inet and subscribers s1..sN (default 2; idempotent)
#   lab/l2-mesh.sh join PREFIX NODE          plug one more node into the switch (NODE: sN, N 1-99)
#   lab/l2-mesh.sh wait PREFIX [TIMEOUT]     wait until every subscriber pings gw over the switch; prints seconds
#   lab/l2-mesh.sh serve PREFIX              HTTP on 203.0.113.10:80 in inet, serving /big.bin (8 MiB)
#   lab/l2-mesh.sh down PREFIX               stop everything of PREFIX, delete its namespaces and state
#   lab/l2-mesh.sh sweep PATTERN             `down` every namespace/state dir whose name starts with PATTERN
#
# What `up` builds (PREFIX: 1-10 of [A-Za-z0-9_], not starting with "mn": Mnigs removes mn* interfaces):
#   node    namespace     segment interface (its port on br0)   segment address
#   switch  PREFIX-sw     bridge br0: no address, no STP, default multicast snooping
#   gw      PREFIX-gw     PREFIX-ngw (PREFIX-bgw)                10.79.0.1/24; uplink PREFIX-gi 198.51.100.1/24 ── PREFIX-ig
#                                                                198.51.100.2/24 (inet), gw's default route goes that way
#   sN      PREFIX-sN     PREFIX-nsN (PREFIX-bsN)                10.79.0.(10+N)/24, no default route
#   inet    PREFIX-inet   203.0.113.10/32 on lo; no route to the segment (replies need gw's NAT)
# The segment's addresses are what a DHCP server or an admin would give the nodes; Mnigs sets none. IPv6
# link-local addresses exist on the segment as well (DAD off, as in every lab namespace). No routing daemon
# runs anywhere: the Mnigs daemons find each other by mDNS on the segment.
#
# All state (pid files, the web root) is under /run/mnigs-lab/PREFIX/.
set -euo pipefail

readonly LAB_SCRIPT=l2-mesh.sh USAGE_LINES=11,16
readonly MESH_NODES=(s1 s2 gw)
readonly ALL_NODES=(s1 s2 gw inet)
readonly SEGMENT=10.79.0
# shellcheck source=lab/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

check_l2_prefix() {
    [[ "$1" =~ ^[A-Za-z0-9_]{1,10}$ ]] ||
        die "bad prefix '$1': use 1-10 letters, digits or '_' (interface names are PREFIX-nsNN, at most 15 characters)"
    [[ "$1" != mn* ]] || die "bad prefix '$1': it must not start with 'mn' (Mnigs removes interfaces named mn* when it starts)"
}

# subscriber_number NODE: N of sN (1-99), or dies.
subscriber_number() {
    [[ "$1" =~ ^s([1-9][0-9]?)$ ]] || die "bad node '$1': s1 to s99 expected"
    echo "${BASH_REMATCH[1]}"
}

# Every namespace of PREFIX: PREFIX-NAME with NAME of letters and digits.
prefix_namespaces() {
    ip netns list 2>/dev/null | awk -v p="$1-" '{ n = $1 }
        substr(n, 1, length(p)) == p && substr(n, length(p) + 1) ~ /^[A-Za-z0-9]+$/ { print n }'
}

down() {
    local names
    mapfile -t names < <(prefix_namespaces "$1")
    remove_mesh "$1" "${names[@]}"
}

# plug PREFIX NODE ADDRESS: NODE's namespace, its veth PREFIX-nNODE into br0 (as port PREFIX-bNODE), its
# address on the segment.
plug() {
    local p=$1 node=$2 address=$3 n sw
    n=$(ns "$p" "$node") sw=$(ns "$p" sw)
    add_ns "$n"
    add_veth "$n" "$p-n$node" "$sw" "$p-b$node"
    ip -n "$sw" link set "$p-b$node" master br0
    ip -n "$n" addr add "$address/24" dev "$p-n$node"
}

is_up() {
    local p=$1 count=$2 node k
    for node in sw gw inet; do ns_exists "$(ns "$p" "$node")" || return 1; done
    for k in $(seq "$count"); do ns_exists "$(ns "$p" "s$k")" || return 1; done
}

up() {
    local p=$1 count=$2 dir="$STATE_ROOT/$1" sw k
    if is_up "$p" "$count"; then
        echo "layer-2 segment $p is already up"
        return 0
    fi
    down "$p"
    mkdir -p "$dir"
    guard_build up "$p"
    sw=$(ns "$p" sw)
    add_ns "$sw"
    ip -n "$sw" link add br0 type bridge stp_state 0
    ip -n "$sw" link set br0 up
    plug "$p" gw "$SEGMENT.1"
    add_ns "$(ns "$p" inet)"
    add_uplink "$(ns "$p" gw)" "$p-gi" 198.51.100.1 "$(ns "$p" inet)" "$p-ig" 198.51.100.2 24 no
    for k in $(seq "$count"); do plug "$p" "s$k" "$SEGMENT.$((10 + k))"; done
    trap - EXIT
    echo "layer-2 segment $p is up: br0 in $sw; $p-gw $SEGMENT.1 (uplink 198.51.100.1 — $p-inet 203.0.113.10)$(
        for k in $(seq "$count"); do echo -n "; $p-s$k $SEGMENT.$((10 + k))"; done)"
}

join() {
    local p=$1 node=$2 k
    k=$(subscriber_number "$node")
    ns_exists "$(ns "$p" sw)" || die "layer-2 segment $p is not up (no namespace $(ns "$p" sw))"
    ! ns_exists "$(ns "$p" "$node")" || die "$(ns "$p" "$node") exists already"
    # A failed join removes only what it added, never the segment.
    trap "echo '$LAB_SCRIPT: join $node to $p failed; removed it' >&2; delete_namespaces '$(ns "$p" "$node")'" EXIT
    plug "$p" "$node" "$SEGMENT.$((10 + k))"
    trap - EXIT
    echo "$(ns "$p" "$node") joined the switch: $p-n$node $SEGMENT.$((10 + k))"
}

wait_segment() {
    local p=$1 timeout=${2:-30} subscribers
    check_timeout "$timeout"
    ns_exists "$(ns "$p" sw)" || die "layer-2 segment $p is not up (no namespace $(ns "$p" sw))"
    mapfile -t subscribers < <(prefix_namespaces "$p" | sed -n "s/^$p-\(s[0-9]*\)$/\1/p")
    poll "$timeout" 0.1 all_reach_gw true not_reached
}

# wait_segment's steps for poll (they use its p, timeout and subscribers).
all_reach_gw() {
    local node
    for node in "${subscribers[@]}"; do
        in_ns "$(ns "$p" "$node")" ping -c1 -W 0.2 -q "$SEGMENT.1" >/dev/null 2>&1 || return 1
    done
}
not_reached() { die "layer-2 segment $p: not every subscriber (${subscribers[*]}) pings $SEGMENT.1 after ${timeout} s"; }

main() {
    [[ $# -ge 2 ]] || usage
    local cmd=$1 arg=$2
    need_root
    case $cmd in
        up)
            check_l2_prefix "$arg"
            local count=${3:-2}
            [[ "$count" =~ ^[0-9]$|^[1-9][0-9]$ ]] || die "bad number of subscribers '$count': 0 to 99"
            up "$arg" "$count"
            ;;
        join) check_l2_prefix "$arg"; [[ $# -eq 3 ]] || usage; join "$arg" "$3" ;;
        wait) check_l2_prefix "$arg"; wait_segment "$arg" "${3:-30}" ;;
        serve) check_l2_prefix "$arg"; serve_line "$arg" "layer-2 segment" ;;
        down) check_l2_prefix "$arg"; down "$arg" ;;
        sweep) sweep "$arg" ;;
        *) usage ;;
    esac
}

main "$@"
