// RFC 6455 conformance of crm-pushd on raw TCP: framing, masking, sizes, control
// frames, the close handshake, bad handshakes; slow readers and keepalive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { rawRequest, WS_PORT, WS_METRICS_PORT } from './lib.mjs';
import { makeUser, makeRoom, token, xaddMany, initedSocket, ORIGIN, sleep } from './pushd_lib.mjs';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const head = (extra = '') => `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n${extra}\r\n`;

/** A client frame; masked unless mask is false. */
function frame(opcode, payload, { fin = true, mask = true } = {}) {
  const data = Buffer.from(payload);
  const len = data.length;
  const hdr = [((fin ? 0x80 : 0) | opcode)];
  if (len < 126) hdr.push((mask ? 0x80 : 0) | len);
  else if (len < 65536) hdr.push((mask ? 0x80 : 0) | 126, len >> 8, len & 255);
  else { hdr.push((mask ? 0x80 : 0) | 127, 0, 0, 0, 0); const b = Buffer.alloc(4); b.writeUInt32BE(len); hdr.push(...b); }
  if (!mask) return Buffer.concat([Buffer.from(hdr), data]);
  const m = crypto.randomBytes(4);
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) out[i] ^= m[i & 3];
  return Buffer.concat([Buffer.from(hdr), m, out]);
}

/** Parses server frames from a buffer (server frames are never masked). */
function parseFrames(buf) {
  const frames = [];
  let off = 0;
  while (off + 2 <= buf.length) {
    const b0 = buf[off], b1 = buf[off + 1];
    let len = b1 & 127, p = off + 2;
    if (len === 126) { if (p + 2 > buf.length) break; len = buf.readUInt16BE(p); p += 2; }
    else if (len === 127) { if (p + 8 > buf.length) break; len = Number(buf.readBigUInt64BE(p)); p += 8; }
    if (p + len > buf.length) break;
    frames.push({ fin: !!(b0 & 0x80), opcode: b0 & 15, masked: !!(b1 & 0x80), payload: buf.subarray(p, p + len) });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** An upgraded raw socket: frames received, close code when the server closes. */
async function connect() {
  const sock = net.connect(WS_PORT, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let buf = Buffer.alloc(0);
  let upgraded = false;
  const frames = [];
  let waiters = [];
  const ended = new Promise((r) => sock.once('close', r));
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      assert.match(buf.subarray(0, i).toString(), /^HTTP\/1\.1 101 /);
      buf = buf.subarray(i + 4);
      upgraded = true;
    }
    const r = parseFrames(buf);
    buf = r.rest;
    frames.push(...r.frames);
    waiters = waiters.filter((w) => !w());
  });
  sock.write(head());
  const next = (pred, ms = 5000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no frame; got ${JSON.stringify(frames.map((f) => [f.opcode, f.payload.toString()]))}`)), ms);
    const check = () => { const f = frames.find(pred); if (f) { clearTimeout(t); resolve(f); return true; } return false; };
    if (!check()) waiters.push(check);
  });
  const closeCode = async () => { const f = await next((x) => x.opcode === 8); return f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005; };
  return { sock, frames, next, closeCode, ended };
}

const text = (s) => (f) => f.opcode === 1 && f.payload.toString().includes(s);

test('a fragmented text message is reassembled; ping is answered with pong', async () => {
  const c = await connect();
  const msg = JSON.stringify({ type: 'ping', payload: { x: 'fragmented' } });
  c.sock.write(frame(1, msg.slice(0, 5), { fin: false }));
  c.sock.write(frame(9, 'ctl')); // a control frame between fragments
  c.sock.write(frame(0, msg.slice(5, 12), { fin: false }));
  // The last fragment split over two TCP writes.
  const last = frame(0, msg.slice(12));
  c.sock.write(last.subarray(0, 3));
  await sleep(50);
  c.sock.write(last.subarray(3));
  const pong = await c.next((f) => f.opcode === 10);
  assert.equal(pong.payload.toString(), 'ctl');
  const reply = await c.next(text('pong'));
  assert.deepEqual(JSON.parse(reply.payload.toString()), { type: 'pong', payload: { x: 'fragmented' } });
  assert.equal(reply.masked, false);
  c.sock.destroy();
});

test('invalid UTF-8 in a text message closes with 1007', async () => {
  const c = await connect();
  c.sock.write(frame(1, Buffer.from([0x7b, 0xc3, 0x28, 0x7d])));
  assert.equal(await c.closeCode(), 1007);
  c.sock.destroy();
});

test('an unmasked client frame closes with 1002', async () => {
  const c = await connect();
  c.sock.write(frame(1, '{"type":"ping"}', { mask: false }));
  assert.equal(await c.closeCode(), 1002);
  c.sock.destroy();
});

test('a message over the size limit closes with 1009', async () => {
  const c = await connect();
  c.sock.write(frame(1, 'x'.repeat(70000)));
  assert.equal(await c.closeCode(), 1009);
  c.sock.destroy();
});

test('a control frame over 125 bytes closes with 1002', async () => {
  const c = await connect();
  // A ping with a 2-byte extended length of 126: not allowed for control frames.
  c.sock.write(frame(9, 'p'.repeat(126)));
  assert.equal(await c.closeCode(), 1002);
  c.sock.destroy();
});

test('a close frame with a 1-byte payload is a protocol error: 1002 (RFC 6455 5.5.1)', async () => {
  const c = await connect();
  c.sock.write(frame(8, Buffer.from([0x03])));
  assert.equal(await c.closeCode(), 1002);
  await c.ended;
});

test('the close handshake: the server echoes the close and ends the TCP connection', async () => {
  const c = await connect();
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(1000);
  c.sock.write(frame(8, payload));
  assert.equal(await c.closeCode(), 1000);
  await c.ended;
});

test('bad handshakes: missing key 400, wrong version 426, wrong Origin 403; allowed Origin 101', async () => {
  const noKey = await rawRequest(WS_PORT, 'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n');
  assert.match(noKey, /^HTTP\/1\.1 400 /);
  const version = await rawRequest(WS_PORT, head().replace('Version: 13', 'Version: 8'));
  assert.match(version, /^HTTP\/1\.1 426 /);
  assert.match(version, /Sec-WebSocket-Version: 13/);
  const origin = await rawRequest(WS_PORT, head('Origin: http://evil.example\r\n'));
  assert.match(origin, /^HTTP\/1\.1 403 /);
  const ok = await rawRequest(WS_PORT, head(`Origin: ${ORIGIN}\r\n`), { timeoutMs: 500 });
  assert.match(ok, /^HTTP\/1\.1 101 /);
  assert.match(ok, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=/);
  assert.match(ok, /Sec-WebSocket-Protocol: graphql-transport-ws/);
  const big = await rawRequest(WS_PORT, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
});

test('a wrong subprotocol: the upgrade completes without one and the socket closes with 4406', async () => {
  const sock = net.connect(WS_PORT, '127.0.0.1');
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); });
  sock.write(head().replace('graphql-transport-ws', 'graphql-ws'));
  await new Promise((r) => sock.once('close', r).once('end', r));
  const i = buf.indexOf('\r\n\r\n');
  assert.match(buf.subarray(0, i).toString(), /^HTTP\/1\.1 101 /);
  assert.doesNotMatch(buf.subarray(0, i).toString(), /Sec-WebSocket-Protocol/);
  const { frames } = parseFrames(buf.subarray(i + 4));
  assert.equal(frames[0].opcode, 8);
  assert.equal(frames[0].payload.readUInt16BE(0), 4406);
  sock.destroy();
});

test('a slow reader is closed while others keep receiving', async () => {
  const u = await makeUser();
  const room = await makeRoom(u);
  const tok = token(u);
  const sub = (id) => ({ id, type: 'subscribe', payload: { query: `subscription { messageAdded(roomId: "${room}") { body } }` } });
  const fast = await initedSocket(tok);
  fast.send(sub('f'));
  // The slow one: raw TCP that never reads after the ack.
  const slow = await connect();
  slow.sock.write(frame(1, JSON.stringify({ type: 'connection_init', payload: { token: tok } })));
  await slow.next(text('connection_ack'));
  slow.sock.write(frame(1, JSON.stringify(sub('s'))));
  await sleep(300);
  slow.sock.pause();
  const before = await (await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`)).text();
  const slowBefore = Number(/crm_pushd_slow_consumers_closed_total (\d+)/.exec(before)[1]);
  const body = 'y'.repeat(3900);
  const n = 3000; // ~12 MB per subscriber: past the 1 MiB queue limit and the socket buffers
  await xaddMany(room, u, [...Array(n).keys()].map((j) => `${j}-${body}`));
  // The fast reader gets everything, in order.
  const deadline = Date.now() + 60000;
  while (fast.messages.filter((m) => m.type === 'next').length < n && Date.now() < deadline) await sleep(200);
  const got = fast.messages.filter((m) => m.type === 'next').map((m) => Number(m.payload.data.messageAdded.body.split('-')[0]));
  assert.equal(got.length, n);
  assert.deepEqual(got, [...Array(n).keys()]);
  const after = await (await fetch(`http://127.0.0.1:${WS_METRICS_PORT}/metrics`)).text();
  assert.ok(Number(/crm_pushd_slow_consumers_closed_total (\d+)/.exec(after)[1]) > slowBefore);
  slow.sock.resume();
  await slow.ended;
  fast.ws.close();
});
