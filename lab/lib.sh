# What the lab meshes share (lab/mesh.sh, lab/ygg-mesh.sh): sourced, never run.
#
# The script that sources it sets, before using any of it:
#   LAB_SCRIPT    its name, the first word of every message (e.g. mesh.sh)
#   USAGE_LINES   the lines of its header comment that `usage` prints (sed's address, e.g. 9,20)
#   MESH_NODES    the line's three mesh nodes, subscriber end first; ALL_NODES: those and the internet node
# and defines:
#   down PREFIX         stop everything of PREFIX, delete its namespaces and state (used by sweep and on failure)
#   ygg_tun PREFIX NODE the TUN name of NODE's yggdrasil (if it runs yggdrasil)
# A line mesh is PREFIX-<MESH_NODES[0]> ── PREFIX-<MESH_NODES[1]> ── PREFIX-<MESH_NODES[2]> ── PREFIX-<ALL_NODES[3]>,
# with the veths PREFIX-sr ── PREFIX-rs, PREFIX-rg ── PREFIX-gr and the uplink PREFIX-gi ── PREFIX-ig.

readonly STATE_ROOT=/run/mnigs-lab
# What a mesh node, which routes between its links, sets beside the settings of every namespace.
readonly FORWARDING=(net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1)

die() { echo "$LAB_SCRIPT: $*" >&2; exit 1; }

usage() {
    sed -n "${USAGE_LINES}p" "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

check_prefix() {
    [[ "$1" =~ ^[A-Za-z0-9_]{1,12}$ ]] ||
        die "bad prefix '$1': use 1-12 letters, digits or '_' (interface names are PREFIX-xx, at most 15 characters)"
}

check_node() {
    [[ " ${MESH_NODES[*]} " == *" $1 "* ]] || die "bad node '$1': one of ${MESH_NODES[*]}"
}

check_timeout() {
    [[ "$1" =~ ^[0-9]+$ ]] || die "bad timeout '$1': seconds expected"
}

need_root() { [[ $EUID -eq 0 ]] || die "must run as root (network namespaces)"; }

ns() { echo "$1-$2"; }                # ns PREFIX NODE
in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }
ns_exists() { [[ -e "/run/netns/$1" ]]; }

# ---- building ----------------------------------------------------------------------------------

# add_ns NAMESPACE [SYSCTL=VALUE...]: a new namespace with lo up, no DAD (set before any link exists,
# so babeld and yggdrasil can send at once on fresh veths, from usable link-local addresses) and no
# reverse-path filter, plus the given settings.
add_ns() {
    local n=$1
    shift
    ip netns add "$n"
    in_ns "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
        net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 "$@"
    ip -n "$n" link set lo up
}

# add_veth NS_A IF_A NS_B IF_B: a veth pair, both ends up. It is created inside the namespaces:
# nothing ever appears in the host's namespace.
add_veth() {
    ip -n "$1" link add "$2" mtu 1500 type veth peer name "$4" mtu 1500 netns "$3"
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}

# add_uplink GW_NS GW_IF GW_ADDR INET_NS INET_IF INET_ADDR PREFIXLEN STATIC: a gateway's uplink to its
# "internet" namespace, which holds 203.0.113.10/32 and 2001:db8:203::10/128 on lo. The uplink link
# also carries 2001:db8:ff::1/64 (gateway) ── 2001:db8:ff::2/64 (internet; each uplink is its own
# link, so every gateway can use the same pair). The gateway's default routes go via the internet
# end, as "proto static" when STATIC is yes (babeld redistributes only routes of a protocol other
# than "boot").
add_uplink() {
    local gw=$1 gw_if=$2 up=$3 inet=$4 inet_if=$5 peer=$6 len=$7 static=$8 proto=()
    add_veth "$gw" "$gw_if" "$inet" "$inet_if"
    ip -n "$gw" addr add "$up/$len" dev "$gw_if"
    ip -n "$inet" addr add "$peer/$len" dev "$inet_if"
    ip -n "$inet" addr add 203.0.113.10/32 dev lo
    ip -n "$gw" -6 addr add 2001:db8:ff::1/64 dev "$gw_if" nodad
    ip -n "$inet" -6 addr add 2001:db8:ff::2/64 dev "$inet_if" nodad
    ip -n "$inet" -6 addr add 2001:db8:203::10/128 dev lo
    [[ $static == yes ]] && proto=(proto static)
    ip -n "$gw" route add default via "$peer" dev "$gw_if" "${proto[@]}"
    ip -n "$gw" -6 route add default via 2001:db8:ff::2 dev "$gw_if" "${proto[@]}"
}

# build_line PREFIX STATIC: the line's four namespaces (the mesh nodes forward), its two mesh links
# (IPv6 link-local only) and the gateway's uplink 198.51.100.1/24 ── 198.51.100.2/24 (STATIC: as in
# add_uplink).
build_line() {
    local p=$1 node sub rel gw inet
    for node in "${MESH_NODES[@]}"; do add_ns "$(ns "$p" "$node")" "${FORWARDING[@]}"; done
    add_ns "$(ns "$p" "${ALL_NODES[3]}")"
    sub=$(ns "$p" "${MESH_NODES[0]}") rel=$(ns "$p" "${MESH_NODES[1]}")
    gw=$(ns "$p" "${MESH_NODES[2]}") inet=$(ns "$p" "${ALL_NODES[3]}")
    add_veth "$sub" "$p-sr" "$rel" "$p-rs"
    add_veth "$rel" "$p-rg" "$gw" "$p-gr"
    add_uplink "$gw" "$p-gi" 198.51.100.1 "$inet" "$p-ig" 198.51.100.2 24 "$2"
}

# The mesh veths of a line's mesh node (what babeld runs on and yggdrasil peers over).
mesh_ifaces() {
    local p=$1
    case $2 in
        "${MESH_NODES[0]}") echo "$p-sr" ;;
        "${MESH_NODES[1]}") echo "$p-rs $p-rg" ;;
        "${MESH_NODES[2]}") echo "$p-gr" ;;
    esac
}

# guard_build WHAT PREFIX: until `trap - EXIT`, any failure (set -e or die) says "WHAT PREFIX failed"
# and runs `down PREFIX`: nothing half-built stays behind.
guard_build() {
    BUILD_WHAT=$1 BUILDING=$2
    trap 'echo "$LAB_SCRIPT: $BUILD_WHAT $BUILDING failed; removed what was built" >&2; down "$BUILDING"' EXIT
}

# ---- processes -----------------------------------------------------------------------------------

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# A pid from our pid files is ours only while its command line names our state directory
# (pids get reused; a stale pid file must never stop a stranger).
pid_is_ours() {
    local cmdline
    pid_alive "$1" || return 1
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
    [[ "$cmdline" == *"$STATE_ROOT/"* ]]
}

# pidfile_is_ours FILE: the pid in FILE (which may be missing) is running and ours.
pidfile_is_ours() {
    local pid
    pid=$(tr -dc '0-9' 2>/dev/null <"$1") || return 1
    pid_is_ours "$pid"
}

# require_running WHAT NAMESPACE FILES: dies unless WHAT (babeld, yggdrasil) of FILES.pid runs.
require_running() {
    pidfile_is_ours "$3.pid" || die "$1 of $2 is not running; see $3.log"
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

# delete_namespaces NAMESPACE...: stop the processes inside, then delete those that exist.
delete_namespaces() {
    local n
    stop_processes_in "$@"
    for n in "$@"; do
        if ns_exists "$n"; then
            ip netns del "$n" || die "could not delete namespace $n"
        fi
    done
}

# remove_mesh PREFIX NAMESPACE...: what `down` does: stop the processes of PREFIX's pid files, delete
# the namespaces, remove the state dir.
remove_mesh() {
    local p=$1
    shift
    stop_pidfiles "$STATE_ROOT/$p"/*.pid
    delete_namespaces "$@"
    rm -rf "${STATE_ROOT:?}/$p"
}

sweep() {
    local pattern=$1 n p
    [[ "$pattern" =~ ^[A-Za-z0-9_-]+$ ]] || die "bad pattern '$pattern': letters, digits, '_' or '-' expected"
    for n in $(ip netns list | awk '{ print $1 }'); do
        [[ "$n" == "$pattern"* ]] || continue
        p=${n%-*}
        if [[ -d "$STATE_ROOT/$p" ]]; then down "$p"; fi
        delete_namespaces "$n"
    done
    for d in "$STATE_ROOT/$pattern"*; do
        if [[ -d "$d" ]]; then down "$(basename "$d")"; fi
    done
    return 0
}

# ---- waiting -------------------------------------------------------------------------------------

# poll TIMEOUT INTERVAL READY ALIVE GIVE_UP: tries READY every INTERVAL seconds until it succeeds,
# then prints the seconds that took (one decimal). After each failed try ALIVE runs (it dies if a
# daemon the wait depends on has stopped), and once TIMEOUT seconds have passed GIVE_UP (it dies
# saying what is missing). The three are the caller's functions; they see the caller's variables.
poll() {
    local poll_timeout=$1 poll_interval=$2 poll_ready=$3 poll_alive=$4 poll_give_up=$5 poll_start
    poll_start=$(date +%s.%N)
    while :; do
        if "$poll_ready"; then
            awk -v a="$poll_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f\n", b - a }'
            return 0
        fi
        "$poll_alive"
        if awk -v a="$poll_start" -v b="$(date +%s.%N)" -v t="$poll_timeout" 'BEGIN { exit !(b - a >= t) }'; then
            "$poll_give_up"
        fi
        sleep "$poll_interval"
    done
}

# ---- the internet host's web server --------------------------------------------------------------

# web_root DIR: DIR/www holding big.bin, 8 MiB of random bytes (made once).
web_root() {
    mkdir -p "$1/www"
    [[ -f "$1/www/big.bin" ]] || head -c $((8 * 1024 * 1024)) /dev/urandom >"$1/www/big.bin"
}

# start_http NAMESPACE DIR NAME: HTTP on 203.0.113.10:80 in NAMESPACE, serving DIR/www; DIR/NAME.pid, DIR/NAME.log.
start_http() {
    setsid ip netns exec "$1" python3 -m http.server 80 --bind 203.0.113.10 --directory "$2/www" \
        </dev/null >"$2/$3.log" 2>&1 &
    echo $! >"$2/$3.pid"
}

# await_http NAMESPACE DIR NAME: returns once start_http's server answers; else stops it and dies.
await_http() {
    local inet=$1 pidf="$2/$3.pid"
    for _ in $(seq 50); do
        if in_ns "$inet" python3 -c 'import socket; socket.create_connection(("203.0.113.10", 80), 0.2).close()' 2>/dev/null; then
            echo "http://203.0.113.10/big.bin (8 MiB) served from $inet"
            return 0
        fi
        pid_alive "$(cat "$pidf")" || break
        sleep 0.1
    done
    stop_pidfiles "$pidf"
    die "HTTP server did not start in $inet: $(tail -n 5 "$2/$3.log")"
}

# serve_line PREFIX WHAT: `serve` of a line mesh (WHAT: how messages name it, e.g. "ygg mesh").
serve_line() {
    local p=$1 dir="$STATE_ROOT/$1" inet
    inet=$(ns "$p" "${ALL_NODES[3]}")
    ns_exists "$inet" || die "$2 $p is not up (no namespace $inet)"
    if pidfile_is_ours "$dir/http.pid"; then
        echo "http://203.0.113.10/big.bin is already served"
        return 0
    fi
    command -v python3 >/dev/null || die "python3 is not installed (needed by serve)"
    web_root "$dir"
    start_http "$inet" "$dir" http
    await_http "$inet" "$dir" http
}

# ---- yggdrasil -----------------------------------------------------------------------------------

# ygg_config SOCKET TUN REGEX NAME: a fresh yggdrasil config: new keys from yggdrasil itself, then
# our admin socket, TUN name and multicast peering on exactly the interfaces REGEX matches (the
# node's mesh veths, never any other interface of the host).
ygg_config() {
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
' "$@"
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

# start_yggdrasil PREFIX SUFFIX: yggdrasil in each mesh node, with its own config and files
# NODE$SUFFIX.{conf,addr,pid,log,sock} in PREFIX's state dir; returns once each admin socket answers
# (then the TUN exists and multicast runs).
start_yggdrasil() {
    local p=$1 dir="$STATE_ROOT/$1" node f
    for node in "${MESH_NODES[@]}"; do
        f="$dir/$node$2"
        ygg_config "$f.sock" "$(ygg_tun "$p" "$node")" "^($(mesh_ifaces "$p" "$node" | tr ' ' '|'))\$" "$node" >"$f.conf"
        chmod 600 "$f.conf"
        yggdrasil -useconffile "$f.conf" -address >"$f.addr"
    done
    for node in "${MESH_NODES[@]}"; do
        f="$dir/$node$2"
        setsid ip netns exec "$(ns "$p" "$node")" yggdrasil -useconffile "$f.conf" -logto "$f.log" \
            </dev/null >/dev/null 2>&1 &
        echo $! >"$f.pid"
    done
    for node in "${MESH_NODES[@]}"; do
        local ok=""
        f="$dir/$node$2"
        for _ in $(seq 100); do
            # Alive is enough here: between fork and exec the child's command line is still this
            # script's, so pid_is_ours can be false for a moment on a busy machine.
            pid_alive "$(cat "$f.pid")" ||
                die "yggdrasil did not start in $(ns "$p" "$node"): $(tail -n 5 "$f.log" 2>/dev/null)"
            if ygg_answers "$f.sock"; then
                ok=yes
                break
            fi
            sleep 0.1
        done
        [[ -n "$ok" ]] || die "yggdrasil's admin socket in $(ns "$p" "$node") did not answer: $(tail -n 5 "$f.log" 2>/dev/null)"
    done
}
