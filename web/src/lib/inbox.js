// Pure helpers of the inbox: the views and their query variables, tags, and the
// CSV export of the audit trail. No React here, so Vitest tests them directly.

/** The inbox views; `staffOnly` ones are not offered to patients. */
export const VIEWS = [
  { id: 'all', label: 'All' },
  { id: 'mine', label: 'Mine', staffOnly: true },
  { id: 'unassigned', label: 'Unassigned', staffOnly: true },
  { id: 'open', label: 'Open' },
  { id: 'pending', label: 'Pending' },
  { id: 'resolved', label: 'Resolved' },
];

export const viewsFor = (role) => VIEWS.filter((v) => !v.staffOnly || role === 'STAFF' || role === 'ADMIN');

export const STATUS_LABELS = { OPEN: 'Open', PENDING: 'Pending', RESOLVED: 'Resolved' };

export const INBOX_PAGE = 30;

/**
 * The variables of the inbox query for a view and a tag filter: an unknown view
 * is "all", an empty tag is no filter, and the filter is null when nothing
 * narrows it (so the cache keeps one entry for the plain inbox).
 */
export function inboxVariables(view, tag, { limit = INBOX_PAGE, after = null } = {}) {
  const filter = {};
  if (view === 'mine') filter.mine = true;
  else if (view === 'unassigned') filter.unassigned = true;
  else if (view === 'open') filter.status = 'OPEN';
  else if (view === 'pending') filter.status = 'PENDING';
  else if (view === 'resolved') filter.status = 'RESOLVED';
  const t = normalizeTag(tag ?? '');
  if (t) filter.tag = t;
  return { filter: Object.keys(filter).length ? filter : null, limit, after };
}

export const TAG_RE = /^[a-z0-9-]{1,32}$/;
export const MAX_TAGS = 10;

/** What a person types as a tag, as the server keeps it: trimmed, lowercase. */
export const normalizeTag = (s) => String(s).trim().toLowerCase();

/** Why a tag is not allowed, or null when it is. */
export function tagError(tag) {
  if (tag.length === 0) return 'A tag cannot be empty.';
  if ([...tag].length > 32) return `"${tag.slice(0, 40)}" is longer than 32 characters.`;
  if (!TAG_RE.test(tag)) return `"${tag}" may hold only lowercase letters, digits and "-".`;
  return null;
}

/**
 * Tags as typed (a list, or one string split at commas and spaces) checked as
 * the server checks them: normalized, duplicates folded (first kept), each 1–32
 * of a–z, 0–9 and "-", at most 10. Returns {tags, error}.
 */
export function parseTags(input) {
  const raw = Array.isArray(input) ? input : String(input).split(/[\s,]+/);
  const tags = [];
  for (const r of raw) {
    const t = normalizeTag(r);
    if (!t && !Array.isArray(input)) continue;
    const err = tagError(t);
    if (err) return { tags: [], error: err };
    if (!tags.includes(t)) tags.push(t);
  }
  if (tags.length > MAX_TAGS) return { tags: [], error: `At most ${MAX_TAGS} tags (${tags.length} given).` };
  return { tags, error: null };
}

// A cell that a spreadsheet would read as a formula begins with one of these
// (also after leading whitespace, which spreadsheets skip).
const FORMULA_START = /^[\s]*[=+\-@]|^[\t\r]/;

/**
 * One CSV cell (RFC 4180): null and undefined are empty; a value a spreadsheet
 * would run as a formula gets a leading apostrophe; a value holding a comma,
 * quote or line break is quoted, quotes doubled.
 */
export function csvCell(value) {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

/** Rows (arrays) to CSV text with CRLF line ends, as RFC 4180 has it. */
export function toCsv(rows) {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + (rows.length ? '\r\n' : '');
}

export const AUDIT_COLUMNS = ['id', 'at', 'actor_id', 'actor_email', 'actor_name', 'action', 'room_id', 'patient_id', 'address', 'detail'];

/** The audit records loaded, as CSV (a header line first). */
export function auditCsv(records) {
  return toCsv([
    AUDIT_COLUMNS,
    ...records.map((r) => [r.id, r.at, r.actor?.id, r.actor?.email, r.actor?.displayName, r.action, r.roomId, r.patientId, r.address, r.detail]),
  ]);
}

/** The variables of the audit query from the form's filters: blanks are left out. */
export function auditVariables({ actorId, patientId, roomId, action } = {}, { before = null, limit = 50 } = {}) {
  const v = { limit, before };
  const put = (k, x) => {
    const s = String(x ?? '').trim();
    if (s) v[k] = s;
  };
  put('actorId', actorId);
  put('patientId', patientId);
  put('roomId', roomId);
  put('action', action);
  return v;
}

/** A line of a conversation in the inbox: who wrote the last message, and what. */
export function preview(room, me) {
  const m = room.lastMessage;
  if (!m) return 'No messages yet';
  const who = m.sender?.id === me ? 'You' : m.sender?.displayName || 'Someone';
  return `${m.internal ? 'Internal note · ' : ''}${who}: ${m.body}`;
}
