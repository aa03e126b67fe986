// Finding users by name or email (staff and admins), to add them to a room.
import { useEffect, useId, useState } from 'react';
import { useLazyQuery } from '@apollo/client/react';
import { USERS } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { Alert, Button, RoleBadge } from './ui.jsx';

export function UserSearch({ exclude = [], onPick, pickLabel = 'Add', label = 'Find people' }) {
  const id = useId();
  const [text, setText] = useState('');
  const [search, { data, loading, error }] = useLazyQuery(USERS, { fetchPolicy: 'network-only' });

  useEffect(() => {
    const t = setTimeout(() => {
      search({ variables: { search: text.trim() || null, limit: 20 } }).catch(() => {});
    }, 250);
    return () => clearTimeout(t);
  }, [text, search]);

  const skip = new Set(exclude);
  const users = (data?.users || []).filter((u) => !skip.has(u.id));

  return (
    <div className="flex flex-col gap-2">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">{label}</label>
      <input
        id={id}
        type="search"
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder="Name or email"
        maxLength={100}
        className="rounded-lg border border-slate-300 bg-white px-3 py-2 text-slate-900"
        aria-describedby={`${id}-status`}
      />
      <p id={`${id}-status`} className="sr-only" aria-live="polite">
        {loading ? 'Searching' : data ? `${users.length} found` : ''}
      </p>
      {error && <Alert>{errorMessage(error)}</Alert>}
      <ul className="max-h-56 divide-y divide-slate-100 overflow-y-auto rounded-lg border border-slate-200" aria-label="Search results">
        {users.length === 0 && (
          <li className="px-3 py-2 text-sm text-slate-500">{loading ? 'Searching…' : 'No one found.'}</li>
        )}
        {users.map((u) => (
          <li key={u.id} className="flex items-center gap-2 px-3 py-2">
            <span className="min-w-0 flex-1">
              <span className="flex items-center gap-2">
                <span className="truncate text-sm font-medium text-slate-900">{u.displayName}</span>
                <RoleBadge role={u.role} />
              </span>
              <span className="block truncate text-xs text-slate-500">{u.email}</span>
            </span>
            <Button size="sm" variant="secondary" onClick={() => onPick(u)} aria-label={`${pickLabel} ${u.displayName}`}>
              {pickLabel}
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}
