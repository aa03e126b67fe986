// A FastCGI client for the tests (the protocol of fastcgi-spec 1.0, responder
// role): what Apache's mod_proxy_fcgi or nginx's fastcgi_pass send to crm-api
// when it listens on its own socket, without a front server in between.
import net from 'node:net';

const VERSION = 1;
const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const STDERR = 7;
const RESPONDER = 1;
const MAX_CONTENT = 65535;

function record(type, id, content = Buffer.alloc(0)) {
  const head = Buffer.alloc(8);
  head.writeUInt8(VERSION, 0);
  head.writeUInt8(type, 1);
  head.writeUInt16BE(id, 2);
  head.writeUInt16BE(content.length, 4);
  return Buffer.concat([head, content]);
}

// A stream's content split into records, then the empty record that ends it.
function stream(type, id, data) {
  const out = [];
  for (let i = 0; i < data.length; i += MAX_CONTENT) out.push(record(type, id, data.subarray(i, i + MAX_CONTENT)));
  out.push(record(type, id));
  return out;
}

function nameValue(name, value) {
  const n = Buffer.from(name);
  const v = Buffer.from(value);
  const len = (l) => {
    if (l < 128) return Buffer.from([l]);
    const b = Buffer.alloc(4);
    b.writeUInt32BE((l | 0x80000000) >>> 0);
    return b;
  };
  return Buffer.concat([len(n.length), len(v.length), n, v]);
}

/**
 * One request over a new connection. `to` is {port} or {path} (a Unix socket).
 * Returns {status, headers, body, stderr}; rejects when the connection fails.
 */
export function fcgiRequest(to, { method = 'GET', uri = '/health', headers = {}, body = '', addr = '127.0.0.1' } = {}) {
  const content = Buffer.from(body);
  const params = {
    REQUEST_METHOD: method, REQUEST_URI: uri, SCRIPT_NAME: uri.split('?')[0],
    QUERY_STRING: uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '',
    SERVER_PROTOCOL: 'HTTP/1.1', GATEWAY_INTERFACE: 'CGI/1.1', REMOTE_ADDR: addr,
    CONTENT_LENGTH: String(content.length),
  };
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase() === 'content-type' ? 'CONTENT_TYPE' : `HTTP_${k.toUpperCase().replace(/-/g, '_')}`;
    params[key] = v;
  }
  const id = 1;
  const begin = Buffer.alloc(8);
  begin.writeUInt16BE(RESPONDER, 0);
  const pairs = Buffer.concat(Object.entries(params).map(([k, v]) => nameValue(k, v)));
  const out = Buffer.concat([record(BEGIN_REQUEST, id, begin), ...stream(PARAMS, id, pairs), ...stream(STDIN, id, content)]);

  return new Promise((resolve, reject) => {
    const sock = to.path ? net.connect(to.path) : net.connect(to.port, to.host ?? '127.0.0.1');
    let buf = Buffer.alloc(0);
    const stdout = [];
    const stderr = [];
    let done = false;
    sock.setTimeout(10000, () => sock.destroy(new Error('FastCGI request timed out')));
    sock.on('connect', () => sock.write(out));
    sock.on('error', (e) => { if (!done) reject(e); });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 8) {
        const len = buf.readUInt16BE(4);
        const pad = buf.readUInt8(6);
        if (buf.length < 8 + len + pad) break;
        const type = buf.readUInt8(1);
        const c = buf.subarray(8, 8 + len);
        buf = buf.subarray(8 + len + pad);
        if (type === STDOUT) stdout.push(c);
        else if (type === STDERR) stderr.push(c);
        else if (type === END_REQUEST) {
          done = true;
          sock.end();
          resolve(parse(Buffer.concat(stdout).toString(), Buffer.concat(stderr).toString()));
        }
      }
    });
    sock.on('close', () => { if (!done) reject(new Error('connection closed before the end of the response')); });
  });
}

// The CGI response: "Status:" and other headers, a blank line, the body.
function parse(text, stderr) {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const headers = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const status = Number((headers.status ?? '200').split(' ')[0]);
  return { status, headers, body: split < 0 ? '' : text.slice(split + 4), stderr };
}
