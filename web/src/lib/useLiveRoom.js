// The live state of the open conversation (issue 15): who is typing in it, and
// moving the reader's read position forward as they see its newest message.
import { useEffect, useRef, useState } from 'react';
import { MARK_READ } from './graphql.js';
import { TYPING, followSubscription } from './live.js';
import { movesForward } from './liveState.js';

/** A typing: true lapses here too if its typing: false never comes (the server sends one after 6 s). */
export const TYPING_LAPSE_MS = 8000;

/** The names of the others typing in the room now. */
export function useTyping(live, roomId, me, enabled, onAuthFailure) {
  const [typers, setTypers] = useState({}); // user id → { name, until }

  useEffect(() => {
    if (!live || !roomId || !enabled) return undefined;
    const stop = followSubscription(live, {
      query: TYPING,
      variables: { roomId },
      onData: (d) => {
        const e = d.typing;
        if (!e?.user || e.user.id === me) return;
        setTypers((t) => {
          const next = { ...t };
          if (e.typing) next[e.user.id] = { name: e.user.displayName, until: Date.now() + TYPING_LAPSE_MS };
          else if (next[e.user.id]) delete next[e.user.id];
          else return t;
          return next;
        });
      },
      // Events missed in a break are not sent again: start from nobody typing.
      onConnected: (wasRetry) => wasRetry && setTypers({}),
      // The failure is this live client's token's (see session.jsx's endSession).
      onAuthFailure: () => onAuthFailure?.('expired', live.token),
    });
    return () => {
      stop();
      setTypers({});
    };
  }, [live, roomId, me, enabled, onAuthFailure]);

  useEffect(() => {
    const ends = Object.values(typers).map((x) => x.until);
    if (!ends.length) return undefined;
    const t = setTimeout(() => {
      const now = Date.now();
      setTypers((cur) => Object.fromEntries(Object.entries(cur).filter(([, x]) => x.until > now)));
    }, Math.max(100, Math.min(...ends) - Date.now()));
    return () => clearTimeout(t);
  }, [typers]);

  return Object.values(typers).map((x) => x.name);
}

/** Whether the tab is shown (not hidden behind another tab or minimized). */
export function useTabVisible() {
  const get = () => typeof document === 'undefined' || document.visibilityState !== 'hidden';
  const [visible, setVisible] = useState(get);
  useEffect(() => {
    const on = () => setVisible(get());
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

export const MARK_READ_DEBOUNCE_MS = 500;

/**
 * Moves the read position to `cursor` (the newest message) once the reader can
 * see it: the tab visible and the list scrolled to the bottom. Debounced, and
 * only ever forward of what this client sent and the server last reported
 * (`serverCursor`). Nothing is sent when there is nothing unread and the newest
 * message is the reader's own: the others need no event for that.
 */
export function useMarkRead({ apollo, hub, roomId, cursor, ownNewest, unread, serverCursor, canSee, enabled }) {
  const sent = useRef(null);
  useEffect(() => {
    if (!enabled || !canSee || !cursor) return undefined;
    if (ownNewest && !unread) return undefined;
    if (!movesForward(sent.current, cursor) || !movesForward(serverCursor, cursor)) return undefined;
    const t = setTimeout(async () => {
      if (!movesForward(sent.current, cursor)) return;
      const before = sent.current;
      sent.current = cursor;
      try {
        const { data } = await apollo.mutate({ mutation: MARK_READ, variables: { roomId, cursor } });
        hub?.noteRooms([data?.markRead]);
      } catch {
        // Not moved: a later look tries again.
        if (sent.current === cursor) sent.current = before;
      }
    }, MARK_READ_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [apollo, hub, roomId, cursor, ownNewest, unread, serverCursor, canSee, enabled]);
}
