// Writes cabridge.mjs, the ES-module form of cabridge.js, to stdout:
//   node make-module.mjs > cabridge.mjs
// The module carries the whole library, so a portal can serve it alone; cabridge.js stays the
// one source (the portal-library test, tools/portal-library/module.test.mjs, checks the two have not drifted apart).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CALL = '})(typeof window !== \'undefined\' ? window : globalThis);';

export function moduleText(scriptText) {
  const end = scriptText.lastIndexOf(CALL);
  if (end < 0 || scriptText.slice(end + CALL.length).trim() !== '') {
    throw new Error(`cabridge.js no longer ends with ${CALL}`);
  }
  return [
    '// GENERATED from cabridge.js by make-module.mjs; edit cabridge.js, then run',
    '// `node make-module.mjs > cabridge.mjs`. Self-contained: serve it alone. Unlike cabridge.js',
    '// it does not define window.cabridge.',
    'const scope = {};',
    scriptText.slice(0, end) + '})(scope);',
    '',
    'const cabridge = scope.cabridge;',
    'export const {',
    '  detect, readCertificate, login, changePin, enroll, installCertificate, unlockChallenge, unlockWithResponse, CabridgeError,',
    '} = cabridge;',
    'export default cabridge;',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  process.stdout.write(moduleText(fs.readFileSync(path.join(here, 'cabridge.js'), 'utf8')));
}
