// The message list of a room: merging pages of history, live messages from the
// subscription and replies to sendMessage into one list, oldest first, each
// message once (by id), its status never going back from PERSISTED to PENDING.

/** A stream entry ID "ms-seq" as a pair of BigInts; anything else sorts first. */
export function parseCursor(cursor) {
  const m = /^(\d+)-(\d+)$/.exec(String(cursor ?? ''));
  return m ? [BigInt(m[1]), BigInt(m[2])] : [-1n, -1n];
}

/** Orders two cursors: negative, zero or positive, as the stream orders them. */
export function compareCursor(a, b) {
  const [am, as] = parseCursor(a);
  const [bm, bs] = parseCursor(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

const RANK = { PENDING: 1, PERSISTED: 2 };

/**
 * Returns `current` with `incoming` merged in: sorted by cursor, deduplicated by
 * id, a known message updated only when its status moves forward. Returns the
 * same array when nothing changed, so React skips the render.
 */
export function mergeMessages(current, incoming) {
  if (!incoming || incoming.length === 0) return current;
  const byId = new Map(current.map((m) => [m.id, m]));
  let changed = false;
  let appendOnly = true;
  const last = current.length ? current[current.length - 1].cursor : null;
  for (const m of incoming) {
    if (!m || m.id == null) continue;
    const old = byId.get(m.id);
    if (!old) {
      byId.set(m.id, m);
      changed = true;
      if (last !== null && compareCursor(m.cursor, last) <= 0) appendOnly = false;
    } else if ((RANK[m.status] || 0) > (RANK[old.status] || 0)) {
      byId.set(m.id, { ...old, ...m });
      changed = true;
    }
  }
  if (!changed) return current;
  const list = [...byId.values()];
  if (!appendOnly || incoming.length > 1) list.sort((a, b) => compareCursor(a.cursor, b.cursor));
  return list;
}

export const newestCursor = (list) => (list.length ? list[list.length - 1].cursor : null);
export const oldestCursor = (list) => (list.length ? list[0].cursor : null);

/** True when some message of the list is not yet stored. */
export const hasUnstored = (list) => list.some((m) => m.status === 'PENDING');

/**
 * The local messages still to show beside the list: those of the send queue for
 * this room whose idempotency key is not yet in the list as the user's message.
 */
export function unsentFor(queueItems, roomId, list, userId) {
  const keys = new Set(list.filter((m) => m.sender?.id === userId).map((m) => m.idempotencyKey));
  return queueItems.filter((i) => i.roomId === roomId && !keys.has(i.key));
}
