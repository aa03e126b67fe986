// Sign-out after a time without activity.
import { useEffect, useRef, useState } from 'react';

const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll', 'mousemove'];

/**
 * Calls onIdle once after timeoutMs without activity; while less than warnMs is
 * left, returns the milliseconds left (else null). A timeout of 0 turns it off.
 */
export function useIdleTimeout(timeoutMs, warnMs, onIdle, { now = () => Date.now(), tickMs = 1000 } = {}) {
  const last = useRef(now());
  const fired = useRef(false);
  const idleRef = useRef(onIdle);
  idleRef.current = onIdle;
  const [left, setLeft] = useState(null);

  useEffect(() => {
    if (!timeoutMs) return undefined;
    last.current = now();
    fired.current = false;
    const active = () => {
      last.current = now();
    };
    for (const e of ACTIVITY) window.addEventListener(e, active, { passive: true, capture: true });
    const tick = setInterval(() => {
      const remaining = timeoutMs - (now() - last.current);
      if (remaining <= 0) {
        if (!fired.current) {
          fired.current = true;
          idleRef.current();
        }
        setLeft(null);
      } else {
        setLeft(remaining <= warnMs ? remaining : null);
      }
    }, Math.min(tickMs, Math.max(100, timeoutMs / 4)));
    return () => {
      clearInterval(tick);
      for (const e of ACTIVITY) window.removeEventListener(e, active, { capture: true });
    };
  }, [timeoutMs, warnMs]); // eslint-disable-line react-hooks/exhaustive-deps

  const stay = () => {
    last.current = now();
    setLeft(null);
  };
  return [left, stay];
}
