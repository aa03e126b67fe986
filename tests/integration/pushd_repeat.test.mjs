// A send retried after a Redis failover (docs/HA.md): the dying primary had
// added the entry, crm-pushd delivered it, no replica received it; the client
// was refused and sent again with the same key, and the promoted replica
// accepted it at a new position. Here the stream simply holds the same
// (sender, key) twice, which is what the promoted replica's stream looks like
// to crm-pushd. A subscriber who had the first is not sent the second; the same
// key from another sender is another message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeUser, makeRoom, token, gqlClient, collect, xadd } from './pushd_lib.mjs';

const SUB = 'subscription($r: ID!, $a: String) { messageAdded(roomId: $r, after: $a) { id body idempotencyKey sender { id } } }';
const clients = [];
after(async () => { for (const c of clients) await c.dispose(); });

test('the same sender and key at a new position is not sent again to who had it; live and replayed on the same socket', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, pat);
  const { client } = gqlClient(token(pat));
  clients.push(client);
  const live = collect(client, SUB, { r: String(room) });
  // Live once the first entry arrives.
  let warm;
  for (let i = 0; !live.items.length && i < 50; i++) {
    warm = await xadd(room, staff, `warm-${i}`);
    await live.waitFor(1, 300).catch(() => {});
  }
  assert.equal(live.items.length, 1);
  const have = live.items.length;

  const key = `retry-${randomUUID()}`;
  const first = await xadd(room, staff, 'lab results', key);
  const again = await xadd(room, staff, 'lab results', key); // the retry at a new position
  await xadd(room, pat, 'same key, other sender', key);
  await xadd(room, staff, 'next');
  const got = (await live.waitFor(have + 3)).slice(have).map((x) => x.data.messageAdded);
  assert.deepEqual(got.map((m) => [m.id, m.body]),
    [[first, 'lab results'], [got[1].id, 'same key, other sender'], [got[2].id, 'next']]);
  assert.notEqual(got[1].id, again);

  // Resumed on the same socket (the same crm-pushd process) from before the
  // first: it is replayed once, the repeat passed over.
  const replay = collect(client, SUB, { r: String(room), a: warm });
  const r = (await replay.waitFor(3)).map((x) => x.data.messageAdded.body);
  assert.deepEqual(r, ['lab results', 'same key, other sender', 'next']);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(live.items.length, have + 3, 'nothing more for the live subscriber');
  assert.equal(replay.items.length, 3);
});
