// The retry back-off of a subscription kept going (followRoom and
// followSubscription in live.js): a break waits delay(attempt) before `start`
// runs again, the attempts counting up until a connection succeeds; the browser
// coming back online starts a waiting retry at once. Coming online also resets
// the count when an attempt made while offline is still in flight, so that its
// retry comes soon, not after the back-off the offline attempts built up.

export const retryDelay = (attempt) => Math.min(10000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);

/**
 * Returns { later, connected, stop }: later() schedules `start` after the
 * back-off (false when one is already waiting, or after stop); connected()
 * resets the count; stop() cancels the waiting retry and stops listening.
 */
export function createRetrier(start, { delay = retryDelay } = {}) {
  let timer = null;
  let attempt = 0;
  let stopped = false;

  const run = () => {
    timer = null;
    if (!stopped) start();
  };
  const online = () => {
    attempt = 0;
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  if (typeof window !== 'undefined') window.addEventListener('online', online);

  return {
    later() {
      if (stopped || timer !== null) return false;
      timer = setTimeout(run, delay(attempt++));
      return true;
    },
    connected() {
      attempt = 0;
    },
    stop() {
      stopped = true;
      if (typeof window !== 'undefined') window.removeEventListener('online', online);
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
