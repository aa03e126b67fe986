// The rooms of the signed-in user, newest activity first, with the last message.
import { useEffect, useMemo, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { ROOMS } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { compareCursor } from '../lib/messages.js';
import { shortTime } from '../lib/time.js';
import { useSession } from '../session.jsx';
import { NavLink } from './Shell.jsx';
import { Alert, Button, EmptyState, Spinner, cx } from './ui.jsx';
import { NewRoomDialog } from './NewRoomDialog.jsx';

export function RoomList({ currentRoomId }) {
  const { user } = useSession();
  const { data, loading, error, refetch } = useQuery(ROOMS, { pollInterval: 15000, notifyOnNetworkStatusChange: false });
  const [creating, setCreating] = useState(false);
  const staff = user.role === 'STAFF' || user.role === 'ADMIN';

  useEffect(() => {
    const again = () => refetch().catch(() => {});
    window.addEventListener('focus', again);
    window.addEventListener('online', again);
    return () => {
      window.removeEventListener('focus', again);
      window.removeEventListener('online', again);
    };
  }, [refetch]);

  const rooms = useMemo(() => {
    const list = [...(data?.rooms || [])];
    list.sort((a, b) => {
      const ca = a.lastMessage?.cursor, cb = b.lastMessage?.cursor;
      if (ca && cb) return compareCursor(cb, ca);
      if (ca || cb) return ca ? -1 : 1;
      return String(b.createdAt).localeCompare(String(a.createdAt));
    });
    return list;
  }, [data]);

  return (
    <section aria-labelledby="rooms-title" className="flex h-full flex-col bg-white">
      <div className="flex items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h2 id="rooms-title" className="text-base font-semibold text-slate-900">Rooms</h2>
        {staff && <Button size="sm" onClick={() => setCreating(true)}>New room</Button>}
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
        {loading && !data && <div className="p-4"><Spinner label="Loading rooms" /></div>}
        {data && rooms.length === 0 && (
          <EmptyState title="No rooms yet">
            {staff ? 'Create a room and add a patient and colleagues to start a conversation.' : 'Your care team will start a conversation with you here.'}
          </EmptyState>
        )}
        {rooms.length > 0 && (
          <ul className="divide-y divide-slate-100" aria-label="Your rooms">
            {rooms.map((r) => (
              <li key={r.id}>
                <NavLink
                  to={`/rooms/${encodeURIComponent(r.id)}`}
                  current={r.id === currentRoomId}
                  data-testid="room-link"
                  className={cx('block px-4 py-3 hover:bg-slate-50', r.id === currentRoomId && 'bg-teal-50 hover:bg-teal-50')}
                >
                  <span className="flex items-baseline justify-between gap-2">
                    <span className="truncate font-medium text-slate-900">{r.name}</span>
                    {r.lastMessage && (
                      <time dateTime={r.lastMessage.createdAt} className="shrink-0 text-xs text-slate-500">{shortTime(r.lastMessage.createdAt)}</time>
                    )}
                  </span>
                  <span className="mt-0.5 block truncate text-sm text-slate-500">
                    {r.lastMessage
                      ? `${r.lastMessage.sender.id === user.id ? 'You' : r.lastMessage.sender.displayName}: ${r.lastMessage.body}`
                      : 'No messages yet'}
                  </span>
                </NavLink>
              </li>
            ))}
          </ul>
        )}
      </div>
      {creating && <NewRoomDialog onClose={() => setCreating(false)} onCreated={() => refetch().catch(() => {})} />}
    </section>
  );
}
