// Live messages over WebSocket (graphql-transport-ws, the graphql-ws client).
//
// The graphql-ws client is used without its own retries: this module resubscribes
// itself, each time with `after` set to the last cursor the room has seen, so the
// server first replays what was missed and nothing is lost; the message list
// drops what it already has (by id), so nothing shows twice. A socket that stops
// answering pings, or the browser going offline, ends the socket at once.
import { createClient } from 'graphql-ws';
import { createRetrier, retryDelay } from './retrier.js';

export { retryDelay };

export const MESSAGE_ADDED = `subscription MessageAdded($roomId: ID!, $after: String) {
  messageAdded(roomId: $roomId, after: $after) {
    id roomId body idempotencyKey createdAt status cursor internal
    sender { id displayName role }
  }
}`;

/** Close codes that mean the token is no longer good. */
export const AUTH_CLOSE_CODES = [4401, 4403];

export const isCloseEvent = (e) => !!e && typeof e === 'object' && typeof e.code === 'number' && 'reason' in e;

export function createLiveClient({ url, getToken, onAuthFailure, pingMs = 10000, pongTimeoutMs = 5000, webSocketImpl }) {
  let pongTimer = null;
  let connected = false;
  const client = createClient({
    url,
    webSocketImpl,
    lazy: true,
    lazyCloseTimeout: 2000,
    retryAttempts: 0,
    keepAlive: pingMs,
    connectionParams: () => ({ token: getToken() }),
    on: {
      ping: (received) => {
        if (!received) {
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => client.terminate(), pongTimeoutMs);
        }
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      connected: () => {
        connected = true;
      },
      closed: (event) => {
        connected = false;
        clearTimeout(pongTimer);
        if (isCloseEvent(event) && AUTH_CLOSE_CODES.includes(event.code)) onAuthFailure?.();
      },
    },
  });
  const offline = () => client.terminate();
  if (typeof window !== 'undefined') window.addEventListener('offline', offline);
  return {
    client,
    on: client.on,
    get connected() {
      return connected;
    },
    terminate: () => client.terminate(),
    dispose() {
      if (typeof window !== 'undefined') window.removeEventListener('offline', offline);
      clearTimeout(pongTimer);
      client.dispose();
    },
  };
}

/**
 * Follows one room. Callbacks: onMessage(message); onState('connecting' | 'live' |
 * 'reconnecting'); onConnected(wasRetry) after each (re)connection, for a check
 * of the history; onReset() when the server cannot resume from our cursor (the
 * list should reload, then the subscription starts again from its newest
 * message); onDenied(code, message) when the room is not ours; onAuthFailure().
 * Returns a function that stops following.
 */
export function followRoom(live, { roomId, getAfter, onMessage, onState, onConnected, onReset, onDenied, onAuthFailure, delay = retryDelay }) {
  let stopped = false;
  let unsubscribe = null;
  let connectedOnce = false;
  const retry = createRetrier(start, { delay });

  const offConnected = live.on('connected', () => {
    if (stopped || !unsubscribe) return;
    onState?.('live');
    const wasRetry = connectedOnce;
    connectedOnce = true;
    retry.connected();
    onConnected?.(wasRetry);
  });

  function start() {
    if (stopped) return;
    onState?.(connectedOnce ? 'reconnecting' : 'connecting');
    const after = getAfter() || undefined;
    const variables = after ? { roomId, after } : { roomId };
    let done = false;
    const already = live.connected;
    unsubscribe = live.client.subscribe({ query: MESSAGE_ADDED, variables }, {
      next: (result) => {
        if (stopped || done) return;
        const m = result?.data?.messageAdded;
        if (m) onMessage(m);
      },
      error: (err) => {
        done = true;
        unsubscribe = null;
        if (!stopped) failed(err);
      },
      complete: () => {
        done = true;
        unsubscribe = null;
        if (!stopped) later();
      },
    });
    if (already) {
      // The socket was open already (another room used it): no 'connected' event comes.
      onState?.('live');
      const wasRetry = connectedOnce;
      connectedOnce = true;
      onConnected?.(wasRetry);
    }
  }

  function later() {
    if (stopped) return;
    if (retry.later()) onState?.('reconnecting');
  }

  async function failed(err) {
    if (isCloseEvent(err)) {
      if (AUTH_CLOSE_CODES.includes(err.code)) {
        onAuthFailure?.();
        return;
      }
      later();
      return;
    }
    if (Array.isArray(err)) {
      const code = err[0]?.extensions?.code;
      if (code === 'UNAUTHENTICATED') return onAuthFailure?.();
      if (code === 'FORBIDDEN' || code === 'NOT_FOUND') return onDenied?.(code, err[0]?.message);
      if (code !== 'RATE_LIMITED') {
        // The cursor cannot be resumed from (say, older than the server's window).
        try {
          await onReset?.();
        } catch {
          /* the next attempt tries again */
        }
      }
      later();
      return;
    }
    later(); // a socket error (network down, server away)
  }

  start();

  return () => {
    stopped = true;
    offConnected();
    retry.stop();
    if (unsubscribe) unsubscribe();
  };
}

// The fields of a room that inboxUpdated carries, as the inbox list shows them
// (InboxRoomFields in graphql.js selects the same); __typename on each object
// because the room is written into Apollo's cache, which keys objects by type and id.
export const INBOX_UPDATED_FIELDS = `
    __typename id name status tags updatedAt unreadCount
    patient { __typename id displayName }
    assignee { __typename id displayName role }
    readReceipts { __typename cursor readAt user { __typename id displayName role } }
    lastMessage { __typename id body createdAt internal sender { __typename id displayName } }`;

export const INBOX_UPDATED = `subscription InboxUpdated { inboxUpdated {${INBOX_UPDATED_FIELDS}
  }
}`;

export const TYPING = `subscription Typing($roomId: ID!) {
  typing(roomId: $roomId) { roomId typing user { id displayName } }
}`;

/**
 * Keeps one subscription going that has no replay (inboxUpdated, typing): after
 * a break it subscribes again, with the same backoff as followRoom. Callbacks:
 * onData(data); onConnected(wasRetry) after each (re)connection of the socket
 * while subscribed, so the caller can reload what it may have missed; onDenied
 * (code) when the server refuses it for good (then it stops); onAuthFailure().
 * Returns a function that stops.
 */
export function followSubscription(live, { query, variables, onData, onConnected, onDenied, onAuthFailure, delay = retryDelay }) {
  let stopped = false;
  let unsubscribe = null;
  let connectedOnce = false;
  const retry = createRetrier(start, { delay });

  const connectedNow = () => {
    const wasRetry = connectedOnce;
    connectedOnce = true;
    retry.connected();
    onConnected?.(wasRetry);
  };
  const offConnected = live.on('connected', () => {
    if (!stopped && unsubscribe) connectedNow();
  });

  function start() {
    if (stopped) return;
    let done = false;
    const already = live.connected;
    unsubscribe = live.client.subscribe({ query, variables }, {
      next: (result) => {
        if (!stopped && !done && result?.data) onData(result.data);
      },
      error: (err) => {
        done = true;
        unsubscribe = null;
        if (!stopped) failed(err);
      },
      complete: () => {
        done = true;
        unsubscribe = null;
        later();
      },
    });
    if (already) connectedNow();
  }

  function later() {
    if (!stopped) retry.later();
  }

  function failed(err) {
    if (isCloseEvent(err) && AUTH_CLOSE_CODES.includes(err.code)) return onAuthFailure?.();
    if (Array.isArray(err)) {
      const code = err[0]?.extensions?.code;
      if (code === 'UNAUTHENTICATED') return onAuthFailure?.();
      if (code === 'FORBIDDEN' || code === 'NOT_FOUND' || code === 'BAD_USER_INPUT') {
        stopped = true;
        return onDenied?.(code);
      }
    }
    later();
  }

  start();

  return () => {
    stopped = true;
    offConnected();
    retry.stop();
    if (unsubscribe) unsubscribe();
  };
}
