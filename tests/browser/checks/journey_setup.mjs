// The citizen journey's shared state and steps: its space, campaign and people, the pages axe
// audits on the way, the magic-link sign-in and the survey's answers. Used by journey.mjs, and
// by any check that needs a signed-in citizen (signIn).

import assert from 'node:assert/strict';
import {
  base,
  assertAccessible,
  followLink,
  signInLinkFor,
  h1Text,
  accountNav,
} from '../harness.mjs';

// ---------------------------------------------------------------------------------------------
// The citizen journey on a local space (gironde), national campaign "Simplifier vos démarches en
// ligne": home → campaign → sign-in by e-mailed link → survey (error path, then a submission
// without JavaScript) → an idea → a second person supports it and comments (without JavaScript)
// → the author replies → account page. The checks below run in order and share `journey`; each
// page of the way is audited by axe as it is met, and one `journey axe: …` check per page reports
// the result, so that a known accessibility bug of one page can be a `test.todo` on its own.
//
// The demo database is kept between runs: the two people have e-mail addresses unique to the run
// and nothing assumes a count except on the idea created here.

export const JOURNEY_HOST = 'gironde.localhost';
export const JOURNEY_CAMPAIGN = { slug: 'simplifier-les-demarches', title: 'Simplifier vos démarches en ligne' };
export const runStamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
export const journey = {
  emailA: `parcours-a-${runStamp}@example.fr`,
  emailB: `parcours-b-${runStamp}@example.fr`,
};
export const journeyOrigin = () => base(JOURNEY_HOST).replace(/\/$/, '');
export const campaignPath = `/consultations/${JOURNEY_CAMPAIGN.slug}`;
export const surveyPath = `${campaignPath}/questionnaire`;

// The pages audited by axe (key → label), in journey order. `todo: true` marks a page whose
// violations are a known bug of the app (see README: turn it back into a test once fixed).
export const JOURNEY_AXE = [
  { key: 'home', label: 'home page (gironde)' },
  { key: 'campaign-signed-out', label: 'campaign page, signed out' },
  { key: 'sign-in-form', label: 'sign-in form' },
  { key: 'sign-in-sent', label: 'sign-in "check your mail" page' },
  { key: 'sign-in-confirm', label: 'sign-in confirmation page (the link)' },
  { key: 'campaign-signed-in', label: 'campaign page, signed in' },
  { key: 'survey-empty', label: 'survey page, empty' },
  { key: 'survey-empty-mobile', label: 'survey page, empty, at 375 px' },
  { key: 'survey-errors', label: 'survey page with errors (422)' },
  { key: 'survey-saved', label: 'survey page, saved and pre-filled' },
  { key: 'idea-author', label: 'idea page, seen by its author' },
  { key: 'idea-supporter', label: 'idea page, supported and commented by another person' },
  { key: 'idea-reply', label: 'idea page with a comment and its reply' },
  { key: 'account', label: 'account page (/compte)' },
];
export const axeRecords = new Map(); // key → { error?: string }

/// Runs axe on the page as it is and records the result for the `journey axe: …` checks.
export async function auditJourneyPage(page, key) {
  const entry = JOURNEY_AXE.find((e) => e.key === key);
  assert.ok(entry, `unknown axe key ${key}`);
  try {
    await assertAccessible(page, `${entry.label} (${page.url()})`);
    axeRecords.set(key, {});
  } catch (e) {
    axeRecords.set(key, { error: String(e?.message ?? e) });
  }
}


/// From a page showing the header's "Se connecter": the whole magic-link sign-in, ending back on
/// that page, signed in. `visit(stage, page)` is called on each page of the way (for axe and
/// screenshots). Works with or without JavaScript.
export async function signIn(page, email, visit = async () => {}) {
  const before = new URL(page.url()).pathname;
  let response = await followLink(page, accountNav(page).getByRole('link', { name: 'Se connecter', exact: true }));
  assert.equal(response.status(), 200, 'GET /connexion');
  assert.equal(new URL(page.url()).pathname, '/connexion');
  assert.equal(new URL(page.url()).searchParams.get('retour'), before, 'the sign-in link remembers the page');
  assert.equal(await h1Text(page), 'Se connecter');
  await visit('form', page);

  await page.getByLabel('Adresse électronique').fill(email);
  response = await followLink(page, page.getByRole('button', { name: 'Recevoir mon lien de connexion' }));
  assert.equal(response.status(), 200, 'POST /connexion');
  assert.equal(await h1Text(page), 'Consultez votre messagerie');
  await visit('sent', page);

  const link = await signInLinkFor(email);
  response = await page.goto(journeyOrigin() + link, { waitUntil: 'load' });
  assert.equal(response.status(), 200, `GET ${link}`);
  assert.equal(await h1Text(page), 'Se connecter');
  assert.equal(await accountNav(page).getByRole('button', { name: 'Se déconnecter' }).count(), 0, 'not signed in yet');
  await visit('confirm', page);

  response = await followLink(page, page.getByRole('button', { name: 'Me connecter', exact: true }));
  assert.equal(response.status(), 200, 'POST /connexion/lien');
  assert.equal(new URL(page.url()).pathname, before, 'back on the page the sign-in started from');
  await accountNav(page).getByRole('button', { name: 'Se déconnecter', exact: true }).waitFor({ timeout: 5000 });
  assert.equal(await accountNav(page).getByRole('link', { name: 'Se connecter' }).count(), 0);
}

/// The survey's six questions (fieldsets, in order) on the current page.
export function surveyQuestions(page) {
  const all = page.locator('form fieldset.question');
  return [0, 1, 2, 3, 4, 5].map((i) => all.nth(i));
}

export const SURVEY_ANSWERS = {
  q1: 'Oui',
  q2: ['Déclaration trimestrielle', 'Envoi d’un justificatif'],
  q3: '7',
  q4: ['2', '3', '1'], // ranks of the three propositions, in their order
  q5: `Déclaration ${runStamp}`,
  q6:
    'Le justificatif de domicile a été refusé deux fois sans explication.\n\n' +
    `Un message clair m’aurait aidé (${runStamp}).`,
};

/// Fills the survey; `skip` names questions to leave unanswered.
export async function fillSurvey(page, skip = []) {
  const [q1, q2, q3, q4, q5, q6] = surveyQuestions(page);
  if (!skip.includes('q1')) await q1.getByRole('radio', { name: SURVEY_ANSWERS.q1, exact: true }).check();
  if (!skip.includes('q2')) {
    for (const o of SURVEY_ANSWERS.q2) await q2.getByRole('checkbox', { name: o, exact: true }).check();
  }
  if (!skip.includes('q3')) await q3.getByRole('radio', { name: SURVEY_ANSWERS.q3, exact: true }).check();
  if (!skip.includes('q4')) {
    const selects = q4.locator('select');
    assert.equal(await selects.count(), 3, 'three propositions to rank');
    for (let i = 0; i < 3; i++) await selects.nth(i).selectOption(SURVEY_ANSWERS.q4[i]);
  }
  if (!skip.includes('q5')) await q5.getByRole('textbox').fill(SURVEY_ANSWERS.q5);
  if (!skip.includes('q6')) await q6.getByRole('textbox').fill(SURVEY_ANSWERS.q6);
}

/// Checks the form shows the answers of SURVEY_ANSWERS (except `skip`).
export async function assertSurveyFilled(page, skip = []) {
  const [q1, q2, q3, q4, q5, q6] = surveyQuestions(page);
  if (!skip.includes('q1')) {
    assert.ok(await q1.getByRole('radio', { name: 'Oui', exact: true }).isChecked(), 'Q1 "Oui" checked');
    assert.ok(!(await q1.getByRole('radio', { name: 'Non', exact: true }).isChecked()), 'Q1 "Non" not checked');
  }
  if (!skip.includes('q2')) {
    const boxes = q2.getByRole('checkbox');
    const n = await boxes.count();
    assert.equal(n, 5, 'Q2 has five checkboxes');
    for (let i = 0; i < n; i++) {
      const name = (await boxes.nth(i).evaluate((el) => el.value)).trim();
      assert.equal(await boxes.nth(i).isChecked(), SURVEY_ANSWERS.q2.includes(name), `Q2 "${name}" checked state`);
    }
  }
  if (!skip.includes('q3')) {
    const checked = await q3.locator('input[type=radio]:checked').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(checked, [SURVEY_ANSWERS.q3], 'Q3 value');
  }
  if (!skip.includes('q4')) {
    const ranks = await q4.locator('select').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(ranks, SURVEY_ANSWERS.q4, 'Q4 ranks');
  }
  if (!skip.includes('q5')) assert.equal(await q5.getByRole('textbox').inputValue(), SURVEY_ANSWERS.q5, 'Q5 text');
  if (!skip.includes('q6')) assert.equal(await q6.getByRole('textbox').inputValue(), SURVEY_ANSWERS.q6, 'Q6 text');
}

/// The state of an earlier journey step, or a clear failure when that step did not succeed.
export function need(...keys) {
  for (const k of keys) assert.ok(journey[k], `an earlier journey check did not get as far as "${k}"; see above`);
}
