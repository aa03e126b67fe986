// GraphQL over HTTP at the edges: media types, methods, sizes, malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTTP } from './lib.mjs';
import { gql, makeUser } from './api.mjs';

const post = (body, headers = {}) => fetch(`${HTTP}/graphql`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body,
});

test('a query over GET works; a mutation over GET is 405', async () => {
  const q = encodeURIComponent('{ __typename }');
  const res = await fetch(`${HTTP}/graphql?query=${q}`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
  const m = encodeURIComponent('mutation { logout }');
  const res2 = await fetch(`${HTTP}/graphql?query=${m}`);
  assert.equal(res2.status, 405);
});

test('the response media type follows Accept', async () => {
  const a = await post('{"query":"{ __typename }"}', { Accept: 'application/graphql-response+json' });
  assert.match(a.headers.get('content-type'), /^application\/graphql-response\+json/);
  const b = await post('{"query":"{ __typename }"}', { Accept: 'application/json' });
  assert.match(b.headers.get('content-type'), /^application\/json/);
  const c = await post('{"query":"{ __typename }"}', { Accept: 'text/html' });
  assert.equal(c.status, 406);
});

test('bad requests get 400, 413, 415 and a clear error', async () => {
  const notJson = await post('this is not json');
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).errors[0].message, /JSON/);
  assert.equal((await post('{"query": 5}')).status, 400);
  assert.equal((await post('{"query":"{ __typename }","variables":[1]}')).status, 400);
  assert.equal((await post('{"query":"{ __typename }"} trailing')).status, 400);
  assert.equal((await post('{"query":"\\u0000"}')).status, 400);
  const wrongType = await fetch(`${HTTP}/graphql`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"query":"{ __typename }"}' });
  assert.equal(wrongType.status, 415);
  const big = await post(JSON.stringify({ query: `{ __typename } #${'x'.repeat(70 * 1024)}` }));
  assert.equal(big.status, 413);
  const put = await fetch(`${HTTP}/graphql`, { method: 'PUT', body: '{}' });
  assert.equal(put.status, 405);
});

test('a document that does not parse is 400; one that does not validate is 422 or 200 by media type', async () => {
  const parse = await gql('{ me { id ');
  assert.equal(parse.status, 400);
  assert.equal(parse.body.errors[0].extensions.code, 'GRAPHQL_PARSE_FAILED');
  assert.deepEqual(parse.body.errors[0].locations, [{ line: 1, column: 11 }]);
  const invalid = await gql('{ me { nope } }');
  assert.equal(invalid.status, 422);
  assert.equal(invalid.body.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
  assert.match(invalid.body.errors[0].message, /Cannot query field "nope" on type "User"/);
  const legacy = await gql('{ me { nope } }', {}, { accept: 'application/json' });
  assert.equal(legacy.status, 200);
  assert.ok(legacy.body.errors);
});

test('variables that do not coerce are 422 without data', async () => {
  const r = await gql('query($l: Int) { messages(roomId: "1", limit: $l) { id } }', { l: 'many' });
  assert.equal(r.status, 422);
  assert.equal(r.body.data, undefined);
  assert.match(r.body.errors[0].message, /Variable "\$l" got invalid value "many"/);
});

test('introspection answers the schema', async () => {
  const r = await gql('{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }');
  assert.deepEqual(r.body.data.__schema, { queryType: { name: 'Query' }, mutationType: { name: 'Mutation' }, subscriptionType: { name: 'Subscription' } });
});

test('a subscription over HTTP is refused with a pointer to WebSocket', async () => {
  const r = await gql('subscription { messageAdded(roomId: "1") { id } }');
  assert.equal(r.status, 400);
  assert.match(r.body.errors[0].message, /WebSocket/);
});

test('errors never carry SQL or internal paths', async () => {
  const u = await makeUser('STAFF');
  const r = await gql('mutation { createRoom(name: "", memberIds: ["999999999"]) { id } }', {}, { token: u.token });
  const text = JSON.stringify(r.body);
  assert.doesNotMatch(text, /SELECT|INSERT|violates|constraint|\.c:|\/work\//i);
  const r2 = await gql('mutation { createRoom(name: "ok", memberIds: ["999999999"]) { id } }', {}, { token: u.token });
  assert.equal(r2.body.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.doesNotMatch(JSON.stringify(r2.body), /SELECT|INSERT|violates|constraint|foreign/i);
});
