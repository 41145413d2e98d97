'use strict';
// The self-service page on a site with [partitions]: the site picker
// appears with the partitions the server lists, and a lock with siteB
// picked reaches siteB's 201 (the case checks the store afterwards).
//   LL_URL=http://127.0.0.1:PORT LL_SHOTS=DIR LL_PIN=7391 \
//   node self.test.js
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const URL = process.env.LL_URL;
const PIN = process.env.LL_PIN;
const SHOTS = process.env.LL_SHOTS || path.join(os.tmpdir(), 'll-shots');
const TIMEOUT = 10000;

function fail(msg) {
  throw new Error(msg);
}

// Polls from Node: the page's CSP refuses evaluated strings.
async function until(what, fn) {
  const end = Date.now() + TIMEOUT;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) fail('timed out waiting for ' + what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  if (!URL || !PIN) fail('LL_URL and LL_PIN are required');
  fs.mkdirSync(SHOTS, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'll-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 780 }
  });
  const problems = [];
  try {
    ctx.setDefaultTimeout(TIMEOUT);
    const page = ctx.pages()[0] || await ctx.newPage();
    page.on('pageerror', (e) => problems.push('page error: ' + e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push('console: ' + m.text());
    });
    await page.goto(URL + '/self');
    const site = page.getByLabel('Site');
    await site.waitFor({ state: 'visible' });
    const names = await site.locator('option').evaluateAll(
      (os) => os.map((o) => o.value));
    if (names.join(',') !== ',siteA,siteB,default')
      fail('picker offers: ' + names.join(','));
    await site.selectOption('siteB');
    await page.getByLabel('Extension').fill('201');
    await page.getByLabel('PIN').fill(PIN);
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await until('self-service lock', async () =>
      (await page.locator('#self-msg').textContent()) ===
        'Line 201 (siteB) is now locked.');
    await page.screenshot({ path: path.join(SHOTS, 'self-partition.png'),
      fullPage: true });
    if (problems.length) fail(problems.join('\n'));
    console.log('browser: ok');
  } finally {
    await ctx.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('browser: FAIL: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
