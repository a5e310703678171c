-- The profile dimension of a campaign's priority score. ecoute records no participant profile;
-- an operator may choose one single-choice question of the campaign's survey ("Vous êtes :
-- allocataire / non allocataire / agent de la Caf") whose answers stand for profiles. Without a
-- choice, the spread across profiles falls back to the kinds of contribution.

CREATE TABLE analysis_settings (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    campaign_id          uuid NOT NULL,
    -- A single_choice question of the campaign (checked by the application), or none. Removing
    -- the question from the survey removes the choice, not the question's removal.
    profile_question_id  uuid,
    updated_by           uuid,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, campaign_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    FOREIGN KEY (tenant_id, profile_question_id) REFERENCES survey_questions (tenant_id, id)
        ON DELETE SET NULL (profile_question_id)
);

ALTER TABLE analysis_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE analysis_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY analysis_settings_own ON analysis_settings
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
