// The session: who is signed in, the Apollo client, the live (WebSocket) client
// and the send queue that belong to that sign-in, and the ways a session ends.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { config } from './config.js';
import { createApollo } from './lib/apollo.js';
import { CONVERSATION, INBOX, LOGOUT, SEND_MESSAGE } from './lib/graphql.js';
import { createLiveHub } from './lib/liveHub.js';
import { clearSession, loadSession, saveSession } from './lib/session.js';
import { createLiveClient } from './lib/live.js';
import { createSendQueue, PermanentSendError } from './lib/sendQueue.js';
import { errorCode, errorMessage, isTransient } from './lib/errors.js';
import { newKey } from './lib/ids.js';
import { navigate } from './lib/router.js';

const SessionContext = createContext(null);

export const END_NOTICES = {
  expired: 'Your session has ended: it expired or was signed out elsewhere. Please sign in again.',
  idle: null, // filled in with the minutes
  signedOut: 'You have signed out.',
};

function idleNotice() {
  const m = config.idleTimeoutMinutes;
  const words = m >= 1 ? `${Math.round(m)} minute${Math.round(m) === 1 ? '' : 's'}` : `${Math.round(m * 60)} seconds`;
  return `For your security you were signed out after ${words} without activity.`;
}

export function SessionProvider({ children }) {
  const [session, setSession] = useState(() => loadSession());
  const [notice, setNotice] = useState(null);
  const tokenRef = useRef(session?.token ?? null);
  const queueRef = useRef(null);
  const apolloRef = useRef(null);

  // Forgets everything of the session, here and in storage.
  const finish = useCallback((reason) => {
    tokenRef.current = null;
    clearSession();
    queueRef.current?.stop({ clear: true });
    apolloRef.current?.clearStore().catch(() => {});
    setSession(null);
    setNotice(reason === 'idle' ? idleNotice() : END_NOTICES[reason] || null);
    navigate('/sign-in', { replace: true });
  }, []);

  // forToken: the token a failure belongs to, when known. A failure of an
  // earlier sign-in's token (a late answer, a socket closing) leaves a newer
  // sign-in alone.
  const endSession = useCallback((reason, forToken) => {
    if (tokenRef.current && (!forToken || forToken === tokenRef.current)) finish(reason);
  }, [finish]);

  const apollo = useMemo(() => {
    const client = createApollo({
      uri: config.graphqlUrl,
      getToken: () => tokenRef.current,
      onAuthFailure: (used) => endSession('expired', used),
    });
    apolloRef.current = client;
    return client;
  }, [endSession]);

  const token = session?.token ?? null;
  const userId = session?.user?.id ?? null;

  // The live client and the send queue belong to one token: made when it
  // comes, ended when it goes (in an effect, so React's strict mode can rerun it).
  const [live, setLive] = useState(null);
  useEffect(() => {
    if (!token) {
      setLive(null);
      return undefined;
    }
    const l = createLiveClient({
      url: config.wsUrl,
      getToken: () => tokenRef.current,
      onAuthFailure: () => endSession('expired', token),
    });
    l.token = token; // whose failures its followers report (endSession)
    setLive(l);
    return () => l.dispose();
  }, [token, endSession]);

  // The live state (unread counts, presence, the inboxUpdated subscription) of this sign-in.
  const role = session?.user?.role ?? null;
  const [hub, setHub] = useState(null);
  useEffect(() => {
    if (!live || !userId) {
      setHub(null);
      return undefined;
    }
    const h = createLiveHub({
      apollo,
      live,
      me: userId,
      role,
      onAuthFailure: () => endSession('expired', live.token),
      // The inbox page (and the open conversation's receipts) once after a break.
      onReconnected: () => apollo.refetchQueries({ include: [INBOX, CONVERSATION] }).catch(() => {}),
      openRoom: (id) => navigate(`/rooms/${encodeURIComponent(id)}`),
    });
    setHub(h);
    return () => h.stop();
  }, [live, apollo, userId, role, endSession]);

  const [queue, setQueue] = useState(null);
  useEffect(() => {
    if (!token) {
      setQueue(null);
      return undefined;
    }
    const q = createSendQueue({
      newKey,
      storage: globalThis.sessionStorage,
      storageKey: `crm.outbox.${userId}`,
      send: async (item) => {
        try {
          const { data } = await apollo.mutate({
            mutation: SEND_MESSAGE,
            // `internal` only when set: a patient's sends never carry the field.
            variables: { input: { roomId: item.roomId, body: item.body, idempotencyKey: item.key, ...(item.internal ? { internal: true } : {}) } },
            fetchPolicy: 'no-cache',
          });
          return data.sendMessage;
        } catch (e) {
          if (isTransient(e)) throw e;
          throw new PermanentSendError(errorMessage(e), errorCode(e));
        }
      },
    });
    queueRef.current = q;
    setQueue(q);
    const resume = () => q.resume();
    window.addEventListener('online', resume);
    return () => {
      window.removeEventListener('online', resume);
      q.stop();
      if (queueRef.current === q) queueRef.current = null;
    };
  }, [token, userId, apollo]);

  // The token's own end.
  useEffect(() => {
    if (!session?.expiresAt) return undefined;
    const ms = Date.parse(session.expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return undefined;
    const t = setTimeout(() => endSession('expired'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [session, endSession]);

  const signIn = useCallback((payload) => {
    const s = { token: payload.token, expiresAt: payload.expiresAt, user: payload.user };
    saveSession(s);
    tokenRef.current = s.token;
    setNotice(null);
    setSession(s);
  }, []);

  const signOut = useCallback(async (reason = 'signedOut') => {
    const t = tokenRef.current;
    if (!t) return;
    tokenRef.current = null; // nothing else goes out with this token
    try {
      // Revokes the token on the server (and closes its sockets).
      await apollo.mutate({ mutation: LOGOUT, fetchPolicy: 'no-cache', context: { headers: { authorization: `Bearer ${t}` } } });
    } catch {
      /* the token may be gone already; the local session ends anyway */
    }
    finish(reason);
  }, [apollo, finish]);

  const value = useMemo(() => ({
    session, user: session?.user ?? null, apollo, live, hub, queue, notice, setNotice, signIn, signOut, endSession,
  }), [session, apollo, live, hub, queue, notice, signIn, signOut, endSession]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession() {
  return useContext(SessionContext);
}

const noHub = () => () => {};
/** The live hub of the session (or null), rendering again whenever its state changes. */
export function useLiveHub() {
  const { hub } = useContext(SessionContext);
  useSyncExternalStore(hub ? hub.subscribe : noHub, () => (hub ? hub.getVersion() : 0));
  return hub;
}
