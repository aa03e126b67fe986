// Who may see what: an authorization matrix over every field, with an admin,
// two staff and two patients, each in their own room or another's.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { gql, ok, codes, makeUser, makeRoom, send } from './api.mjs';

let admin, staff1, staff2, pat1, pat2, room1, room2;

before(async () => {
  [admin, staff1, staff2, pat1, pat2] = await Promise.all([
    makeUser('ADMIN'), makeUser('STAFF'), makeUser('STAFF'), makeUser('PATIENT'), makeUser('PATIENT')]);
  room1 = await makeRoom(staff1, [pat1]);
  room2 = await makeRoom(staff2, [pat2]);
  // Assigned, so that they are no one else's to triage (an unassigned
  // conversation is open to every staff member: api_inbox.test.mjs).
  const assign = 'mutation($r:ID!){assignConversation(roomId:$r){id}}';
  await ok(assign, { r: room1.id }, { token: staff1.token });
  await ok(assign, { r: room2.id }, { token: staff2.token });
  const r = await send(staff1, room1.id, 'hello patient one');
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

const ROOM = 'query($id:ID!){room(id:$id){id name members{id email displayName role} lastMessage{body}}}';
const MESSAGES = 'query($id:ID!){messages(roomId:$id){body sender{id}}}';

test('members see their room, its members and messages', async () => {
  for (const u of [staff1, pat1]) {
    const d = await ok(ROOM, { id: room1.id }, { token: u.token });
    assert.equal(d.room.id, room1.id);
    assert.deepEqual(d.room.members.map((m) => m.id).sort(), [staff1.id, pat1.id].sort());
    assert.equal(d.room.lastMessage.body, 'hello patient one');
    const m = await ok(MESSAGES, { id: room1.id }, { token: u.token });
    assert.deepEqual(m.messages.map((x) => x.body), ['hello patient one']);
  }
});

test('nobody else sees a room, whatever their role, and cannot tell it exists', async () => {
  for (const u of [admin, staff2, pat2]) {
    for (const q of [ROOM, MESSAGES]) {
      const r = await gql(q, { id: room1.id }, { token: u.token });
      assert.deepEqual(codes(r), ['FORBIDDEN'], `${u.role} ${q}`);
      assert.doesNotMatch(JSON.stringify(r.body), /hello patient one/);
    }
    const missing = await gql(ROOM, { id: '987654321' }, { token: u.token });
    assert.equal(missing.body.errors[0].message, (await gql(ROOM, { id: room1.id }, { token: u.token })).body.errors[0].message);
    const send2 = await send(u, room1.id, 'intrusion');
    assert.deepEqual(codes(send2), ['FORBIDDEN']);
  }
});

test('rooms lists only the caller\'s rooms', async () => {
  const q = '{ rooms { id } }';
  assert.deepEqual((await ok(q, {}, { token: pat1.token })).rooms.map((r) => r.id), [room1.id]);
  assert.deepEqual((await ok(q, {}, { token: pat2.token })).rooms.map((r) => r.id), [room2.id]);
  assert.deepEqual((await ok(q, {}, { token: admin.token })).rooms, []);
});

test('a patient sees staff names but not their emails', async () => {
  const d = await ok(ROOM, { id: room1.id }, { token: pat1.token });
  const staff = d.room.members.find((m) => m.id === staff1.id);
  assert.equal(staff.email, '');
  assert.equal(staff.displayName, staff1.name);
  const self = d.room.members.find((m) => m.id === pat1.id);
  assert.equal(self.email, pat1.email);
  const byStaff = await ok(ROOM, { id: room1.id }, { token: staff1.token });
  assert.equal(byStaff.room.members.find((m) => m.id === pat1.id).email, pat1.email);
});

test('patients cannot search users, create rooms or add members', async () => {
  assert.deepEqual(codes(await gql('{ users { id } }', {}, { token: pat1.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql('mutation{createRoom(name:"mine"){id}}', {}, { token: pat1.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql('mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){id}}',
    { r: room1.id, u: [pat2.id] }, { token: pat1.token })), ['FORBIDDEN']);
});

test('staff search users by name or email prefix; LIKE characters are literal', async () => {
  const d = await ok('query($s:String){users(search:$s,limit:5){id}}', { s: staff2.name.slice(0, 9) }, { token: staff1.token });
  assert.ok(d.users.some((u) => u.id === staff2.id));
  const none = await ok('query{users(search:"%",limit:5){id}}', {}, { token: staff1.token });
  assert.deepEqual(none.users, []);
  assert.deepEqual(codes(await gql('{ users(limit: 0) { id } }', {}, { token: staff1.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql('{ users(limit: 101) { id } }', {}, { token: staff1.token })), ['BAD_USER_INPUT']);
});

test('a room holds at most one patient; only members add members', async () => {
  const add = 'mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){id members{id}}}';
  assert.deepEqual(codes(await gql(add, { r: room1.id, u: [pat2.id] }, { token: staff1.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql(add, { r: room1.id, u: [staff2.id] }, { token: staff2.token })), ['FORBIDDEN']);
  const d = await ok(add, { r: room1.id, u: [staff2.id] }, { token: staff1.token });
  assert.equal(d.addMembers.members.length, 3);
  assert.deepEqual(codes(await gql('mutation($u:[ID!]){createRoom(name:"two patients",memberIds:$u){id}}',
    { u: [pat1.id, pat2.id] }, { token: staff1.token })), ['BAD_USER_INPUT']);
  // The failed room was rolled back: staff1 has no room named so.
  const rooms = await ok('{ rooms { name } }', {}, { token: staff1.token });
  assert.ok(!rooms.rooms.some((r) => r.name === 'two patients'));
});

test('admin-only fields refuse everyone else', async () => {
  for (const u of [staff1, pat1]) {
    assert.deepEqual(codes(await gql('{ queueStats { length } }', {}, { token: u.token })), ['FORBIDDEN']);
    assert.deepEqual(codes(await gql('{ deadLetters { id } }', {}, { token: u.token })), ['FORBIDDEN']);
    assert.deepEqual(codes(await gql('mutation { retryDeadLetter(id: "1-1") }', {}, { token: u.token })), ['FORBIDDEN']);
  }
  const qs = await ok('{ queueStats { streams length lag pending deadLetters consumers } }', {}, { token: admin.token });
  assert.equal(qs.queueStats.streams >= 1, true);
  assert.deepEqual(codes(await gql('mutation { retryDeadLetter(id: "1-1") }', {}, { token: admin.token })), ['NOT_FOUND']);
});

test('every field but register and login needs a token', async () => {
  for (const q of ['{ me { id } }', '{ rooms { id } }', '{ users { id } }', '{ queueStats { length } }',
    '{ deadLetters { id } }', `{ room(id: "${room1.id}") { id } }`, `{ messages(roomId: "${room1.id}") { id } }`,
    'mutation { logout }', 'mutation { createRoom(name: "x") { id } }']) {
    assert.deepEqual(codes(await gql(q)), ['UNAUTHENTICATED'], q);
  }
});
