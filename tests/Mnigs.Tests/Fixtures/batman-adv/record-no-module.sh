#!/usr/bin/env bash
# Re-records no-module.transcript: what batctl and ip print on a host whose kernel has no batman-adv module
# (and so no bat0), as the adapter asks them. Run as root on such a host (the Mnigs lab machines are one).
# Format: "$ COMMAND", then "exit N", then each line it printed as "stdout|LINE" or "stderr|LINE".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/no-module.transcript"
[[ -d /sys/module/batman_adv ]] && { echo "batman-adv is loaded here; this records a host without it" >&2; exit 1; }

record() {
    local stdout stderr code
    stdout=$(mktemp) stderr=$(mktemp)
    code=0
    LC_ALL=C "$@" >"$stdout" 2>"$stderr" || code=$?
    echo "\$ $*"
    echo "exit $code"
    sed 's/^/stdout|/' "$stdout"
    sed 's/^/stderr|/' "$stderr"
    rm -f "$stdout" "$stderr"
}

{
    echo "# batctl $(dpkg-query -W -f='${Version}' batctl 2>/dev/null || echo unknown), iproute2 $(ip -V | sed 's/.*iproute2-\([^,]*\).*/\1/'), kernel $(uname -r) without batman-adv"
    record batctl -v
    record batctl meshif bat0 interface
    record batctl meshif bat0 originators -n -H
    record batctl meshif bat0 neighbors -n -H
    record batctl meshif bat0 gateways -n -H
    record batctl meshif bat0 transglobal -n -H -u
    record batctl -m bat0 interface
    record ip -j address show dev bat0
    record ip -j neigh show dev bat0
} >"$out"
