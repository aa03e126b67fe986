// The high-availability fault tests (issue 17): under a steady sendMessage load
// through HAProxy with live graphql-ws subscribers, one server of the topology
// dies (kill -9) and comes back. After each: every accepted message stored
// exactly once, each subscriber's sequence gap-free and duplicate-free, order
// per room kept; the seconds of refused requests are reported ("# HA ...").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  dev, makeStaff, makeRoom, subscriber, load, verify, sleep, eventually, gql, psql,
  redisPrimaryPort, redisCli, REDIS_PORTS, REDIS2_PORTS,
} from './lib.mjs';

const ROOMS = 3;
let staff;

before(async () => {
  staff = await makeStaff();
});

/** Sends one message with key, retried until accepted. */
async function sendOnce(room, key) {
  await eventually(async () => {
    const r = await gql('mutation($i:SendMessageInput!){sendMessage(input:$i){id}}',
      { i: { roomId: room, body: 'warm-up', idempotencyKey: key } }, staff.token);
    return r.body.data?.sendMessage;
  }, { timeoutMs: 30000, what: 'warm-up message accepted' });
}

/**
 * Rooms with two subscribers each (HAProxy spreads them over both crm-pushd),
 * a warm-up message each subscriber has seen, then load; fault() runs after
 * 1.5 s of load, recover() after the load has run `afterMs` more; then the
 * checks.
 */
async function scenario(name, fault, recover, { afterMs = 5000 } = {}) {
  const tag = `${name}-${Date.now()}`;
  const rooms = [];
  for (let i = 0; i < ROOMS; i++) rooms.push({ id: await makeRoom(staff), token: staff.token });
  const subs = [];
  for (const r of rooms) for (let k = 0; k < 2; k++) subs.push({ room: r.id, sub: subscriber(staff.token, r.id) });
  await sleep(500);
  const initial = {};
  for (const r of rooms) {
    initial[r.id] = [`${tag}-${r.id}-warm`];
    await sendOnce(r.id, initial[r.id][0]);
  }
  await eventually(() => subs.every((s) => s.sub.got.length >= 1), { timeoutMs: 20000, what: 'subscribers live' });
  const l = load(rooms, { tag, initial });
  await sleep(1500);
  const before = l.count();
  await fault();
  await sleep(afterMs);
  const result = await l.stop();
  const during = l.count() - before;
  if (recover) await recover();
  const problems = await verify(result.sent, subs);
  for (const s of subs) s.sub.stop();
  const reconnects = subs.reduce((n, s) => n + s.sub.reconnects, 0);
  console.log(`# HA ${name}: ${l.count()} messages accepted (${during} after the fault), ` +
    `${(result.refusedMs / 1000).toFixed(1)} s of refused requests (${result.refused} refused attempts), ` +
    `${reconnects} subscriber reconnects`);
  assert.deepEqual(problems, []);
  return { result, during, reconnects };
}

test('kill -9 of the Redis primary: Sentinel promotes a replica, nothing accepted is lost', async () => {
  const old = await redisPrimaryPort();
  const n = REDIS_PORTS.indexOf(old) + 1;
  const { during } = await scenario('redis-primary', async () => {
    await dev('kill', `redis${n}`);
  }, async () => {
    // The old primary rejoins as a replica of the new one.
    await dev('start', `redis${n}`);
    await eventually(async () => (await redisCli(old, 'ROLE')).startsWith('slave'), { what: 'old primary is a replica' });
  }, { afterMs: 9000 });
  assert.notEqual(await redisPrimaryPort(), old, 'the Sentinels promoted another server');
  assert.ok(during > 0, 'messages were accepted after the failover');
});

test('kill -9 of the second stream shard\'s primary (crm2): its rooms wait for the failover, the others go on, nothing is lost', async () => {
  const old = await redisPrimaryPort('crm2');
  const n = 4 + REDIS2_PORTS.indexOf(old);
  const { result } = await scenario('redis-shard1-primary', async () => {
    await dev('kill', `redis${n}`);
    // Its one replica is promoted; with CRM_REDIS_MIN_REPLICAS=1 its rooms'
    // sends are refused until the old primary rejoins as the new replica.
    await eventually(async () => (await redisPrimaryPort('crm2')) !== old, { timeoutMs: 30000, what: 'crm2 failed over' });
    await dev('start', `redis${n}`);
    await eventually(async () => (await redisCli(old, 'ROLE')).startsWith('slave'), { what: 'old crm2 primary is a replica' });
    // A send the dying primary had added, and crm-pushd delivered, but its
    // replica had not received is refused to the client and accepted again
    // on the promoted replica at a new position: crm-pushd does not send that
    // (sender, key) again to who had it (push/rooms.c), and it is stored once.
  }, null, { afterMs: 4000 });
  assert.ok(result.refused > 0, 'the rooms on crm2 were refused meanwhile');
});

test('kill -9 of the PostgreSQL primary, then the standby promoted: the workers carry on', async () => {
  await scenario('pg-primary', async () => {
    const st = await dev('status');
    const m = st.match(/pg(\d)\s+primary/);
    assert.ok(m, st);
    await dev('kill', `pg${m[1]}`);
    await sleep(1000);
    await dev('promote');
  }, async () => {
    // The old primary comes back as the new primary's standby (pg_rewind).
    const how = await dev('rebuild');
    console.log(`# HA pg-rebuild: ${how}`);
    await eventually(async () => /standby/.test(await dev('status')), { what: 'a standby again' });
  });
});

test('kill -9 of one crm-pushd: its subscribers reconnect through HAProxy and resume with after', async () => {
  const { reconnects } = await scenario('pushd', async () => {
    await dev('kill', 'pushd1');
  }, async () => {
    await dev('start', 'pushd1');
  });
  assert.ok(reconnects > 0, 'some subscribers were on the killed crm-pushd');
});

test('kill -9 of one crm-worker mid-batch: the other one and the restarted one store everything once', async () => {
  await scenario('worker', async () => {
    await dev('kill', 'worker1');
  }, async () => {
    await dev('start', 'worker1');
  }, { afterMs: 6000 });
});

test('kill -9 of one front server: HAProxy sends the requests to the other', async () => {
  await scenario('front', async () => {
    await dev('kill', 'front1');
  }, async () => {
    await dev('start', 'front1');
  });
});

test('both replicas gone: sendMessage refuses (CRM_REDIS_MIN_REPLICAS=1), and accepts again once one rejoins', async () => {
  const primary = await redisPrimaryPort();
  const replicas = REDIS_PORTS.filter((p) => p !== primary).map((p) => `redis${REDIS_PORTS.indexOf(p) + 1}`);
  // A room on stream 0, whose shard is master crm (odd rooms are on crm2).
  let room = await makeRoom(staff);
  while (Number(room) % 2 !== 0) room = await makeRoom(staff);
  for (const r of replicas) await dev('kill', r);
  const key = `noreplica-${Date.now()}`;
  const t0 = Date.now();
  const r = await gql('mutation($i:SendMessageInput!){sendMessage(input:$i){id}}',
    { i: { roomId: room, body: 'needs a replica', idempotencyKey: key } }, staff.token);
  assert.ok(r.body.errors && !r.body.data?.sendMessage, `refused: ${JSON.stringify(r.body)}`);
  console.log(`# HA no-replica: refused after ${Date.now() - t0} ms: ${JSON.stringify(r.body.errors[0].extensions)}`);
  // The retry with the same key succeeds once a replica is back, and the
  // message is stored once.
  await dev('start', replicas[0]);
  await eventually(async () => {
    const again = await gql('mutation($i:SendMessageInput!){sendMessage(input:$i){id}}',
      { i: { roomId: room, body: 'needs a replica', idempotencyKey: key } }, staff.token);
    return again.body.data?.sendMessage;
  }, { timeoutMs: 30000, what: 'accepted with a replica back' });
  await dev('start', replicas[1]);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${room} AND idempotency_key = '${key}'`)) === 1,
    { what: 'stored once' });
  await sleep(1000);
  assert.equal(Number(await psql(`SELECT count(*) FROM messages WHERE room_id = ${room}`)), 1);
});

after(() => {});
