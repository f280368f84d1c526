// Generates node_vectors.json: reference outputs of the npm packages the C++
// session layer reimplements (cookie-signature, cookie, uid-safe, JSON.stringify,
// Date, express-session's stored JSON). The C++ tests compare against it.
//
// Regenerate (needs node and the interop test's node_modules):
//   (cd tests/e2e/session_interop && npm install)
//   node tests/session/testdata/gen_node_vectors.js > tests/session/testdata/node_vectors.json
'use strict';
const path = require('path');
const nm = path.join(__dirname, '../../e2e/session_interop/node_modules');
const req = (m) => require(path.join(nm, m));
const signature = req('cookie-signature');  // 1.0.7, what express-session 1.19 uses
const cookie = req('cookie');                // 0.7.2, ditto
const session = req('express-session');
const express = req('express');

const out = {versions: {}, sign: [], unsign: [], serialize: [], parse: [], numbers: [],
             strings: [], dates: [], decode: [], sessions: []};
for (const m of ['cookie-signature', 'cookie', 'express-session', 'connect-redis', 'uid-safe']) {
  out.versions[m] = require(path.join(nm, m, 'package.json')).version;
}

const secrets = ['keyboard cat', '', 'ünïcödé secret', 'x'.repeat(100), 's3cr3t,with;punct=ation'];
const values = ['', 'a', 'Yd8fTs0BzXKj1yQn3vC9mW2pL5rH7gE4', 'with.dots.in.it', 'ünïcödé', 's:x'];
for (const secret of secrets) {
  for (const value of values) out.sign.push({value, secret, signed: signature.sign(value, secret)});
}
const good = signature.sign('abc', 'k');
for (const input of [good, good.slice(0, -1), good + 'A', 'abc', 'abc.', '.', '', 'abc' + good.slice(3).toLowerCase(),
                     good.replace('abc', 'abd'), signature.sign('', 'k'), signature.sign('a.b', 'k')]) {
  const r = signature.unsign(input, 'k');
  out.unsign.push({input, secret: 'k', result: r === false ? null : r});
}

const date = new Date(Date.UTC(2026, 0, 1, 12, 34, 56, 789));
const serializeCases = [
  ['connect.sid', 's:abc.def+/=', {path: '/', httpOnly: true}],
  ['connect.sid', 's:abc', {path: '/', expires: date, httpOnly: true, secure: true}],
  ['n', 'v', {domain: 'example.com', path: '/app', expires: date, httpOnly: true, secure: true,
              partitioned: true, priority: 'High', sameSite: 'lax'}],
  ['n', 'v', {sameSite: true}], ['n', 'v', {sameSite: 'Strict'}], ['n', 'v', {sameSite: 'none'}],
  ['n', 'v', {sameSite: false}], ['n', 'v', {sameSite: 'bogus'}], ['n', 'v', {priority: 'low'}],
  ['n', 'v', {priority: 'medium'}], ['n', 'v', {priority: 'urgent'}], ['n', 'v', {maxAge: 3600.7}],
  ['n', 'v', {domain: '.example.com'}], ['n', 'v', {domain: 'exa mple.com'}],
  ['n', 'v', {domain: '-bad.com'}], ['n', 'v', {path: '/a;b'}], ['n', 'v', {path: '/a<b'}],
  ['bad name', 'v', {}], ['n', 'ü é;,"\\ \x01', {}], ['n', "A-Z_.!~*'()", {}], ['', 'v', {}],
];
for (const [name, value, opt] of serializeCases) {
  const options = Object.assign({}, opt);
  let result = null, error = null;
  try { result = cookie.serialize(name, value, opt); } catch (e) { error = e.message; }
  if (options.expires) options.expires = options.expires.getTime();
  out.serialize.push({name, value, options, result, error});
}

const headers = [
  'connect.sid=s%3Aabc.def', 'a=1; b=2; a=3', ' a = 1 ;b= 2 ', 'a="quoted"; b="', 'a=%zz; b=%E2%82%AC',
  'a=%C0%80', 'a=%ED%A0%80', 'noequals; a=1', 'a=1;;b=2', 'x', '', '=v; a=b', 'a==b', 'a=1; b',
  'k=v1;k2=v2;no_eq;k3=v3', 'a=\t1\t; b=\t', 'a=%F0%9F%98%80', 'a=%e2%82', 'a=b=c; d=e', ';;;a=1',
  'a="; b=1', 'a=""', 'sp ace=1',
];
for (const header of headers) out.parse.push({header, result: Object.entries(cookie.parse(header))});

for (const n of [0, -0, 1, -1, 1.5, 0.1, 0.2 + 0.1, 1e21, 1e20, 123456789012345680000, 1e-6, 1e-7,
                 1.5e-7, 2 ** 53, 2 ** 53 + 2, 1.7976931348623157e308, 5e-324, 123.456, -0.0001234,
                 86400000.5, 1 / 3, 100, 1e100, 4.35, 0.000001]) {
  out.numbers.push({n, js: JSON.stringify(n)});
}
for (const s of ['plain', 'quote " backslash \\ slash /', '\b\f\n\r\t', '\x00\x01\x1f\x7f', 'ünï €😀',
                 '\u2028\u2029', '<script>']) {
  out.strings.push({s, json: JSON.stringify(s)});
}
for (const ms of [0, 1767225600000, 1767270896789, -1, -86400001, 253402300799999, 951782400000,
                  4102444800000]) {
  const d = new Date(ms);
  out.dates.push({ms, iso: d.toISOString(), utc: d.toUTCString()});
}
for (const s of ['abc', '%41', '%4', '%', '%zz', '%E2%82%AC', '%E2%82', '%C3%A9x', '%FF', 'a+b', '%2B%20']) {
  let r = null;
  try { r = decodeURIComponent(s); } catch (e) { r = null; }
  out.decode.push({in: s, out: r});
}

// Sessions exactly as express-session stores them, for several cookie options.
const cookieOptions = [{}, {maxAge: 60000}, {maxAge: 86400000, sameSite: 'lax', secure: false},
  {maxAge: 1000, domain: 'example.com', path: '/', partitioned: true, priority: 'high',
   sameSite: true, httpOnly: false}, {expires: new Date(Date.now() + 3600 * 1000)}];
let pending = cookieOptions.length;
cookieOptions.forEach((cookieOpt, i) => {
  const store = new session.MemoryStore();
  const app = express();
  app.use(session({secret: 'k', resave: false, saveUninitialized: true, cookie: cookieOpt, store}));
  app.get('/', (rq, rs) => {
    rq.session.user = 'bob';
    rq.session.n = 1.5;
    rq.session.list = [1, 'two', {three: 3, nested: [null, true, false]}];
    rq.session.zeta = 'last';
    rq.session['ünï'] = 'x\ny';
    rs.send('ok');
  });
  const srv = app.listen(0, '127.0.0.1', async () => {
    await fetch(`http://127.0.0.1:${srv.address().port}/`);
    srv.close();
    out.sessions[i] = Object.values(store.sessions)[0];
    if (--pending === 0) process.stdout.write(JSON.stringify(out, null, 1) + '\n');
  });
});
