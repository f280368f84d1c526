#!/usr/bin/env python3
"""Set and sorted-set memory, whole server: the same ZADD (or SADD) stream into a running
embedis-server and a running redis-server (each on a unix socket), INFO used_memory before and
after, per scenario:

  big:   one sorted set of 1,000,000 members ("member:<i>", score i/2), ZADD of 1000 pairs each
         (set: SADD of 1000 members each)
  small: 100,000 sorted sets of 10 members ("member:0".."member:9", scores 0..9), one ZADD each
         (set: 100,000 sets of those 10 members, one SADD each)

Usage: sets_memory_vs_redis.py /path/embedis.sock /path/redis.sock [zset|set]
(FLUSHALLs both servers; default zset). SCENARIOS=small (or big) runs one scenario only.

Two figures per scenario: the INFO used_memory delta (Redis: jemalloc's allocated bytes, size-class
rounding included; embedis: the keyspace's accounted bytes, which leave out glibc's per-block
header and rounding, see keyspace_eviction.cc) and the process RSS delta (VmRSS of INFO's
process_id: everything either allocator really took from the system). RSS is the fair comparison
on fresh servers; after a FLUSHALL either allocator may reuse pages it kept, so run one scenario
per pair of fresh servers when the RSS figure matters.
"""
import os
import socket
import sys
import time


def conn(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    return s, s.makefile('rb')


def enc(args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    return out


def read(f):
    line = f.readline()
    if line[:1] == b'$':
        n = int(line[1:-2])
        return f.read(n + 2)[:-2] if n >= 0 else None
    if line[:1] == b'*':
        return [read(f) for _ in range(int(line[1:-2]))]
    return line


def pipeline(c, cmds):
    c[0].sendall(b''.join(enc(x) for x in cmds))
    for _ in cmds:
        read(c[1])


def info_field(c, section, field):
    c[0].sendall(enc(['INFO', section]))
    for line in read(c[1]).decode().split('\r\n'):
        if line.startswith(field + ':'):
            return int(line.split(':')[1])


def used(c):
    return info_field(c, 'memory', 'used_memory')


def rss(c):
    pid = info_field(c, 'server', 'process_id')
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024


KIND = sys.argv[3] if len(sys.argv) > 3 else 'zset'


def scenario(c, name):
    pipeline(c, [['FLUSHALL']])
    time.sleep(0.3)
    base, base_rss = used(c), rss(c)
    if name == 'big':
        for start in range(0, 1000000, 1000):
            args = ['ZADD', 'big'] if KIND == 'zset' else ['SADD', 'big']
            for i in range(start, start + 1000):
                args += [i * 0.5, 'member:%d' % i] if KIND == 'zset' else ['member:%d' % i]
            pipeline(c, [args])
    else:
        for start in range(0, 100000, 1000):
            cmds = []
            for k in range(start, start + 1000):
                args = ['ZADD', 'z:%d' % k] if KIND == 'zset' else ['SADD', 's:%d' % k]
                for j in range(10):
                    args += [j, 'member:%d' % j] if KIND == 'zset' else ['member:%d' % j]
                cmds.append(args)
            pipeline(c, cmds)
    time.sleep(0.5)
    return used(c) - base, rss(c) - base_rss


WANT = os.environ.get('SCENARIOS', 'big,small').split(',')
for name, n in (('big', 1000000), ('small', 100000)):
    if name not in WANT:
        continue
    (e, e_rss) = scenario(conn(sys.argv[1]), name)
    (r, r_rss) = scenario(conn(sys.argv[2]), name)
    unit = 'member' if name == 'big' else KIND
    print('%-5s used_memory: embedis %.1f B, redis %.1f B per %s: %.2fx' %
          (name, e / n, r / n, unit, e / r))
    print('%-5s RSS:         embedis %.1f B, redis %.1f B per %s: %.2fx' %
          (name, e_rss / n, r_rss / n, unit, e_rss / r_rss))
