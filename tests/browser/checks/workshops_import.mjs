// Volunteers imported from a file into a workshop recruitment, then a draw in seats with the
// household rule, from the console (issue 21, item 2).

import assert from 'node:assert/strict';
import { base, newContext, openPage, assertNoProblems, assertAccessible, screenshot, test, h1Text, consoleSignIn } from '../harness.mjs';
import { runStamp } from './journey_setup.mjs';

/// 12 people in 6 households of two (same address), single parents the odd ones; the first
/// has an address, one line names an answer that does not exist, one repeats an id.
function volunteers() {
  let file = 'id;Courriel;Situation familiale;adresse;téléphone\r\n';
  for (let i = 1; i <= 12; i++) {
    const family = i % 2 ? 'Parent seul avec enfant(s)' : 'En couple avec enfant(s)';
    const email = i === 1 ? `import-${runStamp}@exemple.fr` : '';
    file += `v${i};${email};${family};${Math.ceil(i / 2)} rue du Port;06000000${String(i).padStart(2, '0')}\r\n`;
  }
  file += 'v13;;Célibataire;7 rue du Port;\r\nv1;;En couple avec enfant(s);8 rue du Port;\r\n';
  return Buffer.from(file, 'utf8');
}

test('console: volunteers imported from a file (mapping, preview, refused lines, confirm), a draw in seats with the household rule; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'gironde.localhost');
    await page.goto(`${base('gironde.localhost')}admin/campagnes/nouvelle`, { waitUntil: 'load' });
    await page.locator('#title').fill(`Ateliers importés ${runStamp}`);
    await page.locator('input[name="has_survey"]').uncheck();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Créer le brouillon' }).click()]);
    const id = new URL(page.url()).pathname.split('/')[3];
    const path = `${base('gironde.localhost')}admin/campagnes/${id}/ateliers`;
    await page.goto(path, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Ouvrir un recrutement/ }).click()]);

    // Upload.
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /Importer des volontaires/ }).click()]);
    assert.equal(await h1Text(page), 'Importer des volontaires');
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers/imports');
    await page.locator('#fichier').setInputFiles({ name: 'volontaires.csv', mimeType: 'text/csv', buffer: volunteers() });
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Lire le fichier' }).click()]);

    // The preview: columns guessed, 12 valid lines, one refused, one duplicate, with their lines.
    const main = () => page.locator('main').innerText();
    assert.match(await main(), /12 lignes valides/);
    assert.match(await main(), /1 avec une adresse électronique/);
    assert.equal(await page.locator('#col-email').inputValue(), 'Courriel');
    assert.match(await page.locator('#refuses').innerText(), /14\s+Situation familiale : « Célibataire » n’est pas une réponse possible/);
    assert.match(await page.locator('#doublons').innerText(), /15\s+identifiant « v1 » déjà à la ligne 2/);
    await screenshot(page, 'console-workshops-import-preview');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers/imports/{import} (preview)');
    const importUrl = page.url();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Ajouter ces personnes au vivier/ }).click()]);
    assert.equal(page.url(), importUrl, 'POST-redirect-GET to the import');
    assert.match(await main(), /Import confirmé/);
    assert.match(await main(), /12 personnes ajoutées/);
    // The back button and a resubmission change nothing.
    await page.goBack({ waitUntil: 'load' });
    await page.reload({ waitUntil: 'load' });
    assert.match(await main(), /Import confirmé/);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers/imports/{import} (confirmed)');

    // The draw: 4 seats, at least 2 single parents in seats, one person per address.
    await page.goto(path, { waitUntil: 'load' });
    assert.match(await main(), /Vivier de volontaires \(12\)/);
    await page.getByRole('radio', { name: 'nombre de places' }).check();
    await page.locator('#seats').fill('4');
    await page.locator('#q-min-family_situation-1').fill('2');
    await page.getByRole('checkbox', { name: 'adresse' }).check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Calculer l’autre forme/ }).click()]);
    assert.match(await page.locator('#q-min-family_situation-1-autre').innerText(), /soit 50\u202F%/);
    assert.ok(await page.getByRole('checkbox', { name: 'adresse' }).isChecked(), 'the entry is kept');
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (quotas in seats)');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Tirer au sort le panel' }).click()]);
    assert.match(await main(), /Graine publiée/);
    assert.match(await main(), /Règle du foyer : au plus une personne par valeur de adresse/);
    assert.match(await main(), /à contacter par téléphone ou courrier/);
    // An answer taken by phone: the row's "A accepté" button.
    const offline = page.locator('tr', { hasText: 'à contacter par téléphone' }).first();
    await Promise.all([page.waitForNavigation(), offline.getByRole('button', { name: /^A accepté/ }).click()]);
    assert.match(await main(), /Confirmé/);
    await screenshot(page, 'console-workshops-import-drawn');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (drawn from an import)');

    // The panel's export: the command's columns, one person per address.
    // (Fetched by the page: the demo's hosts resolve in Chromium only.)
    const csv = await page.evaluate(async (url) => (await fetch(url)).text(), `${path}/panel.csv`);
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r\n/);
    assert.match(lines[0], /^id;email;Situation familiale;.*;adresse;téléphone$/);
    assert.equal(lines.length, 5);
    const addresses = new Set(lines.slice(1).map((l) => l.split(';').at(-2)));
    assert.equal(addresses.size, 4, `one person per household: ${lines.join(' | ')}`);
  } finally {
    await context.close();
  }
});
