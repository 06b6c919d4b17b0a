#!/usr/bin/env node
// A native host in front of the real cabridge-host, for tests that must see what the extension
// sends: usage `recording-host.mjs REAL_HOST [browser arguments...]`. Every request goes to the
// real host unchanged (its replies go straight to the browser), and one line per request is
// appended to $CABRIDGE_TEST_REQUEST_LOG: {"command", "pin": "absent"|"empty"|"given"}. The PIN
// itself is never written.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import process from 'node:process';

const [realHost, ...args] = process.argv.slice(2);
const requestLog = process.env.CABRIDGE_TEST_REQUEST_LOG;
const host = spawn(realHost, args, { stdio: ['pipe', 'inherit', 'inherit'] });
host.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

function record(body) {
  let request = null;
  try { request = JSON.parse(body.toString('utf8')); } catch { /* the host answers a bad frame itself */ }
  const pin = request?.arguments?.pin;
  const line = { command: request?.command ?? null, pin: pin === undefined ? 'absent' : pin === '' ? 'empty' : 'given' };
  fs.appendFileSync(requestLog, `${JSON.stringify(line)}\n`);
}

let buffer = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  host.stdin.write(chunk);
  buffer = Buffer.concat([buffer, chunk]);
  while (buffer.length >= 4) {
    const length = buffer.readUInt32LE(0);
    if (buffer.length < 4 + length) break;
    record(buffer.subarray(4, 4 + length));
    buffer.fill(0, 0, 4 + length); // the frame may hold a PIN
    buffer = buffer.subarray(4 + length);
  }
});
process.stdin.on('end', () => host.stdin.end());
