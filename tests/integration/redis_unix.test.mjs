// CRM_REDIS_HOST may be the path of Redis's Unix socket (the test stack's Redis
// listens on one besides its TCP port). Both Redis clients work over it against
// the real Redis: lib/redis_sync.c (crm-worker persisting a message) and the
// hiredis async link of crm-pushd (a subscription receiving one). The TCP port
// given to them is closed, so nothing can silently go over TCP instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { makeRooms, entry, Resp, spawnWorker } from '../faults/lib.mjs';
import { psql, eventually, svc, RUN_DIR, BIN } from './lib.mjs';
import { makeUser, makeRoom, token, xadd, createClient, WebSocket, collect } from './pushd_lib.mjs';

const SOCK = `${RUN_DIR}/redis/redis.sock`;
const OVER_SOCKET = { CRM_REDIS_HOST: SOCK, CRM_REDIS_PORT: '1' };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

test('the test Redis has its Unix socket', () => {
  assert.ok(existsSync(SOCK), SOCK);
});

test('crm-worker reads and acknowledges over the Unix socket', async () => {
  const { sender, rooms } = await makeRooms('unixsock', 1);
  await svc('stop', 'worker');
  const w = spawnWorker('unix-socket', OVER_SOCKET);
  try {
    const c = new Resp();
    await c.connect();
    await c.send(entry(rooms[0], sender, 'unix-socket-1', 'over a socket'));
    c.close();
    await eventually(async () =>
      (await psql(`SELECT body FROM messages WHERE idempotency_key = 'unix-socket-1'`)) === 'over a socket');
  } finally {
    await w.stop();
    await svc('start', 'worker');
  }
});

test('crm-pushd streams entries over the Unix socket', async () => {
  const port = await freePort();
  const log = openSync(`${RUN_DIR}/logs/crm-pushd-unix-socket.log`, 'a');
  // Its own process group, so that its workers stop with it.
  const pushd = spawn(`${BIN}/crm-pushd`, [], {
    env: { ...process.env, ...OVER_SOCKET, CRM_WS_PORT: String(port), CRM_WS_METRICS_PORT: '0', CRM_WS_PROCESSES: '1' },
    stdio: ['ignore', log, log],
    detached: true,
  });
  closeSync(log);
  const exited = new Promise((r) => pushd.once('exit', r));
  let client;
  try {
    await eventually(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      return r.status === 200 && (await r.json()).redis === 'up';
    });
    const u = await makeUser('STAFF');
    const room = await makeRoom(u);
    client = createClient({
      url: `ws://127.0.0.1:${port}/`, webSocketImpl: WebSocket, connectionParams: { token: token(u) },
      retryAttempts: 0, lazy: false, onNonLazyError: () => {},
    });
    const sub = collect(client, 'subscription S($r: ID!) { messageAdded(roomId: $r) { body } }', { r: String(room) });
    await eventually(async () => {
      await xadd(room, u, 'through the socket');
      return sub.items.length > 0;
    }, { intervalMs: 300 });
    assert.equal(sub.items[0].data.messageAdded.body, 'through the socket');
  } finally {
    client?.dispose();
    try { process.kill(-pushd.pid, 'SIGTERM'); } catch { /* already gone */ }
    await exited;
  }
});
