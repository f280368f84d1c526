// A small express app keeping its sessions in embedis-server through connect-redis, as a Node.js
// application would in production. Started by connect_redis_test.mjs:
//
//   EMBEDIS_PORT=6379 STORE_PKG=connect-redis CLIENT_PKG=redis node connect_redis_app.mjs
//
// Listens on a free port and prints "listening <port>". Routes:
//   GET  /count          increments req.session.views; {id, views}
//   GET  /peek           reads the session without changing it (express-session touches it)
//   GET  /short          a session whose cookie lives 1.5 s (so its key's TTL is 2 s)
//   POST /logout         req.session.destroy()
//   GET  /admin/sessions store.length / store.ids / store.all (SCAN + MGET)
//   POST /admin/clear    store.clear()
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const express = require('express');
const session = require('express-session');
const { RedisStore } = require(process.env.STORE_PKG || 'connect-redis');
const { createClient } = require(process.env.CLIENT_PKG || 'redis');

const client = createClient({
  url: `redis://127.0.0.1:${process.env.EMBEDIS_PORT}`,
  name: 'connect-redis-app',
});
client.on('error', (err) => console.error('redis client error:', err));
await client.connect();

const store = new RedisStore({ client, prefix: 'sess:' });
const app = express();
app.use(
  session({
    store,
    secret: 'e2e secret',
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: 3_600_000, httpOnly: true },
  }),
);

const promisify = (fn) =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

app.get('/count', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  req.session.user = { name: 'alice', roles: ['admin', 'ops'], note: 'ünïcødé "quoted"' };
  res.json({ id: req.sessionID, views: req.session.views });
});
app.get('/peek', (req, res) => {
  res.json({ id: req.sessionID, views: req.session.views ?? null });
});
app.get('/short', (req, res) => {
  req.session.cookie.maxAge = 1500;
  req.session.short = true;
  res.json({ id: req.sessionID });
});
app.post('/logout', (req, res, next) => {
  req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
});
app.get('/admin/sessions', async (req, res, next) => {
  try {
    const length = await promisify((cb) => store.length(cb));
    const ids = await promisify((cb) => store.ids(cb));
    const all = await promisify((cb) => store.all(cb));
    res.json({ length, ids: ids.sort(), views: all.map((s) => s.views ?? null) });
  } catch (err) {
    next(err);
  }
});
app.post('/admin/clear', async (req, res, next) => {
  try {
    await promisify((cb) => store.clear(cb));
    res.json({ ok: true });
  } catch (err) {
    next(err);
  }
});
app.use((err, req, res, next) => {
  console.error('request error:', err);
  res.status(500).json({ error: String(err) });
});

const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
process.on('SIGTERM', async () => {
  server.close();
  await (client.close ? client.close() : client.quit());
  process.exit(0);
});
