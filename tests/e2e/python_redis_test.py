"""Python's redis package (redis-py, Debian's python3-redis) against embedis-server.

Run by python_redis_test.sh, which starts the server and passes its port:
    /usr/bin/python3 python_redis_test.py <port>

A realistic workload: strings with TTLs, counters, hashes, SCAN iterators, transactional and
non-transactional pipelines, WATCH-based optimistic locking, a connection pool shared by threads,
databases, binary values, Pub/Sub (channels, patterns, keyspace events, a listener thread), Lua scripts as applications
use them (a rate limiter, redis-py's Lock, a job queue), and
errors surfacing as redis.exceptions.ResponseError with Redis's text.
"""

import sys
import threading
import time
import unittest

import redis

PORT = 0


def client(**kwargs):
    return redis.Redis(host="127.0.0.1", port=PORT, socket_timeout=10, **kwargs)


class RedisPyTest(unittest.TestCase):
    def setUp(self):
        self.r = client(decode_responses=True)
        self.r.flushall()

    def tearDown(self):
        self.r.close()

    def test_strings_and_ttls(self):
        r = self.r
        self.assertTrue(r.set("sess:a", '{"cookie":{"path":"/"}}', ex=3600))
        self.assertEqual(r.get("sess:a"), '{"cookie":{"path":"/"}}')
        self.assertEqual(r.ttl("sess:a"), 3600)
        self.assertTrue(r.expire("sess:a", 60))
        self.assertTrue(0 < r.pttl("sess:a") <= 60000)
        self.assertTrue(r.persist("sess:a"))
        self.assertEqual(r.ttl("sess:a"), -1)
        self.assertEqual(r.ttl("missing"), -2)
        self.assertIsNone(r.get("missing"))
        self.assertTrue(r.set("nx", "1", nx=True))
        self.assertIsNone(r.set("nx", "2", nx=True))
        self.assertEqual(r.set("nx", "3", xx=True, get=True), "1")
        self.assertTrue(r.setex("short", 1, "v"))
        self.assertTrue(r.psetex("shorter", 150, "v"))
        self.assertEqual(r.getex("short", persist=True), "v")
        self.assertEqual(r.ttl("short"), -1)
        time.sleep(0.3)
        self.assertIsNone(r.get("shorter"))  # expired
        self.assertEqual(r.exists("shorter"), 0)
        self.assertEqual(r.getdel("short"), "v")
        self.assertEqual(r.append("s", "ab"), 2)
        self.assertEqual(r.append("s", "cd"), 4)
        self.assertEqual(r.getrange("s", 1, 2), "bc")
        self.assertEqual(r.setrange("s", 1, "XY"), 4)
        self.assertEqual(r.get("s"), "aXYd")
        self.assertEqual(r.strlen("s"), 4)
        self.assertTrue(r.mset({"m1": "1", "m2": "2"}))
        self.assertEqual(r.mget(["m1", "m2", "nope"]), ["1", "2", None])
        self.assertFalse(r.msetnx({"m1": "x", "m3": "3"}))
        self.assertEqual(r.get("m3"), None)
        expire_at = int(time.time()) + 100
        self.assertTrue(r.expireat("m1", expire_at))
        self.assertTrue(98 <= r.ttl("m1") <= 100)

    def test_counters(self):
        r = self.r
        self.assertEqual(r.incr("c"), 1)
        self.assertEqual(r.incrby("c", 10), 11)
        self.assertEqual(r.decr("c"), 10)
        self.assertEqual(r.decrby("c", 3), 7)
        self.assertAlmostEqual(r.incrbyfloat("c", 0.5), 7.5)
        self.assertEqual(r.get("c"), "7.5")
        r.set("big", str(2**63 - 1))
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.incr("big")
        self.assertEqual(str(e.exception), "increment or decrement would overflow")
        r.set("text", "abc")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.incr("text")
        self.assertEqual(str(e.exception), "value is not an integer or out of range")

    def test_hashes(self):
        r = self.r
        self.assertEqual(r.hset("user:1", mapping={"name": "alice", "visits": "1", "x": "y"}), 3)
        self.assertEqual(r.hgetall("user:1"), {"name": "alice", "visits": "1", "x": "y"})
        self.assertEqual(r.hget("user:1", "name"), "alice")
        self.assertEqual(r.hmget("user:1", ["name", "nope"]), ["alice", None])
        self.assertEqual(r.hincrby("user:1", "visits", 5), 6)
        self.assertAlmostEqual(r.hincrbyfloat("user:1", "visits", 0.25), 6.25)
        self.assertEqual(r.hlen("user:1"), 3)
        self.assertTrue(r.hexists("user:1", "x"))
        self.assertEqual(r.hdel("user:1", "x", "nope"), 1)
        self.assertEqual(sorted(r.hkeys("user:1")), ["name", "visits"])
        self.assertEqual(sorted(r.hvals("user:1")), ["6.25", "alice"])
        self.assertEqual(r.hstrlen("user:1", "name"), 5)
        self.assertFalse(r.hsetnx("user:1", "name", "bob"))
        self.assertIn(r.hrandfield("user:1"), ("name", "visits"))
        self.assertEqual(r.type("user:1"), "hash")
        big = {f"f{i}": str(i) for i in range(1000)}
        r.hset("wide", mapping=big)
        self.assertEqual(dict(r.hscan_iter("wide", count=50)), big)
        self.assertEqual(
            sorted(k for k, _ in r.hscan_iter("wide", match="f99*")),
            sorted(["f99"] + [f"f99{i}" for i in range(10)]),
        )
        self.assertEqual(r.hgetall("missing"), {})

    def test_scan_iter(self):
        r = self.r
        pipe = r.pipeline(transaction=False)
        for i in range(3000):
            pipe.set(f"sess:{i}", "{}", ex=600)
        for i in range(500):
            pipe.set(f"other:{i}", "x")
        pipe.execute()
        sessions = list(r.scan_iter(match="sess:*", count=100))
        self.assertEqual(set(sessions), {f"sess:{i}" for i in range(3000)})
        self.assertLessEqual(len(sessions), 3300)  # duplicates are allowed, but few
        self.assertEqual(len(set(r.scan_iter())), 3500)
        self.assertEqual(set(r.scan_iter(match="other:4?9")), {f"other:4{i}9" for i in range(10)})
        self.assertEqual(r.dbsize(), 3500)
        cursor, keys = r.scan(0, match="nothing*", count=10)
        self.assertEqual(keys, [])
        self.assertEqual(sorted(r.keys("other:1?")), sorted(f"other:1{i}" for i in range(10)))

    def test_pipeline_without_transaction(self):
        r = self.r
        pipe = r.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"k{i}", i)
            pipe.incr("n")
            pipe.get(f"k{i}")
        pipe.hset("h", "a", 1)
        pipe.get("h")  # WRONGTYPE in the middle of a pipeline
        pipe.ttl("k1")
        results = pipe.execute(raise_on_error=False)
        self.assertEqual(len(results), 3003)
        self.assertEqual(results[0:3], [True, 1, "0"])
        self.assertEqual(results[2997:3000], [True, 1000, "999"])
        self.assertEqual(results[3000], 1)
        self.assertIsInstance(results[3001], redis.exceptions.ResponseError)
        self.assertTrue(str(results[3001]).startswith("WRONGTYPE"))
        self.assertEqual(results[3002], -1)
        with self.assertRaises(redis.exceptions.ResponseError):
            r.pipeline(transaction=False).get("h").execute()

    def test_transactions(self):
        r = self.r
        # pipeline() is transactional by default: MULTI, the commands, EXEC.
        pipe = r.pipeline()
        pipe.set("tx:a", 1).incr("tx:a").get("tx:a").hset("tx:h", "f", "v").hgetall("tx:h")
        self.assertEqual(pipe.execute(), [True, 2, "2", 1, {"f": "v"}])
        # An error inside EXEC is that command's; the other commands ran.
        r.set("tx:s", "abc")
        results = r.pipeline().incr("tx:s").set("tx:b", "x").execute(raise_on_error=False)
        self.assertIsInstance(results[0], redis.exceptions.ResponseError)
        self.assertEqual(str(results[0]), "value is not an integer or out of range")
        self.assertEqual(results[1], True)
        self.assertEqual(r.get("tx:b"), "x")
        # An error while queuing discards the whole transaction (EXECABORT).
        pipe = r.pipeline()
        pipe.set("tx:c", 1)
        pipe.execute_command("NOSUCHCOMMAND", "x")
        with self.assertRaises(redis.exceptions.ResponseError):
            pipe.execute()
        self.assertIsNone(r.get("tx:c"))
        # DISCARD, via reset() after MULTI.
        pipe = r.pipeline()
        pipe.multi()
        pipe.set("tx:d", 1)
        pipe.reset()
        self.assertIsNone(r.get("tx:d"))
        self.assertTrue(r.ping())

    def test_watch_optimistic_locking(self):
        r = self.r
        other = client(decode_responses=True)
        r.set("tx:balance", 100)
        attempts = []

        def withdraw(pipe):
            attempts.append(1)
            balance = int(pipe.get("tx:balance"))  # immediate mode after WATCH
            if len(attempts) == 1:
                other.incrby("tx:balance", 50)  # a concurrent writer: this EXEC must fail
            pipe.multi()
            pipe.set("tx:balance", balance - 30)

        # transaction() retries on WatchError (EXEC returned nil).
        self.assertEqual(r.transaction(withdraw, "tx:balance"), [True])
        self.assertEqual(len(attempts), 2)
        self.assertEqual(r.get("tx:balance"), "120")
        # The same by hand: WatchError surfaces.
        with r.pipeline() as pipe:
            pipe.watch("tx:balance")
            other.set("tx:balance", 0)
            pipe.multi()
            pipe.set("tx:balance", 1)
            with self.assertRaises(redis.exceptions.WatchError):
                pipe.execute()
        self.assertEqual(r.get("tx:balance"), "0")
        other.close()

    def test_watch_counter_from_threads(self):
        # Eight threads increment one counter with GET + SET under WATCH, retrying on conflict:
        # no increment may be lost.
        pool = redis.ConnectionPool(host="127.0.0.1", port=PORT, max_connections=16)
        errors = []
        retries = []

        def work():
            c = redis.Redis(connection_pool=pool)
            try:
                for _ in range(50):
                    with c.pipeline() as pipe:
                        while True:
                            try:
                                pipe.watch("tx:counter")
                                value = int(pipe.get("tx:counter") or 0)
                                pipe.multi()
                                pipe.set("tx:counter", value + 1)
                                pipe.execute()
                                break
                            except redis.exceptions.WatchError:
                                retries.append(1)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.r.get("tx:counter"), "400")
        print(f"  {len(retries)} WATCH conflicts retried")
        pool.disconnect()

    def test_errors(self):
        r = self.r
        r.hset("h", "f", "v")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.get("h")
        self.assertEqual(
            str(e.exception), "WRONGTYPE Operation against a key holding the wrong kind of value"
        )
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("NOSUCHCOMMAND", "a")
        self.assertEqual(
            str(e.exception), "unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' "
        )
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("GET")
        self.assertEqual(str(e.exception), "wrong number of arguments for 'get' command")
        with self.assertRaises(redis.exceptions.ResponseError):
            r.set("k", "v", ex=0)
        self.assertTrue(r.ping())

    def test_binary_values(self):
        r = client()  # bytes in, bytes out
        value = bytes(range(256)) * 4096 + b"\r\n$5\r\n*1\r\n\x00"
        self.assertTrue(r.set(b"bin\x00key\r\n", value))
        self.assertEqual(r.get(b"bin\x00key\r\n"), value)
        self.assertEqual(r.strlen(b"bin\x00key\r\n"), len(value))
        r.hset(b"binh", b"\xff\x00", b"\r\n")
        self.assertEqual(r.hgetall(b"binh"), {b"\xff\x00": b"\r\n"})
        r.close()

    def test_databases_and_keys(self):
        db3 = redis.from_url(f"redis://127.0.0.1:{PORT}/3", decode_responses=True)
        db3.set("only3", "x")
        self.assertEqual(db3.dbsize(), 1)
        self.assertIsNone(self.r.get("only3"))
        self.assertTrue(self.r.swapdb(0, 3))
        self.assertEqual(self.r.get("only3"), "x")
        self.assertTrue(self.r.rename("only3", "renamed"))
        self.assertTrue(self.r.copy("renamed", "copied"))
        self.assertEqual(self.r.exists("renamed", "copied", "nope"), 2)
        self.assertEqual(self.r.unlink("renamed", "copied"), 2)
        db3.close()

    def test_server_commands(self):
        r = self.r
        info = r.info()
        self.assertIn("redis_version", info)
        self.assertIn("connected_clients", info)
        self.assertEqual(r.info("keyspace"), {})
        self.assertEqual(r.config_get("maxclients"), {"maxclients": "10000"})
        self.assertTrue(r.client_setname("py-test"))
        self.assertEqual(r.client_getname(), "py-test")
        self.assertIsInstance(r.client_id(), int)
        names = [c["name"] for c in r.client_list()]
        self.assertIn("py-test", names)
        self.assertEqual(r.echo("hi"), "hi")
        self.assertIsInstance(r.time()[0], int)
        self.assertTrue(r.flushdb())

    def test_help_is_one_reply(self):
        # Regression: CLIENT/CONFIG/COMMAND HELP declared one element fewer than they sent, so the
        # last line ("    Print this help.") was read as the reply to the next command.
        for name in ("CLIENT", "CONFIG", "COMMAND", "OBJECT"):  # the raw reply, please
            self.r.set_response_callback(name, lambda response, **options: response)
        for command in (["CLIENT", "HELP"], ["CONFIG", "HELP"], ["COMMAND", "HELP"],
                        ["OBJECT", "HELP"]):
            lines = self.r.execute_command(*command)
            if command[0] in ("CLIENT", "CONFIG"):
                self.assertEqual(lines[-2:], ["HELP", "    Print this help."], command)
            elif command[0] == "COMMAND":  # Redis 7.0's own wording for COMMAND HELP
                self.assertEqual(lines[-2:], ["HELP", "    Prints this help."], command)
            self.assertTrue(self.r.ping(), command)
            self.assertEqual(self.r.echo("after help"), "after help", command)

    def test_threads_share_a_pool(self):
        pool = redis.ConnectionPool(host="127.0.0.1", port=PORT, max_connections=16)
        errors = []

        def work():
            c = redis.Redis(connection_pool=pool)
            try:
                for i in range(500):
                    c.incr("shared")
                    c.hincrby("shared_h", "n", 1)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.r.get("shared"), "4000")
        self.assertEqual(self.r.hget("shared_h", "n"), "4000")
        pool.disconnect()



    # ---- Scripts, as applications use them ----
    def test_script_rate_limiter(self):
        # A fixed-window limiter as rate limiters ship it: INCR, EXPIRE on the first hit, reply
        # with the count and the window's remaining time.
        limiter = self.r.register_script(
            "local n = redis.call('INCR', KEYS[1]) "
            "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end "
            "return {n, redis.call('PTTL', KEYS[1])}"
        )
        self.r.script_flush()  # the first call then gets NOSCRIPT and falls back to EVAL
        seen = [limiter(keys=["rl:10.0.0.1"], args=[60000]) for _ in range(5)]
        self.assertEqual([n for n, _ in seen], [1, 2, 3, 4, 5])
        self.assertTrue(all(0 < ttl <= 60000 for _, ttl in seen))
        self.assertTrue(self.r.script_exists(limiter.sha)[0])
        # Within a pipeline, redis-py loads the script first.
        p = self.r.pipeline()
        for _ in range(3):
            limiter(keys=["rl:10.0.0.2"], args=[1000], client=p)
        self.assertEqual([n for n, _ in p.execute()], [1, 2, 3])

    def test_lock_release_and_extend(self):
        # redis-py's Lock releases, extends and reacquires with its own Lua scripts.
        lock = self.r.lock("lock:report", timeout=10, blocking=False)
        self.assertTrue(lock.acquire())
        other = self.r.lock("lock:report", timeout=10, blocking=False)
        self.assertFalse(other.acquire())
        self.assertTrue(lock.extend(5))
        self.assertGreater(self.r.pttl("lock:report"), 10000)
        self.assertTrue(lock.reacquire())
        self.assertLessEqual(self.r.pttl("lock:report"), 10000)
        # A release by the wrong token is refused by the script; the owner's goes through.
        self.r.set("lock:stolen", "someone-else")
        stolen = self.r.lock("lock:stolen", timeout=10)
        stolen.local.token = b"not-the-owner"
        with self.assertRaises(redis.exceptions.LockNotOwnedError):
            stolen.release()
        self.assertEqual(self.r.get("lock:stolen"), "someone-else")
        lock.release()
        self.assertIsNone(self.r.get("lock:report"))
        self.assertTrue(other.acquire())
        other.release()

    def test_job_queue_script(self):
        # BullMQ-style: a job's hash, a wait list, a delayed sorted set and an active list moved
        # by multi-key scripts, atomically.
        add = self.r.register_script(
            "local id = redis.call('INCR', KEYS[1]) "
            "redis.call('HSET', KEYS[2] .. id, 'data', ARGV[1], 'attempts', 0) "
            "if tonumber(ARGV[2]) > 0 then "
            "  redis.call('ZADD', KEYS[4], ARGV[2], id) "
            "else redis.call('LPUSH', KEYS[3], id) end "
            "return id"
        )
        take = self.r.register_script(
            "local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1]) "
            "for _, id in ipairs(due) do "
            "  redis.call('ZREM', KEYS[3], id) redis.call('LPUSH', KEYS[1], id) end "
            "local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) "
            "if not id then return false end "
            "redis.call('HINCRBY', ARGV[2] .. id, 'attempts', 1) "
            "return {id, redis.call('HGET', ARGV[2] .. id, 'data')}"
        )
        keys_add = ["q:id", "q:job:", "q:wait", "q:delayed"]
        keys_take = ["q:wait", "q:active", "q:delayed"]
        self.assertEqual(add(keys=keys_add, args=["email ada", 0]), 1)
        self.assertEqual(add(keys=keys_add, args=["email bob", 0]), 2)
        self.assertEqual(add(keys=keys_add, args=["report", 5000]), 3)
        self.assertEqual(take(keys=keys_take, args=[1000, "q:job:"]), ["1", "email ada"])
        self.assertEqual(take(keys=keys_take, args=[1000, "q:job:"]), ["2", "email bob"])
        self.assertIsNone(take(keys=keys_take, args=[1000, "q:job:"]))
        self.assertEqual(take(keys=keys_take, args=[6000, "q:job:"]), ["3", "report"])
        self.assertEqual(self.r.lrange("q:active", 0, -1), ["3", "2", "1"])
        self.assertEqual(self.r.hget("q:job:1", "attempts"), "1")
        # An error inside a script surfaces with Redis's text.
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            self.r.eval("return redis.call('LPUSH', KEYS[1], 'x')", 1, "q:job:1")
        self.assertIn("WRONGTYPE", str(e.exception))

    def _next_message(self, p, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = p.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if m is not None:
                return m
        self.fail("no Pub/Sub message within %.0f s" % timeout)

    def test_pubsub_channels_patterns_and_keyspace_events(self):
        r = self.r
        p = r.pubsub()
        p.subscribe("news")
        p.psubscribe("user:*", "__keyevent@0__:*")
        # The three subscription confirmations.
        kinds = [self._next_message_raw(p)["type"] for _ in range(3)]
        self.assertEqual(sorted(kinds), ["psubscribe", "psubscribe", "subscribe"])
        self.assertEqual(r.publish("news", "hello"), 1)
        self.assertEqual(
            self._next_message(p),
            {"type": "message", "pattern": None, "channel": "news", "data": "hello"},
        )
        self.assertEqual(r.publish("user:42", "logout"), 1)
        self.assertEqual(
            self._next_message(p),
            {"type": "pmessage", "pattern": "user:*", "channel": "user:42", "data": "logout"},
        )
        self.assertEqual(r.pubsub_numsub("news", "nobody"), [("news", 1), ("nobody", 0)])
        self.assertEqual(r.pubsub_numpat(), 2)
        self.assertIn("news", r.pubsub_channels())
        # Keyspace notifications: an expired session and a deleted one.
        self.assertTrue(r.config_set("notify-keyspace-events", "Egx"))
        try:
            r.set("sess:gone", "v", px=50)
            r.set("sess:del", "v")
            r.delete("sess:del")
            self.assertEqual(  # SET with PX signals "expire", as Redis
                self._next_message(p),
                {"type": "pmessage", "pattern": "__keyevent@0__:*",
                 "channel": "__keyevent@0__:expire", "data": "sess:gone"},
            )
            self.assertEqual(
                self._next_message(p),
                {"type": "pmessage", "pattern": "__keyevent@0__:*",
                 "channel": "__keyevent@0__:del", "data": "sess:del"},
            )
            self.assertEqual(
                self._next_message(p),
                {"type": "pmessage", "pattern": "__keyevent@0__:*",
                 "channel": "__keyevent@0__:expired", "data": "sess:gone"},
            )
        finally:
            r.config_set("notify-keyspace-events", "")
        p.unsubscribe()
        p.punsubscribe()
        p.close()
        self.assertEqual(r.pubsub_numpat(), 0)

    def _next_message_raw(self, p, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = p.get_message(timeout=0.5)
            if m is not None:
                return m
        self.fail("no Pub/Sub reply within %.0f s" % timeout)

    def test_pubsub_run_in_thread(self):
        received = []
        done = threading.Event()

        def handler(message):
            received.append(message["data"])
            if len(received) == 100:
                done.set()

        p = self.r.pubsub()
        p.subscribe(**{"jobs": handler})
        worker = p.run_in_thread(sleep_time=0.01)
        try:
            deadline = time.monotonic() + 10
            while self.r.pubsub_numsub("jobs")[0][1] != 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            for i in range(100):
                self.assertEqual(self.r.publish("jobs", str(i)), 1)
            self.assertTrue(done.wait(10), "received %d of 100" % len(received))
            self.assertEqual(received, [str(i) for i in range(100)])
        finally:
            worker.stop()
            worker.join(10)
            p.close()

if __name__ == "__main__":
    PORT = int(sys.argv.pop(1))
    print(f"redis-py {redis.__version__} against port {PORT}")
    unittest.main(verbosity=2)
