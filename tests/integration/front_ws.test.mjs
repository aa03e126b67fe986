// crm-pushd through the front's /ws (lighttpd, Apache or nginx: CRM_FRONT), as a
// browser on the page's origin reaches it: the upgrade and the Origin header pass,
// a subscription gets a message sent over HTTP through the same front, and an
// origin not on the allow-list is still refused behind the proxy.
// `./dev test fronts` runs this file under Apache and nginx; integration under lighttpd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP } from './lib.mjs';
import { makeUser, makeRoom, send } from './api.mjs';
import { WebSocket, createClient, collect } from './pushd_lib.mjs';

const FRONT = process.env.CRM_FRONT || 'lighttpd';
const WS_URL = `${HTTP.replace(/^http/, 'ws')}/ws`;

/** The ws package with the Origin a browser on the front's page sends. */
const withOrigin = (origin) => class extends WebSocket {
  constructor(url, protocols) { super(url, protocols, { origin }); }
};

test(`${FRONT}: a graphql-ws subscription at /ws gets a message sent over HTTP`, async () => {
  const nurse = await makeUser('STAFF', 'Nora Front');
  const pat = await makeUser('PATIENT', 'Pat Front');
  const room = await makeRoom(nurse, [pat]);
  let resolveClosed;
  const closed = new Promise((r) => { resolveClosed = r; });
  const client = createClient({
    url: WS_URL,
    webSocketImpl: withOrigin(HTTP),
    connectionParams: { token: pat.token },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (e) => resolveClosed(e) },
    onNonLazyError: () => {},
  });
  try {
    const sub = collect(client, 'subscription($r: ID!) { messageAdded(roomId: $r) { id body roomId sender { id } } }', { r: room.id });
    // Give the subscription time to reach crm-pushd, then send until one
    // arrives (a send before the subscription is live would not be replayed).
    let sent;
    for (let i = 0; i < 50 && sub.items.length === 0 && !sub.error; i++) {
      const r = await send(nurse, room.id, `through ${FRONT} ${i}`);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      sent = sent || r.body.data.sendMessage;
      await new Promise((res) => setTimeout(res, 200));
    }
    const items = await sub.waitFor(1);
    assert.equal(sub.error, null);
    const m = items[0].data.messageAdded;
    assert.equal(m.roomId, room.id);
    assert.equal(m.sender.id, nurse.id);
    assert.match(m.body, new RegExp(`^through ${FRONT} \\d+$`));
    // And the next one, live.
    const before = sub.items.length;
    const r = await send(nurse, room.id, 'live after the first');
    assert.equal(r.status, 200);
    const all = await sub.waitFor(before + 1);
    assert.ok(all.some((x) => x.data.messageAdded.body === 'live after the first'));
    sub.dispose();
  } finally {
    await client.dispose();
  }
  await closed;
});

test(`${FRONT}: an upgrade from an origin not allowed is refused by crm-pushd behind the front`, async () => {
  const ws = new WebSocket(WS_URL, ['graphql-transport-ws'], { origin: 'http://evil.example' });
  const status = await new Promise((resolve) => {
    ws.on('unexpected-response', (req, res) => { resolve(res.statusCode); req.destroy(); });
    ws.on('open', () => { resolve('open'); ws.close(); });
    ws.on('error', () => {});
  });
  assert.equal(status, 403);
});
