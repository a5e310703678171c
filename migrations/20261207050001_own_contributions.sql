-- Issue 24, item 1: citizens own what they wrote. The author edits their idea or comment while
-- the campaign is open (likes stay), or withdraws it.
--
-- A withdrawal is the state the account deletion already used: status 'hidden' with
-- hidden_by = 'author' (20261207004100_moderation_reasons_shown.sql). So a withdrawn
-- contribution behaves like a hidden one on every read path (pages, API, caches, search,
-- exports, analysis, open data), and its placeholder says "Retirée par son auteur", never the
-- moderation wording. Nothing new to add for it here.

-- When the author last changed the text (NULL: never). The pages say "modifié le …".
ALTER TABLE ideas ADD COLUMN edited_at timestamptz;
ALTER TABLE idea_comments ADD COLUMN edited_at timestamptz;

-- The earlier versions of an edited idea or comment, for the moderators (an edit must not wipe
-- what was reported). One row per edit: the text as it was before it, written at `written_at`
-- (the creation or the previous edit) and replaced at `replaced_at`. In the idea's space, like
-- the moderation trail: the edit runs in that space's context.
CREATE TABLE contribution_versions (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    idea_id     uuid NOT NULL,
    -- NULL: a version of the idea itself; else of this comment of the idea.
    comment_id  uuid,
    -- The idea's title and theme (NULL for a comment).
    title       text,
    body        text NOT NULL,
    theme       text,
    written_at  timestamptz NOT NULL,
    replaced_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id),
    FOREIGN KEY (tenant_id, comment_id) REFERENCES idea_comments (tenant_id, id),
    CHECK ((comment_id IS NULL) = (title IS NOT NULL))
);
CREATE INDEX contribution_versions_target ON contribution_versions (tenant_id, idea_id, comment_id, replaced_at);

ALTER TABLE contribution_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE contribution_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY contribution_versions_own ON contribution_versions
    USING (tenant_id = app_current_tenant()) WITH CHECK (tenant_id = app_current_tenant());
