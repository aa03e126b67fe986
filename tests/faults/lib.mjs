// Helpers of the worker's fault tests: a small RESP client that XADDs messages in
// the stream entry format (lib/stream_entry.h) and records each as accepted,
// refused or unanswered; a second crm-worker process; the checks of lost,
// duplicated and misordered messages.
import net from 'node:net';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { REDIS_PORT, REDIS_USER, REDIS_PASSWORD, RUN_DIR, BIN, psql, redisCli, svc, eventually } from '../integration/lib.mjs';

export * from '../integration/lib.mjs';
const run = promisify(execFile);

/** Encodes one command as RESP. */
function resp(args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) {
    const b = Buffer.from(String(a));
    parts.push(`$${b.length}\r\n`, b, '\r\n');
  }
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

/** Parses one RESP reply at buf[pos]; returns [value, next] or null when incomplete. */
function parseReply(buf, pos) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  if (type === '+') return [line, next];
  if (type === '-') return [new Error(line), next];
  if (type === ':') return [Number(line), next];
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return [null, next];
    if (buf.length < next + n + 2) return null;
    return [buf.toString('utf8', next, next + n), next + n + 2];
  }
  if (type === '*') {
    const n = Number(line);
    if (n < 0) return [null, next];
    const out = [];
    let p = next;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (!r) return null;
      out.push(r[0]);
      p = r[1];
    }
    return [out, p];
  }
  throw new Error(`bad RESP type ${type}`);
}

/** A pipelining Redis connection: send(args) resolves with the reply, or rejects
 * when the connection is lost before it came. It signs in as `auth` (the
 * operators' ACL user unless told otherwise) before anything else. */
export class Resp {
  constructor(port = REDIS_PORT, auth = { user: REDIS_USER, password: REDIS_PASSWORD }) {
    this.port = port; this.auth = auth; this.queue = []; this.buf = Buffer.alloc(0);
  }

  connect() {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1');
      s.once('connect', () => {
        this.sock = s;
        if (!this.auth) return resolve();
        this.send(['AUTH', this.auth.user, this.auth.password]).then((r) => {
          if (r instanceof Error) { this.close(); reject(r); } else resolve();
        }, reject);
      });
      s.once('error', (e) => { if (!this.sock) reject(e); });
      s.on('data', (d) => this.onData(d));
      s.on('close', () => this.fail(new Error('connection closed')));
      s.on('error', () => {});
    });
  }

  onData(d) {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    let pos = 0;
    for (;;) {
      const r = parseReply(this.buf, pos);
      if (!r) break;
      pos = r[1];
      const w = this.queue.shift();
      if (w) w.resolve(r[0]);
    }
    this.buf = this.buf.subarray(pos);
  }

  fail(err) {
    this.sock = null;
    const q = this.queue;
    this.queue = [];
    for (const w of q) w.reject(err);
  }

  send(args) {
    if (!this.sock) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.sock.write(resp(args));
    });
  }

  close() { if (this.sock) this.sock.destroy(); this.sock = null; }
}

/** Creates a staff sender and `rooms` rooms; returns { sender, rooms: [id...] }. */
export async function makeRooms(tag, rooms) {
  const sender = await psql(`INSERT INTO users (email, display_name, role, password_hash)
    VALUES ('${tag}@faults.test', 'Sender ${tag}', 'STAFF', 'x') RETURNING id`);
  const ids = await psql(`INSERT INTO rooms (name, created_by)
    SELECT 'room ${tag} ' || g, ${sender} FROM generate_series(1, ${rooms}) g RETURNING id`);
  return { sender: Number(sender), rooms: ids.split('\n').map(Number) };
}

/** The XADD argv of one message (lib/stream_entry.h). */
export function entry(room, sender, key, body, stream = 'crm:msg:0') {
  return ['XADD', stream, '*', 'v', '1', 'room', room, 'sender', sender, 'key', key, 'body', body];
}

/**
 * Sends `count` messages spread over rooms, at most `window` in flight,
 * reconnecting after a loss. Each is accepted (XADD answered an id), refused
 * (an error reply) or unanswered (the connection was lost first).
 * `during(i)` is awaited before message i when given (to inject faults).
 */
export async function produce({ tag, sender, rooms, count, window = 200, during, pauseMs = 0 }) {
  const accepted = []; // { room, key, id, i }
  let refused = 0;
  let unanswered = 0;
  let conn = new Resp();
  const inflight = new Set();
  const reconnect = async () => {
    for (;;) {
      try { conn = new Resp(); await conn.connect(); return; } catch { await sleep(100); }
    }
  };
  await reconnect();
  for (let i = 0; i < count; i++) {
    if (during) await during(i);
    if (pauseMs && i % window === 0) await sleep(pauseMs);
    if (!conn.sock) { await Promise.allSettled([...inflight]); await reconnect(); }
    const room = rooms[i % rooms.length];
    const key = `${tag}-${i}`;
    const p = conn.send(entry(room, sender, key, `message ${i} of ${tag} "quoted" \\ and ünïcode`))
      .then((r) => {
        if (r instanceof Error) refused++;
        else accepted.push({ room, key, id: r, i });
      }, () => { unanswered++; })
      .finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.allSettled([...inflight]);
  conn.close();
  return { accepted, refused, unanswered };
}

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

/** Waits until every accepted message of tag is stored and nothing is pending. */
export async function drained(tag, accepted, { timeoutMs = 60000 } = {}) {
  await eventually(async () => {
    const n = Number(await psql(`SELECT count(*) FROM messages WHERE idempotency_key LIKE '${tag}-%'`));
    return n >= accepted.length;
  }, { timeoutMs, intervalMs: 250 });
  await eventually(async () => {
    const xp = await redisCli('XPENDING', 'crm:msg:0', 'crm-worker');
    return xp.split('\n')[0] === '0';
  }, { timeoutMs, intervalMs: 250 });
}

/**
 * Checks the stored rows of tag against what was accepted: lost (accepted, not
 * stored), duplicated (same sender and key stored twice), misplaced (stored at
 * another position than its stream ID), misordered (a room's rows by position
 * differ from the stream order). Unanswered messages may be stored, once.
 */
export async function audit(tag, sender, accepted) {
  const rows = (await psql(`SELECT room_id, idempotency_key, stream_ms || '-' || stream_seq
      FROM messages WHERE sender_id = ${sender} AND idempotency_key LIKE '${tag}-%'
      ORDER BY room_id, stream_ms, stream_seq`)).split('\n').filter(Boolean)
    .map((l) => { const [room, key, pos] = l.split('|'); return { room: Number(room), key, pos }; });
  const byKey = new Map();
  let duplicated = 0;
  for (const r of rows) {
    if (byKey.has(r.key)) duplicated++;
    byKey.set(r.key, r);
  }
  let lost = 0;
  let misplaced = 0;
  for (const a of accepted) {
    const r = byKey.get(a.key);
    if (!r) lost++;
    else if (r.pos !== a.id || r.room !== a.room) misplaced++;
  }
  // Order: per room, the stored keys by position must follow the send order
  // (one connection, so the stream order) of the accepted ones among them.
  const acceptedKeys = new Set(accepted.map((a) => a.key));
  const seqOf = (key) => Number(key.slice(key.lastIndexOf('-') + 1));
  let misordered = 0;
  let lastRoom = null;
  let last = -1;
  for (const r of rows) {
    if (!acceptedKeys.has(r.key)) continue;
    if (r.room !== lastRoom) { lastRoom = r.room; last = -1; }
    const s = seqOf(r.key);
    if (s < last) misordered++;
    last = s;
  }
  return { lost, duplicated, misplaced, misordered, stored: rows.length };
}

export async function deadLetterCount() {
  return Number(await redisCli('XLEN', 'crm:dead'));
}

/** Runs the dead-letter/queue-stats test driver (tests/worker/dltool). */
export async function dltool(...args) {
  const { stdout } = await run(`${BIN}/tests/worker/dltool`, args, { env: process.env });
  return stdout.trim();
}

export function workerPid() {
  try { return Number(readFileSync(`${RUN_DIR}/crm-worker.pid`, 'utf8')); } catch { return 0; }
}

export function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Restarts the stack's worker with extra environment (set in process.env, which
 * `./dev svc` passes on). */
export async function restartWorker(env = {}) {
  await svc('stop', 'worker');
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k]; else process.env[k] = String(v);
  }
  await svc('start', 'worker');
  await eventually(() => alive(workerPid()));
}

/** Kills the stack's worker with SIGKILL and waits until it is gone. */
export async function killWorker() {
  const pid = workerPid();
  process.kill(pid, 'SIGKILL');
  await eventually(() => !alive(pid), { timeoutMs: 5000 });
}

/** Starts another crm-worker beside the stack's, logging into the run folder
 * (so that sanitizer reports are seen). Returns { child, stop() }. */
export function spawnWorker(name, env = {}) {
  const log = openSync(`${RUN_DIR}/logs/crm-worker-${name}.log`, 'a');
  const child = spawn(`${BIN}/crm-worker`, [], {
    env: { ...process.env, CRM_WORKER_NAME: name, CRM_WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise((r) => child.once('exit', (code, sig) => r({ code, sig })));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
