-- Issue 17, class 1: a read that crosses spaces reaches only what the national space made public.
--
-- The policies below let a local context read national rows. Until now most of them checked only
-- "the row is national and some tenant context is set", so from any local context the application
-- role read the national space's draft campaigns' survey questions, its decisions before the
-- results were published, and its news posts dated in the future. Each national branch now also
-- requires the publication of what the row belongs to:
--
--   table             public when
--   ---------------   ------------------------------------------------------------------------
--   survey_questions  its campaign is published
--   ideas             status 'published' (as before) and its campaign is published
--   idea_comments     status 'published' (as before) and its idea is readable (so: published,
--                     in a published campaign; a published comment under a hidden idea is not)
--   decisions         its campaign's results are published (decisions are shown with them)
--   decision_ideas    its decision is readable
--   decision_themes   its decision is readable
--   news_posts        published_at has passed and its campaign is published
--
-- The audit of every other policy whose USING reaches another tenant's rows, kept as they are:
--   campaigns_national_read            already: scope national and published
--   content_reports_read_origin        the reports a space filed itself (origin = current)
--   survey_responses_read_origin       a space's own respondents' national responses
--   survey_answers_read_origin         the answers of those responses
--   campaign_followers_from_space      a space's own followers of a national campaign
--   usage_*_national_read              only the national context (metering console)
--   idea_likes_read_shared             the lead's migration 20261205000010 (origin only)
--   ideas/idea_comments origin branch  a space's own contributions, whatever their status
--                                      (moderation state on read paths is handled by the
--                                      queries, issue 17 class 4)
-- tests/integration/boundary_policies.rs reads pg_policies and fails for a table whose
-- cross-tenant policy has no fixture there.
--
-- Cost: every added condition is an EXISTS on a primary key ((tenant_id, id) index), placed after
-- the cheap column tests, so it runs only for national rows read from a local context (the
-- owner's own rows match the `_own` policy first). A national idea read locally costs one more
-- index probe into `campaigns`; a national comment two (idea, then campaign).

DROP POLICY survey_questions_read_national ON survey_questions;
CREATE POLICY survey_questions_read_national ON survey_questions FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND EXISTS (SELECT 1 FROM campaigns c
                        WHERE c.tenant_id = survey_questions.tenant_id AND c.id = survey_questions.campaign_id
                          AND c.published_at IS NOT NULL));

DROP POLICY ideas_read_shared ON ideas;
CREATE POLICY ideas_read_shared ON ideas FOR SELECT
    USING (origin_tenant_id = app_current_tenant()
           OR (tenant_id = app_national_tenant() AND status = 'published' AND app_current_tenant() IS NOT NULL
               AND EXISTS (SELECT 1 FROM campaigns c
                            WHERE c.tenant_id = ideas.tenant_id AND c.id = ideas.campaign_id
                              AND c.published_at IS NOT NULL)));

-- The idea is read through its own policy (RLS applies inside policies), which carries the
-- campaign's publication.
DROP POLICY idea_comments_read_shared ON idea_comments;
CREATE POLICY idea_comments_read_shared ON idea_comments FOR SELECT
    USING (origin_tenant_id = app_current_tenant()
           OR (tenant_id = app_national_tenant() AND status = 'published' AND app_current_tenant() IS NOT NULL
               AND EXISTS (SELECT 1 FROM ideas i
                            WHERE i.tenant_id = idea_comments.tenant_id AND i.id = idea_comments.idea_id
                              AND i.status = 'published')));

DROP POLICY decisions_read_national ON decisions;
CREATE POLICY decisions_read_national ON decisions FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND EXISTS (SELECT 1 FROM campaigns c
                        WHERE c.tenant_id = decisions.tenant_id AND c.id = decisions.campaign_id
                          AND c.published_at IS NOT NULL AND c.results_published_at IS NOT NULL));

DROP POLICY decision_ideas_read_national ON decision_ideas;
CREATE POLICY decision_ideas_read_national ON decision_ideas FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND EXISTS (SELECT 1 FROM decisions d
                        WHERE d.tenant_id = decision_ideas.tenant_id AND d.id = decision_ideas.decision_id));

DROP POLICY decision_themes_read_national ON decision_themes;
CREATE POLICY decision_themes_read_national ON decision_themes FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND EXISTS (SELECT 1 FROM decisions d
                        WHERE d.tenant_id = decision_themes.tenant_id AND d.id = decision_themes.decision_id));

DROP POLICY news_posts_read_national ON news_posts;
CREATE POLICY news_posts_read_national ON news_posts FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL
           AND published_at <= now()
           AND EXISTS (SELECT 1 FROM campaigns c
                        WHERE c.tenant_id = news_posts.tenant_id AND c.id = news_posts.campaign_id
                          AND c.published_at IS NOT NULL));
