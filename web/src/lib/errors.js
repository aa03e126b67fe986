// Words for the errors a person can meet.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

export function errorCode(error) {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.extensions?.code || 'ERROR';
  if (ServerError.is(error)) return `HTTP_${error.statusCode}`;
  return 'NETWORK';
}

const WORDS = {
  FORBIDDEN: 'You do not have access to this.',
  NOT_FOUND: 'This was not found.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  INTERNAL_SERVER_ERROR: 'The server had a problem. Try again in a moment.',
  NETWORK: 'Cannot reach the server. Check your connection and try again.',
};

/** A sentence for an error: the server's own message for input errors, else a general one. */
export function errorMessage(error) {
  const code = errorCode(error);
  if (code === 'BAD_USER_INPUT' && CombinedGraphQLErrors.is(error)) return error.errors[0].message;
  if (WORDS[code]) return WORDS[code];
  if (code.startsWith('HTTP_5')) return WORDS.INTERNAL_SERVER_ERROR;
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.message || 'Something went wrong.';
  return WORDS.NETWORK;
}

/** Errors that sending again can fix: the network, the server, the rate limit. */
export function isTransient(error) {
  const code = errorCode(error);
  return code === 'NETWORK' || code === 'RATE_LIMITED' || code === 'INTERNAL_SERVER_ERROR' || code.startsWith('HTTP_5') || code === 'HTTP_429';
}
