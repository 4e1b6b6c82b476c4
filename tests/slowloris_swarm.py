#!/usr/bin/env python3
"""slowloris_swarm.py: a bounded swarm of stalled HTTP clients.

  slowloris_swarm.py --port P [--conns N] [--secs S] [--state F]

Keeps N connections open to 127.0.0.1:P for S seconds.  Each sends the
start of a request head and never finishes it: half of them then stall,
half trickle one more header byte every second (slowloris proper).  A
connection the server closes (an eviction, a 408) is replaced at once, so
the pressure holds.  After S seconds every socket is closed and it prints
key=value counters: connects, closed_by_server, got_408, open_max.
--state gets "open=N" every half second.  One thread, nonblocking sockets,
no more than N sockets at a time.
"""
import argparse
import os
import selectors
import socket
import sys
import time

HEAD = b"GET /download/slow HTTP/1.1\r\nHost: swarm\r\nX-Slow: "


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=300)
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--state")
    a = ap.parse_args()

    sel = selectors.DefaultSelector()
    socks = {}      # socket -> [index, next trickle time or 0, got bytes]
    c = {"connects": 0, "connect_errors": 0, "closed_by_server": 0,
         "got_408": 0, "open_max": 0}
    t_end = time.monotonic() + a.secs
    next_state = 0.0
    n = 0

    def open_one():
        nonlocal n
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", a.port))
        except BlockingIOError:
            pass
        except OSError:
            c["connect_errors"] += 1
            s.close()
            return
        n += 1
        # Odd ones trickle, even ones stall.
        socks[s] = [n, 0.0, b"", False]
        sel.register(s, selectors.EVENT_WRITE)
        c["connects"] += 1

    def drop(s):
        sel.unregister(s)
        s.close()
        del socks[s]

    while time.monotonic() < t_end:
        now = time.monotonic()
        while len(socks) < a.conns:
            before = len(socks)
            open_one()
            if len(socks) == before:
                break
        c["open_max"] = max(c["open_max"], len(socks))
        if a.state and now >= next_state:
            next_state = now + 0.5
            with open(a.state + ".tmp", "w") as f:
                f.write("open=%d\n" % len(socks))
            os.rename(a.state + ".tmp", a.state)
        for key, ev in sel.select(0.1):
            s = key.fileobj
            st = socks[s]
            if ev & selectors.EVENT_WRITE and not st[3]:
                # Connected (or failed): send the partial head.
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    c["connect_errors"] += 1
                    drop(s)
                    continue
                try:
                    s.send(HEAD)
                except OSError:
                    drop(s)
                    continue
                st[3] = True
                st[1] = now + 1.0 if st[0] % 2 else 0.0
                sel.modify(s, selectors.EVENT_READ)
                continue
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(4096)
                except OSError:
                    d = b""
                if d:
                    st[2] += d
                    if st[2].startswith(b"HTTP/1.1 408"):
                        c["got_408"] += 1
                        st[2] = b"-"
                    continue
                c["closed_by_server"] += 1
                drop(s)
        now = time.monotonic()
        for s, st in list(socks.items()):
            if st[1] and now >= st[1]:
                st[1] = now + 1.0
                try:
                    s.send(b"a")
                except OSError:
                    pass
    for s in list(socks):
        drop(s)
    for k, v in c.items():
        print("%s=%d" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
