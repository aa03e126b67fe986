// Differential test: graphql-js `graphql()` and our `gqltool execute` must
// give the same response for every case of tests/gql/corpus/execute: same
// data (with the same key order), same errors (message, locations, path,
// extensions) in the same order. Each case is {schema: "test"|"crm", query,
// variables?, operationName?, rootValue}. The fixed resolvers below mirror
// tests/gql/gqltool_exec.c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, graphql, GraphQLError } from 'graphql';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromRoot = (p) => (isAbsolute(p) ? p : join(root, p));
// GQLTOOL, when set, is relative to the current directory.
const gqltool = process.env.GQLTOOL ? resolve(process.env.GQLTOOL) : fromRoot('build/tests/gql/gqltool');
const schemas = {
  test: fromRoot('tests/gql/exec-schema.graphql'),
  crm: fromRoot(process.env.CRM_SCHEMA_PATH ?? 'schema.graphql'),
};
const corpus = join(root, 'tests', 'gql', 'corpus', 'execute');

function withResolvers(sdl) {
  const schema = buildSchema(sdl);
  const bind = (type, field, fn) => {
    const f = schema.getType(type)?.getFields?.()[field];
    if (f) f.resolve = fn;
  };
  const raise = (message, code) => () => {
    throw new GraphQLError(message, { extensions: { code } });
  };
  bind('Query', 'echo', (_, args) => args);
  bind('Query', 'echoRequired', (_, args) => args);
  bind('Query', 'fail', raise('Not allowed.', 'FORBIDDEN'));
  bind('Person', 'secret', raise('Not allowed.', 'FORBIDDEN'));
  bind('Query', 'failNN', raise('Failed.', 'BAD_USER_INPUT'));
  bind('Person', 'secretNN', raise('Not allowed.', 'FORBIDDEN'));
  bind('Mutation', 'setName', (_, { name }) => ({ id: '1', name }));
  bind('Mutation', 'incr', (_, { by }, ctx) => (ctx.counter += by));
  bind('Mutation', 'failing', raise('Failed.', 'BAD_USER_INPUT'));
  return schema;
}

const built = Object.fromEntries(
  Object.entries(schemas).map(([k, p]) => [k, withResolvers(readFileSync(p, 'utf8'))]),
);
const tmp = mkdtempSync(join(tmpdir(), 'gql-exec-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function ours(c) {
  const doc = join(tmp, 'doc.graphql');
  writeFileSync(doc, c.query);
  const args = ['execute', schemas[c.schema], doc,
    c.variables === undefined ? '' : JSON.stringify(c.variables),
    c.rootValue === undefined ? '' : JSON.stringify(c.rootValue)];
  if (c.operationName) args.push(c.operationName);
  return JSON.parse(execFileSync(gqltool, args, { encoding: 'utf8' }));
}

async function reference(c) {
  const result = await graphql({
    schema: built[c.schema],
    source: c.query,
    rootValue: c.rootValue,
    variableValues: c.variables,
    operationName: c.operationName,
    contextValue: { counter: 0 },
  });
  return JSON.parse(JSON.stringify(result));
}

const files = readdirSync(corpus).filter((f) => f.endsWith('.json')).sort();

test('corpus has at least 100 cases', () => {
  assert.ok(files.length >= 100, `only ${files.length} cases`);
});

for (const name of files) {
  test(`execute ${name}`, async () => {
    const c = JSON.parse(readFileSync(join(corpus, name), 'utf8'));
    const want = await reference(c);
    const got = ours(c);
    // Serialised comparison: equal values and equal key order everywhere.
    assert.equal(JSON.stringify(got), JSON.stringify(want));
    assert.deepEqual(got, want);
  });
}
