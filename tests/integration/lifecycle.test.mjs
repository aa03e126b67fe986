// Daemons stop cleanly on SIGTERM and come back; the worker made its groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WS_PORT, RUN_DIR, svc, eventually, redisCli } from './lib.mjs';

function pidOf(name) {
  return Number(readFileSync(`${RUN_DIR}/${name}.pid`, 'utf8'));
}

function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('crm-worker creates its consumer groups on the message and audit streams', async () => {
  await eventually(async () => (await redisCli('XINFO', 'GROUPS', 'crm:msg:0')).includes('crm-worker'));
  await eventually(async () => (await redisCli('XINFO', 'GROUPS', 'crm:audit')).includes('crm-worker'));
});

for (const [name, svcName] of [['crm-pushd', 'pushd'], ['crm-worker', 'worker']]) {
  test(`${name} exits on SIGTERM within 5 s and starts again`, async () => {
    const pid = pidOf(name);
    assert.ok(alive(pid));
    const log = readFileSync(`${RUN_DIR}/logs/${name}.log`, 'utf8');
    assert.match(log, /started|listening/);
    process.kill(pid, 'SIGTERM');
    await eventually(() => !alive(pid), { timeoutMs: 5000 });
    assert.match(readFileSync(`${RUN_DIR}/logs/${name}.log`, 'utf8'), /stopped/);
    await svc('start', svcName);
    if (svcName === 'pushd') {
      await eventually(async () => (await fetch(`http://127.0.0.1:${WS_PORT}/health`)).ok);
    }
  });
}

test('crm-pushd restarts a child process that dies', async () => {
  const { execFileSync } = await import('node:child_process');
  const parent = pidOf('crm-pushd');
  const children = () => execFileSync('pgrep', ['-P', String(parent)]).toString().trim().split('\n').map(Number);
  const [child] = children();
  process.kill(child, 'SIGKILL');
  await eventually(() => { const c = children(); return c.length >= 1 && !c.includes(child); });
  await eventually(async () => (await fetch(`http://127.0.0.1:${WS_PORT}/health`)).ok);
});

test('every program refuses to start in production with the dev-only secret', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./lib.mjs');
  for (const prog of ['crm-api', 'crm-pushd', 'crm-worker']) {
    const env = { ...process.env, CRM_ENV: 'production' };
    delete env.CRM_JWT_SECRET;
    const r = spawnSync(`${BIN}/${prog}`, [], { env, timeout: 30000, input: '', encoding: 'utf8' });
    assert.equal(r.error, undefined, `${prog}: ${r.error}`);
    assert.notEqual(r.status, 0, prog);
    assert.match(r.stderr, /CRM_JWT_SECRET is the dev-only default/, prog);
    const short = spawnSync(`${BIN}/${prog}`, [], { env: { ...env, CRM_JWT_SECRET: 'too-short' }, timeout: 30000, input: '', encoding: 'utf8' });
    assert.equal(short.error, undefined, `${prog}: ${short.error}`);
    assert.notEqual(short.status, 0, prog);
    assert.match(short.stderr, /at least 32 bytes/, prog);
  }
});
