-- Issue 17, class 3: a reference between tenant rows is a foreign key that carries tenant_id, so
-- the database itself refuses a row of one space that names a row of another.
--
-- Every declared foreign key between tenant tables already carried tenant_id. The references
-- that had no foreign key at all, and what they get here:
--
--   content_reports.target_id   (idea or comment, by target_kind)
--       + idea_id: the reported idea, FK (tenant_id, idea_id) -> ideas; for an idea report it
--         equals target_id (CHECK);
--       + comment_id, generated from target_id when target_kind = 'comment', FK
--         (tenant_id, idea_id, comment_id) -> idea_comments (tenant_id, idea_id, id): the
--         comment is of this space *and of the reported idea*.
--   moderation_actions.target_id (idea or comment, by target_kind)
--       + idea_id / comment_id, generated from target_id by target_kind, FKs with tenant_id.
--   idea_comments.parent_id      FK (tenant_id, parent_id) becomes (tenant_id, idea_id,
--                                parent_id): a reply's parent is a comment of the same idea.
--   analysis_merges.contribution_id, into_contribution_id
--       an idea's id or an answer's analysis_answer_id(), so no foreign key can hold it: a
--       constraint trigger checks that both name a contribution of the merge's campaign in the
--       merge's space (an idea of it, or a free-text answer of one of its responses), and raises
--       foreign_key_violation like a foreign key would.
--
-- Left as they are (listed with their reason in tests/integration/boundary_references.rs, which
-- fails on any other id column without a foreign key): arrays of ids written by the analysis job
-- from its own reads (analysis_duplicates.contribution_ids, analysis_themes.representatives),
-- analysis_assignments.contribution_id (the job's own reads; a trigger there would cost a scan
-- per row of every run), workshop_applications.sessions, theme keys, operator ids (platform
-- table), submission keys.
--
-- The handlers turn a foreign_key_violation (23503) into a 404: the row named does not exist
-- in this space (src/error.rs).

-- A reply's parent, and a reported comment, are comments of a given idea.
ALTER TABLE idea_comments ADD CONSTRAINT idea_comments_of_idea UNIQUE (tenant_id, idea_id, id);
ALTER TABLE idea_comments DROP CONSTRAINT idea_comments_tenant_id_parent_id_fkey;
ALTER TABLE idea_comments ADD CONSTRAINT idea_comments_parent_of_same_idea
    FOREIGN KEY (tenant_id, idea_id, parent_id) REFERENCES idea_comments (tenant_id, idea_id, id);

-- Reports: the backfill reads every space's rows, so RLS is lifted for the owner for the
-- duration of this migration's transaction (forced again below).
ALTER TABLE content_reports NO FORCE ROW LEVEL SECURITY;
ALTER TABLE idea_comments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE content_reports ADD COLUMN idea_id uuid;
UPDATE content_reports SET idea_id = target_id WHERE target_kind = 'idea';
UPDATE content_reports r SET idea_id = c.idea_id
  FROM idea_comments c
 WHERE r.target_kind = 'comment' AND c.tenant_id = r.tenant_id AND c.id = r.target_id;
-- A comment report whose comment is not of the report's space is the break this migration closes:
-- no moderator of that space could act on it. It goes.
DELETE FROM content_reports WHERE idea_id IS NULL;
ALTER TABLE content_reports FORCE ROW LEVEL SECURITY;
ALTER TABLE idea_comments FORCE ROW LEVEL SECURITY;

ALTER TABLE content_reports
    ALTER COLUMN idea_id SET NOT NULL,
    ADD COLUMN comment_id uuid GENERATED ALWAYS AS (CASE WHEN target_kind = 'comment' THEN target_id END) STORED,
    ADD CONSTRAINT content_reports_idea_target CHECK (target_kind <> 'idea' OR target_id = idea_id),
    ADD CONSTRAINT content_reports_idea FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id),
    ADD CONSTRAINT content_reports_comment_of_idea
        FOREIGN KEY (tenant_id, idea_id, comment_id) REFERENCES idea_comments (tenant_id, idea_id, id);

ALTER TABLE moderation_actions
    ADD COLUMN idea_id uuid GENERATED ALWAYS AS (CASE WHEN target_kind = 'idea' THEN target_id END) STORED,
    ADD COLUMN comment_id uuid GENERATED ALWAYS AS (CASE WHEN target_kind = 'comment' THEN target_id END) STORED,
    ADD CONSTRAINT moderation_actions_idea FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id),
    ADD CONSTRAINT moderation_actions_comment FOREIGN KEY (tenant_id, comment_id) REFERENCES idea_comments (tenant_id, id);

-- Merges: both ends are contributions of the merge's campaign in the merge's space. Runs as the
-- caller, under RLS: the operator's own space, whose rows it reads (a row it cannot read is
-- refused, failing closed). An operator action, rare: the answer branch's scan of the campaign's
-- responses is acceptable there.
CREATE FUNCTION analysis_merges_check_contributions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    named uuid;
BEGIN
    FOREACH named IN ARRAY ARRAY[NEW.contribution_id, NEW.into_contribution_id] LOOP
        IF NOT EXISTS (SELECT 1 FROM ideas i
                        WHERE i.tenant_id = NEW.tenant_id AND i.id = named AND i.campaign_id = NEW.campaign_id)
           AND NOT EXISTS (SELECT 1 FROM survey_responses r
                             JOIN survey_questions q
                               ON q.tenant_id = r.tenant_id AND q.campaign_id = r.campaign_id
                              AND q.kind IN ('short_text', 'long_text')
                            WHERE r.tenant_id = NEW.tenant_id AND r.campaign_id = NEW.campaign_id
                              AND analysis_answer_id(r.respondent_key, q.id) = named) THEN
            RAISE EXCEPTION 'analysis_merges: % is not a contribution of campaign % in this space',
                named, NEW.campaign_id
                USING ERRCODE = 'foreign_key_violation', TABLE = 'analysis_merges';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER analysis_merges_contributions
    AFTER INSERT OR UPDATE OF tenant_id, campaign_id, contribution_id, into_contribution_id ON analysis_merges
    FOR EACH ROW EXECUTE FUNCTION analysis_merges_check_contributions();
