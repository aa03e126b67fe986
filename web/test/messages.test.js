import { describe, expect, it } from 'vitest';
import { compareCursor, hasUnstored, mergeMessages, newestCursor, oldestCursor, unsentFor } from '../src/lib/messages.js';

const msg = (cursor, extra = {}) => ({ id: `m${cursor}`, roomId: '1', cursor, status: 'PENDING', body: cursor, sender: { id: '7' }, idempotencyKey: `k${cursor}`, ...extra });

describe('compareCursor', () => {
  it('orders by milliseconds, then by sequence, as numbers', () => {
    expect(compareCursor('9-0', '10-0')).toBeLessThan(0);
    expect(compareCursor('10-2', '10-10')).toBeLessThan(0);
    expect(compareCursor('10-10', '10-10')).toBe(0);
    expect(compareCursor('1700000000001-0', '1700000000000-99')).toBeGreaterThan(0);
  });
  it('puts malformed cursors first', () => {
    expect(compareCursor('garbage', '0-0')).toBeLessThan(0);
  });
});

describe('mergeMessages', () => {
  it('keeps each message once, in stream order', () => {
    const a = mergeMessages([], [msg('3-0'), msg('1-0')]);
    const b = mergeMessages(a, [msg('2-0'), msg('3-0'), msg('1-0')]);
    expect(b.map((m) => m.cursor)).toEqual(['1-0', '2-0', '3-0']);
  });

  it('appends live messages and prepends older pages', () => {
    let list = mergeMessages([], [msg('5-0'), msg('6-0')]);
    list = mergeMessages(list, [msg('7-0')]);
    list = mergeMessages(list, [msg('1-0'), msg('2-0')]);
    expect(list.map((m) => m.cursor)).toEqual(['1-0', '2-0', '5-0', '6-0', '7-0']);
  });

  it('returns the same array when nothing is new', () => {
    const list = mergeMessages([], [msg('1-0', { status: 'PERSISTED' })]);
    expect(mergeMessages(list, [msg('1-0', { status: 'PERSISTED' })])).toBe(list);
    expect(mergeMessages(list, [msg('1-0', { status: 'PENDING' })])).toBe(list);
    expect(mergeMessages(list, [])).toBe(list);
  });

  it('moves a status from PENDING to PERSISTED, never back', () => {
    let list = mergeMessages([], [msg('1-0')]);
    list = mergeMessages(list, [msg('1-0', { status: 'PERSISTED' })]);
    expect(list[0].status).toBe('PERSISTED');
    list = mergeMessages(list, [msg('1-0', { status: 'PENDING' })]);
    expect(list[0].status).toBe('PERSISTED');
  });

  it('survives a replay that repeats what the list has, with the gap in between', () => {
    const before = mergeMessages([], [msg('1-0'), msg('2-0')]);
    const replay = [msg('2-0'), msg('3-0'), msg('4-0')];
    const after = replay.reduce((l, m) => mergeMessages(l, [m]), before);
    expect(after.map((m) => m.cursor)).toEqual(['1-0', '2-0', '3-0', '4-0']);
    expect(newestCursor(after)).toBe('4-0');
    expect(oldestCursor(after)).toBe('1-0');
  });

  it('sorts a message that arrives out of order', () => {
    const list = mergeMessages(mergeMessages([], [msg('1-0'), msg('3-0')]), [msg('2-0')]);
    expect(list.map((m) => m.cursor)).toEqual(['1-0', '2-0', '3-0']);
  });
});

describe('hasUnstored and unsentFor', () => {
  it('tells whether a message still waits for the database', () => {
    expect(hasUnstored([msg('1-0', { status: 'PERSISTED' })])).toBe(false);
    expect(hasUnstored([msg('1-0', { status: 'PERSISTED' }), msg('2-0')])).toBe(true);
  });

  it('hides a queued message once the list has it under its key', () => {
    const items = [{ key: 'k2-0', roomId: '1' }, { key: 'kx', roomId: '1' }, { key: 'ky', roomId: '2' }];
    const list = [msg('2-0')];
    expect(unsentFor(items, '1', list, '7').map((i) => i.key)).toEqual(['kx']);
    // Someone else's message with the same key does not hide mine.
    expect(unsentFor(items, '1', list, '8').map((i) => i.key)).toEqual(['k2-0', 'kx']);
  });
});
