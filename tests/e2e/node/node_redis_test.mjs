// node-redis (the npm `redis` package) against embedis-server: v4, v5 and the current release,
// each over RESP2 and, where the client speaks it (v5+), RESP3 (HELLO 3). A realistic workload:
// sessions with TTLs, counters, hashes, SCAN and HSCAN iterators, automatic and explicit
// pipelines, MULTI/EXEC transactions and WATCH, Pub/Sub (channels, patterns, keyspace events), Lua
// scripts (a rate limiter by EVALSHA with NOSCRIPT fallback, a lock release, a job queue),
// errors surfacing as ErrorReply, and the
// connection handshake (HELLO, CLIENT SETNAME, CLIENT SETINFO, SELECT).
//
//   EMBEDIS_PORT=6379 node node_redis_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const port = Number(process.env.EMBEDIS_PORT);
assert.ok(port > 0, 'EMBEDIS_PORT is not set');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Each variant gets its own database so that they cannot disturb each other.
const variants = [
  { pkg: 'redis4', resp: 2, db: 1 },
  { pkg: 'redis5', resp: 2, db: 2 },
  { pkg: 'redis5', resp: 3, db: 3 },
  { pkg: 'redis', resp: 2, db: 4 },
  { pkg: 'redis', resp: 3, db: 5 },
];

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

async function connect(pkg, resp, db, extra = {}) {
  const redis = require(pkg);
  const options = {
    url: `redis://127.0.0.1:${port}/${db}`,
    name: `e2e-${pkg}-resp${resp}`,
    socket: { reconnectStrategy: false, connectTimeout: 5000 },
    ...extra,
  };
  if (!version(pkg).startsWith('4.')) options.RESP = resp;
  const client = redis.createClient(options);
  const errors = [];
  client.on('error', (err) => errors.push(err));
  await client.connect();
  client.connectionErrors = errors;
  return { redis, client };
}

async function close(client) {
  if (typeof client.close === 'function') await client.close();
  else await client.quit();
}

// SCAN-style iterators yield keys one by one in v4, and arrays of keys in v5+.
async function collect(iterator) {
  const out = [];
  for await (const item of iterator) {
    if (Array.isArray(item)) out.push(...item);
    else out.push(item);
  }
  return out;
}

for (const { pkg, resp, db } of variants) {
  const label = `${pkg}@${version(pkg)} RESP${resp}`;

  test(`${label}: handshake, strings, TTLs, counters`, async () => {
    const { client } = await connect(pkg, resp, db);
    try {
      await client.flushDb();
      assert.equal(await client.ping(), 'PONG');
      // The handshake: HELLO (RESP3), CLIENT SETNAME, CLIENT SETINFO (v5+), SELECT.
      const info = await client.sendCommand(['CLIENT', 'INFO']);
      assert.match(info, new RegExp(`name=e2e-${pkg}-resp${resp} `));
      assert.match(info, new RegExp(` db=${db} `));
      assert.match(info, new RegExp(` resp=${resp} `));
      if (!version(pkg).startsWith('4.')) {
        assert.match(info, / lib-name=node-redis /);
        assert.match(info, new RegExp(` lib-ver=${version(pkg).replaceAll('.', '\\.')}`));
      }

      const session = JSON.stringify({ cookie: { path: '/', httpOnly: true }, user: 'alice' });
      assert.equal(await client.set('sess:1', session, { EX: 3600 }), 'OK');
      assert.equal(await client.get('sess:1'), session);
      assert.equal(await client.ttl('sess:1'), 3600);
      assert.ok((await client.pTTL('sess:1')) > 3_590_000);
      assert.equal(Number(await client.expire('sess:1', 60)), 1);
      assert.equal(await client.ttl('sess:1'), 60);
      assert.equal(Number(await client.persist('sess:1')), 1);
      assert.equal(await client.ttl('sess:1'), -1);
      assert.equal(await client.ttl('missing'), -2);
      assert.equal(await client.get('missing'), null);
      assert.equal(await client.set('nx', '1', { NX: true }), 'OK');
      assert.equal(await client.set('nx', '2', { NX: true }), null);
      assert.equal(await client.set('nx', '3', { XX: true, GET: true }), '1');
      assert.equal(await client.getDel('nx'), '3');
      assert.equal(await client.set('short', 'v', { PX: 100 }), 'OK');
      assert.equal(await client.getEx('short', { PX: 150 }), 'v');
      await sleep(300);
      assert.equal(await client.get('short'), null, 'PX 150 expired');
      assert.equal(await client.exists('short'), 0);

      assert.equal(await client.incr('visits'), 1);
      assert.equal(await client.incrBy('visits', 41), 42);
      assert.equal(await client.decr('visits'), 41);
      assert.equal(Number(await client.incrByFloat('visits', 0.5)), 41.5);
      assert.equal(await client.mSet({ a: '1', b: '2' }), 'OK');
      assert.deepEqual(await client.mGet(['a', 'b', 'nope']), ['1', '2', null]);
      assert.equal(await client.append('a', 'bc'), 3);
      assert.equal(await client.strLen('a'), 3);
      assert.equal(await client.getRange('a', 1, 2), 'bc');
      assert.equal(await client.type('a'), 'string');
      assert.equal(await client.dbSize(), 4);
      assert.match(await client.info('server'), /redis_version:/);
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await close(client);
    }
  });

  test(`${label}: hashes and HSCAN`, async () => {
    const { client } = await connect(pkg, resp, db);
    try {
      assert.equal(await client.hSet('user:1', { name: 'alice', visits: '1', plan: 'free' }), 3);
      assert.deepEqual(
        { ...(await client.hGetAll('user:1')) },
        { name: 'alice', visits: '1', plan: 'free' },
      );
      assert.equal(await client.hGet('user:1', 'name'), 'alice');
      assert.deepEqual(await client.hmGet('user:1', ['name', 'nope']), ['alice', null]);
      assert.equal(await client.hIncrBy('user:1', 'visits', 9), 10);
      assert.equal(Number(await client.hIncrByFloat('user:1', 'visits', 0.5)), 10.5);
      assert.equal(Number(await client.hExists('user:1', 'plan')), 1);
      assert.equal(await client.hDel('user:1', 'plan'), 1);
      assert.equal(await client.hLen('user:1'), 2);
      assert.deepEqual((await client.hKeys('user:1')).sort(), ['name', 'visits']);
      assert.deepEqual({ ...(await client.hGetAll('missing')) }, {});

      const fields = {};
      for (let i = 0; i < 500; i++) fields[`f${i}`] = String(i);
      await client.hSet('wide', fields);
      const seen = {};
      for await (const item of client.hScanIterator('wide', { COUNT: 50 })) {
        for (const { field, value } of Array.isArray(item) ? item : [item]) seen[field] = value;
      }
      assert.deepEqual(seen, fields);
    } finally {
      await close(client);
    }
  });

  test(`${label}: SCAN iterator over 2000 sessions`, async () => {
    const { client } = await connect(pkg, resp, db);
    try {
      // Automatic pipelining: commands issued in one tick leave in one write.
      await Promise.all(
        Array.from({ length: 2000 }, (_, i) => client.set(`sess:${i}`, '{}', { EX: 600 })),
      );
      await Promise.all(Array.from({ length: 300 }, (_, i) => client.set(`cache:${i}`, 'x')));
      const keys = await collect(client.scanIterator({ MATCH: 'sess:*', COUNT: 100 }));
      const unique = new Set(keys);
      assert.equal(unique.size, 2000);
      for (let i = 0; i < 2000; i++) assert.ok(unique.has(`sess:${i}`));
      assert.ok(keys.length <= 2200, `${keys.length} keys returned`);
      const cache = new Set(await collect(client.scanIterator({ MATCH: 'cache:1?' })));
      assert.deepEqual([...cache].sort(), Array.from({ length: 10 }, (_, i) => `cache:1${i}`).sort());
      const hashes = await collect(client.scanIterator({ TYPE: 'hash' }));
      assert.deepEqual(hashes.sort(), ['user:1', 'wide']);
    } finally {
      await close(client);
    }
  });

  test(`${label}: explicit pipeline and errors`, async () => {
    const { redis, client } = await connect(pkg, resp, db);
    try {
      const pipe = client.multi();
      for (let i = 0; i < 500; i++) pipe.set(`p:${i}`, String(i)).incr('p:count').get(`p:${i}`);
      const replies = await pipe.execAsPipeline();
      assert.equal(replies.length, 1500);
      assert.deepEqual(replies.slice(0, 3), ['OK', 1, '0']);
      assert.deepEqual(replies.slice(1497), ['OK', 500, '499']);

      // WRONGTYPE surfaces as the client's ErrorReply with Redis's text.
      await assert.rejects(client.get('user:1'), (err) => {
        assert.ok(err instanceof redis.ErrorReply, `${err} is an ErrorReply`);
        assert.equal(
          err.message,
          'WRONGTYPE Operation against a key holding the wrong kind of value',
        );
        return true;
      });
      await assert.rejects(client.sendCommand(['NOSUCHCOMMAND', 'x']), (err) => {
        assert.ok(err instanceof redis.ErrorReply);
        assert.equal(
          err.message,
          "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
        );
        return true;
      });
      await assert.rejects(client.incr('user:1'), redis.ErrorReply);
      await assert.rejects(client.set('k', 'v', { EX: 0 }), /invalid expire time/);
      // An error inside a pipeline fails only its own command.
      const mixed = await Promise.allSettled([
        client.set('m', '1'),
        client.hGet('m', 'f'),
        client.get('m'),
      ]);
      assert.deepEqual(
        mixed.map((r) => r.status),
        ['fulfilled', 'rejected', 'fulfilled'],
      );
      assert.equal(mixed[2].value, '1');
      assert.equal(await client.ping(), 'PONG');
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await close(client);
    }
  });

  test(`${label}: MULTI/EXEC transactions and WATCH`, async () => {
    const { redis, client } = await connect(pkg, resp, db);
    const { client: other } = await connect(pkg, resp, db, { name: `e2e-${pkg}-other` });
    try {
      assert.deepEqual(
        await client.multi().set('tx:a', '1').incr('tx:a').get('tx:a').exec(),
        ['OK', 2, '2'],
      );
      // An error inside EXEC is that command's: MultiErrorReply carries every reply.
      await client.set('tx:s', 'abc');
      await assert.rejects(client.multi().incr('tx:s').set('tx:b', '1').exec(), (err) => {
        assert.ok(err instanceof redis.MultiErrorReply, `${err} is a MultiErrorReply`);
        assert.deepEqual(err.errorIndexes, [0]);
        assert.equal(err.replies[0].message, 'ERR value is not an integer or out of range');
        assert.equal(err.replies[1], 'OK');
        return true;
      });
      assert.equal(await client.get('tx:b'), '1');
      // An error while queuing discards the whole transaction.
      await assert.rejects(
        client.multi().set('tx:c', '1').addCommand(['NOSUCHCOMMAND']).exec(),
        redis.ErrorReply,
      );
      assert.equal(await client.get('tx:c'), null);

      // Optimistic locking: WATCH, read, MULTI/EXEC; a concurrent write makes EXEC fail with
      // WatchError, and the retry goes through.
      await client.set('tx:balance', '100');
      let attempts = 0;
      for (;;) {
        attempts++;
        await client.watch('tx:balance');
        const balance = Number(await client.get('tx:balance'));
        if (attempts === 1) await other.incrBy('tx:balance', 50);
        try {
          await client.multi().set('tx:balance', String(balance - 30)).exec();
          break;
        } catch (err) {
          if (!(err instanceof redis.WatchError)) throw err;
          assert.ok(attempts < 5, 'too many retries');
        }
      }
      assert.equal(attempts, 2);
      assert.equal(await client.get('tx:balance'), '120');
      assert.equal(await client.ping(), 'PONG');
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await close(other);
      await close(client);
    }
  });

  test(`${label}: scripts (rate limiter, lock release, job queue)`, async () => {
    const { client } = await connect(pkg, resp, db);
    try {
      // A rate limiter by SHA1, loaded on NOSCRIPT as client libraries do.
      const limiter =
        "local n = redis.call('INCR', KEYS[1]) " +
        "if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
      await client.scriptFlush();
      const sha = await client.scriptLoad(limiter);
      assert.match(sha, /^[0-9a-f]{40}$/);
      const hit = async (key) => {
        try {
          return await client.evalSha(sha, { keys: [key], arguments: ['60000'] });
        } catch (err) {
          if (!String(err.message).startsWith('NOSCRIPT')) throw err;
          return client.eval(limiter, { keys: [key], arguments: ['60000'] });
        }
      };
      assert.deepEqual([await hit('rl:a'), await hit('rl:a'), await hit('rl:b')], [1, 2, 1]);
      await client.scriptFlush();
      assert.equal(await hit('rl:a'), 3); // NOSCRIPT, then EVAL
      const ttl = await client.pTTL('rl:a');
      assert.ok(ttl > 0 && ttl <= 60000, `PTTL ${ttl}`);

      // A lock: SET NX PX, released only by its owner's token (the Redlock release script).
      const release =
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) " +
        'else return 0 end';
      assert.equal(await client.set('lock:job', 'token-1', { NX: true, PX: 10000 }), 'OK');
      assert.equal(await client.set('lock:job', 'token-2', { NX: true, PX: 10000 }), null);
      assert.equal(await client.eval(release, { keys: ['lock:job'], arguments: ['token-2'] }), 0);
      assert.equal(await client.eval(release, { keys: ['lock:job'], arguments: ['token-1'] }), 1);
      assert.equal(await client.exists('lock:job'), 0);

      // A job queue: add (hash + wait list) and take (wait -> active, attempts + 1) atomically.
      const add =
        "local id = redis.call('INCR', KEYS[1]) " +
        "redis.call('HSET', KEYS[2] .. id, 'data', ARGV[1], 'attempts', 0) " +
        "redis.call('LPUSH', KEYS[3], id) return id";
      const take =
        "local id = redis.call('RPOPLPUSH', KEYS[1], KEYS[2]) if not id then return false end " +
        "redis.call('HINCRBY', ARGV[1] .. id, 'attempts', 1) " +
        "return {id, redis.call('HGET', ARGV[1] .. id, 'data')}";
      const addKeys = { keys: ['q:id', 'q:job:', 'q:wait'] };
      assert.equal(await client.eval(add, { ...addKeys, arguments: ['mail ada'] }), 1);
      assert.equal(await client.eval(add, { ...addKeys, arguments: ['mail bob'] }), 2);
      const takeArgs = { keys: ['q:wait', 'q:active'], arguments: ['q:job:'] };
      assert.deepEqual(await client.eval(take, takeArgs), ['1', 'mail ada']);
      assert.deepEqual(await client.eval(take, takeArgs), ['2', 'mail bob']);
      assert.equal(await client.eval(take, takeArgs), null);
      assert.deepEqual(await client.lRange('q:active', 0, -1), ['2', '1']);
      assert.equal(await client.hGet('q:job:2', 'attempts'), '1');
      await assert.rejects(
        client.eval("return redis.call('LPUSH', KEYS[1], 'x')", { keys: ['q:job:1'] }),
        (err) => /^WRONGTYPE /.test(err.message),
      );
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await close(client);
    }
  });

  test(`${label}: SUBSCRIBE, PSUBSCRIBE and keyspace events`, async () => {
    const { client } = await connect(pkg, resp, db);
    const sub = client.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    try {
      const got = [];
      const waitFor = async (n) => {
        for (let i = 0; i < 500 && got.length < n; i++) await sleep(10);
        assert.equal(got.length, n, `received ${JSON.stringify(got)}`);
      };
      await sub.subscribe('news', (message, channel) => got.push(['news', channel, message]));
      await sub.pSubscribe('user:*', (message, channel) => got.push(['user:*', channel, message]));
      await sub.pSubscribe(`__keyevent@${db}__:expired`, (message, channel) =>
        got.push(['expired', channel, message]),
      );
      assert.equal(await client.publish('news', 'hello'), 1);
      assert.equal(await client.publish('user:42', 'logout'), 1);
      await waitFor(2);
      assert.deepEqual(got, [
        ['news', 'news', 'hello'],
        ['user:*', 'user:42', 'logout'],
      ]);
      assert.deepEqual({ ...(await client.pubSubNumSub(['news'])) }, { news: 1 });
      assert.equal(await client.pubSubNumPat(), 2);

      await client.configSet('notify-keyspace-events', 'Ex');
      try {
        await client.set('sess:gone', 'v', { PX: 30 });
        await waitFor(3);
        assert.deepEqual(got[2], ['expired', `__keyevent@${db}__:expired`, 'sess:gone']);
      } finally {
        await client.configSet('notify-keyspace-events', '');
      }
      await sub.unsubscribe('news');
      await sub.pUnsubscribe();
      assert.equal(await client.publish('news', 'nobody'), 0);
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await close(sub);
      await close(client);
    }
  });
}
