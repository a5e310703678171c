// Invitations (issue 20, item 1): the Gironde demo operator uploads a list, checks its preview
// (a repeat inside the list, an address invited before, a refused line), confirms, lands on the
// batch's page, which follows the delivery without a reload, then reloads it and replays the
// confirm: nothing is queued twice. axe on each page.

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
} from '../harness.mjs';

const HOST = 'gironde.localhost';
// The demo database is kept between runs: addresses unique to this run.
const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const first = `premiere-${stamp}@exemple.fr`;
const second = `seconde-${stamp}@exemple.fr`;

/// Pastes `list` into the form of the invitation page open in `page`, submits it and returns
/// the preview's path (the upload redirects there).
async function uploadList(page, list) {
  await page.locator('#addresses').fill(list);
  const staff = page.locator('input[name="as_staff"]');
  if (await staff.isChecked()) await staff.uncheck();
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Vérifier la liste' }).click()]);
  assert.equal(await h1Text(page), 'Vérifier la liste avant l’envoi');
  const path = new URL(page.url()).pathname;
  assert.match(path, /^\/admin\/campagnes\/[0-9a-f-]{36}\/invitations\/[0-9a-f-]{36}$/, 'the upload redirects to its batch');
  return path;
}

/// The rows of the table `id` of the page, as arrays of cell texts.
const rows = (page, id) =>
  page.locator(`table#${id} tbody tr`).evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((td) => td.innerText.trim())));

test('invitations: a list is previewed (repeat, already invited), confirmed once, followed live; reload and replay queue nothing; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    await consoleSignIn(page, HOST);
    await page.goto(`${base(HOST)}admin/campagnes`, { waitUntil: 'load' });
    const invite = page.locator('a[href^="/admin/campagnes/"][href$="/invitations"]').first();
    assert.ok(await invite.count(), 'a published campaign to invite people to');
    await Promise.all([page.waitForNavigation(), invite.click()]);
    assert.equal(await h1Text(page), 'Inviter');
    const formUrl = page.url();
    await assertAccessible(page, `${HOST} /admin/campagnes/{id}/invitations`);

    // A first list, confirmed: `first` is now invited to the campaign.
    await uploadList(page, first);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirmer l’envoi' }).click()]);
    assert.equal(await h1Text(page), 'Envoi d’invitations');

    // A second list: `first` again, `second` twice (one a repeat), a refused line.
    await page.goto(formUrl, { waitUntil: 'load' });
    const batch = await uploadList(page, `${first}\n${second}\n${second.toUpperCase()}\npas-une-adresse@`);
    for (let reload = 0; reload < 2; reload++) {
      const main = await page.locator('main').innerText();
      assert.match(main, /1\s+adresse à inviter/);
      assert.match(main, /1\s+adresse déjà invitée/);
      assert.match(main, /1\s+doublon dans la liste/);
      assert.match(main, /1\s+ligne refusée/);
      assert.deepEqual(await rows(page, 'new'), [['2', second]]);
      const [already] = await rows(page, 'already');
      assert.equal(already[1], first);
      assert.match(already[2], /^déjà invitée le \d{1,2} \S+ \d{4}$/);
      assert.deepEqual(await rows(page, 'repeat'), [['3', second, 'déjà à la ligne 2']]);
      assert.deepEqual(await rows(page, 'refused'), [['4', 'pas-une-adresse@', 'Adresse électronique invalide.']]);
      assertNoProblems(page);
      if (reload === 0) {
        await screenshot(page, 'invitations-preview');
        await assertAccessible(page, `${HOST} /admin/campagnes/{id}/invitations/{batch} (preview)`);
        // The preview is a page: a reload shows it again, nothing sent.
        await page.reload({ waitUntil: 'load' });
      }
    }
    const csrf = await page.locator('form[action$="/confirmer"] input[name="csrf"]').inputValue();
    const key = await page.locator('form[action$="/confirmer"] input[name="cle"]').inputValue();
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Confirmer l’envoi' }).click()]);
    assert.equal(new URL(page.url()).pathname, batch, 'the confirm lands on the batch’s page');
    assert.equal(await h1Text(page), 'Envoi d’invitations');
    const [skipped] = await rows(page, 'skipped');
    assert.equal(skipped[1], first, 'the address invited before was skipped');
    assert.ok(await page.getByRole('button', { name: 'Réinviter cette adresse' }).count(), 're-inviting is offered');
    assert.ok(await page.getByRole('link', { name: 'Rafraîchir' }).count(), 'a refresh link for pages without JavaScript');
    await assertAccessible(page, `${HOST} /admin/campagnes/{id}/invitations/{batch} (sent)`);

    // Live progress: the page is served as if nothing had gone yet (its real HTML and headers,
    // CSP included, fetched from the page: Node does not resolve *.localhost); its script reads
    // the batch's state and shows the mail sent, without a reload.
    const served = await page.evaluate(async (path) => {
      const response = await fetch(path);
      return { body: await response.text(), headers: Object.fromEntries(response.headers) };
    }, batch);
    const unsent = served.body
      .replace(/<dd data-count="sent">\d+<\/dd>/, '<dd data-count="sent">0</dd>')
      .replace(/<progress max="(\d+)" value="\d+"/, '<progress max="$1" value="0"');
    assert.notEqual(unsent, served.body, 'the page has a progress bar and a count of sent mail');
    await page.route(`**${batch}`, (route) => route.fulfill({ status: 200, headers: served.headers, body: unsent }));
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.locator('[data-count="sent"]').innerText(), '0');
    await page.waitForFunction(() => document.querySelector('[data-count="sent"]').textContent === '1', null, {
      timeout: 20_000,
    });
    assert.equal(await page.locator('.progress-state').innerText(), 'Envoi terminé.');
    await page.unroute(`**${batch}`);

    // A reload, and the confirm form submitted again with its key (as after "back"): still one
    // mail, and the same landing.
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.locator('.progress-text').innerText(), '1 / 1');
    await Promise.all([
      page.waitForNavigation(),
      page.evaluate(
        ({ action, fields }) => {
          const form = document.createElement('form');
          form.method = 'post';
          form.action = action;
          for (const [name, value] of Object.entries(fields)) {
            const input = document.createElement('input');
            Object.assign(input, { type: 'hidden', name, value });
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        },
        { action: `${batch}/confirmer`, fields: { csrf, cle: key } },
      ),
    ]);
    assert.equal(new URL(page.url()).pathname, batch, 'a replayed confirm lands on the batch’s page');
    assert.equal(await page.locator('.progress-text').innerText(), '1 / 1', 'the replay queued nothing');
    await screenshot(page, 'invitations-batch');
    assertNoProblems(page);

    // The deliveries console: one mail to each address.
    const campaign = batch.split('/')[3];
    await page.goto(`${base(HOST)}admin/courriels?campagne=${campaign}`, { waitUntil: 'load' });
    for (const address of [first, second]) {
      assert.equal(await page.locator('td', { hasText: address }).count(), 1, `one mail to ${address}`);
    }
  } finally {
    await context.close();
  }
});
