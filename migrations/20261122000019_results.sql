-- Results and follow-up: what a campaign taught ("Ce que nous avons appris grâce à vous"), the
-- decisions it led to, each linked to the ideas it answers.

-- The operator's synthesis (Markdown, sanitised when rendered), and whether the results were
-- published before the campaign closed (shown as such on the page).
ALTER TABLE campaigns
    ADD COLUMN results_synthesis_md text NOT NULL DEFAULT '' CHECK (length(results_synthesis_md) <= 20000),
    ADD COLUMN results_early boolean NOT NULL DEFAULT false;

CREATE TABLE decisions (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id uuid NOT NULL,
    title       text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    status      text NOT NULL CHECK (status IN ('a_l_etude', 'adoptee', 'realisee', 'non_retenue')),
    explanation text NOT NULL DEFAULT '' CHECK (length(explanation) <= 2000),
    position    integer NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id)
);
CREATE INDEX decisions_by_campaign ON decisions (tenant_id, campaign_id, position);

-- The ideas a decision answers. The foreign keys carry tenant_id: a decision can only link an
-- idea of its own space (another space's idea does not exist for it).
CREATE TABLE decision_ideas (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    decision_id uuid NOT NULL,
    idea_id     uuid NOT NULL,
    PRIMARY KEY (tenant_id, decision_id, idea_id),
    FOREIGN KEY (tenant_id, decision_id) REFERENCES decisions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id)
);
CREATE INDEX decision_ideas_by_idea ON decision_ideas (tenant_id, idea_id);

ALTER TABLE decisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE decisions FORCE ROW LEVEL SECURITY;
CREATE POLICY decisions_own ON decisions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- Decisions on national campaigns are public once the results are: every space reads them.
CREATE POLICY decisions_read_national ON decisions FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL);

ALTER TABLE decision_ideas ENABLE ROW LEVEL SECURITY;
ALTER TABLE decision_ideas FORCE ROW LEVEL SECURITY;
CREATE POLICY decision_ideas_own ON decision_ideas
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY decision_ideas_read_national ON decision_ideas FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL);
