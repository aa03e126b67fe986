// Apollo Client for queries and mutations over HTTP, with the session's token.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';

export function createApollo({ uri, getToken, onAuthFailure }) {
  const auth = new SetContextLink((prev) => {
    const token = getToken();
    return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
  });
  // A token that the server no longer takes (expired, revoked) ends the session.
  const expiry = new ErrorLink(({ error }) => {
    if (!getToken()) return;
    const unauth = (CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) ||
      (ServerError.is(error) && error.statusCode === 401);
    if (unauth) onAuthFailure();
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
