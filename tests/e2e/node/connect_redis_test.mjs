// connect-redis + express-session storing sessions in embedis-server. For each pairing of
// connect-redis and node-redis, starts connect_redis_app.mjs and drives it over HTTP with fetch:
// a session is created, read back, touched, listed, expires, is destroyed and cleared; and the
// data layout in embedis is checked directly: `sess:<sid>` holding express-session's JSON with
// a TTL equal to the cookie's remaining life.
//
//   EMBEDIS_PORT=6379 node connect_redis_test.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.EMBEDIS_PORT);
assert.ok(port > 0, 'EMBEDIS_PORT is not set');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// Read directly: some packages (connect-redis) do not export their package.json.
const version = (pkg) =>
  JSON.parse(readFileSync(path.join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const pairings = [
  { store: 'connect-redis', client: 'redis' }, // the current releases (redis@6 speaks RESP3)
  { store: 'connect-redis9', client: 'redis5' },
];

function startApp(store, client) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(here, 'connect_redis_app.mjs')], {
      env: { ...process.env, STORE_PKG: store, CLIENT_PKG: client },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`app did not start: ${output}`)), 15000);
    const onData = (chunk) => {
      output += chunk;
      const m = output.match(/listening (\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}`, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
      process.stderr.write(chunk);
    });
    child.on('exit', (code) => reject(new Error(`app exited with ${code}: ${output}`)));
  });
}

// A browser in miniature: keeps the connect.sid cookie.
class Browser {
  constructor(base) {
    this.base = base;
    this.cookie = null;
  }
  async request(method, route) {
    const headers = this.cookie ? { cookie: this.cookie } : {};
    const res = await fetch(this.base + route, { method, headers });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0];
    assert.equal(res.status, 200, `${method} ${route}: ${res.status}`);
    return res.json();
  }
  get(route) {
    return this.request('GET', route);
  }
  post(route) {
    return this.request('POST', route);
  }
  // The session id inside the signed cookie: connect.sid=s%3A<sid>.<signature>
  sid() {
    const value = decodeURIComponent(this.cookie.slice('connect.sid='.length));
    assert.ok(value.startsWith('s:'));
    return value.slice(2, value.lastIndexOf('.'));
  }
}

for (const pairing of pairings) {
  const label =
    `connect-redis@${version(pairing.store)} + redis@${version(pairing.client)} ` +
    `+ express-session@${version('express-session')} + express@${version('express')}`;

  test(label, async () => {
    const { createClient } = require('redis');
    const inspector = createClient({ url: `redis://127.0.0.1:${port}`, RESP: 2 });
    await inspector.connect();
    await inspector.flushDb();
    const app = await startApp(pairing.store, pairing.client);
    try {
      // Create a session and read it back.
      const alice = new Browser(app.base);
      const first = await alice.get('/count');
      assert.equal(first.views, 1);
      assert.ok(alice.cookie, 'a session cookie was set');
      assert.equal(alice.sid(), first.id);
      const second = await alice.get('/count');
      assert.deepEqual(second, { id: first.id, views: 2 });

      // The layout in embedis: sess:<sid>, express-session's JSON, a TTL of the cookie's life.
      const key = `sess:${first.id}`;
      assert.deepEqual(await inspector.keys('sess:*'), [key]);
      assert.equal(await inspector.type(key), 'string');
      const ttl = await inspector.ttl(key);
      assert.ok(ttl > 3590 && ttl <= 3600, `TTL ${ttl}`);
      const stored = JSON.parse(await inspector.get(key));
      assert.equal(stored.views, 2);
      assert.deepEqual(stored.user, {
        name: 'alice',
        roles: ['admin', 'ops'],
        note: 'ünïcødé "quoted"',
      });
      // express-session computes originalMaxAge from expires - Date.now(), so a
      // millisecond may pass in between.
      assert.ok(
        stored.cookie.originalMaxAge > 3_599_000 && stored.cookie.originalMaxAge <= 3_600_000,
        `originalMaxAge ${stored.cookie.originalMaxAge}`,
      );
      assert.equal(stored.cookie.httpOnly, true);
      assert.equal(stored.cookie.path, '/');
      assert.ok(Math.abs(Date.parse(stored.cookie.expires) - Date.now() - 3_600_000) < 15_000);

      // An unmodified session is touched: connect-redis EXPIREs the key back to the cookie's life.
      await inspector.expire(key, 100);
      const peek = await alice.get('/peek');
      assert.deepEqual(peek, { id: first.id, views: 2 });
      const touched = await inspector.ttl(key);
      assert.ok(touched > 3590, `TTL after touch ${touched}`);

      // Many users at once, each with a session of their own.
      const users = Array.from({ length: 40 }, () => new Browser(app.base));
      for (let round = 1; round <= 3; round++) {
        const replies = await Promise.all(users.map((u) => u.get('/count')));
        assert.ok(replies.every((r) => r.views === round));
      }
      assert.equal(new Set(users.map((u) => u.sid())).size, 40);
      const listing = await alice.get('/admin/sessions');
      assert.equal(listing.length, 41);
      assert.deepEqual(listing.ids, [first.id, ...users.map((u) => u.sid())].sort());
      assert.deepEqual(listing.views.sort(), [2, ...Array(40).fill(3)].sort());

      // A session whose cookie lives 1.5 s: its key has a 2 s TTL and then disappears.
      const brief = new Browser(app.base);
      const { id: briefId } = await brief.get('/short');
      assert.equal(await inspector.ttl(`sess:${briefId}`), 2);
      await sleep(2300);
      assert.equal(await inspector.exists(`sess:${briefId}`), 0, 'expired session key');
      const after = await brief.get('/peek');
      assert.notEqual(after.id, briefId, 'an expired session is not found');

      // Destroy: the key goes; the old cookie then finds no session.
      assert.deepEqual(await alice.post('/logout'), { ok: true });
      assert.equal(await inspector.exists(key), 0);
      const oldCookie = alice.cookie;
      const fresh = await alice.get('/peek');
      assert.equal(fresh.views, null);
      assert.equal(alice.cookie, oldCookie, 'no new cookie for an uninitialized session');

      // clear(): SCAN sess:* and DEL them all; other keys stay.
      await inspector.set('not-a-session', 'x');
      assert.deepEqual(await alice.post('/admin/clear'), { ok: true });
      assert.deepEqual(await inspector.keys('*'), ['not-a-session']);
      const empty = await alice.get('/admin/sessions');
      assert.deepEqual(empty, { length: 0, ids: [], views: [] });
      assert.doesNotMatch(app.output(), /error/i);
    } finally {
      app.child.kill('SIGTERM');
      await (inspector.close ? inspector.close() : inspector.quit());
    }
  });
}
