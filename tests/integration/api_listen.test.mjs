// crm-api on a socket of its own (CRM_API_LISTEN, or systemd's), the way Apache
// and nginx reach it: CRM_API_PROCS processes under a supervisor that restarts
// one that dies and stops them all on SIGTERM. Spoken to in FastCGI directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { BIN, RUN_DIR, eventually } from './lib.mjs';
import { fcgiRequest } from './fcgi_client.mjs';

const API = join(BIN, 'crm-api');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

function start(env, { cmd = API, args = [] } = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.log = '';
  child.stderr.on('data', (d) => { child.log += d; });
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return child;
}

async function stop(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return child.exited;
}

function childrenOf(pid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function healthy(to) {
  const r = await fcgiRequest(to, { uri: '/health' });
  assert.equal(r.status, 200, r.body);
  assert.equal(JSON.parse(r.body).status, 'ok');
}

test('CRM_API_LISTEN=HOST:PORT: N processes answer /health and /graphql, one killed is replaced, SIGTERM stops all', async () => {
  const port = await freePort();
  const api = start({ CRM_API_LISTEN: `127.0.0.1:${port}`, CRM_API_PROCS: '3' });
  try {
    await eventually(() => healthy({ port }).then(() => true), { timeoutMs: 20000 });
    await eventually(() => childrenOf(api.pid).length === 3);
    const q = await fcgiRequest({ port }, {
      method: 'POST', uri: '/graphql', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(q.status, 200);
    assert.deepEqual(JSON.parse(q.body), { data: { __typename: 'Query' } });
    // Requests spread over the processes and none is lost while one is replaced.
    const [victim] = childrenOf(api.pid);
    process.kill(victim, 'SIGKILL');
    await eventually(() => !alive(victim));
    for (let i = 0; i < 20; i++) await healthy({ port });
    await eventually(() => childrenOf(api.pid).length === 3 && !childrenOf(api.pid).includes(victim));
    const kids = childrenOf(api.pid);
    const { code } = await stop(api);
    assert.equal(code, 0, api.log);
    for (const k of kids) assert.ok(!alive(k), `process ${k} outlived the supervisor`);
    await assert.rejects(fcgiRequest({ port }), /ECONNREFUSED/);
  } finally {
    await stop(api);
  }
});

test('CRM_API_LISTEN=a Unix socket path: served, and the socket file goes when crm-api stops', async () => {
  const path = join(RUN_DIR, `crm-api-test-${process.pid}.sock`);
  const api = start({ CRM_API_LISTEN: path, CRM_API_PROCS: '1' });
  try {
    await eventually(() => healthy({ path }).then(() => true), { timeoutMs: 20000 });
    const { code } = await stop(api);
    assert.equal(code, 0, api.log);
    assert.ok(!existsSync(path), 'the socket file was left behind');
  } finally {
    await stop(api);
  }
});

test('systemd socket activation: crm-api takes the socket systemd passes', async () => {
  const port = await freePort();
  // systemd-socket-activate listens, then execs crm-api with LISTEN_FDS=1 on the
  // first connection, as systemd does with crm-api.socket. It passes on only the
  // environment it is told to (-E), as systemd does.
  const env = { ...process.env, CRM_API_PROCS: '2' };
  const pass = Object.keys(env).filter((k) => /^(CRM_|ASAN_|UBSAN_)/.test(k) && k !== 'CRM_API_LISTEN')
    .flatMap((k) => ['-E', `${k}=${env[k]}`]);
  const api = start({ CRM_API_PROCS: '2' }, {
    cmd: 'systemd-socket-activate', args: ['-l', `127.0.0.1:${port}`, ...pass, API],
  });
  try {
    await eventually(() => healthy({ port }).then(() => true), { timeoutMs: 20000 });
    await eventually(() => childrenOf(api.pid).length === 2);
    const { code } = await stop(api);
    assert.equal(code, 0, api.log);
  } finally {
    await stop(api);
  }
});

test('bad sockets are refused at start with a clear message', async () => {
  const notSocket = join(RUN_DIR, `not-a-socket-${process.pid}`);
  writeFileSync(notSocket, 'keep me');
  const cases = [
    [{ CRM_API_LISTEN: ':9' }, /HOST:PORT or an absolute socket path/],
    [{ CRM_API_LISTEN: '127.0.0.1:99999' }, /HOST:PORT/],
    [{ CRM_API_LISTEN: 'relative.sock' }, /HOST:PORT or an absolute socket path/],
    [{ CRM_API_LISTEN: notSocket }, /exists and is not a socket/],
    [{ CRM_API_LISTEN: '', CRM_API_PROCS: '2' }, /no socket: start crm-api from lighttpd/],
    [{ CRM_API_LISTEN: '127.0.0.1:1', CRM_API_PROCS: '0' }, /CRM_API_PROCS/],
  ];
  for (const [env, message] of cases) {
    const api = start(env);
    const { code } = await api.exited;
    assert.equal(code, 1, `${JSON.stringify(env)}: ${api.log}`);
    assert.match(api.log, message, JSON.stringify(env));
  }
  assert.equal(readFileSync(notSocket, 'utf8'), 'keep me');
});
