// Shared helpers of the integration tests: where the test stack is, and how to
// stop and start one of its services. `./dev test` sets the environment.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import net from 'node:net';

const run = promisify(execFile);

export const HTTP = process.env.CRM_TEST_HTTP;
export const WS_PORT = Number(process.env.CRM_TEST_WS_PORT);
/** crm-pushd's /metrics listener (CRM_WS_METRICS_PORT), apart from the WebSocket port. */
export const WS_METRICS_PORT = Number(process.env.CRM_TEST_WS_METRICS_PORT);
export const PG_PORT = Number(process.env.CRM_TEST_PG_PORT);
export const REDIS_PORT = Number(process.env.CRM_TEST_REDIS_PORT);
export const RUN_DIR = process.env.CRM_TEST_RUN;
export const BIN = process.env.CRM_TEST_BIN;
export const ROOT = process.env.CRM_TEST_ROOT;

if (!HTTP || !WS_PORT || !PG_PORT || !REDIS_PORT) {
  throw new Error('integration tests run inside `./dev test`, which starts the servers');
}

/** Stops or starts one service of the test stack (postgres, redis, lighttpd, pushd, worker). */
export async function svc(action, name, ...extra) {
  await run(process.env.CRM_TEST_DEV, ['svc', action, name, ...extra], { env: process.env });
}

/** psql against the test database as the given role; returns trimmed stdout. */
export async function psql(sql, { user = 'postgres', db = 'crm' } = {}) {
  const { stdout } = await run('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1',
    '-h', '127.0.0.1', '-p', String(PG_PORT), '-U', user, '-d', db, '-c', sql]);
  return stdout.trim();
}

/** The test Redis runs with ACLs on (./dev, etc/redis-users.acl.in): the tests
 * are its operators' user; REDISCLI_AUTH holds that user's password. */
export const REDIS_USER = process.env.CRM_TEST_REDIS_USER;
export const REDIS_PASSWORD = process.env.REDISCLI_AUTH;
if (!REDIS_USER || !REDIS_PASSWORD) throw new Error('CRM_TEST_REDIS_USER and REDISCLI_AUTH are set by ./dev test');

/** redis-cli's arguments to reach the test Redis as `user` (password from REDISCLI_AUTH). */
export function redisCliArgs(user = REDIS_USER) {
  return ['--no-auth-warning', '--user', user, '-p', String(REDIS_PORT)];
}

/** redis-cli against the test Redis as its operators' user; returns trimmed stdout. */
export async function redisCli(...args) {
  const { stdout } = await run('redis-cli', [...redisCliArgs(), ...args]);
  return stdout.trim();
}

/** Polls fn until it returns a truthy value or the time runs out. */
export async function eventually(fn, { timeoutMs = 15000, intervalMs = 100 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Sends raw bytes to host:port and returns everything the server sent back before closing. */
export function rawRequest(port, bytes, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect(port, '127.0.0.1', () => sock.write(bytes));
    sock.setTimeout(timeoutMs, () => { sock.destroy(); resolve(Buffer.concat(chunks).toString()); });
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => resolve(Buffer.concat(chunks).toString()));
    sock.on('error', reject);
  });
}
