#!/usr/bin/env python3
"""Measures an outage of echo replies around a command: used by bench/failover.sh.

    outage.py HOST TIMEOUT -- COMMAND ARGS...

Run inside the subscriber's namespace (root: raw ICMP socket). Sends an echo request to HOST every
5 ms; after 1 s of steady replies it runs COMMAND (which breaks the active gateway), then waits for
replies to resume. Prints one line:
"gap_ms=MS lost=N before=N after=N" where gap_ms is the time from the last reply received before
COMMAND started to the first reply received after it (empty when replies did not resume within
TIMEOUT s), lost the requests sent in between that were never answered.
"""
import os, select, subprocess, sys, time

import echo

INTERVAL = 0.005


def main() -> int:
    host, timeout = sys.argv[1], float(sys.argv[2])
    command = sys.argv[sys.argv.index("--") + 1:]
    ident = os.getpid() & 0xFFFF
    sock = echo.open_socket()

    start = time.monotonic()
    sent = {}            # seq -> send time
    answered = set()
    seq = 0
    next_send = start
    broke_at = None      # when COMMAND started
    last_before = None   # last reply received before it
    first_after = None   # first reply received after it (to a request sent after it)
    before = after = 0
    while True:
        now = time.monotonic()
        if broke_at is None and now - start >= 1.0:
            if last_before is None:
                print("gap_ms= lost=0 before=0 after=0 (no replies before breaking)")
                return 1
            broke_at = time.monotonic()
            rc = subprocess.call(command)
            if rc != 0:
                sys.stderr.write(f"command failed with {rc}\n")
                return 1
        if broke_at is not None and (first_after is not None or now - broke_at > timeout):
            break
        if now >= next_send:
            seq = (seq + 1) & 0xFFFF
            if echo.send(sock, host, ident, seq, now):
                sent[seq] = now
            next_send = now + INTERVAL
        readable, _, _ = select.select([sock], [], [], max(0.0, min(next_send - time.monotonic(), INTERVAL)))
        if not readable:
            continue
        rseq = echo.receive(sock, host, ident)
        received = time.monotonic()
        if rseq is None or rseq not in sent:
            continue
        answered.add(rseq)
        if broke_at is None:
            last_before = received
            before += 1
        elif sent[rseq] >= broke_at:
            after += 1
            if first_after is None:
                first_after = received
    lost = sum(1 for s, t in sent.items() if s not in answered and broke_at is not None and t >= broke_at - 0.1
               and (first_after is None or t < first_after))
    gap = "" if first_after is None else f"{(first_after - last_before) * 1000:.1f}"
    print(f"gap_ms={gap} lost={lost} before={before} after={after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
