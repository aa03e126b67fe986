// Helpers of the crm-pushd tests: users, rooms and tokens made directly in the
// test stack (crm-api's login is not needed), stream entries XADDed as crm-api
// does, and WebSocket clients (the graphql-ws client, and raw `ws` sockets).
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { psql, redisCli, redisCliArgs, WS_PORT } from './lib.mjs';

// The npm packages live in tests/js (its package.json pins them).
const require = createRequire(new URL('../js/package.json', import.meta.url));
export const WebSocket = require('ws');
export const { createClient } = require('graphql-ws');

export const WS_URL = `ws://127.0.0.1:${WS_PORT}/`;
export const ORIGIN = (process.env.CRM_WS_ORIGINS || '').split(',')[0];
const SECRET = process.env.CRM_JWT_SECRET || 'dev-only-jwt-secret-do-not-use-in-production';

let seq = 0;
const unique = () => `${process.pid}-${Date.now()}-${++seq}`;

export async function makeUser(role = 'STAFF', name = 'Test User') {
  const email = `u${unique()}@pushd.test`;
  const id = await psql(`INSERT INTO users (email, display_name, role, password_hash)
    VALUES ('${email}', '${name}', '${role}', 'x') RETURNING id`);
  return { id, email, role, name };
}

export async function makeRoom(...members) {
  const room = await psql(`INSERT INTO rooms (name, created_by) VALUES ('r${unique()}', ${members[0].id}) RETURNING id`);
  for (const m of members) await psql(`INSERT INTO room_members (room_id, user_id) VALUES (${room}, ${m.id})`);
  return room;
}

const b64url = (b) => Buffer.from(b).toString('base64url');

/** An HS256 token as crm-api issues it. */
export function token(user, { ttl = 3600, jti = crypto.randomBytes(16).toString('hex'), secret = SECRET } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ sub: String(user.id), role: user.role, jti, iat: now - 5, exp: now + ttl }));
  const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export function jtiOf(tok) {
  return JSON.parse(Buffer.from(tok.split('.')[1], 'base64url').toString()).jti;
}

/** XADDs a message entry as crm-api does; returns its ID (the cursor). */
export async function xadd(room, sender, body, key = `k${unique()}`) {
  return redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room), 'sender', String(sender.id),
    'key', key, 'body', body);
}

/** XADDs many entries in order through one redis-cli (bodies without spaces). */
export function xaddMany(room, sender, bodies) {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', redisCliArgs(), { stdio: ['pipe', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli exit ${code}`))));
    for (const b of bodies) p.stdin.write(`XADD crm:msg:0 * v 1 room ${room} sender ${sender.id} key k${unique()} body ${b}\n`);
    p.stdin.end();
  });
}

export const MESSAGE_FIELDS = 'id roomId body idempotencyKey createdAt status cursor sender { id email displayName role createdAt }';

/** A graphql-ws client that does not retry; `closed` resolves with the close event. */
export function gqlClient(tok, opts = {}) {
  let resolveClosed;
  const closed = new Promise((r) => { resolveClosed = r; });
  const client = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: tok === undefined ? undefined : { token: tok },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (e) => resolveClosed(e) },
    onNonLazyError: () => {},
    ...opts,
  });
  return { client, closed };
}

/** Subscribes and collects `next` payloads; done resolves on complete or error. */
export function collect(client, query, variables) {
  const items = [];
  let error = null;
  let waiters = [];
  const notify = () => { waiters = waiters.filter((w) => !w()); };
  const done = new Promise((resolve) => {
    const dispose = client.subscribe({ query, variables }, {
      next: (v) => { items.push(v); notify(); },
      error: (e) => { error = e; notify(); resolve('error'); },
      complete: () => { notify(); resolve('complete'); },
    });
    items.dispose = dispose;
  });
  const waitFor = (n, ms = 10000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`got ${items.length} of ${n} messages; error ${JSON.stringify(error)}`)), ms);
    const check = () => { if (items.length >= n || error) { clearTimeout(t); resolve(items); return true; } return false; };
    if (!check()) waiters.push(check);
  });
  // The first item at or after index `from` that pred accepts: for streams whose
  // deliveries may legitimately merge (inboxUpdated while a room loads).
  const waitUntil = (pred, from = 0, ms = 10000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching item among ${items.length}: ${JSON.stringify(items.slice(from))}; error ${JSON.stringify(error)}`)), ms);
    const check = () => {
      const i = items.findIndex((v, k) => k >= from && pred(v));
      if (i >= 0) { clearTimeout(t); resolve(i); return true; }
      if (error) { clearTimeout(t); reject(new Error(`subscription error ${JSON.stringify(error)}`)); return true; }
      return false;
    };
    if (!check()) waiters.push(check);
  });
  return { items, done, waitFor, waitUntil, get error() { return error; }, dispose: () => items.dispose() };
}

/** A raw graphql-transport-ws socket: messages and the close event collected. */
export function rawSocket({ protocol = 'graphql-transport-ws', headers = {} } = {}) {
  const ws = new WebSocket(WS_URL, protocol ? [protocol] : [], { headers });
  const messages = [];
  let waiters = [];
  ws.on('message', (d) => { messages.push(JSON.parse(d.toString())); waiters = waiters.filter((w) => !w()); });
  const opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const next = (pred = () => true, ms = 5000) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(messages)}`)), ms);
    const check = () => { const m = messages.find(pred); if (m) { clearTimeout(t); resolve(m); return true; } return false; };
    if (!check()) waiters.push(check);
  });
  const send = (obj) => ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  return { ws, messages, opened, closed, next, send };
}

export async function initedSocket(tok) {
  const s = rawSocket();
  await s.opened;
  s.send({ type: 'connection_init', payload: { token: tok } });
  await s.next((m) => m.type === 'connection_ack');
  return s;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
