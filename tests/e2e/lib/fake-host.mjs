#!/usr/bin/env node
// A stand-in native host used ONLY as the benchmark baseline ("echo") and to
// test how the extension copes with a host that crashes or hangs. Every other
// test talks to the real build/bin/cabridge-host.
//   echo  answers status like a host with no plugins, echoes anything else
//   crash exits with status 1 on the first request, without replying
//   hang  reads requests and never replies
import process from 'node:process';

const mode = process.argv[2] ?? 'echo';
let buffer = Buffer.alloc(0);

function send(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  process.stdout.write(Buffer.concat([header, body]));
}

function handle(request) {
  if (mode === 'crash') process.exit(1);
  if (mode === 'hang') return;
  if (request.command === 'status') {
    send({ id: request.id, result: { version: 'fake', protocol: 1, originAllowed: true, plugins: [] } });
  } else {
    send({ id: request.id, result: { echo: request } });
  }
}

process.stdin.on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  while (buffer.length >= 4) {
    const length = buffer.readUInt32LE(0);
    if (buffer.length < 4 + length) break;
    const body = buffer.subarray(4, 4 + length).toString('utf8');
    buffer = buffer.subarray(4 + length);
    handle(JSON.parse(body));
  }
});
process.stdin.on('end', () => process.exit(0));
