// Message search: full-text over the messages the caller may read, optionally in
// one conversation; each result links to its room. Messages that the worker has
// not stored yet can be missing for a moment.
import { useState } from 'react';
import { useLazyQuery, useQuery } from '@apollo/client/react';
import { INBOX, SEARCH_MESSAGES } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { longTime, shortTime } from '../lib/time.js';
import { useSession } from '../session.jsx';
import { NavLink } from './Shell.jsx';
import { Alert, Button, EmptyState, Spinner, cx } from './ui.jsx';

const MAX_QUERY = 200;

export function SearchPage() {
  const { user } = useSession();
  const [text, setText] = useState('');
  const [roomId, setRoomId] = useState('');
  const [problem, setProblem] = useState(null);
  const rooms = useQuery(INBOX, { variables: { filter: null, limit: 100, after: null } });
  const [search, { data, loading, error, called }] = useLazyQuery(SEARCH_MESSAGES, { fetchPolicy: 'network-only' });
  const names = new Map((rooms.data?.inbox.rooms || []).map((r) => [r.id, r.name]));

  function submit(e) {
    e.preventDefault();
    const q = text.trim();
    setProblem(null);
    if (!q) return setProblem('Type what to look for.');
    if ([...q].length > MAX_QUERY) return setProblem(`At most ${MAX_QUERY} characters.`);
    search({ variables: { query: q, roomId: roomId || null, limit: 50 } }).catch(() => {});
  }

  const results = data?.searchMessages || [];
  return (
    <main id="main" className="h-full overflow-y-auto">
      <div className="mx-auto flex max-w-3xl flex-col gap-4 p-3 sm:p-6">
        <h1 className="text-xl font-semibold text-slate-900">Search messages</h1>
        <form onSubmit={submit} role="search" className="flex flex-col gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:flex-row sm:items-end">
          <div className="flex min-w-0 flex-1 flex-col gap-1">
            <label htmlFor="search-text" className="text-sm font-medium text-slate-800">Words to find</label>
            <input id="search-text" type="search" value={text} onChange={(e) => setText(e.target.value)} maxLength={MAX_QUERY}
              placeholder='e.g. refill "blood pressure" -flu'
              className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900 placeholder:text-slate-400" />
          </div>
          <div className="flex flex-col gap-1">
            <label htmlFor="search-room" className="text-sm font-medium text-slate-800">In conversation</label>
            <select id="search-room" value={roomId} onChange={(e) => setRoomId(e.target.value)}
              className="max-w-60 rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900">
              <option value="">All conversations</option>
              {[...names].map(([id, name]) => <option key={id} value={id}>{name}</option>)}
            </select>
          </div>
          <Button type="submit" disabled={loading}>Search</Button>
        </form>
        {problem && <Alert>{problem}</Alert>}
        {error && <Alert>{errorMessage(error)}</Alert>}
        {loading && <Spinner label="Searching" />}
        {called && data && !loading && results.length === 0 && (
          <EmptyState title="No messages found">A message sent a moment ago may take a moment to be found.</EmptyState>
        )}
        {results.length > 0 && (
          <ol aria-label="Search results" className="flex flex-col gap-2">
            {results.map((m) => (
              <li key={m.id} data-testid="search-result" data-internal={m.internal ? 'true' : undefined}
                className={cx('rounded-lg border p-3', m.internal ? 'border-2 border-dashed border-amber-500 bg-amber-50' : 'border-slate-200 bg-white')}>
                <div className="mb-1 flex flex-wrap items-baseline justify-between gap-2 text-xs text-slate-600">
                  <NavLink to={`/rooms/${encodeURIComponent(m.roomId)}`} className="font-medium text-teal-800 underline">
                    {names.get(m.roomId) || `Conversation ${m.roomId}`}
                  </NavLink>
                  <span>
                    {m.sender.id === user.id ? 'You' : m.sender.displayName}
                    {' · '}<time dateTime={m.createdAt} title={longTime(m.createdAt)}>{shortTime(m.createdAt)}</time>
                  </span>
                </div>
                {m.internal && <p className="mb-1 text-[11px] font-bold uppercase tracking-wide text-amber-800">Internal note — staff only</p>}
                <p className="whitespace-pre-wrap break-words text-sm text-slate-900">{m.body}</p>
              </li>
            ))}
          </ol>
        )}
      </div>
    </main>
  );
}
