// Finding and acting on many contributions: the Gironde operator searches, ticks two, hides them
// for a reason of the charter, sees them counted, then restores them with a written reason; then
// the same with a comment, after a refusal that keeps the tick.

import assert from 'node:assert/strict';
import { base, newContext, openPage, assertNoProblems, assertAccessible, followLink, test, h1Text, consoleSignIn } from '../harness.mjs';

test('console: an operator finds contributions and hides then restores two at once; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const host = 'gironde.localhost';
    await consoleSignIn(page, host);
    await page.goto(`${base(host)}admin/contributions?statut=published`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'Contributions');
    assert.match(await page.locator('#resultats').innerText(), /contributions? trouvées?/);
    assertNoProblems(page);
    await assertAccessible(page, `${host} /admin/contributions`);
    const boxes = page.locator('input[name="ids"]');
    assert.ok((await boxes.count()) >= 2, 'at least two published contributions in the demo');
    const ids = [await boxes.nth(0).getAttribute('value'), await boxes.nth(1).getAttribute('value')];
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator('#b-charter').selectOption('off_topic');
    await followLink(page, page.getByRole('button', { name: 'Appliquer à la sélection' }));
    assert.match(await page.locator('.notice').innerText(), /2 contributions traitées/);
    assertNoProblems(page);
    await assertAccessible(page, `${host} /admin/contributions after an action`);

    // Restored, from the hidden ones, with a reason.
    await page.goto(`${base(host)}admin/contributions?statut=hidden`, { waitUntil: 'load' });
    for (const id of ids) await page.locator(`#c-${id}`).check();
    await page.getByRole('radio', { name: /Rétablir/ }).check();
    await page.locator('#b-note').fill('Masquées pour essayer la recherche');
    await followLink(page, page.getByRole('button', { name: 'Appliquer à la sélection' }));
    assert.match(await page.locator('.notice').innerText(), /2 contributions traitées/);

    // Comments too: found by type, hidden without a charter reason refused with the tick kept,
    // then hidden for one.
    await page.goto(`${base(host)}admin/contributions?genre=commentaire&statut=published`, { waitUntil: 'load' });
    const comments = page.locator('input[name="comments"]');
    assert.ok((await comments.count()) >= 1, 'the demo has published comments');
    assert.equal(await page.locator('input[name="ids"]').count(), 0, 'only comments');
    const comment = await comments.first().getAttribute('value');
    await comments.first().check();
    const refused = await followLink(page, page.getByRole('button', { name: 'Appliquer à la sélection' }));
    assert.equal(refused.status(), 422);
    assert.match(await page.locator('.error-summary').innerText(), /motif de la charte/);
    assert.ok(await page.locator(`#c-${comment}`).isChecked(), 'the tick is kept');
    await assertAccessible(page, `${host} /admin/contributions (refused, ticks kept)`);
    await page.locator('#b-charter').selectOption('off_topic');
    await followLink(page, page.getByRole('button', { name: 'Appliquer à la sélection' }));
    assert.match(await page.locator('.notice').innerText(), /1 contribution traitée/);
    await page.goto(`${base(host)}admin/contributions?genre=commentaire&statut=hidden`, { waitUntil: 'load' });
    await page.locator(`#c-${comment}`).check();
    await page.getByRole('radio', { name: /Rétablir/ }).check();
    await page.locator('#b-note').fill('Masqué pour essayer la recherche');
    await followLink(page, page.getByRole('button', { name: 'Appliquer à la sélection' }));
    assert.match(await page.locator('.notice').innerText(), /1 contribution traitée/);
  } finally {
    await context.close();
  }
});
