#!/bin/sh
# What a Mnigs container runs (packaging/docker/Dockerfile's ENTRYPOINT): babeld on the mesh, then mnigsd.
# tests/Mnigs.Lab.Tests/PackagingTests.cs runs this same script in network namespaces, with the values of
# gateway.env and subscriber.env, so what compose.yaml starts is tested without a Docker engine.
#
#   MNIGS_CONF           the config file (default /etc/mnigs/mnigs.conf; made empty, i.e. defaults, if missing)
#   MNIGS_SET            section.key=value ... applied to it first with `mnigs-cli --set` (space-separated)
#   MNIGS_MESH_ADDRESS   an address of this node on the mesh (IPv4 or IPv6), put on lo and announced by babeld
#   MNIGS_BABEL          yes (default): run babeld on every interface but lo and the default route's (the uplink)
#   MNIGS_RUN            where babeld's pid, state and log files go (default /run/mnigs)
set -eu

conf=${MNIGS_CONF:-/etc/mnigs/mnigs.conf}
run=${MNIGS_RUN:-/run/mnigs}
mkdir -p "$(dirname "$conf")" "$run"
[ -f "$conf" ] || : >"$conf"
for assignment in ${MNIGS_SET:-}; do
    mnigs-cli -f "$conf" --set "$assignment" >/dev/null
done

announce=""
if [ -n "${MNIGS_MESH_ADDRESS:-}" ]; then
    case $MNIGS_MESH_ADDRESS in
        *:*) ip -6 address replace "$MNIGS_MESH_ADDRESS/128" dev lo ;;
        *) ip address replace "$MNIGS_MESH_ADDRESS/32" dev lo ;;
    esac
    announce=$MNIGS_MESH_ADDRESS
fi

if [ "${MNIGS_BABEL:-yes}" = yes ]; then
    uplink=$(ip route show default | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
    mesh=$(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -vx -e lo -e "${uplink:-lo}" | tr '\n' ' ')
    [ -n "$mesh" ] || { echo "entrypoint: no mesh interface (every interface is lo or the uplink ${uplink:-})" >&2; exit 1; }
    {
        # Only this node's own mesh address: the uplink's networks stay out of the mesh.
        if [ -n "$announce" ]; then
            case $announce in
                *:*) echo "redistribute local ip $announce/128" ;;
                *) echo "redistribute local ip $announce/32" ;;
            esac
        fi
        echo "redistribute local deny"
        echo "redistribute deny"
    } >"$run/babeld.conf"
    # shellcheck disable=SC2086 # one word per interface
    babeld -D -I "$run/babeld.pid" -S "$run/babeld.state" -L "$run/babeld.log" -c "$run/babeld.conf" -G 33123 $mesh
fi

exec mnigsd -f "$conf"
