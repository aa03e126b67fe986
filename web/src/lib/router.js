// A small router over the History API.
import { useEffect, useState } from 'react';

const EVENT = 'crm:navigate';

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  window.dispatchEvent(new Event(EVENT));
}

export function usePath() {
  const [path, setPath] = useState(() => location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return path;
}

/** Which page a path shows. */
export function matchRoute(path) {
  if (path === '/sign-in') return { page: 'signIn' };
  if (path === '/sign-up') return { page: 'signUp' };
  if (path === '/admin') return { page: 'admin' };
  if (path === '/audit') return { page: 'audit' };
  if (path === '/search') return { page: 'search' };
  if (path === '/patients') return { page: 'patient', userId: null };
  const m = /^\/rooms\/([^/]+)\/?$/.exec(path);
  if (m) return { page: 'room', roomId: decodeURIComponent(m[1]) };
  const p = /^\/patients\/([^/]+)\/?$/.exec(path);
  if (p) return { page: 'patient', userId: decodeURIComponent(p[1]) };
  if (path === '/' || path === '') return { page: 'home' };
  return { page: 'notFound' };
}
