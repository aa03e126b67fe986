// Helpers of the high-availability fault tests (`./dev test ha`, dev-ha.sh):
// where the topology is, GraphQL through HAProxy, a steady sendMessage load
// that retries each message with its idempotency key until it is accepted,
// graphql-ws subscribers that reconnect through HAProxy and resume with
// `after`, and the checks: every accepted message stored exactly once, each
// subscriber's sequence gap-free and duplicate-free, order per room kept.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';

const run = promisify(execFile);
const require = createRequire(new URL('../js/package.json', import.meta.url));
const WebSocket = require('ws');
const { createClient } = require('graphql-ws');

if (!process.env.CRM_TEST_HA_ENV) throw new Error('the HA tests run inside `./dev test ha`, which starts the topology');
export const HA = Object.fromEntries(readFileSync(process.env.CRM_TEST_HA_ENV, 'utf8').trim().split('\n')
  .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
export const HTTP = `http://127.0.0.1:${HA.HA_HTTP}`;
export const WS_URL = `ws://127.0.0.1:${HA.HA_WS}/`;
const ORIGIN = (process.env.CRM_WS_ORIGINS || '').split(',')[0];
const PG_PORTS = HA.HA_PG_PORTS.split(',');
export const REDIS_PORTS = HA.HA_REDIS_PORTS.split(',').map(Number);
const PASSWORD = 'ha-test-password-1';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** ./dev ha ARGS (kill NAME, start NAME, promote, rebuild) on the test topology. */
export async function dev(...args) {
  const { stdout } = await run(process.env.CRM_TEST_DEV, ['ha', ...args], { env: process.env, timeout: 180000 });
  return stdout.trim();
}

/** psql on whichever server is the primary now (libpq's multi-host string). */
export async function psql(sql) {
  const conn = `host=127.0.0.1,127.0.0.1 port=${PG_PORTS.join(',')} dbname=crm user=postgres target_session_attrs=read-write connect_timeout=3`;
  const { stdout } = await run('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', '-d', conn, '-c', sql]);
  return stdout.trim();
}

/** redis-cli as the operators' user on one server. */
export async function redisCli(port, ...args) {
  const { stdout } = await run('redis-cli', ['--no-auth-warning', '--user', 'crm-ops', '-p', String(port), ...args]);
  return stdout.trim();
}

/** The Redis servers of the second stream shard (Sentinel master crm2). */
export const REDIS2_PORTS = (HA.HA_REDIS2_PORTS || '').split(',').filter(Boolean).map(Number);

/** The Redis server the Sentinels name the primary of `name` now (its port). */
export async function redisPrimaryPort(name = 'crm') {
  for (const p of HA.HA_SENTINEL_PORTS.split(',')) {
    try {
      const { stdout } = await run('redis-cli', ['--no-auth-warning', '-p', p, 'SENTINEL', 'get-master-addr-by-name', name],
        { env: { ...process.env, REDISCLI_AUTH: readFileSync(`${process.env.CRM_TEST_RUN}/redis/sentinel.pass`, 'utf8').trim() } });
      const lines = stdout.trim().split('\n');
      if (lines.length === 2) return Number(lines[1]);
    } catch { /* the next one */ }
  }
  throw new Error('no Sentinel names a primary');
}

export async function gql(query, variables = {}, token) {
  const res = await fetch(`${HTTP}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = { text }; }
  return { status: res.status, body };
}

/** A STAFF user made with crm-admin, signed in through HAProxy. */
export async function makeStaff() {
  const email = `ha-${randomUUID()}@ha.test`;
  const { stdout } = await run(`${process.env.CRM_TEST_BIN}/crm-admin`,
    ['create-user', '--email', email, '--name', 'HA Staff', '--role', 'STAFF'],
    { env: { ...process.env, CRM_ADMIN_PASSWORD: PASSWORD } });
  const r = await gql('mutation($e:String!,$p:String!){login(email:$e,password:$p){token}}', { e: email, p: PASSWORD });
  if (!r.body.data) throw new Error(`login: ${JSON.stringify(r.body)}`);
  return { id: stdout.trim(), token: r.body.data.login.token };
}

export async function makeRoom(staff) {
  const r = await gql('mutation($n:String!){createRoom(name:$n){id}}', { n: `ha ${randomUUID().slice(0, 8)}` }, staff.token);
  if (!r.body.data) throw new Error(`createRoom: ${JSON.stringify(r.body)}`);
  return r.body.data.createRoom.id;
}

/**
 * A subscriber of one room through HAProxy: whenever its socket is lost it
 * connects again (HAProxy picks a live crm-pushd) and resubscribes with
 * `after` = the cursor of the last message it got.
 */
export function subscriber(token, roomId) {
  const got = []; // idempotency keys, in arrival order
  const cursors = []; // their cursors
  let cursor = null;
  let stopped = false;
  let client = null;
  let reconnects = 0;
  const query = 'subscription($r:ID!,$a:String){messageAdded(roomId:$r,after:$a){idempotencyKey cursor}}';
  const connect = () => {
    if (stopped) return;
    client = createClient({
      url: WS_URL, webSocketImpl: class extends WebSocket { constructor(u, p) { super(u, p, { headers: { Origin: ORIGIN } }); } },
      connectionParams: { token }, retryAttempts: 0, lazy: false, onNonLazyError: () => {},
    });
    let again = false;
    const retry = () => {
      if (again || stopped) return;
      again = true;
      reconnects++;
      try { client.dispose(); } catch { /* gone */ }
      setTimeout(connect, 200);
    };
    client.on('closed', retry);
    client.subscribe({ query, variables: { r: roomId, a: cursor } }, {
      next: (v) => {
        const m = v.data?.messageAdded;
        if (!m) return;
        got.push(m.idempotencyKey);
        cursors.push(m.cursor);
        cursor = m.cursor;
      },
      error: retry,
      complete: retry,
    });
  };
  connect();
  return {
    got,
    cursors,
    get reconnects() { return reconnects; },
    stop() { stopped = true; try { client.dispose(); } catch { /* gone */ } },
  };
}

/**
 * Sends messages to rooms (one sender each), one at a time per room, each with
 * a key of its own, retried with that key until accepted. Returns a handle:
 * stop() resolves with { sent: {room: [keys in order]}, refusedMs, attempts }.
 */
export function load(rooms, { tag, pauseMs = 20, initial = {} } = {}) {
  let stopping = false;
  const sent = {};
  const refusals = []; // [from, to] of each message's refused attempts
  let attempts = 0;
  let refused = 0;
  const loops = rooms.map(async ({ id, token }) => {
    sent[id] = [...(initial[id] || [])];
    for (let i = 0; !stopping; i++) {
      const key = `${tag}-${id}-${i}`;
      let firstRefusal = 0;
      for (;;) {
        attempts++;
        let ok = false;
        try {
          const r = await gql('mutation($i:SendMessageInput!){sendMessage(input:$i){id idempotencyKey}}',
            { i: { roomId: id, body: `message ${i} of ${tag}`, idempotencyKey: key } }, token);
          ok = !!r.body.data?.sendMessage && !r.body.errors;
        } catch { /* connection refused or reset: retried */ }
        if (ok) break;
        refused++;
        if (!firstRefusal) firstRefusal = Date.now();
        await sleep(100);
      }
      if (firstRefusal) refusals.push([firstRefusal, Date.now()]);
      sent[id].push(key);
      if (pauseMs) await sleep(pauseMs);
    }
  });
  return {
    sent,
    count: () => Object.values(sent).reduce((n, k) => n + k.length, 0),
    async stop() {
      stopping = true;
      await Promise.all(loops);
      // Seconds during which at least one sender was being refused.
      refusals.sort((a, b) => a[0] - b[0]);
      let refusedMs = 0;
      let end = 0;
      for (const [a, b] of refusals) {
        if (b <= end) continue;
        refusedMs += b - Math.max(a, end);
        end = b;
      }
      return { sent, refusedMs, attempts, refused };
    },
  };
}

/** Waits until `fn` is truthy. */
export async function eventually(fn, { timeoutMs = 30000, intervalMs = 250, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`${what} not met in ${timeoutMs} ms (last: ${last})`);
    await sleep(intervalMs);
  }
}

/**
 * The checks after a fault: the rows of each room equal what was accepted, in
 * order, once each; every subscriber got exactly that sequence. Returns a list
 * of problems (empty: all good). A key at two positions counts twice: a
 * retried send the promoted replica accepted again must not reach a
 * subscriber who had it (push/rooms.c).
 */
export async function verify(sent, subs) {
  const problems = [];
  const rooms = Object.keys(sent);
  const total = rooms.reduce((n, r) => n + sent[r].length, 0);
  await eventually(async () => Number(await psql(`SELECT count(*) FROM messages WHERE room_id IN (${rooms.join(',')})`)) >= total,
    { timeoutMs: 60000, what: 'all accepted messages stored' });
  for (const room of rooms) {
    const rows = (await psql(`SELECT idempotency_key FROM messages WHERE room_id = ${room} ORDER BY stream_ms, stream_seq`))
      .split('\n').filter(Boolean);
    const want = sent[room];
    if (rows.length !== want.length) problems.push(`room ${room}: ${rows.length} rows stored, ${want.length} accepted`);
    const dup = rows.length - new Set(rows).size;
    if (dup) problems.push(`room ${room}: ${dup} duplicated rows`);
    const firstDiff = rows.findIndex((k, i) => k !== want[i]);
    if (firstDiff >= 0) problems.push(`room ${room}: stored order differs at ${firstDiff} (${rows[firstDiff]} vs ${want[firstDiff]})`);
  }
  for (const s of subs) {
    const want = sent[s.room];
    try {
      await eventually(() => s.sub.got.length >= want.length, { timeoutMs: 30000, what: `subscriber of room ${s.room} caught up` });
    } catch (e) { problems.push(e.message); }
    const got = s.sub.got;
    const dup = got.length - new Set(got).size;
    if (dup) problems.push(`subscriber of room ${s.room}: ${dup} duplicates`);
    const d = want.findIndex((k, i) => got[i] !== k);
    if (d >= 0) problems.push(`subscriber of room ${s.room}: sequence differs at ${d} (got ${got[d]}, want ${want[d]}; ${got.length} got, ${want.length} sent)`);
  }
  return problems;
}
