// Sign-up, sign-in, sign-out, tokens and their attacks, rate limits, audit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { gql, ok, codes, makeUser, makeRoom, send, signJwt, PASSWORD, psql } from './api.mjs';
import { eventually, redisCli } from './lib.mjs';

const ME = '{ me { id email role displayName } }';

test('register makes a PATIENT who then signs in; a second register of the email changes nothing', async () => {
  await redisCli('DEL', 'crm:rate:register:all');
  const email = `new-${randomUUID()}@test.example`;
  const r = await gql('mutation($e:String!,$p:String!,$n:String!){register(email:$e,password:$p,displayName:$n){token expiresAt user{id email role}}}',
    { e: email, p: 'a-long-password', n: 'New Patient' });
  assert.deepEqual(codes(r), ['REGISTRATION_RECEIVED']);
  assert.equal(r.body.data, null);
  const d = await ok('mutation($e:String!,$p:String!){login(email:$e,password:$p){token expiresAt user{id email role}}}',
    { e: email, p: 'a-long-password' });
  assert.equal(d.login.user.role, 'PATIENT');
  assert.match(d.login.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const me = await ok(ME, {}, { token: d.login.token });
  assert.equal(me.me.email, email);
  const again = await gql('mutation($e:String!,$p:String!,$n:String!){register(email:$e,password:$p,displayName:$n){token expiresAt user{id email role}}}',
    { e: email.toUpperCase(), p: 'another-pw-1', n: 'X' });
  assert.deepEqual(again.body, r.body, 'the same answer as a new email');
  assert.deepEqual(codes(await gql('mutation($e:String!){login(email:$e,password:"another-pw-1"){token}}', { e: email })),
    ['UNAUTHENTICATED']);
});

test('register refuses bad input', async () => {
  for (const [e, p, n] of [['not-an-email', 'long-enough-pw', 'N'], ['a@b.test', 'short', 'N'],
    ['a@b.test', 'long-enough-pw', ''], ['a@b.test', 'long-enough-pw', 'x'.repeat(101)],
    ['a@b.test', 'x'.repeat(1025), 'N']]) {
    const r = await gql('mutation($e:String!,$p:String!,$n:String!){register(email:$e,password:$p,displayName:$n){token}}', { e, p, n });
    assert.deepEqual(codes(r), ['BAD_USER_INPUT'], JSON.stringify([e, p.length, n.length]));
  }
});

test('a wrong password and an unknown email get the same answer', async () => {
  const u = await makeUser('STAFF');
  const a = await gql('mutation($e:String!){login(email:$e,password:"wrong-password"){token}}', { e: u.email });
  const b = await gql('mutation{login(email:"nobody-here@test.example",password:"wrong-password"){token}}');
  assert.deepEqual(codes(a), ['UNAUTHENTICATED']);
  assert.equal(a.body.errors[0].message, b.body.errors[0].message);
  assert.equal(a.body.data, null);
  // email is case-insensitive
  await ok('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: u.email.toUpperCase(), p: PASSWORD });
});

test('logins are recorded in the audit log, failed ones too', async () => {
  const u = await makeUser('STAFF');
  await gql('mutation($e:String!){login(email:$e,password:"wrong-password"){token}}', { e: u.email });
  await eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${u.id} AND action = 'login.failed'`)) === '1');
  await eventually(async () => (await psql(`SELECT count(*) FROM audit_log WHERE actor_id = ${u.id} AND action = 'login'`)) === '1');
});

test('failed logins for one email make it wait; successes do not count', async () => {
  const u = await makeUser('PATIENT');
  for (let i = 0; i < 11; i++) await ok('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: u.email, p: PASSWORD });
  let limited = null;
  for (let i = 0; i < 8 && limited === null; i++) {
    const r = await gql('mutation($e:String!){login(email:$e,password:"wrong-password"){token}}', { e: u.email });
    if (codes(r)[0] === 'RATE_LIMITED') limited = i;
  }
  // CRM_LOGIN_PER_EMAIL (5) failures are free; the 6th attempt must wait.
  assert.equal(limited, 5);
});

test('logout revokes the token', async () => {
  const u = await makeUser('STAFF');
  assert.equal((await ok('mutation{logout}', {}, { token: u.token })).logout, true);
  assert.deepEqual(codes(await gql(ME, {}, { token: u.token })), ['UNAUTHENTICATED']);
});

// sendMessage checks revocation inside its Redis script (one round trip), the
// other fields ask Redis themselves: both must refuse a revoked token.
test('a revoked token sends nothing and is refused by every field', async () => {
  const [u, other] = await Promise.all([makeUser('STAFF'), makeUser('STAFF')]);
  const room = await makeRoom(u, [other]);
  const foreign = await makeRoom(other);
  const used = randomUUID();
  const first = await send(u, room.id, 'before logout', used);
  assert.equal(first.body.data.sendMessage.status, 'PENDING', JSON.stringify(first.body));
  assert.equal((await ok('mutation{logout}', {}, { token: u.token })).logout, true);

  const key = randomUUID();
  const r = await send(u, room.id, 'after logout', key);
  assert.deepEqual(codes(r), ['UNAUTHENTICATED'], JSON.stringify(r.body));
  assert.equal(r.body.data, null);
  // Nothing claimed, counted or added.
  assert.equal(await redisCli('EXISTS', `crm:idem:${u.id}:${key}`), '0');
  assert.doesNotMatch(await redisCli('XRANGE', 'crm:msg:0', '-', '+'), new RegExp(key));
  // A replayed key, a room it is not in and a bad body: still UNAUTHENTICATED.
  assert.deepEqual(codes(await send(u, room.id, 'before logout', used)), ['UNAUTHENTICATED']);
  assert.deepEqual(codes(await send(u, foreign.id, 'elsewhere', randomUUID())), ['UNAUTHENTICATED']);
  assert.deepEqual(codes(await send(u, room.id, '', randomUUID())), ['UNAUTHENTICATED']);
  // A mutation of two sends: refused, neither added (the first error ends it).
  const [ka, kb] = [randomUUID(), randomUUID()];
  const two = await gql('mutation($a:SendMessageInput!,$b:SendMessageInput!){a:sendMessage(input:$a){id} b:sendMessage(input:$b){id}}',
    { a: { roomId: room.id, body: 'a', idempotencyKey: ka }, b: { roomId: room.id, body: 'b', idempotencyKey: kb } },
    { token: u.token });
  assert.deepEqual(codes(two), ['UNAUTHENTICATED']);
  assert.equal(await redisCli('EXISTS', `crm:idem:${u.id}:${ka}`, `crm:idem:${u.id}:${kb}`), '0');
  // The other fields.
  for (const q of [ME, '{ rooms { id } }', 'mutation{logout}',
    `{ messages(roomId: "${room.id}") { id } }`,
    `mutation { createRoom(name: "x", memberIds: ["${other.id}"]) { id } }`]) {
    assert.deepEqual(codes(await gql(q, {}, { token: u.token })), ['UNAUTHENTICATED'], q);
  }
  // Others go on: a member still sends and sees only the message from before.
  const o = await send(other, room.id, 'still here', randomUUID());
  assert.equal(o.body.data.sendMessage.status, 'PENDING', JSON.stringify(o.body));
  await eventually(async () => (await psql(`SELECT count(*) FROM messages WHERE sender_id = ${u.id}`)) === '1');
  assert.equal(await psql(`SELECT count(*) FROM messages WHERE idempotency_key = '${key}'`), '0');
});

test('a logout refuses the fields after it in the same request', async () => {
  const u = await makeUser('STAFF');
  const room = await makeRoom(u);
  const key = randomUUID();
  const r = await gql('mutation($i:SendMessageInput!){logout sendMessage(input:$i){id}}',
    { i: { roomId: room.id, body: 'after logout', idempotencyKey: key } }, { token: u.token });
  assert.deepEqual(codes(r), ['UNAUTHENTICATED'], JSON.stringify(r.body));
  assert.deepEqual(r.body.errors[0].path, ['sendMessage']);
  assert.equal(await redisCli('EXISTS', `crm:idem:${u.id}:${key}`), '0');
  assert.deepEqual(codes(await gql(ME, {}, { token: u.token })), ['UNAUTHENTICATED']);
  const v = await makeUser('STAFF');
  const two = await gql('mutation{a:logout b:createRoom(name:"after logout"){id}}', {}, { token: v.token });
  assert.deepEqual(codes(two), ['UNAUTHENTICATED'], JSON.stringify(two.body));
  assert.deepEqual(two.body.errors[0].path, ['b']);
});

test('no token, forged and tampered tokens are UNAUTHENTICATED', async () => {
  const u = await makeUser('PATIENT');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: u.id, role: 'ADMIN', jti: '0123456789abcdef0123456789abcdef', iat: now, exp: now + 600 };
  const [h, , s] = u.token.split('.');
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  const bad = {
    none: undefined,
    garbage: 'garbage',
    algNone: signJwt({ alg: 'none', typ: 'JWT' }, claims, '', null),
    hs512: signJwt({ alg: 'HS512', typ: 'JWT' }, claims, undefined, 'sha512'),
    wrongKey: signJwt({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-that-is-long-enough-123'),
    expired: signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 7200, exp: now - 3600 }),
    noExp: signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: undefined }),
    tampered,
  };
  for (const [name, token] of Object.entries(bad)) {
    const r = await gql(ME, {}, { token });
    assert.deepEqual(codes(r), ['UNAUTHENTICATED'], name);
    assert.equal(r.body.data, null, name);
  }
  // The control: the same claims signed right are accepted.
  const good = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, role: 'PATIENT' });
  assert.equal((await ok(ME, {}, { token: good })).me.id, u.id);
});

test('only an ADMIN creates users, with any role', async () => {
  const admin = await makeUser('ADMIN');
  const staff = await makeUser('STAFF');
  const q = 'mutation($e:String!){createUser(email:$e,password:"a-long-password",displayName:"Made",role:STAFF){id role}}';
  const d = await ok(q, { e: `made-${randomUUID()}@test.example` }, { token: admin.token });
  assert.equal(d.createUser.role, 'STAFF');
  assert.deepEqual(codes(await gql(q, { e: `x-${randomUUID()}@test.example` }, { token: staff.token })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql(q, { e: `y-${randomUUID()}@test.example` })), ['UNAUTHENTICATED']);
});
