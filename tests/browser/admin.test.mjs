// The admin page: queue statistics and dead letters, with retry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeUser, makeRoom } from '../integration/api.mjs';
import { redisCli, eventually } from '../integration/lib.mjs';
import { launch, newPage, signIn, screenshot } from './browser.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('an admin sees the queue and the dead letters and retries one', async () => {
  const admin = await makeUser('ADMIN', 'Ada Admin');
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff, []);
  // An entry the worker cannot store (an empty body) is dead-lettered at once.
  const entry = await redisCli('XADD', 'crm:msg:0', '*', 'v', '1', 'room', String(room.id), 'sender', String(staff.id),
    'key', `browser-dead-${Date.now()}`, 'body', '');
  await eventually(async () => (await redisCli('XRANGE', 'crm:dead', '-', '+')).includes(entry));

  const { context, page } = await newPage(browser);
  await signIn(page, admin);
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Administration' }).waitFor();
  const stats = page.getByTestId('queue-stats');
  await stats.waitFor();
  assert.match(await stats.innerText(), /Dead letters\s*[1-9]/);
  const list = page.getByTestId('dead-letters');
  await list.waitFor();
  const item = list.locator('li').filter({ hasText: `message ${entry}` });
  await item.waitFor();
  await screenshot(page, 'admin');
  await item.getByRole('button', { name: /^Retry dead letter/ }).click();
  await page.getByRole('status').filter({ hasText: 'sent through the pipeline again' }).waitFor();
  await context.close();
});

test('the admin page is not offered to others', async () => {
  const staff = await makeUser('STAFF');
  const { context, page } = await newPage(browser);
  await signIn(page, staff);
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
  await page.goto('/admin');
  await page.getByText('Only administrators can open this page.').waitFor();
  await context.close();
});
