// Writes RESP for N XADDs of message entries (lib/stream_entry.h) to stdout,
// for `redis-cli --pipe`: node worker_drain_gen.mjs N SENDER ROOM_FIRST ROOMS
const [n, sender, roomFirst, rooms] = process.argv.slice(2).map(Number);
const out = [];
const bulk = (s) => { const b = Buffer.from(s); return `$${b.length}\r\n${s}\r\n`; };
let size = 0;
for (let i = 0; i < n; i++) {
  const room = String(roomFirst + (i % rooms));
  const body = `bench message ${i}: the patient reports feeling better today, vitals stable.`;
  const args = ['XADD', 'crm:msg:0', '*', 'v', '1', 'room', room, 'sender', String(sender),
    'key', `bench-${i}`, 'body', body];
  const s = `*${args.length}\r\n${args.map(bulk).join('')}`;
  out.push(s);
  size += s.length;
  if (size > 1 << 20) { process.stdout.write(out.join('')); out.length = 0; size = 0; }
}
process.stdout.write(out.join(''));
