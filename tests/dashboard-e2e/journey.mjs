#!/usr/bin/env node
// Browser end-to-end journey through the stratus dashboard, with playwright-core driving
// Debian's chromium headless against a running cloud.
//
//   STRATUS_DASHBOARD_URL        e.g. http://127.0.0.1:8790 (required)
//   STRATUS_DASHBOARD_USER       demo user (default demo)
//   STRATUS_DASHBOARD_PASSWORD   its password (required for the full journey)
//   STRATUS_DASHBOARD_PROJECT    its project (default: the user's default project)
//   STRATUS_DASHBOARD_IMAGE      guest image name to launch (required for the full journey)
//   STRATUS_DASHBOARD_FLAVOR     flavor name (default: the first flavor that fits)
//   STRATUS_SCREENSHOTS          directory for the screenshots (default ./screenshots)
//   STRATUS_ACTIVE_TIMEOUT       seconds to wait for ACTIVE and other async steps (default 300)
//   STRATUS_FOREIGN_SERVER_ID    optional: an instance id of another project (cross-tenant check;
//                                a random id is always checked too)
//   STRATUS_JOURNEY_ONLY=login-page  only load the login page and check that a failed login
//                                shows an error (works without a backend)
//   STRATUS_DASHBOARD_ADMIN_PASSWORD  optional: the admin user's password (user admin, project admin): the Admin panel is checked
//   STRATUS_CLOUDCTL             cloudctl binary: the API Access OpenRC file is then checked with it
//   CHROMIUM                     browser binary (default /usr/bin/chromium)
//
// Prints one line per step with the elapsed seconds; exits 1 with a clear message on failure.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const env = process.env;
const BASE = (env.STRATUS_DASHBOARD_URL || '').replace(/\/+$/, '');
const USER = env.STRATUS_DASHBOARD_USER || 'demo';
const PASSWORD = env.STRATUS_DASHBOARD_PASSWORD || '';
const PROJECT = env.STRATUS_DASHBOARD_PROJECT || '';
const IMAGE = env.STRATUS_DASHBOARD_IMAGE || '';
const FLAVOR = env.STRATUS_DASHBOARD_FLAVOR || '';
const SHOTS = env.STRATUS_SCREENSHOTS || path.resolve('screenshots');
const TIMEOUT = Number(env.STRATUS_ACTIVE_TIMEOUT || 300) * 1000;
const ONLY = env.STRATUS_JOURNEY_ONLY || '';

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
const log = (msg) => console.log(`[${secs()} s] ${msg}`);
class JourneyError extends Error {}
const fail = (msg) => { throw new JourneyError(msg); };

if (!BASE) { console.error('STRATUS_DASHBOARD_URL is required (e.g. http://127.0.0.1:8790)'); process.exit(2); }
if (!ONLY && (!PASSWORD || !IMAGE)) { console.error('STRATUS_DASHBOARD_PASSWORD and STRATUS_DASHBOARD_IMAGE are required for the full journey'); process.exit(2); }
mkdirSync(SHOTS, { recursive: true });

const tag = `e2e-${Date.now().toString(36)}`;
const names = { key: `${tag}-key`, group: `${tag}-sg`, server: `${tag}-vm`, volume: `${tag}-vol` };
const created = { server: false, volume: false, fip: '', group: false, key: false };

let shotNo = 0;
async function shot(page, name) {
  const file = path.join(SHOTS, `${String(++shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
}

async function step(name, fn) {
  const s = Date.now();
  try {
    const r = await fn();
    log(`ok   ${name} (${((Date.now() - s) / 1000).toFixed(1)} s)`);
    return r;
  } catch (e) {
    log(`FAIL ${name}: ${e instanceof JourneyError ? e.message : e?.message ?? e}`);
    throw e;
  }
}

/** The JSON API from inside the page (same origin, the session cookie, the CSRF token). */
async function api(page, method, url, body) {
  return page.evaluate(async ({ method, url, body }) => {
    let csrf = '';
    if (method !== 'GET') {
      const s = await fetch('/api/session', { credentials: 'same-origin' });
      if (s.ok) csrf = (await s.json()).csrf_token || '';
    }
    const r = await fetch(url, {
      method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    return { status: r.status, json, text: text.slice(0, 500) };
  }, { method, url, body });
}

async function go(page, p) {
  // In-app navigation through the side menu where possible (no reload); direct otherwise.
  const link = page.locator(`nav[aria-label="Main"] a[href="${p}"]`);
  if (await link.count()) await link.first().click();
  else await page.goto(BASE + p);
}

/** Submits the open dialog (data-testid) and waits for it to close; fails with its error. */
async function submitDialog(page, testid, button) {
  const dlg = page.locator(`[data-testid="${testid}"]`);
  await dlg.getByRole('button', { name: button, exact: true }).click();
  const err = dlg.locator('[data-testid="form-error"]');
  const end = Date.now() + 60000;
  while (Date.now() < end) {
    if (!(await dlg.count())) return;
    if (await err.count()) fail(`${testid}: ${await err.first().innerText()}`);
    await page.waitForTimeout(200);
  }
  fail(`${testid} did not close`);
}

async function confirm(page, action) {
  const d = page.locator('[data-testid="confirm-dialog"]');
  await d.waitFor();
  await d.getByRole('button', { name: action, exact: true }).click();
  await d.waitFor({ state: 'detached' });
}

async function lastErrorToast(page) {
  const t = page.locator('[data-testid="toast-error"]');
  return (await t.count()) ? t.last().innerText() : '';
}

async function rowMenu(page, row, item) {
  await row.locator('details.rowmenu > summary').click();
  await row.locator('.rowmenu-items').getByRole('menuitem', { name: item, exact: true }).click();
}

async function measureFirstPage(page) {
  const t = Date.now();
  await page.goto(BASE + '/', { waitUntil: 'domcontentloaded' });
  await page.locator('#login-user').waitFor({ state: 'visible' });
  const wall = Date.now() - t;
  const perf = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const m = performance.getEntriesByName('login-page-rendered')[0];
    return { ttfb: n?.responseStart ?? 0, dcl: n?.domContentLoadedEventEnd ?? 0, load: n?.loadEventEnd ?? 0, rendered: m?.startTime ?? 0 };
  });
  log(`metric first page usable: ${Math.round(perf.rendered || wall)} ms (login form rendered; ttfb ${Math.round(perf.ttfb)} ms, DOMContentLoaded ${Math.round(perf.dcl)} ms, load ${Math.round(perf.load)} ms, wall ${wall} ms)`);
  return perf;
}

async function login(page, user, password, project) {
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  if (project) await page.getByLabel(/^Project/).first().fill(project);
  await page.getByRole('button', { name: 'Sign In' }).click();
}

async function main() {
  const browser = await chromium.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  let ok = false;
  try {
    await step('login page renders', async () => {
      await measureFirstPage(page);
      await shot(page, 'login');
    });

    if (ONLY === 'login-page') {
      await step('failed login shows an error', async () => {
        await login(page, 'nobody-' + tag, 'wrong-password', '');
        const err = page.locator('[data-testid="login-error"]');
        await err.waitFor({ timeout: 15000 });
        log(`     login error shown: "${(await err.innerText()).slice(0, 160)}"`);
        await shot(page, 'login-failed');
      });
      ok = true;
      return;
    }

    await step(`log in as ${USER}`, async () => {
      await login(page, USER, PASSWORD, PROJECT);
      const nav = page.locator('nav[aria-label="Main"]');
      const err = page.locator('[data-testid="login-error"]');
      await Promise.race([nav.waitFor(), err.waitFor()]);
      if (await err.count()) fail(`login refused: ${await err.innerText()}`);
      if (await page.locator('nav[aria-label="Main"] a[href^="/admin/"]').count()) fail(`${USER} (no admin role) is shown the Admin panel`);
      await page.locator('[data-testid="overview-page"] .chart').first().waitFor();
      await shot(page, 'overview');
    });

    await step('create a key pair and download NAME.pem once', async () => {
      await go(page, '/project/key_pairs');
      await page.locator('[data-testid="key-pairs-page"]').waitFor();
      await page.getByRole('button', { name: '+ Create Key Pair' }).click();
      await page.locator('#kp-name').fill(names.key);
      await shot(page, 'key-pair-create');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60000 }),
        submitDialog(page, 'create-key-dialog', 'Create Key Pair'),
      ]);
      created.key = true;
      if (download.suggestedFilename() !== `${names.key}.pem`) fail(`download named ${download.suggestedFilename()}, expected ${names.key}.pem`);
      const content = readFileSync(await download.path(), 'utf8');
      if (!/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content)) fail(`${names.key}.pem does not start with a PEM private key header: ${content.slice(0, 40)}`);
      log(`     ${download.suggestedFilename()}: ${content.split('\n')[0]} (${content.length} bytes)`);
      await page.locator(`[data-testid="key-pair-row"][data-name="${names.key}"]`).waitFor();
      await shot(page, 'key-pairs');
    });

    await step('create a security group with a tcp/22 rule', async () => {
      await go(page, '/project/security_groups');
      await page.getByRole('button', { name: '+ Create Security Group' }).click();
      await page.locator('#sg-name').fill(names.group);
      await page.locator('#sg-desc').fill('dashboard e2e');
      await submitDialog(page, 'create-group-dialog', 'Create Security Group');
      created.group = true;
      const row = page.locator(`[data-testid="security-group-row"][data-name="${names.group}"]`);
      await row.waitFor();
      await shot(page, 'security-groups');
      await row.getByRole('link', { name: 'Manage Rules' }).click();
      await page.locator('[data-testid="security-group-rules-page"] [data-testid="rules-table"]').waitFor();
      await page.getByRole('button', { name: '+ Add Rule' }).click();
      await page.locator('#rule-preset').selectOption('ssh');
      await page.locator('#rule-cidr').fill('0.0.0.0/0');
      await shot(page, 'security-group-add-rule');
      await submitDialog(page, 'add-rule-dialog', 'Add');
      await page.locator('[data-testid="rule-row"][data-protocol="tcp"][data-ports="22"][data-direction="ingress"]').waitFor();
      await shot(page, 'security-group-rules');
    });

    await step('Instances page renders', async () => {
      const s = Date.now();
      await go(page, '/project/instances');
      await page.locator('[data-testid="instances-table"] tbody tr').first().waitFor();
      const ms = Date.now() - s;
      const rows = await page.locator('[data-testid="instance-row"]').count();
      log(`metric Instances page render: ${ms} ms (${rows} instances, from the menu click to the table)`);
    });

    await step(`launch ${names.server} from ${IMAGE} with the group and key`, async () => {
      await page.getByTestId('launch-instance').click();
      const dlg = page.locator('[data-testid="launch-dialog"]');
      await dlg.locator('#li-name').fill(names.server);
      await dlg.locator('#li-count').fill('1');
      await shot(page, 'launch-details');
      await dlg.getByRole('button', { name: /^Source/ }).click();
      const img = dlg.locator(`input[data-testid="launch-image"][value="${IMAGE}"]`);
      if (!(await img.count())) fail(`image ${IMAGE} is not in the Launch Instance dialog's list`);
      await img.first().check();
      await shot(page, 'launch-source');
      await dlg.getByRole('button', { name: /^Flavor/ }).click();
      if (FLAVOR) {
        const f = dlg.locator(`input[data-testid="launch-flavor"][value="${FLAVOR}"]`);
        if (!(await f.count())) fail(`flavor ${FLAVOR} is not in the list`);
        await f.check();
      } else {
        const fits = dlg.locator('tr:not(.unfit) input[data-testid="launch-flavor"]');
        if (!(await fits.count())) fail('no flavor fits the image and the quota');
        await fits.first().check();
      }
      await shot(page, 'launch-flavor');
      await dlg.getByRole('button', { name: /^Networks/ }).click();
      const nets = dlg.locator('fieldset input[type=checkbox]');
      if ((await nets.count()) > 0 && !(await dlg.locator('fieldset input[type=checkbox]:checked').count())) await nets.first().check();
      await dlg.getByRole('button', { name: /^Security Groups/ }).click();
      await dlg.locator(`input[data-testid="launch-group"][value="${names.group}"]`).check();
      await shot(page, 'launch-security-groups');
      await dlg.getByRole('button', { name: /^Key Pair/ }).click();
      await dlg.locator('#li-key').selectOption(names.key);
      await shot(page, 'launch-key-pair');
      await dlg.getByTestId('launch-submit').click();
      const end = Date.now() + 60000;
      while (await dlg.count()) {
        const err = dlg.locator('[data-testid="form-error"]');
        if (await err.count()) {
          const problems = await dlg.locator('.field-error').allInnerTexts();
          fail(`launch refused: ${await err.innerText()} ${problems.join('; ')}`);
        }
        if (Date.now() > end) fail('the Launch Instance dialog did not close');
        await page.waitForTimeout(200);
      }
      created.server = true;
    });

    const serverRow = page.locator(`[data-testid="instance-row"][data-name="${names.server}"]`);
    let serverId = '';
    await step(`${names.server} goes ACTIVE live in the Instances table (no reload)`, async () => {
      await serverRow.waitFor();
      serverId = await serverRow.getAttribute('data-id');
      const seen = new Set();
      const end = Date.now() + TIMEOUT;
      for (;;) {
        const st = await serverRow.getAttribute('data-status');
        if (!seen.has(st)) { seen.add(st); log(`     status ${st}`); if (seen.size === 2) await shot(page, 'instances-building'); }
        if (st === 'VM_STATE_ACTIVE') break;
        if (st === 'VM_STATE_ERROR') fail(`instance went to ERROR: ${await serverRow.locator('[data-testid="instance-status"]').innerText()}`);
        if (Date.now() > end) fail(`not ACTIVE after ${TIMEOUT / 1000} s (last ${st})`);
        await page.waitForTimeout(500);
      }
      await shot(page, 'instances-active');
    });

    await step('the Instances page with 1,000 instances', async () => {
      // A render benchmark, not a feature check: ListServers answers 1,000 copies of our real
      // instance (as the service would shape them), every other call stays real.
      const real = await api(page, 'POST', '/api/rpc/compute/ListServers', {});
      const one = real.json?.servers?.find((x) => x.id === serverId);
      if (!one) fail('ListServers did not return our instance');
      const servers = Array.from({ length: 1000 }, (_, i) => ({
        ...one, id: `${serverId.slice(0, 24)}${String(i).padStart(12, '0')}`, name: `bench-${String(i).padStart(4, '0')}`,
      }));
      await go(page, '/project/key_pairs');
      await page.route('**/api/rpc/compute/ListServers', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ servers, next_page_token: '' }) }));
      try {
        await page.evaluate(() => performance.clearMarks());
        const s = Date.now();
        await go(page, '/project/instances');
        await page.locator('[data-testid="instance-row"][data-name="bench-0049"]').waitFor({ state: 'attached', timeout: 30000 });
        const ms = Date.now() - s;
        const count = await page.getByTestId('instances-count').innerText();
        if (!/Displaying 50 of 1000 items/.test(count)) fail(`the first page says "${count}"`);
        // The app marks when the list arrived and when the table with it was drawn.
        const render = await page.evaluate(() => {
          const data = performance.getEntriesByName('instances-data')[0];
          const drawn = performance.getEntriesByName('instances-rendered')[0];
          return data && drawn ? drawn.startTime - data.startTime : -1;
        });
        const rows = await page.locator('[data-testid="instance-row"]').count();
        // Scrolling: frames the browser drew while the table scrolled to the end and back.
        const scroll = await page.evaluate(async () => {
          const frames = [];
          let last = performance.now();
          let running = true;
          const tick = (t) => { frames.push(t - last); last = t; if (running) requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
          for (let y = 0; y <= document.body.scrollHeight; y += 400) { window.scrollTo(0, y); await new Promise((r) => requestAnimationFrame(r)); }
          window.scrollTo(0, 0);
          await new Promise((r) => setTimeout(r, 100));
          running = false;
          frames.sort((a, b) => a - b);
          return { frames: frames.length, p50: frames[Math.floor(frames.length / 2)] || 0, worst: frames[frames.length - 1] || 0 };
        });
        const n = Date.now();
        await page.getByTestId('instances-next').click();
        await page.locator('[data-testid="instance-row"][data-name="bench-0099"]').waitFor({ state: 'attached' });
        const next = Date.now() - n;
        log(`metric Instances page with 1,000 instances (${rows} rows a page): rendered in ${Math.round(render)} ms after the list arrived; ${ms} ms from the menu click to the first page (the 1,000 servers come through Playwright's route); the next page in ${next} ms; scrolling ${scroll.frames} frames, p50 ${scroll.p50.toFixed(1)} ms, worst ${scroll.worst.toFixed(1)} ms`);
      } finally {
        await page.unroute('**/api/rpc/compute/ListServers');
      }
      await go(page, '/project/key_pairs');
    });

    let fip = '';
    await step('allocate a floating IP', async () => {
      await go(page, '/project/floating_ips');
      const rows = page.locator('[data-testid="floating-ip-row"]');
      await page.locator('[data-testid="floating-ips-table"]').waitFor();
      const before = new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-address'))));
      await page.getByRole('button', { name: 'Allocate IP To Project' }).click();
      await submitDialog(page, 'allocate-fip-dialog', 'Allocate IP');
      const end = Date.now() + 30000;
      while (!fip) {
        const now = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-address')));
        fip = now.find((a) => !before.has(a)) || '';
        if (!fip && Date.now() > end) fail('the new floating IP did not appear in the list');
        if (!fip) await page.waitForTimeout(300);
      }
      created.fip = fip;
      log(`     allocated ${fip}`);
      await shot(page, 'floating-ips');
    });

    await step(`associate ${fip} and see it in the Instances table`, async () => {
      await go(page, '/project/instances');
      await serverRow.waitFor();
      await rowMenu(page, serverRow, 'Associate Floating IP');
      const dlg = page.locator('[data-testid="associate-fip-dialog"]');
      await dlg.locator('#fip-port option').first().waitFor({ state: 'attached' });
      await dlg.locator('#fip-address').selectOption({ label: fip });
      await shot(page, 'associate-floating-ip');
      await submitDialog(page, 'associate-fip-dialog', 'Associate');
      await serverRow.locator('[data-testid="instance-floating"]', { hasText: fip }).waitFor({ timeout: 60000 });
      await shot(page, 'instances-floating-ip');
    });

    await step('instance detail shows the console log', async () => {
      await serverRow.getByRole('link', { name: names.server }).click();
      await page.locator('[data-testid="instance-detail"] [data-testid="detail-status"]').waitFor();
      await shot(page, 'instance-detail');
      await page.getByTestId('tab-console').click();
      const pre = page.getByTestId('console-log');
      const end = Date.now() + TIMEOUT;
      let text = '';
      for (;;) {
        text = (await pre.innerText().catch(() => '')).trim();
        if (text && text !== 'Loading…' && !text.startsWith('(the console log is empty')) break;
        if (Date.now() > end) fail('the console log stayed empty');
        await page.waitForTimeout(1000);
      }
      log(`     console: ${text.split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 100)} (${text.length} chars)`);
      await shot(page, 'instance-console-log');
      await page.getByTestId('tab-actions').click();
      await page.getByTestId('action-log').waitFor();
      await shot(page, 'instance-action-log');
    });

    await step('the interactive console answers typed Enter with the login prompt', async () => {
      await page.getByTestId('tab-serial').click();
      await page.locator('[data-testid="serial-state"][data-state="connected"]').waitFor({ timeout: 60000 });
      const rows = page.locator('[data-testid="serial-console"] .xterm-rows');
      await rows.waitFor();
      await page.locator('[data-testid="serial-console"]').click();
      const end = Date.now() + 60000;
      let text = '';
      for (let tries = 0; ; tries++) {
        if (tries % 10 === 0) await page.keyboard.press('Enter');  // getty answers with its prompt
        text = await rows.innerText();
        if (text.includes(`${names.server} login:`)) break;
        if (Date.now() > end) fail(`no login prompt on the console: ${text.slice(-300)}`);
        await page.waitForTimeout(300);
      }
      log(`     console: ${text.split('\n').filter((l) => l.trim()).slice(-1)[0]?.trim()}`);
      await shot(page, 'instance-serial-console');
    });

    await step('cross-tenant: GetServer of another project answers 404', async () => {
      const ids = [randomUUID(), ...(env.STRATUS_FOREIGN_SERVER_ID ? [env.STRATUS_FOREIGN_SERVER_ID] : [])];
      for (const id of ids) {
        const r = await api(page, 'POST', '/api/rpc/compute/GetServer', { server: id });
        if (r.status !== 404) fail(`GetServer ${id} answered ${r.status} ${r.text}, expected 404`);
        if (r.json?.error?.code !== 'NOT_FOUND') fail(`GetServer ${id}: error code ${r.json?.error?.code}, expected NOT_FOUND`);
      }
      const own = await api(page, 'POST', '/api/rpc/compute/GetServer', { server: serverId });
      if (own.status !== 200 || own.json?.id !== serverId) fail(`GetServer of our own instance answered ${own.status}`);
      const nocsrf = await page.evaluate(async () => (await fetch('/api/rpc/compute/ListServers', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
      if (nocsrf < 400) fail(`an rpc without X-CSRF-Token answered ${nocsrf}`);
      log(`     foreign id -> 404 NOT_FOUND; own id -> 200; no CSRF token -> ${nocsrf}`);
    });

    let volumeId = '';
    const volRow = page.locator(`[data-testid="volume-row"][data-name="${names.volume}"]`);
    await step('create a 1 GiB volume', async () => {
      await go(page, '/project/volumes');
      await page.getByRole('button', { name: '+ Create Volume' }).click();
      await page.locator('#vol-name').fill(names.volume);
      await page.locator('#vol-size').fill('1');
      await shot(page, 'volume-create');
      await submitDialog(page, 'create-volume-dialog', 'Create Volume');
      created.volume = true;
      await volRow.waitFor();
      volumeId = await volRow.getAttribute('data-id');
      await page.locator(`[data-testid="volume-row"][data-name="${names.volume}"][data-status="VOLUME_STATUS_AVAILABLE"]`).waitFor({ timeout: TIMEOUT });
      await shot(page, 'volumes');
    });

    await step('attach it and see it in the instance detail', async () => {
      await rowMenu(page, volRow, 'Manage Attachments');
      await page.locator('#att-server').selectOption({ label: names.server });
      await submitDialog(page, 'volume-attach-dialog', 'Attach Volume');
      await page.locator(`[data-testid="volume-row"][data-name="${names.volume}"][data-status="VOLUME_STATUS_IN_USE"]`).waitFor({ timeout: TIMEOUT });
      await shot(page, 'volumes-in-use');
      await page.goto(`${BASE}/project/instances/${serverId}`);
      const r = page.locator(`[data-testid="detail-volume-row"][data-volume-id="${volumeId}"]`);
      await r.waitFor({ timeout: 60000 });
      await r.getByText('Attached', { exact: true }).waitFor({ timeout: TIMEOUT });
      log(`     attached as ${(await r.locator('td').nth(1).innerText()) || '?'}`);
      await shot(page, 'instance-detail-volume');
    });

    await step('detach it', async () => {
      const r = page.locator(`[data-testid="detail-volume-row"][data-volume-id="${volumeId}"]`);
      await r.getByRole('button', { name: 'Detach' }).click();
      await r.waitFor({ state: 'detached', timeout: TIMEOUT });
      await go(page, '/project/volumes');
      await page.locator(`[data-testid="volume-row"][data-name="${names.volume}"][data-status="VOLUME_STATUS_AVAILABLE"]`).waitFor({ timeout: TIMEOUT });
    });

    await step('visit the other pages', async () => {
      for (const [p, testid, name] of [
        ['/project/snapshots', 'snapshots-page', 'volume-snapshots'], ['/project/images', 'images-page', 'images'],
        ['/project/networks', 'networks-page', 'networks'], ['/project/api_access', 'api-access-page', 'api-access'],
        ['/project/', 'overview-page', 'overview-usage'],
      ]) {
        await go(page, p);
        await page.getByTestId(testid).waitFor();
        await page.locator(`[data-testid="${testid}"] [aria-busy="true"]`).waitFor({ state: 'detached' }).catch(() => {});
        const err = page.locator(`[data-testid="${testid}"] .form-error`);
        if (await err.count()) fail(`${p}: ${await err.first().innerText()}`);
        await shot(page, name);
      }
    });

    await step(`the Network Topology shows ${names.server} on its network with its floating IP`, async () => {
      await go(page, '/project/networks');
      await page.getByTestId('networks-tab-topology').click();
      const box = page.locator(`[data-testid="topology-instance"][data-name="${names.server}"]`);
      await box.waitFor({ timeout: 30000 });
      const text = await box.textContent();
      if (!text.includes(fip)) fail(`the topology box of ${names.server} says "${text}", without ${fip}`);
      const nets = await page.locator('[data-testid="topology-network"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
      log(`     networks drawn: ${nets.join(', ')}; ${names.server}: ${text.replace(/\s+/g, ' ').trim().slice(0, 120)}`);
      await shot(page, 'network-topology');
    });

    await step('the OpenRC file and the cloudctl profile from API Access log cloudctl in', async () => {
      const cloudctl = env.STRATUS_CLOUDCTL || '';
      if (!cloudctl) { log('     skipped: STRATUS_CLOUDCTL is not set'); return; }
      await go(page, '/project/api_access');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30000 }),
        page.getByRole('button', { name: 'Download OpenRC File' }).click(),
      ]);
      const rc = await download.path();
      // As a user would: source it (it asks for the password on stdin), then run cloudctl.
      const out = execFileSync('bash', ['-c', 'source "$1" && "$2" whoami', 'openrc', rc, cloudctl], {
        input: PASSWORD + '\n', encoding: 'utf8', env: { PATH: env.PATH, HOME: '/nonexistent' },
      });
      if (!out.includes(USER)) fail(`cloudctl whoami after sourcing ${download.suggestedFilename()} printed: ${out.slice(0, 300)}`);
      log(`     ${download.suggestedFilename()} + cloudctl whoami: ${out.split('\n').filter(Boolean).slice(-1)[0]?.slice(0, 100)}`);
      // The profile download, as ~/.config/cloudctl/config of a fresh home: log in with it.
      const [profile] = await Promise.all([
        page.waitForEvent('download', { timeout: 30000 }),
        page.getByRole('button', { name: 'Download cloudctl Profile' }).click(),
      ]);
      const home = mkdtempSync(path.join(tmpdir(), 'cloudctl-'));
      try {
        mkdirSync(path.join(home, '.config', 'cloudctl'), { recursive: true });
        writeFileSync(path.join(home, '.config', 'cloudctl', 'config'), readFileSync(await profile.path(), 'utf8'));
        const section = /^\[([^\]]+)\]$/m.exec(readFileSync(await profile.path(), 'utf8'))?.[1] || '';
        const who = execFileSync(cloudctl, ['--profile', section, 'whoami'], {
          encoding: 'utf8', env: { PATH: env.PATH, HOME: home, CLOUD_PASSWORD: PASSWORD },
        });
        if (!who.includes(USER)) fail(`cloudctl --profile ${section} whoami with ${profile.suggestedFilename()} printed: ${who.slice(0, 300)}`);
        log(`     ${profile.suggestedFilename()} as ~/.config/cloudctl/config + cloudctl --profile ${section} whoami: ok`);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });

    await step('the EC2 credentials from API Access work with Debian\'s aws CLI', async () => {
      const aws = '/usr/bin/aws';
      if (!existsSync(aws)) { log('     skipped: /usr/bin/aws is not installed'); return; }
      await go(page, '/project/api_access');
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 30000 }),
        page.getByRole('button', { name: 'Download EC2 Credentials' }).click(),
      ]);
      const rc = await download.path();
      const keyId = /access key ([A-Za-z0-9]+)\)/.exec(readFileSync(rc, 'utf8'))?.[1] || '';
      const home = mkdtempSync(path.join(tmpdir(), 'ec2rc-'));
      try {
        const out = execFileSync('bash', ['-c', 'source "$1" && aws --endpoint-url "$EC2_URL" ec2 describe-instances --output json', 'ec2rc', rc], {
          encoding: 'utf8', env: { PATH: env.PATH, HOME: home },
        });
        const listed = JSON.parse(out).Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId));
        if (!listed.length) fail(`aws ec2 describe-instances with ${download.suggestedFilename()} listed no instance: ${out.slice(0, 300)}`);
        log(`     ${download.suggestedFilename()} + aws ec2 describe-instances: ${listed.join(' ')}`);
      } finally {
        rmSync(home, { recursive: true, force: true });
        if (keyId) await api(page, 'POST', '/api/rpc/identity/DeleteAccessKey', { access_key_id: keyId });
      }
    });

    await step('delete the instance', async () => {
      await go(page, '/project/instances');
      await serverRow.waitFor();
      await rowMenu(page, serverRow, 'Delete Instance');
      await confirm(page, 'Delete Instance');
      await serverRow.waitFor({ state: 'detached', timeout: TIMEOUT });
      created.server = false;
      await shot(page, 'instances-deleted');
    });

    await step('delete the volume', async () => {
      await go(page, '/project/volumes');
      await volRow.waitFor();
      await rowMenu(page, volRow, 'Delete Volume');
      await confirm(page, 'Delete Volume');
      await volRow.waitFor({ state: 'detached', timeout: 60000 });
      created.volume = false;
    });

    await step(`release ${fip}`, async () => {
      await go(page, '/project/floating_ips');
      const row = page.locator(`[data-testid="floating-ip-row"][data-address="${fip}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: `Release floating IP ${fip}` }).click();
      await confirm(page, 'Release Floating IP');
      await row.waitFor({ state: 'detached', timeout: 30000 });
      created.fip = '';
    });

    await step('delete the security group', async () => {
      // The instance's ports go away asynchronously; the group is in use until then.
      const end = Date.now() + 120000;
      for (;;) {
        await go(page, '/project/security_groups');
        const row = page.locator(`[data-testid="security-group-row"][data-name="${names.group}"]`);
        await row.waitFor();
        await row.getByRole('button', { name: `Delete security group ${names.group}` }).click();
        await confirm(page, 'Delete Security Group');
        try { await row.waitFor({ state: 'detached', timeout: 5000 }); break; } catch {
          const msg = await lastErrorToast(page);
          if (Date.now() > end) fail(`the group is still there: ${msg}`);
          log(`     not yet: ${msg}`);
          await page.waitForTimeout(3000);
        }
      }
      created.group = false;
    });

    await step('delete the key pair', async () => {
      await go(page, '/project/key_pairs');
      const row = page.locator(`[data-testid="key-pair-row"][data-name="${names.key}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: `Delete key pair ${names.key}` }).click();
      await confirm(page, 'Delete Key Pair');
      await row.waitFor({ state: 'detached', timeout: 30000 });
      created.key = false;
      await shot(page, 'key-pairs-after');
    });

    await step('everything is gone', async () => {
      const s = (await api(page, 'POST', '/api/rpc/compute/ListServers', { name: names.server })).json?.servers ?? [];
      const live = s.filter((x) => x.vm_state !== 'VM_STATE_DELETED');
      if (live.length) fail(`instance still listed: ${live.map((x) => x.vm_state).join(',')}`);
      const v = (await api(page, 'POST', '/api/rpc/block-storage/ListVolumes', {})).json?.volumes ?? [];
      if (v.some((x) => x.name === names.volume)) fail('volume still listed');
      const f = (await api(page, 'POST', '/api/rpc/network/ListFloatingIps', {})).json?.floating_ips ?? [];
      if (f.some((x) => x.floating_ip_address === fip)) fail('floating IP still listed');
      const g = (await api(page, 'POST', '/api/rpc/network/ListSecurityGroups', {})).json?.security_groups ?? [];
      if (g.some((x) => x.name === names.group)) fail('security group still listed');
      const k = (await api(page, 'POST', '/api/rpc/compute/ListKeyPairs', {})).json?.key_pairs ?? [];
      if (k.some((x) => x.name === names.key)) fail('key pair still listed');
    });

    await step('log out; /api/session answers 401', async () => {
      await page.getByTestId('logout').click();
      await page.locator('[data-testid="login-page"]').waitFor();
      await shot(page, 'logged-out');
      const r = await api(page, 'GET', '/api/session');
      if (r.status !== 401) fail(`GET /api/session after logout answered ${r.status}`);
    });

    if (env.STRATUS_DASHBOARD_ADMIN_PASSWORD) {
      await step('an admin sees the Admin panel: hypervisors up, services, every instance, flavors', async () => {
        await login(page, env.STRATUS_DASHBOARD_ADMIN_USER || 'admin', env.STRATUS_DASHBOARD_ADMIN_PASSWORD, env.STRATUS_DASHBOARD_ADMIN_PROJECT || 'admin');
        const admin = page.locator('nav[aria-label="Main"] a[href="/admin/hypervisors"]');
        await admin.waitFor();
        await go(page, '/admin/hypervisors');
        const up = page.locator('[data-testid="hypervisor-row"][data-status="HOST_STATUS_UP"]');
        await up.first().waitFor();
        const hosts = await up.evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
        await shot(page, 'admin-hypervisors');
        await go(page, '/admin/services');
        await page.locator('[data-testid="service-row"]').first().waitFor();
        await go(page, '/admin/instances');
        await page.locator('[data-testid="admin-instances-table"]').waitFor();
        await go(page, '/admin/flavors');
        await page.locator(`[data-testid="flavor-row"][data-name="${FLAVOR || 'm1.tiny'}"]`).waitFor();
        await shot(page, 'admin-flavors');
        // Quotas: demo's server-group limit changed and put back, read through compute itself.
        await go(page, '/admin/quotas');
        const demoId = await page.locator('[data-testid="quota-project"] option', { hasText: PROJECT || USER }).first().getAttribute('value');
        await page.getByTestId('quota-project').selectOption(demoId);
        const card = page.getByTestId('quota-card-compute');
        const field = card.locator('#q-compute-server_groups');
        await field.waitFor();
        const before = await field.inputValue();
        const setLimit = async (v) => {
          await field.fill(v);
          await card.getByRole('button', { name: 'Save' }).click();
          const end = Date.now() + 15000;
          for (;;) {
            const q = await api(page, 'POST', '/api/rpc/compute/GetQuota', { project: demoId });
            if (String(q.json?.limits?.server_groups) === v) return;
            if (Date.now() > end) fail(`demo's server_groups quota is ${q.json?.limits?.server_groups} after saving ${v}`);
            await page.waitForTimeout(300);
          }
        };
        await setLimit(String(Number(before) + 7));
        await shot(page, 'admin-quotas');
        await setLimit(before);
        log(`     hypervisors up: ${hosts.join(', ')}; demo's server_groups quota ${before} -> ${Number(before) + 7} -> ${before}`);
        await page.getByTestId('logout').click();
        await page.locator('[data-testid="login-page"]').waitFor();
      });
    }

    if (consoleErrors.length) log(`note: page errors: ${consoleErrors.slice(0, 5).join(' | ')}`);
    ok = true;
  } catch (e) {
    await shot(page, 'failure');
    if (!(e instanceof JourneyError)) console.error(e);
    await cleanup(page).catch((x) => log(`cleanup failed: ${x?.message ?? x}`));
  } finally {
    await browser.close();
    log(ok ? `PASS (screenshots in ${SHOTS})` : 'FAILED');
    process.exitCode = ok ? 0 : 1;
  }
}

/** Best effort, through the JSON API: what the journey made and did not delete. */
async function cleanup(page) {
  if (!Object.values(created).some(Boolean)) return;
  log('cleaning up what the journey created');
  const call = (svc, m, body) => api(page, 'POST', `/api/rpc/${svc}/${m}`, body).catch(() => ({}));
  if (created.server) {
    await call('compute', 'DeleteServer', { server: names.server });
    for (let i = 0; i < 60; i++) {
      const r = await call('compute', 'GetServer', { server: names.server });
      if (r.status === 404 || r.json?.vm_state === 'VM_STATE_DELETED') break;
      await page.waitForTimeout(2000);
    }
  }
  if (created.volume) {
    for (let i = 0; i < 30; i++) {
      const r = await call('block-storage', 'DeleteVolume', { volume: names.volume });
      if (r.status === 200 || r.status === 404) break;
      await page.waitForTimeout(2000);
    }
  }
  if (created.fip) await call('network', 'DeleteFloatingIp', { floating_ip: created.fip });
  if (created.group) {
    for (let i = 0; i < 30; i++) {
      const r = await call('network', 'DeleteSecurityGroup', { security_group: names.group });
      if (r.status === 200 || r.status === 404) break;
      await page.waitForTimeout(2000);
    }
  }
  if (created.key) await call('compute', 'DeleteKeyPair', { key_name: names.key });
}

main();
