import { describe, expect, it, vi } from 'vitest';
import { createSendQueue, PermanentSendError } from '../src/lib/sendQueue.js';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), m };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function keys() {
  let n = 0;
  return () => `key-${++n}`;
}

describe('the send queue', () => {
  it('sends in the order written, one at a time', async () => {
    const sent = [];
    let inFlight = 0;
    const q = createSendQueue({
      newKey: keys(),
      send: async (item) => {
        inFlight++;
        expect(inFlight).toBe(1);
        await flush();
        inFlight--;
        sent.push(item.body);
        return { id: item.key };
      },
    });
    q.enqueue('r', 'one');
    q.enqueue('r', 'two');
    q.enqueue('r', 'three');
    await vi.waitFor(() => expect(sent).toEqual(['one', 'two', 'three']));
    expect(q.items).toEqual([]);
  });

  it('retries a failed send with the same key until it is accepted', async () => {
    const timers = [];
    const attempts = [];
    const q = createSendQueue({
      newKey: keys(),
      setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
      clearTimer: () => {},
      send: async (item) => {
        attempts.push(item.key);
        if (attempts.length < 3) throw new Error('network down');
        return { id: 'm1', idempotencyKey: item.key };
      },
    });
    const done = [];
    q.onSent((item, message) => done.push([item.key, message.id]));
    const key = q.enqueue('r', 'hello');
    await flush();
    expect(q.items[0]).toMatchObject({ key, state: 'waiting', error: 'network down', attempts: 1 });
    timers.shift().fn();
    await flush();
    expect(q.items[0]).toMatchObject({ state: 'waiting', attempts: 2 });
    expect(timers[0].ms).toBeGreaterThan(1000); // backs off
    timers.shift().fn();
    await flush();
    expect(attempts).toEqual([key, key, key]);
    expect(done).toEqual([[key, 'm1']]);
    expect(q.items).toEqual([]);
  });

  it('keeps order behind a message that waits for a retry', async () => {
    let fail = true;
    const sent = [];
    const timers = [];
    const q = createSendQueue({
      newKey: keys(),
      setTimer: (fn) => { timers.push(fn); return 1; },
      clearTimer: () => {},
      send: async (item) => {
        if (fail) throw new Error('offline');
        sent.push(item.body);
        return { id: item.key };
      },
    });
    q.enqueue('r', 'first');
    await flush();
    q.enqueue('r', 'second'); // retries the head at once: still offline
    await flush();
    expect(sent).toEqual([]);
    fail = false;
    q.resume();
    await vi.waitFor(() => expect(sent).toEqual(['first', 'second']));
  });

  it('marks a refused message failed, goes on with the next, and retries the failed one on demand with its key', async () => {
    const seen = [];
    let refuse = true;
    const q = createSendQueue({
      newKey: keys(),
      send: async (item) => {
        seen.push(item.key);
        if (item.body === 'bad' && refuse) throw new PermanentSendError('You do not have access to this.', 'FORBIDDEN');
        return { id: item.key };
      },
    });
    const bad = q.enqueue('r', 'bad');
    q.enqueue('r', 'good');
    await vi.waitFor(() => expect(q.items.map((i) => [i.key, i.state])).toEqual([[bad, 'failed']]));
    expect(q.items[0].error).toBe('You do not have access to this.');
    refuse = false;
    q.retry(bad);
    await vi.waitFor(() => expect(q.items).toEqual([]));
    expect(seen).toEqual([bad, 'key-2', bad]);
  });

  it('discards a failed message', async () => {
    const q = createSendQueue({ newKey: keys(), send: async () => { throw new PermanentSendError('no'); } });
    const k = q.enqueue('r', 'x');
    await vi.waitFor(() => expect(q.items[0].state).toBe('failed'));
    q.discard(k);
    expect(q.items).toEqual([]);
  });

  it('survives a reload: what was not accepted is sent again with its key', async () => {
    const storage = memoryStorage();
    const first = createSendQueue({ newKey: keys(), storage, storageKey: 'o', send: () => new Promise(() => {}) });
    const key = first.enqueue('r', 'mid-flight');
    await flush();
    expect(JSON.parse(storage.getItem('o'))[0]).toMatchObject({ key, state: 'sending' });
    first.stop();

    const sent = [];
    const second = createSendQueue({ newKey: keys(), storage, storageKey: 'o', send: async (i) => { sent.push(i.key); return { id: 'm' }; } });
    await vi.waitFor(() => expect(sent).toEqual([key]));
    await vi.waitFor(() => expect(second.items).toEqual([]));
    expect(storage.getItem('o')).toBeNull();
  });

  it('forgets everything on sign-out', async () => {
    const storage = memoryStorage();
    const q = createSendQueue({ newKey: keys(), storage, storageKey: 'o', send: () => new Promise(() => {}) });
    q.enqueue('r', 'secret');
    q.stop({ clear: true });
    expect(storage.getItem('o')).toBeNull();
    expect(q.items).toEqual([]);
  });
});

describe('internal notes in the queue', () => {
  it('keeps the internal flag of an item through to send, and leaves it false otherwise', async () => {
    const sent = [];
    let n = 0;
    const q = createSendQueue({ newKey: () => `k${++n}`, send: async (i) => { sent.push(i); return { id: i.key }; } });
    q.enqueue('r', 'note', { internal: true });
    q.enqueue('r', 'plain');
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(sent.map((i) => [i.body, i.internal])).toEqual([['note', true], ['plain', false]]);
  });
});
