#!/usr/bin/env bash
# Re-records the babeld local-interface fixtures from a real lab mesh (root, babeld 1.12).
# Each *.txt file holds exactly the bytes babeld sent on [::1]:33123: the greeting, then its
# answer to one `dump` request (up to and including the final `ok`).
#   line-{sub,relay,gw}.txt   lab/mesh.sh up (gw does not announce its default route)
#   exit-{sub,gw}.txt         lab/mesh.sh up --announce-default (babel carries 0.0.0.0/0 from gw)
#   lost-sub.txt              line mesh, 3 s after relay's babeld was killed (-9): neighbour and routes going away
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mesh="$here/../../../../lab/mesh.sh"
prefix=mnlrec # fixed, so that re-recording changes only what babeld changed

capture() { # NAMESPACE FILE
    ip netns exec "$1" python3 - "$2" <<'PY'
import socket, sys
s = socket.create_connection(("::1", 33123), 2)
buf = b""
def until_ok():
    global buf
    while not (buf.endswith(b"\nok\n") or buf == b"ok\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("babeld closed the connection")
        buf += chunk
until_ok()
s.sendall(b"dump\n")
buf_before = buf
buf = b""
until_ok()
s.sendall(b"quit\n")
s.close()
open(sys.argv[1], "wb").write(buf_before + buf)
PY
}

trap '"$mesh" down "$prefix"' EXIT
"$mesh" up "$prefix" >/dev/null
"$mesh" wait "$prefix" >/dev/null
sleep 3 # every node has every route, and reach counters have filled up
for node in sub relay gw; do capture "$prefix-$node" "$here/line-$node.txt"; done
kill -KILL "$(cat "/run/mnigs-lab/$prefix/babeld-relay.pid")"
sleep 3
capture "$prefix-sub" "$here/lost-sub.txt"
"$mesh" down "$prefix"

"$mesh" up "$prefix" --announce-default >/dev/null
"$mesh" wait "$prefix" >/dev/null
sleep 3
for node in sub gw; do capture "$prefix-$node" "$here/exit-$node.txt"; done
