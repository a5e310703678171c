// Console journeys: writing and publishing a campaign, the analysis, the results.

import assert from 'node:assert/strict';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  screenshot,
  test,
  h1Text,
  consoleSignIn,
} from '../harness.mjs';

test('console journey: an operator writes a campaign with a survey, publishes it, sees it public; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'gironde.localhost');
    await page.goto(`${base('gironde.localhost')}admin/campagnes`, { waitUntil: 'load' });
    await assertAccessible(page, 'gironde.localhost /admin/campagnes');
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Nouvelle consultation' }).click()]);
    assert.equal(await h1Text(page), 'Nouvelle consultation');
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/nouvelle');
    // The demo database is kept between runs: a title unique to this run.
    const title = `Horaires d’ouverture ${Date.now()}`;
    await page.locator('#title').fill(title);
    await page.locator('#summary').fill('Dites-nous quand venir à l’agence vous arrange.');
    await page.locator('#body_md').fill('Nous revoyons nos **horaires** pour 2027.');
    await page.locator('#themes').fill('Horaires\nAccueil');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Créer le brouillon' }).click()]);
    assert.equal(await h1Text(page), title);
    assert.match(await page.locator('.notice').innerText(), /Consultation enregistrée/);

    await page.locator('#new-kind').selectOption('single_choice');
    await page.locator('#new-label').fill('Le samedi matin vous conviendrait-il ?');
    await page.locator('#new-options').fill('Oui\nNon');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Ajouter une question' }).click()]);
    assert.match(await page.locator('.question-editor').innerText(), /Le samedi matin vous conviendrait-il/);
    await screenshot(page, 'console-campaign-edit');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}');

    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Aperçu', exact: true }).first().click()]);
    assert.match(await page.locator('.preview-banner').innerText(), /Aperçu/);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/apercu');
    await page.goBack();

    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publier' }).click()]);
    assert.match(await page.locator('.notice').innerText(), /Consultation publiée/);
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Page publique' }).first().click()]);
    assert.equal(await h1Text(page), title);
    assert.ok(await page.getByRole('link', { name: /questionnaire/i }).count(), 'the survey is offered');
    await page.goto(base('gironde.localhost'), { waitUntil: 'load' });
    assert.match(await page.locator('main').innerText(), new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    // Inviting people to it: the page with its list form and delivery follow-up passes axe.
    await page.goto(`${base('gironde.localhost')}admin/campagnes`, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: `Inviter ${title}` }).click()]);
    assert.equal(await h1Text(page), 'Inviter');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/invitations');
  } finally {
    await context.close();
  }
});

test('analysis: the national admin runs the semantic analysis of a campaign; the page passes axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'localhost');
    await page.goto(`${base('localhost')}admin/campagnes`, { waitUntil: 'load' });
    // The demo's national campaign has ideas and survey answers (src/demo/contributions.rs).
    const link = page.locator('a[href$="/analyse"]').filter({ hasText: 'Simplifier vos démarches en ligne' });
    assert.equal(await link.count(), 1, 'an Analyse link for the seeded campaign');
    await Promise.all([page.waitForNavigation(), link.click()]);
    assert.equal(await h1Text(page), 'Analyse');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/campagnes/{id}/analyse (before)');
    await page.locator('#themes').fill('auto');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Analyser les contributions' }).click()]);
    // The run goes on in the background; the page follows it until it is over.
    const deadline = Date.now() + 60000;
    while ((await page.locator('[data-progress]').count()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.reload({ waitUntil: 'load' });
    }
    assert.equal(await page.locator('[data-progress]').count(), 0, 'the analysis finished within a minute');
    const main = await page.locator('main').innerText();
    const themes = await page.locator('article[id^="theme-"]').count();
    assert.ok(themes >= 2, `themes of the seeded ideas and answers (${themes}):\n${main.slice(0, 600)}`);
    await screenshot(page, 'console-analysis');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/campagnes/{id}/analyse (after)');
    // A draft until reviewed: published from here, then on the public results page.
    assert.match(main, /Brouillon : ces thèmes ne sont visibles d’aucune page publique/);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publier ces thèmes' }).click()]);
    assert.match(await page.locator('.notice').innerText(), /Thèmes publiés/);
    assert.ok(await page.getByRole('button', { name: 'Retirer ces thèmes des pages publiques' }).count());
    // The profile dimension: the national campaign with a survey offers its single-choice
    // questions; choosing one is saved and the page names it.
    await page.goto(`${base('localhost')}admin/campagnes`, { waitUntil: 'load' });
    const surveyed = page.locator('a[href$="/analyse"]').filter({ hasText: 'Simplifier vos démarches en ligne' });
    assert.equal(await surveyed.count(), 1, 'the surveyed campaign has an Analyse link');
    await Promise.all([page.waitForNavigation(), surveyed.click()]);
    const profiles = page.locator('#profile-question option');
    assert.ok((await profiles.count()) > 1, `its single-choice questions are offered as profiles (${page.url()}):\n${(await page.locator('main').innerText()).slice(0, 800)}`);
    const label = (await profiles.nth(1).innerText()).trim();
    await page.locator('#profile-question').selectOption({ index: 1 });
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enregistrer la question de profil' }).click()]);
    assert.ok(page.url().includes('fait=profils'), page.url());
    assert.equal((await page.locator('#profile-question option:checked').innerText()).trim(), label);
    const after = await page.locator('main').innerText();
    assert.ok(after.includes('Question de profil enregistrée'), after.slice(0, 400));
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/campagnes/{id}/analyse (profile question chosen)');
  } finally {
    await context.close();
  }
});

test('results: the national admin publishes early; the results and news pages pass axe (screenshot)', async () => {
  const context = await newContext();
  const page = await openPage(context);
  let consolePage = null;
  try {
    await consoleSignIn(page, 'localhost');
    await page.goto(`${base('localhost')}admin/campagnes`, { waitUntil: 'load' });
    const edit = page.locator('a[href^="/admin/campagnes/"]', { hasText: /démarches/i }).first();
    await Promise.all([page.waitForNavigation(), edit.click()]);
    await Promise.all([
      page.waitForNavigation(),
      page.getByRole('link', { name: 'Ce que nous avons appris grâce à vous' }).first().click(),
    ]);
    consolePage = new URL(page.url()).pathname;
    assert.equal(await h1Text(page), 'Ce que nous avons appris grâce à vous');
    // The demo database is kept between runs: start from unpublished results.
    if (await page.getByRole('button', { name: 'Retirer les résultats' }).count()) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Retirer les résultats' }).click()]);
    }
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/campagnes/{id}/resultats');
    await page.locator('#synthesis').fill('## Ce que vous nous avez dit\n\nDes démarches **plus simples**, et un interlocuteur unique.');
    await page.locator('#early').check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publier les résultats' }).click()]);
    assert.match(await page.locator('.notice').innerText(), /Résultats publiés/);

    const response = await page.goto(`${base('gironde.localhost')}consultations/simplifier-les-demarches/resultats`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await h1Text(page), 'Ce que nous avons appris grâce à vous');
    assert.ok(await page.locator('svg[role="img"]').count() >= 3, 'survey charts are drawn');
    assert.ok(await page.locator('#own-share').count(), 'Gironde sees its own share');
    assert.ok(await page.locator('[data-own-question]').count() >= 3, 'and its own answers, question by question');
    await screenshot(page, 'results-national-from-gironde');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /consultations/{slug}/resultats');
    // The infographic, as a printable PDF.
    const pdfLink = page.locator('a[href$="/resultats/infographie.pdf"]');
    assert.equal(await pdfLink.count(), 1, 'a link to the PDF infographic');
    // Fetched from the page, through Chromium's host mapping.
    const pdf = await page.evaluate(async (href) => {
      const r = await fetch(href);
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), head: String.fromCharCode(...bytes.slice(0, 5)) };
    }, await pdfLink.getAttribute('href'));
    assert.deepEqual(pdf, { status: 200, type: 'application/pdf', head: '%PDF-' });
    // The national page: every territory's part, in a table.
    await page.goto(`${base('localhost')}consultations/simplifier-les-demarches/resultats`, { waitUntil: 'load' });
    const contributions = Number(await page.locator('[data-figure="contributions"] strong').innerText());
    const territories = await page.locator('#territories tbody tr').count();
    assert.ok(contributions === 0 ? territories === 0 : territories >= 1, `participation per territory (${contributions} contributions, ${territories} rows)`);
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /consultations/{slug}/resultats');
    await page.goto(`${base('gironde.localhost')}consultations/simplifier-les-demarches/nouvelles`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'Des nouvelles du projet');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /consultations/{slug}/nouvelles');
  } finally {
    // Published results close the campaign: withdraw them so the other checks (and later runs)
    // find the demo campaign open.
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

// Issue 24, item 5: in English, the analysis and results pages are in English: their labels,
// the texts the analysis stores (how the number of themes was chosen), the charts' words and
// units. Contributions, theme names and answer options stay as people wrote them (French).
const FRENCH_LABELS = [
  'Rang de priorité', 'Score de priorité', 'Diffusion', 'Soutiens', 'Commentaires', 'Thèmes', 'Résultat',
  'thèmes, choisis automatiquement', 'nombre fixé', 'lecture des textes', 'Brouillon', 'Exporter',
  'Réponse', 'Nombre de réponses', 'Part des réponses', 'personnes ont répondu', 'En tête', 'Moyenne',
  'Ce que nous avons appris', 'Chiffres clés',
];

async function labels(page) {
  // Headings, table headers, buttons, captions and the charts' titles: the interface, not
  // what people wrote.
  return page.evaluate(() => [...document.querySelectorAll(
    'main h1, main h2, main thead th, main button, main summary, main label, main [data-theme-choice], main svg rect title, main svg desc, main svg text, main [data-figure]',
  )].map((e) => e.textContent.trim()).filter(Boolean));
}

function assertEnglish(texts, where) {
  for (const word of FRENCH_LABELS) {
    const found = texts.find((t) => t.includes(word));
    assert.equal(found, undefined, `${where}: French “${word}” in “${found}”`);
  }
  // Numbers and percentages written the English way (no narrow no-break space).
  const french = texts.find((t) => /\d\u202f(\d|%)/.test(t));
  assert.equal(french, undefined, `${where}: a French-formatted number in “${french}”`);
}

test('english: the analysis and results pages have no French interface words; axe', async () => {
  const context = await newContext();
  const page = await openPage(context);
  let results = null;
  try {
    await consoleSignIn(page, 'localhost');
    await page.goto(`${base('localhost')}admin/campagnes`, { waitUntil: 'load' });
    const link = page.locator('a[href$="/analyse"]').filter({ hasText: 'Simplifier vos démarches en ligne' });
    const analysis = await link.getAttribute('href');
    results = analysis.replace(/\/analyse$/, '/resultats');
    // English from here on: the switch, as a person would use it.
    await page.goto(`${base('localhost')}langue/en?retour=${encodeURIComponent(analysis)}`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'Analysis');
    await page.locator('#themes').fill('auto');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Analyse the contributions' }).click()]);
    const deadline = Date.now() + 60000;
    while ((await page.locator('[data-progress]').count()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      await page.reload({ waitUntil: 'load' });
    }
    assert.equal(await page.locator('[data-progress]').count(), 0, 'the analysis finished within a minute');
    const texts = await labels(page);
    assert.ok(texts.some((t) => t.includes('Priority rank')), `the priorities table in English:\n${texts.join('\n').slice(0, 800)}`);
    const choice = await page.locator('[data-theme-choice]').innerText();
    assert.match(choice, /themes, (chosen automatically|a number set by the operator)/, choice);
    assertEnglish(texts, 'localhost /admin/campagnes/{id}/analyse in English');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/campagnes/{id}/analyse in English');

    // Results published early (in English), then the public page in English.
    await page.goto(`${base('localhost')}${results.slice(1)}`, { waitUntil: 'load' });
    if (await page.getByRole('button', { name: 'Withdraw the results' }).count()) {
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Withdraw the results' }).click()]);
    }
    await page.locator('#early').check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publish the results' }).click()]);
    const publicPath = '/consultations/simplifier-les-demarches/resultats';
    await page.goto(`${base('gironde.localhost')}langue/en?retour=${encodeURIComponent(publicPath)}`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'What we learned thanks to you');
    assert.ok(await page.locator('svg[role="img"]').count() >= 3, 'survey charts are drawn');
    const shown = await labels(page);
    assert.ok(shown.some((t) => /people answered|person answered/.test(t)), `charts described in English:\n${shown.join('\n').slice(0, 800)}`);
    assert.ok(shown.some((t) => /\d%\)/.test(t)), 'bars titled with English percentages');
    assertEnglish(shown, 'gironde.localhost /consultations/{slug}/resultats in English');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /consultations/{slug}/resultats in English');
  } finally {
    // Published results close the campaign: withdraw them for the other checks.
    if (results) {
      await page.goto(`${base('localhost')}${results.slice(1)}`, { waitUntil: 'load' }).catch(() => {});
      const withdraw = page.getByRole('button', { name: /Withdraw the results|Retirer les résultats/ });
      if (await withdraw.count().catch(() => 0)) {
        await Promise.all([page.waitForNavigation(), withdraw.click()]).catch(() => {});
      }
    }
    await context.close();
  }
});
