// Default quotas, as the national admin sets them: a refused entry comes back as typed; saved
// defaults go to the next module activated, whose usage page shows them against its use.

import assert from 'node:assert/strict';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  followLink,
  test,
  h1Text,
  consoleSignIn,
} from '../harness.mjs';

test('console quotas: the national admin sets the default quotas and a module activated next gets them; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'localhost');
    await page.goto(`${base('localhost')}admin/compteurs/quotas-par-defaut`, { waitUntil: 'load' });
    assert.equal(await h1Text(page), 'Quotas par défaut des nouveaux modules');
    await assertAccessible(page, 'localhost /admin/compteurs/quotas-par-defaut');

    // A refused entry: the form again, the entry kept, a French message.
    await page.locator('#q-emails').fill('douze mille');
    const refused = await followLink(page, page.getByRole('button', { name: 'Enregistrer les quotas' }));
    assert.equal(refused.status(), 422);
    assert.equal(await page.locator('#q-emails').inputValue(), 'douze mille');
    assert.ok(await page.locator('.error-summary').count(), 'the refusal says why');
    await assertAccessible(page, 'localhost /admin/compteurs/quotas-par-defaut (refused)');

    const mails = 12000 + (Date.now() % 1000);
    await page.locator('#q-emails').fill(String(mails));
    await page.locator('#q-campaigns').fill('7');
    await page.locator('#q-storage').fill('1024');
    const saved = await followLink(page, page.getByRole('button', { name: 'Enregistrer les quotas' }));
    assert.equal(saved.status(), 200);
    assertNoProblems(page);

    // The next module activated takes them.
    await page.goto(`${base('localhost')}admin/modules`, { waitUntil: 'load' });
    const row = page.locator('tbody tr:has(input[name="code"])').first();
    assert.equal(await row.count(), 1, 'a Caf without a module');
    await row.locator('summary').click();
    const slug = await row.locator('input[name="slug"]').inputValue();
    await followLink(page, row.getByRole('button', { name: 'Activer' }));
    assertNoProblems(page);
    await page.goto(`${base('localhost')}admin/compteurs/${slug}`, { waitUntil: 'load' });
    const quotas = await page.locator('#quotas').innerText();
    const grouped = `${Math.floor(mails / 1000)}\u202f${String(mails % 1000).padStart(3, '0')}`;
    assert.ok(quotas.includes(grouped), `the new module's mail quota is the default (${grouped}): ${quotas}`);
    assert.match(quotas, /1024|1\u202f024|1 024/, 'and its storage quota');
    await assertAccessible(page, `localhost /admin/compteurs/${slug}`);
  } finally {
    await context.close();
  }
});
