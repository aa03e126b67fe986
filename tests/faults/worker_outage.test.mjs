// PostgreSQL restarted (fast and immediate), Redis killed and restarted with the
// shipped etc/redis.conf, and a database held by a lock for seconds, all under
// load: no accepted message is lost or stored twice, and no healthy message is
// dead-lettered because of the outage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  makeRooms, produce, drained, audit, restartWorker, deadLetterCount, svc, sleep, eventually,
  redisCli, alive, PG_PORT, RUN_DIR,
} from './lib.mjs';

const FAST = { CRM_WORKER_CLAIM_IDLE_MS: 1000, CRM_WORKER_MAX_DELIVERIES: 2, CRM_WORKER_BATCH: 200 };

before(async () => { await restartWorker(FAST); });
after(async () => { await restartWorker({}); });

async function underLoad(tag, fault) {
  const dead0 = await deadLetterCount();
  const { sender, rooms } = await makeRooms(tag, 5);
  let faultDone;
  const r = await produce({
    tag, sender, rooms, count: 4000, window: 100, pauseMs: 10,
    during: async (i) => { if (i === 800) faultDone = fault(); },
  });
  await faultDone;
  await drained(tag, r.accepted, { timeoutMs: 90000 });
  const a = await audit(tag, sender, r.accepted);
  assert.equal(a.lost, 0, 'lost');
  assert.equal(a.duplicated, 0, 'duplicated');
  assert.equal(a.misplaced, 0, 'misplaced');
  assert.equal(a.misordered, 0, 'misordered');
  assert.equal(await deadLetterCount(), dead0, 'nothing dead-lettered');
  return r;
}

for (const mode of ['fast', 'immediate']) {
  test(`PostgreSQL stopped (${mode}) and restarted under load: nothing lost, nothing dead-lettered`, async () => {
    const r = await underLoad(`pg${mode}`, async () => {
      await svc('stop', 'postgres', mode);
      await sleep(1500);
      await svc('start', 'postgres');
    });
    assert.equal(r.accepted.length, 4000);
  });
}

test('Redis killed (-9) and restarted under load: no accepted message lost', async () => {
  const r = await underLoad('redis9', async () => {
    const pid = Number(readFileSync(`${RUN_DIR}/redis.pid`, 'utf8'));
    process.kill(pid, 'SIGKILL');
    await eventually(() => !alive(pid), { timeoutMs: 5000 });
    await sleep(500);
    await svc('start', 'redis');
  });
  // Some were refused or unanswered while Redis was down; every accepted one is stored.
  assert.ok(r.accepted.length > 0 && r.accepted.length <= 4000);
  assert.equal(await redisCli('CONFIG', 'GET', 'appendfsync'), 'appendfsync\nalways');
});

test('a slow database (messages locked for 4 s) is waited for: nothing dead-lettered', async () => {
  let locker;
  await underLoad('slowdb', async () => {
    locker = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres',
      '-d', 'crm', '-c', 'BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;'],
    { stdio: 'ignore' });
    await new Promise((res) => locker.once('exit', res));
  });
});

test('sendMessage latency is unchanged while the database is slow', async () => {
  const { makeUser, makeRoom, send } = await import('../integration/api.mjs');
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff, []);
  const medianSend = async (n) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const r = await send(staff, room.id, `timed ${i}`);
      times.push(performance.now() - t0);
      assert.equal(r.body.data?.sendMessage?.status, 'PENDING', JSON.stringify(r.body));
    }
    return times.sort((a, b) => a - b)[Math.floor(n / 2)];
  };
  const before = await medianSend(20);
  const locker = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres',
    '-d', 'crm', '-c', 'BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;'],
  { stdio: 'ignore' });
  const exited = new Promise((res) => locker.once('exit', res));
  await sleep(300);
  const during = await medianSend(20);
  await exited;
  // The lock lasts 3 s: a send that touched the table would take seconds.
  assert.ok(during < Math.max(before * 3, before + 50), `median ${during.toFixed(1)} ms during vs ${before.toFixed(1)} ms before`);
});
