// web-driver.js: drives xend's web page in Debian's headless chromium
// (puppeteer-core) for tests/integration/xend-web.sh and xend-vnc.sh: one command a line
// on stdin, as a JSON array; one answer a line on stdout, "ok [what]" or
// "fail why". Waits are the page's own conditions, each with a deadline.
'use strict';
const puppeteer = require('puppeteer-core');
const readline = require('readline');

const [url, chrome] = process.argv.slice(2);

function rowState(name) {
  const tr = document.getElementById('dom-' + name);
  return tr ? tr.dataset.state : null;
}

const commands = {
  async goto(page) {
    await page.goto(url, { waitUntil: 'load' });
    await page.evaluate(() => { window.notReloaded = true; });
    return 'loaded';
  },
  async login(page, user, password) {
    await page.waitForSelector('#login:not([hidden])', { timeout: 20000 });
    await page.$eval('#login-error', (e) => { e.textContent = ''; });
    await page.$eval('#login-user', (e) => { e.value = ''; });
    await page.type('#login-user', user);
    await page.$eval('#login-password', (e) => { e.value = ''; });
    await page.type('#login-password', password);
    await page.click('#login-submit');
    await page.waitForFunction(() => !document.querySelector('#app').hidden ||
      document.querySelector('#login-error').textContent !== '', { timeout: 20000 });
    const err = await page.$eval('#login-error', (e) => e.textContent);
    if (err) throw new Error(err);
    return await page.$eval('#user', (e) => e.textContent);
  },
  async rows(page, n, secs) {
    await page.waitForFunction((n) => document.querySelectorAll('#domains tbody tr').length >= n,
      { timeout: secs * 1000 }, Number(n));
    return await page.$$eval('#domains tbody tr', (trs) =>
      trs.map((t) => t.id.slice(4) + '=' + t.dataset.state).join(' '));
  },
  async wait_state(page, name, state, secs) {
    await page.waitForFunction((n, s) => {
      const tr = document.getElementById('dom-' + n);
      return tr && tr.dataset.state === s;
    }, { timeout: secs * 1000, polling: 'mutation' }, name, state);
    return state;
  },
  async click(page, name, action) {
    await page.click(`#dom-${name} button[data-action="${action}"]`);
    return action;
  },
  async set(page, name, cls, value) {
    await page.$eval(`#dom-${name} input.${cls}`, (e, v) => { e.value = v; }, value);
    return value;
  },
  async wait_error(page, regex, secs) {
    await page.waitForFunction((r) => new RegExp(r).test(document.querySelector('#errors').textContent),
      { timeout: secs * 1000 }, regex);
    return await page.$eval('#errors li', (e) => e.firstChild.textContent);
  },
  async not_reloaded(page) {
    if (!(await page.evaluate(() => window.notReloaded === true)))
      throw new Error('the page was reloaded');
    return 'same page';
  },
  async console(page, name, secs) {
    await page.click(`#dom-${name} button[data-action="console"]`);
    await page.waitForSelector('#terminal .xterm-rows', { timeout: secs * 1000 });
    await page.waitForFunction(() => document.querySelector('#console-status').textContent === 'attached',
      { timeout: secs * 1000 });
    return 'attached';
  },
  async type(page, text) {
    await page.focus('#terminal textarea');
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
    return 'typed';
  },
  async wait_console(page, regex, secs) {
    await page.waitForFunction((r) => new RegExp(r, 'm').test(
      Array.from(document.querySelectorAll('#terminal .xterm-rows > div'),
        (d) => d.textContent).join('\n')), { timeout: secs * 1000 }, regex);
    return 'seen';
  },
  async console_text(page) {
    return JSON.stringify(await page.$$eval('#terminal .xterm-rows > div',
      (ds) => ds.map((d) => d.textContent).filter((t) => t.trim()).join('\n')));
  },
  // the screen (noVNC): open it, answer the display's password, wait
  // for a status, and how much of the canvas is drawn
  async screen(page, name) {
    await page.click(`#dom-${name} button[data-action="screen"]`);
    await page.waitForSelector('#screen-panel:not([hidden])', { timeout: 20000 });
    return 'opened';
  },
  async screen_password(page, password, secs) {
    await page.waitForSelector('#screen-password:not([hidden])', { timeout: secs * 1000 });
    await page.type('#screen-password-input', password);
    await page.click('#screen-password button[type="submit"]');
    return 'sent';
  },
  async screen_status(page, regex, secs) {
    await page.waitForFunction((r) => new RegExp(r).test(
      document.querySelector('#screen-status').textContent),
    { timeout: secs * 1000, polling: 'mutation' }, regex);
    return await page.$eval('#screen-status', (e) => e.textContent);
  },
  // waits until the canvas has at least rows rows with a lit pixel;
  // answers "WxH rows=N colours=N"
  async screen_drawn(page, rows, secs) {
    await page.evaluate(() => {
      window.screenStats = () => {
        const c = document.querySelector('#screen canvas');
        if (!c || !c.width || !c.height) return null;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let lit = 0;
        const colours = new Set();
        for (let y = 0; y < c.height; y++) {
          let on = false;
          for (let x = 0; x < c.width; x++) {
            const i = 4 * (y * c.width + x);
            const v = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
            if (v !== 0) on = true;
            if (colours.size < 64) colours.add(v);
          }
          if (on) lit++;
        }
        return { w: c.width, h: c.height, lit, colours: colours.size };
      };
    });
    await page.waitForFunction((n) => {
      const st = window.screenStats();
      return st && st.lit >= n;
    }, { timeout: secs * 1000, polling: 500 }, Number(rows)).catch(() => {});
    const st = await page.evaluate(() => window.screenStats());
    if (!st) throw new Error('no canvas');
    return `${st.w}x${st.h} rows=${st.lit} colours=${st.colours}`;
  },
  async screenshot(page, file) {
    await page.screenshot({ path: file, fullPage: true });
    return file;
  },
};

(async () => {
  const browser = await puppeteer.launch({ executablePath: chrome,
    headless: true, args: ['--no-sandbox', '--disable-gpu',
      '--disable-dev-shm-usage', '--no-first-run'] });
  const page = await browser.newPage();
  await page.setViewport({ width: 1300, height: 900 });
  page.on('console', (m) => process.stderr.write('page: ' + m.text() + '\n'));
  page.on('pageerror', (e) => process.stderr.write('page error: ' + e.message + '\n'));
  console.log('ok ready');
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, ...args] = JSON.parse(line);
    if (cmd === 'quit') break;
    try {
      if (!commands[cmd]) throw new Error('no command ' + cmd);
      console.log('ok ' + (await commands[cmd](page, ...args)));
    } catch (e) {
      console.log('fail ' + String(e.message).split('\n')[0]);
    }
  }
  rl.close();
  await browser.close();
  process.exit(0);
})().catch((e) => { console.log('fail ' + e.message); process.exit(1); });
