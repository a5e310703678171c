// A draft in the console: the question builder shows only the fields of the kind chosen and sets
// a condition by choosing an answer; the draft is duplicated, and the copy deleted after its
// confirmation (the back button then finds it gone).

import assert from 'node:assert/strict';
import { base, newContext, openPage, assertNoProblems, assertAccessible, followLink, test, h1Text, consoleSignIn } from '../harness.mjs';

test('console: a draft with a conditional question is duplicated, and the copy deleted after confirmation; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const host = 'gironde.localhost';
    await consoleSignIn(page, host);
    await page.goto(`${base(host)}admin/campagnes/nouvelle`, { waitUntil: 'load' });
    const title = `Brouillon à dupliquer ${Date.now()}`;
    await page.locator('#title').fill(title);
    await followLink(page, page.getByRole('button', { name: 'Créer le brouillon' }));
    assert.equal(await h1Text(page), title);

    // Only the fields of the kind chosen (no script involved: CSS :has()).
    const visible = async (...ids) => Promise.all(ids.map((id) => page.locator(id).isVisible()));
    await page.locator('#new-kind').selectOption('scale');
    assert.deepEqual(await visible('#new-options', '#new-max', '#new-smin'), [false, false, true], 'scale');
    await page.locator('#new-kind').selectOption('multiple_choice');
    assert.deepEqual(await visible('#new-options', '#new-max', '#new-smin'), [true, true, false], 'multiple choice');
    await page.locator('#new-kind').selectOption('long_text');
    assert.deepEqual(await visible('#new-options', '#new-max', '#new-smin'), [false, false, false], 'long text');
    await page.locator('#new-kind').selectOption('single_choice');
    assert.deepEqual(await visible('#new-options', '#new-max', '#new-smin'), [true, false, false], 'single choice');
    await page.locator('#new-label').fill('Avez-vous un compte sur caf.fr ?');
    await page.locator('#new-options').fill('Oui\nNon');
    await followLink(page, page.getByRole('button', { name: 'Ajouter une question' }));

    // The condition: an answer chosen under the question it belongs to.
    await page.locator('#new-kind').selectOption('long_text');
    await page.locator('#new-label').fill('Qu’est-ce qui vous en empêche ?');
    await page.locator('#new-condition').selectOption({ label: 'Non' });
    await followLink(page, page.getByRole('button', { name: 'Ajouter une question' }));
    assert.match(await page.locator('.question-editor').innerText(), /Qu’est-ce qui vous en empêche \? \(Réponse longue, conditionnelle\)/);
    assertNoProblems(page);
    await assertAccessible(page, `${host} /admin/campagnes/{id} with a conditional question`);

    await followLink(page, page.getByRole('button', { name: 'Dupliquer en nouveau brouillon' }));
    assert.equal(await h1Text(page), `${title} (copie)`);
    assert.match(await page.locator('.notice').innerText(), /Copie créée en brouillon/);
    assert.match(await page.locator('.question-editor').innerText(), /conditionnelle/);
    const copy = new URL(page.url()).pathname;

    await followLink(page, page.getByRole('link', { name: 'Supprimer le brouillon' }));
    assert.equal(await h1Text(page), 'Supprimer ce brouillon ?');
    assert.match(await page.locator('main').innerText(), /Ses 2 questions seront supprimées/);
    assertNoProblems(page);
    await assertAccessible(page, `${host} /admin/campagnes/{id}/suppression`);
    await followLink(page, page.getByRole('button', { name: 'Supprimer définitivement' }));
    assert.equal(new URL(page.url()).pathname, '/admin/campagnes');
    assert.match(await page.locator('.notice').innerText(), /Brouillon supprimé/);
    // Back to the confirmation page: the draft is gone, so the page says so (a 404), nothing else.
    const back = await page.goBack();
    assert.equal(back.status(), 404);
    await page.goto(`${base(host)}admin/campagnes`, { waitUntil: 'load' });
    const list = await page.locator('main').innerText();
    assert.ok(list.includes(title) && !list.includes(`${title} (copie)`), 'the original stays, the copy is gone');
    const gone = await page.goto(`${base(host)}${copy.slice(1)}`, { waitUntil: 'load' });
    assert.equal(gone.status(), 404);
  } finally {
    await context.close();
  }
});
