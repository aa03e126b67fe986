// Message streams on two Redis primaries (CRM_REDIS_SHARDS, lib/redis_shards.h):
// the test stack's Redis is shard 0, a second real Redis started here (same
// config and ACL file) is shard 1, with CRM_STREAMS=2 so that stream N lives on
// shard N mod 2: odd rooms on the second server. A crm-api (its own FastCGI
// socket), a crm-pushd and a crm-worker of their own run with that setting:
// messages to rooms on both shards are accepted, land on their shard, reach
// subscribers in order, are stored once, resume with `after` from either
// shard; a shard that is down fails only its rooms' sends, retryably.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import { BIN, ROOT, RUN_DIR, eventually, psql, redisCliArgs, svc } from './lib.mjs';
import { fcgiRequest } from './fcgi_client.mjs';
import { makeUser, makeRoom, token, createClient, WebSocket, collect } from './pushd_lib.mjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const procs = [];

/** Starts a program in its own process group, logging to RUN_DIR/logs/NAME.log. */
function start(name, cmd, args, env = {}) {
  const log = openSync(`${RUN_DIR}/logs/${name}.log`, 'a');
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  p.exited = new Promise((r) => p.once('exit', r));
  procs.push(p);
  return p;
}

async function stop(p, signal = 'SIGTERM') {
  if (p.exitCode === null && p.signalCode === null) {
    try { process.kill(-p.pid, signal); } catch { /* gone */ }
  }
  await p.exited;
}

let shardPort, apiPort, wsPort, metricsPort, redis2, env;

/** redis-cli against the second server as the test stack's operator user. */
async function cli2(...args) {
  const base = redisCliArgs().filter((a, i, all) => a !== '-p' && all[i - 1] !== '-p');
  const { stdout } = await run('redis-cli', [...base, '-p', String(shardPort), ...args], { env: process.env, maxBuffer: 64 << 20 });
  return stdout.trim();
}
async function cli1(...args) {
  const { stdout } = await run('redis-cli', [...redisCliArgs(), ...args], { env: process.env, maxBuffer: 64 << 20 });
  return stdout.trim();
}

async function gql(tok, query, variables) {
  const body = JSON.stringify({ query, variables });
  const r = await fcgiRequest({ port: apiPort }, {
    method: 'POST', uri: '/graphql', body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
  });
  return JSON.parse(r.body);
}

const SEND = `mutation S($i: SendMessageInput!) { sendMessage(input: $i) { id body cursor roomId } }`;
const send = (tok, room, body, key) => gql(tok, SEND, { i: { roomId: String(room), body, idempotencyKey: key } });

let worker;
function startWorker() {
  worker = start('crm-worker-shards', `${BIN}/crm-worker`, [], { ...env, CRM_WORKER_METRICS_PORT: String(metricsPort), CRM_WORKER_NAME: 'shards' });
}

function startRedis2() {
  redis2 = start('redis-shard1', 'redis-server', [`${ROOT}/etc/redis.conf`, '--port', String(shardPort),
    '--dir', `${RUN_DIR}/redis-shard1`, '--bind', '127.0.0.1', '--aclfile', `${RUN_DIR}/redis/users.acl`]);
}

before(async () => {
  [shardPort, apiPort, wsPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  mkdirSync(`${RUN_DIR}/redis-shard1`, { recursive: true });
  startRedis2();
  await eventually(async () => (await cli2('PING')) === 'PONG');
  env = { CRM_STREAMS: '2', CRM_REDIS_SHARDS: `127.0.0.1:${shardPort}` };
  start('crm-api-shards', `${BIN}/crm-api`, [], { ...env, CRM_API_LISTEN: `127.0.0.1:${apiPort}`, CRM_API_PROCS: '1' });
  start('crm-pushd-shards', `${BIN}/crm-pushd`, [], {
    ...env, CRM_WS_PORT: String(wsPort), CRM_WS_METRICS_PORT: '0', CRM_WS_PROCESSES: '1',
  });
  startWorker();
  await eventually(async () => (await fcgiRequest({ port: apiPort }, { uri: '/health' })).status === 200);
  await eventually(async () => {
    const r = await fetch(`http://127.0.0.1:${wsPort}/health`);
    return r.status === 200;
  });
});

after(async () => {
  for (const p of procs.reverse()) await stop(p);
});

/** Two rooms of one staff member: one per shard (room id mod 2). */
async function roomsOnBothShards(u) {
  const rooms = {};
  while (rooms[0] === undefined || rooms[1] === undefined) {
    const r = await makeRoom(u);
    if (rooms[Number(r) % 2] === undefined) rooms[Number(r) % 2] = r;
  }
  return rooms;
}

test('messages to rooms on both shards: accepted on their shard, delivered in order, stored once, resumed with after', async () => {
  const u = await makeUser('STAFF');
  const tok = token(u);
  const rooms = await roomsOnBothShards(u);
  const client = createClient({
    url: `ws://127.0.0.1:${wsPort}/`, webSocketImpl: WebSocket, connectionParams: { token: tok },
    retryAttempts: 0, lazy: false, onNonLazyError: () => {},
  });
  const q = 'subscription S($r: ID!, $a: String) { messageAdded(roomId: $r, after: $a) { body cursor } }';
  try {
    const subs = [collect(client, q, { r: String(rooms[0]) }), collect(client, q, { r: String(rooms[1]) })];
    await new Promise((r) => setTimeout(r, 500)); // the subscriptions are registered
    const N = 20, tag = `${process.pid}-${Date.now()}`, sent = { 0: [], 1: [] };
    for (let i = 0; i < N; i++) {
      const s = i % 2, body = `shard${s}-${i}`;
      const res = await send(tok, rooms[s], body, `sh-${tag}-${i}`);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      sent[s].push(res.data.sendMessage);
    }
    // Each on its shard's server: the odd room's stream is on the second Redis only.
    // (The newest entries: the main Redis's streams hold every other test's too.)
    const newest = (cli, stream) => cli('XREVRANGE', stream, '+', '-', 'COUNT', '2000');
    const onShard1 = await newest(cli2, 'crm:msg:1');
    assert.ok(onShard1.includes('shard1-1'), 'the odd room\'s message is on shard 1');
    assert.ok(!(await newest(cli1, 'crm:msg:1')).includes(`shard1-1`), 'and not on the main Redis');
    assert.ok((await newest(cli1, 'crm:msg:0')).includes('shard0-0'), 'the even room\'s is on the main Redis');
    // Delivered over the WebSocket, in order, without gap or duplicate.
    for (const s of [0, 1]) {
      await eventually(() => subs[s].items.length >= N / 2);
      assert.deepEqual(subs[s].items.map((x) => x.data.messageAdded.body), sent[s].map((m) => m.body));
    }
    // Stored exactly once each, by the worker processes of both shards.
    await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE idempotency_key LIKE 'sh-${tag}-%'`)) === N);
    assert.equal(await psql(`SELECT count(DISTINCT idempotency_key) FROM messages WHERE idempotency_key LIKE 'sh-${tag}-%'`), String(N));
    // A retry with the same key on the second shard answers the same message.
    const again = await send(tok, rooms[1], 'shard1-1', `sh-${tag}-1`);
    assert.equal(again.data.sendMessage.id, sent[1][0].id);
    // Resuming with `after` on either shard gives what follows, in order.
    for (const s of [0, 1]) {
      const r = collect(client, q, { r: String(rooms[s]), a: sent[s][2].cursor });
      await eventually(() => r.items.length >= sent[s].length - 3);
      assert.deepEqual(r.items.map((x) => x.data.messageAdded.body), sent[s].slice(3).map((m) => m.body));
    }
    // The history of a room on shard 1 is whole (stream tail and PostgreSQL).
    const h = await gql(tok, 'query H($r: ID!) { messages(roomId: $r, limit: 50) { body } }', { r: String(rooms[1]) });
    assert.equal(h.errors, undefined, JSON.stringify(h.errors));
    assert.deepEqual(h.data.messages.map((m) => m.body).sort(), sent[1].map((m) => m.body).sort());
  } finally {
    client.dispose();
  }
});

test('unpersisted messages on either shard: history, last message, unread counts and markRead read them there', async () => {
  const a = await makeUser('STAFF'), b = await makeUser('STAFF');
  const ta = token(a), tb = token(b);
  const rooms = {};
  while (rooms[0] === undefined || rooms[1] === undefined) {
    const r = await makeRoom(a, b);
    if (rooms[Number(r) % 2] === undefined) rooms[Number(r) % 2] = r;
  }
  // With the workers stopped (this one, and the test stack's, which reads
  // crm:msg:0 on the main Redis too) the messages stay in their streams only.
  await stop(worker);
  procs.splice(procs.indexOf(worker), 1);
  await svc('stop', 'worker');
  const tag = `${process.pid}-${Date.now()}`, sent = { 0: [], 1: [] };
  try {
    for (const s of [0, 1]) {
      for (let i = 0; i < 3; i++) {
        const res = await send(ta, rooms[s], `pending${s}-${i}`, `pd-${tag}-${s}-${i}`);
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        sent[s].push(res.data.sendMessage);
      }
    }
    const ROOM = 'query R($r: ID!) { room(id: $r) { unreadCount lastMessage { body status } } }';
    const LIST = '{ rooms { id unreadCount lastMessage { body status } } }';
    const list = await gql(tb, LIST);
    assert.equal(list.errors, undefined, JSON.stringify(list.errors));
    for (const s of [0, 1]) {
      const one = await gql(tb, ROOM, { r: String(rooms[s]) });
      assert.equal(one.errors, undefined, JSON.stringify(one.errors));
      assert.deepEqual(one.data.room, { unreadCount: 3, lastMessage: { body: `pending${s}-2`, status: 'PENDING' } });
      const inList = list.data.rooms.find((r) => r.id === String(rooms[s]));
      assert.deepEqual(inList, { id: String(rooms[s]), unreadCount: 3, lastMessage: { body: `pending${s}-2`, status: 'PENDING' } });
      const h = await gql(tb, 'query H($r: ID!) { messages(roomId: $r) { body status } }', { r: String(rooms[s]) });
      assert.deepEqual(h.data.messages.map((m) => `${m.body} ${m.status}`),
        [0, 1, 2].map((i) => `pending${s}-${i} PENDING`));
      // markRead checks the cursor in the room's stream (not yet in PostgreSQL).
      const mr = await gql(tb, 'mutation M($r: ID!, $c: String!) { markRead(roomId: $r, cursor: $c) { unreadCount } }',
        { r: String(rooms[s]), c: sent[s][1].cursor });
      assert.equal(mr.errors, undefined, JSON.stringify(mr.errors));
      assert.equal(mr.data.markRead.unreadCount, 1);
    }
    // queueStats adds up every shard: one more entry on shard 1 is one more of lag.
    const admin = token(await makeUser('ADMIN'));
    const QS = '{ queueStats { lag length } }';
    const q1 = await gql(admin, QS);
    assert.equal(q1.errors, undefined, JSON.stringify(q1.errors));
    assert.equal((await send(ta, rooms[1], 'one more', `pd-${tag}-1-3`)).errors, undefined);
    const q2 = await gql(admin, QS);
    assert.equal(q2.data.queueStats.lag - q1.data.queueStats.lag, 1);
    assert.equal(q2.data.queueStats.length - q1.data.queueStats.length, 1);
  } finally {
    startWorker();
    await svc('start', 'worker');
  }
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE idempotency_key LIKE 'pd-${tag}-%'`)) === 7);
});

test('a logout reaches every shard: the revoked token sends to neither shard\'s rooms', async () => {
  const u = await makeUser('STAFF');
  const tok = token(u);
  const rooms = await roomsOnBothShards(u);
  const tag = `${process.pid}-${Date.now()}`;
  assert.equal((await send(tok, rooms[1], 'before logout', `lo-${tag}-0`)).errors, undefined);
  const out = await gql(tok, 'mutation { logout }');
  assert.equal(out.errors, undefined, JSON.stringify(out.errors));
  const jti = JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString()).jti;
  assert.equal(await cli2('EXISTS', `crm:revoked:${jti}`), '1', 'the revocation key is on shard 1 too');
  for (const s of [0, 1]) {
    const res = await send(tok, rooms[s], 'after logout', `lo-${tag}-${s + 1}`);
    assert.equal(res.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', JSON.stringify(res));
  }
});

test('a shard that is down fails only its rooms\' sends, with a retryable error; they go through once it is back', async () => {
  const u = await makeUser('STAFF');
  const tok = token(u);
  const rooms = await roomsOnBothShards(u);
  const tag = `${process.pid}-${Date.now()}`;
  await stop(redis2, 'SIGKILL');
  procs.splice(procs.indexOf(redis2), 1);
  try {
    const down = await send(tok, rooms[1], 'while down', `down-${tag}`);
    assert.equal(down.data, null);
    assert.equal(down.errors[0].extensions.code, 'INTERNAL_SERVER_ERROR');
    assert.match(down.errors[0].message, /retry with the same idempotencyKey/);
    const up = await send(tok, rooms[0], 'other shard', `up-${tag}`);
    assert.equal(up.errors, undefined, JSON.stringify(up.errors));
  } finally {
    startRedis2();
    await eventually(async () => (await cli2('PING')) === 'PONG');
  }
  // The retry with the same key is accepted once the shard is back (AOF kept the rest).
  await eventually(async () => (await send(tok, rooms[1], 'while down', `down-${tag}`)).errors === undefined,
    { timeoutMs: 10000, intervalMs: 300 });
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE idempotency_key = 'down-${tag}'`)) === 1);
});

test('dead letters of every shard are listed, newest first, and retried on their own shard', async () => {
  const admin = await makeUser('ADMIN');
  const staff = await makeUser('STAFF');
  const rooms = await roomsOnBothShards(staff);
  const now = Date.now();
  // As crm-worker stores one (lib/dead_letters.c): the pipeline's fields, then the entry's.
  const dead = (cli, stream, room, key, at) => cli('XADD', 'crm:dead', '*', 'stream', stream, 'id', `${at}-0`,
    'deliveries', '5', 'error', 'test: could not store', 'failed_at', String(at), 'consumer', 'test',
    'v', '1', 'room', String(room), 'sender', String(staff.id), 'key', key, 'body', `dead ${key}`);
  const k0 = `d0-${now}`, k1 = `d1-${now}`;
  const id0 = await dead(cli1, 'crm:msg:0', rooms[0], k0, now - 1000);
  const id1 = await dead(cli2, 'crm:msg:1', rooms[1], k1, now);
  const list = (await gql(token(admin), '{ deadLetters(limit: 200) { id roomId idempotencyKey } }')).data.deadLetters;
  const mine = list.filter((d) => d.idempotencyKey === k0 || d.idempotencyKey === k1);
  assert.deepEqual(mine, [
    { id: `1:${id1}`, roomId: String(rooms[1]), idempotencyKey: k1 }, // the newer first
    { id: id0, roomId: String(rooms[0]), idempotencyKey: k0 },
  ]);
  const retry = (id) => gql(token(admin), 'mutation($id: ID!) { retryDeadLetter(id: $id) }', { id });
  for (const bad of ['9:1-1', '0:1-1', `x:${id1}`, `1:`, `:${id1}`]) {
    assert.equal((await retry(bad)).errors?.[0]?.extensions?.code, 'NOT_FOUND', bad);
  }
  assert.equal((await retry(`1:${id1}`)).data.retryDeadLetter, true);
  assert.equal(await cli2('XLEN', 'crm:dead'), '0', 'gone from shard 1');
  assert.equal((await retry(`1:${id1}`)).errors?.[0]?.extensions?.code, 'NOT_FOUND', 'once only');
  // Back through shard 1's pipeline: stored once by crm-worker.
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE idempotency_key = '${k1}'`)) === '1',
    { timeoutMs: 20000 });
  assert.equal((await retry(id0)).data.retryDeadLetter, true);
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE idempotency_key = '${k0}'`)) === '1',
    { timeoutMs: 20000 });
});

test('crm-worker\'s /metrics reads each stream\'s queue figures on its own shard, and every shard\'s dead letters', async () => {
  const u = await makeUser('STAFF');
  const rooms = await roomsOnBothShards(u);
  for (const s of [0, 1]) {
    const r = await send(token(u), rooms[s], `metrics-${s}`, `m-${process.pid}-${Date.now()}-${s}`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  }
  const gauge = (text, name, stream) => Number((text.match(new RegExp(`^${name}\\{stream="${stream}"\\} (\\d+)$`, 'm')) || [])[1]);
  await eventually(async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const len1 = Number(await cli2('XLEN', 'crm:msg:1')), len0 = Number(await cli1('XLEN', 'crm:msg:0'));
    const dead = Number(await cli1('XLEN', 'crm:dead')) + Number(await cli2('XLEN', 'crm:dead'));
    const deadGauge = Number((text.match(/^crm_queue_dead_letters (\d+)$/m) || [])[1]);
    return len1 > 0 && gauge(text, 'crm_queue_length', 'crm:msg:1') === len1 &&
      gauge(text, 'crm_queue_length', 'crm:msg:0') === len0 && deadGauge === dead &&
      gauge(text, 'crm_queue_consumers', 'crm:msg:1') >= 1;
  }, { timeoutMs: 20000, intervalMs: 250 });
});
