// The inbox (issue 14) against the real stack: conversations, triage, assign,
// status, tags, internal notes on every path, patient records, search and the
// audit trail, as an authorization matrix over admin, staff and patients, each
// as a member, a non-member, before an unassigned conversation and before
// another patient's conversation; every bad input changes nothing.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gql, ok, codes, makeUser, makeRoom, send } from './api.mjs';
import { psql, eventually, redisCli } from './lib.mjs';
import { gqlClient, collect, sleep } from './pushd_lib.mjs';

const ROOM_FIELDS = 'id name status tags updatedAt patient { id } assignee { id } lastMessage { body internal }';
const START = `mutation($s:String!,$b:String!,$k:String!){startConversation(subject:$s,body:$b,idempotencyKey:$k){${ROOM_FIELDS}}}`;
const INBOX = `query($f:InboxFilter,$l:Int,$a:String){inbox(filter:$f,limit:$l,after:$a){rooms{${ROOM_FIELDS}} next}}`;
const ASSIGN = `mutation($r:ID!,$a:ID){assignConversation(roomId:$r,assigneeId:$a){${ROOM_FIELDS} members{id}}}`;
const STATUS = `mutation($r:ID!,$s:ConversationStatus!){setConversationStatus(roomId:$r,status:$s){${ROOM_FIELDS}}}`;
const TAGS = `mutation($r:ID!,$t:[String!]!){setTags(roomId:$r,tags:$t){${ROOM_FIELDS}}}`;
const MESSAGES = 'query($r:ID!){messages(roomId:$r){body internal}}';
const SEND = 'mutation($i:SendMessageInput!){sendMessage(input:$i){id body internal cursor}}';
const PATIENT = 'query($u:ID!){patient(userId:$u){user{id} mrn dateOfBirth phone staffNotes updatedAt conversations{id}}}';
const PATIENTS = 'query($s:String!,$l:Int){patients(search:$s,limit:$l){user{id} mrn dateOfBirth}}';
const UPDATE = 'mutation($u:ID!,$i:PatientProfileInput!){updatePatientProfile(userId:$u,input:$i){mrn dateOfBirth phone staffNotes}}';
const SEARCH = 'query($q:String!,$r:ID,$l:Int){searchMessages(query:$q,roomId:$r,limit:$l){id body internal roomId}}';
const AUDIT = 'query($a:ID,$p:ID,$r:ID,$x:String,$b:ID,$l:Int){auditLog(actorId:$a,patientId:$p,roomId:$r,action:$x,before:$b,limit:$l){id at actor{id} action roomId patientId address detail}}';

let admin, staff1, staff2, pat1, pat2, conv1, conv2, assigned;
const word = () => `w${randomUUID().replace(/-/g, '').slice(0, 12)}`;

const start = (u, subject, body, key = randomUUID()) => gql(START, { s: subject, b: body, k: key }, { token: u.token });
const inboxIds = async (u, f, l = 100) => (await ok(INBOX, { f, l }, { token: u.token })).inbox.rooms.map((r) => r.id);
// Waits until the worker stored n messages of the room (each moves updatedAt).
const persisted = (id, n = 1) => eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${id}`)) >= n);
const roomRow = (id) => psql(`SELECT status || '|' || coalesce(assignee_id::text, '') || '|' || array_to_string(tags, ',') || '|' || updated_at FROM rooms WHERE id = ${id}`);

before(async () => {
  [admin, staff1, staff2, pat1, pat2] = await Promise.all([
    makeUser('ADMIN'), makeUser('STAFF'), makeUser('STAFF'), makeUser('PATIENT'), makeUser('PATIENT')]);
  // pat1's and pat2's own conversations, unassigned; and pat2 in a room assigned to staff1.
  conv1 = (await ok(START, { s: 'Refill', b: 'I need a refill', k: randomUUID() }, { token: pat1.token })).startConversation;
  conv2 = (await ok(START, { s: 'Rash', b: 'A rash on my arm', k: randomUUID() }, { token: pat2.token })).startConversation;
  assigned = await makeRoom(staff1, [pat2]);
  await ok(ASSIGN, { r: assigned.id }, { token: staff1.token });
});

test('startConversation: a patient opens an OPEN, unassigned room holding them, first message by the stream', async () => {
  assert.equal(conv1.status, 'OPEN');
  assert.equal(conv1.assignee, null);
  assert.equal(conv1.patient.id, pat1.id);
  assert.equal(conv1.name, 'Refill');
  const m = await ok(MESSAGES, { r: conv1.id }, { token: pat1.token });
  assert.deepEqual(m.messages.map((x) => x.body), ['I need a refill']);
  // The worker stores it (no direct insert): it shows up in PostgreSQL.
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${conv1.id}`)) === 1);
  for (const u of [admin, staff1]) assert.deepEqual(codes(await start(u, 'x', 'y')), ['FORBIDDEN'], u.role);
});

test('startConversation: the same key gives the same room, also when requests race', async () => {
  const key = randomUUID();
  const answers = await Promise.all(Array.from({ length: 6 }, () => start(pat1, 'Race', 'one room please', key)));
  const ids = new Set(answers.map((a) => a.body.data?.startConversation?.id));
  assert.equal(ids.size, 1, JSON.stringify(answers.map((a) => a.body)));
  assert.equal(await psql(`SELECT count(*) FROM rooms WHERE patient_id = ${pat1.id} AND start_key = '${key}'`), '1');
  const m = await ok(MESSAGES, { r: [...ids][0] }, { token: pat1.token });
  assert.deepEqual(m.messages.map((x) => x.body), ['one room please']);
});

test('startConversation: bad input is refused and makes nothing', async () => {
  const before = await psql(`SELECT count(*) FROM rooms WHERE patient_id = ${pat1.id}`);
  for (const [s, b, k] of [['', 'body', randomUUID()], ['x'.repeat(121), 'body', randomUUID()],
    ['ok', '', randomUUID()], ['ok', 'x'.repeat(4001), randomUUID()], ['ok', 'body', 'k'.repeat(129)], ['ok', 'body', '']]) {
    assert.deepEqual(codes(await start(pat1, s, b, k)), ['BAD_USER_INPUT'], `${s.length} ${b.length} ${k.length}`);
  }
  assert.equal(await psql(`SELECT count(*) FROM rooms WHERE patient_id = ${pat1.id}`), before);
  assert.equal((await start(pat1, 'x'.repeat(120), 'fine')).status, 200);
});

test('triage: staff and admins read an unassigned conversation, audited with its patient; nobody else', async () => {
  for (const u of [staff2, admin]) {
    const m = await ok(MESSAGES, { r: conv1.id }, { token: u.token });
    assert.deepEqual(m.messages.map((x) => x.body), ['I need a refill']);
    await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${u.id}
      AND action = 'messages.read' AND target = 'room:${conv1.id}' AND patient_id = ${pat1.id}
      AND detail->>'triage' = 'true'`)) === 1);
    const r = await ok(`query($id:ID!){room(id:$id){${ROOM_FIELDS}}}`, { id: conv1.id }, { token: u.token });
    assert.equal(r.room.id, conv1.id);
  }
  // Another patient, and staff before an assigned room they are not in: FORBIDDEN.
  for (const [u, room] of [[pat2, conv1], [pat1, conv2], [pat1, assigned], [staff2, assigned], [admin, assigned]]) {
    const r = await gql(MESSAGES, { r: room.id }, { token: u.token });
    assert.deepEqual(codes(r), ['FORBIDDEN'], `${u.role} ${room.id}`);
  }
  // Triage reads; writing needs membership.
  assert.deepEqual(codes(await send(staff2, conv1.id, 'not yet')), ['FORBIDDEN']);
});

test('inbox: staff see their rooms and every unassigned conversation, patients their own', async () => {
  const s1 = await inboxIds(staff1);
  assert.ok(s1.includes(conv1.id) && s1.includes(conv2.id) && s1.includes(assigned.id));
  const s2 = await inboxIds(staff2);
  assert.ok(s2.includes(conv1.id) && s2.includes(conv2.id));
  assert.ok(!s2.includes(assigned.id));
  const p1 = await inboxIds(pat1);
  assert.ok(p1.includes(conv1.id));
  assert.ok(!p1.includes(conv2.id) && !p1.includes(assigned.id));
  assert.deepEqual((await inboxIds(pat2)).filter((id) => [conv1.id, conv2.id, assigned.id].includes(id)).sort(),
    [conv2.id, assigned.id].sort());
  // Newest first.
  const d = await ok(INBOX, { l: 100 }, { token: staff1.token });
  const times = d.inbox.rooms.map((r) => r.updatedAt);
  assert.deepEqual(times, [...times].sort().reverse());
});

test('inbox: each filter alone and combined', async () => {
  const room = (await ok(START, { s: 'Filters', b: 'filter me', k: randomUUID() }, { token: pat1.token })).startConversation;
  const tag = `t-${word()}`.slice(0, 32);
  await ok(TAGS, { r: room.id, t: [tag] }, { token: staff2.token });
  await ok(STATUS, { r: room.id, s: 'PENDING' }, { token: staff2.token });
  assert.ok((await inboxIds(staff1, { status: 'PENDING' })).includes(room.id));
  assert.ok(!(await inboxIds(staff1, { status: 'OPEN' })).includes(room.id));
  assert.deepEqual(await inboxIds(staff1, { tag }), [room.id]);
  assert.ok((await inboxIds(staff1, { unassigned: true })).includes(room.id));
  assert.ok(!(await inboxIds(staff1, { unassigned: true })).includes(assigned.id));
  assert.ok((await inboxIds(staff1, { mine: true })).includes(assigned.id));
  assert.ok(!(await inboxIds(staff1, { mine: true })).includes(room.id));
  assert.ok((await inboxIds(staff1, { patientId: pat1.id })).every((id) => id !== conv2.id && id !== assigned.id));
  assert.ok((await inboxIds(staff1, { patientId: pat1.id })).includes(room.id));
  assert.deepEqual(await inboxIds(staff1, { tag, status: 'PENDING', unassigned: true, patientId: pat1.id }), [room.id]);
  assert.deepEqual(await inboxIds(staff1, { tag, status: 'RESOLVED' }), []);
  assert.deepEqual(await inboxIds(staff1, { tag, mine: true }), []);
  assert.deepEqual(await inboxIds(staff1, { tag, patientId: pat2.id }), []);
  // A patient's filters stay within their rooms.
  assert.deepEqual(await inboxIds(pat2, { tag }), []);
});

test('inbox: walking the pages yields each room once; a bad cursor or limit is refused', async () => {
  const all = await inboxIds(staff1);
  const seen = [];
  let after = null;
  for (let i = 0; i < 500; i++) {
    const d = await ok(INBOX, { l: 2, a: after }, { token: staff1.token });
    seen.push(...d.inbox.rooms.map((r) => r.id));
    if (!d.inbox.next) break;
    after = d.inbox.next;
  }
  assert.deepEqual(seen, all);
  assert.equal(new Set(seen).size, seen.length);
  for (const a of ['nonsense', '1:', ':1', '-5:3', '12:0', '1-1']) {
    assert.deepEqual(codes(await gql(INBOX, { a }, { token: staff1.token })), ['BAD_USER_INPUT'], a);
  }
  for (const l of [0, 101]) assert.deepEqual(codes(await gql(INBOX, { l }, { token: staff1.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql(INBOX, { f: { tag: 'Bad Tag' } }, { token: staff1.token })), ['BAD_USER_INPUT']);
  assert.deepEqual(codes(await gql(INBOX, { f: { patientId: 'x' } }, { token: staff1.token })), ['BAD_USER_INPUT']);
});

test('assignConversation: staff or admin only, the assignee becomes a member; a patient cannot be assigned', async () => {
  const room = (await ok(START, { s: 'Assign', b: 'assign me', k: randomUUID() }, { token: pat1.token })).startConversation;
  await persisted(room.id);
  const was = await roomRow(room.id);
  for (const u of [pat1, pat2]) assert.deepEqual(codes(await gql(ASSIGN, { r: room.id }, { token: u.token })), ['FORBIDDEN']);
  for (const a of [pat1.id, pat2.id, '987654321', 'x']) {
    assert.deepEqual(codes(await gql(ASSIGN, { r: room.id, a }, { token: staff1.token })), ['BAD_USER_INPUT'], a);
  }
  assert.deepEqual(codes(await gql(ASSIGN, { r: '987654321' }, { token: staff1.token })), ['FORBIDDEN']);
  assert.equal(await roomRow(room.id), was);
  // crm-pushd's cached member set of the room, without staff2: assigning drops it
  // and raises the room's generation (so that a fill read before it is not made).
  const mkey = `crm:members:${room.id}`;
  await redisCli('SADD', mkey, '0', pat1.id);
  await redisCli('SET', `${mkey}:p`, pat1.id);
  const gen = Number(await redisCli('GET', `${mkey}:g`) || 0);
  const d = await ok(ASSIGN, { r: room.id, a: staff2.id }, { token: staff1.token });
  assert.equal(await redisCli('EXISTS', mkey, `${mkey}:p`), '0');
  assert.equal(Number(await redisCli('GET', `${mkey}:g`)), gen + 1);
  assert.ok(Number(await redisCli('TTL', `${mkey}:g`)) > 0);
  assert.equal(d.assignConversation.assignee.id, staff2.id);
  assert.ok(d.assignConversation.members.some((m) => m.id === staff2.id));
  assert.ok(d.assignConversation.updatedAt > room.updatedAt);
  // Now assigned: no longer staff1's to triage, and staff2 may write.
  assert.deepEqual(codes(await gql(MESSAGES, { r: room.id }, { token: staff1.token })), ['FORBIDDEN']);
  assert.equal((await send(staff2, room.id, 'on it')).status, 200);
  // Omitted assignee: the caller (admin, via an unassigned conversation).
  const other = (await ok(START, { s: 'Admin', b: 'admin takes it', k: randomUUID() }, { token: pat1.token })).startConversation;
  assert.equal((await ok(ASSIGN, { r: other.id }, { token: admin.token })).assignConversation.assignee.id, admin.id);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'room.assign'
    AND target = 'room:${room.id}' AND patient_id = ${pat1.id} AND actor_id = ${staff1.id}`)) === 1);
});

test('setConversationStatus and setTags: staff and admins; bad tags change nothing; duplicates fold', async () => {
  const room = (await ok(START, { s: 'Tags', b: 'tag me', k: randomUUID() }, { token: pat1.token })).startConversation;
  await persisted(room.id);
  for (const u of [pat1, pat2]) {
    assert.deepEqual(codes(await gql(STATUS, { r: room.id, s: 'RESOLVED' }, { token: u.token })), ['FORBIDDEN']);
    assert.deepEqual(codes(await gql(TAGS, { r: room.id, t: ['a'] }, { token: u.token })), ['FORBIDDEN']);
  }
  assert.deepEqual(codes(await gql(STATUS, { r: assigned.id, s: 'RESOLVED' }, { token: staff2.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(STATUS, { r: room.id, s: 'CLOSED' }, { token: staff1.token })).length, 1);
  const was = await roomRow(room.id);
  const many = Array.from({ length: 11 }, (_, i) => `t${i}`);
  for (const t of [['Upper'], ['has space'], [''], ['x'.repeat(33)], ['ünï'], many]) {
    assert.deepEqual(codes(await gql(TAGS, { r: room.id, t }, { token: staff1.token })), ['BAD_USER_INPUT'], t.join());
  }
  assert.equal(await roomRow(room.id), was);
  const d = await ok(TAGS, { r: room.id, t: ['vip', 'follow-up', 'vip', 'x'.repeat(32), ...many.slice(0, 7)] }, { token: staff1.token });
  assert.deepEqual(d.setTags.tags, ['vip', 'follow-up', 'x'.repeat(32), ...many.slice(0, 7)]);
  assert.ok(d.setTags.updatedAt > room.updatedAt);
  const s = await ok(STATUS, { r: room.id, s: 'PENDING' }, { token: admin.token });
  assert.equal(s.setConversationStatus.status, 'PENDING');
  assert.ok(s.setConversationStatus.updatedAt >= d.setTags.updatedAt);
  assert.deepEqual((await ok(TAGS, { r: room.id, t: [] }, { token: staff1.token })).setTags.tags, []);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE target = 'room:${room.id}'
    AND action IN ('room.status', 'room.tags') AND patient_id = ${pat1.id}`)) === 3);
});

test('a patient\'s message opens a RESOLVED conversation again', async () => {
  const room = (await ok(START, { s: 'Reopen', b: 'first', k: randomUUID() }, { token: pat1.token })).startConversation;
  await persisted(room.id);
  await ok(STATUS, { r: room.id, s: 'RESOLVED' }, { token: staff1.token });
  const before = await psql(`SELECT updated_at FROM rooms WHERE id = ${room.id}`);
  assert.equal((await send(pat1, room.id, 'it came back')).status, 200);
  await eventually(async () => (await psql(`SELECT status FROM rooms WHERE id = ${room.id}`)) === 'OPEN');
  assert.ok(await psql(`SELECT updated_at > '${before}' FROM rooms WHERE id = ${room.id}`) === 't');
});

test('internal notes: staff only, never to a patient by history, lastMessage, search or WebSocket', async () => {
  const room = await makeRoom(staff1, [pat2]);
  const note = word(), plain = word();
  const { client: pc } = gqlClient(pat2.token);
  const { client: sc } = gqlClient(staff1.token);
  const SUB = 'subscription($r:ID!,$a:String){messageAdded(roomId:$r,after:$a){body internal}}';
  const psub = collect(pc, SUB, { r: room.id });
  const ssub = collect(sc, SUB, { r: room.id });
  try {
    await sleep(400);
    const first = await ok(SEND, { i: { roomId: room.id, body: `hello ${word()}`, idempotencyKey: randomUUID() } }, { token: staff1.token });
    assert.deepEqual(codes(await gql(SEND, { i: { roomId: room.id, body: 'sneaky', idempotencyKey: randomUUID(), internal: true } }, { token: pat2.token })), ['FORBIDDEN']);
    const n = await ok(SEND, { i: { roomId: room.id, body: `note ${note}`, idempotencyKey: randomUUID(), internal: true } }, { token: staff1.token });
    assert.equal(n.sendMessage.internal, true);
    await ok(SEND, { i: { roomId: room.id, body: `plain ${plain}`, idempotencyKey: randomUUID() } }, { token: staff1.token });
    await ssub.waitFor(3);
    await psub.waitFor(2);
    await sleep(300);
    assert.deepEqual(ssub.items.map((x) => x.data.messageAdded.internal), [false, true, false]);
    assert.deepEqual(psub.items.map((x) => x.data.messageAdded.body), [first.sendMessage.body, `plain ${plain}`]);
    // Replay from the first message's cursor: the note is passed over.
    const replay = collect(pc, SUB, { r: room.id, a: first.sendMessage.cursor });
    await replay.waitFor(1);
    await sleep(300);
    assert.deepEqual(replay.items.map((x) => x.data.messageAdded.body), [`plain ${plain}`]);
    replay.dispose();
    // History, before and after the worker stored the note, with its place kept for staff.
    const check = async () => {
      const p = await ok(MESSAGES, { r: room.id }, { token: pat2.token });
      assert.ok(!JSON.stringify(p).includes(note));
      const s = await ok(MESSAGES, { r: room.id }, { token: staff1.token });
      assert.deepEqual(s.messages.map((x) => x.internal), [false, true, false]);
    };
    await check();
    await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${room.id} AND internal`)) === 1);
    await check();
    // lastMessage: a patient's is the newest that is not a note.
    await ok(SEND, { i: { roomId: room.id, body: `last ${note}`, idempotencyKey: randomUUID(), internal: true } }, { token: staff1.token });
    const pl = await ok(`query($id:ID!){room(id:$id){lastMessage{body internal}}}`, { id: room.id }, { token: pat2.token });
    assert.equal(pl.room.lastMessage.body, `plain ${plain}`);
    const sl = await ok(`query($id:ID!){room(id:$id){lastMessage{body internal}}}`, { id: room.id }, { token: staff1.token });
    assert.deepEqual(sl.room.lastMessage, { body: `last ${note}`, internal: true });
    const pi = await ok(INBOX, { f: { patientId: pat2.id } }, { token: pat2.token });
    assert.ok(!JSON.stringify(pi).includes(note));
    // Search: staff find the note, the patient never.
    await eventually(async () => (await ok(SEARCH, { q: note }, { token: staff1.token })).searchMessages.length === 2);
    assert.deepEqual((await ok(SEARCH, { q: note }, { token: pat2.token })).searchMessages, []);
    assert.deepEqual((await ok(SEARCH, { q: note, r: room.id }, { token: pat2.token })).searchMessages, []);
    assert.equal((await ok(SEARCH, { q: plain }, { token: pat2.token })).searchMessages.length, 1);
  } finally {
    psub.dispose();
    ssub.dispose();
    await pc.dispose();
    await sc.dispose();
  }
});

test('searchMessages: only readable messages, bounded, audited with the patients touched', async () => {
  const secret = word();
  assert.equal((await send(pat2, conv2.id, `about ${secret}`)).status, 200);
  await eventually(async () => (await ok(SEARCH, { q: secret }, { token: pat2.token })).searchMessages.length === 1);
  assert.deepEqual((await ok(SEARCH, { q: secret }, { token: pat1.token })).searchMessages, []);
  // Staff find it in the unassigned conversation (triage), and an assigned one they are not in stays hidden.
  assert.equal((await ok(SEARCH, { q: secret }, { token: staff2.token })).searchMessages.length, 1);
  const hidden = word();
  assert.equal((await send(staff1, assigned.id, `assigned ${hidden}`)).status, 200);
  await eventually(async () => (await ok(SEARCH, { q: hidden }, { token: staff1.token })).searchMessages.length === 1);
  assert.deepEqual((await ok(SEARCH, { q: hidden }, { token: staff2.token })).searchMessages, []);
  assert.deepEqual(codes(await gql(SEARCH, { q: hidden, r: assigned.id }, { token: staff2.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(SEARCH, { q: secret, r: conv2.id }, { token: pat1.token })), ['FORBIDDEN']);
  for (const v of [{ q: '' }, { q: 'x'.repeat(201) }, { q: 'ok', l: 0 }, { q: 'ok', l: 51 }]) {
    assert.deepEqual(codes(await gql(SEARCH, v, { token: staff1.token })), ['BAD_USER_INPUT'], JSON.stringify(v).slice(0, 40));
  }
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${staff2.id}
    AND action = 'messages.search' AND patient_id = ${pat2.id}`)) >= 1);
});

test('patient records: staff read and edit any; a patient reads only their own, without staff notes', async () => {
  const mrn = `MRN-${word()}`.slice(0, 32);
  const d = await ok(UPDATE, { u: pat1.id, i: { mrn, dateOfBirth: '1980-02-29', phone: '+4915112345678', staffNotes: 'allergic to penicillin' } }, { token: staff1.token });
  assert.deepEqual(d.updatePatientProfile, { mrn, dateOfBirth: '1980-02-29', phone: '+4915112345678', staffNotes: 'allergic to penicillin' });
  const s = await ok(PATIENT, { u: pat1.id }, { token: staff2.token });
  assert.equal(s.patient.staffNotes, 'allergic to penicillin');
  assert.ok(s.patient.conversations.some((r) => r.id === conv1.id));
  const own = await ok(PATIENT, { u: pat1.id }, { token: pat1.token });
  assert.equal(own.patient.mrn, mrn);
  assert.equal(own.patient.staffNotes, null);
  assert.ok(own.patient.conversations.every((r) => r.id !== conv2.id));
  assert.deepEqual(codes(await gql(PATIENT, { u: pat2.id }, { token: pat1.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(UPDATE, { u: pat1.id, i: { phone: '+15550100' } }, { token: pat1.token })), ['FORBIDDEN']);
  assert.equal((await ok(PATIENT, { u: staff1.id }, { token: staff1.token })).patient, null);
  // Left out: kept; null: cleared.
  const k = await ok(UPDATE, { u: pat1.id, i: { phone: null } }, { token: admin.token });
  assert.deepEqual(k.updatePatientProfile, { mrn, dateOfBirth: '1980-02-29', phone: null, staffNotes: 'allergic to penicillin' });
  await eventually(async () => (await psql(`SELECT detail::text FROM audit_log WHERE action = 'patient.update'
    AND patient_id = ${pat1.id} AND actor_id = ${admin.id}`)) === '{"fields": ["phone"]}');
  const first = await psql(`SELECT detail::text FROM audit_log WHERE action = 'patient.update' AND patient_id = ${pat1.id} AND actor_id = ${staff1.id}`);
  assert.doesNotMatch(first, /penicillin|MRN|1980/);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE action = 'patient.read'
    AND patient_id = ${pat1.id} AND actor_id IN (${staff2.id}, ${pat1.id})`)) >= 2);
});

test('patient records: every bad input is refused by name and changes nothing', async () => {
  const taken = `MRN-${word()}`.slice(0, 32);
  await ok(UPDATE, { u: pat2.id, i: { mrn: taken, dateOfBirth: '1990-01-01' } }, { token: staff1.token });
  const was = await psql(`SELECT row(mrn, date_of_birth, phone, staff_notes, updated_at)::text FROM patient_profiles WHERE user_id = ${pat1.id}`);
  const future = new Date(Date.now() + 3 * 86400e3).toISOString().slice(0, 10);
  for (const [i, field] of [[{ mrn: taken }, 'mrn'], [{ mrn: 'has space' }, 'mrn'], [{ mrn: 'x'.repeat(33) }, 'mrn'],
    [{ dateOfBirth: future }, 'dateOfBirth'], [{ dateOfBirth: '2023-02-29' }, 'dateOfBirth'], [{ dateOfBirth: '1990-13-01' }, 'dateOfBirth'],
    [{ dateOfBirth: '01/02/1990' }, 'dateOfBirth'], [{ phone: '0151 123' }, 'phone'], [{ phone: '+0123456789' }, 'phone'],
    [{ phone: '+1234567890123456' }, 'phone'], [{ staffNotes: 'x'.repeat(10001) }, 'staffNotes'],
    [{ phone: '+4915112345678', dateOfBirth: '2999-01-01' }, 'dateOfBirth']]) {
    const r = await gql(UPDATE, { u: pat1.id, i }, { token: staff1.token });
    assert.deepEqual(codes(r), ['BAD_USER_INPUT'], JSON.stringify(i).slice(0, 60));
    assert.match(r.body.errors[0].message, new RegExp(field), JSON.stringify(i).slice(0, 60));
  }
  assert.deepEqual(codes(await gql(UPDATE, { u: staff1.id, i: { mrn: 'M1' } }, { token: staff1.token })), ['NOT_FOUND']);
  assert.deepEqual(codes(await gql(UPDATE, { u: '987654321', i: { mrn: 'M1' } }, { token: staff1.token })), ['NOT_FOUND']);
  assert.equal(await psql(`SELECT row(mrn, date_of_birth, phone, staff_notes, updated_at)::text FROM patient_profiles WHERE user_id = ${pat1.id}`), was);
});

test('patients(search): staff and admins find by name, email, record number or date of birth', async () => {
  const mrn = `FIND-${word()}`.slice(0, 32);
  await ok(UPDATE, { u: pat2.id, i: { mrn, dateOfBirth: '1971-07-07' } }, { token: staff1.token });
  const ids = async (s, u = staff1) => (await ok(PATIENTS, { s, l: 50 }, { token: u.token })).patients.map((p) => p.user.id);
  assert.ok((await ids(mrn)).includes(pat2.id));
  assert.ok((await ids('1971-07-07', admin)).includes(pat2.id));
  assert.ok((await ids(pat2.name.slice(0, 12))).includes(pat2.id));
  assert.ok((await ids(pat2.email.slice(0, 20))).includes(pat2.id));
  assert.ok(!(await ids(mrn)).includes(pat1.id));
  assert.ok(!(await ids(staff1.email)).includes(staff1.id));
  assert.deepEqual(codes(await gql(PATIENTS, { s: mrn }, { token: pat2.token })), ['FORBIDDEN']);
  for (const v of [{ s: '' }, { s: 'x'.repeat(101) }, { s: 'a', l: 0 }, { s: 'a', l: 51 }]) {
    assert.deepEqual(codes(await gql(PATIENTS, v, { token: staff1.token })), ['BAD_USER_INPUT']);
  }
});

test('auditLog: admins only, newest first, filters and before paging; "who read this patient" is one query', async () => {
  for (const u of [staff1, pat1]) assert.deepEqual(codes(await gql(AUDIT, {}, { token: u.token })), ['FORBIDDEN']);
  await ok(PATIENT, { u: pat1.id }, { token: staff2.token });
  const d = await eventually(async () => {
    const r = await ok(AUDIT, { p: pat1.id, x: 'patient.read', a: staff2.id }, { token: admin.token });
    return r.auditLog.length >= 1 && r;
  });
  const rec = d.auditLog[0];
  assert.equal(rec.actor.id, staff2.id);
  assert.equal(rec.patientId, pat1.id);
  const byRoom = await ok(AUDIT, { r: conv1.id, l: 200 }, { token: admin.token });
  assert.ok(byRoom.auditLog.length > 0 && byRoom.auditLog.every((x) => x.roomId === conv1.id));
  const ids = byRoom.auditLog.map((x) => Number(x.id));
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  const page1 = await ok(AUDIT, { p: pat1.id, l: 2 }, { token: admin.token });
  const page2 = await ok(AUDIT, { p: pat1.id, l: 2, b: page1.auditLog[1].id }, { token: admin.token });
  assert.ok(page2.auditLog.every((x) => Number(x.id) < Number(page1.auditLog[1].id)));
  for (const v of [{ b: 'x' }, { b: '-1' }, { a: 'me' }, { p: '0' }, { l: 0 }, { l: 201 }, { x: '' }]) {
    assert.deepEqual(codes(await gql(AUDIT, v, { token: admin.token })), ['BAD_USER_INPUT'], JSON.stringify(v));
  }
});

test('every new field needs a token', async () => {
  const r = conv1.id;
  for (const q of ['{ inbox { next } }', `{ patient(userId: "${pat1.id}") { mrn } }`, '{ patients(search: "a") { mrn } }',
    '{ searchMessages(query: "a") { id } }', '{ auditLog { id } }',
    'mutation { startConversation(subject: "s", body: "b", idempotencyKey: "k") { id } }',
    `mutation { assignConversation(roomId: "${r}") { id } }`, `mutation { setConversationStatus(roomId: "${r}", status: OPEN) { id } }`,
    `mutation { setTags(roomId: "${r}", tags: []) { id } }`, `mutation { updatePatientProfile(userId: "${pat1.id}", input: {}) { mrn } }`]) {
    assert.deepEqual(codes(await gql(q)), ['UNAUTHENTICATED'], q);
  }
});

test('an internal note moves updatedAt for staff only: a patient\'s updatedAt and inbox order stay', async () => {
  const pat3 = await makeUser('PATIENT');
  const a = (await ok(START, { s: 'Knee', b: 'my knee', k: randomUUID() }, { token: pat3.token })).startConversation;
  const b = (await ok(START, { s: 'Bill', b: 'my bill', k: randomUUID() }, { token: pat3.token })).startConversation;
  await persisted(a.id);
  await persisted(b.id);
  await ok(ASSIGN, { r: a.id }, { token: staff1.token }); // moves both: a is newest
  await ok(SEND, { i: { roomId: b.id, body: `again ${word()}`, idempotencyKey: randomUUID() } }, { token: pat3.token });
  await persisted(b.id, 2); // b is newest again
  const view = async (u, f) => (await ok(INBOX, { f, l: 10 }, { token: u.token })).inbox.rooms
    .filter((r) => r.id === a.id || r.id === b.id).map((r) => [r.id, r.updatedAt]);
  const patBefore = await view(pat3);
  assert.deepEqual(patBefore.map((x) => x[0]), [b.id, a.id]);
  const staffBefore = await view(staff1, { patientId: pat3.id });
  assert.deepEqual(staffBefore.map((x) => x[0]), [b.id, a.id]);
  await sleep(5);
  await ok(SEND, { i: { roomId: a.id, body: `note ${word()}`, idempotencyKey: randomUUID(), internal: true } }, { token: staff1.token });
  await persisted(a.id, 2);
  // Staff: a moved to the top, its updatedAt later.
  const staffAfter = await view(staff1, { patientId: pat3.id });
  assert.deepEqual(staffAfter.map((x) => x[0]), [a.id, b.id]);
  assert.ok(staffAfter[0][1] > staffBefore[1][1], JSON.stringify([staffBefore, staffAfter]));
  // The patient: nothing moved, in the inbox, in room, and in the cursor walk.
  assert.deepEqual(await view(pat3), patBefore);
  const r = await ok('query($r:ID!){room(id:$r){updatedAt}}', { r: a.id }, { token: pat3.token });
  assert.equal(r.room.updatedAt, patBefore[1][1]);
  const p1 = (await ok(INBOX, { l: 1 }, { token: pat3.token })).inbox;
  assert.deepEqual(p1.rooms.map((x) => x.id), [b.id]);
  const p2 = (await ok(INBOX, { l: 1, a: p1.next }, { token: pat3.token })).inbox;
  assert.deepEqual(p2.rooms.map((x) => x.id), [a.id]);
  assert.equal(await psql(`SELECT (updated_at > public_updated_at)::text FROM rooms WHERE id = ${a.id}`), 'true');
});

test('an inbox page\'s lastMessage: the newest of each room, one messages.read record per patient naming its rooms', async () => {
  const pat4 = await makeUser('PATIENT');
  const a = (await ok(START, { s: 'Eyes', b: 'my eyes', k: randomUUID() }, { token: pat4.token })).startConversation;
  const b = (await ok(START, { s: 'Ears', b: 'my ears', k: randomUUID() }, { token: pat4.token })).startConversation;
  await persisted(a.id);
  await persisted(b.id);
  const reader = await makeUser('STAFF');
  // The newest of b is sent just before the read: PENDING or stored, it shows.
  const last = `newest ${word()}`;
  await ok(SEND, { i: { roomId: b.id, body: last, idempotencyKey: randomUUID() } }, { token: pat4.token });
  const page = (await ok(INBOX, { f: { patientId: pat4.id }, l: 10 }, { token: reader.token })).inbox.rooms;
  const byId = Object.fromEntries(page.map((r) => [r.id, r.lastMessage?.body]));
  assert.deepEqual(byId, { [a.id]: 'my eyes', [b.id]: last });
  await eventually(async () => Number(await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${reader.id}
    AND action = 'messages.read'`)) >= 1);
  await sleep(300);
  const rows = JSON.parse(await psql(`SELECT json_agg(json_build_object('patient', patient_id, 'target', target,
    'detail', detail)) FROM audit_log WHERE actor_id = ${reader.id} AND action = 'messages.read'`));
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.equal(String(rows[0].patient), pat4.id);
  assert.equal(rows[0].detail.via, 'inbox');
  assert.deepEqual([...rows[0].detail.rooms].sort(), [a.id, b.id].sort());
  // A patient's page: their newest that is not a note.
  const staffer = await makeUser('STAFF');
  await ok(ASSIGN, { r: a.id, a: staffer.id }, { token: staff1.token });
  await ok(SEND, { i: { roomId: a.id, body: `note ${word()}`, idempotencyKey: randomUUID(), internal: true } }, { token: staffer.token });
  const mine = (await ok(INBOX, { l: 10 }, { token: pat4.token })).inbox.rooms;
  assert.equal(mine.find((r) => r.id === a.id).lastMessage.body, 'my eyes');
  assert.equal(mine.find((r) => r.id === a.id).lastMessage.internal, false);
});
