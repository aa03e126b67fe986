// Settings of the client. Each comes, first found, from window.CRM_CONFIG (set by
// /config.js, which can be edited in web/dist after a build), then from a
// build-time variable (VITE_CRM_..., read by `vite build`), then the default.
const runtime = (typeof window !== 'undefined' && window.CRM_CONFIG) || {};
const env = import.meta.env || {};

function number(value, fallback) {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

function defaultWsUrl() {
  if (typeof location === 'undefined') return 'ws://127.0.0.1:3000/ws';
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

export const config = {
  /** Minutes without activity before the client signs out; 0 turns it off. */
  idleTimeoutMinutes: number(runtime.idleTimeoutMinutes ?? env.VITE_CRM_IDLE_TIMEOUT_MINUTES, 15),
  /** Seconds before that sign-out during which a warning is shown. */
  idleWarningSeconds: number(runtime.idleWarningSeconds ?? env.VITE_CRM_IDLE_WARNING_SECONDS, 60),
  /** The GraphQL endpoint (HTTP). */
  graphqlUrl: runtime.graphqlUrl || env.VITE_CRM_GRAPHQL_URL || '/graphql',
  /** The WebSocket endpoint of crm-pushd; by default /ws on this origin (lighttpd proxies it). */
  wsUrl: runtime.wsUrl || env.VITE_CRM_WS_URL || defaultWsUrl(),
};
