// Apollo Client for queries and mutations over HTTP, with the session's token.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';

/** The token an operation was sent with (null when it had none or is unknown). */
function bearerOf(operation) {
  const h = operation?.getContext?.()?.headers?.authorization;
  return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : null;
}

export function createApollo({ uri, getToken, onAuthFailure }) {
  const auth = new SetContextLink((prev) => {
    const token = getToken();
    return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
  });
  // A token that the server no longer takes (expired, revoked) ends the session:
  // onAuthFailure gets the token the request carried, so that a late answer to
  // a request of an earlier sign-in does not end the one after it.
  const expiry = new ErrorLink(({ error, operation }) => {
    if (!getToken()) return;
    const unauth = (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) ||
      (ServerError.is(error) && error.statusCode === 401);
    if (unauth) onAuthFailure(bearerOf(operation));
  });
  return new ApolloClient({
    link: ApolloLink.from([expiry, auth, new HttpLink({ uri })]),
    cache: new InMemoryCache({
      typePolicies: {
        // Read receipts have no id of their own: a room's list is replaced whole.
        Room: { fields: { readReceipts: { merge: false } } },
        ReadReceipt: { keyFields: false },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
}
