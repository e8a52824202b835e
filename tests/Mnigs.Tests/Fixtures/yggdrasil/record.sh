#!/usr/bin/env bash
# Re-records the yggdrasil admin-socket fixtures from a real lab mesh (root, yggdrasil 0.4.7,
# lab/ygg-mesh.sh: ysub — yrel — ygw). Each NODE.REQUEST.json file holds exactly the bytes yggdrasil
# sent on the node's admin socket in answer to {"request":"REQUEST"} (one request per connection,
# no keepalive; yggdrasil closes the connection after its answer).
#   fresh-ysub.*              ysub right after peering, before any traffic: its DHT knows only yrel
#   fresh-ysub.debug_remoteGetPeers.{yrel,ygw}.json
#                             ysub asking yrel and ygw for their peers' keys (arguments {"key": ...})
#   line-{ysub,yrel,ygw}.*    after ysub pinged ygw: paths and sessions hold the far end
#   line-ysub.getTree.json    the error 0.4.7 gives for a request it does not know (getTree is 0.5's)
# The v05-*.json files are NOT recorded: they are written by hand from yggdrasil-go 0.5's source.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mesh="$here/../../../../lab/ygg-mesh.sh"
prefix=ylabrec # fixed, so that re-recording changes only what yggdrasil changed
dir=/run/mnigs-lab/$prefix

ask() { # NODE JSON-REQUEST FILE
    python3 - "$dir/$1.sock" "$2" "$3" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode())
buf = b""
while chunk := s.recv(65536):
    buf += chunk
s.close()
open(sys.argv[3], "wb").write(buf)
PY
}

record() { # STATE NODE REQUEST...
    local state=$1 node=$2 r
    shift 2
    for r in "$@"; do ask "$node" "{\"request\":\"$r\"}" "$here/$state-$node.$r.json"; done
}

key_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["response"]["key"])' "$1"; }

trap '"$mesh" down "$prefix"' EXIT
"$mesh" up "$prefix" >/dev/null
# Peered: yrel has both neighbours (the multicast beacons and TLS handshakes are done).
for _ in $(seq 100); do
    ask yrel '{"request":"getPeers"}' /tmp/ygg-record-peers.json
    [[ $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["response"]["peers"]))' /tmp/ygg-record-peers.json) == 2 ]] && break
    sleep 0.1
done
rm -f /tmp/ygg-record-peers.json
sleep 2 # the DHT settles
requests=(getSelf getPeers getDHT getPaths getSessions)
record fresh ysub "${requests[@]}"
for node in yrel ygw; do
    ask "$node" '{"request":"getSelf"}' /tmp/ygg-record-self.json
    key=$(key_of /tmp/ygg-record-self.json)
    ask ysub "{\"request\":\"debug_remoteGetPeers\",\"arguments\":{\"key\":\"$key\"}}" "$here/fresh-ysub.debug_remoteGetPeers.$node.json"
done
rm -f /tmp/ygg-record-self.json

"$mesh" wait "$prefix" >/dev/null
sleep 2
for node in ysub yrel ygw; do record line "$node" "${requests[@]}"; done
record line ysub getTree
