// Small pieces of the live state (issue 15): the unread badge, the online dot,
// the typing line, the unread total in the page title, and the polite offer of
// desktop notifications.
import { useEffect, useState } from 'react';
import { NOTIFY_ASKED_KEY } from '../lib/liveHub.js';
import { setUnreadTotal } from '../lib/title.js';
import { typingText } from '../lib/liveState.js';
import { useLiveHub } from '../session.jsx';
import { Button, cx } from './ui.jsx';

export function UnreadBadge({ count }) {
  if (!count) return null;
  const words = `${count} unread message${count === 1 ? '' : 's'}`;
  return (
    <span data-testid="unread-badge" data-count={count} title={words}
      className="inline-flex min-w-5 shrink-0 items-center justify-center rounded-full bg-teal-700 px-1.5 text-[11px] font-bold leading-5 text-white">
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className="sr-only">{words}</span>
    </span>
  );
}

/** A green dot for someone online, a hollow one otherwise; `online` undefined shows nothing. */
// Screen readers hear "(online)" beside the name, which is written next to the dot.
export function OnlineDot({ online, name }) {
  if (online === undefined) return null;
  const state = online ? 'online' : 'offline';
  return (
    <span data-testid="online-dot" data-online={online ? 'true' : 'false'} title={name ? `${name} is ${state}` : state} className="inline-flex items-center">
      <span aria-hidden="true" className={cx('inline-block size-2 rounded-full', online ? 'bg-emerald-500' : 'border border-slate-400 bg-white')} />
      <span className="sr-only">({state})</span>
    </span>
  );
}

/** Who is typing, in words; the region is always there so screen readers announce changes. */
export function TypingLine({ names }) {
  const text = typingText(names);
  return (
    <p role="status" aria-live="polite" data-testid="typing" data-typing={text ? 'true' : 'false'}
      className="h-5 px-4 text-xs italic text-slate-500 sm:px-6">
      {text}
    </p>
  );
}

/** Keeps the unread total in the page title. */
export function UnreadTitle() {
  const hub = useLiveHub();
  const total = hub ? hub.total : 0;
  useEffect(() => setUnreadTotal(total), [total]);
  useEffect(() => () => setUnreadTotal(0), []);
  return null;
}

function askedBefore() {
  try {
    return localStorage.getItem(NOTIFY_ASKED_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Offers desktop notifications for messages that arrive while the tab is
 * hidden. The browser's question comes only after the user clicks "Turn on";
 * "Not now" hides the offer for good (in this browser).
 */
export function NotifyOffer() {
  const N = typeof window !== 'undefined' ? window.Notification : undefined;
  const [state, setState] = useState(() => (N ? N.permission : 'unsupported'));
  const [dismissed, setDismissed] = useState(askedBefore);
  if (!N || state !== 'default' || dismissed) return null;

  const remember = () => {
    try {
      localStorage.setItem(NOTIFY_ASKED_KEY, '1');
    } catch {
      /* without storage the offer comes back next time */
    }
    setDismissed(true);
  };
  const turnOn = async () => {
    try {
      const p = await N.requestPermission();
      setState(p);
    } catch {
      setState(N.permission);
    }
    remember();
  };

  return (
    <div role="region" aria-label="Desktop notifications" data-testid="notify-offer"
      className="flex flex-wrap items-center justify-center gap-3 border-b border-sky-200 bg-sky-50 px-4 py-1.5 text-sm text-sky-900">
      <span>Get a desktop notification when a message arrives while this tab is in the background?</span>
      <Button size="sm" onClick={turnOn}>Turn on</Button>
      <Button size="sm" variant="ghost" onClick={remember}>Not now</Button>
    </div>
  );
}
