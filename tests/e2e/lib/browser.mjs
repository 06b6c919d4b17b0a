// Launches Debian's Chromium with the cabridge extension loaded and a native
// host manifest of the test's choosing, in a throw-away profile: Chromium finds a host
// manifest in <user-data-dir>/NativeMessagingHosts/ first, so nothing is written to /etc or $HOME.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const EXTENSION_DIR = path.join(REPO, 'extension');
export const EXTENSION_ID = 'nojnbkjmnolldjcnebneodoflnialbln';
export const FAKE_HOST = path.join(REPO, 'tests/e2e/lib/fake-host.mjs');
export const CHROMIUM = process.env.CABRIDGE_CHROMIUM || '/usr/bin/chromium';

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cabridge-e2e-${prefix}-`));
}

/** A shell wrapper so a host can be started with fixed arguments and environment. */
export function writeHostWrapper(dir, command, env = {}) {
  const file = path.join(dir, 'host-wrapper.sh');
  const exports = Object.entries(env).map(([k, v]) => `export ${k}='${String(v).replace(/'/g, "'\\''")}'\n`).join('');
  fs.writeFileSync(file, `#!/bin/sh\n${exports}exec ${command.map((c) => `'${c}'`).join(' ')} "$@"\n`, { mode: 0o755 });
  return file;
}

/**
 * Starts the browser. `hostPath`: executable the manifest points to, or null
 * for "no host installed". `allowedOrigins` defaults to our extension.
 * `headless: false` opens real windows (needs $DISPLAY or $WAYLAND_DISPLAY).
 * `args`: more Chromium switches (e.g. --host-resolver-rules for a non-loopback name).
 * Returns {context, serviceWorker, dir, close}.
 */
export async function launchBrowser({ hostPath = null, allowedOrigins, env = {}, withExtension = true, headless = true, args = [] } = {}) {
  const dir = tempDir('browser');
  const userDataDir = path.join(dir, 'profile');
  const config = path.join(dir, 'xdg-config');
  fs.mkdirSync(path.join(userDataDir, 'NativeMessagingHosts'), { recursive: true });
  fs.mkdirSync(config, { recursive: true });
  if (hostPath) {
    fs.writeFileSync(path.join(userDataDir, 'NativeMessagingHosts', 'org.cabridge.host.json'), JSON.stringify({
      name: 'org.cabridge.host',
      description: 'cabridge test host',
      path: hostPath,
      type: 'stdio',
      allowed_origins: allowedOrigins ?? [`chrome-extension://${EXTENSION_ID}/`],
    }));
  }
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    // headless: true would pick the old headless shell, which has no extensions.
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      ...(headless ? ['--headless=new'] : []),
      ...(withExtension ? [`--load-extension=${EXTENSION_DIR}`, `--disable-extensions-except=${EXTENSION_DIR}`] : []),
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--lang=zh-CN',
      ...args,
    ],
    env: { ...process.env, XDG_CONFIG_HOME: config, LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', ...env },
    timeout: 30_000,
    locale: 'zh-CN',
    viewport: null, // popups keep the size the extension asks for
  });
  if (!withExtension) {
    return { context, serviceWorker: null, dir, async close() { await context.close().catch(() => {}); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  let serviceWorker = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
  serviceWorker ??= await context.waitForEvent('serviceworker', {
    predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`), timeout: 15_000,
  });
  return {
    context,
    serviceWorker,
    dir,
    async setTimeouts(timeouts) {
      await serviceWorker.evaluate((t) => chrome.storage.local.set({ timeouts: t }), timeouts);
    },
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits for the extension's dialog window showing `page` ("consent.html",
 * "chooser.html" or "pin.html"): a new window, or the flow's window moving on
 * to that page (consent -> chooser -> PIN share one window).
 */
export async function waitForDialog(context, page, timeout = 15_000) {
  const matches = (p) => !p.isClosed() && p.url().startsWith(`chrome-extension://${EXTENSION_ID}/${page}`);
  const deadline = Date.now() + timeout;
  for (;;) {
    const dialog = context.pages().find(matches);
    if (dialog) {
      await dialog.waitForLoadState('domcontentloaded');
      return dialog;
    }
    if (Date.now() > deadline) throw new Error(`no ${page} window within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The extension's windows open now (consent, chooser, PIN). */
export function openDialogs(context) {
  return context.pages().filter((p) => !p.isClosed() && /\/(consent|chooser|pin)\.html/.test(p.url())
    && p.url().startsWith(`chrome-extension://${EXTENSION_ID}/`));
}

export function artifactsDir(testName) {
  const dir = path.join(process.env.CABRIDGE_E2E_ARTIFACTS || path.join(REPO, 'tests/e2e/artifacts'), testName);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Presses a key that may end the dialog: the extension then closes the window,
 * possibly before Playwright hears back about the key press.
 */
export async function pressClosing(page, key) {
  try {
    await page.keyboard.press(key);
  } catch (e) {
    if (!/closed/.test(e.message)) throw e;
  }
}
