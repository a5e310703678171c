// Sign-in with the OpenID providers, in Chromium (providers.mjs starts the test-only provider,
// FranceConnect-like and ProConnect-like):
// - a citizen signs in with FranceConnect, answers a campaign that requires verified identities,
//   signs out here and at the provider (a POST whose next stop is another origin: the page's CSP
//   `form-action 'self'` must not stop it), and cannot answer again with a second account;
// - an operator signs in with ProConnect and lands in the console (the console cookie is
//   `SameSite=Strict`, and the callback comes from another site).

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
  demoOperator,
  signInLinkFor,
} from '../harness.mjs';

const HOST = 'gironde.localhost';

/// Clicks `locator` and waits for the navigation it starts (and any it leads to) to settle.
async function go(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
  await page.waitForLoadState('load');
}

/// At the test provider's page: signs in as `sub` with `email` and comes back to ecoute.
async function atProvider(page, sub, email) {
  await page.waitForURL(/\/interaction\//);
  await page.locator('#sub').fill(sub);
  await page.locator('#email').fill(email);
  await Promise.all([
    page.waitForURL((url) => url.hostname !== '127.0.0.1', { timeout: 15_000 }),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ]);
  await page.waitForLoadState('load');
  // The test provider's own pages are not ecoute's to judge (a favicon it does not serve…).
  page.problems = page.problems.filter((p) => !p.includes('127.0.0.1'));
}

/// A published local campaign of gironde with one survey question, requiring verified
/// identities (the console's campaign form); returns its public path.
async function verifiedCampaign(context) {
  const page = await openPage(context);
  await consoleSignIn(page, HOST);
  await page.goto(`${base(HOST)}admin/campagnes/nouvelle`, { waitUntil: 'load' });
  const title = `Une personne, une voix ${Date.now()}`;
  await page.locator('#title').fill(title);
  await page.locator('input[name="has_survey"]').check();
  await page.getByLabel(/Contribution sur identité vérifiée par FranceConnect/).check();
  await go(page, page.getByRole('button', { name: 'Créer le brouillon' }));
  assert.equal(await h1Text(page), title);
  assert.ok(await page.getByLabel(/Contribution sur identité vérifiée/).isChecked(), 'the option is kept');
  await page.locator('#new-kind').selectOption('single_choice');
  await page.locator('#new-label').fill('Le samedi matin vous conviendrait-il ?');
  await page.locator('#new-options').fill('Oui\nNon');
  await go(page, page.getByRole('button', { name: 'Ajouter une question' }));
  await go(page, page.getByRole('button', { name: 'Publier' }));
  assert.match(await page.locator('.notice').innerText(), /Consultation publiée/);
  await go(page, page.getByRole('link', { name: 'Page publique' }).first());
  return new URL(page.url()).pathname;
}

test('oidc: a citizen signs in with FranceConnect, answers a one-voice campaign, signs out at the provider, and cannot answer again with a second account; axe', async () => {
  const operator = await newContext();
  const citizen = await newContext();
  const second = await newContext();
  try {
    const campaign = await verifiedCampaign(operator);
    const run = Date.now();
    const sub = `fc-navigateur-${run}`;

    // FranceConnect: from the campaign to the sign-in page, to the provider, and back.
    const page = await openPage(citizen);
    await page.goto(`${base(HOST)}${campaign.slice(1)}`, { waitUntil: 'load' });
    assert.match(await page.locator('main').innerText(), /demande une identité vérifiée par FranceConnect/);
    await page.goto(`${base(HOST)}connexion?retour=${encodeURIComponent(campaign)}`, { waitUntil: 'load' });
    await assertAccessible(page, `${HOST} /connexion with FranceConnect and ProConnect`);
    await go(page, page.getByRole('link', { name: /S’identifier avec\s*FranceConnect/ }));
    await atProvider(page, sub, `premier-${run}@exemple.fr`);
    assert.equal(new URL(page.url()).pathname, '/compte', 'a new account chooses its pseudonym');
    assertNoProblems(page);

    // The survey, once.
    await page.goto(`${base(HOST)}${campaign.slice(1)}/questionnaire`, { waitUntil: 'load' });
    await page.getByLabel('Oui', { exact: true }).check();
    await go(page, page.getByRole('button', { name: 'Envoyer mes réponses' }));
    assert.match(await page.locator('main').innerText(), /Vos réponses ont été enregistrées/);
    assertNoProblems(page);

    // Signing out: here, then at the provider, which brings the browser back here.
    page.problems = [];
    await go(page, page.getByRole('button', { name: 'Se déconnecter' }));
    await page.waitForURL(/127\.0\.0\.1:\d+\/session\/end/, { timeout: 15_000 });
    await screenshot(page, 'oidc-provider-logout');
    await Promise.all([
      page.waitForURL((url) => url.hostname === HOST, { timeout: 15_000 }),
      page.locator('button[type="submit"], input[type="submit"]').first().click(),
    ]);
    await page.waitForLoadState('load');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('.account-nav form[action="/deconnexion"]').count(), 0, 'signed out');
    assert.deepEqual(
      page.problems.filter((p) => /Content Security Policy|form-action/i.test(p)),
      [],
      'no CSP violation on the way out',
    );

    // A second account (an e-mailed link, another address): not heard without FranceConnect…
    const other = await openPage(second);
    const email = `second-${run}@exemple.fr`;
    await other.goto(`${base(HOST)}connexion`, { waitUntil: 'load' });
    await other.locator('#email').fill(email);
    await go(other, other.getByRole('button', { name: 'Recevoir mon lien de connexion' }));
    await other.goto(`${base(HOST)}${(await signInLinkFor(email)).slice(1)}`, { waitUntil: 'load' });
    await go(other, other.getByRole('button', { name: 'Me connecter', exact: true }));
    await other.goto(`${base(HOST)}${campaign.slice(1)}/questionnaire`, { waitUntil: 'load' });
    await other.getByLabel('Oui', { exact: true }).check();
    const refused = await Promise.all([
      other.waitForNavigation(),
      other.getByRole('button', { name: 'Envoyer mes réponses' }).click(),
    ]).then(([response]) => response);
    assert.equal(refused.status(), 403);
    assert.equal(await h1Text(other), 'Consultation sur identité vérifiée');
    await assertAccessible(other, `${HOST} one-voice invitation to FranceConnect`);
    // …and FranceConnect with the same identity opens the first account, which already answered.
    await go(other, other.getByRole('link', { name: 'S’identifier avec FranceConnect' }));
    await atProvider(other, sub, email);
    assert.equal(new URL(other.url()).pathname, campaign);
    await other.goto(`${base(HOST)}${campaign.slice(1)}/questionnaire`, { waitUntil: 'load' });
    assert.match(await other.locator('main').innerText(), /Vous avez déjà répondu/);
  } finally {
    await operator.close();
    await citizen.close();
    await second.close();
  }
});

test('oidc: an operator signs in with ProConnect, lands in the console and lists an organisation; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const { email } = demoOperator(HOST);
    await page.goto(`${base(HOST)}admin/connexion`, { waitUntil: 'load' });
    await go(page, page.getByRole('link', { name: /S’identifier avec\s*ProConnect/ }));
    await atProvider(page, `pc-${Date.now()}`, email);
    // The callback's page goes on by itself (a meta refresh; its link without it).
    await page.waitForURL((url) => url.pathname === '/admin', { timeout: 15_000 });
    await page.waitForLoadState('load');
    assert.equal(await h1Text(page), 'Tableau de bord');
    assertNoProblems(page);
    await assertAccessible(page, `${HOST} /admin after ProConnect`);
    // The organisations whose agents ProConnect admits to staff-only campaigns (from "Équipe").
    await page.goto(`${base(HOST)}admin/equipe`, { waitUntil: 'load' });
    await go(page, page.getByRole('link', { name: /Organisations admises avec ProConnect/ }));
    await page.locator('#organisation-value').fill('213 300 635 00017');
    await page.locator('#organisation-label').fill('Mairie de Bordeaux');
    await go(page, page.getByRole('button', { name: 'Ajouter l’organisation' }));
    assert.match(await page.locator('main').innerText(), /21330063500017/);
    assertNoProblems(page);
    await assertAccessible(page, `${HOST} /admin/equipe/organisations`);
  } finally {
    await context.close();
  }
});
