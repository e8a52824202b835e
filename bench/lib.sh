#!/usr/bin/env bash
# Shared helpers of the bench/ scripts (sourced, not run). Every benchmark runs as root, builds what
# it measures, sends traffic only between network namespaces it made, and removes them at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/prereqs.sh

BENCH_LOAD_START=$(cut -d" " -f1-3 /proc/loadavg)

say() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }

# mnigs_prereqs plus what NativeAOT links with (clang, zlib1g-dev) and what the benchmarks drive.
bench_prereqs() {
    mnigs_prereqs
    local need=() pkg
    for pkg in clang zlib1g-dev wrk iperf3 wireguard-go wireguard-tools nftables; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if ((${#need[@]})); then
        say "Installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >/dev/null
        apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
    fi
}

# publish_aot DIR: the NativeAOT Mnigs (one binary, with its mnigsd and mnigs-cli names) into DIR.
publish_aot() {
    say "Publishing Mnigs with NativeAOT into $1"
    AOT=1 scripts/publish.sh "$1" >&2
}

# median < numbers (one a line): prints the median (mean of the middle two for an even count).
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = int((NR + 1) / 2);
        if (NR % 2) printf "%.6g\n", v[m]; else printf "%.6g\n", (v[m] + v[m + 1]) / 2 }'
}

# stats < numbers: "median MEDIAN min MIN max MAX n N"
stats() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; m = int((NR + 1) / 2);
        med = (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2;
        printf "median %.6g min %.6g max %.6g n %d\n", med, v[1], v[NR], NR }'
}

# A fresh prefix for this run's namespaces: "bench" + 4 digits (never "mn", Mnigs's own interface prefix).
bench_prefix() { echo "bench$1$((RANDOM % 10000))"; }

# node_config DIR ROLE EXTRA: a Mnigs config like scripts/demo.sh's: its own state dir and resolver
# file, everything else at its default unless EXTRA (printf %b text) says otherwise.
node_config() {
    local dir=$1 role=$2 extra=${3:-}
    mkdir -p "$dir"
    printf '[main]\nname = %s\n[daemon]\nstateDir = %s\n[subscriber]\nresolvConf = %s\n%b' \
        "$role" "$dir" "$dir/resolv.conf" "$extra" >"$dir/mnigs.conf"
    echo "nameserver 192.0.2.53" >"$dir/resolv.conf"
}

# wait_rpc NS BIN CONFIG: until the daemon in NS answers `status` (15 s at most).
wait_rpc() {
    local _
    for _ in $(seq 75); do
        ip netns exec "$1" "$2/mnigs-cli" -f "$3" status >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    echo "the daemon in $1 did not answer within 15 s" >&2
    return 1
}

# machine: one line about this host for the report.
machine() {
    local cpu mem
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
    echo "$(nproc) cores ($cpu), $mem, kernel $(uname -r), .NET SDK $(dotnet --version);" \
        "host CPU busy just before measuring: ${BENCH_BUSY:-?} %;" \
        "load average (1, 5, 15 min) at the start: $BENCH_LOAD_START, at the end: $(cut -d" " -f1-3 /proc/loadavg)"
}

# publish_bare DIR: bench/BareEndpoint (a minimal NativeAOT Kestrel JSON-RPC endpoint) into DIR.
publish_bare() {
    say "Publishing bench/BareEndpoint with NativeAOT into $1"
    dotnet publish bench/BareEndpoint -c Release -r linux-x64 -p:PublishAot=true -o "$1" -nologo -v quiet >&2
}

# div A B DECIMALS: A/B with that many decimals.
div() { awk -v a="$1" -v b="$2" -v d="$3" 'BEGIN { printf "%.*f\n", d, a / b }'; }

# The lab mesh with a Mnigs daemon on each mesh node, configured like scripts/demo.sh.
# mesh_start PREFIX BIN: builds PREFIX-sub — PREFIX-relay — PREFIX-gw — PREFIX-inet (lab/mesh.sh),
# waits for babel, starts mnigsd (from BIN) on gw (gateway), relay and sub, and waits until each answers.
# mesh_stop PREFIX: stops the daemons and removes everything of PREFIX. Both use MESH_PIDS.
MESH_PIDS=()
mesh_start() {
    local p=$1 bin=$2 state=/run/mnigs-lab/$1 role extra secs
    say "Building the lab mesh $p: sub — relay — gw — inet (babeld)"
    bash lab/mesh.sh up "$p" >&2
    secs=$(bash lab/mesh.sh wait "$p" 60)
    echo "babel converged in $secs s" >&2
    for role in gw relay sub; do
        extra=''
        [[ $role == gw ]] && extra='[gateway]\nenabled = yes\ndns = 198.51.100.2\n'
        node_config "$state/mnigs-$role" "$role" "$extra"
        ip netns exec "$p-$role" "$bin/mnigsd" -f "$state/mnigs-$role/mnigs.conf" >"$state/mnigs-$role/daemon.log" 2>&1 &
        MESH_PIDS+=($!)
    done
    for role in gw relay sub; do wait_rpc "$p-$role" "$bin" "$state/mnigs-$role/mnigs.conf"; done
}

mesh_stop() {
    local pid
    for pid in "${MESH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${MESH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    MESH_PIDS=()
    bash lab/mesh.sh down "$1" >/dev/null 2>&1 || true
}

# mesh_cli PREFIX BIN ROLE ARGS...: mnigs-cli of that node.
mesh_cli() {
    local p=$1 bin=$2 role=$3
    shift 3
    ip netns exec "$p-$role" "$bin/mnigs-cli" -f "/run/mnigs-lab/$p/mnigs-$role/mnigs.conf" "$@"
}

# cpu_busy SECONDS: percentage of all CPU time the host spent busy over the next SECONDS.
cpu_busy() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
    sleep "$1"
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.0f\n", 100 * (y[1] - x[1]) / (y[2] - x[2]) }'
}

# wait_quiet: benchmarks on a shared machine are only fair when nothing else runs. Waits until the
# host was at most 10 % busy over 3 s, for QUIET_WAIT seconds at most (default 600; 0: don't wait),
# and says how busy it was.
wait_quiet() {
    local deadline=$((SECONDS + ${QUIET_WAIT:-600})) busy
    while :; do
        busy=$(cpu_busy 3)
        BENCH_BUSY=$busy
        if ((busy <= 10)); then
            echo "host CPU busy before measuring: $busy %" >&2
            return 0
        fi
        if ((SECONDS >= deadline)); then
            echo "host CPU busy before measuring: $busy % (other work is running: figures are noisy)" >&2
            return 0
        fi
        sleep 5
    done
}
