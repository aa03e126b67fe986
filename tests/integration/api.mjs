// Helpers of the crm-api tests: GraphQL over HTTP against the real lighttpd +
// crm-api, users made with crm-admin, tokens from login.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHmac, randomUUID } from 'node:crypto';
import { HTTP, BIN, psql } from './lib.mjs';

const run = promisify(execFile);
export const PASSWORD = 'integration-pw-1';

/** POSTs a GraphQL request; returns {status, body, type}. */
export async function gql(query, variables = {}, { token, accept = 'application/graphql-response+json', headers = {} } = {}) {
  const res = await fetch(`${HTTP}/graphql`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: accept,
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: res.status, body, type: res.headers.get('content-type') };
}

/** Like gql, but throws unless the response has data and no errors. */
export async function ok(query, variables, opts) {
  const r = await gql(query, variables, opts);
  if (r.status !== 200 || r.body.errors) throw new Error(`${query}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/** The error codes of a response. */
export const codes = (r) => (r.body.errors || []).map((e) => e.extensions?.code);

/** Creates a user with crm-admin and signs in; returns {id, email, token, role}. */
export async function makeUser(role, name = `${role} ${randomUUID().slice(0, 8)}`) {
  const email = `${role.toLowerCase()}-${randomUUID()}@test.example`;
  const { stdout } = await run(`${BIN}/crm-admin`, ['create-user', '--email', email, '--name', name, '--role', role],
    { env: { ...process.env, CRM_ADMIN_PASSWORD: PASSWORD } });
  const data = await ok('mutation($e:String!,$p:String!){login(email:$e,password:$p){token expiresAt user{id role}}}',
    { e: email, p: PASSWORD });
  return { id: stdout.trim(), email, name, role, token: data.login.token };
}

/** A room made by `creator` (STAFF or ADMIN) with members. */
export async function makeRoom(creator, members = [], name = `room ${randomUUID().slice(0, 6)}`) {
  const d = await ok('mutation($n:String!,$m:[ID!]){createRoom(name:$n,memberIds:$m){id name}}',
    { n: name, m: members.map((u) => u.id) }, { token: creator.token });
  return d.createRoom;
}

export async function send(user, roomId, body, key = randomUUID()) {
  return gql('mutation($i:SendMessageInput!){sendMessage(input:$i){id roomId body idempotencyKey createdAt status cursor sender{id displayName}}}',
    { i: { roomId, body, idempotencyKey: key } }, { token: user.token });
}

/** Signs a JWT with any header and claims (for attacks). */
export function signJwt(header, claims, secret = process.env.CRM_JWT_SECRET || 'dev-only-jwt-secret-do-not-use-in-production', alg = 'sha256') {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const data = `${b64(header)}.${b64(claims)}`;
  const sig = alg ? createHmac(alg, secret).update(data).digest('base64url') : '';
  return `${data}.${sig}`;
}

export { psql };
