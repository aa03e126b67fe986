// The admin curl scripts in etc/examples, run as an operator would.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { HTTP, ROOT } from './lib.mjs';
import { makeUser, PASSWORD } from './api.mjs';

const run = promisify(execFile);
let admin, token;
const script = (name, args, env = {}) =>
  run(`${ROOT}/etc/examples/${name}`, args, { env: { ...process.env, CRM_URL: HTTP, CRM_TOKEN: token, ...env } });

before(async () => {
  admin = await makeUser('ADMIN');
  const { stdout } = await run(`${ROOT}/etc/examples/login.sh`, [admin.email],
    { env: { ...process.env, CRM_URL: HTTP, CRM_PASSWORD: PASSWORD } });
  token = stdout.trim();
});

test('login.sh prints a token', () => {
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('login.sh fails with the error on a wrong password', async () => {
  await assert.rejects(run(`${ROOT}/etc/examples/login.sh`, [admin.email],
    { env: { ...process.env, CRM_URL: HTTP, CRM_PASSWORD: 'wrong-password' } }), /UNAUTHENTICATED/);
});

test('create-user.sh creates a user', async () => {
  const email = `curl-${randomUUID()}@test.example`;
  const { stdout } = await script('create-user.sh', [email, 'Curl Made', 'STAFF'], { NEW_PASSWORD: 'curl-password-1' });
  const u = JSON.parse(stdout);
  assert.equal(u.email, email);
  assert.equal(u.role, 'STAFF');
});

test('queue-stats.sh and dead-letters.sh print JSON', async () => {
  const qs = JSON.parse((await script('queue-stats.sh', [])).stdout);
  for (const k of ['streams', 'length', 'lag', 'pending', 'deadLetters', 'consumers']) assert.equal(typeof qs[k], 'number');
  assert.ok(Array.isArray(JSON.parse((await script('dead-letters.sh', ['10'])).stdout)));
});

test('retry-dead-letter.sh reports an unknown id', async () => {
  await assert.rejects(script('retry-dead-letter.sh', ['1-1']), /NOT_FOUND/);
});

test('admin scripts refuse a non-admin token', async () => {
  const staff = await makeUser('STAFF');
  await assert.rejects(script('queue-stats.sh', [], { CRM_TOKEN: staff.token }), /FORBIDDEN/);
});
