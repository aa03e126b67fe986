// crm-worker killed with SIGKILL mid-batch, and stopped between COMMIT and XACK,
// under load: every accepted message is stored once, at its stream position.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  makeRooms, produce, drained, audit, restartWorker, killWorker, workerPid, alive,
  eventually, deadLetterCount, RUN_DIR,
} from './lib.mjs';

const FAST = { CRM_WORKER_CLAIM_IDLE_MS: 1000, CRM_WORKER_MAX_DELIVERIES: 3, CRM_WORKER_BATCH: 100 };

before(async () => { await restartWorker(FAST); });
after(async () => {
  await restartWorker({ CRM_WORKER_NAME: undefined, CRM_WORKER_TEST_CRASH: undefined });
});

test('kill -9 of the worker mid-batch, twice: nothing lost, nothing twice, order kept', async () => {
  // A fixed consumer name: the restarted worker reads its own pending entries (ID 0) first.
  await restartWorker({ CRM_WORKER_NAME: 'crash-fixed' });
  const dead0 = await deadLetterCount();
  const { sender, rooms } = await makeRooms('kill9', 7);
  // One kill-and-restart at a time: two overlapping restarts would start two
  // workers and lose track of one.
  let kills = Promise.resolve();
  const r = await produce({
    tag: 'kill9', sender, rooms, count: 5000, window: 100, pauseMs: 5,
    during: async (i) => {
      if (i === 1500 || i === 3500) kills = kills.then(() => killWorker()).then(() => restartWorker());
    },
  });
  await kills;
  assert.equal(r.accepted.length, 5000);
  await drained('kill9', r.accepted);
  const a = await audit('kill9', sender, r.accepted);
  assert.deepEqual(a, { lost: 0, duplicated: 0, misplaced: 0, misordered: 0, stored: 5000 });
  assert.equal(await deadLetterCount(), dead0);
});

test('the worker dies between COMMIT and XACK: the batch is redelivered and stored once', async () => {
  // A new consumer name after the crash: the entries are taken over with XAUTOCLAIM.
  await restartWorker({ CRM_WORKER_NAME: undefined, CRM_WORKER_TEST_CRASH: 'after-commit:3' });
  const pid = workerPid();
  const { sender, rooms } = await makeRooms('commitack', 3);
  const r = await produce({ tag: 'commitack', sender, rooms, count: 3000, window: 100, pauseMs: 5 });
  await eventually(() => !alive(pid), { timeoutMs: 10000 });
  assert.match(readFileSync(`${RUN_DIR}/logs/crm-worker.log`, 'utf8'), /test hook: exiting after commit 3/);
  await restartWorker({ CRM_WORKER_TEST_CRASH: undefined });
  await drained('commitack', r.accepted);
  const a = await audit('commitack', sender, r.accepted);
  assert.deepEqual(a, { lost: 0, duplicated: 0, misplaced: 0, misordered: 0, stored: 3000 });
  // The committed, unacknowledged batch came back and was ignored.
  const port = process.env.CRM_WORKER_METRICS_PORT;
  const metrics = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    const text = await res.text();
    return /crm_worker_ignored_total [1-9]/.test(text) && text;
  }, { timeoutMs: 45000 });
  assert.match(metrics, /crm_worker_claimed_total [1-9]/);
});

test('the crash hook is refused in production', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const env = { ...process.env, CRM_ENV: 'production', CRM_JWT_SECRET: 'x'.repeat(40),
    CRM_WORKER_TEST_CRASH: 'after-commit:1', CRM_WORKER_METRICS_PORT: '0' };
  await assert.rejects(promisify(execFile)(`${process.env.CRM_TEST_BIN}/crm-worker`, [], { env, timeout: 5000 }),
    (e) => e.code === 1 && /refused in production/.test(e.stderr));
});
