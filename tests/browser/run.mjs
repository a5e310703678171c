// Browser checks of ecoute in headless Chromium: each space's home page, branding, the
// unknown-host 404 page, the language switch, and an axe-core audit (WCAG 2.1 A/AA) of each.
//
//   node run.mjs                    (or: bash run.sh, which also installs and builds)
//
// Environment:
//   ECOUTE_BIN      the ecoute binary to start; unset: `cargo run --quiet --bin ecoute --`
//                   (CARGO_TARGET_DIR is honoured by cargo itself)
//   CHROMIUM_PATH   default /usr/bin/chromium (the Debian package)
//   STARTUP_TIMEOUT seconds to wait for /healthz (default 300: `cargo run` may compile first)
//   ONLY            run only the checks whose name contains this text
//
// The server is started with `demo --listen 127.0.0.1:<free port>` from the repository root and
// stopped with SIGTERM at the end, whatever happens. Screenshots and the server log go to
// tests/browser/screenshots/ (git-ignored).

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const shotsDir = join(here, 'screenshots');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const STARTUP_TIMEOUT_MS = Number(process.env.STARTUP_TIMEOUT || 300) * 1000;
const TEST_TIMEOUT_MS = 60_000;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// The spaces of `ecoute demo`, from tenants/*.toml.
const SPACES = [
  { slug: 'national', host: 'localhost', name: 'Cnaf – Espace national' },
  { slug: 'gironde', host: 'gironde.localhost', name: 'Caf de la Gironde' },
  { slug: 'haute-garonne', host: 'haute-garonne.localhost', name: 'Caf de la Haute-Garonne' },
  { slug: 'aude', host: 'aude.localhost', name: 'Caf de l’Aude' },
];

// ---------------------------------------------------------------------------------------------
// The server

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let server = null; // { child, exited: Promise, log: string[] }

async function startServer(port) {
  mkdirSync(shotsDir, { recursive: true });
  const listen = ['demo', '--listen', `127.0.0.1:${port}`];
  const [cmd, args] = process.env.ECOUTE_BIN
    ? [process.env.ECOUTE_BIN, listen]
    : ['cargo', ['run', '--quiet', '--bin', 'ecoute', '--', ...listen]];
  console.log(`# starting: ${cmd} ${args.join(' ')}  (cwd ${repoRoot})`);
  const logFile = createWriteStream(join(shotsDir, 'server.log'));
  // Own process group, so that SIGTERM reaches the server even behind `cargo run`.
  // (The embedded PostgreSQL and its watchdog run in their own groups and are not touched.)
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  const log = [];
  const keep = (chunk) => {
    logFile.write(chunk);
    for (const line of chunk.toString().split('\n')) if (line) log.push(line);
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((r) => {
    child.on('exit', (code, signal) => {
      logFile.end();
      r({ code, signal });
    });
    // Could not start at all (e.g. no such file): there will be no 'exit' event.
    child.on('error', (e) => {
      log.push(`cannot start ${cmd}: ${e.message}`);
      logFile.end();
      r({ error: e.message });
    });
  });
  server = { child, exited, log, done: false };
  exited.then(() => (server.done = true));

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.done) break;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(300);
  }
  const why = server.done ? `exited (${JSON.stringify(await server.exited)})` : 'did not answer /healthz in time';
  throw new Error(`ecoute ${why}; last log lines:\n${log.slice(-40).join('\n')}`);
}

function signalServer(signal) {
  if (!server || server.done) return;
  try {
    process.kill(-server.child.pid, signal);
  } catch {
    try {
      server.child.kill(signal);
    } catch {
      /* gone */
    }
  }
}

async function stopServer() {
  if (!server || server.done) return;
  signalServer('SIGTERM');
  const result = await Promise.race([server.exited, sleep(20_000).then(() => null)]);
  if (!result) {
    console.log('# ecoute did not stop within 20 s of SIGTERM; sending SIGKILL');
    signalServer('SIGKILL');
    await server.exited;
  }
}

// Backstops: never leave the server behind.
process.on('exit', () => signalServer('SIGTERM'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    console.log(`# ${sig}: stopping ecoute`);
    await stopServer();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

let browser = null;
let base = null; // (host) => URL

async function newContext(options = {}) {
  return browser.newContext({
    locale: 'fr-FR', // Accept-Language: fr-FR (Chromium's default would be English)
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

/// Opens a page that records console errors, page errors, failed requests and CSP reports.
async function openPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    // "Failed to load resource" duplicates the response check below, which knows the document's
    // own status may be an error on purpose.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      page.problems.push(`console error: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on('response', (r) => {
    // The main document may legitimately be an error page; its sub-resources may not fail.
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      page.problems.push(`HTTP ${r.status()} for ${r.url()}`);
    }
  });
  return page;
}

function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], `the page reported problems:\n  ${page.problems.join('\n  ')}`);
}

/// Runs axe-core in the page and fails with a readable list of violations.
/// axe is evaluated through the DevTools protocol, which the page's CSP (`script-src 'self'`)
/// does not govern, so the CSP stays enforced and its violations are still caught above.
async function assertAccessible(page, label) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) await page.evaluate(axeSource);
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] }),
    AXE_TAGS,
  );
  assert.ok(results.passes.length > 0, 'axe ran no rule at all');
  const violations = results.violations;
  if (violations.length) {
    const lines = [];
    for (const v of violations) {
      lines.push(`[${v.impact}] ${v.id}: ${v.help}  (${v.helpUrl})`);
      for (const node of v.nodes) {
        lines.push(`    element: ${node.target.join(' ')}`);
        lines.push(`    html:    ${node.html.replace(/\s+/g, ' ').slice(0, 300)}`);
        lines.push(`    why:     ${node.failureSummary.replace(/\s*\n\s*/g, ' / ')}`);
      }
    }
    assert.fail(`axe found ${violations.length} violation(s) on ${label}:\n${lines.join('\n')}`);
  }
  return results;
}

/// Clicks a link and waits until the document it leads to (after redirects) has loaded.
/// Returns that document's response. (`waitForURL` would not do: it resolves at once when the
/// page is already at that URL, as it is when the link redirects back to the same page.)
async function followLink(page, link) {
  const main = page.mainFrame();
  const response = page.waitForResponse(
    (r) => r.frame() === main && r.request().isNavigationRequest() && !(r.status() >= 300 && r.status() < 400),
  );
  const committed = page.waitForEvent('framenavigated', { predicate: (f) => f === main });
  await link.click();
  const [final] = await Promise.all([response, committed]);
  await page.waitForLoadState('load');
  return final;
}

async function screenshot(page, name) {
  const path = join(shotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/// The primary colour declared in tenants/<slug>.toml, as the `rgb(r, g, b)` a browser computes.
function declaredPrimary(slug) {
  const file = readFileSync(join(repoRoot, 'tenants', `${slug}.toml`), 'utf8');
  const m = file.match(/^\s*primary_color\s*=\s*"#([0-9a-fA-F]{6})"/m);
  assert.ok(m, `no primary_color in tenants/${slug}.toml`);
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

// ---------------------------------------------------------------------------------------------
// The checks

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
// A known bug of the app: runs and reports, but does not fail the suite. Make it a `test` once fixed.
test.todo = (name, fn) => tests.push({ name, fn, todo: true });

for (const space of SPACES) {
  test(`home page of ${space.slug}: title, branding, no errors, screenshot, axe`, async () => {
    const context = await newContext();
    try {
      const page = await openPage(context);
      const response = await page.goto(base(space.host), { waitUntil: 'load' });
      assert.equal(response.status(), 200, `GET ${base(space.host)}`);
      assert.equal(await page.getAttribute('html', 'lang'), 'fr');
      const h1 = page.locator('h1');
      assert.equal(await h1.count(), 1, 'exactly one h1');
      assert.equal((await h1.innerText()).trim(), space.name);
      assert.match(await page.title(), new RegExp(space.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      // The hero is painted with the space's colour from /branding.css.
      const hero = await page.locator('.hero').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(hero, declaredPrimary(space.slug), `.hero background of ${space.slug}`);
      await screenshot(page, `home-${space.slug}`);
      assertNoProblems(page);
      await assertAccessible(page, `${space.host} /`);
      // A narrow (phone) rendering too, for the visual review; no assertion beyond axe.
      await page.setViewportSize({ width: 375, height: 740 });
      await screenshot(page, `home-${space.slug}-mobile`);
      await assertAccessible(page, `${space.host} / at 375 px`);
    } finally {
      await context.close();
    }
  });
}

test('branding: gironde and aude headers have different colours', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const heroColour = async (host) => {
      await page.goto(base(host), { waitUntil: 'load' });
      return page.locator('.hero').evaluate((el) => getComputedStyle(el).backgroundColor);
    };
    const gironde = await heroColour('gironde.localhost');
    const aude = await heroColour('aude.localhost');
    assert.equal(gironde, 'rgb(106, 27, 77)'); // #6a1b4d
    assert.equal(aude, 'rgb(27, 94, 32)'); // #1b5e20
    assert.notEqual(gironde, aude);
    assertNoProblems(page);
  } finally {
    await context.close();
  }
});

test('unknown host: French 404 page naming no space, axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const url = base('inconnu.localhost');
    const response = await page.goto(url, { waitUntil: 'load' });
    assert.equal(response.status(), 404, `GET ${url}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Espace introuvable');
    const text = await page.locator('body').innerText();
    assert.match(text, /Aucun espace de participation ne correspond à cette adresse/);
    for (const space of SPACES) assert.ok(!text.includes(space.name), `the 404 page names ${space.name}`);
    assert.equal(await page.locator('link[href^="/branding.css"]').count(), 0, 'no branding on an unknown host');
    await screenshot(page, 'unknown-host-404');
    assertNoProblems(page);
    await assertAccessible(page, 'inconnu.localhost /');
  } finally {
    await context.close();
  }
});

test('language switch: the "English" link works without JavaScript, then back to French', async () => {
  // JavaScript disabled in the page: the switch must be a plain link + redirect + cookie.
  const context = await newContext({ javaScriptEnabled: false });
  try {
    const page = await openPage(context);
    const home = base('gironde.localhost');
    await page.goto(home, { waitUntil: 'load' });
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    const english = page.getByRole('link', { name: 'English', exact: true });
    assert.equal(await english.getAttribute('lang'), 'en');
    const response = await followLink(page, english);
    assert.equal(response.status(), 200);
    assert.equal(page.url(), home, 'the switch goes back to the page it came from');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Caf de la Gironde');
    assert.match(await page.locator('.tagline').innerText(), /Have your say/);
    const cookies = await context.cookies(home);
    assert.ok(cookies.some((c) => c.name === 'lang' && c.value === 'en'), 'lang=en cookie set');
    await screenshot(page, 'home-gironde-en');
    assertNoProblems(page);

    // The choice sticks on a later visit, and the French link brings French back.
    await page.goto(home, { waitUntil: 'load' });
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const french = page.getByRole('link', { name: 'Français', exact: true });
    assert.equal(await french.getAttribute('lang'), 'fr');
    await followLink(page, french);
    assert.equal(page.url(), home);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assertNoProblems(page);
  } finally {
    await context.close();
  }
});

test('language switch on an unknown host: "English" gives the English 404 page', async () => {
  const context = await newContext({ javaScriptEnabled: false });
  try {
    const page = await openPage(context);
    const url = base('inconnu.localhost');
    await page.goto(url, { waitUntil: 'load' });
    const response = await followLink(page, page.getByRole('link', { name: 'English', exact: true }));
    assert.equal(page.url(), url, `the switch should go back to ${url}; got HTTP ${response.status()} at ${page.url()}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.equal((await page.locator('h1').innerText()).trim(), 'Space not found');
  } finally {
    await context.close();
  }
});

test('English pages pass axe too (home and unknown-host 404)', async () => {
  const context = await newContext({ locale: 'en-GB' });
  try {
    const page = await openPage(context);
    await page.goto(base('aude.localhost'), { waitUntil: 'load' });
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await assertAccessible(page, 'aude.localhost / in English');
    const response = await page.goto(base('inconnu.localhost'), { waitUntil: 'load' });
    assert.equal(response.status(), 404);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await screenshot(page, 'unknown-host-404-en');
    assertNoProblems(page);
    await assertAccessible(page, 'inconnu.localhost / in English');
  } finally {
    await context.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Runner: sequential, each check with a time limit, a summary line at the end.

function withTimeout(promise, ms, name) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`timed out after ${ms / 1000} s: ${name}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  const only = process.env.ONLY;
  const selected = only ? tests.filter((t) => t.name.includes(only)) : tests;
  let passed = 0;
  let failed = 0;
  let todo = 0;
  try {
    const port = await freePort();
    await startServer(port);
    base = (host) => `http://${host}:${port}/`;
    console.log(`# ecoute answers on 127.0.0.1:${port}`);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    console.log(`# chromium ${browser.version()} (${CHROMIUM_PATH}), axe-core ${require('axe-core/package.json').version}`);

    for (const t of selected) {
      const started = Date.now();
      const ms = () => `(${Date.now() - started} ms)`;
      try {
        await withTimeout(t.fn(), TEST_TIMEOUT_MS, t.name);
        if (t.todo) {
          todo++;
          console.log(`TODO ${t.name}  ${ms()}\n     now passes: make it a regular test`);
        } else {
          passed++;
          console.log(`ok   ${t.name}  ${ms()}`);
        }
      } catch (e) {
        const message = String(e?.message ?? e).replace(/^/gm, '     ');
        if (t.todo) {
          todo++;
          console.log(`TODO ${t.name}  ${ms()}  (known bug, not counted)\n${message}`);
        } else {
          failed++;
          console.log(`FAIL ${t.name}  ${ms()}\n${message}`);
        }
      }
    }
  } catch (e) {
    // Set-up failed: every selected check counts as failed.
    console.log(`FAIL set-up: ${e?.stack ?? e}`);
    failed = selected.filter((t) => !t.todo).length - passed;
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer();
  }
  console.log(`# screenshots and server log: ${shotsDir}`);
  console.log(`${passed} passed, ${failed} failed${todo ? `, ${todo} known bug(s) reported as TODO` : ''}`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

await main();
