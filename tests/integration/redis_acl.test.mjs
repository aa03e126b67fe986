// Redis with ACLs on (issue 13, item 7): the test stack runs Redis with
// etc/redis-users.acl.in, a user per program. Each program's user is refused
// what the program does not need, nobody gets in without a password, and a
// program given a wrong password says so and reports itself unhealthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { REDIS_PORT, RUN_DIR, BIN, eventually, redisCli, svc } from './lib.mjs';
import { makeUser, makeRoom, send } from './api.mjs';

const run = promisify(execFile);

/** redis-cli as one program's user, with that program's password from the run folder. */
async function as(user, ...args) {
  const password = readFileSync(`${RUN_DIR}/redis/users/${user}`, 'utf8').trim();
  const { stdout, stderr } = await run('redis-cli', ['--no-auth-warning', '--user', user, '-p', String(REDIS_PORT), ...args],
    { env: { ...process.env, REDISCLI_AUTH: password } });
  return (stdout + stderr).trim();
}

const NOPERM = /NOPERM|can't access/;

test('nobody gets in without a user and password', async () => {
  const { stdout, stderr } = await run('redis-cli', ['-p', String(REDIS_PORT), 'GET', 'x'],
    { env: { ...process.env, REDISCLI_AUTH: '' } });
  assert.match(stdout + stderr, /NOAUTH/);
  assert.match(await as('crm-api', 'PING'), /PONG/);
});

test("crm-api's user cannot trim streams, delete revocations or audit entries, or flush", async () => {
  await redisCli('SET', 'crm:revoked:acltest', '1', 'EX', '60');
  assert.equal(await as('crm-api', 'EXISTS', 'crm:revoked:acltest'), '1'); // what it needs
  assert.match(await as('crm-api', 'DEL', 'crm:revoked:acltest'), NOPERM);
  assert.match(await as('crm-api', 'EVAL', "return redis.call('DEL', KEYS[1])", '1', 'crm:revoked:acltest'), NOPERM);
  assert.equal(await redisCli('EXISTS', 'crm:revoked:acltest'), '1');
  assert.match(await as('crm-api', 'XTRIM', 'crm:msg:0', 'MAXLEN', '0'), NOPERM);
  assert.match(await as('crm-api', 'XTRIM', 'crm:audit', 'MAXLEN', '0'), NOPERM);
  assert.match(await as('crm-api', 'XDEL', 'crm:audit', '0-1'), NOPERM);
  assert.match(await as('crm-api', 'FLUSHALL'), NOPERM);
  assert.match(await as('crm-api', 'CONFIG', 'SET', 'appendonly', 'no'), NOPERM);
  assert.match(await as('crm-api', 'SET', 'crm:msg:0', 'x'), NOPERM);
});

test("crm-pushd's user cannot add a message or touch revocations", async () => {
  assert.match(await as('crm-pushd', 'XADD', 'crm:msg:0', '*', 'v', '1', 'room', '1', 'sender', '1',
    'key', 'forged', 'body', 'forged'), NOPERM);
  assert.match(await as('crm-pushd', 'DEL', 'crm:revoked:acltest'), NOPERM);
  assert.match(await as('crm-pushd', 'SET', 'crm:revoked:x', '1'), NOPERM);
  assert.match(await as('crm-pushd', 'XRANGE', 'crm:audit', '-', '+'), NOPERM);
  assert.doesNotMatch(await as('crm-pushd', 'XREVRANGE', 'crm:msg:0', '+', '-', 'COUNT', '1'), NOPERM);
});

test("crm-worker's user cannot add a message or read revocations", async () => {
  assert.match(await as('crm-worker', 'XADD', 'crm:msg:0', '*', 'v', '1'), NOPERM);
  assert.match(await as('crm-worker', 'GET', 'crm:revoked:acltest'), NOPERM);
  assert.match(await as('crm-worker', 'DEL', 'crm:audit'), NOPERM);
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

function start(cmd, env) {
  const child = spawn(`${BIN}/${cmd}`, [], {
    env: { ...process.env, CRM_REDIS_PASSWORD: 'not-the-password', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.log = '';
  child.stderr.on('data', (d) => { child.log += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return child.exited;
  };
  return child;
}

test('crm-pushd with a wrong Redis password logs the refusal and reports unhealthy', async () => {
  const port = await freePort();
  const p = start('crm-pushd', { CRM_WS_PORT: String(port), CRM_WS_METRICS_PORT: '0', CRM_WS_PROCESSES: '1' });
  try {
    await eventually(() => /AUTH as user crm-pushd refused: WRONGPASS/.test(p.log), { timeoutMs: 10000 });
    const res = await eventually(async () => {
      try { return await fetch(`http://127.0.0.1:${port}/health`); } catch { return null; }
    });
    assert.equal(res.status, 503, await res.text());
  } finally {
    await p.stop();
  }
});

test('crm-worker with a wrong Redis password logs the refusal and stores nothing', async () => {
  const w = start('crm-worker', { CRM_WORKER_METRICS_PORT: '0', CRM_WORKER_NAME: 'wrong-password' });
  try {
    await eventually(() => /AUTH as user crm-worker refused: WRONGPASS/.test(w.log), { timeoutMs: 10000 });
    assert.doesNotMatch(await redisCli('XINFO', 'CONSUMERS', 'crm:msg:0', 'crm-worker'), /wrong-password/);
  } finally {
    await w.stop();
  }
});

test('production refuses to start without a Redis password', async () => {
  const env = { ...process.env, CRM_ENV: 'production', CRM_JWT_SECRET: 'p'.repeat(40), CRM_REDIS_PASSWORD_FILE: '' };
  delete env.CRM_REDIS_PASSWORD;
  for (const cmd of ['crm-pushd', 'crm-worker']) {
    await assert.rejects(run(`${BIN}/${cmd}`, [], { env, timeout: 10000 }),
      (e) => e.code === 1 && /Redis needs a password in production/.test(e.stderr), cmd);
  }
});

test('a message accepted by the send script survives a Redis restart with ACLs on', async () => {
  // The script's writes are in the AOF as one MULTI/EXEC block, replayed as the
  // default user: etc/redis-users.acl.in keeps that user's rights for it.
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff);
  const key = `acl-restart-${Date.now()}`;
  const r = await send(staff, room.id, 'kept across a restart', key);
  const id = r.body.data.sendMessage.id;
  await svc('stop', 'redis');
  await svc('start', 'redis');
  assert.match(await redisCli('XRANGE', 'crm:msg:0', id, id), /kept across a restart/);
  assert.match(await redisCli('GET', `crm:idem:${staff.id}:${key}`), new RegExp(id));
  assert.doesNotMatch(readFileSync(`${RUN_DIR}/logs/redis.log`, 'utf8'), /AOF-loading-client/);
  // And the stack is back: the same key answers the same message.
  await eventually(async () => (await send(staff, room.id, 'kept across a restart', key)).body.data?.sendMessage?.id === id);
});
