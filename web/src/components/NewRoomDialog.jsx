// Staff and admins create a room and choose its first members.
import { useEffect, useRef, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { CREATE_ROOM } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { navigate } from '../lib/router.js';
import { useSession } from '../session.jsx';
import { UserSearch } from './UserSearch.jsx';
import { Alert, Button, Field, RoleBadge } from './ui.jsx';

export function NewRoomDialog({ onClose, onCreated }) {
  const { user } = useSession();
  const ref = useRef(null);
  const [name, setName] = useState('');
  const [members, setMembers] = useState([]);
  const [error, setError] = useState(null);
  const [createRoom, { loading }] = useMutation(CREATE_ROOM);

  useEffect(() => {
    const d = ref.current;
    d.showModal();
    return () => d.close();
  }, []);

  async function submit(e) {
    e.preventDefault();
    setError(null);
    if (!name.trim()) {
      setError('Give the room a name.');
      return;
    }
    try {
      const { data } = await createRoom({ variables: { name: name.trim(), memberIds: members.map((m) => m.id) } });
      onCreated?.(data.createRoom);
      onClose();
      navigate(`/rooms/${encodeURIComponent(data.createRoom.id)}`);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const patients = members.filter((m) => m.role === 'PATIENT').length;

  return (
    <dialog
      ref={ref}
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      aria-labelledby="new-room-title"
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-xl border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <form onSubmit={submit} className="flex max-h-[90dvh] flex-col gap-4 overflow-y-auto p-5">
        <h2 id="new-room-title" className="text-lg font-semibold text-slate-900">New room</h2>
        <Field label="Room name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} autoFocus />
        <div>
          <p className="mb-1 text-sm font-medium text-slate-800">Members</p>
          <ul className="flex flex-wrap gap-2" aria-label="Chosen members">
            <li className="flex items-center gap-1 rounded-full bg-slate-100 px-3 py-1 text-sm">{user.displayName} (you)</li>
            {members.map((m) => (
              <li key={m.id} className="flex items-center gap-1 rounded-full bg-teal-50 py-1 pl-3 pr-1 text-sm">
                {m.displayName} <RoleBadge role={m.role} />
                <button type="button" className="ml-1 rounded-full px-1.5 text-slate-500 hover:bg-teal-100 hover:text-slate-800"
                  aria-label={`Remove ${m.displayName}`} onClick={() => setMembers(members.filter((x) => x.id !== m.id))}>×</button>
              </li>
            ))}
          </ul>
          {patients > 1 && <p className="mt-2 text-xs text-amber-800">A room holds at most one patient.</p>}
        </div>
        <UserSearch exclude={[user.id, ...members.map((m) => m.id)]} onPick={(u) => setMembers([...members, u])} />
        {error && <Alert>{error}</Alert>}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onClose}>Cancel</Button>
          <Button type="submit" disabled={loading || patients > 1}>{loading ? 'Creating…' : 'Create room'}</Button>
        </div>
      </form>
    </dialog>
  );
}
