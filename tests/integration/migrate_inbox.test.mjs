// 002_inbox on a database that already holds data: additive, existing rooms
// become OPEN conversations with their one patient (if any), updated when their
// newest message was written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { psql, BIN, ROOT } from './lib.mjs';

const run = promisify(execFile);
const DB = `crm_mig002_${process.pid}`;
const only001 = mkdtempSync(join(tmpdir(), 'crm-mig-'));
copyFileSync(join(ROOT, 'sql', '001_init.sql'), join(only001, '001_init.sql'));
const url = (process.env.CRM_MIGRATE_URL || '').replace(/dbname=\S+/, `dbname=${DB}`);
const migrate = (dir) => run(`${BIN}/crm-migrate`, [dir], { env: { ...process.env, CRM_MIGRATE_URL: url } });
const q = (sql) => psql(sql, { db: DB });

after(async () => {
  rmSync(only001, { recursive: true, force: true });
  await psql(`DROP DATABASE IF EXISTS ${DB}`, { db: 'postgres' });
});

test('002_inbox keeps existing rooms and messages and fills the new columns', async () => {
  assert.match(url, new RegExp(`dbname=${DB}`));
  await psql(`DROP DATABASE IF EXISTS ${DB}`, { db: 'postgres' });
  await psql(`CREATE DATABASE ${DB}`, { db: 'postgres' });
  await migrate(only001);
  await q(`INSERT INTO users (email, display_name, role, password_hash) VALUES
    ('s@x.test', 'S', 'STAFF', 'x'), ('p@x.test', 'P', 'PATIENT', 'x');
    INSERT INTO rooms (name, created_by, created_at) VALUES ('with patient', 1, now() - interval '2 days'),
      ('staff only', 1, now() - interval '2 days');
    INSERT INTO room_members (room_id, user_id) VALUES (1, 1), (1, 2), (2, 1);
    INSERT INTO messages (room_id, sender_id, body, idempotency_key, stream_ms, stream_seq, created_at)
      VALUES (1, 2, 'old message', 'k1', 1700000000000, 0, now() - interval '1 day')`);
  const { stdout } = await migrate(join(ROOT, 'sql'));
  assert.match(stdout, /applied 002_inbox/);
  assert.equal(await q(`SELECT string_agg(id || ':' || status || ':' || coalesce(patient_id::text, '-') || ':' ||
    coalesce(assignee_id::text, '-') || ':' || cardinality(tags), ',' ORDER BY id) FROM rooms`), '1:OPEN:2:-:0,2:OPEN:-:-:0');
  assert.equal(await q(`SELECT updated_at = (SELECT created_at FROM messages WHERE room_id = 1) FROM rooms WHERE id = 1`), 't');
  assert.equal(await q(`SELECT body || ':' || internal FROM messages`), 'old message:false');
  // A patient added later becomes the room's patient (a trigger, whatever the path).
  await q(`INSERT INTO users (email, display_name, role, password_hash) VALUES ('p2@x.test', 'P2', 'PATIENT', 'x');
    INSERT INTO room_members (room_id, user_id) VALUES (2, 3)`);
  assert.equal(await q('SELECT patient_id FROM rooms WHERE id = 2'), '3');
  // The application role may change a room's conversation columns, not its name.
  await assert.rejects(psql(`UPDATE rooms SET name = 'x' WHERE id = 1`, { db: DB, user: 'crm_app' }), /permission denied/);
  await psql(`UPDATE rooms SET status = 'PENDING' WHERE id = 1`, { db: DB, user: 'crm_app' });
});
