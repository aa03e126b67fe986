// Two workers share the group; a poison entry is isolated, dead-lettered with
// its error after N deliveries, and stored once retried after the cause is fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeRooms, produce, drained, audit, restartWorker, spawnWorker, deadLetterCount, dltool,
  psql, redisCli, eventually, entry, Resp,
} from './lib.mjs';

const FAST = { CRM_WORKER_CLAIM_IDLE_MS: 1000, CRM_WORKER_MAX_DELIVERIES: 3, CRM_WORKER_BATCH: 100 };

before(async () => { await restartWorker(FAST); });
after(async () => { await restartWorker({}); });

test('two workers at once share the load: nothing lost, nothing twice, order kept', async () => {
  const second = spawnWorker('second', { CRM_WORKER_BATCH: '50' });
  const dead0 = await deadLetterCount();
  try {
    const { sender, rooms } = await makeRooms('two', 9);
    const r = await produce({ tag: 'two', sender, rooms, count: 6000, window: 100, pauseMs: 5 });
    await drained('two', r.accepted);
    const a = await audit('two', sender, r.accepted);
    assert.deepEqual(a, { lost: 0, duplicated: 0, misplaced: 0, misordered: 0, stored: 6000 });
    const consumers = await redisCli('XINFO', 'CONSUMERS', 'crm:msg:0', 'crm-worker');
    assert.match(consumers, /second/);
  } finally {
    const { code } = await second.stop();
    assert.equal(code, 0);
  }
  assert.equal(await deadLetterCount(), dead0);
});

test('a poison entry is dead-lettered with its error, the rest of its batch stored, and stored when retried after the fix', async () => {
  const { sender, rooms } = await makeRooms('poison', 2);
  const missingRoom = Number(await psql('SELECT coalesce(max(id), 0) + 1000 FROM rooms'));
  const conn = new Resp();
  await conn.connect();
  const ids = [];
  // One bad entry in the middle of a burst that fills one batch.
  for (let i = 0; i < 60; i++) {
    const room = i === 30 ? missingRoom : rooms[i % 2];
    ids.push(await conn.send(entry(room, sender, `poison-${i}`, `body ${i}`)));
  }
  conn.close();
  await eventually(async () => Number(await psql(
    "SELECT count(*) FROM messages WHERE idempotency_key LIKE 'poison-%'")) === 59);
  const dl = await eventually(async () => {
    const lines = (await dltool('list', '10')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return lines.find((d) => d.idempotencyKey === 'poison-30');
  }, { timeoutMs: 20000 });
  assert.equal(dl.stream, 'crm:msg:0');
  assert.equal(dl.messageId, ids[30]);
  assert.equal(dl.roomId, missingRoom);
  assert.ok(dl.deliveries >= 3, `deliveries ${dl.deliveries}`);
  assert.match(dl.error, /^23503: .*foreign key/);
  assert.equal(JSON.parse(dl.entry).key, 'poison-30');
  assert.ok(dl.failedAt > Date.now() - 60000);
  const stats = JSON.parse(await dltool('stats'));
  assert.ok(stats.deadLetters >= 1);
  // The entry is acknowledged: nothing of it stays pending.
  assert.equal((await redisCli('XPENDING', 'crm:msg:0', 'crm-worker')).split('\n')[0], '0');

  // Fix the cause, retry once: stored at its original position, gone from crm:dead.
  await psql(`INSERT INTO rooms (id, name, created_by) OVERRIDING SYSTEM VALUE
    VALUES (${missingRoom}, 'late room', ${sender})`);
  assert.equal(await dltool('retry', dl.id), 'retried');
  await eventually(async () => (await psql(
    "SELECT stream_ms || '-' || stream_seq FROM messages WHERE idempotency_key = 'poison-30'")) === ids[30]);
  assert.equal(await dltool('retry', dl.id).catch((e) => e.stdout.trim()), 'not found');
  const left = (await dltool('list', '1000')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(!left.some((d) => d.id === dl.id));
  const r = ids.map((id, i) => ({ room: i === 30 ? missingRoom : rooms[i % 2], key: `poison-${i}`, id }));
  const a = await audit('poison', sender, r);
  assert.equal(a.lost + a.duplicated + a.misplaced, 0);
});

test('a malformed entry is dead-lettered at once and never blocks the stream', async () => {
  const { sender, rooms } = await makeRooms('malformed', 1);
  const conn = new Resp();
  await conn.connect();
  const bad = await conn.send(['XADD', 'crm:msg:0', '*', 'v', '1', 'room', rooms[0], 'sender', sender,
    'key', 'malformed-bad', 'body', '']);
  const good = await conn.send(entry(rooms[0], sender, 'malformed-good', 'fine'));
  conn.close();
  await eventually(async () => (await psql(
    "SELECT count(*) FROM messages WHERE idempotency_key = 'malformed-good'")) === '1');
  const dl = await eventually(async () => (await dltool('list', '20')).split('\n').filter(Boolean)
    .map((l) => JSON.parse(l)).find((d) => d.messageId === bad));
  assert.match(dl.error, /body is empty/);
  assert.ok(good);
});
