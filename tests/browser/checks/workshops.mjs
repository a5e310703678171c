// A workshop recruitment from the console: sessions, application, draw, invitation, attendance.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  assertAccessible,
  screenshot,
  test,
  mailedLinkFor,
  h1Text,
  consoleSignIn,
  sleep,
} from '../harness.mjs';
import { runStamp, journeyOrigin, signIn } from './journey_setup.mjs';

test('console journey: a workshop recruitment — sessions, a volunteer applies, the panel is drawn, invited, confirms, attends; axe', async () => {
  const context = await newContext();
  let citizenContext;
  try {
    const page = await openPage(context);
    await consoleSignIn(page, 'gironde.localhost');
    // A campaign of its own, published (the demo database is kept between runs, and a
    // recruitment once drawn takes no more applications).
    await page.goto(`${base('gironde.localhost')}admin/campagnes/nouvelle`, { waitUntil: 'load' });
    await page.locator('#title').fill(`Ateliers des familles ${runStamp}`);
    await page.locator('input[name="has_survey"]').uncheck();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Créer le brouillon' }).click()]);
    const id = new URL(page.url()).pathname.split('/')[3];
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Publier' }).click()]);
    assert.match(await page.locator('.notice').innerText(), /Consultation publiée/);
    const path = `${base('gironde.localhost')}admin/campagnes/${id}/ateliers`;
    let response = await page.goto(path, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await h1Text(page), 'Recrutement pour des ateliers');
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (empty)');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Ouvrir un recrutement/ }).click()]);
    await page.locator('#s-title').fill(`Atelier ${runStamp}`);
    await page.locator('#s-place').fill('Maison des familles');
    await page.locator('#s-address').fill('1 rue du Port, Bordeaux');
    await page.locator('#s-start').fill('2027-01-16T09:30');
    await page.locator('#s-end').fill('2027-01-16T12:00');
    await page.locator('#s-capacity').fill('12');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Ajouter la séance' }).click()]);
    assert.match(await page.locator('main').innerText(), new RegExp(`Atelier ${runStamp}`));
    const publicPath = await page.locator('a[href$="/ateliers"][href^="/consultations/"]').first().getAttribute('href');
    await screenshot(page, 'console-workshops');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers');

    // A volunteer applies.
    citizenContext = await newContext();
    const citizen = await openPage(citizenContext);
    await citizen.goto(base('gironde.localhost'), { waitUntil: 'load' });
    await signIn(citizen, `volontaire-${runStamp}@exemple.fr`);
    response = await citizen.goto(`${base('gironde.localhost')}${publicPath.slice(1)}`, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await h1Text(citizen), 'Participer à un atelier');
    await assertAccessible(citizen, 'gironde.localhost /consultations/{slug}/ateliers');
    for (const answer of ['Parent seul avec enfant(s)', '2', 'Oui', '30 à 39 ans']) {
      await citizen.getByRole('radio', { name: answer, exact: true }).first().check();
    }
    await citizen.locator('input[name="c-departement"]').first().check();
    await citizen.locator('#consentement').check();
    await Promise.all([citizen.waitForNavigation(), citizen.getByRole('button', { name: /candidature|modifications/ }).click()]);
    assert.match(await citizen.locator('.notice').innerText(), /candidature est enregistrée/);
    assertNoProblems(citizen);
    await assertAccessible(citizen, 'gironde.localhost /consultations/{slug}/ateliers (saved)');

    // Closed by the operator, the recruitment turns the volunteer away with a French page;
    // reopened, the form is back.
    await page.goto(path, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Fermer le recrutement' }).click()]);
    assert.match(await page.locator('main').innerText(), /Recrutement fermé : les candidatures sont refusées/);
    await citizen.reload({ waitUntil: 'load' });
    assert.equal(await h1Text(citizen), 'Recrutement fermé');
    await assertAccessible(citizen, 'gironde.localhost /consultations/{slug}/ateliers (closed)');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Rouvrir le recrutement' }).click()]);
    await citizen.reload({ waitUntil: 'load' });
    assert.equal(await h1Text(citizen), 'Participer à un atelier');

    // The operator draws a one-seat panel (once: later runs find it drawn).
    await page.goto(path, { waitUntil: 'load' });
    const draw = page.getByRole('button', { name: 'Tirer au sort le panel' });
    const drawnNow = (await draw.count()) > 0;
    if (drawnNow) {
      await page.locator('#seats').fill('1');
      await Promise.all([page.waitForNavigation(), draw.click()]);
    }
    assert.match(await page.locator('main').innerText(), /Graine publiée/);
    await screenshot(page, 'console-workshops-drawn');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (drawn)');
    // At 390 px wide the page does not scroll sideways (wide tables scroll inside themselves).
    await page.setViewportSize({ width: 390, height: 800 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth)
        .filter((el) => !el.parentElement.closest('.data-table'))
        .slice(0, 5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${el.getBoundingClientRect().right} px, scroll ${el.scrollWidth}/${el.clientWidth})`),
    );
    await screenshot(page, 'console-workshops-drawn-390');
    await page.setViewportSize({ width: 1280, height: 800 });
    // (1 px is the rounding of fractional widths: no element reaches past the edge then.)
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow} px at 390 px: ${wide.join(', ')}`);
    if (!drawnNow) return; // the rest needs this run's volunteer on the panel

    // Invitations go out; the volunteer, alone in the pool, is on the panel and gets a link.
    const volunteer = `volontaire-${runStamp}@exemple.fr`;
    const row = (email) => page.locator('tr', { hasText: email }).first();
    assert.match(await row(volunteer).innerText(), /Tiré au sort, invitation à envoyer/);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: /Envoyer les invitations/ }).click()]);
    // "Invité" once the mail has left the outbox (the demo's mail worker sends it in a moment).
    assert.match(await row(volunteer).innerText(), /Tiré au sort, (invitation en file|invité)/);
    for (let i = 0; i < 50 && !/invité$/.test((await row(volunteer).innerText()).trim()); i++) {
      await sleep(300);
      await page.reload({ waitUntil: 'load' });
    }
    assert.match((await row(volunteer).innerText()).trim(), /Tiré au sort, invité$/);
    const answerLink = await mailedLinkFor(volunteer, /\/ateliers\/reponse\/[A-Za-z0-9_-]+/);
    response = await citizen.goto(journeyOrigin() + answerLink, { waitUntil: 'load' });
    assert.equal(response.status(), 200);
    assert.equal(await h1Text(citizen), 'Votre participation à l’atelier');
    await assertAccessible(citizen, 'gironde.localhost /ateliers/reponse/{token}');
    await Promise.all([citizen.waitForNavigation(), citizen.getByRole('button', { name: 'Je confirme ma participation' }).click()]);
    assert.equal(await h1Text(citizen), 'Participation confirmée');
    assertNoProblems(citizen);
    await assertAccessible(citizen, 'gironde.localhost /ateliers/reponse/{token} (confirmed)');

    // The operator places the confirmed volunteer in the session and records that they came.
    await page.goto(path, { waitUntil: 'load' });
    assert.match(await row(volunteer).innerText(), /Confirmé/);
    const attendanceForm = page.locator('form[action$="/ateliers/presences"]');
    const placeRow = attendanceForm.locator('tr', { hasText: volunteer });
    const select = placeRow.locator('select');
    const session = await select
      .locator('option')
      .evaluateAll((options, title) => options.find((o) => o.textContent.includes(title))?.value, `Atelier ${runStamp}`);
    assert.ok(session, 'the new session is offered');
    await select.selectOption(session);
    await placeRow.getByRole('checkbox').check();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Enregistrer les présences' }).click()]);
    // The per-session summary counts them: assigned 1, attended 1.
    const sessionRow = page
      .locator('section[aria-labelledby="presences"] table')
      .first()
      .locator('tr', { hasText: `Atelier ${runStamp}` });
    const cells = (await sessionRow.locator('td').allInnerTexts()).map((c) => c.trim());
    assert.deepEqual(cells.slice(-2), ['1', '1'], `assigned and attended: ${cells.join(' | ')}`);
    assert.ok(await placeRow.getByRole('checkbox').isChecked(), 'the presence is kept');
    await screenshot(page, 'console-workshops-attendance');
    assertNoProblems(page);
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (attendance)');
    // The session moves to another room: the people invited are told (the notice says so).
    const edit = page.locator('details.session-edit', { hasText: `Atelier ${runStamp}` });
    await edit.locator('summary').click();
    await edit.getByLabel('Lieu', { exact: true }).fill('Salle du conseil');
    await Promise.all([page.waitForNavigation(), edit.getByRole('button', { name: 'Enregistrer la séance' }).click()]);
    assert.match(await page.locator('.notice').innerText(), /Séance enregistrée/);
    assert.equal(await edit.getByLabel('Lieu', { exact: true }).inputValue(), 'Salle du conseil');
    await assertAccessible(page, 'gironde.localhost /admin/campagnes/{id}/ateliers (session edited)');
    // Withdrawn again: the demo database is kept between runs, and the space's quota of open
    // campaigns would fill up.
    await page.goto(`${base('gironde.localhost')}admin/campagnes/${id}`, { waitUntil: 'load' });
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Retirer de la publication' }).click()]);
  } finally {
    if (citizenContext) await citizenContext.close();
    await context.close();
  }
});
