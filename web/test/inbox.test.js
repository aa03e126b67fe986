import { describe, expect, it } from 'vitest';
import { auditCsv, auditVariables, csvCell, inboxVariables, parseTags, preview, tagError, toCsv, viewsFor } from '../src/lib/inbox.js';

describe('inboxVariables', () => {
  it('maps each view to its filter', () => {
    expect(inboxVariables('mine', '').filter).toEqual({ mine: true });
    expect(inboxVariables('unassigned', '').filter).toEqual({ unassigned: true });
    expect(inboxVariables('open', '').filter).toEqual({ status: 'OPEN' });
    expect(inboxVariables('pending', '').filter).toEqual({ status: 'PENDING' });
    expect(inboxVariables('resolved', '').filter).toEqual({ status: 'RESOLVED' });
  });
  it('has no filter for all, an unknown view, or a blank tag', () => {
    expect(inboxVariables('all', '')).toEqual({ filter: null, limit: 30, after: null });
    expect(inboxVariables('bogus', '   ').filter).toBeNull();
    expect(inboxVariables('all', undefined).filter).toBeNull();
  });
  it('adds the tag, normalized, to the view', () => {
    expect(inboxVariables('pending', '  VIP ')).toEqual({ filter: { status: 'PENDING', tag: 'vip' }, limit: 30, after: null });
  });
  it('passes the paging cursor and limit', () => {
    expect(inboxVariables('mine', 'x', { limit: 5, after: '12:34' })).toEqual({ filter: { mine: true, tag: 'x' }, limit: 5, after: '12:34' });
  });
  it('offers Mine and Unassigned to staff and admins only', () => {
    expect(viewsFor('PATIENT').map((v) => v.id)).toEqual(['all', 'open', 'pending', 'resolved']);
    expect(viewsFor('STAFF').map((v) => v.id)).toContain('unassigned');
    expect(viewsFor('ADMIN').map((v) => v.id)).toContain('mine');
  });
});

describe('tags', () => {
  it('accepts lowercase letters, digits and dashes, 1 to 32', () => {
    expect(tagError('follow-up')).toBeNull();
    expect(tagError('a')).toBeNull();
    expect(tagError('x'.repeat(32))).toBeNull();
  });
  it('refuses empty, long, upper case, spaces and other letters', () => {
    for (const t of ['', 'x'.repeat(33), 'Upper', 'has space', 'ünï', 'a_b', 'a.b']) expect(tagError(t)).not.toBeNull();
  });
  it('parses typed text: split at commas and spaces, lowercased, duplicates folded', () => {
    expect(parseTags('VIP, follow-up  vip,,')).toEqual({ tags: ['vip', 'follow-up'], error: null });
    expect(parseTags('')).toEqual({ tags: [], error: null });
  });
  it('counts at most 10 after folding duplicates', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `t${i}`);
    expect(parseTags([...ten, 't0']).tags).toHaveLength(10);
    expect(parseTags([...ten, 'eleven']).error).toMatch(/At most 10/);
  });
  it('refuses a bad tag in a list, and an empty one', () => {
    expect(parseTags(['ok', 'Not_ok']).error).toMatch(/lowercase/);
    expect(parseTags(['ok', '']).error).toMatch(/empty/);
    expect(parseTags('ok x'.padEnd(40, 'y')).error).toMatch(/32/);
  });
});

describe('CSV export', () => {
  it('leaves plain values alone and empties null', () => {
    expect(csvCell('login')).toBe('login');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });
  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\rlf')).toBe('"cr\rlf"');
    expect(csvCell('{"fields": ["phone"]}')).toBe('"{""fields"": [""phone""]}"');
  });
  it('defuses formulas: = + - @ (also after spaces), tab and CR first get an apostrophe', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('  =1')).toBe("'  =1");
    expect(csvCell('\t=1')).toBe("'\t=1");
    expect(csvCell('a=b')).toBe('a=b');
  });
  it('joins rows with CRLF', () => {
    expect(toCsv([['a', 'b'], ['c,d', null]])).toBe('a,b\r\n"c,d",\r\n');
    expect(toCsv([])).toBe('');
  });
  it('writes the audit records under a header', () => {
    const csv = auditCsv([{ id: '7', at: '2026-01-01T00:00:00.000Z', actor: { id: '3', email: 'a@x', displayName: '=evil' }, action: 'patient.read', roomId: null, patientId: '9', address: '127.0.0.1', detail: '{"a": 1}' },
      { id: '6', at: '2026-01-01T00:00:00.000Z', actor: null, action: 'login.failed', roomId: null, patientId: null, address: null, detail: null }]);
    expect(csv.split('\r\n')).toEqual([
      'id,at,actor_id,actor_email,actor_name,action,room_id,patient_id,address,detail',
      "7,2026-01-01T00:00:00.000Z,3,a@x,'=evil,patient.read,,9,127.0.0.1,\"{\"\"a\"\": 1}\"",
      '6,2026-01-01T00:00:00.000Z,,,,login.failed,,,,',
      '',
    ]);
  });
});

describe('auditVariables', () => {
  it('leaves blank filters out and trims the rest', () => {
    expect(auditVariables({ actorId: ' 3 ', patientId: '', roomId: null, action: 'patient.read' })).toEqual({ limit: 50, before: null, actorId: '3', action: 'patient.read' });
    expect(auditVariables({}, { before: '99', limit: 10 })).toEqual({ limit: 10, before: '99' });
  });
});

describe('preview', () => {
  it('names the sender, "You" for oneself, and marks an internal note', () => {
    expect(preview({ lastMessage: null }, '1')).toBe('No messages yet');
    expect(preview({ lastMessage: { body: 'hi', sender: { id: '1', displayName: 'Me' } } }, '1')).toBe('You: hi');
    expect(preview({ lastMessage: { body: 'n', internal: true, sender: { id: '2', displayName: 'Nora' } } }, '1')).toBe('Internal note · Nora: n');
  });
});
