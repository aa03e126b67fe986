// The real client the browser uses: Apollo Client against crm-api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { HTTP, ROOT } from './lib.mjs';
import { makeUser, makeRoom } from './api.mjs';

const require = createRequire(`${ROOT}/tests/js/package.json`);
const { ApolloClient, InMemoryCache, HttpLink, gql, CombinedGraphQLErrors } = await import(require.resolve('@apollo/client'));

function client(token) {
  return new ApolloClient({
    link: new HttpLink({ uri: `${HTTP}/graphql`, fetch, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
  });
}

test('Apollo Client queries, mutates and caches against crm-api', async () => {
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, [pat]);
  const c = client(staff.token);
  const me = await c.query({ query: gql`query Me { me { id role displayName } }` });
  assert.equal(me.data.me.id, staff.id);
  assert.equal(me.data.me.role, 'STAFF');

  const key = randomUUID();
  const SEND = gql`mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) { id status body cursor sender { id displayName } } }`;
  const sent = await c.mutate({ mutation: SEND, variables: { input: { roomId: room.id, body: 'from apollo', idempotencyKey: key } } });
  assert.equal(sent.data.sendMessage.status, 'PENDING');
  const again = await c.mutate({ mutation: SEND, variables: { input: { roomId: room.id, body: 'from apollo', idempotencyKey: key } } });
  assert.equal(again.data.sendMessage.id, sent.data.sendMessage.id);

  const hist = await c.query({
    query: gql`query History($r: ID!) { messages(roomId: $r) { id body sender { id } } rooms { id name lastMessage { id } } }`,
    variables: { r: room.id },
  });
  assert.deepEqual(hist.data.messages.map((m) => m.body), ['from apollo']);
  assert.equal(hist.data.rooms[0].lastMessage.id, sent.data.sendMessage.id);
});

test('Apollo Client surfaces GraphQL errors with their codes', async () => {
  const c = client(undefined);
  const r = await c.query({ query: gql`query Me2 { me { id } }`, errorPolicy: 'all' });
  assert.ok(CombinedGraphQLErrors.is(r.error), String(r.error));
  assert.equal(r.error.errors[0].extensions.code, 'UNAUTHENTICATED');
});
