// A refused token ends the session it belongs to: the Apollo client tells
// onAuthFailure which token the refused request carried (session.jsx ignores a
// failure of an earlier sign-in's token).
import { afterEach, expect, test, vi } from 'vitest';
import { gql } from '@apollo/client';
import { createApollo } from '../src/lib/apollo.js';

const realFetch = globalThis.fetch;
afterEach(() => { globalThis.fetch = realFetch; });

test('onAuthFailure gets the token the UNAUTHENTICATED request was sent with', async () => {
  let token = 'token-of-the-first-sign-in';
  globalThis.fetch = vi.fn(async () => {
    // The answer comes after the user has signed in again.
    token = 'token-of-the-second-sign-in';
    return new Response(JSON.stringify({ errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] }),
      { status: 200, headers: { 'content-type': 'application/json' } });
  });
  const failures = [];
  const client = createApollo({ uri: 'http://127.0.0.1:9/graphql', getToken: () => token, onAuthFailure: (t) => failures.push(t) });
  await client.query({ query: gql`{ me { id } }`, fetchPolicy: 'no-cache' }).catch(() => {});
  expect(globalThis.fetch).toHaveBeenCalledOnce();
  expect(failures).toEqual(['token-of-the-first-sign-in']);
});
