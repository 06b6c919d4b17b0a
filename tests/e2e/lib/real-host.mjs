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

export const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
export const FAULT_MODULE = path.join(BUILD, 'lib', 'test', 'libcabridge-faultp11.so');

/** make-test-pki.sh into `dir`; returns pki.json. */
export function makePki(dir) {
  execFileSync('bash', [path.join(REPO, 'tools/pki/make-test-pki.sh'), dir], { stdio: 'pipe', timeout: 120_000 });
  return JSON.parse(fs.readFileSync(path.join(dir, 'pki.json'), 'utf8'));
}

/** One SoftHSM token holding `certs` (names from the PKI); returns the SOFTHSM2_CONF path. */
export function provisionToken(pkiDir, tokenDir, label, certs, pin) {
  return execFileSync('bash', [path.join(REPO, 'tools/pki/provision-token.sh'), '--dir', tokenDir, '--label', label,
    '--pin', pin, '--pki', pkiDir, ...certs], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString().trim().split('\n').pop();
}

/**
 * HeBCA's shipped descriptor (hebca.json for the generic PKCS#11 plugin, as built) in a plugin
 * directory of the test's own, using `module` (SoftHSM or the fault module) in place of the real
 * HeBCA middleware paths; everything else (name, help, PIN rules, identity profile) as shipped.
 * `origins`, if given, replaces the declared portal origins.
 * Returns the plugin directory to list first in pluginDirs.
 */
export function hebcaDescriptor(dir, { module = SOFTHSM, retryCounter = false, origins } = {}) {
  const pluginDir = path.join(dir, 'plugins');
  fs.mkdirSync(pluginDir, { recursive: true });
  const descriptor = JSON.parse(fs.readFileSync(path.join(PLUGIN_DIR, 'hebca.json'), 'utf8'));
  descriptor.library = path.join(PLUGIN_DIR, 'libcabridge-pkcs11.so');
  descriptor.config.modules = [module];
  if (retryCounter) descriptor.config.retryCounter = { symbol: 'cabridge_fault_get_pin_retries' };
  if (origins) descriptor.config.origins = origins;
  fs.writeFileSync(path.join(pluginDir, 'hebca.json'), JSON.stringify(descriptor));
  return pluginDir;
}

/**
 * A self-signed P-256 certificate `name` with `subject` (openssl -subj form, UTF-8) beside the
 * test PKI's own, in the files provision-token.sh imports (for names the PKI does not have).
 */
export function selfSignedCertificate(pkiDir, name, subject) {
  const key = path.join(pkiDir, `${name}.key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-utf8', '-subj', subject, '-days', '365', '-outform', 'DER', '-out', path.join(pkiDir, `${name}.der`)],
  { stdio: 'pipe' });
  execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', key, '-outform', 'DER', '-out', path.join(pkiDir, `${name}.key.p8.der`)],
    { stdio: 'pipe' });
}

/**
 * Everything a real-host test needs: PKI, one token with `certs`, host config
 * allowing `allowOrigins`. Options: fault = {pinMaxRetries} to put the fault
 * module in front of SoftHSM; selfSigned = [{name, subject}] for extra certificates.
 */
export function realHostSetup(dir, { certs, pin = '739164', allowOrigins, fault = null, label = 'HEBCA-E2E', selfSigned = [] }) {
  const pkiDir = path.join(dir, 'pki');
  const pki = makePki(pkiDir);
  for (const { name, subject } of selfSigned) selfSignedCertificate(pkiDir, name, subject);
  certs = [...certs, ...selfSigned.map((c) => c.name)];
  const softhsmConf = provisionToken(pkiDir, path.join(dir, 'softhsm'), label, certs, pin);
  const env = { SOFTHSM2_CONF: softhsmConf };
  let module = SOFTHSM;
  if (fault) {
    module = FAULT_MODULE;
    const control = path.join(dir, 'fault-control');
    fs.writeFileSync(control, `pin_max_retries=${fault.pinMaxRetries}\n`);
    Object.assign(env, {
      CABRIDGE_FAULT_TARGET: SOFTHSM,
      CABRIDGE_FAULT_CONTROL: control,
      CABRIDGE_FAULT_STATE: path.join(dir, 'fault-state'),
    });
  }
  const pluginDir = hebcaDescriptor(dir, { module, retryCounter: Boolean(fault) });
  Object.assign(env, hostEnvironment(dir, { allowOrigins, pluginDirs: [pluginDir, PLUGIN_DIR], softhsmConf }));
  return { pki, pkiDir, env, pin };
}

// ---- SM2 keys: the software SKF library and the software SM2 PKCS#11 module ----------------

export const SOFTSKF = path.join(BUILD, 'lib', 'test', 'libcabridge-softskf.so');
export const SOFTSM2P11 = path.join(BUILD, 'lib', 'test', 'libcabridge-softsm2p11.so');

/**
 * The software SKF library's state in `stateDir` from the PKI in `pkiDir` (tools/pki/provision-skf.py;
 * `spec`, if given, replaces the standard layout: HEBCA-SKF-1 with the SM2 dual pair and an RSA
 * container, HEBCA-SKF-2 with 李四's SM2 key and factory-default PINs). Returns stateDir, for
 * CABRIDGE_SOFTSKF_DIR.
 */
export function provisionSkf(pkiDir, stateDir, spec) {
  const args = [path.join(REPO, 'tools/pki/provision-skf.py'), '--pki', pkiDir, '--out', stateDir];
  if (spec) {
    const specFile = `${stateDir}.spec.json`;
    fs.writeFileSync(specFile, JSON.stringify(spec));
    args.push('--spec', specFile);
  }
  execFileSync('python3', args, { stdio: 'pipe', timeout: 60_000 });
  return stateDir;
}

/** The software SKF library's fault file (tests/softskf/README.md, "Faults"); {} clears every fault. */
export function setSkfFaults(stateDir, faults) {
  const file = path.join(stateDir, 'faults.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(faults));
  fs.renameSync(`${file}.tmp`, file); // the library re-reads it on every call: never half a file
}

/**
 * HeBCA's SKF descriptor as shipped in plugins/skf/examples/hebca-skf.json (name, PIN rules, help
 * texts as HeBCA's), written into the plugin directory `pluginDir` with the software SKF library
 * in place of HeBCA's middleware. `id` replaces the example's id (the demo names it `hebca`, so it
 * stands for HeBCA's plugin); `origins`, if given, replaces the declared portal origins.
 */
export function hebcaSkfDescriptor(pluginDir, { id = 'hebca-skf', origins } = {}) {
  fs.mkdirSync(pluginDir, { recursive: true });
  const descriptor = JSON.parse(fs.readFileSync(path.join(REPO, 'plugins/skf/examples/hebca-skf.json'), 'utf8'));
  descriptor.id = id;
  descriptor.config.id = id;
  descriptor.library = path.join(PLUGIN_DIR, 'libcabridge-skf.so');
  descriptor.config.libraries = [SOFTSKF];
  if (origins) descriptor.config.origins = origins;
  fs.writeFileSync(path.join(pluginDir, `${id}.json`), JSON.stringify(descriptor));
  return pluginDir;
}

/**
 * A vendor PKCS#11 module with SM2 keys (tests/softsm2p11, vendor numbering 0x80000004 /
 * 0x80008100: the module computes Z and SM3 itself, raw r||s signatures) and its descriptor for
 * the generic PKCS#11 plugin, id `id`. `tokens`: [{label, serial, pin, pinToBeChanged?, objects:
 * [PKI entity names]}]. Returns {env, pluginDir}: env names the module's configuration
 * (CABRIDGE_SOFTSM2P11_CONFIG).
 */
export function sm2Pkcs11Vendor(dir, pkiDir, pluginDir, { id = 'gm-p11', name = '国密测试 CA（PKCS#11）', tokens }) {
  fs.mkdirSync(pluginDir, { recursive: true });
  const moduleConfig = path.join(dir, `${id}-module.json`);
  fs.writeFileSync(moduleConfig, JSON.stringify({
    manufacturer: 'SM2 Vendor',
    keyType: '0x80000004',
    mechanisms: { message: '0x80008100' },
    signature: 'raw',
    tokens: tokens.map((t) => ({
      label: t.label, serial: t.serial, pin: t.pin, pinToBeChanged: t.pinToBeChanged === true,
      objects: t.objects.map((entity, i) => ({
        id: String(i + 1).padStart(2, '0'), label: entity,
        certificate: path.join(pkiDir, `${entity}.der`), key: path.join(pkiDir, `${entity}.key.pem`),
      })),
    })),
  }));
  fs.writeFileSync(path.join(pluginDir, `${id}.json`), JSON.stringify({
    id, name, abi: 1, library: path.join(PLUGIN_DIR, 'libcabridge-pkcs11.so'),
    config: {
      id, name, modules: [SOFTSM2P11],
      sm2: { keyType: '0x80000004', mechanism: '0x80008100', style: 'message', signature: 'raw' },
      pin: { minLength: 4, maxLength: 16, charset: 'alnum' },
      help: { unlock: { text: '证书密码已被锁定，请到证书机构办理“重置证书密码”。' } },
    },
  }));
  return { env: { CABRIDGE_SOFTSM2P11_CONFIG: moduleConfig }, pluginDir };
}
