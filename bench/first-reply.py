#!/usr/bin/env python3
"""Times a command until the first ICMP echo reply from a host: used by bench/connect-latency.sh.

    first-reply.py HOST TIMEOUT -- COMMAND ARGS...

Run inside the subscriber's namespace (root: raw ICMP socket). From just before COMMAND starts, it
sends an echo request to HOST every 2 ms, whether or not a route exists yet (send errors such as
"network unreachable" are ignored), and stops at the first matching reply. Prints one line:
"reply_s=SECONDS command_s=SECONDS rc=EXIT" (reply_s is empty when no reply came in TIMEOUT s).
"""
import os, select, subprocess, sys, time

import echo


def main() -> int:
    host, timeout = sys.argv[1], float(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    ident = os.getpid() & 0xFFFF
    sock = echo.open_socket()

    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    command_s = reply_s = None
    seq = 0
    next_send = start
    while time.monotonic() - start < timeout:
        now = time.monotonic()
        if now >= next_send:
            seq = (seq + 1) & 0xFFFF
            echo.send(sock, host, ident, seq, now)
            next_send = now + 0.002
        if command_s is None and proc.poll() is not None:
            command_s = time.monotonic() - start
        readable, _, _ = select.select([sock], [], [], max(0.0, min(next_send - time.monotonic(), 0.002)))
        if readable:
            if echo.receive(sock, host, ident) is not None:
                reply_s = time.monotonic() - start
                break
    rc = proc.wait()
    if command_s is None:
        command_s = time.monotonic() - start
    if rc != 0:
        sys.stderr.write(proc.stderr.read().decode(errors="replace"))
    print(f"reply_s={'' if reply_s is None else f'{reply_s:.4f}'} command_s={command_s:.4f} rc={rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
