// Differential test: graphql-js `parse` and our `gqltool parse` must agree on
// every document of tests/gql/corpus/parse: both accept, or both reject at the
// same line:column with the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'graphql';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromRoot = (p) => (isAbsolute(p) ? p : join(root, p));
const gqltool = fromRoot(process.env.GQLTOOL ?? 'build/tests/gql/gqltool');
const schemaPath = fromRoot(process.env.CRM_SCHEMA_PATH ?? 'schema.graphql');
const corpus = join(root, 'tests', 'gql', 'corpus', 'parse');

// Documents where we differ from graphql-js on purpose. U+0000 inside a
// string is refused (our values are C strings; DESIGN: strings with NUL are
// refused); graphql-js accepts it.
const DELIBERATE = new Map([
  ['148-string-raw-nul.graphql', 'ERROR 1:10 Syntax Error: Invalid character within String: U+0000.'],
  ['149-string-escaped-nul.graphql', 'ERROR 1:9 Syntax Error: Invalid character within String: U+0000.'],
  ['150-string-braced-nul.graphql', 'ERROR 1:9 Syntax Error: Invalid character within String: U+0000.'],
]);

function ours(file) {
  try {
    return execFileSync(gqltool, ['parse', file], { encoding: 'utf8' }).trim();
  } catch (err) {
    if (err.status === 1) return err.stdout.trim();
    throw err;
  }
}

function reference(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null; // not UTF-8: graphql-js cannot even see this document
  }
  try {
    parse(text);
    return 'OK';
  } catch (err) {
    const loc = err.locations?.[0] ?? { line: 0, column: 0 };
    const msg = err.message.replace(/\n/g, '\\n').replace(/\r/g, '\\r');
    return `ERROR ${loc.line}:${loc.column} ${msg}`;
  }
}

test('gqltool is built', () => {
  assert.ok(existsSync(gqltool), `missing ${gqltool}; build it or set GQLTOOL`);
});

const files = readdirSync(corpus).filter((f) => f.endsWith('.graphql')).sort();

test('corpus has at least 150 documents', () => {
  assert.ok(files.length >= 150, `only ${files.length} documents`);
});

for (const name of files) {
  test(`parse ${name}`, () => {
    const file = join(corpus, name);
    const got = ours(file);
    const want = reference(readFileSync(file));
    if (DELIBERATE.has(name)) {
      assert.equal(want, 'OK', 'graphql-js should accept this deliberate divergence');
      assert.equal(got, DELIBERATE.get(name));
      return;
    }
    if (want === null) {
      assert.match(got, /^ERROR \d+:\d+ Syntax Error: Invalid character: invalid UTF-8/);
      return;
    }
    assert.equal(got, want);
  });
}

test('gqltool schema loads the CRM schema', () => {
  const out = execFileSync(gqltool, ['schema', schemaPath], { encoding: 'utf8' }).trim();
  assert.match(out, /^OK \d+ types$/);
});
