// The inbox: the conversations of the signed-in user, most recently updated
// first, in views (Mine, Unassigned, Open, Pending, Resolved) with a tag filter,
// a page at a time ("Load more" pages on with the `next` cursor). The list is
// live: each room inboxUpdated delivers (liveHub.js) moves to its place, into
// or out of the view shown; there is no polling.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { INBOX } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { inboxVariables, normalizeTag, preview, tagError, viewsFor } from '../lib/inbox.js';
import { shortTime } from '../lib/time.js';
import { placeRoom, roomMatchesFilter } from '../lib/liveState.js';
import { useLiveHub, useSession } from '../session.jsx';
import { OnlineDot, UnreadBadge } from './Live.jsx';
import { NavLink } from './Shell.jsx';
import { Alert, Button, EmptyState, Spinner, StatusBadge, TagList, cx } from './ui.jsx';
import { NewRoomDialog } from './NewRoomDialog.jsx';
import { NewConversationDialog } from './NewConversationDialog.jsx';

const VIEW_KEY = 'crm.inbox.view';

function savedView(views) {
  try {
    const v = sessionStorage.getItem(VIEW_KEY);
    return views.some((x) => x.id === v) ? v : 'all';
  } catch {
    return 'all';
  }
}

function InboxItem({ room, current, me, staff, hub }) {
  const unread = room.unreadCount || 0;
  return (
    <NavLink
      to={`/rooms/${encodeURIComponent(room.id)}`}
      current={current}
      data-testid="room-link"
      data-status={room.status}
      data-unread={unread}
      className={cx('block px-4 py-3 hover:bg-slate-50', current && 'bg-teal-50 hover:bg-teal-50')}
    >
      <span className="flex items-baseline justify-between gap-2">
        <span className={cx('truncate text-slate-900', unread ? 'font-bold' : 'font-medium')}>{room.name}</span>
        <span className="flex shrink-0 items-center gap-2">
          <time dateTime={room.updatedAt} className="text-xs text-slate-500">{shortTime(room.updatedAt)}</time>
          <UnreadBadge count={unread} />
        </span>
      </span>
      <span className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600">
        <StatusBadge status={room.status} />
        {staff && room.patient && (
          <span data-testid="room-patient" className="inline-flex items-center gap-1">
            <OnlineDot online={hub?.isOnline(room.patient.id)} name={room.patient.displayName} />Patient: {room.patient.displayName}
          </span>
        )}
        {staff && (
          <span data-testid="room-assignee" className="inline-flex items-center gap-1">
            {room.assignee && room.assignee.id !== me && <OnlineDot online={hub?.isOnline(room.assignee.id)} name={room.assignee.displayName} />}
            {room.assignee ? `Assigned: ${room.assignee.id === me ? 'you' : room.assignee.displayName}` : 'Unassigned'}
          </span>
        )}
      </span>
      {staff && room.tags.length > 0 && <TagList tags={room.tags} className="mt-1" />}
      <span className={cx('mt-1 block truncate text-sm', room.lastMessage?.internal ? 'text-amber-800' : 'text-slate-500')}>
        {preview(room, me)}
      </span>
    </NavLink>
  );
}

export function Inbox({ currentRoomId }) {
  const { user, apollo } = useSession();
  const hub = useLiveHub();
  const staff = user.role === 'STAFF' || user.role === 'ADMIN';
  const views = viewsFor(user.role);
  const [view, setView] = useState(() => savedView(views));
  const [tagText, setTagText] = useState('');
  const [tag, setTag] = useState('');
  const [creating, setCreating] = useState(false);
  // Later pages, for the filter they were loaded with (`key`): another filter starts again.
  const [more, setMore] = useState({ key: null, rooms: [], next: undefined, loading: false, error: null });

  const tagProblem = tagText.trim() ? tagError(normalizeTag(tagText)) : null;
  // The tag filter applies once typing pauses and the tag is one the server takes.
  useEffect(() => {
    const t = setTimeout(() => { if (!tagProblem) setTag(normalizeTag(tagText)); }, 300);
    return () => clearTimeout(t);
  }, [tagText, tagProblem]);

  const variables = useMemo(() => inboxVariables(view, staff ? tag : ''), [view, tag, staff]);
  const { data, loading, error, refetch } = useQuery(INBOX, { variables, notifyOnNetworkStatusChange: false });

  useEffect(() => {
    try { sessionStorage.setItem(VIEW_KEY, view); } catch { /* no storage: the view lasts for the page */ }
  }, [view]);

  const key = JSON.stringify(variables);

  // A room that changed goes to its place on the page shown (or off it), in
  // the cache for the first page and here for the later ones.
  useEffect(() => {
    if (!hub) return undefined;
    return hub.onRoom((room) => {
      const matches = roomMatchesFilter(room, variables.filter, user.id);
      apollo.cache.updateQuery({ query: INBOX, variables }, (d) => {
        if (!d?.inbox) return undefined;
        const list = placeRoom(d.inbox.rooms, room, matches, { complete: !d.inbox.next });
        return list === d.inbox.rooms ? undefined : { ...d, inbox: { ...d.inbox, rooms: list } };
      });
      setMore((m) => {
        if (m.key !== key || !m.rooms.some((r) => r.id === room.id)) return m;
        return { ...m, rooms: matches ? m.rooms.map((r) => (r.id === room.id ? room : r)) : m.rooms.filter((r) => r.id !== room.id) };
      });
    });
  }, [hub, apollo, variables, key, user.id]);

  const first = data?.inbox;
  const extra = more.key === key ? more : { rooms: [], next: undefined, loading: false, error: null };
  const next = extra.next === undefined ? first?.next : extra.next;
  // Later pages follow the first; a room that moved up into the first page since is shown once.
  const rooms = useMemo(() => {
    const list = [...(first?.rooms || [])];
    const seen = new Set(list.map((r) => r.id));
    for (const r of extra.rooms) if (!seen.has(r.id)) { seen.add(r.id); list.push(r); }
    return list;
  }, [first, extra.rooms]);

  // The unread counts feed the title's total; the presence of the patients and
  // assignees shown is followed (staff only see those).
  useEffect(() => {
    if (!hub) return;
    hub.noteRooms(rooms);
    hub.setListRooms(staff ? rooms.map((r) => r.id) : []);
  }, [hub, rooms, staff]);

  const loadMore = useCallback(async () => {
    if (!next || extra.loading) return;
    const base = extra.rooms;
    setMore({ key, rooms: base, next, loading: true, error: null });
    try {
      // no-cache: a later page is kept here, not in the cache beside the first one.
      const { data: d } = await apollo.query({ query: INBOX, variables: { ...variables, after: next }, fetchPolicy: 'no-cache' });
      setMore((m) => (m.key === key ? { key, rooms: [...base, ...d.inbox.rooms], next: d.inbox.next, loading: false, error: null } : m));
    } catch (e) {
      setMore((m) => (m.key === key ? { ...m, loading: false, error: errorMessage(e) } : m));
    }
  }, [apollo, variables, key, next, extra.loading, extra.rooms]);

  const viewLabel = views.find((v) => v.id === view)?.label || 'All';

  return (
    <section aria-labelledby="inbox-title" className="flex h-full flex-col bg-white">
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="inbox-title" className="text-base font-semibold text-slate-900">Inbox</h2>
        {staff
          ? <Button size="sm" onClick={() => setCreating(true)}>New room</Button>
          : <Button size="sm" onClick={() => setCreating(true)}>New conversation</Button>}
      </div>
      <div className="flex flex-col gap-2 border-b border-slate-200 px-3 py-2">
        <div role="group" aria-label="Views" className="flex flex-wrap gap-1">
          {views.map((v) => (
            <button key={v.id} type="button" aria-pressed={view === v.id} onClick={() => setView(v.id)}
              className={cx('rounded-full px-2.5 py-1 text-xs font-medium',
                view === v.id ? 'bg-teal-700 text-white' : 'bg-slate-100 text-slate-700 hover:bg-slate-200')}>
              {v.label}
            </button>
          ))}
        </div>
        {staff && (
          <div className="flex flex-col gap-1">
            <label htmlFor="tag-filter" className="sr-only">Filter by tag</label>
            <input id="tag-filter" type="search" value={tagText} onChange={(e) => setTagText(e.target.value)}
              placeholder="Filter by tag" maxLength={40} aria-invalid={tagProblem ? true : undefined}
              aria-describedby={tagProblem ? 'tag-filter-error' : undefined}
              className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 placeholder:text-slate-400 aria-invalid:border-red-600" />
            {tagProblem && <p id="tag-filter-error" className="text-xs text-red-700">{tagProblem}</p>}
          </div>
        )}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto">
        {error && !data && (
          <div className="p-4">
            <Alert>
              {errorMessage(error)}{' '}
              <button type="button" className="underline" onClick={() => refetch().catch(() => {})}>Try again</button>
            </Alert>
          </div>
        )}
        {loading && !data && <div className="p-4"><Spinner label="Loading conversations" /></div>}
        {data && rooms.length === 0 && (
          view === 'all' && !tag ? (
            <EmptyState title="No conversations yet">
              {staff ? 'New conversations from patients appear here. You can also create a room.' : 'Start a conversation with your care team: "New conversation".'}
            </EmptyState>
          ) : (
            <EmptyState title="Nothing in this view">{`No conversations in ${viewLabel}${tag ? ` tagged "${tag}"` : ''}.`}</EmptyState>
          )
        )}
        {rooms.length > 0 && (
          <ul className="divide-y divide-slate-100" aria-label="Conversations" data-view={view} data-tag={staff ? tag : ''}>
            {rooms.map((r) => (
              <li key={r.id}><InboxItem room={r} current={r.id === currentRoomId} me={user.id} staff={staff} hub={hub} /></li>
            ))}
          </ul>
        )}
        {extra.error && <div className="p-3"><Alert>{extra.error}</Alert></div>}
        {next && (
          <div className="flex justify-center p-3">
            <Button variant="secondary" size="sm" onClick={loadMore} disabled={extra.loading}>
              {extra.loading ? 'Loading…' : 'Load more'}
            </Button>
          </div>
        )}
      </div>
      {creating && (staff
        ? <NewRoomDialog onClose={() => setCreating(false)} onCreated={() => refetch().catch(() => {})} />
        : <NewConversationDialog onClose={() => setCreating(false)} onCreated={() => refetch().catch(() => {})} />)}
    </section>
  );
}
