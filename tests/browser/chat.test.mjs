// Two people chat through the real client: both ways, live; a reload keeps the
// history; older messages load when scrolled up; going offline and back resumes
// without loss or duplicates; a send shows at once, then as sent and stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { makeUser, makeRoom, send } from '../integration/api.mjs';
import { launch, newPage, signIn, bodies, waitForBodies, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const composer = (page) => page.getByRole('textbox', { name: 'Message' });

async function write(page, text) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

async function waitLive(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="live-state"]')?.dataset.state === 'live', null, { timeout: 15000 });
}

const statuses = (page) => page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.dataset.status));

test('two users chat both ways, live, and a reload keeps the history', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Jensen');
  const room = await makeRoom(nurse, [pat], 'Follow-up after knee surgery');
  await send(nurse, room.id, 'Good morning Pat, how is the knee today?');

  const a = await newPage(browser);
  const b = await newPage(browser);
  await a.page.goto('/');
  await a.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await screenshot(a.page, 'sign-in');

  await signIn(a.page, nurse);
  await a.page.getByTestId('room-link').filter({ hasText: 'Follow-up after knee surgery' }).waitFor();
  await screenshot(a.page, 'room-list');
  await a.page.getByTestId('room-link').filter({ hasText: 'Follow-up after knee surgery' }).click();
  await waitForBodies(a.page, (x) => x.length === 1);
  await waitLive(a.page);

  await signIn(b.page, pat);
  await b.page.getByTestId('room-link').first().click();
  await waitForBodies(b.page, (x) => x.length === 1);
  await waitLive(b.page);

  await write(b.page, 'Much better, the swelling is down.');
  await waitForBodies(a.page, (x) => x.at(-1) === 'Much better, the swelling is down.');
  await write(a.page, 'Great to hear. Keep up the exercises twice a day.');
  await waitForBodies(b.page, (x) => x.at(-1) === 'Great to hear. Keep up the exercises twice a day.');
  await write(b.page, 'Will do, thank you!');
  const expected = [
    'Good morning Pat, how is the knee today?',
    'Much better, the swelling is down.',
    'Great to hear. Keep up the exercises twice a day.',
    'Will do, thank you!',
  ];
  await waitForBodies(a.page, (x) => x.length === 4);
  assert.deepEqual(await bodies(a.page), expected);
  assert.deepEqual(await waitForBodies(b.page, (x) => x.length === 4), expected);

  // Every message is stored in the end, and the sender sees it.
  await a.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="message"]')].every((e) => e.dataset.status === 'PERSISTED'), null, { timeout: 20000 });
  await a.page.locator('[data-testid="message-status"]').last().waitFor();
  const file = await screenshot(a.page, 'chat');
  assert.ok((await stat(file)).size > 0);
  // A smaller one, the size of docs/screenshot-chat.png in the README.
  const small = await newPage(browser, { viewport: { width: 900, height: 560 }, quiet: true });
  await signIn(small.page, nurse, { path: `/rooms/${room.id}` });
  await waitForBodies(small.page, (x) => x.length === 4);
  await waitLive(small.page);
  await small.page.getByRole('textbox', { name: 'Message' }).blur();
  assert.ok((await stat(await screenshot(small.page, 'chat-readme'))).size < 300 * 1024);
  await small.context.close();

  // A reload keeps the session and the history.
  await b.page.reload();
  assert.deepEqual(await waitForBodies(b.page, (x) => x.length === 4), expected);
  await waitLive(b.page);
  await write(a.page, 'See you on Thursday.');
  await waitForBodies(b.page, (x) => x.length === 5);

  // A phone's width: the room fills the screen, with a way back to the list.
  await b.page.setViewportSize({ width: 375, height: 720 });
  await b.page.getByRole('link', { name: 'Back to rooms' }).waitFor();
  await screenshot(b.page, 'chat-phone');

  assert.deepEqual(a.page.errors || [], []);
  assert.deepEqual(b.page.errors || [], []);
  await a.context.close();
  await b.context.close();
});

test('a send shows at once as pending, then sent, then stored; none is doubled', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Kim');
  const room = await makeRoom(nurse, [pat], 'Statuses');
  const a = await newPage(browser);
  await signIn(a.page, pat, { path: `/rooms/${room.id}` });
  await waitLive(a.page);
  // Hold the first sendMessage request back, to see the message before it is accepted.
  let release;
  const held = new Promise((r) => { release = r; });
  let sends = 0;
  await a.page.route('**/graphql', async (route) => {
    const body = route.request().postData() || '';
    if (body.includes('sendMessage') && sends++ === 0) await held;
    await route.continue();
  });
  await write(a.page, 'Is the clinic open on Saturday?');
  const local = a.page.locator('[data-testid="message"]').filter({ hasText: 'Is the clinic open on Saturday?' });
  await local.waitFor();
  assert.match(await local.getAttribute('data-status'), /^(queued|sending)$/);
  assert.match(await local.innerText(), /Sending/);
  release();
  await a.page.waitForFunction(() => {
    const m = [...document.querySelectorAll('[data-testid="message"]')];
    return m.length === 1 && m[0].dataset.status === 'PERSISTED';
  }, null, { timeout: 20000 });
  assert.match(await a.page.locator('[data-testid="message"]').innerText(), /Stored/);
  assert.deepEqual(await bodies(a.page), ['Is the clinic open on Saturday?']);
  await a.context.close();
});

test('a failed send is retried with the same idempotency key and shows once', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Lee');
  const room = await makeRoom(nurse, [pat], 'Retries');
  const a = await newPage(browser);
  await signIn(a.page, pat, { path: `/rooms/${room.id}` });
  await waitLive(a.page);
  // The first attempt reaches the server, but its answer is lost.
  const keys = [];
  await a.page.route('**/graphql', async (route) => {
    const body = route.request().postData() || '';
    if (!body.includes('sendMessage')) return route.continue();
    keys.push(JSON.parse(body).variables.input.idempotencyKey);
    if (keys.length === 1) {
      await route.fetch(); // crm-api accepts it
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await write(a.page, 'Please call me back.');
  for (let i = 0; i < 100 && keys.length < 2; i++) await a.page.waitForTimeout(100);
  await a.page.waitForFunction(() => {
    const m = [...document.querySelectorAll('[data-testid="message"]')];
    return m.length === 1 && m[0].dataset.status === 'PERSISTED';
  }, null, { timeout: 30000 });
  assert.ok(keys.length >= 2, `attempts: ${keys.length}`);
  assert.equal(new Set(keys).size, 1, 'every attempt carries the same key');
  const nurseView = await newPage(browser);
  await signIn(nurseView.page, nurse, { path: `/rooms/${room.id}` });
  assert.deepEqual(await waitForBodies(nurseView.page, (x) => x.length >= 1), ['Please call me back.']);
  await nurseView.page.waitForTimeout(500);
  assert.deepEqual(await bodies(nurseView.page), ['Please call me back.']);
  await a.context.close();
  await nurseView.context.close();
});

test('older messages load when scrolling up, oldest first, each once', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Long');
  const room = await makeRoom(nurse, [pat], 'Long history');
  const all = [];
  for (let i = 1; i <= 120; i++) {
    const body = `history ${String(i).padStart(3, '0')}`;
    all.push(body);
    const r = await send(i % 2 ? nurse : pat, room.id, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  const a = await newPage(browser);
  await signIn(a.page, pat, { path: `/rooms/${room.id}` });
  const first = await waitForBodies(a.page, (x) => x.length >= 50);
  assert.deepEqual(first, all.slice(-first.length));
  const scroller = a.page.getByTestId('message-scroller');
  for (let i = 0; i < 10 && (await bodies(a.page)).length < 120; i++) {
    await scroller.evaluate((el) => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); });
    await a.page.waitForTimeout(400);
  }
  assert.deepEqual(await waitForBodies(a.page, (x) => x.length === 120), all);
  await a.page.getByText('Beginning of the conversation').waitFor();
  await a.context.close();
});

test('offline and back: what was sent meanwhile appears once, in order, and what was written offline is sent', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Offline');
  const room = await makeRoom(nurse, [pat], 'Offline');
  await send(nurse, room.id, 'before');
  const b = await newPage(browser);
  await signIn(b.page, pat, { path: `/rooms/${room.id}` });
  await waitForBodies(b.page, (x) => x.length === 1);
  await waitLive(b.page);

  await b.context.setOffline(true);
  await b.page.waitForFunction(() => document.querySelector('[data-testid="live-state"]')?.dataset.state === 'offline');
  const missed = ['while away 1', 'while away 2', 'while away 3'];
  for (const m of missed) assert.equal((await send(nurse, room.id, m)).status, 200);
  await write(b.page, 'written offline');
  await b.page.locator('[data-testid="message"][data-status="waiting"]').waitFor();
  await screenshot(b.page, 'chat-offline');
  assert.deepEqual(await bodies(b.page), ['before', 'written offline']);

  await b.context.setOffline(false);
  const want = ['before', ...missed, 'written offline'];
  await waitForBodies(b.page, (x) => x.length === want.length && x.at(-1) === 'written offline');
  await waitLive(b.page);
  // And live again afterwards.
  await send(nurse, room.id, 'after');
  await waitForBodies(b.page, (x) => x.length === want.length + 1);
  await b.page.waitForTimeout(1000);
  assert.deepEqual(await bodies(b.page), [...want, 'after']);
  const ids = await b.page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.dataset.id));
  assert.equal(new Set(ids).size, ids.length);
  await b.context.close();
});

test('crm-pushd restarting: the client reconnects by itself and resumes after its last message', { skip: !process.env.CRM_TEST_DEV && 'needs ./dev test' }, async () => {
  const { svc } = await import('../integration/lib.mjs');
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Restart');
  const room = await makeRoom(nurse, [pat], 'Restart');
  await send(nurse, room.id, 'one');
  const b = await newPage(browser);
  await signIn(b.page, pat, { path: `/rooms/${room.id}` });
  await waitForBodies(b.page, (x) => x.length === 1);
  await waitLive(b.page);
  await svc('stop', 'pushd');
  try {
    await b.page.waitForFunction(() => document.querySelector('[data-testid="live-state"]')?.dataset.state === 'reconnecting', null, { timeout: 15000 });
    for (const m of ['two', 'three']) assert.equal((await send(nurse, room.id, m)).status, 200);
  } finally {
    await svc('start', 'pushd');
  }
  await waitLive(b.page);
  await send(nurse, room.id, 'four');
  await waitForBodies(b.page, (x) => x.length === 4, 30000);
  await b.page.waitForTimeout(1000);
  assert.deepEqual(await bodies(b.page), ['one', 'two', 'three', 'four']);
  await b.context.close();
});
