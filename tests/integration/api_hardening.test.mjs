// Issue 13's attacks on sign-up, sign-in, roles and input, against the real
// stack: a register flood beside a real user's sign-ins, an answer that does not
// tell a taken email, the sign-in back-off, a forged role, look-alike emails,
// safe defaults without CRM_ENV, headers, and the smaller input points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import net from 'node:net';
import { gql, ok, codes, makeUser, makeRoom, signJwt, PASSWORD, psql } from './api.mjs';
import { HTTP, BIN, WS_PORT, eventually, redisCli } from './lib.mjs';
import { fcgiRequest } from './fcgi_client.mjs';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const REGISTER = 'mutation($e:String!,$p:String!,$n:String!){register(email:$e,password:$p,displayName:$n){token user{id}}}';
const LOGIN = 'mutation($e:String!,$p:String!){login(email:$e,password:$p){token user{id role}}}';

// The registration windows are shared by the whole run (one client address):
// each test here starts and ends with them empty.
const clearRegisterLimits = () => redisCli('DEL', 'crm:rate:register:all', 'crm:rate:register:addr:127.0.0.1');

async function timedLogin(email, password = PASSWORD) {
  const t0 = performance.now();
  const r = await gql(LOGIN, { e: email, p: password });
  return { ms: performance.now() - t0, r };
}

test('a register flood with a taken email from 16 clients does not stall sign-in', async () => {
  await clearRegisterLimits();
  const u = await makeUser('STAFF');
  const quiet = [];
  for (let i = 0; i < 5; i++) {
    const x = await timedLogin(u.email);
    assert.ok(x.r.body.data?.login?.token, JSON.stringify(x.r.body));
    quiet.push(x.ms);
  }
  let stop = false;
  const answers = {};
  const flooder = async () => {
    while (!stop) {
      const r = await gql(REGISTER, { e: u.email, p: 'flood-password-9', n: 'Flood' });
      const c = codes(r)[0] ?? 'none';
      answers[c] = (answers[c] ?? 0) + 1;
    }
  };
  const floods = Array.from({ length: 16 }, flooder);
  try {
    await sleep(300);
    const during = [];
    const end = Date.now() + 3700;
    while (Date.now() < end) {
      const x = await timedLogin(u.email);
      assert.ok(x.r.body.data?.login?.token, `a sign-in during the flood: ${JSON.stringify(x.r.body)}`);
      during.push(x.ms);
      await sleep(50);
    }
    stop = true;
    await Promise.all(floods);
    const q = median(quiet), d = median(during);
    // Generous: three times quiet, plus room for this shared 2-core machine.
    assert.ok(d <= 3 * q + 300, `median sign-in ${d.toFixed(1)} ms during the flood, ${q.toFixed(1)} ms quiet`);
    assert.ok(during.length >= 5, `only ${during.length} sign-ins in 3.7 s`);
    // The flood was answered, cheaply: the limits refused most of it.
    for (const c of Object.keys(answers)) assert.ok(['REGISTRATION_RECEIVED', 'RATE_LIMITED'].includes(c), JSON.stringify(answers));
    assert.ok(answers.RATE_LIMITED > 50, JSON.stringify(answers));
    assert.ok((answers.REGISTRATION_RECEIVED ?? 0) <= 30, `at most the per-minute limit hashed: ${JSON.stringify(answers)}`);
  } finally {
    stop = true;
    await Promise.all(floods);
    await clearRegisterLimits();
  }
  // The flood changed nothing of the account.
  assert.equal((await timedLogin(u.email, 'flood-password-9')).r.body.errors[0].extensions.code, 'UNAUTHENTICATED');
});

test('register answers a taken email exactly as a new one, in about the same time', async () => {
  await clearRegisterLimits();
  try {
    const owner = await makeUser('PATIENT');
    const fresh = [], taken = [];
    let freshBody, takenBody, freshEmail;
    for (let i = 0; i < 3; i++) {
      freshEmail = `fresh-${randomUUID()}@test.example`;
      let t0 = performance.now();
      const a = await gql(REGISTER, { e: freshEmail, p: 'a-new-patient-pw', n: 'Fresh Patient' });
      fresh.push(performance.now() - t0);
      t0 = performance.now();
      const b = await gql(REGISTER, { e: owner.email, p: 'a-new-patient-pw', n: 'Fresh Patient' });
      taken.push(performance.now() - t0);
      assert.equal(a.status, b.status);
      assert.deepEqual(a.body, b.body);
      freshBody = a.body;
      takenBody = b.body;
    }
    assert.deepEqual(codes({ body: freshBody }), ['REGISTRATION_RECEIVED']);
    assert.deepEqual(takenBody, freshBody);
    assert.doesNotMatch(JSON.stringify(takenBody), /exists/);
    // Both cost a hash: neither is much faster than the other.
    const f = median(fresh), t = median(taken);
    assert.ok(t > f / 3 && t < f * 3, `fresh ${f.toFixed(1)} ms, taken ${t.toFixed(1)} ms`);
    // The new account signs in as a PATIENT; the taken one kept its password.
    const d = await ok(LOGIN, { e: freshEmail, p: 'a-new-patient-pw' });
    assert.equal(d.login.user.role, 'PATIENT');
    assert.deepEqual(codes(await gql(LOGIN, { e: owner.email, p: 'a-new-patient-pw' })), ['UNAUTHENTICATED']);
    await ok(LOGIN, { e: owner.email, p: PASSWORD });
  } finally {
    await clearRegisterLimits();
  }
});

test('register is limited per minute for all addresses, before any hash', async () => {
  await clearRegisterLimits();
  try {
    let limited = -1;
    for (let i = 0; i < 40 && limited < 0; i++) {
      const r = await gql(REGISTER, { e: `limit-${randomUUID()}@test.example`, p: 'a-new-patient-pw', n: 'L' });
      if (codes(r)[0] === 'RATE_LIMITED') limited = i;
      else assert.deepEqual(codes(r), ['REGISTRATION_RECEIVED']);
    }
    assert.equal(limited, 30, 'CRM_REGISTER_PER_MINUTE defaults to 30');
  } finally {
    await clearRegisterLimits();
  }
});

test('eleven successful sign-ins in a row all work', async () => {
  const u = await makeUser('STAFF');
  for (let i = 0; i < 11; i++) await ok(LOGIN, { e: u.email, p: PASSWORD });
});

test('wrong guesses slow down progressively; the owner signs in once the wait has passed', async () => {
  const u = await makeUser('PATIENT');
  const wrong = () => gql(LOGIN, { e: u.email, p: 'wrong-password' });
  for (let i = 0; i < 5; i++) assert.deepEqual(codes(await wrong()), ['UNAUTHENTICATED'], `failure ${i + 1} is free`);
  let r = await wrong();
  assert.deepEqual(codes(r), ['RATE_LIMITED']);
  assert.match(r.body.errors[0].message, /try again in 1 seconds/);
  // Waiting is for everyone, the owner too; refused attempts do not lengthen it.
  assert.deepEqual(codes(await gql(LOGIN, { e: u.email, p: PASSWORD })), ['RATE_LIMITED']);
  await sleep(1100);
  assert.deepEqual(codes(await wrong()), ['UNAUTHENTICATED']);
  r = await wrong();
  assert.deepEqual(codes(r), ['RATE_LIMITED']);
  assert.match(r.body.errors[0].message, /try again in 2 seconds/);
  await sleep(2100);
  await ok(LOGIN, { e: u.email, p: PASSWORD });
  // A success forgets the failures.
  for (let i = 0; i < 5; i++) assert.deepEqual(codes(await wrong()), ['UNAUTHENTICATED']);
  await sleep(1100);
  await ok(LOGIN, { e: u.email, p: PASSWORD });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// A crm-api of its own on a FastCGI port, with settings of its own (the stack's
// database and Redis); stopped by its PID when fn ends.
async function withApi(env, fn) {
  const port = await freePort();
  const child = spawn(`${BIN}/crm-api`, [], {
    env: { ...process.env, CRM_API_LISTEN: `127.0.0.1:${port}`, CRM_API_PROCS: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    await eventually(async () => (await fcgiRequest({ port }, { uri: '/health' })).status === 200, { timeoutMs: 20000 });
    const post = (query, variables = {}, addr = '127.0.0.1') => fcgiRequest({ port }, {
      method: 'POST', uri: '/graphql', addr, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    }).then((r) => ({ status: r.status, body: JSON.parse(r.body) }));
    return await fn(post);
  } catch (e) {
    e.message += `\ncrm-api log:\n${log}`;
    throw e;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
}

test('the per-address limit counts failed sign-ins only', async () => {
  const u = await makeUser('STAFF');
  const rnd = () => `127.0.${Math.floor(Math.random() * 200) + 20}.${Math.floor(Math.random() * 200) + 20}`;
  const addr = rnd();
  const elsewhere = rnd();
  try {
    await withApi({ CRM_LOGIN_PER_ADDR: '3' }, async (post) => {
      for (let i = 0; i < 6; i++) {
        const r = await post(LOGIN, { e: u.email, p: PASSWORD }, addr);
        assert.ok(r.body.data?.login?.token, `success ${i + 1}: ${JSON.stringify(r.body)}`);
      }
      for (let i = 0; i < 3; i++) assert.deepEqual(codes(await post(LOGIN, { e: u.email, p: 'wrong-password' }, addr)), ['UNAUTHENTICATED']);
      // Three failures from that address: it must wait, whoever signs in.
      assert.deepEqual(codes(await post(LOGIN, { e: u.email, p: PASSWORD }, addr)), ['RATE_LIMITED']);
      const other = await post(LOGIN, { e: u.email, p: PASSWORD }, elsewhere);
      assert.ok(other.body.data?.login?.token, JSON.stringify(other.body));
    });
  } finally {
    await redisCli('DEL', `crm:rate:login:fail:addr:${addr}`, `crm:rate:login:fail:addr:${elsewhere}`);
  }
});

test('the role comes from the database: a forged ADMIN token of a patient gets no admin answer', async () => {
  const pat = await makeUser('PATIENT');
  const now = Math.floor(Date.now() / 1000);
  const forged = signJwt({ alg: 'HS256', typ: 'JWT' },
    { sub: pat.id, role: 'ADMIN', jti: randomUUID().replace(/-/g, ''), iat: now, exp: now + 600 });
  assert.equal((await ok('{ me { role } }', {}, { token: forged })).me.role, 'PATIENT');
  const q = 'mutation($e:String!){createUser(email:$e,password:"a-long-password",displayName:"Made",role:ADMIN){id}}';
  assert.deepEqual(codes(await gql(q, { e: `forged-${randomUUID()}@test.example` }, { token: forged })), ['FORBIDDEN']);
  assert.deepEqual(codes(await gql('{ deadLetters { id } }', {}, { token: forged })), ['FORBIDDEN']);
  // A token of a user who does not exist is refused outright.
  const ghost = signJwt({ alg: 'HS256', typ: 'JWT' },
    { sub: '999999999', role: 'ADMIN', jti: randomUUID().replace(/-/g, ''), iat: now, exp: now + 600 });
  assert.deepEqual(codes(await gql('{ deadLetters { id } }', {}, { token: ghost })), ['UNAUTHENTICATED']);
});

test('the role comes from the database when sending: a forged STAFF token of a patient writes no internal note', async () => {
  // sendMessage takes the caller's role from its membership query's row; the claim never counts.
  const staff = await makeUser('STAFF');
  const pat = await makeUser('PATIENT');
  const room = await makeRoom(staff, [pat]);
  const now = Math.floor(Date.now() / 1000);
  const forged = signJwt({ alg: 'HS256', typ: 'JWT' },
    { sub: pat.id, role: 'STAFF', jti: randomUUID().replace(/-/g, ''), iat: now, exp: now + 600 });
  const SEND = 'mutation($i:SendMessageInput!){sendMessage(input:$i){status sender{role}}}';
  const note = { roomId: room.id, body: 'staff only?', idempotencyKey: randomUUID(), internal: true };
  assert.deepEqual(codes(await gql(SEND, { i: note }, { token: forged })), ['FORBIDDEN']);
  const plain = await ok(SEND, { i: { roomId: room.id, body: 'hello', idempotencyKey: randomUUID() } }, { token: forged });
  assert.deepEqual(plain.sendMessage, { status: 'PENDING', sender: { role: 'PATIENT' } });
  // Not a member: refused, whatever the token says.
  const other = await makeRoom(staff, []);
  assert.deepEqual(codes(await gql(SEND, { i: { ...note, roomId: other.id, internal: false } }, { token: forged })), ['FORBIDDEN']);
});

test('without CRM_ENV every program is in production: no start with the dev-only key', () => {
  for (const prog of ['crm-api', 'crm-pushd', 'crm-worker']) {
    const env = { ...process.env };
    delete env.CRM_ENV;
    delete env.CRM_JWT_SECRET;
    const r = spawnSync(`${BIN}/${prog}`, [], { env, timeout: 30000, input: '', encoding: 'utf8' });
    assert.equal(r.error, undefined, `${prog}: ${r.error}`);
    assert.notEqual(r.status, 0, prog);
    assert.match(r.stderr, /CRM_JWT_SECRET is the dev-only default.*CRM_ENV=development/, prog);
  }
});

test('introspection is off in production unless asked for', async () => {
  const q = '{ __schema { queryType { name } } }';
  assert.equal((await ok(q)).__schema.queryType.name, 'Query', 'on in the test run');
  await withApi({ CRM_ENV: 'production', CRM_JWT_SECRET: 'p'.repeat(40) }, async (post) => {
    const r = await post(q);
    assert.ok(r.body.errors?.length, JSON.stringify(r.body));
    assert.equal(r.body.data, undefined);
    assert.equal((await post('{ __typename }')).body.data.__typename, 'Query');
  });
});

test('look-alike emails are refused or become the real address; bidi in names is refused', async () => {
  await clearRegisterLimits();
  try {
    const tag = randomUUID().slice(0, 8);
    const real = `pat${tag}@lookalike.test`;
    assert.deepEqual(codes(await gql(REGISTER, { e: real, p: 'a-real-patient-pw', n: 'Pat Real' })), ['REGISTRATION_RECEIVED']);
    const refused = {
      'trailing no-break space': `${real}\u00a0`,
      'zero-width space': `pat\u200b${tag}@lookalike.test`,
      'Cyrillic a': `p\u0430t${tag}@lookalike.test`,
      'Cyrillic o in the domain': `pat${tag}@l\u043eokalike.test`,
    };
    for (const [what, e] of Object.entries(refused)) {
      const r = await gql(REGISTER, { e, p: 'a-real-patient-pw', n: 'Pat Fake' });
      assert.deepEqual(codes(r), ['BAD_USER_INPUT'], what);
    }
    // Fullwidth and upper case: the real address itself, so no second account.
    const wide = [...real].map((c) => (/[a-z0-9]/.test(c) ? String.fromCodePoint(c.codePointAt(0) + 0xfee0) : c)).join('');
    assert.deepEqual(codes(await gql(REGISTER, { e: wide, p: 'a-fake-patient-pw', n: 'Pat Fake' })), ['REGISTRATION_RECEIVED']);
    assert.deepEqual(codes(await gql(REGISTER, { e: real.toUpperCase(), p: 'a-fake-patient-pw', n: 'Pat Fake' })), ['REGISTRATION_RECEIVED']);
    assert.equal(await psql(`SELECT count(*) FROM users WHERE email LIKE '%${tag}%' OR display_name = 'Pat Fake'`), '1');
    assert.equal(await psql(`SELECT email FROM users WHERE email LIKE '%${tag}%'`), real);
    // Sign-in takes the same forms to the same account.
    await ok(LOGIN, { e: wide, p: 'a-real-patient-pw' });
    // Display names: no direction overrides or invisible characters.
    for (const n of ['Pat\u202eneitap', 'Pat\u200bPatient', 'Pat\u2066x\u2069', '\u3164']) {
      const r = await gql(REGISTER, { e: `n${randomUUID()}@lookalike.test`, p: 'a-real-patient-pw', n });
      assert.deepEqual(codes(r), ['BAD_USER_INPUT'], JSON.stringify(n));
    }
    // createUser and crm-admin apply the same rules.
    const admin = await makeUser('ADMIN');
    const cu = 'mutation($e:String!){createUser(email:$e,password:"a-long-password",displayName:"X",role:STAFF){email}}';
    assert.deepEqual(codes(await gql(cu, { e: `p\u0430t${tag}@lookalike.test` }, { token: admin.token })), ['BAD_USER_INPUT']);
    assert.deepEqual(codes(await gql(cu, { e: wide }, { token: admin.token })), ['BAD_USER_INPUT'], 'the real one exists');
    await assert.rejects(run(`${BIN}/crm-admin`, ['create-user', '--email', `pat\u200b${tag}@lookalike.test`, '--name', 'X', '--role', 'STAFF'],
      { env: { ...process.env, CRM_ADMIN_PASSWORD: PASSWORD } }), /not an address we accept/);
  } finally {
    await clearRegisterLimits();
  }
});

test('headers: HSTS when set, and the CSP names the WebSocket origins instead of any ws: host', async () => {
  const res = await fetch(`${HTTP}/`);
  await res.text();
  assert.equal(res.headers.get('strict-transport-security'), 'max-age=60');
  const csp = res.headers.get('content-security-policy');
  const connect = csp.split(';').map((s) => s.trim()).find((s) => s.startsWith('connect-src'));
  assert.ok(connect, csp);
  const sources = connect.split(/\s+/).slice(1);
  for (const s of sources) assert.ok(!['ws:', 'wss:', 'http:', 'https:', '*'].includes(s), `connect-src allows any host: ${connect}`);
  assert.ok(sources.includes(`ws://127.0.0.1:${WS_PORT}`), connect);
});

test('messages(before: "0-0") is bad input', async () => {
  const staff = await makeUser('STAFF');
  const room = await makeRoom(staff);
  const r = await gql('query($r:ID!){messages(roomId:$r, before:"0-0"){id}}', { r: room.id }, { token: staff.token });
  assert.deepEqual(codes(r), ['BAD_USER_INPUT'], JSON.stringify(r.body));
});

test('a JSON body with a key twice is refused', async () => {
  const u = await makeUser('STAFF');
  const res = await fetch(`${HTTP}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${u.token}` },
    body: '{"query":"{ me { id } }","query":"{ __typename }"}',
  });
  const body = await res.json();
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.match(JSON.stringify(body), /same key twice/);
  const nested = await fetch(`${HTTP}/graphql`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${u.token}` },
    body: '{"query":"query($v:ID!){ me { id } }","variables":{"v":"1","v":"2"}}',
  });
  assert.equal(nested.status, 400);
});

test('new passwords: common ones refused, 8 characters counted as characters, long passphrases accepted', async () => {
  await clearRegisterLimits();
  try {
    const reg = (p) => gql(REGISTER, { e: `pw-${randomUUID()}@test.example`, p, n: 'Pass Word' });
    for (const p of ['12345678', 'password1', 'Qwerty123', 'iloveyou']) {
      const r = await reg(p);
      assert.deepEqual(codes(r), ['BAD_USER_INPUT'], p);
      assert.match(r.body.errors[0].message, /common/, p);
    }
    assert.deepEqual(codes(await reg('\u00e9'.repeat(7))), ['BAD_USER_INPUT'], '7 characters in 14 bytes');
    assert.deepEqual(codes(await reg('\u00e9'.repeat(8))), ['REGISTRATION_RECEIVED']);
    assert.deepEqual(codes(await reg('correct horse battery staple '.repeat(8).slice(0, 256))), ['REGISTRATION_RECEIVED']);
    assert.deepEqual(codes(await reg('w'.repeat(257))), ['BAD_USER_INPUT']);
    const admin = await makeUser('ADMIN');
    const r = await gql('mutation($e:String!){createUser(email:$e,password:"12345678",displayName:"X",role:STAFF){id}}',
      { e: `c-${randomUUID()}@test.example` }, { token: admin.token });
    assert.deepEqual(codes(r), ['BAD_USER_INPUT']);
  } finally {
    await clearRegisterLimits();
  }
});
