// The README's settings table is the one the code reads (crm-admin config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BIN, ROOT } from './lib.mjs';

test('README lists every setting with the default the code uses', () => {
  const table = execFileSync(`${BIN}/crm-admin`, ['config']).toString().trim().split('\n');
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  for (const row of table) assert.ok(readme.includes(row), `README lacks: ${row}`);
});

test('README starts with the two commands', () => {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');
  const first = readme.indexOf('```');
  assert.match(readme.slice(first, first + 200), /\.\/dev up[\s\S]*\.\/dev test/);
});
