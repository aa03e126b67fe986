// graphql-js side of bench/gql_bench.sh: the same documents, the same
// phases (parse+validate; execute with resolvers returning fixed objects,
// plus JSON.stringify), printed as "<case> <phase> <ops/s> <us/op>".
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(join(dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'js', 'package.json'));
const { buildSchema, parse, validate, execute, getIntrospectionQuery } = require('graphql');

const [schemaPath, secsArg] = process.argv.slice(2);
const secs = Number(secsArg ?? 1);
const schema = buildSchema(readFileSync(schemaPath, 'utf8'));
const message = (i) => ({ id: `m${i}`, roomId: 'r1', body: `hello ${i}`, idempotencyKey: `k${i}`,
  createdAt: '2026-11-25T20:02:19.123Z', status: 'PENDING', cursor: `1764100939123-${i}`,
  sender: { id: 'u1', email: 'a@b.c', displayName: 'Dr A', role: 'STAFF', createdAt: '2026-01-01T00:00:00.000Z' } });
const fifty = Array.from({ length: 50 }, (_, i) => message(i));
schema.getMutationType().getFields().sendMessage.resolve = () => message(1);
schema.getQueryType().getFields().messages.resolve = () => fifty;
const root = { me: { id: 'u1', email: 'a@b.c', displayName: 'A', role: 'STAFF', createdAt: 't' }, rooms: [],
  queueStats: { streams: 1, length: 2, lag: 0, pending: 0, deadLetters: 0, consumers: 1 }, deadLetters: [] };
const fiftyFields = 'query Fifty { me { id email displayName role createdAt } rooms { id name createdAt ' +
  'members { id email displayName role createdAt } lastMessage { id roomId body ' +
  'idempotencyKey createdAt status cursor sender { id email displayName role createdAt } } } ' +
  'messages(roomId: "r1") { id roomId body idempotencyKey createdAt status cursor ' +
  'sender { id email displayName role createdAt } } queueStats { streams length lag pending ' +
  'deadLetters consumers } deadLetters { id messageId roomId idempotencyKey deliveries ' +
  'error failedAt entry } }';
const cases = [
  ['sendMessage', 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id roomId body idempotencyKey createdAt status cursor sender { id displayName } } }',
    { input: { roomId: 'r1', body: 'hello', idempotencyKey: 'k1' } }],
  ['roomHistory', 'query History($roomId: ID!, $before: String) { messages(roomId: $roomId, before: $before, limit: 50) { id body createdAt status cursor sender { id displayName role } } }',
    { roomId: 'r1', before: null }],
  ['introspection', getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true }), undefined],
  ['fiftyFields', fiftyFields, undefined],
];
function run(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  let el;
  do {
    for (let i = 0; i < 50; i++) { fn(n); n++; }
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (el < secs);
  return [n / el, (el / n) * 1e6];
}
for (const [name, doc, vars] of cases) {
  const [ops, us] = run((n) => {
    const d = parse(doc + (n & 1 ? ' ' : '\n'));
    if (validate(schema, d).length) throw new Error('invalid');
  });
  console.log(`${name} parse+validate ${ops.toFixed(0)} ${us.toFixed(2)}`);
  const cached = parse(doc); // a server caches the parsed, validated document
  const [ops2, us2] = run(() => {
    JSON.stringify(execute({ schema, document: cached, rootValue: root, variableValues: vars }));
  });
  console.log(`${name} execute ${ops2.toFixed(0)} ${us2.toFixed(2)}`);
}
