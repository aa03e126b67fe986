// Pure helpers of the live state (issue 15): where a changed room goes in the
// inbox list, the unread total in the page title, which own message shows
// "Read", when a read position may move, and how often "typing" is sent.
// No React here, so Vitest tests them directly.
import { compareCursor } from './messages.js';

/** Whether a room belongs in the inbox view of these query variables (see inboxVariables). */
export function roomMatchesFilter(room, filter, me) {
  if (!filter) return true;
  if (filter.mine && room.assignee?.id !== me) return false;
  if (filter.unassigned && room.assignee) return false;
  if (filter.status && room.status !== filter.status) return false;
  if (filter.tag && !(room.tags || []).includes(filter.tag)) return false;
  return true;
}

const newerFirst = (a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0);

/**
 * The rooms of an inbox page after `room` changed: taken out, and put back in
 * order of `updatedAt` when it still matches the view (`matches`). A room that
 * was not on the page comes in only when it sorts before the page's last room,
 * or the page is the last one (`complete`): else it belongs to a later page.
 * Returns the same array when nothing changed.
 */
export function placeRoom(rooms, room, matches, { complete = true } = {}) {
  const at = rooms.findIndex((r) => r.id === room.id);
  if (!matches && at < 0) return rooms;
  const rest = at < 0 ? rooms : [...rooms.slice(0, at), ...rooms.slice(at + 1)];
  if (!matches) return rest;
  if (at < 0 && !complete && rest.length && newerFirst(room, rest[rest.length - 1]) > 0) return rooms;
  const list = [...rest];
  let i = 0;
  while (i < list.length && newerFirst(list[i], room) <= 0) i++;
  list.splice(i, 0, room);
  return list;
}

/** The page title with the unread total in front: "(3) Clinic Messages". */
export const titleWithUnread = (base, total) => (total > 0 ? `(${total > 999 ? '999+' : total}) ${base}` : base);

/** The sum of the unread counts of a map (room id → count). */
export const unreadTotal = (counts) => [...counts.values()].reduce((s, n) => s + (n > 0 ? n : 0), 0);

/**
 * The own message under which "Read" is shown: the newest message of `me` that
 * another member has read up to (their receipt's cursor is at or after it).
 * An internal note counts as read only by a member who is not a patient.
 * Returns {id, by: [names]} or null.
 */
export function lastReadOwn(messages, receipts, me) {
  const others = (receipts || []).filter((r) => r.user?.id !== me && r.cursor);
  if (!others.length) return null;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.sender?.id !== me || !m.cursor) continue;
    const by = others.filter((r) => compareCursor(r.cursor, m.cursor) >= 0 && !(m.internal && r.user?.role === 'PATIENT'));
    if (by.length) return { id: m.id, by: by.map((r) => r.user?.displayName).filter(Boolean) };
  }
  return null;
}

/** Whether a read position may move from `current` to `cursor` (forward only). */
export const movesForward = (current, cursor) => !!cursor && (!current || compareCursor(cursor, current) > 0);

/**
 * The sender of "typing" of one composer: `change(hasText, internal)` on each
 * edit sends true at most once per `everyMs` while there is text, and false
 * when the text is cleared; `stop()` (send, blur, leaving) sends false once if
 * true was sent. Nothing at all is sent while `internal` is on: a note is
 * written for staff only, so even the fact of writing one stays unsaid.
 */
export function createTypingSender(send, { everyMs = 3000, now = () => Date.now() } = {}) {
  let sentAt = null; // when true was last sent; null when the others think we are not typing
  const stop = () => {
    if (sentAt === null) return;
    sentAt = null;
    send(false);
  };
  return {
    change(hasText, internal) {
      if (internal) return;
      if (!hasText) return stop();
      if (sentAt !== null && now() - sentAt < everyMs) return;
      sentAt = now();
      send(true);
    },
    stop,
    get typing() {
      return sentAt !== null;
    },
  };
}

/** The typing line for screen and screen reader: "Nora is typing…", "Nora and Sam are typing…". */
export function typingText(names) {
  if (!names.length) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/**
 * Whether a changed room (`room`, as inboxUpdated sends it) calls for a desktop
 * notification, given the last message id seen before for it (`seenId`): a new
 * last message, not the user's own, and never an internal note for a patient.
 */
export function notifies(room, seenId, me, role) {
  const m = room?.lastMessage;
  if (!m || m.id === seenId) return false;
  if (m.sender?.id === me) return false;
  if (m.internal && role === 'PATIENT') return false;
  return true;
}
