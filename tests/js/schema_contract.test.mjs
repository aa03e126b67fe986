// The served schema (schema.graphql at the project root) against the API contract
// (../shared/schema.graphql, beside a checkout; CRM_CONTRACT_PATH overrides). The
// served schema may add to the contract, never break it, and carries a contract
// field only once something implements it: NOT_YET lists, in one place, the
// contract's additions that no issue has implemented yet. Each issue that
// implements its part empties its lines; a line whose field is now served fails
// too, so the list never lies.
//
// Without the contract (a clinic's copy of the repository) there is nothing to
// compare with: the test says so and passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const servedPath = process.env.CRM_SCHEMA_PATH ?? join(root, 'schema.graphql');
const contractPath = process.env.CRM_CONTRACT_PATH ?? join(root, '..', 'shared', 'schema.graphql');

// Contract items not served yet, by the issue that will implement them. A type
// name stands for the whole type; Type.field for one field or input field.
const NOT_YET = {
  inbox: [],
  liveState: [],
};
const notYet = new Set(Object.values(NOT_YET).flat());

const served = buildSchema(readFileSync(servedPath, 'utf8'));

// The item a breaking change is about: "Room.status was removed." -> Room.status.
function subject(change) {
  const m = /^([_A-Za-z][_0-9A-Za-z]*(?:\.[_A-Za-z][_0-9A-Za-z]*)?)\b/.exec(change.description);
  return m ? m[1] : change.description;
}

function hasItem(schema, item) {
  const [typeName, fieldName] = item.split('.');
  const type = schema.getType(typeName);
  if (!type) return false;
  if (!fieldName) return true;
  return typeof type.getFields === 'function' && fieldName in type.getFields();
}

test('the served schema loads and has the three root types', () => {
  assert.ok(served.getQueryType());
  assert.ok(served.getMutationType());
  assert.ok(served.getSubscriptionType());
});

test('the served schema breaks nothing of the contract but the listed not-yet-implemented items', (t) => {
  if (!existsSync(contractPath)) {
    t.skip(`no contract at ${contractPath}`);
    return;
  }
  const contract = buildSchema(readFileSync(contractPath, 'utf8'));
  const unexpected = findBreakingChanges(contract, served)
    .filter((c) => !notYet.has(subject(c)) && !notYet.has(subject(c).split('.')[0]))
    .map((c) => `${c.type}: ${c.description}`);
  assert.deepEqual(unexpected, [], 'the served schema breaks the contract');
  const dangerous = findDangerousChanges(contract, served)
    .filter((c) => !notYet.has(subject(c)) && !notYet.has(subject(c).split('.')[0]))
    .map((c) => `${c.type}: ${c.description}`);
  assert.deepEqual(dangerous, [], 'the served schema changes the contract in a dangerous way');
});

test('every not-yet item is in the contract and not served', (t) => {
  if (!existsSync(contractPath)) {
    t.skip(`no contract at ${contractPath}`);
    return;
  }
  const contract = buildSchema(readFileSync(contractPath, 'utf8'));
  for (const item of notYet) {
    assert.ok(hasItem(contract, item), `${item} is listed as not yet implemented but the contract has no such item`);
    assert.ok(!hasItem(served, item), `${item} is served now: remove it from NOT_YET`);
  }
});

test('findBreakingChanges sees a removed field (the check can fail)', () => {
  const before = buildSchema('type Query { a: Int b: Int }');
  const after = buildSchema('type Query { a: Int }');
  const changes = findBreakingChanges(before, after);
  assert.equal(changes.length, 1);
  assert.equal(subject(changes[0]), 'Query.b');
});
