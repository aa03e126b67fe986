// A restarted PostgreSQL or Redis costs no request once it is back: every
// crm-api process replaces its dead connection on the next request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ok, makeUser, makeRoom, send } from './api.mjs';
import { svc, eventually } from './lib.mjs';

test('after Redis restarts, the next requests all succeed', async () => {
  const u = await makeUser('STAFF');
  const room = await makeRoom(u, []);
  await svc('stop', 'redis');
  await svc('start', 'redis');
  // More requests than crm-api processes, so each process meets its stale socket.
  for (let i = 0; i < 6; i++) {
    const r = await send(u, room.id, `after restart ${i}`);
    assert.equal(r.body.data?.sendMessage?.status, 'PENDING', JSON.stringify(r.body));
  }
});

test('after PostgreSQL restarts, the next requests all succeed', async () => {
  const u = await makeUser('STAFF');
  await makeRoom(u, []);
  await svc('stop', 'postgres', 'fast');
  await svc('start', 'postgres');
  for (let i = 0; i < 6; i++) {
    const d = await ok('{ me { id } rooms { id } }', {}, { token: u.token });
    assert.equal(d.me.id, u.id);
  }
  await eventually(async () => (await fetch(`${process.env.CRM_TEST_HTTP}/health`)).status === 200);
});

test('after Redis restarts, history, membership changes and sign-out work at once', async () => {
  const staff = await makeUser('STAFF');
  const other = await makeUser('STAFF');
  const room = await makeRoom(staff, []);
  await svc('stop', 'redis');
  await svc('start', 'redis');
  // Each call below is the first of some process since the restart.
  for (let i = 0; i < 4; i++) {
    const d = await ok('query($r:ID!){messages(roomId:$r){id}}', { r: room.id }, { token: staff.token });
    assert.deepEqual(d.messages, []);
  }
  const added = await ok('mutation($r:ID!,$u:[ID!]!){addMembers(roomId:$r,userIds:$u){members{id}}}',
    { r: room.id, u: [other.id] }, { token: staff.token });
  assert.equal(added.addMembers.members.length, 2);
  assert.equal((await ok('mutation{logout}', {}, { token: other.token })).logout, true);
});

test('after PostgreSQL restarts, writes work at once too', async () => {
  const staff = await makeUser('STAFF');
  await svc('stop', 'postgres', 'fast');
  await svc('start', 'postgres');
  for (let i = 0; i < 4; i++) {
    const d = await ok('mutation($n:String!){createRoom(name:$n){id}}', { n: `after pg restart ${i}` }, { token: staff.token });
    assert.match(d.createRoom.id, /^\d+$/);
  }
});
