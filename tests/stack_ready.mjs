// Loaded before every integration, browser and fault test file (`node --import`,
// set by ./dev): waits until the test stack answers healthy, so a file never
// starts while an earlier file's restart of PostgreSQL or Redis is still being
// recovered from. A stack that does not recover fails the file, loudly.
const http = process.env.CRM_TEST_HTTP;
const wsPort = process.env.CRM_TEST_WS_PORT;
const TIMEOUT_MS = 30000;

async function ok(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

if (http && wsPort) {
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const [api, pushd] = await Promise.all([ok(`${http}/health`), ok(`http://127.0.0.1:${wsPort}/health`)]);
    if (api && pushd) break;
    if (Date.now() > end) {
      throw new Error(`the test stack is not healthy after ${TIMEOUT_MS} ms (crm-api ${api ? 'up' : 'down'}, crm-pushd ${pushd ? 'up' : 'down'})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
