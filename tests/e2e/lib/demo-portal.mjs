// Starts tools/demo-portal/server.py on 127.0.0.1, checking login tokens with
// this build's cabridge-verify against the test PKI in `pkiDir`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO } from './browser.mjs';
import { VERIFY } from './real-host.mjs';

/**
 * opts: {port = 0 (a free one), logFile (portal's stderr; inherited if absent),
 * verify = VERIFY, ca / intermediate = the PKI's RSA/EC root.pem / intermediate.pem (an SM2
 * login needs sm2-root.pem / sm2-intermediate.pem)}. Resolves with {origin, stop(), child} once the portal
 * prints "LISTENING <origin>"; rejects if it exits first or stays silent 20 s.
 */
export async function startPortal(dir, pkiDir, {
  port = 0, logFile, verify = VERIFY, ca = path.join(pkiDir, 'root.pem'), intermediate = path.join(pkiDir, 'intermediate.pem'),
} = {}) {
  const stderr = logFile ? fs.openSync(logFile, 'a') : 'inherit';
  const child = spawn('python3', [path.join(REPO, 'tools/demo-portal/server.py'), '--port', String(port),
    '--db', path.join(dir, 'portal.sqlite'), '--verify', verify,
    '--ca', ca, '--intermediate', intermediate],
  { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (typeof stderr === 'number') fs.closeSync(stderr);
  const lines = readline.createInterface({ input: child.stdout });
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error('demo portal printed no LISTENING line within 20 s')); }, 20_000);
    lines.on('line', (line) => {
      if (line.startsWith('LISTENING ')) { clearTimeout(timer); resolve(line.slice(10).trim()); }
    });
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`demo portal did not start: ${e.message}`)); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`demo portal exited (${signal ?? `code ${code}`}) before listening${logFile ? `; see ${logFile}` : ''}`));
    });
  });
  return { origin, stop, child };
}
