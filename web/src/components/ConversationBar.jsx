// The conversation controls of a room for staff and admins: its status, who is
// responsible (assignee picker), its tags, and a link to the patient's record.
import { useEffect, useId, useState } from 'react';
import { useLazyQuery, useMutation } from '@apollo/client/react';
import { ASSIGN_CONVERSATION, INBOX, ROOM, SET_STATUS, SET_TAGS, USERS } from '../lib/graphql.js';
import { errorMessage } from '../lib/errors.js';
import { MAX_TAGS, STATUS_LABELS, parseTags } from '../lib/inbox.js';
import { NavLink } from './Shell.jsx';
import { Alert, Button, RoleBadge, TagList } from './ui.jsx';

const refetchQueries = [INBOX, ROOM];

function AssigneePicker({ conv, me, onDone, onError }) {
  const id = useId();
  const [text, setText] = useState('');
  const [search, { data, loading }] = useLazyQuery(USERS, { fetchPolicy: 'network-only' });
  const [assign, { loading: saving }] = useMutation(ASSIGN_CONVERSATION, { refetchQueries });

  useEffect(() => {
    const t = setTimeout(() => search({ variables: { search: text.trim() || null, limit: 20 } }).catch(() => {}), 250);
    return () => clearTimeout(t);
  }, [text, search]);

  // Only staff and admins can be responsible for a conversation.
  const people = (data?.users || []).filter((u) => u.role !== 'PATIENT' && u.id !== conv.assignee?.id);

  async function pick(userId, name) {
    onError(null);
    try {
      await assign({ variables: { roomId: conv.id, assigneeId: userId } });
      onDone(`Assigned to ${userId === me.id ? 'you' : name}.`);
    } catch (e) {
      onError(errorMessage(e));
    }
  }

  return (
    <div className="flex flex-col gap-2 rounded-lg border border-slate-200 bg-white p-3" data-testid="assignee-picker">
      <label htmlFor={id} className="text-sm font-medium text-slate-800">Find staff to assign</label>
      <input id={id} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Name or email" maxLength={100}
        className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900" />
      <ul aria-label="Staff" className="max-h-48 divide-y divide-slate-100 overflow-y-auto rounded-lg border border-slate-200">
        {people.length === 0 && <li className="px-3 py-2 text-sm text-slate-500">{loading ? 'Searching…' : 'No one found.'}</li>}
        {people.map((u) => (
          <li key={u.id} className="flex items-center gap-2 px-3 py-1.5">
            <span className="min-w-0 flex-1 truncate text-sm">{u.displayName} <RoleBadge role={u.role} /></span>
            <Button size="sm" variant="secondary" disabled={saving} onClick={() => pick(u.id, u.displayName)} aria-label={`Assign ${u.displayName}`}>
              Assign
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TagEditor({ conv, onDone, onError }) {
  const id = useId();
  const [text, setText] = useState(conv.tags.join(' '));
  const [setTags, { loading }] = useMutation(SET_TAGS, { refetchQueries });
  useEffect(() => setText(conv.tags.join(' ')), [conv.tags]);
  const parsed = parseTags(text);

  async function save(e) {
    e.preventDefault();
    onError(null);
    if (parsed.error) return;
    try {
      await setTags({ variables: { roomId: conv.id, tags: parsed.tags } });
      onDone(parsed.tags.length ? `Tags saved: ${parsed.tags.join(', ')}.` : 'Tags removed.');
    } catch (err) {
      onError(errorMessage(err));
    }
  }

  return (
    <form onSubmit={save} className="flex flex-wrap items-start gap-2">
      <div className="flex min-w-0 flex-1 flex-col gap-1">
        <label htmlFor={id} className="sr-only">Tags</label>
        <input id={id} value={text} onChange={(e) => setText(e.target.value)} placeholder="Tags, e.g. refill follow-up"
          aria-invalid={parsed.error ? true : undefined} aria-describedby={`${id}-hint`}
          className="rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm text-slate-900 aria-invalid:border-red-600" />
        <p id={`${id}-hint`} className={parsed.error ? 'text-xs text-red-700' : 'text-xs text-slate-500'}>
          {parsed.error || `Separated by spaces or commas: lowercase letters, digits and "-", up to 32 characters, at most ${MAX_TAGS}.`}
        </p>
      </div>
      <Button type="submit" size="sm" variant="secondary" disabled={loading || !!parsed.error}>Save tags</Button>
    </form>
  );
}

export function ConversationBar({ conv, me }) {
  const [setStatus, { loading: statusSaving }] = useMutation(SET_STATUS, { refetchQueries });
  const [assign, { loading: assigning }] = useMutation(ASSIGN_CONVERSATION, { refetchQueries });
  const [picking, setPicking] = useState(false);
  const [editingTags, setEditingTags] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const statusId = useId();

  const finish = (text) => {
    setDone(text);
    setPicking(false);
    setEditingTags(false);
  };

  async function changeStatus(status) {
    setError(null);
    try {
      await setStatus({ variables: { roomId: conv.id, status } });
      setDone(`Status: ${STATUS_LABELS[status]}.`);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  async function takeIt() {
    setError(null);
    try {
      await assign({ variables: { roomId: conv.id } });
      finish('Assigned to you.');
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <div className="flex flex-col gap-2 border-b border-slate-200 bg-white px-3 py-2 sm:px-4" data-testid="conversation-bar">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-sm">
        <div className="flex items-center gap-2">
          <label htmlFor={statusId} className="text-xs font-medium text-slate-600">Status</label>
          <select id={statusId} value={conv.status} disabled={statusSaving} onChange={(e) => changeStatus(e.target.value)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm">
            {Object.entries(STATUS_LABELS).map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </div>
        <div className="flex items-center gap-2">
          <span className="text-xs font-medium text-slate-600">Assignee</span>
          <span data-testid="assignee" className="text-slate-900">
            {conv.assignee ? (conv.assignee.id === me.id ? `${conv.assignee.displayName} (you)` : conv.assignee.displayName) : 'Unassigned'}
          </span>
          {conv.assignee?.id !== me.id && (
            <Button size="sm" onClick={takeIt} disabled={assigning}>Assign to me</Button>
          )}
          <Button size="sm" variant="ghost" aria-expanded={picking} onClick={() => setPicking((v) => !v)}>
            {picking ? 'Cancel' : 'Assign…'}
          </Button>
        </div>
        <div className="flex min-w-0 items-center gap-2">
          <span className="text-xs font-medium text-slate-600">Tags</span>
          {conv.tags.length ? <TagList tags={conv.tags} /> : <span className="text-xs text-slate-400">none</span>}
          <Button size="sm" variant="ghost" aria-expanded={editingTags} onClick={() => setEditingTags((v) => !v)}>
            {editingTags ? 'Cancel' : 'Edit tags'}
          </Button>
        </div>
        {conv.patient && (
          <NavLink to={`/patients/${encodeURIComponent(conv.patient.id)}`} className="ml-auto text-sm font-medium text-teal-800 underline">
            Patient record: {conv.patient.displayName}
          </NavLink>
        )}
      </div>
      {picking && <AssigneePicker conv={conv} me={me} onDone={finish} onError={setError} />}
      {editingTags && <TagEditor conv={conv} onDone={finish} onError={setError} />}
      {error && <Alert>{error}</Alert>}
      {done && !error && <p role="status" className="text-xs text-emerald-800">{done}</p>}
    </div>
  );
}
