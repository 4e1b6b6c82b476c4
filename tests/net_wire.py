#!/usr/bin/env python3
"""net_wire.py: a faulty wire between two network namespaces, for tests.

The kernel here has no sch_netem (CONFIG_NET_SCH_NETEM is off), so this
process is the wire: started in namespace A (`ip netns exec A`), it makes
a TUN device there, enters namespace B (/run/netns/B) and makes another,
then moves IP packets between the two, applying the faults netem would:

  delay=MS          one-way delay, each direction
  loss=PCT          random loss, each direction (percent, may be 0.5)
  reorder=PCT       this share of packets is held back reorder_ms more,
  reorder_ms=MS     so later ones overtake it
  cut_after=BYTES   once this many bytes went A->B (after the change),
  cut_secs=S        cut the link for S seconds: cut_kind=drop loses every
  cut_kind=K        packet (a far link died), cut_kind=down sets B's device
                    down (`ip link set down`), then up again

Settings come from --ctl FILE, a line of key=value words with gen=N; the
wire rereads it every 50 ms and, once applied, writes gen=N to --state
along with its counters (rewritten every half second and on exit).  The
TUN devices go away with the process.  Everything stays inside the two
namespaces, which the test made and deletes.
"""
import argparse
import ctypes
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
CLONE_NEWNET = 0x40000000


def tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF,
                struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    nfd = os.open(path, os.O_RDONLY)
    if libc.setns(nfd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    os.close(nfd)


DEFAULTS = {"delay": 0.0, "loss": 0.0, "reorder": 0.0, "reorder_ms": 0.0,
            "cut_after": 0, "cut_secs": 0.0, "cut_kind": "drop", "gen": 0}


class Dir:
    """One direction of the wire."""

    def __init__(self, name, src, dst):
        self.name, self.src, self.dst = name, src, dst
        self.q = []             # heap of (due, seq, packet)
        self.seq = 0
        self.max_out = -1
        self.c = {"pkts": 0, "bytes": 0, "lost": 0, "cut": 0,
                  "held": 0, "reordered": 0, "unwritable": 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ns-b", required=True)
    ap.add_argument("--dev-a", required=True)
    ap.add_argument("--dev-b", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-secs", type=float, default=300,
                    help="exit after this long whatever happens")
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    fa = tun(a.dev_a)
    setns("/run/netns/" + a.ns_b)
    fb = tun(a.dev_b)
    ab, ba = Dir("ab", fa, fb), Dir("ba", fb, fa)
    conf = dict(DEFAULTS)
    ctl_seen = None
    phase_bytes = 0             # A->B bytes since the last change
    cut_until = 0.0             # a cut in progress ends then
    cut_state = "none"          # none, armed, on, done
    cuts = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(s))
    signal.signal(signal.SIGINT, lambda s, f: stop.append(s))
    t_end = time.monotonic() + a.max_secs
    next_ctl = next_state = 0.0

    def ip_link(updown):
        subprocess.Popen(["ip", "-n", a.ns_b, "link", "set", a.dev_b,
                          updown], stdin=subprocess.DEVNULL)

    def write_state():
        lines = ["gen=%s" % conf["gen"], "cut_state=%s" % cut_state,
                 "cuts=%d" % cuts]
        for d in (ab, ba):
            for k, v in d.c.items():
                lines.append("%s_%s=%d" % (d.name, k, v))
        tmp = a.state + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(tmp, a.state)

    write_state()
    while not stop and time.monotonic() < t_end:
        now = time.monotonic()
        if now >= next_ctl:
            next_ctl = now + 0.05
            try:
                with open(a.ctl) as f:
                    text = f.read()
            except OSError:
                text = None
            if text is not None and text != ctl_seen:
                ctl_seen = text
                new = dict(DEFAULTS)
                for w in text.split():
                    k, _, v = w.partition("=")
                    if k in new:
                        new[k] = type(DEFAULTS[k])(v)
                if cut_state == "on" and conf["cut_kind"] == "down":
                    ip_link("up")
                conf = new
                phase_bytes = 0
                cut_until = 0.0
                cut_state = "armed" if conf["cut_after"] > 0 else "none"
                write_state()
        if cut_state == "on" and now >= cut_until:
            cut_state = "done"
            if conf["cut_kind"] == "down":
                ip_link("up")
            write_state()
        if now >= next_state:
            next_state = now + 0.5
            write_state()

        timeout = 0.05
        for d in (ab, ba):
            if d.q:
                timeout = min(timeout, max(0.0, d.q[0][0] - now))
        try:
            r, _, _ = select.select([fa, fb], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for d in (ab, ba):
            if d.src not in r:
                continue
            for _ in range(256):
                try:
                    pkt = os.read(d.src, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                d.c["pkts"] += 1
                d.c["bytes"] += len(pkt)
                if d is ab:
                    phase_bytes += len(pkt)
                    if (cut_state == "armed" and
                            phase_bytes >= conf["cut_after"]):
                        cut_state = "on"
                        cuts += 1
                        cut_until = now + conf["cut_secs"]
                        if conf["cut_kind"] == "down":
                            ip_link("down")
                        write_state()
                if cut_state == "on":
                    d.c["cut"] += 1
                    continue
                if conf["loss"] > 0 and rnd.random() * 100 < conf["loss"]:
                    d.c["lost"] += 1
                    continue
                due = now + conf["delay"] / 1000.0
                if (conf["reorder"] > 0 and
                        rnd.random() * 100 < conf["reorder"]):
                    due += conf["reorder_ms"] / 1000.0
                    d.c["held"] += 1
                d.seq += 1
                heapq.heappush(d.q, (due, d.seq, pkt))
        for d in (ab, ba):
            while d.q and d.q[0][0] <= now:
                _, seq, pkt = heapq.heappop(d.q)
                if seq < d.max_out:
                    d.c["reordered"] += 1
                d.max_out = max(d.max_out, seq)
                try:
                    os.write(d.dst, pkt)
                except OSError:
                    d.c["unwritable"] += 1   # e.g. the device is down
    if cut_state == "on" and conf["cut_kind"] == "down":
        ip_link("up")
    write_state()
    return 0


if __name__ == "__main__":
    sys.exit(main())
