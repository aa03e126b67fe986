// Keepalive and the connection_init timeout, with short settings: the test
// stack's crm-pushd runs the defaults (30 s, 3 s), so this file starts a second
// crm-pushd on a free port with CRM_WS_PING_INTERVAL=1 and CRM_WS_INIT_TIMEOUT=1
// and stops it by PID at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { BIN, RUN_DIR, eventually } from './lib.mjs';
import { WebSocket, makeUser, token, sleep } from './pushd_lib.mjs';

let port;
let metricsPort;
let daemon;
let daemonExited;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
}

before(async () => {
  port = await freePort();
  metricsPort = await freePort();
  const log = fs.openSync(path.join(RUN_DIR, 'logs', 'crm-pushd-keepalive.log'), 'a');
  daemon = spawn(`${BIN}/crm-pushd`, [], {
    env: { ...process.env, CRM_WS_PORT: String(port), CRM_WS_METRICS_PORT: String(metricsPort), CRM_WS_PROCESSES: '1',
      CRM_WS_PING_INTERVAL: '1', CRM_WS_INIT_TIMEOUT: '1' },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  daemonExited = new Promise((resolve) => daemon.once('exit', (code, signal) => resolve({ code, signal })));
  await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok, { timeoutMs: 20000 });
});

after(async () => {
  if (!daemon) return;
  daemon.kill('SIGTERM');
  const t = setTimeout(() => daemon.kill('SIGKILL'), 10000);
  const { code } = await daemonExited;
  clearTimeout(t);
  assert.equal(code, 0, 'the second crm-pushd stops cleanly on SIGTERM');
});

/** A client text frame (zero mask key, so the payload is sent as is). */
function textFrame(s) {
  const p = Buffer.from(s);
  assert.ok(p.length < 65536);
  const head = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length]) :
    Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 0xff]);
  return Buffer.concat([head, Buffer.alloc(4), p]);
}

/**
 * A raw WebSocket over TCP that never answers pings: collects the frames the
 * server sends (opcode and text) and resolves `ended` when the server closes.
 */
function deafSocket() {
  const sock = net.connect(port, '127.0.0.1');
  const frames = [];
  let buf = Buffer.alloc(0);
  let upgraded = false;
  let waiters = [];
  let onUpgrade;
  const opened = new Promise((resolve) => { onUpgrade = resolve; });
  const t0 = Date.now();
  const ended = new Promise((resolve) => sock.once('close', () => resolve(Date.now() - t0)));
  sock.on('error', () => {});
  sock.on('connect', () => sock.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
    'Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n'));
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const e = buf.indexOf('\r\n\r\n');
      if (e < 0) return;
      assert.match(buf.subarray(0, e).toString(), /^HTTP\/1\.1 101 /);
      upgraded = true;
      buf = buf.subarray(e + 4);
      onUpgrade();
    }
    while (buf.length >= 2) {
      let len = buf[1] & 127;
      let h = 2;
      if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); h = 4; }
      assert.notEqual(len, 127);
      if (buf.length < h + len) break;
      const data = Buffer.from(buf.subarray(h, h + len));
      frames.push({ op: buf[0] & 15, at: Date.now() - t0, data, text: data.toString() });
      buf = buf.subarray(h + len);
    }
    waiters = waiters.filter((w) => !w());
  });
  const next = (pred, ms = 5000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching frame; got ${JSON.stringify(frames)}`)), ms);
    const check = () => { const f = frames.find(pred); if (f) { clearTimeout(t); resolve(f); return true; } return false; };
    if (!check()) waiters.push(check);
  });
  return { sock, frames, opened, ended, next, send: (s) => sock.write(textFrame(s)) };
}

test('a client that does not answer pings is closed after one ping interval', async () => {
  const u = await makeUser();
  const s = deafSocket();
  await s.opened;
  s.send(JSON.stringify({ type: 'connection_init', payload: { token: token(u) } }));
  await s.next((f) => f.op === 1 && JSON.parse(f.text).type === 'connection_ack');
  const ping = await s.next((f) => f.op === 9, 4000);
  const endedAt = await Promise.race([s.ended, sleep(6000).then(() => null)]);
  assert.notEqual(endedAt, null, 'the server closes the socket');
  // The pong was due by the next ping: closed one to two sweeps after the ping.
  assert.ok(endedAt - ping.at >= 500 && endedAt - ping.at <= 3500, `closed ${endedAt - ping.at} ms after the ping`);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /^crm_pushd_pong_timeouts_total [1-9]/m);
});

test('a client that answers pings stays open across several intervals', async () => {
  const u = await makeUser();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, ['graphql-transport-ws']);
  let pings = 0;
  let closed = null;
  ws.on('ping', () => { pings++; }); // ws answers with a pong by itself
  ws.on('close', (code) => { closed = code; });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const acked = new Promise((resolve) => ws.on('message', (d) => {
    if (JSON.parse(d.toString()).type === 'connection_ack') resolve();
  }));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { token: token(u) } }));
  await acked;
  await sleep(4500);
  assert.equal(closed, null, 'still open');
  assert.ok(pings >= 2, `${pings} pings`);
  ws.close(1000);
  await new Promise((resolve) => (closed !== null ? resolve() : ws.once('close', resolve)));
});

test('CRM_WS_INIT_TIMEOUT is read: no connection_init within 1 s closes with 4408', async () => {
  const s = deafSocket();
  await s.opened;
  const close = await s.next((f) => f.op === 8, 4000);
  assert.ok(close.at < 3000, `close frame after ${close.at} ms`);
  assert.equal(close.data.readUInt16BE(0), 4408);
  s.sock.end();
  await s.ended;
});
