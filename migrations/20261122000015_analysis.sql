-- Semantic analysis of a campaign's contributions: runs (the job queue and the versions),
-- their themes, assignments and near-duplicate groups; the operator's edits, kept apart from
-- the runs so that a new run does not erase them; and merged duplicates.
--
-- A theme has a stable `theme_key` across runs: a new run's theme takes the key of the
-- previous run's theme it overlaps most (by shared contributions), so renames, merges and
-- splits, stored against keys, apply to the new run too. See docs/analysis.md.

-- One requested analysis of a campaign; `version` counts them per campaign. Workers claim
-- queued runs (or running ones whose lease ran out) with FOR UPDATE SKIP LOCKED.
CREATE TABLE analysis_runs (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id    uuid NOT NULL,
    version        integer NOT NULL CHECK (version >= 1),
    status         text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    -- NULL: chosen automatically.
    themes_wanted  integer CHECK (themes_wanted BETWEEN 1 AND 100),
    requested_by   uuid,
    stage          text NOT NULL DEFAULT '',
    progress       real NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    -- Why it failed, or what to know (in words for the operator).
    message        text,
    contributions  integer,
    unclassified   integer,
    theme_choice   text,
    attempts       integer NOT NULL DEFAULT 0,
    lease_until    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    UNIQUE (tenant_id, campaign_id, version)
);
CREATE INDEX analysis_runs_waiting ON analysis_runs (tenant_id, created_at) WHERE status IN ('queued', 'running');

-- The themes a run found, by decreasing size (`position` 0 is the largest).
CREATE TABLE analysis_themes (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    run_id           uuid NOT NULL,
    position         integer NOT NULL CHECK (position >= 0),
    theme_key        uuid NOT NULL,
    label            text NOT NULL,
    key_phrases      text[] NOT NULL DEFAULT '{}',
    size             integer NOT NULL,
    cohesion         real NOT NULL,
    -- Most central contributions first.
    representatives  uuid[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, run_id, position),
    FOREIGN KEY (tenant_id, run_id) REFERENCES analysis_runs (tenant_id, id) ON DELETE CASCADE,
    UNIQUE (tenant_id, run_id, theme_key)
);

-- The theme of each contribution in a run (NULL position: nothing to go by).
CREATE TABLE analysis_assignments (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    run_id     uuid NOT NULL,
    idea_id    uuid NOT NULL,
    position   integer,
    PRIMARY KEY (tenant_id, run_id, idea_id),
    FOREIGN KEY (tenant_id, run_id) REFERENCES analysis_runs (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id)
);

-- Groups of near-duplicate contributions found by a run.
CREATE TABLE analysis_duplicates (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    run_id     uuid NOT NULL,
    group_no   integer NOT NULL,
    idea_ids   uuid[] NOT NULL CHECK (cardinality(idea_ids) >= 2),
    PRIMARY KEY (tenant_id, run_id, group_no),
    FOREIGN KEY (tenant_id, run_id) REFERENCES analysis_runs (tenant_id, id) ON DELETE CASCADE
);

-- The operator's edits to a campaign's themes, replayed in order on every run:
--   rename: theme_key gets `name`;
--   merge:  other_key's contributions join theme_key;
--   split:  theme_key's contributions that mention `phrase` form a new theme other_key, `name`.
CREATE TABLE analysis_edits (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    campaign_id  uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('rename', 'merge', 'split')),
    theme_key    uuid NOT NULL,
    other_key    uuid,
    name         text CHECK (length(name) BETWEEN 1 AND 120),
    phrase       text CHECK (length(phrase) BETWEEN 2 AND 120),
    operator_id  uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    CHECK (kind <> 'rename' OR name IS NOT NULL),
    CHECK (kind <> 'merge' OR other_key IS NOT NULL),
    CHECK (kind <> 'split' OR (other_key IS NOT NULL AND phrase IS NOT NULL AND name IS NOT NULL))
);
CREATE INDEX analysis_edits_campaign ON analysis_edits (tenant_id, campaign_id, created_at);

-- Near-duplicates an operator merged: `idea_id` now counts as part of `into_idea_id` in the
-- analysis (its likes are counted once per person across the group).
CREATE TABLE analysis_merges (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    campaign_id   uuid NOT NULL,
    idea_id       uuid NOT NULL,
    into_idea_id  uuid NOT NULL,
    operator_id   uuid,
    merged_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idea_id),
    FOREIGN KEY (tenant_id, campaign_id) REFERENCES campaigns (tenant_id, id),
    FOREIGN KEY (tenant_id, idea_id) REFERENCES ideas (tenant_id, id),
    FOREIGN KEY (tenant_id, into_idea_id) REFERENCES ideas (tenant_id, id),
    CHECK (idea_id <> into_idea_id)
);
CREATE INDEX analysis_merges_campaign ON analysis_merges (tenant_id, campaign_id);

-- Row-level security, as for every tenant table: own rows only, fail closed.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['analysis_runs', 'analysis_themes', 'analysis_assignments',
                             'analysis_duplicates', 'analysis_edits', 'analysis_merges'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (tenant_id = app_current_tenant()) '
                       'WITH CHECK (tenant_id = app_current_tenant())', t || '_own', t);
    END LOOP;
END;
$$;
