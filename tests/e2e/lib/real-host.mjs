// The real native host, plugins, verifier and SoftHSM fixture, as built in
// the CMake build tree (CABRIDGE_BUILD_DIR, default <repo>/build).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { REPO, writeHostWrapper } from './browser.mjs';

export const BUILD = process.env.CABRIDGE_BUILD_DIR || path.join(REPO, 'build');
export const REAL_HOST = path.join(BUILD, 'bin', 'cabridge-host');
export const VERIFY = path.join(BUILD, 'bin', 'cabridge-verify');
export const PLUGIN_DIR = path.join(BUILD, 'lib', 'cabridge', 'plugins');

/**
 * Host configuration in `dir`: the build's plugins, an origin policy listing
 * `allowOrigins`, a log file. Returns the environment for the browser (the
 * host inherits it).
 */
export function hostEnvironment(dir, { allowOrigins = [], softhsmConf, pluginDirs } = {}) {
  const policyFile = path.join(dir, 'policy.json');
  fs.writeFileSync(policyFile, JSON.stringify({ allowOrigins }), { mode: 0o644 });
  const config = path.join(dir, 'host.json');
  fs.writeFileSync(config, JSON.stringify({
    pluginDirs: pluginDirs ?? [PLUGIN_DIR],
    policyFile,
    logFile: path.join(dir, 'host.log'),
  }));
  const env = { CABRIDGE_CONFIG: config, CABRIDGE_LOG: path.join(dir, 'host.log') };
  if (softhsmConf) env.SOFTHSM2_CONF = softhsmConf;
  return env;
}

/** tools/pki/test-fixture.sh into `dir`; returns the parsed fixture.json plus pki.json. */
export function makeFixture(dir) {
  execFileSync('bash', [path.join(REPO, 'tools/pki/test-fixture.sh'), dir], { stdio: 'pipe', timeout: 120_000 });
  return {
    fixture: JSON.parse(fs.readFileSync(path.join(dir, 'fixture.json'), 'utf8')),
    pki: JSON.parse(fs.readFileSync(path.join(dir, 'pki.json'), 'utf8')),
    dir,
  };
}

export { writeHostWrapper };
