// The citizen journey, continued: a second person supports and comments the idea, the author
// replies, the account page; then one axe result per page met on the way.

import assert from 'node:assert/strict';
import {
  newContext,
  openPage,
  assertNoProblems,
  followLink,
  screenshot,
  test,
  h1Text,
  accountNav,
} from '../harness.mjs';
import {
  runStamp,
  journey,
  journeyOrigin,
  JOURNEY_AXE,
  axeRecords,
  auditJourneyPage,
  signIn,
  need,
} from './journey_setup.mjs';

test('journey: a second person, without JavaScript, signs in, supports the idea and comments', async () => {
  need('ideaPath');
  journey.ctxB = await newContext({ javaScriptEnabled: false });
  const page = await openPage(journey.ctxB);
  await page.goto(journeyOrigin() + journey.ideaPath, { waitUntil: 'load' });
  assert.equal(await h1Text(page), journey.ideaTitle);
  await signIn(page, journey.emailB);
  assert.equal(new URL(page.url()).pathname, journey.ideaPath);

  const count = page.locator('article .like-count');
  assert.equal((await count.innerText()).trim(), '0', 'support count of the new idea before');
  const like = page.getByRole('button', { name: 'Je soutiens', exact: true });
  assert.equal(await like.getAttribute('aria-pressed'), 'false');
  let response = await followLink(page, like);
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, journey.ideaPath, 'back on the idea after supporting it');
  assert.equal((await count.innerText()).trim(), '1', 'support count after "Je soutiens"');
  const unlike = page.getByRole('button', { name: 'Je retire mon soutien', exact: true });
  assert.equal(await unlike.count(), 1, 'the button became "Je retire mon soutien"');
  assert.equal(await unlike.getAttribute('aria-pressed'), 'true');
  assert.equal(await page.getByRole('button', { name: 'Je soutiens', exact: true }).count(), 0);

  journey.commentText = `Pareil pour moi : trois semaines sans nouvelles de mon justificatif (${runStamp}).`;
  await page.getByLabel('Votre commentaire', { exact: true }).fill(journey.commentText);
  response = await followLink(page, page.getByRole('button', { name: 'Commenter', exact: true }));
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, journey.ideaPath);
  const comment = page.locator('.comment-list > li.comment').filter({ hasText: journey.commentText });
  assert.equal(await comment.count(), 1, 'the comment is shown');
  // The counts line (the one holding the support count; the follow section has a meta line too).
  const counts = page.locator('article p.meta').filter({ has: page.locator('.like-count') });
  assert.match(await counts.innerText(), /1 soutien · 1 commentaire/);
  await screenshot(page, 'journey-11-idea-supporter');
  assertNoProblems(page);

  // axe needs JavaScript: the same view in a JavaScript context with this person's cookies.
  const audit = await newContext({ storageState: await journey.ctxB.storageState() });
  try {
    const auditPage = await openPage(audit);
    await auditPage.goto(journeyOrigin() + journey.ideaPath, { waitUntil: 'load' });
    assert.equal(await auditPage.getByRole('button', { name: 'Je retire mon soutien', exact: true }).count(), 1);
    await auditJourneyPage(auditPage, 'idea-supporter');
    // With JavaScript, support toggles in place: no page load; the count, the button and a
    // status message for screen readers follow.
    let navigated = false;
    auditPage.on('framenavigated', (frame) => {
      if (frame === auditPage.mainFrame()) navigated = true;
    });
    const count = auditPage.locator('article .like-count');
    await auditPage.getByRole('button', { name: 'Je retire mon soutien', exact: true }).click();
    await auditPage.getByRole('button', { name: 'Je soutiens', exact: true }).waitFor();
    assert.equal((await count.innerText()).trim(), '0');
    assert.equal(await auditPage.locator('#like-status').textContent(), 'Votre soutien est retiré.');
    await auditPage.getByRole('button', { name: 'Je soutiens', exact: true }).click();
    await auditPage.getByRole('button', { name: 'Je retire mon soutien', exact: true }).waitFor();
    assert.equal((await count.innerText()).trim(), '1');
    assert.equal(navigated, false, 'no page load');
    assertNoProblems(auditPage);
  } finally {
    await audit.close();
  }
  journey.commented = true;
});

test('journey: the author replies to the comment', async () => {
  need('commented');
  const page = journey.pageA;
  await page.goto(journeyOrigin() + journey.ideaPath, { waitUntil: 'load' });
  assert.equal((await page.locator('article .like-count').innerText()).trim(), '1', 'the author sees the support');
  const comment = page.locator('.comment-list > li.comment').filter({ hasText: journey.commentText });
  assert.equal(await comment.count(), 1);
  journey.replyText = `Merci pour votre témoignage, c’est exactement ce que je voulais dire (${runStamp}).`;
  // The reply form is folded in a <details> under each comment: open it first (no JS needed).
  await comment.locator('details.reply > summary').click();
  await comment.getByLabel('Votre réponse', { exact: true }).fill(journey.replyText);
  const response = await followLink(page, comment.getByRole('button', { name: 'Répondre', exact: true }));
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, journey.ideaPath);
  const reply = page
    .locator('.comment-list > li.comment')
    .filter({ hasText: journey.commentText })
    .locator('.reply-list > li.comment');
  assert.equal(await reply.count(), 1, 'one reply under the comment');
  assert.match(await reply.innerText(), new RegExp(journey.replyText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await screenshot(page, 'journey-12-idea-reply');
  assertNoProblems(page);
  await auditJourneyPage(page, 'idea-reply');
  await page.setViewportSize({ width: 375, height: 740 });
  await screenshot(page, 'journey-12-idea-reply-mobile');
  await page.setViewportSize({ width: 1280, height: 800 });
  journey.replied = true;
});

test('journey: account page', async () => {
  need('signedInA');
  const page = journey.pageA;
  const response = await followLink(page, accountNav(page).getByRole('link', { name: /Connecté·e/ }));
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/compte');
  assert.equal(await h1Text(page), 'Mon compte');
  assert.match(await page.locator('main').innerText(), new RegExp(journey.emailA.replace(/[.]/g, '\\.')));
  await screenshot(page, 'journey-13-account');
  assertNoProblems(page);
  await auditJourneyPage(page, 'account');
  await journey.ctxA.close();
  await journey.ctxB?.close();
});

for (const entry of JOURNEY_AXE) {
  (entry.todo ? test.todo : test)(`journey axe: ${entry.label}`, async () => {
    const record = axeRecords.get(entry.key);
    assert.ok(record, 'this page was not reached: see the journey checks above');
    if (record.error) assert.fail(record.error);
  });
}
