// crm-pushd's half of live state (issue 15, docs/LIVE-STATE.md): presence keys
// in Redis, typing(roomId) from crm:typing with its lapse, and inboxUpdated
// from the message streams and crm:room-events. crm-api's publishers are built
// apart: these tests publish as the contract says, with redis-cli.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { psql, redisCli, eventually, BIN, WS_METRICS_PORT } from './lib.mjs';
import { makeUser, makeRoom, token, gqlClient, collect, xadd, sleep, createClient, WebSocket } from './pushd_lib.mjs';

const clients = [];
function open(user, opts) {
  const c = gqlClient(token(user), opts);
  clients.push(c.client);
  return c.client;
}
after(async () => { for (const c of clients) await c.dispose(); });

const USER = 'id email displayName role online';
const TYPING = `subscription($r:ID!){typing(roomId:$r){roomId typing user{${USER}}}}`;
const INBOX = `subscription{inboxUpdated{id name status unreadCount updatedAt assignee{id} patient{id email}
  members{id email role} lastMessage{id body internal sender{id email}} readReceipts{cursor readAt user{id}} tags}}`;

const publish = (channel, obj) => redisCli('PUBLISH', channel, typeof obj === 'string' ? obj : JSON.stringify(obj));
const instances = () => redisCli('ZRANGE', 'crm:presence:instances', '0', '-1').then((s) => s.split('\n').filter(Boolean));

/** The instances whose set holds user (as User.online looks it up). */
async function whereOnline(user) {
  const out = [];
  for (const inst of await instances())
    if ((await redisCli('SISMEMBER', `crm:presence:${inst}`, String(user.id))) === '1') out.push(inst);
  return out;
}

/** XADDs an internal note as crm-api does (the `internal` field). */
const xaddNote = (room, sender, body) => redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room),
  'sender', String(sender.id), 'key', `n${Date.now()}${Math.random()}`, 'body', body, 'internal', '1');

// A subscription is live once its audit record (or its first event) is there;
// a short wait covers typing, which has no record.
const settle = () => sleep(300);

test('presence: a key per user while a socket is open, gone on its close', async () => {
  const u = await makeUser('PATIENT');
  const c = open(u);
  await eventually(async () => (await whereOnline(u)).length === 1);
  const [inst] = await whereOnline(u);
  assert.ok(Number(await redisCli('PTTL', `crm:presence:${inst}`)) > 0, 'the set expires unless refreshed');
  // A second socket of the same user, closed: still online through the first.
  const c2 = open(u);
  await sleep(500);
  await c2.dispose();
  await sleep(500);
  assert.equal((await whereOnline(u)).length, 1);
  await c.dispose();
  await eventually(async () => (await whereOnline(u)).length === 0);
});

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

test('presence: a crm-pushd killed with -9 stops counting its users within 10 s', async () => {
  const port = await freePort(), mport = await freePort();
  const child = spawn(`${BIN}/crm-pushd`, [], {
    env: { ...process.env, CRM_WS_PORT: String(port), CRM_WS_METRICS_PORT: String(mport), CRM_WS_PROCESSES: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let worker = 0;
  try {
    const u = await makeUser('STAFF');
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status < 500);
    const client = createClient({ url: `ws://127.0.0.1:${port}/`, webSocketImpl: WebSocket,
      connectionParams: { token: token(u) }, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
    clients.push(client);
    await eventually(async () => (await whereOnline(u)).length === 1);
    const [inst] = await whereOnline(u);
    // The instance is <host>-<pid>-<random>: the pid is the process that serves the socket.
    worker = Number(inst.split('-').at(-2));
    assert.ok(worker > 0 && worker !== process.pid);
    process.kill(worker, 'SIGKILL');
    const killedAt = Date.now();
    await eventually(async () => (await redisCli('EXISTS', `crm:presence:${inst}`)) === '0', { timeoutMs: 12000 });
    assert.ok(Date.now() - killedAt <= 10000, `lapsed after ${Date.now() - killedAt} ms`);
    assert.deepEqual(await whereOnline(u), []);
  } finally {
    child.kill('SIGTERM'); // the supervisor stops its (restarted) process with it
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
});

test('presence: a clean stop removes the instance', async () => {
  const port = await freePort(), mport = await freePort();
  const child = spawn(`${BIN}/crm-pushd`, [], {
    env: { ...process.env, CRM_WS_PORT: String(port), CRM_WS_METRICS_PORT: String(mport), CRM_WS_PROCESSES: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const before = new Set(await instances());
  let mine;
  try {
    await eventually(async () => { mine = (await instances()).filter((i) => !before.has(i)); return mine.length === 1; });
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
  assert.ok(!(await instances()).includes(mine[0]));
  assert.equal(await redisCli('EXISTS', `crm:presence:${mine[0]}`), '0');
});

test('typing: delivered to the room\'s others, not to the typist; lapses to false after ~6 s', async () => {
  const staff = await makeUser('STAFF', 'Typing Staff');
  const pat = await makeUser('PATIENT', 'Typing Patient');
  const room = await makeRoom(staff, pat);
  const toPat = collect(open(pat), TYPING, { r: String(room) });
  const toStaff = collect(open(staff), TYPING, { r: String(room) });
  await settle();
  await publish('crm:typing', { roomId: String(room), userId: String(staff.id), typing: true });
  const [ev] = await toPat.waitFor(1);
  const t0 = Date.now();
  assert.deepEqual(ev.data.typing.roomId, String(room));
  assert.equal(ev.data.typing.typing, true);
  assert.equal(ev.data.typing.user.id, String(staff.id));
  assert.equal(ev.data.typing.user.email, '', 'a patient sees no one else\'s email');
  assert.equal(ev.data.typing.user.online, true, 'the typist holds a socket');
  const lapsed = await toPat.waitFor(2, 9000);
  const dt = Date.now() - t0;
  assert.equal(lapsed[1].data.typing.typing, false);
  assert.ok(dt > 5000 && dt < 8000, `lapse after ${dt} ms`);
  assert.equal(toStaff.items.length, 0, 'the typist gets nothing of their own');
  // A patient typing reaches staff, with the email; an explicit false ends it (no lapse after).
  await publish('crm:typing', { roomId: String(room), userId: String(pat.id), typing: true });
  await publish('crm:typing', { roomId: String(room), userId: String(pat.id), typing: false });
  const got = await toStaff.waitFor(2);
  assert.deepEqual(got.map((e) => e.data.typing.typing), [true, false]);
  assert.equal(got[0].data.typing.user.email, pat.email);
  await sleep(6500);
  assert.equal(toStaff.items.length, 2, 'no lapse after a false');
});

// crm-pushd loads the users its sockets miss in one query a loop turn
// (push/user_cache.c): many sockets connecting at once must each get their own
// viewer (a patient sees no one else's email, staff do), and a crowd of typists
// each their own record (id, name, role), not a neighbour's from the batch.
test('typing: a crowd connecting at once each gets its own identity; a crowd typing shows each typist', { timeout: 60000 }, async () => {
  const typist = await makeUser('STAFF', 'Crowd Typist');
  const crowd = [];
  for (let i = 0; i < 16; i++) crowd.push(await makeUser(i % 2 ? 'PATIENT' : 'STAFF', `Crowd ${i}`));
  // A room each (a room has one patient at most), the typist in all of them.
  const rooms = [];
  for (const u of crowd) rooms.push(String(await makeRoom(typist, u)));
  const seen = crowd.map((u, i) => collect(open(u), TYPING, { r: rooms[i] }));
  const tc = open(typist);
  const toTypist = rooms.map((r) => collect(tc, TYPING, { r }));
  await sleep(1500);
  for (const r of rooms) await publish('crm:typing', { roomId: r, userId: String(typist.id), typing: true });
  for (const [i, got] of seen.entries()) {
    const [ev] = await got.waitFor(1);
    const u = ev.data.typing.user;
    assert.equal(u.id, String(typist.id));
    assert.equal(u.displayName, 'Crowd Typist');
    assert.equal(u.email, crowd[i].role === 'PATIENT' ? '' : typist.email, `${crowd[i].role} ${i} sees the typist's email by its own role`);
  }
  for (const r of rooms) await publish('crm:typing', { roomId: r, userId: String(typist.id), typing: false });
  for (const [i, u] of crowd.entries()) await publish('crm:typing', { roomId: rooms[i], userId: String(u.id), typing: true });
  for (const [i, u] of crowd.entries()) {
    const [ev] = await toTypist[i].waitFor(1);
    const shown = ev.data.typing.user;
    assert.deepEqual([shown.id, shown.displayName, shown.role, shown.email], [String(u.id), u.name, u.role, u.email]);
  }
  for (const [i, u] of crowd.entries()) await publish('crm:typing', { roomId: rooms[i], userId: String(u.id), typing: false });
});

test('typing: refused for a room you are not in, like messageAdded', async () => {
  const a = await makeUser('STAFF');
  const b = await makeUser('PATIENT');
  const room = await makeRoom(a);
  const sub = collect(open(b), TYPING, { r: String(room) });
  assert.equal(await sub.done, 'error');
  assert.equal(sub.error[0].extensions.code, 'FORBIDDEN');
});

test('inboxUpdated: a new message reaches the members with their unread counts; a read event zeroes it', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, pat);
  await psql(`UPDATE rooms SET assignee_id = ${staff.id} WHERE id = ${room}`);
  const toPat = collect(open(pat), INBOX);
  const toStaff = collect(open(staff), INBOX);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'inbox.subscribe'
    AND actor_id IN (${staff.id}, ${pat.id})`)) === 2);
  const c1 = await xadd(room, staff, 'first');
  await xadd(room, staff, 'second');
  // Both may arrive while the room loads: then they are one delivery of the
  // newest state (docs/LIVE-STATE.md), so wait for the state, not a count.
  const hasSecond = (v) => v.data.inboxUpdated.lastMessage?.body === 'second';
  const pi = await toPat.waitUntil(hasSecond);
  const p = toPat.items[pi].data.inboxUpdated;
  assert.equal(p.id, String(room));
  assert.equal(p.unreadCount, 2);
  assert.equal(p.lastMessage.sender.email, '', 'emails of others hidden from a patient');
  assert.equal(p.patient.email, pat.email, 'but not their own');
  const si = await toStaff.waitUntil(hasSecond);
  const s = toStaff.items[si].data.inboxUpdated;
  assert.equal(s.unreadCount, 0, 'the sender\'s own messages do not count');
  assert.equal(s.lastMessage.sender.email, staff.email);
  // The patient reads the first: crm-api stores it and publishes the event.
  // The room is loaded now, so each event is one delivery.
  const [ms, sq] = c1.split('-');
  await psql(`INSERT INTO read_positions (room_id, user_id, stream_ms, stream_seq, read_at)
    VALUES (${room}, ${pat.id}, ${ms}, ${sq}, '2026-12-03T12:00:00.000Z')`);
  await publish('crm:room-events', { roomId: String(room), kind: 'read', userId: String(pat.id), cursor: c1, readAt: '2026-12-03T12:00:00.000Z' });
  const p3 = (await toPat.waitFor(pi + 2))[pi + 1].data.inboxUpdated;
  assert.equal(p3.unreadCount, 1, 'one message after the position');
  assert.deepEqual(p3.readReceipts.map((r) => [r.user.id, r.cursor]), [[String(pat.id), c1]]);
  const s3 = (await toStaff.waitFor(si + 2))[si + 1].data.inboxUpdated;
  assert.equal(s3.readReceipts[0].readAt, '2026-12-03T12:00:00.000Z', 'staff see the receipt');
  // Read to the end: zero without a database count.
  const last = p.lastMessage.id;
  await publish('crm:room-events', { roomId: String(room), kind: 'read', userId: String(pat.id), cursor: last, readAt: '2026-12-03T12:00:01.000Z' });
  assert.equal((await toPat.waitFor(pi + 3))[pi + 2].data.inboxUpdated.unreadCount, 0);
});

test('inboxUpdated: events in quick succession on a loaded room are each delivered, the last with every change', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, pat);
  await psql(`UPDATE rooms SET assignee_id = ${staff.id} WHERE id = ${room}`);
  const toPat = collect(open(pat), INBOX);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'inbox.subscribe'
    AND actor_id = ${pat.id}`)) === 1);
  await xadd(room, staff, 'a');
  await toPat.waitFor(1); // the snapshot is loaded: what follows patches it in place
  const b = await xadd(room, staff, 'b');
  await xadd(room, staff, 'c');
  // A read behind the newest message (c): counted from the snapshot's tail, no reload.
  const [ms, sq] = b.split('-');
  await psql(`INSERT INTO read_positions (room_id, user_id, stream_ms, stream_seq, read_at)
    VALUES (${room}, ${pat.id}, ${ms}, ${sq}, '2026-12-03T12:00:00.000Z')`);
  await publish('crm:room-events', { roomId: String(room), kind: 'read', userId: String(pat.id), cursor: b, readAt: '2026-12-03T12:00:00.000Z' });
  await xadd(room, staff, 'd');
  const got = await toPat.waitFor(5);
  await sleep(500);
  assert.equal(toPat.items.length, 5, 'one delivery per event (3 messages, 1 read) after the first');
  const last = got[4].data.inboxUpdated;
  assert.equal(last.lastMessage.body, 'd');
  assert.equal(last.unreadCount, 2, 'c and d after the position');
  assert.deepEqual(last.readReceipts.map((r) => [r.user.id, r.cursor]), [[String(pat.id), b]]);
  const read = got.map((g) => g.data.inboxUpdated).find((x) => x.readReceipts.length === 1 && x.lastMessage.body === 'c');
  if (read) assert.equal(read.unreadCount, 1, 'the read behind c leaves c unread');
});

test('inboxUpdated: a room event; unassigned rooms reach every staff subscriber; foreign rooms never', async () => {
  const staff = await makeUser('STAFF');
  const other = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const stranger = await makeUser('PATIENT');
  const room = await makeRoom(pat); // unassigned: a new conversation
  const toOther = collect(open(other), INBOX);
  const toPat = collect(open(pat), INBOX);
  const toStranger = collect(open(stranger), INBOX);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'inbox.subscribe'
    AND actor_id IN (${other.id}, ${pat.id}, ${stranger.id})`)) === 3);
  await publish('crm:room-events', { roomId: String(room), kind: 'created' });
  const o = await toOther.waitFor(1);
  assert.equal(o[0].data.inboxUpdated.assignee, null);
  assert.equal(o[0].data.inboxUpdated.unreadCount, 0);
  await toPat.waitFor(1);
  // Assigned to staff: every staff subscriber hears of it (the change of assignment).
  await psql(`INSERT INTO room_members (room_id, user_id) VALUES (${room}, ${staff.id});
    UPDATE rooms SET assignee_id = ${staff.id}, status = 'PENDING' WHERE id = ${room}`);
  await publish('crm:room-events', { roomId: String(room), kind: 'assignee' });
  const o2 = (await toOther.waitFor(2))[1].data.inboxUpdated;
  assert.equal(o2.assignee.id, String(staff.id));
  assert.equal(o2.status, 'PENDING');
  const p2 = (await toPat.waitFor(2))[1].data.inboxUpdated;
  assert.equal(p2.status, 'PENDING');
  // Now assigned: a status change reaches members only.
  await psql(`UPDATE rooms SET status = 'RESOLVED' WHERE id = ${room}`);
  await publish('crm:room-events', { roomId: String(room), kind: 'status' });
  assert.equal((await toPat.waitFor(3))[2].data.inboxUpdated.status, 'RESOLVED');
  await sleep(500);
  assert.equal(toOther.items.length, 2, 'assigned elsewhere: not for other staff');
  assert.equal(toStranger.items.length, 0, 'a foreign room is never delivered');
});

test('inboxUpdated: a patient gets nothing an internal note caused; staff get the note', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, pat);
  await psql(`UPDATE rooms SET assignee_id = ${staff.id} WHERE id = ${room}`);
  const toPat = collect(open(pat), INBOX);
  const toStaff = collect(open(staff), INBOX);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'inbox.subscribe'
    AND actor_id IN (${staff.id}, ${pat.id})`)) === 2);
  await xadd(room, pat, 'hello');
  await toPat.waitFor(1);
  await toStaff.waitFor(1);
  await xaddNote(room, staff, 'staff-only');
  const s = (await toStaff.waitFor(2))[1].data.inboxUpdated;
  assert.equal(s.lastMessage.body, 'staff-only');
  assert.equal(s.lastMessage.internal, true);
  await sleep(700);
  assert.equal(toPat.items.length, 1, 'no inboxUpdated for a note');
  // A change the patient may see (the room reloads): their updatedAt is still
  // before the note, as over HTTP (public_updated_at); staff see the note's.
  await publish('crm:room-events', { roomId: String(room), kind: 'tags' });
  const t = (await toPat.waitFor(2))[1].data.inboxUpdated;
  assert.ok(Date.parse(t.updatedAt) < Date.parse(s.updatedAt), `${t.updatedAt} before the note ${s.updatedAt}`);
  const st = (await toStaff.waitFor(3))[2].data.inboxUpdated;
  assert.ok(Date.parse(st.updatedAt) >= Date.parse(s.updatedAt));
  // The next public message: the patient's last message and count skip the note.
  await xadd(room, staff, 'answer');
  const p = (await toPat.waitFor(3))[2].data.inboxUpdated;
  assert.equal(p.lastMessage.body, 'answer');
  assert.equal(p.unreadCount, 1);
  assert.ok(!JSON.stringify(toPat.items).includes('staff-only'));
});

test('malformed live events are ignored and the socket keeps working', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, pat);
  const client = open(pat);
  const typing = collect(client, TYPING, { r: String(room) });
  const inbox = collect(client, INBOX);
  await settle();
  for (const bad of ['not json', '{"roomId":12}', `{"roomId":"${room}","kind":"exploded"}`, '[1,2]',
    `{"roomId":"${room}","userId":"x","typing":true}`, `{"roomId":"${room}","userId":"${staff.id}","typing":"yes"}`,
    `{"roomId":"${room}","kind":"read","userId":"${pat.id}","cursor":"nope","readAt":"x"}`, '{"a":' + '['.repeat(2000)]) {
    await publish('crm:typing', bad);
    await publish('crm:room-events', bad);
  }
  await publish('crm:typing', { roomId: String(room), userId: String(staff.id), typing: true });
  await publish('crm:room-events', { roomId: String(room), kind: 'tags' });
  assert.equal((await typing.waitFor(1))[0].data.typing.typing, true);
  assert.equal((await inbox.waitFor(1))[0].data.inboxUpdated.id, String(room));
  const m = await (await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`)).text();
  assert.match(m, /crm_pushd_live_events_malformed_total [1-9]/);
  assert.match(m, /crm_pushd_inbox_rooms_cached [1-9]/);
});
