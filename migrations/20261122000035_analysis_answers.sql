-- Free-text survey answers join ideas in the analysis of a campaign. A contribution is now an
-- idea or one free-text answer (short_text or long_text question) of a respondent's current
-- response, so the analysis tables key contributions by a `contribution_id`:
--   - an idea's id, or
--   - analysis_answer_id(respondent_key, question_id) for an answer: the same person's answer
--     to the same question keeps its id when they edit their response (each edit is a new
--     response row), so themes carry over and merges stay put across runs.
-- The foreign keys to `ideas` go: an id may now name an answer. The application checks that a
-- merged contribution belongs to the campaign (store::merge_contributions).

CREATE FUNCTION analysis_answer_id(respondent_key bytea, question_id uuid) RETURNS uuid
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT md5(respondent_key || uuid_send(question_id))::uuid $$;

ALTER TABLE analysis_assignments DROP CONSTRAINT analysis_assignments_tenant_id_idea_id_fkey;
ALTER TABLE analysis_assignments RENAME COLUMN idea_id TO contribution_id;

ALTER TABLE analysis_duplicates RENAME COLUMN idea_ids TO contribution_ids;

ALTER TABLE analysis_merges DROP CONSTRAINT analysis_merges_tenant_id_idea_id_fkey;
ALTER TABLE analysis_merges DROP CONSTRAINT analysis_merges_tenant_id_into_idea_id_fkey;
ALTER TABLE analysis_merges RENAME COLUMN idea_id TO contribution_id;
ALTER TABLE analysis_merges RENAME COLUMN into_idea_id TO into_contribution_id;
