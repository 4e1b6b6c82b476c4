#!/usr/bin/env python3
"""chaos_load.py: bounded keep-alive load on hauld while workers die.

  chaos_load.py --port P --master PID --workers W --secs S [options]

CONNS client threads each keep one HTTP/1.1 connection to 127.0.0.1:P and
GET the files named by --path (in turn), checking status 200 and every
byte against the file under --root, with a short pause between requests,
until S seconds are up.  A request that fails (reset, early EOF, wrong
answer, no progress for 10 s) is recorded with the connection it used,
and that client reconnects.

Meanwhile the main thread kills a worker every KMIN..KMAX seconds (random),
once the master again has W workers: it SIGSTOPs the victim, reads which
client connections the victim holds (its socket fds, matched in
/proc/net/tcp), marks those connections doomed, then SIGKILLs it.  So a
failure on a doomed connection is one the kill explains; any other
failure is a request a surviving worker dropped.  It also times how long
the master takes to be back to W workers.

A sampler thread reads /metrics and `haulstat -1 -j` every 0.25 s and
notes any counter that went backwards.

Prints key=value lines (the shell test checks them) and one line per
failure and per kill.  Everything is bounded: --secs, socket timeouts,
at most 12 s waiting for workers.
"""
import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

LOCK = threading.Lock()
STOP = threading.Event()


def children(pid):
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, t)) as f:
                out += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return [p for p in out if proc_state(p) not in ("", "Z", "X")]


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def parent(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def peer_ports(pid, port):
    """Remote ports of the TCP connections to local port PORT that PID
    holds open."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        return set()
    peers = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    w = line.split()
                    if w[9] not in inodes:
                        continue
                    lport = int(w[1].rsplit(":", 1)[1], 16)
                    rport = int(w[2].rsplit(":", 1)[1], 16)
                    if lport == port and rport != 0:
                        peers.add(rport)
        except OSError:
            pass
    return peers


class Stats:
    def __init__(self):
        self.ok = 0
        self.bytes = 0
        self.failures = []      # (t, client, port, doomed, reason)
        self.doomed = set()     # client local ports a kill explains
        self.ports = {}         # client id -> current local port


def read_response(sock, want):
    """One response: (body length, whether the server closes after it);
    raises on anything wrong."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = sock.recv(65536)
        if not d:
            raise ConnectionError("EOF in the head after %d bytes" % len(buf))
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = lines[0].split()[1]
    clen = None
    close = False
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        if k.strip().lower() == "content-length":
            clen = int(v.strip())
        if k.strip().lower() == "connection" and \
                "close" in v.strip().lower().split(","):
            close = True
    if status != "200" or clen is None:
        raise ValueError("status %s, length %s" % (status, clen))
    body = bytearray(rest)
    while len(body) < clen:
        d = sock.recv(min(262144, clen - len(body)))
        if not d:
            raise ConnectionError("EOF after %d of %d body bytes"
                                  % (len(body), clen))
        body += d
    if len(body) != clen or bytes(body) != want:
        raise ValueError("wrong body (%d bytes)" % len(body))
    return clen, close


def client(cid, a, files, st, t_end):
    sock = None
    n = 0
    while time.monotonic() < t_end and not STOP.is_set():
        path, want = files[n % len(files)]
        n += 1
        try:
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", a.port),
                                                timeout=10)
                with LOCK:
                    st.ports[cid] = sock.getsockname()[1]
            sock.sendall(("GET %s HTTP/1.1\r\nHost: chaos\r\n\r\n"
                          % path).encode())
            got, close = read_response(sock, want)
            with LOCK:
                st.ok += 1
                st.bytes += got
            if close:
                # "Connection: close" (a stopping worker says so): the
                # next request goes on a new connection, as RFC 9112
                # 9.6 says.
                sock.close()
                sock = None
        except (OSError, ValueError, IndexError) as e:
            with LOCK:
                port = st.ports.get(cid, 0)
                doomed = port in st.doomed
                st.doomed.discard(port)
                st.failures.append((time.monotonic(), cid, port, doomed,
                                    "%s %s" % (path, e)))
                st.ports.pop(cid, None)
            if sock is not None:
                sock.close()
            sock = None
            time.sleep(0.05)
            continue
        time.sleep(a.gap)
    if sock is not None:
        sock.close()


def get_metrics(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: s\r\n"
                  b"Connection: close\r\n\r\n")
        buf = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    finally:
        s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise ValueError("metrics: %r" % head[:40])
    out = {}
    for ln in body.decode().splitlines():
        w = ln.split()
        if len(w) == 2 and w[0].endswith("_total"):
            out["m:" + w[0]] = int(w[1])
    if "m:hauld_requests_total" not in out:
        raise ValueError("metrics: cut short")
    return out


def get_haulstat(a):
    r = subprocess.run([a.haulstat, "-1", "-j", a.stats_file],
                       capture_output=True, timeout=5, check=True)
    j = json.loads(r.stdout)
    out = {"s:" + k: v for k, v in j["totals"].items() if k != "conn_open"}
    out["s:worker_restarts"] = j["worker_restarts"]
    return out


def sampler(a, res, t_end):
    prev = {}
    while time.monotonic() < t_end + 0.5 and not STOP.is_set():
        for name, fn in (("metrics", lambda: get_metrics(a.port)),
                         ("haulstat", lambda: get_haulstat(a))):
            try:
                cur = fn()
            except Exception as e:  # noqa: a sample lost to a kill
                res["sample_errors"] += 1
                res["sample_error"] = "%s: %s" % (name, e)
                continue
            res["samples"] += 1
            for k, v in cur.items():
                if k in prev and v < prev[k]:
                    res["backwards"].append("%s %d -> %d" % (k, prev[k], v))
                prev[k] = v
        time.sleep(0.25)
    res["last"] = prev


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--master", type=int, required=True)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--path", action="append", required=True,
                    help="a file under --root, served as /download/PATH")
    ap.add_argument("--secs", type=float, default=15)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--gap", type=float, default=0.02)
    ap.add_argument("--kill-min", type=float, default=2)
    ap.add_argument("--kill-max", type=float, default=3)
    ap.add_argument("--haulstat", required=True)
    ap.add_argument("--stats-file", required=True)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    files = []
    for p in a.path:
        with open(os.path.join(a.root, p), "rb") as f:
            files.append(("/download/" + p, f.read()))
    st = Stats()
    t0 = time.monotonic()
    t_end = t0 + a.secs
    res = {"samples": 0, "sample_errors": 0, "backwards": [], "last": {}}
    threads = [threading.Thread(target=client,
                                args=(i, a, files[i % len(files):] +
                                      files[:i % len(files)], st, t_end))
               for i in range(a.conns)]
    threads.append(threading.Thread(target=sampler, args=(a, res, t_end)))
    for t in threads:
        t.start()

    kills = []      # (t, victim, doomed connections, restore secs or -1)
    slow = 0
    try:
        next_kill = t0 + rnd.uniform(a.kill_min, a.kill_max)
        while True:
            now = time.monotonic()
            if next_kill > t_end - 0.5:
                break
            if now < next_kill:
                time.sleep(min(0.05, next_kill - now))
                continue
            ws = children(a.master)
            if len(ws) != a.workers:
                # Should not happen: we wait for the count after a kill.
                slow += 1
                time.sleep(0.05)
                continue
            victim = rnd.choice(ws)
            os.kill(victim, signal.SIGSTOP)
            t_stop = time.monotonic()
            while proc_state(victim) not in ("T", "t") and \
                    time.monotonic() - t_stop < 2:
                time.sleep(0.001)
            if parent(victim) != a.master:
                # Gone meanwhile, and the PID not one of ours any more.
                os.kill(victim, signal.SIGCONT)
                continue
            peers = peer_ports(victim, a.port)
            with LOCK:
                # All of them: a client may not have noted its new port
                # yet.
                mine = set(peers)
                st.doomed |= mine
            os.kill(victim, signal.SIGKILL)
            t_kill = time.monotonic()
            back = -1.0
            while time.monotonic() - t_kill < 12:
                ws = children(a.master)
                if len(ws) == a.workers and victim not in ws:
                    back = time.monotonic() - t_kill
                    break
                time.sleep(0.01)
            kills.append((t_kill - t0, victim, len(mine), back))
            if back < 0:
                break
            next_kill = t_kill + rnd.uniform(a.kill_min, a.kill_max)
    finally:
        for t in threads:
            t.join(timeout=30)
        STOP.set()

    unexplained = [f for f in st.failures if not f[3]]
    print("requests_ok=%d" % st.ok)
    print("bytes_ok=%d" % st.bytes)
    print("failures=%d" % len(st.failures))
    print("failures_unexplained=%d" % len(unexplained))
    print("kills=%d" % len(kills))
    print("doomed=%d" % sum(k[2] for k in kills))
    print("restore_max=%.3f" % max([k[3] for k in kills] or [0]))
    print("restores=%s" % ",".join("%.3f" % k[3] for k in kills))
    print("kill_waits=%d" % slow)
    print("samples=%d" % res["samples"])
    print("sample_errors=%d" % res["sample_errors"])
    print("backwards=%d" % len(res["backwards"]))
    for k, v in sorted(res["last"].items()):
        print("last_%s=%d" % (k[2:] if k.startswith("s:") else k[2:], v))
    for k in kills:
        print("# kill at %.2f s: pid %d, %d client connections on it, "
              "back to full strength in %.3f s" % k)
    for f in st.failures:
        print("# failure at %.2f s: client %d port %d %s: %s"
              % (f[0] - t0, f[1], f[2],
                 "(on the killed worker)" if f[3] else "UNEXPLAINED", f[4]))
    for b in res["backwards"]:
        print("# went backwards: %s" % b)
    if res["sample_errors"]:
        print("# last sample error: %s" % res.get("sample_error"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
