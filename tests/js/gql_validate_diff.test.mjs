// Differential test: graphql-js `validate` and our `gqltool validate` must
// agree on every document of tests/gql/corpus/validate: the same errors, in
// the same order, with the same messages and all their locations. A document
// whose first line is `# schema: test` is validated against
// tests/gql/test-schema.graphql, any other against the CRM schema
// (CRM_SCHEMA_PATH, default schema.graphql at the project root).
// Line format, shared with gqltool: `ERROR l:c[,l:c...] message` or `OK`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, parse, validate } from 'graphql';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromRoot = (p) => (isAbsolute(p) ? p : join(root, p));
// Paths given in the environment are relative to the working directory.
const fromEnv = (name, fallback) =>
  process.env[name] ? resolve(process.env[name]) : fromRoot(fallback);
const gqltool = fromEnv('GQLTOOL', 'build/test/tests/gql/gqltool');
const schemas = {
  crm: fromEnv('CRM_SCHEMA_PATH', 'schema.graphql'),
  test: join(root, 'tests', 'gql', 'test-schema.graphql'),
};
const corpus = join(root, 'tests', 'gql', 'corpus', 'validate');

// Documents where we differ from graphql-js on purpose, with the reason and
// our expected output. None at present.
const DELIBERATE = new Map([]);

const built = {};
function schemaFor(kind) {
  built[kind] ??= buildSchema(readFileSync(schemas[kind], 'utf8'));
  return built[kind];
}

function schemaKind(text) {
  const m = /^#\s*schema:\s*(\w+)/.exec(text);
  return m ? m[1] : 'crm';
}

const esc = (s) => s.replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const line = (err) => {
  const locs = err.locations?.length
    ? err.locations.map((l) => `${l.line}:${l.column}`).join(',')
    : '0:0';
  return `ERROR ${locs} ${esc(err.message)}`;
};

function reference(text, kind) {
  let doc;
  try {
    doc = parse(text);
  } catch (err) {
    return line(err);
  }
  const errors = validate(schemaFor(kind), doc);
  return errors.length === 0 ? 'OK' : errors.map(line).join('\n');
}

function ours(file, kind) {
  try {
    return execFileSync(gqltool, ['validate', schemas[kind], file], { encoding: 'utf8' }).trim();
  } catch (err) {
    if (err.status === 1) return err.stdout.trim();
    throw err;
  }
}

test('gqltool is built', () => {
  assert.ok(existsSync(gqltool), `missing ${gqltool}; build it or set GQLTOOL`);
});

const files = readdirSync(corpus).filter((f) => f.endsWith('.graphql')).sort();

test('corpus has at least 200 documents', () => {
  assert.ok(files.length >= 200, `only ${files.length} documents`);
});

for (const name of files) {
  test(`validate ${name}`, () => {
    const file = join(corpus, name);
    const text = readFileSync(file, 'utf8');
    const kind = schemaKind(text);
    assert.ok(kind in schemas, `unknown schema "${kind}"`);
    const got = ours(file, kind);
    if (DELIBERATE.has(name)) {
      assert.equal(got, DELIBERATE.get(name).ours, DELIBERATE.get(name).reason);
      return;
    }
    assert.equal(got, reference(text, kind));
  });
}
