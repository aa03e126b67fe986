// The first migration: tables, constraints, the application role's rights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { psql, BIN, ROOT } from './lib.mjs';

const run = promisify(execFile);

test('migrations are recorded and a second run applies nothing', async () => {
  assert.equal(await psql("SELECT string_agg(version, ',' ORDER BY version) FROM schema_migrations"), '001_init,002_inbox,003_live_state,004_inbox_perf');
  const { stdout } = await run(`${BIN}/crm-migrate`, [`${ROOT}/sql`]);
  assert.match(stdout, /0 migration\(s\) applied/);
});

test('crm-migrate refuses to run without a connection string', async () => {
  const env = { ...process.env };
  delete env.CRM_MIGRATE_URL;
  await assert.rejects(run(`${BIN}/crm-migrate`, [`${ROOT}/sql`], { env }), /CRM_MIGRATE_URL/);
});

test('crm-admin creates a user with an Argon2id hash; email is unique without case', async () => {
  const env = { ...process.env, CRM_ADMIN_PASSWORD: 'a-good-password' };
  const { stdout } = await run(`${BIN}/crm-admin`,
    ['create-user', '--email', 'First.Admin@Example.test', '--name', 'First Admin', '--role', 'ADMIN'], { env });
  assert.match(stdout, /^\d+\n$/);
  assert.match(await psql("SELECT password_hash FROM users WHERE lower(email) = 'first.admin@example.test'"), /^\$argon2id\$/);
  await assert.rejects(run(`${BIN}/crm-admin`,
    ['create-user', '--email', 'first.admin@EXAMPLE.test', '--name', 'Again', '--role', 'ADMIN'], { env }), /exists/);
  await run(`${BIN}/crm-admin`, ['create-user', '--email', 'first.admin@example.test', '--name', 'Again',
    '--role', 'ADMIN', '--if-missing'], { env });
  await assert.rejects(run(`${BIN}/crm-admin`,
    ['create-user', '--email', 'x@y.test', '--name', 'Short', '--role', 'ADMIN'],
    { env: { ...env, CRM_ADMIN_PASSWORD: 'short' } }), /password/);
  await assert.rejects(run(`${BIN}/crm-admin`,
    ['create-user', '--email', 'x@y.test', '--name', 'Bad', '--role', 'ROOT'], { env }), /role/);
});

test('the application role may not change or delete the audit log', async () => {
  const asApp = { user: 'crm_app' };
  await psql("INSERT INTO audit_log (stream_id, at, action) VALUES ('1-1', now(), 'test')", asApp);
  await assert.rejects(psql("UPDATE audit_log SET action = 'x'", asApp), /permission denied/);
  await assert.rejects(psql('DELETE FROM audit_log', asApp), /permission denied/);
  await assert.rejects(psql('TRUNCATE audit_log', asApp), /permission denied/);
  // Even the owner is stopped by the trigger.
  await assert.rejects(psql("UPDATE audit_log SET action = 'x'"), /append-only/);
  await assert.rejects(psql('DROP TABLE messages', asApp), /must be owner|permission denied/);
});

test('a room holds at most one patient, enforced by the database', async () => {
  const id = (sql) => psql(sql);
  const staff = await id("INSERT INTO users (email, display_name, role, password_hash) VALUES ('s1@t.test','S','STAFF','x') RETURNING id");
  const p1 = await id("INSERT INTO users (email, display_name, role, password_hash) VALUES ('p1@t.test','P1','PATIENT','x') RETURNING id");
  const p2 = await id("INSERT INTO users (email, display_name, role, password_hash) VALUES ('p2@t.test','P2','PATIENT','x') RETURNING id");
  const room = await id(`INSERT INTO rooms (name, created_by) VALUES ('r', ${staff}) RETURNING id`);
  await psql(`INSERT INTO room_members (room_id, user_id) VALUES (${room}, ${staff}), (${room}, ${p1})`, { user: 'crm_app' });
  await assert.rejects(psql(`INSERT INTO room_members (room_id, user_id) VALUES (${room}, ${p2})`, { user: 'crm_app' }),
    /room_members_one_patient/);
});

test('a message is unique per sender and idempotency key, and bodies are bounded', async () => {
  const u = await psql("INSERT INTO users (email, display_name, role, password_hash) VALUES ('m@t.test','M','STAFF','x') RETURNING id");
  const room = await psql(`INSERT INTO rooms (name, created_by) VALUES ('m', ${u}) RETURNING id`);
  const ins = (key, body, seq) => psql(`INSERT INTO messages (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, created_at)
    VALUES (${room}, ${u}, '${body}', '${key}', 1, ${seq}, now()) ON CONFLICT (sender_id, idempotency_key) DO NOTHING RETURNING id`, { user: 'crm_app' });
  assert.match(await ins('k1', 'hello', 1), /^\d+$/);
  assert.equal(await ins('k1', 'hello', 2), '');
  await assert.rejects(ins('k2', '', 3), /check constraint/);
  await assert.rejects(ins('k3', 'x'.repeat(4001), 4), /check constraint/);
});

test('every query path has an index', async () => {
  const idx = await psql("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'");
  for (const name of ['messages_room_position', 'room_members_by_user', 'users_email_key', 'messages_sender_key']) {
    assert.ok(idx.split(',').includes(name), `missing index ${name}`);
  }
});
