// Drives the C++ app and the Node.js app through one user's life, sharing
// one Redis and one cookie, and checks each step. Exits non-zero on failure.
//
//   CPP=http://127.0.0.1:A NODE=http://127.0.0.1:B REDIS_URL=... SESSION_SECRET=... node driver.js
'use strict';
const assert = require('assert');
const signature = require('cookie-signature');
const {createClient} = require('redis');

const apps = {cpp: process.env.CPP, node: process.env.NODE};
const secrets = process.env.SESSION_SECRET.split(',');
const prefix = process.env.SESSION_PREFIX || 'sess:';

// A one-cookie "browser".
class Browser {
  constructor() { this.cookie = null; }
  async request(app, method, path) {
    const headers = this.cookie ? {cookie: this.cookie} : {};
    const res = await fetch(apps[app] + path, {method, headers, body: method === 'POST' ? '' : undefined});
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const body = await res.json();
    assert.strictEqual(res.status, 200, `${app} ${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    console.log(`  ${app.padEnd(4)} ${method.padEnd(4)} ${path.padEnd(18)} -> ${JSON.stringify(body)}` +
                (setCookie ? '  (Set-Cookie)' : ''));
    return {body, setCookie};
  }
  sid() {
    const value = decodeURIComponent(this.cookie.split('=')[1]);
    assert.ok(value.startsWith('s:'), value);
    for (const s of secrets) {
      const sid = signature.unsign(value.slice(2), s);
      if (sid !== false) return sid;
    }
    assert.fail('cookie signature does not verify with cookie-signature: ' + value);
  }
}

async function main() {
  const redis = createClient({url: process.env.REDIS_URL});
  await redis.connect();
  const stored = async (sid) => redis.get(prefix + sid);
  // Stored sessions must be exactly JSON.stringify(JSON.parse(x)): what connect-redis writes.
  const checkLayout = async (sid) => {
    const raw = await stored(sid);
    assert.ok(raw, 'no stored session for ' + sid);
    assert.strictEqual(JSON.stringify(JSON.parse(raw)), raw);
    const cookie = JSON.parse(raw).cookie;
    assert.deepStrictEqual(Object.keys(cookie), ['originalMaxAge', 'expires', 'httpOnly', 'path']);
    // express-session derives originalMaxAge from expires - Date.now(): a ms may pass.
    assert.ok(cookie.originalMaxAge > 86399000 && cookie.originalMaxAge <= 86400000,
              'originalMaxAge ' + cookie.originalMaxAge);
    const ttl = await redis.ttl(prefix + sid);
    assert.ok(ttl > 86000 && ttl <= 86400, 'ttl ' + ttl);
    return raw;
  };

  for (const [first, second] of [['node', 'cpp'], ['cpp', 'node']]) {
    console.log(`session created by ${first}, used by both, destroyed by ${second}:`);
    const b = new Browser();
    let r = await b.request(first, 'POST', '/login?user=' + first + '-user');
    assert.ok(r.setCookie);
    const sid = b.sid();
    await checkLayout(sid);
    r = await b.request(second, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: first + '-user', views: 1});
    assert.strictEqual(b.sid(), sid);
    const afterSecond = await checkLayout(sid);
    r = await b.request(first, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: first + '-user', views: 2});
    r = await b.request(second, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: first + '-user', views: 3});
    const raw = await checkLayout(sid);
    assert.notStrictEqual(raw, afterSecond);
    // Regenerate by the second app: the old id is gone, the new one readable by the first.
    r = await b.request(second, 'POST', '/login?user=' + second + '-user');
    const sid2 = b.sid();
    assert.notStrictEqual(sid2, sid);
    assert.strictEqual(await stored(sid), null);
    r = await b.request(first, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: second + '-user', views: 1});
    // Destroy by the second app; the first then sees no session.
    r = await b.request(second, 'POST', '/logout');
    assert.strictEqual(await stored(sid2), null);
    r = await b.request(first, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: null, views: 1});
  }

  console.log('a session with rich data written by node is preserved by cpp:');
  {
    const b = new Browser();
    await b.request('node', 'POST', '/login?user=' + encodeURIComponent('zoë "q" \\ ☃'));
    const sid = b.sid();
    const obj = JSON.parse(await stored(sid));
    obj.extra = {list: [1, 2.5, 'x', null, true, {deep: [1e21, 1e-7, -0.5]}], 'ünï': 'x\ny'};
    await redis.set(prefix + sid, JSON.stringify(obj), {EX: 86400});
    await b.request('cpp', 'GET', '/me');
    const back = JSON.parse(await stored(sid));
    assert.deepStrictEqual(back.extra, obj.extra);
    assert.deepStrictEqual(Object.keys(back), ['cookie', 'user', 'extra', 'views']);
    assert.strictEqual(back.user, 'zoë "q" \\ ☃');
    const r = await b.request('node', 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: 'zoë "q" \\ ☃', views: 2});
  }

  console.log('forged cookies start fresh sessions on both:');
  for (const app of ['cpp', 'node']) {
    const b = new Browser();
    await b.request(app, 'POST', '/login?user=victim');
    b.cookie = b.cookie.slice(0, -3) + 'AAA';
    const r = await b.request(app, 'GET', '/me');
    assert.deepStrictEqual(r.body, {user: null, views: 1});
  }
  await redis.quit();
  console.log('interop OK');
}
main().catch((err) => { console.error(err); process.exit(1); });
