// Run-time settings of the CRM web client, read when the page loads. Edit this
// file in the built folder (web/dist/config.js) to change them without a new
// build. A value set here wins over the build-time one (VITE_CRM_* variables).
window.CRM_CONFIG = Object.assign({
  // Minutes without activity (keys, clicks, touches, scrolling) before the
  // client signs out; 0 turns automatic sign-out off. Default 15.
  // idleTimeoutMinutes: 15,
  // Seconds of warning shown before that sign-out. Default 60.
  // idleWarningSeconds: 60,
  // crm-pushd's WebSocket address; default ws(s)://<this host>/ws (lighttpd's proxy).
  // wsUrl: 'wss://push.clinic.example/',
  // The GraphQL endpoint. Default /graphql on this origin.
  // graphqlUrl: '/graphql',
}, window.CRM_CONFIG);
