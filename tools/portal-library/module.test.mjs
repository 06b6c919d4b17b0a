// cabridge.mjs works served alone (no cabridge.js beside it) and is cabridge.js made a module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleText } from './make-module.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

test('cabridge.mjs is cabridge.js made a module (regenerate with make-module.mjs)', () => {
  const script = fs.readFileSync(path.join(HERE, 'cabridge.js'), 'utf8');
  assert.equal(fs.readFileSync(path.join(HERE, 'cabridge.mjs'), 'utf8'), moduleText(script));
});

test('cabridge.mjs imported alone offers the whole API and answers a page with no extension', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cabridge-mjs-'));
  try {
    fs.copyFileSync(path.join(HERE, 'cabridge.mjs'), path.join(dir, 'cabridge.mjs'));
    const listeners = new Set();
    const posted = [];
    // The few window calls the library makes; nobody answers, as on a page without the extension.
    globalThis.window = {
      location: { origin: 'https://portal.example.gov.cn' },
      addEventListener: (type, fn) => listeners.add(fn),
      removeEventListener: (type, fn) => listeners.delete(fn),
      postMessage: (message, origin) => posted.push({ message, origin }),
    };
    const mod = await import(pathToFileURL(path.join(dir, 'cabridge.mjs')).href);
    const cabridge = mod.default;
    assert.equal(cabridge.protocol, 1);
    for (const name of ['detect', 'readCertificate', 'login', 'changePin', 'enroll', 'installCertificate', 'unlockChallenge', 'unlockWithResponse']) {
      assert.equal(typeof mod[name], 'function', name);
      assert.equal(mod[name], cabridge[name]);
    }
    assert.equal(globalThis.window.cabridge, undefined, 'the module leaves window alone');
    const error = await cabridge.detect().catch((e) => e);
    assert.ok(error instanceof mod.CabridgeError);
    assert.equal(error.code, 'EXTENSION_UNAVAILABLE');
    assert.equal(posted.length, 1);
    assert.equal(posted[0].message.action, 'detect');
    assert.equal(posted[0].origin, 'https://portal.example.gov.cn');
    assert.equal(listeners.size, 0, 'the listener is removed once the call ends');
  } finally {
    delete globalThis.window;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
