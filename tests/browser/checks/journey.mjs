// The citizen journey's checks, in order: the first person signs in, answers the survey and
// posts an idea (see journey_setup.mjs for what the checks share; journey_together.mjs goes on).

import assert from 'node:assert/strict';
import {
  base,
  newContext,
  openPage,
  assertNoProblems,
  followLink,
  screenshot,
  test,
  h1Text,
} from '../harness.mjs';
import {
  JOURNEY_HOST,
  JOURNEY_CAMPAIGN,
  runStamp,
  journey,
  journeyOrigin,
  campaignPath,
  surveyPath,
  auditJourneyPage,
  signIn,
  surveyQuestions,
  fillSurvey,
  assertSurveyFilled,
  need,
} from './journey_setup.mjs';

test('journey: gironde home → the national campaign, signed out', async () => {
  journey.ctxA = await newContext();
  const page = (journey.pageA = await openPage(journey.ctxA));
  const response = await page.goto(base(JOURNEY_HOST), { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await screenshot(page, 'journey-01-home');
  await auditJourneyPage(page, 'home');

  const link = page.getByRole('link', { name: JOURNEY_CAMPAIGN.title, exact: true });
  assert.equal(await link.count(), 1, 'one link to the national campaign on the local home page');
  const campaign = await followLink(page, link);
  assert.equal(campaign.status(), 200);
  assert.equal(new URL(page.url()).pathname, campaignPath);
  assert.equal(await h1Text(page), JOURNEY_CAMPAIGN.title);
  assert.match(await page.locator('.hero').innerText(), /Consultation nationale/);
  assert.match(await page.locator('.ideas').innerText(), /Pour proposer une idée, soutenir ou commenter/);
  assert.equal(await page.locator('form.idea-form').count(), 0, 'no idea form when signed out');
  await screenshot(page, 'journey-02-campaign-signed-out');
  assertNoProblems(page);
  await auditJourneyPage(page, 'campaign-signed-out');
  journey.atCampaign = true;
});

test('journey: sign in with the e-mailed link, back on the campaign page', async () => {
  need('atCampaign');
  const page = journey.pageA;
  const shots = {
    form: 'journey-03-sign-in-form',
    sent: 'journey-04-sign-in-sent',
    confirm: 'journey-05-sign-in-confirm',
  };
  await signIn(page, journey.emailA, async (stage) => {
    await screenshot(page, shots[stage]);
    assertNoProblems(page);
    await auditJourneyPage(page, `sign-in-${stage}`);
  });
  assert.equal(await h1Text(page), JOURNEY_CAMPAIGN.title);
  assert.equal(await page.locator('form.idea-form').count(), 1, 'the idea form, now signed in');
  await screenshot(page, 'journey-06-campaign-signed-in');
  assertNoProblems(page);
  await auditJourneyPage(page, 'campaign-signed-in');
  journey.signedInA = true;
});

test('journey: survey error path — Q3 (required) left out gives 422 and the error beside it', async () => {
  need('signedInA');
  const page = journey.pageA;
  await page.goto(journeyOrigin() + campaignPath, { waitUntil: 'load' });
  let response = await followLink(page, page.getByRole('link', { name: 'Répondre au questionnaire', exact: true }));
  assert.equal(response.status(), 200);
  assert.equal(new URL(page.url()).pathname, surveyPath);
  assert.equal(await h1Text(page), 'Questionnaire');
  assert.equal(await page.locator('form fieldset.question').count(), 6, 'six questions');
  assert.equal(await page.locator('form input:checked').count(), 0, 'nothing answered yet (a new person)');
  await screenshot(page, 'journey-07-survey-empty');
  assertNoProblems(page);
  await auditJourneyPage(page, 'survey-empty');
  await page.setViewportSize({ width: 375, height: 740 });
  await screenshot(page, 'journey-07-survey-empty-mobile');
  await auditJourneyPage(page, 'survey-empty-mobile');
  await page.setViewportSize({ width: 1280, height: 800 });

  // With JavaScript every step is on the page, and question 2 follows question 1's answer at once.
  const [q1, q2, q3first] = surveyQuestions(page);
  assert.ok((await q2.isHidden()) && (await q3first.isVisible()), 'all steps shown, question 2 not yet');
  assert.equal(await page.getByRole('button', { name: 'Continuer', exact: true }).count(), 0);
  await q1.getByRole('radio', { name: 'Non', exact: true }).check();
  assert.ok(await q2.isHidden(), '"Non": no question 2');
  await q1.getByRole('radio', { name: 'Oui', exact: true }).check();
  assert.ok(await q2.isVisible(), '"Oui": question 2 appears');

  await fillSurvey(page, ['q3']);
  response = await followLink(page, page.getByRole('button', { name: 'Envoyer mes réponses', exact: true }));
  assert.equal(response.status(), 422, 'a missing required answer is a 422');
  assert.equal(new URL(page.url()).pathname, surveyPath);
  const q3 = surveyQuestions(page)[2];
  const error = q3.locator('.error-message');
  assert.equal(await error.count(), 1, 'one error message inside Q3');
  assert.equal((await error.innerText()).trim(), 'Ce champ est obligatoire.');
  assert.match(await q3.getAttribute('class'), /field-error/);
  const errorId = await error.getAttribute('id');
  assert.ok((await q3.getAttribute('aria-describedby')).split(/\s+/).includes(errorId), 'Q3 is described by its error');
  const summary = page.locator('.error-summary');
  assert.equal(await summary.getAttribute('role'), 'alert');
  const summaryLinks = summary.getByRole('link');
  assert.equal(await summaryLinks.count(), 1, 'one error in the summary');
  assert.equal(await summaryLinks.first().getAttribute('href'), `#${await q3.getAttribute('aria-labelledby')}`);
  for (const i of [0, 1, 3, 4, 5]) {
    assert.equal(await surveyQuestions(page)[i].locator('.error-message').count(), 0, `no error on Q${i + 1}`);
  }
  await assertSurveyFilled(page, ['q3']); // what was typed is kept
  await screenshot(page, 'journey-08-survey-errors');
  assertNoProblems(page);
  await auditJourneyPage(page, 'survey-errors');
  journey.surveyErrorChecked = true;
});

test('journey: survey submitted without JavaScript, saved and shown pre-filled', async () => {
  need('signedInA');
  // Same person (same cookies), JavaScript disabled.
  const context = await newContext({ javaScriptEnabled: false, storageState: await journey.ctxA.storageState() });
  try {
    const page = await openPage(context);
    await page.goto(journeyOrigin() + campaignPath, { waitUntil: 'load' });
    await followLink(page, page.getByRole('link', { name: 'Répondre au questionnaire', exact: true }));
    assert.equal(new URL(page.url()).pathname, surveyPath);
    // Without JavaScript the survey comes in two steps: question 2 depends on question 1.
    const [q1, q2, q3] = surveyQuestions(page);
    assert.match(await page.locator('.survey-progress').innerText(), /Étape 1 sur 2/);
    assert.ok((await q2.isHidden()) && (await q3.isHidden()), 'step 2 waits for question 1');
    assert.equal(await page.getByRole('button', { name: 'Envoyer mes réponses', exact: true }).count(), 0);
    await q1.getByRole('radio', { name: 'Non', exact: true }).check();
    let response = await followLink(page, page.getByRole('button', { name: 'Continuer', exact: true }));
    assert.equal(response.status(), 200);
    assert.ok((await q2.isHidden()) && (await q3.isVisible()), '"Non": step 2 without question 2');
    // Changed on the last step: the questions follow once updated.
    await q1.getByRole('radio', { name: 'Oui', exact: true }).check();
    response = await followLink(page, page.getByRole('button', { name: 'Actualiser les questions selon mes réponses' }));
    assert.ok(await q2.isVisible(), '"Oui": question 2 is asked');
    await fillSurvey(page, ['q1']);
    response = await followLink(page, page.getByRole('button', { name: 'Envoyer mes réponses', exact: true }));
    assert.equal(response.status(), 200);
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, `${surveyPath}?enregistre=1`);
    const notice = page.locator('.notice[role=status]');
    assert.match(await notice.innerText(), /Vos réponses ont été enregistrées/);
    assert.equal(await page.locator('.error-message').count(), 0);
    await assertSurveyFilled(page);
    assert.equal(await page.getByRole('button', { name: 'Enregistrer mes modifications', exact: true }).count(), 1);
    await screenshot(page, 'journey-09-survey-saved');
    assertNoProblems(page);
  } finally {
    await context.close();
  }
  // axe needs JavaScript: audit the same page in the JavaScript context.
  const page = journey.pageA;
  await page.goto(`${journeyOrigin()}${surveyPath}?enregistre=1`, { waitUntil: 'load' });
  assert.match(await page.locator('.notice').innerText(), /Vos réponses ont été enregistrées/);
  await assertSurveyFilled(page);
  await auditJourneyPage(page, 'survey-saved');
  journey.surveySaved = true;
});

test('journey: post an idea on the campaign page, land on it', async () => {
  need('signedInA');
  const page = journey.pageA;
  await page.goto(journeyOrigin() + campaignPath, { waitUntil: 'load' });
  const form = page.locator('form.idea-form');
  journey.ideaTitle = `Un suivi clair des justificatifs ${runStamp}`;
  journey.ideaBody =
    'Après l’envoi d’un justificatif, je ne sais jamais s’il a été reçu ni validé.\n\n' +
    `Un statut « reçu / validé / refusé » dans mon espace éviterait des appels (${runStamp}).`;
  await form.getByRole('radio', { name: 'Expérience', exact: true }).check();
  await form.getByLabel('Titre').fill(journey.ideaTitle);
  await form.getByLabel('Votre contribution', { exact: true }).fill(journey.ideaBody);
  await form.getByLabel('Thème').selectOption('Justificatifs');
  const response = await followLink(page, form.getByRole('button', { name: 'Publier ma contribution', exact: true }));
  assert.equal(response.status(), 200);
  const path = new URL(page.url()).pathname;
  assert.match(path, new RegExp(`^${campaignPath}/idees/[0-9a-f-]+$`), `the idea's page, got ${path}`);
  assert.equal(await h1Text(page), journey.ideaTitle);
  const article = page.locator('article');
  assert.deepEqual(
    (await article.locator('.badges .badge').allInnerTexts()).map((s) => s.trim()),
    ['Expérience', 'Justificatifs'],
  );
  assert.deepEqual(
    (await article.locator('.idea-body p').allInnerTexts()).map((s) => s.trim()),
    journey.ideaBody.split('\n\n'),
  );
  assert.equal((await article.locator('.like-count').innerText()).trim(), '0', 'support count of a new idea');
  assert.equal(await page.getByRole('button', { name: 'Je soutiens' }).count(), 0, 'no support button on one’s own idea');
  assert.match(await page.locator('.comments').innerText(), /Aucun commentaire pour le moment/);
  await screenshot(page, 'journey-10-idea-author');
  assertNoProblems(page);
  await auditJourneyPage(page, 'idea-author');
  journey.ideaPath = path;

  // It is listed on the campaign page too.
  await page.goto(journeyOrigin() + campaignPath + '?ordre=newest', { waitUntil: 'load' });
  assert.equal(await page.locator('.idea-list').getByRole('link', { name: journey.ideaTitle, exact: true }).count(), 1);
});
