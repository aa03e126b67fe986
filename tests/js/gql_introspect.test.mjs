// Introspection round trip: the result of `gqltool introspect` (our answer
// to getIntrospectionQuery()) fed to buildClientSchema and printed must equal
// printSchema(buildSchema(sdl)), and must equal graphql-js's own answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, buildClientSchema, printSchema, graphql, getIntrospectionQuery } from 'graphql';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fromRoot = (p) => (isAbsolute(p) ? p : join(root, p));
// GQLTOOL, when set, is relative to the current directory.
const gqltool = process.env.GQLTOOL ? resolve(process.env.GQLTOOL) : fromRoot('build/tests/gql/gqltool');
const schemas = [
  fromRoot(process.env.CRM_SCHEMA_PATH ?? 'schema.graphql'),
  fromRoot('tests/gql/exec-schema.graphql'),
  fromRoot('tests/gql/test-schema.graphql'),
].filter((p) => existsSync(p));

const query = getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true,
  schemaDescription: true, inputValueDeprecation: true,
});

for (const path of schemas) {
  const sdl = readFileSync(path, 'utf8');
  const ours = JSON.parse(execFileSync(gqltool, ['introspect', path], { encoding: 'utf8' }));

  test(`printSchema round trip: ${path}`, () => {
    assert.equal(ours.errors, undefined);
    assert.equal(printSchema(buildClientSchema(ours.data)), printSchema(buildSchema(sdl)));
  });

  test(`introspection result equals graphql-js: ${path}`, async () => {
    const want = JSON.parse(JSON.stringify(await graphql({ schema: buildSchema(sdl), source: query })));
    assert.equal(JSON.stringify(ours), JSON.stringify(want));
  });
}
