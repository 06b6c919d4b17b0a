#!/usr/bin/env node
// The cabridge demo: a HeBCA-like key, the demo portal on 127.0.0.1, and Chromium (or Firefox
// ESR) with the real extension and host doing "CA 绑定" then "CA 证书登录" (PIN typed into the
// extension's own dialog). The key is by default what a HeBCA user holds: an SM2 key with the
// signing and encryption certificates ("双证书") on the software SKF library (tests/softskf),
// read through HeBCA's SKF descriptor; `--token softhsm` uses an RSA certificate on a SoftHSM
// token through HeBCA's PKCS#11 descriptor instead.
// With --renew (Chromium only) the demo goes on to the CA's own site (tools/demo-ca): "老用户延期"
// puts a renewed certificate on the key (cabridge.enroll, the test CA signs, installCertificate),
// and the portal's CA login then lands in the same account with it (bound by credit code).
// Uses an already-built tree; scripts/demo.sh installs and builds first.
//
//   node tools/demo/run-demo.mjs [--build DIR] [--out DIR] [--port N] [--headless|--headed]
//                                [--browser chromium|firefox] [--token skf|softhsm] [--renew]
//
// Exit 0 when the portal logged in as the bound certificate's organisation,
// 1 with a message naming the failed step otherwise, 130 on Ctrl-C.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PIN = '123456'; // the demo key's PIN; typed into the dialog, never given to the page
// The key, per --token: the test PKI's HeBCA-like organisation certificate (tools/pki/README.md).
const TOKENS = {
  skf: { cert: 'sm2-sign', enc: 'sm2-enc', label: 'HEBCA SM2 KEY', key: 'SM2 国密', interface: 'software SKF library' },
  softhsm: { cert: 'org-rsa', label: 'HEBCA-DEMO', key: 'RSA 2048 位', interface: 'SoftHSM2 token' },
};

function usage(message) {
  if (message) console.error(`run-demo: ${message}`);
  console.error('usage: run-demo.mjs [--build DIR] [--out DIR] [--port N] [--headless|--headed] [--browser chromium|firefox] [--token skf|softhsm] [--renew]');
  process.exit(2);
}

let options;
try {
  options = parseArgs({
    options: {
      build: { type: 'string', default: path.join(REPO, 'build') },
      out: { type: 'string', default: path.join(REPO, 'out', 'demo') },
      port: { type: 'string', default: '0' },
      headless: { type: 'boolean' },
      headed: { type: 'boolean' },
      browser: { type: 'string', default: 'chromium' },
      token: { type: 'string', default: 'skf' },
      renew: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }).values;
} catch (e) {
  usage(e.message);
}
if (options.help) usage();
if (options.headless && options.headed) usage('--headless and --headed exclude each other');
if (!['chromium', 'firefox'].includes(options.browser)) usage(`--browser must be chromium or firefox, not "${options.browser}"`);
const firefox = options.browser === 'firefox';
if (options.renew && firefox) usage('--renew runs in Chromium only');
if (!Object.hasOwn(TOKENS, options.token)) usage(`--token must be skf or softhsm, not "${options.token}"`);
const token = TOKENS[options.token];
const port = Number(options.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port must be 0..65535, not "${options.port}"`);
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const headless = options.headless ?? (options.headed ? false : !hasDisplay);
if (!headless && !hasDisplay) usage('--headed needs $DISPLAY or $WAYLAND_DISPLAY');

// The harness reads the build directory when it is first imported.
const build = path.resolve(options.build);
process.env.CABRIDGE_BUILD_DIR = build;
const { launchBrowser, pressClosing, waitForDialog } = await import('../../tests/e2e/lib/browser.mjs');
const { REAL_HOST, VERIFY, PLUGIN_DIR, SOFTSKF, makePki, provisionToken, provisionSkf, hebcaDescriptor, hebcaSkfDescriptor,
  hostEnvironment } = await import('../../tests/e2e/lib/real-host.mjs');
const { startPortal } = await import('../../tests/e2e/lib/demo-portal.mjs');
const { startDemoCa } = await import('../../tests/e2e/lib/demo-ca.mjs');
const { acceptConsent } = await import('../../tests/e2e/lib/consent.mjs');
// Firefox: puppeteer-core over WebDriver BiDi (tests/e2e/lib/firefox.mjs), its pages behind the
// part of Playwright's API this script uses. Imported only for Firefox: it reads the build's
// Firefox package of the extension.
const ff = firefox
  ? { ...await import('../../tests/e2e/lib/firefox.mjs'), ...await import('../../tests/e2e/lib/firefox-scenario.mjs') }
  : null;
const browserName = firefox ? 'Firefox ESR' : 'Chromium';
// A key that may end the dialog (its window then closes under the key press).
const pressDialogKey = firefox ? ff.pressClosing : pressClosing;

/** The browser with the extension and host, behind one interface for both browsers. */
async function startBrowser(env) {
  if (!firefox) {
    const b = await launchBrowser({ hostPath: REAL_HOST, env, headless });
    return {
      newPage: () => b.context.newPage(),
      dialog: (name) => waitForDialog(b.context, name),
      acceptConsent: (origin) => acceptConsent(b.context, { origin }),
      close: () => b.close(),
    };
  }
  const b = await ff.launchFirefox({ hostPath: REAL_HOST, env, headless });
  return {
    newPage: async () => ff.playwrightLikePage(await b.newPage()),
    dialog: async (name) => ff.playwrightLikePage(await ff.waitForFirefoxDialog(b.browser, name)),
    acceptConsent: (origin) => ff.acceptConsentInFirefox(b.browser, { origin }),
    close: () => b.close(),
  };
}

const out = path.resolve(options.out);
const started = Date.now();
const cleanups = [];
let currentPage = null;

async function cleanUp() {
  while (cleanups.length) {
    try { await cleanups.pop()(); } catch { /* best effort: the rest still runs */ }
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    interrupted = true;
    console.error(`\nrun-demo: ${signal}, stopping browser and portal`);
    await cleanUp();
    process.exit(130);
  });
}

class StepError extends Error {}
let stepNo = 0;
async function step(title, body) {
  stepNo += 1;
  const t0 = Date.now();
  process.stdout.write(`[${String(stepNo).padStart(2)}] ${title} ... `);
  try {
    const value = await body();
    console.log(`ok (${Date.now() - t0} ms)`);
    return value;
  } catch (e) {
    console.log('FAILED');
    throw new StepError(`step "${title}" failed: ${e.message.split('\n')[0]}`);
  }
}

/** The portal's visible message box: {error, text} or null. */
async function portalMessage(page) {
  return page.evaluate(() => {
    const box = document.getElementById('message');
    return box && !box.hidden ? { error: box.className === 'error', text: `${box.dataset.code}: ${box.textContent}` } : null;
  }).catch(() => null);
}

/** Waits for `selector` on the portal page; a portal error message ends the wait early with its text. */
async function waitOnPortal(page, selector, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.locator(selector).first().isVisible().catch(() => false)) return;
    const message = await portalMessage(page);
    if (message?.error) throw new Error(`portal says ${message.text}`);
    if (Date.now() > deadline) throw new Error(`${selector} did not appear within ${timeout / 1000} s${message ? `; portal says ${message.text}` : ''}`);
    await page.waitForTimeout(100);
  }
}

function tail(file, lines = 15) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(none)'; }
}

async function main() {
  console.log(`cabridge demo: build ${build}, output ${out}, ${browserName}, ${headless ? 'headless' : 'browser window'}, `
    + `${token.key} key on the ${token.interface}`);
  const parts = options.token === 'skf'
    ? [['SKF plugin', path.join(PLUGIN_DIR, 'libcabridge-skf.so')], ['software SKF library', SOFTSKF]]
    : [['PKCS#11 plugin', path.join(PLUGIN_DIR, 'libcabridge-pkcs11.so')], ['HeBCA descriptor', path.join(PLUGIN_DIR, 'hebca.json')]];
  for (const [what, file] of [['cabridge-host', REAL_HOST], ['cabridge-verify', VERIFY], ...parts]) {
    if (!fs.existsSync(file)) throw new StepError(`${what} not built: ${file} is missing (run scripts/demo.sh, or cmake --build ${build})`);
  }

  // A fresh private directory every run: the token, database and logs of one demo.
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true, mode: 0o700 });
  const pkiDir = path.join(out, 'pki');

  const pki = await step('test PKI (RSA/EC and SM2 chains: HEBCA Test SM CA, HEBCA Test SM2 CA, organisation certificates)',
    () => makePki(pkiDir));
  const certificates = options.token === 'skf'
    ? JSON.parse(fs.readFileSync(path.join(pkiDir, 'sm2.json'), 'utf8')).certificates
    : pki.certificates;
  const cert = certificates.find((c) => c.name === token.cert);
  if (!cert) throw new StepError(`the test PKI has no "${token.cert}" certificate`);
  let keyEnv;
  if (options.token === 'skf') {
    // One HeBCA-like SM2 key: application HEBCA, one container with the dual pair.
    const spec = {
      devices: [{
        name: 'HEBCA-SKF-DEMO', label: token.label, serial: 'SKF2026DEMO01', manufacturer: 'cabridge softskf', issuer: 'HEBCA (test)',
        applications: [{
          name: 'HEBCA', userPin: PIN, userMaxRetry: 6, adminPin: '12345678', adminMaxRetry: 10,
          containers: [{ name: 'sm2-org', type: 'ECC', sign: token.cert, enc: token.enc }],
        }],
      }],
    };
    const state = await step(`SM2 key "${token.label}" on the software SKF library: ${token.cert} + ${token.enc} (PIN ${PIN})`,
      () => provisionSkf(pkiDir, path.join(out, 'skf'), spec));
    keyEnv = { CABRIDGE_SOFTSKF_DIR: state };
  } else {
    const softhsmConf = await step(`SoftHSM token "${token.label}" holding ${token.cert} (PIN ${PIN})`,
      () => provisionToken(pkiDir, path.join(out, 'softhsm'), token.label, [token.cert], PIN));
    keyEnv = { SOFTHSM2_CONF: softhsmConf };
  }

  // The portal trusts the chain the key's certificate comes from.
  const chain = options.token === 'skf'
    ? { ca: path.join(pkiDir, 'sm2-root.pem'), intermediate: path.join(pkiDir, 'sm2-intermediate.pem') }
    : {};
  const portal = await step('demo portal (tools/demo-portal/server.py)',
    () => startPortal(out, pkiDir, { port, logFile: path.join(out, 'portal.log'), ...chain }));
  cleanups.push(async () => portal.stop());

  // The host: HeBCA's descriptor (SKF: the shipped example, as id "hebca", on the software SKF
  // library; SoftHSM: hebca.json on SoftHSM), declaring the portal's origin; empty admin policy.
  const pluginDir = options.token === 'skf'
    ? hebcaSkfDescriptor(path.join(out, 'plugins'), { id: 'hebca', origins: [portal.origin] })
    : hebcaDescriptor(out, { origins: [portal.origin] });
  let caSite = null;
  if (options.renew) {
    caSite = await step('demo CA site (tools/demo-ca/server.py: 老用户延期, issuing from the test CA)',
      () => startDemoCa(pkiDir, { vendor: 'hebca', logFile: path.join(out, 'ca.log') }));
    cleanups.push(async () => caSite.stop());
    // The CA site is HeBCA's enrolment origin; the key takes certificates from the test CAs.
    const file = path.join(pluginDir, 'hebca.json');
    const descriptor = JSON.parse(fs.readFileSync(file, 'utf8'));
    descriptor.config.enrollOrigins = [caSite.origin];
    descriptor.config.enrollCAs = options.token === 'skf'
      ? [path.join(pkiDir, 'sm2-intermediate.pem'), path.join(pkiDir, 'sm2-root.pem')]
      : [path.join(pkiDir, 'intermediate.pem'), path.join(pkiDir, 'root.pem')];
    fs.writeFileSync(file, JSON.stringify(descriptor));
  }
  const env = { ...hostEnvironment(out, { allowOrigins: [], pluginDirs: [pluginDir, PLUGIN_DIR] }), ...keyEnv };
  const browser = await step(`${browserName} with the cabridge extension and native host`, () => startBrowser(env));
  cleanups.push(() => browser.close());

  const page = await browser.newPage();
  currentPage = page;
  await step(`open ${portal.origin}/ (extension and host detected)`, async () => {
    await page.goto(`${portal.origin}/`);
    const status = page.locator('#extension-status[data-state]');
    await status.waitFor({ timeout: 20_000 });
    const text = await status.textContent();
    if (await status.getAttribute('data-state') !== 'ready') throw new Error(`portal says ${text}`);
    if (text.includes('未被允许') || text.includes('异常') || text.includes('未找到')) throw new Error(`portal says ${text}`);
  });

  await step('账号密码登录 as test01', async () => {
    await page.fill('#username', 'test01');
    await page.fill('#password', 'Test@123456');
    await page.click('#account-login');
    await waitOnPortal(page, '#message[data-code=ACCOUNT_LOGIN_OK]');
  });

  const consentPng = path.join(out, 'consent-dialog.png');
  const read = await step(`CA 绑定: 河北 CA, 读取证书 (allow the portal in the consent window)`, async () => {
    await page.selectOption('#bind-vendor', 'hebca');
    await page.click('#read-cert');
    // The first time this portal asks, the person sees which site wants what and allows it.
    const consent = await browser.dialog('consent.html');
    await consent.locator('#fields li').first().waitFor({ timeout: 15_000 });
    await consent.screenshot({ path: consentPng });
    await browser.acceptConsent(portal.origin);
    await waitOnPortal(page, '#cert-info');
    return { org: await page.textContent('#cert-org'), uscc: await page.textContent('#cert-uscc') };
  });
  if (read.org !== cert.O || read.uscc !== cert.uscc) {
    throw new StepError(`the portal read ${read.org} / ${read.uscc}, the token holds ${cert.O} / ${cert.uscc}`);
  }

  const bound = await step('CA 绑定: 绑定此证书 (the key signs a binding challenge; PIN in the extension dialog)', async () => {
    await page.click('#bind');
    const d = await browser.dialog('pin.html');
    await d.locator('#cert .holder').waitFor({ timeout: 15_000 });
    await d.locator('#pin').fill(PIN);
    await pressDialogKey(d, 'Enter');
    await waitOnPortal(page, '#message[data-code=BIND_OK]');
    return { org: await page.textContent('#bound-org'), uscc: await page.textContent('#bound-uscc') };
  });
  await step('退出登录', async () => {
    await page.click('#logout');
    await waitOnPortal(page, '#message[data-code=LOGOUT_OK]');
  });

  const dialog = await step('CA 证书登录: 河北 CA 登录 (the PIN dialog opens)', async () => {
    await page.selectOption('#ca-vendor', 'hebca');
    await page.click('#ca-login');
    const d = await browser.dialog('pin.html');
    await d.locator('#cert .holder').waitFor({ timeout: 15_000 });
    return d;
  });
  const pinDialogPng = path.join(out, 'pin-dialog.png');
  await step('PIN dialog shows the portal origin and the certificate', async () => {
    const shown = await dialog.locator('body').innerText();
    const origin = await dialog.locator('#origin').textContent();
    if (origin !== portal.origin) throw new Error(`dialog shows origin ${origin}, expected ${portal.origin}`);
    for (const expected of [cert.O, cert.uscc, '河北 CA', token.key]) {
      if (!shown.includes(expected)) throw new Error(`dialog does not show "${expected}"`);
    }
    await dialog.screenshot({ path: pinDialogPng });
  });
  await step('type the PIN in the extension dialog and submit', async () => {
    await dialog.locator('#pin').fill(PIN);
    await pressDialogKey(dialog, 'Enter');
    await waitOnPortal(page, '#message[data-code=CA_LOGIN_OK]');
  });

  const loggedIn = await step('portal verified the token (cabridge-verify) and logged in', async () => {
    const method = await page.textContent('#login-method');
    if (method !== 'CA 证书登录') throw new Error(`login method is "${method}"`);
    return { org: await page.textContent('#login-org'), uscc: await page.textContent('#login-uscc') };
  });
  const loggedInPng = path.join(out, 'logged-in.png');
  await page.screenshot({ path: loggedInPng, fullPage: true });
  if (loggedIn.org !== bound.org || loggedIn.uscc !== bound.uscc) {
    throw new StepError(`logged in as ${loggedIn.org} / ${loggedIn.uscc}, but bound ${bound.org} / ${bound.uscc}`);
  }

  const renewed = caSite ? await renewOnCaSite(browser, caSite, page, cert) : null;

  const rel = (p) => path.relative(process.cwd(), p) || p;
  console.log(`
cabridge demo: CA 证书登录成功 (${((Date.now() - started) / 1000).toFixed(1)} s)
  key                    ${token.key} (${token.label}, ${token.interface})
  portal                 ${portal.origin}
  bound organisation     ${bound.org} (统一社会信用代码 ${bound.uscc})
  logged in as           ${loggedIn.org}
  统一社会信用代码        ${loggedIn.uscc}
  consent screenshot     ${rel(consentPng)}
  PIN dialog screenshot  ${rel(pinDialogPng)}
  portal screenshot      ${rel(loggedInPng)}${renewed ? `
  renewed on             ${caSite.origin} (老用户延期), then logged in to ${renewed.account} again
  renewal screenshot     ${rel(renewed.png)}` : ''}
  host log               ${rel(path.join(out, 'host.log'))}`);
}

/**
 * --renew: 老用户延期 on the demo CA site (read the key, confirm, a new key pair and the PIN in the
 * extension's window, the test CA signs, 安装证书), then the portal's CA login with the renewed
 * certificate. Resolves {account, png}.
 */
async function renewOnCaSite(browser, caSite, portalPage, cert) {
  const caPage = await browser.newPage();
  currentPage = caPage;
  await step(`老用户延期 on ${caSite.origin}: 读取证书 (allow the CA site in the consent window)`, async () => {
    await caPage.goto(`${caSite.origin}/`);
    await caPage.click('#read');
    await browser.acceptConsent(caSite.origin);
    await waitOnPortal(caPage, '#confirm-area');
    const org = await caPage.textContent('#org');
    if (org !== cert.O) throw new Error(`the CA site read ${org}, the key holds ${cert.O}`);
  });
  const typePin = async () => {
    const d = await browser.dialog('enroll/ca-window.html');
    await d.locator('#cert .holder').waitFor({ timeout: 15_000 });
    const origin = await d.locator('#origin').textContent();
    if (origin !== caSite.origin) throw new Error(`the window names ${origin}, expected ${caSite.origin}`);
    await d.locator('#pin').fill(PIN);
    await pressDialogKey(d, 'Enter');
  };
  await step('确认延期: a new key pair on the key (PIN in the extension\'s window), the test CA signs the request', async () => {
    await caPage.click('#confirm');
    await typePin();
    await waitOnPortal(caPage, '#message[data-code=ISSUED]', 90_000);
  });
  await step('安装证书: the renewed certificate onto the key, replacing the old one', async () => {
    await caPage.click('#install');
    await typePin();
    await waitOnPortal(caPage, '#message[data-code=INSTALL_OK]');
  });
  const png = path.join(out, 'renewed.png');
  await caPage.screenshot({ path: png, fullPage: true });
  currentPage = portalPage;
  const account = await step('CA 证书登录 with the renewed certificate: the same account (bound by credit code)', async () => {
    await portalPage.bringToFront();
    await portalPage.click('#logout');
    await waitOnPortal(portalPage, '#message[data-code=LOGOUT_OK]');
    await portalPage.click('#ca-login');
    const d = await browser.dialog('pin.html');
    await d.locator('#cert .holder').waitFor({ timeout: 15_000 });
    await d.locator('#pin').fill(PIN);
    await pressDialogKey(d, 'Enter');
    await waitOnPortal(portalPage, '#message[data-code=CA_LOGIN_OK]');
    const me = await portalPage.evaluate(async () => (await fetch('/api/me')).json());
    if (me.account?.username !== 'test01') throw new Error(`logged in as ${me.account?.username}`);
    if (me.binding?.sha256 === cert.sha256) throw new Error('the old certificate logged in, not the renewed one');
    return me.account.username;
  });
  return { account, png };
}

try {
  await main();
  await cleanUp();
  process.exit(0);
} catch (e) {
  // A step broken by our own Ctrl-C clean-up: the signal handler reports and exits.
  if (interrupted) await new Promise(() => setInterval(() => {}, 1000));
  const message = e instanceof StepError ? e.message : `unexpected error: ${e.stack ?? e}`;
  console.error(`\ncabridge demo FAILED: ${message}`);
  if (currentPage) {
    const png = path.join(out, 'failure.png');
    if (await currentPage.screenshot({ path: png }).then(() => true, () => false)) console.error(`  page at failure: ${png}`);
  }
  console.error(`  host log (${path.join(out, 'host.log')}):\n${tail(path.join(out, 'host.log'))}`);
  console.error(`  portal log (${path.join(out, 'portal.log')}):\n${tail(path.join(out, 'portal.log'))}`);
  await cleanUp();
  process.exit(1);
}
