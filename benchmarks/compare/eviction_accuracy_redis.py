#!/usr/bin/env python3
"""Redis's LRU test (utils/lru/test-lru.rb's idea) against a running server, paced in real time.

  benchmarks/compare/eviction_accuracy_redis.py PORT [OPS_PER_SECOND]

The server must be empty and started with --maxmemory and --maxmemory-policy (allkeys-lru).
1. fill: SET 0, 1, 2, ... "foo" until the first eviction (INFO evicted_keys > 0): N keys fit;
2. GET the older half 0 .. N/2-1 in order; 3. SET N/2 new keys. True LRU evicts exactly N/2 .. N-1.
Prints how many evicted keys were accessed ones or new ones, and how many never-accessed old keys
survived: the same table as benchmarks/eviction_accuracy.cc prints for the keyspace. The pace
(default 1000 commands a second, sent in batches of 100) spreads the phases over real seconds, so
that Redis's one-second LRU clock can tell them apart.
"""
import socket
import sys
import time


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def send(self, cmds):
        out = []
        for args in cmds:
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))
        return [self.read() for _ in cmds]

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(65536)
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def read(self):
        l = self.line()
        if l[:1] == b"$":
            n = int(l[1:])
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(65536)
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if l[:1] == b":":
            return int(l[1:])
        return l


def main():
    port = int(sys.argv[1])
    rate = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    c = Conn(port)
    batch = 100
    start = time.time()
    sent = 0

    def paced(cmds):
        nonlocal sent
        for i in range(0, len(cmds), batch):
            r = c.send(cmds[i:i + batch])
            sent += len(cmds[i:i + batch])
            ahead = sent / rate - (time.time() - start)
            if ahead > 0:
                time.sleep(ahead)
        return r

    def evicted():
        info = c.send([["INFO", "stats"]])[0].decode()
        return int(info.split("evicted_keys:")[1].split("\r\n")[0])

    n = 0
    while evicted() == 0:
        paced([["SET", i, "foo"] for i in range(n, n + batch)])
        n += batch
    half = n // 2
    paced([["GET", i] for i in range(half)])
    paced([["SET", i, "foo"] for i in range(n, n + half)])
    gone = accessed = new = kept = 0
    for i in range(0, n + half, 1000):
        for j, e in zip(range(i, min(i + 1000, n + half)),
                        c.send([["EXISTS", j] for j in range(i, min(i + 1000, n + half))])):
            if e == 0:
                gone += 1
                accessed += j < half
                new += j >= n
            elif half <= j < n:
                kept += 1
    print("%-15s %6s %7s | %8d %8d | %8d (%5.2f%%) %5d (%4.2f%%) | %8d (%6.2f%%)  [%.0f s]" %
          ("redis-server", "-", "-", n, gone, accessed, 100.0 * accessed / half, new,
           100.0 * new / half, kept, 100.0 * kept / half, time.time() - start))


main()
