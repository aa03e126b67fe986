// The stream entry has one definition (lib/stream_entry.c): crm-api's send
// script XADDs the field/value pairs crm_stream_entry_encode gives it. A message
// sent over HTTP is read back from the real Redis by tests/lib/entrytool, which
// parses it with the lib parser and checks the stored strings are, byte for
// byte and in order, what the encoder produces for the parsed entry.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { ok, makeUser, makeRoom, send } from './api.mjs';
import { BIN, redisCli } from './lib.mjs';

const run = promisify(execFile);
let staff, pat, room;

before(async () => {
  staff = await makeUser('STAFF', `Dr "Entry" ${randomUUID().slice(0, 6)}`);
  pat = await makeUser('PATIENT', `Zoë Entrée ${randomUUID().slice(0, 6)}`);
  room = await makeRoom(staff, [pat]);
});

async function entry(roomId, id) {
  const { stdout } = await run(`${BIN}/tests/lib/entrytool`, [String(roomId), id], { env: process.env });
  return JSON.parse(stdout);
}

test('the entry sendMessage writes is the encoder\'s, sender fields included', async () => {
  const body = 'héllo "world"\n\ttab ✓ 🩺 \\ back';
  const key = `k-${randomUUID()}`;
  const r = await send(pat, room.id, body, key);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const m = r.body.data.sendMessage;
  const me = await ok('query{me{createdAt}}', {}, { token: pat.token });
  const e = await entry(room.id, m.cursor);
  assert.deepEqual(e, {
    room: Number(room.id), sender: Number(pat.id), key, body,
    semail: pat.email, sname: pat.name, srole: 'PATIENT', screated: me.me.createdAt,
  });
});

test('the longest body and key round-trip unchanged', async () => {
  const body = '✓'.repeat(4000);
  const key = 'x'.repeat(128);
  const r = await send(staff, room.id, body, key);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const e = await entry(room.id, r.body.data.sendMessage.cursor);
  assert.equal(e.body, body);
  assert.equal(e.key, key);
  assert.equal(e.srole, 'STAFF');
});

test('the tool fails on an entry the encoder would not write (the check can fail)', async () => {
  // The fields in another order: a valid entry, but not the encoder's bytes.
  const stream = `crm:msg:${Number(room.id) % Number(process.env.CRM_STREAMS || 1)}`;
  const id = await redisCli('XADD', stream, '*', 'room', String(room.id), 'v', '1', 'sender', String(pat.id),
    'key', `k-${randomUUID()}`, 'body', 'b');
  await assert.rejects(entry(room.id, id), (err) => /string 0 differs/.test(err.stderr));
});
