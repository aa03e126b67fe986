// Who sees what, and how a session ends: another patient's room by URL, sign-up,
// sign-out, a revoked token, an expired token, sign-out after inactivity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeUser, makeRoom, send, gql, signJwt } from '../integration/api.mjs';
import { launch, newPage, signIn, bodies, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const token = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('crm.session') || 'null')?.token ?? null);

async function expectSignIn(page, notice) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 20000 });
  assert.equal(new URL(page.url()).pathname, '/sign-in');
  if (notice) assert.match(await page.getByTestId('session-notice').innerText(), notice);
  assert.equal(await token(page), null, 'the token is gone from storage');
}

test('a patient who types another patient\'s room into the URL sees nothing of it', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat1 = await makeUser('PATIENT', 'Pat One');
  const pat2 = await makeUser('PATIENT', 'Pat Two');
  const room1 = await makeRoom(nurse, [pat1], 'Secret room of Pat One');
  await send(pat1, room1.id, 'private health detail 4711');
  const room2 = await makeRoom(nurse, [pat2], 'Room of Pat Two');

  const { context, page } = await newPage(browser);
  const seen = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))));
  page.on('response', async (r) => { if (r.url().endsWith('/graphql')) seen.push(await r.text().catch(() => '')); });
  await signIn(page, pat2, { path: `/rooms/${room1.id}` });
  await page.getByTestId('room-unavailable').waitFor();
  await page.waitForTimeout(1000);
  const html = await page.content();
  assert.doesNotMatch(html, /Secret room|4711|Pat One/);
  assert.doesNotMatch(seen.join('\n'), /Secret room|4711/);
  assert.equal(await page.getByRole('textbox', { name: 'Message' }).count(), 0);
  // Their own room list holds only their room.
  await page.getByRole('link', { name: 'Back to your rooms' }).click();
  const links = await page.getByTestId('room-link').allInnerTexts();
  assert.equal(links.length, 1);
  assert.match(links[0], /Room of Pat Two/);
  assert.ok(room2.id);
  // A made-up room id is just as unavailable.
  await page.goto('/rooms/999999999');
  await page.getByTestId('room-unavailable').waitFor();
  await context.close();
});

test('a new patient signs up, sees an empty room list, and signs out', async () => {
  const { context, page } = await newPage(browser);
  await page.goto('/');
  await page.getByRole('link', { name: 'Create an account' }).click();
  const email = `new-${randomUUID()}@test.example`;
  await page.getByLabel('Your name').fill('Robin New');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('a-good-password-1');
  await page.getByLabel('Repeat the password').fill('a-good-password-1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('No conversations yet').waitFor();
  assert.match(await page.getByTestId('current-user').innerText(), /Robin New\s*Patient/);
  assert.equal(await page.getByRole('button', { name: 'New room' }).count(), 0, 'patients create no rooms');
  const t = await token(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expectSignIn(page, /signed out/);
  // The token was revoked on the server, not only forgotten.
  const r = await gql('{ me { id } }', {}, { token: t });
  assert.equal(r.body.errors[0].extensions.code, 'UNAUTHENTICATED');
  // Back does not bring the signed-in pages back.
  await page.goBack();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await context.close();
});

test('wrong password: a clear error, no session', async () => {
  const u = await makeUser('STAFF');
  const { context, page } = await newPage(browser);
  await page.goto('/');
  await page.getByLabel('Email').fill(u.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor();
  assert.equal(await token(page), null);
  await context.close();
});

test('a token revoked elsewhere sends the open page back to sign-in with a message', async () => {
  const nurse = await makeUser('STAFF', 'Nora Nurse');
  const pat = await makeUser('PATIENT', 'Pat Revoked');
  const room = await makeRoom(nurse, [pat], 'Revocation');
  const { context, page } = await newPage(browser);
  await signIn(page, pat, { path: `/rooms/${room.id}` });
  await page.waitForFunction(() => document.querySelector('[data-testid="live-state"]')?.dataset.state === 'live');
  const t = await token(page);
  const r = await gql('mutation { logout }', {}, { token: t });
  assert.equal(r.body.data.logout, true);
  // The server closes the open socket (4403), and any request fails: either ends the page's session.
  await expectSignIn(page, /session has ended/);
  await screenshot(page, 'sign-in-expired');
  // Without a socket: the next request (here a reload) finds the token refused.
  const other = await newPage(browser);
  await signIn(other.page, pat);
  await gql('mutation { logout }', {}, { token: await token(other.page) });
  await other.page.reload();
  await expectSignIn(other.page, /session has ended/);
  await other.context.close();
  // Signing in again brings the room back.
  await page.getByLabel('Email').fill(pat.email);
  await page.getByLabel('Password').fill('integration-pw-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await context.close();
});

test('an expired token sends the page back to sign-in with a message', async () => {
  const pat = await makeUser('PATIENT', 'Pat Expiring');
  const now = Math.floor(Date.now() / 1000);
  const short = signJwt({ alg: 'HS256', typ: 'JWT' },
    { sub: String(pat.id), role: 'PATIENT', jti: randomUUID().replace(/-/g, ''), iat: now - 5, exp: now + 15 });
  assert.equal((await gql('{ me { id } }', {}, { token: short })).body.data?.me?.id, pat.id, 'the forged short token works first');
  const { context, page } = await newPage(browser);
  await page.goto('/sign-in');
  await page.evaluate(([t, exp, user]) => {
    sessionStorage.setItem('crm.session', JSON.stringify({ token: t, expiresAt: exp, user }));
  }, [short, new Date((now + 15) * 1000).toISOString(), { id: pat.id, email: pat.email, displayName: pat.name, role: 'PATIENT' }]);
  await page.goto('/');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await expectSignIn(page, /session has ended/);
  await context.close();
});

test('a session without activity signs out by itself after the configured time', async () => {
  const pat = await makeUser('PATIENT', 'Pat Idle');
  const { context, page } = await newPage(browser, { config: { idleTimeoutMinutes: 0.1, idleWarningSeconds: 4 } });
  await signIn(page, pat);
  const t = await token(page);
  await page.getByRole('alertdialog', { name: 'Inactivity warning' }).waitFor({ timeout: 10000 });
  await expectSignIn(page, /signed out after 6 seconds without activity/);
  const r = await gql('{ me { id } }', {}, { token: t });
  assert.equal(r.body.errors[0].extensions.code, 'UNAUTHENTICATED', 'the token was revoked');
  await context.close();
});

test('activity keeps the session', async () => {
  const pat = await makeUser('PATIENT', 'Pat Busy');
  const { context, page } = await newPage(browser, { config: { idleTimeoutMinutes: 0.05, idleWarningSeconds: 1 } });
  await signIn(page, pat);
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press('Tab');
    await page.waitForTimeout(700);
  }
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 1);
  await context.close();
});
