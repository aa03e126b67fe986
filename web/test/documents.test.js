// Every GraphQL document the client sends is valid against the schema the
// servers serve (schema.graphql at the project root), so a renamed or missing
// field shows here rather than as an error in the browser.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSchema, parse, validate } from 'graphql';
import * as docs from '../src/lib/graphql.js';
import { INBOX_UPDATED, MESSAGE_ADDED, TYPING } from '../src/lib/live.js';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const errorsOf = (doc) => validate(schema, typeof doc === 'string' ? parse(doc) : doc).map((e) => e.message);

describe('client documents', () => {
  const operations = Object.entries(docs).filter(([, d]) => d?.kind === 'Document' && d.definitions.some((x) => x.kind === 'OperationDefinition'));

  it('finds the operations, and would see a wrong field', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(errorsOf('query { room(id: "1") { id unreadCounts } }')).not.toEqual([]);
  });
  for (const [name, doc] of operations) {
    it(`${name} is valid`, () => expect(errorsOf(doc)).toEqual([]));
  }
  it('the subscriptions are valid', () => {
    for (const d of [MESSAGE_ADDED, INBOX_UPDATED, TYPING]) expect(errorsOf(d)).toEqual([]);
  });
  it('the presence query is valid, and null when there is nothing to ask', () => {
    expect(errorsOf(docs.presenceQuery('1', ['2', '3']).query)).toEqual([]);
    expect(docs.presenceQuery(null, [])).toBeNull();
  });
});
