#!/usr/bin/env python3
"""chaos_relay.py: a TCP relay on 127.0.0.1 that slows one direction.

  chaos_relay.py --upstream PORT --rate BYTES_PER_SEC --port-file F
                 [--state F] [--max-secs S]

Listens on an ephemeral port of 127.0.0.1 (written to --port-file), and
for each client connects to 127.0.0.1:UPSTREAM and moves bytes both ways;
what flows from upstream to the clients, all connections together, is
held to --rate (a token bucket).  Upstream bytes are read only as fast as
they are passed on, so the origin's socket buffers fill and it waits, as
behind a slow link.  When a client goes away the upstream connection is
closed, and the other way round.  --state gets "down=N up=N conns=N"
every half second and at exit; the relay exits after --max-secs.
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state")
    ap.add_argument("--max-secs", type=float, default=300)
    a = ap.parse_args()

    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ, None)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)

    pairs = {}          # socket -> its peer
    pending = {}        # socket -> bytes waiting to go to it
    counts = {"down": 0, "up": 0, "conns": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(s))
    burst = max(65536.0, a.rate / 20)
    tokens = burst
    last = time.monotonic()
    t_end = last + a.max_secs
    next_state = 0.0
    ups = set()         # the upstream sockets
    eof = set()         # sent EOF: close once what it sent is passed on

    def write_state():
        if a.state:
            with open(a.state + ".tmp", "w") as f:
                f.write("down=%d up=%d conns=%d\n" % (
                    counts["down"], counts["up"], counts["conns"]))
            os.rename(a.state + ".tmp", a.state)

    def close(s):
        for x in (s, pairs.get(s)):
            if x is None or x not in pairs:
                continue
            try:
                sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()
            pairs.pop(x, None)
            pending.pop(x, None)
            ups.discard(x)
            eof.discard(x)

    def interest(s):
        # Read from a socket only while its peer has nothing queued, and
        # from upstream only while there are tokens; write while queued.
        if s not in pairs:
            return
        ev = 0
        peer = pairs[s]
        if s not in eof and not pending.get(peer) and \
                (s not in ups or tokens >= 1):
            ev |= selectors.EVENT_READ
        if pending.get(s):
            ev |= selectors.EVENT_WRITE
        try:
            if ev:
                sel.modify(s, ev, None)
            else:
                sel.unregister(s)
        except KeyError:
            if ev:
                sel.register(s, ev, None)
        except ValueError:
            pass

    while not stop and time.monotonic() < t_end:
        now = time.monotonic()
        tokens = min(burst, tokens + (now - last) * a.rate)
        last = now
        if now >= next_state:
            next_state = now + 0.5
            write_state()
        for s in list(eof):
            if s in pairs and not pending.get(pairs[s]):
                close(s)
        for s in list(pairs):
            interest(s)
        timeout = 0.5
        if tokens < 1:
            timeout = min(timeout, (1 - tokens) / a.rate + 0.001)
        for key, ev in sel.select(timeout):
            s = key.fileobj
            if s is ls:
                try:
                    c, _ = ls.accept()
                except OSError:
                    continue
                try:
                    u = socket.create_connection(("127.0.0.1", a.upstream),
                                                 timeout=5)
                except OSError:
                    c.close()
                    continue
                c.setblocking(False)
                u.setblocking(False)
                pairs[c], pairs[u] = u, c
                ups.add(u)
                counts["conns"] += 1
                continue
            if s not in pairs:
                continue
            if ev & selectors.EVENT_WRITE and pending.get(s):
                try:
                    n = s.send(pending[s])
                    pending[s] = pending[s][n:]
                except BlockingIOError:
                    pass
                except OSError:
                    close(s)
                    continue
            if ev & selectors.EVENT_READ:
                want = 262144
                if s in ups:
                    want = max(1, min(want, int(tokens)))
                try:
                    d = s.recv(want)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if not d:
                    eof.add(s)
                    continue
                if s in ups:
                    tokens -= len(d)
                    counts["down"] += len(d)
                else:
                    counts["up"] += len(d)
                peer = pairs[s]
                pending[peer] = pending.get(peer, b"") + d
    write_state()
    return 0


if __name__ == "__main__":
    sys.exit(main())
