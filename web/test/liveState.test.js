import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createTypingSender, lastReadOwn, movesForward, notifies, placeRoom, roomMatchesFilter, titleWithUnread, typingText, unreadTotal,
} from '../src/lib/liveState.js';
import { followSubscription } from '../src/lib/live.js';
import { fakeLive } from './fakeLive.js';

const room = (id, updatedAt, extra = {}) => ({ id, updatedAt, status: 'OPEN', tags: [], assignee: null, ...extra });

describe('placeRoom', () => {
  const page = [room('a', '2026-01-03'), room('b', '2026-01-02'), room('c', '2026-01-01')];

  it('moves a changed room to the top', () => {
    expect(placeRoom(page, room('c', '2026-01-04'), true).map((r) => r.id)).toEqual(['c', 'a', 'b']);
  });
  it('brings a new room in at its place', () => {
    expect(placeRoom(page, room('d', '2026-01-02T12:00'), true).map((r) => r.id)).toEqual(['a', 'd', 'b', 'c']);
  });
  it('takes out a room that left the view; leaves the page alone for one never on it', () => {
    expect(placeRoom(page, room('b', '2026-01-05'), false).map((r) => r.id)).toEqual(['a', 'c']);
    expect(placeRoom(page, room('x', '2026-01-05'), false)).toBe(page);
  });
  it('leaves an old room that is not on a page with more after it to the later pages', () => {
    expect(placeRoom(page, room('old', '2025-12-01'), true, { complete: false })).toBe(page);
    expect(placeRoom(page, room('old', '2025-12-01'), true, { complete: true }).map((r) => r.id)).toEqual(['a', 'b', 'c', 'old']);
  });
});

describe('roomMatchesFilter', () => {
  it('follows each kind of filter', () => {
    const r = room('a', 'x', { assignee: { id: '5' }, status: 'PENDING', tags: ['lab'] });
    expect(roomMatchesFilter(r, null, '5')).toBe(true);
    expect(roomMatchesFilter(r, { mine: true }, '5')).toBe(true);
    expect(roomMatchesFilter(r, { mine: true }, '6')).toBe(false);
    expect(roomMatchesFilter(r, { unassigned: true }, '5')).toBe(false);
    expect(roomMatchesFilter(r, { status: 'OPEN' }, '5')).toBe(false);
    expect(roomMatchesFilter(r, { status: 'PENDING', tag: 'lab' }, '5')).toBe(true);
    expect(roomMatchesFilter(r, { tag: 'x' }, '5')).toBe(false);
  });
});

describe('unread total and title', () => {
  it('adds the counts and puts the total in front of the title', () => {
    expect(unreadTotal(new Map([['a', 2], ['b', 0], ['c', 1]]))).toBe(3);
    expect(titleWithUnread('Clinic Messages', 3)).toBe('(3) Clinic Messages');
    expect(titleWithUnread('Clinic Messages', 0)).toBe('Clinic Messages');
    expect(titleWithUnread('X', 5000)).toBe('(999+) X');
  });
});

describe('lastReadOwn', () => {
  const me = '1';
  const msgs = [
    { id: 'm1', cursor: '10-0', sender: { id: me } },
    { id: 'm2', cursor: '11-0', sender: { id: '2' } },
    { id: 'm3', cursor: '12-0', sender: { id: me } },
    { id: 'm4', cursor: '13-0', sender: { id: me }, internal: true },
  ];
  const rr = (id, cursor, role = 'PATIENT') => ({ cursor, user: { id, displayName: `U${id}`, role } });

  it('is the newest own message another member has read up to', () => {
    expect(lastReadOwn(msgs, [rr('2', '12-0')], me)).toEqual({ id: 'm3', by: ['U2'] });
    expect(lastReadOwn(msgs, [rr('2', '11-5')], me)).toEqual({ id: 'm1', by: ['U2'] });
  });
  it('ignores the reader\'s own position, and a patient\'s for an internal note', () => {
    expect(lastReadOwn(msgs, [rr(me, '13-0', 'STAFF')], me)).toBeNull();
    expect(lastReadOwn(msgs, [rr('2', '13-0')], me)).toEqual({ id: 'm3', by: ['U2'] });
    expect(lastReadOwn(msgs, [rr('3', '13-0', 'STAFF')], me)).toEqual({ id: 'm4', by: ['U3'] });
  });
  it('is null with nothing read', () => {
    expect(lastReadOwn(msgs, [], me)).toBeNull();
    expect(lastReadOwn(msgs, [rr('2', '9-0')], me)).toBeNull();
  });
});

describe('movesForward', () => {
  it('moves only forward', () => {
    expect(movesForward(null, '5-0')).toBe(true);
    expect(movesForward('5-0', '5-1')).toBe(true);
    expect(movesForward('5-1', '5-0')).toBe(false);
    expect(movesForward('5-0', '5-0')).toBe(false);
    expect(movesForward('5-0', null)).toBe(false);
  });
});

describe('createTypingSender', () => {
  it('sends true at most every 3 s while typing, false once on stop or clear', () => {
    let t = 0;
    const sent = [];
    const s = createTypingSender((x) => sent.push(x), { now: () => t });
    s.change(true, false);
    t = 1000; s.change(true, false);
    t = 2999; s.change(true, false);
    expect(sent).toEqual([true]);
    t = 3000; s.change(true, false);
    expect(sent).toEqual([true, true]);
    s.change(false, false);
    s.stop();
    expect(sent).toEqual([true, true, false]);
  });
  it('never sends while the internal note is on', () => {
    const sent = [];
    const s = createTypingSender((x) => sent.push(x), { now: () => 0 });
    s.change(true, true);
    s.change(false, true);
    s.stop();
    expect(sent).toEqual([]);
  });
});

describe('typingText and notifies', () => {
  it('says who types', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Nora'])).toBe('Nora is typing…');
    expect(typingText(['Nora', 'Sam'])).toBe('Nora and Sam are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('3 people are typing…');
  });
  it('notifies for a new message of someone else only, never a note to a patient', () => {
    const r = (id, sender, internal = false) => ({ id: 'r', lastMessage: { id, internal, sender: { id: sender } } });
    expect(notifies(r('m2', '2'), 'm1', '1', 'STAFF')).toBe(true);
    expect(notifies(r('m1', '2'), 'm1', '1', 'STAFF')).toBe(false);
    expect(notifies(r('m2', '1'), 'm1', '1', 'STAFF')).toBe(false);
    expect(notifies(r('m2', '2', true), 'm1', '1', 'PATIENT')).toBe(false);
    expect(notifies({ id: 'r', lastMessage: null }, undefined, '1', 'STAFF')).toBe(false);
  });
});

describe('followSubscription', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('subscribes again after a break and says so once per reconnection', () => {
    const live = fakeLive();
    const got = [];
    const conns = [];
    const stop = followSubscription(live, { query: 'q', onData: (d) => got.push(d.x), onConnected: (r) => conns.push(r), delay: () => 1000 });
    live.emitConnected();
    live.subs[0].sink.next({ data: { x: 1 } });
    live.connected = false;
    live.subs[0].sink.error({ code: 1006, reason: '' });
    vi.advanceTimersByTime(1000);
    expect(live.subs).toHaveLength(2);
    live.emitConnected();
    live.subs[1].sink.next({ data: { x: 2 } });
    expect(got).toEqual([1, 2]);
    expect(conns).toEqual([false, true]);
    stop();
    expect(live.subs[1].disposed).toBe(true);
  });

  it('stops for good when refused; ends the session on UNAUTHENTICATED', () => {
    const live = fakeLive();
    const denied = [];
    followSubscription(live, { query: 'q', onData: () => {}, onDenied: (c) => denied.push(c), delay: () => 1 });
    live.subs[0].sink.error([{ message: 'no', extensions: { code: 'FORBIDDEN' } }]);
    vi.advanceTimersByTime(100);
    expect(denied).toEqual(['FORBIDDEN']);
    expect(live.subs).toHaveLength(1);
    let ended = 0;
    followSubscription(live, { query: 'q', onData: () => {}, onAuthFailure: () => ended++ });
    live.subs[1].sink.error([{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(ended).toBe(1);
  });
});
