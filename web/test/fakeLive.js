// A stand-in for the graphql-ws client: records each subscribe and lets the
// test play the server's part.
export function fakeLive() {
  const subs = [];
  const listeners = { connected: new Set() };
  return {
    subs,
    connected: false,
    on: (ev, fn) => { listeners[ev].add(fn); return () => listeners[ev].delete(fn); },
    emitConnected() { this.connected = true; for (const f of listeners.connected) f(); },
    client: {
      subscribe(payload, sink) {
        const s = { payload, sink, disposed: false };
        subs.push(s);
        return () => { s.disposed = true; };
      },
    },
  };
}
