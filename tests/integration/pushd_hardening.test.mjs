// crm-pushd under one user's flood (issue 13.2), and what it shows to whom:
// - sockets per user are capped (CRM_WS_MAX_SOCKETS_PER_USER, 20 by default):
//   the ones over it are closed with 4429 "Too many connections";
// - while one user's sockets replay a room of 5,000 messages on 32
//   subscriptions each and read as fast as they can, another user's
//   connection_ack time stays within 3x of its quiet time (+20 ms for noise),
//   and a slow-but-reading subscriber still gets every message, in order;
// - a patient never receives a staff member's email over WebSocket (crm-api
//   blanks it for patients too);
// - history over HTTP and replay over WebSocket agree on a room whose messages
//   are partly persisted (the worker stopped midway): one rule decides
//   (lib/persisted_boundary.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { HTTP, WS_PORT, psql, redisCli, redisCliArgs, svc, eventually } from './lib.mjs';
import { makeUser, makeRoom, token, initedSocket, rawSocket, gqlClient, collect, sleep, ORIGIN } from './pushd_lib.mjs';

const CAP = Number(process.env.CRM_WS_MAX_SOCKETS_PER_USER || 20);
const HISTORY = 5000;
let seq = 0;
const unique = () => `${process.pid}-${Date.now()}-${++seq}`;

async function createdOf(u) {
  return psql(`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM users WHERE id = ${u.id}`);
}

/** XADDs n entries in the format crm-api's sendMessage writes (sender included),
 * bodies `${tag}-${i}`, through one redis-cli; resolves with their ids in order. */
async function seed(room, u, tag, n) {
  const created = await createdOf(u);
  const ids = [];
  await new Promise((resolve, reject) => {
    const p = spawn('redis-cli', redisCliArgs(), { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`redis-cli exit ${code}`));
      ids.push(...out.trim().split('\n'));
      resolve();
    });
    for (let i = 0; i < n; i++) {
      p.stdin.write(`XADD crm:msg:0 * v 1 room ${room} sender ${u.id} key ${tag}-${i} body ${tag}-${i} ` +
        `semail ${u.email} sname "${u.name}" srole ${u.role} screated ${created}\n`);
    }
    p.stdin.end();
  });
  assert.equal(ids.length, n);
  return ids;
}

/** A client text frame with a zero mask key (the payload goes as is). */
function textFrame(s) {
  const p = Buffer.from(s);
  const head = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length]) :
    Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), p]);
}

/**
 * A raw graphql-transport-ws socket over TCP. Frames are parsed until
 * `parseAll` is turned off (a flooding socket then only counts bytes);
 * `readDelayMs` pauses reading after each chunk (a slow reader).
 */
function tcpSocket({ parseAll = true, readDelayMs = 0 } = {}) {
  const sock = net.connect(WS_PORT, '127.0.0.1');
  const st = { frames: [], bytes: 0, parse: true, closeCode: null };
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let waiters = [];
  st.ended = new Promise((r) => sock.once('close', () => { st.ended_now = true; waiters = waiters.filter((w) => !w()); r(); }));
  sock.on('error', () => {});
  // Written at once: writes before the connection is made are queued in order.
  sock.write((
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Origin: ${ORIGIN}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
    'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n'));
  sock.on('data', (d) => {
    st.bytes += d.length;
    if (readDelayMs) {
      sock.pause();
      setTimeout(() => sock.resume(), readDelayMs);
    }
    if (!st.parse) return;
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    if (!upgraded) {
      const e = buf.indexOf('\r\n\r\n');
      if (e < 0) return;
      upgraded = true;
      buf = buf.subarray(e + 4);
    }
    while (buf.length >= 2) {
      let len = buf[1] & 127;
      let h = 2;
      if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); h = 4; }
      else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); h = 10; }
      if (buf.length < h + len) break;
      const op = buf[0] & 15;
      const data = buf.subarray(h, h + len);
      if (op === 8) st.closeCode = len >= 2 ? data.readUInt16BE(0) : 1005;
      if (op === 9) sock.write(Buffer.concat([Buffer.from([0x8a, 0x80 | len]), Buffer.alloc(4), data])); // pong
      if (op === 1) st.frames.push(JSON.parse(data.toString()));
      buf = buf.subarray(h + len);
    }
    if (!parseAll && st.frames.some((f) => f.type === 'connection_ack')) st.parse = false;
    waiters = waiters.filter((w) => !w());
  });
  st.sock = sock;
  st.send = (o) => sock.write(textFrame(JSON.stringify(o)));
  st.until = (pred, ms = 10000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out; ${st.frames.length} frames, close ${st.closeCode}`)), ms);
    const check = () => { if (pred(st)) { clearTimeout(t); resolve(st); return true; } return false; };
    if (!check()) waiters.push(check);
  });
  return st;
}

/** ms from opening a socket to its connection_ack. */
async function ackTime(tok) {
  const t0 = performance.now();
  const s = rawSocket({ headers: { Origin: ORIGIN } });
  await s.opened;
  s.send({ type: 'connection_init', payload: { token: tok } });
  await s.next((m) => m.type === 'connection_ack', 10000);
  const ms = performance.now() - t0;
  s.ws.close();
  return ms;
}

async function ackTimes(tok, n) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await ackTime(tok));
  return xs.sort((a, b) => a - b);
}
const median = (xs) => xs[Math.floor(xs.length / 2)];

const REPLAY = 'subscription($r: ID!, $a: String) { messageAdded(roomId: $r, after: $a) { id body sender { displayName } } }';

test('one user flooding sockets and replays: capped with 4429, another user\'s connection_ack stays fast, a slow reader gets every message in order', { timeout: 180000 }, async () => {
  const flooder = await makeUser('PATIENT', 'Flood Patient');
  const reader = await makeUser('STAFF', 'Slow Reader');
  const victim = await makeUser('STAFF', 'Other User');
  const room = await makeRoom(flooder, reader);
  const ids = await seed(room, flooder, `h${unique()}`, HISTORY);

  // Warm up, then the other user's quiet connection_ack time.
  await ackTimes(token(victim), 3);
  const quiet = await ackTimes(token(victim), 15);

  // The flood: more sockets than the cap, each (of those let in) with 32
  // subscriptions replaying the whole history, read as fast as possible.
  const ftok = token(flooder);
  const flood = [];
  let slow = null;
  try {
    for (let i = 0; i < CAP + 5; i++) flood.push(tcpSocket({ parseAll: false }));
    for (const f of flood) f.send({ type: 'connection_init', payload: { token: ftok } });
    await Promise.all(flood.map((f) => f.until((s) => s.closeCode !== null || s.frames.some((m) => m.type === 'connection_ack'))));
    const refused = flood.filter((f) => f.closeCode !== null);
    const admitted = flood.filter((f) => f.closeCode === null);
    assert.equal(admitted.length, CAP, `admitted ${admitted.length} sockets of one user`);
    assert.equal(refused.length, 5);
    for (const f of refused) assert.equal(f.closeCode, 4429);
    for (const f of admitted) {
      for (let k = 0; k < 32; k++) {
        f.send({ id: `s${k}`, type: 'subscribe', payload: { query: REPLAY, variables: { r: room, a: '0-0' } } });
      }
    }

    // A slow-but-reading subscriber of the same room (reads a chunk, waits 20 ms).
    slow = tcpSocket({ readDelayMs: 20 });
    slow.send({ type: 'connection_init', payload: { token: token(reader) } });
    await slow.until((s) => s.frames.some((m) => m.type === 'connection_ack'));
    slow.send({ id: 'r', type: 'subscribe', payload: { query: REPLAY, variables: { r: room, a: '0-0' } } });

    const before = admitted.reduce((n, f) => n + f.bytes, 0);
    await sleep(1000); // the flood's subscriptions are set up and replaying
    const during = await ackTimes(token(victim), 30);
    const pushed = admitted.reduce((n, f) => n + f.bytes, 0) - before;
    console.log(`connection_ack of another user: quiet median ${median(quiet).toFixed(1)} ms ` +
      `(max ${quiet.at(-1).toFixed(1)}), during the flood median ${median(during).toFixed(1)} ms ` +
      `(max ${during.at(-1).toFixed(1)}); the flood received ${(pushed / 1e6).toFixed(1)} MB since its subscriptions`);
    // Served, not how fast: on a machine busy with other work the flood may get
    // only a few hundred KB in this window (it got 0.19 MB once); it must not be starved.
    assert.ok(pushed > 2e4, `the flood was served (${pushed} bytes since its subscriptions)`);
    assert.ok(median(during) <= 3 * median(quiet) + 20,
      `connection_ack during the flood ${median(during)} ms vs quiet ${median(quiet)} ms`);

    // Every message, in order, to the slow reader.
    await slow.until((s) => s.frames.filter((m) => m.id === 'r').length >= HISTORY || s.frames.some((m) => m.id === 'r' && m.type === 'error') || s.ended_now, 60000);
    const got = slow.frames.filter((m) => m.id === 'r');
    assert.ok(got.every((m) => m.type === 'next'), JSON.stringify(got.find((m) => m.type !== 'next')));
    assert.deepEqual(got.map((m) => m.payload.data.messageAdded.id), ids);
  } finally {
    for (const f of flood) f.sock.destroy();
    slow?.sock.destroy();
  }
  // Closed sockets give their places back: the user may connect again.
  await eventually(async () => { await ackTime(ftok); return true; }, { timeoutMs: 10000 });
});

test('a patient never receives a staff member\'s email over WebSocket; staff do, and a patient sees their own', async () => {
  const staff = await makeUser('STAFF', 'Email Staff');
  const patient = await makeUser('PATIENT', 'Email Patient');
  const room = await makeRoom(staff, patient);
  const SUB = 'subscription($r: ID!, $a: String) { messageAdded(roomId: $r, after: $a) { body sender { id email role } } }';
  const before = await redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room), 'sender', String(staff.id),
    'key', `k${unique()}`, 'body', 'replayed', 'semail', staff.email, 'sname', staff.name, 'srole', 'STAFF',
    'screated', await createdOf(staff));
  const [p, s] = [gqlClient(token(patient)), gqlClient(token(staff))];
  const after = String(BigInt(before.split('-')[0]) - 1n) + '-0';
  const ps = collect(p.client, SUB, { r: room, a: after });
  const ss = collect(s.client, SUB, { r: room, a: after });
  await ps.waitFor(1);
  await ss.waitFor(1);
  // Live: one from the staff member, one from the patient.
  await redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room), 'sender', String(staff.id),
    'key', `k${unique()}`, 'body', 'live', 'semail', staff.email, 'sname', staff.name, 'srole', 'STAFF',
    'screated', await createdOf(staff));
  await redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room), 'sender', String(patient.id),
    'key', `k${unique()}`, 'body', 'own', 'semail', patient.email, 'sname', patient.name, 'srole', 'PATIENT',
    'screated', await createdOf(patient));
  await ps.waitFor(3);
  await ss.waitFor(3);
  const view = (items) => items.map((i) => [i.data.messageAdded.body, i.data.messageAdded.sender.email]);
  assert.deepEqual(view(ps.items), [['replayed', ''], ['live', ''], ['own', patient.email]]);
  assert.deepEqual(view(ss.items), [['replayed', staff.email], ['live', staff.email], ['own', patient.email]]);
  assert.ok(!JSON.stringify(ps.items).includes(staff.email));
  // The same as crm-api answers the patient over HTTP.
  const res = await fetch(`${HTTP}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token(patient)}` },
    body: JSON.stringify({ query: `{ messages(roomId: "${room}") { body sender { email } } }` }),
  });
  const body = await res.json();
  assert.deepEqual(body.data.messages.map((m) => [m.body, m.sender.email]),
    [['replayed', ''], ['live', ''], ['own', patient.email]]);
  await p.client.dispose();
  await s.client.dispose();
});

test('history over HTTP and replay over WebSocket agree on a room partly persisted (worker stopped midway)', { timeout: 60000 }, async () => {
  const u = await makeUser('STAFF', 'Boundary Staff');
  const room = await makeRoom(u);
  const tag = `b${unique()}`;
  const first = await seed(room, u, `${tag}-a`, 30);
  // The worker persists the first part.
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${room}`)) === 30);
  await svc('stop', 'worker');
  let second;
  try {
    second = await seed(room, u, `${tag}-b`, 20);
    const http = await fetch(`${HTTP}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token(u)}` },
      body: JSON.stringify({ query: `{ messages(roomId: "${room}", limit: 100) { id body status } }` }),
    });
    const hist = (await http.json()).data.messages.map((m) => [m.id, m.body, m.status]);
    const { client } = gqlClient(token(u));
    const sub = collect(client, 'subscription($r: ID!) { messageAdded(roomId: $r, after: "0-0") { id body status } }', { r: room });
    await sub.waitFor(50);
    const replay = sub.items.map((i) => [i.data.messageAdded.id, i.data.messageAdded.body, i.data.messageAdded.status]);
    await client.dispose();
    assert.deepEqual(hist.map((m) => m[0]), [...first, ...second]);
    assert.deepEqual(replay, hist);
    assert.deepEqual(hist.map((m) => m[2]), [...Array(30).fill('PERSISTED'), ...Array(20).fill('PENDING')]);
  } finally {
    await svc('start', 'worker');
  }
});
