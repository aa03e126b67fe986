// The Apache and nginx sites as a clinic's admin installs them, placeholders
// at their documented defaults, load in Debian's apache2 and nginx with only
// the modules the site's header tells to enable. (The smoke tests run the
// same files with the test stack's values: ./dev test fronts.)
import { test, after } from 'node:test';
import { referenceHeaders, sitePattern } from './front_headers.mjs';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, RUN_DIR } from './lib.mjs';

const run = promisify(execFile);
const dir = mkdtempSync(join(RUN_DIR || '/tmp', 'front-configs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('etc/apache2-crm.conf loads with its own Defines and the modules its header names', async () => {
  const site = `${ROOT}/etc/apache2-crm.conf`;
  const text = readFileSync(site, 'utf8');
  const a2enmod = text.match(/^#\s+a2enmod (.+)$/m);
  assert.ok(a2enmod, 'the site names the modules to enable');
  // Debian enables these by default (mpm_event, authz_core, ...): the rest must be named.
  const modules = new Set(['mpm_event', 'authz_core', ...a2enmod[1].trim().split(/\s+/)]);
  for (const m of ['proxy', 'proxy_fcgi', 'proxy_http', 'headers', 'rewrite']) assert.ok(modules.has(m), m);
  const conf = [
    `ServerRoot "${dir}"`, `PidFile "${dir}/apache2.pid"`, `ErrorLog "${dir}/apache2-error.log"`,
    `DefaultRuntimeDir "${dir}"`,
    ...[...modules].map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
    'ServerName localhost', 'Listen 80', `Include "${site}"`, '',
  ].join('\n');
  writeFileSync(`${dir}/apache2.conf`, conf);
  const check = await run('/usr/sbin/apache2', ['-t', '-f', `${dir}/apache2.conf`]);
  assert.match(check.stdout + check.stderr, /Syntax OK/);
  const vhosts = await run('/usr/sbin/apache2', ['-t', '-D', 'DUMP_VHOSTS', '-f', `${dir}/apache2.conf`]);
  assert.match(vhosts.stdout, /^\*:80\s+crm\.clinic\.example /m);
});

test('etc/nginx-crm.conf loads inside an http block, as Debian includes sites-enabled', async () => {
  const site = `${ROOT}/etc/nginx-crm.conf`;
  mkdirSync(`${dir}/nginx`);
  const conf = `pid ${dir}/nginx/nginx.pid;
events {}
http {
  client_body_temp_path ${dir}/nginx/body; proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi; uwsgi_temp_path ${dir}/nginx/uwsgi; scgi_temp_path ${dir}/nginx/scgi;
  include ${site};
}
`;
  writeFileSync(`${dir}/nginx/nginx.conf`, conf);
  const { stderr } = await run('/usr/sbin/nginx', ['-t', '-c', `${dir}/nginx/nginx.conf`, '-p', `${dir}/nginx/`,
    '-e', `${dir}/nginx/error.log`]);
  assert.match(stderr, /syntax is ok/);
  assert.match(stderr, /test is successful/);
  assert.doesNotMatch(stderr, /\[warn\]/);
});

test('the lighttpd drop-in and the Apache and nginx sites carry the headers of etc/lighttpd.conf', () => {
  const headers = referenceHeaders(ROOT);
  assert.ok(headers.length >= 5);
  for (const file of ['lighttpd-crm.conf', 'apache2-crm.conf', 'nginx-crm.conf']) {
    const text = readFileSync(`${ROOT}/etc/${file}`, 'utf8');
    for (const h of headers) assert.match(text, sitePattern(h), `${file}: ${h.name}`);
    assert.match(text, /config\.js[\s\S]*no-cache/, `${file}: config.js never cached`);
  }
});
