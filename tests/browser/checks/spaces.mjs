// Each space's home page, branding, the unknown-host 404 page and the language switch.

import assert from 'node:assert/strict';
import {
  SPACES,
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  followLink,
  screenshot,
  declaredPrimary,
  test,
} from '../harness.mjs';

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
