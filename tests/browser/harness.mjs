// The harness of the browser checks: the demo server, Chromium, the check registry, the helpers
// the checks share (axe, links, sign-in, mailed links) and the sequential runner. The checks
// themselves live in checks/*.mjs; run.mjs imports them in order and runs them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

import { freePort, sleep, server, startServer, stopServer, repoRoot, shotsDir } from './server.mjs';
import { startProviders, stopProviders } from './providers.mjs';

export { here, repoRoot, shotsDir, server, sleep } from './server.mjs';

export const require = createRequire(import.meta.url);
export const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const TEST_TIMEOUT_MS = 60_000;
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// The spaces of `ecoute demo`, from tenants/*.toml.
export const SPACES = [
  { slug: 'national', host: 'localhost', name: 'Cnaf – Espace national' },
  { slug: 'gironde', host: 'gironde.localhost', name: 'Caf de la Gironde' },
  { slug: 'haute-garonne', host: 'haute-garonne.localhost', name: 'Caf de la Haute-Garonne' },
  { slug: 'aude', host: 'aude.localhost', name: 'Caf de l’Aude' },
];

// ---------------------------------------------------------------------------------------------
// Browser helpers

export let browser = null;
export let base = null; // (host) => URL

export async function newContext(options = {}) {
  return browser.newContext({
    locale: 'fr-FR', // Accept-Language: fr-FR (Chromium's default would be English)
    viewport: { width: 1280, height: 800 },
    ...options,
  });
}

/// Opens a page that records console errors, page errors, failed requests and CSP reports.
export async function openPage(context) {
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

export function assertNoProblems(page) {
  assert.deepEqual(page.problems, [], `the page reported problems:\n  ${page.problems.join('\n  ')}`);
}

/// Runs axe-core in the page and fails with a readable list of violations.
/// axe is evaluated through the DevTools protocol, which the page's CSP (`script-src 'self'`)
/// does not govern, so the CSP stays enforced and its violations are still caught above.
export async function assertAccessible(page, label) {
  // Every `pattern` attribute must compile as browsers compile it (`^(?:…)$` with the `v`
  // flag); one that does not is ignored, so the field silently checks nothing.
  const badPatterns = await page.evaluate(() =>
    [...document.querySelectorAll('[pattern]')]
      .map((el) => el.getAttribute('pattern'))
      .filter((p) => {
        try {
          new RegExp(`^(?:${p})$`, 'v');
          return false;
        } catch {
          return true;
        }
      }),
  );
  assert.deepEqual(badPatterns, [], `invalid pattern attributes on ${label}`);
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
  await assertReflows(page, label);
  return results;
}

/// The widths at which every page must reflow without scrolling sideways (RGAA 10.11, WCAG
/// 1.4.10): 640 px is a 1280 px window at 200 % zoom, 390 px a phone, 320 px the criterion's
/// own width (1280 px at 400 %).
export const REFLOW_WIDTHS = [640, 390, 320];

/// Checks that the page, at each of [`REFLOW_WIDTHS`], is no wider than the window, then puts
/// the viewport back. Wide tables may scroll inside their own box; the page itself may not.
/// Called by `assertAccessible`, so every page a check audits is also checked here.
export async function assertReflows(page, label) {
  const original = page.viewportSize();
  try {
    for (const width of REFLOW_WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const report = await page.evaluate(() => {
        const inner = window.innerWidth;
        const scroll = document.scrollingElement.scrollWidth;
        if (scroll <= inner) return null;
        // The deepest elements that stick out of the window, leaving out those clipped by an
        // ancestor that scrolls or hides its overflow (a wide table in its box), to say what to fix.
        const clipped = (el) => {
          for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const style = getComputedStyle(a);
            if (style.overflowX !== 'visible' && a.getBoundingClientRect().right <= inner + 0.5) return true;
          }
          return false;
        };
        const out = (el) => el.getBoundingClientRect().right > inner + 0.5 && !clipped(el);
        const culprits = [...document.body.querySelectorAll('*')]
          .filter(out)
          .filter((el) => ![...el.children].some(out))
          .slice(0, 6)
          .map((el) => {
            const r = el.getBoundingClientRect();
            const cls = el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
            return `${el.tagName.toLowerCase()}${cls} right=${Math.round(r.right)} "${(el.textContent || '').trim().slice(0, 40)}"`;
          });
        // None found: boxes whose content overflows them visibly (a margin, a pseudo-element).
        if (!culprits.length) {
          for (const el of document.body.querySelectorAll('*')) {
            if (culprits.length < 6 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible' && !clipped(el)) {
              culprits.push(`${el.tagName.toLowerCase()}.${el.className} overflows its box: ${el.scrollWidth} > ${el.clientWidth}`);
            }
          }
        }
        return { inner, scroll, culprits };
      });
      if (report) {
        assert.fail(
          `${label} scrolls sideways at ${width} px: ${report.scroll} > ${report.inner}\n    ${report.culprits.join('\n    ')}`,
        );
      }
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/// Clicks a link and waits until the document it leads to (after redirects) has loaded.
/// Returns that document's response. (`waitForURL` would not do: it resolves at once when the
/// page is already at that URL, as it is when the link redirects back to the same page.)
export async function followLink(page, link) {
  const main = page.mainFrame();
  const response = page.waitForResponse(
    (r) => r.frame() === main && r.request().isNavigationRequest() && !(r.status() >= 300 && r.status() < 400),
  );
  const committed = page.waitForEvent('framenavigated', { predicate: (f) => f === main });
  // When the click fails, these two must not reject later, unhandled, and stop the whole run.
  response.catch(() => {});
  committed.catch(() => {});
  await link.click();
  const [final] = await Promise.all([response, committed]);
  await page.waitForLoadState('load');
  return final;
}

export async function screenshot(page, name) {
  const path = join(shotsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/// The primary colour declared in tenants/<slug>.toml, as the `rgb(r, g, b)` a browser computes.
export function declaredPrimary(slug) {
  const file = readFileSync(join(repoRoot, 'tenants', `${slug}.toml`), 'utf8');
  const m = file.match(/^\s*primary_color\s*=\s*"#([0-9a-fA-F]{6})"/m);
  assert.ok(m, `no primary_color in tenants/${slug}.toml`);
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

// ---------------------------------------------------------------------------------------------
// The checks

export const tests = [];
export const test = (name, fn) => tests.push({ name, fn });
// A known bug of the app: runs and reports, but does not fail the suite. Make it a `test` once fixed.
test.todo = (name, fn) => tests.push({ name, fn, todo: true });

// ---------------------------------------------------------------------------------------------
// Helpers shared by the checks

/// The link matching `link` (a RegExp) in the last e-mail sent to `email`, from the server's
/// output (no SMTP in the demo: the mail worker logs each message with its text).
export async function mailedLinkFor(email, link) {
  const pattern = new RegExp(`${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*?(${link.source})`, 'g');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const found = [...server.output.matchAll(pattern)];
    if (found.length) return found[found.length - 1][1];
    await sleep(200);
  }
  assert.fail(
    `no e-mail to ${email} with ${link} in the server's output within 15 s (see ${join(shotsDir, 'server.log')}); ` +
      'if another ecoute process uses the same database, its mail worker may have logged it instead',
  );
}

/// The sign-in link of the last e-mail sent to `email`.
export const signInLinkFor = (email) => mailedLinkFor(email, /\/connexion\/lien\?jeton=[A-Za-z0-9_-]+/);

export const h1Text = async (page) => (await page.locator('h1').innerText()).trim();
export const accountNav = (page) => page.locator('.account-nav');

// ---------------------------------------------------------------------------------------------
// Consoles: the demo's operators (their passwords are printed by `ecoute demo` on start).

/// Credentials of the demo operator of `host`, from the server's output.
export function demoOperator(host) {
  const pattern = /demo console: http:\/\/([^/\s]+)\/admin\s+(\S+)\s+password: (\S+)/g;
  const found = [...server.output.matchAll(pattern)].filter((m) => m[1].split(':')[0] === host);
  assert.ok(found.length, `no "demo console:" line for ${host} in the server's output`);
  const last = found[found.length - 1];
  return { email: last[2], password: last[3] };
}

/// From the console sign-in form to the dashboard, with the keyboard-reachable form controls.
export async function consoleSignIn(page, host) {
  const { email, password } = demoOperator(host);
  const response = await page.goto(`${base(host)}admin`, { waitUntil: 'load' });
  assert.equal(response.status(), 200, 'the sign-in page after the redirect');
  assert.match(new URL(page.url()).pathname, /^\/admin\/connexion/);
  assert.equal(await h1Text(page), 'Connexion à la console');
  await assertAccessible(page, `${host} /admin/connexion`);
  await page.getByLabel('Mot de passe').fill(password);
  await page.locator('#email').fill(email);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Se connecter' }).click()]);
  assert.equal(new URL(page.url()).pathname, '/admin');
  assert.equal(await h1Text(page), 'Tableau de bord');
}

// ---------------------------------------------------------------------------------------------
// Runner: sequential, each check with a time limit, a summary line at the end.

export function withTimeout(promise, ms, name) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`timed out after ${ms / 1000} s: ${name}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}


/// Runs the registered checks (all, or those named by ONLY: one text, or several separated by
/// `|`) against a fresh demo server.
export async function run() {
  const only = process.env.ONLY?.split('|').filter(Boolean);
  const selected = only?.length ? tests.filter((t) => only.some((o) => t.name.includes(o))) : tests;
  let passed = 0;
  let failed = 0;
  let todo = 0;
  try {
    const port = await freePort();
    // The OpenID providers first: the server reads their discovery at each sign-in.
    await startServer(port, await startProviders(port));
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
    stopProviders();
  }
  console.log(`# screenshots and server log: ${shotsDir}`);
  console.log(`${passed} passed, ${failed} failed${todo ? `, ${todo} known bug(s) reported as TODO` : ''}`);
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
