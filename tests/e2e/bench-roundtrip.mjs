// Measures page -> extension -> host -> page round trips for detect() (one
// host process per call, as the extension does) with the stand-in echo host
// (baseline) and the real cabridge-host. Prints medians; not a test.
//   node bench-roundtrip.mjs [calls]
import fs from 'node:fs';
import { FAKE_HOST, launchBrowser, tempDir, writeHostWrapper } from './lib/browser.mjs';
import { callLibrary, startPageServer } from './lib/page-server.mjs';
import { hebcaDescriptor, hostEnvironment, PLUGIN_DIR, REAL_HOST } from './lib/real-host.mjs';

const calls = Number(process.argv[2] ?? 30);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

async function measure(label, hostPath, env) {
  const srv = await startPageServer();
  const browser = await launchBrowser({ hostPath, env: env?.(srv.origin) });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${srv.origin}/`);
    await callLibrary(page, 'detect', { timeout: 15000 }); // warm-up
    const times = await page.evaluate(async (n) => {
      const out = [];
      for (let i = 0; i < n; i += 1) {
        const t = performance.now();
        await window.cabridge.detect({ timeout: 15000 });
        out.push(performance.now() - t);
      }
      return out;
    }, calls);
    console.log(`${label}: detect median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms over ${calls}`);
  } finally {
    await browser.close();
    await srv.close();
  }
}

const dir = tempDir('bench');
await measure('echo host (node, baseline)', writeHostWrapper(dir, [process.execPath, FAKE_HOST, 'echo']));
if (fs.existsSync(REAL_HOST)) {
  await measure('cabridge-host', REAL_HOST, (origin) => hostEnvironment(dir, { allowOrigins: [origin], pluginDirs: [hebcaDescriptor(dir), PLUGIN_DIR] }));
}
fs.rmSync(dir, { recursive: true, force: true });
