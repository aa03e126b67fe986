// The security headers every front must send, read from etc/lighttpd.conf (the
// reference), so the three fronts cannot drift apart. A value there is string
// literals and `env.NAME` joined by `+`: what a running front sends is that
// with the environment's values; what a shipped site file must hold is the
// literals around a placeholder of its own.
import { readFileSync } from 'node:fs';

function parts(expr) {
  return [...expr.matchAll(/"([^"]*)"|env\.([A-Z_]+)/g)].map((m) => (m[1] !== undefined ? { text: m[1] } : { env: m[2] }));
}

/** [{name, parts}] of lighttpd.conf's setenv.set-response-header block. */
export function referenceHeaders(root) {
  const conf = readFileSync(`${root}/etc/lighttpd.conf`, 'utf8');
  const block = conf.match(/setenv\.set-response-header = \(([\s\S]*?)\n\)/)[1];
  return [...block.matchAll(/^\s*"([^"]+)" => (.+?),?\s*$/gm)].map((m) => ({ name: m[1], parts: parts(m[2]) }));
}

/** The value a front started with env sends; null when lighttpd would send none (empty). */
export function expectedValue(h, env = process.env) {
  const v = h.parts.map((p) => (p.env ? env[p.env] ?? '' : p.text)).join('');
  return v === '' ? null : v;
}

/** A pattern a site file's line must match: the literals, anything for an env part. */
export function sitePattern(h) {
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${esc(h.name)}[^\\n]*"${h.parts.map((p) => (p.env ? '[^"]*' : esc(p.text))).join('')}"`);
}
