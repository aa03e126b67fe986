// The client's own unit tests (Vitest, in web/): merging and deduplicating the
// message list, the idempotent send queue, resuming the subscription.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');

test('web unit tests (vitest run) pass', async () => {
  let out;
  try {
    out = await run('npx', ['--no-install', 'vitest', 'run', '--reporter=dot'], { cwd: web, env: { ...process.env, CI: '1', NO_COLOR: '1' }, timeout: 180000 });
  } catch (e) {
    assert.fail(`vitest failed:\n${e.stdout}\n${e.stderr}`);
  }
  assert.match(out.stdout, /Tests\s+\d+ passed/);
  assert.doesNotMatch(out.stdout, /failed/);
});
