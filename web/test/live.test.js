import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { followRoom } from '../src/lib/live.js';
import { fakeLive } from './fakeLive.js';

describe('followRoom', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resubscribes after a break with after = the last cursor seen', () => {
    const live = fakeLive();
    let list = ['5-0'];
    const got = [];
    const stop = followRoom(live, {
      roomId: '9',
      getAfter: () => list[list.length - 1],
      onMessage: (m) => { got.push(m.id); list.push(m.cursor); },
      delay: () => 1000,
    });
    expect(live.subs[0].payload.variables).toEqual({ roomId: '9', after: '5-0' });
    live.subs[0].sink.next({ data: { messageAdded: { id: 'a', cursor: '6-0' } } });
    live.subs[0].sink.error({ code: 1006, reason: '' });
    expect(live.subs).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(live.subs).toHaveLength(2);
    expect(live.subs[1].payload.variables).toEqual({ roomId: '9', after: '6-0' });
    expect(got).toEqual(['a']);
    stop();
    expect(live.subs[1].disposed).toBe(true);
  });

  it('subscribes without after when the room is empty', () => {
    const live = fakeLive();
    followRoom(live, { roomId: '1', getAfter: () => null, onMessage: () => {} });
    expect(live.subs[0].payload.variables).toEqual({ roomId: '1' });
  });

  it('ends the session on a 4403 close and does not retry', () => {
    const live = fakeLive();
    const onAuthFailure = vi.fn();
    followRoom(live, { roomId: '1', getAfter: () => null, onMessage: () => {}, onAuthFailure, delay: () => 10 });
    live.subs[0].sink.error({ code: 4403, reason: 'Forbidden' });
    vi.advanceTimersByTime(100);
    expect(onAuthFailure).toHaveBeenCalledOnce();
    expect(live.subs).toHaveLength(1);
  });

  it('reports a room that is not ours, and does not retry', () => {
    const live = fakeLive();
    const onDenied = vi.fn();
    followRoom(live, { roomId: '1', getAfter: () => null, onMessage: () => {}, onDenied, delay: () => 10 });
    live.subs[0].sink.error([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
    vi.advanceTimersByTime(100);
    expect(onDenied).toHaveBeenCalledWith('FORBIDDEN', 'no');
    expect(live.subs).toHaveLength(1);
  });

  it('reloads the history when the server cannot resume, then follows from there', async () => {
    const live = fakeLive();
    let after = '1-0';
    const onReset = vi.fn(async () => { after = '90-0'; });
    followRoom(live, { roomId: '1', getAfter: () => after, onMessage: () => {}, onReset, delay: () => 10 });
    live.subs[0].sink.error([{ message: 'cursor too old', extensions: { code: 'BAD_USER_INPUT' } }]);
    await vi.advanceTimersByTimeAsync(20);
    expect(onReset).toHaveBeenCalledOnce();
    expect(live.subs[1].payload.variables.after).toBe('90-0');
  });

  it('reconnects at once when the browser comes back online', () => {
    const live = fakeLive();
    const target = new EventTarget();
    vi.stubGlobal('window', target);
    try {
      followRoom(live, { roomId: '1', getAfter: () => null, onMessage: () => {}, delay: () => 60000 });
      live.subs[0].sink.error({ code: 4499, reason: 'Terminated' });
      expect(live.subs).toHaveLength(1);
      target.dispatchEvent(new Event('online'));
      expect(live.subs).toHaveLength(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('says when it is live, and asks for a history check after a reconnection', () => {
    const live = fakeLive();
    const states = [];
    const onConnected = vi.fn();
    followRoom(live, { roomId: '1', getAfter: () => '1-0', onMessage: () => {}, onState: (s) => states.push(s), onConnected, delay: () => 10 });
    live.emitConnected();
    expect(onConnected).toHaveBeenLastCalledWith(false);
    live.subs[0].sink.error({ code: 1006, reason: '' });
    live.connected = false;
    vi.advanceTimersByTime(10);
    live.emitConnected();
    expect(onConnected).toHaveBeenLastCalledWith(true);
    expect(states).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting', 'live']);
  });
});
