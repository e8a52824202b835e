#!/bin/bash
# Records olsrd jsoninfo answers in a line of three network namespaces (o1 — o2 — o3), as the files here.
# Needs root, iproute2, curl, and olsrd with its jsoninfo plugin built from https://github.com/OLSR/olsrd
# (make olsrd && make -C lib/jsoninfo; for 0.6.8.1 also flex and bison).
# usage: record.sh OLSRD JSONINFO_SO 4|6 SET     e.g. record.sh ./olsrd lib/jsoninfo/olsrd_jsoninfo.so.1.1 6 ipv6
set -eu
OLSRD=$1 SO=$(realpath "$2") FAMILY=$3 SET=$4
RUN=$(mktemp -d)
OUT=$(dirname "$(realpath "$0")")
cleanup() {
    for n in 1 2 3; do [ -f "$RUN/o$n.pid" ] && kill "$(cat "$RUN/o$n.pid")" 2>/dev/null || true; done
    sleep 1
    for n in 1 2 3; do ip netns del "rec-o$n" 2>/dev/null || true; done
    rm -rf "$RUN"
}
trap cleanup EXIT

for n in 1 2 3; do ip netns add "rec-o$n"; ip -n "rec-o$n" link set lo up; done
ip link add o1-o2 netns rec-o1 type veth peer name o2-o1 netns rec-o2
ip link add o2-o3 netns rec-o2 type veth peer name o3-o2 netns rec-o3
if [ "$FAMILY" = 4 ]; then
    ip -n rec-o1 addr add 10.78.12.1/24 dev o1-o2; ip -n rec-o2 addr add 10.78.12.2/24 dev o2-o1
    ip -n rec-o2 addr add 10.78.23.2/24 dev o2-o3; ip -n rec-o3 addr add 10.78.23.3/24 dev o3-o2
    ACCEPT=127.0.0.1 HOST=127.0.0.1 HNA='Hna4 { 0.0.0.0 0.0.0.0 }'
else
    ip -n rec-o1 addr add fd78:12::1/64 dev o1-o2 nodad; ip -n rec-o2 addr add fd78:12::2/64 dev o2-o1 nodad
    ip -n rec-o2 addr add fd78:23::2/64 dev o2-o3 nodad; ip -n rec-o3 addr add fd78:23::3/64 dev o3-o2 nodad
    ACCEPT=::1 HOST='[::1]' HNA='Hna6 { :: 0 }'
fi
ip -n rec-o1 link set o1-o2 up; ip -n rec-o2 link set o2-o1 up; ip -n rec-o2 link set o2-o3 up; ip -n rec-o3 link set o3-o2 up

for n in 1 2 3; do
    IFS_=$(ip -n "rec-o$n" -o link | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^o' | sed 's/.*/"&"/' | tr '\n' ' ')
    {
        echo "IpVersion $FAMILY"
        echo "AllowNoInt yes"
        echo "LockFile \"$RUN/o$n.lock\""
        echo "LinkQualityLevel 2"
        [ "$n" = 3 ] && echo "$HNA"
        echo "LoadPlugin \"$SO\" { PlParam \"port\" \"9090\" PlParam \"accept\" \"$ACCEPT\" }"
        echo "Interface $IFS_ { HelloInterval 1.0 TcInterval 2.0 }"
    } > "$RUN/o$n.conf"
    ip netns exec "rec-o$n" "$OLSRD" -f "$RUN/o$n.conf" -d 0 -nofork > "$RUN/o$n.log" 2>&1 &
    echo $! > "$RUN/o$n.pid"
done
sleep 30
for n in 1 3; do
    for e in links neighbors topology routes hna gateways interfaces version config all; do
        # --http0.9: olsrd 0.6 answers without any HTTP headers.
        ip netns exec "rec-o$n" curl --http0.9 -s -m 3 -g "http://$HOST:9090/$e" > "$OUT/$SET-o$n-$e.json"
    done
done
