// Helpers of the browser tests: Debian's Chromium driven by playwright-core,
// signing in through the real pages, screenshots under $CRM_TEST_OUTPUT.
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HTTP } from '../integration/lib.mjs';
import { PASSWORD } from '../integration/api.mjs';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const { chromium } = require('playwright-core');

export { HTTP, PASSWORD };
export const OUTPUT = process.env.CRM_TEST_OUTPUT || path.join(process.env.CRM_TEST_ROOT || '.', 'test-output');

export function launch() {
  return chromium.launch({
    executablePath: process.env.CRM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/**
 * A fresh browser context (its own storage) with a page; settings go to
 * window.CRM_CONFIG. `quiet` answers the offer of desktop notifications with
 * "Not now" beforehand (for screenshots).
 */
export async function newPage(browser, { config, viewport = { width: 1200, height: 800 }, quiet = false } = {}) {
  const context = await browser.newContext({ viewport, baseURL: HTTP });
  if (config) await context.addInitScript((c) => { window.CRM_CONFIG = c; }, config);
  if (quiet) await context.addInitScript(() => { try { localStorage.setItem('crm.notify.asked', '1'); } catch { /* about:blank */ } });
  const page = await context.newPage();
  page.on('pageerror', (e) => { page.errors = [...(page.errors || []), e]; });
  return { context, page };
}

/** Signs in through the sign-in page and waits for the signed-in frame. */
export async function signIn(page, user, { path: to = '/' } = {}) {
  await page.goto(to);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The bodies of the messages shown, in order. */
export async function bodies(page) {
  return page.locator('[data-testid="message"] [data-testid="message-body"]').allInnerTexts();
}

/** Waits until the shown bodies satisfy pred; returns them. */
export async function waitForBodies(page, pred, timeoutMs = 15000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await bodies(page);
    if (pred(last)) return last;
    if (Date.now() > end) throw new Error(`messages not as expected after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await page.waitForTimeout(100);
  }
}

export async function screenshot(page, name) {
  const dir = path.join(OUTPUT, 'screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
