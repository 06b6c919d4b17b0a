// Starts tools/demo-ca/server.py (the CA's own demo site: 老用户延期, 在线解锁) on 127.0.0.1,
// issuing from the test PKI in `pkiDir`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { REPO } from './browser.mjs';

/**
 * opts: {vendor (the plugin id the pages name; default: every vendor the site may enrol for),
 * responder (command line for online unlock, or none), logFile}.
 * Resolves {origin, stop(), child} once the site prints "LISTENING <origin>".
 */
export async function startDemoCa(pkiDir, { vendor, responder, logFile } = {}) {
  const args = [path.join(REPO, 'tools/demo-ca/server.py'), '--port', '0', '--pki', pkiDir];
  if (vendor) args.push('--vendor', vendor);
  if (responder) args.push('--responder', responder);
  const stderr = logFile ? fs.openSync(logFile, 'a') : 'inherit';
  const child = spawn('python3', args, { stdio: ['ignore', 'pipe', stderr], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (typeof stderr === 'number') fs.closeSync(stderr);
  const stop = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM'); };
  const lines = readline.createInterface({ input: child.stdout });
  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { stop(); reject(new Error('demo CA printed no LISTENING line within 20 s')); }, 20_000);
    lines.on('line', (line) => {
      if (line.startsWith('LISTENING ')) { clearTimeout(timer); resolve(line.slice(10).trim()); }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`demo CA exited (${signal ?? `code ${code}`}) before listening${logFile ? `; see ${logFile}` : ''}`));
    });
  });
  return { origin, stop, child };
}
