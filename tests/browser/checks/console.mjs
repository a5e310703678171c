// Consoles: a Caf operator's pages, and the national admin's modules, counters and hand-off.

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

test('console: a Caf operator signs in; every console page is reachable and passes axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'gironde.localhost');
    const pages = [
      ['/admin', 'Tableau de bord'],
      ['/admin/moderation', 'Modération'],
      ['/admin/apparence', 'Apparence'],
      ['/admin/campagnes', 'Consultations'],
      ['/admin/ateliers', 'Ateliers'],
      ['/admin/contributions', 'Contributions'],
      ['/admin/participants', 'Participant·es'],
      ['/admin/courriels', 'Courriels'],
      ['/admin/equipe', 'Équipe et agents'],
      ['/admin/journal', 'Journal'],
      ['/admin/regles', 'Informations légales'],
      ['/admin/securite', 'Sécurité du compte'],
    ];
    for (const [path, title] of pages) {
      const response = await page.goto(`${base('gironde.localhost')}${path.slice(1)}`, { waitUntil: 'load' });
      assert.equal(response.status(), 200, `GET ${path}`);
      assert.equal(await h1Text(page), title, `title of ${path}`);
      const current = page.locator('.console-nav [aria-current="page"]');
      assert.equal(await current.count(), 1, `${path} marks its section in the navigation`);
      await screenshot(page, `console-gironde${path.replaceAll('/', '-')}`);
      assertNoProblems(page);
      await assertAccessible(page, `gironde.localhost ${path}`);
    }
    // The journal shows this very sign-in.
    await page.goto(`${base('gironde.localhost')}admin/journal`, { waitUntil: 'load' });
    assert.match(await page.locator('main').innerText(), /Connexion à la console/);
    assert.doesNotMatch(await page.locator('main table').innerText(), /console\.sign_in/);
  } finally {
    await context.close();
  }
});

test('console: the national admin sees the 101 Caf and their modules; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'localhost');
    const response = await page.goto(`${base('localhost')}admin/modules`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await page.locator('tbody tr').count(), 101);
    const gironde = page.locator('#caf-33');
    assert.match(await gironde.innerText(), /Actif/);
    await screenshot(page, 'console-national-modules');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/modules');
    const usage = await page.goto(`${base('localhost')}admin/compteurs`, { waitUntil: 'load' });
    assert.equal(usage.status(), 200);
    assert.match(await h1Text(page), /^Compteurs/);
    assert.ok(await page.locator('svg[role="img"]').count(), 'the day-by-day chart');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/compteurs');
    // One space's usage and quota form.
    const space = await page.goto(`${base('localhost')}admin/compteurs/gironde`, { waitUntil: 'load' });
    assert.equal(space.status(), 200);
    assert.equal(await h1Text(page), 'Caf de la Gironde');
    assert.ok(await page.locator('#quotas').count(), 'the quota table');
    await screenshot(page, 'console-national-usage-gironde');
    assertNoProblems(page);
    await assertAccessible(page, 'localhost /admin/compteurs/gironde');
    // "Ouvrir sa console": the admin arrives on Gironde's console, signed in there, despite the
    // national page's `form-action 'self'` (it is a link, followed to the other origin).
    // The national team page lists the national admins; the demo's only one cannot give up the role.
    await page.goto(`${base('localhost')}admin/equipe`, { waitUntil: 'load' });
    assert.match(await page.locator('main').innerText(), /Administration nationale/);
    await assertAccessible(page, 'localhost /admin/equipe');
    const leave = await followLink(page, page.getByRole('button', { name: 'Quitter l’administration nationale' }));
    assert.equal(leave.status(), 409);
    assert.match(await page.locator('.error-summary').innerText(), /dernière personne à administrer la plateforme/);
    await assertAccessible(page, 'localhost /admin/equipe (the last national admin stays)');
    await page.goto(`${base('localhost')}admin/modules`, { waitUntil: 'load' });
    await followLink(page, page.locator('#caf-33 a[href$="/ouvrir"]'));
    // The relay page goes on by itself (meta refresh), a navigation of Gironde's own.
    await page.waitForURL((url) => url.pathname === '/admin', { timeout: 5000 });
    assert.equal(new URL(page.url()).hostname, 'gironde.localhost', page.url());
    assert.equal(new URL(page.url()).pathname, '/admin', page.url());
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin after the hand-off');
  } finally {
    await context.close();
  }
});
