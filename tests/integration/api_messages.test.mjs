// sendMessage and history: idempotency, limits, the persisted/pending boundary,
// Redis going away mid-flight.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gql, ok, codes, makeUser, makeRoom, send, psql } from './api.mjs';
import { svc, eventually, redisCli } from './lib.mjs';

let staff, pat, room;
const HISTORY = 'query($r:ID!,$b:String,$l:Int){messages(roomId:$r,before:$b,limit:$l){id body status cursor createdAt idempotencyKey sender{id}}}';

before(async () => {
  [staff, pat] = await Promise.all([makeUser('STAFF'), makeUser('PATIENT')]);
  room = await makeRoom(staff, [pat]);
});

test('a sent message is PENDING at once, with cursor and createdAt from its stream position', async () => {
  const key = randomUUID();
  const r = await send(pat, room.id, 'first words', key);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const m = r.body.data.sendMessage;
  assert.equal(m.status, 'PENDING');
  assert.equal(m.id, m.cursor);
  assert.match(m.cursor, /^\d+-\d+$/);
  assert.equal(new Date(m.createdAt).getTime(), Number(m.cursor.split('-')[0]));
  assert.equal(m.sender.id, pat.id);
  assert.equal(m.idempotencyKey, key);
  // The worker stores it; history then says PERSISTED, same id.
  await eventually(async () => {
    const h = await ok(HISTORY, { r: room.id }, { token: staff.token });
    return h.messages.some((x) => x.id === m.id && x.status === 'PERSISTED');
  });
});

test('the same key from the same sender yields the same message once, also when racing', async () => {
  const key = randomUUID();
  const results = await Promise.all(Array.from({ length: 20 }, () => send(staff, room.id, 'only once', key)));
  const ids = new Set(results.map((r) => r.body.data?.sendMessage?.id));
  assert.equal(ids.size, 1, JSON.stringify(results.map((r) => r.body)));
  const [id] = ids;
  assert.ok(id);
  const entries = await redisCli('XRANGE', 'crm:msg:0', '-', '+');
  assert.equal(entries.split('\n').filter((l) => l === key).length, 1);
  // Another sender may use the same key for a message of their own.
  const other = await send(pat, room.id, 'mine', key);
  assert.notEqual(other.body.data.sendMessage.id, id);
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE idempotency_key = '${key}'`)) === '2');
});

test('bodies and keys are checked', async () => {
  const cases = [['', 'k1'], ['x'.repeat(4001), 'k2'], ['é'.repeat(4001), 'k3'], ['ok', ''], ['ok', 'k'.repeat(129)]];
  for (const [body, key] of cases) {
    assert.deepEqual(codes(await send(pat, room.id, body, key)), ['BAD_USER_INPUT'], `${body.length}/${key.length}`);
  }
  const max = await send(pat, room.id, 'é'.repeat(4000), randomUUID());
  assert.equal(max.body.data.sendMessage.body.length, 4000);
  const longKey = await send(pat, room.id, 'ok', 'k'.repeat(128));
  assert.equal(longKey.body.data.sendMessage.idempotencyKey.length, 128);
});

test('history pages with no gap and no repeat across the persisted/pending boundary', async () => {
  const r2 = await makeRoom(staff, []);
  const sent = [];
  for (let i = 0; i < 8; i++) sent.push((await send(staff, r2.id, `persisted ${i}`)).body.data.sendMessage.id);
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE room_id = ${r2.id}`)) === '8');
  await svc('stop', 'worker');
  try {
    for (let i = 0; i < 7; i++) sent.push((await send(staff, r2.id, `pending ${i}`)).body.data.sendMessage.id);
    const seen = [];
    let before = null;
    for (;;) {
      const page = (await ok(HISTORY, { r: r2.id, b: before, l: 3 }, { token: staff.token })).messages;
      if (page.length === 0) break;
      assert.ok(page.length <= 3);
      seen.unshift(...page);
      before = page[0].cursor;
    }
    assert.deepEqual(seen.map((m) => m.id), sent);
    assert.deepEqual(seen.map((m) => m.status), [...Array(8).fill('PERSISTED'), ...Array(7).fill('PENDING')]);
    const newest = (await ok(HISTORY, { r: r2.id, l: 2 }, { token: staff.token })).messages;
    assert.deepEqual(newest.map((m) => m.id), sent.slice(-2));
  } finally {
    await svc('start', 'worker');
  }
  await eventually(async () => {
    const all = (await ok(HISTORY, { r: r2.id, l: 100 }, { token: staff.token })).messages;
    return all.length === 15 && all.every((m) => m.status === 'PERSISTED') && all.map((m) => m.id).join() === sent.join();
  });
});

test('history arguments are checked and reads are audited', async () => {
  assert.deepEqual(codes(await gql(HISTORY, { r: room.id, l: 0 }, { token: staff.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql(HISTORY, { r: room.id, l: 101 }, { token: staff.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql(HISTORY, { r: room.id, b: 'yesterday' }, { token: staff.token })), ['BAD_USER_INPUT']);
  await ok(HISTORY, { r: room.id }, { token: pat.token });
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${pat.id} AND action = 'messages.read' AND target = 'room:${room.id}'`)) >= 1);
});

test('with Redis down sendMessage fails (never PENDING) and the same key works after', async () => {
  const key = randomUUID();
  await svc('stop', 'redis');
  let r;
  try {
    r = await send(pat, room.id, 'while redis is down', key);
  } finally {
    await svc('start', 'redis');
  }
  assert.equal(r.body.data, null);
  assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR']);
  assert.match(r.body.errors[0].message, /try again|retry/);
  const again = await eventually(async () => {
    const x = await send(pat, room.id, 'while redis is down', key);
    return x.body.data?.sendMessage;
  });
  assert.equal(again.status, 'PENDING');
});

test('with Redis refusing writes (out of memory) sendMessage fails, nothing is added', async () => {
  const before = await redisCli('XLEN', 'crm:msg:0');
  await redisCli('CONFIG', 'SET', 'maxmemory', '1');
  let r;
  try {
    r = await send(pat, room.id, 'refused', randomUUID());
  } finally {
    await redisCli('CONFIG', 'SET', 'maxmemory', '2gb');
  }
  assert.equal(r.body.data, null);
  assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR']);
  assert.match(r.body.errors[0].message, /not accepted; retry with the same idempotencyKey/);
  assert.equal(await redisCli('XLEN', 'crm:msg:0'), before);
});

test('a sender is rate limited', async () => {
  const u = await makeUser('STAFF');
  const r3 = await makeRoom(u, []);
  let limited = false;
  for (let i = 0; i < 260 && !limited; i++) {
    const r = await send(u, r3.id, `n${i}`);
    if (codes(r)[0] === 'RATE_LIMITED') limited = true;
  }
  assert.ok(limited);
});
