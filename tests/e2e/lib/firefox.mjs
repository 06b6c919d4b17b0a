// Launches Debian's Firefox ESR (puppeteer-core over WebDriver BiDi, no geckodriver) with the
// Firefox package of the extension (<build>/extension-firefox, written from extension/ by
// tools/firefox-extension) installed as a temporary add-on, in a throw-away profile and HOME:
// Firefox reads host manifests only from ~/.mozilla/native-messaging-hosts (per user) and
// /usr/lib/mozilla/native-messaging-hosts, so the test's HOME holds the manifest it chooses.
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './browser.mjs';
import { BUILD } from './real-host.mjs';

export const FIREFOX = process.env.CABRIDGE_FIREFOX || '/usr/bin/firefox-esr';
export const FIREFOX_EXTENSION_DIR = path.join(BUILD, 'extension-firefox');
export const GECKO_ID = JSON.parse(fs.readFileSync(path.join(FIREFOX_EXTENSION_DIR, 'manifest.json'), 'utf8'))
  .browser_specific_settings.gecko.id;
// moz-extension://<uuid>/ is random per profile unless pinned: pinned, the tests can tell the
// extension's windows and open its pages.
export const EXTENSION_UUID = '6a0d3c52-1f7e-4c39-9b8e-cab71d6e0001';
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`;

/**
 * Starts Firefox. `hostPath`: executable the manifest points to, or null for "no host
 * installed". `allowedExtensions` defaults to our add-on id. `env` reaches the host (Firefox
 * passes its environment on); `prefs` are more Firefox preferences; `headless: false` opens
 * real windows (needs a display). Returns {browser, dir, newPage, close}.
 */
export async function launchFirefox({ hostPath = null, allowedExtensions, env = {}, withExtension = true, prefs = {}, headless = true } = {}) {
  const dir = tempDir('firefox');
  const home = path.join(dir, 'home');
  const hosts = path.join(home, '.mozilla', 'native-messaging-hosts');
  fs.mkdirSync(hosts, { recursive: true });
  if (hostPath) {
    fs.writeFileSync(path.join(hosts, 'org.cabridge.host.json'), JSON.stringify({
      name: 'org.cabridge.host',
      description: 'cabridge test host',
      path: hostPath,
      type: 'stdio',
      allowed_extensions: allowedExtensions ?? [GECKO_ID],
    }));
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless,
    userDataDir: path.join(dir, 'profile'),
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), LANGUAGE: 'zh_CN', LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8', ...env },
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      'intl.locale.requested': 'zh-CN',
      'datareporting.policy.dataSubmissionEnabled': false,
      'app.update.enabled': false,
      ...prefs,
    },
    timeout: 60_000,
  });
  if (withExtension) await browser.installExtension(FIREFOX_EXTENSION_DIR);
  return {
    browser,
    dir,
    newPage: () => browser.newPage(),
    async close() {
      await browser.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The page's address as the page itself says it. puppeteer-core's page.url() keeps showing
 * about:blank for a window the extension opened (WebDriver BiDi reports no navigation to a
 * moz-extension: address), so ask the page. Null for a page that is closing.
 */
async function currentUrl(page) {
  if (!page.url().startsWith('about:blank')) return page.url();
  return page.evaluate(() => location.href).catch(() => null);
}

/** The extension's dialog window showing `page` (consent.html, chooser.html, pin.html). */
export async function waitForFirefoxDialog(browser, page, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const pages = await browser.pages();
    for (const p of pages) {
      if ((await currentUrl(p))?.startsWith(`${EXTENSION_ORIGIN}/${page}`)) return p;
    }
    if (Date.now() > deadline) {
      const urls = await Promise.all(pages.map(currentUrl));
      throw new Error(`no ${page} window within ${timeout} ms (pages: ${urls.join(', ')})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The extension's windows open now. */
export async function openFirefoxDialogs(browser) {
  const open = [];
  for (const p of await browser.pages()) {
    const url = await currentUrl(p);
    if (url?.startsWith(`${EXTENSION_ORIGIN}/`) && /\/(consent|chooser|pin)\.html/.test(url)) open.push(p);
  }
  return open;
}

/**
 * A puppeteer-core page behind the part of Playwright's Page API the demo driver
 * (tools/demo/run-demo.mjs) uses, so one script drives Chromium (Playwright) and Firefox.
 */
export function playwrightLikePage(page) {
  const locator = (selector) => {
    const self = {
      first: () => self,
      async waitFor({ timeout = 30_000 } = {}) { await page.waitForSelector(selector, { visible: true, timeout }); },
      async isVisible() {
        const handle = await page.$(selector);
        return handle ? handle.isVisible() : false;
      },
      textContent: () => page.$eval(selector, (e) => e.textContent),
      innerText: () => page.$eval(selector, (e) => e.innerText),
      getAttribute: (name) => page.$eval(selector, (e, n) => e.getAttribute(n), name),
      async fill(value) {
        await page.$eval(selector, (e) => { e.value = ''; });
        await page.type(selector, value);
      },
    };
    return self;
  };
  return {
    goto: (url) => page.goto(url),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    keyboard: page.keyboard,
    locator,
    fill: (selector, value) => locator(selector).fill(value),
    click: (selector) => page.click(selector),
    selectOption: (selector, value) => page.select(selector, value),
    textContent: (selector) => locator(selector).textContent(),
    waitForTimeout: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    screenshot: (options) => page.screenshot(options),
    close: () => page.close(),
  };
}
