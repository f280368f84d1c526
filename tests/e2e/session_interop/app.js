// The Node.js twin of examples/session_app.cc: express + express-session +
// connect-redis, configured as the C++ app is (cookie connect.sid, maxAge one
// day, resave false, saveUninitialized false, prefix from SESSION_PREFIX).
//
//   REDIS_URL=redis://127.0.0.1:6379/0 SESSION_SECRET=a,b PORT=3001 node app.js
'use strict';
const express = require('express');
const session = require('express-session');
const {RedisStore} = require('connect-redis');
const {createClient} = require('redis');

async function main() {
  const client = createClient({url: process.env.REDIS_URL || 'redis://127.0.0.1:6379/0'});
  client.on('error', (err) => console.error('redis error', err));
  await client.connect();
  const app = express();
  app.use(session({
    store: new RedisStore({client, prefix: process.env.SESSION_PREFIX || 'sess:'}),
    secret: (process.env.SESSION_SECRET || 'embedis development secret').split(',').filter(Boolean),
    resave: false,
    saveUninitialized: false,
    cookie: {maxAge: 24 * 3600 * 1000},
  }));
  app.post('/login', (req, res, next) => {
    const user = req.query.user;
    if (!user) return res.status(400).json({error: 'missing ?user='});
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.user = user;
      res.json({user});
    });
  });
  app.get('/me', (req, res) => {
    req.session.views = (typeof req.session.views === 'number' ? req.session.views : 0) + 1;
    res.json({user: req.session.user ?? null, views: req.session.views});
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ok: true})));
  });
  const port = Number(process.env.PORT || 3001);
  app.listen(port, '127.0.0.1', () => console.log(`node app listening on http://127.0.0.1:${port}`));
}
main().catch((err) => { console.error(err); process.exit(1); });
