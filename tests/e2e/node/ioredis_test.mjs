// ioredis against embedis-server: v5 (RESP2) and the current release over RESP2, RESP3 with the
// legacy reply mapping (its default: HELLO 3 on connect) and RESP3 with the "resp3" mapping.
// A realistic workload: sessions with TTLs, counters, hashes, scanStream / hscanStream,
// pipelines (including an error inside one), MULTI/EXEC transactions and WATCH, auto-pipelining,
// Buffer values, errors surfacing as ReplyError, and the connection handshake (ready check INFO,
// CLIENT SETNAME, SELECT, SETINFO).
//
//   EMBEDIS_PORT=6379 node ioredis_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const port = Number(process.env.EMBEDIS_PORT);
assert.ok(port > 0, 'EMBEDIS_PORT is not set');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const variants = [
  { pkg: 'ioredis5', options: {}, resp: 2, db: 6 },
  { pkg: 'ioredis', options: { protocol: 2 }, resp: 2, db: 7 },
  { pkg: 'ioredis', options: {}, resp: 3, db: 8 },
  { pkg: 'ioredis', options: { protocol: 3, replyMapping: 'resp3' }, resp: 3, db: 9 },
];

function version(pkg) {
  return require(`${pkg}/package.json`).version;
}

async function connect(pkg, options, db, name) {
  const Redis = require(pkg);
  const client = new Redis({
    host: '127.0.0.1',
    port,
    db,
    connectionName: name,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...options,
  });
  const errors = [];
  client.on('error', (err) => errors.push(err));
  await client.connect();
  client.connectionErrors = errors;
  return { Redis, client };
}

function streamToArray(stream) {
  return new Promise((resolve, reject) => {
    const out = [];
    stream.on('data', (chunk) => out.push(...chunk));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

for (const { pkg, options, resp, db } of variants) {
  const mapping = options.replyMapping ?? 'legacy';
  const label = `${pkg}@${version(pkg)} RESP${resp}${resp === 3 ? ` (${mapping} mapping)` : ''}`;
  const name = `e2e-${pkg}-db${db}`;

  test(`${label}: handshake, strings, TTLs, counters, hashes`, async () => {
    const { client } = await connect(pkg, options, db, name);
    try {
      await client.flushdb();
      const info = await client.client('INFO');
      assert.match(info, new RegExp(`name=${name} `));
      assert.match(info, new RegExp(` db=${db} `));
      assert.match(info, new RegExp(` resp=${resp} `));

      const session = JSON.stringify({ cookie: { path: '/' }, user: 'bob' });
      assert.equal(await client.set('sess:1', session, 'EX', 3600), 'OK');
      assert.equal(await client.get('sess:1'), session);
      assert.equal(await client.ttl('sess:1'), 3600);
      assert.equal(await client.expire('sess:1', 30), 1);
      assert.equal(await client.ttl('sess:1'), 30);
      assert.equal(await client.persist('sess:1'), 1);
      assert.equal(await client.ttl('sess:1'), -1);
      assert.equal(await client.set('flash', 'x', 'PX', 100), 'OK');
      await sleep(250);
      assert.equal(await client.get('flash'), null);
      assert.equal(await client.set('nx', '1', 'NX'), 'OK');
      assert.equal(await client.set('nx', '2', 'NX'), null);
      assert.equal(await client.setex('sx', 100, 'v'), 'OK');
      assert.equal(await client.ttl('sx'), 100);

      assert.equal(await client.incr('n'), 1);
      assert.equal(await client.incrby('n', 9), 10);
      assert.equal(String(await client.incrbyfloat('n', 1.5)), '11.5');
      assert.equal(await client.mset({ a: '1', b: '2' }), 'OK');
      assert.deepEqual(await client.mget('a', 'b', 'nope'), ['1', '2', null]);

      assert.equal(await client.hset('user:1', { name: 'bob', visits: '1', plan: 'pro' }), 3);
      // hgetall is an object in every mapping (ioredis converts the flat array).
      assert.deepEqual(await client.hgetall('user:1'), { name: 'bob', visits: '1', plan: 'pro' });
      assert.equal(await client.hincrby('user:1', 'visits', 2), 3);
      assert.equal(await client.hdel('user:1', 'plan'), 1);
      assert.deepEqual(await client.hmget('user:1', 'name', 'nope'), ['bob', null]);
      assert.equal(await client.hlen('user:1'), 2);
      assert.deepEqual(await client.hgetall('missing'), {});
      const config = await client.config('GET', 'maxclients');
      if (mapping === 'resp3') assert.deepEqual(config, { maxclients: '10000' });
      else assert.deepEqual(config, ['maxclients', '10000']);
      assert.match(await client.info('server'), /redis_version:7/);

      // Binary-safe values with the Buffer variants.
      const blob = Buffer.concat([Buffer.from([0, 13, 10, 255]), Buffer.alloc(100_000, 7)]);
      assert.equal(await client.set(Buffer.from('bin\r\nkey'), blob), 'OK');
      assert.ok(blob.equals(await client.getBuffer(Buffer.from('bin\r\nkey'))));
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await client.quit();
    }
  });

  test(`${label}: scanStream, hscanStream, pipelines, errors`, async () => {
    const { Redis, client } = await connect(pkg, options, db, name);
    try {
      const pipe = client.pipeline();
      for (let i = 0; i < 2000; i++) pipe.set(`sess:${i}`, '{}', 'EX', 600);
      for (let i = 0; i < 300; i++) pipe.set(`cache:${i}`, 'x');
      const results = await pipe.exec();
      assert.equal(results.length, 2300);
      assert.ok(results.every(([err, reply]) => err === null && reply === 'OK'));

      const sessions = await streamToArray(client.scanStream({ match: 'sess:*', count: 100 }));
      const unique = new Set(sessions);
      assert.equal(unique.size, 2000);
      assert.ok(sessions.length <= 2200, `${sessions.length} keys returned`);
      const cache = await streamToArray(client.scanStream({ match: 'cache:2?', count: 1000 }));
      assert.equal(new Set(cache).size, 10);
      const strings = await streamToArray(client.scanStream({ type: 'hash' }));
      assert.deepEqual(strings.sort(), ['user:1']);

      const fields = {};
      for (let i = 0; i < 400; i++) fields[`f${i}`] = `v${i}`;
      await client.hset('wide', fields);
      const flat = await streamToArray(client.hscanStream('wide', { count: 30 }));
      const seen = {};
      for (let i = 0; i < flat.length; i += 2) seen[flat[i]] = flat[i + 1];
      assert.deepEqual(seen, fields);

      // An error inside a pipeline is that command's, as a ReplyError; the others succeed.
      const mixed = await client.pipeline().set('m', '1').hget('m', 'f').incr('c').exec();
      assert.deepEqual(mixed[0], [null, 'OK']);
      assert.ok(mixed[1][0] instanceof Redis.ReplyError);
      assert.match(mixed[1][0].message, /^WRONGTYPE /);
      assert.deepEqual(mixed[2], [null, 1]);

      await assert.rejects(client.get('user:1'), (err) => {
        assert.ok(err instanceof Redis.ReplyError, `${err} is a ReplyError`);
        assert.equal(
          err.message,
          'WRONGTYPE Operation against a key holding the wrong kind of value',
        );
        return true;
      });
      await assert.rejects(client.call('NOSUCHCOMMAND', 'x'), (err) => {
        assert.ok(err instanceof Redis.ReplyError);
        assert.equal(
          err.message,
          "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
        );
        return true;
      });
      await assert.rejects(client.incr('m2', 'extra'), Redis.ReplyError);
      assert.equal(await client.ping(), 'PONG');
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await client.quit();
    }
  });

  test(`${label}: MULTI/EXEC transactions and WATCH`, async () => {
    const { Redis, client } = await connect(pkg, options, db, name);
    const { client: other } = await connect(pkg, options, db, `${name}-other`);
    try {
      assert.deepEqual(await client.multi().set('tx:a', '1').incr('tx:a').get('tx:a').exec(), [
        [null, 'OK'],
        [null, 2],
        [null, '2'],
      ]);
      // An error inside EXEC is that command's; the others ran.
      await client.set('tx:s', 'abc');
      const mixed = await client.multi().incr('tx:s').set('tx:b', '1').exec();
      assert.ok(mixed[0][0] instanceof Redis.ReplyError, `${mixed[0][0]} is a ReplyError`);
      assert.equal(mixed[0][0].message, 'ERR value is not an integer or out of range');
      assert.deepEqual(mixed[1], [null, 'OK']);
      // An error while queuing discards the whole transaction (EXECABORT).
      await assert.rejects(client.multi().set('tx:c', '1').call('NOSUCHCOMMAND').exec(), (err) => {
        assert.ok(err instanceof Redis.ReplyError);
        assert.equal(err.message, 'EXECABORT Transaction discarded because of previous errors.');
        return true;
      });
      assert.equal(await client.get('tx:c'), null);

      // Optimistic locking: exec() resolves null when a watched key changed; retry.
      await client.set('tx:balance', '100');
      let attempts = 0;
      let result = null;
      while (result === null) {
        attempts++;
        assert.ok(attempts < 5, 'too many retries');
        await client.watch('tx:balance');
        const balance = Number(await client.get('tx:balance'));
        if (attempts === 1) await other.incrby('tx:balance', 50);
        result = await client.multi().set('tx:balance', String(balance - 30)).exec();
      }
      assert.equal(attempts, 2);
      assert.deepEqual(result, [[null, 'OK']]);
      assert.equal(await client.get('tx:balance'), '120');
      assert.deepEqual(client.connectionErrors, []);
    } finally {
      await other.quit();
      await client.quit();
    }
  });

  test(`${label}: auto-pipelining from many callers`, async () => {
    const { client } = await connect(pkg, { ...options, enableAutoPipelining: true }, db, name);
    try {
      const replies = await Promise.all(
        Array.from({ length: 3000 }, (_, i) =>
          i % 3 === 0 ? client.incr('auto') : i % 3 === 1 ? client.set(`auto:${i}`, i) : client.ping(),
        ),
      );
      assert.equal(replies.length, 3000);
      assert.equal(await client.get('auto'), '1000');
      const keys = Array.from({ length: 1000 }, (_, k) => `auto:${3 * k + 1}`);
      assert.equal(await client.exists(...keys), 1000);
      assert.equal(await client.get('auto:2998'), '2998');
    } finally {
      await client.quit();
    }
  });
}
