// The team, as two people live it: the Gironde operator invites a colleague, who accepts the
// mailed link and reaches the console; the operator changes their role, then removes them, and
// the colleague's open session ends at once. Sending the removal again (back button) is harmless.

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
  mailedLinkFor,
} from '../harness.mjs';

test('console team: a colleague invited, accepted, given another role, then removed ends their session at once; axe', async () => {
  const host = 'gironde.localhost';
  const email = `collegue-${Date.now()}@caf33.demo`;
  const operatorContext = await newContext();
  const colleagueContext = await newContext();
  try {
    const operator = await openPage(operatorContext);
    await consoleSignIn(operator, host);
    await operator.goto(`${base(host)}admin/equipe`, { waitUntil: 'load' });
    await operator.locator('#invite-email').fill(email);
    await operator.locator('#invite-role').selectOption('moderator');
    await followLink(operator, operator.getByRole('button', { name: 'Envoyer l’invitation' }));
    assert.match(await operator.locator('main').innerText(), new RegExp(email.replace('.', '\\.')));
    assertNoProblems(operator);

    // The colleague accepts the mailed link and arrives in the console.
    const link = await mailedLinkFor(email, /\/admin\/invitation\/[A-Za-z0-9_-]+/);
    const colleague = await openPage(colleagueContext);
    await colleague.goto(`${base(host)}${link.slice(1)}`, { waitUntil: 'load' });
    assert.equal(await h1Text(colleague), 'Invitation à la console');
    await assertAccessible(colleague, `${host} /admin/invitation/…`);
    await colleague.locator('#name').fill('Camille Collègue');
    await colleague.locator('#password').fill('un mot de passe solide 2026');
    await colleague.locator('#confirmation').fill('un mot de passe solide 2026');
    await followLink(colleague, colleague.getByRole('button', { name: 'Accepter l’invitation' }));
    if (new URL(colleague.url()).pathname.startsWith('/admin/connexion')) {
      await colleague.locator('#email').fill(email);
      await colleague.getByLabel('Mot de passe').fill('un mot de passe solide 2026');
      await followLink(colleague, colleague.getByRole('button', { name: 'Se connecter' }));
    }
    assert.equal(new URL(colleague.url()).pathname, '/admin', colleague.url());
    assert.equal(await h1Text(colleague), 'Tableau de bord');

    // The operator sees them in the team, changes their role, then removes them.
    await operator.goto(`${base(host)}admin/equipe`, { waitUntil: 'load' });
    const row = operator.locator('tr', { hasText: email });
    assert.equal(await row.count(), 1, 'the colleague is in the team');
    await row.locator('select[name="role"]').selectOption('analyst');
    await followLink(operator, row.getByRole('button', { name: /Changer le rôle/ }));
    assert.equal(new URL(operator.url()).searchParams.get('fait'), 'role');
    assert.match(await operator.locator('tr', { hasText: email }).innerText(), /Analyste|analyste/);
    await assertAccessible(operator, `${host} /admin/equipe after a role change`);
    await followLink(operator, operator.locator('tr', { hasText: email }).getByRole('button', { name: /Retirer de l’équipe/ }));
    assert.equal(new URL(operator.url()).searchParams.get('fait'), 'retrait_membre');
    assert.equal(await operator.locator('tr', { hasText: email }).count(), 0, 'gone from the team');
    assertNoProblems(operator);

    // Their open session ended: the next page sends them to sign in.
    await colleague.goto(`${base(host)}admin/contributions`, { waitUntil: 'load' });
    assert.match(new URL(colleague.url()).pathname, /^\/admin\/connexion/, colleague.url());

    // Back to the page with the old form, and sent again: nothing breaks, nothing changes.
    await operator.goBack({ waitUntil: 'load' });
    const stale = operator.locator('tr', { hasText: email });
    if (await stale.count()) {
      const again = await followLink(operator, stale.getByRole('button', { name: /Retirer de l’équipe/ }));
      assert.ok(again.status() < 400, `a second removal answers ${again.status()}`);
      assert.equal(await operator.locator('tr', { hasText: email }).count(), 0);
    }
    assertNoProblems(operator);
  } finally {
    await operatorContext.close();
    await colleagueContext.close();
  }
});
