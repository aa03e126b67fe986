// The send queue. Each message the user writes gets its idempotency key once, when
// it is written, and is sent (and sent again after a failure) with that key until
// crm-api accepts it: crm-api answers a repeated key with the same message, so a
// retry never doubles it. Items go one at a time in the order written, so the
// user's messages keep their order. The queue lives in sessionStorage, so a reload
// resumes what was not yet accepted; signing out clears it.

/** A failure that sending again cannot fix (a refused body, no access). */
export class PermanentSendError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'PermanentSendError';
    this.code = code;
  }
}

export const defaultBackoff = (attempt) => Math.min(30000, 1000 * 2 ** Math.max(0, attempt - 1));

/**
 * send(item) resolves with the accepted message or rejects; a rejection with a
 * PermanentSendError marks the item failed (the user may retry or discard it),
 * any other is retried after backoff(attempts).
 */
export function createSendQueue({
  send,
  newKey,
  storage = null,
  storageKey = 'crm.outbox',
  backoff = defaultBackoff,
  setTimer = (fn, ms) => setTimeout(fn, ms),
  clearTimer = (t) => clearTimeout(t),
  now = () => Date.now(),
}) {
  let items = load();
  let busy = false;
  let timer = null;
  let stopped = false;
  const listeners = new Set();
  const sentListeners = new Set();

  function load() {
    if (!storage) return [];
    try {
      const saved = JSON.parse(storage.getItem(storageKey) || '[]');
      if (!Array.isArray(saved)) return [];
      // An item caught mid-send by a reload is sent again, with its key.
      return saved.map((i) => (i.state === 'sending' ? { ...i, state: 'queued' } : i));
    } catch {
      return [];
    }
  }

  function save() {
    if (!storage) return;
    try {
      if (items.length) storage.setItem(storageKey, JSON.stringify(items));
      else storage.removeItem(storageKey);
    } catch {
      /* storage full or denied: the queue still works for this page */
    }
  }

  function emit() {
    save();
    for (const l of listeners) l(items);
  }

  function patch(key, change) {
    items = items.map((i) => (i.key === key ? { ...i, ...change } : i));
    emit();
  }

  async function pump() {
    if (busy || stopped) return;
    const next = items.find((i) => i.state === 'queued' || i.state === 'waiting');
    if (!next) return;
    if (timer !== null) {
      clearTimer(timer);
      timer = null;
    }
    busy = true;
    const attempts = (next.attempts || 0) + 1;
    patch(next.key, { state: 'sending', attempts });
    let message;
    try {
      message = await send(next);
    } catch (err) {
      busy = false;
      if (stopped || !items.some((i) => i.key === next.key)) return;
      if (err instanceof PermanentSendError) {
        patch(next.key, { state: 'failed', error: err.message });
        pump();
      } else {
        patch(next.key, { state: 'waiting', error: err?.message || String(err) });
        timer = setTimer(() => {
          timer = null;
          pump();
        }, backoff(attempts));
      }
      return;
    }
    busy = false;
    if (stopped) return;
    items = items.filter((i) => i.key !== next.key);
    emit();
    for (const l of sentListeners) l(next, message);
    pump();
  }

  const queue = {
    get items() {
      return items;
    },
    /** Queues a new message (an internal note with {internal: true}); returns its idempotency key. */
    enqueue(roomId, body, { internal = false } = {}) {
      const item = { key: newKey(), roomId, body, internal: !!internal, createdAt: new Date(now()).toISOString(), state: 'queued', attempts: 0, error: null };
      items = [...items, item];
      emit();
      pump();
      return item.key;
    },
    /** Sends a failed or waiting item again now, with the same key. */
    retry(key) {
      if (!items.some((i) => i.key === key && i.state !== 'sending')) return;
      patch(key, { state: 'queued', error: null });
      pump();
    },
    /** Sends whatever waits now (the network came back). */
    resume() {
      pump();
    },
    discard(key) {
      items = items.filter((i) => i.key !== key || i.state === 'sending');
      emit();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    onSent(fn) {
      sentListeners.add(fn);
      return () => sentListeners.delete(fn);
    },
    /** Stops sending (sign-out); with clear, forgets the items too. */
    stop({ clear = false } = {}) {
      stopped = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      if (clear) {
        items = [];
        save();
      }
      listeners.clear();
      sentListeners.clear();
    },
  };
  pump();
  return queue;
}
