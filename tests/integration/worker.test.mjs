// crm-worker basics: messages and audit records persisted once, the metrics and
// health endpoint, trimming that respects pending entries, SIGTERM finishing the
// batch in hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeRooms, entry, Resp, spawnWorker, sleep, dltool,
} from '../faults/lib.mjs';
import { psql, redisCli, eventually, svc } from './lib.mjs';

const METRICS = `http://127.0.0.1:${process.env.CRM_WORKER_METRICS_PORT}`;

async function xadd(...cmds) {
  const c = new Resp();
  await c.connect();
  const ids = [];
  for (const cmd of cmds) ids.push(await c.send(cmd));
  c.close();
  return ids;
}

test('messages are stored at their stream position, once', async () => {
  const { sender, rooms } = await makeRooms('basic', 1);
  const ids = await xadd(entry(rooms[0], sender, 'basic-1', 'héllo'), entry(rooms[0], sender, 'basic-2', 'two'),
    entry(rooms[0], sender, 'basic-1', 'a redelivery with the same key'));
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE idempotency_key LIKE 'basic-%'`)) === '2');
  const rows = await psql(`SELECT idempotency_key, body, stream_ms || '-' || stream_seq,
      (extract(epoch FROM created_at) * 1000)::bigint = stream_ms
    FROM messages WHERE idempotency_key LIKE 'basic-%' ORDER BY stream_ms, stream_seq`);
  assert.equal(rows, `basic-1|héllo|${ids[0]}|t\nbasic-2|two|${ids[1]}|t`);
  await eventually(async () => (await redisCli('XPENDING', 'crm:msg:0', 'crm-worker')).startsWith('0'));
});

test('a key used again for another message is not stored, and is counted and logged, not taken for a redelivery', async () => {
  const { sender, rooms } = await makeRooms('reuse', 2);
  const counter = async () => Number(((await (await fetch(`${METRICS}/metrics`)).text())
    .match(/^crm_worker_key_reused_total (\d+)$/m) || [])[1]);
  const before = await counter();
  assert.ok(before >= 0, 'the counter is served');
  await xadd(entry(rooms[0], sender, 'reuse-1', 'the first message'));
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE idempotency_key = 'reuse-1'`)) === '1');
  // A redelivery (same room and body) is not counted; the same key on a new
  // message in another room (past the idempotency window, or on another
  // Redis shard) is, and is not stored.
  await xadd(entry(rooms[0], sender, 'reuse-1', 'the first message'));
  const [reused] = await xadd(entry(rooms[1], sender, 'reuse-1', 'a new message with an old key'));
  await eventually(async () => (await counter()) > before);
  assert.equal(await psql(`SELECT room_id || '|' || body FROM messages WHERE idempotency_key = 'reuse-1'`),
    `${rooms[0]}|the first message`);
  assert.ok(reused, 'the entry was added');
});

test('audit records are stored append-only, once per stream entry', async () => {
  const [id] = await xadd(['XADD', 'crm:audit', '*', 'actor', '', 'action', 'login.failed', 'target', '',
    'addr', '127.0.0.1', 'detail', '{"reason":"unknown email"}']);
  await xadd(['XADD', 'crm:audit', '*', 'actor', '7', 'action', 'messages.read', 'target', 'room:1',
    'addr', '', 'detail', '{}']);
  await eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE stream_id = '${id}'`)) === '1');
  assert.equal(await psql(`SELECT coalesce(actor_id::text, 'null'), action, coalesce(target, 'null'),
      host(client_addr), detail->>'reason', (extract(epoch FROM at) * 1000)::bigint || '-0' = '${id}'
    FROM audit_log WHERE stream_id = '${id}'`), 'null|login.failed|null|127.0.0.1|unknown email|t');
  await eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE action = 'messages.read'
    AND actor_id = 7 AND client_addr IS NULL`)) === '1');
});

test('the metrics endpoint serves Prometheus text and health', async () => {
  const res = await fetch(`${METRICS}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  for (const name of ['crm_worker_batches_total', 'crm_worker_rows_total', 'crm_worker_dead_letters_total',
    'crm_worker_db_errors_total', 'crm_worker_redis_errors_total']) {
    assert.match(text, new RegExp(`^${name} \\d+$`, 'm'), name);
  }
  assert.match(text, /^crm_queue_lag\{stream="crm:msg:0"\} \d+$/m);
  assert.match(text, /^crm_queue_pending\{stream="crm:audit"\} \d+$/m);
  assert.match(text, /^crm_queue_dead_letters \d+$/m);
  const health = await fetch(`${METRICS}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', postgresql: true, redis: true });
  assert.equal((await fetch(`${METRICS}/nope`)).status, 404);
  const stats = JSON.parse(await dltool('stats'));
  assert.equal(stats.streams, 3);
  assert.ok(stats.consumers >= 1);
});

test('trimming keeps every entry from the oldest unacknowledged one on', async () => {
  // crm:msg:1 is used by a worker with CRM_STREAMS=2 only; its entries are two
  // days old, past the resume window (one day), so only the group holds them.
  const { sender, rooms } = await makeRooms('trim', 1);
  const old = Date.now() - 2 * 86400 * 1000;
  await redisCli('XGROUP', 'CREATE', 'crm:msg:1', 'crm-worker', '0', 'MKSTREAM');
  const ids = [];
  for (let i = 1; i <= 10; i++) {
    ids.push(await redisCli('XADD', 'crm:msg:1', `${old}-${i}`, 'v', '1', 'room', String(rooms[0]),
      'sender', String(sender), 'key', `trim-${i}`, 'body', `b${i}`));
  }
  // A consumer that died holding the first three.
  await redisCli('XREADGROUP', 'GROUP', 'crm-worker', 'ghost', 'COUNT', '3', 'STREAMS', 'crm:msg:1', '>');
  const w = spawnWorker('trimmer', { CRM_STREAMS: '2', CRM_WORKER_TRIM_INTERVAL_MS: '200',
    CRM_WORKER_CLAIM_IDLE_MS: '600000' });
  try {
    await eventually(async () => (await psql("SELECT count(*) FROM messages WHERE idempotency_key LIKE 'trim-%'")) === '7');
    await sleep(600);
    assert.equal(await redisCli('XLEN', 'crm:msg:1'), '10');
    await redisCli('XACK', 'crm:msg:1', 'crm-worker', ids[0], ids[1]);
    await eventually(async () => (await redisCli('XLEN', 'crm:msg:1')) === '8');
    assert.equal((await redisCli('XRANGE', 'crm:msg:1', '-', '+', 'COUNT', '1')).split('\n')[0], ids[2]);
    await redisCli('XACK', 'crm:msg:1', 'crm-worker', ids[2]);
    // Everything acknowledged: trimmed up to the last delivered entry.
    await eventually(async () => (await redisCli('XLEN', 'crm:msg:1')) === '1');
  } finally {
    assert.equal((await w.stop()).code, 0);
  }
});

test('SIGTERM finishes the batch in hand, acknowledges it and exits', async () => {
  await svc('stop', 'worker');
  const w = spawnWorker('term', { CRM_WORKER_BATCH: '500', CRM_WORKER_BATCH_WAIT_MS: '5000' });
  try {
    await eventually(async () => (await redisCli('XINFO', 'CONSUMERS', 'crm:msg:0', 'crm-worker')).includes('term'));
    await sleep(300);
    const { sender, rooms } = await makeRooms('term', 1);
    const cmds = [];
    for (let i = 0; i < 10; i++) cmds.push(entry(rooms[0], sender, `term-${i}`, `b${i}`));
    await xadd(...cmds);
    await sleep(500); // the worker now holds them, waiting to fill its batch
    assert.equal(await psql("SELECT count(*) FROM messages WHERE idempotency_key LIKE 'term-%'"), '0');
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    const { code } = await w.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - t0 < 3000, 'stopped without waiting for the batch to fill');
    assert.equal(await psql("SELECT count(*) FROM messages WHERE idempotency_key LIKE 'term-%'"), '10');
    assert.equal((await redisCli('XPENDING', 'crm:msg:0', 'crm-worker')).split('\n')[0], '0');
  } finally {
    await w.stop();
    await svc('start', 'worker');
  }
});
