// A space's own OpenID provider (the Keycloak-like test provider, providers.mjs), in Chromium:
// an operator adds it in the console (a bad issuer first: the form comes back with its error
// and the entry kept, the secret not shown), then a citizen signs in with its button on the
// space's sign-in page, and only that space's.

import assert from 'node:assert/strict';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  test,
  h1Text,
  consoleSignIn,
} from '../harness.mjs';
import { spaceProvider } from '../providers.mjs';

const HOST = 'gironde.localhost';
const NAME = 'l’annuaire de la Caf de la Gironde';

/// Clicks `locator` and waits for the navigation it starts to settle.
async function go(page, locator) {
  await Promise.all([page.waitForNavigation(), locator.click()]);
  await page.waitForLoadState('load');
}

test('oidc: an operator adds the Caf’s Keycloak in the console and a citizen signs in with it; axe', async () => {
  const operator = await newContext();
  const citizen = await newContext();
  try {
    const page = await openPage(operator);
    await consoleSignIn(page, HOST);
    await page.goto(`${base(HOST)}admin/equipe`, { waitUntil: 'load' });
    await go(page, page.getByRole('link', { name: /Service d’identification de l’espace/ }));
    assert.equal(await h1Text(page), 'Service d’identification de l’espace');
    assert.match(await page.locator('#redirect-uri').innerText(), /gironde\.localhost:\d+\/connexion\/annuaire\/retour$/);
    await assertAccessible(page, `${HOST} /admin/equipe/service-identification`);

    // An issuer that does not answer: the form again, its entry kept, the secret not.
    await page.locator('#provider-display_name').fill(NAME);
    await page.locator('#provider-issuer').fill('http://127.0.0.1:9/realms/caf');
    await page.locator('#provider-client_id').fill(spaceProvider.clientId);
    await page.locator('#provider-client_secret').fill(spaceProvider.clientSecret);
    const refused = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Enregistrer le service d’identification' }).click(),
    ]).then(([response]) => response);
    assert.equal(refused.status(), 422);
    assert.match(await page.locator('.error-summary').innerText(), /ne répond pas comme un service OpenID Connect/);
    assert.equal(await page.locator('#provider-display_name').inputValue(), NAME);
    assert.equal(await page.locator('#provider-client_secret').inputValue(), '');
    page.problems = page.problems.filter((p) => !p.includes('422'));
    await assertAccessible(page, `${HOST} service-identification with an error`);

    // The real issuer: saved.
    await page.locator('#provider-issuer').fill(spaceProvider.issuer);
    await page.locator('#provider-client_secret').fill(spaceProvider.clientSecret);
    await go(page, page.getByRole('button', { name: 'Enregistrer le service d’identification' }));
    assert.match(await page.locator('.notice').innerText(), /Service d’identification enregistré/);
    assert.equal(await page.locator('#provider-client_secret').inputValue(), '', 'never shown back');
    assertNoProblems(page);

    // A citizen signs in with it, from the space's sign-in page.
    const visitor = await openPage(citizen);
    await visitor.goto(`${base(HOST)}connexion`, { waitUntil: 'load' });
    await assertAccessible(visitor, `${HOST} /connexion with the space's provider`);
    await go(visitor, visitor.getByRole('link', { name: `Se connecter avec ${NAME}` }));
    await visitor.waitForURL(/\/interaction\//);
    await visitor.locator('#sub').fill(`kc-navigateur-${Date.now()}`);
    await visitor.locator('#email').fill(`annuaire-${Date.now()}@exemple.fr`);
    await Promise.all([
      visitor.waitForURL((url) => url.hostname === HOST, { timeout: 15_000 }),
      visitor.getByRole('button', { name: 'Se connecter' }).click(),
    ]);
    await visitor.waitForLoadState('load');
    visitor.problems = visitor.problems.filter((p) => !p.includes('127.0.0.1'));
    assert.equal(new URL(visitor.url()).pathname, '/compte', 'a new account chooses its pseudonym');
    assertNoProblems(visitor);

    // Not on another space's sign-in page.
    await visitor.goto(`${base('aude.localhost')}connexion`, { waitUntil: 'load' });
    assert.equal(await visitor.getByRole('link', { name: /Se connecter avec l’annuaire/ }).count(), 0);
  } finally {
    await operator.close();
    await citizen.close();
  }
});
