// Citizens own what they wrote, and talk (issue 24, items 1 and 2): a person posts an idea on
// the national campaign from Gironde, follows another idea, edits their own (the page says
// "modifié le", with a <time>), comments and withdraws the comment, withdraws the idea (its
// place reads "Retirée par son auteur"), then finds it all on "Mes contributions". axe on each
// page, and the idea page at 320 px.

import assert from 'node:assert/strict';
import { base, newContext, openPage, assertNoProblems, assertAccessible, followLink, test, h1Text } from '../harness.mjs';
import { JOURNEY_HOST, runStamp, campaignPath, signIn } from './journey_setup.mjs';

test('citizen own: edit, follow, comment dates, withdraw and "Mes contributions"; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const origin = base(JOURNEY_HOST).replace(/\/$/, '');
    await page.goto(origin + campaignPath, { waitUntil: 'load' });
    await signIn(page, `own-${runStamp}@exemple.fr`);

    // An idea, through the form.
    const title = `Des guichets le samedi ${runStamp}`;
    await page.locator('#idea-title').fill(title);
    await page.locator('#idea-body').fill('Ouvrir l’accueil un samedi matin par mois, sur rendez-vous.');
    await followLink(page, page.locator('form.idea-form button[type="submit"]'));
    assert.equal(await h1Text(page), title);
    const ideaUrl = page.url();

    // Followed, then edited: the page dates the change.
    await followLink(page, page.getByRole('button', { name: 'Suivre cette idée' }));
    assert.match(await page.locator('#suivi').innerText(), /Vous suivez cette idée/);
    await followLink(page, page.getByRole('link', { name: 'Modifier ma contribution' }));
    assert.equal(await h1Text(page), 'Modifier ma contribution');
    assertNoProblems(page);
    await assertAccessible(page, 'the edit form');
    await page.locator('#idea-title').fill('ab');
    await followLink(page, page.getByRole('button', { name: 'Enregistrer la modification' }));
    assert.match(await page.locator('.error-summary').innerText(), /Titre/);
    assert.equal(await page.locator('#idea-title').inputValue(), 'ab', 'the entry is kept');
    await assertAccessible(page, 'the edit form with an error');
    await page.locator('#idea-title').fill(`${title} et le mercredi`);
    await followLink(page, page.getByRole('button', { name: 'Enregistrer la modification' }));
    assert.equal(page.url(), ideaUrl);
    assert.equal(await h1Text(page), `${title} et le mercredi`);
    const edited = page.locator('article .meta time').nth(1);
    assert.match(await edited.innerText(), /^modifié le \d{1,2}(er)? \p{L}+ \d{4} à \d{1,2} h \d{2}$/u);
    assert.match(await edited.getAttribute('datetime'), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    // A comment, dated, then withdrawn.
    await page.locator('#comment-body').fill(`Précision ${runStamp} : le matin.`);
    await followLink(page, page.locator('form.comment-form button[type="submit"]').last());
    const comment = page.locator('.comment').filter({ hasText: `Précision ${runStamp}` });
    assert.match(await comment.locator('time').first().innerText(), /^le \d/);
    assertNoProblems(page);
    await assertAccessible(page, 'the idea page, edited, with a comment');
    await page.setViewportSize({ width: 320, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling at 320 px');
    await page.setViewportSize({ width: 1280, height: 900 });
    await comment.locator('summary', { hasText: 'Retirer mon commentaire' }).click();
    await followLink(page, comment.getByRole('button', { name: 'Confirmer le retrait' }));
    assert.match(await page.locator('.comment-list').innerText(), /Retiré par son auteur/);

    // The idea withdrawn: the placeholder, never the moderation wording.
    await page.locator('summary', { hasText: 'Retirer ma contribution' }).click();
    await followLink(page, page.locator('details.withdraw').first().getByRole('button', { name: 'Confirmer le retrait' }));
    assert.equal(await h1Text(page), 'Contribution retirée');
    assert.match(await page.locator('main').innerText(), /Retirée par son auteur/);
    assert.doesNotMatch(await page.locator('main').innerText(), /modération/);
    await assertAccessible(page, 'a withdrawn idea');

    await page.goto(`${origin}/compte/contributions`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'Mes contributions');
    const ideas = await page.locator('section', { has: page.locator('#my-ideas') }).innerText();
    assert.match(ideas, /Contribution retirée/);
    assert.match(ideas, /Retirée/);
    assertNoProblems(page);
    await assertAccessible(page, '"Mes contributions"');
  } finally {
    await context.close();
  }
});
