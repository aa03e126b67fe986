// A chat through the front (lighttpd, Apache or nginx: CRM_FRONT) in a real
// browser: the page, a room's own address (the index.html fallback), /graphql
// and the live socket at /ws, all on the front's origin.
// `./dev test fronts` runs this file under Apache and nginx; browser under lighttpd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeUser, makeRoom, send } from '../integration/api.mjs';
import { launch, newPage, signIn, waitForBodies, HTTP } from './browser.mjs';

const FRONT = process.env.CRM_FRONT || 'lighttpd';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const waitLive = (page) => page.waitForFunction(
  () => document.querySelector('[data-testid="live-state"]')?.dataset.state === 'live', null, { timeout: 15000 });

test(`${FRONT}: sign in, open a room, send; the other side sees it live`, async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Front');
  const room = await makeRoom(nurse, [pat], `Through ${FRONT}`);
  await send(nurse, room.id, 'Hello from the clinic');

  const a = await newPage(browser);
  const sockets = [];
  a.page.on('websocket', (ws) => sockets.push(ws.url()));
  await signIn(a.page, pat);
  await a.page.getByTestId('room-link').filter({ hasText: `Through ${FRONT}` }).click();
  await waitForBodies(a.page, (x) => x.length === 1);
  await waitLive(a.page);
  assert.ok(sockets.includes(`${HTTP.replace(/^http/, 'ws')}/ws`), `sockets: ${sockets}`);

  // The second context opens the room by its address: the front's fallback.
  const b = await newPage(browser);
  await signIn(b.page, nurse, { path: `/rooms/${room.id}` });
  await waitForBodies(b.page, (x) => x.length === 1);
  await waitLive(b.page);

  const composer = a.page.getByRole('textbox', { name: 'Message' });
  await composer.fill(`Sent through ${FRONT}`);
  await composer.press('Enter');
  assert.deepEqual(await waitForBodies(b.page, (x) => x.length === 2), ['Hello from the clinic', `Sent through ${FRONT}`]);
  await a.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="message"]')]
    .every((e) => e.dataset.status === 'PERSISTED'), null, { timeout: 20000 });

  // A reload of the room's address keeps the history.
  await b.page.reload();
  assert.deepEqual(await waitForBodies(b.page, (x) => x.length === 2), ['Hello from the clinic', `Sent through ${FRONT}`]);

  assert.deepEqual(a.page.errors || [], []);
  assert.deepEqual(b.page.errors || [], []);
  await a.context.close();
  await b.context.close();
});
