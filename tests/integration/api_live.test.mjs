// Live state (issue 15), crm-api's half, against the real stack: markRead and
// read receipts, unread counts (own messages, internal notes, messages not yet
// persisted), setTyping and its limit, the room events crm-api publishes for
// crm-pushd (docs/LIVE-STATE.md), User.online from the presence keys, and the
// new fields as an authorization matrix over admin, staff and patients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { gql, ok, codes, makeUser, makeRoom } from './api.mjs';
import { psql, eventually, redisCli, redisCliArgs, svc } from './lib.mjs';

const SEND = 'mutation($i:SendMessageInput!){sendMessage(input:$i){id cursor status internal}}';
const MARK = 'mutation($r:ID!,$c:String!){markRead(roomId:$r,cursor:$c){id unreadCount}}';
const ROOM = 'query($r:ID!){room(id:$r){id unreadCount readReceipts{user{id email} cursor readAt}}}';
const TYPING = 'mutation($r:ID!,$t:Boolean!){setTyping(roomId:$r,typing:$t)}';
const START = 'mutation($s:String!,$b:String!,$k:String!){startConversation(subject:$s,body:$b,idempotencyKey:$k){id}}';
const ASSIGN = 'mutation($r:ID!,$a:ID){assignConversation(roomId:$r,assigneeId:$a){id}}';
const STATUS = 'mutation($r:ID!,$s:ConversationStatus!){setConversationStatus(roomId:$r,status:$s){id}}';
const TAGS = 'mutation($r:ID!,$t:[String!]!){setTags(roomId:$r,tags:$t){id}}';
const ADD = 'mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){id}}';
const INBOX = 'query{inbox(limit:100){rooms{id unreadCount}}}';
const MEMBERS = 'query($r:ID!){room(id:$r){members{id online}}}';
const HISTORY = 'query($r:ID!){messages(roomId:$r,limit:100){cursor sender{id online}}}';

let admin, staff1, staff2, pat1, pat2;
const subs = [];

const msg = async (u, roomId, body, internal = false) =>
  (await ok(SEND, { i: { roomId, body, idempotencyKey: randomUUID(), internal } }, { token: u.token })).sendMessage;
const unread = async (u, r) => (await ok(ROOM, { r }, { token: u.token })).room.unreadCount;
const receipts = async (u, r) => (await ok(ROOM, { r }, { token: u.token })).room.readReceipts;
const position = (u, r) => psql(`SELECT stream_ms || '-' || stream_seq FROM read_positions WHERE user_id = ${u.id} AND room_id = ${r}`);

// Subscribes to a Pub/Sub channel with redis-cli as the operators' user; the
// process is ours and is stopped when the test file ends, also on failure.
async function subscribe(channel) {
  const p = spawn('redis-cli', [...redisCliArgs(), 'SUBSCRIBE', channel], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const s = { lines: [], events: [], stop: () => { if (p.exitCode === null) p.kill(); } };
  subs.push(s);
  let buf = '';
  p.stdout.on('data', (d) => {
    buf += d;
    for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
      const line = buf.slice(0, i).trim();
      s.lines.push(line);
      if (line.startsWith('{')) s.events.push(JSON.parse(line));
    }
  });
  await eventually(() => s.lines.includes('subscribe') && s.lines.length >= 3);
  return s;
}

before(async () => {
  [admin, staff1, staff2, pat1, pat2] = await Promise.all([
    makeUser('ADMIN'), makeUser('STAFF'), makeUser('STAFF'), makeUser('PATIENT'), makeUser('PATIENT')]);
});

after(() => { for (const s of subs) s.stop(); });

test('markRead moves the position forward only; unreadCount follows it and leaves out own messages', async () => {
  const room = await makeRoom(staff1, [pat1]);
  const m = [];
  for (let i = 0; i < 3; i++) m.push(await msg(staff1, room.id, `hello ${i}`));
  assert.equal(await unread(pat1, room.id), 3);
  assert.equal(await unread(staff1, room.id), 0, 'own messages are not unread');
  assert.equal((await ok(MARK, { r: room.id, c: m[1].cursor }, { token: pat1.token })).markRead.unreadCount, 1);
  assert.equal(await position(pat1, room.id), m[1].cursor);
  const [r1] = await receipts(staff1, room.id);
  assert.deepEqual([r1.user.id, r1.cursor], [pat1.id, m[1].cursor]);
  // An older cursor (and the same one) leave the position and its time.
  for (const c of [m[0].cursor, m[1].cursor]) {
    assert.equal((await ok(MARK, { r: room.id, c }, { token: pat1.token })).markRead.unreadCount, 1);
    assert.equal(await position(pat1, room.id), m[1].cursor);
    assert.deepEqual(await receipts(staff1, room.id), [r1]);
  }
  await ok(MARK, { r: room.id, c: m[2].cursor }, { token: pat1.token });
  assert.equal(await unread(pat1, room.id), 0);
  await msg(pat1, room.id, 'thanks');
  assert.equal(await unread(pat1, room.id), 0, 'own message');
  assert.equal(await unread(staff1, room.id), 1, 'staff1 has read nothing but wrote the rest');
});

test('markRead refuses a cursor that is not a message of the room, malformed cursors and rooms not the caller\'s', async () => {
  const room = await makeRoom(staff1, [pat1]);
  const other = await makeRoom(staff1, [pat1]);
  const mine = await msg(staff1, room.id, 'here');
  const elsewhere = await msg(staff1, other.id, 'there');
  await ok(MARK, { r: room.id, c: mine.cursor }, { token: pat1.token });
  for (const c of [elsewhere.cursor, '1-1', 'abc', '', '12', '1-2-3', '-1-0', '01-0', '99999999999999999999-0', `${mine.cursor} `]) {
    assert.deepEqual(codes(await gql(MARK, { r: room.id, c }, { token: pat1.token })), ['BAD_USER_INPUT'], c);
  }
  assert.equal(await position(pat1, room.id), mine.cursor, 'nothing moved');
  assert.deepEqual(codes(await gql(MARK, { r: room.id, c: mine.cursor }, { token: pat2.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(MARK, { r: '999999999', c: mine.cursor }, { token: pat1.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(MARK, { r: 'x', c: mine.cursor }, { token: pat1.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(MARK, { r: room.id, c: mine.cursor })), ['UNAUTHENTICATED']);
  assert.equal(await position(pat2, room.id), '');
});

test('internal notes count for staff, not for a patient, and are no cursor a patient may mark', async () => {
  const room = await makeRoom(staff1, [staff2, pat1]);
  await msg(staff1, room.id, 'visible');
  const note = await msg(staff1, room.id, 'internal note', true);
  assert.equal(await unread(pat1, room.id), 1);
  assert.equal(await unread(staff2, room.id), 2);
  assert.deepEqual(codes(await gql(MARK, { r: room.id, c: note.cursor }, { token: pat1.token })), ['BAD_USER_INPUT']);
  assert.equal((await ok(MARK, { r: room.id, c: note.cursor }, { token: staff2.token })).markRead.unreadCount, 0);
});

test('unread counts and markRead are right for messages not yet persisted, and stay right once they are', async () => {
  const room = await makeRoom(staff1, [pat1]);
  const first = await msg(staff1, room.id, 'stored');
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE room_id = ${room.id}`)) === '1');
  await svc('stop', 'worker');
  let pending;
  try {
    pending = [await msg(staff1, room.id, 'pending 1'), await msg(staff1, room.id, 'pending 2'), await msg(pat1, room.id, 'mine, pending')];
    assert.ok(pending.every((m) => m.status === 'PENDING'));
    assert.equal(await unread(pat1, room.id), 3, 'one stored, two pending, own one not counted');
    assert.equal(await unread(staff1, room.id), 1);
    assert.equal((await ok(MARK, { r: room.id, c: pending[0].cursor }, { token: pat1.token })).markRead.unreadCount, 1);
    assert.equal(await position(pat1, room.id), pending[0].cursor);
    assert.equal(await unread(pat1, room.id), 1);
  } finally {
    await svc('start', 'worker');
  }
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE room_id = ${room.id}`)) === '4');
  assert.equal(await unread(pat1, room.id), 1, 'persisted now: counted once');
  assert.equal(await unread(staff1, room.id), 1);
  assert.ok(first.cursor < pending[0].cursor);
});

test('the inbox page answers every room\'s unreadCount (one batch), each right', async () => {
  const pat = await makeUser('PATIENT');
  const rooms = [];
  for (let i = 0; i < 4; i++) {
    const id = (await ok(START, { s: `c${i}`, b: 'first', k: randomUUID() }, { token: pat.token })).startConversation.id;
    await ok(ASSIGN, { r: id }, { token: staff1.token });
    for (let k = 0; k < i; k++) await msg(staff1, id, `reply ${k}`);
    rooms.push(id);
  }
  const page = (await ok(INBOX, {}, { token: pat.token })).inbox.rooms;
  assert.deepEqual(Object.fromEntries(page.map((r) => [r.id, r.unreadCount])), Object.fromEntries(rooms.map((id, i) => [id, i])));
});

test('readReceipts: each member\'s position; a patient sees no staff email, staff see the patient\'s', async () => {
  const room = await makeRoom(staff1, [pat1]);
  const a = await msg(staff1, room.id, 'a');
  const b = await msg(pat1, room.id, 'b');
  await ok(MARK, { r: room.id, c: b.cursor }, { token: pat1.token });
  await ok(MARK, { r: room.id, c: a.cursor }, { token: staff1.token });
  const byPat = await receipts(pat1, room.id);
  const byStaff = await receipts(staff1, room.id);
  const cursors = (list) => Object.fromEntries(list.map((r) => [r.user.id, r.cursor]));
  assert.deepEqual(cursors(byPat), { [staff1.id]: a.cursor, [pat1.id]: b.cursor });
  assert.deepEqual(cursors(byStaff), cursors(byPat));
  assert.equal(byPat.find((r) => r.user.id === staff1.id).user.email, '');
  assert.equal(byPat.find((r) => r.user.id === pat1.id).user.email, pat1.email);
  assert.equal(byStaff.find((r) => r.user.id === pat1.id).user.email, pat1.email);
  for (const r of byStaff) assert.match(r.readAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

// A page's readReceipts are loaded in one query (fcgi/resolvers_live.c): each
// room must still get its own members' positions, and a room nobody read an
// empty list, for staff and for a patient (who sees no staff email).
test('readReceipts over a page of rooms: each room its own receipts, as asked alone', async () => {
  const pat = await makeUser('PATIENT');
  const rooms = [];
  for (let i = 0; i < 4; i++) rooms.push(await makeRoom(staff1, [pat, ...(i === 1 ? [staff2] : [])]));
  const want = {};
  for (const [i, room] of rooms.entries()) {
    want[room.id] = {};
    if (i === 3) continue; // nobody reads the last one
    const a = await msg(staff1, room.id, `a${i}`);
    const b = await msg(pat, room.id, `b${i}`);
    await ok(MARK, { r: room.id, c: b.cursor }, { token: pat.token });
    want[room.id][pat.id] = b.cursor;
    if (i !== 2) {
      await ok(MARK, { r: room.id, c: a.cursor }, { token: staff1.token });
      want[room.id][staff1.id] = a.cursor;
    }
    if (i === 1) {
      await ok(MARK, { r: room.id, c: b.cursor }, { token: staff2.token });
      want[room.id][staff2.id] = b.cursor;
    }
  }
  const PAGE = 'query{inbox(limit:100){rooms{id readReceipts{user{id email} cursor readAt}}}}';
  const cursors = (list) => Object.fromEntries(list.map((r) => [r.user.id, r.cursor]));
  const emails = Object.fromEntries([pat, staff1, staff2].map((u) => [u.id, u.email]));
  for (const u of [staff1, pat]) {
    const page = (await ok(PAGE, {}, { token: u.token })).inbox.rooms;
    for (const room of rooms) {
      const got = page.find((r) => r.id === room.id);
      assert.ok(got, `room ${room.id} on ${u.role}'s page`);
      assert.deepEqual(cursors(got.readReceipts), want[room.id], `room ${room.id} for ${u.role}`);
      assert.deepEqual(got.readReceipts, await receipts(u, room.id), `room ${room.id} for ${u.role} as asked alone`);
      for (const r of got.readReceipts)
        assert.equal(r.user.email, u.role === 'PATIENT' && r.user.id !== pat.id ? '' : emails[r.user.id]);
    }
  }
});

test('setTyping publishes on crm:typing, never stores, and is limited per user without affecting the rest', async () => {
  // A patient of its own: the limit counts per user.
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff1, [pat]);
  const sub = await subscribe('crm:typing');
  assert.equal((await ok(TYPING, { r: room.id, t: true }, { token: pat.token })).setTyping, true);
  await ok(TYPING, { r: room.id, t: false }, { token: pat.token });
  await eventually(() => sub.events.length >= 2);
  assert.deepEqual(sub.events.slice(0, 2), [
    { roomId: room.id, userId: pat.id, typing: true }, { roomId: room.id, userId: pat.id, typing: false }]);
  assert.deepEqual(codes(await gql(TYPING, { r: room.id, t: true }, { token: pat2.token })), ['FORBIDDEN']);
  // A flood: the default limit is 60 a minute (two already used).
  let limited = 0;
  for (let i = 0; i < 60; i++) {
    const r = await gql(TYPING, { r: room.id, t: true }, { token: pat.token });
    if (codes(r)[0] === 'RATE_LIMITED') limited++;
    else assert.equal(r.body.data.setTyping, true);
  }
  assert.equal(limited, 2);
  // The rest of the caller's API and other typists are unaffected.
  const m = await msg(pat, room.id, 'still here');
  await ok(MARK, { r: room.id, c: m.cursor }, { token: staff1.token });
  assert.equal((await ok(TYPING, { r: room.id, t: true }, { token: staff1.token })).setTyping, true);
  await eventually(() => sub.events.length >= 61);
  assert.equal(sub.events.filter((e) => e.userId === pat.id).length, 60);
  // Never stored: the only keys about typing are the limit's counters.
  const keys = (await redisCli('--scan', '--pattern', '*typing*')).split('\n').filter(Boolean);
  assert.ok(keys.every((k) => k.startsWith('crm:rate:typing:')), keys.join());
});

test('room events are published after each change of a conversation', async () => {
  const sub = await subscribe('crm:room-events');
  const pat = await makeUser('PATIENT');
  const id = (await ok(START, { s: 'Events', b: 'hi', k: randomUUID() }, { token: pat.token })).startConversation.id;
  await ok(ASSIGN, { r: id }, { token: staff1.token });
  await ok(ASSIGN, { r: id, a: staff2.id }, { token: staff1.token });
  await ok(STATUS, { r: id, s: 'PENDING' }, { token: staff1.token });
  await ok(TAGS, { r: id, t: ['lab'] }, { token: staff1.token });
  await ok(ADD, { r: id, u: [admin.id] }, { token: staff1.token });
  const m = await msg(staff1, id, 'read me');
  await ok(MARK, { r: id, c: m.cursor }, { token: pat.token });
  await ok(MARK, { r: id, c: m.cursor }, { token: pat.token }); // did not move: no event
  const mine = () => sub.events.filter((e) => e.roomId === id);
  await eventually(() => mine().length >= 7);
  const events = mine();
  const read = events.pop();
  assert.match(read.readAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(read, { roomId: id, kind: 'read', userId: pat.id, cursor: m.cursor, readAt: read.readAt });
  // The assignee joins with the assignment: its "assignee" event says so.
  assert.deepEqual(events, [
    { roomId: id, kind: 'created' },
    { roomId: id, kind: 'assignee' },
    { roomId: id, kind: 'assignee', previous: staff1.id },
    { roomId: id, kind: 'status' },
    { roomId: id, kind: 'tags' },
    { roomId: id, kind: 'member', userId: admin.id },
  ]);
  assert.equal(mine().length, 7, 'a markRead that moved nothing publishes nothing');
});

test('User.online: a live instance holding the user; false once the instance is stale; patients only for their rooms\' members', async () => {
  // Users of their own: a patient sees presence for everyone they share any room with.
  const [pat, staff] = await Promise.all([makeUser('PATIENT'), makeUser('STAFF')]);
  const room = await makeRoom(staff1, [pat, staff]);
  const inst = `test-${randomUUID()}`;
  const setInstance = (ms) => redisCli('ZADD', 'crm:presence:instances', String(ms), inst);
  try {
    await redisCli('SADD', `crm:presence:${inst}`, staff1.id, pat.id, staff.id);
    await setInstance(Date.now());
    const online = async (u) => Object.fromEntries((await ok(MEMBERS, { r: room.id }, { token: u.token })).room.members.map((x) => [x.id, x.online]));
    assert.deepEqual(await online(staff1), { [staff1.id]: true, [pat.id]: true, [staff.id]: true });
    assert.deepEqual(await online(pat), { [staff1.id]: true, [pat.id]: true, [staff.id]: true });
    assert.equal((await ok('query{me{online}}', {}, { token: pat.token })).me.online, true);
    assert.equal((await ok('query{me{online}}', {}, { token: pat2.token })).me.online, false, 'not in the set');
    // staff wrote, then left the room: still the sender, no longer a member.
    await msg(staff, room.id, 'bye');
    await psql(`DELETE FROM room_members WHERE room_id = ${room.id} AND user_id = ${staff.id}`);
    const senders = async (u) => (await ok(HISTORY, { r: room.id }, { token: u.token })).messages.map((x) => x.sender);
    assert.deepEqual(await senders(pat), [{ id: staff.id, online: false }], 'a patient sees no non-member online');
    assert.deepEqual(await senders(staff1), [{ id: staff.id, online: true }]);
    // An instance that has not refreshed for more than 9 s no longer counts.
    await setInstance(Date.now() - 10000);
    assert.deepEqual(await online(staff1), { [staff1.id]: false, [pat.id]: false });
  } finally {
    await redisCli('ZREM', 'crm:presence:instances', inst);
    await redisCli('DEL', `crm:presence:${inst}`);
  }
});

test('authorization matrix: markRead, setTyping, unreadCount, readReceipts, online for admin, staff and patients', async () => {
  // unassigned: pat1's unassigned conversation; assigned: pat2's, assigned to staff1.
  const unassigned = (await ok(START, { s: 'Matrix', b: 'm1', k: randomUUID() }, { token: pat1.token })).startConversation.id;
  const assigned = (await ok(START, { s: 'Matrix', b: 'm2', k: randomUUID() }, { token: pat2.token })).startConversation.id;
  await ok(ASSIGN, { r: assigned }, { token: staff1.token });
  const cursorOf = async (id) => (await ok(HISTORY, { r: id }, { token: staff1.token })).messages[0].cursor;
  const cur = { [unassigned]: await cursorOf(unassigned), [assigned]: await cursorOf(assigned) };
  const ROOMQ = 'query($r:ID!){room(id:$r){unreadCount readReceipts{cursor} members{online}}}';
  // [who, room, may read (room, markRead), may type]
  const cases = [
    [admin, unassigned, true, false, 'admin, unassigned (triage)'],
    [admin, assigned, false, false, 'admin, non-member'],
    [staff1, assigned, true, true, 'staff, member'],
    [staff1, unassigned, true, false, 'staff, unassigned (triage)'],
    [staff2, assigned, false, false, 'staff, non-member'],
    [pat1, unassigned, true, true, 'patient, member'],
    [pat1, assigned, false, false, "patient, other patient's"],
    [pat2, assigned, true, true, 'patient, member'],
    [pat2, unassigned, false, false, "patient, other patient's"],
  ];
  for (const [u, r, read, type, what] of cases) {
    const q = await gql(ROOMQ, { r }, { token: u.token });
    const mk = await gql(MARK, { r, c: cur[r] }, { token: u.token });
    const ty = await gql(TYPING, { r, t: false }, { token: u.token });
    if (read) {
      assert.deepEqual(codes(q), [], what);
      assert.equal(typeof q.body.data.room.unreadCount, 'number', what);
      assert.deepEqual(codes(mk), [], what);
    } else {
      assert.deepEqual(codes(q), ['FORBIDDEN'], what);
      assert.deepEqual(codes(mk), ['FORBIDDEN'], what);
    }
    assert.deepEqual(codes(ty), type ? [] : ['FORBIDDEN'], what);
  }
  // Triage marks do not make a receipt: readReceipts lists members.
  const list = (await ok(ROOMQ, { r: unassigned }, { token: pat1.token })).room.readReceipts;
  assert.equal(list.length, 1);
  assert.deepEqual(codes(await gql(ROOMQ, { r: unassigned })), ['UNAUTHENTICATED']);
  assert.deepEqual(codes(await gql(TYPING, { r: unassigned, t: true })), ['UNAUTHENTICATED']);
});
