// Health checks through the real lighttpd + crm-api and crm-pushd, including
// what they say while PostgreSQL or Redis is down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP, WS_PORT, WS_METRICS_PORT, svc, eventually, rawRequest } from './lib.mjs';

const pushd = `http://127.0.0.1:${WS_PORT}`;

async function health(base) {
  const res = await fetch(`${base}/health`);
  return { status: res.status, body: await res.json(), type: res.headers.get('content-type') };
}

test('crm-api /health through lighttpd reports both servers up', async () => {
  const h = await health(HTTP);
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok', postgres: 'up', redis: 'up' });
  assert.match(h.type, /^application\/json/);
});

test('crm-api answers 405 for POST /health and ignores a query string', async () => {
  const res = await fetch(`${HTTP}/health`, { method: 'POST', body: '{}' });
  assert.equal(res.status, 405);
  assert.deepEqual(await res.json(), { error: 'method not allowed' });
  const res2 = await fetch(`${HTTP}/health?verbose=1`);
  assert.equal(res2.status, 200);
});

test('lighttpd refuses a body over its limit with 413', async () => {
  const res = await fetch(`${HTTP}/health`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
  assert.equal(res.status, 413);
});

test('crm-pushd /health on the WebSocket port; /metrics only on its own listener', async () => {
  const h = await health(pushd);
  assert.equal(h.status, 200);
  assert.deepEqual(h.body, { status: 'ok', redis: 'up' });
  // The port browsers reach does not serve the counters (issue 13.9).
  const open = await fetch(`${pushd}/metrics`);
  assert.equal(open.status, 404);
  await open.text();
  assert.ok(WS_METRICS_PORT && WS_METRICS_PORT !== WS_PORT);
  const m = await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`);
  assert.equal(m.status, 200);
  const text = await m.text();
  assert.match(text, /^crm_pushd_connections_total \d+$/m);
  assert.match(text, /^crm_pushd_redis_up 1$/m);
});

test('crm-pushd answers bad requests and oversized heads, then keeps serving', async () => {
  const bad = await rawRequest(WS_PORT, 'NONSENSE\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 /);
  const big = await rawRequest(WS_PORT, `GET /health HTTP/1.1\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  const missing = await rawRequest(WS_PORT, 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.match(missing, /^HTTP\/1\.1 404 /);
  assert.equal((await health(pushd)).status, 200);
});

test('health turns 503 while Redis is down and recovers after', async () => {
  await svc('stop', 'redis');
  try {
    const h = await eventually(async () => {
      const r = await health(HTTP);
      return r.status === 503 && r;
    });
    assert.deepEqual(h.body, { status: 'degraded', postgres: 'up', redis: 'down' });
    await eventually(async () => (await health(pushd)).status === 503);
  } finally {
    await svc('start', 'redis');
  }
  await eventually(async () => (await health(HTTP)).status === 200);
  await eventually(async () => (await health(pushd)).status === 200);
});

test('crm-pushd is back within a second of Redis returning after a long outage', async () => {
  await svc('stop', 'redis');
  try {
    await eventually(async () => (await health(pushd)).status === 503);
    // Long enough for a doubling backoff to have grown to seconds.
    await new Promise((r) => setTimeout(r, 8000));
  } finally {
    await svc('start', 'redis'); // returns once Redis answers PING
  }
  const back = Date.now();
  await eventually(async () => (await health(pushd)).status === 200, { timeoutMs: 10000, intervalMs: 50 });
  const ms = Date.now() - back;
  assert.ok(ms < 1000, `crm-pushd took ${ms} ms to reconnect`);
});

test('health turns 503 while PostgreSQL is down and recovers after', async () => {
  await svc('stop', 'postgres', 'immediate');
  try {
    const h = await eventually(async () => {
      const r = await health(HTTP);
      return r.status === 503 && r;
    });
    assert.deepEqual(h.body, { status: 'degraded', postgres: 'down', redis: 'up' });
  } finally {
    await svc('start', 'postgres');
  }
  await eventually(async () => (await health(HTTP)).status === 200);
});

test('pages are served with a restrictive Content-Security-Policy', async () => {
  const res = await fetch(`${HTTP}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const deep = await fetch(`${HTTP}/rooms/42`);
  assert.equal(deep.status, 200); // the client routes in the page
});
