// The audit trail (issue 13, items 3 and 4): a read of messages whose audit
// record cannot be written answers an error and no data, over HTTP and over the
// WebSocket; membership changes say who was added; refused accesses, dead-letter
// reads, sign-ins refused by the limit and failed sign-ins of unknown emails leave
// records with their details, read back from PostgreSQL once crm-worker stored them.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gql, ok, codes, makeUser, makeRoom, send, psql } from './api.mjs';
import { eventually, redisCli } from './lib.mjs';
import { initedSocket } from './pushd_lib.mjs';

const HISTORY = 'query($r:ID!){messages(roomId:$r){id body}}';
const SUB = 'subscription($r:ID!,$a:String){messageAdded(roomId:$r,after:$a){id body}}';

let staff, pat, other, room;

before(async () => {
  [staff, pat, other] = await Promise.all([makeUser('STAFF'), makeUser('PATIENT'), makeUser('PATIENT')]);
  room = await makeRoom(staff, [pat]);
  const r = await send(pat, room.id, 'a private detail');
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

/** The audit rows matching `where`, as objects, once at least `n` are stored. */
async function auditRows(where, n = 1) {
  let rows = [];
  await eventually(async () => {
    const out = await psql(`SELECT json_agg(json_build_object('actor', actor_id, 'action', action,
      'target', target, 'addr', host(client_addr), 'detail', detail, 'patient', patient_id) ORDER BY id) FROM audit_log WHERE ${where}`);
    rows = out ? JSON.parse(out) || [] : [];
    return rows.length >= n;
  });
  return rows;
}

/** Runs fn while Redis refuses every write (no replica can acknowledge it), as
 * when its disk fails; restored however fn ends. */
async function whileRedisRefusesWrites(fn) {
  await redisCli('CONFIG', 'SET', 'min-replicas-to-write', '1');
  try {
    assert.match(await redisCli('XADD', 'crm:audit-probe', '*', 'a', 'b'), /NOREPLICAS/);
    return await fn();
  } finally {
    await redisCli('CONFIG', 'SET', 'min-replicas-to-write', '0');
  }
}

test('a history read whose audit record Redis refuses answers an error and no bodies, then works again', async () => {
  const before = Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff.id} AND action = 'messages.read'`));
  const rooms = 'query{rooms{id lastMessage{body}}}';
  await whileRedisRefusesWrites(async () => {
    const r = await gql(HISTORY, { r: room.id }, { token: staff.token });
    assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR'], JSON.stringify(r.body));
    assert.equal(r.body.data?.messages ?? null, null);
    assert.doesNotMatch(JSON.stringify(r.body), /a private detail/);
    // lastMessage carries a body too: refused the same way.
    const l = await gql(rooms, {}, { token: staff.token });
    assert.ok(codes(l).includes('INTERNAL_SERVER_ERROR'), JSON.stringify(l.body));
    assert.doesNotMatch(JSON.stringify(l.body), /a private detail/);
  });
  const r = await ok(HISTORY, { r: room.id }, { token: staff.token });
  assert.ok(r.messages.some((m) => m.body === 'a private detail'));
  const l = await ok(rooms, {}, { token: staff.token });
  assert.equal(l.rooms.find((x) => x.id === room.id).lastMessage.body, 'a private detail');
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff.id}
    AND action = 'messages.read'`)) >= before + 2);
});

test('a subscription whose audit record Redis refuses is refused, nothing replayed; then granted', async () => {
  const s = await initedSocket(staff.token);
  try {
    await whileRedisRefusesWrites(async () => {
      s.send({ id: 'a', type: 'subscribe', payload: { query: SUB, variables: { r: room.id, a: '0-0' } } });
      const m = await s.next((x) => x.id === 'a' && (x.type === 'error' || x.type === 'next'));
      assert.equal(m.type, 'error', JSON.stringify(m));
      assert.equal(m.payload[0].extensions.code, 'INTERNAL_SERVER_ERROR');
    });
    assert.ok(!s.messages.some((x) => x.type === 'next'), JSON.stringify(s.messages));
    s.send({ id: 'b', type: 'subscribe', payload: { query: SUB, variables: { r: room.id, a: '0-0' } } });
    const m = await s.next((x) => x.id === 'b' && x.type === 'next');
    assert.equal(m.payload.data.messageAdded.body, 'a private detail');
  } finally {
    s.ws.close();
  }
  // The one granted is recorded, with the socket's peer address and the
  // room's patient (the member set came from crm-pushd's Redis cache here).
  const rows = await auditRows(`actor_id = ${staff.id} AND action = 'messages.subscribe' AND target = 'room:${room.id}'`);
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.equal(rows[0].addr, '127.0.0.1');
  assert.deepEqual(rows[0].detail, { resume: true });
  assert.equal(String(rows[0].patient), pat.id, JSON.stringify(rows));
});

test('messages.subscribe records carry the room\'s patient, whether membership came from PostgreSQL or the cache', async () => {
  const r2 = await makeRoom(staff, [pat]);
  const plain = await makeRoom(staff, [await makeUser('STAFF')]);
  for (const [room2, patient] of [[r2, pat.id], [plain, null]]) {
    for (const cold of [true, false]) {
      if (cold) await redisCli('DEL', `crm:members:${room2.id}`);
      const s = await initedSocket(staff.token);
      try {
        s.send({ id: 'c', type: 'subscribe', payload: { query: SUB, variables: { r: room2.id } } });
        await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff.id}
          AND action = 'messages.subscribe' AND target = 'room:${room2.id}'`)) >= (cold ? 1 : 2));
      } finally {
        s.ws.close();
      }
    }
    const rows = await auditRows(`actor_id = ${staff.id} AND action = 'messages.subscribe' AND target = 'room:${room2.id}'`, 2);
    assert.equal(rows.length, 2, JSON.stringify(rows));
    for (const row of rows) assert.equal(row.patient === null ? null : String(row.patient), patient, JSON.stringify(rows));
  }
});

test('dead letters are not shown without their deadletters.read record', async () => {
  const admin = await makeUser('ADMIN');
  const q = 'query{deadLetters(limit:5){id}}';
  await whileRedisRefusesWrites(async () => {
    const r = await gql(q, {}, { token: admin.token });
    assert.deepEqual(codes(r), ['INTERNAL_SERVER_ERROR'], JSON.stringify(r.body));
    assert.equal(r.body.data?.deadLetters ?? null, null);
  });
  const d = await ok(q, {}, { token: admin.token });
  const rows = await auditRows(`actor_id = ${admin.id} AND action = 'deadletters.read'`);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0].detail, { count: d.deadLetters.length });
  assert.equal(rows[0].addr, '127.0.0.1');
});

test('room.create and room.members.add say who was added, and the patient', async () => {
  const [staff2, staff3, p] = await Promise.all([makeUser('STAFF'), makeUser('STAFF'), makeUser('PATIENT')]);
  const r = await makeRoom(staff, [staff2, p]);
  const [created] = await auditRows(`action = 'room.create' AND target = 'room:${r.id}'`);
  assert.equal(String(created.actor), staff.id);
  assert.deepEqual(created.detail.userIds.slice().sort(), [staff.id, staff2.id, p.id].sort());
  assert.equal(created.detail.patientId, p.id);

  // Adding a member already in the room and a new one: only the new one was added.
  await ok('mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){id}}',
    { r: r.id, u: [staff2.id, staff3.id] }, { token: staff.token });
  const [added] = await auditRows(`action = 'room.members.add' AND target = 'room:${r.id}'`);
  assert.deepEqual(added.detail, { userIds: [staff3.id] });

  const r2 = await makeRoom(staff);
  await ok('mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){id}}',
    { r: r2.id, u: [other.id] }, { token: staff.token });
  const [added2] = await auditRows(`action = 'room.members.add' AND target = 'room:${r2.id}'`);
  assert.deepEqual(added2.detail, { userIds: [other.id], patientId: other.id });
});

test("attempts on another patient's room leave access.denied records, over HTTP and WebSocket", async () => {
  const h = await gql(HISTORY, { r: room.id }, { token: other.token });
  assert.deepEqual(codes(h), ['FORBIDDEN']);
  const g = await gql('query($r:ID!){room(id:$r){id}}', { r: room.id }, { token: other.token });
  assert.deepEqual(codes(g), ['FORBIDDEN']);
  const s = await send(other, room.id, 'let me in');
  assert.deepEqual(codes(s), ['FORBIDDEN']);
  const ws = await initedSocket(other.token);
  try {
    ws.send({ id: 'x', type: 'subscribe', payload: { query: SUB, variables: { r: room.id } } });
    const m = await ws.next((x) => x.id === 'x');
    assert.equal(m.payload[0].extensions.code, 'FORBIDDEN');
  } finally {
    ws.ws.close();
  }
  const rows = await auditRows(`actor_id = ${other.id} AND action = 'access.denied'`, 4);
  assert.deepEqual(rows.map((r) => r.detail.field).sort(), ['messageAdded', 'messages', 'room', 'sendMessage']);
  for (const r of rows) {
    assert.equal(r.target, `room:${room.id}`);
    assert.equal(r.addr, '127.0.0.1');
  }
});

test('a failed sign-in of an unknown email records the email; sign-ins refused by the limit are recorded', async () => {
  const email = `nobody-${randomUUID()}@test.example`;
  const LOGIN = 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}';
  const first = await gql(LOGIN, { e: email, p: 'wrong-password-1' });
  assert.deepEqual(codes(first), ['UNAUTHENTICATED']);
  const [failed] = await auditRows(`action = 'login.failed' AND detail->>'email' = '${email}'`);
  assert.equal(failed.actor, null);
  assert.equal(failed.addr, '127.0.0.1');
  // Past the per-email failures (CRM_LOGIN_PER_EMAIL), the back-off refuses.
  let limited = 0;
  for (let i = 0; i < 12 && !limited; i++) {
    const r = await gql(LOGIN, { e: email, p: 'wrong-password-1' });
    if (codes(r).includes('RATE_LIMITED')) limited++;
  }
  assert.equal(limited, 1, 'the limit refused a sign-in');
  const [rec] = await auditRows(`action = 'login.limited' AND detail->>'email' = '${email}'`);
  assert.equal(rec.addr, '127.0.0.1');
  assert.equal(rec.actor, null);
});
