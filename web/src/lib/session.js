// The signed-in session ({token, expiresAt, user}) in sessionStorage: it survives
// a reload of the tab, and is gone when the tab closes.
const KEY = 'crm.session';

export function loadSession(storage = globalThis.sessionStorage) {
  try {
    const s = JSON.parse(storage.getItem(KEY) || 'null');
    if (!s || typeof s.token !== 'string' || !s.user) return null;
    if (s.expiresAt && Date.parse(s.expiresAt) <= Date.now()) {
      storage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(session, storage = globalThis.sessionStorage) {
  try {
    storage.setItem(KEY, JSON.stringify(session));
  } catch {
    /* private mode without storage: the session lasts as long as the page */
  }
}

export function clearSession(storage = globalThis.sessionStorage) {
  try {
    storage.removeItem(KEY);
  } catch {
    /* nothing to clear */
  }
}
