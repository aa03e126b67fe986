// One room: its header, the messages, the composer and (on demand) the members.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ADD_MEMBERS, CONVERSATION, ROOM, SET_TYPING } from '../lib/graphql.js';
import { errorCode, errorMessage } from '../lib/errors.js';
import { unsentFor } from '../lib/messages.js';
import { useRoomMessages } from '../lib/useRoomMessages.js';
import { createTypingSender, lastReadOwn } from '../lib/liveState.js';
import { useMarkRead, useTabVisible, useTyping } from '../lib/useLiveRoom.js';
import { setTitleBase } from '../lib/title.js';
import { useLiveHub, useSession } from '../session.jsx';
import { OnlineDot, TypingLine } from './Live.jsx';
import { MessageList } from './MessageList.jsx';
import { ConversationBar } from './ConversationBar.jsx';
import { NavLink } from './Shell.jsx';
import { UserSearch } from './UserSearch.jsx';
import { Alert, Button, EmptyState, RoleBadge, Spinner, StatusBadge, cx } from './ui.jsx';

const MAX_BODY = 4000;

function useOnline() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

function LiveIndicator({ state, online }) {
  const s = !online ? 'offline' : state;
  const look = {
    live: ['bg-emerald-500', 'Live'],
    connecting: ['bg-slate-400', 'Connecting…'],
    reconnecting: ['bg-amber-500', 'Reconnecting…'],
    offline: ['bg-red-500', 'Offline'],
    notLive: ['bg-slate-300', 'Not live'],
  }[s] || ['bg-slate-400', s];
  return (
    <span role="status" data-testid="live-state" data-state={s} className="inline-flex items-center gap-1.5 text-xs text-slate-600">
      <span aria-hidden="true" className={cx('size-2 rounded-full', look[0])} />
      <span className="sr-only sm:not-sr-only">{look[1]}</span>
    </span>
  );
}

// Staff write either to the patient or, with the toggle on, an internal note: the
// note composer is amber with a dashed border and says so in words, so a note is
// never taken for a message to the patient. Patients are not offered the toggle.
// While there is text, the others are told "typing" (at most every 3 s), and
// told it stopped on send, blur and clear; never while writing an internal note.
function Composer({ onSend, disabled, canNote, onTyping }) {
  const [text, setText] = useState('');
  const [note, setNote] = useState(false);
  const internal = canNote && note;
  const ref = useRef(null);
  const typingRef = useRef(onTyping);
  typingRef.current = onTyping;
  const typing = useMemo(() => createTypingSender((t) => typingRef.current?.(t)), []);
  useEffect(() => () => typing.stop(), [typing]);
  const chars = [...text].length;
  const over = chars > MAX_BODY;

  function submit(e) {
    e?.preventDefault();
    const body = text.trim();
    if (!body || over || disabled) return;
    typing.stop();
    onSend(body, { internal });
    setText('');
    ref.current?.focus();
  }

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 160)}px`;
  }, [text]);

  return (
    <form onSubmit={submit} data-testid="composer" data-internal={internal ? 'true' : 'false'}
      className={cx('flex flex-col gap-2 border-t px-3 py-3 sm:px-4',
        internal ? 'border-t-4 border-dashed border-amber-500 bg-amber-50' : 'border-slate-200 bg-white')}>
      {canNote && (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <label className="inline-flex cursor-pointer items-center gap-2 font-medium text-slate-800">
            <input type="checkbox" role="switch" checked={note}
              onChange={(e) => {
                if (e.target.checked) typing.stop();
                setNote(e.target.checked);
              }}
              className="size-4 accent-amber-600" />
            Internal note
          </label>
          {internal
            ? <span data-testid="note-label" className="rounded bg-amber-200 px-2 py-0.5 text-xs font-bold uppercase tracking-wide text-amber-950">Internal note — staff only</span>
            : <span className="text-xs text-slate-500">Visible to the patient</span>}
        </div>
      )}
      <div className="flex items-end gap-2">
      <div className="min-w-0 flex-1">
        <label htmlFor="composer" className="sr-only">{internal ? 'Internal note' : 'Message'}</label>
        <textarea
          id="composer"
          ref={ref}
          rows={1}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (!disabled) typing.change(e.target.value.trim() !== '', internal);
          }}
          onBlur={() => typing.stop()}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
          }}
          placeholder={internal ? 'Write a note for the care team (the patient never sees it)' : 'Write a message'}
          aria-describedby="composer-hint"
          aria-invalid={over || undefined}
          className={cx('block max-h-40 w-full resize-none rounded-xl border px-3 py-2 text-slate-900',
            internal ? 'border-2 border-amber-500 bg-amber-100 placeholder:text-amber-800' : 'border-slate-300 bg-white placeholder:text-slate-400')}
        />
        <p id="composer-hint" className={cx('mt-1 text-xs', over ? 'text-red-700' : 'text-slate-500')}>
          {over ? `Too long: ${chars} of ${MAX_BODY} characters.` : 'Enter sends, Shift+Enter starts a new line.'}
        </p>
      </div>
      <Button type="submit" disabled={disabled || over || !text.trim()}
        className={cx('mb-5', internal && 'bg-amber-600 text-white hover:bg-amber-700')}>{internal ? 'Add note' : 'Send'}</Button>
      </div>
    </form>
  );
}

function MembersPanel({ room, canAdd, onClose, isOnline }) {
  const [addMembers, { loading }] = useMutation(ADD_MEMBERS);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);

  async function add(u) {
    setError(null);
    setDone(null);
    try {
      await addMembers({ variables: { roomId: room.id, userIds: [u.id] } });
      setDone(`${u.displayName} was added.`);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <aside aria-labelledby="members-title" className="flex h-full flex-col gap-4 overflow-y-auto border-l border-slate-200 bg-white p-4">
      <div className="flex items-center justify-between">
        <h3 id="members-title" className="font-semibold text-slate-900">Members</h3>
        <Button variant="ghost" size="sm" onClick={onClose}>Close</Button>
      </div>
      <ul className="flex flex-col gap-2" aria-label="Members of this room">
        {room.members.map((m) => (
          <li key={m.id} className="flex items-center justify-between gap-2 text-sm">
            <span className="flex min-w-0 items-center gap-1.5">
              <OnlineDot online={isOnline(m)} name={m.displayName} />
              <span className="truncate text-slate-800">{m.displayName}</span>
            </span>
            <RoleBadge role={m.role} />
          </li>
        ))}
      </ul>
      {canAdd && (
        <div className="flex flex-col gap-2 border-t border-slate-200 pt-4">
          <UserSearch label="Add people" exclude={room.members.map((m) => m.id)} onPick={add} />
          {loading && <Spinner label="Adding" />}
          {error && <Alert>{error}</Alert>}
          {done && <Alert kind="success">{done}</Alert>}
        </div>
      )}
    </aside>
  );
}

export function NoAccess() {
  return (
    <div className="flex h-full items-center justify-center bg-white" data-testid="room-unavailable">
      <EmptyState title="This room is not available">
        It does not exist, or you are not a member of it.{' '}
        <NavLink to="/" className="text-teal-800 underline">Back to your rooms</NavLink>
      </EmptyState>
    </div>
  );
}

export function Room({ roomId }) {
  const session = useSession();
  const { user, queue, apollo, live, endSession } = session;
  const hub = useLiveHub();
  const online = useOnline();
  const [showMembers, setShowMembers] = useState(false);
  const roomQuery = useQuery(ROOM, { variables: { id: roomId } });
  const convQuery = useQuery(CONVERSATION, { variables: { id: roomId } });
  const conv = convQuery.data?.room;
  const room = roomQuery.data?.room;
  const roomErr = roomQuery.error ? errorCode(roomQuery.error) : null;
  const denied = roomErr === 'FORBIDDEN' || roomErr === 'NOT_FOUND' || (roomQuery.data && !room);
  const isMember = !!room && room.members.some((m) => m.id === user.id);
  const msgs = useRoomMessages(denied ? null : roomId, session, isMember ? 1 : 0);
  const staff = user.role === 'STAFF' || user.role === 'ADMIN';

  useEffect(() => setShowMembers(false), [roomId]);
  useEffect(() => {
    if (room) setTitleBase(`${room.name} · Clinic Messages`);
  }, [room]);
  useEffect(() => () => setTitleBase(null), []);

  // Presence of the members (refreshed by the hub every 10 s while shown).
  useEffect(() => {
    hub?.setOpenRoom(roomId);
    return () => hub?.setOpenRoom(null);
  }, [hub, roomId]);
  const isOnline = useCallback((m) => hub?.isOnline(m.id) ?? m.online, [hub]);

  // Typing, both ways.
  const typingNames = useTyping(live, roomId, user.id, isMember, endSession);
  const [setTypingMutation] = useMutation(SET_TYPING);
  const sendTyping = useCallback((typing) => {
    setTypingMutation({ variables: { roomId, typing } }).catch(() => {});
  }, [setTypingMutation, roomId]);

  // The read position follows what the reader sees.
  const [atBottom, setAtBottom] = useState(true);
  const tabVisible = useTabVisible();
  const newest = msgs.messages.length ? msgs.messages[msgs.messages.length - 1] : null;
  const myReceipt = conv?.readReceipts?.find((r) => r.user?.id === user.id);
  useMarkRead({
    apollo, hub, roomId,
    cursor: newest?.cursor,
    ownNewest: newest?.sender?.id === user.id,
    unread: conv?.unreadCount ?? 0,
    serverCursor: myReceipt?.cursor,
    canSee: tabVisible && atBottom && !msgs.loading,
    enabled: isMember,
  });
  const read = useMemo(() => lastReadOwn(msgs.messages, conv?.readReceipts, user.id), [msgs.messages, conv?.readReceipts, user.id]);

  if (denied || msgs.error === 'FORBIDDEN' || msgs.error === 'NOT_FOUND') return <NoAccess />;

  const unsent = unsentFor(msgs.queueItems, roomId, msgs.messages, user.id);
  // Staff may read an unassigned conversation before taking it (triage); writing needs membership.
  const member = !room || isMember;

  return (
    <div className="flex h-full min-h-0">
      <section aria-labelledby="room-title" className="flex min-w-0 flex-1 flex-col bg-slate-50">
        <div className="flex items-center gap-2 border-b border-slate-200 bg-white px-3 py-2.5 sm:px-4">
          <NavLink to="/" className="rounded-md px-2 py-1 text-lg leading-none text-teal-800 hover:bg-slate-100 md:hidden">
            <span aria-hidden="true">←</span><span className="sr-only">Back to rooms</span>
          </NavLink>
          <div className="min-w-0 flex-1">
            <h2 id="room-title" className="flex items-center gap-2 font-semibold text-slate-900">
              <span className="truncate">{room?.name || ' '}</span>
              {conv && !staff && <StatusBadge status={conv.status} />}
            </h2>
            {room && (
              <p className="flex min-w-0 items-center gap-x-2 truncate text-xs text-slate-500" data-testid="room-members">
                {room.members.filter((m) => m.id !== user.id).map((m) => (
                  <span key={m.id} data-testid="member" data-user-id={m.id} className="inline-flex items-center gap-1">
                    <OnlineDot online={isOnline(m)} name={m.displayName} />{m.displayName}
                  </span>
                ))}
                {room.members.length <= 1 && 'Only you'}
              </p>
            )}
          </div>
          <LiveIndicator state={msgs.liveState} online={online} />
          {room && (
            <Button variant="secondary" size="sm" aria-expanded={showMembers} aria-controls="members-panel"
              onClick={() => setShowMembers((v) => !v)}>
              <span>Members<span className="hidden sm:inline"> ({room.members.length})</span></span>
            </Button>
          )}
        </div>
        {staff && conv && <ConversationBar conv={conv} me={user} />}
        {!online && (
          <p role="status" className="border-b border-amber-200 bg-amber-50 px-4 py-1.5 text-center text-xs text-amber-900">
            You are offline. What you write is sent when the connection is back.
          </p>
        )}
        {roomQuery.error && !denied && <Alert className="m-3">{errorMessage(roomQuery.error)}</Alert>}
        {msgs.error && (
          <Alert className="m-3">
            Could not load the messages{msgs.error === 'NETWORK' ? ': the server cannot be reached' : ''}.{' '}
            <button type="button" className="underline" onClick={() => location.reload()}>Reload</button>
          </Alert>
        )}
        {msgs.loading && !msgs.error ? (
          <div className="flex flex-1 items-center justify-center"><Spinner label="Loading messages" /></div>
        ) : (
          <MessageList
            messages={msgs.messages}
            unsent={unsent}
            me={user}
            hasOlder={msgs.hasOlder}
            loadingOlder={msgs.loadingOlder}
            olderError={msgs.olderError}
            onLoadOlder={msgs.loadOlder}
            onRetry={(k) => queue?.retry(k)}
            onDiscard={(k) => queue?.discard(k)}
            emptyText={staff ? 'No messages yet. Write the first one below.' : 'No messages yet. Your care team will see what you write here.'}
            read={read}
            onAtBottom={setAtBottom}
          />
        )}
        <TypingLine names={typingNames} />
        {!member && (
          <p role="status" className="border-t border-sky-200 bg-sky-50 px-4 py-2 text-center text-sm text-sky-900">
            You are reading this conversation to triage it. Assign it to yourself to reply.
          </p>
        )}
        <Composer disabled={!room || !queue || !!msgs.error || !member} canNote={staff}
          onSend={(body, opts) => queue.enqueue(roomId, body, opts)} onTyping={isMember ? sendTyping : null} />
      </section>
      {showMembers && room && (
        <div id="members-panel" className="fixed inset-0 z-20 bg-white md:static md:z-auto md:w-72 md:shrink-0">
          <MembersPanel room={room} canAdd={staff} onClose={() => setShowMembers(false)} isOnline={isOnline} />
        </div>
      )}
    </div>
  );
}
