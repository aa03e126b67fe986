// crm-pushd speaks graphql-transport-ws as the graphql-ws library defines it:
// the real graphql-ws client for the normal paths, raw sockets for misbehaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { redisCli, svc, eventually, psql, WS_PORT, WS_METRICS_PORT, PG_PORT } from './lib.mjs';
import {
  makeUser, makeRoom, token, jtiOf, xadd, gqlClient, collect, rawSocket, initedSocket,
  MESSAGE_FIELDS, sleep,
} from './pushd_lib.mjs';

const SUB = `subscription S($room: ID!, $after: String) { messageAdded(roomId: $room, after: $after) { ${MESSAGE_FIELDS} } }`;

test('subscribe: messages of the room arrive in order, with the Message fields', async () => {
  const staff = await makeUser('STAFF', 'Nora Nurse');
  const room = await makeRoom(staff);
  const { client } = gqlClient(token(staff));
  const sub = collect(client, SUB, { room });
  await sleep(300); // the subscription is registered
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await xadd(room, staff, `hello ${i}`, `key-${i}`));
  const items = await sub.waitFor(5);
  assert.deepEqual(items.map((i) => i.data.messageAdded.body), ['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4']);
  const m = items[0].data.messageAdded;
  assert.equal(m.id, ids[0]);
  assert.equal(m.cursor, ids[0]);
  assert.equal(m.roomId, String(room));
  assert.equal(m.status, 'PENDING');
  assert.equal(m.idempotencyKey, 'key-0');
  assert.equal(m.createdAt, new Date(Number(ids[0].split('-')[0])).toISOString());
  assert.equal(m.sender.id, String(staff.id));
  assert.equal(m.sender.displayName, 'Nora Nurse');
  assert.equal(m.sender.role, 'STAFF');
  assert.match(m.sender.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // Subscribing read the room's messages: that is audited like a history read.
  const { psql } = await import('./lib.mjs');
  await eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff.id}
    AND action = 'messages.subscribe' AND target = 'room:${room}'`)) === '1');
  sub.dispose(); // sends complete
  await sleep(200);
  await xadd(room, staff, 'after complete');
  await sleep(300);
  assert.equal(sub.items.length, 5);
  await client.dispose();
});

test('a wrong, forged or expired token closes with 4403', async () => {
  const u = await makeUser();
  for (const tok of ['not-a-jwt', token(u, { secret: 'x'.repeat(40) }), token(u, { ttl: -10 })]) {
    const { client, closed } = gqlClient(tok);
    const e = await closed;
    assert.equal(e.code, 4403, `token ${tok.slice(0, 12)}`);
    await client.dispose();
  }
  const { client, closed } = gqlClient(undefined);
  assert.equal((await closed).code, 4403);
  await client.dispose();
});

test('a revoked token is refused at connection_init, and closes open sockets at once', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const revokedTok = token(u);
  await redisCli('SET', `crm:revoked:${jtiOf(revokedTok)}`, '1', 'EX', '600');
  const first = gqlClient(revokedTok);
  assert.equal((await first.closed).code, 4403);
  await first.client.dispose();

  const tok = token(u);
  const { client, closed } = gqlClient(tok);
  const sub = collect(client, SUB, { room });
  await sleep(300);
  await xadd(room, u, 'before logout');
  await sub.waitFor(1);
  // Logout as crm-api does it: the key, then the PUBLISH.
  await redisCli('SET', `crm:revoked:${jtiOf(tok)}`, '1', 'EX', '600');
  await redisCli('PUBLISH', 'crm:revocations', jtiOf(tok));
  const e = await closed;
  assert.equal(e.code, 4403);
  await client.dispose();
});

test('subscribing to a room one is not a member of gets an error and no data', async () => {
  const patient = await makeUser('PATIENT');
  const other = await makeUser('PATIENT');
  const staff = await makeUser('STAFF');
  const otherRoom = await makeRoom(staff, other);
  const { client } = gqlClient(token(patient));
  const sub = collect(client, SUB, { room: otherRoom });
  assert.equal(await sub.done, 'error');
  assert.equal(sub.error[0].extensions.code, 'FORBIDDEN');
  await xadd(otherRoom, staff, 'secret');
  await sleep(300);
  assert.equal(sub.items.length, 0);
  await client.dispose();
});

test('a subscription that fails validation gets an error message', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const { client } = gqlClient(token(u));
  const sub = collect(client, `subscription { messageAdded(roomId: "${room}") { nope } }`);
  assert.equal(await sub.done, 'error');
  assert.equal(sub.error[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.match(sub.error[0].message, /Cannot query field "nope" on type "Message"/);
  const q = collect(client, '{ me { id } }');
  assert.equal(await q.done, 'error');
  await client.dispose();
});

test('resume with after across a crm-pushd restart: no gap, no duplicate', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const tok = token(u);
  let { client } = gqlClient(tok);
  const sub = collect(client, SUB, { room });
  await sleep(300);
  for (let i = 0; i < 3; i++) await xadd(room, u, `m${i}`);
  await sub.waitFor(3);
  const last = sub.items[2].data.messageAdded.cursor;
  await client.dispose();
  await svc('stop', 'pushd');
  for (let i = 3; i < 6; i++) await xadd(room, u, `m${i}`);
  await svc('start', 'pushd');
  ({ client } = gqlClient(tok));
  const again = collect(client, SUB, { room, after: last });
  await again.waitFor(3);
  for (let i = 6; i < 8; i++) await xadd(room, u, `m${i}`);
  await again.waitFor(5);
  await sleep(300);
  assert.deepEqual(again.items.map((i) => i.data.messageAdded.body), ['m3', 'm4', 'm5', 'm6', 'm7']);
  await client.dispose();
});

test('a cursor older than the stream is replayed from PostgreSQL (PERSISTED)', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  // Rows persisted long ago, no longer in the stream.
  const { psql } = await import('./lib.mjs');
  for (let i = 1; i <= 3; i++) {
    await psql(`INSERT INTO messages (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, created_at)
      VALUES (${room}, ${u.id}, 'old ${i}', 'old-${room}-${i}', 1000, ${i}, to_timestamp(1))`);
  }
  const { client } = gqlClient(token(u));
  const sub = collect(client, SUB, { room, after: '1000-1' });
  await sub.waitFor(2);
  await sleep(300);
  await xadd(room, u, 'new');
  await sub.waitFor(3);
  assert.deepEqual(sub.items.map((i) => [i.data.messageAdded.body, i.data.messageAdded.status]),
    [['old 2', 'PERSISTED'], ['old 3', 'PERSISTED'], ['new', 'PENDING']]);
  assert.equal(sub.items[0].data.messageAdded.cursor, '1000-2');
  await client.dispose();
});

test('close codes: 4408 init timeout, 4429 second init, 4401 early subscribe, 4400 bad message, 4409 duplicate id', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const tok = token(u);
  const subMsg = (id) => ({ id, type: 'subscribe', payload: { query: `subscription { messageAdded(roomId: "${room}") { id } }` } });

  let s = rawSocket();
  await s.opened;
  assert.equal((await s.closed).code, 4408); // CRM_WS_INIT_TIMEOUT (3 s by default)

  s = await initedSocket(tok);
  s.send({ type: 'connection_init', payload: { token: tok } });
  assert.deepEqual(await s.closed, { code: 4429, reason: 'Too many initialisation requests' });

  s = rawSocket();
  await s.opened;
  s.send(subMsg('1'));
  assert.equal((await s.closed).code, 4401);

  for (const bad of ['{not json', JSON.stringify({ type: 'subscribe', id: 1 }), JSON.stringify({ type: 'what' })]) {
    s = await initedSocket(tok);
    s.send(bad);
    assert.equal((await s.closed).code, 4400, bad);
  }

  s = await initedSocket(tok);
  s.send(subMsg('dup'));
  s.send(subMsg('dup'));
  assert.deepEqual(await s.closed, { code: 4409, reason: 'Subscriber for dup already exists' });

  s = rawSocket({ protocol: null });
  await s.opened;
  assert.equal((await s.closed).code, 4406);
});

test('ping/pong messages, complete from the client, error ends one subscription only', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const s = await initedSocket(token(u));
  s.send({ type: 'ping', payload: { n: 1 } });
  assert.deepEqual(await s.next((m) => m.type === 'pong'), { type: 'pong', payload: { n: 1 } });
  s.send({ id: 'a', type: 'subscribe', payload: { query: `subscription { messageAdded(roomId: "${room}") { body } }` } });
  s.send({ id: 'b', type: 'subscribe', payload: { query: 'subscription { messageAdded(roomId: "999999999") { body } }' } });
  const err = await s.next((m) => m.type === 'error' && m.id === 'b');
  assert.equal(err.payload[0].extensions.code, 'FORBIDDEN');
  await sleep(200);
  await xadd(room, u, 'one');
  assert.deepEqual(await s.next((m) => m.type === 'next'), { id: 'a', type: 'next', payload: { data: { messageAdded: { body: 'one' } } } });
  s.send({ id: 'a', type: 'complete' });
  await sleep(200);
  await xadd(room, u, 'two');
  await sleep(300);
  assert.equal(s.messages.filter((m) => m.type === 'next').length, 1);
  // The id can be used again once completed.
  s.send({ id: 'a', type: 'subscribe', payload: { query: `subscription { messageAdded(roomId: "${room}") { body } }` } });
  await sleep(200);
  await xadd(room, u, 'three');
  await s.next((m) => m.type === 'next' && m.payload.data.messageAdded.body === 'three');
  s.ws.close(1000);
  assert.equal((await s.closed).code, 1000);
});

test('/metrics counts sockets, subscriptions, entries, messages and bytes', async () => {
  const res = await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`);
  const text = await res.text();
  for (const name of ['crm_pushd_sockets', 'crm_pushd_subscriptions', 'crm_pushd_entries_read_total',
    'crm_pushd_messages_sent_total', 'crm_pushd_bytes_out_total', 'crm_pushd_slow_consumers_closed_total',
    'crm_pushd_redis_reconnects_total']) {
    assert.match(text, new RegExp(`^${name} \\d+$`, 'm'), name);
  }
  await eventually(async () => /crm_pushd_entries_read_total [1-9]/.test(await (await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`)).text()));
});

test('/metrics has the delivery lag histogram: cumulative buckets, +Inf equal to the count, growing with entries', async () => {
  const scrape = async () => {
    const text = await (await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`)).text();
    assert.match(text, /^# TYPE crm_pushd_delivery_lag_seconds histogram$/m);
    assert.match(text, /^crm_pushd_process_id [1-9]\d*$/m);
    const buckets = [...text.matchAll(/^crm_pushd_delivery_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)]
      .map((m) => [m[1], Number(m[2])]);
    assert.deepEqual(buckets.map((b) => b[0]),
      ['0.001', '0.002', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '10', '+Inf']);
    for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i][1] >= buckets[i - 1][1], text);
    const count = Number(/^crm_pushd_delivery_lag_seconds_count (\d+)$/m.exec(text)[1]);
    const sum = Number(/^crm_pushd_delivery_lag_seconds_sum ([\d.]+)$/m.exec(text)[1]);
    assert.equal(buckets.at(-1)[1], count);
    assert.ok(sum >= 0 && (count > 0 || sum === 0));
    return count;
  };
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff);
  const { client } = gqlClient(token(staff));
  const sub = collect(client, SUB, { room });
  await sleep(300); // the subscription is registered
  const before = await scrape();
  await xadd(room, staff, 'lagged');
  await sub.waitFor(1);
  // One process here (CRM_WS_PROCESSES=1): it read the entry and counted it.
  assert.ok((await scrape()) > before);
  sub.dispose();
  await client.dispose();
});

test('a membership read older than a change is not cached: the room\'s generation moved meanwhile', async () => {
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff);
  const key = `crm:members:${room}`;
  const SUB_BODY = `subscription S($room: ID!) { messageAdded(roomId: $room) { body } }`;
  // Hold pushd's read of the members: a lock that its SELECT waits behind.
  const locker = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(PG_PORT),
    '-U', 'postgres', '-d', 'crm'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const lockerDone = new Promise((resolve) => locker.on('exit', resolve));
  const { client } = gqlClient(token(staff));
  const subs = [];
  try {
    locker.stdin.write('BEGIN; LOCK TABLE room_members IN ACCESS EXCLUSIVE MODE;\n'); // held while idle in the transaction
    await eventually(async () => (await psql(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE c.relname = 'room_members' AND l.mode = 'AccessExclusiveLock' AND l.granted`)) === '1');
    const sub = collect(client, SUB_BODY, { room });
    subs.push(sub);
    // pushd read the generation (none: 0) and waits on the database.
    await eventually(async () => (await psql(`SELECT count(*) FROM pg_stat_activity
      WHERE query LIKE '%FROM room_members m JOIN rooms r%' AND wait_event_type = 'Lock'`)) === '1');
    // Meanwhile a change is committed elsewhere: crm-api raises the generation, then deletes the cache.
    await redisCli('INCR', `${key}:g`);
    locker.stdin.end('ROLLBACK;\n');
    await lockerDone;
    const subscribed = (n) => eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff.id}
      AND action = 'messages.subscribe' AND target = 'room:${room}'`)) === String(n));
    await subscribed(1); // granted: its record is written then
    await xadd(room, staff, 'granted');
    await sub.waitFor(1);
    assert.equal(sub.items[0].data?.messageAdded?.body, 'granted', JSON.stringify(sub.error));
    // The answer came from a read that may predate the change: not cached.
    assert.equal(await redisCli('EXISTS', key), '0');
    // The next miss reads again, at the new generation, and caches.
    const again = collect(client, SUB_BODY, { room });
    subs.push(again);
    await subscribed(2);
    await xadd(room, staff, 'cached');
    await again.waitFor(1);
    assert.equal(again.items[0].data?.messageAdded?.body, 'cached', JSON.stringify(again.error));
    await eventually(async () => (await redisCli('SISMEMBER', key, String(staff.id))) === '1');
  } finally {
    // A failure must not leave the lock (every reader of room_members would wait) or a socket behind.
    if (!locker.stdin.writableEnded) locker.stdin.end('ROLLBACK;\n');
    await lockerDone;
    subs.forEach((x) => x.dispose());
    await client.dispose();
    await redisCli('DEL', key, `${key}:p`, `${key}:g`);
  }
});
