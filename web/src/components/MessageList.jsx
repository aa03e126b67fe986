// The messages of a room, oldest at the top; older ones load when scrolled to the top.
import { Fragment, useLayoutEffect, useRef, useState } from 'react';
import { shortTime, longTime } from '../lib/time.js';
import { Button, Spinner, cx } from './ui.jsx';

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

function dayLabel(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const today = new Date();
  const yesterday = new Date(today);
  yesterday.setDate(today.getDate() - 1);
  if (d.toDateString() === today.toDateString()) return 'Today';
  if (d.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return dayFormat.format(d);
}

const STATUS_WORDS = {
  queued: 'Sending…',
  sending: 'Sending…',
  waiting: 'Not sent yet, retrying…',
  failed: 'Not sent',
  PENDING: 'Sent',
  PERSISTED: 'Stored',
};

function StatusMark({ status }) {
  const icon = { PENDING: '✓', PERSISTED: '✓✓', failed: '!', waiting: '↻' }[status] || '…';
  return (
    <span data-testid="message-status" className="inline-flex items-center gap-1">
      <span aria-hidden="true">{icon}</span>
      <span>{STATUS_WORDS[status]}</span>
    </span>
  );
}

// An internal note is drawn unlike any message to the patient: amber, a dashed
// border, and the words "Internal note — staff only" above it.
function Bubble({ mine, sender, body, time, status, testId, id, internal, readBy, children }) {
  return (
    <li data-testid={testId} data-id={id} data-status={status} data-internal={internal ? 'true' : undefined}
      className={cx('flex flex-col', mine ? 'items-end' : 'items-start')}>
      <div className={cx('max-w-[85%] rounded-2xl px-3.5 py-2 shadow-sm sm:max-w-[70%]',
        internal ? 'border-2 border-dashed border-amber-500 bg-amber-50 text-amber-950'
          : mine ? 'rounded-br-sm bg-teal-700 text-white' : 'rounded-bl-sm border border-slate-200 bg-white text-slate-900',
        status === 'failed' && 'bg-red-50 text-red-900 ring-1 ring-red-300')}>
        {internal && (
          <p data-testid="note-label" className="mb-1 text-[11px] font-bold uppercase tracking-wide text-amber-800">
            Internal note — staff only
          </p>
        )}
        {!mine && <p className={cx('mb-0.5 text-xs font-semibold', internal ? 'text-amber-900' : 'text-teal-800')}>{sender}</p>}
        {mine && <p className="sr-only">You</p>}
        <p data-testid="message-body" className="whitespace-pre-wrap break-words">{body}</p>
        <p className={cx('mt-1 flex items-center justify-end gap-2 text-[11px]', mine && !internal && status !== 'failed' ? 'text-teal-100' : internal ? 'text-amber-800' : 'text-slate-500')}>
          {time && <time dateTime={time} title={longTime(time)}>{shortTime(time)}</time>}
          {mine && <StatusMark status={status} />}
        </p>
        {children}
      </div>
      {readBy && (
        <p data-testid="read-mark" title={readBy.length ? `Read by ${readBy.join(', ')}` : 'Read'} className="mt-0.5 pr-1 text-[11px] text-slate-500">
          Read{readBy.length ? <span className="sr-only"> by {readBy.join(', ')}</span> : null}
        </p>
      )}
    </li>
  );
}

// `read` ({id, by}) is the own message under which "Read" shows; onAtBottom(bool)
// says whether the newest message is in view (a read position moves only then).
export function MessageList({ messages, unsent, me, hasOlder, loadingOlder, olderError, onLoadOlder, onRetry, onDiscard, emptyText, read, onAtBottom }) {
  const box = useRef(null);
  const nearBottom = useRef(true);
  const prev = useRef({ firstId: null, lastKey: null, height: 0, top: 0 });
  const [newBelow, setNewBelow] = useState(false);

  const lastKey = unsent.length ? unsent[unsent.length - 1].key : messages.length ? messages[messages.length - 1].id : null;
  const lastMine = unsent.length > 0 || (messages.length > 0 && messages[messages.length - 1].sender?.id === me.id);
  const firstId = messages.length ? messages[0].id : null;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const p = prev.current;
    if (p.firstId && firstId !== p.firstId && p.lastKey === lastKey) {
      // Older messages came in above: keep what the reader looks at in place.
      el.scrollTop = p.top + (el.scrollHeight - p.height);
    } else if (lastKey !== p.lastKey) {
      if (nearBottom.current || lastMine || !p.lastKey) {
        el.scrollTop = el.scrollHeight;
        nearBottom.current = true;
        onAtBottom?.(true);
        setNewBelow(false);
      } else {
        setNewBelow(true);
      }
    }
    prev.current = { firstId, lastKey, height: el.scrollHeight, top: el.scrollTop };
  }, [firstId, lastKey, lastMine, messages, unsent, onAtBottom]);

  function onScroll() {
    const el = box.current;
    const was = nearBottom.current;
    nearBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (was !== nearBottom.current) onAtBottom?.(nearBottom.current);
    prev.current.top = el.scrollTop;
    prev.current.height = el.scrollHeight;
    if (nearBottom.current) setNewBelow(false);
    if (el.scrollTop < 120 && hasOlder && !loadingOlder && !olderError) onLoadOlder();
  }

  let lastDay = null;
  return (
    <div className="relative min-h-0 flex-1">
      <div ref={box} onScroll={onScroll} className="h-full overflow-y-auto px-3 py-4 sm:px-6" data-testid="message-scroller">
        <div className="mb-3 flex justify-center">
          {hasOlder && !loadingOlder && (
            <Button variant="secondary" size="sm" onClick={onLoadOlder}>Load older messages</Button>
          )}
          {loadingOlder && <Spinner label="Loading older messages" />}
          {olderError && (
            <p role="alert" className="text-sm text-red-700">
              Could not load older messages.{' '}
              <button type="button" className="underline" onClick={onLoadOlder}>Try again</button>
            </p>
          )}
          {!hasOlder && messages.length > 0 && <p className="text-xs text-slate-400">Beginning of the conversation</p>}
        </div>
        {messages.length === 0 && unsent.length === 0 && (
          <p className="py-12 text-center text-sm text-slate-500">{emptyText}</p>
        )}
        <ol role="log" aria-label="Conversation" aria-live="polite" aria-relevant="additions" className="flex flex-col gap-2">
          {messages.map((m) => {
            const day = dayLabel(m.createdAt);
            const sep = day !== lastDay;
            lastDay = day;
            return (
              <Fragment key={m.id}>
                {sep && (
                  <li aria-hidden="true" className="my-2 flex items-center gap-3 text-xs text-slate-400">
                    <span className="h-px flex-1 bg-slate-200" />{day}<span className="h-px flex-1 bg-slate-200" />
                  </li>
                )}
                <Bubble testId="message" id={m.id} mine={m.sender?.id === me.id} sender={m.sender?.displayName}
                  body={m.body} time={m.createdAt} status={m.status} internal={m.internal}
                  readBy={read?.id === m.id ? read.by : null} />
              </Fragment>
            );
          })}
          {unsent.map((i) => (
            <Bubble key={i.key} testId="message" id={`local-${i.key}`} mine sender={me.displayName} body={i.body}
              time={null} status={i.state} internal={i.internal}>
              {i.state === 'failed' && (
                <div className="mt-2 flex flex-wrap items-center gap-2 text-xs">
                  <span role="alert">{i.error}</span>
                  <Button size="sm" variant="secondary" onClick={() => onRetry(i.key)}>Retry</Button>
                  <Button size="sm" variant="ghost" onClick={() => onDiscard(i.key)}>Discard</Button>
                </div>
              )}
            </Bubble>
          ))}
        </ol>
      </div>
      {newBelow && (
        <Button size="sm" className="absolute bottom-3 left-1/2 -translate-x-1/2 shadow-md"
          onClick={() => { const el = box.current; el.scrollTop = el.scrollHeight; setNewBelow(false); nearBottom.current = true; onAtBottom?.(true); }}>
          New messages ↓
        </Button>
      )}
    </div>
  );
}
