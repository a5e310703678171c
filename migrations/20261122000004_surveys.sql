-- Surveys: ordered questions of a campaign, and one response per participant.
--
-- Question kinds: single_choice, multiple_choice (with max_choices), scale (scale_min..scale_max,
-- within 1..10), short_text, long_text, ranking (order all the options). A question may be shown
-- only when another question's answer includes a given value (condition_*).
-- A response is keyed by respondent_key, an HMAC of the account and the campaign, so one person
-- has one response. Editing it (until the campaign closes) appends a new version rather than
-- rewriting rows: the current response is the highest version, nothing is ever overwritten, and
-- a local space never needs to UPDATE or DELETE a row of a national survey (RLS forbids it).
-- With an anonymous campaign the response keeps no account_id.

ALTER TABLE campaigns ADD COLUMN anonymous_responses boolean NOT NULL DEFAULT false;

CREATE TABLE survey_questions (
    tenant_id             uuid NOT NULL REFERENCES tenants (id),
    id                    uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id           uuid NOT NULL,
    position              integer NOT NULL,
    kind                  text NOT NULL CHECK (kind IN ('single_choice', 'multiple_choice', 'scale', 'short_text', 'long_text', 'ranking')),
    label                 text NOT NULL CHECK (length(label) BETWEEN 1 AND 500),
    help                  text NOT NULL DEFAULT '',
    required              boolean NOT NULL DEFAULT false,
    options               text[] NOT NULL DEFAULT '{}',
    max_choices           integer CHECK (max_choices IS NULL OR max_choices >= 1),
    scale_min             integer NOT NULL DEFAULT 1 CHECK (scale_min BETWEEN 1 AND 10),
    scale_max             integer NOT NULL DEFAULT 10 CHECK (scale_max BETWEEN 1 AND 10),
    condition_question_id uuid,
    condition_value       text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    FOREIGN KEY (tenant_id, condition_question_id) REFERENCES survey_questions (tenant_id, id),
    UNIQUE (tenant_id, campaign_id, position),
    CHECK (scale_min < scale_max),
    CHECK ((condition_question_id IS NULL) = (condition_value IS NULL)),
    CHECK (kind NOT IN ('single_choice', 'multiple_choice', 'ranking') OR cardinality(options) >= 2)
);

CREATE TABLE survey_responses (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id      uuid NOT NULL,
    origin_tenant_id uuid NOT NULL REFERENCES tenants (id),
    respondent_key   bytea NOT NULL,
    version          integer NOT NULL CHECK (version >= 1),
    account_id       uuid REFERENCES accounts (id) ON DELETE SET NULL,
    submission_key   uuid NOT NULL,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    UNIQUE (tenant_id, campaign_id, respondent_key, version),
    UNIQUE (tenant_id, submission_key)
);
CREATE INDEX survey_responses_current ON survey_responses (tenant_id, campaign_id, respondent_key, version DESC);

CREATE TABLE survey_answers (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    response_id uuid NOT NULL,
    question_id uuid NOT NULL,
    -- A JSON string (texts, single choice), number (scale) or array of strings (multiple, ranking).
    value       jsonb NOT NULL,
    PRIMARY KEY (tenant_id, response_id, question_id),
    FOREIGN KEY (tenant_id, response_id) REFERENCES survey_responses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, question_id) REFERENCES survey_questions (tenant_id, id)
);

ALTER TABLE survey_questions ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_questions FORCE ROW LEVEL SECURITY;
CREATE POLICY survey_questions_own ON survey_questions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
-- Questions of national campaigns are read from every space.
CREATE POLICY survey_questions_read_national ON survey_questions FOR SELECT
    USING (tenant_id = app_national_tenant() AND app_current_tenant() IS NOT NULL);

-- Responses and answers: a space reads and writes its own; for a national survey it may add
-- (and read back) responses whose origin is itself, and never change or remove them.
ALTER TABLE survey_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY survey_responses_own ON survey_responses
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY survey_responses_read_origin ON survey_responses FOR SELECT
    USING (origin_tenant_id = app_current_tenant());
CREATE POLICY survey_responses_contribute_national ON survey_responses FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND origin_tenant_id = app_current_tenant());

ALTER TABLE survey_answers ENABLE ROW LEVEL SECURITY;
ALTER TABLE survey_answers FORCE ROW LEVEL SECURITY;
CREATE POLICY survey_answers_own ON survey_answers
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
CREATE POLICY survey_answers_read_origin ON survey_answers FOR SELECT
    USING (EXISTS (SELECT 1 FROM survey_responses r
                    WHERE r.tenant_id = survey_answers.tenant_id AND r.id = survey_answers.response_id
                      AND r.origin_tenant_id = app_current_tenant()));
CREATE POLICY survey_answers_contribute_national ON survey_answers FOR INSERT
    WITH CHECK (tenant_id = app_national_tenant() AND EXISTS (
        SELECT 1 FROM survey_responses r
         WHERE r.tenant_id = survey_answers.tenant_id AND r.id = survey_answers.response_id
           AND r.origin_tenant_id = app_current_tenant()));
