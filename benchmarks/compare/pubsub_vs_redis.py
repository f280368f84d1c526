#!/usr/bin/python3
"""Pub/Sub and keyspace notifications: embedis-server vs redis-server, side by side (issue #13).

    bazel build -c opt --config=opt //server:embedis-server
    /usr/bin/python3 benchmarks/compare/pubsub_vs_redis.py bazel-bin/server/embedis-server [ROUNDS]

Two measurements, each run against embedis then redis ALTERNATELY (A B A B ...) for ROUNDS rounds
(default 3); the medians and the embedis/redis ratios are printed at the end:

  publish-N     PUBLISH of a 64-byte message to one channel with N = 1, 10, 100 subscribers
                (redis-benchmark -c 50 -P 16 "PUBLISH chan <msg>"); the subscribers are raw
                sockets drained by one thread of this script (no parsing: it only counts bytes and
                checks that every subscriber received every message).
  set-notify-X  SET (redis-benchmark -t set -c 50 -P 16 -d 200 -r 1000000) with
                notify-keyspace-events off, "KEA" with nobody subscribed, and "KEA" with one
                PSUBSCRIBE __key*__:* subscriber drained as above (each SET then publishes two
                events). The notification overhead is the SET rate with KEA against the rate
                without.

Each server runs with --save '' (and --appendonly no for redis); its CPU time (utime+stime of
the process, /proc/<pid>/stat) is divided by the requests it served. The machine is shared, so
read the ratios of medians, not single runs.
"""

import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
MESSAGE = "m" * 64
PUBLISH_REQUESTS = 300000
SET_REQUESTS = 500000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def call(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def start(kind, binary, workdir):
    port = free_port()
    if kind == "embedis":
        cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    else:
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--dir", workdir]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=workdir)
    for _ in range(200):
        try:
            if call(port, "PING") == "PONG":
                return proc, port
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{kind} did not start")


class Drainer:
    """N subscriber sockets read by one thread; counts the bytes each one received."""

    def __init__(self, port, n, command):
        self.socks = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(command)
            self.socks.append(s)
        self.received = [0] * n
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        sel = selectors.DefaultSelector()
        for i, s in enumerate(self.socks):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, i)
        while not self.stop:
            for key, _ in sel.select(timeout=0.1):
                try:
                    data = key.fileobj.recv(1 << 20)
                except BlockingIOError:
                    continue
                self.received[key.data] += len(data)

    def wait_for(self, each_bytes, timeout=60):
        deadline = time.monotonic() + timeout
        while min(self.received) < each_bytes and time.monotonic() < deadline:
            time.sleep(0.05)
        return min(self.received) >= each_bytes

    def close(self):
        self.stop = True
        self.thread.join()
        for s in self.socks:
            s.close()


def bench(port, args, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "50", "-P", "16", "-n",
                          str(requests), "--csv", *args], check=True, capture_output=True,
                         text=True).stdout
    line = [l for l in out.splitlines() if l and not l.startswith('"test"')][-1]
    return float(line.split(",")[1].strip('"'))


def resp(*args):
    out = f"*{len(args)}\r\n"
    for a in args:
        out += f"${len(a)}\r\n{a}\r\n"
    return out.encode()


def run_publish(proc, port, n):
    d = Drainer(port, n, resp("SUBSCRIBE", "chan"))
    try:
        for _ in range(200):
            if call(port, "PUBSUB", "NUMSUB", "chan").split()[-1] == str(n):
                break
            time.sleep(0.02)
        base = list(d.received)
        t0 = cpu_ticks(proc.pid)
        rps = bench(port, ["PUBLISH", "chan", MESSAGE], PUBLISH_REQUESTS)
        # Every subscriber got every message ("*3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$64\r\n...").
        per_message = len(resp("message", "chan", MESSAGE))
        ok = d.wait_for(max(base) + PUBLISH_REQUESTS * per_message)
        cpu = cpu_ticks(proc.pid) - t0
        if not ok:
            raise SystemExit(f"subscribers received {min(d.received)} bytes, expected more")
    finally:
        d.close()
    return rps, cpu / CLK_TCK / PUBLISH_REQUESTS * 1e6


def run_set(proc, port, mode):
    call(port, "CONFIG", "SET", "notify-keyspace-events", "" if mode == "off" else "KEA")
    d = Drainer(port, 1, resp("PSUBSCRIBE", "__key*__:*")) if mode == "kea-sub" else None
    try:
        time.sleep(0.1)
        t0 = cpu_ticks(proc.pid)
        rps = bench(port, ["-t", "set", "-d", "200", "-r", "1000000"], SET_REQUESTS)
        cpu = cpu_ticks(proc.pid) - t0
    finally:
        if d is not None:
            d.close()
        call(port, "CONFIG", "SET", "notify-keyspace-events", "")
    return rps, cpu / CLK_TCK / SET_REQUESTS * 1e6


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    work = tempfile.mkdtemp(prefix="pubsub_bench_")
    servers = {k: start(k, binary, work) for k in ("embedis", "redis")}
    tests = [(f"publish-{n}", run_publish, n) for n in (1, 10, 100)]
    tests += [(f"set-notify-{m}", run_set, m) for m in ("off", "kea", "kea-sub")]
    results = {}
    print(f"# pubsub_vs_redis {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} vCPUs, load {os.getloadavg()[0]:.2f}")
    try:
        for r in range(rounds):
            for name, fn, arg in tests:
                for kind in ("embedis", "redis"):
                    proc, port = servers[kind]
                    rps, cpu_us = fn(proc, port, arg)
                    results.setdefault((name, kind), []).append((rps, cpu_us))
                    print(f"round {r + 1} {name:18} {kind:8} {rps:12.0f} req/s "
                          f"{cpu_us:6.2f} us CPU/req", flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    print("\n# medians: test, embedis req/s, redis req/s, ratio, embedis CPU us/req, redis, ratio")
    for name, _, _ in tests:
        e = results[(name, "embedis")]
        rd = results[(name, "redis")]
        er, rr = statistics.median(x[0] for x in e), statistics.median(x[0] for x in rd)
        ec, rc = statistics.median(x[1] for x in e), statistics.median(x[1] for x in rd)
        print(f"{name:18} {er:12.0f} {rr:12.0f} {er / rr:6.2f}x {ec:7.2f} {rc:7.2f} "
              f"{ec / rc:6.2f}x")


if __name__ == "__main__":
    main()
