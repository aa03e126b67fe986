// The live state of one signed-in client (issue 15): one inboxUpdated
// subscription for the whole client, the unread count of each room it knows,
// who is online, and desktop notifications. Made with the session's token and
// stopped with it. No React here; hooks read it with useSyncExternalStore.
import { INBOX_ROOM_FIELDS, presenceQuery } from './graphql.js';
import { INBOX_UPDATED, followSubscription } from './live.js';
import { notifies, unreadTotal } from './liveState.js';

export const PRESENCE_EVERY_MS = 10000;
export const NOTIFY_ASKED_KEY = 'crm.notify.asked';

const visible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden';

export function createLiveHub({ apollo, live, me, role, onAuthFailure, onReconnected, openRoom }) {
  const counts = new Map(); // room id → unread count
  const seen = new Map(); // room id → id of the last message known, so one message notifies once
  const online = new Map(); // user id → online
  const listeners = new Set();
  const roomListeners = new Set();
  let version = 0;
  let openRoomId = null;
  let listRoomIds = [];
  let timer = null;
  let stopped = false;

  const changed = () => {
    version++;
    for (const f of listeners) f();
  };

  /** Rooms as a query or mutation returned them: their counts and last messages become known. */
  function noteRooms(rooms) {
    let any = false;
    for (const r of rooms || []) {
      if (!r?.id) continue;
      if (typeof r.unreadCount === 'number' && counts.get(r.id) !== r.unreadCount) {
        counts.set(r.id, r.unreadCount);
        any = true;
      }
      if (r.lastMessage && !seen.has(r.id)) seen.set(r.id, r.lastMessage.id);
    }
    if (any) changed();
  }

  function notify(room) {
    const N = globalThis.Notification;
    if (!N || N.permission !== 'granted' || visible()) return;
    const m = room.lastMessage;
    // The words of a message stay in the app: a notification can show on a
    // locked screen, and a clinic's messages are health data.
    try {
      const n = new N(room.name, {
        body: `New message from ${m.sender?.displayName || 'someone'}`,
        tag: `crm-room-${room.id}`,
      });
      n.onclick = () => {
        window.focus();
        openRoom?.(room.id);
        n.close();
      };
    } catch {
      /* some browsers allow notifications only from a service worker */
    }
  }

  function onInboxRoom(room) {
    if (!room?.id) return;
    if (notifies(room, seen.get(room.id), me, role)) notify(room);
    if (room.lastMessage) seen.set(room.id, room.lastMessage.id);
    try {
      apollo.cache.writeFragment({
        id: apollo.cache.identify(room),
        fragment: INBOX_ROOM_FIELDS,
        fragmentName: 'InboxRoomFields',
        data: room,
      });
    } catch {
      /* a room the cache cannot take is still placed by the listeners */
    }
    noteRooms([room]);
    for (const f of roomListeners) f(room);
  }

  async function refreshPresence() {
    if (stopped || !visible()) return;
    const q = presenceQuery(openRoomId, listRoomIds);
    if (!q) return;
    try {
      const { data } = await apollo.query({ ...q, fetchPolicy: 'no-cache', errorPolicy: 'all' });
      let any = false;
      const put = (u) => {
        if (u?.id && online.get(u.id) !== !!u.online) {
          online.set(u.id, !!u.online);
          any = true;
        }
      };
      for (const room of Object.values(data || {})) {
        if (!room) continue;
        (room.members || []).forEach(put);
        put(room.patient);
        put(room.assignee);
      }
      if (any) changed();
    } catch {
      /* the next round asks again */
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(() => refreshPresence().finally(schedule), PRESENCE_EVERY_MS);
  }

  const onVisible = () => {
    if (visible()) refreshPresence();
  };

  const stopInbox = followSubscription(live, {
    query: INBOX_UPDATED,
    onData: (d) => onInboxRoom(d.inboxUpdated),
    // There is no replay of inboxUpdated: after a break, the inbox loads again, once.
    onConnected: (wasRetry) => {
      if (wasRetry) {
        onReconnected?.();
        refreshPresence();
      }
    },
    onAuthFailure,
  });
  if (typeof document !== 'undefined') document.addEventListener('visibilitychange', onVisible);
  schedule();

  return {
    noteRooms,
    /** Called with each room inboxUpdated delivers (after the cache has it); returns a remover. */
    onRoom(f) {
      roomListeners.add(f);
      return () => roomListeners.delete(f);
    },
    /** The open conversation, whose members' presence is followed. */
    setOpenRoom(id) {
      if (openRoomId === id) return;
      openRoomId = id;
      if (id) refreshPresence();
    },
    /** The rooms listed, whose patient's and assignee's presence is followed. */
    setListRooms(ids) {
      const next = ids.slice(0, 40);
      if (next.join() === listRoomIds.join()) return;
      const grew = next.some((id) => !listRoomIds.includes(id));
      listRoomIds = next;
      if (grew) refreshPresence();
    },
    refreshPresence,
    isOnline: (userId) => online.get(userId),
    unread: (roomId) => counts.get(roomId) ?? 0,
    get total() {
      return unreadTotal(counts);
    },
    subscribe(f) {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    getVersion: () => version,
    stop() {
      stopped = true;
      clearTimeout(timer);
      stopInbox();
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
