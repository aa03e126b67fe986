// Staff create rooms and add members found by search; the patient sees the room.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeUser } from '../integration/api.mjs';
import { launch, newPage, signIn, waitForBodies, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('staff create a room with members found by search, add one later, and cannot add a second patient', async () => {
  const tag = randomUUID().slice(0, 6);
  const nurse = await makeUser('STAFF', `Nora Nurse ${tag}`);
  const doctor = await makeUser('STAFF', `Dan Doctor ${tag}`);
  const pat = await makeUser('PATIENT', `Pat Search ${tag}`);
  const pat2 = await makeUser('PATIENT', `Sam Second ${tag}`);

  const { context, page } = await newPage(browser);
  await signIn(page, nurse);
  await page.getByRole('button', { name: 'New room' }).click();
  const dialog = page.getByRole('dialog', { name: 'New room' });
  await dialog.getByLabel('Room name').fill(`Diabetes check-in ${tag}`);
  await dialog.getByLabel('Find people').fill(`Pat Search ${tag}`);
  await dialog.getByRole('button', { name: `Add Pat Search ${tag}` }).click();
  await dialog.getByRole('list', { name: 'Chosen members' }).getByText(`Pat Search ${tag}`).waitFor();
  await screenshot(page, 'new-room');
  await dialog.getByRole('button', { name: 'Create room' }).click();
  await page.getByRole('heading', { name: `Diabetes check-in ${tag}` }).waitFor();
  assert.match(page.url(), /\/rooms\/[^/]+$/);

  // Add the doctor from the members panel.
  await page.getByRole('button', { name: /^Members/ }).click();
  const panel = page.getByRole('complementary', { name: 'Members' });
  await panel.getByLabel('Add people').fill(`Dan Doctor ${tag}`);
  await panel.getByRole('button', { name: `Add Dan Doctor ${tag}` }).click();
  await panel.getByText(`Dan Doctor ${tag} was added.`).waitFor();
  await panel.getByRole('list', { name: 'Members of this room' }).getByText(`Dan Doctor ${tag}`).waitFor();
  // A second patient is refused, with the server's reason.
  await panel.getByLabel('Add people').fill(`Sam Second ${tag}`);
  await panel.getByRole('button', { name: `Add Sam Second ${tag}` }).click();
  await panel.getByRole('alert').waitFor();
  assert.equal(await panel.getByRole('list', { name: 'Members of this room' }).getByText(`Sam Second ${tag}`).count(), 0);
  await screenshot(page, 'members');
  await panel.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('textbox', { name: 'Message' }).fill('Hello Pat, please send your latest readings.');
  await page.getByRole('button', { name: 'Send' }).click();

  // The patient and the doctor see the room and the message.
  for (const who of [pat, doctor]) {
    const other = await newPage(browser);
    await signIn(other.page, who);
    await other.page.getByTestId('room-link').filter({ hasText: `Diabetes check-in ${tag}` }).click();
    await waitForBodies(other.page, (x) => x.length === 1 && x[0] === 'Hello Pat, please send your latest readings.');
    await other.context.close();
  }
  // The patient's list shows the last message with its sender.
  const p = await newPage(browser);
  await signIn(p.page, pat);
  const link = p.page.getByTestId('room-link').filter({ hasText: `Diabetes check-in ${tag}` });
  assert.match(await link.innerText(), /Nora Nurse .*: Hello Pat/);
  await p.context.close();
  assert.ok(pat2.id);
  await context.close();
});

test('keyboard only: sign in, open a room and send', async () => {
  const nurse = await makeUser('STAFF', 'Kim Keys');
  const { context, page } = await newPage(browser);
  await page.goto('/');
  await page.getByLabel('Email').focus();
  await page.keyboard.type(nurse.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type('integration-pw-1');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  // Create a room from the keyboard.
  await page.getByRole('button', { name: 'New room' }).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.type('Keyboard room');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Keyboard room' }).waitFor();
  await page.getByRole('textbox', { name: 'Message' }).focus();
  // The focused element has a visible outline.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.keyboard.type('typed without a mouse');
  await page.keyboard.press('Enter');
  await waitForBodies(page, (x) => x.length === 1);
  await context.close();
});
