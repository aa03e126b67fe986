// The front (lighttpd, Apache or nginx: CRM_FRONT) over HTTP: crm-api behind it
// gets what it needs (the bearer token, the method, the body), the limits, the
// security headers and cache rules of etc/lighttpd.conf, and the client's
// fallback to index.html that never shadows the API or the socket.
// `./dev test fronts` runs this file under Apache and nginx; integration under lighttpd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP, ROOT, svc, eventually } from './lib.mjs';
import { gql, makeUser, codes } from './api.mjs';
import { referenceHeaders, expectedValue } from './front_headers.mjs';

const FRONT = process.env.CRM_FRONT || 'lighttpd';

// The reference: the headers lighttpd adds, read from its configuration, so
// that the three fronts cannot drift apart.
const SECURITY = referenceHeaders(ROOT);

function assertSecurityHeaders(res, what) {
  assert.ok(SECURITY.length >= 5, 'headers read from etc/lighttpd.conf');
  for (const h of SECURITY) {
    assert.equal(res.headers.get(h.name), expectedValue(h), `${FRONT}: ${h.name} on ${what}`);
  }
}

test(`${FRONT}: GET /health reaches crm-api`, async () => {
  const res = await fetch(`${HTTP}/health`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(await res.json(), { status: 'ok', postgres: 'up', redis: 'up' });
  assert.equal((await fetch(`${HTTP}/health?x=1`)).status, 200);
});

test(`${FRONT}: login, then me with the bearer token (Authorization reaches crm-api)`, async () => {
  const u = await makeUser('STAFF', 'Front Smoke');
  const me = await gql('{ me { id role displayName } }', {}, { token: u.token });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.deepEqual(me.body.data.me, { id: u.id, role: 'STAFF', displayName: 'Front Smoke' });
  const anon = await gql('{ me { id } }');
  assert.deepEqual(codes(anon), ['UNAUTHENTICATED']);
  // Over GET as well: the query string reaches crm-api whole.
  const q = encodeURIComponent('{ me { id } }');
  const res = await fetch(`${HTTP}/graphql?query=${q}`, { headers: { Authorization: `Bearer ${u.token}` } });
  assert.equal(res.status, 200);
  assert.deepEqual((await res.json()).data.me, { id: u.id });
});

test(`${FRONT}: a mutation over GET is 405, POST /health is 405`, async () => {
  const m = encodeURIComponent('mutation { logout }');
  assert.equal((await fetch(`${HTTP}/graphql?query=${m}`)).status, 405);
  const post = await fetch(`${HTTP}/health`, { method: 'POST', body: '{}' });
  assert.equal(post.status, 405);
  assert.deepEqual(await post.json(), { error: 'method not allowed' });
});

test(`${FRONT}: a body over 1 MiB is refused with 413 by the front`, async () => {
  // crm-api would answer 405 for POST /health: a 413 here is the front's.
  const res = await fetch(`${HTTP}/health`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 4096) });
  assert.equal(res.status, 413);
  await res.arrayBuffer();
  // Under the limit, the front passes it on (crm-api's own limit is smaller: its 413 is JSON).
  const big = await fetch(`${HTTP}/graphql`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(200 * 1024)}` }),
  });
  assert.equal(big.status, 413);
  assert.ok((await big.json()).errors, 'the 413 under 1 MiB comes from crm-api');
});

test(`${FRONT}: a request header over the limit is refused, a 12 KiB one passes`, async () => {
  const ok = await fetch(`${HTTP}/health`, { headers: { 'X-Pad': 'a'.repeat(12 * 1024) } });
  assert.equal(ok.status, 200);
  const tooBig = await fetch(`${HTTP}/health`, { headers: { 'X-Pad': 'a'.repeat(40 * 1024) } });
  assert.ok([400, 413, 431, 494].includes(tooBig.status), `status ${tooBig.status}`);
});

test(`${FRONT}: security headers on the client, the API and crm-api's errors`, async () => {
  const page = await fetch(`${HTTP}/`);
  assert.equal(page.status, 200);
  assertSecurityHeaders(page, '/');
  const api = await gql('{ __typename }');
  assert.equal(api.status, 200);
  const res = await fetch(`${HTTP}/graphql`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{ __typename }"}',
  });
  assertSecurityHeaders(res, '/graphql');
  assert.equal(res.headers.get('cache-control'), 'no-store', 'crm-api\'s own Cache-Control, alone');
  const err = await fetch(`${HTTP}/graphql`, { method: 'PUT' });
  assert.equal(err.status, 405);
  assertSecurityHeaders(err, 'a 405 from crm-api');
  assertSecurityHeaders(await fetch(`${HTTP}/rooms/42`), '/rooms/42');
});

test(`${FRONT}: config.js is never cached; the client's files are served with their types`, async () => {
  const cfg = await fetch(`${HTTP}/config.js`);
  assert.equal(cfg.status, 200);
  assert.equal(cfg.headers.get('cache-control'), 'no-cache');
  assert.match(cfg.headers.get('content-type'), /javascript/);
  assert.match(await cfg.text(), /window\.CRM_CONFIG/);
  assertSecurityHeaders(cfg, '/config.js');
  const page = await fetch(`${HTTP}/`);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.notEqual(page.headers.get('cache-control'), 'no-cache');
});

test(`${FRONT}: unknown paths get index.html; /graphql, /health and /ws are never shadowed`, async () => {
  const index = await (await fetch(`${HTTP}/`)).text();
  assert.match(index, /<html|<!doctype html/i);
  for (const path of ['/rooms/42', '/rooms/42?x=1', '/admin', '/no/such/page']) {
    const res = await fetch(`${HTTP}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type'), /^text\/html/, path);
    assert.equal(await res.text(), index, path);
  }
  // /graphql without a query is crm-api's 400 in JSON, not the page.
  const g = await fetch(`${HTTP}/graphql`);
  assert.equal(g.status, 400);
  assert.match(g.headers.get('content-type'), /json/);
  const q = await fetch(`${HTTP}/graphql?query=${encodeURIComponent('{ __typename }')}`);
  assert.deepEqual(await q.json(), { data: { __typename: 'Query' } });
  const h = await fetch(`${HTTP}/health`);
  assert.equal((await h.json()).status, 'ok');
  // /ws without an upgrade is crm-pushd's refusal, not the page.
  const ws = await fetch(`${HTTP}/ws`);
  assert.notEqual(ws.status, 200);
  assert.notEqual(await ws.text(), index);
});

test(`${FRONT}: crm-api stopped, the front says so at once; started again, it serves at once`,
  { skip: FRONT === 'lighttpd' && 'lighttpd spawns crm-api itself' }, async () => {
    await svc('stop', 'api');
    try {
      const down = await fetch(`${HTTP}/health`);
      assert.ok([502, 503].includes(down.status), `status ${down.status}`);
      await down.arrayBuffer();
    } finally {
      await svc('start', 'api');
    }
    // No waiting out a back-off: the first request after the start is served.
    const up = await fetch(`${HTTP}/health`);
    assert.equal(up.status, 200);
    assert.equal((await up.json()).status, 'ok');
    await eventually(async () => (await fetch(`${HTTP}/graphql?query=${encodeURIComponent('{ __typename }')}`)).status === 200);
  });
