// A long discussion is read page by page: the demo's national campaign has an idea with more
// threads than a page shows. Anonymous, on the national space: the first page, its pager, the
// next page (numbered on from 51), and the back button to the first page again. axe (and the
// reflow to 320 px) on both pages.

import assert from 'node:assert/strict';
import { base, newContext, openPage, assertNoProblems, assertAccessible, followLink, test } from '../harness.mjs';

test('idea page: a long discussion in pages, back to the first; axe', async () => {
  const context = await newContext();
  try {
    const page = await openPage(context);
    const origin = base('localhost').replace(/\/$/, '');
    await page.goto(`${origin}/consultations/simplifier-les-demarches?ordre=most-commented`, { waitUntil: 'load' });
    await followLink(page, page.locator('.ideas h3 a').first());
    const first = page.url();
    const pager = page.getByRole('navigation', { name: 'Pages de commentaires' });
    assert.match(await pager.innerText(), /Page 1 \/ 2/);
    assert.equal(await page.locator('.comment-list > li').count(), 50, 'fifty threads on a page');
    assertNoProblems(page);
    await assertAccessible(page, 'an idea page with a long discussion, page 1');
    const opening = await page.locator('.comment-list > li').first().getAttribute('id');

    await followLink(page, pager.getByRole('link', { name: 'Commentaires suivants' }));
    assert.match(await pager.innerText(), /Page 2 \/ 2/);
    assert.equal(await page.locator('.comment-list').getAttribute('start'), '51');
    assert.ok((await page.locator('.comment-list > li').count()) >= 1);
    assert.equal(await page.locator(`#${opening}`).count(), 0, 'page 2 shows other threads');
    assert.equal(await pager.getByRole('link', { name: 'Commentaires suivants' }).count(), 0);
    assertNoProblems(page);
    await assertAccessible(page, 'an idea page with a long discussion, page 2');

    await page.goBack({ waitUntil: 'load' });
    assert.equal(page.url(), first);
    assert.match(await pager.innerText(), /Page 1 \/ 2/);
    assert.equal(await page.locator('.comment-list > li').first().getAttribute('id'), opening);
  } finally {
    await context.close();
  }
});
