// The rules of each space (issue 24, item 4) and the moderation reason that cites them
// (issue 20, item 4): every rules page reached from the footer, in French and English, on a
// local and the national space, passes axe and fits a narrow screen; a moderator hides an idea
// for a reason of the charter, and a citizen sees the placeholder and follows its link to the
// article.

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
  mailedLinkFor,
} from '../harness.mjs';
import { runStamp, signIn } from './journey_setup.mjs';

const RULES = {
  fr: [
    ['Mentions légales', '/mentions-legales', 'Mentions légales'],
    ['Données personnelles', '/donnees-personnelles', 'Données personnelles'],
    ['Charte de participation', '/charte-de-participation', 'Charte de participation'],
    ['Accessibilité : non conforme', '/accessibilite', 'Déclaration d’accessibilité'],
  ],
  en: [
    ['Legal notice', '/mentions-legales', 'Legal notice'],
    ['Personal data', '/donnees-personnelles', 'Personal data'],
    ['Participation charter', '/charte-de-participation', 'Participation charter'],
    ['Accessibility: non-compliant', '/accessibilite', 'Accessibility statement'],
  ],
};

/// Follows each footer link from the page at `start`, checks where it leads, axe, and that the
/// page does not scroll sideways at 390 px.
async function walkFooter(page, host, lang, start) {
  for (const [name, path, title] of RULES[lang]) {
    await page.goto(`${base(host)}${start.slice(1)}`, { waitUntil: 'load' });
    const link = page.locator('footer').getByRole('link', { name, exact: true });
    assert.equal(await link.count(), 1, `${host}${start} (${lang}): footer link "${name}"`);
    const response = await followLink(page, link);
    assert.equal(response.status(), 200, `${host}${path} (${lang})`);
    assert.equal(new URL(page.url()).pathname, path);
    assert.equal(await h1Text(page), title);
    assert.equal(await page.locator('html').getAttribute('lang'), lang);
    assert.equal(
      await page.locator('footer [aria-current="page"]').innerText(),
      name,
      'the footer marks the page being read',
    );
    assertNoProblems(page);
    await assertAccessible(page, `${host}${path} (${lang})`);
    await page.setViewportSize({ width: 390, height: 800 });
    const [scroll, inner] = await page.evaluate(() => [document.scrollingElement.scrollWidth, innerWidth]);
    assert.ok(scroll <= inner, `${host}${path} (${lang}) scrolls sideways at 390 px: ${scroll} > ${inner}`);
    await assertAccessible(page, `${host}${path} (${lang}) at 390 px`);
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, `rules-${host.split('.')[0]}-${lang}${path.replaceAll('/', '-')}`);
  }
}

test('rules: every rules page is reached from the footer, in French and English, and passes axe', async () => {
  for (const host of ['gironde.localhost', 'localhost']) {
    const context = await newContext();
    try {
      const page = await openPage(context);
      await walkFooter(page, host, 'fr', '/');
      // The statement says what the automated checks are, and links its plan.
      await page.goto(`${base(host)}accessibilite`, { waitUntil: 'load' });
      const statement = await page.locator('main').innerText();
      assert.match(statement, /non conforme/);
      assert.match(statement, /Aucun audit de conformité aux 106 critères/);
      assert.match(statement, /axe-core \(version \d/);
      assert.match(statement, /Défenseur des droits/);
      // An anchor on the same page: no new document, the address takes the fragment.
      await page.getByRole('link', { name: 'Voir le schéma pluriannuel et le plan d’action' }).click();
      await page.waitForURL((url) => url.hash === '#schema-pluriannuel', { timeout: 5000 });
      assert.ok(await page.locator('#schema-pluriannuel').isVisible(), 'the plan is on the page');
      // In English: the language switch, then the footer again.
      await page.goto(`${base(host)}`, { waitUntil: 'load' });
      await followLink(page, page.getByRole('link', { name: 'English' }));
      await walkFooter(page, host, 'en', '/');
    } finally {
      await context.close();
    }
  }
});

test('rules: a moderator hides an idea for a reason of the charter; a citizen sees it and follows the article link', async () => {
  const host = 'gironde.localhost';
  const campaign = '/consultations/accueil-bordeaux';
  const title = `Une idée à masquer ${runStamp}`;
  const author = `regles-a-${runStamp}@example.fr`;
  const reader = `regles-b-${runStamp}@example.fr`;
  const contexts = [];
  try {
    // The author posts an idea.
    const a = await newContext();
    contexts.push(a);
    const authorPage = await openPage(a);
    await authorPage.goto(`${base(host)}${campaign.slice(1)}`, { waitUntil: 'load' });
    await signIn(authorPage, author);
    const form = authorPage.locator('form.idea-form');
    await form.getByRole('radio', { name: 'Idée', exact: true }).check();
    await form.getByLabel('Titre').fill(title);
    await form.getByLabel('Votre contribution', { exact: true }).fill('Un texte que la modération va masquer, pour la vérification.');
    await followLink(authorPage, form.getByRole('button', { name: 'Publier ma contribution', exact: true }));
    const ideaPath = new URL(authorPage.url()).pathname;
    assert.match(ideaPath, /^\/consultations\/accueil-bordeaux\/idees\/[0-9a-f-]+$/);

    // Another citizen reports it.
    const b = await newContext();
    contexts.push(b);
    const readerPage = await openPage(b);
    await readerPage.goto(`${base(host)}${ideaPath.slice(1)}`, { waitUntil: 'load' });
    await signIn(readerPage, reader);
    await readerPage.locator('details.report summary').click();
    await readerPage.getByLabel('Pourquoi ce contenu pose-t-il problème ?').fill('Ce texte insulte quelqu’un.');
    await followLink(readerPage, readerPage.getByRole('button', { name: 'Envoyer le signalement' }));
    assert.equal(await h1Text(readerPage), 'Merci pour votre signalement');

    // The moderator hides it, for a reason of the charter, with a note for the author.
    const m = await newContext();
    contexts.push(m);
    const console_ = await openPage(m);
    await consoleSignIn(console_, host);
    await console_.goto(`${base(host)}admin/moderation`, { waitUntil: 'load' });
    const item = console_.locator('.idea-card').filter({ hasText: title });
    assert.equal(await item.count(), 1, 'the reported idea is in the queue');
    await item.getByLabel('Motif de masquage (charte de participation)').selectOption('insults');
    await item.getByLabel('Précision').fill('Le texte vise une personne.');
    await item.getByRole('radio', { name: 'Masquer' }).check();
    await followLink(console_, item.getByRole('button', { name: 'Enregistrer la décision' }));
    assert.match(await console_.locator('.notice').innerText(), /Décision enregistrée/);
    const hidden = console_.locator('.idea-card').filter({ hasText: title });
    assert.match(await hidden.innerText(), /Masqué pour : propos injurieux/);
    assertNoProblems(console_);
    await assertAccessible(console_, `${host} /admin/moderation after hiding`);

    // The citizen sees the placeholder with the reason and the article's link.
    await readerPage.goto(`${base(host)}${ideaPath.slice(1)}`, { waitUntil: 'load' });
    const placeholder = readerPage.locator('.placeholder');
    assert.equal(
      (await placeholder.innerText()).replace(/\s+/g, ' ').trim(),
      'Masquée par la modération : propos injurieux, menaçants ou diffamatoires (charte, article 3).',
    );
    assert.equal(await readerPage.locator('main').getByText('Un texte que la modération va masquer').count(), 0);
    assert.equal(await readerPage.locator('main').getByText('Le texte vise une personne.').count(), 0, 'the note is the author’s');
    await screenshot(readerPage, 'rules-placeholder');
    assertNoProblems(readerPage);
    await assertAccessible(readerPage, `${host} hidden idea, seen by a citizen`);
    const response = await followLink(readerPage, placeholder.getByRole('link', { name: 'charte, article 3' }));
    assert.equal(response.status(), 200);
    assert.equal(new URL(readerPage.url()).pathname, '/charte-de-participation');
    assert.equal(new URL(readerPage.url()).hash, '#article-3');
    assert.match(await readerPage.locator('#article-3 h2').innerText(), /^Article 3 – Respect des personnes/);
    await assertAccessible(readerPage, `${host} charter, at article 3`);

    // The author sees the note, and was told by mail.
    await authorPage.goto(`${base(host)}${ideaPath.slice(1)}`, { waitUntil: 'load' });
    assert.match(await authorPage.locator('.notice-author').innerText(), /Le texte vise une personne\./);
    await assertAccessible(authorPage, `${host} hidden idea, seen by its author`);
    await mailedLinkFor(author, /\/charte-de-participation#article-3/);
  } finally {
    for (const c of contexts) await c.close();
  }
});
