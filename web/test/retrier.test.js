import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRetrier } from '../src/lib/retrier.js';

describe('createRetrier', () => {
  let target;
  beforeEach(() => {
    vi.useFakeTimers();
    target = new EventTarget();
    vi.stubGlobal('window', target);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('backs off by attempt, once at a time, and starts over after a connection', () => {
    const delays = [];
    const start = vi.fn();
    const r = createRetrier(start, { delay: (a) => { delays.push(a); return 100; } });
    expect(r.later()).toBe(true);
    expect(r.later()).toBe(false); // one is waiting already
    vi.advanceTimersByTime(100);
    expect(start).toHaveBeenCalledTimes(1);
    r.later();
    vi.advanceTimersByTime(100);
    r.connected();
    r.later();
    expect(delays).toEqual([0, 1, 0]);
    r.stop();
    vi.advanceTimersByTime(1000);
    expect(start).toHaveBeenCalledTimes(2);
    expect(r.later()).toBe(false);
  });

  it('coming online starts a waiting retry at once', () => {
    const start = vi.fn();
    const r = createRetrier(start, { delay: () => 60000 });
    r.later();
    target.dispatchEvent(new Event('online'));
    expect(start).toHaveBeenCalledTimes(1);
    r.stop();
  });

  it('coming online resets the back-off when an attempt made offline is still in flight', () => {
    const delays = [];
    const r = createRetrier(() => {}, { delay: (a) => { delays.push(a); return 10; } });
    for (let i = 0; i < 4; i++) { r.later(); vi.advanceTimersByTime(10); } // offline attempts
    // The last attempt is in flight (no retry waiting) when the browser comes online.
    target.dispatchEvent(new Event('online'));
    r.later(); // that attempt fails after all
    expect(delays).toEqual([0, 1, 2, 3, 0]);
    r.stop();
  });

  it('stops listening for online when stopped', () => {
    const start = vi.fn();
    const r = createRetrier(start, { delay: () => 60000 });
    r.later();
    r.stop();
    target.dispatchEvent(new Event('online'));
    expect(start).not.toHaveBeenCalled();
  });
});
