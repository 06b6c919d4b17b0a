// A minimal page server for tests that need a web page but not the demo
// portal: serves the page library and a blank page that records every
// window message it sees (to prove the PIN never reaches the page).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './browser.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><title>test page</title>
<script>
  window.seenMessages = [];
  window.addEventListener('message', (e) => { window.seenMessages.push(JSON.stringify(e.data)); }, true);
</script>
<script src="/cabridge.js"></script>
<body>test page</body>`;

export async function startPageServer() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/cabridge.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(fs.readFileSync(path.join(REPO, 'tools/portal-library/cabridge.js')));
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Runs cabridge.<fn>(arg) in the page; returns {result} or {error: {code, message, details}}. */
export function callLibrary(page, fn, arg) {
  return page.evaluate(async ([f, a]) => {
    try {
      return { result: await window.cabridge[f](a) };
    } catch (e) {
      return { error: { code: e.code, message: e.message, details: e.details } };
    }
  }, [fn, arg]);
}
