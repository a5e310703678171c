// Open data that respects people (issue 24, item 6): the national admin publishes results, and
// the open data page, reached from the results page, documents its columns and the licence,
// passes axe and fits 390 and 320 px; the survey builder's "publish in open data" checkbox
// shows for free-text questions only (a stylesheet rule, no script).

import assert from 'node:assert/strict';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  followLink,
  screenshot,
  test,
  h1Text,
  consoleSignIn,
} from '../harness.mjs';

const CAMPAIGN = 'simplifier-les-demarches';

async function fits(page, label) {
  for (const width of [390, 320]) {
    await page.setViewportSize({ width, height: 800 });
    const [scroll, inner] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `${label} scrolls sideways at ${width} px: ${scroll} > ${inner}`);
    await assertAccessible(page, `${label} at ${width} px`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

test('privacy: the open data page documents its columns and licence, passes axe, fits 320 px', async () => {
  const context = await newContext();
  const page = await openPage(context);
  let consolePage = null;
  try {
    await consoleSignIn(page, 'localhost');
    await page.goto(`${base('localhost')}admin/campagnes`, { waitUntil: 'load' });
    const edit = page.locator('a[href^="/admin/campagnes/"]', { hasText: /démarches/i }).first();
    await Promise.all([page.waitForNavigation(), edit.click()]);
    const editor = new URL(page.url()).pathname;

    // The builder: the checkbox belongs to free-text questions (CSS only, no script).
    const fields = page.locator('form:has(select[name="kind"])').last();
    const openData = fields.getByLabel('Publier les réponses dans les données ouvertes');
    await fields.locator('select[name="kind"]').selectOption('long_text');
    assert.ok(await openData.isVisible(), 'shown for a free-text question');
    await fields.locator('select[name="kind"]').selectOption('single_choice');
    assert.ok(!(await openData.isVisible()), 'hidden for a choice question');
    await assertAccessible(page, `localhost ${editor}`);

    // The page behind a news mail's one-click link, for a link that matches no follow.
    const gone = await page.goto(`${base('gironde.localhost')}desabonnement/suivi/AAAA`, { waitUntil: 'load' });
    assert.equal(gone.status(), 404);
    assert.match(await page.locator('main').innerText(), /ne suivez peut-être déjà plus cette consultation/);
    await assertAccessible(page, 'gironde.localhost /desabonnement/suivi/{token}');

    await page.goto(`${base('localhost')}${editor.slice(1)}/resultats`, { waitUntil: 'load' });
    consolePage = new URL(page.url()).pathname;
    if (await page.getByRole('button', { name: 'Retirer les résultats' }).count()) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Retirer les résultats' }).click()]);
    }
    await page.locator('#early').check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publier les résultats' }).click()]);

    for (const host of ['gironde.localhost', 'localhost']) {
      await page.goto(`${base(host)}consultations/${CAMPAIGN}/resultats`, { waitUntil: 'load' });
      const response = await followLink(page, page.getByRole('link', { name: 'description et licence' }));
      assert.equal(response.status(), 200);
      assert.equal(new URL(page.url()).pathname, `/consultations/${CAMPAIGN}/resultats/donnees`);
      assert.equal(await h1Text(page), 'Données ouvertes');
      const text = await page.locator('main').innerText();
      assert.match(text, /Licence Ouverte \/ Open Licence version 2\.0 \(Etalab\)/);
      assert.match(text, /au jour près/);
      assert.ok(await page.locator('#schema-contributions tbody tr').count() >= 8, 'every column described');
      assertNoProblems(page);
      await assertAccessible(page, `${host} /consultations/{slug}/resultats/donnees`);
      await fits(page, `${host} /consultations/{slug}/resultats/donnees`);
      await screenshot(page, `privacy-open-data-${host.split('.')[0]}`);
      // The CSV it documents: dates to the day, nobody named.
      const csv = await page.evaluate(async (href) => (await fetch(href)).text(), `/consultations/${CAMPAIGN}/resultats/donnees/contributions.csv`);
      const header = csv.replace(/^\uFEFF/, '').split(/\r?\n/)[0];
      assert.equal(header, 'type;titre;texte;thème;soutiens;commentaires;espace;date');
      assert.ok(!/\d{2}:\d{2}:\d{2}/.test(csv), 'no time of day in open data');
    }
  } finally {
    // Published results close the campaign: withdraw them for the other checks and later runs.
    if (consolePage) {
      await page.goto(`${base('localhost')}${consolePage.slice(1)}`, { waitUntil: 'load' }).catch(() => {});
      const withdraw = page.getByRole('button', { name: 'Retirer les résultats' });
      if (await withdraw.count().catch(() => 0)) {
        await Promise.all([page.waitForNavigation(), withdraw.click()]).catch(() => {});
      }
    }
    await context.close();
  }
});
