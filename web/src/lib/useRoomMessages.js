// A room's messages: the newest page of history, older pages on demand, live
// messages over the subscription (resumed with `after` after any break), the
// user's own sends, and the move of each message from PENDING to PERSISTED.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { MESSAGES } from './graphql.js';
import { errorCode } from './errors.js';
import { followRoom } from './live.js';
import { hasUnstored, mergeMessages, newestCursor, oldestCursor } from './messages.js';

export const PAGE_SIZE = 50;
const noItems = [];
const noop = () => () => {};

// `epoch` starts everything again when it changes (a triaging reader who takes
// the conversation becomes a member and may now follow it live).
export function useRoomMessages(roomId, { apollo, live, queue, endSession }, epoch = 0) {
  const listRef = useRef([]);
  const [messages, setMessages] = useState([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState(null);
  const [liveState, setLiveState] = useState('connecting');
  const [pollTick, setPollTick] = useState(0);
  const roomRef = useRef(roomId);
  roomRef.current = roomId;

  const queueItems = useSyncExternalStore(queue ? queue.subscribe : noop, () => (queue ? queue.items : noItems));

  const merge = useCallback((incoming, forRoom) => {
    if (forRoom !== roomRef.current) return;
    const next = mergeMessages(listRef.current, incoming.filter((m) => m.roomId === forRoom));
    if (next !== listRef.current) {
      listRef.current = next;
      setMessages(next);
    }
  }, []);

  const fetchPage = useCallback(async (before) => {
    const { data } = await apollo.query({
      query: MESSAGES,
      variables: { roomId, before: before ?? null, limit: PAGE_SIZE },
      fetchPolicy: 'no-cache',
    });
    return data.messages;
  }, [apollo, roomId]);

  const refreshNewest = useCallback(async () => {
    const page = await fetchPage(null);
    merge(page, roomId);
  }, [fetchPage, merge, roomId]);

  useEffect(() => {
    let cancelled = false;
    let stopLive = null;
    listRef.current = [];
    setMessages([]);
    setLoading(true);
    setError(null);
    setHasOlder(false);
    setOlderError(null);
    setLiveState('connecting');
    if (!roomId) return undefined;
    (async () => {
      let page;
      try {
        page = await fetchPage(null);
      } catch (e) {
        if (!cancelled) {
          setError(errorCode(e));
          setLoading(false);
        }
        return;
      }
      if (cancelled) return;
      merge(page, roomId);
      setHasOlder(page.length >= PAGE_SIZE);
      setLoading(false);
      if (!live) return;
      stopLive = followRoom(live, {
        roomId,
        getAfter: () => newestCursor(listRef.current),
        onMessage: (m) => merge([m], roomId),
        onState: (s) => !cancelled && setLiveState(s),
        onConnected: (wasRetry) => {
          // With no cursor to resume from, a look at the history closes the gap
          // between the first page and the subscription; after a break it also
          // brings the statuses up to date.
          if (wasRetry || listRef.current.length === 0) setTimeout(() => !cancelled && refreshNewest().catch(() => {}), 300);
        },
        onReset: async () => {
          const fresh = await fetchPage(null);
          if (cancelled) return;
          listRef.current = [];
          merge(fresh, roomId);
          setHasOlder(fresh.length >= PAGE_SIZE);
        },
        // The history was readable but live messages are not: staff triaging an
        // unassigned conversation they are not a member of. The page stays, not live.
        onDenied: () => !cancelled && setLiveState('notLive'),
        onAuthFailure: () => endSession('expired', live.token),
      });
    })();
    return () => {
      cancelled = true;
      if (stopLive) stopLive();
    };
  }, [roomId, live, fetchPage, merge, refreshNewest, endSession, epoch]);

  // The user's own messages, as crm-api accepts them.
  useEffect(() => {
    if (!queue) return undefined;
    return queue.onSent((item, message) => merge([message], item.roomId));
  }, [queue, merge]);

  // PENDING → PERSISTED: look at the history again while some message is not stored.
  const pollAttempt = useRef(0);
  useEffect(() => {
    if (loading || error || !hasUnstored(messages)) {
      pollAttempt.current = 0;
      return undefined;
    }
    const delay = Math.min(15000, 1000 * 1.5 ** pollAttempt.current++);
    const t = setTimeout(() => {
      refreshNewest().catch(() => {}).finally(() => setPollTick((n) => n + 1));
    }, delay);
    return () => clearTimeout(t);
  }, [messages, pollTick, loading, error, refreshNewest]);

  const loadOlder = useCallback(async () => {
    if (loadingOlder || !hasOlder) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await fetchPage(oldestCursor(listRef.current));
      merge(page, roomId);
      setHasOlder(page.length >= PAGE_SIZE);
    } catch (e) {
      setOlderError(errorCode(e));
    } finally {
      setLoadingOlder(false);
    }
  }, [loadingOlder, hasOlder, fetchPage, merge, roomId]);

  return { messages, loading, error, hasOlder, loadingOlder, olderError, loadOlder, liveState, queueItems };
}
